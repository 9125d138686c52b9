#!/usr/bin/env bash
# Offboarding a tenant of 100,000 active leases on a real broker, on SQLite and on a throwaway
# PostgreSQL cluster (scripts/postgres-test.sh, stopped on exit). Usage: bench/offboard.sh [leases]
set -euo pipefail
cd "$(dirname "$0")/.."
leases="${1:-100000}"

build_log=$(swift build -c release --scratch-path .build-bench --product lessor-bench 2>&1) || {
    printf '%s\n' "$build_log" >&2
    exit 1
}

export LESSOR_PG_STATE_DIR
LESSOR_PG_STATE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/lessor-bench-pg.XXXXXX")
trap 'scripts/postgres-test.sh stop; rm -rf "$LESSOR_PG_STATE_DIR"' EXIT
LESSOR_BENCH_POSTGRES_URL=$(scripts/postgres-test.sh start)
export LESSOR_BENCH_POSTGRES_URL

.build-bench/release/lessor-bench offboard --leases "$leases"
