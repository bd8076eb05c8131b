//! [`Core`]: the session engine under both machines. It owns the byte store and the tables,
//! handles the packets of the QoS flows (PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK,
//! UNSUBACK), writes the packets it owes into `poll_transmit`'s buffer and turns what happened
//! into [`Event`]s. The client and the server connection add the CONNECT/CONNACK handshake,
//! keep-alive, DISCONNECT and AUTH around it.

use super::alias::{Aliases, Dir};
use super::events::{EventKind, EventQueue, EventRec};
use super::inbound::{Ack, Acks, Qos2Ids};
use super::outbound::{Kind, Outcome, Slot, Slots, State};
use super::ring::Ring;
use super::{BufferTooSmall, CloseReason, CommandError, DropReason, Event, OutgoingMessage, PeerLimits, PublishHandle};
use crate::time::Instant;
use crate::topic::TopicName;
use crate::wire::{
    decode_packet, DecodeOptions, EncodeError, List, Malformed, Packet, PacketId, PacketType, Properties, Property,
    PropertyId, PubAck, PubComp, PubRec, PubRel, Publish, Qos, QosPid, ReasonCode, Status, Version,
};

/// Bytes before each outbound record's packet: the expiry deadline (ms, 0 = none).
pub(super) const OUT_HEADER: usize = 8;
/// Properties an aliased PUBLISH can carry when it is rewritten at transmit time.
const MAX_REWRITE_PROPERTIES: usize = 32;

/// How the byte store is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) inbound: usize,
    pub(crate) alias: usize,
    /// Handshake and control packets the machine composes (CONNECT with its will, CONNACK,
    /// SUBACK, AUTH, DISCONNECT) until `poll_transmit` writes them.
    pub(crate) control: usize,
    /// (server) The will of the CONNECT, kept as an encoded PUBLISH until it is handed on or
    /// discarded; the last region of the store. 0 for the client.
    pub(crate) will: usize,
}

/// Packets staged for transmission in order, outside the QoS flows: at most this many.
const STAGED: usize = 4;

/// Whether a received packet was taken, or must wait until events are polled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Taken,
    /// No room for its event or acknowledgement: the caller stops consuming input here.
    Blocked,
}

