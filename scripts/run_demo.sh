#!/usr/bin/env bash
# Fresh Debian 12 -> the main job: install, build, select the 10 most informative sentences of
# the project's sample pool with the shipped default model, printed as JSONL.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
ALSEL_BUILD_TESTS=OFF ./scripts/build.sh
./build/alsel select --pool data/sample_pool.jsonl --strategy ltp -k 10 --out -
