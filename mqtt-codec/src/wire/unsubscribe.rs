//! UNSUBSCRIBE and UNSUBACK (5.0 §3.10, §3.11; 3.1.1 §3.10, §3.11).

use super::cursor::{prefixed_len, Reader, Sink};
use super::packet::{encode_methods, read_packet_id, Body};
use super::subscribe::{check_codes, parse_filter, read_codes, read_filter};
use super::{
    properties, DecodeError, DecodeOptions, List, ListItem, Malformed, PacketId, PacketType, Properties,
    PropertyContext, ReasonCode, Version,
};
use crate::topic::TopicFilter;

impl<'a> ListItem<'a> for TopicFilter<'a> {
    fn parse_validated(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        parse_filter(buf)
    }
}

/// UNSUBSCRIBE: removes one or more subscriptions; fixed-header flags 0010 (`MQTT-3.10.1-1`).
///
/// Spec: 5.0 §3.10; 3.1.1 §3.10.
///
/// ```
/// use mqtt_codec::topic::TopicFilter;
/// use mqtt_codec::wire::{List, PacketId, Unsubscribe, Version};
/// let filters = [TopicFilter::new("a/+")?];
/// let u = Unsubscribe::new(PacketId::new(2).unwrap(), List::new(&filters));
/// let mut out = [0u8; 16];
/// let n = u.encode(Version::V311, &mut out)?;
/// assert_eq!(&out[..n], b"\xa2\x07\x00\x02\x00\x03a/+");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsubscribe<'a> {
    /// Packet Identifier.
    pub packet_id: PacketId,
    /// UNSUBSCRIBE properties (5.0): User Property.
    pub properties: Properties<'a>,
    /// The filters to remove, at least one.
    pub filters: List<'a, TopicFilter<'a>>,
}

impl<'a> Unsubscribe<'a> {
    /// An UNSUBSCRIBE without properties.
    pub const fn new(packet_id: PacketId, filters: List<'a, TopicFilter<'a>>) -> Self {
        Self { packet_id, properties: Properties::EMPTY, filters }
    }
}

impl<'a> Body<'a> for Unsubscribe<'a> {
    const TYPE: PacketType = PacketType::Unsubscribe;

    fn decode_body(r: &mut Reader<'a>, _: u8, opts: &DecodeOptions) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = properties::read_for(r, PropertyContext::Packet(Self::TYPE), opts.version, opts)?;
        if r.is_empty() {
            return Err(r.err(Malformed::EmptyUnsubscribe)); // MQTT-3.10.3-2
        }
        let start = r.offset();
        let all = r.rest();
        let mut payload = Reader::new(all, start);
        while !payload.is_empty() {
            read_filter(&mut payload)?;
        }
        Ok(Self { packet_id, properties, filters: List::from_wire(all) })
    }

    fn check(&self, v: Version) -> Result<usize, Malformed> {
        let mut len = 2 + properties::len_for(&self.properties, PropertyContext::Packet(Self::TYPE), v)?;
        if self.filters.is_empty() {
            return Err(Malformed::EmptyUnsubscribe);
        }
        // A TopicFilter is valid by construction (length, U+0000, wildcard placement).
        for f in self.filters.iter() {
            len += prefixed_len(f.as_str().len());
        }
        Ok(len)
    }

    fn write_body<S: Sink>(&self, v: Version, s: &mut S) {
        s.u16(self.packet_id.get());
        properties::write_for(s, &self.properties, v);
        for f in self.filters.iter() {
            s.binary(f.as_str().as_bytes());
        }
    }
}

/// UNSUBACK: acknowledges an UNSUBSCRIBE. 5.0 adds properties and one reason code per filter;
/// 3.1.1 has only the Packet Identifier.
///
/// Spec: 5.0 §3.11; 3.1.1 §3.11.
///
/// ```
/// use mqtt_codec::wire::{List, PacketId, ReasonCode, UnsubAck, Version};
/// let codes = [ReasonCode::NoSubscriptionExisted];
/// let ack = UnsubAck::new(PacketId::new(2).unwrap(), List::new(&codes));
/// let mut out = [0u8; 8];
/// assert_eq!(ack.encode(Version::V5, &mut out), Ok(6));
/// assert_eq!(&out[..6], [0xB0, 0x04, 0x00, 0x02, 0x00, 0x11]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsubAck<'a> {
    /// Packet Identifier of the UNSUBSCRIBE.
    pub packet_id: PacketId,
    /// UNSUBACK properties (5.0).
    pub properties: Properties<'a>,
    /// One code per filter (5.0; empty under 3.1.1).
    pub reason_codes: List<'a, ReasonCode>,
}

impl<'a> UnsubAck<'a> {
    /// An UNSUBACK without properties.
    pub const fn new(packet_id: PacketId, reason_codes: List<'a, ReasonCode>) -> Self {
        Self { packet_id, properties: Properties::EMPTY, reason_codes }
    }
}

impl<'a> Body<'a> for UnsubAck<'a> {
    const TYPE: PacketType = PacketType::UnsubAck;

    fn decode_body(r: &mut Reader<'a>, _: u8, opts: &DecodeOptions) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        if opts.version == Version::V311 {
            return Ok(Self::new(packet_id, List::EMPTY));
        }
        let properties = properties::read(r, PropertyContext::Packet(Self::TYPE), opts)?.0;
        let reason_codes = read_codes(r, Self::TYPE, opts.version)?;
        Ok(Self { packet_id, properties, reason_codes })
    }

    fn check(&self, v: Version) -> Result<usize, Malformed> {
        let plen = properties::len_for(&self.properties, PropertyContext::Packet(Self::TYPE), v)?;
        if v == Version::V311 {
            if let Some(rc) = self.reason_codes.iter().next() {
                return Err(Malformed::ReasonCodeNotInVersion(rc));
            }
            return Ok(2);
        }
        Ok(2 + plen + check_codes(&self.reason_codes, Self::TYPE, v)?)
    }

    fn write_body<S: Sink>(&self, v: Version, s: &mut S) {
        s.u16(self.packet_id.get());
        if v == Version::V5 {
            properties::write(s, &self.properties);
            for rc in self.reason_codes.iter() {
                s.u8(rc.value());
            }
        }
    }
}

encode_methods!(Unsubscribe, UnsubAck);
