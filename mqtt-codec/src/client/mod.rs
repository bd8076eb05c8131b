//! The client side of an MQTT connection: [`Client`], a poll-driven machine that owns no
//! socket, clock, task or RNG, and [`Backoff`], the delays between reconnect attempts.
//!
//! # The contract
//! | verb | meaning |
//! |---|---|
//! | [`Client::handle_input`] | bytes arrived; returns how many were used (whole packets only) |
//! | [`Client::handle_timeout`] | time passed; fires every expired deadline |
//! | [`Client::poll_transmit`] | writes the next packet into the caller's buffer |
//! | [`Client::poll_event`] | the next thing the application must know |
//! | [`Client::poll_timeout`] | when `handle_timeout` is next due |
//!
//! Commands ([`Client::connect`], [`Client::publish`], [`Client::subscribe`], ...) only queue
//! work. After any `handle_*` or command: `poll_transmit` until `None`, `poll_event` until
//! `None`, then read `poll_timeout`. When the transport closes, call
//! [`Client::connection_lost`]; to resume, open a new transport and call `connect` again: what
//! was in flight is resent (5.0 §4.4) if the server kept the session.
//!
//! ```
//! use mqtt_codec::client::{Client, Config, Event};
//! use mqtt_codec::session::OutgoingMessage;
//! use mqtt_codec::time::Instant;
//! use mqtt_codec::wire::{Connect, Protocol, Qos, Version};
//!
//! let mut client: Client<[u8; 4096]> = Client::new(Config::new(Version::V5), [0; 4096]).unwrap();
//! let now = Instant::ZERO;
//! client.connect(now, &Connect { client_id: "sensor-7", ..Connect::new(Protocol::Mqtt5) })?;
//! client.publish(now, &OutgoingMessage::new("sensors/7/temp", b"21.5").with_qos(Qos::AtLeastOnce))?;
//! let mut tx = [0u8; 256];
//! let t = client.poll_transmit(now, &mut tx)?.unwrap();
//! assert_eq!(tx[0], 0x10); // CONNECT first; the PUBLISH waits for CONNACK
//! assert!(client.poll_transmit(now, &mut tx)?.is_none());
//! // The server's CONNACK arrives:
//! assert_eq!(client.handle_input(now, &[0x20, 0x03, 0x00, 0x00, 0x00]), Ok(5));
//! assert!(matches!(client.poll_event(), Some(Event::Connected { session_present: false, .. })));
//! let t = client.poll_transmit(now, &mut tx)?.unwrap();
//! assert_eq!(&tx[..3], &[0x32, 0x17, 0x00]); // PUBLISH QoS 1, Remaining Length 23
//! # let _ = t;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod backoff;
mod config;

pub use crate::session::{
    BufferTooSmall, CloseReason, CommandError, DropReason, Event, OutgoingMessage, PeerLimits, PublishHandle, Transmit,
};
pub use backoff::Backoff;
pub use config::Config;

use core::time::Duration;

use crate::session::{Core, EventKind, Flow, Layout};
use crate::time::Instant;
use crate::topic::TopicFilter;
use crate::wire::{
    decode_packet, Auth, Connect, DecodeOptions, Disconnect, List, Packet, PacketId, Property, PropertyId, ReasonCode,
    Status, Subscribe, Subscription, Unsubscribe, Version,
};

/// Properties a CONNECT can carry after the client adds its own three.
const MAX_CONNECT_PROPERTIES: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// No connection (before `connect`, or after a close).
    Idle,
    /// CONNECT queued or sent; waiting for CONNACK until the deadline.
    Connecting,
    /// CONNACK Success received.
    Connected,
}

/// The store the client was given is too small for its [`Config`]'s split (plus 64 bytes of
/// outbound records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("store too small for the configured split")]
pub struct StoreTooSmall;

/// A poll-driven MQTT 3.1.1 / 5.0 client connection (see the [module docs](self)).
///
/// `B` is the byte store (`[u8; K]`, `&mut [u8]`, `Vec<u8>`); `N` the message slots (QoS 0/1/2
/// publishes and SUBSCRIBE/UNSUBSCRIBE from the call until their outcome is polled; also the
/// QoS 2 ids and acknowledgements it holds for the server); `A` the topic aliases per direction.
///
/// Under 3.1.1 the server learns no Receive Maximum: `N` must cover the QoS 2 messages it may
/// have awaiting PUBREL (mosquitto's default `max_inflight_messages` is 20; the default `N`
/// is 32). A server that exceeds it gets the connection closed.
pub struct Client<B, const N: usize = 32, const A: usize = 4> {
    core: Core<B, N, A>,
    /// From the [`Config`]: the CONNACK and PINGRESP timeouts (ms), our Receive Maximum.
    connect_timeout_ms: u32,
    ping_timeout_ms: u32,
    receive_maximum: u16,
    state: State,
    /// Connecting: the CONNACK deadline; connected: the PINGRESP deadline; in ms, [`NONE`] for
    /// none.
    deadline: u64,
    /// Keep Alive in force (CONNECT's, or the 5.0 Server Keep Alive), 0 = off.
    keep_alive: u16,
    clean_start: bool,
    last_sent: Instant,
    ping_due: bool,
}

