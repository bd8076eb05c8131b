//! [`Config`]: the client's limits and timers.

use core::time::Duration;

use crate::wire::Version;

/// How a [`super::Client`] behaves and how it splits its byte store. Every limit is a cap:
/// reaching it is an error or backpressure, never growth.
///
/// ```
/// use core::time::Duration;
/// use mqtt_codec::client::Config;
/// use mqtt_codec::wire::Version;
/// let c = Config::new(Version::V5).with_ping_timeout(Duration::from_secs(5)).with_topic_alias_maximum(4);
/// assert_eq!(c.topic_alias_maximum, 4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// The protocol version every packet uses.
    pub version: Version,
    /// How long to wait for CONNACK after CONNECT is written (default 10 s).
    pub connect_timeout: Duration,
    /// How long to wait for PINGRESP after PINGREQ before the connection counts as dead
    /// (default 10 s).
    pub ping_timeout: Duration,
    /// Receive Maximum announced in a 5.0 CONNECT: QoS 1/2 messages the server may have
    /// unacknowledged towards us. Capped at the machine's `N` (default: `N`).
    pub receive_maximum: u16,
    /// Maximum Packet Size we accept (announced in 5.0; enforced in both versions). Capped at
    /// what the inbound store holds (default: no cap beyond the store).
    pub maximum_packet_size: u32,
    /// Topic Alias Maximum announced in 5.0: aliases the server may use towards us. Capped at
    /// the machine's `A` (default 0: none).
    pub topic_alias_maximum: u16,
    /// Bytes of the store for received packets waiting to be polled as events (default 2048).
    pub inbound_bytes: usize,
    /// Bytes of the store for topic alias names, both directions (default 256).
    pub alias_bytes: usize,
    /// Bytes of the store for CONNECT (with its will), AUTH and DISCONNECT (default 512).
    pub control_bytes: usize,
    /// Properties accepted per packet, and User Properties among them (defaults 64 and 32).
    pub max_properties: (u16, u16),
}

impl Config {
    /// The defaults for `version`.
    pub const fn new(version: Version) -> Self {
        Self {
            version,
            connect_timeout: Duration::from_secs(10),
            ping_timeout: Duration::from_secs(10),
            receive_maximum: u16::MAX,
            maximum_packet_size: u32::MAX,
            topic_alias_maximum: 0,
            inbound_bytes: 2048,
            alias_bytes: 256,
            control_bytes: 512,
            max_properties: (64, 32),
        }
    }

    /// With this CONNACK timeout.
    pub const fn with_connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// With this PINGRESP timeout.
    pub const fn with_ping_timeout(mut self, d: Duration) -> Self {
        self.ping_timeout = d;
        self
    }

    /// With this Receive Maximum (capped at `N`).
    pub const fn with_receive_maximum(mut self, n: u16) -> Self {
        self.receive_maximum = n;
        self
    }

    /// With this inbound Maximum Packet Size.
    pub const fn with_maximum_packet_size(mut self, n: u32) -> Self {
        self.maximum_packet_size = n;
        self
    }

    /// With this inbound Topic Alias Maximum (capped at `A`).
    pub const fn with_topic_alias_maximum(mut self, n: u16) -> Self {
        self.topic_alias_maximum = n;
        self
    }

    /// With this split of the byte store: inbound packets, alias names, control packets (the
    /// rest holds outbound messages).
    pub const fn with_store_split(mut self, inbound: usize, alias: usize, control: usize) -> Self {
        self.inbound_bytes = inbound;
        self.alias_bytes = alias;
        self.control_bytes = control;
        self
    }
}
