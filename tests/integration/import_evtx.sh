#!/usr/bin/env bash
# Acceptance: every EVTX sample in ../shared/data/evtx that libevtx can read imports exactly
# the records of its listing (record number, event id, time, provider; recovered records
# too), account and group changes have actor, target and grantee; files libevtx cannot
# read are refused naming the cause and the wevtutil workaround; damaged files import
# what is readable.
. "$(dirname "$0")/lib.bash"
E="${XA_SHARED:-}/data/evtx"
if [ -z "${XA_SHARED:-}" ] || [ ! -d "$E" ]; then
  echo "skip: EVTX samples not found (set XA_SHARED to the shared/ folder; looked in '$E')"
  exit 77
fi
fresh() { rm -f "$EXOAUDIT_DB" "$EXOAUDIT_DB"-wal "$EXOAUDIT_DB"-shm; }
listing() { xa search --format json --include-system --limit 0 |
  jq -r '.parameters | [."System.EventRecordID", ."System.EventID", ."System.TimeCreated", ."System.Provider"] | join(" ")' | sort; }
ACCOUNT='^(4720|4722|4723|4724|4725|4726|4728|4729|4732|4733|4738|4740|4756|4757|4767|5136|5137|5141|4662)$'

for f in "$E"/*.evtx; do
  b=$(basename "$f")
  fresh
  exp="$TMP/exp"; cat "$f.events.txt" > "$exp"
  [ -f "$f.recovered.events.txt" ] && cat "$f.recovered.events.txt" >> "$exp"
  if [ ! -s "$exp" ] && [ -f "$f.events.rawscan.txt" ]; then
    set +e; xa import --no-progress "$f" > /dev/null 2> "$TMP/err"; rc=$?; set -e
    check "$b: refused (exit 1), not imported as 0 events" eq "$rc" 1
    check "$b: the message names the cause" grep -q "inline binary XML" "$TMP/err"
    check "$b: the message gives the wevtutil workaround" grep -q "wevtutil qe" "$TMP/err"
    continue
  fi
  set +e; xa import --no-progress "$f" > "$TMP/out" 2>&1; rc=$?; set -e
  check "$b: import finishes (exit 0 or 3)" bash -c "[ $rc -eq 0 ] || [ $rc -eq 3 ]"
  listing > "$TMP/got"
  if diff <(sort "$exp") "$TMP/got" > "$TMP/diff"; then
    ok "$b: $(wc -l < "$exp") records match the listing exactly"
  else
    fail "$b: records differ from the listing"; head -10 "$TMP/diff"
  fi
  missing=$(xa search --format json --include-system --limit 0 |
    jq -r --arg re "$ACCOUNT" 'select((.parameters."System.EventID" | test($re)) and
      (.actor == null or .object == null or .grantee == null)) | .record_id')
  n=$(xa search --format json --include-system --limit 0 | jq -r --arg re "$ACCOUNT" 'select(.parameters."System.EventID" | test($re)) | .record_id' | wc -l)
  check "$b: $n account/group change(s) have actor, target and grantee" eq "$missing" ""
done

# importing the same file twice stores nothing new (record id = computer + channel + EventRecordID)
fresh
xa import --no-progress "$E/exchange-admin-group-4756.evtx" > /dev/null 2>&1
xa import --no-progress "$E/exchange-admin-group-4756.evtx" > "$TMP/o" 2>&1
check "EVTX imported twice: all duplicates" grep -q "read 15, stored 0, duplicates 15" "$TMP/o"

# compressed EVTX (spooled to a temporary file for libevtx)
fresh
gzip -c "$E/exchange-admin-group-4756.evtx" > "$TMP/x.evtx.gz"
xa import --no-progress "$TMP/x.evtx.gz" > "$TMP/o" 2>&1
check "gzip-compressed EVTX imports" grep -q "read 15, stored 15" "$TMP/o"

# damaged: a truncated file imports every readable record and reports the rest
fresh
head -c 300000 "$E/security-size_t-values.evtx" > "$TMP/trunc.evtx"
set +e; xa import --no-progress "$TMP/trunc.evtx" > "$TMP/o" 2>&1; rc=$?; set -e
stored=$(sed -n 's/.*stored \([0-9]*\),.*/\1/p' "$TMP/o" | tail -1)
check "truncated EVTX: no crash (exit 0 or 3)" bash -c "[ $rc -eq 0 ] || [ $rc -eq 3 ]"
check "truncated EVTX: the readable records are imported ($stored of 636)" bash -c "[ '${stored:-0}' -gt 100 ] && [ '${stored:-0}' -lt 636 ]"
check "truncated EVTX: imported records are a prefix of the listing" bash -c \
  "diff <(listing) <(sort '$E/security-size_t-values.evtx.events.txt' | grep -Fxf <(listing)) > /dev/null"
finish
