#!/usr/bin/env bash
# One benchmark report for the workspace, as Markdown: every criterion bench in ONE
# `cargo bench` run (the codec comparisons against the peer crates, the LwM2M formats, the MQTT
# machines and broker core, the CoAP endpoint and block-wise transfers), the tables of ratios
# ours / fastest peer made from that run's log, and the instruction counts per operation under
# valgrind's callgrind for ours and every peer (the numbers that do not depend on machine load).
#
# Usage: benches/report.sh [OUT.md]          (default target/bench-report.md)
#   CRITERION="--warm-up-time 1 --measurement-time 3"  arguments for every criterion bench
#   N=10000                                    callgrind iterations per operation
#   CALLGRIND=0                                skip the instruction counts
#   FILTER=REGEX                               criterion filter (e.g. 'decode/publish')
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
out="${1:-target/bench-report.md}"
work="$(mktemp -d)"
CRITERION="${CRITERION:-}"
FILTER="${FILTER:-}"
mkdir -p "$(dirname "$out")"

benches=(mqtt_codec coap_codec lwm2m_formats mqtt_machines mqtt_broker coap_endpoint coap_transfer)
args=()
for b in "${benches[@]}"; do args+=(--bench "$b"); done
# shellcheck disable=SC2086
cargo bench -p benches "${args[@]}" -- $CRITERION $FILTER 2>&1 | tee "$work/criterion.log" >&2

{
    echo "# Benchmark report"
    echo
    echo "Commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u +%Y-%m-%d), $(nproc) cores:" \
        "$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//')."
    echo "Made by \`benches/report.sh\` from one \`cargo bench -p benches ${args[*]}\` run${CRITERION:+ (criterion: $CRITERION)}."
    echo "Times are criterion medians (a shared machine is noisy: compare within a row, not across runs);"
    echo "a ratio below 1 means ours is faster or uses fewer instructions."
    for set in mqtt coap; do
        echo
        echo "## ${set^^} codecs: ours against the peer crates (time)"
        SET=$set "$here/criterion_table.sh" "$work/criterion.log"
    done
    echo
    echo "## LwM2M content formats (time; no peer crates)"
    SET=lwm2m "$here/criterion_table.sh" "$work/criterion.log"
    echo
    echo "## State machines in memory (throughput, criterion median)"
    echo
    echo "| bench | median | range |"
    echo "|---|---:|---|"
    awk '
        /^(machines|broker|coap_endpoint|coap_transfer)\/[^ ]+/ { id = $1 }
        /thrpt: +\[/ && id != "" {
            line = $0; sub(/.*thrpt: +\[/, "", line); sub(/\].*/, "", line); split(line, t, " ")
            printf "| %s | %s %s | %s %s - %s %s |\n", id, t[3], t[4], t[1], t[2], t[5], t[6]; id = ""
        }' "$work/criterion.log"
    if [ "${CALLGRIND:-1}" != 0 ]; then
        for set in mqtt coap lwm2m; do
            echo
            echo "## ${set^^}: instructions per operation (valgrind callgrind, N=${N:-10000})"
            echo
            OUT="$work/callgrind-$set" "$here/callgrind.sh" "$set" 2>"$work/callgrind-$set.log"
        done
    fi
} >"$out"
echo "report: $out (raw logs: $work)" >&2
