#!/usr/bin/env bash
# Runs every fuzz target for the given number of seconds each (default 60) and prints the
# executions per target. Usage: fuzz/run-all.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
printf '%-20s %12s %10s\n' target execs exec/s
for target in $(cargo +nightly fuzz list); do
    mkdir -p "corpus/$target"
    log=$(mktemp)
    cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1 || {
        echo "FAILED: $target (log: $log)"; tail -30 "$log"; exit 1;
    }
    execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    printf '%-20s %12s %10s\n' "$target" "$execs" "$((execs / secs))"
done
