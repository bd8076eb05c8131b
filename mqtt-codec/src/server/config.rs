//! [`Config`]: the server connection's limits and timers.

use core::time::Duration;

/// How a [`super::ServerConnection`] behaves and how it splits its byte store. Every limit is a
/// cap: reaching it is an error or backpressure, never growth. The protocol version is not
/// here: the client's CONNECT decides it.
///
/// ```
/// use core::time::Duration;
/// use mqtt_codec::server::Config;
/// let c = Config::new().with_connect_timeout(Duration::from_secs(5)).with_topic_alias_maximum(4);
/// assert_eq!((c.connect_timeout, c.topic_alias_maximum), (Duration::from_secs(5), 4));
/// assert_eq!(Config::default().will_bytes, 512);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Config {
    /// How long the CONNECT may take to arrive, from the first call that gives the connection
    /// the time (default 10 s); then it closes with `CloseReason::ConnectTimeout`.
    pub connect_timeout: Duration,
    /// Receive Maximum announced in a 5.0 CONNACK: QoS 1/2 messages the client may have
    /// unacknowledged towards us. Capped at the machine's `N` (default: `N`).
    pub receive_maximum: u16,
    /// Maximum Packet Size we accept (announced in 5.0; enforced in both versions). Capped at
    /// what the inbound store holds (default: no cap beyond the store).
    pub maximum_packet_size: u32,
    /// Topic Alias Maximum announced in 5.0: aliases the client may use towards us. Capped at
    /// the machine's `A` (default 0: none).
    pub topic_alias_maximum: u16,
    /// Bytes of the store for received packets waiting to be polled as events, the CONNECT
    /// among them (default 2048).
    pub inbound_bytes: usize,
    /// Bytes of the store for topic alias names, both directions (default 256).
    pub alias_bytes: usize,
    /// Bytes of the store for CONNACK, SUBACK, UNSUBACK, AUTH and DISCONNECT until they are
    /// written (default 512).
    pub control_bytes: usize,
    /// Bytes of the store for the will, kept as an encoded PUBLISH (default 512). A CONNECT
    /// whose will does not fit is refused (5.0: CONNACK 0x95 Packet too large).
    pub will_bytes: usize,
    /// Properties accepted per packet, and User Properties among them (defaults 64 and 32).
    pub max_properties: (u16, u16),
    /// QoS 1/2 messages sent to a 3.1.1 client unacknowledged at most (default 16). 3.1.1 has
    /// no Receive Maximum to learn the client's limit from; 5.0 clients announce theirs.
    pub v311_window: u16,
}

impl Config {
    /// The defaults.
    ///
    /// ```
    /// # use mqtt_codec::server::Config;
    /// assert_eq!(Config::new(), Config::default());
    /// ```
    pub const fn new() -> Self {
        Self {
            connect_timeout: Duration::from_secs(10),
            receive_maximum: u16::MAX,
            maximum_packet_size: u32::MAX,
            topic_alias_maximum: 0,
            inbound_bytes: 2048,
            alias_bytes: 256,
            control_bytes: 512,
            will_bytes: 512,
            v311_window: 16,
            max_properties: (64, 32),
        }
    }

    /// With this CONNECT timeout.
    ///
    /// ```
    /// # use mqtt_codec::server::Config;
    /// # use core::time::Duration;
    /// assert_eq!(Config::new().with_connect_timeout(Duration::from_secs(3)).connect_timeout, Duration::from_secs(3));
    /// ```
    pub const fn with_connect_timeout(mut self, d: Duration) -> Self {
        self.connect_timeout = d;
        self
    }

    /// With this Receive Maximum (capped at `N`).
    ///
    /// ```
    /// # use mqtt_codec::server::Config;
    /// assert_eq!(Config::new().with_receive_maximum(10).receive_maximum, 10);
    /// ```
    pub const fn with_receive_maximum(mut self, n: u16) -> Self {
        self.receive_maximum = n;
        self
    }

    /// With this inbound Maximum Packet Size.
    ///
    /// ```
    /// # use mqtt_codec::server::Config;
    /// assert_eq!(Config::new().with_maximum_packet_size(1024).maximum_packet_size, 1024);
    /// ```
    pub const fn with_maximum_packet_size(mut self, n: u32) -> Self {
        self.maximum_packet_size = n;
        self
    }

    /// With this inbound Topic Alias Maximum (capped at `A`).
    ///
    /// ```
    /// # use mqtt_codec::server::Config;
    /// assert_eq!(Config::new().with_topic_alias_maximum(4).topic_alias_maximum, 4);
    /// ```
    pub const fn with_topic_alias_maximum(mut self, n: u16) -> Self {
        self.topic_alias_maximum = n;
        self
    }

    /// With this split of the byte store: inbound packets, alias names, control packets, the
    /// will (the rest holds outbound messages).
    ///
    /// ```
    /// # use mqtt_codec::server::Config;
    /// let c = Config::new().with_store_split(4096, 256, 512, 1024); // room for larger wills
    /// assert_eq!((c.inbound_bytes, c.will_bytes), (4096, 1024));
    /// ```
    pub const fn with_store_split(mut self, inbound: usize, alias: usize, control: usize, will: usize) -> Self {
        self.inbound_bytes = inbound;
        self.alias_bytes = alias;
        self.control_bytes = control;
        self.will_bytes = will;
        self
    }

    /// With these caps on properties per packet and User Properties among them.
    ///
    /// ```
    /// # use mqtt_codec::server::Config;
    /// assert_eq!(Config::new().with_max_properties(16, 8).max_properties, (16, 8));
    /// ```
    pub const fn with_max_properties(mut self, properties: u16, user_properties: u16) -> Self {
        self.max_properties = (properties, user_properties);
        self
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::new()
    }
}
