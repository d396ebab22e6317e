#!/usr/bin/env bash
# `make demo`: start the ThreatStream simulator, run the published 4.0.0 actions' sample start messages
# (filled in with the simulator's connection and a real observable) through the plugin, then a phishing
# triage (verdicts in bulk, an enrichment, an import approved and looked up, the finding recorded as an
# incident linked to the malicious observables), and print the events.
# Every step's exit code is checked. Needs no ThreatStream account. Usage: demo.sh PLUGIN SIMULATOR
set -euo pipefail
plugin=$1
simulator=$2
key=demo-api-key-not-secret
listening=$(mktemp)
last=$(mktemp)
"$simulator" --api-key "$key" >"$listening" &
simulator_pid=$!
trap 'kill "$simulator_pid" 2>/dev/null; rm -f "$listening" "$last"' EXIT

url=
for _ in $(seq 100); do
  url=$(sed -n 's/^listening on //p' "$listening")
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "the simulator did not start" >&2; exit 1; }
echo "ThreatStream simulator listening on $url"

# fill ACTION INPUT_JSON SECRET: the plugin's own sample message with a connection and an input.
fill() {
  "$plugin" sample "$1" | python3 -c '
import json, sys
message = json.load(sys.stdin)
url, input_json, secret = sys.argv[1:4]
message["body"]["connection"].update({"username": "analyst@example.com", "url": url,
                                      "api_key": {"secretKey": secret}})
message["body"]["input"] = json.loads(input_json)
message["body"]["meta"] = {"jobId": "demo"}
print(json.dumps(message))' "$url" "$2" "$3"
}

# step COMMAND ACTION INPUT_JSON SECRET EXPECTED_EXIT: prints the event (not with quiet=1 before it); its
# output is kept in $last.
step() {
  echo
  echo "== icon_anomali_threatstream $1: $2 $3"
  local status=0
  fill "$2" "$3" "$4" | "$plugin" "$1" 2>/dev/null >"$last" || status=$?
  [ -n "${quiet:-}" ] || python3 -m json.tool "$last"
  echo "(exit code $status)"
  [ "$status" -eq "$5" ] || { echo "expected exit code $5" >&2; exit 1; }
}

# output PYTHON_EXPRESSION: a value of the last step's output (`o`), as JSON.
output() {
  python3 -c 'import json, sys; o = json.load(open(sys.argv[1]))["body"]["output"]; print(json.dumps(eval(sys.argv[2])))' "$last" "$1"
}

step test lookup_ip '{}' "$key" 0
step run lookup_ip '{"ip_address": "198.51.100.23"}' "$key" 0
step run lookup_url '{"url": "http://malicious.example.net/payload.exe"}' "$key" 0
step run lookup_hash '{"hash": "275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F"}' "$key" 0
step run get_observables '{"value": "evil-domain.example"}' "$key" 0
step run import_observable '{"datatext": "198.51.100.7\nevil-domain.example", "tlp": "amber"}' "$key" 0
step run submit_url '{"platform": "WINDOWS7", "use_premium_sandbox": false, "url": "https://malicious.example.net/setup.exe"}' "$key" 0
step run get_sandbox_report '{"report_id": "101"}' "$key" 0
step run lookup_ip '{"ip_address": "not-an-ip"}' "$key" 1
step run lookup_ip '{"ip_address": "198.51.100.23"}' wrong-key 1

echo
echo "== A phishing triage: verdicts in bulk, the context of the worst, and its import closed as a loop"
step run lookup_observables '{"observables": ["198.51.100.23", "evil-domain.example", "203.0.113.99", "not an observable"]}' "$key" 0
malicious=$(output '[r["value"] for r in o["results"] if r["verdict"] == "malicious"]')
echo "malicious: $malicious"
step run enrich_observable '{"value": "198.51.100.23", "limit": 3}' "$key" 0
step run import_observable '{"datatext": "203.0.113.99", "observable_settings": {"confidence": 90, "classification": "private"}, "wait_for_processing": 30}' "$key" 0
session=$(output 'o["results"]["import_session_id"]')
step run approve_import_session "{\"import_session_id\": $session}" "$key" 0
step run lookup_ip '{"ip_address": "203.0.113.99"}' "$key" 0
verdict=$(output 'o["verdict"]["verdict"]')
echo "the approved import is live: its verdict is now $verdict"
[ "$verdict" != '"unknown"' ] || { echo "the approved import did not show up in a lookup" >&2; exit 1; }
[ "$verdict" != '"malicious"' ] || malicious=$(python3 -c 'import json, sys; print(json.dumps(json.loads(sys.argv[1]) + ["203.0.113.99"]))' "$malicious")

echo
echo "== The finding recorded in ThreatStream: an incident linked to the malicious observables"
step run create_threat_model '{"model_type": "incident", "name": "Phishing triage: invoice lures calling 198.51.100.23", "description": "<p>Found by the demo triage: the lures resolve to a known C2.</p>", "tlp": "amber", "tags": ["phishing-triage"], "incident_status": "Open"}' "$key" 0
incident=$(output 'o["model"]["id"]')
step run link_threat_model "{\"model_type\": \"incident\", \"id\": $incident, \"observable_values\": $malicious}" "$key" 0
quiet=1 step run get_threat_model "{\"model_type\": \"incident\", \"id\": $incident, \"include_observables\": true, \"observable_limit\": 10}" "$key" 0
linked=$(output 'sorted({r["value"].lower() for r in o["observables"]})')
echo "incident $incident is linked to $linked"
[ "$linked" = "$(python3 -c 'import json, sys; print(json.dumps(sorted({v.lower() for v in json.loads(sys.argv[1])})))' "$malicious")" ] \
  || { echo "the incident is not linked to every malicious observable" >&2; exit 1; }
echo
echo "demo finished: every step answered as expected"