pub(crate) struct Core<B, const N: usize, const A: usize> {
    // `pub(super)`: `persist.rs` exports and imports the outbound window and the QoS 2 ids.
    pub(super) store: B,
    pub(crate) version: Version,
    pub(super) out_ring: Ring,
    in_base: u32,
    in_ring: Ring,
    alias_base: u32,
    control_base: u32,
    control_ring: Ring,
    /// Start of the will region (it runs to the end of the store).
    will_base: u32,
    /// Staged packets (offset in the control ring, length), oldest first.
    staged: [(u16, u16); STAGED],
    n_staged: u8,
    pub(super) slots: Slots<N>,
    acks: Acks<N>,
    pub(super) qos2: Qos2Ids<N>,
    events: EventQueue<N>,
    aliases: Aliases<A>,
    /// The last polled event had bytes in the inbound ring: free them on the next call.
    release_pending: bool,
    pub(super) next_pid: u16,
    pub(super) next_handle: u32,
    seq: u32,
    /// What the peer announced.
    pub(crate) peer: PeerLimits,
    /// Topic aliases we accept (announced in CONNECT/CONNACK), at most `A`.
    pub(crate) own_alias_max: u16,
    /// Options for decoding the peer's packets.
    pub(crate) decode_opts: DecodeOptions,
    /// A session is up on the current connection: acknowledgements and slots may be sent.
    online: bool,
    /// Slots holding a unit of the peer's Receive Maximum.
    inflight: u16,
    /// The reason reported by the next `Closed` event.
    pub(crate) close_reason: CloseReason,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize, const A: usize> Core<B, N, A> {
    /// Splits `store`: outbound records first, then `layout.inbound` bytes for received packets,
    /// `layout.alias` bytes of alias topics, `layout.control` bytes of staged packets and
    /// `layout.will` bytes for a will. `None` if the store is smaller than that plus 64
    /// outbound bytes.
    pub(crate) fn new(store: B, version: Version, layout: Layout, decode_opts: DecodeOptions) -> Option<Self> {
        let total = store.as_ref().len();
        let alias = layout.alias.min(usize::from(u16::MAX));
        // Staged packets are addressed with 16 bits.
        let control = layout.control.min(usize::from(u16::MAX));
        let out =
            total.checked_sub(layout.inbound)?.checked_sub(alias)?.checked_sub(control)?.checked_sub(layout.will)?;
        if out < 64 || total > u32::MAX as usize {
            return None;
        }
        Some(Self {
            store,
            version,
            out_ring: Ring::new(out as u32),
            in_base: out as u32,
            in_ring: Ring::new(layout.inbound as u32),
            alias_base: (out + layout.inbound) as u32,
            control_base: (out + layout.inbound + alias) as u32,
            control_ring: Ring::new(control as u32),
            will_base: (out + layout.inbound + alias + control) as u32,
            staged: [(0, 0); STAGED],
            n_staged: 0,
            slots: Slots::new(),
            acks: super::inbound::acks(),
            qos2: Qos2Ids::new(),
            events: EventQueue::new(),
            aliases: Aliases::new(alias as u16),
            release_pending: false,
            next_pid: 1,
            next_handle: 1,
            seq: 0,
            peer: PeerLimits::DEFAULT,
            own_alias_max: 0,
            decode_opts,
            online: false,
            inflight: 0,
            close_reason: CloseReason::TransportClosed,
        })
    }

    /// The largest packet the inbound store can always take with an aliased topic beside it.
    pub(crate) fn inbound_capacity(&self) -> usize {
        self.in_ring.capacity() as usize
    }

    /// Switches the packet layout (the server learns it from CONNECT, before any other packet).
    pub(crate) fn set_version(&mut self, version: Version) {
        self.version = version;
        self.decode_opts.version = version;
    }

    /// The will region (`Layout::will` bytes at the end of the store).
    pub(crate) fn will_region(&self) -> &[u8] {
        self.store.as_ref().get((self.will_base as usize)..).unwrap_or(&[])
    }

    /// The will region, to write a will into.
    pub(crate) fn will_region_mut(&mut self) -> &mut [u8] {
        self.store.as_mut().get_mut((self.will_base as usize)..).unwrap_or(&mut [])
    }

    /// Whether `poll_event` has something: a queued event or a slot outcome.
    pub(crate) fn has_events(&self) -> bool {
        self.events.front().is_some()
            || (0..self.slots.len()).any(|i| self.slots.get(i).is_some_and(|s| s.state == State::Notify))
    }

    fn next_seq(&mut self) -> u32 {
        self.seq = self.seq.wrapping_add(1);
        self.seq
    }

    /// Frees the bytes of the event polled last (it is no longer borrowed).
    pub(crate) fn release(&mut self) {
        if self.release_pending {
            self.release_pending = false;
            self.in_ring.pop(self.events.first_with_bytes());
        }
    }

    // ---- connection lifecycle ------------------------------------------------------------

    /// The transport is gone: what was sent and not acknowledged is resent after a resume
    /// (5.0 §4.4, `MQTT-4.4.0-1`); pending acknowledgements and aliases are per connection.
    pub(crate) fn connection_lost(&mut self) {
        self.online = false;
        self.acks.clear();
        self.aliases.clear();
        for i in 0..self.slots.len() {
            let Some(s) = self.slots.get(i).copied() else { continue };
            let seq = if matches!(s.kind, Kind::Subscribe | Kind::Unsubscribe) && s.state == State::AwaitAck {
                Some(self.next_seq())
            } else {
                None
            };
            let Some(s) = self.slots.get_mut(i) else { continue };
            match (s.kind, s.state) {
                (Kind::Qos1 | Kind::Qos2, State::AwaitAck) => s.flag = 1,
                (Kind::Qos2, State::AwaitComp) => s.state = State::RelPending,
                (Kind::Subscribe | Kind::Unsubscribe, State::AwaitAck) => {
                    s.notify(Outcome::RequestDropped, 0, seq.unwrap_or(0));
                }
                _ => {}
            }
        }
    }

    /// A session is up on a new connection. Without `session_present` the old session is gone:
    /// messages in flight are reported dropped and QoS 2 ids forgotten (5.0 §4.1).
    pub(crate) fn session_started(&mut self, session_present: bool, peer: PeerLimits) {
        self.peer = peer;
        self.aliases.clear();
        self.acks.clear();
        if !session_present {
            self.qos2.clear();
            for i in 0..self.slots.len() {
                let live = self.slots.get(i).is_some_and(|s| s.holds_quota() || s.state == State::AwaitAck);
                if live {
                    let seq = self.next_seq();
                    if let Some(s) = self.slots.get_mut(i) {
                        s.notify(Outcome::SessionLost, 0, seq);
                    }
                }
            }
        }
        self.inflight =
            (0..self.slots.len()).filter(|&i| self.slots.get(i).is_some_and(Slot::holds_quota)).count() as u16;
        self.online = true;
    }

    /// Ends the session on this connection (no more transmits until the next start).
    pub(crate) fn go_offline(&mut self) {
        self.online = false;
    }

    // ---- commands ------------------------------------------------------------------------

    fn alloc_pid(&mut self) -> Option<PacketId> {
        for _ in 0..=N {
            let candidate = self.next_pid;
            self.next_pid = if self.next_pid == u16::MAX { 1 } else { self.next_pid + 1 };
            if !self.slots.pid_in_use(candidate) {
                return PacketId::new(candidate);
            }
        }
        None
    }

    /// Queues an application message. Checks run before anything is spent: a refused message
    /// takes no packet id, slot or store bytes.
    pub(crate) fn publish(&mut self, now: Instant, msg: &OutgoingMessage<'_>) -> Result<PublishHandle, CommandError> {
        self.release();
        if self.slots.is_full() {
            return Err(CommandError::QueueFull);
        }
        let topic = TopicName::new(msg.topic).map_err(CommandError::Invalid)?;
        if msg.properties.iter().any(|p| p.id() == PropertyId::TopicAlias) {
            return Err(CommandError::Invalid(Malformed::InvalidPropertyValue(PropertyId::TopicAlias)));
        }
        // 5.0 CONNACK Maximum QoS and Retain Available (`MQTT-3.2.2-11`, `MQTT-3.2.2-14`).
        if msg.qos > self.peer.maximum_qos || (msg.retain && !self.peer.retain_available) {
            return Err(CommandError::NotSupported);
        }
        let placeholder = PacketId::new(1).map_or(QosPid::AtMostOnce, |id| match msg.qos {
            Qos::AtMostOnce => QosPid::AtMostOnce,
            Qos::AtLeastOnce => QosPid::AtLeastOnce(id),
            Qos::ExactlyOnce => QosPid::ExactlyOnce(id),
        });
        let mut p = Publish {
            dup: false,
            qos: placeholder,
            retain: msg.retain,
            topic,
            properties: List::new(msg.properties),
            payload: msg.payload,
        };
        let size = p.encoded_len(self.version);
        // `MQTT-3.1.2-24 (5.0)`: nothing larger than the peer's Maximum Packet Size is sent;
        // refused before a packet id is spent.
        if size > self.peer.maximum_packet_size as usize {
            return Err(CommandError::PacketTooLarge { size, max: self.peer.maximum_packet_size });
        }
        let rec = OUT_HEADER + size;
        let Some(at) = self.out_ring.find(rec as u32) else { return Err(CommandError::StoreFull(rec)) };
        let (kind, pid) = match msg.qos {
            Qos::AtMostOnce => (Kind::Qos0, 0),
            q => {
                let id = self.alloc_pid().ok_or(CommandError::QueueFull)?;
                p.qos = if q == Qos::AtLeastOnce { QosPid::AtLeastOnce(id) } else { QosPid::ExactlyOnce(id) };
                (if q == Qos::AtLeastOnce { Kind::Qos1 } else { Kind::Qos2 }, id.get())
            }
        };
        let deadline = msg
            .properties
            .iter()
            .find_map(|p| match p {
                Property::MessageExpiryInterval(s) => Some(now + core::time::Duration::from_secs(u64::from(*s))),
                _ => None,
            })
            .map_or(0, |t| t.as_millis().max(1));
        let start = at as usize;
        let region = self.store.as_mut().get_mut(start..start + rec).ok_or(CommandError::StoreFull(rec))?;
        let (head, body) = region.split_at_mut(OUT_HEADER);
        head.copy_from_slice(&deadline.to_le_bytes());
        p.encode(self.version, body).map_err(|e| match e {
            EncodeError::Invalid(m) => CommandError::Invalid(m),
            _ => CommandError::StoreFull(rec),
        })?;
        let handle = self.next_handle;
        self.next_handle = self.next_handle.wrapping_add(1).max(1);
        self.out_ring.push(rec as u32);
        self.slots.push(Slot { kind, state: State::Queued, flag: 0, reason: 0, handle, off: at, word: u32::from(pid) });
        Ok(PublishHandle(handle))
    }

    /// Queues a SUBSCRIBE or UNSUBSCRIBE of `size` bytes that `encode` writes with the packet id
    /// it is given.
    pub(crate) fn request(
        &mut self,
        kind_subscribe: bool,
        size: usize,
        encode: impl FnOnce(PacketId, &mut [u8]) -> Result<usize, EncodeError>,
    ) -> Result<PacketId, CommandError> {
        self.release();
        if self.slots.is_full() {
            return Err(CommandError::QueueFull);
        }
        if size > self.peer.maximum_packet_size as usize {
            return Err(CommandError::PacketTooLarge { size, max: self.peer.maximum_packet_size });
        }
        let rec = OUT_HEADER + size;
        let Some(at) = self.out_ring.find(rec as u32) else { return Err(CommandError::StoreFull(rec)) };
        let next_pid = self.next_pid;
        let id = self.alloc_pid().ok_or(CommandError::QueueFull)?;
        let start = at as usize;
        let region = self.store.as_mut().get_mut(start..start + rec).ok_or(CommandError::StoreFull(rec))?;
        let (head, body) = region.split_at_mut(OUT_HEADER);
        head.copy_from_slice(&0u64.to_le_bytes());
        if let Err(e) = encode(id, body) {
            self.next_pid = next_pid;
            return Err(match e {
                EncodeError::Invalid(m) => CommandError::Invalid(m),
                _ => CommandError::StoreFull(rec),
            });
        }
        self.out_ring.push(rec as u32);
        let kind = if kind_subscribe { Kind::Subscribe } else { Kind::Unsubscribe };
        self.slots.push(Slot {
            kind,
            state: State::Queued,
            flag: 0,
            reason: 0,
            handle: u32::from(id.get()),
            off: at,
            word: u32::from(id.get()),
        });
        Ok(id)
    }

    /// Stages a control packet of `size` bytes that `encode` writes; `poll_transmit` sends
    /// staged packets first, in order, whether a session is up or not.
    pub(crate) fn stage(
        &mut self,
        size: usize,
        encode: impl FnOnce(&mut [u8]) -> Result<usize, EncodeError>,
    ) -> Result<(), CommandError> {
        if usize::from(self.n_staged) >= STAGED {
            return Err(CommandError::QueueFull);
        }
        let Some(at) = self.control_ring.find(size as u32) else { return Err(CommandError::StoreFull(size)) };
        let start = (self.control_base as usize) + at as usize;
        let dst = self.store.as_mut().get_mut(start..start + size).ok_or(CommandError::StoreFull(size))?;
        let n = encode(dst).map_err(|e| match e {
            EncodeError::Invalid(m) => CommandError::Invalid(m),
            _ => CommandError::StoreFull(size),
        })?;
        self.control_ring.push(size as u32);
        if let Some(slot) = self.staged.get_mut(usize::from(self.n_staged)) {
            *slot = (at as u16, n as u16);
            self.n_staged += 1;
        }
        Ok(())
    }

    /// Whether staged packets wait for `poll_transmit`.
    pub(crate) fn has_staged(&self) -> bool {
        self.n_staged > 0
    }

    /// Drops every staged packet not yet written (the connection is gone).
    pub(crate) fn clear_staged(&mut self) {
        self.n_staged = 0;
        self.control_ring.clear();
    }

    fn write_staged(&mut self, buf: &mut [u8]) -> Result<Option<usize>, BufferTooSmall> {
        let Some(&(off, len)) = self.staged.get(..usize::from(self.n_staged)).and_then(<[_]>::first) else {
            return Ok(None);
        };
        let start = (self.control_base as usize) + off as usize;
        let src = self.store.as_ref().get(start..start + len as usize).unwrap_or(&[]);
        let dst = buf.get_mut(..src.len()).ok_or(BufferTooSmall { required: src.len() })?;
        dst.copy_from_slice(src);
        self.staged.copy_within(1..STAGED, 0);
        self.n_staged -= 1;
        let next = self.staged.get(..usize::from(self.n_staged)).and_then(<[_]>::first).map(|s| u32::from(s.0));
        self.control_ring.pop(next);
        Ok(Some(len as usize))
    }

    // ---- input ---------------------------------------------------------------------------

    /// Queues an event carrying `parts` (concatenated into the inbound ring). `false` when
    /// there is no room now.
    pub(crate) fn push_event(&mut self, kind: EventKind, code: u8, parts: &[&[u8]], aux: u16) -> bool {
        if self.events.is_full() {
            return false;
        }
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let off = if len == 0 {
            0
        } else {
            let Some(at) = self.in_ring.find(len as u32) else { return false };
            let mut pos = (self.in_base as usize) + at as usize;
            for part in parts {
                let Some(dst) = self.store.as_mut().get_mut(pos..pos + part.len()) else { return false };
                dst.copy_from_slice(part);
                pos += part.len();
            }
            self.in_ring.push(len as u32);
            at
        };
        let seq = self.next_seq();
        self.events.push(EventRec { kind, code, aux, seq, off, len: len as u32 })
    }

    /// Room for an event with `len` bytes.
    fn event_room(&self, len: usize) -> bool {
        !self.events.is_full() && (len == 0 || self.in_ring.find(len as u32).is_some())
    }

    fn protocol_error(reason: ReasonCode, rule: &'static str) -> CloseReason {
        CloseReason::ProtocolError { reason, rule }
    }

    /// Handles a packet of the QoS flows; `raw` is its bytes. Other packets are the caller's.
    pub(crate) fn handle_packet(&mut self, packet: &Packet<'_>, raw: &[u8]) -> Result<Flow, CloseReason> {
        match packet {
            Packet::Publish(p) => self.on_publish(p, raw),
            Packet::PubAck(a) => {
                self.complete(a.packet_id, Kind::Qos1, &[State::AwaitAck], a.reason_code);
                Ok(Flow::Taken)
            }
            Packet::PubRec(r) => self.on_pubrec(r.packet_id, r.reason_code),
            Packet::PubRel(r) => {
                if self.acks.is_full() {
                    return Ok(Flow::Blocked);
                }
                // 5.0 §4.3.3: PUBCOMP either way; 0x92 when the id was not held (5.0 only).
                let known = self.qos2.remove(r.packet_id.get());
                let reason = if known || self.version == Version::V311 {
                    ReasonCode::Success
                } else {
                    ReasonCode::PacketIdentifierNotFound
                };
                self.acks.push(Ack { kind: PacketType::PubComp, reason: reason.value(), pid: r.packet_id.get() });
                Ok(Flow::Taken)
            }
            Packet::PubComp(c) => {
                self.complete(c.packet_id, Kind::Qos2, &[State::AwaitComp, State::RelPending], c.reason_code);
                Ok(Flow::Taken)
            }
            Packet::SubAck(s) => self.on_request_ack(s.packet_id, Kind::Subscribe, EventKind::Subscribed, raw),
            Packet::UnsubAck(u) => self.on_request_ack(u.packet_id, Kind::Unsubscribe, EventKind::Unsubscribed, raw),
            _ => Ok(Flow::Taken),
        }
    }

    fn on_publish(&mut self, p: &Publish<'_>, raw: &[u8]) -> Result<Flow, CloseReason> {
        // Topic alias (5.0 §3.3.2.3.4): 1..=the maximum we announced (`MQTT-3.3.2-8`, `-9`,
        // `-10`); an empty topic uses a mapping set earlier on this connection.
        let mut resolved: Option<(usize, usize)> = None;
        let alias = p.properties.topic_alias();
        if let Some(a) = alias {
            if a == 0 || a > self.own_alias_max {
                return Err(Self::protocol_error(ReasonCode::TopicAliasInvalid, "MQTT-3.3.2-10"));
            }
            if p.topic.is_empty() {
                match self.aliases.lookup(Dir::In, a) {
                    Some(found) => resolved = Some(found),
                    None => return Err(Self::protocol_error(ReasonCode::ProtocolError, "5.0 §3.3.2.3.4")),
                }
            }
        }
        let extra = resolved.map_or(0, |(_, len)| len);
        let needs_event;
        match p.qos {
            QosPid::AtMostOnce => needs_event = true,
            QosPid::AtLeastOnce(_) => {
                if self.acks.is_full() {
                    return Ok(Flow::Blocked);
                }
                needs_event = true;
            }
            QosPid::ExactlyOnce(id) => {
                if self.acks.is_full() {
                    return Ok(Flow::Blocked);
                }
                // `MQTT-4.3.3-10 (5.0)`: a duplicate before PUBREL gets PUBREC, not a second
                // delivery.
                needs_event = !self.qos2.contains(id.get());
                if needs_event && self.qos2.is_full() {
                    return Err(Self::protocol_error(ReasonCode::ReceiveMaximumExceeded, "MQTT-3.3.4-9"));
                }
            }
        }
        if needs_event && !self.event_room(raw.len() + extra) {
            if raw.len() + extra > self.inbound_capacity() {
                return Err(Self::protocol_error(ReasonCode::PacketTooLarge, "5.0 §3.1.2.11.4"));
            }
            return Ok(Flow::Blocked);
        }
        // Everything fits: from here on nothing fails.
        if let (Some(a), false) = (alias, p.topic.is_empty()) {
            if !self.set_inbound_alias(a, p.topic.as_str().as_bytes()) {
                return Err(Self::protocol_error(ReasonCode::ImplementationSpecificError, "alias store full"));
            }
        }
        if needs_event && !self.push_message(raw, resolved) {
            return Ok(Flow::Blocked);
        }
        match p.qos {
            QosPid::AtMostOnce => {}
            QosPid::AtLeastOnce(id) => {
                self.acks.push(Ack { kind: PacketType::PubAck, reason: 0, pid: id.get() });
            }
            QosPid::ExactlyOnce(id) => {
                if needs_event {
                    self.qos2.insert(id.get());
                }
                self.acks.push(Ack { kind: PacketType::PubRec, reason: 0, pid: id.get() });
            }
        }
        Ok(Flow::Taken)
    }

    /// Queues a MessageReceived event: the packet, then the resolved topic (copied from the
    /// alias region) when it came by alias.
    fn push_message(&mut self, raw: &[u8], resolved: Option<(usize, usize)>) -> bool {
        let Some((off, len)) = resolved else { return self.push_event(EventKind::MessageReceived, 0, &[raw], 0) };
        let total = raw.len() + len;
        if self.events.is_full() {
            return false;
        }
        let Some(at) = self.in_ring.find(total as u32) else { return false };
        let pos = (self.in_base as usize) + at as usize;
        let split = (self.alias_base as usize).min(self.store.as_ref().len());
        let (lo, hi) = self.store.as_mut().split_at_mut(split);
        let (Some(dst), Some(topic)) = (lo.get_mut(pos..pos + total), hi.get(off..off + len)) else { return false };
        let (d1, d2) = dst.split_at_mut(raw.len());
        d1.copy_from_slice(raw);
        d2.copy_from_slice(topic);
        self.in_ring.push(total as u32);
        let seq = self.next_seq();
        self.events.push(EventRec {
            kind: EventKind::MessageReceived,
            code: 0,
            aux: len as u16,
            seq,
            off: at,
            len: total as u32,
        })
    }

    fn set_inbound_alias(&mut self, alias: u16, topic: &[u8]) -> bool {
        let (start, end) = ((self.alias_base as usize), (self.control_base as usize));
        let Some(region) = self.store.as_mut().get_mut(start..end) else { return false };
        self.aliases.set(region, Dir::In, alias, topic)
    }

    fn on_pubrec(&mut self, id: PacketId, reason: ReasonCode) -> Result<Flow, CloseReason> {
        let found = self.slots.find_pid(id.get(), &[Kind::Qos2]);
        match found.and_then(|i| self.slots.get(i).map(|s| (i, s.state))) {
            Some((i, State::AwaitAck)) if reason.is_error() => {
                // `MQTT-4.4.0-2`: an error PUBREC ends the exchange; the quota unit returns.
                let seq = self.next_seq();
                if let Some(s) = self.slots.get_mut(i) {
                    s.notify(Outcome::Refused, reason.value(), seq);
                }
                self.inflight = self.inflight.saturating_sub(1);
            }
            Some((i, State::AwaitAck | State::RelPending | State::AwaitComp)) => {
                if let Some(s) = self.slots.get_mut(i) {
                    s.state = State::RelPending;
                    s.flag = 0;
                }
            }
            _ => {
                // Not ours: 5.0 answers PUBREL with Packet Identifier not found (§3.6.2.1).
                if self.acks.is_full() {
                    return Ok(Flow::Blocked);
                }
                let code = if self.version == Version::V5 {
                    ReasonCode::PacketIdentifierNotFound
                } else {
                    ReasonCode::Success
                };
                self.acks.push(Ack { kind: PacketType::PubRel, reason: code.value(), pid: id.get() });
            }
        }
        Ok(Flow::Taken)
    }

    fn complete(&mut self, id: PacketId, kind: Kind, states: &[State], reason: ReasonCode) {
        let Some(i) = self.slots.find_pid(id.get(), &[kind]) else { return };
        if !self.slots.get(i).is_some_and(|s| states.contains(&s.state)) {
            return;
        }
        let seq = self.next_seq();
        let outcome = if reason.is_error() && kind == Kind::Qos1 { Outcome::Refused } else { Outcome::Acknowledged };
        if let Some(s) = self.slots.get_mut(i) {
            s.notify(outcome, reason.value(), seq);
        }
        self.inflight = self.inflight.saturating_sub(1);
    }

    fn on_request_ack(&mut self, id: PacketId, kind: Kind, ev: EventKind, raw: &[u8]) -> Result<Flow, CloseReason> {
        let Some(i) = self.slots.find_pid(id.get(), &[kind]) else { return Ok(Flow::Taken) };
        if !self.slots.get(i).is_some_and(|s| s.state == State::AwaitAck) {
            return Ok(Flow::Taken);
        }
        if !self.push_event(ev, 0, &[raw], 0) {
            return Ok(Flow::Blocked);
        }
        if let Some(s) = self.slots.get_mut(i) {
            s.state = State::Done;
        }
        self.pop_done();
        Ok(Flow::Taken)
    }

    /// Frees finished slots at the front, and their outbound records.
    fn pop_done(&mut self) {
        while self.slots.get(0).is_some_and(|s| s.state == State::Done) {
            self.slots.pop();
            self.out_ring.pop(self.slots.get(0).map(|s| s.off));
        }
    }

    // ---- output --------------------------------------------------------------------------

    pub(super) fn record(&self, off: u32) -> Option<(u64, &[u8])> {
        let start = off as usize;
        let store = self.store.as_ref();
        let head: [u8; 8] = store.get(start..start + OUT_HEADER)?.try_into().ok()?;
        let body = store.get(start + OUT_HEADER..)?;
        // The packet's own Remaining Length says where it ends.
        let (rl, n) = remaining_length(body.get(1..)?)?;
        let len = 1 + n + rl;
        Some((u64::from_le_bytes(head), body.get(..len)?))
    }

    /// Writes the next packet the session owes: acknowledgements first, then slots in order.
    pub(crate) fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Result<Option<usize>, BufferTooSmall> {
        self.release();
        if let Some(n) = self.write_staged(buf)? {
            return Ok(Some(n));
        }
        if !self.online {
            return Ok(None);
        }
        if let Some(ack) = self.acks.front() {
            let n = self.write_ack(ack, buf)?;
            self.acks.pop();
            return Ok(Some(n));
        }
        let quota = usize::from(self.peer.receive_maximum).min(N);
        let mut queue_blocked = false;
        for i in 0..self.slots.len() {
            let Some(s) = self.slots.get(i).copied() else { break };
            match s.state {
                State::RelPending => {
                    let ack = Ack { kind: PacketType::PubRel, reason: 0, pid: s.word as u16 };
                    let n = self.write_ack(ack, buf)?;
                    if let Some(s) = self.slots.get_mut(i) {
                        s.state = State::AwaitComp;
                    }
                    return Ok(Some(n));
                }
                State::AwaitAck if s.flag == 1 => {
                    let n = self.write_publish(i, true, buf)?;
                    if n.is_some() {
                        return Ok(n);
                    }
                }
                State::Queued if !queue_blocked => {
                    if let Some((deadline, _)) = self.record(s.off) {
                        if deadline != 0 && now.as_millis() >= deadline {
                            let seq = self.next_seq();
                            if let Some(s) = self.slots.get_mut(i) {
                                s.notify(Outcome::Expired, 0, seq);
                            }
                            continue;
                        }
                    }
                    match s.kind {
                        Kind::Qos1 | Kind::Qos2 if usize::from(self.inflight) >= quota => {
                            // `MQTT-4.9.0-2`: no QoS 1/2 PUBLISH at quota 0; later messages
                            // wait behind it to keep their order.
                            queue_blocked = true;
                        }
                        Kind::Subscribe | Kind::Unsubscribe => {
                            let Some((_, pkt)) = self.record(s.off) else { continue };
                            let n = pkt.len();
                            let dst = buf.get_mut(..n).ok_or(BufferTooSmall { required: n })?;
                            dst.copy_from_slice(pkt);
                            if let Some(s) = self.slots.get_mut(i) {
                                s.state = State::AwaitAck;
                            }
                            return Ok(Some(n));
                        }
                        _ => {
                            let n = self.write_publish(i, false, buf)?;
                            if n.is_some() {
                                return Ok(n);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(None)
    }

    fn write_ack(&self, ack: Ack, buf: &mut [u8]) -> Result<usize, BufferTooSmall> {
        let Some(id) = PacketId::new(ack.pid) else { return Ok(0) };
        let reason = ReasonCode::try_from(ack.reason).unwrap_or(ReasonCode::Success);
        let props = Properties::EMPTY;
        let v = self.version;
        let r = match ack.kind {
            PacketType::PubAck => PubAck { packet_id: id, reason_code: reason, properties: props }.encode(v, buf),
            PacketType::PubRec => PubRec { packet_id: id, reason_code: reason, properties: props }.encode(v, buf),
            PacketType::PubRel => PubRel { packet_id: id, reason_code: reason, properties: props }.encode(v, buf),
            _ => PubComp { packet_id: id, reason_code: reason, properties: props }.encode(v, buf),
        };
        r.map_err(|e| match e {
            EncodeError::BufferTooSmall { required } => BufferTooSmall { required },
            _ => BufferTooSmall { required: 0 },
        })
    }

    /// Writes slot `i`'s PUBLISH (with DUP when resending, with a topic alias when the peer
    /// takes them). `Ok(None)` when the slot was dropped instead (too large for the peer).
    fn write_publish(&mut self, i: usize, dup: bool, buf: &mut [u8]) -> Result<Option<usize>, BufferTooSmall> {
        let Some(s) = self.slots.get(i).copied() else { return Ok(None) };
        let Some((_, pkt)) = self.record(s.off) else { return Ok(None) };
        let opts = DecodeOptions::new(self.version);
        let Ok(Status::Complete { item: Packet::Publish(p), .. }) = decode_packet(pkt, &opts) else { return Ok(None) };
        let max = self.peer.maximum_packet_size as usize;
        // Topic alias plan (5.0 §3.3.2.3.4), decided before anything changes.
        let alias_max = usize::from(self.peer.topic_alias_maximum).min(A);
        let region = self.store.as_ref().get((self.alias_base as usize)..(self.control_base as usize)).unwrap_or(&[]);
        let plan = if self.version == Version::V5 && alias_max > 0 && p.properties.len() < MAX_REWRITE_PROPERTIES {
            match self.aliases.find_topic(region, p.topic.as_str().as_bytes()) {
                Some(a) => Some((a, false)),
                None if self.aliases.len(Dir::Out) < alias_max => Some(((self.aliases.len(Dir::Out) + 1) as u16, true)),
                None => None,
            }
        } else {
            None
        };
        let mut props = [Property::TopicAlias(1); MAX_REWRITE_PROPERTIES];
        let mut written = None;
        if let Some((alias, new)) = plan {
            let mut n = 0;
            if let Some(first) = props.get_mut(0) {
                *first = Property::TopicAlias(alias);
                n = 1;
            }
            for (dst, src) in props.iter_mut().skip(1).zip(p.properties.iter()) {
                *dst = src;
                n += 1;
            }
            let aliased = Publish {
                dup,
                topic: if new { p.topic } else { TopicName::alias_only() },
                properties: List::new(props.get(..n).unwrap_or(&[])),
                ..p
            };
            let size = aliased.encoded_len(self.version);
            if size <= max {
                let dst = buf.get_mut(..size).ok_or(BufferTooSmall { required: size })?;
                if let Ok(n) = aliased.encode(self.version, dst) {
                    written = Some((n, new.then_some(alias)));
                }
            }
        }
        let (n, new_alias) = match written {
            Some(w) => w,
            None => {
                if pkt.len() > max {
                    let seq = self.next_seq();
                    if let Some(s) = self.slots.get_mut(i) {
                        s.notify(Outcome::TooLarge, 0, seq);
                    }
                    return Ok(None);
                }
                let dst = buf.get_mut(..pkt.len()).ok_or(BufferTooSmall { required: pkt.len() })?;
                dst.copy_from_slice(pkt);
                if let (true, Some(first)) = (dup, dst.first_mut()) {
                    *first |= 0x08; // DUP (5.0 §3.3.1.1)
                }
                (pkt.len(), None)
            }
        };
        if let Some(alias) = new_alias {
            // Record the mapping: the topic is in the stored packet, below the alias region.
            let topic_at = s.off as usize + OUT_HEADER + topic_offset(pkt);
            let topic_len = p.topic.as_str().len();
            let split = (self.alias_base as usize).min(self.store.as_ref().len());
            let (lo, hi) = self.store.as_mut().split_at_mut(split);
            let region_len = (self.control_base as usize) - split;
            if let (Some(topic), Some(region)) = (lo.get(topic_at..topic_at + topic_len), hi.get_mut(..region_len)) {
                self.aliases.set(region, Dir::Out, alias, topic);
            }
        }
        let seq = (s.kind == Kind::Qos0).then(|| self.next_seq());
        if let Some(s) = self.slots.get_mut(i) {
            match s.kind {
                Kind::Qos0 => s.notify(Outcome::Sent, 0, seq.unwrap_or(0)),
                _ => {
                    if s.state == State::Queued {
                        self.inflight += 1;
                    }
                    s.state = State::AwaitAck;
                    s.flag = 0;
                }
            }
        }
        Ok(Some(n))
    }

    /// The earliest Message Expiry deadline of a message still queued.
    pub(crate) fn next_expiry(&self) -> Option<Instant> {
        (0..self.slots.len())
            .filter_map(|i| self.slots.get(i))
            .filter(|s| s.state == State::Queued)
            .filter_map(|s| self.record(s.off))
            .filter(|(d, _)| *d != 0)
            .map(|(d, _)| Instant::from_millis(d))
            .min()
    }

    // ---- events --------------------------------------------------------------------------

    pub(crate) fn poll_event(&mut self) -> Option<Event<'_>> {
        self.release();
        // The oldest of: the queue's front, the slot outcome with the lowest sequence number.
        let base = self.seq;
        let age = |seq: u32| base.wrapping_sub(seq);
        let slot = (0..self.slots.len())
            .filter_map(|i| self.slots.get(i).map(|s| (i, *s)))
            .filter(|(_, s)| s.state == State::Notify)
            .max_by_key(|(_, s)| age(s.word));
        let front = self.events.front();
        let take_slot = match (slot, front) {
            (Some((_, s)), Some(r)) => age(s.word) > age(r.seq),
            (Some(_), None) => true,
            _ => false,
        };
        if take_slot {
            let (i, s) = slot?;
            if let Some(m) = self.slots.get_mut(i) {
                m.state = State::Done;
            }
            self.pop_done();
            let handle = PublishHandle(s.handle);
            let reason = ReasonCode::try_from(s.reason).unwrap_or(ReasonCode::Success);
            return Some(match Outcome::from_u8(s.flag) {
                Outcome::Acknowledged => Event::PublishAcknowledged { handle, reason },
                Outcome::Sent => Event::PublishSent { handle },
                Outcome::Refused => Event::PublishDropped { handle, reason: DropReason::Refused(reason) },
                Outcome::SessionLost => Event::PublishDropped { handle, reason: DropReason::SessionLost },
                Outcome::TooLarge => Event::PublishDropped { handle, reason: DropReason::PacketTooLarge },
                Outcome::Expired => Event::PublishDropped { handle, reason: DropReason::Expired },
                Outcome::RequestDropped => {
                    let packet_id = PacketId::new(s.handle as u16)?;
                    Event::RequestDropped { packet_id }
                }
            });
        }
        let rec = front?;
        self.events.pop();
        self.release_pending = rec.len > 0;
        let start = (self.in_base as usize) + rec.off as usize;
        let bytes = self.store.as_ref().get(start..start + rec.len as usize).unwrap_or(&[]);
        build_event(rec, bytes, &self.decode_opts, self.close_reason)
    }
}

/// The Remaining Length at the front of `b` and its size, for packets this machine encoded.
fn remaining_length(b: &[u8]) -> Option<(usize, usize)> {
    match crate::wire::varint::read(b) {
        Ok(crate::wire::varint::VarInt::Done(v, n)) => Some((v as usize, n)),
        _ => None,
    }
}

/// Offset of the topic bytes in an encoded PUBLISH (after the fixed header and the 2-byte
/// length).
fn topic_offset(pkt: &[u8]) -> usize {
    let n = pkt.get(1..).and_then(remaining_length).map_or(1, |(_, n)| n);
    1 + n + 2
}

/// Turns a queued record and its bytes back into an [`Event`].
fn build_event<'a>(rec: EventRec, bytes: &'a [u8], opts: &DecodeOptions, close: CloseReason) -> Option<Event<'a>> {
    let decode = |b: &'a [u8]| match decode_packet(b, opts) {
        Ok(Status::Complete { item, .. }) => Some(item),
        _ => None,
    };
    Some(match rec.kind {
        EventKind::Connected => {
            let properties = match decode(bytes) {
                Some(Packet::ConnAck(c)) => c.properties,
                _ => Properties::EMPTY,
            };
            Event::Connected { session_present: rec.code != 0, properties }
        }
        EventKind::MessageReceived => {
            let topic_len = usize::from(rec.aux);
            let (pkt, topic) = bytes.split_at_checked(bytes.len().checked_sub(topic_len)?)?;
            let Packet::Publish(mut p) = decode(pkt)? else { return None };
            if topic_len > 0 {
                p.topic = TopicName::from_wire(topic).ok()?;
            }
            Event::MessageReceived(p)
        }
        EventKind::ConnectReceived => match decode(bytes)? {
            Packet::Connect(c) => Event::ConnectReceived(c),
            _ => return None,
        },
        EventKind::Subscribed => match decode(bytes)? {
            Packet::SubAck(s) => Event::Subscribed { packet_id: s.packet_id, reason_codes: s.reason_codes },
            _ => return None,
        },
        EventKind::Unsubscribed => match decode(bytes)? {
            Packet::UnsubAck(u) => Event::Unsubscribed { packet_id: u.packet_id, reason_codes: u.reason_codes },
            _ => return None,
        },
        EventKind::SubscribeReceived => match decode(bytes)? {
            Packet::Subscribe(s) => Event::SubscribeReceived(s),
            _ => return None,
        },
        EventKind::UnsubscribeReceived => match decode(bytes)? {
            Packet::Unsubscribe(u) => Event::UnsubscribeReceived(u),
            _ => return None,
        },
        EventKind::AuthReceived => match decode(bytes)? {
            Packet::Auth(a) => Event::AuthReceived(a),
            _ => return None,
        },
        EventKind::Closed => {
            let properties = match bytes.is_empty() {
                true => Properties::EMPTY,
                false => match decode(bytes) {
                    Some(Packet::Disconnect(d)) => d.properties,
                    Some(Packet::ConnAck(c)) => c.properties,
                    _ => Properties::EMPTY,
                },
            };
            Event::Closed { reason: close, properties }
        }
    })
}
