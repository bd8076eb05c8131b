//! Decode and encode errors: one [`Malformed`] variant per rule the codec enforces.

use super::{PacketType, PropertyId, ReasonCode};

/// A rule of the MQTT specification (or a caller-set limit) that a packet breaks.
///
/// Each variant's doc says what is wrong; [`Malformed::rule`] returns the citation and
/// [`Malformed::reason_code`] the MQTT 5.0 reason code a receiver sends before it closes
/// the connection (5.0 §4.13; MQTT 3.1.1 §4.8 just closes).
///
/// Spec: MQTT 3.1.1 (OASIS 2014), MQTT 5.0 (OASIS 2019).
///
/// ```
/// use mqtt_codec::wire::{decode_packet, DecodeOptions, Malformed, Version};
/// // PUBLISH with both QoS bits set.
/// let err = decode_packet(&[0x36, 0x03, 0x00, 0x01, b'a'], &DecodeOptions::new(Version::V5)).unwrap_err();
/// assert_eq!(err.kind, Malformed::PublishQosThree);
/// assert_eq!(err.kind.rule(), "MQTT-3.3.1-4");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// Packet type 0 is reserved (5.0 §2.1.2 Table 2-1; 3.1.1 §2.2.1).
    #[error("packet type 0 is reserved")]
    ReservedPacketType,
    /// AUTH (type 15) does not exist in MQTT 3.1.1 (3.1.1 §2.2.1: type 15 is reserved).
    #[error("packet type {0} does not exist in MQTT 3.1.1")]
    PacketTypeNotInVersion(PacketType),
    /// The fixed-header flags are not the ones the packet type requires
    /// (`MQTT-2.2.2-1` (3.1.1), `MQTT-2.1.3-1` (5.0)).
    #[error("{packet} fixed-header flags {flags:#06b} are reserved")]
    ReservedFixedHeaderFlags {
        /// The packet type.
        packet: PacketType,
        /// The four flag bits received.
        flags: u8,
    },
    /// A Variable Byte Integer has a fifth byte, or is over 268,435,455 (5.0 §1.5.5; 3.1.1 §2.2.3).
    #[error("variable byte integer longer than 4 bytes")]
    VarIntTooLong,
    /// A Variable Byte Integer uses more bytes than needed (`MQTT-1.5.5-1`).
    #[error("variable byte integer is not minimally encoded")]
    VarIntNotMinimal,
    /// The packet is larger than the caller's maximum packet size
    /// (5.0 §3.1.2.11.4, §3.2.2.3.6: Maximum Packet Size).
    #[error("packet of {size} bytes exceeds the maximum packet size {max}")]
    PacketTooLarge {
        /// Size of the whole packet (fixed header included).
        size: usize,
        /// The limit in force.
        max: u32,
    },
    /// A field runs past the end of the packet (the Remaining Length).
    #[error("{0} runs past the end of the packet")]
    Truncated(Field),
    /// Bytes are left after the last field of a packet that has no payload, or the Remaining
    /// Length does not fit the packet type (5.0 §3; 3.1.1 §3).
    #[error("{0} has {1} unexpected bytes after its last field")]
    TrailingBytes(PacketType, usize),
    /// A UTF-8 string is ill-formed or holds a surrogate (`MQTT-1.5.4-1` (5.0), `MQTT-1.5.3-1` (3.1.1)).
    #[error("{0} is not valid UTF-8")]
    InvalidUtf8(Field),
    /// A UTF-8 string holds U+0000 (`MQTT-1.5.4-2` (5.0), `MQTT-1.5.3-2` (3.1.1)).
    #[error("{0} contains U+0000")]
    NullCharacter(Field),
    /// A string or binary field is longer than 65,535 bytes (5.0 §1.5.4, §1.5.6).
    #[error("{0} is longer than 65535 bytes")]
    FieldTooLong(Field),
    /// The protocol name is neither `MQTT` nor (level 3) `MQIsdp` (`MQTT-3.1.2-1`).
    #[error("protocol name is not MQTT")]
    InvalidProtocolName,
    /// The protocol level is not 3 (with `MQIsdp`), 4 or 5 (`MQTT-3.1.2-2`); the server answers
    /// CONNACK 0x01 (3.1.1) or 0x84 (5.0).
    #[error("protocol level {0} is not supported")]
    UnsupportedProtocolLevel(u8),
    /// The CONNECT reserved flag (bit 0) is set (`MQTT-3.1.2-3`).
    #[error("CONNECT reserved flag is set")]
    ConnectReservedFlag,
    /// Will QoS is not 0 while the Will Flag is 0 (`MQTT-3.1.2-11` (5.0), `MQTT-3.1.2-13` (3.1.1)).
    #[error("will QoS set without the will flag")]
    WillQosWithoutWill,
    /// Will Retain is set while the Will Flag is 0 (`MQTT-3.1.2-13` (5.0), `MQTT-3.1.2-15` (3.1.1)).
    #[error("will retain set without the will flag")]
    WillRetainWithoutWill,
    /// Will QoS is 3 (5.0 §3.1.2.6; `MQTT-3.1.2-14` (3.1.1)).
    #[error("will QoS is 3")]
    WillQosThree,
    /// The Password flag is set without the User Name flag; forbidden in 3.1.1 only
    /// (`MQTT-3.1.2-22` (3.1.1); 5.0 §3.1.2.9 allows it).
    #[error("password without user name")]
    PasswordWithoutUserName,
    /// CONNACK acknowledge-flag bits 7-1 are not 0 (`MQTT-3.2.2-1` (5.0); 3.1.1 §3.2.2.1).
    #[error("CONNACK reserved flags are set")]
    ConnAckReservedFlags,
    /// CONNACK has Session Present set with a non-zero return/reason code
    /// (`MQTT-3.2.2-6` (5.0), `MQTT-3.2.2-4` (3.1.1)).
    #[error("CONNACK session present with a failure code")]
    SessionPresentOnFailure,
    /// A 3.1.1 SUBACK return code other than 0x00-0x02 and 0x80 (3.1.1 §3.9.3).
    #[error("SUBACK return code {0:#04x} is reserved")]
    ReservedSubAckReturnCode(u8),
    /// A SUBACK without reason codes, or a 5.0 UNSUBACK without reason codes: there is one per
    /// Topic Filter, and SUBSCRIBE/UNSUBSCRIBE carry at least one (`MQTT-3.8.4-6` (5.0),
    /// `MQTT-3.8.4-5` (3.1.1), `MQTT-3.11.3-2` (5.0)).
    #[error("{0} has no reason codes")]
    NoReasonCodes(PacketType),
    /// An AUTH with properties but no Authentication Method (5.0 §3.15.2.2.2).
    #[error("AUTH without an authentication method")]
    MissingAuthenticationMethod,
    /// A 3.1.1 CONNACK return code from the reserved range 6-255 (3.1.1 §3.2.2.3).
    #[error("CONNACK return code {0} is reserved")]
    ReservedConnAckReturnCode(u8),
    /// A PUBLISH with both QoS bits set (`MQTT-3.3.1-4`).
    #[error("PUBLISH QoS bits are 3")]
    PublishQosThree,
    /// A QoS 0 PUBLISH with the DUP flag set (`MQTT-3.3.1-2`).
    #[error("PUBLISH QoS 0 with DUP set")]
    DupOnQosZero,
    /// A Topic Name contains `+` or `#` (`MQTT-3.3.2-2`).
    #[error("topic name contains a wildcard")]
    WildcardInTopicName,
    /// A Topic Name is empty (`MQTT-4.7.3-1`); 5.0 allows it only with a Topic Alias (5.0 §3.3.2.3.4).
    #[error("topic name is empty")]
    EmptyTopicName,
    /// A Topic Filter is empty (`MQTT-4.7.3-1`).
    #[error("topic filter is empty")]
    EmptyTopicFilter,
    /// `#` is not alone at the last level of a Topic Filter (`MQTT-4.7.1-1` (5.0), `MQTT-4.7.1-2` (3.1.1)).
    #[error("'#' is not the last level of the topic filter")]
    MultiLevelWildcardNotLast,
    /// `+` does not occupy a whole level of a Topic Filter (`MQTT-4.7.1-2` (5.0), `MQTT-4.7.1-3` (3.1.1)).
    #[error("'+' does not occupy a whole topic level")]
    SingleLevelWildcardNotAlone,
    /// A `$share/` filter without a valid ShareName or without a filter after it (`MQTT-4.8.2-1`, `MQTT-4.8.2-2`).
    #[error("invalid shared subscription")]
    InvalidSharedSubscription,
    /// A Packet Identifier of 0 (`MQTT-2.2.1-3` (5.0), `MQTT-2.3.1-1` (3.1.1)).
    #[error("packet identifier is 0")]
    ZeroPacketId,
    /// SUBSCRIBE without any Topic Filter (`MQTT-3.8.3-2` (5.0), `MQTT-3.8.3-3` (3.1.1)).
    #[error("SUBSCRIBE has no topic filter")]
    EmptySubscribe,
    /// UNSUBSCRIBE without any Topic Filter (`MQTT-3.10.3-2`).
    #[error("UNSUBSCRIBE has no topic filter")]
    EmptyUnsubscribe,
    /// Reserved bits of the subscription options are set
    /// (`MQTT-3.8.3-5` (5.0); 3.1.1 §3.8.3.1 `MQTT-3-8.3-4`).
    #[error("reserved subscription option bits are set")]
    ReservedSubscriptionOptions,
    /// Subscription Maximum QoS is 3 (5.0 §3.8.3.1; 3.1.1 `MQTT-3-8.3-4`).
    #[error("subscription QoS is 3")]
    SubscriptionQosThree,
    /// Retain Handling is 3 (5.0 §3.8.3.1).
    #[error("retain handling is 3")]
    RetainHandlingThree,
    /// No Local on a shared subscription (`MQTT-3.8.3-4` (5.0)).
    #[error("no local on a shared subscription")]
    NoLocalOnSharedSubscription,
    /// A property identifier that MQTT 5.0 does not define (5.0 §2.2.2.2).
    #[error("unknown property identifier {0:#04x}")]
    UnknownProperty(u32),
    /// A property the packet may not carry (5.0 §2.2.2.2).
    #[error("{id} is not allowed in {packet}")]
    PropertyNotAllowed {
        /// The property.
        id: PropertyId,
        /// The packet (or the will) that carried it.
        packet: PropertyContext,
    },
    /// A property that may appear once appears twice (each property's section in 5.0 §3).
    #[error("{0} appears more than once")]
    DuplicateProperty(PropertyId),
    /// A property value out of range: 0 for Receive Maximum, Topic Alias, Subscription Identifier
    /// or Maximum Packet Size; a byte property other than 0/1; Maximum QoS 2 (5.0 §3).
    #[error("{0} has a value out of range")]
    InvalidPropertyValue(PropertyId),
    /// Authentication Data without Authentication Method (5.0 §3.1.2.11.10, §3.2.2.3.18).
    #[error("authentication data without authentication method")]
    AuthenticationDataWithoutMethod,
    /// More properties than the caller allows ([`DecodeOptions::max_properties`](super::DecodeOptions)).
    #[error("more than {0} properties")]
    TooManyProperties(u16),
    /// More user properties than the caller allows ([`DecodeOptions::max_user_properties`](super::DecodeOptions)).
    #[error("more than {0} user properties")]
    TooManyUserProperties(u16),
    /// Properties in a packet of MQTT 3.1.1, which has none (encode only).
    #[error("MQTT 3.1.1 packets carry no properties")]
    PropertiesNotInVersion,
    /// A reason code value that MQTT 5.0 does not define (5.0 §2.4 Table 2-6).
    #[error("reason code {0:#04x} is not defined")]
    UnknownReasonCode(u8),
    /// A reason code the packet may not carry (5.0 §2.4 Table 2-6, §3.x.2.1, e.g. `MQTT-3.4.2-1`).
    #[error("reason code {code:#04x} is not allowed in {packet}")]
    ReasonCodeNotAllowed {
        /// The code.
        code: u8,
        /// The packet.
        packet: PacketType,
    },
    /// A reason code with no MQTT 3.1.1 equivalent (encode only; 3.1.1 §3.2.2.3, §3.9.3).
    #[error("reason code {0:?} has no MQTT 3.1.1 equivalent")]
    ReasonCodeNotInVersion(ReasonCode),
}

