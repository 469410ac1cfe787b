#!/usr/bin/env bash
# Import and search benchmark (issue: the spine). Everything is measured in this one run, so
# the ratios compare like with like on a noisy machine. Writes bench/out/results.md and
# prints it; docs/PERFORMANCE.md quotes it.
# Usage: bench/run.sh [EXOAUDIT_BINARY]   env: RECORDS (default 1000000), BLOB_MB (300)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/release/exoaudit}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
records=${RECORDS:-1000000}
blob_mb=${BLOB_MB:-300}
out=$root/bench/out
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/xa-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export EXOAUDIT_CONFIG=""

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }
fmt() { printf '%.2f' "$1"; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "building the parse-only floor" >&2
cc -O2 -std=c17 -D_GNU_SOURCE -I"$root/src" "$root/bench/parse_floor.c" \
   "$(dirname "$bin")/libxa.a" $(pkg-config --libs libcjson sqlite3 yaml-0.1 libzstd zlib libcrypto) \
   -lpthread -lm -o "$work/parse_floor"

echo "generating $records records" >&2
t=$(now); "$bin" generate --records "$records" --seed 42 --format jsonl --out "$work/in.jsonl"
t_gen=$(elapsed "$t")
bytes=$(stat -c %s "$work/in.jsonl")

echo "jq filter" >&2
t=$(now); jq -c 'select(.Operation=="Add-MailboxPermission")' "$work/in.jsonl" > "$work/jq.out"
t_jq=$(elapsed "$t")

echo "parse-only floor" >&2
t=$(now); "$work/parse_floor" "$work/in.jsonl" > /dev/null
t_parse=$(elapsed "$t")

echo "import --dry-run (parse + normalise)" >&2
t=$(now); "$bin" --db "$work/dry.db" import --no-progress --dry-run "$work/in.jsonl" > /dev/null 2>&1
t_dry=$(elapsed "$t")

echo "import into an empty archive (archive only: detection after import switched off)" >&2
printf 'rules:\n  on_import: false\n' > "$work/nodetect.yaml"
/usr/bin/time -f '%e %M' -o "$work/time.txt" "$bin" --config "$work/nodetect.yaml" --db "$work/a.db" import --no-progress "$work/in.jsonl" > "$work/import.out" 2>&1
read -r t_imp rss_kb < "$work/time.txt"
echo "import with the default configuration (integrity chain + detection of the whole rule pack)" >&2
/usr/bin/time -f '%e %M' -o "$work/time3.txt" "$bin" --db "$work/c.db" import --no-progress "$work/in.jsonl" > /dev/null 2>&1
read -r t_full rss_full_kb < "$work/time3.txt"
rm -f "$work"/c.db*
db_bytes=$(( $(stat -c %s "$work/a.db") + $(stat -c %s "$work/a.db-wal" 2>/dev/null || echo 0) ))

echo "searches" >&2
# operation + actor + 30-day window: the planted grant by the tenant admin
win_since=2026-10-01T00:00:00Z; win_until=2026-10-31T00:00:00Z
admin=it.admin@contoso.com   # the tenant admin of the generated tenant (docs/GENERATOR.md)
: > "$work/s1"; : > "$work/s2"; : > "$work/s3"
for i in $(seq 1 21); do
  t=$(now); "$bin" --db "$work/a.db" search --operation Add-MailboxPermission --actor "$admin" \
      --since $win_since --until $win_until --limit 50 --format json > "$work/r1" 2>/dev/null; elapsed "$t" >> "$work/s1"
  t=$(now); "$bin" --db "$work/a.db" search -q invoice --limit 50 --format json > "$work/r2" 2>/dev/null; elapsed "$t" >> "$work/s2"
  t=$(now); "$bin" --db "$work/a.db" search --mailbox "ceo@*" --logon-type delegate --limit 50 --format json > "$work/r3" 2>/dev/null; elapsed "$t" >> "$work/s3"
done
s1=$(median < "$work/s1"); s2=$(median < "$work/s2"); s3=$(median < "$work/s3")
n1=$(wc -l < "$work/r1"); n2=$(wc -l < "$work/r2"); n3=$(wc -l < "$work/r3")

echo "single-array blob of ${blob_mb} MB" >&2
brec=$(( blob_mb * 1000000 / (bytes / records) ))
"$bin" generate --records "$brec" --seed 7 --format blob --out "$work/blob.json"
blob_bytes=$(stat -c %s "$work/blob.json")
/usr/bin/time -f '%e %M' -o "$work/time2.txt" "$bin" --config "$work/nodetect.yaml" --db "$work/b.db" import --no-progress "$work/blob.json" > /dev/null 2>&1
read -r t_blob rss_blob_kb < "$work/time2.txt"

rate() { echo "$records / $1" | bc -l; }
{
echo "| measure | value |"
echo "|---|---|"
echo "| input | $records records, $(fmt "$(echo "$bytes/1000000" | bc -l)") MB JSON Lines ($(( bytes / records )) bytes/record) |"
echo "| generate | $(fmt "$t_gen") s |"
echo "| \`jq -c 'select(.Operation==\"Add-MailboxPermission\")'\` | $(fmt "$t_jq") s, $(printf '%.0f' "$(rate "$t_jq")") records/s |"
echo "| parse-only floor (split + cJSON) | $(fmt "$t_parse") s, $(printf '%.0f' "$(rate "$t_parse")") records/s |"
echo "| import --dry-run (split + parse + normalise) | $(fmt "$t_dry") s, $(printf '%.0f' "$(rate "$t_dry")") records/s |"
echo "| **import into an empty archive** | $(fmt "$t_imp") s, $(printf '%.0f' "$(rate "$t_imp")") records/s |"
echo "| **ratio import / jq** (target <= 1.0, aim 0.5) | $(fmt "$(echo "$t_imp / $t_jq" | bc -l)") |"
echo "| import, default configuration (+ detection with the built-in rule pack after commit) | $(fmt "$t_full") s, $(printf '%.0f' "$(rate "$t_full")") records/s, peak RSS $(( rss_full_kb / 1024 )) MB |"
echo "| peak RSS of the import (target <= 64 MB) | $(( rss_kb / 1024 )) MB |"
echo "| archive size / input (target <= 0.6) | $(fmt "$(echo "$db_bytes / $bytes" | bc -l)") ($(( db_bytes / records )) bytes/record) |"
echo "| search: operation + actor + 30-day window, median of 21 (target <= 20 ms) | $(fmt "$(echo "$s1*1000" | bc -l)") ms ($n1 rows) |"
echo "| search: full text \`-q invoice\`, limit 50, median of 21 | $(fmt "$(echo "$s2*1000" | bc -l)") ms ($n2 rows) |"
echo "| search: mailbox wildcard + logon type delegate, limit 50, median of 21 | $(fmt "$(echo "$s3*1000" | bc -l)") ms ($n3 rows) |"
echo "| single-array blob import | $(fmt "$(echo "$blob_bytes/1000000" | bc -l)") MB in $(fmt "$t_blob") s, peak RSS $(( rss_blob_kb / 1024 )) MB |"
} > "$out/results.md"
echo "search times include process start and archive open (each search is a new process)." >> "$out/results.md"
cat "$out/results.md"
