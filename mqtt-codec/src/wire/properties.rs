//! MQTT 5.0 properties (5.0 §2.2.2): identifiers, typed values, which packet may carry which,
//! and the checks shared by the decoder and the encoder.

use core::fmt;

use super::cursor::{prefixed_len, Reader, Sink};
use super::{
    string, varint, DecodeError, DecodeOptions, Field, List, ListItem, Malformed, PacketType, PropertyContext, Qos,
    Version,
};
use crate::topic::TopicName;

/// A property list. Decoded lists keep the order the sender chose (5.0 §2.2.2.2,
/// `MQTT-3.3.2-18`), so re-encoding gives the same bytes.
pub type Properties<'a> = List<'a, Property<'a>>;

macro_rules! property_ids {
    ($($name:ident = $value:literal, $text:literal;)*) => {
        /// A property identifier (5.0 §2.2.2.2 Table 2-4).
        ///
        /// ```
        /// use mqtt_codec::wire::PropertyId;
        /// assert_eq!(PropertyId::try_from(0x23).unwrap(), PropertyId::TopicAlias);
        /// assert_eq!(PropertyId::TopicAlias.name(), "Topic Alias");
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[repr(u8)]
        #[non_exhaustive]
        pub enum PropertyId {
            $(#[doc = $text] $name = $value,)*
        }

        impl PropertyId {
            /// The property's name as Table 2-4 writes it.
            pub const fn name(self) -> &'static str {
                match self { $(Self::$name => $text,)* }
            }
        }

        impl TryFrom<u32> for PropertyId {
            type Error = Malformed;
            /// # Errors
            /// [`Malformed::UnknownProperty`].
            fn try_from(v: u32) -> Result<Self, Malformed> {
                match v {
                    $($value => Ok(Self::$name),)*
                    other => Err(Malformed::UnknownProperty(other)),
                }
            }
        }
    };
}

property_ids! {
    PayloadFormatIndicator = 0x01, "Payload Format Indicator";
    MessageExpiryInterval = 0x02, "Message Expiry Interval";
    ContentType = 0x03, "Content Type";
    ResponseTopic = 0x08, "Response Topic";
    CorrelationData = 0x09, "Correlation Data";
    SubscriptionIdentifier = 0x0B, "Subscription Identifier";
    SessionExpiryInterval = 0x11, "Session Expiry Interval";
    AssignedClientIdentifier = 0x12, "Assigned Client Identifier";
    ServerKeepAlive = 0x13, "Server Keep Alive";
    AuthenticationMethod = 0x15, "Authentication Method";
    AuthenticationData = 0x16, "Authentication Data";
    RequestProblemInformation = 0x17, "Request Problem Information";
    WillDelayInterval = 0x18, "Will Delay Interval";
    RequestResponseInformation = 0x19, "Request Response Information";
    ResponseInformation = 0x1A, "Response Information";
    ServerReference = 0x1C, "Server Reference";
    ReasonString = 0x1F, "Reason String";
    ReceiveMaximum = 0x21, "Receive Maximum";
    TopicAliasMaximum = 0x22, "Topic Alias Maximum";
    TopicAlias = 0x23, "Topic Alias";
    MaximumQos = 0x24, "Maximum QoS";
    RetainAvailable = 0x25, "Retain Available";
    UserProperty = 0x26, "User Property";
    MaximumPacketSize = 0x27, "Maximum Packet Size";
    WildcardSubscriptionAvailable = 0x28, "Wildcard Subscription Available";
    SubscriptionIdentifierAvailable = 0x29, "Subscription Identifier Available";
    SharedSubscriptionAvailable = 0x2A, "Shared Subscription Available";
}

impl fmt::Display for PropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

const fn bit(id: PropertyId) -> u64 {
    1u64 << (id as u8)
}

const fn mask(mut ids: &[PropertyId]) -> u64 {
    let mut m = 0;
    while let [first, rest @ ..] = ids {
        m |= bit(*first);
        ids = rest;
    }
    m
}

