#!/usr/bin/env bash
# Runs every check: installs what is missing, lints formatting, builds, and runs the whole test suite
# (against a throwaway PostgreSQL started by scripts/postgres-test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh
# Test-only Python tools in .venv, first on PATH: the AWS engine's tests run moto's server as
# upstream AWS, drive boto3 and the aws CLI, and cross-check SigV4 with botocore; the metrics test
# parses /metrics with prometheus_client.
source scripts/python-env.sh
python_env boto3 awscli 'moto[server]' prometheus-client

echo "== deploy/: kustomize overlays, Kubernetes schemas, systemd unit"
scripts/validate-deploy.sh

echo "== swift format lint"
swift format lint --strict --recursive --parallel Package.swift Sources Tests bench

echo "== build"
swift build --build-tests

echo "== deploy/: each overlay's lessor.yaml and policies, checked by the built binary"
scripts/validate-deploy.sh --config-only --lessor .build/debug/lessor

echo "== test"
# A throwaway PostgreSQL for the store tests, stopped and deleted however the tests end.
LESSOR_PG_STATE_DIR="$(mktemp -d)"
export LESSOR_PG_STATE_DIR
trap 'scripts/postgres-test.sh stop' EXIT
LESSOR_TEST_POSTGRES_URL="$(scripts/postgres-test.sh start)"
export LESSOR_TEST_POSTGRES_URL
swift test --skip-build
