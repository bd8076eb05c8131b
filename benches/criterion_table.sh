#!/usr/bin/env bash
# Turns the log of `cargo bench -p benches --bench mqtt_codec` (or `--bench coap_codec`) into one
# markdown table per direction: the median time of each crate per item, and the ratio ours/peer
# (below 1: ours is faster). Usage: cargo bench -p benches --bench mqtt_codec 2>&1 | tee bench.log
#                                   benches/criterion_table.sh bench.log
# The crates (columns) are the MQTT or the CoAP set, whichever the log is of; for the log of
# `--bench lwm2m_formats` the columns are the LwM2M content formats, the rows workloads, no ratios.
set -euo pipefail
log="${1:-/dev/stdin}"
if [ "$log" = /dev/stdin ]; then log="$(mktemp)"; cat >"$log"; fi
RATIOS=1
# SET=mqtt|coap|lwm2m picks the crates of one set from a log of several benches (benches/report.sh).
PEERS="rumqttc mqttrs mqtt-protocol-core"
case "${SET:-}" in
    mqtt) CRATES="mqtt-codec rumqttc mqttrs mqtt-protocol-core" ;;
    coap) CRATES="coap-codec coap-codec-builder coap-lite coap-message-implementations"; PEERS="coap-lite coap-message-implementations" ;;
    lwm2m) CRATES="tlv senml_json senml_cbor lwm2m_cbor lwm2m_json text"; RATIOS=0 ;;
    "") ;;
    *) echo "unknown SET $SET (mqtt | coap | lwm2m)" >&2; exit 1 ;;
esac
if [ -n "${SET:-}" ]; then
    :
elif grep -q '/senml_cbor' "$log"; then
    CRATES="tlv senml_json senml_cbor lwm2m_cbor lwm2m_json text"
    RATIOS=0
elif grep -q '/coap-codec' "$log"; then
    CRATES="coap-codec coap-codec-builder coap-lite coap-message-implementations"
    PEERS="coap-lite coap-message-implementations"
else
    CRATES="mqtt-codec rumqttc mqttrs mqtt-protocol-core"
fi
awk -v crates="$CRATES" -v peers="$PEERS" -v ratios="$RATIOS" '
    function ns(v, unit) {
        if (unit == "ps") return v / 1000; if (unit == "ns") return v
        if (unit == "µs" || unit == "us") return v * 1000; if (unit == "ms") return v * 1e6
        return v * 1e9
    }
    /^(decode|encode)\/[^ ]+\/[^ ]+$/ { id = $1; next }
    /^(decode|encode)\/[^ ]+\/[^ ]+ +time:/ { id = $1 }
    /time: +\[/ && id != "" {
        sub(/.*time: +\[/, ""); split($0, t, " ")
        split(id, p, "/"); key = p[1] "/" p[2]
        if (!(key in seen)) { seen[key] = 1; order[++n] = key }
        med[key, p[3]] = ns(t[3], t[4]); id = ""
    }
    function fmt(v) { return v >= 1000 ? sprintf("%.2f µs", v / 1000) : sprintf("%.1f ns", v) }
    END {
        nc = split(crates, c, " "); np = split(peers, pe, " ")
        for (d = 1; d <= 2; d++) {
            dir = d == 1 ? "decode" : "encode"
            printf "\n%s (criterion median)\n\n", dir
            printf "| %s", ratios ? "item" : "workload"
            for (j = 1; j <= nc; j++) printf " | %s", c[j]
            for (j = 2; j <= nc && ratios; j++) printf " | ours/%s", c[j]
            if (ratios) printf " | fastest peer | ours/fastest peer"
            printf " |\n|---"
            for (j = 1; j <= (ratios ? 2 * nc - 1 : nc); j++) printf "|---:"
            if (ratios) printf "|---|---:"
            printf "|\n"
            for (i = 1; i <= n; i++) {
                k = order[i]; split(k, p, "/"); if (p[1] != dir) continue
                any = 0
                for (j = 1; j <= nc; j++) if ((k, c[j]) in med) any = 1
                if (!any) continue # an item of another set (a log of several benches)
                printf "| %s", p[2]
                for (j = 1; j <= nc; j++) printf " | %s", ((k, c[j]) in med) ? fmt(med[k, c[j]]) : "-"
                for (j = 2; j <= nc && ratios; j++)
                    printf " | %s", (((k, c[j]) in med) && ((k, c[1]) in med)) ? sprintf("%.2f", med[k, c[1]] / med[k, c[j]]) : "-"
                if (ratios) {
                    best = ""
                    for (j = 1; j <= np; j++)
                        if (((k, pe[j]) in med) && (best == "" || med[k, pe[j]] < med[k, best])) best = pe[j]
                    if (best != "" && ((k, c[1]) in med)) printf " | %s | %.2f", best, med[k, c[1]] / med[k, best]
                    else printf " | - | -"
                }
                printf " |\n"
            }
        }
    }' "$log"
