# Private ClickHouse servers for the integration tests (sourced after lib.bash; no .sh test
# of its own). scripts/clickhouse.sh does the work; this wraps it in the tests' conventions.
#
#   ch_start single|cluster   skips the test (exit 77) when clickhouse-server or curl is
#                             missing; fails it when a server does not start. Exports
#                             XA_CH_URLS (comma-separated, one per node), XA_CH_TCP_PORTS,
#                             XA_CH_PIDS, XA_CH_CLUSTER (xa_cluster, or empty for single),
#                             XA_CH_DIR, and stops the servers on exit (and, should the test
#                             be killed, a watchdog stops them within a second or two).
#   ch_stop                   stop them now (idempotent; the exit handler calls it too)
#   ch_url N                  the HTTP URL of node N (1-based)
#   ch_q N SQL [PARAMS]       run SQL on node N over HTTP (POST body), print the answer;
#                             non-zero with the server's message on stderr when it fails.
#                             PARAMS is a URL query string, e.g. 'database=db&insert_distributed_sync=1';
#                             wait_end_of_query=1 is always set, so that an error is an HTTP
#                             error status rather than text appended to a 200 answer
#
# The stop is chained in front of whatever EXIT trap is set when ch_start runs (lib.bash's
# rm -rf "$TMP", collect_lib.bash's cleanup_collect, ...), so the servers stop before their
# directory is removed. A test that installs its own EXIT trap after ch_start must call
# ch_stop from it. Without ZooKeeper there is no distributed DDL (CREATE ... ON CLUSTER
# fails with "DDL background thread is not initialized"): create tables on every node.

CH_SCRIPT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../scripts" && pwd)/clickhouse.sh"
CH_STARTED=""

ch_stop() {
  [ -n "$CH_STARTED" ] || return 0
  bash "$CH_SCRIPT" stop "$CH_STARTED" >/dev/null 2>&1 || true
  CH_STARTED=""
}

ch_start() {
  local mode=${1:?ch_start single|cluster} out prev
  if ! command -v clickhouse-server >/dev/null && [ ! -x /usr/sbin/clickhouse-server ]; then
    echo "SKIP: clickhouse-server not installed (Debian packages clickhouse-server clickhouse-client; scripts/deps.sh test)"
    exit 77
  fi
  command -v curl >/dev/null || { echo "SKIP: curl not installed"; exit 77; }
  [ -z "$CH_STARTED" ] || { echo "ch_start: servers already started in $CH_STARTED" >&2; return 1; }
  # chain the stop in front of the current EXIT trap (trap -p prints: trap -- 'CMD' EXIT)
  prev=$(trap -p EXIT)
  if [ -n "$prev" ]; then eval "set -- $prev"; prev=$3; fi
  # shellcheck disable=SC2064  # expand the previous handler now
  trap "ch_stop; ${prev:-:}" EXIT
  CH_STARTED="$TMP/clickhouse"
  if ! out=$(XA_CH_OWNER_PID=$$ bash "$CH_SCRIPT" start "$CH_STARTED" "$mode"); then
    echo "FAIL - clickhouse servers did not start ($mode)" >&2
    exit 1
  fi
  eval "$out"
  export XA_CH_URLS XA_CH_TCP_PORTS XA_CH_PIDS XA_CH_CLUSTER XA_CH_DIR
}

ch_url() {
  local IFS=, urls
  read -r -a urls <<< "$XA_CH_URLS"
  echo "${urls[$(($1 - 1))]}"
}

ch_q() {
  local url body code
  url="$(ch_url "$1")/?wait_end_of_query=1${3:+&$3}"
  body=$(mktemp "$TMP/chq.XXXXXX")
  code=$(curl -sS -o "$body" -w '%{http_code}' "$url" --data-binary "$2") || code=000
  if [ "$code" != 200 ]; then
    echo "ch_q node $1: HTTP $code: $(head -c 500 "$body")" >&2
    rm -f "$body"
    return 1
  fi
  cat "$body"
  rm -f "$body"
}
