#!/usr/bin/env bash
# exoaudit collect against the emulator with every fault switched on together: every record
# served is archived exactly once, duplicates are counted not stored, and every blob the
# emulator forced to expire unfetched is a gap and a health event. About 40 s.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/collect_lib.bash"
command -v bc >/dev/null || { echo "skip: bc not installed"; exit 77; }

start_emu e --records 2500 --seed 11 --sim-start 2025-03-10T00:00:00Z --sim-days 0.25 \
  --speed 2000 --blob-records 20 --page-size 9 --fault-429 0.05 --fault-5xx 0.05 --latency 10 \
  --truncate 0.08 --dup-across-blobs 0.03 --out-of-order --late 0.15 --expire 0.06 \
  --token-expire-early 0.05 --huge-blob 3000 --clock-offset -5400
check "emulator is up" test -n "$URL"
write_cfg "$TMP/c.yaml" "$SECRET_AUTH"
# the daemon while the simulated day plays (activity 6 h + late blobs up to 6 h later)
"$EXOAUDIT" --config "$TMP/c.yaml" collect >"$TMP/daemon.out" 2>"$TMP/daemon.err" &
COL=$!; COL_PIDS+=("$COL")
wait_emu_age 26
rc=0; stop_pid "$COL" 60 "the collector daemon (SIGTERM)" || rc=$?
check "daemon stops cleanly on SIGTERM" eq "$rc" 0
# two complete passes now that everything is listable
rc=0; "$EXOAUDIT" --config "$TMP/c.yaml" collect --once --summary json >"$TMP/once1.json" 2>"$TMP/once1.err" || rc=$?
check "collect --once exits 0" eq "$rc" 0
"$EXOAUDIT" --config "$TMP/c.yaml" collect --once --summary json >"$TMP/once2.json" 2>"$TMP/once2.err" || true
stop_emu
check "the faults happened (429s and 5xx)" eval 'grep -Eq "429s [1-9]" "$TMP/e.emu.err" && grep -Eq "5xx [1-9]" "$TMP/e.emu.err"'
check "some responses were truncated" eval 'grep -Eq "truncated [1-9]" "$TMP/e.emu.err"'
check "some blobs expired unfetched" eval 'grep -q forced-expiry "$TMP/e.losses"'

manifest_ids "$TMP/e.manifest" > "$TMP/m.ids"
archive_ids > "$TMP/a.ids"
check "manifest is not empty" test "$(wc -l < "$TMP/m.ids")" -gt 2000
check "every served record is archived" eq "$(comm -23 "$TMP/m.ids" "$TMP/a.ids" | wc -l)" 0
check "nothing archived that was not served" eq "$(comm -13 "$TMP/m.ids" "$TMP/a.ids" | wc -l)" 0
check "each record exactly once" eq "$(uniq -d "$TMP/a.ids" | wc -l)" 0
# duplicates counted, not stored: repeats in the manifest (no blob is served twice to a
# collector that stored it) equal the archive's duplicate counters
served=$(wc -l < "$TMP/e.manifest"); uniq_served=$(wc -l < "$TMP/m.ids")
dups=$("$EXOAUDIT" search --format json --include-system --limit 0 \
  | jq -s '[.[] | select(.category != "collector") | .duplicates] | add')
check "duplicates counted, not stored ($((served - uniq_served)) repeats served)" eq "$dups" "$((served - uniq_served))"
# losses: every forced expiry is a gap and a health event
awk -F'\t' '$5 == "forced-expiry" {print $3}' "$TMP/e.losses" | sort -u > "$TMP/lost.blobs"
"$EXOAUDIT" status --format json > "$TMP/status.json"
jq -r '.gaps[] | select(.status == "expired" and .kind == "blob") | .content_id' "$TMP/status.json" \
  | sort -u > "$TMP/gap.blobs"
"$EXOAUDIT" search --category collector --format json --limit 0 \
  | jq -r 'select(.operation == "CollectorContentExpired") | .object' | sort -u > "$TMP/health.blobs"
check "lost blobs exist ($(wc -l < "$TMP/lost.blobs"))" test -s "$TMP/lost.blobs"
check "every lost blob is an expired gap" eq "$(comm -23 "$TMP/lost.blobs" "$TMP/gap.blobs" | wc -l)" 0
check "every lost blob is a health event" eq "$(comm -23 "$TMP/lost.blobs" "$TMP/health.blobs" | wc -l)" 0
check "health events are not repeated" eq "$("$EXOAUDIT" search --category collector --format json --limit 0 | jq -s '[.[].duplicates] | add // 0')" 0
check "status counts the expiries" test "$(jq '[.streams[].blobs_expired] | add' "$TMP/status.json")" -ge "$(wc -l < "$TMP/lost.blobs")"
check "no open gap left" eq "$(jq '[.gaps[] | select(.status == "open")] | length' "$TMP/status.json")" 0
check "status lists five streams" eq "$(jq '.streams | length' "$TMP/status.json")" 5
check "status text works" eval '"$EXOAUDIT" status | grep -q Audit.Exchange'
check "no secret or token in the logs" eval '! grep -E -- "$SECRET|eyJ|Bearer " "$TMP"/daemon.* "$TMP"/once*'
finish
