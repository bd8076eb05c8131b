//! The session state both ends of an MQTT connection keep, shared by [`crate::client::Client`]
//! and the broker-side `ServerConnection`: the outbound message window (packet ids, Receive
//! Maximum, QoS 1/2 handshakes, resend on resume), the inbound QoS 2 receiver, topic aliases
//! both ways, and the events the application polls.
//!
//! Everything is bounded: `N` message slots, `A` topic aliases per direction (const generics),
//! and one caller-provided byte store (`B: AsMut<[u8]>`: an array, a `&mut [u8]`, a `Vec<u8>`)
//! split into the outbound records, the received packets waiting to be polled, and the alias
//! topics. A full store or table is a typed error for a command and backpressure for input
//! (`handle_input` consumes fewer bytes), never growth.
//!
//! Spec: 5.0 §4.3 (QoS flows), §4.4 (resend on resume), §4.9 (flow control), §3.3.2.3.4 (Topic
//! Alias); 3.1.1 §4.3, §4.4.

mod alias;
mod engine;
mod events;
mod fifo;
mod inbound;
mod outbound;
mod persist;
pub(crate) mod ring;

pub(crate) use self::engine::{Core, Flow, Layout};
pub(crate) use self::events::EventKind;
pub use self::persist::SessionImportError;

use core::fmt;

use crate::wire::{
    Auth, Connect, DecodeError, List, PacketId, Properties, Property, Publish, Qos, ReasonCode, Subscribe, Unsubscribe,
};

/// Identifies one message given to `publish`, in the events about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublishHandle(pub(crate) u32);

impl PublishHandle {
    /// The sequence number: handles count up from 1 in `publish` order.
    pub const fn get(self) -> u32 {
        self.0
    }
}

/// An application message to publish: borrowed for the call only (the machine stores what it
/// needs in its byte store).
///
/// ```
/// use mqtt_codec::session::OutgoingMessage;
/// use mqtt_codec::wire::Qos;
/// let m = OutgoingMessage::new("sensors/7/temp", b"21.5").with_qos(Qos::AtLeastOnce).with_retain(true);
/// assert_eq!((m.qos, m.retain), (Qos::AtLeastOnce, true));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutgoingMessage<'a> {
    /// Topic Name (validated by `publish`).
    pub topic: &'a str,
    /// Payload.
    pub payload: &'a [u8],
    /// QoS.
    pub qos: Qos,
    /// RETAIN.
    pub retain: bool,
    /// PUBLISH properties (5.0; must be empty under 3.1.1). A Topic Alias here is refused: the
    /// machine assigns aliases itself.
    pub properties: &'a [Property<'a>],
}

impl<'a> OutgoingMessage<'a> {
    /// A QoS 0, non-retained message without properties.
    pub const fn new(topic: &'a str, payload: &'a [u8]) -> Self {
        Self { topic, payload, qos: Qos::AtMostOnce, retain: false, properties: &[] }
    }

    /// With this QoS.
    pub const fn with_qos(mut self, qos: Qos) -> Self {
        self.qos = qos;
        self
    }

    /// With RETAIN set or not.
    pub const fn with_retain(mut self, retain: bool) -> Self {
        self.retain = retain;
        self
    }

    /// With these 5.0 properties (Message Expiry Interval, Response Topic, Correlation Data, ...).
    pub const fn with_properties(mut self, properties: &'a [Property<'a>]) -> Self {
        self.properties = properties;
        self
    }
}

/// What `poll_transmit` wrote: `len` bytes at the front of the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit {
    /// Bytes written.
    pub len: usize,
}

/// `poll_transmit`'s buffer cannot hold the next packet; nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("transmit buffer too small: {required} bytes needed")]
pub struct BufferTooSmall {
    /// The size the next packet needs.
    pub required: usize,
}

/// Why a connection is over. Delivered as `Event::Closed` and as the `Err` of the call that
/// caused it; the caller closes the transport. Session state stays for a resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CloseReason {
    /// A packet broke a format rule (its [`DecodeError`] names the rule). 5.0 sends DISCONNECT
    /// with the error's reason code first (5.0 §4.13, `MQTT-4.13.1-1`).
    #[error("malformed packet: {0}")]
    Malformed(DecodeError),
    /// A well-formed packet that breaks the protocol here; the reason code says which rule.
    #[error("protocol error: {reason:?} ({rule})")]
    ProtocolError {
        /// The 5.0 reason code sent in DISCONNECT.
        reason: ReasonCode,
        /// The citation of the broken rule.
        rule: &'static str,
    },
    /// The server refused the connection (CONNACK with an error code).
    #[error("connection refused: {0:?}")]
    Refused(ReasonCode),
    /// The peer sent DISCONNECT (5.0: with this reason code; 3.1.1: always Success).
    #[error("peer disconnected: {0:?}")]
    DisconnectReceived(ReasonCode),
    /// No CONNACK (client) or CONNECT (server) in time.
    #[error("no CONNECT/CONNACK in time")]
    ConnectTimeout,
    /// Keep-alive expired: no PINGRESP in time (client), or nothing for 1.5 x Keep Alive
    /// (server, `MQTT-3.1.2-24 (3.1.1)`, `MQTT-3.1.2-22 (5.0)`).
    #[error("keep alive timeout")]
    KeepAliveTimeout,
    /// The application closed the connection (a DISCONNECT was sent).
    #[error("closed by the application")]
    Local,
    /// The transport closed under the machine (`connection_lost`).
    #[error("transport closed")]
    TransportClosed,
    /// (broker) Another connection took the session over (`MQTT-3.1.4-3`; 5.0 DISCONNECT 0x8E).
    #[error("session taken over")]
    SessionTakenOver,
}

