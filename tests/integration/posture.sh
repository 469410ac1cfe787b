#!/usr/bin/env bash
# exoaudit posture: one fixture per finding (tests/data/posture/KIND-FINDING.*), each
# replacing the clean export of its kind; the findings must be exactly that finding and
# the remediation script exactly the commands of tests/data/golden/reports/posture/.
# XA_UPDATE_GOLDEN=1 rewrites the expected command files.
. "$(dirname "$0")/lib.bash"
D="$XA_TEST_DATA/posture"
G="$XA_TEST_DATA/golden/reports/posture"
C="$D/clean"
clean_of() { case $1 in admin) echo "$C/admin.json";; org) echo "$C/org.json";;
  mailbox) echo "$C/mailbox.csv";; bypass) echo "$C/bypass.json";; esac; }
run() { xa posture "$@" --as-of 2026-11-01T00:00:00Z; }

run "$C"/admin.json "$C"/org.json "$C"/mailbox.csv "$C"/bypass.json --format json --remediation "$TMP/clean.ps1" > "$TMP/clean.json"
check "clean exports: no finding" eq "$(jq '.sections[0].rows|length' "$TMP/clean.json")" 0
check "clean exports: no command" eq "$(grep -v '^#' "$TMP/clean.ps1" | grep -c . || true)" 0

for f in "$D"/*-*.*; do
  base=$(basename "$f"); kind=${base%%-*}; rest=${base#*-}; finding=${rest%.*}
  files=()
  for k in admin org mailbox bypass; do
    if [ "$k" = "$kind" ]; then files+=("$f"); else files+=("$(clean_of $k)"); fi
  done
  run "${files[@]}" --format json --remediation "$TMP/$finding.ps1" > "$TMP/$finding.json"
  got=$(jq -r '[.sections[0].rows[].finding]|unique|join(",")' "$TMP/$finding.json")
  want=$finding; [[ $finding == none_* ]] && want=""
  check "$base: findings are exactly '$want'" eq "$got" "$want"
  grep -v '^#' "$TMP/$finding.ps1" | grep . > "$TMP/$finding.cmds" || true
  [ "${XA_UPDATE_GOLDEN:-}" = 1 ] && cp "$TMP/$finding.cmds" "$G/$finding.cmds"
  check "$base: remediation commands" cmp -s "$TMP/$finding.cmds" "$G/$finding.cmds"
  check "$base: one command per finding with a fix" \
    eq "$(wc -l < "$TMP/$finding.cmds")" "$(jq '[.sections[0].rows[]|select(.remediation!=null)]|length' "$TMP/$finding.json")"
done

# every finding at once, in every format
run "$D"/*-*.* "$C"/org.json --format html -o "$TMP/all.html" --remediation "$TMP/all.ps1"
check "html findings page has the CSP" grep -q "default-src 'none'" "$TMP/all.html"
check "html findings page has no script" bash -c "! grep -qi '<script' '$TMP/all.html'"
for fmt in text csv json; do check "format $fmt" bash -c "'$EXOAUDIT' posture '$C/org.json' --format $fmt > /dev/null"; done

# hostile identities stay inside one quoted PowerShell string and one comment line
printf '[{"Name":"x","Identity":"evil'"'"'; Remove-Mailbox -Identity ceo -Confirm:$false; '"'"'\\nSet-Foo","AuditBypassEnabled":true}]' > "$TMP/evil.json"
run "$TMP/evil.json" --remediation "$TMP/evil.ps1" > /dev/null
check "quote doubled inside the identity" grep -q "^Set-MailboxAuditBypassAssociation -Identity 'evil''; Remove-Mailbox -Identity ceo -Confirm:\$false; ''" "$TMP/evil.ps1"
check "no injected line" bash -c "! grep -q '^Set-Foo' '$TMP/evil.ps1' && [ \$(grep -v '^#' '$TMP/evil.ps1' | grep -c .) -eq 1 ]"
# PowerShell 5 UTF-16 CSV export
iconv -f UTF-8 -t UTF-16 "$D/bypass-audit_bypass.csv" > "$TMP/bypass16.csv"
check "UTF-16 Export-Csv" eq "$(run "$TMP/bypass16.csv" --format json | jq -r '[.sections[0].rows[]|select(.severity!="info").finding]|join(",")')" audit_bypass

code() { set +e; "$@" > /dev/null 2>&1; echo $?; set -e; }
check "no file exits 2" eq "$(code xa posture)" 2
echo '{"Foo":1}' > "$TMP/unknown.json"
check "unknown export exits 1 with its name" bash -c "! '$EXOAUDIT' posture '$TMP/unknown.json' 2>&1 >/dev/null | grep -q unknown.json && false || '$EXOAUDIT' posture '$TMP/unknown.json' 2>&1 | grep -q 'unknown.json: record 1'"
echo '[{"AuditDisabled": tru' > "$TMP/broken.json"
check "broken JSON exits 1" eq "$(code xa posture "$TMP/broken.json")" 1
finish
