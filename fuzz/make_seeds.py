#!/usr/bin/env python3
"""Writes the seed corpora fuzz/corpus/<target>/seed-<hash> from the hex strings of the test
vector tables (mqtt-codec/tests/vectors*.rs and malformed.rs). Run it after changing the tables.

mqtt_stream takes a chunk-size byte first; it gets each vector behind every chunk size 1..8."""
import hashlib, pathlib, re

root = pathlib.Path(__file__).resolve().parent
tests = root.parent / "mqtt-codec" / "tests"
hexes = set()
for f in ["vectors.rs", "vectors_v5.rs", "malformed.rs"]:
    for m in re.finditer(r'"((?:[0-9a-fA-F]{2}\s*)+)"', (tests / f).read_text()):
        hexes.add(bytes.fromhex(re.sub(r"\s+", "", m.group(1))))
seeds = {
    "mqtt_decode": hexes,
    "mqtt_roundtrip": hexes,
    "mqtt_stream": {bytes([k]) + h for h in hexes for k in range(1, 9)},
}
for target, items in seeds.items():
    d = root / "corpus" / target
    d.mkdir(parents=True, exist_ok=True)
    for old in d.glob("seed-*"):
        old.unlink()
    for b in items:
        (d / ("seed-" + hashlib.sha1(b).hexdigest()[:16])).write_bytes(b)
    print(f"{target}: {len(items)} seeds")
