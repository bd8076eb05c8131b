//! Small shared types: versions, packet types, QoS, packet identifiers, options and [`Status`].

use core::fmt;
use core::num::{NonZeroU16, NonZeroUsize};

use super::Malformed;

/// The packet layout to use: MQTT 3.1.1 (also used for 3.1) or MQTT 5.0.
///
/// A CONNECT carries its own protocol level, so it decodes the same under either version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Version {
    /// MQTT 3.1.1 (OASIS 2014), protocol level 4; MQTT 3.1 packets share its layout.
    V311,
    /// MQTT 5.0 (OASIS 2019), protocol level 5.
    V5,
}

/// The protocol a CONNECT names (5.0 §3.1.2.1, §3.1.2.2; 3.1.1 §3.1.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Protocol {
    /// MQTT 3.1: name `MQIsdp`, level 3.
    Mqtt31,
    /// MQTT 3.1.1: name `MQTT`, level 4.
    Mqtt311,
    /// MQTT 5.0: name `MQTT`, level 5.
    Mqtt5,
}

impl Protocol {
    /// The protocol level byte.
    pub const fn level(self) -> u8 {
        match self {
            Self::Mqtt31 => 3,
            Self::Mqtt311 => 4,
            Self::Mqtt5 => 5,
        }
    }

    /// The protocol name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Mqtt31 => "MQIsdp",
            Self::Mqtt311 | Self::Mqtt5 => "MQTT",
        }
    }

    /// The packet layout this protocol uses.
    pub const fn version(self) -> Version {
        match self {
            Self::Mqtt31 | Self::Mqtt311 => Version::V311,
            Self::Mqtt5 => Version::V5,
        }
    }
}

macro_rules! packet_types {
    ($($name:ident = $value:literal, $text:literal;)*) => {
        /// An MQTT control packet type (5.0 §2.1.2 Table 2-1; 3.1.1 §2.2.1).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[repr(u8)]
        pub enum PacketType {
            $(#[doc = $text] $name = $value,)*
        }

        impl PacketType {
            /// The name the spec uses, in capitals (`"PUBLISH"`).
            pub const fn name(self) -> &'static str {
                match self { $(Self::$name => $text,)* }
            }
        }

        impl TryFrom<u8> for PacketType {
            type Error = Malformed;
            /// From the high nibble value (1..=15).
            ///
            /// # Errors
            /// [`Malformed::ReservedPacketType`] for 0 (and anything over 15).
            fn try_from(v: u8) -> Result<Self, Malformed> {
                match v {
                    $($value => Ok(Self::$name),)*
                    _ => Err(Malformed::ReservedPacketType),
                }
            }
        }
    };
}

packet_types! {
    Connect = 1, "CONNECT";
    ConnAck = 2, "CONNACK";
    Publish = 3, "PUBLISH";
    PubAck = 4, "PUBACK";
    PubRec = 5, "PUBREC";
    PubRel = 6, "PUBREL";
    PubComp = 7, "PUBCOMP";
    Subscribe = 8, "SUBSCRIBE";
    SubAck = 9, "SUBACK";
    Unsubscribe = 10, "UNSUBSCRIBE";
    UnsubAck = 11, "UNSUBACK";
    PingReq = 12, "PINGREQ";
    PingResp = 13, "PINGRESP";
    Disconnect = 14, "DISCONNECT";
    Auth = 15, "AUTH";
}

impl PacketType {
    /// The fixed-header flags this type requires; PUBLISH's flags carry DUP, QoS and RETAIN
    /// (`MQTT-2.2.2-1` (3.1.1), `MQTT-2.1.3-1` (5.0)).
    pub const fn required_flags(self) -> Option<u8> {
        match self {
            Self::Publish => None,
            Self::PubRel | Self::Subscribe | Self::Unsubscribe => Some(0b0010),
            _ => Some(0),
        }
    }
}

