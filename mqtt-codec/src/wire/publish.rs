//! PUBLISH (5.0 §3.3; 3.1.1 §3.3).

use super::cursor::{prefixed_len, Reader, Sink};
use super::packet::{encode_methods, read_packet_id, Body};
use super::{
    properties, DecodeError, DecodeOptions, Field, Malformed, Packet, PacketType, Properties, PropertyContext,
    PropertyId, QosPid, Status, Version,
};
use crate::topic::TopicName;

/// PUBLISH: an application message.
///
/// Spec: 5.0 §3.3; 3.1.1 §3.3.
///
/// ```
/// use mqtt_codec::topic::TopicName;
/// use mqtt_codec::wire::{PacketId, Publish, QosPid, Version};
/// let p = Publish {
///     qos: QosPid::AtLeastOnce(PacketId::new(10).unwrap()),
///     ..Publish::new(TopicName::new("a/b")?, b"hi")
/// };
/// let mut out = [0u8; 16];
/// let n = p.encode(Version::V311, &mut out)?;
/// assert_eq!(&out[..n], b"\x32\x09\x00\x03a/b\x00\x0ahi");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Publish<'a> {
    /// DUP: this may be a re-delivery.
    pub dup: bool,
    /// QoS and, for QoS 1 and 2, the Packet Identifier.
    pub qos: QosPid,
    /// RETAIN.
    pub retain: bool,
    /// Topic Name (empty only in 5.0 with a Topic Alias).
    pub topic: TopicName<'a>,
    /// PUBLISH properties (5.0).
    pub properties: Properties<'a>,
    /// The application payload.
    pub payload: &'a [u8],
}

impl<'a> Publish<'a> {
    /// A QoS 0, non-retained publish with no properties.
    pub const fn new(topic: TopicName<'a>, payload: &'a [u8]) -> Self {
        Self { dup: false, qos: QosPid::AtMostOnce, retain: false, topic, properties: Properties::EMPTY, payload }
    }
}

const CTX: PropertyContext = PropertyContext::Packet(PacketType::Publish);

impl<'a> Body<'a> for Publish<'a> {
    const TYPE: PacketType = PacketType::Publish;

    #[inline]
    fn decode_body(r: &mut Reader<'a>, flags: u8, opts: &DecodeOptions) -> Result<Self, DecodeError> {
        let dup = flags & 0x08 != 0;
        let retain = flags & 0x01 != 0;
        let qos_bits = (flags >> 1) & 0x03;
        let flag_err = |kind| DecodeError { kind, offset: 0 };
        if qos_bits == 3 {
            return Err(flag_err(Malformed::PublishQosThree)); // MQTT-3.3.1-4
        }
        if qos_bits == 0 && dup {
            return Err(flag_err(Malformed::DupOnQosZero)); // MQTT-3.3.1-2
        }
        let topic_at = r.offset();
        let topic = r.binary(Field::TopicName)?;
        let topic = TopicName::from_wire(topic).map_err(|kind| DecodeError { kind, offset: topic_at })?;
        let qos = match qos_bits {
            0 => QosPid::AtMostOnce,
            1 => QosPid::AtLeastOnce(read_packet_id(r)?),
            _ => QosPid::ExactlyOnce(read_packet_id(r)?),
        };
        let (properties, has_alias) = match opts.version {
            Version::V5 => {
                let (p, check) = properties::read(r, CTX, opts)?;
                (p, check.has(PropertyId::TopicAlias))
            }
            Version::V311 => (Properties::EMPTY, false),
        };
        if topic.is_empty() && !has_alias {
            // MQTT-4.7.3-1; 5.0 §3.3.2.3.4 allows an empty topic only with a Topic Alias.
            return Err(DecodeError { kind: Malformed::EmptyTopicName, offset: topic_at });
        }
        Ok(Self { dup, qos, retain, topic, properties, payload: r.rest() })
    }

    #[inline]
    fn flags(&self) -> u8 {
        (u8::from(self.dup) << 3) | ((self.qos.qos() as u8) << 1) | u8::from(self.retain)
    }

    #[inline]
    fn check(&self, v: Version) -> Result<usize, Malformed> {
        if self.dup && self.qos == QosPid::AtMostOnce {
            return Err(Malformed::DupOnQosZero);
        }
        let mut len = prefixed_len(self.topic.as_str().len()) + self.payload.len();
        if self.qos.packet_id().is_some() {
            len += 2;
        }
        let has_alias = match v {
            Version::V311 if self.properties.is_empty() => false,
            Version::V311 => return Err(Malformed::PropertiesNotInVersion),
            Version::V5 => {
                let (check, n) = properties::check_encode(&self.properties, CTX)?;
                len += super::varint::len(n as u32) + n;
                check.has(PropertyId::TopicAlias)
            }
        };
        if self.topic.is_empty() && !has_alias {
            return Err(Malformed::EmptyTopicName);
        }
        // A TopicName is valid by construction (at most 65,535 bytes, no U+0000, no wildcards).
        Ok(len)
    }

    #[inline]
    fn write_body<S: Sink>(&self, v: Version, s: &mut S) {
        s.binary(self.topic.as_str().as_bytes());
        if let Some(id) = self.qos.packet_id() {
            s.u16(id.get());
        }
        properties::write_for(s, &self.properties, v);
        s.put(self.payload);
    }
}

