# Shared helpers for the integration tests (sourced, not run: no .sh test of its own).
set -euo pipefail
: "${EXOAUDIT:?EXOAUDIT must point at the exoaudit binary}"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
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
finish() {
  echo "$passes passed, $fails failed"
  [ "$fails" -eq 0 ]
}
