//! The broker side of one MQTT connection: [`ServerConnection`], a poll-driven machine that owns
//! no socket, clock, task or RNG. A broker keeps one per client transport and does the routing
//! (subscriptions, retained messages, sessions) itself.
//!
//! # The contract
//! | verb | meaning |
//! |---|---|
//! | [`ServerConnection::handle_input`] | bytes arrived; returns how many were used (whole packets only) |
//! | [`ServerConnection::handle_timeout`] | time passed; fires every expired deadline |
//! | [`ServerConnection::poll_transmit`] | writes the next packet into the caller's buffer |
//! | [`ServerConnection::poll_event`] | the next thing the application must know |
//! | [`ServerConnection::poll_timeout`] | when `handle_timeout` is next due |
//!
//! The connection starts waiting for CONNECT. [`Event::ConnectReceived`] asks the application
//! to [`accept`](ServerConnection::accept) or [`reject`](ServerConnection::reject) it; until
//! then only AUTH is read (5.0 §3.1.4): `handle_input` stops before anything else, so give it
//! the unread bytes again after answering. SUBSCRIBE and UNSUBSCRIBE arrive as events and are
//! answered with [`suback`](ServerConnection::suback) and
//! [`unsuback`](ServerConnection::unsuback). The QoS flows, topic aliases and Receive Maximum
//! both ways are the session engine's, shared with [`crate::client::Client`]. When the
//! connection ends other than by a DISCONNECT that discards it, the will arrives as
//! [`Event::WillPublished`] (after the 5.0 Will Delay Interval, while the object lives). A
//! session outlives its connection through [`export_session`](ServerConnection::export_session)
//! and [`import_session`](ServerConnection::import_session).
//!
//! A complete exchange with an in-memory client:
//!
//! ```
//! use mqtt_codec::client::{self, Client};
//! use mqtt_codec::server::{Config, Event, OutgoingMessage, ServerConnection};
//! use mqtt_codec::time::Instant;
//! use mqtt_codec::wire::{Connect, Protocol, Qos, Version};
//!
//! let now = Instant::ZERO;
//! let mut client: Client<[u8; 4096]> = Client::new(client::Config::new(Version::V5), [0; 4096]).unwrap();
//! let mut server: ServerConnection<[u8; 4096]> = ServerConnection::new(Config::new(), [0; 4096]).unwrap();
//! client.connect(now, &Connect { client_id: "sensor-7", ..Connect::new(Protocol::Mqtt5) })?;
//! client.publish(now, &OutgoingMessage::new("sensors/7/temp", b"21.5").with_qos(Qos::AtLeastOnce))?;
//!
//! let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
//! let mut buf = [0u8; 512];
//! let (mut received, mut commands) = (Vec::new(), Vec::new());
//! for _ in 0..6 {
//!     while let Some(t) = client.poll_transmit(now, &mut buf)? {
//!         to_server.extend_from_slice(&buf[..t.len]);
//!     }
//!     let used = server.handle_input(now, &to_server)?;
//!     to_server.drain(..used);
//!     let mut connect = false;
//!     while let Some(event) = server.poll_event() {
//!         match event {
//!             Event::ConnectReceived(c) => connect = c.client_id == "sensor-7",
//!             Event::MessageReceived(p) => received.push((p.topic.as_str().to_owned(), p.payload.to_vec())),
//!             _ => {}
//!         }
//!     }
//!     if connect {
//!         server.accept(now, false, &[])?;
//!         server.publish(now, &OutgoingMessage::new("cmd/7", b"on").with_qos(Qos::ExactlyOnce))?;
//!     }
//!     while let Some(t) = server.poll_transmit(now, &mut buf)? {
//!         to_client.extend_from_slice(&buf[..t.len]);
//!     }
//!     let used = client.handle_input(now, &to_client)?;
//!     to_client.drain(..used);
//!     while let Some(event) = client.poll_event() {
//!         if let Event::MessageReceived(p) = event {
//!             commands.push(p.payload.to_vec());
//!         }
//!     }
//! }
//! assert_eq!(received, [("sensors/7/temp".to_owned(), b"21.5".to_vec())]);
//! assert_eq!(commands, [b"on".to_vec()]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod commands;
mod config;
mod handshake;
mod will;