// The allowed sets, evaluated at compile time (a `const fn` called at run time would loop).
const ALLOWED_IN_WILL: u64 = mask(&[
    PropertyId::PayloadFormatIndicator,
    PropertyId::MessageExpiryInterval,
    PropertyId::ContentType,
    PropertyId::ResponseTopic,
    PropertyId::CorrelationData,
    PropertyId::WillDelayInterval,
    PropertyId::UserProperty,
]);
const ALLOWED_IN_CONNECT: u64 = mask(&[
    PropertyId::SessionExpiryInterval,
    PropertyId::AuthenticationMethod,
    PropertyId::AuthenticationData,
    PropertyId::RequestProblemInformation,
    PropertyId::RequestResponseInformation,
    PropertyId::ReceiveMaximum,
    PropertyId::TopicAliasMaximum,
    PropertyId::UserProperty,
    PropertyId::MaximumPacketSize,
]);
const ALLOWED_IN_CONNACK: u64 = mask(&[
    PropertyId::SessionExpiryInterval,
    PropertyId::AssignedClientIdentifier,
    PropertyId::ServerKeepAlive,
    PropertyId::AuthenticationMethod,
    PropertyId::AuthenticationData,
    PropertyId::ResponseInformation,
    PropertyId::ServerReference,
    PropertyId::ReasonString,
    PropertyId::ReceiveMaximum,
    PropertyId::TopicAliasMaximum,
    PropertyId::MaximumQos,
    PropertyId::RetainAvailable,
    PropertyId::UserProperty,
    PropertyId::MaximumPacketSize,
    PropertyId::WildcardSubscriptionAvailable,
    PropertyId::SubscriptionIdentifierAvailable,
    PropertyId::SharedSubscriptionAvailable,
]);
const ALLOWED_IN_PUBLISH: u64 = mask(&[
    PropertyId::PayloadFormatIndicator,
    PropertyId::MessageExpiryInterval,
    PropertyId::ContentType,
    PropertyId::ResponseTopic,
    PropertyId::CorrelationData,
    PropertyId::SubscriptionIdentifier,
    PropertyId::TopicAlias,
    PropertyId::UserProperty,
]);
const ALLOWED_IN_ACKS: u64 = mask(&[PropertyId::ReasonString, PropertyId::UserProperty]);
const ALLOWED_IN_SUBSCRIBE: u64 = mask(&[PropertyId::SubscriptionIdentifier, PropertyId::UserProperty]);
const ALLOWED_IN_UNSUBSCRIBE: u64 = mask(&[PropertyId::UserProperty]);
const ALLOWED_IN_DISCONNECT: u64 = mask(&[
    PropertyId::SessionExpiryInterval,
    PropertyId::ServerReference,
    PropertyId::ReasonString,
    PropertyId::UserProperty,
]);
const ALLOWED_IN_AUTH: u64 = mask(&[
    PropertyId::AuthenticationMethod,
    PropertyId::AuthenticationData,
    PropertyId::ReasonString,
    PropertyId::UserProperty,
]);

impl PropertyContext {
    /// The identifiers this packet (or the will) may carry (5.0 §2.2.2.2 Table 2-4).
    const fn allowed(self) -> u64 {
        match self {
            Self::Will => ALLOWED_IN_WILL,
            Self::Packet(p) => match p {
                PacketType::Connect => ALLOWED_IN_CONNECT,
                PacketType::ConnAck => ALLOWED_IN_CONNACK,
                PacketType::Publish => ALLOWED_IN_PUBLISH,
                PacketType::PubAck
                | PacketType::PubRec
                | PacketType::PubRel
                | PacketType::PubComp
                | PacketType::SubAck
                | PacketType::UnsubAck => ALLOWED_IN_ACKS,
                PacketType::Subscribe => ALLOWED_IN_SUBSCRIBE,
                PacketType::Unsubscribe => ALLOWED_IN_UNSUBSCRIBE,
                PacketType::Disconnect => ALLOWED_IN_DISCONNECT,
                PacketType::Auth => ALLOWED_IN_AUTH,
                PacketType::PingReq | PacketType::PingResp => 0,
            },
        }
    }

    /// Identifiers that may appear more than once here: User Property everywhere, Subscription
    /// Identifier in PUBLISH (one per matching subscription, 5.0 §3.3.2.3.8).
    const fn repeatable(self) -> u64 {
        match self {
            Self::Packet(PacketType::Publish) => {
                bit(PropertyId::UserProperty) | bit(PropertyId::SubscriptionIdentifier)
            }
            _ => bit(PropertyId::UserProperty),
        }
    }
}

