#!/usr/bin/env bash
# Runs every check: installs what is missing, lints formatting, builds, and runs the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh

echo "== swift format lint"
swift format lint --strict --recursive --parallel Package.swift Sources Tests bench

echo "== build"
swift build --build-tests

echo "== test"
swift test --skip-build
