#!/usr/bin/env bash
# Security tests of `exoaudit serve` with curl: closed by default, roles, CSRF, limiter,
# path traversal and injection attempts, security headers, self-audit.
. "$(dirname "$0")/lib.bash"
command -v curl >/dev/null || { echo "curl missing"; exit 77; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
xa -q generate --records 2000 --out "$TMP/g.jsonl"
xa -q import "$TMP/g.jsonl" >/dev/null 2>&1 || true
echo "adminpassword1" > "$TMP/pw"
check "user add admin" xa -q user add admin --role admin --password-file "$TMP/pw"
EXOAUDIT_PASSWORD=viewerpassword1 xa -q user add vera --role viewer
EXOAUDIT_PASSWORD=auditorpassword1 xa -q user add otto --role auditor
check "short password refused" bash -c '! EXOAUDIT_PASSWORD=short "$EXOAUDIT" -q user add bad --role viewer 2>/dev/null'
check "non-loopback without TLS refused" bash -c '! "$EXOAUDIT" serve --listen 0.0.0.0 --port 0 2>/dev/null'
"$EXOAUDIT" serve --port 0 --port-file "$TMP/port" >"$TMP/serve.out" 2>"$TMP/serve.log" &
SPID=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
U="http://127.0.0.1:$(cat "$TMP/port")"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# every API route without a session answers 401
routes="GET:/api/v1/session GET:/api/v1/events GET:/api/v1/events/facets GET:/api/v1/events/x
GET:/api/v1/timeline GET:/api/v1/stats GET:/api/v1/quarantine GET:/api/v1/reports
GET:/api/v1/reports/timeline GET:/api/v1/posture GET:/api/v1/alerts POST:/api/v1/alerts/1/ack
POST:/api/v1/alerts/1/comment GET:/api/v1/rules POST:/api/v1/rules/reload
GET:/api/v1/collector/status GET:/api/v1/collector/coverage POST:/api/v1/integrity/verify
POST:/api/v1/exports GET:/api/v1/exports GET:/api/v1/exports/exp-20250101T000000Z-00000000
GET:/api/v1/status POST:/api/v1/posture GET:/api/v1/users POST:/api/v1/users DELETE:/api/v1/users/vera
GET:/api/v1/tokens POST:/api/v1/tokens DELETE:/api/v1/tokens/x GET:/api/v1/config
POST:/api/v1/logout GET:/api/v1/nonexistent"
for r in $routes; do
  check "401 without session: $r" eq "$(code -X "${r%%:*}" "$U${r#*:}")" 401
done
check "bogus cookie 401" eq "$(code -b 'xa_session=deadbeef' "$U/api/v1/events")" 401
check "bogus token 401" eq "$(code -H 'Authorization: Bearer xat_00' "$U/api/v1/events")" 401

# security headers on every answer
h=$(curl -s -D - -o /dev/null "$U/")
check "CSP" grep -q "Content-Security-Policy: default-src 'self'; script-src 'self'" <<<"$h"
check "nosniff" grep -q "X-Content-Type-Options: nosniff" <<<"$h"
check "no-referrer" grep -q "Referrer-Policy: no-referrer" <<<"$h"
check "no inline script in index.html" bash -c "! curl -s --max-time 60 '$U/' | grep -Eq '<script>|<script [^>]*>[^<]'"

# static files: no path traversal
for p in "/../../etc/passwd" "/%2e%2e/%2e%2e/etc/passwd" "/..%2f..%2fetc%2fpasswd" "/app.js/../../etc/passwd" "//etc/passwd"; do
  r=$(curl -s --path-as-is "$U$p")
  check "traversal $p" bash -c "! grep -q 'root:' <<<'$r'"
done

login() { # login USER PASSWORD JAR -> prints csrf
  curl -s -c "$3" -H 'Content-Type: application/json' -d "{\"user\":\"$1\",\"password\":\"$2\"}" "$U/api/v1/login" | jq -r .csrf_token
}
A=$(login admin adminpassword1 "$TMP/a.jar")
V=$(login vera viewerpassword1 "$TMP/v.jar")
O=$(login otto auditorpassword1 "$TMP/o.jar")
check "admin logged in" test -n "$A" -a "$A" != null
check "cookie flags" grep -q 'HttpOnly' "$TMP/a.jar"
c=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' -d '{"user":"vera","password":"viewerpassword1"}' "$U/api/v1/login")
check "SameSite=Strict HttpOnly" grep -q 'SameSite=Strict' <<<"$c"
check "search works" eq "$(curl -s -b "$TMP/v.jar" "$U/api/v1/events?limit=5" | jq '.events|length')" 5
check "facets" test "$(curl -s -b "$TMP/v.jar" "$U/api/v1/events/facets" | jq '.facets.operation|length')" -gt 0
cur=$(curl -s -b "$TMP/v.jar" "$U/api/v1/events?limit=2" | jq -r .next_cursor)
check "cursor paging" eq "$(curl -s -b "$TMP/v.jar" "$U/api/v1/events?limit=2&cursor=$cur" | jq '.events|length')" 2
id=$(curl -s -b "$TMP/v.jar" "$U/api/v1/events?limit=1" | jq -r '.events[0].record_id')
check "event by id" eq "$(curl -s -b "$TMP/v.jar" "$U/api/v1/events/$id" | jq -r '.events[0].record_id')" "$id"

# roles
check "viewer cannot export" eq "$(code -b "$TMP/v.jar" -H "X-CSRF-Token: $V" -H 'Content-Type: application/json' -d '{}' "$U/api/v1/exports")" 403
check "viewer cannot reload rules" eq "$(code -b "$TMP/v.jar" -H "X-CSRF-Token: $V" -X POST "$U/api/v1/rules/reload")" 403
check "viewer cannot list users" eq "$(code -b "$TMP/v.jar" "$U/api/v1/users")" 403
check "viewer cannot add users" eq "$(code -b "$TMP/v.jar" -H "X-CSRF-Token: $V" -H 'Content-Type: application/json' -d '{"name":"x","password":"xxxxxxxxxxxx","role":"admin"}' "$U/api/v1/users")" 403
check "viewer cannot ack alerts" eq "$(code -b "$TMP/v.jar" -H "X-CSRF-Token: $V" -X POST "$U/api/v1/alerts/1/ack")" 403
check "auditor cannot manage users" eq "$(code -b "$TMP/o.jar" "$U/api/v1/users")" 403
check "admin lists users" eq "$(curl -s -b "$TMP/a.jar" "$U/api/v1/users" | jq '.users|length')" 3

# CSRF
check "POST without CSRF refused" eq "$(code -b "$TMP/a.jar" -H 'Content-Type: application/json' -d '{"name":"mallory","password":"xxxxxxxxxxxx","role":"admin"}' "$U/api/v1/users")" 403
check "POST with wrong CSRF refused" eq "$(code -b "$TMP/a.jar" -H "X-CSRF-Token: ${V}" -H 'Content-Type: application/json' -d '{"name":"mallory","password":"xxxxxxxxxxxx","role":"admin"}' "$U/api/v1/users")" 403
check "POST with CSRF accepted" eq "$(code -b "$TMP/a.jar" -H "X-CSRF-Token: $A" -H 'Content-Type: application/json' -d '{"name":"paul","password":"paulpassword1","role":"viewer"}' "$U/api/v1/users")" 201

# API token
tok=$(curl -s -b "$TMP/a.jar" -H "X-CSRF-Token: $A" -H 'Content-Type: application/json' -d '{"user":"vera","label":"ci"}' "$U/api/v1/tokens" | jq -r .token)
check "token search" eq "$(curl -s -H "Authorization: Bearer $tok" "$U/api/v1/events?limit=3" | jq '.events|length')" 3
check "token keeps the role" eq "$(code -H "Authorization: Bearer $tok" "$U/api/v1/users")" 403

# injection and bad parameters fail safely
for p in "actor=%27%20OR%201%3D1--" "operation=x%22)%3B%20DROP%20TABLE%20events%3B--" "mailbox=*%27%3B--" "q=%22%20OR%20%22" "ip=1.2.3.4%27" "param=a%3D%27%20OR%201%3D1" "cursor=%27%3BDROP" "since=%27" "limit=1%3B" "category=x%27" "record_type=1%20OR%201" "object=../../etc/passwd" "bogus=1"; do
  s=$(code -b "$TMP/v.jar" "$U/api/v1/events?$p")
  check "injection $p answers $s (200/400)" bash -c "[ $s = 200 ] || [ $s = 400 ]"
done
check "archive intact after injections" test "$(curl -s -b "$TMP/v.jar" "$U/api/v1/stats" | jq .events)" -gt 1000
check "event id injection 404" eq "$(code -b "$TMP/v.jar" "$U/api/v1/events/x%27%20OR%201%3D1")" 404
e=$(curl -s -b "$TMP/v.jar" "$U/api/v1/events?since=%3Cscript%3E")
check "errors are JSON, never echo markup" bash -c "jq -e .error >/dev/null <<<'$e' && ! grep -q '<script>' <<<'$e'"
head -c 300000 /dev/zero | tr '\0' a > "$TMP/big"
check "large body refused 413" eq "$(code -H 'Content-Type: application/json' --data-binary @"$TMP/big" "$U/api/v1/login")" 413
check "long query refused" bash -c "s=\$(curl -s --max-time 60 -o /dev/null -w '%{http_code}' -b '$TMP/v.jar' '$U/api/v1/events?q=$(head -c 70000 /dev/zero | tr '\0' a)'); [ \$s = 414 ] || [ \$s = 400 ] || [ \$s = 431 ]"

# newly wired routes: alerts, rules, status, exports, posture
aid=$(curl -s -b "$TMP/v.jar" "$U/api/v1/alerts?limit=1" | jq -r '.alerts[0].id')
check "alerts listed ($aid)" test "$aid" -gt 0
check "alert filter injection is 400" eq "$(code -b "$TMP/v.jar" "$U/api/v1/alerts?status=open%27%20OR%201%3D1")" 400
check "alert rule filter bound as a value" eq "$(curl -s -b "$TMP/v.jar" "$U/api/v1/alerts?rule=x%27%20OR%201%3D1--" | jq .count)" 0
check "viewer cannot comment" eq "$(code -b "$TMP/v.jar" -H "X-CSRF-Token: $V" -H 'Content-Type: application/json' -d '{"text":"x"}' "$U/api/v1/alerts/$aid/comment")" 403
check "ack without CSRF refused" eq "$(code -b "$TMP/o.jar" -X POST "$U/api/v1/alerts/$aid/ack")" 403
check "comment without CSRF refused" eq "$(code -b "$TMP/o.jar" -H 'Content-Type: application/json' -d '{"text":"x"}' "$U/api/v1/alerts/$aid/comment")" 403
check "export without CSRF refused" eq "$(code -b "$TMP/o.jar" -X POST "$U/api/v1/exports")" 403
check "reload without CSRF refused" eq "$(code -b "$TMP/a.jar" -X POST "$U/api/v1/rules/reload")" 403
check "auditor cannot reload rules" eq "$(code -b "$TMP/o.jar" -H "X-CSRF-Token: $O" -X POST "$U/api/v1/rules/reload")" 403
check "viewer cannot list exports" eq "$(code -b "$TMP/v.jar" "$U/api/v1/exports")" 403
check "viewer cannot download exports" eq "$(code -b "$TMP/v.jar" "$U/api/v1/exports/exp-20250101T000000Z-00000000")" 403
check "auditor acks" eq "$(curl -s -b "$TMP/o.jar" -H "X-CSRF-Token: $O" -X POST "$U/api/v1/alerts/$aid/ack" | jq -r '.alerts[0].status')" acknowledged
cm=$(curl -s -b "$TMP/o.jar" -H "X-CSRF-Token: $O" -H 'Content-Type: application/json' -d '{"text":"<script>alert(1)</script>\u0000'"'"'; DROP TABLE alerts;--"}' "$U/api/v1/alerts/$aid/comment")
check "comment stored as text" eq "$(jq -r '.alerts[0].comments[-1].text' <<<"$cm" | head -c 25)" "<script>alert(1)</script>"
check "alert ids are numbers" eq "$(code -b "$TMP/o.jar" -H "X-CSRF-Token: $O" -X POST "$U/api/v1/alerts/1%20OR%201=1/ack")" 404
check "unknown alert 404" eq "$(code -b "$TMP/o.jar" -H "X-CSRF-Token: $O" -X POST "$U/api/v1/alerts/999999/ack")" 404
check "empty comment 400" eq "$(code -b "$TMP/o.jar" -H "X-CSRF-Token: $O" -H 'Content-Type: application/json' -d '{}' "$U/api/v1/alerts/$aid/comment")" 400
check "rules listed" test "$(curl -s -b "$TMP/v.jar" "$U/api/v1/rules" | jq '.rules|length')" -gt 40
check "admin reloads rules" test "$(curl -s -b "$TMP/a.jar" -H "X-CSRF-Token: $A" -X POST "$U/api/v1/rules/reload" | jq .rules)" -gt 40
st=$(curl -s -b "$TMP/v.jar" "$U/api/v1/status")
check "status shows detection" jq -e '.components.detection.state and .components.forwarders.state and .components.collector.state' <<<"$st"
check "collector disabled without collect.tenants" eq "$(jq -r .components.collector.state <<<"$st")" disabled
cs=$(curl -s -b "$TMP/v.jar" "$U/api/v1/collector/status")
check "collector status for a viewer (no stream yet)" jq -e '(.streams | length) == 0 and (.gaps | length) == 0' <<<"$cs"
check "collector status: token keeps working" jq -e '.streams' <<<"$(curl -s -H "Authorization: Bearer $tok" "$U/api/v1/collector/status")"
check "collector status: unknown parameter 400" eq "$(code -b "$TMP/v.jar" "$U/api/v1/collector/status?bogus=1")" 400
check "collector status: tenant filter bound as a value" jq -e '.streams == []' <<<"$(curl -s -b "$TMP/v.jar" "$U/api/v1/collector/status?tenant=x%27%20OR%201%3D1--&all_gaps=yes")"
check "coverage report" jq -e '.summary' <<<"$(curl -s -b "$TMP/v.jar" "$U/api/v1/collector/coverage")"
ex=$(curl -s -b "$TMP/o.jar" -H "X-CSRF-Token: $O" -X POST "$U/api/v1/exports?mailbox=ceo@contoso.com")
name=$(jq -r .name <<<"$ex")
check "auditor exports ($name)" test "$(jq .records <<<"$ex")" -gt 0
check "export path chosen by the server" bash -c "[[ '$name' =~ ^exp-[0-9]{8}T[0-9]{6}Z-[0-9a-f]{8}$ ]]"
check "export ignores path parameters" eq "$(code -b "$TMP/o.jar" -H "X-CSRF-Token: $O" -X POST "$U/api/v1/exports?out=/tmp/x")" 400
check "export filter injection 400" eq "$(code -b "$TMP/o.jar" -H "X-CSRF-Token: $O" -X POST "$U/api/v1/exports?since=%27")" 400
curl -s -b "$TMP/o.jar" -o "$TMP/exp.tar" "$U/api/v1/exports/$name"
check "export downloads as tar" bash -c "tar tf '$TMP/exp.tar' | grep -q '$name/manifest.json'"
check "export listed" eq "$(curl -s -b "$TMP/o.jar" "$U/api/v1/exports" | jq -r '.exports[0].name')" "$name"
for p in "..%2f..%2fetc" "exp-20250101T000000Z-0000000%2f" "%2e%2e" "exp-..%2f..%2f..%2fetc%2fpasswd0000" "$name%2f..%2f.."; do
  s=$(code -b "$TMP/o.jar" --path-as-is "$U/api/v1/exports/$p")
  check "export traversal $p answers $s" bash -c "[ $s = 404 ]"
done
pj=$(jq -n --rawfile a "$(dirname "$0")/../data/posture/admin-admin_audit_log_disabled.json" '{files:[{name:"../../etc/passwd",content:$a}]}')
check "posture upload evaluated" test "$(curl -s -b "$TMP/v.jar" -H "X-CSRF-Token: $V" -H 'Content-Type: application/json' -d "$pj" "$U/api/v1/posture" | jq .count)" -gt 0
check "last posture kept" jq -e '.findings and .script' <<<"$(curl -s -b "$TMP/v.jar" "$U/api/v1/posture")"
check "posture without CSRF refused" eq "$(code -b "$TMP/v.jar" -H 'Content-Type: application/json' -d "$pj" "$U/api/v1/posture")" 403
check "posture garbage 400" eq "$(code -b "$TMP/v.jar" -H "X-CSRF-Token: $V" -H 'Content-Type: application/json' -d '{"files":[{"name":"x","content":"not json, not csv\u0000"}]}' "$U/api/v1/posture")" 400
check "posture temp files removed" bash -c "! ls /tmp/exoaudit-posture-* >/dev/null 2>&1 || [ -z \"\$(ls -A /tmp/exoaudit-posture-* 2>/dev/null)\" ]"

# login limiter
for i in 1 2 3 4 5; do code -H 'Content-Type: application/json' -d '{"user":"paul","password":"wrongwrong"}' "$U/api/v1/login" >/dev/null; done
check "limiter engages (429)" eq "$(code -H 'Content-Type: application/json' -d '{"user":"paul","password":"paulpassword1"}' "$U/api/v1/login")" 429

# logout ends the session
check "logout" eq "$(code -b "$TMP/o.jar" -H "X-CSRF-Token: $O" -X POST "$U/api/v1/logout")" 200
check "session gone after logout" eq "$(code -b "$TMP/o.jar" "$U/api/v1/events")" 401

# self-audit events
sleep 1
stop_pid "$SPID" 60 "exoaudit serve (SIGTERM)" || true
n=$(xa search --category self_audit --limit 0 --format json 2>/dev/null | wc -l)
check "self-audit events written ($n)" test "$n" -gt 20
check "failed login audited" bash -c "'$EXOAUDIT' search --category self_audit --operation ConsoleLoginFailed --limit 1 --format json 2>/dev/null | grep -q paul"
finish
