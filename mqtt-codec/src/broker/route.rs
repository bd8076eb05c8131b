//! Routing a received message: retained state, the matching sessions (one member per shared
//! group, No Local, overlapping subscriptions merged), and sending or queueing for each.

use alloc::vec::Vec;

use super::session::Queued;
use super::{Broker, Connection, SessionId, Stored, SubData};
use crate::server::{CommandError, OutgoingMessage};
use crate::time::Instant;
use crate::topic::Match;
use crate::wire::{Property, Publish, Qos, QosPid, Version};
use alloc::sync::Arc;

/// What happened to one message given to a connection.
pub(super) enum Sent {
    /// Queued in the connection.
    Yes,
    /// Its Message Expiry Interval passed while it waited (5.0 §3.3.2.3.3): dropped.
    Expired,
    /// The connection refused it for good (over the client's Maximum Packet Size, a QoS or
    /// RETAIN it refused): dropped.
    Refused,
    /// The connection's slots or store are full: keep it queued.
    Full,
}

/// QoS 0 frames waiting in one connection beside its session engine; past this a QoS 0 message
/// for it is dropped (and counted).
pub(super) const MAX_SHARED_FRAMES: usize = 256;

/// The QoS 0 frames of one routed message, encoded on first use: 3.1.1 and 5.0, RETAIN clear and
/// set.
#[derive(Default)]
pub(super) struct Frames([Option<Arc<[u8]>>; 4]);

impl Frames {
    fn get(&mut self, v: Version, retain: bool, p: &Publish<'_>) -> Option<Arc<[u8]>> {
        let i = usize::from(v == Version::V5) * 2 + usize::from(retain);
        let slot = self.0.get_mut(i)?;
        if slot.is_none() {
            let properties = if v == Version::V5 { p.properties } else { crate::wire::Properties::EMPTY };
            let frame = Publish { dup: false, qos: QosPid::AtMostOnce, retain, properties, ..*p };
            let mut bytes = alloc::vec![0u8; frame.encoded_len(v)];
            frame.encode(v, &mut bytes).ok()?;
            *slot = Some(bytes.into());
        }
        slot.clone()
    }
}

/// Properties a forwarded message carries on the stack before a `Vec` is needed.
const STACK_PROPERTIES: usize = 16;

/// A property list on the stack, spilling to a `Vec` past [`STACK_PROPERTIES`].
struct Props<'a> {
    stack: [Property<'a>; STACK_PROPERTIES],
    n: usize,
    heap: Vec<Property<'a>>,
}

impl<'a> Props<'a> {
    fn new() -> Self {
        Self { stack: [Property::PayloadFormatIndicator(false); STACK_PROPERTIES], n: 0, heap: Vec::new() }
    }

    fn push(&mut self, p: Property<'a>) {
        if self.heap.is_empty() {
            if let Some(slot) = self.stack.get_mut(self.n) {
                *slot = p;
                self.n += 1;
                return;
            }
            self.heap.extend_from_slice(&self.stack);
        }
        self.heap.push(p);
    }

    fn as_slice(&self) -> &[Property<'a>] {
        if self.heap.is_empty() {
            self.stack.get(..self.n).unwrap_or(&[])
        } else {
            &self.heap
        }
    }
}

/// Gives `q` (whose message is `p`, decoded from `q.stored`) to a connection: the remaining
/// Message Expiry Interval, the Subscription Identifiers (5.0 only), every other property
/// unchanged (5.0 §3.3.2.3).
pub(super) fn send(sc: &mut Connection, now: Instant, q: &Queued, p: &Publish<'_>) -> Sent {
    let waited = now.saturating_duration_since(q.stored.received);
    let v5 = sc.version() == Version::V5;
    let mut props = Props::new();
    for prop in p.properties.iter() {
        match prop {
            Property::MessageExpiryInterval(s) => match u64::from(s).checked_sub(waited.as_secs()) {
                Some(left) if left > 0 => {
                    if v5 {
                        props.push(Property::MessageExpiryInterval(left as u32));
                    }
                }
                _ => return Sent::Expired,
            },
            other if v5 => props.push(other),
            _ => {}
        }
    }
    if v5 {
        for &id in &q.identifiers {
            props.push(Property::SubscriptionIdentifier(id));
        }
    }
    let msg = OutgoingMessage::new(p.topic.as_str(), p.payload)
        .with_qos(q.qos)
        .with_retain(q.retain)
        .with_properties(props.as_slice());
    match sc.publish(now, &msg) {
        Ok(_) => Sent::Yes,
        Err(CommandError::QueueFull | CommandError::StoreFull(_)) => Sent::Full,
        Err(_) => Sent::Refused,
    }
}

