#!/usr/bin/env bash
# Install the Debian packages exoaudit needs to build, test and demo, only those missing.
# Usage: scripts/deps.sh [build|test|demo|bench]   (default: build)
set -euo pipefail
what=${1:-build}
pkgs=(build-essential cmake pkg-config libcjson-dev libsqlite3-dev libyaml-dev libzstd-dev
      zlib1g-dev libssl-dev libcurl4-openssl-dev libmicrohttpd-dev libexpat1-dev libevtx-dev libbfio-dev)
case "$what" in
  test) pkgs+=(libcmocka-dev clang libclang-rt-14-dev jq sqlite3 zstd gzip time chromium rsyslog curl
              clickhouse-server clickhouse-client) ;;
  demo) pkgs+=(jq) ;;
  bench) pkgs+=(jq sqlite3 time bc curl clickhouse-server clickhouse-client) ;;
esac
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "exoaudit: installing Debian packages: ${missing[*]}" >&2
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
