#!/usr/bin/env bash
# Detection benchmark (issue: detection and alerting). In one run: import N generated records
# with detection off (the import rate), then run the whole built-in pack over the same
# committed events with 'exoaudit detect --once' (streaming engine: scan + evaluate + store
# alerts + cursor), and a retro-hunt of the whole pack (scan + evaluate, nothing stored).
# Target: detection is faster than import, so it never slows ingest.
# Writes bench/out/rules.md and prints it; docs/PERFORMANCE.md quotes it.
# Usage: bench/rules.sh [EXOAUDIT_BINARY]   env: RECORDS (default 1000000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/release/exoaudit}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
records=${RECORDS:-1000000}
out=$root/bench/out
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/xa-bench-rules.XXXXXX")
trap 'rm -rf "$work"' EXIT
export EXOAUDIT_DB="$work/a.db"
printf 'rules:\n  on_import: false\n' > "$work/off.yaml"
now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc -l; }

echo "generating $records records" >&2
"$bin" generate --records "$records" --seed 42 --format jsonl --out "$work/in.jsonl"
nrules=$("$bin" rules list --format json | wc -l)

echo "import (detection off)" >&2
/usr/bin/time -f '%e %M' -o "$work/t_imp" env EXOAUDIT_CONFIG="$work/off.yaml" \
  "$bin" import --no-progress "$work/in.jsonl" > /dev/null 2>&1
read -r t_imp rss_imp < "$work/t_imp"
stored=$("$bin" stats 2>/dev/null | awk '/events/ {gsub(",","",$2); print $2; exit}')
[ -n "$stored" ] || stored=$records

echo "detect --once (whole pack, streaming engine)" >&2
/usr/bin/time -f '%e %M' -o "$work/t_det" env EXOAUDIT_CONFIG="" \
  "$bin" detect --once > "$work/det.out" 2>&1
read -r t_det rss_det < "$work/t_det"
events=$(sed -n 's/^detect: \([0-9]*\) events.*/\1/p' "$work/det.out")
alerts=$(EXOAUDIT_CONFIG="" "$bin" alerts list --status all --format json --limit 0 | wc -l)

echo "hunt (whole pack, nothing stored)" >&2
t=$(now); EXOAUDIT_CONFIG="" "$bin" hunt --with-builtin --format json > /dev/null 2>&1; t_hunt=$(elapsed "$t")

rate() { echo "$1 / $2" | bc -l | xargs printf '%.0f'; }
r_imp=$(rate "$records" "$t_imp"); r_det=$(rate "$events" "$t_det"); r_hunt=$(rate "$events" "$t_hunt")
ratio=$(echo "$r_det / $r_imp" | bc -l | xargs printf '%.1f')
{
  echo "## Detection benchmark ($(date -u +%Y-%m-%d), $(nproc) CPU, $records records, seed 42)"
  echo
  echo "| step | time (s) | events/s | peak RSS (MB) |"
  echo "|---|---:|---:|---:|"
  echo "| import, detection off | $t_imp | $r_imp | $((rss_imp / 1024)) |"
  echo "| detect --once: $nrules rules over $events committed events, $alerts alerts stored | $t_det | $r_det | $((rss_det / 1024)) |"
  echo "| hunt --with-builtin (scan + evaluate, nothing stored) | $(printf '%.2f' "$t_hunt") | $r_hunt | - |"
  echo
  echo "Detection runs at ${ratio}x the import rate of the same run."
} | tee "$out/rules.md"
