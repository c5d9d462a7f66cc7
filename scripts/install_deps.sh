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
  nodejs chromium fonts-wqy-zenhei
)

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
