//! Streaming: a buffer holding several packets, split at every possible point, decodes to the
//! same packets; `Needed::AtLeast(n)` never asks for more than is really missing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

#[path = "common/bench_set.rs"]
mod bench_set;

use mqtt_codec::wire::*;

/// Decodes `stream` as it arrives in two chunks split at `cut`, the way a socket reader would:
/// append, decode until Partial, keep the rest. `expected` gives the frame boundaries, so each
/// `Needed::AtLeast(n)` can be checked against what the current frame really lacks.
fn decode_in_two_chunks(stream: &[u8], cut: usize, expected: &[Vec<u8>], opts: &DecodeOptions) -> Vec<Vec<u8>> {
    let mut have: Vec<u8> = Vec::new();
    let mut frames: Vec<Vec<u8>> = Vec::new();
    for chunk in [&stream[..cut], &stream[cut..]] {
        have.extend_from_slice(chunk);
        loop {
            match decode_packet(&have, opts).unwrap() {
                Status::Complete { item, consumed } => {
                    // Re-encode: the decoded view must describe exactly the bytes consumed.
                    let mut buf = vec![0u8; consumed];
                    assert_eq!(item.encode(opts.version, &mut buf), Ok(consumed));
                    assert_eq!(buf, have[..consumed]);
                    frames.push(have[..consumed].to_vec());
                    have.drain(..consumed);
                }
                Status::Partial(needed) => {
                    if let (Needed::AtLeast(n), false) = (needed, have.is_empty()) {
                        let lacking = expected[frames.len()].len() - have.len();
                        assert!(n.get() <= lacking, "asked for {n} bytes, {lacking} missing");
                    }
                    break;
                }
            }
        }
    }
    assert!(have.is_empty(), "bytes left over after the last chunk");
    frames
}

fn check_version(v: Version) {
    let frames = bench_set::frames(v);
    let stream: Vec<u8> = frames.iter().flat_map(|(_, f)| f.iter().copied()).collect();
    let expected: Vec<Vec<u8>> = frames.into_iter().map(|(_, f)| f).collect();
    let opts = DecodeOptions::new(v);
    for cut in 0..=stream.len() {
        assert_eq!(decode_in_two_chunks(&stream, cut, &expected, &opts), expected, "cut at {cut}");
    }
}

#[test]
fn v311_stream_split_at_every_offset() {
    check_version(Version::V311);
}

#[test]
fn v5_stream_split_at_every_offset() {
    check_version(Version::V5);
}

#[test]
fn needed_is_exact_once_the_length_is_known() {
    for v in [Version::V311, Version::V5] {
        for (name, frame) in bench_set::frames(v) {
            let opts = DecodeOptions::new(v);
            for len in 0..frame.len() {
                match decode_packet(&frame[..len], &opts).unwrap() {
                    Status::Partial(Needed::AtLeast(n)) => {
                        let header_known = len >= 2 && frame[1..len].iter().any(|b| b & 0x80 == 0);
                        if header_known {
                            assert_eq!(n.get(), frame.len() - len, "{name} at {len}");
                        } else {
                            assert!(n.get() <= frame.len() - len, "{name} at {len}");
                        }
                    }
                    Status::Partial(Needed::Unknown) => {}
                    other => panic!("{name}: prefix of {len} bytes decoded as {other:?}"),
                }
            }
        }
    }
}

#[test]
fn byte_at_a_time_stream_decodes_every_packet() {
    for v in [Version::V311, Version::V5] {
        let frames = bench_set::frames(v);
        let stream: Vec<u8> = frames.iter().flat_map(|(_, f)| f.iter().copied()).collect();
        let opts = DecodeOptions::new(v);
        let mut have = Vec::new();
        let mut n = 0;
        for &b in &stream {
            have.push(b);
            if let Status::Complete { consumed, .. } = decode_packet(&have, &opts).unwrap() {
                assert_eq!(have.len(), consumed, "decoded before the packet was whole");
                have.clear();
                n += 1;
            }
        }
        assert_eq!(n, frames.len());
    }
}
