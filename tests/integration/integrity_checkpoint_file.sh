#!/usr/bin/env bash
# The external checkpoint copy (integrity.checkpoint_file) on a SQLite archive: verify compares
# the archive's checkpoints with it and reports a copy that differs or that the archive lacks.
source "$(dirname "$0")/lib.bash"
cat > "$TMP/c.yaml" <<EOC
integrity:
  checkpoint_records: 500
  checkpoint_file: $TMP/ck.txt
EOC
"$EXOAUDIT" generate --records 3000 --seed 9 --out "$TMP/g.jsonl"
"$EXOAUDIT" --config "$TMP/c.yaml" import "$TMP/g.jsonl" > /dev/null 2>&1
check "checkpoint lines were written" test "$(grep -c '^exoaudit-checkpoint id=' "$TMP/ck.txt")" -ge 1
rc=0; "$EXOAUDIT" --config "$TMP/c.yaml" verify > "$TMP/v1.out" 2>&1 || rc=$?
check "verify against an intact copy: exit 0" eq "$rc" 0
cp "$TMP/ck.txt" "$TMP/ck.orig"
# a copy that says something else about checkpoint 1 (one hex digit of its message changed)
awk 'NR==1 { i = index($0, "msg=") + 10; c = substr($0, i, 1); r = (c == "0") ? "1" : "0";
             $0 = substr($0, 1, i - 1) r substr($0, i + 1) } { print }' "$TMP/ck.orig" > "$TMP/ck.txt"
rc=0; "$EXOAUDIT" --config "$TMP/c.yaml" verify > "$TMP/v2.out" 2>&1 || rc=$?
check "a copy that differs: verify fails" test "$rc" -ne 0
check "... naming the checkpoint" grep -q "checkpoint 1 .*differs from the copy" "$TMP/v2.out"
# a checkpoint the archive does not have (the archive was cut back)
cp "$TMP/ck.orig" "$TMP/ck.txt"
sed -n 1p "$TMP/ck.orig" | sed 's/^exoaudit-checkpoint id=1 /exoaudit-checkpoint id=999 /' >> "$TMP/ck.txt"
rc=0; "$EXOAUDIT" --config "$TMP/c.yaml" verify > "$TMP/v3.out" 2>&1 || rc=$?
check "a checkpoint missing from the archive: verify fails" test "$rc" -ne 0
check "... saying so" grep -q "checkpoint 999 .*is not in the archive" "$TMP/v3.out"
finish