impl fmt::Display for PacketType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Quality of Service (5.0 §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Qos {
    /// QoS 0: at most once.
    #[default]
    AtMostOnce = 0,
    /// QoS 1: at least once.
    AtLeastOnce = 1,
    /// QoS 2: exactly once.
    ExactlyOnce = 2,
}

impl TryFrom<u8> for Qos {
    type Error = Malformed;
    /// # Errors
    /// [`Malformed::PublishQosThree`] for 3 and above (`MQTT-3.3.1-4`).
    fn try_from(v: u8) -> Result<Self, Malformed> {
        match v {
            0 => Ok(Self::AtMostOnce),
            1 => Ok(Self::AtLeastOnce),
            2 => Ok(Self::ExactlyOnce),
            _ => Err(Malformed::PublishQosThree),
        }
    }
}

/// A non-zero Packet Identifier (5.0 §2.2.1; `MQTT-2.2.1-3`).
///
/// ```
/// use mqtt_codec::wire::PacketId;
/// assert_eq!(PacketId::new(7).unwrap().get(), 7);
/// assert!(PacketId::new(0).is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct PacketId(NonZeroU16);

impl PacketId {
    /// `None` for 0.
    pub const fn new(id: u16) -> Option<Self> {
        match NonZeroU16::new(id) {
            Some(n) => Some(Self(n)),
            None => None,
        }
    }

    /// The identifier.
    pub const fn get(self) -> u16 {
        self.0.get()
    }
}

impl TryFrom<u16> for PacketId {
    type Error = Malformed;
    /// # Errors
    /// [`Malformed::ZeroPacketId`].
    fn try_from(v: u16) -> Result<Self, Malformed> {
        Self::new(v).ok_or(Malformed::ZeroPacketId)
    }
}

impl fmt::Display for PacketId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for PacketId {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self(NonZeroU16::arbitrary(u)?))
    }
}

/// A PUBLISH's QoS with the Packet Identifier that QoS 1 and 2 need, so that a QoS 0 publish
/// cannot carry one and a QoS 1/2 publish cannot lack one (`MQTT-2.2.1-2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum QosPid {
    /// QoS 0.
    AtMostOnce,
    /// QoS 1 with its Packet Identifier.
    AtLeastOnce(PacketId),
    /// QoS 2 with its Packet Identifier.
    ExactlyOnce(PacketId),
}

impl QosPid {
    /// The QoS level.
    pub const fn qos(self) -> Qos {
        match self {
            Self::AtMostOnce => Qos::AtMostOnce,
            Self::AtLeastOnce(_) => Qos::AtLeastOnce,
            Self::ExactlyOnce(_) => Qos::ExactlyOnce,
        }
    }

    /// The Packet Identifier (QoS 1 and 2).
    pub const fn packet_id(self) -> Option<PacketId> {
        match self {
            Self::AtMostOnce => None,
            Self::AtLeastOnce(id) | Self::ExactlyOnce(id) => Some(id),
        }
    }
}

/// Caller limits for decoding, checked before the body is read.
///
/// ```
/// use mqtt_codec::wire::{DecodeOptions, Version};
/// let opts = DecodeOptions::new(Version::V5).with_max_packet_size(1024);
/// assert_eq!(opts.max_packet_size, 1024);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// The layout of every packet but CONNECT (which names its own).
    pub version: Version,
    /// Largest whole packet accepted, in bytes (5.0 Maximum Packet Size). Default: the
    /// protocol's largest, 268,435,460.
    pub max_packet_size: u32,
    /// Most properties in one list. Default 256.
    pub max_properties: u16,
    /// Most User Properties in one list. Default 128.
    pub max_user_properties: u16,
}

impl DecodeOptions {
    /// Defaults for `version`.
    pub const fn new(version: Version) -> Self {
        Self { version, max_packet_size: 268_435_460, max_properties: 256, max_user_properties: 128 }
    }

    /// Sets the maximum packet size.
    pub const fn with_max_packet_size(mut self, max: u32) -> Self {
        self.max_packet_size = max;
        self
    }

    /// Sets the caps on properties and user properties per list.
    pub const fn with_max_properties(mut self, properties: u16, user_properties: u16) -> Self {
        self.max_properties = properties;
        self.max_user_properties = user_properties;
        self
    }
}

/// Caller limits for encoding.
///
/// ```
/// use mqtt_codec::wire::{EncodeOptions, Version};
/// let opts = EncodeOptions::new(Version::V5).with_max_packet_size(128);
/// assert_eq!(opts.max_packet_size, 128);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// The layout of every packet but CONNECT (which names its own).
    pub version: Version,
    /// Largest whole packet to send (the peer's Maximum Packet Size). Default: no cap beyond
    /// the protocol's.
    pub max_packet_size: u32,
}

impl EncodeOptions {
    /// Defaults for `version`.
    pub const fn new(version: Version) -> Self {
        Self { version, max_packet_size: 268_435_460 }
    }

    /// Sets the maximum packet size.
    pub const fn with_max_packet_size(mut self, max: u32) -> Self {
        self.max_packet_size = max;
        self
    }
}

/// The result of decoding from the front of a byte stream.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// A whole item, and the bytes it used.
    Complete {
        /// The item.
        item: T,
        /// Bytes taken from the front of the input.
        consumed: usize,
    },
    /// The input holds only part of an item.
    Partial(Needed),
}

/// How much more input a [`Status::Partial`] needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needed {
    /// Not yet known (the Remaining Length is incomplete).
    Unknown,
    /// At least this many more bytes.
    AtLeast(NonZeroUsize),
}
