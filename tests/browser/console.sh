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
TMP=$(mktemp -d)
export EXOAUDIT_DB="$TMP/a.db" EXOAUDIT_CONFIG="" HOME="$TMP"
"$EXOAUDIT" -q generate --records 3000 --out "$TMP/g.jsonl"
"$EXOAUDIT" -q import "$TMP/g.jsonl" >/dev/null 2>&1 || true
EXOAUDIT_PASSWORD=auditorpassword1 "$EXOAUDIT" -q user add anna --role auditor
"$EXOAUDIT" serve --port 0 --port-file "$TMP/port" 2>"$TMP/serve.log" &
SPID=$!
trap 'kill $SPID 2>/dev/null || true; wait $SPID 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
export XA_URL="http://127.0.0.1:$(cat "$TMP/port")" XA_USER=anna XA_PASSWORD=auditorpassword1
export XA_ARTEFACTS=${XA_ARTEFACTS:-$(cd "$HERE/../.." && pwd)/build/browser-screenshots}
mkdir -p "$XA_ARTEFACTS"
mkdir -p "$TMP/posture"
cp "$HERE/../data/posture/admin-admin_audit_log_disabled.json" "$HERE/../data/posture/bypass-audit_bypass.csv" "$TMP/posture/"
export XA_POSTURE_DIR="$TMP/posture"
export CHROMIUM=$CHROME
node "$HERE/console.test.js"
