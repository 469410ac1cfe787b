#!/usr/bin/env bash
# HTML reports render in headless Chromium with no network access: a screenshot of the
# permissions and non-owner-access reports of generator data must be a non-trivial PNG,
# and the HTML must reference nothing outside itself. Skips (77) without /usr/bin/chromium.
. "$(dirname "$0")/../integration/lib.bash"
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "skip: $CHROMIUM not found (apt-get install chromium)"
  exit 77
fi
ART=${XA_ARTEFACTS:-$(dirname "$EXOAUDIT")/artefacts}
mkdir -p "$ART"
xa generate --records 5000 --seed 11 > "$TMP/g.jsonl"
xa import --no-progress "$TMP/g.jsonl" > /dev/null 2>&1
for r in permissions non-owner-access; do
  xa report $r --format html -o "$TMP/$r.html"
  check "$r: no http(s) resource reference" bash -c "! grep -Eqi '(src|href|action)=\"?(https?:)?//|url\\(|@import' '$TMP/$r.html'"
  check "$r: no http(s) URL at all" bash -c "! grep -Eqi 'https?://' '$TMP/$r.html'"
  png="$ART/report-$r.png"
  rm -f "$png"
  # no network: an unroutable proxy for everything, and every background service off
  timeout -k 10 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --proxy-server=127.0.0.1:9 --user-data-dir="$TMP/profile-$r" \
    --screenshot="$png" --window-size=1280,2000 "file://$TMP/$r.html" > "$TMP/chromium-$r.log" 2>&1 || true
  check "$r: screenshot written" test -s "$png"
  check "$r: PNG signature" bash -c "head -c 8 '$png' | od -An -tx1 | tr -d ' \n' | grep -q '^89504e470d0a1a0a'"
  # a blank page compresses to a few KB; a rendered report with tables and charts does not
  size=$(stat -c %s "$png" 2>/dev/null || echo 0)
  check "$r: PNG is not blank ($size bytes)" test "$size" -gt 30000
  if command -v python3 > /dev/null; then
    colours=$(python3 - "$png" <<'PY'
import sys, zlib, struct
d = open(sys.argv[1], 'rb').read()
pos, idat, w, h = 8, b'', 0, 0
while pos < len(d):
    n, t = struct.unpack('>I4s', d[pos:pos + 8])
    if t == b'IHDR':
        w, h, bd, ct = struct.unpack('>IIBB', d[pos + 8:pos + 18])
    if t == b'IDAT':
        idat += d[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
print(len(set(raw[i:i + 3] for i in range(0, min(len(raw), 4000000), 997))))
PY
)
    check "$r: the page has many colours ($colours)" test "${colours:-0}" -gt 20
  fi
done
finish