/// The common PUBLISH on a fast path: a non-empty plain-ASCII topic, and under 5.0 no
/// properties. Anything else, errors included, returns `None` for the
/// general path, so this accepts only what `decode_general` accepts and gives the same packet
/// (tests: `fast_path_agrees_with_the_general_decoder`).
#[inline(always)]
pub(crate) fn decode_fast<'a>(input: &'a [u8], opts: &DecodeOptions) -> Option<Status<Packet<'a>>> {
    let [first, after @ ..] = input else { return None };
    let flags = first & 0x0F;
    let qos = (flags >> 1) & 0x03;
    // PUBLISH with QoS 0-2 and no DUP on QoS 0 (MQTT-3.3.1-4, MQTT-3.3.1-2): the flag nibbles
    // 0-5 and 10-13, as one bit mask.
    const VALID_FLAGS: u16 = 0b0011_1100_0011_1111;
    if first >> 4 != 3 || (VALID_FLAGS >> flags) & 1 == 0 {
        return None;
    }
    // Remaining Length: one or two bytes cover every PUBLISH up to 16 KiB (a second byte of 0
    // would not be minimal, MQTT-1.5.5-1, and goes to the general path).
    let (rl, n) = match *after {
        [b0 @ 0..=0x7F, ..] => (u32::from(b0), 1),
        [b0, b1 @ 0x01..=0x7F, ..] => (u32::from(b0 & 0x7F) | (u32::from(b1) << 7), 2),
        _ => return None,
    };
    let total = 1 + n + rl as usize;
    if total > opts.max_packet_size as usize {
        return None;
    }
    let [hi, lo, rest @ ..] = input.get(1 + n..total)? else { return None };
    let (topic, rest) = rest.split_at_checked(usize::from(u16::from_be_bytes([*hi, *lo])))?;
    let (qos, rest) = match qos {
        0 => (QosPid::AtMostOnce, rest),
        _ => {
            let [a, b, rest @ ..] = rest else { return None };
            let id = super::PacketId::new(u16::from_be_bytes([*a, *b]))?;
            (if qos == 1 { QosPid::AtLeastOnce(id) } else { QosPid::ExactlyOnce(id) }, rest)
        }
    };
    let payload = match opts.version {
        Version::V311 => rest,
        // A Property Length of 0: no properties.
        Version::V5 => match rest {
            [0, payload @ ..] => payload,
            _ => return None,
        },
    };
    // Last, so that a 5.0 PUBLISH with properties leaves before the scan.
    let topic = TopicName::from_clean_ascii(topic)?;
    let publish = Publish {
        dup: flags & 0x08 != 0,
        qos,
        retain: flags & 0x01 != 0,
        topic,
        properties: Properties::EMPTY,
        payload,
    };
    Some(Status::Complete { item: Packet::Publish(publish), consumed: total })
}

encode_methods!(Publish);

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]
mod tests {
    extern crate std;
    use std::vec;
    use std::vec::Vec;

    use super::super::packet::decode_general;
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fast_path_takes_the_common_publishes() {
        // 3.1.1 QoS 1 "a/b" id 10 "hi" (the spec's variable-header example), and 5.0 QoS 0.
        let v311 = [0x32, 0x09, 0x00, 0x03, b'a', b'/', b'b', 0x00, 0x0A, b'h', b'i'];
        let v5 = [0x30, 0x06, 0x00, 0x03, b'a', b'/', b'b', 0x00];
        for (frame, v) in [(&v311[..], Version::V311), (&v5[..], Version::V5)] {
            let opts = DecodeOptions::new(v);
            let fast = decode_fast(frame, &opts);
            assert!(fast.is_some(), "{frame:x?}");
            assert_eq!(Ok(fast.unwrap()), decode_general(frame, &opts));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 20_000, ..ProptestConfig::default() })]

        #[test]
        fn fast_path_agrees_with_the_general_decoder(
            first in prop::sample::select(vec![0x30u8, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x38, 0x3A, 0x3B, 0x3D]),
            topic in "[a-z/+#\x00é]{0,6}",
            pid in 0u16..3,
            props in prop::sample::select(vec![vec![], vec![0u8], vec![2, 0x23, 0x00], vec![3, 0x23, 0x00, 0x01], vec![0x80]]),
            payload in prop::collection::vec(any::<u8>(), 0..300),
            extra in 0usize..3,
            cut in 0usize..4,
            max in prop::sample::select(vec![4u32, 16, 268_435_460]),
        ) {
            let mut body = Vec::new();
            body.extend_from_slice(&(topic.len() as u16 + extra as u16 % 2).to_be_bytes());
            body.extend_from_slice(topic.as_bytes());
            if first & 0x06 != 0 {
                body.extend_from_slice(&pid.to_be_bytes());
            }
            body.extend_from_slice(&props);
            body.extend_from_slice(&payload);
            let mut frame = vec![first];
            let (len, n) = super::super::varint::encode(body.len() as u32);
            frame.extend_from_slice(&len[..n]);
            frame.extend_from_slice(&body);
            frame.truncate(frame.len().saturating_sub(cut));
            for v in [Version::V311, Version::V5] {
                let opts = DecodeOptions::new(v).with_max_packet_size(max);
                if let Some(fast) = decode_fast(&frame, &opts) {
                    prop_assert_eq!(Ok(fast), decode_general(&frame, &opts));
                }
            }
        }
    }
}
