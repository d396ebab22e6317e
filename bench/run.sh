#!/usr/bin/env bash
# `make bench`: the plugin against baselines measured in the same run, on this machine, over loopback.
#
#   1. cold `run` of lookup_ip (one page, two records) vs curl making the same request, http and https
#   2. a lookup with 50,000 matching records (50 pages) vs curl fetching the same 50 pages
#   3. an import of a 50 MiB file vs curl uploading the same file as the same multipart form
#   4. `http` mode under load (wrk) at 1, 16 and 64 connections vs wrk straight at the simulator
#   5. enrich_observable with the five sections it had at first (13 requests) against 50 ms of latency per request vs curl
#      making the same requests one after another; its start-up is the same step with no latency
#   6. the image's static (musl) binary vs the glibc one: 1, 2 and 4 again, back to back
#   7. the container's cold run: `podman run -i IMAGE run` of lookup_ip vs `podman run BASE true`
#   8. lookup_observables with 1,000 mixed observables vs 1,000 sequential `run lookup_*` processes,
#      20 ms of simulator latency per request (bench/observables.sh, which also runs on its own)
#   9. eight enrichments at once in one `http` process against sections that answer 300 MB each
#      without a length: peak RSS with the memory budgets vs with them raised out of the way
#      (bench/budget.sh, which also runs on its own)
#  10. search_intelligence with 50,000 matching records (50 pages) vs curl fetching the same 50 pages,
#      and its peak RSS against its output at 5,000 and 50,000 records (bench/search.sh, which also
#      runs on its own)
#
# Wall times are medians (hyperfine for the cold runs); peak RSS is the median of /usr/bin/time's
# maximum resident set size. Targets are in BENCHMARKS.md. Tools come from Debian's packages
# (hyperfine, wrk, time, curl) and are installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
source bench/observables.sh
source bench/budget.sh
source bench/search.sh

# 1. Cold lookups
start_simulator plain
PLAIN=$URL
start_simulator tls --tls --cert-out "$work/ca.pem"
TLS=$URL
for scheme in http https; do
  if [ $scheme = http ]; then url=$PLAIN; curl_tls=(); else url=$TLS; curl_tls=(--cacert "$work/ca.pem"); fi
  message lookup_ip '{"ip_address": "198.51.100.23"}' "$url" >"$work/cold-$scheme.json"
  query="$url/api/v2/intelligence/?value=198.51.100.23&type=ip&limit=1000&offset=0"
  curl_cmd=(curl -s -o /dev/null "${curl_tls[@]}" -H "Authorization: apikey $USER_NAME:$KEY" "$query")
  curl_line="curl -s -o /dev/null ${curl_tls[*]} -H 'Authorization: apikey $USER_NAME:$KEY' '$query'"
  cert_env=(); [ $scheme = https ] && cert_env=(env "SSL_CERT_FILE=$work/ca.pem")
  # No shell in between (-N): the message goes after `--`, which the binary reads like stdin
  # (Debian's hyperfine predates --input, and a shell's start-up dwarfs a 10 ms run).
  "${cert_env[@]}" hyperfine -N --style none --warmup 3 --runs "$RUNS" \
    --export-json "$work/plugin-$scheme.json" "$PLUGIN run -- '$(cat "$work/cold-$scheme.json")'" >/dev/null
  hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$work/curl-$scheme.json" "$curl_line" >/dev/null
  plugin_s=$(median "plugin-$scheme"); curl_s=$(median "curl-$scheme")
  read -r plugin_rss _ < <(STDIN="$work/cold-$scheme.json" rss_and_wall 10 "${cert_env[@]}" "$PLUGIN" run)
  read -r curl_rss _ < <(rss_and_wall 10 "${curl_cmd[@]}")
  ratio=$(python3 -c "print(f'{$plugin_s / $curl_s:.2f}x')")
  row "cold lookup_ip, $scheme" "$(python3 -c "print(f'{$plugin_s*1000:.1f} ms')")" \
      "$(python3 -c "print(f'{$curl_s*1000:.1f} ms (curl)')")" "$ratio wall" \
      "RSS $((plugin_rss / 1024)) MiB vs $((curl_rss / 1024)) MiB (curl); target <= 1.5x, <= 12 MB"
done

# 2. 50,000 records
start_simulator bulk --bulk-records 50000
message lookup_ip '{"ip_address": "203.0.113.77"}' "$URL" >"$work/bulk.json"
read -r bulk_rss bulk_s < <(STDIN="$work/bulk.json" rss_and_wall 5 "$PLUGIN" run)
output_bytes=$(STDIN= "$PLUGIN" run <"$work/bulk.json" 2>/dev/null | wc -c)
pages() { for offset in $(seq 0 1000 49000); do
  curl -s -o /dev/null -H "Authorization: apikey $USER_NAME:$KEY" "$URL/api/v2/intelligence/?value=203.0.113.77&type=ip&limit=1000&offset=$offset"; done; }