impl<C: Copy + Ord> Broker<C> {
    /// Routes a message published by session `from` (or by a will).
    pub(super) fn route(&mut self, now: Instant, stored: &Stored, from: Option<SessionId>) {
        let Some(p) = stored.publish() else { return };
        if p.retain {
            self.retain(p.topic.as_str(), p.payload.is_empty(), stored);
        }
        let published = p.qos.qos();
        // One delivery per session: the highest granted QoS, RETAIN kept if any subscription
        // asks for it, and every Subscription Identifier (5.0 §3.3.4).
        let mut targets: Vec<(SessionId, &SubData)> = Vec::new();
        let turn = &mut self.share_turn;
        self.trie.for_each_match(p.topic, |m| match m {
            Match::Direct { key, value, .. } => {
                // `MQTT-3.8.3-3`: No Local keeps a client's own messages from it.
                if !(value.options.no_local && Some(key) == from) {
                    targets.push((key, value));
                }
            }
            Match::Shared { members, .. } => {
                // 5.0 §4.8.2: one member of the group gets each message (round robin).
                if !members.is_empty() {
                    *turn = turn.wrapping_add(1);
                    if let Some((key, value)) = members.get(*turn % members.len()) {
                        targets.push((*key, value));
                    }
                }
            }
        });
        // Overlapping subscriptions of one session become one delivery.
        targets.sort_unstable_by_key(|t| t.0);
        let mut merged: Vec<(SessionId, Queued)> = Vec::with_capacity(targets.len());
        for (sid, sub) in targets {
            let qos = published.min(sub.options.qos);
            // `MQTT-3.3.1-12`, `-13`: RETAIN is cleared on forwarding unless Retain As Published.
            let retain = p.retain && sub.options.retain_as_published;
            match merged.last_mut() {
                Some((last, q)) if *last == sid => {
                    q.qos = q.qos.max(qos);
                    q.retain |= retain;
                    q.identifiers.extend(sub.identifier);
                }
                _ => merged.push((
                    sid,
                    Queued { stored: stored.clone(), qos, retain, identifiers: sub.identifier.into_iter().collect() },
                )),
            }
        }
        let mut frames = Frames::default();
        for (sid, q) in merged {
            self.deliver(now, sid, q, &p, &mut frames);
        }
    }

    /// Sets, replaces or clears (empty payload, `MQTT-3.3.1-10`) the retained message of a topic
    /// within the limits.
    fn retain(&mut self, topic: &str, clear: bool, stored: &Stored) {
        if let Some(old) = self.retained.remove(topic) {
            self.retained_bytes = self.retained_bytes.saturating_sub(old.bytes.len());
        }
        let bytes = stored.bytes.len();
        if clear {
            // Cleared: nothing to keep.
        } else if self.retained.len() >= self.config.max_retained
            || self.retained_bytes + bytes > self.config.max_retained_bytes
        {
            self.dropped += 1;
        } else {
            self.retained_bytes += bytes;
            self.retained.insert(topic.into(), stored.clone());
        }
        self.update_retain_refusal();
    }

    /// A full retained store makes every connection refuse new 5.0 retained QoS 1/2 messages
    /// with 0x97 Quota exceeded, so the publisher learns it (3.1.1 has no code to say it with:
    /// those are delivered, not retained, and counted in `dropped`).
    pub(super) fn update_retain_refusal(&mut self) {
        let full =
            self.retained.len() >= self.config.max_retained || self.retained_bytes >= self.config.max_retained_bytes;
        if full != self.retain_refusing {
            self.retain_refusing = full;
            let code = full.then_some(crate::wire::ReasonCode::QuotaExceeded);
            for slot in self.conns.indices() {
                if let Some(c) = self.conns.get_mut(slot) {
                    c.sc.refuse_new_retained(code);
                }
            }
        }
    }

    /// Sends `q` to `sid`'s connection now if it takes it and nothing is queued before it;
    /// queues it otherwise (QoS 0 only while connected).
    pub(super) fn deliver(&mut self, now: Instant, sid: SessionId, q: Queued, p: &Publish<'_>, frames: &mut Frames) {
        let Some(s) = self.sessions.get(sid) else { return };
        let online = s.conn.filter(|&c| self.conns.get(c).is_some_and(|c| !c.closed && c.sc.is_connected()));
        if let (Some(conn), true) = (online, s.queue.is_empty()) {
            if let Some(c) = self.conns.get_mut(conn) {
                // QoS 0 with nothing to add per subscriber: the frame encoded once for this
                // version and RETAIN flag is shared by every such subscriber.
                if q.qos == Qos::AtMostOnce && q.identifiers.is_empty() {
                    let v = c.sc.version();
                    let Some(frame) = frames.get(v, q.retain, p) else { return };
                    if frame.len() > c.sc.client_limits().maximum_packet_size as usize {
                        self.dropped += 1; // `MQTT-3.1.2-25 (5.0)`: not sent, as if delivered
                        return;
                    }
                    if c.frames.len() >= MAX_SHARED_FRAMES {
                        // QoS 0 may be lost; a slow subscriber loses it rather than grow.
                        self.dropped += 1;
                        return;
                    }
                    c.frames.push_back(frame);
                    self.mark_ready(conn);
                    return;
                }
                match send(&mut c.sc, now, &q, p) {
                    Sent::Yes => {
                        self.mark_ready(conn);
                        return;
                    }
                    Sent::Expired => return,
                    Sent::Refused => {
                        self.dropped += 1;
                        return;
                    }
                    Sent::Full => {}
                }
            }
        }
        if online.is_none() && q.qos == Qos::AtMostOnce {
            // QoS 0 is not kept for an offline session (5.0 §3.1.2.4 allows it; we do not).
            return;
        }
        self.enqueue(now, sid, q);
    }
}
