#!/usr/bin/env bash
# Fresh Debian 12 -> every test: install, build with tests, run ctest (unit, end-to-end through
# the real binary, tokenizer parity and MSRA smoke tests; the last two skip without ../shared),
# the package, Kubernetes and Slurm checks (tests/package, tests/k8s, tests/slurm), the Python
# tests (pytest, scripts/tests/), then the sanitizer build of the unit tests and a
# short run of every fuzz target (scripts/run_sanitizers.sh; ALSEL_SKIP_SANITIZERS=1 skips it).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install_deps.sh
ALSEL_BUILD_TESTS=ON ./scripts/build.sh
(cd build && ctest --output-on-failure -j"${ALSEL_JOBS:-2}" --timeout 900)
# Installable and operable (issue 17): the Debian package installed, run and removed with dpkg
# (root only), the Kubernetes manifests of docs/distributed.md against their schema, and its
# Slurm recipe on a one-node Slurm cluster (root only; about a minute).
tests/package/test_deb.sh build
tests/k8s/run_k8s_check.sh build
tests/slurm/run_slurm_test.sh build
/usr/bin/python3 -m pytest -q scripts/tests
if [ "${ALSEL_SKIP_SANITIZERS:-0}" != 1 ]; then
  ./scripts/run_sanitizers.sh
fi