export -f pages; export URL USER_NAME KEY
read -r _ pages_s < <(rss_and_wall 5 bash -c pages)
row "lookup, 50,000 records (50 pages)" "$(python3 -c "print(f'{$bulk_s:.2f} s')")" \
    "$(python3 -c "print(f'{$pages_s:.2f} s (curl, 50 pages)')")" \
    "$(python3 -c "print(f'{$bulk_s / $pages_s:.2f}x wall')")" \
    "RSS $((bulk_rss / 1024)) MiB = $(python3 -c "print(f'{$bulk_rss * 1024 / $output_bytes:.2f}')")x the $((output_bytes / 1024 / 1024)) MiB output; target <= 3x"

# 3. 50 MiB import
head -c $((50 * 1024 * 1024)) /dev/urandom >"$work/big.bin"
python3 -c 'import base64, json, sys
url, user, key, path = sys.argv[1:5]
content = base64.b64encode(open(path, "rb").read()).decode()
print(json.dumps({"version": "v1", "type": "action_start", "body": {"action": "add_approval_indicator", "meta": {},
  "input": {"file": {"filename": "big.csv", "content": content}, "indicator_settings": {"confidence": 50}},
  "connection": {"username": user, "url": url, "api_key": {"secretKey": key}}}}))' \
  "$PLAIN" "$USER_NAME" "$KEY" "$work/big.bin" >"$work/import.json"
read -r import_rss import_s < <(STDIN="$work/import.json" rss_and_wall 5 "$PLUGIN" run)
read -r upload_rss upload_s < <(rss_and_wall 5 curl -s -o /dev/null -H "Authorization: apikey $USER_NAME:$KEY" \
  -F confidence=50 -F "file=@$work/big.bin;filename=big.csv" "$PLAIN/api/v2/intelligence/import/")
row "import, 50 MiB file" "$(python3 -c "print(f'{$import_s:.2f} s')")" \
    "$(python3 -c "print(f'{$upload_s:.2f} s (curl -F, file on disk)')")" \
    "$(python3 -c "print(f'{$import_s / $upload_s:.2f}x wall')")" \
    "RSS $((import_rss / 1024)) MiB = $(python3 -c "print(f'{$import_rss / 51200:.2f}')")x the file; target <= 2.5x (curl $((upload_rss / 1024)) MiB)"

# 4. http mode under load
"$PLUGIN" http --bind 127.0.0.1 --port 0 2>"$work/http.err" >/dev/null &
pids+=($!)
SERVER=$(wait_listening "$work/http.err" "the plugin's http mode") || exit 1
message lookup_ip '{"ip_address": "198.51.100.23"}' "$PLAIN" >"$work/post.json"
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local file = io.open("$work/post.json", "rb")
wrk.body = file:read("*a")
file:close()
LUA
# wrk_run URL CONNECTIONS [ARGS...]: "requests/s p99"
wrk_run() {
  local url=$1 connections=$2; shift 2
  wrk -t "$(( connections < 2 ? 1 : 2 ))" -c "$connections" -d "${LOAD_SECONDS}s" --latency "$@" "$url" | python3 -c 'import re, sys
text = sys.stdin.read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", text)
scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
print(f"{rps:.0f} {float(p99.group(1)) * scale:.2f} {errors.group(1) if errors else 0}")'
}
for connections in 1 16 64; do
  read -r plugin_rps plugin_p99 plugin_errors < <(wrk_run "$SERVER/actions/lookup_ip" "$connections" -s "$work/post.lua")
  read -r direct_rps direct_p99 _ < <(wrk_run "$PLAIN/api/v2/intelligence/?value=198.51.100.23&type=ip&limit=1000&offset=0" \
    "$connections" -H "Authorization: apikey $USER_NAME:$KEY")
  row "http mode, $connections connections" "$plugin_rps req/s, p99 $plugin_p99 ms" \
      "$direct_rps req/s, p99 $direct_p99 ms (simulator direct)" \
      "$(python3 -c "print(f'{$plugin_rps / $direct_rps * 100:.0f}% of direct')")" \
      "non-2xx: $plugin_errors; target at 64: >= 70%"
done

