#!/usr/bin/env bash
# Fresh Debian 12 -> every test: install, build with tests, run ctest (unit, end-to-end through
# the real binary, tokenizer parity and MSRA smoke tests; the last two skip without ../shared).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
ALSEL_BUILD_TESTS=ON ./scripts/build.sh
cd build
ctest --output-on-failure -j"${ALSEL_JOBS:-2}" --timeout 900
