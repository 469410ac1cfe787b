#!/usr/bin/env bash
# CSV import benchmark: a generated 1,000,000-row Purview CSV export (AuditData column,
# RFC 4180 doubled quotes) imported into a fresh archive, against the JSON Lines import of
# the same records in the same run (the baseline). Also --dry-run (parse + normalise only)
# of both, and the peak RSS of each import. Prints a Markdown table for docs/PERFORMANCE.md.
# Usage: bench/csv.sh [EXOAUDIT_BINARY]   env: RECORDS (default 1000000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/release/exoaudit}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
records=${RECORDS:-1000000}
work=$(mktemp -d "${TMPDIR:-/tmp}/xa-csvbench.XXXXXX")
trap 'rm -rf "$work"' EXIT
export EXOAUDIT_CONFIG="" HOME="$work"

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }

echo "generating $records records" >&2
"$bin" generate --records "$records" --seed 42 --format jsonl --out "$work/in.jsonl"
echo "writing the CSV export" >&2
# new Purview layout; RecordId/CreationDate/... are placeholders, AuditData is the record
awk 'BEGIN { print "RecordId,CreationDate,RecordType,Operation,UserId,AuditData,AssociatedAdminUnits,AssociatedAdminUnitsNames" }
     { s = $0; gsub(/"/, "\"\"", s); printf "%d,10/1/2026 12:00:00 AM,1,op,user,\"%s\",,\r\n", NR, s }' \
  "$work/in.jsonl" > "$work/in.csv"

run() { # run NAME FILE [args] -> seconds, peak KB
  local name=$1 file=$2; shift 2
  rm -f "$work/$name.db"*
  local t; t=$(now)
  /usr/bin/time -f '%M' -o "$work/$name.rss" env EXOAUDIT_DB="$work/$name.db" "$bin" import --no-progress "$@" "$file" \
    > "$work/$name.out" 2> "$work/$name.err"
  echo "$(elapsed "$t") $(cat "$work/$name.rss")"
}
read -r t_json rss_json < <(run json "$work/in.jsonl")
read -r t_csv rss_csv < <(run csv "$work/in.csv")
read -r t_jdry _ < <(run jdry "$work/in.jsonl" --dry-run)
read -r t_cdry _ < <(run cdry "$work/in.csv" --dry-run)
# the generator plants duplicates: both imports must read every record and store the same rows
grep -q "^read $records," "$work/json.out" || { echo "JSON import: wrong count" >&2; cat "$work/json.out" >&2; exit 1; }
[ "$(cat "$work/json.out")" = "$(cat "$work/csv.out")" ] ||
  { echo "CSV import differs from JSON: $(cat "$work/csv.out")" >&2; exit 1; }
echo "both imports: $(cat "$work/csv.out")" >&2
mb() { echo "$(stat -c %s "$1") / 1000000" | bc -l; }
rate() { echo "$records / $1" | bc -l; }
printf '| import of %d records | input MB | seconds | records/s | peak RSS MB | vs JSON |\n' "$records"
printf '|---|---|---|---|---|---|\n'
printf '| JSON Lines (baseline) | %.0f | %.1f | %.0f | %.0f | 1.00 |\n' "$(mb "$work/in.jsonl")" "$t_json" "$(rate "$t_json")" "$(echo "$rss_json/1024" | bc -l)"
printf '| CSV export (AuditData) | %.0f | %.1f | %.0f | %.0f | %.2f |\n' "$(mb "$work/in.csv")" "$t_csv" "$(rate "$t_csv")" "$(echo "$rss_csv/1024" | bc -l)" "$(echo "$t_json / $t_csv" | bc -l)"
printf '| JSON Lines --dry-run | | %.1f | %.0f | | 1.00 |\n' "$t_jdry" "$(rate "$t_jdry")"
printf '| CSV --dry-run | | %.1f | %.0f | | %.2f |\n' "$t_cdry" "$(rate "$t_cdry")" "$(echo "$t_jdry / $t_cdry" | bc -l)"
