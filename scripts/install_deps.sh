#!/usr/bin/env bash
# Installs everything alsel needs to build, test and train on Debian 12.
# Idempotent: packages already present are skipped by apt. Used by both README commands.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config ccache
  libtorch-dev
  libopenblas0-pthread
  nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  libsqlite3-dev libicu-dev
  clang libclang-rt-14-dev
  python3-torch python3-numpy python3-matplotlib python3-jieba python3-pytest
  # tests/clients: the Label Studio frontend in headless Chromium, with a CJK font
  chromium fonts-wqy-zenhei
  # packaging: the man page (help2man), dpkg-shlibdeps for the .deb's Depends (dpkg-dev), completion
  help2man dpkg-dev bash-completion
  # tests/slurm/run_slurm_test.sh: a one-node Slurm cluster
  slurm-wlm munge
)
# tests/k8s/run_k8s_check.sh needs node and npm: Debian's packages unless a node with its own npm
# (e.g. another vendor's nodejs package) is installed already.
if ! command -v npm >/dev/null 2>&1; then packages+=(nodejs npm); fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
