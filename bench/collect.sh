#!/usr/bin/env bash
# Collector throughput against the emulator with 100 ms latency per request and about 1,000
# blobs: the concurrent collector (libcurl multi, collect.concurrency) versus one request at a
# time (the Wazuh / Filebeat model: collect.concurrency 1), in the same run, same data, same
# request budget. Prints blobs/s, records/s, requests/min and the ratio.
# Usage: bench/collect.sh [BUILD_DIR]   (default build/release); ~2.5 minutes.
set -euo pipefail
B=${1:-build/release}
X=$(cd "$B" && pwd)/exoaudit
LAT=${LAT:-100}
RECORDS=${RECORDS:-20000}
BUDGET=${BUDGET:-12000}     # requests/minute per tenant, both runs (the API pool is 60k with
                            # PublisherIdentifier; 2,000 is the documented per-tenant baseline)
CONC=${CONC:-32}
TEN=8f2c1d3e-0000-4000-8000-0000000000aa
CLIENT=3b7e9a10-0000-4000-8000-0000000000bb
T=$(mktemp -d); trap 'kill $EMU 2>/dev/null || true; rm -rf "$T"' EXIT
printf 'bench-secret\n' > "$T/secret"; chmod 600 "$T/secret"
"$X" -q emulate --port 0 --ready-file "$T/ready" --tenant $TEN --client-id $CLIENT \
  --client-secret-file "$T/secret" --records "$RECORDS" --blob-records 20 --sim-days 0.5 \
  --sim-start 2025-03-10T00:00:00Z --speed 3000 --latency "$LAT" --rate-limit "$BUDGET" \
  2>"$T/emu.err" >/dev/null &
EMU=$!
for _ in $(seq 200); do [ -s "$T/ready" ] && break; sleep 0.05; done
URL=$(cat "$T/ready")
echo "emulator $URL, latency ${LAT} ms; waiting until the simulated day is listable (~30 s)" >&2
sleep 30
cfg() { cat > "$T/$1.yaml" <<YAML
collect:
  requests_per_minute: $BUDGET
  concurrency: $2
  lookback_hours: 60
  lag_minutes: 1
  relist_hours: 0
  tenants:
    - id: $TEN
      client_id: $CLIENT
      auth: secret
      client_secret_file: $T/secret
      endpoints: {login: "$URL", api: "$URL"}
YAML
}
run() { # run NAME CONCURRENCY -> prints "NAME blobs records requests seconds"
  cfg "$1" "$2"
  local t0 t1
  t0=$(date +%s.%N)
  EXOAUDIT_DB="$T/$1.db" "$X" -q --config "$T/$1.yaml" collect --once --summary json > "$T/$1.json"
  t1=$(date +%s.%N)
  echo "$1 $(jq -r '"\(.blobs_fetched) \(.records + .duplicates) \(.requests)"' "$T/$1.json") $(echo "$t1 - $t0" | bc -l)"
}
C=$(run concurrent "$CONC")
S=$(run serial 1)
printf '%-12s %8s %9s %9s %8s %9s %10s %8s\n' run blobs records requests seconds blobs/s records/s req/min
for line in "$C" "$S"; do
  set -- $line
  printf '%-12s %8d %9d %9d %8.1f %9.1f %10.0f %8.0f\n' "$1" "$2" "$3" "$4" "$5" \
    "$(echo "$2 / $5" | bc -l)" "$(echo "$3 / $5" | bc -l)" "$(echo "$4 * 60 / $5" | bc -l)"
done
set -- $C; cb=$2; cs=$5
set -- $S; sb=$2; ss=$5
[ "$cb" = "$sb" ] || echo "warning: the runs fetched different blob counts ($cb vs $sb)" >&2
printf 'speed-up (concurrent / one at a time): %.1f x   (budget %d requests/min, concurrency %d)\n' \
  "$(echo "$ss / $cs" | bc -l)" "$BUDGET" "$CONC"
