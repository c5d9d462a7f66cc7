#!/usr/bin/env bash
# Renders alsel's --format label-studio output in the real Label Studio frontend (the npm package
# @heartexlabs/label-studio, pinned below) in Debian's headless Chromium, and checks in the page
# that every highlighted region shows exactly the predicted span's text (value.text), on sentences
# with emoji, ZWJ sequences, astral CJK (U+20BB7), full-width text and flags before and between
# the entities.
#
#   label_studio_frontend_test.sh ALSEL_BINARY SOURCE_DIR WORK_DIR
#
# ALSEL_BINARY: the alsel executable. SOURCE_DIR: the repository root (models/, tests/clients/).
# WORK_DIR: scratch space; the npm tarball is cached in WORK_DIR/cache and reused.
# ALSEL_CLIENT_TEST_MODEL overrides the model (default: models/msra-bert3-crf.pt, the shipped
# default; it tags the names of astral_pool.jsonl after their astral text, as the BiLSTM-CRF does).
#
# Cases:
#   default   `alsel select --format label-studio` without --offset-unit: every region must
#             render on its predicted text, and at least 3 tasks must have astral text before an
#             entity (otherwise the negative case below proves nothing).
#   utf16     the same selection with --offset-unit utf16: the page must detect a shift on at
#             least one task (so this test can fail), and tasks without astral text before any
#             entity must still match (their offsets are the same in both units).
#
# Exit: 0 all assertions hold; 1 an assertion failed (a per-task diff is printed); 77 skipped
# (no chromium, node or npm, or the npm registry unreachable), with "SKIP: <why>".
set -euo pipefail

readonly kPackage="@heartexlabs/label-studio"
readonly kVersion="1.4.0"
# sha1 of heartexlabs-label-studio-1.4.0.tgz as the registry publishes it (npm pack's shasum).
readonly kTarballSha1="0e4bef06660d15516a86f754ac6a37d0c98f782f"

