#!/usr/bin/env bash
# Token verification throughput on one core beside `openssl speed` for the same algorithms, in one run.
# Usage: bench/verify.sh [seconds-per-measurement]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-3}"

swift build -c release --scratch-path .build-bench --product lessor-bench >/dev/null
pin=(taskset -c 0)
command -v taskset >/dev/null || pin=()

speed=$("${pin[@]}" openssl speed -seconds "$seconds" rsa2048 ecdsap256 ed25519 2>/dev/null)
openssl_rs256=$(awk '/^rsa 2048 bits/ {print $NF}' <<<"$speed")
openssl_es256=$(awk '/nistp256/ {print $NF}' <<<"$speed")
openssl_eddsa=$(awk '/Ed25519/ {print $NF}' <<<"$speed")

lessor=$("${pin[@]}" .build-bench/release/lessor-bench verify --seconds "$seconds")

printf '| algorithm | openssl speed verify/s | Lessor signature-only/s | Lessor full token verify/s | full / openssl |\n'
printf '|---|---|---|---|---|\n'
while IFS=, read -r algorithm full raw; do
    case "$algorithm" in
        RS256) reference=$openssl_rs256 ;;
        ES256) reference=$openssl_es256 ;;
        EdDSA) reference=$openssl_eddsa ;;
        *) continue ;;
    esac
    ratio=$(awk -v a="$full" -v b="$reference" 'BEGIN { printf "%.2f", a / b }')
    printf '| %s | %.0f | %s | %s | %s |\n' "$algorithm" "$reference" "$raw" "$full" "$ratio"
done <<<"$lessor"