pub use crate::session::{
    BufferTooSmall, CloseReason, CommandError, DropReason, Event, OutgoingMessage, PeerLimits, PublishHandle,
    SessionImportError, Transmit,
};
pub use config::Config;

use core::time::Duration;

use crate::session::{Core, EventKind, Flow, Layout};
use crate::time::Instant;
use crate::wire::{
    decode_packet, DecodeOptions, Disconnect, Packet, PacketType, Property, PropertyId, Qos, ReasonCode, Status,
    Version,
};

use self::will::WillState;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for CONNECT until the deadline (set by the first call that knows the time).
    AwaitConnect { deadline: Option<Instant> },
    /// CONNECT received and reported; waiting for `accept` or `reject`.
    ConnectReceived,
    /// CONNACK Success queued: the session is up.
    Connected,
    /// The connection is over.
    Closed,
}

/// The store the server connection was given is too small for its [`Config`]'s split (plus 64
/// bytes of outbound records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
///
/// ```
/// use mqtt_codec::server::{Config, ServerConnection, StoreTooSmall};
/// // The defaults split off 2048 + 256 + 512 + 512 bytes; 64 more are needed for messages.
/// assert_eq!(ServerConnection::<[u8; 3300]>::new(Config::new(), [0; 3300]).err(), Some(StoreTooSmall));
/// assert!(ServerConnection::<[u8; 3392]>::new(Config::new(), [0; 3392]).is_ok());
/// ```
#[error("store too small for the configured split")]
pub struct StoreTooSmall;

