#!/usr/bin/env bash
# Integrity benchmark: import with integrity on and off in the same run, verify throughput,
# bytes per record. Usage: bench/integrity.sh [BINARY] (default build/release/exoaudit);
# RECORDS= sets the input size (default 1,000,000). Prints a Markdown table.
set -euo pipefail
X=${1:-build/release/exoaudit}
N=${RECORDS:-1000000}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
export EXOAUDIT_CONFIG="" HOME="$T"
"$X" generate --records "$N" --seed 42 --out "$T/in.jsonl"
printf 'integrity:\n  enabled: false\n' > "$T/off.yaml"
: > "$T/on.yaml"
secs() { local s e; s=$(date +%s.%N); "$@" > /dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc; }
on=(); off=()
for r in 1 2 3; do # alternate, best of three each
  rm -f "$T"/on.db* "$T"/off.db*
  "$X" --db "$T/on.db" init > /dev/null 2>&1
  off+=("$(secs "$X" --config "$T/off.yaml" --db "$T/off.db" import --no-progress "$T/in.jsonl")")
  on+=("$(secs "$X" --config "$T/on.yaml" --db "$T/on.db" import --no-progress "$T/in.jsonl")")
done
best() { printf '%s\n' "$@" | sort -n | head -1; }
bon=$(best "${on[@]}"); boff=$(best "${off[@]}")
v=$(secs "$X" -q --db "$T/on.db" verify)
stored=$(sqlite3 "$T/on.db" "SELECT count(*) FROM events")
"$X" --db "$T/on.db" verify --format json > "$T/v.json" 2>/dev/null || true
rate=$(tail -n1 "$T/v.json" | jq .records_per_second)
size_on=$(stat -c %s "$T/on.db"); size_off=$(stat -c %s "$T/off.db")
ih=$(sqlite3 "$T/on.db" "SELECT sum(length(hashes)) + 80 * count(*) FROM integ_blocks")
echo "| measure | integrity off | integrity on | ratio |"
echo "|---|---|---|---|"
printf '| import %s records (best of 3) | %.2f s (%.0f rec/s) | %.2f s (%.0f rec/s) | %.3f |\n' "$N" "$boff" "$(echo "$N / $boff" | bc -l)" "$bon" "$(echo "$N / $bon" | bc -l)" "$(echo "$bon / $boff" | bc -l)"
printf '| archive bytes per stored record | %.0f | %.0f | %.3f |\n' "$(echo "$size_off / $stored" | bc -l)" "$(echo "$size_on / $stored" | bc -l)" "$(echo "$size_on / $size_off" | bc -l)"
printf '| integrity tables, bytes per record | - | %.1f | |\n' "$(echo "$ih / $stored" | bc -l)"
printf '| verify (whole archive, process) | - | %.2f s, %s records/s inside verify | |\n' "$v" "$rate"
