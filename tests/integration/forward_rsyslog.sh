#!/usr/bin/env bash
# End-to-end forwarding to a real rsyslog on loopback (docs/FORWARDING.md): events and
# alerts as CEF over RFC 5424 / octet-counted TCP. rsyslog is stopped and restarted while
# the forwarder runs; afterwards every event and every alert must have arrived exactly once
# and every CEF message must parse. Exits 77 (skip) when rsyslogd is not installed.
source "$(dirname "$0")/lib.bash"

RSYSLOGD=$(command -v rsyslogd || true)
[ -x "$RSYSLOGD" ] || RSYSLOGD=/usr/sbin/rsyslogd
if [ ! -x "$RSYSLOGD" ]; then
  echo "SKIP: rsyslogd not installed (Debian package rsyslog; scripts/deps.sh test)"
  exit 77
fi
command -v perl >/dev/null || { echo "SKIP: perl missing"; exit 77; }

RS="$TMP/rs"
mkdir -p "$RS"
OUT="$RS/out.log"
RS_PID=""
FW_PID=""
# (lib.bash's EXIT trap stops rsyslogd and the forwarder, bounded, when the test ends early)

write_rsyslog_conf() { # PORT
  cat > "$RS/rsyslog.conf" <<EOF
global(workDirectory="$RS")
module(load="imtcp")
template(name="raw" type="string" string="%rawmsg%\n")
ruleset(name="cap") {
  action(type="omfile" file="$OUT" template="raw" flushOnTXEnd="on" asyncWriting="off")
}
input(type="imtcp" address="127.0.0.1" port="$1" ruleset="cap")
EOF
}

