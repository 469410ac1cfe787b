#!/usr/bin/env bash
# Run every libFuzzer target for a bounded time, starting from the seed corpus.
# Usage: scripts/fuzz.sh BUILD_DIR SECONDS
set -euo pipefail
dir=$(cd "${1:-build/fuzz}" && pwd); secs=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
status=0
for f in "$dir"/tests/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f"); short=${name#fuzz_}
  mkdir -p "$work/$short"
  [ -d "$root/tests/fuzz/corpus/$short" ] && cp -r "$root/tests/fuzz/corpus/$short/." "$work/$short/"
  echo "fuzz: $name for ${secs}s"
  if ! (cd "$work" && "$f" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -timeout=10 \
          -print_final_stats=0 "$work/$short" >"$work/$name.log" 2>&1); then
    echo "fuzz: $name FAILED"; tail -n 60 "$work/$name.log"; status=1
  else
    grep -E '^#[0-9]+.*(DONE|pulse)' "$work/$name.log" | tail -n 1 || true
  fi
done
[ $status -eq 0 ] && echo "fuzz: all targets ran clean"
exit $status
