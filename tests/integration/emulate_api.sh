#!/usr/bin/env bash
# exoaudit emulate: token endpoints, subscriptions, listing windows and paging, blob retrieval,
# manifest, throttling fault, SIGTERM summary. Loopback only; a few seconds.
source "$(dirname "$0")/lib.bash"
command -v curl >/dev/null || { echo "skip: curl not installed"; exit 77; }
command -v jq >/dev/null || { echo "skip: jq not installed"; exit 77; }

CLIENT=3b7e9a10-0000-4000-8000-0000000000bb
TEN=8f2c1d3e-0000-4000-8000-0000000000aa
printf 's3cret-value\n' > "$TMP/secret"
PIDS=()   # lib.bash's EXIT trap stops every background child, bounded

# start_emu NAME ARGS... : runs the emulator in the background, sets URL and PID
start_emu() {
  local name=$1; shift
  "$EXOAUDIT" emulate --port 0 --ready-file "$TMP/$name.ready" --tenant "$TEN" \
    --client-secret-file "$TMP/secret" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 1 200); do [ -s "$TMP/$name.ready" ] && break; sleep 0.05; done
  URL=$(cat "$TMP/$name.ready" 2>/dev/null || true)
}

# status CURL-ARGS... : prints the HTTP status, body in $TMP/body, headers in $TMP/hdr
status() { curl -s -o "$TMP/body" -D "$TMP/hdr" -w '%{http_code}' "$@"; }
hdr() { { grep -i "^$1:" "$TMP/hdr" || true; } | head -1 | cut -d' ' -f2- | tr -d '\r'; }
code() { jq -r '.error.code // empty' "$TMP/body"; }

start_emu a --records 400 --seed 7 --sim-start 2025-03-10T00:00:00Z --sim-days 0.25 \
  --speed 20000 --page-size 7 --blob-records 10 --manifest "$TMP/manifest.tsv" \
  --losses "$TMP/losses.tsv"
check "ready file holds the URL" test -n "$URL"
check "stdout says listening on the URL" grep -qx "listening on $URL" "$TMP/a.out"
check "bound to 127.0.0.1" eval '[[ "$URL" == http://127.0.0.1:* ]]'