listening() { # PORT: is something accepting on 127.0.0.1:PORT?
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# start_rsyslog PORT -> 0 when it listens. Otherwise it is stopped again and 1 returned:
# rsyslogd that cannot bind its port (taken by another socket that does not listen, e.g. a
# client connection's port or one in TIME_WAIT) logs "Could not create tcp listener" and
# runs on without listening; left behind, it kept this test (and ctest, whose output pipe
# it held) waiting forever.
start_rsyslog() {
  local errs
  write_rsyslog_conf "$1"
  rm -f "$RS/pid"
  touch "$RS/rsyslogd.err"
  errs=$(wc -c < "$RS/rsyslogd.err")
  "$RSYSLOGD" -n -f "$RS/rsyslog.conf" -i "$RS/pid" >>"$RS/rsyslogd.out" 2>>"$RS/rsyslogd.err" &
  RS_PID=$!
  for _ in $(seq 1 200); do
    if ! kill -0 "$RS_PID" 2>/dev/null; then wait "$RS_PID" 2>/dev/null || true; RS_PID=""; return 1; fi
    [ -s "$RS/pid" ] && listening "$1" && return 0
    tail -c +$((errs + 1)) "$RS/rsyslogd.err" | grep -q "Could not create tcp listener" && break
    sleep 0.05
  done
  stop_rsyslog   # the port is taken, or not listening after 10 s
  return 1
}

stop_rsyslog() {
  [ -n "$RS_PID" ] || return 0
  stop_pid "$RS_PID" 30 "rsyslogd (SIGTERM)" || true
  RS_PID=""
}

# a free port: try random ports until rsyslog binds one; below the ephemeral range
# (32768-60999), where the other tests' client connections and TIME_WAIT sockets are
PORT=""
for _ in $(seq 1 20); do
  p=$((20000 + RANDOM % 12000))
  listening "$p" && continue
  if start_rsyslog "$p"; then PORT=$p; break; fi
done
[ -n "$PORT" ] || { echo "FAIL - could not start rsyslogd on loopback"; cat "$RS/rsyslogd.err" >&2; exit 1; }
ok "rsyslogd listens on 127.0.0.1:$PORT"

cat > "$TMP/cfg.yaml" <<EOF
forward:
  poll_seconds: 0.2
  destinations:
    siem-events:
      type: syslog
      address: 127.0.0.1
      port: $PORT
      format: cef
      what: events
      batch: 150
      backoff_min_seconds: 0
      backoff_max_seconds: 1
      timeout_seconds: 5
    siem-alerts:
      type: syslog
      address: 127.0.0.1
      port: $PORT
      format: cef
      what: alerts
      backoff_min_seconds: 0
      backoff_max_seconds: 1
      timeout_seconds: 5
EOF
export EXOAUDIT_CONFIG="$TMP/cfg.yaml"

xa generate --records 9000 --seed 7 --out "$TMP/all.jsonl"
split -l 3000 -d "$TMP/all.jsonl" "$TMP/part."

status_json() { xa forward status --format json; }
lag_total() { status_json | jq '[.[].lag] | add'; }
failures_total() { status_json | jq '[.[].failures] | add'; }
wait_lag_zero() { # TIMEOUT_S
  local t=$(( $1 * 10 ))
  for _ in $(seq 1 "$t"); do
    [ "$(lag_total)" = 0 ] && return 0
    sleep 0.1
  done
  status_json >&2
  return 1
}

xa import "$TMP/part.00" >/dev/null 2>&1
"$EXOAUDIT" forward --poll 0.2 >"$TMP/forward.out" 2>"$TMP/forward.err" &  # the binary itself: $! must be its pid
FW_PID=$!
check "phase 1: everything delivered while rsyslog runs" wait_lag_zero 60

stop_rsyslog
ok "rsyslogd stopped mid-run"
xa import "$TMP/part.01" >/dev/null 2>&1
waited=0
for _ in $(seq 1 100); do
  [ "$(failures_total)" -gt 0 ] && break
  sleep 0.1
done
check "the forwarder saw the receiver down and keeps the messages" \
  test "$(failures_total)" -gt 0 -a "$(lag_total)" -gt 0
check "forward status names the error" bash -c "xa() { \"$EXOAUDIT\" \"\$@\"; }; xa forward status | grep -q 'cannot connect'"

start_rsyslog "$PORT" || { echo "FAIL - rsyslogd did not restart"; exit 1; }
ok "rsyslogd restarted on the same port"
check "phase 2: the spool drains after the restart" wait_lag_zero 60

xa import "$TMP/part.02" >/dev/null 2>&1
check "phase 3: new events and alerts follow" wait_lag_zero 60

fw_rc=0
stop_pid "$FW_PID" 60 "the forwarder (SIGTERM)" || fw_rc=$?
FW_PID=""
check "the forwarder stops cleanly on SIGTERM" eq "$fw_rc" 0
stop_rsyslog

# ---- exactly once ----
n_events=$(xa stats --format json | jq .events)
n_alerts=$(xa alerts list --status all --format json | jq -s 'length')
xa search --include-system --limit 0 --format json 2>/dev/null | jq -r '.record_id' | sort > "$TMP/want.events"
xa alerts list --status all --format json | jq -r '.uid' | sort > "$TMP/want.alerts"
check "the archive has events and alerts to compare" test "$n_events" -gt 1000 -a "$n_alerts" -gt 10

perl -ne 'print "$1\n" if /^<\d+>1 \S+ \S+ exoaudit - audit \[exoaudit\@32473 id="([^"]+)"/' "$OUT" | sort > "$TMP/got.events"
perl -ne 'print "$1\n" if /^<\d+>1 \S+ \S+ exoaudit - alert \[exoaudit\@32473 id="([^"]+)"/' "$OUT" | sort > "$TMP/got.alerts"
check "every line is an exoaudit message" eq "$(wc -l < "$OUT")" "$(( $(wc -l < "$TMP/got.events") + $(wc -l < "$TMP/got.alerts") ))"
check "no event arrived twice" eq "$(uniq -d "$TMP/got.events" | wc -l)" 0
check "no alert arrived twice" eq "$(uniq -d "$TMP/got.alerts" | wc -l)" 0
check "every event arrived ($n_events)" cmp -s "$TMP/want.events" "$TMP/got.events"
check "every alert arrived ($n_alerts)" cmp -s "$TMP/want.alerts" "$TMP/got.alerts"

# ---- the CEF fields parse (header: 7 |-separated fields with \| and \\ escapes;
# extension: key=value pairs with \= \\ \n \r escapes) ----
cat > "$TMP/cef.pl" <<'EOF'
use strict; use warnings;
my ($bad, $n) = (0, 0);
while (my $line = <>) {
  chomp $line;
  $n++;
  my ($sdid) = $line =~ / id="([^"]+)"/;
  my ($cef) = $line =~ /\] (CEF:.*)$/ or do { $bad++; print STDERR "no CEF: $line\n"; next };
  # split the header on unescaped pipes: 7 fields, then the extension
  my @f; my $cur = ''; my $i = 0; my $rest;
  while ($i < length $cef) {
    my $c = substr($cef, $i, 1);
    if ($c eq '\\') { $cur .= substr($cef, $i + 1, 1); $i += 2; next }
    if ($c eq '|' && @f < 7) { push @f, $cur; $cur = ''; $i++; if (@f == 7) { $rest = substr($cef, $i); last } next }
    $cur .= $c; $i++;
  }
  if (@f != 7 || $f[0] ne 'CEF:0' || $f[1] ne 'exoaudit' || $f[6] !~ /^(?:[0-9]|10)$/) {
    $bad++; print STDERR "bad header: $cef\n"; next;
  }
  # extension: keys are [A-Za-z0-9_.]+ followed by an unescaped '='
  my %ext; my @tok = split /(?<!\\) (?=[A-Za-z0-9_.]+=)/, $rest;
  for my $t (@tok) {
    my ($k, $v) = $t =~ /^([A-Za-z0-9_.]+)=(.*)$/s or do { $bad++; print STDERR "bad pair '$t'\n"; next };
    if ($v =~ /(?<!\\)=/ && $v !~ /\\\\=/) { $bad++; print STDERR "unescaped = in $k\n"; }
    $v =~ s/\\(.)/$1 eq 'n' ? "\n" : $1 eq 'r' ? "\r" : $1/ge;
    $ext{$k} = $v;
  }
  for my $k (qw(rt externalId cat cs1 cs1Label)) {
    unless (defined $ext{$k}) { $bad++; print STDERR "missing $k: $cef\n"; }
  }
  $bad++, print STDERR "externalId != SD id\n" if defined $ext{externalId} && $ext{externalId} ne $sdid;
  $bad++, print STDERR "rt not ms\n" if defined $ext{rt} && $ext{rt} !~ /^\d{13}$/;
}
print "$n $bad\n";
EOF
read -r n_parsed n_bad < <(perl "$TMP/cef.pl" "$OUT" 2>"$TMP/cef.err")
check "every CEF message parses ($n_parsed messages)" eq "$n_bad" 0
[ "$n_bad" = 0 ] || head -5 "$TMP/cef.err" >&2
check "parsed as many messages as were sent" eq "$n_parsed" "$(( n_events + n_alerts ))"
check "sent counters match" eq "$(status_json | jq '[.[].sent] | add')" "$(( n_events + n_alerts ))"
finish
