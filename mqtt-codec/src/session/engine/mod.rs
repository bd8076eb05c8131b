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
    /// Receive Maximum we announced (5.0): new QoS 1/2 messages the peer may have
    /// unacknowledged towards us; `u16::MAX` under 3.1.1 (the tables' capacity still applies).
    pub(crate) own_receive_max: u16,
    /// (5.0) New retained messages with a payload are refused with this code (the application's
    /// retained store is full).
    pub(crate) retain_refusal: Option<ReasonCode>,
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
            own_receive_max: u16::MAX,
            retain_refusal: None,
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
}

mod input;
mod output;
mod poll;
