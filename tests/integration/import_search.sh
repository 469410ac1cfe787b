#!/usr/bin/env bash
# Import paths (blob, JSON Lines, gzip, zstd, stdin), exactly-once, and every search filter
# on generated tenant data with its planted incidents (docs/GENERATOR.md).
. "$(dirname "$0")/lib.bash"
N=6000
xa generate --records $N --seed 11 --format blob --out "$TMP/blob.json"
xa generate --records $N --seed 11 --format jsonl --out "$TMP/all.jsonl"
gzip -c "$TMP/all.jsonl" > "$TMP/all.jsonl.gz"
zstd -q -c "$TMP/all.jsonl" > "$TMP/all.jsonl.zst"
uniq_ids=$(jq -r .Id "$TMP/all.jsonl" | sort -u | wc -l)

xa import --no-progress --summary json "$TMP/blob.json" > "$TMP/i1.json" 2>/dev/null
check "blob: every record read" eq "$(jq .read "$TMP/i1.json")" $N
check "blob: unique records stored" eq "$(jq .stored "$TMP/i1.json")" "$uniq_ids"
check "blob: re-sent records counted as duplicates" eq "$(jq .duplicates "$TMP/i1.json")" $((N - uniq_ids))
xa import --no-progress --summary json "$TMP/blob.json" > "$TMP/i1b.json" 2>/dev/null
check "same blob twice: nothing stored again" eq "$(jq .stored "$TMP/i1b.json")" 0
check "same blob twice: every record counted as a duplicate" eq "$(jq .duplicates "$TMP/i1b.json")" $N
for f in all.jsonl.gz all.jsonl.zst; do
  xa import --no-progress --summary json "$TMP/$f" > "$TMP/i2.json" 2>/dev/null
  check "$f: nothing stored twice" eq "$(jq .stored "$TMP/i2.json")" 0
  check "$f: all duplicates" eq "$(jq .duplicates "$TMP/i2.json")" $N
done
head -n 100 "$TMP/all.jsonl" | xa import --no-progress --summary json - > "$TMP/i3.json" 2>/dev/null
check "stdin import" eq "$(jq .duplicates "$TMP/i3.json")" 100
xa stats --format json > "$TMP/st.json"
check "stats events" eq "$(jq .events "$TMP/st.json")" "$uniq_ids"
# every record was received 4 times (blob twice, gz, zst) plus 100 more from stdin, and the
# service re-sent some records itself: duplicates = all receipts - unique records
check "stats duplicate counter" eq "$(jq .duplicates "$TMP/st.json")" $((4 * N + 100 - uniq_ids))

s() { xa search --limit 0 --format json "$@"; }
has() { jq -s -e "map(select($1)) | length > 0" "$2" > /dev/null; } # has JQ-PREDICATE FILE
all_sys=$(s --include-system | wc -l)
check "--include-system shows every event" eq "$all_sys" "$uniq_ids"
s > "$TMP/def.json"
check "Microsoft back-end hidden by default" bash -c "[ $(wc -l < "$TMP/def.json") -lt $all_sys ] && [ \$(jq -r .is_system '$TMP/def.json' | sort -u) == false ]"

# the output schema carries exactly the documented names
want="record_id tenant_id record_type record_type_name workload occurred_at actor actor_type is_system operation activity category result logon_type mailbox mailbox_guid object grantee rights client_ip client_port client_info originating_server external_access parameters raw"
have=$(head -n 1 "$TMP/def.json" | jq -r 'keys_unsorted | join(" ")')
check "JSON field names" bash -c "for k in $want; do [[ ' $have ' == *\" \$k \"* ]] || { echo missing \$k; exit 1; }; done"
check "raw is the original record" bash -c "[ \"\$(head -n1 '$TMP/def.json' | jq -c .raw.Id)\" == \"\$(head -n1 '$TMP/def.json' | jq -c .record_id)\" ]"

# the planted grant-use-revoke incident
s --operation Add-MailboxPermission --mailbox ceo@contoso.com > "$TMP/grant.json"
check "grant found" has '.actor=="it.admin@contoso.com" and .grantee=="ryan.cooper@contoso.com" and .rights=="FullAccess"' "$TMP/grant.json"
s --mailbox ceo@contoso.com --logon-type delegate --actor ryan.cooper@contoso.com > "$TMP/use.json"
check "delegate access found" bash -c "jq -r .operation '$TMP/use.json' | grep -q MailItemsAccessed && jq -r .operation '$TMP/use.json' | grep -q SendAs"
s --operation Remove-MailboxPermission --mailbox ceo@contoso.com > "$TMP/rev.json"
check "revocation found" has '.grantee=="ryan.cooper@contoso.com" and .actor=="it.admin@contoso.com"' "$TMP/rev.json"
# forwarding, audit tampering
check "--param NAME" bash -c "s() { '$EXOAUDIT' search --limit 0 --format json \"\$@\"; }; s --param ForwardTo | jq -r .parameters.ForwardTo | grep -q example.org"
check "--param NAME=VALUE with wildcard" bash -c "'$EXOAUDIT' search --limit 0 --format json --param 'ForwardingSmtpAddress=*example.org' | jq -r .operation | grep -qx Set-Mailbox"
check "--param with a value that does not match" eq "$(s --param 'ForwardTo=nobody@nowhere' | wc -l)" 0
s --category audit_config > "$TMP/audit.json"
check "audit bypass found" bash -c "jq -r .operation '$TMP/audit.json' | grep -qx Set-MailboxAuditBypassAssociation"
check "audit switched off found" has '.parameters.AuditEnabled=="False" and .mailbox=="cfo@contoso.com"' "$TMP/audit.json"

