#!/usr/bin/env bash
# Before/after check of the analytics report: every output of it, from one store, so two builds
# can be compared byte for byte (a refactoring of server/src/store/report/ must leave them all
# the same).
#
#   scripts/report_snapshot.sh fill DIR SERVER_BIN
#     Serves the shipped corpus with SERVER_BIN and a new store DIR/store.sqlite3, asks 60
#     questions (answered, declined, small talk, gaps, CSV-hostile text; from three sites and
#     none) and votes on some answers, then spreads the rows over the last 12 days.
#   scripts/report_snapshot.sh capture SERVER_BIN DIR OUT
#     From a copy of DIR's store, writes into OUT: `signpost-server report` (30 days, 7 days
#     top 3, one site), every `report --csv` list (all sites and one), and over HTTP the
#     /admin page (all sites and one) and every /admin/export CSV (all sites and one).
#
# Fill once, capture with the old binary and the new one, then `diff -r BEFORE AFTER`. The
# dates are relative to today: capture both on the same day (UTC).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$REPO/scripts/server.sh"
need sqlite3
need python3
TOKEN=report-snapshot-token-0123456789
LISTS="questions-per-day unanswered declined not-helpful confident-not-helpful most-asked sites"

serve() { # serve BIN STORE DATA LOG
  SIGNPOST_ADMIN_TOKEN=$TOKEN server_start "$4" "$1" --addr 127.0.0.1:0 \
    --corpus "$REPO/corpus" --data "$3" --store "$2" --rate-limit-per-minute 0 serve
}

fill() {
  local dir="$1" bin="$2"
  mkdir -p "$dir"
  rm -f "$dir"/store.sqlite3*
  trap server_stop EXIT
  serve "$bin" "$dir/store.sqlite3" "$dir/data" "$dir/server.log"
  python3 - "$SERVER_URL" <<'EOF'
import json, sys, urllib.parse, urllib.request
url = sys.argv[1]
questions = ["who led parsol", "Who led PARSOL?", "what is parsol", "how do I pay council tax",
             "hello", "thanks", "my bin was not collected", "what was the e-planning project",
             "is there a helpline?", "xyzzy plugh", "what is smartcard",
             "which projects were about planning", "who ran the e-benefits project",
             "=cmd|' /C calc'!A0", 'commas, and "quotes"', "bins; =1+1", "what about libraries",
             "tell me about local e-gov", "what national projects were there",
             "who led the ORIGIN project"]
sites = [None, "leeds", "york", "bath", "leeds"]
n = 0
for round in (1, 2, 3):
    for q in questions:
        site = sites[n % 5]
        n += 1
        query = {"q": q} | ({"site": site} if site else {})
        with urllib.request.urlopen(url + "/api/v1/ask?" + urllib.parse.urlencode(query)) as r:
            answer = json.load(r).get("answer") or {}
        if answer.get("id") and n % 3 == 0:
            vote = {"answer_id": answer["id"], "question": q, "helpful": n % 2 == 0,
                    "comment": f"not quite, round {round}", "site": site or "leeds"}
            request = urllib.request.Request(url + "/api/v1/feedback", json.dumps(vote).encode(),
                                             {"content-type": "application/json"})
            urllib.request.urlopen(request).read()
EOF
  server_stop
  sqlite3 "$dir/store.sqlite3" \
    "UPDATE asks SET at = at - (id % 12) * 86400 - (id % 7) * 3600" \
    "UPDATE feedback SET at = at - (id % 4) * 86400 + 600"
  echo "$dir/store.sqlite3: $(sqlite3 "$dir/store.sqlite3" 'SELECT COUNT(*) FROM asks') asks," \
    "$(sqlite3 "$dir/store.sqlite3" 'SELECT COUNT(*) FROM feedback') votes"
}

capture() {
  local bin="$1" dir="$2" out="$3"
  mkdir -p "$out"
  cp "$dir/store.sqlite3" "$out/store.sqlite3"
  local report=("$bin" --corpus "$REPO/corpus" --data "$dir/data" --store "$out/store.sqlite3" report)
  "${report[@]}" --since 30d >"$out/report-30d.txt"
  "${report[@]}" --since 7d --top 3 >"$out/report-7d-top3.txt"
  "${report[@]}" --since 30d --site leeds >"$out/report-leeds.txt"
  for list in $LISTS; do
    "${report[@]}" --since 30d --csv "$list" >"$out/cli-$list.csv"
    "${report[@]}" --since 30d --site york --csv "$list" >"$out/cli-york-$list.csv"
  done
  trap server_stop EXIT
  serve "$bin" "$out/store.sqlite3" "$dir/data" "$out/server.log"
  local get=(curl -fsS -H "authorization: Bearer $TOKEN")
  "${get[@]}" "$SERVER_URL/admin?since=30d" >"$out/admin.html"
  "${get[@]}" "$SERVER_URL/admin?since=7d&site=leeds" >"$out/admin-leeds.html"
  for list in $LISTS; do
    "${get[@]}" "$SERVER_URL/admin/export/$list.csv?since=30d" >"$out/http-$list.csv"
    "${get[@]}" "$SERVER_URL/admin/export/$list.csv?since=30d&site=leeds" >"$out/http-leeds-$list.csv"
  done
  server_stop
  rm -f "$out"/store.sqlite3* "$out/server.log"
  echo "$out: $(ls "$out" | wc -l) outputs"
}

case "${1:-}" in
  fill) fill "$2" "$3" ;;
  capture) capture "$2" "$3" "$4" ;;
  *) sed -n '2,17p' "$0" >&2; exit 2 ;;
esac
