#!/usr/bin/env bash
# STS AssumeRoleWithWebIdentity calls per second through Lessor (`lessor server`, SQLite store,
# file audit log, aws engine) with moto's server as upstream STS, beside direct AssumeRole calls
# to the same moto in the same run, so the broker's own overhead shows as a ratio. Each call
# through Lessor verifies the token, decides, records a lease, calls moto's AssumeRole, and
# audits the grant. moto checks no signatures here (IAM checking off), so the direct calls carry
# a fixed SigV4-shaped header. Usage: bench/sts.sh [seconds-per-measurement] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-16}"

if ! command -v wrk >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
build_log=$(swift build -c release --scratch-path .build-bench --product lessor 2>&1) || {
    printf '%s\n' "$build_log" >&2
    exit 1
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/lessor-bench-sts.XXXXXX")
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {
    for _ in $(seq 1 600); do
        curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "$1 did not answer" >&2
    return 1
}

moto_port=$(free_port)
python3 -m moto.server -H 127.0.0.1 -p "$moto_port" >"$dir/moto.log" 2>&1 &
pids+=($!)
moto="http://127.0.0.1:$moto_port"
wait_for "$moto/moto-api/"

broker_port=$(free_port)
python3 bench/sts_setup.py "$dir" "$moto" "$broker_port"
.build-bench/release/lessor server --config "$dir/lessor.yaml" >"$dir/broker.log" 2>&1 &
pids+=($!)
broker="http://127.0.0.1:$broker_port"
wait_for "$broker/v1/ready" || { cat "$dir/broker.log" >&2; exit 1; }

day=$(date -u +%Y%m%d)
direct_authorization="AWS4-HMAC-SHA256 Credential=AKIABENCH/$day/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=$(printf '0%.0s' $(seq 1 64))"
load() {
    LESSOR_BENCH_BODY_FILE="$dir/$2" LESSOR_BENCH_CONTENT_TYPE="application/x-www-form-urlencoded; charset=utf-8" \
        LESSOR_BENCH_AUTHORIZATION="${3:-}" wrk -t2 -c"$connections" -d"$4" --latency -s bench/post.lua "$1"
}
# Warm both paths (connections, key caches, prepared statements) before measuring.
load "$broker/sts" assume-role-with-web-identity.form "" 2s >/dev/null
load "$moto/" assume-role.form "$direct_authorization" 2s >/dev/null
through=$(load "$broker/sts" assume-role-with-web-identity.form "" "${seconds}s")
direct=$(load "$moto/" assume-role.form "$direct_authorization" "${seconds}s")

rate() { awk '/^Requests\/sec:/ {print $2}' <<<"$1"; }
percentile() { awk -v p="$2" '$1 == p {print $2}' <<<"$1"; }
statuses() { grep -E '^(status|first error)' <<<"$1" | tr '\n' ' '; }

printf 'wrk -t2 -c%s -d%ss --latency, plain HTTP on loopback, load average %s\n\n' \
    "$connections" "$seconds" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| call | requests/s | p50 | p99 | statuses |\n'
printf '|---|---|---|---|---|\n'
printf '| Lessor AssumeRoleWithWebIdentity (-> moto AssumeRole) | %s | %s | %s | %s|\n' "$(rate "$through")" \
    "$(percentile "$through" 50%)" "$(percentile "$through" 99%)" "$(statuses "$through")"
printf '| moto AssumeRole, direct | %s | %s | %s | %s|\n' "$(rate "$direct")" "$(percentile "$direct" 50%)" \
    "$(percentile "$direct" 99%)" "$(statuses "$direct")"
printf '\nthrough Lessor / direct = %s\n' "$(awk -v a="$(rate "$through")" -v b="$(rate "$direct")" \
    'BEGIN { printf "%.2f", a / b }')"
printf 'grant records in the audit log (warm-up included): %s\n' "$(grep -c '"event":"grant"' "$dir"/data/audit/log/*.jsonl | awk -F: '{s += $NF} END {print s}')"
