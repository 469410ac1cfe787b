#!/usr/bin/env bash
# The main job: a realistic demo tenant, imported and questioned end to end.
# Usage: scripts/demo.sh [EXOAUDIT_BINARY]     env: DEMO_RECORDS (default 100000)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/release/exoaudit}
n=${DEMO_RECORDS:-100000}
demo=$root/demo
rm -rf "$demo"; mkdir -p "$demo"
export EXOAUDIT_DB="$demo/archive.db" EXOAUDIT_CONFIG=""
xa() { "$bin" "$@"; }
say() { printf '\n\033[1m== %s\033[0m\n$ %s\n' "$1" "$2"; }
run() { local q=$1; shift; say "$q" "exoaudit $*"; xa "$@"; }

say "Generate 30 days of activity of a demo tenant ($n records, planted incidents)" \
    "exoaudit generate --records $n --seed 2026 --start 30d --format blob"
xa generate --records "$n" --seed 2026 --start 30d --format blob --out "$demo/blob.json"
xa generate --records "$n" --seed 2026 --start 30d --format jsonl | gzip -1 > "$demo/export.jsonl.gz"
ls -l "$demo/blob.json" "$demo/export.jsonl.gz" | awk '{print "  " $5 " bytes  " $9}'

run "Import an API content blob (one JSON array)" import --no-progress "$demo/blob.json"
run "Import the same records again as gzip JSON Lines: every record is stored once" \
    import --no-progress "$demo/export.jsonl.gz"
run "What the archive holds" stats

run "Who granted whom permissions on the CEO's mailbox, who in IT did it, and when was it revoked?" \
    search --mailbox ceo@contoso.com --category mailbox_permission --oldest-first --limit 20
run "What did that delegate do in the CEO's mailbox meanwhile (non-owner access)?" \
    search --mailbox ceo@contoso.com --actor ryan.cooper@contoso.com --logon-type delegate --oldest-first
run "Every non-owner access to any mailbox (the portal report that cannot be exported), as CSV" \
    search --logon-type delegate --logon-type admin --limit 5 --format csv
run "Inbox rules and mailbox forwards that send mail outside" \
    search --param ForwardTo --param RedirectTo --param ForwardingSmtpAddress --limit 20
run "Who weakened auditing (audit switched off, bypass associations)?" \
    search --category audit_config --limit 20
run "Admin operations run by Microsoft datacenter or partner accounts (external access)" \
    search --external yes --include-system --record-type ExchangeAdmin --limit 10
run "Full text: anything mentioning 'invoice'" search -q invoice --limit 10
id=$(xa search --operation New-InboxRule --param ForwardTo --limit 1 --format json | jq -r .record_id)
run "One event in full: who / what / when / where, parameters, raw record" show "$id"
printf '\nThe archive is %s. Try: %s --db %s search --help\n' "$demo/archive.db" "$bin" "$demo/archive.db"

say "Reports: mailboxes accessed by non-owners, and the permission history (grantor, grantee's accesses, revoker)" \
    "exoaudit report non-owner-access --format html -o demo/non-owner-access.html; exoaudit report permissions ..."
xa report non-owner-access --format html -o "$demo/non-owner-access.html"
xa report permissions --format html -o "$demo/permissions.html"
xa report permissions --mailbox ceo@contoso.com --format text | sed -n '1,/^== Who held/p' | cut -c1-200
printf '\nOpen %s and %s in a browser (self-contained, printable).\n' "$demo/non-owner-access.html" "$demo/permissions.html"
# --- detection (rules): the alerts raised while importing, with the rules' authors
run "What the detection rules raised on import (grant-use-revoke, forwarding, audit off, bypass)" \
    alerts list --min-severity high --limit 20

# ---- live collection: the Office 365 Management Activity API, emulated on loopback ----------
T=8f2c1d3e-0000-4000-8000-0000000000aa
printf 'demo-client-secret\n' > "$demo/secret"; chmod 600 "$demo/secret"
say "Start a Management Activity API emulator with faults (429, 5xx, truncation, late and expiring blobs)" \
    "exoaudit emulate --tenant $T --client-secret-file secret --speed 2000 --fault-429 0.03 ..."
"$bin" -q emulate --port 0 --ready-file "$demo/emu.url" --tenant "$T" --client-secret-file "$demo/secret" \
   --records 3000 --sim-start 2025-03-10T00:00:00Z --sim-days 0.25 --speed 2000 --blob-records 25 \
   --fault-429 0.03 --fault-5xx 0.03 --truncate 0.03 --late 0.1 --expire 0.03 --dup-across-blobs 0.02 \
   --latency 20 --manifest "$demo/served.tsv" --losses "$demo/lost.tsv" &
emu=$!
trap 'kill $emu 2>/dev/null || true' EXIT
for _ in $(seq 200); do [ -s "$demo/emu.url" ] && break; sleep 0.05; done
url=$(cat "$demo/emu.url")
cat > "$demo/collect.yaml" <<YAML
collect:
  poll_seconds: 0.5
  tenants:
    - id: $T
      client_id: 3b7e9a10-0000-4000-8000-0000000000bb
      auth: secret
      client_secret_file: $demo/secret
      endpoints: {login: "$url", api: "$url"}
YAML
say "Collect while the emulated day plays (the daemon; about 25 s), then one final pass" \
    "exoaudit --config collect.yaml collect"
"$bin" --config "$demo/collect.yaml" -q collect & col=$!
sleep 25; kill -TERM $col; wait $col || true
xa --config "$demo/collect.yaml" collect --once
kill -TERM $emu; wait $emu 2>/dev/null || true
run "Collector coverage: lag, blobs listed / fetched / expired, gaps" status
run "Content the API let expire before it could be fetched is never silent" \
    search --category collector --limit 5
printf '  served by the emulator: %s distinct records; in the archive for the tenant: %s\n' \
  "$(cut -f4 "$demo/served.tsv" | sort -u | wc -l)" \
  "$(xa search --format json --include-system --limit 0 | jq -r --arg t "$T" 'select(.tenant_id == $t and .category != "collector") | .record_id' | sort -u | wc -l)"
run "Search the collected records like any other: mailbox permission changes" \
    search --category mailbox_permission --limit 5
