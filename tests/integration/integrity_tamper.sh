#!/usr/bin/env bash
# Tamper suite (docs/INTEGRITY.md): random single changes made directly in the SQLite file
# with the sqlite3 command-line tool, each on a fresh copy; every one must be detected
# (verify exits 4) AND located (a reported problem names the changed seq or checkpoint).
# CHANGES= sets the number of changes (default 1000).
. "$(dirname "$0")/lib.bash"
command -v sqlite3 > /dev/null || { echo "sqlite3 CLI missing"; exit 77; }
CHANGES=${CHANGES:-1000}
RANDOM=7
xa init > /dev/null 2>&1
xa generate --records 240 --seed 5 --format jsonl --out "$TMP/g.jsonl"
xa import --no-progress "$TMP/g.jsonl" > /dev/null 2>&1
base="$TMP/base.db"
sqlite3 "$EXOAUDIT_DB" "VACUUM INTO '$base'"
cp "$EXOAUDIT_DB.pub" "$TMP/pub.pem"
for d in base t; do cp -p "$EXOAUDIT_DB.key" "$TMP/$d.db.key"; done # so self-audit stays signed
check "the untouched archive verifies" bash -c "'$EXOAUDIT' --db '$base' verify --key '$TMP/pub.pem' > /dev/null"
max=$(sqlite3 "$base" "SELECT max(seq) FROM events")
nck=$(sqlite3 "$base" "SELECT max(id) FROM integ_checkpoints")
ids=($(sqlite3 "$base" "SELECT id FROM strings WHERE kind IN (2,3)"))
drop="DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; DROP TRIGGER integ_ck_no_update;"
t="$TMP/t.db"
undetected=0; unlocated=0; kinds=""
flip_hex() { # flip_hex HEX POS(0-based byte) -> hex with that byte xor 0x5a
  local h=$1 p=$2
  local b=$((16#${h:$((2 * p)):2} ^ 0x5a))
  printf '%s%02X%s' "${h:0:$((2 * p))}" "$b" "${h:$((2 * p + 2))}"
}
for ((i = 0; i < CHANGES; i++)); do
  cp "$base" "$t"
  k=$((RANDOM % 8)); s=$((2 + RANDOM % (max - 2))); want="$s"; what="seq"
  case $k in
    0) # a byte flipped in a raw record (the stored, compressed body; past its header)
       h=$(sqlite3 "$t" "SELECT hex(body) FROM events WHERE seq=$s"); n=$(( ${#h} / 2 ))
       p=$((6 + RANDOM % (n - 6)))
       sqlite3 "$t" "$drop UPDATE events SET body=X'$(flip_hex "$h" $p)' WHERE seq=$s" ;;
    1) # a normalised column
       case $((RANDOM % 5)) in
         0) sqlite3 "$t" "$drop UPDATE events SET at=at+1000000 WHERE seq=$s" ;;
         1) sqlite3 "$t" "$drop UPDATE events SET rtype=rtype+1 WHERE seq=$s" ;;
         2) sqlite3 "$t" "$drop UPDATE events SET flags=(flags | 2) - (flags & 2) WHERE seq=$s" ;;
         3) id=${ids[$((RANDOM % ${#ids[@]}))]}
            sqlite3 "$t" "$drop UPDATE events SET actor=CASE actor WHEN $id THEN 0 ELSE $id END WHERE seq=$s" ;;
         4) sqlite3 "$t" "$drop UPDATE events SET rid=CAST(rid || 'x' AS TEXT) WHERE seq=$s" ;;
       esac ;;
    2) sqlite3 "$t" "$drop DELETE FROM events WHERE seq=$s" ;;
    3) # a row inserted (a copy of a real record with a new id, appended)
       want=$((max + 1))
       sqlite3 "$t" "$drop INSERT INTO events(seq, tenant, rid, at, rtype, flags, op, actor, mbx, wl, ip, dups, zdict, body) SELECT $want, tenant, 'forged-$i', at, rtype, flags, op, actor, mbx, wl, ip, 0, zdict, body FROM events WHERE seq=$s" ;;
    4) # two rows swapped
       s2=$((2 + RANDOM % (max - 2))); [ "$s2" == "$s" ] && s2=$((s == 2 ? 3 : s - 1))
       sqlite3 "$t" "$drop UPDATE events SET seq=-1 WHERE seq=$s; UPDATE events SET seq=$s WHERE seq=$s2; UPDATE events SET seq=$s2 WHERE seq=-1" ;;
    5) # the tail truncated
       sqlite3 "$t" "$drop DELETE FROM events WHERE seq >= $s"; want=$max ;;
    6) # a checkpoint replaced (new signature, or an edited message with the old one)
       c=$((1 + RANDOM % nck)); want=$c; what="checkpoint"
       if ((RANDOM % 2)); then
         sqlite3 "$t" "$drop UPDATE integ_checkpoints SET sig=randomblob(64) WHERE id=$c"
       else
         sqlite3 "$t" "$drop UPDATE integ_checkpoints SET msg=replace(msg, 'at: ', 'at: 1') WHERE id=$c"
       fi ;;
    7) # a checkpoint deleted
       c=$((1 + RANDOM % nck)); want=$c; what="checkpoint"
       sqlite3 "$t" "DROP TRIGGER integ_ck_no_delete; DELETE FROM integ_checkpoints WHERE id=$c" ;;
  esac
  set +e
  out=$("$EXOAUDIT" -q --db "$t" verify --key "$TMP/pub.pem" --format json 2>/dev/null); rc=$?
  set -e
  if [ $rc -ne 4 ]; then
    undetected=$((undetected + 1)); echo "   undetected: change $i kind $k seq $s (rc $rc)"; continue
  fi
  if [ "$what" == checkpoint ]; then
    q="select(.checkpoint == $want or (.kind == \"uncovered\" and $want == $nck))"
  else
    q="select(.seq_from != null and .seq_from <= $want and .seq_to >= $want)"
  fi
  if ! jq -e -s "map(objects | select(.kind != null) | $q) | length > 0" <<< "$out" > /dev/null; then
    unlocated=$((unlocated + 1)); echo "   not located: change $i kind $k $what $want"; echo "$out" | head -5
  fi
done
check "$CHANGES random changes: every one detected (exit 4)" eq "$undetected" 0
check "$CHANGES random changes: every one located at the changed seq / checkpoint" eq "$unlocated" 0

# a string edited behind the archive's back changes every record that uses it
cp "$base" "$t"
sqlite3 "$t" "DROP TRIGGER strings_no_update; UPDATE strings SET s='mallory@evil.example' WHERE id=(SELECT actor FROM events WHERE seq=10)"
set +e; "$EXOAUDIT" -q --db "$t" verify --key "$TMP/pub.pem" > "$TMP/s.txt"; rc=$?; set -e
check "edited strings table detected" eq "$rc" 4

# the triggers refuse UPDATE and DELETE without exoaudit purge
cp "$base" "$t"
check "DELETE refused by the triggers" bash -c "! sqlite3 '$t' 'DELETE FROM events WHERE seq=5' 2>/dev/null"
check "UPDATE refused by the triggers" bash -c "! sqlite3 '$t' 'UPDATE events SET at=0 WHERE seq=5' 2>/dev/null"
check "duplicate counter may still change" sqlite3 "$t" "UPDATE events SET dups=dups+1 WHERE seq=5"
finish
