#!/usr/bin/env bash
# Web console benchmark: 50 concurrent API searches over an archive of N events (default
# 1,000,000) while an import of more records runs into the same archive; p50 / p95 / max
# latency of the searches, and the same searches with no import running (baseline, same
# run). Load generator: bash + curl on loopback only, bounded in count (WORKERS x REQUESTS)
# and in time (--max-time per request). Writes bench/out/web.md and prints it;
# docs/PERFORMANCE.md ("Web console") quotes it.
# Usage: bench/web.sh [EXOAUDIT_BINARY]   env: RECORDS (1000000), IMPORT (300000),
#        WORKERS (50), REQUESTS (20 per worker)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/release/exoaudit}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
records=${RECORDS:-1000000}
import=${IMPORT:-300000}
workers=${WORKERS:-50}
requests=${REQUESTS:-20}
out=$root/bench/out
mkdir -p "$out"
work=$(mktemp -d "${TMPDIR:-/tmp}/xa-bench-web.XXXXXX")
spid=
cleanup() { [ -n "$spid" ] && kill "$spid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export EXOAUDIT_DB="$work/a.db" EXOAUDIT_CONFIG="$work/c.yaml"
# detection off in the import and in serve: the numbers are the search path alone
printf 'rules:\n  on_import: false\nweb:\n  detect_seconds: 0\n  db_connections: 16\n' > "$work/c.yaml"

echo "generating $records + $import records" >&2
"$bin" generate --records "$records" --seed 42 --format jsonl --out "$work/base.jsonl"
"$bin" generate --records "$import" --seed 7 --format jsonl --out "$work/more.jsonl"
echo "importing the base archive" >&2
"$bin" import --no-progress "$work/base.jsonl" > /dev/null 2>&1 || true
rm -f "$work/base.jsonl"
EXOAUDIT_PASSWORD=benchpassword1 "$bin" -q user add bench --role viewer
"$bin" serve --port 0 --port-file "$work/port" 2> "$work/serve.log" &
spid=$!
for _ in $(seq 200); do [ -s "$work/port" ] && break; sleep 0.1; done
U="http://127.0.0.1:$(cat "$work/port")"
curl -s -c "$work/jar" -H 'Content-Type: application/json' \
  -d '{"user":"bench","password":"benchpassword1"}' "$U/api/v1/login" > /dev/null

# the searches an auditor runs (rotated by the workers)
queries=(
  "operation=Add-MailboxPermission&limit=50"
  "mailbox=ceo@contoso.com&since=3650d&limit=50"
  "actor=it.admin@contoso.com&limit=50"
  "category=mailbox_access&logon_type=delegate&limit=50"
  "q=invoice&limit=50"
  "ip=10.0.0.0/8&limit=50"
  "param=ForwardingSmtpAddress&limit=50"
  "limit=50"
)

load() { # load LABEL -> $work/LABEL.times (seconds per request)
  local label=$1
  : > "$work/$label.times"
  local pids=()
  for w in $(seq "$workers"); do
    (
      for r in $(seq "$requests"); do
        q=${queries[$(((w + r) % ${#queries[@]}))]}
        curl -s -o /dev/null --max-time 30 -b "$work/jar" -w '%{http_code} %{time_total}\n' \
          "$U/api/v1/events?$q" || echo "000 30"
      done > "$work/$label.$w"
    ) &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  cat "$work/$label".[0-9]* > "$work/$label.all"
  awk '$1 == 200 {print $2}' "$work/$label.all" | sort -n > "$work/$label.times"
}

pct() { # pct FILE P -> milliseconds
  awk -v p="$2" '{v[NR]=$1} END {if (!NR) {print "n/a"; exit}; i=int((NR-1)*p/100)+1; printf "%.1f", v[i]*1000}' "$1"
}

echo "baseline: $workers x $requests searches, no import" >&2
t0=$(date +%s.%N)
load idle
t_idle=$(echo "$(date +%s.%N) - $t0" | bc -l)

echo "same searches while importing $import records" >&2
"$bin" import --no-progress "$work/more.jsonl" > "$work/import.out" 2>&1 &
ipid=$!
sleep 1
t0=$(date +%s.%N)
load busy
t_busy=$(echo "$(date +%s.%N) - $t0" | bc -l)
import_running=yes
kill -0 "$ipid" 2>/dev/null || import_running="no (finished first)"
wait "$ipid" || true

ok_idle=$(wc -l < "$work/idle.times"); ok_busy=$(wc -l < "$work/busy.times")
total=$((workers * requests))
events=$(curl -s -b "$work/jar" "$U/api/v1/stats" | sed -n 's/.*"events":\([0-9]*\).*/\1/p')
cpu=$(nproc)
{
  echo "Archive: $records generated records (seed 42); $workers concurrent clients x $requests"
  echo "searches each (limit 50, 8 query shapes rotated) over loopback; serve with"
  echo "web.db_connections 16, detection off; release build; $cpu CPUs. Archive after the run: $events events."
  echo
  echo "| run | requests ok | p50 ms | p95 ms | max ms | wall s | req/s |"
  echo "|---|---|---|---|---|---|---|"
  printf "| no import (baseline) | %s/%s | %s | %s | %s | %.1f | %.0f |\n" "$ok_idle" "$total" \
    "$(pct "$work/idle.times" 50)" "$(pct "$work/idle.times" 95)" "$(pct "$work/idle.times" 100)" \
    "$t_idle" "$(echo "$ok_idle / $t_idle" | bc -l)"
  printf "| during import of %s records | %s/%s | %s | %s | %s | %.1f | %.0f |\n" "$import" \
    "$ok_busy" "$total" "$(pct "$work/busy.times" 50)" "$(pct "$work/busy.times" 95)" \
    "$(pct "$work/busy.times" 100)" "$t_busy" "$(echo "$ok_busy / $t_busy" | bc -l)"
  echo
  echo "Import still running when the searches ended: $import_running. $(tail -1 "$work/import.out")"
} | tee "$out/web.md"
