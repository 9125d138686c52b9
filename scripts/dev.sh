#!/usr/bin/env bash
# Builds Lessor and starts a development broker (embedded store, built-in issuer, development TLS).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh
swift build --product lessor
exec .build/debug/lessor dev "$@"
