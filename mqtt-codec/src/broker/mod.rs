//! The broker core (feature `alloc`): many [`ServerConnection`]s keyed by a connection id the
//! caller chooses, a subscription [`Trie`], retained messages and sessions, routing between
//! them. Still sans-IO: the caller owns the sockets and the clock.
//!
//! | verb | meaning |
//! |---|---|
//! | [`Broker::connection_opened`] | a transport was accepted (refused past `max_connections`) |
//! | [`Broker::handle_input`] | bytes arrived on a connection; returns how many were used |
//! | [`Broker::connection_lost`] | a transport closed |
//! | [`Broker::handle_timeout`] | time passed (keep-alive, will delays, session expiry) |
//! | [`Broker::poll_transmit`] | the next frame of any connection, and which one |
//! | [`Broker::poll_event`] | connects and disconnects, for logs and for closing sockets |
//! | [`Broker::poll_timeout`] | when `handle_timeout` is next due |
//!
//! What it implements (5.0 §4; 3.1.1 §4): subscriptions with `+`/`#` and the `$` rule,
//! shared subscriptions (one member per message, round robin), subscription options (QoS, No
//! Local, Retain As Published, Retain Handling), Subscription Identifiers delivered with
//! matching messages, overlapping subscriptions delivered once with the highest QoS and every
//! identifier; retained messages (set, replace, clear with an empty payload, delivered on
//! subscribe); sessions with Clean Start and Session Expiry Interval, queueing of QoS 1/2
//! messages (and QoS 0 while connected) when a session is offline or its window is full,
//! redelivery on reconnect, client takeover (DISCONNECT 0x8E); Message Expiry Interval while
//! queued, with the remaining interval forwarded; every other PUBLISH property forwarded
//! unchanged; wills after their delay unless the session reconnects first.
//!
//! ```
//! use mqtt_codec::broker::{Broker, BrokerEvent, Config};
//! use mqtt_codec::time::Instant;
//!
//! let mut broker: Broker<u32> = Broker::new(Config::new());
//! let now = Instant::ZERO;
//! broker.connection_opened(now, 1).unwrap();
//! // CONNECT (3.1.1, client id "a"), then SUBSCRIBE a/# QoS 1.
//! let connect = [0x10, 0x0D, 0x00, 0x04, b'M', b'Q', b'T', b'T', 0x04, 0x02, 0x00, 0x3C, 0x00, 0x01, b'a'];
//! assert_eq!(broker.handle_input(now, 1, &connect), Ok(connect.len()));
//! let mut buf = [0u8; 256];
//! let (conn, t) = broker.poll_transmit(now, &mut buf).unwrap().unwrap();
//! assert_eq!((conn, &buf[..t.len]), (1, &[0x20, 0x02, 0x00, 0x00][..])); // CONNACK
//! assert!(matches!(broker.poll_event(), Some(BrokerEvent::Connected { conn: 1, .. })));
//! ```

mod config;
mod persist;
mod route;
mod session;
mod slab;

pub use config::Config;
pub use persist::ImportError;

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, VecDeque};
use alloc::sync::Arc;
use alloc::vec::Vec;

use self::session::Session;
use self::slab::Slab;
use crate::server::ServerConnection;
use crate::session::{BufferTooSmall, CloseReason, Event, Transmit};
use crate::time::Instant;
use crate::topic::Trie;
use crate::wire::{
    decode_packet, DecodeOptions, Disconnect, List, Packet, PacketId, Property, PropertyId, Publish, QosPid,
    ReasonCode, Status, SubscriptionOptions, Version,
};

/// The connection type the broker keeps per client: 32 message slots (so 32 QoS 2 messages
/// awaiting PUBREL from a 3.1.1 client, which has no Receive Maximum: libmosquitto and paho
/// keep 20 in flight by default), 8 topic aliases.
pub type Connection = ServerConnection<Vec<u8>, 32, 8>;

/// A session's key in the trie and the tables (its index in the session slab).
type SessionId = u32;

/// A connection's index in the connection slab.
type Slot = u32;

/// A subscription as the trie keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct SubData {
    options: SubscriptionOptions,
    identifier: Option<u32>,
}

