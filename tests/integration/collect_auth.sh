#!/usr/bin/env bash
# Certificate (RS256 and PS256) and secret (file and environment) authentication against the
# emulator; a wrong key, a wrong secret and a readable secret file fail with clear messages;
# no secret, assertion or token appears in any output. ~15 s.
source "$(dirname "$0")/lib.bash"
source "$(dirname "$0")/collect_lib.bash"
command -v openssl >/dev/null || { echo "skip: openssl not installed"; exit 77; }
code() { "$@" >/dev/null 2>&1; echo $?; }

( cd "$TMP"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout app.key -out app.crt -days 2 -subj /CN=xa-app 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.crt -days 2 -subj /CN=other 2>/dev/null
  chmod 600 app.key other.key )
start_emu a --records 300 --seed 2 --sim-start 2025-03-10T00:00:00Z --sim-days 0.05 --speed 20000 \
  --cert-file "$TMP/app.crt" --clock-offset 3000 \
  --token-expire-early 0.3
sleep 1.5   # the simulated hour plays

LOGS="$TMP/logs"; mkdir -p "$LOGS"
run() { # run NAME CONFIG [ARGS]: collect --once with debug logs kept in $LOGS
  local n=$1 c=$2; shift 2
  "$EXOAUDIT" --log-level debug --config "$c" collect --once "$@" >"$LOGS/$n.out" 2>"$LOGS/$n.err"
}
write_cfg "$TMP/secret.yaml" "$SECRET_AUTH"
rc=0; run secret "$TMP/secret.yaml" || rc=$?
check "client secret (file): exit 0" eq "$rc" 0
check "client secret: records stored" test "$("$EXOAUDIT" stats --format json | jq .events)" -gt 100

write_cfg "$TMP/env.yaml" "      auth: secret
      client_secret_env: XA_TEST_SECRET"
rc=0; XA_TEST_SECRET="$SECRET" run env "$TMP/env.yaml" || rc=$?
check "client secret (environment): exit 0" eq "$rc" 0
rc=0; run env-missing "$TMP/env.yaml" || rc=$?
check "missing environment variable: exit 2" eq "$rc" 2
check "missing environment variable: named" grep -q XA_TEST_SECRET "$LOGS/env-missing.err"

for alg in RS256 PS256; do
  write_cfg "$TMP/cert-$alg.yaml" "      auth: certificate
      certificate_file: $TMP/app.crt
      private_key_file: $TMP/app.key
      assertion_alg: $alg"
  export EXOAUDIT_DB="$TMP/cert-$alg.db"
  rc=0; run "cert-$alg" "$TMP/cert-$alg.yaml" || rc=$?
  check "certificate $alg (clock skewed 50 min): exit 0" eq "$rc" 0
  check "certificate $alg: records stored" test "$("$EXOAUDIT" stats --format json | jq .events)" -gt 100
done

# a key that does not belong to the certificate: refused before any request
write_cfg "$TMP/mismatch.yaml" "      auth: certificate
      certificate_file: $TMP/app.crt
      private_key_file: $TMP/other.key"
rc=0; run mismatch "$TMP/mismatch.yaml" || rc=$?
check "key not matching the certificate: exit 2" eq "$rc" 2
check "key not matching the certificate: says so" grep -q "does not belong to the certificate" "$LOGS/mismatch.err"
# a valid pair that is not registered with the app: the token service refuses it
write_cfg "$TMP/wrongcert.yaml" "      auth: certificate
      certificate_file: $TMP/other.crt
      private_key_file: $TMP/other.key"
rc=0; run wrongcert "$TMP/wrongcert.yaml" || rc=$?
check "unregistered certificate: exit 1" eq "$rc" 1
check "unregistered certificate: operator advice" grep -q "upload this certificate" "$LOGS/wrongcert.err"
printf 'not-the-secret\n' > "$TMP/bad"; chmod 600 "$TMP/bad"
write_cfg "$TMP/badsecret.yaml" "      auth: secret
      client_secret_file: $TMP/bad"
rc=0; run badsecret "$TMP/badsecret.yaml" || rc=$?
check "wrong secret: exit 1" eq "$rc" 1
check "wrong secret: operator advice" grep -q "client secret" "$LOGS/badsecret.err"
chmod 644 "$TMP/secret"
rc=0; run perms "$TMP/secret.yaml" || rc=$?
chmod 600 "$TMP/secret"
check "secret file readable by others: exit 2" eq "$rc" 2
check "secret file readable by others: chmod advice" grep -q "chmod 600" "$LOGS/perms.err"
# two tenants, one broken: the good one is collected, the broken one is a health event
cat > "$TMP/two.yaml" <<YAML
collect:
  tenant_failure_alert_minutes: 0
  max_backoff_seconds: 0.2
  tenants:
    - id: 00000000-1111-4222-8333-444444444444
      client_id: $CLIENT
      auth: secret
      client_secret_file: $TMP/bad
      endpoints: {login: "$URL", api: "$URL"}
    - id: $TEN
      client_id: $CLIENT
      auth: secret
      client_secret_file: $TMP/secret
      endpoints: {login: "$URL", api: "$URL"}
YAML
export EXOAUDIT_DB="$TMP/two.db"
rc=0; run two "$TMP/two.yaml" || rc=$?
check "one tenant broken: exit 1" eq "$rc" 1
check "the other tenant is collected" test "$("$EXOAUDIT" stats --format json | jq .events)" -gt 100
check "the broken tenant is a health event" eq "$("$EXOAUDIT" search --category collector --format json --limit 0 | jq -r 'select(.operation == "CollectorTenantFailing") | .tenant_id')" 00000000-1111-4222-8333-444444444444
check "status names the broken tenant's error" eval '"$EXOAUDIT" status --format json | jq -e "[.streams[] | select(.tenant_id == \"00000000-1111-4222-8333-444444444444\") | .last_error] | all(test(\"token request refused\"))" >/dev/null'
"$EXOAUDIT" --config "$TMP/secret.yaml" status --format json > "$LOGS/status.json"
"$EXOAUDIT" search --format json --include-system --limit 0 > "$LOGS/search.json"
stop_emu
# the log scan: no secret, no private key, no assertion or token (JWTs start with eyJ)
keybody=$(sed -n 2p "$TMP/app.key")
check "no secret in any output" eval '! grep -rqF -- "$SECRET" "$LOGS"'
check "no private key in any output" eval '! grep -rqF -- "$keybody" "$LOGS"'
check "no JWT (assertion or token) in any output" eval '! grep -rq "eyJ" "$LOGS"'
check "no bearer header in any output" eval '! grep -rqi "bearer " "$LOGS"'
check "debug logs were produced" test -s "$LOGS/secret.err"
finish
