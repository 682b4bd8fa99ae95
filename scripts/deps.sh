#!/usr/bin/env bash
# Installs Bakeoff's build and test dependencies: Debian 12 packages only.
set -euo pipefail
PKGS=(build-essential cmake pkg-config git
      nlohmann-json3-dev libcpp-httplib-dev libcli11-dev libfmt-dev libssl-dev
      libgtest-dev libgmock-dev libbenchmark-dev
      python3 python3-jinja2 chromium)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
