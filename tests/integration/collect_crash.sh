#!/usr/bin/env bash
# The collector is killed with SIGKILL at 20 random moments and restarted each time; the final
# archive equals the emulator's manifest exactly (every record once, nothing else). ~45 s.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/collect_lib.bash"
command -v bc >/dev/null || { echo "skip: bc not installed"; exit 77; }

start_emu k --records 2500 --seed 5 --sim-start 2025-03-10T00:00:00Z --sim-days 0.25 \
  --speed 2000 --blob-records 15 --page-size 11 --latency 5 --truncate 0.05 \
  --dup-across-blobs 0.03 --late 0.15 --fault-5xx 0.03 --huge-blob 2500
write_cfg "$TMP/c.yaml" "$SECRET_AUTH" "  spool_memory: 64k"
RANDOM=42
kills=0
for i in $(seq 1 20); do
  "$EXOAUDIT" --config "$TMP/c.yaml" collect >>"$TMP/run.out" 2>>"$TMP/run.err" &
  p=$!
  sleep "$(printf '0.%02d' $((RANDOM % 90 + 10)))"
  if kill -KILL "$p" 2>/dev/null; then kills=$((kills + 1)); fi
  wait_pid "$p" 30 "a collector after SIGKILL" || true
done
check "20 SIGKILLs delivered" eq "$kills" 20
wait_emu_age 26
rc=0; "$EXOAUDIT" --config "$TMP/c.yaml" collect --once >>"$TMP/run.out" 2>>"$TMP/run.err" || rc=$?
check "final pass exits 0" eq "$rc" 0
"$EXOAUDIT" --config "$TMP/c.yaml" collect --once >>"$TMP/run.out" 2>>"$TMP/run.err" || true
stop_emu
manifest_ids "$TMP/k.manifest" > "$TMP/m.ids"
archive_ids > "$TMP/a.ids"
check "manifest is not empty" test "$(wc -l < "$TMP/m.ids")" -gt 2000
check "archive == manifest (ids)" cmp -s "$TMP/m.ids" <(sort -u "$TMP/a.ids")
check "no record stored twice" eq "$(uniq -d "$TMP/a.ids" | wc -l)" 0
check "no spool file left behind" eq "$(find "${TMPDIR:-/tmp}" -maxdepth 1 -name 'exoaudit-spool-*' -newer "$TMP/c.yaml" 2>/dev/null | wc -l)" 0
check "integrity of the archive" eval '"$EXOAUDIT" stats >/dev/null'
finish
