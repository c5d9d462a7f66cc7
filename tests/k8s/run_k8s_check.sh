#!/usr/bin/env bash
# Validates the Kubernetes manifests of docs/distributed.md offline (validate_manifests.mjs):
# installs the pinned checker packages (package-lock.json) once into BUILD_DIR/k8s-check with
# `npm ci`, runs the checker's self-test (it must catch a typo and a bad value), then the page.
#
#   tests/k8s/run_k8s_check.sh [BUILD_DIR]      # needs node and npm (Debian: nodejs, npm)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source_dir=$(cd "$here/../.." && pwd)
build_dir=$(cd "${1:-$source_dir/build}" && pwd)
work=$build_dir/k8s-check
mkdir -p "$work"
if ! cmp -s "$here/package-lock.json" "$work/package-lock.json" || [ ! -d "$work/node_modules" ]; then
  cp "$here/package.json" "$here/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi
cp "$here/validate_manifests.mjs" "$work/"
node "$work/validate_manifests.mjs" --self-test
node "$work/validate_manifests.mjs" "$source_dir/docs/distributed.md"
