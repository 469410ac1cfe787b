#!/usr/bin/env bash
# exoaudit report: golden JSON of every report on generator data with its planted
# incidents, targeted assertions on the incidents, and the safety of every format.
# XA_UPDATE_GOLDEN=1 rewrites the golden files (review the diff before committing).
. "$(dirname "$0")/lib.bash"
G="$XA_TEST_DATA/golden/reports"
xa generate --records 5000 --seed 11 > "$TMP/g.jsonl"
xa import --no-progress "$TMP/g.jsonl" > /dev/null 2>&1

golden() { # golden NAME ARGS...
  local name=$1; shift
  xa report "$@" --format json > "$TMP/$name.json"
  if [ "${XA_UPDATE_GOLDEN:-}" = 1 ]; then cp "$TMP/$name.json" "$G/$name.json"; fi
  if cmp -s "$TMP/$name.json" "$G/$name.json"; then ok "golden $name"
  else fail "golden $name"; diff <(jq . "$G/$name.json" 2>/dev/null) <(jq . "$TMP/$name.json") | head -20; fi
}
golden non-owner-access non-owner-access
golden permissions permissions
golden admin-changes admin-changes
golden timeline-person timeline --actor ryan.cooper@contoso.com
golden timeline-mailbox timeline --mailbox ceo@contoso.com
golden coverage coverage

# the same options give the same bytes (no time of run in a report)
xa report permissions --format json > "$TMP/p2.json"
check "reports are deterministic" cmp -s "$TMP/permissions.json" "$TMP/p2.json"

