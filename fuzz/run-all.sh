#!/usr/bin/env bash
# Runs fuzz targets for the given number of seconds each (default 60) and prints the executions
# and crashes per target. Every target runs even after one of them crashed; the script exits
# non-zero at the end if any did (the crashing input is in artifacts/TARGET/, the log is named).
#
# Usage: fuzz/run-all.sh [SECONDS] [TARGET ...]     (no TARGET: every target of `cargo fuzz list`)
# Two halves of the list can run side by side on a 2-core machine, e.g.
#   ./run-all.sh 600 $(cargo +nightly fuzz list | sed -n '1~2p') &
#   ./run-all.sh 600 $(cargo +nightly fuzz list | sed -n '2~2p')
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
shift || true
if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(cargo +nightly fuzz list); fi
# Build every target first, so that the timed runs measure fuzzing and not compiling.
cargo +nightly fuzz build >/dev/null 2>&1 || cargo +nightly fuzz build
printf '%-20s %12s %10s %8s\n' target execs exec/s crashes
failed=()
for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    log=$(mktemp -t "fuzz-$target.XXXXXX")
    status=0
    cargo +nightly fuzz run "$target" "corpus/$target" -- -max_total_time="$secs" -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    execs=$(grep -m1 'stat::number_of_executed_units' "$log" | awk '{print $2}')
    execs=${execs:-0}
    if [ "$status" = 0 ]; then
        printf '%-20s %12s %10s %8s\n' "$target" "$execs" "$((execs / secs))" 0
    else
        printf '%-20s %12s %10s %8s  (log: %s)\n' "$target" "$execs" "$((execs / secs))" 1 "$log"
        grep -m3 -E 'panicked|ERROR|Test unit written' "$log" || tail -5 "$log"
        failed+=("$target")
    fi
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "FAILED: ${failed[*]}"
    exit 1
fi
