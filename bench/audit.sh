#!/usr/bin/env bash
# Durable audit records/s at 1, 16 and 64 concurrent writers beside the raw fdatasync rate of the
# same disk, measured in the same run. Usage: bench/audit.sh [seconds-per-measurement] [directory]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-3}"
directory="${2:-bench/out}"
mkdir -p "$directory"

swift build -c release --scratch-path .build-bench --product lessor-bench >/dev/null
result=$(.build-bench/release/lessor-bench audit --seconds "$seconds" --dir "$directory")

sync_rate=$(awk -F, '$1 == "fdatasync" {print $2}' <<<"$result")
printf 'raw write+fdatasync of one record: %s/s on %s\n\n' "$sync_rate" "$(df --output=source "$directory" | tail -1)"
printf '| writers | durable records/s | records per fdatasync (records/s ÷ raw fdatasync/s) |\n'
printf '|---|---|---|\n'
while IFS=, read -r kind writers rate; do
    [ "$kind" = audit ] || continue
    ratio=$(awk -v a="$rate" -v b="$sync_rate" 'BEGIN { printf "%.1f", a / b }')
    printf '| %s | %s | %s |\n' "$writers" "$rate" "$ratio"
done <<<"$result"
