#!/usr/bin/env bash
# Checks an installed alsel from a scratch directory outside any checkout, with no ALSEL_MODEL:
# it must find its packaged default model beside its bin/ directory, say so in `alsel info`,
# and select from the packaged sample pool. Used by test_install.sh and test_deb.sh.
#
#   tests/package/check_installed.sh PREFIX      # PREFIX/bin/alsel, PREFIX/share/...
set -euo pipefail
prefix=$1
alsel=$prefix/bin/alsel
models=$prefix/share/alsel/models
pool=$prefix/share/doc/alsel/examples/sample_pool.jsonl
fail() { printf 'check_installed: FAILED: %s\n' "$*" >&2; exit 1; }

[ -x "$alsel" ] || fail "no executable $alsel"
[ -f "$models/msra-bert3-crf.pt" ] || fail "no default model in $models"
[ -f "$pool" ] || fail "no sample pool at $pool"
[ -f "$prefix/share/bash-completion/completions/alsel" ] || fail "no bash completion"
[ -f "$prefix/share/doc/alsel/README.md" ] || fail "no README in share/doc/alsel"
[ -f "$prefix/share/doc/alsel/examples/nightly.toml" ] || fail "no example config"
[ -x "$prefix/share/alsel/scripts/nightly_select.sh" ] || fail "no nightly_select.sh"
if command -v help2man >/dev/null; then
  [ -f "$prefix/share/man/man1/alsel.1" ] || fail "no man page (help2man is installed)"
  grep -q -F -- '\-\-log\-format' "$prefix/share/man/man1/alsel.1" || fail "the man page lacks the global options"
fi

# Bash completion: subcommands, then a subcommand's options read from its --help.
if [ -f /usr/share/bash-completion/bash_completion ]; then
  complete_words() {  # complete_words WORD... : what the completion offers for the last word
    bash -c 'source /usr/share/bash-completion/bash_completion
      source "$0"
      COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
      _alsel; printf "%s\n" "${COMPREPLY[@]}"' "$prefix/share/bash-completion/completions/alsel" "$@"
  }
  [ "$(complete_words "$alsel" sel)" = select ] || fail "bash completion of 'sel': $(complete_words "$alsel" sel)"
  complete_words "$alsel" select --near | grep -qx -- --near-threshold ||
    fail "bash completion of 'select --near': $(complete_words "$alsel" select --near)"
fi

scratch=$(mktemp -d /tmp/alsel-installed.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
info=$(env -u ALSEL_MODEL "$alsel" info --json)
expected_model=$(cd "$models" && pwd -P)/msra-bert3-crf.pt
printf '%s\n' "$info" | /usr/bin/python3 -c '
import json, os, sys
info = json.load(sys.stdin)
expected = sys.argv[1]
assert os.path.realpath(info["path"]) == expected, f"model {info['path']}, expected {expected}"
assert info["path_source"].startswith("installed: "), f"found by {info['path_source']!r}"
assert info["name"], "no model name"
' "$expected_model" || fail "alsel info: $info"

env -u ALSEL_MODEL "$alsel" select -p "$pool" -k 5 -o batch.jsonl --progress none 2>select.log ||
  fail "alsel select exited $?: $(cat select.log)"
/usr/bin/python3 - "$pool" batch.jsonl <<'PY' || fail "batch.jsonl is not 5 sentences of the pool"
import json, sys
pool = {json.loads(l)["id"]: json.loads(l)["text"] for l in open(sys.argv[1], encoding="utf-8") if l.strip()}
batch = [json.loads(l) for l in open(sys.argv[2], encoding="utf-8")]
assert len(batch) == 5, len(batch)
for record in batch:
    assert pool[record["id"]] == record["text"], record["id"]
scores = [record["score"] for record in batch]
assert scores == sorted(scores, reverse=True), scores
PY
manifest_model=$(/usr/bin/python3 -c 'import json; print(json.load(open("batch.jsonl.manifest.json"))["model"]["path"])')
[ "$(realpath "$manifest_model")" = "$expected_model" ] || fail "manifest model $manifest_model"
printf 'check_installed: ok: %s found %s (installed layout) and selected 5 of the sample pool\n' "$alsel" \
  "$expected_model"
