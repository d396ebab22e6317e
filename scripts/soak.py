"""`make soak`: the New Observables trigger, unattended, against a feed that does not stop.

The release binary runs the trigger for SOAK_SECONDS (default 600) against the simulator adding
SOAK_RATE observables a second (default 50), with the dispatcher receiver failing 1% of posts and the
simulator answering 2% of polls with 503. It then reports, for BENCHMARKS.md:

- events delivered (distinct update_ids) against observables added: must be equal;
- duplicates, failed posts, polls and the 503s among them;
- peak RSS (VmHWM) at 1 minute and at the end: the growth must be at most 2 MiB;
- the delay from each observable's modified_ts to its delivery: p50, p99, max.

Exit status 0 only when nothing was lost and memory stayed flat. Not part of `make test` (it takes
the whole duration); run it after a change to the trigger's loop, delivery or state.
Usage: python3 scripts/soak.py PLUGIN_BINARY SIMULATOR_BINARY
"""

import datetime
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

SECONDS = int(os.environ.get("SOAK_SECONDS", "600"))
RATE = float(os.environ.get("SOAK_RATE", "50"))
INTERVAL = int(os.environ.get("SOAK_INTERVAL", "10"))
STABILITY = int(os.environ.get("SOAK_STABILITY_SECONDS", "10"))
KEY = "soak-api-key-not-secret"
USER = "analyst@example.com"
TRIGGER_ID = "soak"
MAX_GROWTH_KIB = 2048


def start(command, name, workdir):
    """Starts a simulator process and answers with it and the URL it prints."""
    out = open(os.path.join(workdir, name + ".out"), "w+")
    process = subprocess.Popen(command, stdout=out, stderr=subprocess.DEVNULL)
    for _ in range(400):
        out.seek(0)
        for line in out.read().splitlines():
            if line.startswith("listening on "):
                return process, line[len("listening on "):].strip()
        time.sleep(0.05)
    raise SystemExit(f"{name} did not start")


def call(method, url, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=120) as answer:
        text = answer.read()
    return json.loads(text) if text else None


def rss_kib(pid, field="VmHWM"):
    """The process's peak (VmHWM) or current (VmRSS) resident set size."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def largest_poll(log_path):
    """The most observables one poll delivered: what sets the peak (one page is held at a time)."""
    with open(log_path) as log:
        counts = [int(line.split()[1]) for line in log if line.startswith("Poll: ")]
    return max(counts, default=0)


def epoch_ms(timestamp):
    parsed = datetime.datetime.strptime(timestamp, "%Y-%m-%dT%H:%M:%S.%fZ")
    return parsed.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000


def percentile(values, fraction):
    """The value at `fraction` of the sorted values; None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def seconds(ms):
    return None if ms is None else round(ms / 1000, 2)


class Faults:
    """1% of posts fail, drawn per post as they come (seeded, so runs compare), and 2% of polls get a
    503: every 50th, from the 25th, so a 10-minute run of about 55 polls always has one.

    The receiver fails the next posts it gets, so a failure is queued only when none is pending and a
    post was accepted since the last one: otherwise a burst of posts would queue several at once, and
    they would all land on the retries of one event, which independent 1% failures almost never do.
    """

    def __init__(self, simulator, receiver):
        self.simulator, self.receiver = simulator, receiver
        self.random = random.Random(7)
        self.posts_seen = self.post_failures = self.owed = 0
        self.accepted_at_last_failure = -1
        self.polls_seen = self.poll_failures = 0
        self.polls_checked = 0.0

    def step(self):
        stats = call("GET", self.receiver + "/__receiver/stats")
        self.owed += sum(1 for _ in range(stats["received"] - self.posts_seen) if self.random.random() < 0.01)
        self.posts_seen = stats["received"]
        pending = self.post_failures > stats["failed"]
        if self.owed and not pending and stats["accepted"] > self.accepted_at_last_failure:
            call("POST", self.receiver + "/__receiver/fail", {"times": 1, "status": 503})
            self.post_failures += 1
            self.owed -= 1
            self.accepted_at_last_failure = stats["accepted"]
        if time.time() - self.polls_checked < 0.5:
            return
        self.polls_checked = time.time()
        requests = call("GET", self.simulator + "/__simulator/requests")
        polls = sum(1 for r in requests if r["path"] == "/api/v2/intelligence/")
        for number in range(self.polls_seen + 1, polls + 1):
            if number % 50 == 25:
                rule = {"kind": "status", "status": 503, "body": "{}", "path": "/api/v2/intelligence/", "times": 1}
                call("POST", self.simulator + "/__simulator/faults", rule)
                self.poll_failures += 1
        self.polls_seen = polls


def trigger_message(simulator, receiver):
    return {"version": "v1", "type": "trigger_start",
            "body": {"trigger": "new_observables", "meta": {"triggerId": TRIGGER_ID},
                     "input": {"interval": INTERVAL, "stability_window_seconds": STABILITY},
                     "dispatcher": {"url": receiver + "/events", "webhook_url": ""},
                     "connection": {"username": USER, "url": simulator, "api_key": {"secretKey": KEY}}}}


