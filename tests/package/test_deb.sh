#!/usr/bin/env bash
# Builds the Debian package (cpack -G DEB in BUILD_DIR), checks its Depends and contents, and,
# as root, installs it with dpkg -i, runs /usr/bin/alsel from a scratch directory with the
# packaged default model (check_installed.sh), then removes it with dpkg -r, also on failure.
# A machine that already has an alsel package installed is left alone (the test refuses).
#
#   tests/package/test_deb.sh [BUILD_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build_dir=$(cd "${1:-$source_dir/build}" && pwd)
started=$SECONDS
fail() { printf 'test_deb: FAILED: %s\n' "$*" >&2; exit 1; }

rm -f "$build_dir"/alsel_*.deb
(cd "$build_dir" && cpack -G DEB >"$build_dir/cpack.log" 2>&1) || { cat "$build_dir/cpack.log" >&2; fail "cpack"; }
deb=$(ls "$build_dir"/alsel_*.deb)
depends=$(dpkg-deb -f "$deb" Depends)
echo "test_deb: $(basename "$deb") ($(du -h "$deb" | cut -f1)), built in $((SECONDS - started)) s; Depends: $depends"
for library in libtorch libsqlite3 libopenblas libstdc++6 libc6; do
  [[ "$depends" == *"$library"* ]] || fail "Depends lacks $library"
done
contents=$(dpkg-deb -c "$deb")
for path in ./usr/bin/alsel ./usr/share/alsel/models/msra-bert3-crf.pt ./usr/share/doc/alsel/README.md \
  ./usr/share/bash-completion/completions/alsel ./usr/share/doc/alsel/examples/sample_pool.jsonl; do
  grep -q " $path\$" <<<"$contents" || fail "the package lacks $path"
done

if [ "$(id -u)" -ne 0 ]; then
  echo "test_deb: SKIPPED dpkg -i (needs root); the package was built and inspected"
  exit 0
fi
if dpkg-query -W -f='${Status}' alsel 2>/dev/null | grep -q "install ok installed"; then
  fail "an alsel package is installed on this machine already: not replacing it (dpkg -r alsel first)"
fi
trap 'dpkg -r alsel >/dev/null 2>&1 || true' EXIT
dpkg -i "$deb" >"$build_dir/dpkg-i.log" 2>&1 || { cat "$build_dir/dpkg-i.log" >&2; fail "dpkg -i"; }
[ "$(command -v alsel)" = /usr/bin/alsel ] || fail "alsel on PATH is $(command -v alsel), not /usr/bin/alsel"
"$here/check_installed.sh" /usr
dpkg -r alsel >/dev/null
[ ! -e /usr/bin/alsel ] || fail "/usr/bin/alsel is still there after dpkg -r"
trap - EXIT
echo "test_deb: ok: installed, ran and removed in $((SECONDS - started)) s"
