//! SUBSCRIBE and SUBACK (5.0 §3.8, §3.9; 3.1.1 §3.8, §3.9).

use super::cursor::{prefixed_len, Reader, Sink};
use super::packet::{encode_methods, read_packet_id, Body};
use super::{
    properties, DecodeError, DecodeOptions, Field, List, ListItem, Malformed, PacketId, PacketType, Properties,
    PropertyContext, Qos, ReasonCode, Version,
};
use crate::topic::TopicFilter;

/// What a server does with retained messages when a subscription is made (5.0 §3.8.3.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum RetainHandling {
    /// 0: send retained messages at the time of the subscribe.
    #[default]
    SendAtSubscribe = 0,
    /// 1: send them only if the subscription did not exist.
    SendAtSubscribeIfNew = 1,
    /// 2: do not send them.
    DoNotSend = 2,
}

/// The Subscription Options byte (5.0 §3.8.3.1 Figure 3-20); 3.1.1 has only the QoS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SubscriptionOptions {
    /// Maximum QoS.
    pub qos: Qos,
    /// No Local (5.0): do not send my own publishes back to me.
    pub no_local: bool,
    /// Retain As Published (5.0).
    pub retain_as_published: bool,
    /// Retain Handling (5.0).
    pub retain_handling: RetainHandling,
}

impl SubscriptionOptions {
    /// The options byte.
    pub const fn to_byte(self) -> u8 {
        (self.qos as u8)
            | ((self.no_local as u8) << 2)
            | ((self.retain_as_published as u8) << 3)
            | ((self.retain_handling as u8) << 4)
    }

    /// Parses the options byte under `v`.
    ///
    /// # Errors
    /// [`Malformed::ReservedSubscriptionOptions`] (bits 7-6, and under 3.1.1 bits 7-2),
    /// [`Malformed::SubscriptionQosThree`], [`Malformed::RetainHandlingThree`].
    pub const fn from_byte(b: u8, v: Version) -> Result<Self, Malformed> {
        let reserved = match v {
            Version::V311 => 0xFC, // 3.1.1 §3.8.3.1: bits 7-2 reserved
            Version::V5 => 0xC0,   // MQTT-3.8.3-5
        };
        if b & reserved != 0 {
            return Err(Malformed::ReservedSubscriptionOptions);
        }
        let qos = match b & 0x03 {
            0 => Qos::AtMostOnce,
            1 => Qos::AtLeastOnce,
            2 => Qos::ExactlyOnce,
            _ => return Err(Malformed::SubscriptionQosThree),
        };
        let retain_handling = match (b >> 4) & 0x03 {
            0 => RetainHandling::SendAtSubscribe,
            1 => RetainHandling::SendAtSubscribeIfNew,
            2 => RetainHandling::DoNotSend,
            _ => return Err(Malformed::RetainHandlingThree),
        };
        Ok(Self { qos, no_local: b & 0x04 != 0, retain_as_published: b & 0x08 != 0, retain_handling })
    }
}

/// One Topic Filter with its options in a SUBSCRIBE.
///
/// ```
/// use mqtt_codec::topic::TopicFilter;
/// use mqtt_codec::wire::{Qos, Subscription};
/// let s = Subscription::new(TopicFilter::new("a/#")?, Qos::AtLeastOnce);
/// assert_eq!(s.options.qos, Qos::AtLeastOnce);
/// # Ok::<(), mqtt_codec::wire::Malformed>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subscription<'a> {
    /// The Topic Filter.
    pub filter: TopicFilter<'a>,
    /// Its Subscription Options.
    pub options: SubscriptionOptions,
}

impl<'a> Subscription<'a> {
    /// A subscription at `qos` with the other options at their defaults.
    pub const fn new(filter: TopicFilter<'a>, qos: Qos) -> Self {
        Self {
            filter,
            options: SubscriptionOptions {
                qos,
                no_local: false,
                retain_as_published: false,
                retain_handling: RetainHandling::SendAtSubscribe,
            },
        }
    }

    /// The option rules; the filter is valid by construction.
    #[inline]
    fn check(&self, v: Version) -> Result<(), Malformed> {
        let o = self.options;
        if v == Version::V311
            && (o.no_local || o.retain_as_published || o.retain_handling != RetainHandling::SendAtSubscribe)
        {
            return Err(Malformed::ReservedSubscriptionOptions);
        }
        if v == Version::V5 && o.no_local && self.filter.shared().is_some() {
            return Err(Malformed::NoLocalOnSharedSubscription); // MQTT-3.8.3-4 (5.0)
        }
        Ok(())
    }
}

