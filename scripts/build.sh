#!/usr/bin/env bash
# Configures and builds alsel in build/ (Release, tests on unless ALSEL_BUILD_TESTS=OFF).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DALSEL_BUILD_TESTS="${ALSEL_BUILD_TESTS:-ON}" >/dev/null
cmake --build build -j"${ALSEL_JOBS:-2}"