# ---- token endpoints
s=$(status -X POST "$URL/$TEN/oauth2/token" -d grant_type=client_credentials -d client_id=$CLIENT \
    --data-urlencode client_secret=s3cret-value --data-urlencode resource=https://manage.office.com)
check "v1 token: 200" eq "$s" 200
check "v1 token: expires_in is a string" eq "$(jq -r '.expires_in|type' "$TMP/body")" string
check "v1 token: resource echoed" eq "$(jq -r .resource "$TMP/body")" https://manage.office.com
s=$(status -X POST "$URL/$TEN/oauth2/v2.0/token" -d grant_type=client_credentials \
    -d client_id=$CLIENT --data-urlencode client_secret=s3cret-value \
    --data-urlencode scope=https://manage.office.com/.default)
check "v2 token: 200" eq "$s" 200
check "v2 token: expires_in is a number" eq "$(jq -r '.expires_in|type' "$TMP/body")" number
check "v2 token: no resource" eq "$(jq -r '.resource // "none"' "$TMP/body")" none
TOK=$(jq -r .access_token "$TMP/body")
AUTH="Authorization: Bearer $TOK"
s=$(status -X POST "$URL/$TEN/oauth2/v2.0/token" -d grant_type=client_credentials \
    -d client_id=$CLIENT -d client_secret=wrong --data-urlencode scope=https://manage.office.com/.default)
check "wrong secret: 401" eq "$s" 401
check "wrong secret: invalid_client" eq "$(jq -r .error "$TMP/body")" invalid_client
check "wrong secret: AADSTS7000215" eq "$(jq -r '.error_codes[0]' "$TMP/body")" 7000215
check "wrong secret: description starts with the code" \
  eval 'jq -r .error_description "$TMP/body" | grep -q "^AADSTS7000215: "'
s=$(status -X POST "$URL/$TEN/oauth2/token" -d grant_type=client_credentials -d client_id=nobody \
    -d client_secret=s3cret-value --data-urlencode resource=https://manage.office.com)
check "unknown client: 400 AADSTS700016" eq "$s:$(jq -r '.error_codes[0]' "$TMP/body")" 400:700016
s=$(status -X POST "$URL/$TEN/oauth2/v2.0/token" -d grant_type=client_credentials \
    -d client_id=$CLIENT -d client_secret=s3cret-value --data-urlencode scope=https://manage.office.com)
check "v2 scope without /.default: 400 AADSTS1002012" eq "$s:$(jq -r '.error_codes[0]' "$TMP/body")" 400:1002012
s=$(status -X POST "$URL/00000000-1111-4000-8000-000000000000/oauth2/token" -d grant_type=client_credentials)
check "unknown tenant: 400 AADSTS90002" eq "$s:$(jq -r '.error_codes[0]' "$TMP/body")" 400:90002

# ---- API authentication and subscriptions
F="$URL/api/v1.0/$TEN/activity/feed"
P="PublisherIdentifier=$TEN"
s=$(status "$F/subscriptions/list?$P")
check "no token: 401" eq "$s" 401
check "no token: API error body" eq "$(jq -r .Message "$TMP/body")" "Authorization has been denied for this request."
s=$(status -H "Authorization: Bearer EA00000000.forged" "$F/subscriptions/list?$P")
check "forged token: 401" eq "$s" 401
s=$(status -H "$AUTH" "$F/subscriptions/content?contentType=Audit.Exchange&$P")
check "listing before start: AF20022" eq "$s:$(code)" 400:AF20022
s=$(status -H "$AUTH" -X POST "$F/subscriptions/start?contentType=Audit.Nope&$P")
check "start with a bad content type: AF20020" eq "$s:$(code)" 400:AF20020
s=$(status -H "$AUTH" -X POST "$F/subscriptions/start?contentType=Audit.Exchange&$P")
check "start: 200 enabled" eq "$s:$(jq -r .status "$TMP/body")" 200:enabled
check "start: webhook null" eq "$(jq -r .webhook "$TMP/body")" null
s=$(status -H "$AUTH" -X POST "$F/subscriptions/start?contentType=Audit.Exchange&$P")
check "start again: AF20024" eq "$s:$(code)" 400:AF20024
s=$(status -H "$AUTH" "$F/subscriptions/list?$P")
check "list: one enabled Audit.Exchange" \
  eq "$(jq -c '[.[]|[.contentType,.status]]' "$TMP/body")" '[["Audit.Exchange","enabled"]]'
check "Date header is the simulated clock" eval '[[ "$(hdr Date)" == *" Mar 2025 "* ]]'

# wait until the simulated clock has passed the data (0.25 day + up to 12 h of latency)
for _ in $(seq 1 200); do
  status -H "$AUTH" "$F/subscriptions/list?$P" >/dev/null
  now=$(date -u -d "$(hdr Date)" +%s)
  [ "$now" -ge "$(date -u -d 2025-03-11T00:30:00Z +%s)" ] && break
  sleep 0.05
done

# ---- window validation
L="$F/subscriptions/content?contentType=Audit.Exchange&$P"
s=$(status -H "$AUTH" "$L&endTime=2025-03-10T12:00:00")
check "only endTime: AF20030" eq "$s:$(code)" 400:AF20030
s=$(status -H "$AUTH" "$L&startTime=2025-03-10T00:00&endTime=2025-03-11T00:01")
check "25 hour window: AF20055" eq "$s:$(code)" 400:AF20055
s=$(status -H "$AUTH" "$L&startTime=2025-03-10T12:00:00&endTime=2025-03-10T11:00:00")
check "start after end: AF20055" eq "$s:$(code)" 400:AF20055
s=$(status -H "$AUTH" "$L&startTime=2025-03-01&endTime=2025-03-02")
check "start older than 7 days: AF20055" eq "$s:$(code)" 400:AF20055
s=$(status -H "$AUTH" "$L&startTime=yesterday&endTime=2025-03-11")
check "unparsable startTime: AF20002" eq "$s:$(code)" 400:AF20002
s=$(status -H "$AUTH" "$L&startTime=2025-03-10&endTime=2025-03-11&nextPage=garbage")
check "bad nextPage: AF20031" eq "$s:$(code)" 400:AF20031

# ---- listing with paging: follow NextPageUri until it is absent
next="$L&startTime=2025-03-10T00:00:00&endTime=2025-03-11T00:00:00"
pages=0; : >"$TMP/uris"; absolute=yes
while [ -n "$next" ]; do
  s=$(status -H "$AUTH" "$next")
  [ "$s" = 200 ] || { fail "listing page $pages: HTTP $s $(cat "$TMP/body")"; break; }
  jq -r '.[].contentUri' "$TMP/body" >>"$TMP/uris"
  [ "$(jq length "$TMP/body")" -le 7 ] || absolute=no
  pages=$((pages + 1))
  next=$(hdr NextPageUri)
  [ -z "$next" ] || [[ "$next" == "$URL/api/v1.0/$TEN/activity/feed/subscriptions/content?"* ]] || absolute=no
  [ "$pages" -lt 200 ] || break
done
nblobs=$(wc -l <"$TMP/uris")
check "paging: several pages" test "$pages" -gt 1
check "paging: at most --page-size a page, NextPageUri absolute" eq "$absolute" yes
check "paging: blobs listed ($nblobs)" test "$nblobs" -gt 7
check "paging: no blob listed twice" eq "$(sort "$TMP/uris" | uniq -d | wc -l)" 0

# ---- blob retrieval
total=0; bad=0
while read -r u; do
  s=$(status -H "$AUTH" "$u?$P")
  if [ "$s" = 200 ] && jq -e 'type == "array"' "$TMP/body" >/dev/null; then
    total=$((total + $(jq length "$TMP/body")))
  else
    bad=$((bad + 1))
  fi
done <"$TMP/uris"
check "blobs: every listed blob fetched as a JSON array" eq "$bad" 0
check "blobs: records inside ($total)" test "$total" -gt 0
check "manifest: one line per served record" eq "$(wc -l <"$TMP/manifest.tsv")" "$total"
check "manifest: tenant, content type, contentId, record Id" \
  eval 'awk -F"\t" -v t=$TEN "NF!=4 || \$1!=t || \$2!=\"Audit.Exchange\" {bad=1} END {exit bad}" "$TMP/manifest.tsv"'
first=$(head -1 "$TMP/uris")
s=$(status -H "$AUTH" "${first%/audit/*}/audit/not-a-content-id?$P")
check "malformed content id: AF20052" eq "$s:$(code)" 400:AF20052
s=$(status -H "$AUTH" "${first%/audit/*}/audit/20250310000000000999999\$x\$audit_exchange\$Audit_Exchange?$P")
check "unknown content id: AF20050" eq "$(code)" AF20050

# ---- stop, and the summary on SIGTERM
s=$(status -H "$AUTH" -X POST "$F/subscriptions/stop?contentType=Audit.Exchange&$P")
check "stop: 200" eq "$s" 200
s=$(status -H "$AUTH" "$F/subscriptions/list?$P")
check "list after stop: disabled" eq "$(jq -r '.[0].status' "$TMP/body")" disabled
rc=0; stop_pid "$PID" 30 "the emulator (SIGTERM)" || rc=$?
check "SIGTERM: exit 0" eq "$rc" 0
check "summary line on stderr" grep -q "^exoaudit emulate: requests [0-9]*, 429s 0, 5xx 0, blobs served $nblobs, records served $total, blobs expired [0-9]*" "$TMP/a.err"
check "the token never reaches the logs" eval '! grep -qF "${TOK#EA}" "$TMP/a.err"'

# ---- throttling fault
start_emu b --records 50 --fault-429 1.0
TOK=$(curl -s -X POST "$URL/$TEN/oauth2/token" -d grant_type=client_credentials -d client_id=$CLIENT \
      -d client_secret=s3cret-value --data-urlencode resource=https://manage.office.com | jq -r .access_token)
s=$(status -H "Authorization: Bearer $TOK" "$URL/api/v1.0/$TEN/activity/feed/subscriptions/list?$P")
check "--fault-429 1.0: HTTP 429" eq "$s" 429
check "--fault-429 1.0: AF429 body" eq "$(code)" AF429
check "--fault-429 1.0: PublisherId in the message" eval 'jq -r .error.message "$TMP/body" | grep -q "PublisherId=$TEN"'
check "--fault-429 1.0: Retry-After" test -n "$(hdr Retry-After)"
stop_pid "$PID" 30 "the emulator (SIGTERM)" || true
check "summary counts the 429" grep -q "requests 1, 429s 1," "$TMP/b.err"

# ---- certificate client assertion (RS256 + x5t), signed with the openssl CLI
if command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 1 \
    -subj /CN=exoaudit-test 2>/dev/null
  b64u() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
  x5t=$(openssl x509 -in "$TMP/cert.pem" -outform DER | openssl dgst -sha1 -binary | b64u)
  start_emu c --records 20 --cert-file "$TMP/cert.pem"
  now=$(date +%s)
  jwt() { # jwt AUD ISS
    local h p
    h=$(printf '{"alg":"RS256","typ":"JWT","x5t":"%s"}' "$x5t" | b64u)
    p=$(printf '{"aud":"%s","iss":"%s","sub":"%s","jti":"%s","nbf":%d,"exp":%d}' "$1" "$2" "$2" \
        "$(cat /proc/sys/kernel/random/uuid)" "$now" $((now + 600)) | b64u)
    printf '%s.%s.%s' "$h" "$p" "$(printf '%s.%s' "$h" "$p" | openssl dgst -sha256 -sign "$TMP/key.pem" -binary | b64u)"
  }
  s=$(status -X POST "$URL/$TEN/oauth2/v2.0/token" -d grant_type=client_credentials -d client_id=$CLIENT \
      --data-urlencode scope=https://manage.office.com/.default \
      --data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
      --data-urlencode "client_assertion=$(jwt "$URL/$TEN/oauth2/v2.0/token" $CLIENT)")
  check "certificate assertion: v2 token issued" eq "$s:$(jq -r .token_type "$TMP/body")" 200:Bearer
  s=$(status -X POST "$URL/$TEN/oauth2/token" -d grant_type=client_credentials -d client_id=$CLIENT \
      --data-urlencode resource=https://manage.office.com \
      --data-urlencode client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \
      --data-urlencode "client_assertion=$(jwt "$URL/$TEN/oauth2/v2.0/token" $CLIENT)")
  check "certificate assertion: wrong aud refused (AADSTS700212)" eq "$s:$(jq -r '.error_codes[0]' "$TMP/body")" 401:700212
  s=$(status -X POST "$URL/$TEN/oauth2/token" -d grant_type=client_credentials -d client_id=$CLIENT \
      --data-urlencode resource=https://manage.office.com -d client_secret=s3cret-value)
  check "secret and certificate accepted side by side" eq "$s" 200
  stop_pid "$PID" 30 "the emulator (SIGTERM)" || true
fi

# ---- refusals at start-up
check "--listen 0.0.0.0 refused" eval '! "$EXOAUDIT" emulate --listen 0.0.0.0 --client-secret-file "$TMP/secret" 2>/dev/null'
check "no credential refused" eval '! "$EXOAUDIT" emulate --exit-after 1 >/dev/null 2>&1'
finish
