#!/usr/bin/env bash
# The bulk case of `make bench`: lookup_observables with 1,000 mixed observables (500 synthetic values
# with five records each, 500 that have none, alternating; every type) against a simulator that adds
# 20 ms to each request, and the baseline measured in the same run against the same simulator: 1,000
# sequential `run lookup_*` processes of the same binary, one per observable. Reports the median wall
# time and peak RSS of 5 bulk runs, the requests each side sent, and the baseline's wall time (one
# run: it takes about half a minute). Targets are in BENCHMARKS.md.
#
# bench/run.sh sources this file and calls `observables_case`; `bash bench/observables.sh` runs the
# case alone and prints its row.

OBSERVABLES_LATENCY_MS=${OBSERVABLES_LATENCY_MS:-20}

# observables_messages SIMULATOR_URL: writes $work/observables.json (the bulk start message) and
# $work/single/NNNN.json (one lookup_* start message per observable, in the same order)
observables_messages() {
  curl -s "$1/__simulator/synthetic" >"$work/synthetic.json"
  python3 - "$work" "$1" "$USER_NAME" "$KEY" <<'PY'
import json, os, sys
work, url, user, key = sys.argv[1:5]
synthetic = json.load(open(f"{work}/synthetic.json"))
values = [value for pair in zip(synthetic["values"], synthetic["absent"]) for value in pair]
connection = {"username": user, "url": url, "api_key": {"secretKey": key}}
def message(action, input):
    return json.dumps({"version": "v1", "type": "action_start",
                       "body": {"action": action, "meta": {}, "input": input, "connection": connection}})
with open(f"{work}/observables.json", "w") as out:
    out.write(message("lookup_observables", {"observables": [value["value"] for value in values]}))
lookups = {"ip": ("lookup_ip", "ip_address"), "domain": ("lookup_domain", "domain"), "url": ("lookup_url", "url"),
           "email": ("lookup_email", "email"), "md5": ("lookup_hash", "hash")}
os.makedirs(f"{work}/single", exist_ok=True)
for index, value in enumerate(values):
    action, name = lookups[value["type"]]
    with open(f"{work}/single/{index:04}.json", "w") as out:
        out.write(message(action, {name: value["value"]}))
PY
}

# requests_seen SIMULATOR_URL: how many API requests the simulator saw since the last clear
requests_seen() { curl -s "$1/__simulator/requests" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'; }
forget_requests() { curl -s -X DELETE "$1/__simulator/requests" >/dev/null; }

# check_observables_output FILE: the envelope holds 1,000 verdicts, and the synthetic half matched
check_observables_output() {
  python3 - "$1" <<'PY'
import json, sys
output = json.loads(open(sys.argv[1]).read().splitlines()[-1])["body"]["output"]
results = output["results"]
matched = [entry["matched_records"] for entry in results]
assert len(results) == 1000 and matched[0::2] == [5] * 500 and matched[1::2] == [0] * 500, output["summary"]
PY
}

observables_case() {
  start_simulator observables --synthetic-values 500 --synthetic-records 2500 --latency-ms "$OBSERVABLES_LATENCY_MS"
  local sim=$URL
  observables_messages "$sim"

  forget_requests "$sim"
  "$PLUGIN" run <"$work/observables.json" >"$work/observables.out" 2>/dev/null
  check_observables_output "$work/observables.out"
  local bulk_requests bulk_rss bulk_s
  bulk_requests=$(requests_seen "$sim")
  read -r bulk_rss bulk_s < <(STDIN="$work/observables.json" rss_and_wall 5 "$PLUGIN" run)

  forget_requests "$sim"
  local failed=0 started ended single_s single_requests
  started=$(date +%s.%N)
  for single in "$work"/single/*.json; do
    "$PLUGIN" run <"$single" >/dev/null 2>&1 || failed=$((failed + 1))
  done
  ended=$(date +%s.%N)
  single_requests=$(requests_seen "$sim")
  single_s=$(python3 -c "print($ended - $started)")
  [ "$failed" -eq 0 ] || echo "warning: $failed of the 1,000 single lookups failed" >&2

  row "lookup_observables, 1,000 observables, ${OBSERVABLES_LATENCY_MS} ms latency" \
      "$(python3 -c "print(f'{$bulk_s:.2f} s, $bulk_requests requests')")" \
      "$(python3 -c "print(f'{$single_s:.1f} s, $single_requests requests (1,000 runs of lookup_*)')")" \
      "$(python3 -c "print(f'{$single_s / $bulk_s:.0f}x faster')")" \
      "RSS $((bulk_rss / 1024)) MiB; targets <= 25 requests, < 1 s, <= 40 MB, >= 20x faster"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  cd "$(dirname "$0")/.."
  source bench/lib.sh
  observables_case
  print_table
fi