/// One MQTT 5.0 property with its typed value.
///
/// Byte properties that may only be 0 or 1 are `bool`s; Maximum QoS is a [`Qos`] (0 or 1).
///
/// Spec: 5.0 §2.2.2.2 Table 2-4 and each property's section in §3.
///
/// ```
/// use mqtt_codec::wire::{Property, PropertyId};
/// let p = Property::UserProperty("unit", "°C");
/// assert_eq!(p.id(), PropertyId::UserProperty);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Property<'a> {
    /// 0x01: the payload is UTF-8 (`true`) or unspecified bytes.
    PayloadFormatIndicator(bool),
    /// 0x02: lifetime of the message in seconds.
    MessageExpiryInterval(u32),
    /// 0x03: content type of the payload.
    ContentType(&'a str),
    /// 0x08: topic for a response (a Topic Name, `MQTT-3.3.2-14`).
    ResponseTopic(TopicName<'a>),
    /// 0x09: correlation data for request/response.
    CorrelationData(&'a [u8]),
    /// 0x0B: subscription identifier, 1..=268,435,455.
    SubscriptionIdentifier(u32),
    /// 0x11: session expiry in seconds (`u32::MAX`: never).
    SessionExpiryInterval(u32),
    /// 0x12: the client identifier the server assigned.
    AssignedClientIdentifier(&'a str),
    /// 0x13: keep alive the server imposes, in seconds.
    ServerKeepAlive(u16),
    /// 0x15: name of the extended authentication method.
    AuthenticationMethod(&'a str),
    /// 0x16: authentication data of the method.
    AuthenticationData(&'a [u8]),
    /// 0x17: whether the server may send Reason String / User Properties on failures.
    RequestProblemInformation(bool),
    /// 0x18: delay before the will is published, in seconds.
    WillDelayInterval(u32),
    /// 0x19: whether the client asks for Response Information.
    RequestResponseInformation(bool),
    /// 0x1A: basis for response topics.
    ResponseInformation(&'a str),
    /// 0x1C: another server to use.
    ServerReference(&'a str),
    /// 0x1F: human-readable reason.
    ReasonString(&'a str),
    /// 0x21: how many QoS 1/2 publishes may be unacknowledged; not 0.
    ReceiveMaximum(u16),
    /// 0x22: highest topic alias accepted.
    TopicAliasMaximum(u16),
    /// 0x23: topic alias; not 0.
    TopicAlias(u16),
    /// 0x24: highest QoS the server supports (0 or 1; absent means 2).
    MaximumQos(Qos),
    /// 0x25: whether retained messages are supported.
    RetainAvailable(bool),
    /// 0x26: a name/value pair; repeatable, names may repeat.
    UserProperty(&'a str, &'a str),
    /// 0x27: largest packet accepted, in bytes; not 0.
    MaximumPacketSize(u32),
    /// 0x28: whether wildcard subscriptions are supported.
    WildcardSubscriptionAvailable(bool),
    /// 0x29: whether subscription identifiers are supported.
    SubscriptionIdentifierAvailable(bool),
    /// 0x2A: whether shared subscriptions are supported.
    SharedSubscriptionAvailable(bool),
}

impl<'a> Property<'a> {
    /// The property's identifier.
    pub const fn id(&self) -> PropertyId {
        use PropertyId as I;
        match self {
            Self::PayloadFormatIndicator(_) => I::PayloadFormatIndicator,
            Self::MessageExpiryInterval(_) => I::MessageExpiryInterval,
            Self::ContentType(_) => I::ContentType,
            Self::ResponseTopic(_) => I::ResponseTopic,
            Self::CorrelationData(_) => I::CorrelationData,
            Self::SubscriptionIdentifier(_) => I::SubscriptionIdentifier,
            Self::SessionExpiryInterval(_) => I::SessionExpiryInterval,
            Self::AssignedClientIdentifier(_) => I::AssignedClientIdentifier,
            Self::ServerKeepAlive(_) => I::ServerKeepAlive,
            Self::AuthenticationMethod(_) => I::AuthenticationMethod,
            Self::AuthenticationData(_) => I::AuthenticationData,
            Self::RequestProblemInformation(_) => I::RequestProblemInformation,
            Self::WillDelayInterval(_) => I::WillDelayInterval,
            Self::RequestResponseInformation(_) => I::RequestResponseInformation,
            Self::ResponseInformation(_) => I::ResponseInformation,
            Self::ServerReference(_) => I::ServerReference,
            Self::ReasonString(_) => I::ReasonString,
            Self::ReceiveMaximum(_) => I::ReceiveMaximum,
            Self::TopicAliasMaximum(_) => I::TopicAliasMaximum,
            Self::TopicAlias(_) => I::TopicAlias,
            Self::MaximumQos(_) => I::MaximumQos,
            Self::RetainAvailable(_) => I::RetainAvailable,
            Self::UserProperty(..) => I::UserProperty,
            Self::MaximumPacketSize(_) => I::MaximumPacketSize,
            Self::WildcardSubscriptionAvailable(_) => I::WildcardSubscriptionAvailable,
            Self::SubscriptionIdentifierAvailable(_) => I::SubscriptionIdentifierAvailable,
            Self::SharedSubscriptionAvailable(_) => I::SharedSubscriptionAvailable,
        }
    }

    /// Reads one property (identifier and value), checking its type's format rules.
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self, DecodeError> {
        const F: Field = Field::Properties;
        let at = r.offset();
        let id = PropertyId::try_from(r.varint(F)?).map_err(|kind| DecodeError { kind, offset: at })?;
        let bad = |kind| DecodeError { kind, offset: at };
        let flag = |r: &mut Reader<'a>| -> Result<bool, DecodeError> {
            match r.u8(F)? {
                0 => Ok(false),
                1 => Ok(true),
                _ => Err(bad(Malformed::InvalidPropertyValue(id))),
            }
        };
        use PropertyId as I;
        let p = match id {
            I::PayloadFormatIndicator => Self::PayloadFormatIndicator(flag(r)?),
            I::MessageExpiryInterval => Self::MessageExpiryInterval(r.u32(F)?),
            I::ContentType => Self::ContentType(r.string(F)?),
            I::ResponseTopic => {
                let t = TopicName::from_wire(r.binary(F)?).map_err(bad)?;
                if t.is_empty() {
                    return Err(bad(Malformed::EmptyTopicName)); // MQTT-4.7.3-1
                }
                Self::ResponseTopic(t)
            }
            I::CorrelationData => Self::CorrelationData(r.binary(F)?),
            I::SubscriptionIdentifier => Self::SubscriptionIdentifier(r.varint(F)?),
            I::SessionExpiryInterval => Self::SessionExpiryInterval(r.u32(F)?),
            I::AssignedClientIdentifier => Self::AssignedClientIdentifier(r.string(F)?),
            I::ServerKeepAlive => Self::ServerKeepAlive(r.u16(F)?),
            I::AuthenticationMethod => Self::AuthenticationMethod(r.string(F)?),
            I::AuthenticationData => Self::AuthenticationData(r.binary(F)?),
            I::RequestProblemInformation => Self::RequestProblemInformation(flag(r)?),
            I::WillDelayInterval => Self::WillDelayInterval(r.u32(F)?),
            I::RequestResponseInformation => Self::RequestResponseInformation(flag(r)?),
            I::ResponseInformation => Self::ResponseInformation(r.string(F)?),
            I::ServerReference => Self::ServerReference(r.string(F)?),
            I::ReasonString => Self::ReasonString(r.string(F)?),
            I::ReceiveMaximum => Self::ReceiveMaximum(r.u16(F)?),
            I::TopicAliasMaximum => Self::TopicAliasMaximum(r.u16(F)?),
            I::TopicAlias => Self::TopicAlias(r.u16(F)?),
            I::MaximumQos => match r.u8(F)? {
                0 => Self::MaximumQos(Qos::AtMostOnce),
                1 => Self::MaximumQos(Qos::AtLeastOnce),
                _ => return Err(bad(Malformed::InvalidPropertyValue(id))),
            },
            I::RetainAvailable => Self::RetainAvailable(flag(r)?),
            I::UserProperty => {
                let k = r.string(F)?;
                Self::UserProperty(k, r.string(F)?)
            }
            I::MaximumPacketSize => Self::MaximumPacketSize(r.u32(F)?),
            I::WildcardSubscriptionAvailable => Self::WildcardSubscriptionAvailable(flag(r)?),
            I::SubscriptionIdentifierAvailable => Self::SubscriptionIdentifierAvailable(flag(r)?),
            I::SharedSubscriptionAvailable => Self::SharedSubscriptionAvailable(flag(r)?),
        };
        Ok(p)
    }

    /// Value rules shared by decoder and encoder (5.0 §3.1.2.11.3, §3.1.2.11.4, §3.3.2.3.4,
    /// §3.3.2.3.8, §3.2.2.3.4): zeros that mean nothing.
    #[inline]
    pub(crate) fn check_range(&self) -> Result<(), Malformed> {
        let id = self.id();
        match *self {
            Self::ReceiveMaximum(0) | Self::TopicAlias(0) | Self::MaximumPacketSize(0) => {
                Err(Malformed::InvalidPropertyValue(id))
            }
            Self::SubscriptionIdentifier(v) if v == 0 || v > varint::MAX => Err(Malformed::InvalidPropertyValue(id)),
            Self::MaximumQos(Qos::ExactlyOnce) => Err(Malformed::InvalidPropertyValue(id)),
            _ => Ok(()),
        }
    }

    /// Field rules for a property the caller built: strings and binary data of at most 65,535
    /// bytes, no U+0000 (5.0 §1.5.4, §1.5.6). The decoder gets these from the wire format.
    #[inline]
    pub(crate) fn check_fields(&self) -> Result<(), Malformed> {
        const F: Field = Field::Properties;
        match *self {
            Self::ContentType(s)
            | Self::AssignedClientIdentifier(s)
            | Self::AuthenticationMethod(s)
            | Self::ResponseInformation(s)
            | Self::ServerReference(s)
            | Self::ReasonString(s) => string::check_encode(s, F),
            Self::ResponseTopic(t) => string::check_encode(t.as_str(), F),
            Self::UserProperty(k, v) => {
                string::check_encode(k, F)?;
                string::check_encode(v, F)
            }
            Self::CorrelationData(b) | Self::AuthenticationData(b) => string::check_binary(b, F),
            _ => Ok(()),
        }
    }

    /// Bytes on the wire: identifier plus value.
    #[inline]
    pub(crate) fn wire_len(&self) -> usize {
        1 + match *self {
            Self::PayloadFormatIndicator(_)
            | Self::RequestProblemInformation(_)
            | Self::RequestResponseInformation(_)
            | Self::MaximumQos(_)
            | Self::RetainAvailable(_)
            | Self::WildcardSubscriptionAvailable(_)
            | Self::SubscriptionIdentifierAvailable(_)
            | Self::SharedSubscriptionAvailable(_) => 1,
            Self::ServerKeepAlive(_) | Self::ReceiveMaximum(_) | Self::TopicAliasMaximum(_) | Self::TopicAlias(_) => 2,
            Self::MessageExpiryInterval(_)
            | Self::SessionExpiryInterval(_)
            | Self::WillDelayInterval(_)
            | Self::MaximumPacketSize(_) => 4,
            Self::SubscriptionIdentifier(v) => varint::len(v),
            Self::ContentType(s)
            | Self::AssignedClientIdentifier(s)
            | Self::AuthenticationMethod(s)
            | Self::ResponseInformation(s)
            | Self::ServerReference(s)
            | Self::ReasonString(s) => prefixed_len(s.len()),
            Self::ResponseTopic(t) => prefixed_len(t.as_str().len()),
            Self::CorrelationData(b) | Self::AuthenticationData(b) => prefixed_len(b.len()),
            Self::UserProperty(k, v) => prefixed_len(k.len()) + prefixed_len(v.len()),
        }
    }

    pub(crate) fn write<S: Sink>(&self, s: &mut S) {
        s.u8(self.id() as u8);
        match *self {
            Self::PayloadFormatIndicator(b)
            | Self::RequestProblemInformation(b)
            | Self::RequestResponseInformation(b)
            | Self::RetainAvailable(b)
            | Self::WildcardSubscriptionAvailable(b)
            | Self::SubscriptionIdentifierAvailable(b)
            | Self::SharedSubscriptionAvailable(b) => s.u8(u8::from(b)),
            Self::MaximumQos(q) => s.u8(q as u8),
            Self::ServerKeepAlive(v) | Self::ReceiveMaximum(v) | Self::TopicAliasMaximum(v) | Self::TopicAlias(v) => {
                s.u16(v)
            }
            Self::MessageExpiryInterval(v)
            | Self::SessionExpiryInterval(v)
            | Self::WillDelayInterval(v)
            | Self::MaximumPacketSize(v) => s.u32(v),
            Self::SubscriptionIdentifier(v) => s.varint(v),
            Self::ContentType(v)
            | Self::AssignedClientIdentifier(v)
            | Self::AuthenticationMethod(v)
            | Self::ResponseInformation(v)
            | Self::ServerReference(v)
            | Self::ReasonString(v) => s.binary(v.as_bytes()),
            Self::ResponseTopic(t) => s.binary(t.as_str().as_bytes()),
            Self::CorrelationData(b) | Self::AuthenticationData(b) => s.binary(b),
            Self::UserProperty(k, v) => {
                s.binary(k.as_bytes());
                s.binary(v.as_bytes());
            }
        }
    }
}

impl<'a> ListItem<'a> for Property<'a> {
    fn parse_validated(buf: &'a [u8]) -> Option<(Self, &'a [u8])> {
        if buf.is_empty() {
            return None;
        }
        let mut r = Reader::new(buf, 0);
        let p = Property::read(&mut r).ok()?;
        let used = r.offset();
        Some((p, buf.get(used..)?))
    }
}

/// Set-level rules for one property list: allowed here, not repeated, limits, Authentication
/// Data only with a method (5.0 §2.2.2.2, §3.1.2.11.10).
pub(crate) struct Checker {
    ctx: PropertyContext,
    allowed: u64,
    repeatable: u64,
    seen: u64,
    count: u16,
    users: u16,
    max_properties: u16,
    max_user_properties: u16,
}

impl Checker {
    #[inline]
    pub(crate) fn new(ctx: PropertyContext, max_properties: u16, max_user_properties: u16) -> Self {
        Self {
            ctx,
            allowed: ctx.allowed(),
            repeatable: ctx.repeatable(),
            seen: 0,
            count: 0,
            users: 0,
            max_properties,
            max_user_properties,
        }
    }

    #[inline]
    pub(crate) fn add(&mut self, p: &Property<'_>) -> Result<(), Malformed> {
        let id = p.id();
        let b = bit(id);
        if self.allowed & b == 0 {
            return Err(Malformed::PropertyNotAllowed { id, packet: self.ctx });
        }
        if self.seen & b != 0 && self.repeatable & b == 0 {
            return Err(Malformed::DuplicateProperty(id));
        }
        self.seen |= b;
        p.check_range()?;
        self.count = self.count.saturating_add(1);
        if self.count > self.max_properties {
            return Err(Malformed::TooManyProperties(self.max_properties));
        }
        if id == PropertyId::UserProperty {
            self.users = self.users.saturating_add(1);
            if self.users > self.max_user_properties {
                return Err(Malformed::TooManyUserProperties(self.max_user_properties));
            }
        }
        Ok(())
    }

    #[inline]
    pub(crate) fn finish(&self) -> Result<(), Malformed> {
        // 5.0 §3.1.2.11.10: Authentication Data without Authentication Method is a Protocol Error.
        if self.seen & bit(PropertyId::AuthenticationData) != 0
            && self.seen & bit(PropertyId::AuthenticationMethod) == 0
        {
            return Err(Malformed::AuthenticationDataWithoutMethod);
        }
        Ok(())
    }

    pub(crate) fn has(&self, id: PropertyId) -> bool {
        self.seen & bit(id) != 0
    }
}

/// Reads a Property Length and the list after it (5.0 §2.2.2.1), checking every rule.
pub(crate) fn read<'a>(
    r: &mut Reader<'a>,
    ctx: PropertyContext,
    opts: &DecodeOptions,
) -> Result<(Properties<'a>, Checker), DecodeError> {
    let len = r.varint(Field::Properties)?;
    let start = r.offset();
    let bytes = r.take(len as usize, Field::Properties)?;
    let mut pr = Reader::new(bytes, start);
    let mut check = Checker::new(ctx, opts.max_properties, opts.max_user_properties);
    while !pr.is_empty() {
        let at = pr.offset();
        let p = Property::read(&mut pr)?;
        check.add(&p).map_err(|kind| DecodeError { kind, offset: at })?;
    }
    check.finish().map_err(|kind| DecodeError { kind, offset: start })?;
    Ok((List::from_wire(bytes), check))
}

/// Checks a list about to be encoded with the decoder's rules; returns the checker (to ask
/// which properties are present) and the byte length of the list (without its length prefix).
#[inline]
pub(crate) fn check_encode(props: &Properties<'_>, ctx: PropertyContext) -> Result<(Checker, usize), Malformed> {
    let mut check = Checker::new(ctx, u16::MAX, u16::MAX);
    let mut len = 0usize;
    let mut add = |p: &Property<'_>| -> Result<(), Malformed> {
        check.add(p)?;
        p.check_fields()?;
        len += p.wire_len();
        Ok(())
    };
    // A caller's slice is walked directly; decoded lists re-parse their bytes.
    match props.as_slice() {
        Some(items) => items.iter().try_for_each(add)?,
        None => props.iter().try_for_each(|p| add(&p))?,
    }
    check.finish()?;
    if let Some(b) = props.wire_bytes() {
        len = b.len();
    }
    Ok((check, len))
}

fn body_len(props: &Properties<'_>) -> usize {
    match props.wire_bytes() {
        Some(b) => b.len(),
        None => props.as_slice().unwrap_or(&[]).iter().map(Property::wire_len).sum(),
    }
}

/// Writes the Property Length and the list.
pub(crate) fn write<S: Sink>(s: &mut S, props: &Properties<'_>) {
    s.varint(body_len(props) as u32);
    match props.wire_bytes() {
        // Validated bytes re-encode to themselves (identifiers and values are minimal), so a
        // decoded list is written as it came.
        Some(b) => s.put(b),
        None => props.as_slice().unwrap_or(&[]).iter().for_each(|p| p.write(s)),
    }
}

impl<'a> Properties<'a> {
    /// The first property with this identifier.
    ///
    /// ```
    /// use mqtt_codec::wire::{List, Property, PropertyId};
    /// let props = [Property::TopicAlias(3)];
    /// assert_eq!(List::new(&props).get(PropertyId::TopicAlias), Some(Property::TopicAlias(3)));
    /// ```
    pub fn get(&self, id: PropertyId) -> Option<Property<'a>> {
        self.iter().find(|p| p.id() == id)
    }

    /// The Topic Alias, if present.
    pub fn topic_alias(&self) -> Option<u16> {
        match self.get(PropertyId::TopicAlias) {
            Some(Property::TopicAlias(a)) => Some(a),
            _ => None,
        }
    }

    /// The User Properties, in order.
    pub fn user_properties(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.iter().filter_map(|p| match p {
            Property::UserProperty(k, v) => Some((k, v)),
            _ => None,
        })
    }
}

/// Checks a property list for encoding under `v` and returns its bytes with the length prefix
/// (0 under 3.1.1, which has no properties: a non-empty list is refused).
pub(crate) fn len_for(props: &Properties<'_>, ctx: PropertyContext, v: Version) -> Result<usize, Malformed> {
    match v {
        Version::V311 if props.is_empty() => Ok(0),
        Version::V311 => Err(Malformed::PropertiesNotInVersion),
        Version::V5 => len_v5(props, ctx),
    }
}

/// Kept out of line so that packets that rarely carry properties do not grow by the inlined
/// checks (PUBLISH, the hot one, calls `check_encode` itself).
#[inline(never)]
fn len_v5(props: &Properties<'_>, ctx: PropertyContext) -> Result<usize, Malformed> {
    let (_, n) = check_encode(props, ctx)?;
    Ok(varint::len(n as u32) + n)
}

/// Reads a property list under `v` (none under 3.1.1).
#[inline]
pub(crate) fn read_for<'a>(
    r: &mut Reader<'a>,
    ctx: PropertyContext,
    v: Version,
    opts: &DecodeOptions,
) -> Result<Properties<'a>, DecodeError> {
    match v {
        Version::V5 => Ok(read(r, ctx, opts)?.0),
        Version::V311 => Ok(Properties::EMPTY),
    }
}

/// Writes a property list under `v` (nothing under 3.1.1).
#[inline]
pub(crate) fn write_for<S: Sink>(s: &mut S, props: &Properties<'_>, v: Version) {
    if v == Version::V5 {
        write(s, props);
    }
}