/// No deadline.
const NONE: u64 = u64::MAX;

fn ms(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX)
}

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize, const A: usize> Client<B, N, A> {
    /// A client with `config`, keeping its state in `store`.
    ///
    /// # Errors
    /// [`StoreTooSmall`] when `store` cannot hold the configured inbound, alias and control
    /// bytes plus 64 bytes of outbound records.
    pub fn new(config: Config, store: B) -> Result<Self, StoreTooSmall> {
        let layout =
            Layout { inbound: config.inbound_bytes, alias: config.alias_bytes, control: config.control_bytes, will: 0 };
        let max_packet = config
            .maximum_packet_size
            .min(config.inbound_bytes.saturating_sub(config.alias_bytes).min(u32::MAX as usize) as u32);
        let opts = DecodeOptions::new(config.version)
            .with_max_packet_size(max_packet)
            .with_max_properties(config.max_properties.0, config.max_properties.1);
        let mut core = Core::new(store, config.version, layout, opts).ok_or(StoreTooSmall)?;
        core.own_alias_max = config.topic_alias_maximum.min(A.min(usize::from(u16::MAX)) as u16);
        Ok(Self {
            core,
            connect_timeout_ms: ms(config.connect_timeout),
            ping_timeout_ms: ms(config.ping_timeout),
            receive_maximum: config.receive_maximum,
            state: State::Idle,
            deadline: NONE,
            keep_alive: 0,
            clean_start: true,
            last_sent: Instant::ZERO,
            ping_due: false,
        })
    }

    /// The limits the server announced in its last CONNACK (5.0), or the defaults.
    pub fn server_limits(&self) -> &PeerLimits {
        &self.core.peer
    }

    /// Whether CONNACK Success has arrived on the current connection.
    pub fn is_connected(&self) -> bool {
        self.state == State::Connected
    }

    /// The Receive Maximum this client announces (`config.receive_maximum` capped at `N`).
    pub fn receive_maximum(&self) -> u16 {
        self.receive_maximum.min(N.min(usize::from(u16::MAX)) as u16).max(1)
    }

    /// The Maximum Packet Size this client accepts.
    pub fn maximum_packet_size(&self) -> u32 {
        self.core.decode_opts.max_packet_size
    }

    /// `now + ms`, as a deadline in ms (never [`NONE`]).
    fn after(&self, now: Instant, ms: u32) -> u64 {
        (now + Duration::from_millis(u64::from(ms))).as_millis().min(NONE - 1)
    }

    // ---- commands ------------------------------------------------------------------------

    /// Queues CONNECT on a new transport connection. The client adds (5.0) its Receive
    /// Maximum, Maximum Packet Size and Topic Alias Maximum, replacing any the caller set. With
    /// `clean_start` the old session is discarded (messages in flight are reported dropped at
    /// CONNACK); without it, the session resumes if the server kept it.
    ///
    /// # Errors
    /// [`CommandError::InvalidState`] unless idle; [`CommandError::Invalid`] for a CONNECT the
    /// decoder would reject or whose protocol is not the configured version;
    /// [`CommandError::StoreFull`] when it does not fit the control bytes.
    pub fn connect(&mut self, now: Instant, connect: &Connect<'_>) -> Result<(), CommandError> {
        self.core.release();
        if self.state != State::Idle {
            return Err(CommandError::InvalidState);
        }
        if connect.protocol.version() != self.core.version {
            return Err(CommandError::Invalid(crate::wire::Malformed::UnsupportedProtocolLevel(
                connect.protocol.level(),
            )));
        }
        let mut props = [Property::ReceiveMaximum(1); MAX_CONNECT_PROPERTIES];
        let mut n = 0;
        self.core.own_receive_max = if self.core.version == Version::V5 { self.receive_maximum() } else { u16::MAX };
        if self.core.version == Version::V5 {
            let ours = [
                Property::ReceiveMaximum(self.receive_maximum()),
                Property::MaximumPacketSize(self.maximum_packet_size()),
                Property::TopicAliasMaximum(self.core.own_alias_max),
            ];
            let theirs = connect.properties.iter().filter(|p| {
                !matches!(
                    p.id(),
                    PropertyId::ReceiveMaximum | PropertyId::MaximumPacketSize | PropertyId::TopicAliasMaximum
                )
            });
            for p in ours.into_iter().filter(|p| *p != Property::TopicAliasMaximum(0)).chain(theirs) {
                let slot = props
                    .get_mut(n)
                    .ok_or(CommandError::Invalid(crate::wire::Malformed::TooManyProperties(n as u16)))?;
                *slot = p;
                n += 1;
            }
        }
        let packet = Connect { properties: List::new(props.get(..n).unwrap_or(&[])), ..*connect };
        let v = self.core.version;
        let size = packet.encoded_len(v);
        self.core.stage(size, |out| packet.encode(v, out))?;
        self.clean_start = connect.clean_start;
        self.keep_alive = connect.keep_alive;
        self.ping_due = false;
        self.state = State::Connecting;
        self.deadline = self.after(now, self.connect_timeout_ms);
        Ok(())
    }

    /// Queues an application message; it goes out once connected, within the server's Receive
    /// Maximum, in the order given. QoS 0 ends with [`Event::PublishSent`], QoS 1 and 2 with
    /// [`Event::PublishAcknowledged`] or [`Event::PublishDropped`].
    ///
    /// # Errors
    /// [`CommandError::QueueFull`], [`CommandError::StoreFull`] (backpressure: retry after
    /// events); [`CommandError::PacketTooLarge`] (over the server's Maximum Packet Size; no
    /// packet id spent); [`CommandError::Invalid`]; [`CommandError::NotSupported`] (QoS or
    /// RETAIN the server refused in CONNACK).
    pub fn publish(&mut self, now: Instant, message: &OutgoingMessage<'_>) -> Result<PublishHandle, CommandError> {
        self.core.publish(now, message)
    }

    /// Queues SUBSCRIBE; its SUBACK arrives as [`Event::Subscribed`].
    ///
    /// # Errors
    /// As [`publish`](Self::publish); [`CommandError::Invalid`] for an empty list (5.0
    /// `MQTT-3.8.3-2`) or options the decoder would reject.
    pub fn subscribe(
        &mut self,
        _now: Instant,
        subscriptions: &[Subscription<'_>],
        properties: &[Property<'_>],
    ) -> Result<PacketId, CommandError> {
        let v = self.core.version;
        let probe = |id| Subscribe {
            packet_id: id,
            properties: List::new(properties),
            subscriptions: List::new(subscriptions),
        };
        let size = PacketId::new(1).map_or(0, |id| probe(id).encoded_len(v));
        self.core.request(true, size, |id, out| probe(id).encode(v, out))
    }

    /// Queues UNSUBSCRIBE; its UNSUBACK arrives as [`Event::Unsubscribed`].
    ///
    /// # Errors
    /// As [`subscribe`](Self::subscribe).
    pub fn unsubscribe(
        &mut self,
        _now: Instant,
        filters: &[TopicFilter<'_>],
        properties: &[Property<'_>],
    ) -> Result<PacketId, CommandError> {
        let v = self.core.version;
        let probe = |id| Unsubscribe { packet_id: id, properties: List::new(properties), filters: List::new(filters) };
        let size = PacketId::new(1).map_or(0, |id| probe(id).encoded_len(v));
        self.core.request(false, size, |id, out| probe(id).encode(v, out))
    }

    /// Queues AUTH (5.0 enhanced authentication, §4.12): an answer to [`Event::AuthReceived`]
    /// or, once connected, a re-authentication.
    ///
    /// # Errors
    /// [`CommandError::InvalidState`] when idle or under 3.1.1; [`CommandError::Invalid`].
    pub fn auth(&mut self, _now: Instant, auth: &Auth<'_>) -> Result<(), CommandError> {
        self.core.release();
        if self.state == State::Idle || self.core.version != Version::V5 {
            return Err(CommandError::InvalidState);
        }
        let size = auth.encoded_len(Version::V5);
        self.core.stage(size, |out| auth.encode(Version::V5, out))
    }

    /// Queues DISCONNECT and ends the connection: [`Event::Closed`] with
    /// [`CloseReason::Local`] follows; write out what `poll_transmit` still gives, then close
    /// the transport. 5.0 may send a reason (Disconnect with Will Message: 0x04) and properties
    /// (Session Expiry Interval).
    ///
    /// # Errors
    /// [`CommandError::InvalidState`] when idle; [`CommandError::Invalid`].
    pub fn disconnect(&mut self, _now: Instant, disconnect: &Disconnect<'_>) -> Result<(), CommandError> {
        self.core.release();
        if self.state == State::Idle {
            return Err(CommandError::InvalidState);
        }
        let v = self.core.version;
        let size = disconnect.encoded_len(v);
        self.core.stage(size, |out| disconnect.encode(v, out))?;
        self.close(CloseReason::Local, &[]);
        Ok(())
    }

    /// The transport closed. Emits [`Event::Closed`] with [`CloseReason::TransportClosed`]
    /// unless the connection was already closed; the session stays for a resume.
    pub fn connection_lost(&mut self, _now: Instant) {
        self.core.release();
        self.core.clear_staged();
        if self.state != State::Idle {
            self.close(CloseReason::TransportClosed, &[]);
        }
    }

    /// Ends the connection: no more session traffic, a `Closed` event, the session kept.
    fn close(&mut self, reason: CloseReason, raw: &[u8]) {
        self.state = State::Idle;
        self.ping_due = false;
        self.deadline = NONE;
        self.core.close_reason = reason;
        self.core.go_offline();
        self.core.connection_lost();
        // The event's bytes may not fit when the store is full of unpolled events; the reason
        // still arrives, without the peer's properties.
        if !self.core.push_event(EventKind::Closed, 0, &[raw], 0) {
            let _ = self.core.push_event(EventKind::Closed, 0, &[], 0);
        }
    }

    /// Closes on a protocol violation: 5.0 tells the server why (5.0 §4.13, `MQTT-4.13.1-1`).
    fn fail(&mut self, reason: CloseReason) -> CloseReason {
        if self.core.version == Version::V5 {
            if let Some(code) = reason.disconnect_reason() {
                let d = Disconnect::new(code);
                let _ = self.core.stage(d.encoded_len(Version::V5), |out| d.encode(Version::V5, out));
            }
        }
        self.close(reason, &[]);
        reason
    }

    // ---- input ---------------------------------------------------------------------------

    /// Takes bytes from the transport. Returns how many were used: whole packets only, and
    /// fewer than given when the store for events is full (poll events, then call again with
    /// the rest). Time counts as traffic for keep-alive only when packets are sent.
    ///
    /// # Errors
    /// The [`CloseReason`] when the input ends the connection (a malformed packet, a protocol
    /// error, a refused CONNACK, a DISCONNECT); [`Event::Closed`] says the same. Bytes after
    /// that are not read.
    pub fn handle_input(&mut self, now: Instant, input: &[u8]) -> Result<usize, CloseReason> {
        self.core.release();
        let mut used = 0;
        while let Some(rest) = input.get(used..) {
            if rest.is_empty() || self.state == State::Idle {
                break;
            }
            let (packet, consumed) = match decode_packet(rest, &self.core.decode_opts) {
                Ok(Status::Complete { item, consumed }) => (item, consumed),
                Ok(Status::Partial(_)) => break,
                Err(e) => return Err(self.fail(CloseReason::Malformed(e))),
            };
            let raw = rest.get(..consumed).unwrap_or(&[]);
            match self.on_packet(now, &packet, raw)? {
                Flow::Taken => used += consumed,
                Flow::Blocked => break,
            }
        }
        Ok(used)
    }

    fn on_packet(&mut self, _now: Instant, packet: &Packet<'_>, raw: &[u8]) -> Result<Flow, CloseReason> {
        let connecting = self.state == State::Connecting;
        match packet {
            Packet::ConnAck(ack) if connecting => {
                if ack.reason_code.is_error() {
                    let reason = CloseReason::Refused(ack.reason_code);
                    self.close(reason, raw);
                    return Err(reason);
                }
                if ack.session_present && self.clean_start {
                    // 5.0 `MQTT-3.2.2-2`, 3.1.1 `MQTT-3.2.2-1`: a clean start has no session.
                    return Err(self.fail(CloseReason::ProtocolError {
                        reason: ReasonCode::ProtocolError,
                        rule: "MQTT-3.2.2-2 (5.0)",
                    }));
                }
                let code = u8::from(ack.session_present);
                if !self.core.push_event(EventKind::Connected, code, &[raw], 0) {
                    return Ok(Flow::Blocked);
                }
                let limits = match self.core.version {
                    Version::V5 => PeerLimits::from_properties(&ack.properties),
                    Version::V311 => PeerLimits::DEFAULT,
                };
                if let Some(ka) = limits.server_keep_alive {
                    // 5.0 §3.2.2.3.14: the Server Keep Alive replaces the client's.
                    self.keep_alive = ka;
                }
                self.core.session_started(ack.session_present, limits);
                self.state = State::Connected;
                self.deadline = NONE;
                Ok(Flow::Taken)
            }
            Packet::Auth(_) if self.core.version == Version::V5 => {
                if self.core.push_event(EventKind::AuthReceived, 0, &[raw], 0) {
                    Ok(Flow::Taken)
                } else {
                    Ok(Flow::Blocked)
                }
            }
            Packet::Disconnect(d) => {
                let reason = CloseReason::DisconnectReceived(d.reason_code);
                self.close(reason, raw);
                Err(reason)
            }
            _ if connecting => {
                // `MQTT-3.2.0-1`: the server's first packet is CONNACK.
                Err(self.fail(CloseReason::ProtocolError { reason: ReasonCode::ProtocolError, rule: "MQTT-3.2.0-1" }))
            }
            Packet::PingResp => {
                self.deadline = NONE;
                Ok(Flow::Taken)
            }
            Packet::Publish(_)
            | Packet::PubAck(_)
            | Packet::PubRec(_)
            | Packet::PubRel(_)
            | Packet::PubComp(_)
            | Packet::SubAck(_)
            | Packet::UnsubAck(_) => match self.core.handle_packet(packet, raw) {
                Ok(flow) => Ok(flow),
                Err(reason) => Err(self.fail(reason)),
            },
            // CONNECT, a second CONNACK, SUBSCRIBE, UNSUBSCRIBE, PINGREQ: a server never sends
            // these to a client (5.0 §4.13.2; a second CONNACK: `MQTT-3.2.0-2` analog).
            _ => Err(self.fail(CloseReason::ProtocolError { reason: ReasonCode::ProtocolError, rule: "5.0 §4.13.2" })),
        }
    }

    /// Fires expired deadlines: the CONNACK timeout, the PINGRESP timeout, and a PINGREQ when
    /// nothing was sent for Keep Alive seconds (3.1.1 `MQTT-3.1.2-23`, 5.0 `MQTT-3.1.2-20`).
    /// Early or repeated calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.core.release();
        match self.state {
            State::Connecting if now.as_millis() >= self.deadline => {
                self.close(CloseReason::ConnectTimeout, &[]);
            }
            State::Connected => {
                if now.as_millis() >= self.deadline {
                    // The link is presumed dead: nothing is sent, the caller closes it.
                    self.close(CloseReason::KeepAliveTimeout, &[]);
                } else if self.keep_alive > 0
                    && self.deadline == NONE
                    && now >= self.last_sent + Duration::from_secs(u64::from(self.keep_alive))
                {
                    self.ping_due = true;
                }
            }
            _ => {}
        }
    }

    // ---- output --------------------------------------------------------------------------

    /// Writes the next packet into `buf`: staged CONNECT/AUTH/DISCONNECT first, then PINGREQ,
    /// acknowledgements, then messages in order. `Ok(None)` when nothing is due.
    ///
    /// # Errors
    /// [`BufferTooSmall`] with the size needed; nothing changed.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Result<Option<Transmit>, BufferTooSmall> {
        let n = if self.ping_due && self.state == State::Connected && !self.core.has_staged() {
            let dst = buf.get_mut(..2).ok_or(BufferTooSmall { required: 2 })?;
            dst.copy_from_slice(&[0xC0, 0x00]);
            self.ping_due = false;
            self.deadline = self.after(now, self.ping_timeout_ms);
            Some(2)
        } else {
            self.core.poll_transmit(now, buf)?
        };
        if n.is_some() {
            self.last_sent = now;
            if self.state == State::Connecting && !self.core.has_staged() {
                // The CONNACK wait starts when CONNECT is written.
                self.deadline = self.after(now, self.connect_timeout_ms);
            }
        }
        Ok(n.map(|len| Transmit { len }))
    }

    /// The next event. Borrowed data stays valid until the next `&mut self` call.
    pub fn poll_event(&mut self) -> Option<Event<'_>> {
        self.core.poll_event()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due: the CONNACK or PINGRESP
    /// deadline, the next PINGREQ, or a queued message's expiry.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let timer = match self.state {
            State::Idle => None,
            State::Connecting => Some(Instant::from_millis(self.deadline)),
            State::Connected if self.deadline != NONE => Some(Instant::from_millis(self.deadline)),
            State::Connected if self.keep_alive > 0 && !self.ping_due => {
                Some(self.last_sent + Duration::from_secs(u64::from(self.keep_alive)))
            }
            State::Connected => None,
        };
        match (timer, self.core.next_expiry()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}