# 5. Enrich Observable: 13 requests, at most 6 in flight, each answered after 50 ms
# The sections are named: the confidence trend and the intel details, sections since, would make it
# 15 requests and the row no longer comparable with the runs before them.
start_simulator latency --latency-ms 50
SLOW=$URL
ENRICH='{"value": "198.51.100.23", "sections": ["associations", "passive_dns", "whois", "insights", "references"]}'
message enrich_observable "$ENRICH" "$SLOW" >"$work/enrich-slow.json"
message enrich_observable "$ENRICH" "$PLAIN" >"$work/enrich-fast.json"
for speed in slow fast; do
  hyperfine -N --style none --warmup 2 --runs "$RUNS" --export-json "$work/enrich-$speed.result.json" \
    "$PLUGIN run -- '$(cat "$work/enrich-$speed.json")'" >/dev/null
done
# The same calls the step makes, one after another, as a script without concurrency would.
enrich_by_curl() {
  local value=198.51.100.23 path
  for path in "v2/intelligence/?value=$value&type=ip&limit=1000&offset=0" \
      v1/{actor,campaign,incident,malware,signature,tipreport,ttp,vulnerability}"/associated_with_intelligence/?value=$value&limit=100" \
      "v1/pdns/ip/$value/?order_by=-last_seen" "v1/inteldetails/whois/$value/" \
      "v1/inteldetails/insights/?type=ip&value=$value" "v1/inteldetails/references/$value/"; do
    curl -s -o /dev/null -H "Authorization: apikey $USER_NAME:$KEY" "$SLOW/api/$path"
  done
}
export -f enrich_by_curl; export SLOW
hyperfine -N --style none --warmup 1 --runs 10 --export-json "$work/enrich-curl.result.json" \
  "bash -c enrich_by_curl" >/dev/null
slow_s=$(median enrich-slow.result); fast_s=$(median enrich-fast.result); curl_s=$(median enrich-curl.result)
row "enrich_observable, 13 requests, 50 ms latency each" "$(python3 -c "print(f'{$slow_s*1000:.0f} ms')")" \
    "$(python3 -c "print(f'{$curl_s*1000:.0f} ms (curl, one after another)')")" \
    "$(python3 -c "print(f'{$slow_s / $curl_s:.2f}x wall')")" \
    "$(python3 -c "print(f'start-up (same step, no latency) {$fast_s*1000:.0f} ms; latency cost {($slow_s-$fast_s)*1000:.0f} ms = {($slow_s-$fast_s)/0.05:.1f} latencies; target <= 1.5')")"

# 6. The static (musl) binary the image carries, against the glibc one, measured back to back.
make --no-print-directory static >/dev/null 2>&1 || { echo "make static failed" >&2; exit 1; }
STATIC=$PWD/target/x86_64-unknown-linux-musl/release/icon_anomali_threatstream
# compare NAME GLIBC_VALUE STATIC_VALUE UNIT: a row, static against glibc (higher is slower for times)
compare() {
  row "static vs glibc: $1" "$3 $4 (static)" "$2 $4 (glibc)" \
      "$(python3 -c "print(f'{$3 / $2:.2f}x')")" "target: static within 10% of glibc"
}
hyperfine -N --style none --warmup 3 --runs "$RUNS" --export-json "$work/static-cold.json" \
  "$PLUGIN run -- '$(cat "$work/cold-http.json")'" "$STATIC run -- '$(cat "$work/cold-http.json")'" >/dev/null
