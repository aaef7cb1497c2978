#!/usr/bin/env bash
# Installs the Debian 12 packages sharc needs to build, test and run, skipping those already
# present. Sourced by demo.sh and test.sh; runs apt-get only when something is missing.
sharc_install_deps() {
  local packages=(
    cmake ninja-build g++ pkg-config git
    libboost-dev libhwloc-dev hwloc prometheus-cpp-dev nlohmann-json3-dev libsqlite3-dev
    libssl-dev libcli11-dev libgtest-dev libgmock-dev libbenchmark-dev
    prometheus iproute2 procps curl python3 openssl
  )
  local missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    return 0
  fi
  echo "==> installing: ${missing[*]}"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}
