#!/usr/bin/env bash
# `lessor audit verify` of a whole log and `lessor audit export` of one tenant out of it, beside
# reading and SHA-256-hashing the same files with `openssl dgst` (every byte has to be hashed once
# either way), in one run. The log is written by `lessor audit burst` (grant records over 50
# tenants, a checkpoint every 1000 records). Usage: bench/audit-log.sh [records] [directory]
# LESSOR_BENCH_BINARY=path runs that lessor binary instead of building this tree.
set -euo pipefail
cd "$(dirname "$0")/.."
records="${1:-1000000}"
directory="${2:-bench/out/audit-log}"

lessor="${LESSOR_BENCH_BINARY:-}"
if [ -z "$lessor" ]; then
    swift build -c release --scratch-path .build-bench --product lessor >/dev/null
    lessor=.build-bench/release/lessor
fi
rm -rf "$directory"
mkdir -p "$directory"
"$lessor" audit keygen --dir "$directory/keys" >/dev/null
"$lessor" audit burst --dir "$directory/log" --keys "$directory/keys" --count "$records" --writers 64 \
    --tenants 50 --checkpoint-every 1000 >/dev/null

seconds() { local start end; start=$(date +%s.%N); "$@" >/dev/null; end=$(date +%s.%N); awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }'; }
bytes=$(cat "$directory"/log/*.jsonl | wc -c)
lines=$(cat "$directory"/log/*.jsonl | wc -l)
hash_time=$(seconds sh -c "cat '$directory'/log/*.jsonl | openssl dgst -sha256")
verify_time=$(seconds "$lessor" audit verify "$directory/log" --public-key "$directory/keys/public-key.json" --strict)
export_time=$(seconds "$lessor" audit export "$directory/log" --tenant tenant-7 --key-file "$directory/keys/hash.key" \
    --public-key "$directory/keys/public-key.json" --out "$directory/export")
verify_export_time=$(seconds "$lessor" audit verify-export "$directory/export" \
    --public-key "$directory/keys/public-key.json" --key-file "$directory/keys/hash.key")
exported=$(wc -l <"$directory/export/records.jsonl")

printf 'log: %s records (%s lines, %s MB in %s segments); load average %s\n\n' "$records" "$lines" \
    "$((bytes / 1000000))" "$(ls "$directory"/log/*.jsonl | wc -l)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '| step | seconds | ÷ openssl dgst -sha256 of the log |\n|---|---|---|\n'
row() { printf '| %s | %s | %s |\n' "$1" "$2" "$(awk -v a="$2" -v b="$hash_time" 'BEGIN { printf "%.1f", a / b }')"; }
row "openssl dgst -sha256 (reference)" "$hash_time"
row "audit verify --strict (whole log)" "$verify_time"
row "audit export --tenant tenant-7 ($exported records)" "$export_time"
row "audit verify-export" "$verify_export_time"
rm -rf "$directory"