skip() {
  echo "SKIP: $*" >&2
  exit 77
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

if [ $# -ne 3 ]; then
  echo "usage: $0 ALSEL_BINARY SOURCE_DIR WORK_DIR" >&2
  exit 2
fi
alsel=$1
source_dir=$(cd "$2" && pwd)
work_dir=$3
here="$source_dir/tests/clients"
model=${ALSEL_CLIENT_TEST_MODEL:-$source_dir/models/msra-bert3-crf.pt}

[ -x "$alsel" ] || fail "alsel binary not found: $alsel"
[ -f "$model" ] || fail "model not found: $model"
chromium_bin=$(command -v chromium || command -v chromium-browser || true)
[ -n "$chromium_bin" ] || skip "chromium is not installed (Debian: apt-get install chromium fonts-wqy-zenhei)"
command -v node >/dev/null || skip "node is not installed (Debian: apt-get install nodejs)"
command -v npm >/dev/null || skip "npm is not installed (it gets the pinned $kPackage@$kVersion)"

mkdir -p "$work_dir/cache"
work_dir=$(cd "$work_dir" && pwd)
cache="$work_dir/cache/label-studio-$kVersion"
bundle_js="$cache/package/build/static/js/main.js"
bundle_css="$cache/package/build/static/css/main.css"

# The bundle alone: `npm pack` fetches the tarball without the dependency tree (a full
# `npm install` of 1.4.0 hangs for minutes), and the tarball carries the prebuilt build/.
if [ ! -f "$bundle_js" ] || [ ! -f "$bundle_css" ]; then
  staging=$(mktemp -d "$work_dir/cache/label-studio-$kVersion.XXXXXX")
  echo "fetching $kPackage@$kVersion with npm pack into $cache"
  if ! (cd "$staging" && timeout 180 npm pack --cache "$work_dir/cache/npm" \
          "$kPackage@$kVersion" >npm-pack.log 2>&1); then
    tail -5 "$staging/npm-pack.log" >&2 || true
    rm -rf "$staging"
    skip "npm pack $kPackage@$kVersion failed (registry unreachable?)"
  fi
  tarball="$staging/heartexlabs-label-studio-$kVersion.tgz"
  [ -f "$tarball" ] || fail "npm pack wrote no $tarball"
  sha1=$(sha1sum "$tarball" | cut -d' ' -f1)
  [ "$sha1" = "$kTarballSha1" ] || fail "$tarball has sha1 $sha1, expected $kTarballSha1"
  tar -xzf "$tarball" -C "$staging" package/build/static/js/main.js package/build/static/css/main.css \
      package/package.json
  rm -rf "$cache"
  mv "$staging" "$cache"
fi

run=$(mktemp -d "$work_dir/run.XXXXXX")
trap 'rm -rf "$run"' EXIT
pool="$here/astral_pool.jsonl"
tasks_in_pool=$(grep -c . "$pool")

select_tasks() {  # select_tasks OUT [--offset-unit UNIT]
  local out=$1
  shift
  if ! nice "$alsel" -q select -p "$pool" -k "$tasks_in_pool" --dedupe none --model "$model" \
         --format label-studio "$@" -o "$out" 2>"$out.log"; then
    cat "$out.log" >&2
    fail "alsel select --format label-studio $* failed"
  fi
}

# One page per case; the tasks and the bundle are plain <script> files, so file:// needs no fetch.
render() {  # render CASE TASKS_JSON: writes $run/CASE.dom.html
  local name=$1 tasks=$2
  local page="$run/$name.html"
  { printf 'window.ALSEL_TASKS = '; cat "$tasks"; printf ';\n'; } >"$run/$name.tasks.js"
  sed -e "s#@LS_CSS@#file://$bundle_css#" -e "s#@LS_JS@#file://$bundle_js#" \
      -e "s#@TASKS_JS@#file://$run/$name.tasks.js#" -e "s#@CHECK_JS@#file://$here/label_studio_check.js#" \
      "$here/label_studio_page.html" >"$page"
  local count
  count=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).length)' "$tasks")
  # Virtual time runs ahead while the page idles; each task may poll for up to 10 s of it.
  local budget=$((15000 * count + 10000))
  if ! timeout 300 nice "$chromium_bin" --headless --no-sandbox --disable-gpu --no-first-run \
         --user-data-dir="$run/$name.profile" --allow-file-access-from-files \
         --virtual-time-budget="$budget" --enable-logging=stderr --v=0 \
         --dump-dom "file://$page" >"$run/$name.dom.html" 2>"$run/$name.chromium.log"; then
    grep -v -e dbus -e 'Fontconfig' "$run/$name.chromium.log" | tail -20 >&2 || true
    fail "chromium --headless --dump-dom failed on the $name page"
  fi
}

start=$(date +%s)
select_tasks "$run/default.json"
select_tasks "$run/utf16.json" --offset-unit utf16
render default "$run/default.json"
render utf16 "$run/utf16.json"

status=0
node "$here/label_studio_verdict.mjs" \
    --default "$run/default.json" "$run/default.dom.html" "$run/default.chromium.log" \
    --utf16 "$run/utf16.json" "$run/utf16.dom.html" "$run/utf16.chromium.log" || status=$?
echo "label studio frontend test: $(($(date +%s) - start)) s with $kPackage@$kVersion, $("$chromium_bin" --version 2>/dev/null)"
if [ "$status" -ne 0 ]; then
  if [ -n "${ALSEL_CLIENT_TEST_KEEP:-}" ]; then
    mkdir -p "$ALSEL_CLIENT_TEST_KEEP" && cp -r "$run"/. "$ALSEL_CLIENT_TEST_KEEP"/
    echo "pages, tasks and DOM dumps kept in $ALSEL_CLIENT_TEST_KEEP" >&2
  fi
  exit 1
fi
