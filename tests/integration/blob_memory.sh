#!/usr/bin/env bash
# Acceptance: a 300 MB single-array content blob imports within 64 MB peak RSS, and peak
# RSS does not grow with the input. Memory is measured on the optimised binary
# ($EXOAUDIT_RELEASE, set by `make test`): sanitizer builds carry their own large overhead.
. "$(dirname "$0")/lib.bash"
bin=${EXOAUDIT_RELEASE:-}
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "skip: EXOAUDIT_RELEASE (an optimised exoaudit) not set; run through 'make test'"
  exit 77
fi
[ -x /usr/bin/time ] || { echo "skip: /usr/bin/time missing"; exit 77; }
rss() { # rss FILE -> peak KB of importing FILE into a fresh archive
  rm -f "$TMP"/m.db*
  /usr/bin/time -f '%M' -o "$TMP/rss" "$bin" --db "$TMP/m.db" import --no-progress "$1" > "$TMP/out" 2>&1
  cat "$TMP/rss"
}
"$bin" generate --records 100000 --seed 7 --format blob --out "$TMP/small.json"
"$bin" generate --records 250000 --seed 7 --format blob --out "$TMP/big.json"
size=$(stat -c %s "$TMP/big.json")
check "the big blob is over 300 MB" bash -c "[ $size -ge 300000000 ]"
small=$(rss "$TMP/small.json")
big=$(rss "$TMP/big.json")
check "big blob imported completely" grep -q "read 250000, stored" "$TMP/out"
echo "peak RSS: $((small / 1024)) MB for $(stat -c %s "$TMP/small.json") bytes, $((big / 1024)) MB for $size bytes"
check "peak RSS <= 64 MB for a 300 MB blob" bash -c "[ $big -le 65536 ]"
# both inputs are large enough to fill the writer's fixed page cache; beyond that nothing
# may grow with the input (2.5x the input, at most 10% more memory)
check "peak RSS does not grow with the input (2.5x input, <= 1.1x memory)" bash -c "[ $big -le $((small * 11 / 10)) ]"
# one record close to the default 4 MiB limit, inside a blob: still bounded
{ printf '['; printf '{"Id":"x","CreationTime":"2025-01-01T00:00:00","Operation":"Send","RecordType":2,"Item":{"Subject":"'; head -c 4000000 /dev/zero | tr '\0' 'a'; printf '"}}]'; } > "$TMP/huge1.json"
one=$(rss "$TMP/huge1.json")
check "a 4 MB record imports" grep -q "stored 1" "$TMP/out"
check "a 4 MB record stays bounded (<= 64 MB)" bash -c "[ $one -le 65536 ]"
finish
