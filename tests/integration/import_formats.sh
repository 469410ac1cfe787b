#!/usr/bin/env bash
# Import formats detected by content (issue: CSV / XML / cmdlet and tool JSON exports):
# golden fixtures for every format, one row per record across API blob / CSV / JSON
# exports, stable identities for XML reports, XXE and billion-laughs refused, bad CSV
# rows quarantined with their line, --dry-run per format, DOMAIN\user -> UPN mapping.
. "$(dirname "$0")/lib.bash"
G="$XA_TEST_DATA/golden/formats"
fresh() { rm -f "$EXOAUDIT_DB" "$EXOAUDIT_DB"-wal "$EXOAUDIT_DB"-shm; }
dump() { xa search --format json --include-system --oldest-first --limit 0 | jq -c 'del(.collected_at, .seq)'; }

# 1. golden: every fixture -> expected normalised JSON Lines
for f in "$G"/*; do
  case "$f" in *.expected.jsonl) continue ;; esac
  b=$(basename "$f"); exp="$G/$b.expected.jsonl"
  fresh
  xa import --no-progress --tenant golden-tenant "$f" > /dev/null 2>&1 || true
  dump > "$TMP/got.jsonl"
  if diff -u "$exp" "$TMP/got.jsonl" > "$TMP/diff" 2>&1; then ok "golden $b"; else fail "golden $b"; head -20 "$TMP/diff"; fi
done

# 2. the same three records through the API blob, 3 CSV exports and 2 JSON exports: one row each
fresh
for f in ual_api_blob.json ual_purview_classic.csv ual_purview_new.csv ual_powershell_utf16.csv \
         ual_convertto.json ual_tool.jsonl; do
  xa import --no-progress "$G/$f" > /dev/null 2>&1
done
dump > "$TMP/all.jsonl"
check "six exports of three records store three rows" eq "$(wc -l < "$TMP/all.jsonl")" 3
check "each row counts five duplicates" eq "$(jq -r .duplicates "$TMP/all.jsonl" | sort -u)" 5
check "CSV normalises exactly like the API" eq \
  "$(jq -c 'del(.raw,.source)' "$G/ual_purview_classic.csv.expected.jsonl")" \
  "$(jq -c 'del(.raw,.source)' "$G/ual_api_blob.json.expected.jsonl")"
check "UTF-16 PowerShell CSV normalises exactly like the API" eq \
  "$(jq -c 'del(.raw,.source)' "$G/ual_powershell_utf16.csv.expected.jsonl")" \
  "$(jq -c 'del(.raw,.source)' "$G/ual_api_blob.json.expected.jsonl")"

# 3. XML reports without Id: importing twice stores nothing new
fresh
xa import --no-progress "$G/admin_report.xml" "$G/mailbox_report.xml" > /dev/null 2>&1
xa import --no-progress "$G/admin_report.xml" "$G/mailbox_report.xml" > "$TMP/out2" 2>&1
check "second import of the XML reports stores nothing" grep -q "read 4, stored 0, duplicates 4, quarantined 0" "$TMP/out2"
# Search-AdminAuditLog CSV and JSON of the same entries share Identity
fresh
xa import --no-progress "$G/admin_search.csv" "$G/admin_search.json" > "$TMP/out3" 2>&1
check "admin log CSV + JSON: three distinct entries" grep -q "read 4, stored 3, duplicates 1" "$TMP/out3"

# 4. XXE and billion laughs
fresh
cat > "$TMP/xxe.xml" <<'X'
<?xml version="1.0"?>
<!DOCTYPE Events [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<Events>
<Event Caller="a" Cmdlet="Set-Mailbox" ObjectModified="x" RunDate="2025-01-01T00:00:00Z" Succeeded="true">&xxe;</Event>
<Event Caller="a" Cmdlet="Set-Mailbox" ObjectModified="y" RunDate="2025-01-01T00:00:01Z" Succeeded="true"/>
</Events>
X
set +e; xa import --no-progress "$TMP/xxe.xml" > "$TMP/o" 2> "$TMP/e"; rc=$?; set -e
check "XXE document: exit 3 (quarantined)" eq "$rc" 3
xa quarantine list --format json > "$TMP/q.json"
check "XXE: the DOCTYPE is refused with its reason and line" \
  bash -c "jq -r 'select(.line==2) | .reason' '$TMP/q.json' | grep -q DOCTYPE"
check "XXE: the entity reference is quarantined, never expanded" \
  bash -c "jq -r .reason '$TMP/q.json' | grep -q 'undefined entity'"
check "XXE: no file content reached the archive" bash -c "! (xa search --format json --include-system --limit 0; xa quarantine list --format json) | grep -q 'root:'"
check "XXE: the well-formed entry after it is stored" eq "$(xa search --format json --include-system --limit 0 | jq -r .object)" y
{
  echo '<?xml version="1.0"?>'
  echo '<!DOCTYPE lolz [<!ENTITY lol "lol">'
  for i in 1 2 3 4 5 6 7 8 9; do printf '<!ENTITY lol%d "' $i; p=$([ $i = 1 ] && echo lol || echo lol$((i-1))); for _ in 1 2 3 4 5 6 7 8 9 10; do printf '&%s;' "$p"; done; echo '">'; done
  echo ']>'
  echo '<Events><Event Caller="a" Cmdlet="Set-Mailbox" RunDate="2025-01-01T00:00:00Z">&lol9;</Event></Events>'
} > "$TMP/lol.xml"
set +e; timeout 20 "$EXOAUDIT" import --no-progress --format xml "$TMP/lol.xml" > /dev/null 2> "$TMP/e"; rc=$?; set -e
check "billion laughs: finishes quickly, quarantined (exit 3)" eq "$rc" 3
check "billion laughs: nothing stored" eq "$(xa search --format json --include-system --limit 0 | wc -l)" 1

# 5. bad CSV rows quarantined with their line, the rest stored
fresh
a1=$(jq -c '.[0]' "$G/ual_api_blob.json" | sed 's/"/""/g'); a2=$(jq -c '.[1]' "$G/ual_api_blob.json" | sed 's/"/""/g')
a3=$(jq '.[2]' "$G/ual_api_blob.json" | sed 's/"/""/g')
{
  printf 'CreationDate,UserIds,Operations,AuditData\r\n'              # 1
  printf '3/10/2025,u,op,"%s"\r\n' "$a1"                              # 2 good
  printf '3/10/2025,u,op,""\r\n'                                      # 3 empty AuditData
  printf '3/10/2025,u,op,"{""Id"":""broken"",""CreationTime"":"\r\n'  # 4 broken JSON
  printf '3/10/2025,u,op,"%s"\r\n' "$a3"                              # 5.. multi-line good
  printf '3/10/2025,u\r\n'                                            # after it: too few fields
  printf '3/10/2025,u,op,"%s"\r\n' "$a2"                              # good
} > "$TMP/bad.csv"
n3=$(( 6 + $(printf "%s" "$a3" | wc -l) ))    # line of the short row
set +e; xa import --no-progress "$TMP/bad.csv" > "$TMP/o" 2>&1; rc=$?; set -e
check "bad CSV rows: exit 3" eq "$rc" 3
check "bad CSV rows: 3 stored, 3 quarantined" grep -q "read 6, stored 3, duplicates 0, quarantined 3" "$TMP/o"
xa quarantine list --format json > "$TMP/q.json"
check "empty AuditData quarantined at line 3" bash -c "jq -r 'select(.line==3) | .reason' '$TMP/q.json' | grep -q 'empty AuditData'"
check "broken JSON quarantined at line 4" bash -c "jq -r 'select(.line==4) | .reason' '$TMP/q.json' | grep -q 'JSON'"
check "short row quarantined at line $n3 (after a multi-line field)" bash -c "jq -r 'select(.line==$n3) | .reason' '$TMP/q.json' | grep -q 'fields'"

# 6. --dry-run reports per format what would be stored, and stores nothing
fresh
xa import --no-progress --dry-run "$G/ual_purview_new.csv" "$G/admin_report.xml" "$G/windows_events.xml" \
  "$G/admin_search.json" > "$TMP/o" 2> "$TMP/e"
check "dry run: CSV layout reported" grep -q "csv-purview: read 3, would store 3" "$TMP/e"
check "dry run: admin XML report reported" grep -q "xml-admin-audit-report: read 2, would store 2" "$TMP/e"
check "dry run: Windows event XML reported" grep -q "xml-windows-events: read 2, would store 2" "$TMP/e"
check "dry run: cmdlet JSON reported" grep -q "json-search-adminauditlog: read 2, would store 2" "$TMP/e"
check "dry run: nothing stored" bash -c "! test -s '$EXOAUDIT_DB' || [ \$(xa search --format json --include-system --limit 0 2>/dev/null | wc -l) -eq 0 ]"

# 7. one timeline: DOMAIN\user mapped to the UPN by identity.domains
fresh
cat > "$TMP/cfg.yaml" <<'Y'
identity:
  domains:
    CORP: contoso.com
Y
sed -e 's/exadmin/helpdesk7/g' "$G/windows_events.xml" > "$TMP/ev.xml"
xa import --no-progress "$G/ual_api_blob.json" > /dev/null 2>&1
EXOAUDIT_CONFIG="$TMP/cfg.yaml" "$EXOAUDIT" import --no-progress "$TMP/ev.xml" > /dev/null 2>&1
xa search --format json --include-system --oldest-first --limit 0 --actor helpdesk7@contoso.com > "$TMP/t.json"
check "--actor UPN finds cloud and on-premises activity" eq "$(jq -r .source "$TMP/t.json" | tr '\n' ' ')" "api xml "
check "the original DOMAIN\\user is kept" eq "$(jq -r 'select(.source=="xml") | .parameters.ActorAccount' "$TMP/t.json")" 'CORP\helpdesk7'
check "without a mapping the actor stays DOMAIN\\user" eq \
  "$(jq -r 'select(.operation=="4728") | .actor' "$G/windows_events.xml.expected.jsonl")" 'CORP\exadmin'
finish