impl<'a> ListItem<'a> for Subscription<'a> {
    fn parse_validated(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (filter, rest) = parse_filter(buf)?;
        let (&opts, rest) = rest.split_first()?;
        // Validated bytes: under 3.1.1 bits 7-2 are 0, so the 5.0 reading gives the same options.
        let options = SubscriptionOptions::from_byte(opts, Version::V5).ok()?;
        Some((Self { filter, options }, rest))
    }
}

/// Parses one validated, 2-byte-prefixed Topic Filter.
pub(crate) fn parse_filter(buf: &[u8]) -> Option<(TopicFilter<'_>, &[u8])> {
    let (len, rest) = buf.split_at_checked(2)?;
    let n = usize::from(u16::from_be_bytes([*len.first()?, *len.get(1)?]));
    let (s, rest) = rest.split_at_checked(n)?;
    Some((TopicFilter::from_wire(s).ok()?, rest))
}

/// Reads and validates one Topic Filter.
pub(crate) fn read_filter<'a>(r: &mut Reader<'a>) -> Result<TopicFilter<'a>, DecodeError> {
    let at = r.offset();
    let bytes = r.binary(Field::TopicFilter)?;
    TopicFilter::from_wire(bytes).map_err(|kind| DecodeError { kind, offset: at })
}

/// SUBSCRIBE: one or more subscriptions; fixed-header flags 0010 (`MQTT-3.8.1-1`).
///
/// Spec: 5.0 §3.8; 3.1.1 §3.8.
///
/// ```
/// use mqtt_codec::topic::TopicFilter;
/// use mqtt_codec::wire::{List, PacketId, Qos, Subscribe, Subscription, Version};
/// let subs = [Subscription::new(TopicFilter::new("a/b")?, Qos::AtLeastOnce)];
/// let s = Subscribe::new(PacketId::new(1).unwrap(), List::new(&subs));
/// let mut out = [0u8; 16];
/// let n = s.encode(Version::V311, &mut out)?;
/// assert_eq!(&out[..n], b"\x82\x08\x00\x01\x00\x03a/b\x01");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscribe<'a> {
    /// Packet Identifier.
    pub packet_id: PacketId,
    /// SUBSCRIBE properties (5.0): Subscription Identifier, User Property.
    pub properties: Properties<'a>,
    /// The subscriptions, at least one.
    pub subscriptions: List<'a, Subscription<'a>>,
}

impl<'a> Subscribe<'a> {
    /// A SUBSCRIBE without properties.
    pub const fn new(packet_id: PacketId, subscriptions: List<'a, Subscription<'a>>) -> Self {
        Self { packet_id, properties: Properties::EMPTY, subscriptions }
    }
}

impl<'a> Body<'a> for Subscribe<'a> {
    const TYPE: PacketType = PacketType::Subscribe;

    fn decode_body(r: &mut Reader<'a>, _: u8, opts: &DecodeOptions) -> Result<Self, DecodeError> {
        let v = opts.version;
        let packet_id = read_packet_id(r)?;
        let properties = properties::read_for(r, PropertyContext::Packet(Self::TYPE), v, opts)?;
        if r.is_empty() {
            return Err(r.err(Malformed::EmptySubscribe)); // MQTT-3.8.3-2 (5.0)
        }
        let start = r.offset();
        let all = r.rest();
        let mut payload = Reader::new(all, start);
        while !payload.is_empty() {
            let filter = read_filter(&mut payload)?;
            let at = payload.offset();
            let b = payload.u8(Field::SubscriptionOptions)?;
            let bad = |kind| DecodeError { kind, offset: at };
            let options = SubscriptionOptions::from_byte(b, v).map_err(bad)?;
            Subscription { filter, options }.check(v).map_err(bad)?;
        }
        Ok(Self { packet_id, properties, subscriptions: List::from_wire(all) })
    }

    fn check(&self, v: Version) -> Result<usize, Malformed> {
        let mut len = 2 + properties::len_for(&self.properties, PropertyContext::Packet(Self::TYPE), v)?;
        if self.subscriptions.is_empty() {
            return Err(Malformed::EmptySubscribe);
        }
        let mut add = |s: &Subscription<'_>| -> Result<(), Malformed> {
            s.check(v)?;
            len += prefixed_len(s.filter.as_str().len()) + 1;
            Ok(())
        };
        match self.subscriptions.as_slice() {
            Some(subs) => subs.iter().try_for_each(add)?,
            None => self.subscriptions.iter().try_for_each(|s| add(&s))?,
        }
        Ok(len)
    }

    fn write_body<S: Sink>(&self, v: Version, s: &mut S) {
        s.u16(self.packet_id.get());
        properties::write_for(s, &self.properties, v);
        let mut put = |sub: &Subscription<'_>| {
            s.binary(sub.filter.as_str().as_bytes());
            s.u8(sub.options.to_byte());
        };
        // A caller's slice is walked directly; decoded lists re-parse their bytes.
        match self.subscriptions.as_slice() {
            Some(subs) => subs.iter().for_each(put),
            None => self.subscriptions.iter().for_each(|sub| put(&sub)),
        }
    }
}

