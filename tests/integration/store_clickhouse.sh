#!/usr/bin/env bash
# The store contract tests (tests/unit/test_store.c) against the ClickHouse backend: a single
# node, then the two-shard cluster xa_cluster (both nodes in the location, so that exoaudit
# creates the tables on each). test_store reads the location from XA_TEST_CLICKHOUSE and
# makes a fresh database per test; the tests of SQLite internals skip themselves there.
# Exits 77 (skip) when clickhouse-server is not installed.
#
# The test binary is the build's tests/test_store beside $EXOAUDIT (XA_TEST_STORE_BIN overrides;
# XA_TEST_STORE is lib.bash's archive location, not used here).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/ch_lib.bash"

TEST_STORE=${XA_TEST_STORE_BIN:-$(dirname "$EXOAUDIT")/tests/test_store}
# the tests that may skip under ClickHouse (SQLite internals); every other one must run
SQLITE_ONLY="test_codec test_sqlite_files"

# names of the tests with the given cmocka status word (OK, SKIPPED, FAILED) in LOG
tests_with() { # STATUS LOG
  sed -n "s/^\[ *$1 *\] \(test_[a-z0-9_]*\)\$/\1/p" "$2" | sort -u
}

only_sqlite_skipped() { # LOG
  local t bad=0
  for t in $(tests_with SKIPPED "$1"); do
    case " $SQLITE_ONLY " in
      *" $t "*) ;;
      *) echo "   $t was skipped under ClickHouse" >&2; bad=1 ;;
    esac
  done
  [ "$bad" = 0 ]
}

# every node holds events of the kept databases (the cluster really spread the rows)
nodes_hold_events() { # NODES TABLE
  local n rows
  for ((n = 1; n <= $1; n++)); do
    rows=$(ch_q "$n" "SELECT sum(rows) FROM system.parts WHERE active AND substring(database, 1, 4) = 'xat_' AND table = '$2'") || return 1
    echo "   node $n: $rows rows in $2"
    [ "${rows:-0}" -gt 0 ] || return 1
  done
}

run_contract() { # single|cluster
  local mode=$1 hosts loc log rc t0 t1 nodes table
  ch_start "$mode"
  [ -x "$TEST_STORE" ] || { fail "$TEST_STORE is not built (target test_store)"; finish; exit 1; }
  hosts=${XA_CH_URLS//http:\/\//}
  loc="clickhouse://$hosts/"
  [ -z "$XA_CH_CLUSTER" ] || loc+="?cluster=$XA_CH_CLUSTER"
  log="$TMP/test_store.$mode.log"
  echo "# $mode: XA_TEST_CLICKHOUSE=$loc"
  t0=$(date +%s%N)
  rc=0
  # keep the databases so that the rows can be counted per node below; the servers and
  # their data go away with ch_stop
  XA_TEST_CLICKHOUSE=$loc XA_TEST_CLICKHOUSE_KEEP=1 "$TEST_STORE" > "$log" 2>&1 || rc=$?
  t1=$(date +%s%N)
  echo "# $mode: test_store took $(((t1 - t0) / 1000000)) ms:" \
    "$(tests_with OK "$log" | wc -l) ok, $(tests_with SKIPPED "$log" | wc -l) skipped," \
    "$(tests_with FAILED "$log" | wc -l) failed"
  check "$mode: test_store passes" eq "$rc" 0
  if [ "$rc" != 0 ]; then
    if [ -n "$(tests_with FAILED "$log")" ]; then
      # a failed assertion jumps out of the test with its store open: the leak report that
      # follows is noise, only its summary is kept
      sed -n '/ERROR: LeakSanitizer/q; p' "$log" | sed 's/^/   | /'
      grep '^SUMMARY: AddressSanitizer' "$log" | sed 's/^/   | /' || true
    else
      sed 's/^/   | /' "$log"
    fi
  fi
  check "$mode: the contract tests ran (only SQLite internals skipped)" only_sqlite_skipped "$log"
  check "$mode: test_store used ClickHouse" grep -q "backend ClickHouse" "$log"
  if [ "$mode" = cluster ]; then nodes=2; table=events_local; else nodes=1; table=events; fi
  check "$mode: rows on every node" nodes_hold_events "$nodes" "$table"
  ch_stop
  rm -rf "$TMP/clickhouse"
}

run_contract single
run_contract cluster
finish