def run(plugin, simulator_binary, workdir):
    sim_process, simulator = start([simulator_binary, "--api-key", KEY], "simulator", workdir)
    rec_process, receiver = start([simulator_binary, "--receiver", "--keep-events", "1000000"], "receiver", workdir)
    children = [sim_process, rec_process]
    try:
        env = dict(os.environ, ANOMALI_THREATSTREAM_WORKSPACE=workdir)
        log = open(os.path.join(workdir, "trigger.log"), "w")
        trigger = subprocess.Popen([plugin, "run"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=log, env=env)
        children.append(trigger)
        trigger.stdin.write(json.dumps(trigger_message(simulator, receiver)).encode())
        trigger.stdin.close()
        state = os.path.join(workdir, "cache", TRIGGER_ID + ".json")
        deadline = time.time() + 60
        while not os.path.exists(state):
            if time.time() > deadline or trigger.poll() is not None:
                raise SystemExit("the trigger did not save its first cursor; see " + log.name)
            time.sleep(0.1)
        total = int(RATE * SECONDS)
        after = call("POST", simulator + "/__simulator/feed", {"per_second": RATE, "total": total})["after_update_id"]
        result = measure(trigger, simulator, receiver, after, total)
        result["largest_poll"] = largest_poll(log.name)
        return report(simulator, receiver, after, result)
    finally:
        for child in children:
            if child.poll() is None:
                child.kill()


def measure(trigger, simulator, receiver, after, total):
    faults = Faults(simulator, receiver)
    started = time.time()
    rss_1m = current_1m = None
    while time.time() - started < SECONDS:
        faults.step()
        if rss_1m is None and time.time() - started >= 60:
            rss_1m, current_1m = rss_kib(trigger.pid), rss_kib(trigger.pid, "VmRSS")
        # Often enough to spread the post failures through a poll's burst of events.
        time.sleep(0.05)
    # The last observables wait out the stability window and a poll interval or two.
    drain_until = time.time() + STABILITY + 3 * INTERVAL + 60
    while call("GET", receiver + "/__receiver/stats")["distinct_update_ids"] < total and time.time() < drain_until:
        faults.step()
        time.sleep(0.05)
    rss_end, current_end = rss_kib(trigger.pid), rss_kib(trigger.pid, "VmRSS")
    trigger.send_signal(signal.SIGTERM)
    code = trigger.wait(timeout=120)
    return {"faults": faults, "rss_1m": rss_1m or rss_end, "rss_end": rss_end, "current_1m": current_1m or current_end,
            "current_end": current_end, "code": code, "elapsed": time.time() - started}


def report(simulator, receiver, after, measured):
    faults, rss_1m, rss_end, code = measured["faults"], measured["rss_1m"], measured["rss_end"], measured["code"]
    added = call("GET", simulator + "/__simulator/feed")["added"]
    expected = {r["update_id"] for r in call("GET", simulator + f"/__simulator/records?update_id__gt={after}")}
    events = call("GET", receiver + "/__receiver/events")
    stats = events["stats"]
    delays, delivered = [], set()
    for event in events["events"]:
        if event["outcome"] != "accepted":
            continue
        observable = event["body"]["body"]["output"]["observable"]
        delivered.add(observable["update_id"])
        delays.append(event["received_at_ms"] - epoch_ms(observable["modified_ts"]))
    result = {
        "seconds": round(measured["elapsed"]), "rate": RATE, "interval": INTERVAL, "stability_window": STABILITY,
        "added": added, "delivered": len(delivered), "missing": len(expected - delivered),
        "unexpected": len(delivered - expected), "duplicates": stats["duplicate_update_ids"],
        "posts": stats["received"], "failed_posts": stats["failed"], "polls": faults.polls_seen,
        "polls_answered_503": faults.poll_failures, "peak_rss_1m_kib": rss_1m, "peak_rss_end_kib": rss_end,
        "growth_kib": rss_end - rss_1m, "rss_now_1m_kib": measured["current_1m"],
        "rss_now_end_kib": measured["current_end"], "largest_poll": measured["largest_poll"], "delay_p50_s": seconds(percentile(delays, 0.5)),
        "delay_p99_s": seconds(percentile(delays, 0.99)), "delay_max_s": seconds(max(delays, default=None)),
        "exit_code": code,
    }
    print(json.dumps(result, indent=2))
    delay = (f"p50 {result['delay_p50_s']} s, p99 {result['delay_p99_s']} s, max {result['delay_max_s']} s" if delays
             else "no event delivered")
    print(f"| {result['seconds']} s at {RATE:g}/s, interval {INTERVAL} s, window {STABILITY} s | "
          f"{added} added, {len(delivered)} delivered, {result['missing']} missing, {result['duplicates']} duplicates | "
          f"{stats['failed']} of {stats['received']} posts failed; {faults.poll_failures} of {faults.polls_seen} polls 503 | "
          f"{rss_1m / 1024:.1f} MiB at 1 min, {rss_end / 1024:.1f} MiB at the end (+{result['growth_kib']} KiB) | "
          f"{delay} |")
    if not delivered:
        # Nothing delivered is nothing measured: a failed soak, whatever the other numbers say.
        print(f"soak failed: 0 events delivered ({added} observables added)", file=sys.stderr)
        return 1
    sound = (len(delivered) == added and not result["missing"] and not result["unexpected"]
             and result["growth_kib"] <= MAX_GROWTH_KIB and code == 0)
    return 0 if sound else 1


def main():
    plugin, simulator_binary = sys.argv[1:3]
    with tempfile.TemporaryDirectory(prefix="soak-") as workdir:
        return run(plugin, simulator_binary, workdir)


if __name__ == "__main__":
    sys.exit(main())