# each filter returns only what it says (and something)
only() { # only DESC JQ-PREDICATE SEARCH-ARGS...
  local d=$1 p=$2; shift 2
  s "$@" > "$TMP/f.json"
  local n; n=$(wc -l < "$TMP/f.json")
  if [ "$n" -gt 0 ] && has "($p) | not" "$TMP/f.json"; then fail "$d: a row does not match"; 
  elif [ "$n" -eq 0 ]; then fail "$d: no rows"; else ok "$d ($n rows)"; fi
}
only "--operation wildcard" '.operation | test("^Add-.*Permission$"; "i")' --operation 'add-*permission'
only "--operation list" '.operation == "Set-Mailbox" or .operation == "New-InboxRule"' --operation Set-Mailbox,New-InboxRule
only "--actor wildcard" '.actor | test("^it\\."; "i")' --actor 'IT.*'
only "--since/--until" '.occurred_at >= "2026-10-05" and .occurred_at < "2026-10-06"' --since 2026-10-05 --until 2026-10-06
only "--result failure" '.result == "failure"' --result failure
only "--record-type number" '.record_type == 50' --record-type 50
only "--record-type name" '.record_type == 2' --record-type ExchangeItem
only "--workload" '.workload == "AzureActiveDirectory"' --workload azureactivedirectory
only "--ip CIDR v4" '.client_ip | startswith("203.0.113.")' --ip 203.0.113.0/24
only "--ip CIDR v6" '.client_ip | startswith("2001:db8:")' --ip 2001:db8::/32
only "--logon-type owner" '.logon_type == "owner"' --logon-type owner
only "--category" '.category == "inbox_rule"' --category inbox_rule
only "--external yes" '.external_access == true' --external yes --include-system
only "--external no" '.external_access == false' --external no
only "--object substring" '.object | test("ceo"; "i")' --object ceo
only "-q full text" '[.. | strings] | join(" ") | test("invoice"; "i")' -q invoice
n_rt=$(s --record-type 50 | wc -l); n_rtn=$(s --record-type ExchangeItemAggregated | wc -l)
check "record type by name and number agree" eq "$n_rt" "$n_rtn"
check "-q text with FTS syntax is safe" bash -c "'$EXOAUDIT' search -q '\"NEAR( OR * -x' --format json >/dev/null"

# cursor paging: every event exactly once, newest first, no cap
s --include-system > "$TMP/ref.json"
cur=""; : > "$TMP/pages.json"; pages=0
while :; do
  if [ -n "$cur" ]; then args=(--cursor "$cur"); else args=(); fi
  xa search --include-system --limit 137 --format json "${args[@]}" >> "$TMP/pages.json" 2> "$TMP/err"
  pages=$((pages + 1))
  cur=$(sed -n 's/.*--cursor \([^ ]*\)$/\1/p' "$TMP/err")
  [ -z "$cur" ] && break
  [ $pages -gt 1000 ] && break
done
check "paging visits every event once" eq "$(jq -r .seq "$TMP/pages.json" | sort -n | tr '\n' ' ')" "$(jq -r .seq "$TMP/ref.json" | sort -n | tr '\n' ' ')"
check "paging keeps newest-first order" eq "$(jq -r .seq "$TMP/pages.json" | tr '\n' ' ')" "$(jq -r .seq "$TMP/ref.json" | tr '\n' ' ')"
check "malformed cursor is a usage error" bash -c "'$EXOAUDIT' search --cursor \"1' OR 1=1 --\" >/dev/null 2>&1; [ \$? -eq 2 ]"

# CSV and table output
xa search --operation Set-Mailbox --limit 0 --format csv > "$TMP/o.csv"
check "csv has header and rows" bash -c "head -n1 '$TMP/o.csv' | grep -q '^occurred_at,record_id' && [ \$(wc -l < '$TMP/o.csv') -eq \$(( \$('$EXOAUDIT' search --operation Set-Mailbox --limit 0 --format json | wc -l) + 1 )) ]"
check "table output" bash -c "'$EXOAUDIT' search --limit 3 2>/dev/null | head -n1 | grep -q '^TIME  *OPERATION  *ACTOR'"
id=$(jq -r .record_id "$TMP/grant.json" | head -n1)
xa show "$id" > "$TMP/show.txt"
check "show prints who/what/when/where and raw" bash -c "grep -q '^WHO' '$TMP/show.txt' && grep -q 'grantee *ryan.cooper@contoso.com' '$TMP/show.txt' && grep -q '^RAW RECORD' '$TMP/show.txt'"
check "show --format json" eq "$(xa show --format json "$id" | jq -r .record_id)" "$id"
check "show unknown id exits 1" bash -c "'$EXOAUDIT' show no-such-id >/dev/null 2>&1; [ \$? -eq 1 ]"
finish