/// The field a [`Malformed`] error refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Field {
    /// The fixed header's Remaining Length.
    #[error("remaining length")]
    RemainingLength,
    /// The protocol name.
    #[error("protocol name")]
    ProtocolName,
    /// A fixed-size field of the variable header (level, flags, keep alive, packet id, reason code).
    #[error("variable header")]
    VariableHeader,
    /// The Client Identifier.
    #[error("client identifier")]
    ClientId,
    /// A will topic or payload.
    #[error("will")]
    Will,
    /// The User Name.
    #[error("user name")]
    UserName,
    /// The Password.
    #[error("password")]
    Password,
    /// A Topic Name.
    #[error("topic name")]
    TopicName,
    /// A Topic Filter.
    #[error("topic filter")]
    TopicFilter,
    /// Subscription options.
    #[error("subscription options")]
    SubscriptionOptions,
    /// The properties or their length.
    #[error("properties")]
    Properties,
}

/// Which packet, or the will, a property list belongs to (5.0 §2.2.2.2 Table 2-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum PropertyContext {
    /// A packet's own properties.
    #[error("{0}")]
    Packet(PacketType),
    /// The Will Properties inside CONNECT (5.0 §3.1.3.2).
    #[error("will properties")]
    Will,
}

impl Malformed {
    /// The normative statement (or section) this error enforces, in the citation format used
    /// in docs, comments and tests.
    ///
    /// ```
    /// use mqtt_codec::wire::Malformed;
    /// assert_eq!(Malformed::ZeroPacketId.rule(), "MQTT-2.2.1-3 (5.0) / MQTT-2.3.1-1 (3.1.1)");
    /// ```
    pub const fn rule(self) -> &'static str {
        match self {
            Self::ReservedPacketType => "MQTT 5.0 §2.1.2 / 3.1.1 §2.2.1",
            Self::PacketTypeNotInVersion(_) => "MQTT 3.1.1 §2.2.1",
            Self::ReservedFixedHeaderFlags { .. } => "MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0)",
            Self::VarIntTooLong => "MQTT 5.0 §1.5.5 / 3.1.1 §2.2.3",
            Self::VarIntNotMinimal => "MQTT-1.5.5-1",
            Self::PacketTooLarge { .. } => "MQTT 5.0 §3.1.2.11.4",
            Self::Truncated(_) | Self::TrailingBytes(..) => "MQTT 5.0 §2.1.4 / 3.1.1 §2.2.3",
            Self::InvalidUtf8(_) => "MQTT-1.5.4-1 (5.0) / MQTT-1.5.3-1 (3.1.1)",
            Self::NullCharacter(_) => "MQTT-1.5.4-2 (5.0) / MQTT-1.5.3-2 (3.1.1)",
            Self::FieldTooLong(_) => "MQTT 5.0 §1.5.4",
            Self::InvalidProtocolName => "MQTT-3.1.2-1",
            Self::UnsupportedProtocolLevel(_) => "MQTT-3.1.2-2",
            Self::ConnectReservedFlag => "MQTT-3.1.2-3",
            Self::WillQosWithoutWill => "MQTT-3.1.2-11 (5.0) / MQTT-3.1.2-13 (3.1.1)",
            Self::WillRetainWithoutWill => "MQTT-3.1.2-13 (5.0) / MQTT-3.1.2-15 (3.1.1)",
            Self::WillQosThree => "MQTT 5.0 §3.1.2.6 / MQTT-3.1.2-14 (3.1.1)",
            Self::PasswordWithoutUserName => "MQTT-3.1.2-22 (3.1.1)",
            Self::ConnAckReservedFlags => "MQTT-3.2.2-1 (5.0) / 3.1.1 §3.2.2.1",
            Self::SessionPresentOnFailure => "MQTT-3.2.2-6 (5.0) / MQTT-3.2.2-4 (3.1.1)",
            Self::ReservedConnAckReturnCode(_) => "MQTT 3.1.1 §3.2.2.3",
            Self::ReservedSubAckReturnCode(_) => "MQTT 3.1.1 §3.9.3",
            Self::NoReasonCodes(_) => "MQTT-3.8.4-6 (5.0) / MQTT-3.8.4-5 (3.1.1) / MQTT-3.11.3-2 (5.0)",
            Self::MissingAuthenticationMethod => "MQTT 5.0 §3.15.2.2.2",
            Self::PublishQosThree => "MQTT-3.3.1-4",
            Self::DupOnQosZero => "MQTT-3.3.1-2",
            Self::WildcardInTopicName => "MQTT-3.3.2-2",
            Self::EmptyTopicName | Self::EmptyTopicFilter => "MQTT-4.7.3-1",
            Self::MultiLevelWildcardNotLast => "MQTT-4.7.1-1 (5.0) / MQTT-4.7.1-2 (3.1.1)",
            Self::SingleLevelWildcardNotAlone => "MQTT-4.7.1-2 (5.0) / MQTT-4.7.1-3 (3.1.1)",
            Self::InvalidSharedSubscription => "MQTT-4.8.2-1 / MQTT-4.8.2-2",
            Self::ZeroPacketId => "MQTT-2.2.1-3 (5.0) / MQTT-2.3.1-1 (3.1.1)",
            Self::EmptySubscribe => "MQTT-3.8.3-2 (5.0) / MQTT-3.8.3-3 (3.1.1)",
            Self::EmptyUnsubscribe => "MQTT-3.10.3-2",
            Self::ReservedSubscriptionOptions => "MQTT-3.8.3-5 (5.0) / MQTT-3-8.3-4 (3.1.1)",
            Self::SubscriptionQosThree => "MQTT 5.0 §3.8.3.1 / MQTT-3-8.3-4 (3.1.1)",
            Self::RetainHandlingThree => "MQTT 5.0 §3.8.3.1",
            Self::NoLocalOnSharedSubscription => "MQTT-3.8.3-4 (5.0)",
            Self::UnknownProperty(_) | Self::PropertyNotAllowed { .. } => "MQTT 5.0 §2.2.2.2",
            Self::DuplicateProperty(_) | Self::InvalidPropertyValue(_) => "MQTT 5.0 §3 (property sections)",
            Self::AuthenticationDataWithoutMethod => "MQTT 5.0 §3.1.2.11.10",
            Self::TooManyProperties(_) | Self::TooManyUserProperties(_) => "caller limit (DecodeOptions)",
            Self::PropertiesNotInVersion => "MQTT 3.1.1 §3",
            Self::UnknownReasonCode(_) | Self::ReasonCodeNotAllowed { .. } => "MQTT 5.0 §2.4",
            Self::ReasonCodeNotInVersion(_) => "MQTT 3.1.1 §3.2.2.3 / §3.9.3",
        }
    }

    /// The MQTT 5.0 reason code the receiver sends (in CONNACK or DISCONNECT) before closing.
    ///
    /// ```
    /// use mqtt_codec::wire::{Malformed, ReasonCode};
    /// assert_eq!(Malformed::UnsupportedProtocolLevel(6).reason_code(), ReasonCode::UnsupportedProtocolVersion);
    /// assert_eq!(Malformed::NoLocalOnSharedSubscription.reason_code(), ReasonCode::ProtocolError);
    /// ```
    pub const fn reason_code(self) -> ReasonCode {
        match self {
            Self::UnsupportedProtocolLevel(_) | Self::InvalidProtocolName => ReasonCode::UnsupportedProtocolVersion,
            Self::PacketTooLarge { .. } => ReasonCode::PacketTooLarge,
            Self::NoLocalOnSharedSubscription
            | Self::RetainHandlingThree
            | Self::SubscriptionQosThree
            | Self::DuplicateProperty(_)
            | Self::InvalidPropertyValue(_)
            | Self::AuthenticationDataWithoutMethod
            | Self::MissingAuthenticationMethod
            | Self::NoReasonCodes(_)
            | Self::EmptyTopicName
            | Self::ZeroPacketId
            | Self::DupOnQosZero
            // 5.0 §3.8.3, §3.10.3: "A SUBSCRIBE [UNSUBSCRIBE] packet with no Payload is a Protocol Error".
            | Self::EmptySubscribe
            | Self::EmptyUnsubscribe => ReasonCode::ProtocolError,
            // 5.0 §3.3.2.3.4: an empty topic without an alias is a Protocol Error (above).
            Self::WildcardInTopicName => ReasonCode::TopicNameInvalid,
            Self::TooManyProperties(_) | Self::TooManyUserProperties(_) => ReasonCode::ImplementationSpecificError,
            _ => ReasonCode::MalformedPacket,
        }
    }
}

/// A packet that could not be decoded: the rule it breaks and the byte offset (from the start
/// of the packet) where decoding stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}: {kind} (at byte {offset})", kind.rule())]
pub struct DecodeError {
    /// What is wrong.
    pub kind: Malformed,
    /// Offset from the first byte of the packet.
    pub offset: usize,
}

/// A packet that could not be encoded. On any error nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is smaller than the packet.
    #[error("output buffer too small: {required} bytes required")]
    BufferTooSmall {
        /// Bytes the packet needs.
        required: usize,
    },
    /// The packet breaks a rule that the decoder enforces, so it is not sent.
    #[error("{rule}: {kind}", rule = .0.rule(), kind = .0)]
    Invalid(Malformed),
}

impl From<Malformed> for EncodeError {
    fn from(kind: Malformed) -> Self {
        Self::Invalid(kind)
    }
}