/// What the application (a log, the socket loop) must know.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BrokerEvent<C> {
    /// A client connected (CONNACK Success was queued).
    Connected {
        /// The connection.
        conn: C,
        /// The client identifier (assigned by the broker when the client sent none).
        client_id: Box<str>,
        /// Whether an existing session was resumed.
        session_present: bool,
    },
    /// The connection is over: write out what `poll_transmit` still gives for it, then close
    /// its transport and call `connection_lost`.
    Closed {
        /// The connection.
        conn: C,
        /// Why.
        reason: CloseReason,
    },
}

/// `connection_opened` refused a connection: close its transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// `max_connections` are open.
    #[error("too many connections")]
    TooManyConnections,
    /// The id is in use by an open connection.
    #[error("connection id in use")]
    IdInUse,
}

/// One connection and the session bound to it.
struct Conn<C> {
    /// The caller's id.
    id: C,
    sc: Box<Connection>,
    session: Option<SessionId>,
    closed: bool,
    /// In the ready queue.
    queued: bool,
    /// Another connection took its session over: its close says so.
    taken_over: bool,
    /// QoS 0 frames shared with other subscribers, written after what the engine has.
    frames: VecDeque<Arc<[u8]>>,
}

/// A received message, re-encoded once in the broker's own form: a 5.0 PUBLISH with its topic
/// resolved, no Topic Alias and no Subscription Identifier, QoS as published.
#[derive(Debug, Clone)]
pub(crate) struct Stored {
    pub(crate) bytes: Arc<[u8]>,
    pub(crate) received: Instant,
}

impl Stored {
    /// Re-encodes `p` (a decoded PUBLISH of either version).
    fn from_publish(p: &Publish<'_>, now: Instant) -> Option<Self> {
        let props: Vec<Property<'_>> = p
            .properties
            .iter()
            .filter(|x| !matches!(x.id(), PropertyId::TopicAlias | PropertyId::SubscriptionIdentifier))
            .collect();
        let qos = match p.qos {
            QosPid::AtMostOnce => QosPid::AtMostOnce,
            QosPid::AtLeastOnce(_) => QosPid::AtLeastOnce(PacketId::new(1)?),
            QosPid::ExactlyOnce(_) => QosPid::ExactlyOnce(PacketId::new(1)?),
        };
        let canon = Publish { dup: false, qos, properties: List::new(&props), ..*p };
        let mut bytes = alloc::vec![0u8; canon.encoded_len(Version::V5)];
        canon.encode(Version::V5, &mut bytes).ok()?;
        Some(Self { bytes: bytes.into(), received: now })
    }

    /// The message, decoded (zero-copy) from the broker's own bytes.
    pub(crate) fn publish(&self) -> Option<Publish<'_>> {
        match decode_packet(&self.bytes, &DecodeOptions::new(Version::V5)) {
            Ok(Status::Complete { item: Packet::Publish(p), .. }) => Some(p),
            _ => None,
        }
    }
}

/// The broker core. `C` is the caller's connection id (a socket token, an index).
pub struct Broker<C> {
    config: Config,
    conns: Slab<Conn<C>>,
    /// The caller's ids to connection slots.
    index: BTreeMap<C, Slot>,
    /// Closed connections whose will waits for its delay.
    lingering: Vec<(SessionId, Box<Connection>)>,
    sessions: Slab<Session>,
    by_client: BTreeMap<Box<str>, SessionId>,
    /// Numbers assigned client ids.
    assigned: u64,
    trie: Trie<SessionId, SubData>,
    retained: BTreeMap<Box<str>, Stored>,
    retained_bytes: usize,
    /// The connections refuse new retained messages (the store is full).
    retain_refusing: bool,
    /// Connections that may have something to transmit.
    ready: VecDeque<Slot>,
    events: VecDeque<BrokerEvent<C>>,
    /// Round-robin position for shared subscriptions.
    share_turn: usize,
    /// Messages dropped because a queue or a limit was full.
    dropped: u64,
}

impl<C: Copy + Ord> Broker<C> {
    /// An empty broker.
    pub fn new(config: Config) -> Self {
        Self {
            config,
            conns: Slab::new(),
            index: BTreeMap::new(),
            lingering: Vec::new(),
            sessions: Slab::new(),
            by_client: BTreeMap::new(),
            assigned: 0,
            trie: Trie::new(),
            retained: BTreeMap::new(),
            retained_bytes: 0,
            retain_refusing: false,
            ready: VecDeque::new(),
            events: VecDeque::new(),
            share_turn: 0,
            dropped: 0,
        }
    }

