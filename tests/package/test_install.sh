#!/usr/bin/env bash
# `cmake --install BUILD --prefix TMP` gives a working alsel outside the source tree; the
# prefix can then be moved (the model is found relative to the binary, not at a compiled-in
# path), and the installed binary holds no path of the build or source tree.
#
#   tests/package/test_install.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build_dir=$(cd "${1:-$source_dir/build}" && pwd)
tmp=$(mktemp -d /tmp/alsel-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

cmake --install "$build_dir" --prefix "$tmp/prefix" >"$tmp/install.log"
"$here/check_installed.sh" "$tmp/prefix"
mv "$tmp/prefix" "$tmp/moved"
"$here/check_installed.sh" "$tmp/moved"
if grep -q -F -- "$source_dir/models" "$tmp/moved/bin/alsel"; then
  echo "test_install: FAILED: the installed binary contains the source path $source_dir/models" >&2
  exit 1
fi
echo "test_install: ok"
