# Shared helpers for the integration tests (sourced, not run: no .sh test of its own).
set -euo pipefail
: "${EXOAUDIT:?EXOAUDIT must point at the exoaudit binary}"
exec </dev/null   # nothing here reads the caller's stdin, whatever it is attached to
TMP=$(mktemp -d)
trap xa_exit EXIT
# XA_TEST_STORE runs a test against another archive, e.g. a ClickHouse location in which
# @TMP@ stands for this test's temporary directory (tests/integration/*_clickhouse.sh)
export EXOAUDIT_DB="${XA_TEST_STORE:-$TMP/archive.db}"
EXOAUDIT_DB=${EXOAUDIT_DB//@TMP@/$TMP}
export EXOAUDIT_CONFIG=""   # never pick up the user's configuration
unset XDG_CONFIG_HOME
export HOME="$TMP"
fails=0
passes=0
ok()   { passes=$((passes + 1)); echo "ok - $*"; }
fail() { fails=$((fails + 1)); echo "FAIL - $*"; }
check() { # check DESCRIPTION COMMAND...
  local d=$1; shift
  if "$@"; then ok "$d"; else fail "$d"; fi
}
eq() { [ "$1" == "$2" ] || { echo "   expected '$2', got '$1'" >&2; return 1; }; }
xa() { "$EXOAUDIT" "$@"; }
# every request of a test is bounded (curl has no overall time limit of its own); a --max-time
# given by the caller comes later and wins
if command -v curl >/dev/null; then   # (so that `command -v curl` still tells whether it exists)
  curl() { command curl --connect-timeout 10 --max-time "${XA_CURL_MAX_TIME:-120}" "$@"; }
fi
finish() {
  echo "$passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}

# ---- bounded waits: a process that does not end in time is reported (with what it was
# doing), killed with SIGKILL, and the test goes on and fails, instead of hanging until
# ctest's TIMEOUT ends the whole test (tests/CMakeLists.txt)
hung=0
# proc_info PID: what PID runs and, per thread, its state, kernel wait channel and system
# call (from /proc: ps may be missing)
proc_info() {
  local t
  echo "pid $1: $(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null | cut -c1-240)"
  for t in /proc/"$1"/task/*; do
    [ -r "$t/stat" ] || continue
    echo "  thread ${t##*/} $(sed -E 's/^[0-9]+ \((.*)\) (.).*/\1 state \2/' "$t/stat" 2>/dev/null)" \
      "wchan $(cat "$t/wchan" 2>/dev/null || echo '?') syscall $(cut -d' ' -f1 "$t/syscall" 2>/dev/null || echo '?')"
  done | head -40
}
# dump_proc PID: proc_info, and the threads' stacks when gdb is installed (not of shells)
dump_proc() {
  proc_info "$1"
  case "$(readlink "/proc/$1/exe" 2>/dev/null)" in */bash | */sh | */dash | */sleep | */timeout | "") return 0 ;; esac
  if command -v gdb >/dev/null; then
    timeout -k 5 20 gdb -q -batch -p "$1" -ex "thread apply all bt 25" 2>&1 \
      | grep -E '^(Thread|#)' | head -150 || true
  fi
}
# wait_pid PID [SECONDS] [NAME]: wait up to SECONDS (default 30) for the background child PID
# to end and return its exit status; when it does not end in time: report it as a failure,
# SIGKILL it and return 124
wait_pid() {
  local pid=$1 limit=${2:-30} name=${3:-} i rc=0
  for ((i = 0; i < limit * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    hung=$((hung + 1))
    fail "${name:-process $pid} did not end within ${limit}s: killed with SIGKILL"
    dump_proc "$pid" >&2
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    return 124
  fi
  wait "$pid" 2>/dev/null || rc=$?
  return "$rc"
}
# stop_pid PID [SECONDS] [NAME]: SIGTERM, then wait_pid
stop_pid() {
  kill -TERM "$1" 2>/dev/null || true
  wait_pid "$@"
}
# stop_children [SECONDS]: SIGTERM every background child of this shell that still runs and
# wait up to SECONDS (default 20) for all of them; SIGKILL what is left (reported)
stop_children() {
  local limit=${1:-20} p i alive
  local -a pids
  mapfile -t pids < <(jobs -p)
  [ "${#pids[@]}" -gt 0 ] || return 0
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for ((i = 0; i < limit * 10; i++)); do
    alive=0
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1 && break; done
    [ "$alive" = 1 ] || break
    sleep 0.1
  done
  for p in "${pids[@]}"; do
    if kill -0 "$p" 2>/dev/null; then
      hung=$((hung + 1))
      fail "background process $p did not end within ${limit}s of SIGTERM: killed with SIGKILL"
      dump_proc "$p" >&2
      kill -KILL "$p" 2>/dev/null || true
    fi
    wait "$p" 2>/dev/null || true
  done
}
# ppid PID: its parent's pid (from /proc)
ppid() {
  local line rest
  read -r line < "/proc/$1/stat" 2>/dev/null || return 1
  read -r -a rest <<< "${line##*) }"
  echo "${rest[1]}"
}
# below PID ANCESTOR: is PID a descendant of ANCESTOR?
below() {
  local p=$1
  while [ -n "$p" ] && [ "$p" -gt 1 ]; do
    p=$(ppid "$p") || return 1
    [ "$p" != "$2" ] || return 0
  done
  return 1
}
# descendants PID: the processes below PID, parents first (from /proc)
descendants() {
  local root=$1 f p pp i=0
  local -A kids=()
  local -a q
  for f in /proc/[0-9]*; do
    p=${f#/proc/}
    pp=$(ppid "$p") || continue
    kids[$pp]+=" $p"
  done
  q=("$root")
  while [ "$i" -lt "${#q[@]}" ]; do
    p=${q[$i]}; i=$((i + 1))
    [ "$p" = "$root" ] || echo "$p"
    # shellcheck disable=SC2206  # split the list
    q+=(${kids[$p]:-})
  done
}
# The watchdog: 90 s before ctest's TIMEOUT (XA_TEST_TIMEOUT, set by tests/CMakeLists.txt)
# it shows what the test and each of its processes is doing and kills those processes, so
# that a hang fails saying where it hung, not with a bare "Timeout". It ends with the test.
if [ "${XA_TEST_TIMEOUT:-0}" -gt 150 ] && [ -z "${XA_WATCHDOG:-}" ]; then
  export XA_WATCHDOG=$$   # one per test, also when the test runs another test script
  ( trap - EXIT
    me=$BASHPID
    while [ "$SECONDS" -lt $((XA_TEST_TIMEOUT - 90)) ]; do   # SECONDS: since the test began
      kill -0 "$XA_WATCHDOG" 2>/dev/null || exit 0
      sleep 1 2>/dev/null
    done
    procs=()
    for p in $(descendants "$XA_WATCHDOG"); do
      [ "$p" != "$me" ] && [ -d "/proc/$p" ] && ! below "$p" "$me" && procs+=("$p")
    done
    {
      echo "WATCHDOG: the test still runs $SECONDS s after its start (ctest's TIMEOUT: $XA_TEST_TIMEOUT s):"
      proc_info "$XA_WATCHDOG"
      for p in "${procs[@]}"; do dump_proc "$p" 2>/dev/null; done
      echo "WATCHDOG: killing the test's processes (SIGKILL)"
    } >&2
    for p in "${procs[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  ) >/dev/null &
fi
# the EXIT trap: stop what still runs, remove $TMP; a process that had to be killed fails
# the test (scripts that set their own EXIT trap call xa_exit from it)
xa_exit() {
  stop_children 20
  rm -rf "$TMP"
  [ "$hung" -eq 0 ] || { echo "$hung process(es) did not end in time" >&2; exit 1; }
}
