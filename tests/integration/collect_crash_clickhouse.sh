#!/usr/bin/env bash
# The collector crash test (collect_crash.sh: 20 SIGKILLs at random moments, then the archive
# must equal the emulator's manifest) with the two-shard ClickHouse cluster as the store, and
# then, on the servers themselves, every record stored exactly once (not merely shown once).
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/ch_lib.bash"
command -v bc >/dev/null || { echo "skip: bc not installed"; exit 77; }
ch_start cluster
hosts=$(echo "$XA_CH_URLS" | sed 's#http://##g')
db=crash$$
rc=0
XA_TEST_STORE="clickhouse://$hosts/$db?cluster=$XA_CH_CLUSTER&state=@TMP@/state.db" \
  bash "$(dirname "$0")/collect_crash.sh" > "$TMP/crash.out" 2>&1 || rc=$?
sed 's/^/  | /' "$TMP/crash.out"
check "collect_crash.sh passes with the cluster as store" eq "$rc" 0
rows=$(ch_q 1 "SELECT count() FROM $db.events")
uniq=$(ch_q 1 "SELECT uniqExact(tenant, rid) FROM $db.events")
check "rows on the shards == distinct records ($rows)" eq "$rows" "$uniq"
check "more than 2000 records" test "$rows" -gt 2000
s1=$(ch_q 1 "SELECT count() FROM $db.events_local"); s2=$(ch_q 2 "SELECT count() FROM $db.events_local")
check "both shards hold records ($s1 + $s2)" eval '[ "$s1" -gt 0 ] && [ "$s2" -gt 0 ]'
vrc=0
"$EXOAUDIT" --db "clickhouse://$hosts/$db?cluster=$XA_CH_CLUSTER&state=$TMP/verify.state.db" verify \
  > "$TMP/verify.out" 2>&1 || vrc=$?
check "verify: the chain of every writer stream is intact" eq "$vrc" 0
grep -q "intact" "$TMP/verify.out" || sed 's/^/  | /' "$TMP/verify.out"
finish