/// A poll-driven MQTT 3.1.1 / 5.0 server connection (see the [module docs](self)).
///
/// `B` is the byte store (`[u8; K]`, `&mut [u8]`, `Vec<u8>`); `N` the message slots (QoS 0/1/2
/// publishes from the call until their outcome is polled; also the QoS 2 ids, acknowledgements
/// and events it holds for the client); `A` the topic aliases per direction.
///
/// ```
/// use mqtt_codec::server::{Config, ServerConnection};
/// // On the stack, no allocator: 8 KiB of store, 32 message slots, 8 topic aliases each way.
/// let s: ServerConnection<[u8; 8192], 32, 8> =
///     ServerConnection::new(Config::new().with_receive_maximum(32).with_topic_alias_maximum(8), [0; 8192]).unwrap();
/// assert_eq!((s.receive_maximum(), s.topic_alias_maximum()), (32, 8));
/// ```
pub struct ServerConnection<B, const N: usize = 16, const A: usize = 4> {
    core: Core<B, N, A>,
    config: Config,
    state: State,
    /// Keep Alive in force (CONNECT's, or the Server Keep Alive given to `accept`), 0 = off.
    keep_alive: u16,
    clean_start: bool,
    /// What the client's CONNECT announced (5.0), or the defaults.
    client: PeerLimits,
    /// When the last packet arrived (or `accept` ran).
    last_received: Instant,
    /// PINGREQ received; PINGRESP to send.
    pingresp_due: bool,
    will: WillState,
    /// The will's Will Delay Interval (5.0), seconds.
    will_delay: u32,
    /// The Session Expiry Interval in force (5.0), seconds: the will waits no longer.
    session_expiry: u32,
    /// Maximum QoS and Retain Available as announced in CONNACK (5.0).
    maximum_qos: Qos,
    retain_available: bool,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize, const A: usize> ServerConnection<B, N, A> {
    /// A connection on a newly accepted transport, keeping its state in `store`. The CONNECT is
    /// due within `config.connect_timeout` of the first call that is given the time
    /// (`handle_*`, `poll_transmit`, a command); until then [`poll_timeout`](Self::poll_timeout)
    /// says "now", so a loop that follows the contract starts the clock at once.
    ///
    /// # Errors
    /// [`StoreTooSmall`] when `store` cannot hold the configured inbound, alias, control and
    /// will bytes plus 64 bytes of outbound records.
    ///
    /// ```
    /// use mqtt_codec::server::{Config, ServerConnection};
    /// use mqtt_codec::time::Instant;
    /// let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// assert_eq!(s.poll_timeout(), Some(Instant::ZERO)); // due now: start the clock
    /// s.handle_timeout(Instant::from_millis(500));
    /// assert_eq!(s.poll_timeout(), Some(Instant::from_millis(10_500))); // the CONNECT timeout
    /// assert!(ServerConnection::<[u8; 512]>::new(Config::new(), [0; 512]).is_err());
    /// ```
    pub fn new(config: Config, store: B) -> Result<Self, StoreTooSmall> {
        let layout = Layout {
            inbound: config.inbound_bytes,
            alias: config.alias_bytes,
            control: config.control_bytes,
            will: config.will_bytes,
        };
        // A received PUBLISH may need its aliased topic beside it in the inbound store.
        let max_packet = config
            .maximum_packet_size
            .min(config.inbound_bytes.saturating_sub(config.alias_bytes).min(u32::MAX as usize) as u32);
        // The CONNECT names its own layout; the version is set from it.
        let opts = DecodeOptions::new(Version::V311)
            .with_max_packet_size(max_packet)
            .with_max_properties(config.max_properties.0, config.max_properties.1);
        let mut core = Core::new(store, Version::V311, layout, opts).ok_or(StoreTooSmall)?;
        core.own_alias_max = config.topic_alias_maximum.min(A.min(usize::from(u16::MAX)) as u16);
        Ok(Self {
            core,
            config,
            state: State::AwaitConnect { deadline: None },
            keep_alive: 0,
            clean_start: true,
            client: PeerLimits::DEFAULT,
            last_received: Instant::ZERO,
            pingresp_due: false,
            will: WillState::None,
            will_delay: 0,
            session_expiry: 0,
            maximum_qos: Qos::ExactlyOnce,
            retain_available: true,
        })
    }

    /// The protocol version the client's CONNECT chose (3.1.1 until it arrives).
    ///
    /// ```
    /// # use mqtt_codec::server::{Config, ServerConnection};
    /// # use mqtt_codec::time::Instant;
    /// use mqtt_codec::wire::{Connect, Protocol, Version};
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// let mut connect = [0u8; 32];
    /// let n = Connect::new(Protocol::Mqtt5).encode(Version::V5, &mut connect).unwrap();
    /// s.handle_input(Instant::ZERO, &connect[..n]).unwrap();
    /// assert_eq!(s.version(), Version::V5);
    /// ```
    pub fn version(&self) -> Version {
        self.core.version
    }

    /// The limits the client announced in its CONNECT (5.0: Receive Maximum, Maximum Packet
    /// Size, Topic Alias Maximum, Session Expiry Interval), or the defaults. They bound what
    /// the server sends.
    ///
    /// ```
    /// # use mqtt_codec::server::{Config, ServerConnection};
    /// # use mqtt_codec::time::Instant;
    /// use mqtt_codec::wire::{Connect, List, Property, Protocol, Version};
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// let props = [Property::ReceiveMaximum(5), Property::MaximumPacketSize(1024)];
    /// let mut connect = [0u8; 64];
    /// let n = Connect { properties: List::new(&props), ..Connect::new(Protocol::Mqtt5) }.encode(Version::V5, &mut connect).unwrap();
    /// s.handle_input(Instant::ZERO, &connect[..n]).unwrap();
    /// assert_eq!((s.client_limits().receive_maximum, s.client_limits().maximum_packet_size), (5, 1024));
    /// ```
    pub fn client_limits(&self) -> &PeerLimits {
        &self.client
    }

    /// Whether the connection was accepted and is not over.
    ///
    /// ```
    /// # use mqtt_codec::server::{Config, ServerConnection};
    /// # use mqtt_codec::time::Instant;
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// assert!(!s.is_connected()); // no CONNECT yet
    /// ```
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// The Keep Alive in force, in seconds (0: none): the CONNECT's, or the Server Keep Alive
    /// given to `accept`.
    ///
    /// ```
    /// # use mqtt_codec::server::{Config, ServerConnection};
    /// # use mqtt_codec::time::Instant;
    /// use mqtt_codec::wire::{Connect, Protocol, Version};
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// let mut connect = [0u8; 32];
    /// let n = Connect { keep_alive: 30, ..Connect::new(Protocol::Mqtt311) }.encode(Version::V311, &mut connect).unwrap();
    /// s.handle_input(Instant::ZERO, &connect[..n]).unwrap();
    /// assert_eq!(s.keep_alive(), 30); // enforced at 45 s without traffic once accepted
    /// ```
    pub fn keep_alive(&self) -> u16 {
        self.keep_alive
    }

    /// The Receive Maximum this server announces (`config.receive_maximum` capped at `N`).
    ///
    /// ```
    /// # use mqtt_codec::server::{Config, ServerConnection};
    /// let s: ServerConnection<Vec<u8>, 8> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// assert_eq!(s.receive_maximum(), 8);
    /// ```
    pub fn receive_maximum(&self) -> u16 {
        self.config.receive_maximum.min(N.min(usize::from(u16::MAX)) as u16).max(1)
    }

    /// The Maximum Packet Size this server accepts: `config.maximum_packet_size` capped at the
    /// inbound bytes less the alias bytes (a received packet may need its aliased topic beside
    /// it).
    ///
    /// ```
    /// # use mqtt_codec::server::{Config, ServerConnection};
    /// let s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// assert_eq!(s.maximum_packet_size(), 2048 - 256);
    /// ```
    pub fn maximum_packet_size(&self) -> u32 {
        self.core.decode_opts.max_packet_size
    }

    /// The Topic Alias Maximum this server announces (`config.topic_alias_maximum` capped at
    /// `A`).
    ///
    /// ```
    /// # use mqtt_codec::server::{Config, ServerConnection};
    /// let cfg = Config::new().with_topic_alias_maximum(100);
    /// let s: ServerConnection<Vec<u8>, 16, 4> = ServerConnection::new(cfg, vec![0; 8192]).unwrap();
    /// assert_eq!(s.topic_alias_maximum(), 4);
    /// ```
    pub fn topic_alias_maximum(&self) -> u16 {
        self.core.own_alias_max
    }

    /// The transport closed. Emits [`Event::Closed`] with [`CloseReason::TransportClosed`]
    /// unless the connection was already over, and hands on the will (5.0 §3.1.2.5: a close
    /// without DISCONNECT); the session stays for [`export_session`](Self::export_session).
    ///
    /// ```
    /// # use mqtt_codec::server::{CloseReason, Config, Event, ServerConnection};
    /// # use mqtt_codec::time::Instant;
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// s.connection_lost(Instant::ZERO);
    /// assert!(matches!(s.poll_event(), Some(Event::Closed { reason: CloseReason::TransportClosed, .. })));
    /// ```
    pub fn connection_lost(&mut self, now: Instant) {
        self.core.release();
        self.core.clear_staged();
        if self.state != State::Closed {
            self.close(now, CloseReason::TransportClosed, &[], true);
        }
    }

    /// Ends the connection: no more session traffic, a `Closed` event, the session kept; the
    /// will (if the connection was accepted) is scheduled when `keep_will`, discarded otherwise.
    fn close(&mut self, now: Instant, reason: CloseReason, raw: &[u8], keep_will: bool) {
        self.state = State::Closed;
        self.pingresp_due = false;
        self.core.close_reason = reason;
        self.core.go_offline();
        self.core.connection_lost();
        // The event's bytes may not fit when the store is full of unpolled events; the reason
        // still arrives, without the client's properties.
        if !self.core.push_event(EventKind::Closed, 0, &[raw], 0) {
            let _ = self.core.push_event(EventKind::Closed, 0, &[], 0);
        }
        self.end_will(now, keep_will);
    }

    /// Closes on a malformed packet or a protocol violation: 5.0 tells the client why, with
    /// DISCONNECT once accepted (5.0 §4.13, `MQTT-4.13.1-1`) or CONNACK before
    /// (`MQTT-3.14.0-1`: no DISCONNECT before CONNACK). The will is handed on.
    fn fail(&mut self, now: Instant, reason: CloseReason) -> CloseReason {
        if self.core.version == Version::V5 {
            if let Some(code) = reason.disconnect_reason() {
                match self.state {
                    State::Connected => {
                        let d = Disconnect::new(code);
                        let _ = self.core.stage(d.encoded_len(Version::V5), |out| d.encode(Version::V5, out));
                    }
                    State::ConnectReceived if code.allowed_in(PacketType::ConnAck) => {
                        let _ = self.stage_connack(code, Version::V5);
                    }
                    _ => {}
                }
            }
        }
        self.close(now, reason, &[], true);
        reason
    }

    // ---- input ---------------------------------------------------------------------------

    /// Takes bytes from the transport. Returns how many were used: whole packets only, and
    /// fewer than given when the store for events is full (poll events, then call again with
    /// the rest) or while a CONNECT waits for `accept`/`reject` (call again after answering).
    ///
    /// # Errors
    /// The [`CloseReason`] when the input ends the connection (a malformed packet, a protocol
    /// error such as a first packet other than CONNECT or a second CONNECT, the client's
    /// DISCONNECT); [`Event::Closed`] says the same. Bytes after that are not read.
    ///
    /// ```
    /// use mqtt_codec::server::{CloseReason, Config, ServerConnection};
    /// use mqtt_codec::time::Instant;
    /// let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// // PINGREQ first: `MQTT-3.1.0-1` wants CONNECT.
    /// assert!(matches!(s.handle_input(Instant::ZERO, &[0xC0, 0x00]), Err(CloseReason::ProtocolError { .. })));
    /// ```
    pub fn handle_input(&mut self, now: Instant, input: &[u8]) -> Result<usize, CloseReason> {
        self.core.release();
        self.start_clock(now);
        let mut used = 0;
        while let Some(rest) = input.get(used..) {
            if rest.is_empty() || self.state == State::Closed {
                break;
            }
            if matches!(self.state, State::AwaitConnect { .. }) && rest.first().is_some_and(|b| b >> 4 != 1) {
                // `MQTT-3.1.0-1`: the first packet from the client is CONNECT.
                let reason = CloseReason::ProtocolError { reason: ReasonCode::ProtocolError, rule: "MQTT-3.1.0-1" };
                return Err(self.fail(now, reason));
            }
            let (packet, consumed) = match decode_packet(rest, &self.core.decode_opts) {
                Ok(Status::Complete { item, consumed }) => (item, consumed),
                Ok(Status::Partial(_)) => break,
                Err(e) => return Err(self.malformed(now, e)),
            };
            self.last_received = now;
            let raw = rest.get(..consumed).unwrap_or(&[]);
            match self.on_packet(now, &packet, raw)? {
                Flow::Taken => used += consumed,
                Flow::Blocked => break,
            }
        }
        Ok(used)
    }

    fn on_packet(&mut self, now: Instant, packet: &Packet<'_>, raw: &[u8]) -> Result<Flow, CloseReason> {
        let v5 = self.core.version == Version::V5;
        match (self.state, packet) {
            (State::AwaitConnect { .. }, Packet::Connect(c)) => self.on_connect(now, c, raw),
            (State::ConnectReceived | State::Connected, Packet::Connect(_)) => {
                // `MQTT-3.1.0-2`: a second CONNECT is a protocol error.
                let reason = CloseReason::ProtocolError { reason: ReasonCode::ProtocolError, rule: "MQTT-3.1.0-2" };
                Err(self.fail(now, reason))
            }
            (State::ConnectReceived | State::Connected, Packet::Auth(_)) if v5 => {
                Ok(self.event(EventKind::AuthReceived, raw))
            }
            // 5.0 §3.1.4: nothing but AUTH is processed before the CONNECT is answered; the
            // bytes wait in the caller's buffer.
            (State::ConnectReceived, _) => Ok(Flow::Blocked),
            (State::Connected, Packet::Publish(p)) => {
                let refused = if p.qos.qos() > self.maximum_qos {
                    // 5.0 §3.2.2.3.4: a QoS above the Maximum QoS we announced.
                    Some((ReasonCode::QosNotSupported, "5.0 §3.2.2.3.4"))
                } else if p.retain && !self.retain_available {
                    // 5.0 §3.2.2.3.5: RETAIN when we announced Retain Available 0.
                    Some((ReasonCode::RetainNotSupported, "5.0 §3.2.2.3.5"))
                } else if p.properties.iter().any(|x| x.id() == PropertyId::SubscriptionIdentifier) {
                    // `MQTT-3.3.4-6`: a client's PUBLISH carries no Subscription Identifier.
                    Some((ReasonCode::ProtocolError, "MQTT-3.3.4-6"))
                } else {
                    None
                };
                if let Some((reason, rule)) = refused {
                    return Err(self.fail(now, CloseReason::ProtocolError { reason, rule }));
                }
                self.core_packet(now, packet, raw)
            }
            (State::Connected, Packet::PubAck(_) | Packet::PubRec(_) | Packet::PubRel(_) | Packet::PubComp(_)) => {
                self.core_packet(now, packet, raw)
            }
            (State::Connected, Packet::Subscribe(_)) => Ok(self.event(EventKind::SubscribeReceived, raw)),
            (State::Connected, Packet::Unsubscribe(_)) => Ok(self.event(EventKind::UnsubscribeReceived, raw)),
            (State::Connected, Packet::PingReq) => {
                // `MQTT-3.12.4-1`: PINGREQ is answered with PINGRESP.
                self.pingresp_due = true;
                Ok(Flow::Taken)
            }
            (State::Connected, Packet::Disconnect(d)) => Err(self.on_disconnect(now, d, raw)),
            // CONNACK, SUBACK, UNSUBACK, PINGRESP: a client never sends these to a server
            // (5.0 §4.13.2).
            _ => {
                Err(self
                    .fail(now, CloseReason::ProtocolError { reason: ReasonCode::ProtocolError, rule: "5.0 §4.13.2" }))
            }
        }
    }

    /// Queues an event carrying the raw packet; `Blocked` when there is no room now.
    fn event(&mut self, kind: EventKind, raw: &[u8]) -> Flow {
        if self.core.push_event(kind, 0, &[raw], 0) {
            Flow::Taken
        } else {
            Flow::Blocked
        }
    }

    fn core_packet(&mut self, now: Instant, packet: &Packet<'_>, raw: &[u8]) -> Result<Flow, CloseReason> {
        match self.core.handle_packet(packet, raw) {
            Ok(flow) => Ok(flow),
            Err(reason) => Err(self.fail(now, reason)),
        }
    }

    /// The client's DISCONNECT: the connection is over; the will is discarded on Normal
    /// disconnection and kept otherwise (0x04 Disconnect with Will Message asks for it).
    fn on_disconnect(&mut self, now: Instant, d: &Disconnect<'_>, raw: &[u8]) -> CloseReason {
        if self.core.version == Version::V5 {
            let expiry = d.properties.iter().find_map(|p| match p {
                Property::SessionExpiryInterval(s) => Some(s),
                _ => None,
            });
            if let Some(s) = expiry {
                if self.session_expiry == 0 && s != 0 {
                    // `MQTT-3.14.2-2`: a session that expired at close cannot be extended now.
                    let reason =
                        CloseReason::ProtocolError { reason: ReasonCode::ProtocolError, rule: "MQTT-3.14.2-2" };
                    return self.fail(now, reason);
                }
                self.session_expiry = s;
            }
        }
        // `MQTT-3.14.4-3`, `MQTT-3.1.2-10`: DISCONNECT with Normal disconnection (and every
        // 3.1.1 DISCONNECT) discards the will; 0x04 (5.0 §3.14.2.1) and the error codes leave
        // it to be published.
        let keep_will = self.core.version == Version::V5 && d.reason_code != ReasonCode::Success;
        let reason = CloseReason::DisconnectReceived(d.reason_code);
        self.close(now, reason, raw, keep_will);
        reason
    }

    /// Fires expired deadlines: the CONNECT timeout, the keep-alive (nothing received for 1.5
    /// x Keep Alive: `MQTT-3.1.2-24 (3.1.1)`, `MQTT-3.1.2-22 (5.0)`), and a will whose delay
    /// has passed. Early or repeated calls are harmless.
    ///
    /// ```
    /// use mqtt_codec::server::{CloseReason, Config, Event, ServerConnection};
    /// use mqtt_codec::time::Instant;
    /// let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// s.handle_timeout(Instant::ZERO); // starts the CONNECT timeout
    /// s.handle_timeout(Instant::from_millis(10_000));
    /// assert!(matches!(s.poll_event(), Some(Event::Closed { reason: CloseReason::ConnectTimeout, .. })));
    /// ```
    pub fn handle_timeout(&mut self, now: Instant) {
        self.core.release();
        self.start_clock(now);
        match self.state {
            State::AwaitConnect { deadline: Some(deadline) } if now >= deadline => {
                self.close(now, CloseReason::ConnectTimeout, &[], false);
            }
            State::Connected if self.keep_alive_deadline().is_some_and(|d| now >= d) => {
                // "As if the network had failed": the will is handed on. 5.0 says why first.
                if self.core.version == Version::V5 {
                    let d = Disconnect::new(ReasonCode::KeepAliveTimeout);
                    let _ = self.core.stage(d.encoded_len(Version::V5), |out| d.encode(Version::V5, out));
                }
                self.close(now, CloseReason::KeepAliveTimeout, &[], true);
            }
            _ => {}
        }
        self.will_timeout(now);
    }

    /// Starts the CONNECT timeout at the first time the connection is given.
    fn start_clock(&mut self, now: Instant) {
        if let State::AwaitConnect { deadline: None } = self.state {
            self.state = State::AwaitConnect { deadline: Some(now + self.config.connect_timeout) };
        }
    }

    /// 1.5 x Keep Alive after the last packet received.
    fn keep_alive_deadline(&self) -> Option<Instant> {
        (self.keep_alive > 0).then(|| self.last_received + Duration::from_millis(u64::from(self.keep_alive) * 1500))
    }

    // ---- output --------------------------------------------------------------------------

    /// Writes the next packet into `buf`: staged CONNACK/SUBACK/UNSUBACK/AUTH/DISCONNECT first,
    /// then PINGRESP, acknowledgements, then messages in order. `Ok(None)` when nothing is due.
    ///
    /// # Errors
    /// [`BufferTooSmall`] with the size needed; nothing changed.
    ///
    /// ```
    /// # use mqtt_codec::server::{Config, ServerConnection};
    /// # use mqtt_codec::time::Instant;
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// let mut buf = [0u8; 256];
    /// assert_eq!(s.poll_transmit(Instant::ZERO, &mut buf), Ok(None)); // nothing before CONNECT
    /// ```
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Result<Option<Transmit>, BufferTooSmall> {
        self.start_clock(now);
        let n = if self.pingresp_due && self.state == State::Connected && !self.core.has_staged() {
            let dst = buf.get_mut(..2).ok_or(BufferTooSmall { required: 2 })?;
            dst.copy_from_slice(&[0xD0, 0x00]);
            self.pingresp_due = false;
            Some(2)
        } else {
            self.core.poll_transmit(now, buf)?
        };
        Ok(n.map(|len| Transmit { len }))
    }

    /// The next event. Borrowed data stays valid until the next `&mut self` call.
    /// [`Event::WillPublished`] comes after the other events, [`Event::Closed`] included.
    ///
    /// ```
    /// # use mqtt_codec::server::{Config, Event, ServerConnection};
    /// # use mqtt_codec::time::Instant;
    /// use mqtt_codec::wire::{Connect, Protocol, Version};
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// let mut connect = [0u8; 32];
    /// let n = Connect { client_id: "c1", ..Connect::new(Protocol::Mqtt311) }.encode(Version::V311, &mut connect).unwrap();
    /// s.handle_input(Instant::ZERO, &connect[..n]).unwrap();
    /// assert!(matches!(s.poll_event(), Some(Event::ConnectReceived(c)) if c.client_id == "c1"));
    /// assert!(s.poll_event().is_none());
    /// ```
    pub fn poll_event(&mut self) -> Option<Event<'_>> {
        if self.core.has_events() {
            return self.core.poll_event();
        }
        self.core.release();
        self.will_event()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due: the CONNECT deadline, the
    /// keep-alive deadline, a queued message's expiry, or a delayed will.
    ///
    /// ```
    /// # use mqtt_codec::server::{Config, ServerConnection};
    /// # use mqtt_codec::time::Instant;
    /// # let mut s: ServerConnection<Vec<u8>> = ServerConnection::new(Config::new(), vec![0; 8192]).unwrap();
    /// assert_eq!(s.poll_timeout(), Some(Instant::ZERO)); // not started: due now
    /// s.handle_timeout(Instant::from_millis(20));
    /// assert_eq!(s.poll_timeout(), Some(Instant::from_millis(10_020)));
    /// ```
    pub fn poll_timeout(&self) -> Option<Instant> {
        let timer = match self.state {
            // Not started yet: due now, so that `handle_timeout` starts it.
            State::AwaitConnect { deadline } => Some(deadline.unwrap_or(Instant::ZERO)),
            State::Connected => match (self.keep_alive_deadline(), self.core.next_expiry()) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            State::ConnectReceived | State::Closed => None,
        };
        match (timer, self.will_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
