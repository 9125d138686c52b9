#!/usr/bin/env bash
# Installs the system packages Lessor builds and tests against. Idempotent: does nothing when they
# are already present.
set -euo pipefail

packages=(libssl-dev libcurl4-openssl-dev libsodium-dev libsqlite3-dev pkg-config openssl)
missing=()
for package in "${packages[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"
fi
command -v swift >/dev/null || { echo "swift 6.2 or newer must be on PATH" >&2; exit 1; }
