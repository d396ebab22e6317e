#!/usr/bin/env bash
# The hostile case of `make bench` (issue 25): eight Enrich Observable steps at once in one `http`
# process, against a simulator whose every section answers (every /api/v1/ path: the associations,
# passive DNS, WHOIS, insights, references) with 300 MB of JSON-looking bytes sent without a length, so
# only counting the bytes read can stop them; the lookup answers normally. Reports the process's peak
# RSS (VmHWM) and its RSS once the steps are done, with the default budgets (256 MiB a step, 1024 MiB
# the process), against the same run with both budgets raised out of the way, which is how the plugin
# behaved before it had them (then only the 64 MiB cap per answer held).
#
# bench/run.sh sources this file and calls `budget_case`; `bash bench/budget.sh` runs the case alone and
# prints its row.

BUDGET_STEPS=${BUDGET_STEPS:-8}
BUDGET_ANSWER_BYTES=${BUDGET_ANSWER_BYTES:-300000000}

# budget_run NAME SIMULATOR_URL CONNECTION_MIB [HTTP ARGS...]: writes "peak_kib after_kib statuses" to
# $work/NAME.result for BUDGET_STEPS enrichments posted at once to a fresh `http` process, the statuses
# counted as "200:n 503:m"
budget_run() {
  local name=$1 sim=$2 connection_mib=$3; shift 3
  "$PLUGIN" http --bind 127.0.0.1 --port 0 "$@" 2>"$work/$name.err" >/dev/null &
  local pid=$!
  pids+=("$pid")
  local server
  server=$(wait_listening "$work/$name.err" "the plugin's http mode ($name)") || exit 1
  python3 - "$sim" "$USER_NAME" "$KEY" "$connection_mib" >"$work/$name.json" <<'PY'
import json, sys
url, user, key, mib = sys.argv[1:5]
print(json.dumps({"version": "v1", "type": "action_start", "body": {"action": "enrich_observable", "meta": {},
  "input": {"value": "198.51.100.23"},
  "connection": {"username": user, "url": url, "api_key": {"secretKey": key}, "memory_budget": int(mib)}}}))
PY
  local i posts=()
  for i in $(seq "$BUDGET_STEPS"); do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 600 -X POST --data-binary @"$work/$name.json" \
      "$server/actions/enrich_observable" >"$work/$name.status.$i" &
    posts+=($!)
  done
  wait "${posts[@]}" || true
  local peak after statuses
  peak=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  after=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  statuses=$(cat "$work/$name".status.* | sort | uniq -c | awk '{printf "%s%s:%s", sep, $2, $1; sep=" "}')
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "$peak $after $statuses" >"$work/$name.result"
}

budget_case() {
  start_simulator hostile
  local sim=$URL
  curl -s -X POST "$sim/__simulator/faults" \
    -d "{\"kind\": \"huge_body\", \"bytes\": $BUDGET_ANSWER_BYTES, \"path\": \"/api/v1/\", \"times\": \"always\"}" >/dev/null
  local peak after statuses open_peak open_after open_statuses
  budget_run budgeted "$sim" 256
  budget_run unbounded "$sim" 65536 --memory-budget 1048576
  read -r peak after statuses <"$work/budgeted.result"
  read -r open_peak open_after open_statuses <"$work/unbounded.result"
  row "http mode, $BUDGET_STEPS enrichments at once, every section $((BUDGET_ANSWER_BYTES / 1000000)) MB without a length" \
      "peak RSS $((peak / 1024)) MiB, $((after / 1024)) MiB after (answers: $statuses)" \
      "peak RSS $((open_peak / 1024)) MiB, $((open_after / 1024)) MiB after, budgets raised out of the way (answers: $open_statuses)" \
      "$(python3 -c "print(f'{$peak / $open_peak:.2f}x')")" \
      "budgets 256 MiB a step, 1024 MiB the process; target: peak RSS within the process budget plus 25%"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  cd "$(dirname "$0")/.."
  source bench/lib.sh
  budget_case
  print_table
fi
