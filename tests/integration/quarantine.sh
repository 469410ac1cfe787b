#!/usr/bin/env bash
# Acceptance: a file mixing valid records, broken JSON, a record without Id and a 10 MB
# string stores the valid ones, quarantines each bad one with its position and reason,
# exits 3, and does not crash (this suite runs under ASan + UBSan).
. "$(dirname "$0")/lib.bash"

f="$TMP/mixed.jsonl"
rec() { printf '{"CreationTime":"2025-03-10T0%d:00:00","Id":"00000000-0000-4000-8000-00000000000%d","Operation":"Set-Mailbox","OrganizationId":"b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d","RecordType":1,"ResultStatus":"True","UserType":2,"Workload":"Exchange","UserId":"it.admin@contoso.com","ObjectId":"jdoe","Parameters":[{"Name":"Identity","Value":"jdoe@contoso.com"}]}\n' "$1" "$1"; }
{
  rec 1
  printf '{"CreationTime":"2025-03-10T02:00:00","Id": "broken", "Operation":\n'      # line 2: broken JSON
  rec 3
  printf '{"CreationTime":"2025-03-10T04:00:00","Operation":"Set-Mailbox","RecordType":1}\n'  # line 4: no Id
  printf '{"CreationTime":"2025-03-10T05:00:00","Id":"big","Operation":"x","Big":"'   # line 5: 10 MB string
  head -c 10485760 /dev/zero | tr '\0' 'a'
  printf '"}\n'
  rec 6
  printf '{"Id":"no-time","Operation":"Set-Mailbox"}\n'                              # line 7: no CreationTime
  printf '{"Id":12345,"CreationTime":"2025-03-10T08:00:00"}\n'                       # line 8: Id of the wrong type
} > "$f"

set +e
xa import --no-progress "$f" > "$TMP/out" 2> "$TMP/err"
rc=$?
set -e
check "exit code 3 when input was quarantined" eq "$rc" 3
check "summary counts" grep -q "read 8, stored 3, duplicates 0, quarantined 5" "$TMP/out"
check "stderr points at the quarantine" grep -q "quarantine list" "$TMP/err"

xa quarantine list --format json > "$TMP/q.json"
check "five quarantine entries" eq "$(wc -l < "$TMP/q.json")" 5
line_of() { jq -r --arg l "$1" 'select(.line == ($l|tonumber)) | .reason' "$TMP/q.json"; }
check "broken JSON quarantined at line 2" bash -c "[[ '$(line_of 2)' == *'malformed JSON'* ]]"
check "missing Id quarantined at line 4" bash -c "[[ '$(line_of 4)' == *Id* ]]"
check "10 MB record quarantined at line 5 as too big" bash -c "[[ '$(line_of 5)' == *'size limit'* ]]"
check "missing CreationTime quarantined at line 7" bash -c "[[ '$(line_of 7)' == *CreationTime* ]]"
check "numeric Id quarantined at line 8" bash -c "[[ '$(line_of 8)' == *Id* ]]"
check "every entry names the file" eq "$(jq -r .source "$TMP/q.json" | sort -u)" "$f"
off5=$(jq -r 'select(.line == 5) | .offset' "$TMP/q.json")
exp5=$(head -n 4 "$f" | wc -c)
check "byte offset of the big record is exact" eq "$off5" "$exp5"
check "sample of the big record is bounded" bash -c "[ \$(jq -r 'select(.line == 5) | .sample | length' '$TMP/q.json') -le 1024 ]"

xa search --format json --limit 0 > "$TMP/s.json"
check "three valid events stored" eq "$(wc -l < "$TMP/s.json")" 3
check "valid records found by id" eq "$(jq -r .record_id "$TMP/s.json" | sort | tr '\n' ' ')" \
  "00000000-0000-4000-8000-000000000001 00000000-0000-4000-8000-000000000003 00000000-0000-4000-8000-000000000006 "

# a truncated blob: the good records before the cut are kept, the tail is quarantined
printf '[{"CreationTime":"2025-03-11T00:00:00","Id":"t-1","Operation":"Set-Mailbox","RecordType":1},{"CreationTime":"2025-03-11T00:00:01","Id":"t-2","Oper' > "$TMP/trunc.json"
set +e; xa import --no-progress "$TMP/trunc.json" > "$TMP/out2" 2>&1; rc=$?; set -e
check "truncated blob exits 3" eq "$rc" 3
check "truncated blob keeps the complete record" grep -q "stored 1" "$TMP/out2"

# not JSON at all: refused with a clear message, exit 1, nothing stored
printf 'hello world\n' > "$TMP/junk.txt"
set +e; xa import --no-progress "$TMP/junk.txt" > /dev/null 2> "$TMP/err3"; rc=$?; set -e
check "non-JSON file fails" eq "$rc" 1
check "non-JSON file error names the cause" grep -q "not a format exoaudit reads" "$TMP/err3"
finish
