#!/usr/bin/env python3
"""The image run as InsightConnect's orchestrator runs it, against the ThreatStream simulator.

Called by scripts/image-test.sh once the image and its .plg are built:
    image_test.py ENGINE IMAGE BASE PLG SIMULATOR_BINARY

- Every action's sample start message (tests/*.json, one per action) goes through
  `ENGINE run --rm -i --network host IMAGE run`, and then `test`, with the connection pointed at the
  simulator and each input set to the spec's example. Events are checked as tests/harness.rs checks
  them: the last stdout line, its shape, status ok and exit 0.
- `IMAGE http` in a container: a lookup and a connection test POSTed to it, the action list it
  reports against tests/*.json, then `ENGINE stop` and exit code 0 (SIGTERM handled).
- The process runs as nobody; /plugin.spec.yaml is the repository's; a TLS lookup succeeds with the
  simulator's CA mounted and named by SSL_CERT_FILE, and fails with a certificate error without it.
- The image is at most 20 MB larger than its base.
- The .plg is loaded back (`gunzip -c PLG | ENGINE load`) after the image is removed, and runs.

The API key is a canary that must appear in no output, log or answer.
"""

import glob
import gzip
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request

import yaml

KEY = "canary-key-image-test-8b2d71e4-never-print-me"
USERNAME = "analyst@example.com"
MAX_GROWTH = 20 * 1000 * 1000
# A step against a loopback simulator takes well under a second; the rest is container start-up.
RUN_DEADLINE = 60

def one_of(action):
    """Inputs whose examples cannot be given together, because the action takes exactly one of them:
    each input whose schema names another as `alternativeTo` (the types say so, and help.md's example
    input leaves it out). Each runs on its own, the other left out; [[]] when there are none."""
    schema = json.load(open(os.path.join(ROOT, "schemas", f"{action}.input.json")))
    pairs = [(name, prop["alternativeTo"]) for name, prop in schema.get("properties", {}).items()
             if "alternativeTo" in prop]
    groups = []
    for name, other in pairs:
        for member in (other, name):
            if [member] not in groups:
                groups.append([member])
    return groups or [[]]


# Actions whose sample cannot succeed against the simulator, each with the reason and a text its
# error must contain, so that it is shown to have been tried. None so far.
EXPECTED_ERRORS = {}

ENGINE, IMAGE, BASE, PLG, SIMULATOR = sys.argv[1:6]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = tempfile.mkdtemp(prefix="image-test.")
# Everything the plugin printed or answered, searched for the canary at the end.
SEEN = []
CLEANUP = []


