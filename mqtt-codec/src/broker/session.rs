//! Sessions: CONNECT (new, resumed, taken over, clean start), SUBSCRIBE and UNSUBSCRIBE, and the
//! per-session queue of messages waiting for the client.

use alloc::boxed::Box;
use alloc::collections::VecDeque;
use alloc::format;
use alloc::vec::Vec;

use super::{Broker, BrokerEvent, Stored, SubData, SubscriptionOptions, QUOTA_EXCEEDED};
use crate::time::Instant;
use crate::topic::{TopicFilter, TopicName};
use crate::wire::{Connect, PacketId, Property, Qos, ReasonCode, RetainHandling, Subscribe, Version};

/// A message waiting for a session's client.
#[derive(Debug, Clone)]
pub(crate) struct Queued {
    pub(crate) stored: Stored,
    /// QoS granted to this session (the lower of the message's and the subscription's).
    pub(crate) qos: Qos,
    pub(crate) retain: bool,
    /// Subscription Identifiers of the matching subscriptions (5.0 §3.3.4).
    pub(crate) identifiers: Vec<u32>,
}

/// A session: the subscriptions live in the broker's trie under its id.
pub(crate) struct Session {
    pub(crate) client_id: Box<str>,
    /// The connection's slot while connected.
    pub(crate) conn: Option<super::Slot>,
    pub(crate) version: Version,
    /// Session Expiry Interval in seconds (3.1.1: 0 for a clean session, the maximum otherwise).
    pub(crate) expiry: u32,
    pub(crate) expires_at: Option<Instant>,
    /// The connection's exported state (messages in flight, QoS 2 ids) while offline.
    pub(crate) saved: Option<Vec<u8>>,
    pub(crate) queue: VecDeque<Queued>,
    pub(crate) queued_bytes: usize,
}

/// What the broker needs of a CONNECT, owned.
pub(crate) struct ConnectRequest {
    client_id: Box<str>,
    clean_start: bool,
    version: Version,
    expiry: Option<u32>,
}

impl ConnectRequest {
    pub(crate) fn from_connect(c: &Connect<'_>) -> Self {
        let expiry = c.properties.iter().find_map(|p| match p {
            Property::SessionExpiryInterval(s) => Some(s),
            _ => None,
        });
        Self { client_id: Box::from(c.client_id), clean_start: c.clean_start, version: c.protocol.version(), expiry }
    }
}

/// A SUBSCRIBE, owned.
pub(crate) struct SubscribeRequest {
    packet_id: PacketId,
    identifier: Option<u32>,
    subscriptions: Vec<(Box<str>, SubscriptionOptions)>,
}

impl SubscribeRequest {
    pub(crate) fn from_subscribe(s: &Subscribe<'_>) -> Self {
        let identifier = s.properties.iter().find_map(|p| match p {
            Property::SubscriptionIdentifier(id) => Some(id),
            _ => None,
        });
        let subscriptions = s.subscriptions.iter().map(|x| (Box::from(x.filter.as_str()), x.options)).collect();
        Self { packet_id: s.packet_id, identifier, subscriptions }
    }
}

