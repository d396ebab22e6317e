# Shared by bench/run.sh and bench/observables.sh (sourced, not run): tools, builds, the simulator,
# start messages and the measuring helpers. Sets PLUGIN, SIMULATOR, KEY, USER_NAME and $work (removed,
# with every process started through `pids`, on exit).

RUNS=${RUNS:-20}
LOAD_SECONDS=${LOAD_SECONDS:-8}
KEY=bench-api-key-not-secret
USER_NAME=analyst@example.com

need() {
  local missing=()
  for tool in hyperfine wrk curl; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ -x /usr/bin/time ] || missing+=(time)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing ${missing[*]} from Debian's packages" >&2
    apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
need

cargo build --release --quiet --bin icon_anomali_threatstream -p anomali_threatstream
cargo build --release --quiet -p threatstream-simulator
PLUGIN=$PWD/target/release/icon_anomali_threatstream
SIMULATOR=$PWD/target/release/threatstream-simulator

work=$(mktemp -d)
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

# wait_listening FILE WHAT: prints the URL of the `listening on URL` line a server writes to FILE,
# waiting up to 10 s for it; fails saying WHAT did not start. Call it as `X=$(wait_listening ..) || exit 1`.
wait_listening() {
  local file=$1 what=$2 url
  for _ in $(seq 200); do
    # The file may not exist yet (the shell opens it in the child after forking): not an error, wait.
    url=$(sed -n 's/^listening on //p' "$file" 2>/dev/null || true)
    [ -n "$url" ] && { echo "$url"; return 0; }
    sleep 0.05
  done
  echo "$what did not start" >&2
  return 1
}

# start_simulator NAME ARGS...: starts one simulator, sets $URL
start_simulator() {
  local name=$1; shift
  "$SIMULATOR" --api-key "$KEY" "$@" >"$work/$name.out" 2>/dev/null &
  pids+=($!)
  URL=$(wait_listening "$work/$name.out" "simulator $name") || exit 1
}

# message ACTION INPUT_JSON URL: a start message on stdout
message() {
  python3 -c 'import json, sys
action, input_json, url, user, key = sys.argv[1:6]
print(json.dumps({"version": "v1", "type": "action_start", "body": {"action": action, "meta": {},
  "input": json.loads(input_json), "connection": {"username": user, "url": url, "api_key": {"secretKey": key}}}}))' \
    "$1" "$2" "$3" "$USER_NAME" "$KEY"
}

# median_hyperfine NAME: median seconds of the first command in $work/NAME.json
median() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/$1.json"; }

# rss_and_wall N COMMAND...: median peak RSS (KiB) and median wall seconds of N runs; stdin from $STDIN
rss_and_wall() {
  local n=$1; shift
  for _ in $(seq "$n"); do
    /usr/bin/time -f "%M %e" -o "$work/time.txt" "$@" <"${STDIN:-/dev/null}" >"$work/stdout" 2>/dev/null || true
    cat "$work/time.txt"
  done | python3 -c 'import statistics, sys
rows = [line.split() for line in sys.stdin if line.strip()]
print(int(statistics.median(int(r[0]) for r in rows)), statistics.median(float(r[1]) for r in rows))'
}

rows=()
row() { rows+=("$(printf '| %s | %s | %s | %s | %s |' "$@")"); }

# print_table: the machine, the plugin and the rows so far
print_table() {
  echo
  echo "Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1), $(uname -sr)"
  echo "Plugin: $("$PLUGIN" --version), $(stat -c %s "$PLUGIN") bytes; runs per median: $RUNS (cold), 5 (bulk, import, observables), ${LOAD_SECONDS} s per load test"
  echo
  echo "| measurement | plugin | baseline, same run | ratio | memory and target |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
}