# grant - use - revoke: it.admin grants ryan.cooper FullAccess on ceo@, ryan uses it, it.admin revokes
P="$TMP/permissions.json"
grant() { jq -r --arg r "$1" '.sections[]|select(.id=="grants").rows[]
  | select(.mailbox=="ceo@contoso.com" and .grantee=="ryan.cooper@contoso.com" and .right==$r)
  | [.granted_by,.granted_at,.revoked_by,.revoked_at,.status,.accesses] | @tsv' "$P"; }
check "FullAccess granted by it.admin, revoked by it.admin" \
  eq "$(grant FullAccess)" "$(printf 'it.admin@contoso.com\t2026-10-13T09:12:00Z\tit.admin@contoso.com\t2026-10-13T15:12:00Z\trevoked\t4')"
check "SendAs granted and revoked by it.admin" \
  eq "$(grant SendAs | cut -f1,3,5)" "$(printf 'it.admin@contoso.com\tit.admin@contoso.com\trevoked')"
acts=$(jq -r '.sections[]|select(.id=="activity").rows[]|select(.user=="ryan.cooper@contoso.com")
  | "\(.time) \(.operation) \(.held)"' "$P")
check "the delegate's accesses in between" eq "$acts" "2026-10-13T09:30:00Z FolderBind FullAccess, SendAs
2026-10-13T09:36:00Z MailItemsAccessed FullAccess, SendAs
2026-10-13T10:00:00Z MailItemsAccessed FullAccess, SendAs
2026-10-13T10:12:00Z SendAs FullAccess, SendAs"
check "grantee's operations summarised on the grant" \
  eq "$(jq -r '.sections[0].rows[]|select(.grantee=="ryan.cooper@contoso.com" and .right=="FullAccess").operations' "$P")" \
  "MailItemsAccessed 2, FolderBind 1, SendAs 1"
check "nothing of ryan held at the end" \
  eq "$(jq '[.sections[]|select(.id=="state").rows[]|select(.grantee=="ryan.cooper@contoso.com")]|length' "$P")" 0
check "state at 10:00 shows ryan's FullAccess" \
  eq "$(xa report permissions --at 2026-10-13T10:00:00Z --mailbox ceo@contoso.com --format json \
        | jq -r '[.sections[]|select(.id=="state").rows[]|select(.grantee=="ryan.cooper@contoso.com").right]|sort|join(",")')" \
  "FullAccess,SendAs"
check "external forward by set-mailbox on finance@" \
  eq "$(jq -r '.sections[0].rows[]|select(.mailbox=="finance@contoso.com" and .right=="Forwarding")|"\(.grantee) \(.granted_by)"' "$P")" \
  "finance-reports@example.org helpdesk@contoso.com"
check "forwarding inbox rule of nina.patel" \
  eq "$(jq -r '.sections[0].rows[]|select(.mailbox=="nina.patel@contoso.com" and .grantee=="ap-invoices@example.org")|.right' "$P")" \
  "InboxRule ."

# a snapshot anchors grants older than the archive
cat > "$TMP/perm.json" <<'J'
[{"Identity":"ceo@contoso.com","User":"exec.assistant@contoso.com","AccessRights":["FullAccess"],"IsInherited":false,"Deny":false},
 {"Identity":"ceo@contoso.com","User":"NT AUTHORITY\\SELF","AccessRights":["FullAccess"],"IsInherited":false,"Deny":false}]
J
xa report permissions --mailbox ceo@contoso.com --snapshot "$TMP/perm.json" --format json > "$TMP/ps.json"
check "snapshot grant older than the archive" \
  eq "$(jq -r '.sections[0].rows[]|select(.grantee=="exec.assistant@contoso.com" and .right=="FullAccess")|"\(.granted_at) \(.snapshot) \(.accesses>0)"' "$TMP/ps.json")" \
  "null present true"
check "ryan's revoked grant is not in the snapshot and not flagged" \
  eq "$(jq -r '[.sections[0].rows[]|select(.grantee=="ryan.cooper@contoso.com").snapshot]|unique|join(",")' "$TMP/ps.json")" ""

# non-owner access: the incident, back-end hidden unless asked
N="$TMP/non-owner-access.json"
check "non-owner: ryan.cooper on ceo@" \
  eq "$(jq -r '.sections[]|select(.id=="access").rows[]|select(.mailbox=="ceo@contoso.com" and .user=="ryan.cooper@contoso.com")|"\(.events) \(.logon_types) \(.first) \(.last)"' "$N")" \
  "4 delegate 2026-10-13T09:30:00Z 2026-10-13T10:12:00Z"
check "non-owner: no back-end accounts by default" \
  eq "$(jq '[.sections[]|select(.id=="users").rows[]|select(.user|test("^S-1-5|NT AUTHORITY|prod.outlook.com"))]|length' "$N")" 0
# admin changes: back-end excluded by default, flagged when included
A="$TMP/admin-changes.json"
check "admin: no Microsoft back-end by default" \
  eq "$(jq '[.sections[]|select(.id=="changes").rows[]|select(.actor|test("NT AUTHORITY|prod.outlook.com"))]|length' "$A")" 0
check "admin: audit bypass flagged" \
  eq "$(jq -r '.sections[]|select(.id=="changes").rows[]|select(.cmdlet=="Set-MailboxAuditBypassAssociation")|"\(.actor) \(.target) \(.flags)"' "$A")" \
  "it.admin@contoso.com svc.backup@contoso.com audit configuration"
xa report admin-changes --include-system --format json > "$TMP/as.json"
check "admin: back-end with --include-system, external access flagged" \
  bash -c "jq -e '[.sections[]|select(.id==\"changes\").rows[]|select(.external_access==\"yes\" and (.flags|test(\"external access\")))]|length > 0' '$TMP/as.json' >/dev/null"
# coverage: auditing switched off on cfo@
check "coverage: cfo@ auditing switched off" \
  bash -c "jq -e '.sections[]|select(.id==\"audited\").rows[]|select(.mailbox==\"cfo@contoso.com\").status|test(\"^auditing switched off at 2026-10-26T16:48:00Z\")' '$TMP/coverage.json' >/dev/null"
check "coverage: svc.backup@ has no audit events and its bypass shows" \
  bash -c "jq -e '.sections[]|select(.id==\"silent\").rows[]|select(.mailbox==\"svc.backup@contoso.com\").audit_changes|test(\"AuditBypassEnabled True by it.admin\")' '$TMP/coverage.json' >/dev/null"
# timeline of a person is in time order
check "timeline in time order" bash -c "jq -r '.sections[]|select(.id==\"events\").rows[].time' '$TMP/timeline-person.json' | sort -c"

# every format; untrusted strings cannot inject script, formulas or terminal codes
cat > "$TMP/evil.json" <<'J'
{"Id":"7e1f0000-0000-4000-8000-00000000e411","CreationTime":"2026-10-14T10:00:00","Operation":"MailItemsAccessed","OrganizationId":"1b3c0000-0000-4000-8000-000000000001","RecordType":50,"ResultStatus":"Succeeded","UserKey":"x","UserType":0,"Version":1,"Workload":"Exchange","UserId":"<script>alert(1)</script>@evil.example","ClientIP":"203.0.113.66","LogonType":2,"MailboxOwnerUPN":"ceo@contoso.com","ClientInfoString":"=HYPERLINK(\"http://evil.example\")\u001b[31m","OperationProperties":[{"Name":"MailAccessType","Value":"Bind"}],"Folders":[{"Path":"\\Inbox\"><img src=x onerror=alert(2)>","FolderItems":[{"Subject":"</td><script>alert(3)</script>"}]}]}
J
xa import --no-progress "$TMP/evil.json" > /dev/null 2>&1
for r in non-owner-access permissions admin-changes coverage; do
  xa report $r --format html -o "$TMP/$r.html"
done
xa report timeline --mailbox ceo@contoso.com --format html -o "$TMP/timeline.html"
for f in "$TMP"/*.html; do
  n=$(basename "$f")
  check "$n: strict CSP" grep -q "Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\"" "$f"
  check "$n: no script" bash -c "! grep -qi '<script' '$f'"
  check "$n: no http(s) resource" bash -c "! grep -Eqi '(src|href)=\"?(https?:)?//' '$f' && ! grep -Eqi 'url\\(' '$f'"
  check "$n: no event handler attribute" bash -c "! grep -Eqi '<[^>]* on[a-z]+=' '$f'"
done
check "escaped actor is shown" grep -q '&lt;script&gt;alert(1)&lt;/script&gt;@evil.example' "$TMP/non-owner-access.html"
xa report non-owner-access --format csv > "$TMP/n.csv"
check "csv: formula neutralised" grep -q "'=HYPERLINK" "$TMP/n.csv"
check "csv: no raw formula cell" bash -c "! grep -q ',=HYPERLINK' '$TMP/n.csv' && ! grep -q ',\"=HYPERLINK' '$TMP/n.csv'"
xa report non-owner-access --format text > "$TMP/n.txt"
check "text: no escape characters" bash -c "! grep -q $'\\x1b' '$TMP/n.txt'"
xa report non-owner-access --format json > "$TMP/n2.json"
check "json: valid" jq -e . "$TMP/n2.json" > /dev/null

# usage
code() { set +e; "$@" > /dev/null 2>&1; echo $?; set -e; }
check "unknown report exits 2" eq "$(code xa report nonsense)" 2
check "timeline without --actor/--mailbox exits 2" eq "$(code xa report timeline)" 2
check "bad format exits 2" eq "$(code xa report coverage --format pdf)" 2
check "report --help" bash -c "'$EXOAUDIT' report --help | grep -q non-owner-access"
finish
