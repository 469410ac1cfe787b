#!/usr/bin/env bash
# The command line contract: --help everywhere, --version, exit codes, configuration.
. "$(dirname "$0")/lib.bash"
check "--version" bash -c "'$EXOAUDIT' --version | grep -q '^exoaudit [0-9]'"
for c in import search show quarantine generate stats; do
  check "$c --help" bash -c "'$EXOAUDIT' $c --help | grep -q usage"
done
code() { set +e; "$@" > /dev/null 2>&1; echo $?; set -e; }
check "unknown command exits 2" eq "$(code xa frobnicate)" 2
check "unknown option exits 2" eq "$(code xa search --frobnicate)" 2
check "bad time exits 2" eq "$(code xa search --since yesterday-ish)" 2
check "bad logon type exits 2" eq "$(code xa search --logon-type boss)" 2
check "search without archive exits 1" eq "$(code xa search)" 1
# configuration: the example documents every key and loads
ex="${XA_TESTS_DIR}/../etc/exoaudit.yaml.example"
sed "s|/var/lib/exoaudit/archive.db|$TMP/cfg.db|" "$ex" > "$TMP/ok.yaml"
xa generate --records 20 > "$TMP/g.jsonl"
unset EXOAUDIT_DB
check "example config works" bash -c "'$EXOAUDIT' --config '$TMP/ok.yaml' import --no-progress '$TMP/g.jsonl' >/dev/null 2>&1 && [ -f '$TMP/cfg.db' ]"
printf 'archive:\n  paht: x\n' > "$TMP/typo.yaml"
check "unknown config key exits 2" eq "$(code xa --config "$TMP/typo.yaml" stats)" 2
check "unknown config key is named" bash -c "'$EXOAUDIT' --config '$TMP/typo.yaml' stats 2>&1 | grep -q \"unknown setting 'archive.paht'\""
printf 'archive: [\n' > "$TMP/bad.yaml"
check "broken YAML exits 2" eq "$(code xa --config "$TMP/bad.yaml" stats)" 2
# --db beats EXOAUDIT_DB beats config
export EXOAUDIT_DB="$TMP/env.db"
xa --db "$TMP/opt.db" import --no-progress "$TMP/g.jsonl" > /dev/null 2>&1 || true
check "--db wins over EXOAUDIT_DB" bash -c "[ -f '$TMP/opt.db' ] && [ ! -f '$TMP/env.db' ]"
finish
