#!/usr/bin/env bash
# Retention purge keeps verification valid; a manual DELETE does not. Evidence bundles
# verify offline, and any single-byte change to one fails. Self-audit events are recorded.
. "$(dirname "$0")/lib.bash"
command -v sqlite3 > /dev/null || { echo "sqlite3 CLI missing"; exit 77; }
xa init > /dev/null 2>&1
check "private key is 0600" eq "$(stat -c %a "$EXOAUDIT_DB.key")" 600
check "key export prints a PEM public key" bash -c "'$EXOAUDIT' key export | grep -q 'BEGIN PUBLIC KEY'"
xa generate --records 9000 --seed 9 --start 400d --format jsonl --out "$TMP/g.jsonl"
xa import --no-progress "$TMP/g.jsonl" > /dev/null 2>&1
check "fresh archive verifies" bash -c "'$EXOAUDIT' verify > /dev/null"
chmod 640 "$EXOAUDIT_DB.key"
check "a group-readable private key is refused" bash -c "! '$EXOAUDIT' import --no-progress '$TMP/g.jsonl' 2> '$TMP/e.txt' && grep -q 'refusing' '$TMP/e.txt'"
chmod 600 "$EXOAUDIT_DB.key"

# manual DELETE: refused by triggers; after dropping them it succeeds and verify fails
cp "$EXOAUDIT_DB" "$TMP/m.db"; sqlite3 "$TMP/m.db" "PRAGMA wal_checkpoint" > /dev/null
check "manual DELETE refused" bash -c "! sqlite3 '$TMP/m.db' 'DELETE FROM events WHERE seq < 100' 2>/dev/null"
sqlite3 "$TMP/m.db" "DROP TRIGGER events_no_delete; DELETE FROM events WHERE seq < 100"
set +e; "$EXOAUDIT" --db "$TMP/m.db" verify --key "$EXOAUDIT_DB.pub" > "$TMP/m.txt" 2>&1; rc=$?; set -e
check "verify fails after a manual DELETE (exit 4)" eq "$rc" 4
check "the deleted range is named" grep -q "deleted: records seq 1\.\.99" "$TMP/m.txt"

# policy purge: one year (the generated data is 400 days old); self-audit events stay
cat > "$TMP/cfg.yaml" <<YAML
retention:
  default: 1y
  self_audit: 90d
YAML
xa --config "$TMP/cfg.yaml" purge --dry-run --format json > "$TMP/p0.json"
check "dry run purges nothing" bash -c "'$EXOAUDIT' stats --format json | jq -e '.events > 8000' > /dev/null"
xa --config "$TMP/cfg.yaml" purge --format json > "$TMP/p1.json"
check "purge removed whole blocks" bash -c "jq -e '.records > 0 and .blocks > 0' '$TMP/p1.json' > /dev/null"
check "purge and dry run agree" eq "$(jq .records "$TMP/p1.json")" "$(jq .records "$TMP/p0.json")"
set +e; xa verify --format json > "$TMP/v.json"; rc=$?; set -e
check "verification passes across the purge" eq "$rc" 0
check "verify reports the purge cut" bash -c "tail -n1 '$TMP/v.json' | jq -e '.purged_to == $(jq .to_seq "$TMP/p1.json")' > /dev/null"

# self-audit events
xa search --limit 1 > /dev/null
check "self-audit: search, purge, verify recorded" bash -c "'$EXOAUDIT' search --category self_audit --limit 0 --format json | jq -r .operation | sort -u | tr '\n' ' ' | grep -q 'ExoauditPurge ExoauditSearch ExoauditVerify'"

# evidence bundle
xa export --out "$TMP/b" --category mailbox_permission > /dev/null
check "bundle files" bash -c "cd '$TMP/b' && ls records.jsonl.zst canonical.bin.zst manifest.json manifest.sig checkpoints.json public.pem README.txt > /dev/null"
check "bundle verifies offline" bash -c "HOME=/nonexistent EXOAUDIT_DB=/nonexistent '$EXOAUDIT' verify --bundle '$TMP/b' --key '$EXOAUDIT_DB.pub' > /dev/null"
bad=0
for f in "$TMP"/b/*; do
  n=$(stat -c %s "$f")
  for try in 1 2 3 4 5 6; do
    cp -r "$TMP/b" "$TMP/c"; g="$TMP/c/$(basename "$f")"
    p=$(( (RANDOM * 32768 + RANDOM) % n ))
    orig=$(od -An -tu1 -j $p -N1 "$g" | tr -d ' ')
    printf "$(printf '\\%03o' $(( (orig + 1 + RANDOM % 255) % 256 )))" | dd of="$g" bs=1 seek=$p conv=notrunc status=none
    set +e; "$EXOAUDIT" verify --bundle "$TMP/c" --key "$EXOAUDIT_DB.pub" > /dev/null 2>&1; rc=$?; set -e
    [ $rc -eq 4 ] || { bad=$((bad + 1)); echo "   undetected: $(basename "$f") byte $p (rc $rc)"; }
    rm -rf "$TMP/c"
  done
done
check "any single-byte change to the bundle fails verify --bundle" eq "$bad" 0
finish
