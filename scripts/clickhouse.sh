#!/usr/bin/env bash
# Private ClickHouse servers on loopback for the tests (no system service, no ZooKeeper).
#
#   scripts/clickhouse.sh start DIR single    one server
#   scripts/clickhouse.sh start DIR cluster   two servers, a two-shard cluster "xa_cluster"
#   scripts/clickhouse.sh stop DIR            stop the servers started in DIR (SIGTERM, then
#                                             SIGKILL after 15 s); always exits 0
#
# start writes everything (configs, data, logs, pid files) under DIR/n1, DIR/n2, picks free
# loopback ports at random (retrying when a bind fails), waits until every server answers
# /ping (at most XA_CH_START_TIMEOUT seconds, default 30) and prints shell assignments:
#   XA_CH_URLS=http://127.0.0.1:P1[,http://127.0.0.1:P2]   HTTP interface, one per node
#   XA_CH_TCP_PORTS="T1 [T2]"                               native protocol (clickhouse-client)
#   XA_CH_PIDS="pid1 [pid2]"
#   XA_CH_CLUSTER=xa_cluster                                empty for single
#   XA_CH_DIR=DIR
# With XA_CH_OWNER_PID=PID in the environment, start also leaves a watchdog that stops the
# servers once PID has exited (a test killed before its EXIT trap could run).
# Use: eval "$(scripts/clickhouse.sh start "$dir" cluster)". Works as root and as a normal
# user (the server runs as whoever starts it). The cluster has no ZooKeeper, so distributed
# DDL (CREATE ... ON CLUSTER) is not available: create the tables on each node.
set -euo pipefail

CLUSTER_NAME=xa_cluster
SELF="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"

die() { echo "clickhouse.sh: $*" >&2; exit 1; }

server_bin() {
  local b=${CLICKHOUSE_SERVER:-}
  [ -n "$b" ] || b=$(command -v clickhouse-server || true)
  [ -n "$b" ] || { [ -x /usr/sbin/clickhouse-server ] && b=/usr/sbin/clickhouse-server; }
  [ -n "$b" ] || die "clickhouse-server not found (Debian package clickhouse-server)"
  echo "$b"
}

# alive PID CONFIG: PID is a running (not zombie) clickhouse-server using CONFIG
alive() {
  local pid=$1 conf=$2 state
  [ -r "/proc/$pid/stat" ] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [ "$state" != Z ] || return 1
  tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--config-file=$conf"
}

port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }

write_users() { # FILE
  cat > "$1" <<'EOF'
<?xml version="1.0"?>
<yandex>
    <profiles>
        <default>
            <max_memory_usage>4000000000</max_memory_usage>
            <use_uncompressed_cache>0</use_uncompressed_cache>
            <load_balancing>random</load_balancing>
        </default>
    </profiles>
    <users>
        <default>
            <password></password>
            <networks>
                <ip>127.0.0.1</ip>
                <ip>::1</ip>
            </networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>
    </users>
    <quotas>
        <default>
            <interval>
                <duration>3600</duration>
                <queries>0</queries>
                <errors>0</errors>
                <result_rows>0</result_rows>
                <read_rows>0</read_rows>
                <execution_time>0</execution_time>
            </interval>
        </default>
    </quotas>
</yandex>
EOF
}

write_config() { # NODEDIR HTTP TCP INTERSERVER REMOTE_SERVERS_XML
  local d=$1
  cat > "$d/config.xml" <<EOF
<?xml version="1.0"?>
<yandex>
    <logger>
        <level>information</level>
        <log>$d/server.log</log>
        <errorlog>$d/server.err.log</errorlog>
        <size>100M</size>
        <count>2</count>
    </logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>$2</http_port>
    <tcp_port>$3</tcp_port>
    <interserver_http_host>127.0.0.1</interserver_http_host>
    <interserver_http_port>$4</interserver_http_port>
    <max_connections>1024</max_connections>
    <keep_alive_timeout>3</keep_alive_timeout>
    <max_concurrent_queries>100</max_concurrent_queries>
    <uncompressed_cache_size>268435456</uncompressed_cache_size>
    <mark_cache_size>268435456</mark_cache_size>
    <path>$d/data/</path>
    <tmp_path>$d/tmp/</tmp_path>
    <user_files_path>$d/user_files/</user_files_path>
    <format_schema_path>$d/format_schemas/</format_schema_path>
    <users_config>$d/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <timezone>UTC</timezone>
    <umask>022</umask>
    <mlock_executable>false</mlock_executable>
$5
    <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
    <max_session_timeout>3600</max_session_timeout>
    <default_session_timeout>60</default_session_timeout>
</yandex>
EOF
}

stop_servers() { # DIR
  local dir=$1 f pid conf pids=() confs=() i
  for f in "$dir"/n*/pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f" 2>/dev/null || true)
    conf=$(dirname "$f")/config.xml
    rm -f "$f"
    [[ "$pid" =~ ^[0-9]+$ ]] || continue
    alive "$pid" "$conf" || continue
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid"); confs+=("$conf")
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  for _ in $(seq 1 150); do
    local left=0
    for i in "${!pids[@]}"; do alive "${pids[$i]}" "${confs[$i]}" && left=1; done
    [ "$left" = 0 ] && return 0
    sleep 0.1
  done
  for i in "${!pids[@]}"; do
    if alive "${pids[$i]}" "${confs[$i]}"; then
      echo "clickhouse.sh: server ${pids[$i]} ignored SIGTERM, killing it" >&2
      kill -KILL "${pids[$i]}" 2>/dev/null || true
    fi
  done
  return 0
}

