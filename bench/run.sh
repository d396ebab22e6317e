#!/usr/bin/env bash
# `make bench`: the plugin against baselines measured in the same run, on this machine, over loopback.
#
#   1. cold `run` of lookup_ip (one page, two records) vs curl making the same request, http and https
#   2. a lookup with 50,000 matching records (50 pages) vs curl fetching the same 50 pages
#   3. an import of a 50 MiB file vs curl uploading the same file as the same multipart form
#   4. `http` mode under load (wrk) at 1, 16 and 64 connections vs wrk straight at the simulator
#   5. lookup_observables with 1,000 mixed observables vs 1,000 sequential `run lookup_*` processes,
#      20 ms of simulator latency per request (bench/observables.sh, which also runs on its own)
#
# Wall times are medians (hyperfine for the cold runs); peak RSS is the median of /usr/bin/time's
# maximum resident set size. Targets are in BENCHMARKS.md. Tools come from Debian's packages
# (hyperfine, wrk, time, curl) and are installed when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

source bench/lib.sh
source bench/observables.sh

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
  "connection": {"username": user, "threatstream_url": url, "api_key": {"secretKey": key}}}}))' \
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
# The file may not exist yet (the shell opens it in the child after forking): not an error, wait.
for _ in $(seq 200); do SERVER=$(sed -n 's/^listening on //p' "$work/http.err" 2>/dev/null || true); [ -n "$SERVER" ] && break; sleep 0.05; done
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

# 5. A thousand observables at once
observables_case

print_table