def fail(message):
    print(f"image-test: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


def say(message):
    print(f"image-test: {message}", file=sys.stderr)


def engine(*args, stdin=None, deadline=RUN_DEADLINE, check=True):
    try:
        done = subprocess.run([ENGINE, *args], input=stdin, capture_output=True, timeout=deadline)
    except subprocess.TimeoutExpired:
        fail(f"`{ENGINE} {' '.join(args[:6])} ...` did not finish within {deadline} s")
    if check and done.returncode != 0:
        fail(f"`{ENGINE} {' '.join(args[:6])} ...` exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return done


def start_simulator(name, *args):
    """Starts the simulator on 127.0.0.1 and answers its URL."""
    out = open(os.path.join(WORK, f"{name}.out"), "w+")
    process = subprocess.Popen([SIMULATOR, "--api-key", KEY, *args], stdout=out, stderr=subprocess.DEVNULL)
    CLEANUP.append(process.kill)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        out.seek(0)
        match = re.search(r"^listening on (\S+)$", out.read(), re.M)
        if match:
            return match.group(1)
        if process.poll() is not None:
            fail(f"the {name} simulator exited with {process.returncode}")
        time.sleep(0.05)
    fail(f"the {name} simulator did not start within 20 s")


def example(param):
    """The spec's example for one input, decoded when the spec writes an object or list as JSON text."""
    value = param["example"]
    if isinstance(value, str) and param["type"] not in ("string", "date", "bytes", "password"):
        value = json.loads(value)
    return value


# The key that names a step in each kind of start message, and the spec's section of that kind.
STEP_KINDS = {"action": "actions", "trigger": "triggers", "task": "tasks"}


def step_of(sample):
    """(kind, name) of a start message: ("action", "lookup_ip"), ("trigger", ...), ("task", ...)."""
    for kind in STEP_KINDS:
        if kind in sample["body"]:
            return kind, sample["body"][kind]
    fail(f"a sample names no action, trigger or task: {json.dumps(sample)[:200]}")


def messages(spec, url):
    """(label, step name, start message) for each tests/*.json sample, filled in."""
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "*.json"))):
        sample = json.load(open(path))
        kind, action = step_of(sample)
        inputs = spec[STEP_KINDS[kind]][action].get("input") or {}
        missing = [name for name, param in inputs.items() if param.get("required") and "example" not in param]
        if missing:
            fail(f"{action}: the spec gives no example for required input(s) {missing}")
        examples = {name: example(param) for name, param in inputs.items() if "example" in param}
        groups = one_of(action)
        exclusive = {name for group in groups for name in group}
        for group in groups:
            message = json.loads(json.dumps(sample))
            body = message["body"]
            body["connection"].update({"username": USERNAME, "url": url, "api_key": {"secretKey": KEY}})
            for name, value in examples.items():
                if name not in exclusive or name in group:
                    body["input"][name] = value
                else:
                    body["input"].pop(name, None)
            body["meta"] = {"jobId": "image-test"}
            label = action + (f" ({', '.join(group)})" if group else "")
            yield label, action, message


def event_of(label, stdout, code):
    """The event: the last stdout line, shaped as the runtime's (tests/harness.rs)."""
    lines = stdout.decode().strip().splitlines()
    if not lines:
        fail(f"{label}: no event on stdout (exit {code})")
    try:
        event = json.loads(lines[-1])
    except ValueError:
        fail(f"{label}: the last stdout line is not JSON: {lines[-1][:300]}")
    body = event.get("body", {})
    # A task's event carries its state and paging besides (protocol reference §3.1).
    task = {"state", "has_more_pages", "status_code"} if event.get("type") == "task_event" else set()
    extra = set(body) - {"log", "status", "meta", "output", "error", "exception"} - task
    if event.get("version") != "v1" or extra or not isinstance(body.get("log"), str):
        fail(f"{label}: not a runtime event: {lines[-1][:300]}")
    return event


def run_step(label, message, command="run", extra=(), expect=None):
    """Runs one start message in a fresh container; checks an ok event (or the `expect` error)."""
    done = engine("run", "--rm", "-i", "--pull=never", "--network", "host", *extra, IMAGE, command,
                  stdin=json.dumps(message).encode(), check=False)
    SEEN.extend([done.stdout, done.stderr])
    event = event_of(label, done.stdout, done.returncode)
    body = event["body"]
    if expect is None:
        if done.returncode != 0 or body["status"] != "ok" or "error" in body or "output" not in body:
            fail(f"{label} `{command}`: expected ok and exit 0, got exit {done.returncode}: "
                 f"{body.get('error', '')[:500]}\n{done.stderr.decode()[-1000:]}")
    else:
        text = json.dumps(body.get("exception", {}))
        if done.returncode != 1 or body["status"] != "error" or expect not in text:
            fail(f"{label} `{command}`: expected an error containing {expect!r} and exit 1, "
                 f"got exit {done.returncode}: {json.dumps(body)[:500]}")
    return event