impl CloseReason {
    /// The reason code a 5.0 DISCONNECT carries for this close, if one is sent.
    pub const fn disconnect_reason(self) -> Option<ReasonCode> {
        match self {
            Self::Malformed(e) => Some(e.kind.reason_code()),
            Self::ProtocolError { reason, .. } => Some(reason),
            Self::KeepAliveTimeout => Some(ReasonCode::KeepAliveTimeout),
            Self::Local => Some(ReasonCode::Success),
            Self::SessionTakenOver => Some(ReasonCode::SessionTakenOver),
            _ => None,
        }
    }
}

/// Why a message given to `publish` was not delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DropReason {
    /// The peer answered PUBACK or PUBREC with this error code (`MQTT-4.4.0-2`: no retry).
    Refused(ReasonCode),
    /// The session was not resumed (Session Present 0, or a clean start) while the message was
    /// in flight: the peer may or may not have it (5.0 §4.4).
    SessionLost,
    /// Larger than the peer's Maximum Packet Size (5.0 §3.2.2.3.6, `MQTT-3.1.2-24 (5.0)`).
    PacketTooLarge,
    /// Its Message Expiry Interval passed before it could be sent (5.0 §3.3.2.3.3).
    Expired,
}

/// Something the application must know, from `poll_event`. Borrowed data stays valid until the
/// next `&mut self` call on the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event<'a> {
    /// (client) CONNACK Success: the session is up. The server's limits are in
    /// `Client::server_limits`.
    Connected {
        /// Session Present: the server resumed the session.
        session_present: bool,
        /// The CONNACK properties (5.0): Assigned Client Identifier, Response Information,
        /// Reason String, ... (the limits are also in `Client::server_limits`).
        properties: Properties<'a>,
    },
    /// (server) A CONNECT arrived; answer with `accept` or `reject`.
    ConnectReceived(Connect<'a>),
    /// A PUBLISH arrived (its topic resolved if it came by alias). QoS 2 messages are delivered
    /// once, on first receipt (5.0 §4.3.3).
    MessageReceived(Publish<'a>),
    /// A QoS 1 message was acknowledged (PUBACK) or a QoS 2 message completed (PUBCOMP).
    PublishAcknowledged {
        /// The message.
        handle: PublishHandle,
        /// The reason code of the PUBACK or PUBCOMP (5.0; Success under 3.1.1).
        reason: ReasonCode,
    },
    /// A QoS 0 message was written by `poll_transmit`.
    PublishSent {
        /// The message.
        handle: PublishHandle,
    },
    /// A message will not be delivered (or may not have been, for [`DropReason::SessionLost`]).
    PublishDropped {
        /// The message.
        handle: PublishHandle,
        /// Why.
        reason: DropReason,
    },
    /// (client) SUBACK.
    Subscribed {
        /// The SUBSCRIBE's packet id.
        packet_id: PacketId,
        /// One reason code per filter, in order.
        reason_codes: List<'a, ReasonCode>,
    },
    /// (client) UNSUBACK.
    Unsubscribed {
        /// The UNSUBSCRIBE's packet id.
        packet_id: PacketId,
        /// One reason code per filter (5.0; empty under 3.1.1).
        reason_codes: List<'a, ReasonCode>,
    },
    /// A SUBSCRIBE or UNSUBSCRIBE whose answer can no longer come (the connection closed).
    RequestDropped {
        /// Its packet id.
        packet_id: PacketId,
    },
    /// (server) SUBSCRIBE; answer with `suback`.
    SubscribeReceived(Subscribe<'a>),
    /// (server) UNSUBSCRIBE; answer with `unsuback`.
    UnsubscribeReceived(Unsubscribe<'a>),
    /// An AUTH packet (5.0 enhanced authentication); answer with `auth`.
    AuthReceived(Auth<'a>),
    /// (server) The client's will is due: the connection ended without a DISCONNECT that
    /// discards it, and its Will Delay Interval (5.0) has passed. The application publishes it
    /// to the subscribers. QoS and RETAIN come from the CONNECT's will flags, the properties
    /// from its Will Properties without the Will Delay Interval; a QoS 1/2 will carries packet
    /// id 1 as a placeholder (the application publishes it with its own). Comes after
    /// `Closed`.
    ///
    /// Spec: 5.0 §3.1.2.5, §3.1.3.2.2 (`MQTT-3.1.3-9`); 3.1.1 §3.1.2.5.
    WillPublished(Publish<'a>),
    /// (client) CONNACK was an error, the peer sent DISCONNECT, or the connection closed
    /// otherwise. Comes last; the machine accepts `connect` (client) again after it.
    Closed {
        /// Why.
        reason: CloseReason,
        /// The peer's DISCONNECT or CONNACK properties, when it sent one (Reason String, Server
        /// Reference, ...).
        properties: Properties<'a>,
    },
}

impl fmt::Display for PublishHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A command was refused; nothing was queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// Every message slot is taken (in flight or queued): wait for acknowledgements.
    #[error("all message slots are in use")]
    QueueFull,
    /// The outbound store has no room for this packet now: wait for acknowledgements.
    #[error("outbound store full: {0} bytes needed")]
    StoreFull(usize),
    /// The packet is larger than the peer's Maximum Packet Size; no packet id was spent.
    #[error("packet of {size} bytes exceeds the peer's maximum packet size {max}")]
    PacketTooLarge {
        /// The encoded size.
        size: usize,
        /// The peer's limit.
        max: u32,
    },
    /// The packet breaks a rule the decoder enforces (an invalid topic, a property not allowed,
    /// a 5.0 property under 3.1.1).
    #[error("invalid packet: {0}")]
    Invalid(crate::wire::Malformed),
    /// A QoS or RETAIN the server said it does not support (5.0 CONNACK Maximum QoS, Retain
    /// Available; `MQTT-3.2.2-11`, `MQTT-3.2.2-14`).
    #[error("not supported by the server")]
    NotSupported,
    /// Not possible in this state (not connected, already connecting, ...).
    #[error("not possible in the current state")]
    InvalidState,
}

/// The limits the peer announced (5.0 CONNECT or CONNACK properties) or their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerLimits {
    /// Receive Maximum: QoS 1/2 messages we may have unacknowledged (default 65,535).
    pub receive_maximum: u16,
    /// Maximum Packet Size (default: no limit beyond the protocol's).
    pub maximum_packet_size: u32,
    /// Topic Alias Maximum (default 0: no aliases).
    pub topic_alias_maximum: u16,
    /// Maximum QoS (CONNACK; default 2).
    pub maximum_qos: Qos,
    /// Retain Available (CONNACK; default true).
    pub retain_available: bool,
    /// Wildcard Subscription Available (CONNACK; default true).
    pub wildcard_subscription_available: bool,
    /// Subscription Identifiers Available (CONNACK; default true).
    pub subscription_identifiers_available: bool,
    /// Shared Subscription Available (CONNACK; default true).
    pub shared_subscription_available: bool,
    /// Server Keep Alive (CONNACK), overriding the client's Keep Alive.
    pub server_keep_alive: Option<u16>,
    /// Session Expiry Interval (CONNECT or CONNACK).
    pub session_expiry_interval: Option<u32>,
}

impl PeerLimits {
    /// The defaults of 5.0 §3.1.2.11 and §3.2.2.3 (and what 3.1.1 implies).
    pub const DEFAULT: Self = Self {
        receive_maximum: u16::MAX,
        maximum_packet_size: crate::wire::MAX_REMAINING_LENGTH + 5,
        topic_alias_maximum: 0,
        maximum_qos: Qos::ExactlyOnce,
        retain_available: true,
        wildcard_subscription_available: true,
        subscription_identifiers_available: true,
        shared_subscription_available: true,
        server_keep_alive: None,
        session_expiry_interval: None,
    };

    /// Reads the limits from CONNECT or CONNACK properties, starting from the defaults.
    pub fn from_properties(props: &Properties<'_>) -> Self {
        let mut l = Self::DEFAULT;
        for p in props.iter() {
            match p {
                Property::ReceiveMaximum(n) => l.receive_maximum = n,
                Property::MaximumPacketSize(n) => l.maximum_packet_size = n,
                Property::TopicAliasMaximum(n) => l.topic_alias_maximum = n,
                Property::MaximumQos(q) => l.maximum_qos = q,
                Property::RetainAvailable(b) => l.retain_available = b,
                Property::WildcardSubscriptionAvailable(b) => l.wildcard_subscription_available = b,
                Property::SubscriptionIdentifierAvailable(b) => l.subscription_identifiers_available = b,
                Property::SharedSubscriptionAvailable(b) => l.shared_subscription_available = b,
                Property::ServerKeepAlive(s) => l.server_keep_alive = Some(s),
                Property::SessionExpiryInterval(s) => l.session_expiry_interval = Some(s),
                _ => {}
            }
        }
        l
    }
}

impl Default for PeerLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