impl<C: Copy + Ord> Broker<C> {
    pub(super) fn on_connect(&mut self, now: Instant, conn: super::Slot, req: ConnectRequest) {
        // 5.0 §3.1.3.1 / `MQTT-3.1.3-6`: an empty client id gets one assigned (3.1.1 only with a
        // clean session, `MQTT-3.1.3-7` (3.1.1); the connection refuses the other case).
        let assigned = req.client_id.is_empty();
        let client_id: Box<str> = if assigned {
            {
                self.assigned += 1;
                Box::from(format!("auto-{}", self.assigned).as_str())
            }
        } else {
            req.client_id
        };
        let expiry = match req.version {
            // 3.1.1: a clean session ends with the connection; otherwise it is kept.
            Version::V311 => {
                if req.clean_start {
                    0
                } else {
                    self.config.max_session_expiry
                }
            }
            Version::V5 => req.expiry.unwrap_or(0).min(self.config.max_session_expiry),
        };
        // Client takeover (`MQTT-3.1.4-3`): the older connection is told (5.0: 0x8E) and closed.
        if let Some(sid) = self.by_client.get(&client_id).copied() {
            let old = self.sessions.get(sid).and_then(|s| s.conn).filter(|&o| o != conn);
            if let Some(old) = old {
                if let Some(c) = self.conns.get_mut(old) {
                    c.taken_over = true;
                    if c.sc.version() == Version::V5 {
                        let _ = c.sc.disconnect(now, &super::takeover());
                    } else {
                        c.sc.connection_lost(now);
                    }
                }
                self.mark_ready(old);
                self.pump(now, old);
                // It stays until the caller closes it, to write its DISCONNECT; its session goes
                // offline now.
                let saved = self.conns.get_mut(old).and_then(|c| {
                    c.session = None;
                    c.closed = true;
                    super::export(&c.sc)
                });
                self.detach(now, sid, old, saved);
            }
            // A will waiting for its delay is not sent once the session reconnects
            // (`MQTT-3.1.3-9`).
            self.lingering.retain(|(s, _)| *s != sid);
        }
        let existing = self.by_client.get(&client_id).copied();
        let resume = existing.filter(|_| !req.clean_start);
        if let (Some(sid), true) = (existing, req.clean_start) {
            // Clean Start: the old session is discarded (`MQTT-3.1.2-4`).
            self.remove_session(sid);
        }
        if resume.is_none() && self.sessions.len() >= self.config.max_sessions {
            let code = if req.version == Version::V5 { QUOTA_EXCEEDED } else { ReasonCode::ServerUnavailable };
            if let Some(c) = self.conns.get_mut(conn) {
                let _ = c.sc.reject(now, code, &[]);
            }
            self.mark_ready(conn);
            return;
        }
        let sid = match resume {
            Some(sid) => sid,
            None => {
                let sid = self.sessions.insert(Session {
                    client_id: client_id.clone(),
                    conn: None,
                    version: req.version,
                    expiry,
                    expires_at: None,
                    saved: None,
                    queue: VecDeque::new(),
                    queued_bytes: 0,
                });
                self.by_client.insert(client_id.clone(), sid);
                sid
            }
        };
        let Some(s) = self.sessions.get_mut(sid) else { return };
        let Some(c) = self.conns.get_mut(conn) else { return };
        // The saved state imports only into a connection of the same version.
        let present = resume.is_some() && s.version == req.version;
        if present {
            if let Some(saved) = s.saved.take() {
                if c.sc.import_session(&saved).is_err() {
                    s.saved = None;
                }
            }
        } else if resume.is_some() {
            s.queue.clear();
            s.queued_bytes = 0;
        }
        s.conn = Some(conn);
        s.expiry = expiry;
        s.expires_at = None;
        s.version = req.version;
        c.session = Some(sid);
        let mut props: Vec<Property<'_>> = Vec::new();
        if assigned && req.version == Version::V5 {
            props.push(Property::AssignedClientIdentifier(&client_id));
        }
        if req.version == Version::V5 && req.expiry.is_some_and(|e| e > expiry) {
            // 5.0 §3.2.2.3.2: the server tells the interval it uses.
            props.push(Property::SessionExpiryInterval(expiry));
        }
        if c.sc.accept(now, present, &props).is_ok() {
            self.events.push_back(BrokerEvent::Connected { conn: c.id, client_id, session_present: present });
        }
        self.mark_ready(conn);
        self.drain(now, sid);
    }

