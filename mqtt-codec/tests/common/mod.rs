//! Helpers shared by the mqtt-codec integration tests: hex in and out, small constructors, and
//! the check behind every row of the `vectors!` tables (decode, compare, encode, compare).
#![allow(dead_code, unreachable_pub)]

use mqtt_codec::topic::{TopicFilter, TopicName};
use mqtt_codec::wire::{decode_packet, DecodeOptions, Packet, PacketId, Qos, Status, Subscription, Version};

/// Bytes from hex digits. Whitespace (spaces, newlines) is ignored, so fields can be grouped.
pub fn hex(s: &str) -> Vec<u8> {
    let digits: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits in {s:?}");
    digits
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).unwrap_or_default();
            u8::from_str_radix(text, 16).unwrap_or_else(|_| panic!("bad hex byte {text:?} in {s:?}"))
        })
        .collect()
}

/// Lower-case hex, one space between bytes (what [`hex`] reads back).
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
}

/// A Packet Identifier (panics on 0).
pub fn id(n: u16) -> PacketId {
    PacketId::new(n).expect("non-zero packet id")
}

/// A valid Topic Name.
pub fn topic(s: &str) -> TopicName<'_> {
    TopicName::new(s).expect("valid topic name")
}

/// A valid Topic Filter.
pub fn filter(s: &str) -> TopicFilter<'_> {
    TopicFilter::new(s).expect("valid topic filter")
}

/// A subscription with default options at `qos`.
pub fn sub(s: &str, qos: Qos) -> Subscription<'_> {
    Subscription::new(filter(s), qos)
}

/// One vector: `input` decodes under `v` to exactly `expected` using every byte; `expected`
/// encodes to `canonical` (the same bytes unless the input uses a longer form the spec allows),
/// `encoded_len` agrees, and the decoded (wire-backed) packet re-encodes to `canonical` too.
pub fn assert_vector(v: Version, input: &str, canonical: &str, expected: Packet<'_>) {
    let bytes = hex(input);
    let want = hex(canonical);
    match decode_packet(&bytes, &DecodeOptions::new(v)) {
        Ok(Status::Complete { item, consumed }) => {
            assert_eq!(consumed, bytes.len(), "{input}: consumed");
            assert_eq!(item, expected, "{input}: decoded value");
            assert_eq!(to_hex(&encode(&item, v)), to_hex(&want), "{input}: decoded packet re-encoded");
        }
        other => panic!("{input}: expected a complete packet, got {other:?}"),
    }
    assert_eq!(expected.encoded_len(v), want.len(), "{canonical}: encoded_len");
    assert_eq!(to_hex(&encode(&expected, v)), to_hex(&want), "{canonical}: encoded bytes");
}

/// Encodes into a buffer of exactly `encoded_len` bytes (pre-filled with 0xAA).
pub fn encode(p: &Packet<'_>, v: Version) -> Vec<u8> {
    let mut out = vec![0xAA; p.encoded_len(v)];
    let n = p.encode(v, &mut out).unwrap_or_else(|e| panic!("{p:?} does not encode under {v:?}: {e}"));
    assert_eq!(n, out.len(), "{p:?}: bytes written vs encoded_len");
    out
}

/// `name(Version): "hex" => expected Packet [, encodes "canonical hex"];` — one `#[test]` per row
/// (see `common::assert_vector`), plus `ROWS` for the coverage tests.
#[macro_export]
macro_rules! vectors {
    ($($name:ident($v:ident): $hex:literal => $packet:expr $(, encodes $canon:literal)?;)*) => {
        $(
            #[test]
            fn $name() {
                $crate::common::assert_vector(mqtt_codec::wire::Version::$v, $hex, vectors!(@canon $hex $(, $canon)?), $packet);
            }
        )*
        const ROWS: &[(&str, mqtt_codec::wire::Version, &str)] = &[$((stringify!($name), mqtt_codec::wire::Version::$v, $hex)),*];
    };
    (@canon $hex:literal) => { $hex };
    (@canon $hex:literal, $canon:literal) => { $canon };
}
