#!/usr/bin/env bash
# Smoke test of the ClickHouse test servers (scripts/clickhouse.sh, ch_lib.bash): a two-shard
# cluster on loopback, a MergeTree table plus a Distributed table on each node, 1000 rows
# inserted through the Distributed table land on both shards. Exits 77 (skip) when
# clickhouse-server is not installed.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/ch_lib.bash"

ch_start cluster
check "two nodes" eq "$(ch_url 2 | cut -d: -f1-2)" "http://127.0.0.1"
check "cluster name" eq "$XA_CH_CLUSTER" xa_cluster
check "pids" eq "$(wc -w <<< "$XA_CH_PIDS")" 2
for n in 1 2; do
  check "node $n ping" eq "$(curl -s "$(ch_url "$n")/ping")" "Ok."
  check "node $n sees the cluster" eq "$(ch_q "$n" "SELECT count() FROM system.clusters WHERE cluster = 'xa_cluster'")" 2
  ch_q "$n" "CREATE DATABASE IF NOT EXISTS db"
  ch_q "$n" "CREATE TABLE db.t_local (k String, v UInt32) ENGINE = MergeTree ORDER BY k"
  ch_q "$n" "CREATE TABLE db.t AS db.t_local ENGINE = Distributed(xa_cluster, db, t_local, cityHash64(k))"
done
# no ZooKeeper, hence no distributed DDL
on_cluster_refused() {
  ! ch_q 1 "CREATE TABLE db.x ON CLUSTER xa_cluster (k String) ENGINE = Memory" 2>"$TMP/oncluster.err" &&
    grep -q "DDL background thread is not initialized" "$TMP/oncluster.err"
}
check "ON CLUSTER is refused" on_cluster_refused

seq 1 1000 | awk '{ printf "{\"k\":\"key%d\",\"v\":%d}\n", $1, $1 }' > "$TMP/rows.json"
code=$(curl -sS -o "$TMP/insert.out" -w '%{http_code}' --data-binary @"$TMP/rows.json" \
  "$(ch_url 1)/?database=db&insert_distributed_sync=1&query=INSERT%20INTO%20t%20FORMAT%20JSONEachRow")
check "insert through the Distributed table" eq "$code" 200
c1=$(ch_q 1 "SELECT count() FROM db.t_local")
c2=$(ch_q 2 "SELECT count() FROM db.t_local")
echo "   shard rows: $c1 + $c2"
check "shard 1 got rows" test "$c1" -gt 0
check "shard 2 got rows" test "$c2" -gt 0
check "shards add up to 1000" eq "$((c1 + c2))" 1000
for n in 1 2; do
  check "node $n reads all rows" eq "$(ch_q "$n" "SELECT count(), sum(v) FROM db.t")" "$(printf '1000\t500500')"
done

pids=$XA_CH_PIDS
ch_stop
sleep 0.2
for p in $pids; do
  check "server $p stopped" bash -c "! grep -qs clickhouse /proc/$p/cmdline || grep -q '^State:.*Z' /proc/$p/status"
done
finish
