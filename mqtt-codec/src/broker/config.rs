//! [`Config`]: the broker core's limits. Each is a cap: reaching it is a reason code to the
//! client (Quota exceeded, Server busy, ...) or a dropped message that is counted, never growth.

use crate::server;

/// The broker core's limits and the configuration of each connection it accepts.
///
/// ```
/// use mqtt_codec::broker::Config;
/// let c = Config::new().with_max_connections(100).with_max_queued_messages(50);
/// assert_eq!((c.max_connections, c.max_queued_messages), (100, 50));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// Open connections (default 1024); one more is refused at `connection_opened`, before
    /// its CONNECT: accepting it to send a CONNACK would spend what the limit protects.
    pub max_connections: usize,
    /// Sessions, connected or kept for a reconnect (default 4096); a CONNECT that would create
    /// one more gets CONNACK 0x97 Quota exceeded (5.0) / 3 Server unavailable (3.1.1).
    pub max_sessions: usize,
    /// Subscriptions per session (default 64); more get SUBACK 0x97 Quota exceeded (5.0) /
    /// 0x80 (3.1.1).
    pub max_subscriptions_per_session: usize,
    /// Retained messages (default 10,000) and their bytes (default 16 MiB). While the store is
    /// full, new 5.0 retained QoS 1/2 messages are refused with PUBACK/PUBREC 0x97 Quota
    /// exceeded; QoS 0 and 3.1.1 ones (no reason code to tell) are delivered, not retained, and
    /// counted in `Broker::dropped`.
    pub max_retained: usize,
    /// Bytes of all retained messages.
    pub max_retained_bytes: usize,
    /// Messages queued per session (while it is offline or its window is full; default 1000)
    /// and their bytes (default 1 MiB); past either, new messages for it are dropped and
    /// counted (no packet exists to tell an offline subscriber).
    pub max_queued_messages: usize,
    /// Bytes of the messages queued per session.
    pub max_queued_bytes: usize,
    /// The longest Session Expiry Interval granted, in seconds (default one day).
    pub max_session_expiry: u32,
    /// Bytes of each connection's store (default 16 KiB: 8 KiB for packets received, 256 for
    /// alias topics, 512 each for control packets and the will, the rest for messages sent;
    /// see `server::Config`).
    pub connection_store_bytes: usize,
    /// Each connection's own configuration (timeouts, Receive Maximum, Maximum Packet Size,
    /// Topic Alias Maximum, store split).
    pub connection: server::Config,
}

impl Config {
    /// The defaults.
    pub const fn new() -> Self {
        Self {
            max_connections: 1024,
            max_sessions: 4096,
            max_subscriptions_per_session: 64,
            max_retained: 10_000,
            max_retained_bytes: 16 << 20,
            max_queued_messages: 1000,
            max_queued_bytes: 1 << 20,
            max_session_expiry: 86_400,
            connection_store_bytes: 16 * 1024,
            // Packets up to about 8 KB, and 8 topic aliases for clients that send them.
            connection: server::Config::new().with_store_split(8192, 256, 512, 512).with_topic_alias_maximum(8),
        }
    }

    /// With this many open connections at most.
    pub const fn with_max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }

    /// With this many sessions at most.
    pub const fn with_max_sessions(mut self, n: usize) -> Self {
        self.max_sessions = n;
        self
    }

    /// With this many subscriptions per session at most.
    pub const fn with_max_subscriptions_per_session(mut self, n: usize) -> Self {
        self.max_subscriptions_per_session = n;
        self
    }

    /// With this many retained messages at most.
    pub const fn with_max_retained(mut self, n: usize) -> Self {
        self.max_retained = n;
        self
    }

    /// With this many queued messages per session at most.
    pub const fn with_max_queued_messages(mut self, n: usize) -> Self {
        self.max_queued_messages = n;
        self
    }

    /// With this per-connection configuration and store size.
    pub const fn with_connection(mut self, connection: server::Config, store_bytes: usize) -> Self {
        self.connection = connection;
        self.connection_store_bytes = store_bytes;
        self
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}
