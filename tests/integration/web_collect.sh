#!/usr/bin/env bash
# `exoaudit serve` with collect.tenants configured, against the emulator: the collector runs in
# serve's background thread (health in /status) and stores the tenant's records; after an
# `exoaudit collect --once` beside it, GET /api/v1/collector/status answers what
# `exoaudit status --format json` answers; SIGTERM joins the collector cleanly. A few seconds.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/collect_lib.bash"
command -v curl >/dev/null || { echo "skip: curl not installed"; exit 77; }

start_emu w --records 200 --seed 3 --sim-start 2025-03-10T00:00:00Z --sim-days 0.05 --speed 20000
[ -n "$URL" ] || { echo "skip: the emulator did not start"; exit 77; }
sleep 1.5   # the simulated hour plays
write_cfg "$TMP/c.yaml" "$SECRET_AUTH"
# Integrity stays on (the default): serve's self-audit queue and its collector are two
# long-lived writers of one archive, and `collect --once` below is a third.
export EXOAUDIT_PASSWORD=viewerpassword1
check "viewer added" xa -q --config "$TMP/c.yaml" user add vera --role viewer
unset EXOAUDIT_PASSWORD

"$EXOAUDIT" --config "$TMP/c.yaml" serve --port 0 --port-file "$TMP/port" >"$TMP/serve.out" 2>"$TMP/serve.log" &
SPID=$!; COL_PIDS+=("$SPID")
for _ in $(seq 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
U="http://127.0.0.1:$(cat "$TMP/port")"
curl -s -c "$TMP/v.jar" -H 'Content-Type: application/json' \
  -d '{"user":"vera","password":"viewerpassword1"}' "$U/api/v1/login" >/dev/null
check "401 without session" eq "$(curl -s -o /dev/null -w '%{http_code}' "$U/api/v1/collector/status")" 401

# serve's own collector thread fills the archive
st=$(curl -s -b "$TMP/v.jar" "$U/api/v1/status")
check "collector component is up ($(jq -r .components.collector.state <<<"$st"))" \
  jq -e '.components.collector.state == "running" or .components.collector.state == "starting"' <<<"$st" >/dev/null
check "collector note names the tenants" jq -e '.components.collector.note | test("1 tenant")' <<<"$st" >/dev/null
n=0
for _ in $(seq 100); do
  n=$(curl -s -b "$TMP/v.jar" "$U/api/v1/collector/status" | jq '[.streams[].records] | add // 0')
  [ "$n" -ge 150 ] && break
  sleep 0.1
done
check "serve's collector stored the records ($n)" test "$n" -ge 150

# `exoaudit collect --once` beside serve, then the route answers what `status` answers
rc=0; xa --config "$TMP/c.yaml" collect --once >"$TMP/once.out" 2>"$TMP/once.err" || rc=$?
check "collect --once beside serve exits 0" eq "$rc" 0
xa --config "$TMP/c.yaml" status --format json > "$TMP/status.json"
cs=$(curl -s -b "$TMP/v.jar" "$U/api/v1/collector/status")
check "route lists the five streams" eq "$(jq '.streams | length' <<<"$cs")" 5
check "streams are the emulator's tenant" eq "$(jq -r '[.streams[].tenant_id] | unique | join(",")' <<<"$cs")" "$TEN"
check "no record twice (collect --once found nothing new)" eq "$(jq '[.streams[].duplicates] | add' <<<"$cs")" 0
# the listing moves on while serve collects: compare what does not
strip() { jq -S '{streams: [.streams[] | {tenant_id, content_type, blobs_fetched, blobs_failed, blobs_expired, records, duplicates, open_gaps}], gaps}' "$@"; }
check "same answer as 'exoaudit status --format json'" eq "$(strip <<<"$cs")" "$(strip "$TMP/status.json")"
check "same keys as 'exoaudit status --format json'" eq "$(jq -c '.streams[0] | keys' <<<"$cs")" "$(jq -c '.streams[0] | keys' "$TMP/status.json")"
check "tenant filter" eq "$(curl -s -b "$TMP/v.jar" "$U/api/v1/collector/status?tenant=$TEN" | jq '.streams | length')" 5

rc=0; stop_pid "$SPID" 60 "exoaudit serve (SIGTERM)" || rc=$?
check "serve stops cleanly on SIGTERM (collector joined)" eq "$rc" 0
check "no secret or token in the serve log" eval '! grep -E -- "$SECRET|eyJ|Bearer " "$TMP/serve.log"'
[ "$fails" -eq 0 ] || { echo "--- serve log"; tail -20 "$TMP/serve.log"; }
finish
