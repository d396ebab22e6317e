#!/usr/bin/env bash
# The search case of `make bench`: search_intelligence with 50,000 matching records (50 pages of 1,000,
# every page followed up to the limit), and the baseline measured in the same run against the same
# simulator: curl fetching the same 50 pages one after another. Reports the median wall time and peak
# RSS of 5 runs of each, and the search's peak RSS against its output: at 50,000 records, and what the
# 45,000 records beyond a 5,000-record search cost against the output they add. The pages are written
# into the output as they arrive and dropped, so memory follows the output, never the pages read
# (flat: past the first page, a record costs about its own output). Targets are in BENCHMARKS.md.
#
# bench/run.sh sources this file and calls `search_case`; `bash bench/search.sh` runs the case alone
# and prints its row.

SEARCH_RECORDS=${SEARCH_RECORDS:-50000}

# search_rss LIMIT: "<peak RSS KiB> <wall s> <output bytes>" of search_intelligence up to LIMIT records
search_rss() {
  message search_intelligence "{\"value\": \"203.0.113.77\", \"type\": \"ip\", \"limit\": $1}" "$URL" \
    >"$work/search-$1.json"
  "$PLUGIN" run <"$work/search-$1.json" >"$work/search-$1.out" 2>/dev/null
  python3 - "$work/search-$1.out" "$1" <<'PY'
import json, sys
output = json.loads(open(sys.argv[1]).read().splitlines()[-1])["body"]["output"]
assert output["count"] == int(sys.argv[2]) and len(output["results"]) == output["count"], output["count"]
PY
  local rss wall
  read -r rss wall < <(STDIN="$work/search-$1.json" rss_and_wall 5 "$PLUGIN" run)
  echo "$rss $wall $(STDIN= "$PLUGIN" run <"$work/search-$1.json" 2>/dev/null | wc -c)"
}

search_case() {
  start_simulator search --bulk-records "$SEARCH_RECORDS"
  local small_rss small_s small_bytes rss wall bytes pages_s
  read -r small_rss small_s small_bytes < <(search_rss 5000)
  read -r rss wall bytes < <(search_rss "$SEARCH_RECORDS")
  search_pages() { for offset in $(seq 0 1000 $((SEARCH_RECORDS - 1000))); do
    curl -s -o /dev/null -H "Authorization: apikey $USER_NAME:$KEY" \
      "$URL/api/v2/intelligence/?value=203.0.113.77&type=ip&limit=1000&offset=$offset"; done; }
  export -f search_pages; export URL USER_NAME KEY SEARCH_RECORDS
  read -r _ pages_s < <(rss_and_wall 5 bash -c search_pages)
  # Flat: what the 45,000 records beyond the first 5,000 cost, against the output they add. The ratio
  # to the whole output is no measure at 5,000, where the process's own ~10 MiB and one page in
  # flight are most of it.
  row "search_intelligence, 50,000 records (50 pages)" "$(python3 -c "print(f'{$wall:.2f} s')")" \
      "$(python3 -c "print(f'{$pages_s:.2f} s (curl, 50 pages)')")" \
      "$(python3 -c "print(f'{$wall / $pages_s:.2f}x wall')")" \
      "RSS $((rss / 1024)) MiB = $(python3 -c "print(f'{$rss * 1024 / $bytes:.2f}')")x the $((bytes / 1024 / 1024)) MiB output; 5,000 records $((small_rss / 1024)) MiB, so 45,000 more cost $(python3 -c "print(f'{($rss - $small_rss) * 1024 / ($bytes - $small_bytes):.2f}')")x the output they add; targets <= 3x, <= 1.5x"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -euo pipefail
  cd "$(dirname "$0")/.."
  source bench/lib.sh
  search_case
  print_table
fi
