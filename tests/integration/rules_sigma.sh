#!/usr/bin/env bash
# Acceptance: the 21 m365 rules of SigmaHQ (../shared/data/sigma) load unchanged through the
# field mapping, and each fires on a matching Management Activity record written from the
# reference, with the rule's author on the alert (DRL 1.1).
. "$(dirname "$0")/lib.bash"
S=${XA_SHARED:-}/data/sigma
if [ -z "${XA_SHARED:-}" ] || [ ! -d "$S/rules" ]; then
  echo "skip: the shared Sigma rules are not available (set XA_SHARED to the shared folder)"
  exit 77
fi

set +e; xa rules validate --no-builtin "$S/rules" "$S/rules-threat-hunting" > "$TMP/v" 2>&1; rc=$?; set -e
check "the 21 rules validate" eq "$rc" 0
check "no unmapped field warning" eq "$(grep -c '^warn' "$TMP/v" || true)" 0
xa rules list --no-builtin --rules "$S/rules" --rules "$S/rules-threat-hunting" --format json > "$TMP/list"
check "21 rules loaded" eq "$(wc -l < "$TMP/list")" 21
check "DRL licence recorded" eq "$(jq -r .license "$TMP/list" | sort -u)" "DRL-1.1"
check "every rule keeps its author" eq "$(jq -r 'select(.author == null) | .id' "$TMP/list" | wc -l)" 0

T=b3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d
n=0
r() { n=$((n+1)); printf '{"CreationTime":"2026-10-13T09:%02d:00","Id":"00000000-0000-4000-8000-%012d","OrganizationId":"%s","Version":1,%s}\n' $((n%60)) "$n" "$T" "$1"; }
{
  r '"RecordType":1,"Workload":"Exchange","Operation":"Set-Mailbox","ResultStatus":"True","UserId":"helpdesk@contoso.com","UserType":2,"Parameters":[{"Name":"Identity","Value":"finance@contoso.com"},{"Name":"ForwardingSmtpAddress","Value":"smtp:x@example.org"}]'
  r '"RecordType":1,"Workload":"Exchange","Operation":"New-InboxRule","ResultStatus":"True","UserId":"nina.patel@contoso.com","UserType":0,"Parameters":[{"Name":"Name","Value":"."},{"Name":"MoveToFolder","Value":"RSS Feeds"}]'
  r '"RecordType":15,"Workload":"AzureActiveDirectory","Operation":"UserLoggedIn","ResultStatus":"Success","UserId":"cfo@contoso.com","ApplicationId":"9ba1a5c7-f17a-4de9-a1f1-6178c8d51223","ObjectId":"00000003-0000-0000-c000-000000000000","ExtendedProperties":[{"Name":"RequestType","Value":"Cmsi:Cmsi"}]'
  r '"RecordType":8,"Workload":"AzureActiveDirectory","Operation":"Disable Strong Authentication.","ResultStatus":"Success","UserId":"it.admin@contoso.com","ObjectId":"cfo@contoso.com"'
  r '"RecordType":8,"Workload":"AzureActiveDirectory","Operation":"Add domain to company.","ResultStatus":"Success","UserId":"it.admin@contoso.com","ObjectId":"evil.example"'
  r '"RecordType":28,"Workload":"ThreatIntelligence","Operation":"TIMailData","Directionality":"Inbound","DeliveryAction":"Delivered","UserId":"ThreatIntel"'
  r '"RecordType":1,"Workload":"Exchange","Operation":"Add-FederatedDomain","ResultStatus":"True","UserId":"it.admin@contoso.com","Parameters":[{"Name":"DomainName","Value":"evil.example"}]'
  r '"RecordType":18,"Workload":"SecurityComplianceCenter","Operation":"New-ComplianceSearchAction","ResultStatus":"True","UserId":"legal@contoso.com","Parameters":[{"Name":"SearchName","Value":"all"},{"Name":"Export","Value":"True"},{"Name":"ExchangeArchiveFormat","Value":"PerUserPst"}]'
  for name in "Activity from suspicious IP addresses" "Activity performed by terminated user" \
      "Activity from anonymous IP addresses" "Activity from infrequent country" \
      "Data exfiltration to unsanctioned apps" "Impossible travel activity" \
      "Log on from a risky IP address" "Potential ransomware activity" \
      "eDiscovery search started or exported" "Suspicious inbox forwarding" \
      "Suspicious OAuth app file download activities" "Unusual volume of file deletion" \
      "User restricted from sending email"; do
    r "\"RecordType\":40,\"Workload\":\"SecurityComplianceCenter\",\"Operation\":\"AlertTriggered\",\"ResultStatus\":\"Succeeded\",\"UserId\":\"SecurityComplianceAlerts\",\"Name\":\"$name\",\"Severity\":\"Medium\""
  done
} > "$TMP/records.jsonl"
xa rules test --no-builtin --rules "$S/rules" --rules "$S/rules-threat-hunting" \
   --records "$TMP/records.jsonl" > "$TMP/matches"
check "all 21 rules fire on a matching record" eq "$(jq -r .rule_id "$TMP/matches" | sort -u | wc -l)" 21
check "every match names the rule's author" eq "$(jq -r 'select(.author == null or .author == "") | .rule_id' "$TMP/matches" | wc -l)" 0
check "the alert of the PST export rule carries its author" \
  eq "$(jq -r 'select(.rule_id == "6897cd82-6664-11ed-9022-0242ac120002") | .author' "$TMP/matches" | head -1)" "Nikita Khalimonenkov"
# a blocked message does not fire the suspicious-email rule
r '"RecordType":28,"Workload":"ThreatIntelligence","Operation":"TIMailData","Directionality":"Inbound","DeliveryAction":"Blocked","UserId":"ThreatIntel"' > "$TMP/neg.jsonl"
check "filter_main: blocked mail is silent" eq "$(xa rules test --no-builtin --rules "$S/rules" --records "$TMP/neg.jsonl" | wc -l)" 0

# the specification's chained correlation example loads (temporal_ordered over event_count)
check "chained correlation example loads" xa rules validate --no-builtin \
  "$S/correlation-examples/sigma-specification/specification"
finish