    pub(super) fn on_subscribe(&mut self, now: Instant, conn: super::Slot, req: SubscribeRequest) {
        let Some(sid) = self.conns.get(conn).and_then(|c| c.session) else { return };
        let mut codes = Vec::with_capacity(req.subscriptions.len());
        let mut retained_for: Vec<(Box<str>, SubscriptionOptions)> = Vec::new();
        for (filter, options) in &req.subscriptions {
            let Ok(f) = TopicFilter::new(filter) else {
                codes.push(ReasonCode::TopicFilterInvalid);
                continue;
            };
            let data = SubData { options: *options, identifier: req.identifier };
            let existed = self.trie.subscribe(f, sid, data).is_some();
            if !existed && self.trie.subscriptions_of(sid) > self.config.max_subscriptions_per_session {
                // Over the per-session limit: taken back, and the client is told.
                self.trie.unsubscribe(f, sid);
                codes.push(QUOTA_EXCEEDED);
                continue;
            }
            codes.push(match options.qos {
                Qos::AtMostOnce => ReasonCode::Success,
                Qos::AtLeastOnce => ReasonCode::GrantedQos1,
                Qos::ExactlyOnce => ReasonCode::GrantedQos2,
            });
            // 5.0 §3.3.1.3, §3.8.3.1 Retain Handling; shared subscriptions get no retained
            // messages (`MQTT-3.8.4-?`, 5.0 §4.8.2).
            let send = match options.retain_handling {
                RetainHandling::SendAtSubscribe => true,
                RetainHandling::SendAtSubscribeIfNew => !existed,
                RetainHandling::DoNotSend => false,
            };
            if send && f.shared().is_none() {
                retained_for.push((filter.clone(), *options));
            }
        }
        if let Some(c) = self.conns.get_mut(conn) {
            let _ = c.sc.suback(now, req.packet_id, &codes, &[]);
        }
        self.mark_ready(conn);
        // Retained messages follow the SUBACK (`MQTT-3.3.1-9`: with RETAIN set).
        for (filter, options) in retained_for {
            let Ok(f) = TopicFilter::new(&filter) else { continue };
            let matching: Vec<Stored> = self
                .retained
                .iter()
                .filter(|(topic, _)| TopicName::new(topic).is_ok_and(|t| f.matches(t)))
                .map(|(_, m)| m.clone())
                .collect();
            for m in matching {
                let Some(p) = m.publish() else { continue };
                let qos = p.qos.qos().min(options.qos);
                let q =
                    Queued { stored: m.clone(), qos, retain: true, identifiers: req.identifier.into_iter().collect() };
                self.enqueue(now, sid, q);
            }
        }
        self.drain(now, sid);
    }

    pub(super) fn on_unsubscribe(
        &mut self,
        now: Instant,
        conn: super::Slot,
        packet_id: PacketId,
        filters: &[Box<str>],
    ) {
        let Some(sid) = self.conns.get(conn).and_then(|c| c.session) else { return };
        let codes: Vec<ReasonCode> = filters
            .iter()
            .map(|f| match TopicFilter::new(f) {
                Ok(f) if self.trie.unsubscribe(f, sid).is_some() => ReasonCode::Success,
                Ok(_) => ReasonCode::NoSubscriptionExisted,
                Err(_) => ReasonCode::TopicFilterInvalid,
            })
            .collect();
        if let Some(c) = self.conns.get_mut(conn) {
            let _ = c.sc.unsuback(now, packet_id, &codes, &[]);
        }
        self.mark_ready(conn);
    }

    /// Queues `q` for `sid` within the per-session limits; counts a drop otherwise.
    pub(super) fn enqueue(&mut self, _now: Instant, sid: super::SessionId, q: Queued) {
        let Some(s) = self.sessions.get_mut(sid) else { return };
        let bytes = q.stored.bytes.len();
        if s.queue.len() >= self.config.max_queued_messages || s.queued_bytes + bytes > self.config.max_queued_bytes {
            self.dropped += 1;
            return;
        }
        s.queued_bytes += bytes;
        s.queue.push_back(q);
    }
}
