#!/usr/bin/env bash
# Instructions per operation for every (crate, item, op) of a workload, under valgrind's callgrind,
# with the ratio ours/peer. Instruction counts do not depend on machine load, so this is the
# number to trust on a noisy shared machine; criterion's times are the other half.
#
# Usage: benches/callgrind.sh [mqtt|coap|lwm2m] [FILTER]   (FILTER: a grep -E pattern on "crate item op")
#   The set defaults to mqtt (or SET=mqtt|coap|lwm2m); N=10000 (iterations per run),
#   OUT=<dir> (raw results and callgrind files; default a temp dir)
#
# For each line of `callgrind_<set> list` it runs the release bench binary twice under
#   valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured_*'
# with N=0 and N iterations, and reports (Ir(N) - Ir(0)) / N. Collection is on only inside the
# never-inlined `measured_decode`/`measured_encode`, so set-up (the fresh BytesMut that rumqttc's
# decoder consumes, building the items) is not counted, while everything the operation calls,
# the allocator included, is. The N=0 run is the baseline (0 when the toggle works).
# The lwm2m set has no peer crates: its columns are the content formats of lwm2m-model, its rows
# the workloads, and it prints no ratios.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/.."
N="${N:-10000}"
SET="${SET:-mqtt}"
case "${1:-}" in
    mqtt | coap | lwm2m) SET="$1"; shift ;;
esac
FILTER="${1:-.}"
# The crates of each set, ours first: the table's columns (lwm2m: the formats, no ratios).
RATIOS=1
ROW=item
case "$SET" in
    mqtt) CRATES="mqtt-codec rumqttc mqttrs mqtt-protocol-core"; PEERS="rumqttc mqttrs mqtt-protocol-core" ;;
    coap) CRATES="coap-codec coap-codec-builder coap-lite coap-message-implementations"; PEERS="coap-lite coap-message-implementations" ;;
    lwm2m) CRATES="tlv senml_json senml_cbor lwm2m_cbor lwm2m_json text"; PEERS=""; RATIOS=0; ROW=workload ;;
    *) echo "unknown set $SET (mqtt | coap | lwm2m)" >&2; exit 1 ;;
esac
runner="callgrind_$SET"
OUT="${OUT:-$(mktemp -d)}"
mkdir -p "$OUT"

command -v valgrind >/dev/null || { echo "valgrind not found (apt-get install valgrind)" >&2; exit 1; }

# Build the bench targets (release profile with debug info) and find the runner.
bin="$(cargo bench -p benches --bench "$runner" --no-run --message-format=json 2>/dev/null |
    grep -o '"executable":"[^"]*'"$runner"'[^"]*"' | tail -1 | cut -d'"' -f4)"
[ -x "$bin" ] || { echo "could not build the $runner bench target" >&2; exit 1; }

ir() { # crate item op n -> Ir collected inside measured_*
    local f="$OUT/cg.$1.$2.$3.$4.out"
    valgrind --tool=callgrind --callgrind-out-file="$f" --collect-atstart=no \
        --toggle-collect='*measured_*' "$bin" "$1" "$2" "$3" "$4" >/dev/null 2>"$f.log"
    awk '/^(summary|totals):/ { print $2; exit }' "$f"
}

raw="$OUT/ir_per_op.tsv"
: >"$raw"
"$bin" list | grep -E -- "$FILTER" | while read -r krate item op; do
    base="$(ir "$krate" "$item" "$op" 0)"
    full="$(ir "$krate" "$item" "$op" "$N")"
    per="$(awk -v a="$full" -v b="$base" -v n="$N" 'BEGIN { printf "%.1f", (a - b) / n }')"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$item" "$op" "$krate" "$per" "$base" "$full" >>"$raw"
    printf '%-18s %-6s %-28s %10s Ir/op  (N=0: %s, N=%s: %s)\n' "$item" "$op" "$krate" "$per" "$base" "$N" "$full" >&2
done

# One row per item and op: instructions per op for each crate, then ours/peer.
awk -F'\t' -v crates="$CRATES" -v peers="$PEERS" -v ratios="$RATIOS" -v row="$ROW" '
    { key = $1 " " $2; if (!(key in seen)) { seen[key] = 1; order[++n] = key } ir[key, $3] = $4 }
    END {
        nc = split(crates, c, " "); np = split(peers, pe, " ")
        printf "| %s | op", row
        for (j = 1; j <= nc; j++) printf " | %s", c[j]
        for (j = 2; j <= nc && ratios; j++) printf " | ours/%s", c[j]
        if (ratios) printf " | fewest of the peers | ours/that peer"
        printf " |\n|---|---"
        for (j = 1; j <= (ratios ? 2 * nc - 1 : nc); j++) printf "|---:"
        if (ratios) printf "|---|---:"
        printf "|\n"
        for (i = 1; i <= n; i++) {
            k = order[i]; split(k, p, " ")
            printf "| %s | %s", p[1], p[2]
            for (j = 1; j <= nc; j++) printf " | %s", ((k, c[j]) in ir) ? sprintf("%.0f", ir[k, c[j]]) : "-"
            for (j = 2; j <= nc && ratios; j++) {
                if (((k, c[j]) in ir) && ir[k, c[j]] > 0 && ((k, c[1]) in ir))
                    printf " | %.2f", ir[k, c[1]] / ir[k, c[j]]
                else printf " | -"
            }
            if (ratios) {
                best = ""
                for (j = 1; j <= np; j++)
                    if (((k, pe[j]) in ir) && ir[k, pe[j]] > 0 && (best == "" || ir[k, pe[j]] < ir[k, best])) best = pe[j]
                if (best != "" && ((k, c[1]) in ir)) printf " | %s | %.2f", best, ir[k, c[1]] / ir[k, best]
                else printf " | - | -"
            }
            printf " |\n"
        }
    }' "$raw"
echo "(instructions per operation, valgrind callgrind, N=$N; raw: $raw)" >&2
