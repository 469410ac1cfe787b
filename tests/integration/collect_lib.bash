# Helpers of the collector integration tests (sourced after lib.bash): an emulator on
# loopback and a collector configuration pointing at it.
TEN=8f2c1d3e-0000-4000-8000-0000000000aa
CLIENT=3b7e9a10-0000-4000-8000-0000000000bb
SECRET='s3cret-Value-42!'
if ! "$EXOAUDIT" --help 2>/dev/null | grep -q '^  collect '; then
  echo "skip: 'exoaudit collect' is not available in this build"; exit 77
fi
if ! "$EXOAUDIT" --help 2>/dev/null | grep -q '^  emulate '; then
  echo "skip: 'exoaudit emulate' is not available in this build"; exit 77
fi
command -v jq >/dev/null || { echo "skip: jq not installed"; exit 77; }
printf '%s\n' "$SECRET" > "$TMP/secret"; chmod 600 "$TMP/secret"
# background emulators and collectors (lib.bash's EXIT trap stops every background child,
# bounded, whether listed here or not)
EMU_PIDS=()
COL_PIDS=()

# start_emu NAME ARGS...: sets URL and EMU_PID; the manifest is $TMP/NAME.manifest
start_emu() {
  local name=$1; shift
  "$EXOAUDIT" -q emulate --port 0 --ready-file "$TMP/$name.ready" --tenant "$TEN" \
    --client-id "$CLIENT" --client-secret-file "$TMP/secret" --manifest "$TMP/$name.manifest" --losses "$TMP/$name.losses" "$@" \
    >"$TMP/$name.emu.out" 2>"$TMP/$name.emu.err" &
  EMU_PID=$!
  EMU_PIDS+=("$EMU_PID")
  for _ in $(seq 1 200); do [ -s "$TMP/$name.ready" ] && break; sleep 0.05; done
  URL=$(cat "$TMP/$name.ready")
  EMU_T0=$(date +%s.%N)
}
stop_emu() { stop_pid "$EMU_PID" 30 "the emulator (SIGTERM)" || true; }
# seconds since the emulator started
emu_age() { echo "$(date +%s.%N) - $EMU_T0" | bc; }
# wait_emu_age SECONDS: until the emulator is SECONDS old (at most SECONDS + 30 from now)
wait_emu_age() {
  local i
  for ((i = 0; i < ($1 + 30) * 5; i++)); do
    [ "$(echo "$(emu_age) < $1" | bc)" = 1 ] || return 0
    sleep 0.2
  done
  fail "the emulator did not reach the age of $1 s"
}

# write_cfg FILE AUTH-YAML-LINES [EXTRA-COLLECT-LINES]
write_cfg() {
  local f=$1 auth=$2 extra=${3:-}
  {
    echo "collect:"
    echo "  poll_seconds: 0.2"
    echo "  max_backoff_seconds: 1"
    echo "  requests_per_minute: 1800"
    echo "  concurrency: 8"
    [ -n "$extra" ] && printf '%s\n' "$extra"
    echo "  tenants:"
    echo "    - id: $TEN"
    echo "      client_id: $CLIENT"
    printf '%s\n' "$auth"
    echo "      endpoints: {login: \"$URL\", api: \"$URL\"}"
  } > "$f"
}
SECRET_AUTH="      auth: secret
      client_secret_file: $TMP/secret"

# archived audit record ids (not the collector's own health events), one a line, sorted
archive_ids() {
  "$EXOAUDIT" search --format json --include-system --limit 0 \
    | jq -r 'select(.category != "collector") | .record_id' | sort
}
manifest_ids() { cut -f4 "$1" | sort -u; }
