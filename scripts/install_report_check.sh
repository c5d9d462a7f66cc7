#!/usr/bin/env bash
# Optional: installs Debian's headless Chromium (and CJK / emoji fonts) so that
# scripts/check_report_render.sh and its ctest can screenshot the HTML report. Nothing else
# needs it; the README's two commands do not call this script. Idempotent.
set -euo pipefail

packages=(chromium fonts-noto-cjk fonts-noto-color-emoji fonts-dejavu-core)

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
