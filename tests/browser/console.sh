#!/usr/bin/env bash
# Browser test of the console: playwright-core (npm) driving Debian's chromium, headless.
# Exits 77 (skipped) when chromium or node_modules are absent. Screenshots go to
# $XA_ARTEFACTS (default build/browser-screenshots).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
: "${EXOAUDIT:?EXOAUDIT must point at the exoaudit binary}"
CHROME=${CHROMIUM:-/usr/bin/chromium}
[ -x "$CHROME" ] || { echo "skip: chromium not installed (apt-get install chromium)"; exit 77; }
[ -d "$HERE/node_modules/playwright-core" ] || { echo "skip: run 'npm install' in tests/browser"; exit 77; }
command -v node >/dev/null || { echo "skip: node missing"; exit 77; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
# TMP, HOME, EXOAUDIT_DB, stdin from /dev/null, the bounded waits and the EXIT trap that
# stops every background child
. "$HERE/../integration/lib.bash"
"$EXOAUDIT" -q generate --records 3000 --out "$TMP/g.jsonl"
"$EXOAUDIT" -q import "$TMP/g.jsonl" >/dev/null 2>&1 || true
EXOAUDIT_PASSWORD=auditorpassword1 "$EXOAUDIT" -q user add anna --role auditor
"$EXOAUDIT" serve --port 0 --port-file "$TMP/port" >"$TMP/serve.out" 2>"$TMP/serve.log" &
SPID=$!
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
[ -s "$TMP/port" ] || { echo "FAIL - exoaudit serve did not start"; cat "$TMP/serve.log"; exit 1; }
export XA_URL="http://127.0.0.1:$(cat "$TMP/port")" XA_USER=anna XA_PASSWORD=auditorpassword1
export XA_ARTEFACTS=${XA_ARTEFACTS:-$(cd "$HERE/../.." && pwd)/build/browser-screenshots}
mkdir -p "$XA_ARTEFACTS"
mkdir -p "$TMP/posture"
cp "$HERE/../data/posture/admin-admin_audit_log_disabled.json" "$HERE/../data/posture/bypass-audit_bypass.csv" "$TMP/posture/"
export XA_POSTURE_DIR="$TMP/posture"
export CHROMIUM=$CHROME
# the script bounds every action and itself (XA_BROWSER_TIMEOUT); timeout(1) is the backstop
XA_BROWSER_TIMEOUT=${XA_BROWSER_TIMEOUT:-240}
export XA_BROWSER_TIMEOUT
rc=0
timeout -k 15 $((XA_BROWSER_TIMEOUT + 60)) node "$HERE/console.test.js" || rc=$?
[ "$rc" -ne 124 ] && [ "$rc" -ne 137 ] || echo "FAIL - node did not end within $((XA_BROWSER_TIMEOUT + 60)) s: killed"
src=0
stop_pid "$SPID" 60 "exoaudit serve (SIGTERM)" || src=$?
[ "$src" -eq 0 ] || { echo "FAIL - exoaudit serve exit status $src on SIGTERM"; tail -20 "$TMP/serve.log"; }
[ "$rc" -eq 0 ] && [ "$src" -eq 0 ]
