//! MQTT 5.0 reason codes (5.0 §2.4 Table 2-6) and the 3.1.1 return codes they stand for.

use core::fmt;

use super::{Malformed, PacketType};

macro_rules! reason_codes {
    ($($(#[$doc:meta])* $name:ident = $value:literal, $text:literal;)*) => {
        /// An MQTT 5.0 reason code. Codes below 0x80 report success.
        ///
        /// One value can have a different name per packet (0x00 is Success, Normal disconnection
        /// or Granted QoS 0); [`ReasonCode::name_in`] gives the packet's name.
        ///
        /// Spec: 5.0 §2.4 Table 2-6.
        ///
        /// ```
        /// use mqtt_codec::wire::{PacketType, ReasonCode};
        /// let rc = ReasonCode::try_from(0x87).unwrap();
        /// assert_eq!(rc, ReasonCode::NotAuthorized);
        /// assert!(rc.is_error());
        /// assert_eq!(ReasonCode::Success.name_in(PacketType::Disconnect), "Normal disconnection");
        /// assert!(ReasonCode::try_from(0x03).is_err());
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[non_exhaustive]
        #[repr(u8)]
        pub enum ReasonCode {
            $($(#[$doc])* $name = $value,)*
        }

        impl ReasonCode {
            /// The code's name as Table 2-6 writes it (for 0x00..=0x02, the SUBACK/generic name).
            pub const fn name(self) -> &'static str {
                match self { $(Self::$name => $text,)* }
            }
        }

        impl TryFrom<u8> for ReasonCode {
            type Error = Malformed;
            /// # Errors
            /// [`Malformed::UnknownReasonCode`] for a value Table 2-6 does not define.
            fn try_from(v: u8) -> Result<Self, Malformed> {
                match v {
                    $($value => Ok(Self::$name),)*
                    other => Err(Malformed::UnknownReasonCode(other)),
                }
            }
        }
    };
}

reason_codes! {
    /// 0x00: Success; Normal disconnection (DISCONNECT); Granted QoS 0 (SUBACK).
    Success = 0x00, "Success";
    /// 0x01: Granted QoS 1 (SUBACK).
    GrantedQos1 = 0x01, "Granted QoS 1";
    /// 0x02: Granted QoS 2 (SUBACK).
    GrantedQos2 = 0x02, "Granted QoS 2";
    /// 0x04: Disconnect with Will Message (DISCONNECT).
    DisconnectWithWillMessage = 0x04, "Disconnect with Will Message";
    /// 0x10: No matching subscribers (PUBACK, PUBREC).
    NoMatchingSubscribers = 0x10, "No matching subscribers";
    /// 0x11: No subscription existed (UNSUBACK).
    NoSubscriptionExisted = 0x11, "No subscription existed";
    /// 0x18: Continue authentication (AUTH).
    ContinueAuthentication = 0x18, "Continue authentication";
    /// 0x19: Re-authenticate (AUTH).
    ReAuthenticate = 0x19, "Re-authenticate";
    /// 0x80: Unspecified error.
    UnspecifiedError = 0x80, "Unspecified error";
    /// 0x81: Malformed Packet.
    MalformedPacket = 0x81, "Malformed Packet";
    /// 0x82: Protocol Error.
    ProtocolError = 0x82, "Protocol Error";
    /// 0x83: Implementation specific error.
    ImplementationSpecificError = 0x83, "Implementation specific error";
    /// 0x84: Unsupported Protocol Version (CONNACK).
    UnsupportedProtocolVersion = 0x84, "Unsupported Protocol Version";
    /// 0x85: Client Identifier not valid (CONNACK).
    ClientIdentifierNotValid = 0x85, "Client Identifier not valid";
    /// 0x86: Bad User Name or Password (CONNACK).
    BadUserNameOrPassword = 0x86, "Bad User Name or Password";
    /// 0x87: Not authorized.
    NotAuthorized = 0x87, "Not authorized";
    /// 0x88: Server unavailable (CONNACK).
    ServerUnavailable = 0x88, "Server unavailable";
    /// 0x89: Server busy.
    ServerBusy = 0x89, "Server busy";
    /// 0x8A: Banned (CONNACK).
    Banned = 0x8A, "Banned";
    /// 0x8B: Server shutting down (DISCONNECT).
    ServerShuttingDown = 0x8B, "Server shutting down";
    /// 0x8C: Bad authentication method.
    BadAuthenticationMethod = 0x8C, "Bad authentication method";
    /// 0x8D: Keep Alive timeout (DISCONNECT).
    KeepAliveTimeout = 0x8D, "Keep Alive timeout";
    /// 0x8E: Session taken over (DISCONNECT).
    SessionTakenOver = 0x8E, "Session taken over";
    /// 0x8F: Topic Filter invalid.
    TopicFilterInvalid = 0x8F, "Topic Filter invalid";
    /// 0x90: Topic Name invalid.
    TopicNameInvalid = 0x90, "Topic Name invalid";
    /// 0x91: Packet Identifier in use.
    PacketIdentifierInUse = 0x91, "Packet Identifier in use";
    /// 0x92: Packet Identifier not found.
    PacketIdentifierNotFound = 0x92, "Packet Identifier not found";
    /// 0x93: Receive Maximum exceeded (DISCONNECT).
    ReceiveMaximumExceeded = 0x93, "Receive Maximum exceeded";
    /// 0x94: Topic Alias invalid (DISCONNECT).
    TopicAliasInvalid = 0x94, "Topic Alias invalid";
    /// 0x95: Packet too large.
    PacketTooLarge = 0x95, "Packet too large";
    /// 0x96: Message rate too high (DISCONNECT).
    MessageRateTooHigh = 0x96, "Message rate too high";
    /// 0x97: Quota exceeded.
    QuotaExceeded = 0x97, "Quota exceeded";
    /// 0x98: Administrative action (DISCONNECT).
    AdministrativeAction = 0x98, "Administrative action";
    /// 0x99: Payload format invalid.
    PayloadFormatInvalid = 0x99, "Payload format invalid";
    /// 0x9A: Retain not supported.
    RetainNotSupported = 0x9A, "Retain not supported";
    /// 0x9B: QoS not supported.
    QosNotSupported = 0x9B, "QoS not supported";
    /// 0x9C: Use another server.
    UseAnotherServer = 0x9C, "Use another server";
    /// 0x9D: Server moved.
    ServerMoved = 0x9D, "Server moved";
    /// 0x9E: Shared Subscriptions not supported.
    SharedSubscriptionsNotSupported = 0x9E, "Shared Subscriptions not supported";
    /// 0x9F: Connection rate exceeded.
    ConnectionRateExceeded = 0x9F, "Connection rate exceeded";
    /// 0xA0: Maximum connect time (DISCONNECT).
    MaximumConnectTime = 0xA0, "Maximum connect time";
    /// 0xA1: Subscription Identifiers not supported.
    SubscriptionIdentifiersNotSupported = 0xA1, "Subscription Identifiers not supported";
    /// 0xA2: Wildcard Subscriptions not supported.
    WildcardSubscriptionsNotSupported = 0xA2, "Wildcard Subscriptions not supported";
}

impl ReasonCode {
    /// The code's byte value.
    pub const fn value(self) -> u8 {
        self as u8
    }

    /// Whether the code reports a failure (0x80 and above).
    pub const fn is_error(self) -> bool {
        self.value() >= 0x80
    }

    /// The code's name in `packet` (Table 2-6 gives 0x00 a name per packet).
    pub const fn name_in(self, packet: PacketType) -> &'static str {
        match (self, packet) {
            (Self::Success, PacketType::Disconnect) => "Normal disconnection",
            (Self::Success, PacketType::SubAck) => "Granted QoS 0",
            _ => self.name(),
        }
    }

    /// Whether MQTT 5.0 lets `packet` carry this code (5.0 §2.4 Table 2-6, §3.x.2.1).
    ///
    /// ```
    /// use mqtt_codec::wire::{PacketType, ReasonCode};
    /// assert!(ReasonCode::NoMatchingSubscribers.allowed_in(PacketType::PubAck));
    /// assert!(!ReasonCode::NoMatchingSubscribers.allowed_in(PacketType::PubComp));
    /// ```
    pub const fn allowed_in(self, packet: PacketType) -> bool {
        use PacketType as P;
        let v = self.value();
        match packet {
            P::ConnAck => {
                matches!(v, 0x00 | 0x80..=0x8A | 0x8C | 0x90 | 0x95 | 0x97 | 0x99..=0x9D | 0x9F)
            }
            P::PubAck | P::PubRec => matches!(v, 0x00 | 0x10 | 0x80 | 0x83 | 0x87 | 0x90 | 0x91 | 0x97 | 0x99),
            P::PubRel | P::PubComp => matches!(v, 0x00 | 0x92),
            P::SubAck => matches!(v, 0x00..=0x02 | 0x80 | 0x83 | 0x87 | 0x8F | 0x91 | 0x97 | 0x9E | 0xA1 | 0xA2),
            P::UnsubAck => matches!(v, 0x00 | 0x11 | 0x80 | 0x83 | 0x87 | 0x8F | 0x91),
            P::Disconnect => matches!(
                v,
                0x00 | 0x04 | 0x80..=0x83 | 0x87 | 0x89 | 0x8B | 0x8D..=0x90 | 0x93..=0xA2
            ),
            P::Auth => matches!(v, 0x00 | 0x18 | 0x19),
            _ => false,
        }
    }

    /// Decodes a code in `packet` (5.0), checking that the packet may carry it.
    pub(crate) fn decode_in(v: u8, packet: PacketType) -> Result<Self, Malformed> {
        let rc = Self::try_from(v)?;
        rc.check_in(packet)?;
        Ok(rc)
    }

    pub(crate) const fn check_in(self, packet: PacketType) -> Result<(), Malformed> {
        if self.allowed_in(packet) {
            Ok(())
        } else {
            Err(Malformed::ReasonCodeNotAllowed { code: self.value(), packet })
        }
    }

    /// The MQTT 3.1.1 CONNACK return code for this reason (3.1.1 §3.2.2.3), if there is one.
    ///
    /// ```
    /// use mqtt_codec::wire::ReasonCode;
    /// assert_eq!(ReasonCode::BadUserNameOrPassword.connack_return_code_v3(), Some(4));
    /// assert_eq!(ReasonCode::Banned.connack_return_code_v3(), None);
    /// ```
    pub const fn connack_return_code_v3(self) -> Option<u8> {
        match self {
            Self::Success => Some(0),
            Self::UnsupportedProtocolVersion => Some(1),
            Self::ClientIdentifierNotValid => Some(2),
            Self::ServerUnavailable => Some(3),
            Self::BadUserNameOrPassword => Some(4),
            Self::NotAuthorized => Some(5),
            _ => None,
        }
    }

    /// The reason a 3.1.1 CONNACK return code stands for (3.1.1 §3.2.2.3).
    ///
    /// # Errors
    /// [`Malformed::ReservedConnAckReturnCode`] for 6..=255.
    pub const fn from_connack_return_code_v3(code: u8) -> Result<Self, Malformed> {
        Ok(match code {
            0 => Self::Success,
            1 => Self::UnsupportedProtocolVersion,
            2 => Self::ClientIdentifierNotValid,
            3 => Self::ServerUnavailable,
            4 => Self::BadUserNameOrPassword,
            5 => Self::NotAuthorized,
            other => return Err(Malformed::ReservedConnAckReturnCode(other)),
        })
    }

    /// Whether a 3.1.1 SUBACK may carry this code: 0x00-0x02 granted QoS, 0x80 Failure (3.1.1 §3.9.3).
    pub const fn is_suback_v3(self) -> bool {
        matches!(self, Self::Success | Self::GrantedQos1 | Self::GrantedQos2 | Self::UnspecifiedError)
    }
}

impl fmt::Display for ReasonCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#04x} {}", self.value(), self.name())
    }
}

impl From<ReasonCode> for u8 {
    fn from(rc: ReasonCode) -> u8 {
        rc.value()
    }
}