def seed_import_session(url):
    """Imports one observable, so the simulator holds the session the samples name (its first,
    1000000344, ready to review at once)."""
    boundary = "image-test-boundary"
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="datatext"\r\n\r\n198.51.100.7\r\n'
            f"--{boundary}--\r\n").encode()
    request = urllib.request.Request(f"{url}/api/v2/intelligence/import/", data=body, method="POST", headers={
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Authorization": f"apikey {USERNAME}:{KEY}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        session = json.load(answer).get("import_session_id")
    if str(session) != "1000000344":
        fail(f"the simulator's first import session is {session}, not the samples' 1000000344")


def check_actions(spec, url):
    actions = set()
    for label, action, message in messages(spec, url):
        actions.add(action)
        if "trigger" in message["body"]:
            continue  # a trigger runs until stopped: `trigger_live` runs it; `test` below polls once
        expected = EXPECTED_ERRORS.get(action)
        # A simulator of its own, as it starts: an earlier sample's write (approving the import
        # session a later sample rejects) must not decide this one's outcome.
        sim = start_simulator(f"for-{action}", "--import-delay-ms", "0")
        message["body"]["connection"]["url"] = sim
        if "import_session_id" in message["body"]["input"]:
            seed_import_session(sim)
        event = run_step(label, message, expect=expected and expected[1])
        CLEANUP.pop()()
        output = event["body"].get("output")
        output = {} if output is None else output
        if isinstance(output, list):  # a task answers its observables as a list, with its state
            output = {"observables": output, "state": event["body"].get("state")}
        shown = {k: (f"{len(v)} records" if isinstance(v, list) else v) for k, v in output.items()}
        say(f"run {label}: {event['body']['status']} {json.dumps(shown)[:160]}")
        if expected:
            say(f"  (expected: {expected[0]})")
    for label, action, message in messages(spec, url):
        event = run_step(label, message, command="test")
        if event["body"]["output"] != {"connection": "Successful"}:
            fail(f"{label} `test`: output {event['body']['output']}")
    say(f"test on every sample: ok ({len(actions)} actions, triggers and tasks)")
    return actions


def trigger_live(spec):
    """Each trigger run for real in a container, as the orchestrator runs it: detached, posting its
    events to a dispatcher (the simulator's receiver) on the host, its state in /workspace/cache, until
    `podman stop`, which it must answer by saving state and exiting 0."""
    for label, trigger, message in messages(spec, ""):
        if "trigger" not in message["body"]:
            continue
        sim = start_simulator(f"trigger-{trigger}", "--import-delay-ms", "0")
        receiver = start_simulator(f"receiver-{trigger}", "--receiver")
        body = message["body"]
        body["connection"]["url"] = sim
        body["dispatcher"]["url"] = f"{receiver}/events"
        body["meta"] = {"triggerId": f"image-test-{trigger}"}
        # Every new observable, at once: the spec's example filters would pass over what is added here.
        body["input"].update({"types": [], "itypes": [], "severities": [], "tags": [], "trusted_circles": [],
                              "exclude_tags": [], "min_confidence": 0, "statuses": ["active"],
                              "stability_window_seconds": 0, "backfill_hours": 0})
        name = f"image-test-{trigger}-{os.getpid()}"
        engine("run", "-d", "--name", name, "--pull=never", "--network", "host",
               "-e", "ANOMALI_THREATSTREAM_TEST_POLL_MS=200", IMAGE, "run", "--", json.dumps(message))
        CLEANUP.append(lambda: engine("rm", "-f", name, check=False))
        time.sleep(1)  # the first poll sets the cursor at what exists; what follows is new
        added = [f"198.18.{n}.1" for n in range(1, 4)]
        control(sim, "/__simulator/records", [{"value": value, "itype": "c2_ip", "confidence": 90} for value in added])
        deadline = time.monotonic() + 30
        while control(receiver, "/__receiver/stats")["accepted"] < len(added):
            if time.monotonic() > deadline:
                logs = engine("logs", name, check=False).stderr.decode()[-1500:]
                fail(f"{label}: the dispatcher got {control(receiver, '/__receiver/stats')} in 30 s\n{logs}")
            time.sleep(0.2)
        events = control(receiver, "/__receiver/events")["events"]
        delivered = [event["body"]["body"]["output"]["observable"]["value"] for event in events]
        SEEN.extend(json.dumps(event).encode() for event in events)
        if sorted(delivered) != sorted(added):
            fail(f"{label}: delivered {delivered}, added {added}")
        engine("stop", "-t", "20", name)
        code = engine("inspect", name, "--format", "{{.State.ExitCode}}").stdout.decode().strip()
        if code != "0":
            fail(f"{label}: `{ENGINE} stop` ended it with exit code {code}")
        say(f"trigger {trigger}: {len(added)} new observables delivered to the dispatcher, stopped with exit 0")


def control(url, path, payload=None):
    """A simulator or receiver control route: GET, or POST `payload` as JSON."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(f"{url}{path}", data=data, method="GET" if data is None else "POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def http_server(spec, url, actions):
    """`IMAGE http` in a container, as InsightConnect runs plugins in server mode."""
    name = f"image-test-http-{os.getpid()}"
    engine("run", "-d", "--pull=never", "--network", "host", "--name", name, IMAGE,
           "http", "--bind", "127.0.0.1", "--port", "0")
    CLEANUP.append(lambda: engine("rm", "-f", name, check=False))
    deadline = time.monotonic() + 30
    server = None
    while server is None and time.monotonic() < deadline:
        logs = engine("logs", name)
        match = re.search(r"listening on (\S+)", (logs.stdout + logs.stderr).decode())
        server = match and match.group(1)
        if not server:
            time.sleep(0.1)
    if not server:
        fail("`http` did not report its address within 30 s")

    # The server's own process: PID 1 in the container, owned by the image's user.
    owner = engine("exec", name, "stat", "-c", "%U", "/proc/1").stdout.decode().strip()
    if owner != "nobody":
        fail(f"the plugin runs as {owner!r}, not nobody")
    say("the plugin process runs as nobody")

    def call(method, path, message=None):
        data = json.dumps(message).encode() if message is not None else None
        request = urllib.request.Request(server + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=RUN_DEADLINE) as answer:
                status, text = answer.status, answer.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        SEEN.append(text)
        if status != 200:
            fail(f"{method} {path}: HTTP {status}: {text[:500]}")
        return json.loads(text)

    counts = []
    for section in STEP_KINDS.values():
        listed = set(call("GET", f"/api/v1/{section}"))
        counts.append(f"{len(listed)} {section}")
        samples = set(spec.get(section) or {})
        if listed != samples or not samples <= actions:
            fail(f"the image's {section} {sorted(listed)} are not the spec's {sorted(samples)} or lack a sample")
    lookup = next(message for label, action, message in messages(spec, url) if action == "lookup_ip")
    event = call("POST", "/api/v1/actions/lookup_ip", lookup)
    if event["body"]["status"] != "ok" or not event["body"]["output"]["results"]:
        fail(f"http lookup_ip: {json.dumps(event)[:500]}")
    test = {"version": "v1", "type": "connection_test",
            "body": {"connection": lookup["body"]["connection"], "meta": {}}}
    event = call("POST", "/api/v1/connection/test", test)
    if event["body"]["status"] != "ok":
        fail(f"http connection test: {json.dumps(event)[:500]}")
    say(f"http mode: {', '.join(counts)} listed, lookup_ip and the connection test answered")

    # SIGTERM: the server finishes and exits 0 well before `stop` would send SIGKILL.
    grace = 20
    began = time.monotonic()
    engine("stop", "-t", str(grace), name, deadline=grace + 30)
    took = time.monotonic() - began
    code = engine("inspect", "--format", "{{.State.ExitCode}}", name).stdout.decode().strip()
    logs = engine("logs", name)
    SEEN.extend([logs.stdout, logs.stderr])
    if code != "0" or took >= grace:
        fail(f"after `{ENGINE} stop` the server exited {code} in {took:.1f} s (0 before {grace} s expected)")
    engine("rm", name)
    say(f"http mode: `{ENGINE} stop` ended it with exit code 0 in {took:.1f} s")


def files_in_image():
    for path in ("/plugin.spec.yaml", "/workspace/plugin.spec.yaml"):
        inside = engine("run", "--rm", "--pull=never", "--entrypoint", "cat", IMAGE, path).stdout
        if inside != open(os.path.join(ROOT, "plugin.spec.yaml"), "rb").read():
            fail(f"{path} in the image is not the repository's plugin.spec.yaml")
    say("/plugin.spec.yaml (and /workspace/plugin.spec.yaml) are the repository's")


def tls(spec):
    ca = os.path.join(WORK, "ca", "ca.pem")
    os.makedirs(os.path.dirname(ca))
    url = start_simulator("tls", "--tls", "--cert-out", ca)
    # The container runs as nobody, which must be able to read the mounted file.
    os.chmod(WORK, 0o755)
    os.chmod(os.path.dirname(ca), 0o755)
    os.chmod(ca, 0o644)
    lookup = next(message for label, action, message in messages(spec, url) if action == "lookup_ip")
    mount = ["-v", f"{ca}:/run/threatstream-ca.pem:ro", "-e", "SSL_CERT_FILE=/run/threatstream-ca.pem"]
    event = run_step("lookup_ip over TLS, CA mounted", lookup, extra=mount)
    if not event["body"]["output"]["results"]:
        fail("lookup_ip over TLS found no records")
    event = run_step("lookup_ip over TLS, image's CA bundle only", lookup, expect="certificate")
    say(f"TLS: ok with the CA in SSL_CERT_FILE; without it: {event['body']['exception']['cause'][:120]}")


def sizes():
    def size(image):
        return int(engine("image", "inspect", "--format", "{{.Size}}", image).stdout)
    image, base = size(IMAGE), size(BASE)
    growth = image - base
    say(f"sizes: image {image / 1e6:.1f} MB, base {base / 1e6:.1f} MB, +{growth / 1e6:.1f} MB")
    if growth > MAX_GROWTH:
        fail(f"the image is {growth / 1e6:.1f} MB larger than its base (at most {MAX_GROWTH / 1e6:.0f} MB)")


def plg(spec, url):
    """The .plg as InsightConnect imports it: a gzipped docker-archive, loaded back and run."""
    with gzip.open(PLG) as archive, tarfile.open(fileobj=archive, mode="r|") as tar:
        manifest = next((json.load(tar.extractfile(m)) for m in tar if m.name == "manifest.json"), None)
    if not manifest:
        fail(f"{PLG} is not a docker-archive (no manifest.json)")
    tags = manifest[0].get("RepoTags") or []
    if tags not in ([IMAGE], [IMAGE.removeprefix("docker.io/")]):
        fail(f"{PLG} names the image {tags}, not {IMAGE}")
    saved = engine("image", "inspect", "--format", "{{.Id}}", IMAGE).stdout.strip()
    engine("rmi", IMAGE)
    load = subprocess.run(["bash", "-c", 'set -o pipefail; gunzip -c "$1" | "$2" load', "load", PLG, ENGINE],
                          capture_output=True, timeout=300)
    if load.returncode != 0:
        fail(f"gunzip -c {PLG} | {ENGINE} load: {load.stderr.decode()[-1000:]}")
    loaded = engine("image", "inspect", "--format", "{{.Id}}", IMAGE).stdout.strip()
    if loaded != saved:
        fail(f"the loaded image is {loaded}, the saved one {saved}")
    lookup = next(message for label, action, message in messages(spec, url) if action == "lookup_ip")
    run_step("lookup_ip from the loaded .plg", lookup)
    say(f"{PLG}: {os.path.getsize(PLG) / 1e6:.1f} MB, tagged {tags[0]}; loaded back, lookup_ip ok")


def main():
    spec = yaml.safe_load(open(os.path.join(ROOT, "plugin.spec.yaml")))
    try:
        url = start_simulator("plain")
        actions = check_actions(spec, url)
        trigger_live(spec)
        http_server(spec, url, actions)
        files_in_image()
        tls(spec)
        sizes()
        plg(spec, url)
        leaked = [text for text in SEEN if KEY.encode() in text]
        if leaked:
            fail(f"the API key appeared in the plugin's output: {leaked[0][:300]}")
        say(f"the canary key appeared in none of {len(SEEN)} outputs and answers")
    finally:
        for cleanup in reversed(CLEANUP):
            cleanup()
        subprocess.run(["rm", "-rf", WORK])


if __name__ == "__main__":
    main()
