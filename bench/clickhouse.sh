#!/usr/bin/env bash
# ClickHouse backend benchmark (docs/CLICKHOUSE.md, docs/PERFORMANCE.md): the same 1,000,000
# generated records imported into SQLite, one ClickHouse node and a two-shard ClickHouse
# cluster in this one run (records/s, peak RSS of exoaudit, ratio against SQLite), then the
# same searches on each; then the ClickHouse archives are grown to 10,000,000 records on the
# server (9 copies of the 1M with new record ids, shifted back 31 days per copy, so the
# records per 30-day window stay what a real year of this tenant would have) and searched
# again. Servers are private (scripts/clickhouse.sh) and stopped at the end.
# Usage: bench/clickhouse.sh [EXOAUDIT_BINARY]   env: RECORDS (1000000), COPIES (9), RUNS (21)
# Writes bench/out/clickhouse.md and prints it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/release/exoaudit}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
records=${RECORDS:-1000000}
copies=${COPIES:-9}
runs=${RUNS:-21}
out=$root/bench/out
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/xa-chbench.XXXXXX")
cleanup() {
  "$root/scripts/clickhouse.sh" stop "$work/single" >/dev/null 2>&1 || true
  "$root/scripts/clickhouse.sh" stop "$work/cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export EXOAUDIT_CONFIG=""
command -v clickhouse-server >/dev/null || [ -x /usr/bin/clickhouse-server ] ||
  { echo "clickhouse-server is not installed (scripts/deps.sh bench)" >&2; exit 1; }

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }
fmt() { printf '%.2f' "$1"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "starting ClickHouse: one node and a two-shard cluster" >&2
eval "$("$root/scripts/clickhouse.sh" start "$work/single" single)"
single_urls=$XA_CH_URLS
eval "$("$root/scripts/clickhouse.sh" start "$work/cluster" cluster)"
cluster_urls=$XA_CH_URLS
hosts() { echo "$1" | sed 's#http://##g'; }
loc_single="clickhouse://$(hosts "$single_urls")/bench?state=$work/single.state.db"
loc_cluster="clickhouse://$(hosts "$cluster_urls")/bench?cluster=xa_cluster&state=$work/cluster.state.db"

echo "generating $records records" >&2
"$bin" generate --records "$records" --seed 42 --format jsonl --out "$work/in.jsonl"
bytes=$(stat -c %s "$work/in.jsonl")
printf 'rules:\n  on_import: false\n' > "$work/nodetect.yaml"

declare -A t_imp rss
import_into() { # NAME LOCATION
  echo "import into $1" >&2
  /usr/bin/time -f '%e %M' -o "$work/time.$1" "$bin" --config "$work/nodetect.yaml" --db "$2" \
    import --no-progress "$work/in.jsonl" > "$work/import.$1" 2>&1
  read -r t_imp[$1] rss[$1] < "$work/time.$1"
}
import_into sqlite "$work/a.db"
import_into node "$loc_single"
import_into cluster "$loc_cluster"

win_since=2026-10-01T00:00:00Z; win_until=2026-10-31T00:00:00Z
admin=it.admin@contoso.com
declare -A s1 s2 s3 n1
searches() { # NAME LOCATION TAG
  : > "$work/s1"; : > "$work/s2"; : > "$work/s3"
  for _ in $(seq 1 "$runs"); do
    t=$(now); "$bin" --db "$2" search --operation Add-MailboxPermission --actor "$admin" \
        --since $win_since --until $win_until --limit 50 --format json > "$work/r1" 2>/dev/null; elapsed "$t" >> "$work/s1"
    t=$(now); "$bin" --db "$2" search -q invoice --since $win_since --until $win_until --limit 50 --format json > /dev/null 2>&1; elapsed "$t" >> "$work/s2"
    t=$(now); "$bin" --db "$2" search --mailbox "ceo@*" --logon-type delegate --limit 50 --format json > /dev/null 2>&1; elapsed "$t" >> "$work/s3"
  done
  s1[$3]=$(median < "$work/s1"); s2[$3]=$(median < "$work/s2"); s3[$3]=$(median < "$work/s3")
  n1[$3]=$(wc -l < "$work/r1")
}
echo "searches on 1M" >&2
searches sqlite "$work/a.db" sqlite
searches node "$loc_single" node
searches cluster "$loc_cluster" cluster

# grow to (1 + copies) x records on the server: new ids, 31 days earlier per copy
grow() { # URLS TABLE: on every node its own rows (one INSERT ... SELECT per copy, bounded
          # memory; a Distributed insert of a table with MATERIALIZED columns fails on 18.16)
  local k q u
  for u in ${1//,/ }; do
    for k in $(seq 1 "$copies"); do
      q="INSERT INTO bench.$2 SELECT tenant, concat(rid, '#$k'), at - $k * 2678400000000,
        seq + $k * 100000000000, stream, rtype, flags, op, actor, mbx, wl, ip, obj, doc, body, chain
        FROM bench.$2 WHERE position(rid, '#') = 0"
      curl -sS --fail-with-body "$u/?max_memory_usage=6000000000" --data-binary "$q" > "$work/grow.out" ||
        { cat "$work/grow.out" >&2; return 1; }
    done
  done
}
count() { curl -sS "$1/" --data-binary "SELECT count() FROM bench.events"; }
echo "growing the ClickHouse archives to $(( records * (copies + 1) )) records" >&2
t=$(now); grow "$single_urls" events; t_grow_node=$(elapsed "$t")
t=$(now); grow "$cluster_urls" events_local; t_grow_cluster=$(elapsed "$t")
c_node=$(count "${single_urls%%,*}"); c_cluster=$(count "${cluster_urls%%,*}")
echo "searches on the grown archives" >&2
searches node "$loc_single" node10
searches cluster "$loc_cluster" cluster10

ms() { fmt "$(echo "$1 * 1000" | bc -l)"; }
rate() { printf '%.0f' "$(echo "$records / $1" | bc -l)"; }
{
echo "Input: $records generated records, $(( bytes / records )) bytes/record, JSON Lines; integrity chain on, detection off."
echo
echo "| import into | time | records/s | ratio to SQLite (time) | peak RSS of exoaudit |"
echo "|---|---|---|---|---|"
for k in sqlite node cluster; do
  echo "| $k | $(fmt "${t_imp[$k]}") s | $(rate "${t_imp[$k]}") | $(fmt "$(echo "${t_imp[$k]} / ${t_imp[sqlite]}" | bc -l)") | $(( ${rss[$k]} / 1024 )) MB |"
done
echo
echo "Search latency, median of $runs runs, each a new exoaudit process (process start included):"
echo
echo "| archive | records | op + actor + 30 days | full text + 30 days | mailbox wildcard + logon type |"
echo "|---|---|---|---|---|"
echo "| SQLite | $records | $(ms "${s1[sqlite]}") ms (${n1[sqlite]} rows) | $(ms "${s2[sqlite]}") ms | $(ms "${s3[sqlite]}") ms |"
echo "| ClickHouse node | $records | $(ms "${s1[node]}") ms (${n1[node]} rows) | $(ms "${s2[node]}") ms | $(ms "${s3[node]}") ms |"
echo "| ClickHouse cluster | $records | $(ms "${s1[cluster]}") ms (${n1[cluster]} rows) | $(ms "${s2[cluster]}") ms | $(ms "${s3[cluster]}") ms |"
echo "| ClickHouse node | $c_node | $(ms "${s1[node10]}") ms (${n1[node10]} rows) | $(ms "${s2[node10]}") ms | $(ms "${s3[node10]}") ms |"
echo "| ClickHouse cluster | $c_cluster | $(ms "${s1[cluster10]}") ms (${n1[cluster10]} rows) | $(ms "${s2[cluster10]}") ms | $(ms "${s3[cluster10]}") ms |"
echo
echo "Growing on the server ($copies INSERT ... SELECT, one per copy): node $(fmt "$t_grow_node") s, cluster $(fmt "$t_grow_cluster") s."
} > "$out/clickhouse.md"
cat "$out/clickhouse.md"
