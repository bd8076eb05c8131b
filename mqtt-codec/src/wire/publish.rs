//! PUBLISH (5.0 §3.3; 3.1.1 §3.3).

use super::cursor::{prefixed_len, Reader, Sink};
use super::packet::{encode_methods, read_packet_id, Body};
use super::{
    properties, DecodeError, DecodeOptions, Field, Malformed, PacketType, Properties, PropertyContext, PropertyId,
    QosPid, Version,
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

encode_methods!(Publish);