    /// Open connections.
    pub fn connections(&self) -> usize {
        self.conns.len()
    }

    /// Sessions (connected or kept for a reconnect).
    pub fn sessions(&self) -> usize {
        self.sessions.len()
    }

    /// Retained messages.
    pub fn retained(&self) -> usize {
        self.retained.len()
    }

    /// Subscriptions in the trie.
    pub fn subscriptions(&self) -> usize {
        self.trie.len()
    }

    /// Messages dropped so far because a session's queue or a limit was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// A transport was accepted: the connection waits for CONNECT.
    ///
    /// # Errors
    /// [`OpenError`]: close the transport.
    pub fn connection_opened(&mut self, now: Instant, conn: C) -> Result<(), OpenError> {
        if self.index.contains_key(&conn) {
            return Err(OpenError::IdInUse);
        }
        if self.conns.len() >= self.config.max_connections {
            return Err(OpenError::TooManyConnections);
        }
        let store = alloc::vec![0u8; self.config.connection_store_bytes];
        let Ok(mut sc) = ServerConnection::new(self.config.connection, store) else {
            return Err(OpenError::TooManyConnections);
        };
        sc.handle_timeout(now); // starts the CONNECT timeout
        if self.retain_refusing {
            sc.refuse_new_retained(Some(ReasonCode::QuotaExceeded));
        }
        let slot = self.conns.insert(Conn {
            id: conn,
            sc: Box::new(sc),
            session: None,
            closed: false,
            queued: false,
            taken_over: false,
            frames: VecDeque::new(),
        });
        self.index.insert(conn, slot);
        Ok(())
    }

    /// Bytes arrived on `conn`. Returns how many were used (fewer when the connection must
    /// first answer, e.g. a CONNECT; call again with the rest).
    ///
    /// # Errors
    /// The [`CloseReason`] when the input ends the connection (also a [`BrokerEvent::Closed`]).
    pub fn handle_input(&mut self, now: Instant, conn: C, bytes: &[u8]) -> Result<usize, CloseReason> {
        let Some(&slot) = self.index.get(&conn) else { return Ok(0) };
        let mut used = 0;
        loop {
            let Some(c) = self.conns.get_mut(slot) else { return Ok(used) };
            if c.closed {
                return Ok(used);
            }
            let r = c.sc.handle_input(now, bytes.get(used..).unwrap_or(&[]));
            self.mark_ready(slot);
            let progressed = self.pump(now, slot);
            match r {
                Ok(n) => {
                    used += n;
                    // A CONNECT stops the connection's input until it is answered; the pump
                    // answered it, so go on with the rest.
                    if n == 0 && !progressed || used >= bytes.len() {
                        return Ok(used);
                    }
                }
                Err(reason) => return Err(reason),
            }
        }
    }

    /// The transport of `conn` closed. Its session is kept (per its expiry) and its will is
    /// published (after its delay) unless it ended with a normal DISCONNECT.
    pub fn connection_lost(&mut self, now: Instant, conn: C) {
        let Some(slot) = self.index.remove(&conn) else { return };
        if let Some(c) = self.conns.get_mut(slot) {
            c.sc.connection_lost(now);
        }
        self.pump(now, slot);
        if let Some(c) = self.conns.remove(slot) {
            if let Some(sid) = c.session {
                self.detach(now, sid, slot, export(&c.sc));
                if c.sc.has_will() {
                    self.lingering.push((sid, c.sc));
                }
            }
        }
    }

