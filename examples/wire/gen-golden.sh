#!/usr/bin/env bash
# Regenerates the two generated blocks of README.md (golden lines, examples) from golden-seeds.txt
# by running the built `wire`; `cargo test -p wire` then checks every command shown there.
# Usage (from anywhere): examples/wire/gen-golden.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
cargo build -q --release --bin wire
wire="${CARGO_TARGET_DIR:-$PWD/target}/release/wire"

block=golden
golden=$(mktemp)
examples=$(mktemp)
trap 'rm -f "$golden" "$examples"' EXIT
fence=0
blank=1
out() {
    if [ "$block" = golden ]; then printf '%s\n' "$1" >>"$golden"; else printf '%s\n' "$1" >>"$examples"; fi
    if [ -z "$1" ]; then blank=1; else blank=0; fi
}
gap() { if [ $blank = 0 ]; then out ''; fi; }
open() { if [ $fence = 0 ]; then gap; out '```text'; fence=1; fi; }
close() { if [ $fence = 1 ]; then out '```'; fence=0; fi; }
# An argument as a shell would need it: quoted when it holds spaces or JSON.
quote() { case "$1" in *[\ \"{]*) printf "'%s'" "$1" ;; *) printf '%s' "$1" ;; esac; }

while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
    //*) ;;
    @examples) close; block=examples; blank=1 ;;
    seed\|*)
        # PROTO may carry "--path /o/i/r" after the format name.
        IFS='|' read -r _ protoargs json <<<"$line"
        read -ra pa <<<"$protoargs"
        proto=${pa[0]}
        extra=("${pa[@]:1}")
        hex=$("$wire" encode "$proto" "$json" "${extra[@]}") || { echo "seed refused: $line -> $hex" >&2; exit 1; }
        open
        out "\$ wire decode $proto $hex${extra:+ ${extra[*]}}"
        out "$("$wire" decode "$proto" "$hex" "${extra[@]}")"
        ;;
    decode\|* | encode\|*)
        IFS='|' read -r cmd protoargs arg <<<"$line"
        read -ra pa <<<"$protoargs"
        proto=${pa[0]}
        extra=("${pa[@]:1}")
        open
        out "\$ wire $cmd $proto $(quote "$arg")${extra:+ ${extra[*]}}"
        out "$("$wire" "$cmd" "$proto" "$arg" "${extra[@]}" || true)"
        ;;
    '') close; gap ;;
    \#*) close; gap; out "$line"; out '' ;;
    *) close; out "$line" ;;
    esac
done <"$here/golden-seeds.txt"
close

readme="$here/README.md"
awk -v golden="$golden" -v examples="$examples" '
    /^<!-- (golden|examples):end -->$/ { skip = 0 }
    !skip { print }
    /^<!-- golden:begin -->$/ { while ((getline l < golden) > 0) print l; skip = 1 }
    /^<!-- examples:begin -->$/ { while ((getline l < examples) > 0) print l; skip = 1 }
' "$readme" >"$readme.new"
mv "$readme.new" "$readme"
echo "updated $readme"