start_servers() { # DIR single|cluster
  local dir=$1 mode=$2 n bin i base ok
  case "$mode" in single) n=1 ;; cluster) n=2 ;; *) die "mode must be single or cluster" ;; esac
  bin=$(server_bin)
  command -v curl >/dev/null || die "curl not found"
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  local timeout=${XA_CH_START_TIMEOUT:-30}
  for _ in 1 2 3 4 5 6 7 8; do
    # three consecutive ports per node, below the kernel's ephemeral range (32768-60999)
    local http=() tcp=() inter=()
    base=$((10000 + (RANDOM % 2200) * 10))
    ok=1
    for ((i = 0; i < n * 3; i++)); do port_free $((base + i)) || ok=0; done
    [ "$ok" = 1 ] || continue
    for ((i = 0; i < n; i++)); do
      http+=($((base + 3 * i))); tcp+=($((base + 3 * i + 1))); inter+=($((base + 3 * i + 2)))
    done
    local remote=""
    if [ "$mode" = cluster ]; then
      remote="    <remote_servers>
        <$CLUSTER_NAME>"
      for ((i = 0; i < n; i++)); do
        remote+="
            <shard><replica><host>127.0.0.1</host><port>${tcp[$i]}</port></replica></shard>"
      done
      remote+="
        </$CLUSTER_NAME>
    </remote_servers>"
    fi
    local pids=() d
    for ((i = 0; i < n; i++)); do
      d="$dir/n$((i + 1))"
      mkdir -p "$d/data" "$d/tmp" "$d/user_files" "$d/format_schemas"
      rm -f "$d/server.log" "$d/server.err.log"
      write_users "$d/users.xml"
      write_config "$d" "${http[$i]}" "${tcp[$i]}" "${inter[$i]}" "$remote"
      # no --daemon: the server stays in the foreground of this background job; stdout and
      # stderr go to files so that a caller's $( ) does not wait for them
      ( cd "$d" && exec "$bin" --config-file="$d/config.xml" ) >"$d/stdout.log" 2>&1 </dev/null &
      pids+=($!)
      echo "${pids[$i]}" > "$d/pid"
    done
    # wait for every /ping, bounded
    local t0 ready=() bindfail=0 dead=""
    t0=$(date +%s%N)
    while :; do
      local all=1
      for ((i = 0; i < n; i++)); do
        [ "${ready[$i]:-0}" = 1 ] && continue
        d="$dir/n$((i + 1))"
        if [ "$(curl -s --max-time 1 "http://127.0.0.1:${http[$i]}/ping" 2>/dev/null)" = "Ok." ]; then
          ready[i]=1; continue
        fi
        all=0
        if ! alive "${pids[$i]}" "$d/config.xml"; then
          dead=$d
          grep -qiE 'Address already in use|Cannot bind|bind.*failed' \
            "$d/server.err.log" "$d/stdout.log" 2>/dev/null && bindfail=1
          break
        fi
      done
      [ "$all" = 1 ] && [ -z "$dead" ] && break
      [ -z "$dead" ] || break
      if [ $((($(date +%s%N) - t0) / 1000000000)) -ge "$timeout" ]; then dead=timeout; break; fi
      sleep 0.1
    done
    if [ -z "$dead" ]; then
      if [[ "${XA_CH_OWNER_PID:-}" =~ ^[0-9]+$ ]]; then
        # watchdog: stop the servers when the owner dies without stopping them (SIGKILL,
        # a test timeout), so that no server outlives its test
        # shellcheck disable=SC2016  # the inner script expands its own arguments
        nohup bash -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; exec bash "$2" stop "$3"' \
          xa-ch-watchdog "$XA_CH_OWNER_PID" "$SELF" "$dir" >/dev/null 2>&1 </dev/null &
      fi
      local urls=""
      for ((i = 0; i < n; i++)); do urls+="${urls:+,}http://127.0.0.1:${http[$i]}"; done
      echo "XA_CH_URLS=$urls"
      echo "XA_CH_TCP_PORTS=\"${tcp[*]}\""
      echo "XA_CH_PIDS=\"${pids[*]}\""
      if [ "$mode" = cluster ]; then echo "XA_CH_CLUSTER=$CLUSTER_NAME"; else echo "XA_CH_CLUSTER="; fi
      printf 'XA_CH_DIR=%q\n' "$dir"
      return 0
    fi
    stop_servers "$dir"
    if [ "$bindfail" = 1 ]; then
      echo "clickhouse.sh: port collision (base $base), retrying with other ports" >&2
      continue
    fi
    echo "clickhouse.sh: a server did not start ($dead); log tails:" >&2
    for ((i = 0; i < n; i++)); do
      d="$dir/n$((i + 1))"
      for f in "$d/server.err.log" "$d/stdout.log"; do
        [ -s "$f" ] && { echo "--- $f" >&2; tail -n 20 "$f" >&2; }
      done
    done
    exit 1
  done
  die "no free ports found after 8 attempts"
}

case "${1:-}" in
  start) [ $# -eq 3 ] || die "usage: $0 start DIR single|cluster"; start_servers "$2" "$3" ;;
  stop)  [ $# -eq 2 ] || die "usage: $0 stop DIR"; stop_servers "$2" || true ;;
  *) echo "usage: $0 start DIR single|cluster | stop DIR" >&2; exit 2 ;;
esac