    /// Fires expired deadlines of every connection, lingering will and session.
    pub fn handle_timeout(&mut self, now: Instant) {
        for slot in self.conns.indices() {
            if let Some(c) = self.conns.get_mut(slot) {
                if c.sc.poll_timeout().is_some_and(|t| t <= now) {
                    c.sc.handle_timeout(now);
                    self.mark_ready(slot);
                    self.pump(now, slot);
                }
            }
        }
        // Delayed wills.
        let mut i = 0;
        while let Some((sid, sc)) = self.lingering.get_mut(i) {
            let sid = *sid;
            sc.handle_timeout(now);
            let mut wills = Vec::new();
            while let Some(ev) = sc.poll_event() {
                if let Event::WillPublished(p) = ev {
                    wills.extend(Stored::from_publish(&p, now));
                }
            }
            let done = !sc.has_will();
            for w in wills {
                self.route(now, &w, Some(sid));
            }
            if done {
                self.lingering.swap_remove(i);
            } else {
                i += 1;
            }
        }
        // Session expiry (5.0 §4.1): an offline session past its interval is discarded.
        let expired: Vec<SessionId> = self
            .sessions
            .iter()
            .filter(|(_, s)| s.conn.is_none() && s.expires_at.is_some_and(|t| t <= now))
            .map(|(id, _)| id)
            .collect();
        for sid in expired {
            self.remove_session(sid);
        }
    }

    /// The next frame of any connection, and its connection id.
    ///
    /// # Errors
    /// [`BufferTooSmall`] with the size the next frame needs; nothing changed.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Result<Option<(C, Transmit)>, BufferTooSmall> {
        while let Some(&slot) = self.ready.front() {
            let Some(c) = self.conns.get_mut(slot) else {
                self.ready.pop_front();
                continue;
            };
            match c.sc.poll_transmit(now, buf)? {
                Some(t) => {
                    let id = c.id;
                    // Writing may end exchanges (QoS 0 is done once written): their events free
                    // slots, and messages queued for the session can go.
                    self.pump(now, slot);
                    if let Some(sid) = self.conns.get(slot).and_then(|c| c.session) {
                        self.drain(now, sid);
                    }
                    return Ok(Some((id, t)));
                }
                None => {
                    if let Some(frame) = c.frames.front() {
                        let dst = buf.get_mut(..frame.len()).ok_or(BufferTooSmall { required: frame.len() })?;
                        dst.copy_from_slice(frame);
                        let (id, len) = (c.id, frame.len());
                        c.frames.pop_front();
                        return Ok(Some((id, Transmit { len })));
                    }
                    c.queued = false;
                    self.ready.pop_front();
                }
            }
        }
        Ok(None)
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<BrokerEvent<C>> {
        self.events.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let conns = self.conns.iter().filter_map(|(_, c)| c.sc.poll_timeout());
        let wills = self.lingering.iter().filter_map(|(_, sc)| sc.poll_timeout());
        let sessions = self.sessions.iter().filter(|(_, s)| s.conn.is_none()).filter_map(|(_, s)| s.expires_at);
        conns.chain(wills).chain(sessions).min()
    }

    // ---- per-connection events ----------------------------------------------------------

    /// Puts a connection in the ready queue (once).
    fn mark_ready(&mut self, slot: Slot) {
        if let Some(c) = self.conns.get_mut(slot) {
            if !c.queued {
                c.queued = true;
                self.ready.push_back(slot);
            }
        }
    }

    /// Handles every event the connection has; returns whether there were any.
    fn pump(&mut self, now: Instant, slot: Slot) -> bool {
        let mut any = false;
        loop {
            let Some(c) = self.conns.get_mut(slot) else { return any };
            let Some(ev) = c.sc.poll_event() else { return any };
            any = true;
            let action = Action::from_event(&ev, now);
            self.act(now, slot, action);
        }
    }

    fn act(&mut self, now: Instant, slot: Slot, action: Action) {
        match action {
            Action::Connect(req) => self.on_connect(now, slot, req),
            Action::Publish(stored) | Action::Will(stored) => {
                let from = self.conns.get(slot).and_then(|c| c.session);
                self.route(now, &stored, from);
            }
            Action::Subscribe(req) => self.on_subscribe(now, slot, req),
            Action::Unsubscribe { packet_id, filters } => self.on_unsubscribe(now, slot, packet_id, &filters),
            Action::Acknowledged => {
                if let Some(sid) = self.conns.get(slot).and_then(|c| c.session) {
                    self.drain(now, sid);
                }
            }
            Action::Closed(reason) => {
                if let Some(c) = self.conns.get_mut(slot) {
                    if !c.closed {
                        c.closed = true;
                        let reason = if c.taken_over { CloseReason::SessionTakenOver } else { reason };
                        self.events.push_back(BrokerEvent::Closed { conn: c.id, reason });
                    }
                }
            }
            Action::Nothing => {}
        }
    }