impl<'a> ListItem<'a> for ReasonCode {
    fn parse_validated(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        let (&b, rest) = buf.split_first()?;
        Some((ReasonCode::try_from(b).ok()?, rest))
    }
}

/// Reads a list of one-byte reason codes, at least one, each checked for `ptype` (and, for a
/// 3.1.1 SUBACK, against the 3.1.1 return codes, 3.1.1 §3.9.3).
pub(crate) fn read_codes<'a>(
    r: &mut Reader<'a>,
    ptype: PacketType,
    v: Version,
) -> Result<List<'a, ReasonCode>, DecodeError> {
    let start = r.offset();
    let bytes = r.rest();
    if bytes.is_empty() {
        // MQTT-3.8.4-6 (5.0) / MQTT-3.11.3-2 (5.0): one code per Topic Filter, and there is one at least.
        return Err(DecodeError { kind: Malformed::NoReasonCodes(ptype), offset: start });
    }
    for (i, &b) in bytes.iter().enumerate() {
        let bad = |kind| DecodeError { kind, offset: start + i };
        if v == Version::V311 && !matches!(b, 0x00..=0x02 | 0x80) {
            return Err(bad(Malformed::ReservedSubAckReturnCode(b))); // 3.1.1 §3.9.3
        }
        ReasonCode::decode_in(b, ptype).map_err(bad)?;
    }
    Ok(List::from_wire(bytes))
}

pub(crate) fn check_codes(codes: &List<'_, ReasonCode>, ptype: PacketType, v: Version) -> Result<usize, Malformed> {
    let mut n = 0;
    for rc in codes.iter() {
        rc.check_in(ptype)?;
        if v == Version::V311 && !rc.is_suback_v3() {
            return Err(Malformed::ReasonCodeNotInVersion(rc));
        }
        n += 1;
    }
    if n == 0 {
        return Err(Malformed::NoReasonCodes(ptype));
    }
    Ok(n)
}

/// SUBACK: one reason code per Topic Filter of the SUBSCRIBE (5.0 §3.9; 3.1.1 §3.9, where the
/// codes are 0x00-0x02 granted QoS and 0x80 Failure).
///
/// ```
/// use mqtt_codec::wire::{List, PacketId, ReasonCode, SubAck, Version};
/// let codes = [ReasonCode::GrantedQos1, ReasonCode::UnspecifiedError];
/// let ack = SubAck::new(PacketId::new(1).unwrap(), List::new(&codes));
/// let mut out = [0u8; 8];
/// assert_eq!(ack.encode(Version::V311, &mut out), Ok(6));
/// assert_eq!(&out[..6], [0x90, 0x04, 0x00, 0x01, 0x01, 0x80]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubAck<'a> {
    /// Packet Identifier of the SUBSCRIBE.
    pub packet_id: PacketId,
    /// SUBACK properties (5.0).
    pub properties: Properties<'a>,
    /// One code per subscription, in order.
    pub reason_codes: List<'a, ReasonCode>,
}

impl<'a> SubAck<'a> {
    /// A SUBACK without properties.
    pub const fn new(packet_id: PacketId, reason_codes: List<'a, ReasonCode>) -> Self {
        Self { packet_id, properties: Properties::EMPTY, reason_codes }
    }
}

impl<'a> Body<'a> for SubAck<'a> {
    const TYPE: PacketType = PacketType::SubAck;

    fn decode_body(r: &mut Reader<'a>, _: u8, opts: &DecodeOptions) -> Result<Self, DecodeError> {
        let packet_id = read_packet_id(r)?;
        let properties = properties::read_for(r, PropertyContext::Packet(Self::TYPE), opts.version, opts)?;
        let reason_codes = read_codes(r, Self::TYPE, opts.version)?;
        Ok(Self { packet_id, properties, reason_codes })
    }

    fn check(&self, v: Version) -> Result<usize, Malformed> {
        let plen = properties::len_for(&self.properties, PropertyContext::Packet(Self::TYPE), v)?;
        Ok(2 + plen + check_codes(&self.reason_codes, Self::TYPE, v)?)
    }

    fn write_body<S: Sink>(&self, v: Version, s: &mut S) {
        s.u16(self.packet_id.get());
        properties::write_for(s, &self.properties, v);
        for rc in self.reason_codes.iter() {
            s.u8(rc.value());
        }
    }
}

encode_methods!(Subscribe, SubAck);
