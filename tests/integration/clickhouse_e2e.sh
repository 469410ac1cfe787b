#!/usr/bin/env bash
# ClickHouse backend end to end on a two-shard cluster (scripts/clickhouse.sh): every command
# works unchanged and answers exactly as the SQLite archive holding the same imports - search
# with every filter, cursor paging, show, stats, reports, alerts, verify, serve and the REST
# API -, both shards hold data, a row repeated by a retried insert is never shown twice, and
# a single-node location list fails over past a server that is down. Exits 77 (skip) when
# clickhouse-server is not installed. XA_CH_E2E_RECORDS sets the tenant size (default 20000).
. "$(dirname "$0")/lib.bash"
. "$(dirname "$0")/ch_lib.bash"
command -v jq > /dev/null || { echo "SKIP: jq missing"; exit 77; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} # serve is stopped by a signal
N=${XA_CH_E2E_RECORDS:-20000}
ch_start cluster
hosts=${XA_CH_URLS//http:\/\//}
CH="clickhouse://$hosts/xa?state=$TMP/ch.state&cluster=$XA_CH_CLUSTER"
SQ="$TMP/sq.db"
xc() { "$EXOAUDIT" -q --db "$CH" "$@"; }
xs() { "$EXOAUDIT" -q --db "$SQ" "$@"; }
T0=$SECONDS

# ---- import twice: the second import stores nothing ------------------------------------
xa -q generate --records "$N" --out "$TMP/g.jsonl"
uniq_ids=$(jq -r .Id "$TMP/g.jsonl" | sort -u | wc -l)
for b in xs xc; do
  for i in 1 2; do
    set +e; $b import --no-progress --summary json "$TMP/g.jsonl" > "$TMP/$b.i$i.json" 2> "$TMP/$b.i$i.err"; rc=$?; set -e
    [ $rc -eq 0 ] || { echo "   $b import $i: exit $rc"; cat "$TMP/$b.i$i.err"; }
  done
done
check "clickhouse: first import stores every unique record" eq "$(jq .stored "$TMP/xc.i1.json")" "$uniq_ids"
check "clickhouse: first import counts re-sent records as duplicates" eq "$(jq .duplicates "$TMP/xc.i1.json")" $((N - uniq_ids))
check "clickhouse: second import stores nothing" eq "$(jq .stored "$TMP/xc.i2.json")" 0
check "clickhouse: second import: every record a duplicate" eq "$(jq .duplicates "$TMP/xc.i2.json")" "$N"
for i in 1 2; do
  check "import $i: same summary as SQLite" eq "$(jq -c . "$TMP/xc.i$i.json")" "$(jq -c . "$TMP/xs.i$i.json")"
done

# ---- stats, shards -------------------------------------------------------------------------
st() { $1 stats --format json | jq -c '{events, duplicates, quarantined, oldest, newest}'; }
check "stats: events, duplicates, quarantine, time range as SQLite" eq "$(st xc)" "$(st xs)"
events=$(xc stats --format json | jq .events)
check "stats: events = unique records" eq "$events" "$uniq_ids"
n1=$(ch_q 1 "SELECT count() FROM xa.events_local")
n2=$(ch_q 2 "SELECT count() FROM xa.events_local")
echo "   shard rows: $n1 + $n2"
check "shard 1 holds events" test "$n1" -gt 0
check "shard 2 holds events" test "$n2" -gt 0
check "the shards hold every event once" eq "$((n1 + n2))" "$events"

# ---- search: every filter, JSON, same records in the same order -------------------------
# archive-specific fields: the numbering (seq), the import time; the duplicate counter is
# compared on its own below. sed, not jq: 20,000 records several times
norm() { sed -E -e 's/"collected_at":"[^"]*",//' -e 's/,"seq":[0-9]+,"duplicates":[0-9]+\}$/}/' "$@"; }
ids() { cut -d'"' -f4 "$@"; } # record_id, the first field of a JSON line
search_cmp() { # search_cmp [--may-be-empty] SEARCH-ARGS...: same answer on both archives
  local empty=0
  [ "${1:-}" == --may-be-empty ] && { empty=1; shift; }
  xs search --limit 0 --format json "$@" > "$TMP/raw.sq"
  xc search --limit 0 --format json "$@" > "$TMP/raw.ch"
  norm "$TMP/raw.sq" > "$TMP/s.sq"; norm "$TMP/raw.ch" > "$TMP/s.ch"
  local a b; a=$(wc -l < "$TMP/s.sq"); b=$(wc -l < "$TMP/s.ch")
  if [ "$a" -eq 0 ] && [ "$empty" -eq 0 ]; then fail "search $*: no rows on SQLite (a useless comparison)"
  elif grep -q '"seq":' "$TMP/s.sq"; then fail "search $*: output not normalised (format changed?)"
  elif cmp -s "$TMP/s.sq" "$TMP/s.ch"; then ok "search $* ($a rows)"
  else
    fail "search $*: SQLite $a rows, ClickHouse $b rows, not the same"
    diff <(ids "$TMP/s.sq") <(ids "$TMP/s.ch") | head -5 || true
    diff "$TMP/s.sq" "$TMP/s.ch" | head -4 | cut -c1-300 || true
  fi
}
tenant=$(head -n 1 "$TMP/g.jsonl" | jq -r .OrganizationId)
search_cmp --include-system
# kept for the duplicate counters and as the reference order of every record
cp "$TMP/raw.sq" "$TMP/all.raw.sq"; cp "$TMP/raw.ch" "$TMP/all.raw.ch"
ids "$TMP/all.raw.sq" > "$TMP/all.sq"
search_cmp --tenant "$tenant" --oldest-first
search_cmp --operation Add-MailboxPermission
search_cmp --operation 'add-*permission'
search_cmp --operation Set-Mailbox,New-InboxRule
search_cmp --actor 'IT.*'
search_cmp --actor ryan.cooper@contoso.com --mailbox ceo@contoso.com
search_cmp --mailbox ceo@contoso.com
search_cmp --mailbox 'c?o@contoso.com' --logon-type delegate
search_cmp --since 2026-10-05 --until 2026-10-06
search_cmp --since 2026-10-13T09:00:00Z --until 2026-10-13T16:00:00Z --oldest-first --include-system
search_cmp --ip 203.0.113.0/24
search_cmp --ip 2001:db8::/32
search_cmp --ip 198.51.100.17
search_cmp --record-type 50
search_cmp --record-type ExchangeItem
search_cmp --logon-type owner
search_cmp --logon-type delegate,admin
search_cmp --category inbox_rule
search_cmp --category audit_config --include-system
search_cmp --result failure
search_cmp --workload azureactivedirectory
search_cmp --external yes --include-system
search_cmp --external no
search_cmp --object ceo
search_cmp --object '*Documents*'
search_cmp --param ForwardTo
search_cmp --param 'ForwardingSmtpAddress=*example.org'
search_cmp --may-be-empty --param 'ForwardTo=nobody@nowhere'
search_cmp -q invoice
search_cmp -q 'invoice*'
search_cmp -q 'INVOICE payment'
search_cmp -q ceo@contoso.com --operation MailItemsAccessed
search_cmp --may-be-empty -q '"NEAR( OR * -x'
# full text matches words (prefixes with a trailing *), as SQLite's FTS5 index does; a
# substring of a word is not a match (docs/CLICKHOUSE.md says "every word must be a substring
# of the lower-cased document": the answers differ from SQLite's)
search_cmp -q inbox
search_cmp --may-be-empty -q invoic

# the per-record duplicate counter (search and show print it)
dups() { sed -E 's/^\{"record_id":"([^"]*)".*,"duplicates":([0-9]+)\}$/\1 \2/' "$1" | sort; }
dups "$TMP/all.raw.sq" > "$TMP/d.sq"; dups "$TMP/all.raw.ch" > "$TMP/d.ch"
check "records re-sent show their duplicate counter as on SQLite ($(awk '$2 > 0' "$TMP/d.sq" | wc -l) records)" \
  cmp -s "$TMP/d.sq" "$TMP/d.ch"

# ---- cursor paging until exhausted ----------------------------------------------------
page_all() { # page_all LOCATION OUT LIMIT ARGS...: every page, following the printed cursor
  local db=$1 out=$2 lim=$3 cur="" pages=0; shift 3
  local more=()
  : > "$out"
  while :; do
    "$EXOAUDIT" --db "$db" search --limit "$lim" --format json "$@" "${more[@]}" >> "$out" 2> "$TMP/page.err"
    pages=$((pages + 1))
    cur=$(sed -n 's/.*--cursor \([^ ]*\)$/\1/p' "$TMP/page.err")
    [ -z "$cur" ] && break
    more=(--cursor "$cur")
    [ $pages -gt 500 ] && { echo "   paging does not end" >&2; break; }
  done
  echo "$pages"
}
# pages of up to 2,000 are read in two phases (identities, then rows), larger ones in one pass
p=$(page_all "$CH" "$TMP/pages.ch" 997 --include-system)
ids "$TMP/pages.ch" > "$TMP/pages.ids"
check "paging by 997 ($p pages): no record twice" eq "$(sort "$TMP/pages.ids" | uniq -d | wc -l)" 0
check "paging by 997: every record, in SQLite's order" cmp -s "$TMP/pages.ids" "$TMP/all.sq"
p=$(page_all "$CH" "$TMP/pages.ch" 2500 --logon-type owner)
check "paging by 2500 ($p pages, logon type owner) = SQLite's answer" eq "$(ids "$TMP/pages.ch")" \
  "$(xs search --logon-type owner --limit 0 --format json | ids)"
p=$(page_all "$CH" "$TMP/pages.ch" 150 --mailbox ceo@contoso.com --oldest-first)
check "paging by 150 ($p pages, one mailbox, oldest first) = SQLite's answer" eq "$(ids "$TMP/pages.ch")" \
  "$(xs search --limit 0 --format json --mailbox ceo@contoso.com --oldest-first | ids)"

# ---- show ----------------------------------------------------------------------------
gid=$(xs search --operation Add-MailboxPermission --mailbox ceo@contoso.com --actor it.admin@contoso.com --format json --limit 1 | jq -r .record_id)
check "show --format json: same event as SQLite" eq "$(xc show --format json "$gid" | norm)" "$(xs show --format json "$gid" | norm)"
show_txt() { $1 show "$gid" | sed -e '1s/seq [0-9]*, duplicates received [0-9]*//' -e '/^  collected at /d'; }
check "show (text): same event as SQLite" eq "$(show_txt xc)" "$(show_txt xs)"
check "show: the duplicate counter as on SQLite" eq "$(xc show --format json "$gid" | jq .duplicates)" "$(xs show --format json "$gid" | jq .duplicates)"
gseq=$(xc show --format json "$gid" | jq .seq)
check "show SEQ finds the event by its archive number" eq "$(xc show --format json "$gseq" | jq -r .record_id)" "$gid"
check "show of an unknown id exits 1" bash -c "'$EXOAUDIT' -q --db '$CH' show no-such-id > /dev/null 2>&1; [ \$? -eq 1 ]"

# ---- reports: the same bytes -----------------------------------------------------------
report_cmp() {
  xs report "$@" > "$TMP/r.sq"; xc report "$@" > "$TMP/r.ch"
  if [ -s "$TMP/r.sq" ] && cmp -s "$TMP/r.sq" "$TMP/r.ch"; then ok "report $* ($(wc -c < "$TMP/r.sq") bytes)"
  else fail "report $*"; diff "$TMP/r.sq" "$TMP/r.ch" | head -6 | cut -c1-300 || true; fi
}
report_cmp non-owner-access --format json
report_cmp non-owner-access --since 2026-10-10 --until 2026-10-20 --mailbox 'c*@contoso.com' --format json
report_cmp permissions --format json
report_cmp permissions --mailbox ceo@contoso.com --at 2026-10-13T10:00:00Z --format json
report_cmp admin-changes --format json
report_cmp admin-changes --include-system --format csv
report_cmp timeline --actor ryan.cooper@contoso.com --format json
report_cmp timeline --mailbox ceo@contoso.com --format text
report_cmp coverage --format json

# ---- alerts: the same rules fire on the same events ---------------------------------------
alerts() { $1 alerts list --status all --limit 0 --format json | jq -r '[.rule_id, .group, .first_at, .last_at, (.seqs | length)] | @tsv' | sort; }
alerts xs > "$TMP/a.sq"; alerts xc > "$TMP/a.ch"
check "alerts: same rules, groups, times and event counts ($(wc -l < "$TMP/a.sq") alerts)" cmp -s "$TMP/a.sq" "$TMP/a.ch"
check "alerts: same count per rule" eq "$(cut -f1 "$TMP/a.ch" | uniq -c)" "$(cut -f1 "$TMP/a.sq" | uniq -c)"
check "alerts: the planted grant-use-revoke fires" grep -q '^xa_grant_use_revoke' "$TMP/a.ch"
alert_events() { # the events an alert lists, without their archive numbers
  local id; id=$($1 alerts list --format json --limit 0 --rule xa_grant_use_revoke | jq -r .id | head -n 1)
  $1 alerts show "$id" | sed -n 's/^ *#[0-9]* *//p'
}
check "alerts show: the triggering events are read back by seq" eq "$(alert_events xc)" "$(alert_events xs)"
check "alerts show: the grant, the uses and the revocation" eq "$(alert_events xc | awk '{print $3}' | tr '\n' ' ')" \
  "Add-MailboxPermission FolderBind MailItemsAccessed MailItemsAccessed SendAs Remove-MailboxPermission "

# ---- verify --------------------------------------------------------------------------
set +e; xc verify --format json > "$TMP/v.json" 2> "$TMP/v.err"; rc=$?; set -e
check "verify on the cluster exits 0" eq "$rc" 0
[ $rc -eq 0 ] || head -c 400 "$TMP/v.err"
check "verify: no problem" eq "$(jq -s 'map(select(.kind != null and .kind != "warning")) | length' "$TMP/v.json" 2>/dev/null)" 0
check "verify: every event checked" test "$(jq -s 'map(select(.records != null))[0].records // 0' "$TMP/v.json")" -ge "$uniq_ids"

# ---- a retried insert repeats a row byte for byte: never shown twice ------------------------
node=1
for n in 1 2; do
  if [ "$(ch_q $n "SELECT count() FROM xa.events_local WHERE rid = '$gid'")" == 1 ]; then node=$n; fi
done
ch_q "$node" "INSERT INTO xa.events_local SELECT * FROM xa.events_local WHERE rid = '$gid'"
check "the row is there twice (node $node)" eq "$(ch_q 1 "SELECT count() FROM xa.events WHERE rid = '$gid'")" 2
xc search --include-system --limit 0 --format json | ids > "$TMP/all.ch"
check "after a repeated row: search shows no record twice" eq "$(sort "$TMP/all.ch" | uniq -d | wc -l)" 0
check "after a repeated row: search = SQLite's answer" cmp -s "$TMP/all.ch" "$TMP/all.sq"
search_cmp --operation Add-MailboxPermission --mailbox ceo@contoso.com
p=$(page_all "$CH" "$TMP/pages.ch" 40 --mailbox ceo@contoso.com)
check "after a repeated row: paging ($p pages) shows every record once" eq "$(ids "$TMP/pages.ch")" \
  "$(xs search --limit 0 --format json --mailbox ceo@contoso.com | ids)"
check "after a repeated row: show prints it once" eq "$(xc show --format json "$gid" | wc -l)" 1
check "after a repeated row: stats events unchanged (+ self-audit only)" eq \
  "$(xc stats --format json | jq .events)" "$((uniq_ids + $(xc search --category self_audit --limit 0 --format json | wc -l) ))"
report_cmp permissions --mailbox ceo@contoso.com --format json
set +e; xc verify --format json > "$TMP/v2.json" 2> "$TMP/v2.err"; rc=$?; set -e
check "after a repeated row: verify still exits 0 (an exact repeat is no tampering)" eq "$rc" 0

# ---- serve and the REST API ---------------------------------------------------------------
SPID=""
stop_serve() { # SIGTERM, at most 15 s, then SIGKILL
  [ -n "$SPID" ] || return 0
  kill "$SPID" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$SPID" 2>/dev/null || true
  wait "$SPID" 2>/dev/null || true
  SPID=""
}
prev=$(trap -p EXIT) # stop serve first, then what was there (ch_start chained its stop)
if [ -n "$prev" ]; then eval "set -- $prev"; prev=$3; fi
# shellcheck disable=SC2064  # expand the previous handler now
trap "stop_serve; ${prev:-:}" EXIT
EXOAUDIT_PASSWORD=viewerpassword1 xc user add vera --role viewer
tok=$(xc user token vera --label e2e)
start_serve() { # start_serve -> 0 when listening (U set), 1 when serve exited
  rm -f "$TMP/port"
  "$EXOAUDIT" --db "$CH" serve --port 0 --port-file "$TMP/port" 2> "$TMP/serve.log" &
  SPID=$!
  for _ in $(seq 300); do
    [ -s "$TMP/port" ] && { U="http://127.0.0.1:$(cat "$TMP/port")"; return 0; }
    kill -0 "$SPID" 2>/dev/null || { wait "$SPID" 2>/dev/null || true; SPID=""; return 1; }
    sleep 0.1
  done
  return 1
}
if start_serve; then ok "serve starts on the ClickHouse archive (no extra configuration)"
else
  fail "serve starts on the ClickHouse archive (no extra configuration)"; sed 's/^/   /' "$TMP/serve.log"
  printf 'web:\n  export_dir: %s\n' "$TMP/exports" > "$TMP/web.yaml"
  export EXOAUDIT_CONFIG="$TMP/web.yaml"
  start_serve || { fail "serve does not start with web.export_dir either"; sed 's/^/   /' "$TMP/serve.log"; }
  export EXOAUDIT_CONFIG=""
fi
if [ -n "$SPID" ]; then
  api() { curl -s -H "Authorization: Bearer $tok" "$U/api/v1/$1"; }
  api_pages() { # api_pages QUERY: record ids of every page
    local cur="" n=0 r
    while :; do
      r=$(api "events?$1${cur:+&cursor=$cur}")
      jq -r '.events[].record_id' <<< "$r"
      cur=$(jq -r '.next_cursor // empty' <<< "$r")
      n=$((n + 1)); [ -z "$cur" ] || [ $n -gt 200 ] && break
    done
  }
  check "API search, paged, = SQLite CLI search (logon type delegate)" eq \
    "$(api_pages 'logon_type=delegate&limit=300')" "$(xs search --logon-type delegate --limit 0 --format json | ids)"
  check "API search, paged oldest first, = SQLite CLI search (ip range, since)" eq \
    "$(api_pages 'ip=203.0.113.0/24&since=2026-10-20&order=oldest&limit=1000')" \
    "$(xs search --ip 203.0.113.0/24 --since 2026-10-20 --oldest-first --limit 0 --format json | ids)"
  check "API search: the events as SQLite's" eq \
    "$(api 'events?operation=Add-MailboxPermission&mailbox=ceo@contoso.com&limit=1000' | jq -c '.events[]' | norm)" \
    "$(xs search --operation Add-MailboxPermission --mailbox ceo@contoso.com --limit 0 --format json | jq -c . | norm)"
  check "API event by id (a repeated row): once" eq "$(api "events/$gid" | jq -r '[.count, .events[0].record_id] | @tsv')" "$(printf '1\t%s' "$gid")"
  check "API stats: duplicates as SQLite" eq "$(api stats | jq .duplicates)" "$(xs stats --format json | jq .duplicates)"
  check "API report = CLI report" eq "$(api 'reports/non-owner-access?format=json' | jq -c .sections)" "$(xs report non-owner-access --format json | jq -c .sections)"
fi
stop_serve

# ---- failover: a single-node location whose first server is down ------------------------------
P1=${XA_CH_URLS%%,*}; P1=${P1##*:}
FO="clickhouse://127.0.0.1:1,127.0.0.1:$P1/fo?state=$TMP/fo.state"
head -n 300 "$TMP/g.jsonl" > "$TMP/h.jsonl"
set +e
"$EXOAUDIT" -q --db "$FO" import --no-progress --summary json "$TMP/h.jsonl" > "$TMP/fo.json" 2> "$TMP/fo.err"; rc=$?
set -e
check "failover: import past a server that is down exits 0" eq "$rc" 0
[ $rc -eq 0 ] || sed 's/^/   /' "$TMP/fo.err"
check "failover: records stored" eq "$(jq .stored "$TMP/fo.json" 2>/dev/null)" "$(jq -r .Id "$TMP/h.jsonl" | sort -u | wc -l)"
check "failover: search answers" eq "$("$EXOAUDIT" -q --db "$FO" search --include-system --limit 0 --format json 2>/dev/null | wc -l)" \
  "$(jq -r .Id "$TMP/h.jsonl" | sort -u | wc -l)"
check "failover: verify exits 0" bash -c "'$EXOAUDIT' -q --db '$FO' verify > /dev/null"
echo "   $((SECONDS - T0)) s"
finish
