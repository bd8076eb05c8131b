//! No input panics: random buffers of every length, every truncation and every single-bit flip
//! of valid packets, under both versions. Whatever decodes must re-encode to bytes that decode to
//! the same packet.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#[path = "common/bench_set.rs"]
mod bench_set;

use mqtt_codec::wire::*;
use proptest::prelude::*;

/// Decodes every packet in `input` (as a stream) and checks the round trip of each.
fn exercise(input: &[u8], v: Version) {
    let opts = DecodeOptions::new(v).with_max_properties(64, 16);
    let mut rest = input;
    while let Ok(Status::Complete { item, consumed }) = decode_packet(rest, &opts) {
        assert!(consumed > 0 && consumed <= rest.len());
        let _ = format!("{item} {item:?}");
        let len = item.encoded_len(v);
        let mut buf = vec![0u8; len];
        let n = item.encode(v, &mut buf).unwrap_or_else(|e| panic!("{item:?} decoded but won't encode: {e}"));
        assert_eq!(n, len);
        match decode_packet(&buf, &opts) {
            Ok(Status::Complete { item: again, consumed }) => {
                assert_eq!(consumed, n);
                assert_eq!(again, item);
            }
            other => panic!("re-encoded {item:?} decodes as {other:?}"),
        }
        rest = &rest[consumed..];
    }
}

#[test]
fn every_truncation_and_bit_flip_of_the_bench_set() {
    for v in [Version::V311, Version::V5] {
        for (_, frame) in bench_set::frames(v) {
            for len in 0..=frame.len() {
                exercise(&frame[..len], Version::V311);
                exercise(&frame[..len], Version::V5);
            }
            for bit in 0..frame.len().min(200) * 8 {
                let mut f = frame.clone();
                f[bit / 8] ^= 1 << (bit % 8);
                exercise(&f, Version::V311);
                exercise(&f, Version::V5);
            }
        }
    }
}

fn packetish() -> impl Strategy<Value = Vec<u8>> {
    // A plausible first byte and a small remaining length make the body parsers run, rather than
    // stopping at the fixed header.
    (0u8..=255, prop::collection::vec(any::<u8>(), 0..200)).prop_map(|(first, body)| {
        let mut v = vec![first, body.len().min(127) as u8];
        v.extend(body);
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        exercise(&bytes, Version::V311);
        exercise(&bytes, Version::V5);
    }

    #[test]
    fn random_packet_shaped_bytes_never_panic(bytes in packetish()) {
        exercise(&bytes, Version::V311);
        exercise(&bytes, Version::V5);
    }
}