    /// A connection's session goes offline: keep its state for a resume.
    fn detach(&mut self, now: Instant, sid: SessionId, slot: Slot, saved: Option<Vec<u8>>) {
        let Some(s) = self.sessions.get_mut(sid) else { return };
        if s.conn != Some(slot) {
            return;
        }
        s.conn = None;
        s.saved = saved;
        if s.expiry == 0 {
            self.remove_session(sid);
        } else {
            s.expires_at = Some(now + core::time::Duration::from_secs(u64::from(s.expiry)));
        }
    }

    fn remove_session(&mut self, sid: SessionId) {
        if let Some(s) = self.sessions.remove(sid) {
            self.trie.unsubscribe_all(sid);
            if self.by_client.get(&s.client_id) == Some(&sid) {
                self.by_client.remove(&s.client_id);
            }
        }
    }

    /// Sends what `sid`'s queue holds while its connection takes it.
    fn drain(&mut self, now: Instant, sid: SessionId) {
        let Some(s) = self.sessions.get_mut(sid) else { return };
        if s.queue.is_empty() {
            return;
        }
        let Some(slot) = s.conn else { return };
        let Some(c) = self.conns.get_mut(slot) else { return };
        if c.closed || !c.sc.is_connected() {
            return;
        }
        let mut sent = false;
        while let Some(q) = s.queue.front() {
            let Some(p) = q.stored.publish() else {
                s.queue.pop_front();
                continue;
            };
            match route::send(&mut c.sc, now, q, &p) {
                route::Sent::Yes | route::Sent::Expired | route::Sent::Refused => {
                    sent = true;
                    if let Some(q) = s.queue.pop_front() {
                        s.queued_bytes = s.queued_bytes.saturating_sub(q.stored.bytes.len());
                    }
                }
                route::Sent::Full => break,
            }
        }
        if sent {
            self.mark_ready(slot);
        }
    }
}

/// A connection's session state (messages in flight, QoS 2 ids), exported for a resume.
fn export(sc: &Connection) -> Option<Vec<u8>> {
    let mut scratch = alloc::vec![0u8; 64 * 1024];
    let n = sc.export_session(&mut scratch).ok()?;
    // A copy of exactly the bytes: an offline session must not keep the 64 KiB scratch.
    Some(scratch.get(..n)?.to_vec())
}

/// An owned copy of what a connection event asks the broker to do.
enum Action {
    Connect(session::ConnectRequest),
    Publish(Stored),
    Subscribe(session::SubscribeRequest),
    Unsubscribe { packet_id: PacketId, filters: Vec<Box<str>> },
    Acknowledged,
    Will(Stored),
    Closed(CloseReason),
    Nothing,
}

impl Action {
    fn from_event(ev: &Event<'_>, now: Instant) -> Self {
        match ev {
            Event::ConnectReceived(c) => Self::Connect(session::ConnectRequest::from_connect(c)),
            Event::MessageReceived(p) => Stored::from_publish(p, now).map_or(Self::Nothing, Self::Publish),
            Event::WillPublished(p) => Stored::from_publish(p, now).map_or(Self::Nothing, Self::Will),
            Event::SubscribeReceived(s) => Self::Subscribe(session::SubscribeRequest::from_subscribe(s)),
            Event::UnsubscribeReceived(u) => Self::Unsubscribe {
                packet_id: u.packet_id,
                filters: u.filters.iter().map(|f| Box::from(f.as_str())).collect(),
            },
            Event::PublishAcknowledged { .. } | Event::PublishSent { .. } | Event::PublishDropped { .. } => {
                Self::Acknowledged
            }
            Event::Closed { reason, .. } => Self::Closed(*reason),
            _ => Self::Nothing,
        }
    }
}

/// Reason codes the broker answers with.
const QUOTA_EXCEEDED: ReasonCode = ReasonCode::QuotaExceeded;

/// The 5.0 DISCONNECT sent to a connection whose session another connection took over.
fn takeover() -> Disconnect<'static> {
    Disconnect::new(ReasonCode::SessionTakenOver)
}