read -r glibc_ms static_ms < <(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["results"]; print("%.1f %.1f" % (r[0]["median"] * 1000, r[1]["median"] * 1000))' "$work/static-cold.json")
compare "cold lookup_ip, http, wall" "$glibc_ms" "$static_ms" ms
read -r glibc_rss _ < <(STDIN="$work/cold-http.json" rss_and_wall 10 "$PLUGIN" run)
read -r static_rss _ < <(STDIN="$work/cold-http.json" rss_and_wall 10 "$STATIC" run)
compare "cold lookup_ip, http, peak RSS" "$(python3 -c "print(f'{$glibc_rss / 1024:.1f}')")" \
    "$(python3 -c "print(f'{$static_rss / 1024:.1f}')")" MiB
read -r glibc_rss glibc_s < <(STDIN="$work/bulk.json" rss_and_wall 5 "$PLUGIN" run)
read -r static_rss static_s < <(STDIN="$work/bulk.json" rss_and_wall 5 "$STATIC" run)
compare "50,000 records, wall" "$glibc_s" "$static_s" s
compare "50,000 records, peak RSS" "$((glibc_rss / 1024))" "$((static_rss / 1024))" MiB
read -r glibc_rss glibc_s < <(STDIN="$work/import.json" rss_and_wall 5 "$PLUGIN" run)
read -r static_rss static_s < <(STDIN="$work/import.json" rss_and_wall 5 "$STATIC" run)
compare "50 MiB import, wall" "$glibc_s" "$static_s" s
compare "50 MiB import, peak RSS" "$((glibc_rss / 1024))" "$((static_rss / 1024))" MiB
"$STATIC" http --bind 127.0.0.1 --port 0 2>"$work/static-http.err" >/dev/null &
pids+=($!)
STATIC_SERVER=$(wait_listening "$work/static-http.err" "the static binary's http mode") || exit 1
# Alternating short rounds, so that a change in the machine's load falls on both alike.
for connections in 1 16 64; do
  rounds=$(for _ in 1 2 3; do
    read -r glibc_rps _ _ < <(LOAD_SECONDS=$(( (LOAD_SECONDS + 1) / 2 )) wrk_run "$SERVER/actions/lookup_ip" "$connections" -s "$work/post.lua")
    read -r static_rps _ _ < <(LOAD_SECONDS=$(( (LOAD_SECONDS + 1) / 2 )) wrk_run "$STATIC_SERVER/actions/lookup_ip" "$connections" -s "$work/post.lua")
    echo "$glibc_rps $static_rps"
  done)
  read -r glibc_rps static_rps < <(python3 -c 'import statistics, sys
rows = [line.split() for line in sys.stdin if line.strip()]
print(round(statistics.median(float(r[0]) for r in rows)), round(statistics.median(float(r[1]) for r in rows)))' <<<"$rounds")
  # Throughput: the ratio is glibc over static, so above 1 is slower here too.
  row "static vs glibc: http mode, $connections connections" "$static_rps req/s (static)" "$glibc_rps req/s (glibc)" \
      "$(python3 -c "print(f'{$glibc_rps / $static_rps:.2f}x')")" "glibc/static, median of 3 alternating rounds; target: within 10%"
done

# 7. The container's cold run: what the plugin adds to the start-up of a container of its base. Gets
# podman and the base (or its stand-in) as `make image-test` does, and builds the image.
CONTAINER_ENGINE=${CONTAINER_ENGINE:-$(docker info >/dev/null 2>&1 && echo docker || echo podman)}
# As the Makefile sets them, for a run without make (scripts/containers.conf says why).
export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/scripts/containers.conf}
export CONTAINERS_REGISTRIES_CONF=${CONTAINERS_REGISTRIES_CONF:-$PWD/scripts/registries.conf}
BASE=$(awk '/^FROM /{print $NF; exit}' Dockerfile)
IMAGE=docker.io/$(sed -n 's/^vendor: //p' plugin.spec.yaml)/$(sed -n 's/^name: //p' plugin.spec.yaml):$(sed -n 's/^version: //p' plugin.spec.yaml)
CONTAINER_ENGINE=$CONTAINER_ENGINE bash scripts/container-base.sh "$BASE"
make --no-print-directory image PULL=--pull=false >/dev/null
# One run of each in turn, the message on stdin as the orchestrator sends it; the difference is the
# median of the pairs' differences, so that a change in the machine's load falls on both alike.
read -r image_ms base_ms delta_ms < <(python3 - "$CONTAINER_ENGINE" "$IMAGE" "$BASE" "$work/cold-http.json" "$RUNS" <<'PY'
import statistics, subprocess, sys, time
engine, image, base, message, runs = sys.argv[1:6]
common = [engine, "run", "--rm", "-i", "--pull=never", "--network", "host"]
plugin, baseline = (common + [image, "run"], open(message, "rb").read()), (common + [base, "true"], b"")
def once(command, stdin):
    began = time.perf_counter()
    done = subprocess.run(command, input=stdin, capture_output=True, timeout=60)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {done.returncode}: {done.stdout[-300:]}")
    return (time.perf_counter() - began) * 1000
for _ in range(3):
    once(*plugin), once(*baseline)
pairs = [(once(*plugin), once(*baseline)) for _ in range(int(runs))]
print(f"{statistics.median(p for p, _ in pairs):.1f} {statistics.median(b for _, b in pairs):.1f} "
      f"{statistics.median(p - b for p, b in pairs):+.1f}")
PY
)
row "container cold run, lookup_ip ($CONTAINER_ENGINE run -i IMAGE run)" "$image_ms ms" "$base_ms ms ($CONTAINER_ENGINE run -i BASE true)" \
    "$delta_ms ms" "median of $RUNS alternating pairs' differences; target: at most +20 ms"


# 8. A thousand observables at once
observables_case

# 9. Eight hostile enrichments in one process
budget_case

# 10. A search of 50,000 records
search_case

print_table
