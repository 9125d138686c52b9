#!/usr/bin/env bash
# SQLite store start-up time (open + one lease lookup) and peak memory, each in a fresh child
# process, with 0, 100,000 and 1,000,000 leases in the store. Usage: bench/startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"

build_log=$(swift build -c release --scratch-path .build-bench --product lessor-bench 2>&1) || {
    printf '%s\n' "$build_log" >&2
    exit 1
}
.build-bench/release/lessor-bench startup --leases 100000,1000000 --runs "$runs"
