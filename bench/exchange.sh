#!/usr/bin/env bash
# Token exchanges per second and their p50/p99 latency with 64 concurrent keep-alive HTTPS clients
# on loopback, beside the same server's `GET /v1/health` throughput (its HTTP ceiling), in one run.
# The broker is `lessor dev` (SQLite store, file audit log with group commit, token engine) in a
# temporary data directory. Beside each rate it prints the broker's CPU (from /proc: cores busy
# during the run, and CPU milliseconds per request). Usage: bench/exchange.sh [seconds-per-measurement]
# LESSOR_BENCH_BINARY=path runs that lessor binary instead of building this tree (for before/after
# runs from one checkout).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections=64

if ! command -v wrk >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi
lessor="${LESSOR_BENCH_BINARY:-}"
if [ -z "$lessor" ]; then
    build_log=$(swift build -c release --scratch-path .build-bench --product lessor 2>&1) || {
        printf '%s\n' "$build_log" >&2
        exit 1
    }
    lessor=.build-bench/release/lessor
fi

data_dir=$(mktemp -d "${TMPDIR:-/tmp}/lessor-bench-exchange.XXXXXX")
broker_pid=""
cleanup() {
    if [ -n "$broker_pid" ] && kill -0 "$broker_pid" 2>/dev/null; then
        kill -TERM "$broker_pid" 2>/dev/null || true
        wait "$broker_pid" 2>/dev/null || true
    fi
    rm -rf "$data_dir"
}
trap cleanup EXIT

# Tenant acme's example class allows 20 requests/s and 500 live leases: the benchmark measures the
# exchange path (its quota checks included) on a copy of the example policies with both raised.
cp -r policies "$data_dir/bench-policies"
sed -i -e 's/rate_limit: {requests_per_second: 20, burst: 40}/rate_limit: {requests_per_second: 1000000, burst: 1000000}/' \
    -e 's/max_leases: 500$/max_leases: 10000000/' "$data_dir/bench-policies/classes.yaml"
grep -q 'max_leases: 10000000' "$data_dir/bench-policies/classes.yaml" || { echo "classes.yaml changed" >&2; exit 1; }

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$lessor" dev --port "$port" --data-dir "$data_dir" --policies "$data_dir/bench-policies" >"$data_dir/broker.log" 2>&1 &
broker_pid=$!
for _ in $(seq 1 600); do
    grep -q "Offboard tenant" "$data_dir/broker.log" && break
    kill -0 "$broker_pid" 2>/dev/null || { cat "$data_dir/broker.log" >&2; exit 1; }
    sleep 0.1
done
grep -q "Offboard tenant" "$data_dir/broker.log" || { echo "the broker did not get ready" >&2; exit 1; }

address="https://127.0.0.1:$port"
# A few requests first, so both endpoints start warm (connections, key caches, prepared statements).
LESSOR_BENCH_TOKEN_FILE="$data_dir/token" wrk -t2 -c"$connections" -d2s -s bench/post.lua \
    "$address/v1/creds/token/audiences/app" >/dev/null
# The broker's user + system CPU ticks (/proc/PID/stat fields 14 and 15) and the time, in seconds.
cpu_mark() { echo "$(awk '{print $14 + $15}' "/proc/$broker_pid/stat") $(date +%s.%N)"; }
ticks=$(getconf CLK_TCK)
# cores busy between two marks, and CPU milliseconds per request at a rate of $3 requests/s
cpu_use() {
    awk -v a="$1" -v b="$2" -v rate="$3" -v hz="$ticks" 'BEGIN {
        split(a, x, " "); split(b, y, " ")
        cores = (y[1] - x[1]) / hz / (y[2] - x[2])
        printf "%.2f cores, %.3f ms/request", cores, (rate > 0 ? cores * 1000 / rate : 0)
    }'
}
mark0=$(cpu_mark)
health=$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "$address/v1/health")
mark1=$(cpu_mark)
exchange=$(LESSOR_BENCH_TOKEN_FILE="$data_dir/token" wrk -t2 -c"$connections" -d"${seconds}s" --latency \
    -s bench/post.lua "$address/v1/creds/token/audiences/app")
mark2=$(cpu_mark)

kill -TERM "$broker_pid"
wait "$broker_pid" || true
broker_pid=""

rate() { awk '/^Requests\/sec:/ {print $2}' <<<"$1"; }
percentile() { awk -v p="$2" '$1 == p {print $2}' <<<"$1"; }
errors() {
    local non2xx socket
    non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $NF}' <<<"$1")
    socket=$(awk -F'[ ,]+' '/Socket errors:/ {print $4 + $6 + $8 + $10}' <<<"$1")
    echo "${non2xx:-0} non-2xx, ${socket:-0} socket errors"
}

printf 'wrk -t2 -c%s -d%ss --latency, HTTPS keep-alive on loopback, load average %s\n\n' \
    "$connections" "$seconds" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| endpoint | requests/s | p50 | p99 | broker CPU | errors |\n'
printf '|---|---|---|---|---|---|\n'
printf '| POST /v1/creds/token/audiences/app | %s | %s | %s | %s | %s |\n' "$(rate "$exchange")" \
    "$(percentile "$exchange" 50%)" "$(percentile "$exchange" 99%)" \
    "$(cpu_use "$mark1" "$mark2" "$(rate "$exchange")")" "$(errors "$exchange")"
printf '| GET /v1/health | %s | %s | %s | %s | %s |\n' "$(rate "$health")" "$(percentile "$health" 50%)" \
    "$(percentile "$health" 99%)" "$(cpu_use "$mark0" "$mark1" "$(rate "$health")")" "$(errors "$health")"
printf '\nexchanges / health = %s\n' "$(awk -v a="$(rate "$exchange")" -v b="$(rate "$health")" \
    'BEGIN { printf "%.2f", a / b }')"
printf '\nexchange response statuses:\n'
grep -E '^(status|first error)' <<<"$exchange" || true
