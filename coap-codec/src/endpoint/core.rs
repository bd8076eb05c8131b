//! The endpoint's state besides its tables, and the helpers every part shares: message ids,
//! tokens, the dedup hash table, the transmit and event queues.

use core::hash::{Hash, Hasher as _};
use core::time::Duration;

use super::bytes::{Arena, Ring, OWNED, QUEUED};
use super::storage::{DState, DedupSlot, EKind, EventSlot, ExchangeSlot, Parts, Tx, TxSlot, XState, NONE};
use super::{Config, Table};
use crate::rand::{Hasher, Rand};
use crate::time::Instant;

/// Everything but the tables (which live in the caller's [`Storage`](super::Storage)).
#[derive(Debug, Clone)]
pub(crate) struct Core {
    pub(crate) config: Config,
    pub(crate) rand: Rand,
    pub(crate) next_message_id: u16,
    /// When each block of 4,096 message ids was last used (RFC 7252 §4.4: an id is not reused
    /// within EXCHANGE_LIFETIME), and which blocks were used at all.
    pub(crate) id_blocks: [Instant; 16],
    pub(crate) id_blocks_used: u16,
    /// Submission counter (NSTART queue order).
    pub(crate) seq: u32,
    pub(crate) arena: Arena,
    pub(crate) cache: Ring,
    pub(crate) rx: Ring,
    /// The dedup table is a FIFO (entries share a lifetime, so the oldest expires first).
    pub(crate) dedup_tail: u32,
    pub(crate) dedup_len: u32,
    /// Entries from the tail already past the auto-ACK scan.
    pub(crate) ack_cursor: u32,
    pub(crate) tx_head: u32,
    pub(crate) tx_len: u32,
    pub(crate) ev_head: u32,
    pub(crate) ev_len: u32,
    /// The receive chunk of the event `poll_event` returned last (freed on the next call).
    pub(crate) shown: u32,
    /// The transfer whose body the event `poll_event` returned last is (freed on the next call).
    pub(crate) shown_transfer: u16,
    /// The body store of block-wise transfers (RFC 7959).
    pub(crate) body_arena: Arena,
    pub(crate) echo_key: u64,
    /// The latest `now` any call brought (for `poll_timeout`, which takes none).
    pub(crate) last_now: Instant,
    /// Dedup lifetimes in milliseconds (CON, NON), capped at 2^31 ms (24 days) so that the
    /// wrapping arrival times of the table stay unambiguous.
    pub(crate) lifetimes: (u32, u32),
}

/// A token of at most 8 bytes as a fixed array and its length (longer ones are cut; the
/// endpoint refuses them before this is reached).
pub(crate) fn short_token(token: &[u8]) -> ([u8; 8], u8) {
    let mut t = [0; 8];
    let n = token.len().min(8);
    if let (Some(dst), Some(src)) = (t.get_mut(..n), token.get(..n)) {
        dst.copy_from_slice(src);
    }
    (t, n as u8)
}

fn cap_ms(d: Duration) -> u32 {
    u32::try_from(d.as_millis()).unwrap_or(u32::MAX).min(i32::MAX as u32)
}

/// `i` in a ring of `cap` slots, for `i < 2 × cap` (head plus length): one compare instead of
/// a division.
#[inline]
pub(crate) fn wrap(i: u32, cap: u32) -> u32 {
    if i >= cap {
        i - cap
    } else {
        i
    }
}

/// `slot` of a hash bucket: multiply-shift over the table size.
pub(crate) fn bucket<P: Hash>(peer: &P, message_id: u16, len: usize) -> usize {
    let mut h = Hasher(0x243F_6A88_85A3_08D3);
    peer.hash(&mut h);
    h.write_u16(message_id);
    ((u128::from(h.finish()) * len as u128) >> 64) as usize
}

impl Core {
    pub(crate) fn new(config: Config) -> Self {
        let mut rand = Rand::new(config.seed);
        // RFC 7252 §4.4: the initial message id SHOULD be randomised.
        let next_message_id = rand.next_u64() as u16;
        let echo_key = rand.next_u64();
        Self {
            config,
            rand,
            next_message_id,
            id_blocks: [Instant::ZERO; 16],
            id_blocks_used: 0,
            seq: 0,
            arena: Arena::default(),
            cache: Ring::default(),
            rx: Ring::default(),
            dedup_tail: 0,
            dedup_len: 0,
            ack_cursor: 0,
            tx_head: 0,
            tx_len: 0,
            ev_head: 0,
            ev_len: 0,
            shown: NONE,
            shown_transfer: super::transfer::NO_TRANSFER,
            body_arena: Arena::default(),
            echo_key,
            last_now: Instant::ZERO,
            lifetimes: (cap_ms(config.dedup_lifetime), cap_ms(config.non_dedup_lifetime)),
        }
    }

    /// The next message id, or `None` when its block of 4,096 ids was last used less than
    /// EXCHANGE_LIFETIME ago (RFC 7252 §4.4). One counter serves every peer, so no peer sees
    /// an id twice within EXCHANGE_LIFETIME.
    pub(crate) fn message_id(&mut self, now: Instant) -> Option<u16> {
        let id = self.next_message_id;
        let block = usize::from(id >> 12);
        let bit = 1u16 << block;
        let last = self.id_blocks.get(block).copied()?;
        if id & 0x0FFF == 0 || self.id_blocks_used & bit == 0 {
            // Entering a block: every id in it must be out of use.
            if self.id_blocks_used & bit != 0 && now - last < self.config.params.exchange_lifetime() {
                return None;
            }
        }
        self.id_blocks_used |= bit;
        if let Some(b) = self.id_blocks.get_mut(block) {
            *b = now;
        }
        self.next_message_id = id.wrapping_add(1);
        Some(id)
    }

    /// A fresh random token of `config.token_len` bytes not in use with `peer`.
    pub(crate) fn token<P: Copy + Eq>(&mut self, exchanges: &[ExchangeSlot<P>], peer: P) -> ([u8; 8], u8) {
        let len = self.config.token_len.clamp(1, 8);
        loop {
            let t = self.rand.next_u64().to_le_bytes();
            let tok = t.get(..usize::from(len)).unwrap_or(&[]);
            if !exchanges.iter().any(|e| e.state != XState::Free && e.peer == Some(peer) && e.token() == tok) {
                return (t, len);
            }
        }
    }

    /// The initial retransmission timeout: uniform in [ACK_TIMEOUT, ACK_TIMEOUT ×
    /// ACK_RANDOM_FACTOR] (RFC 7252 §4.2), in milliseconds.
    pub(crate) fn initial_timeout(&mut self, params: &super::TransmissionParameters) -> u32 {
        let base = params.ack_timeout.as_millis() as u64;
        let spread = base * u64::from(params.random_factor() - 1000) / 1000;
        u32::try_from(base + self.rand.up_to(spread)).unwrap_or(u32::MAX)
    }

    // ---- dedup table ----

    /// The entry for (peer, message id) that has not expired.
    pub(crate) fn dedup_find<P: Copy + Eq + Hash>(
        &self,
        d: &[DedupSlot<P>],
        index: &[u32],
        (b, peer, message_id): (usize, P, u16),
        now: Instant,
    ) -> Option<usize> {
        let mut i = *index.get(b)?;
        while let Some(s) = d.get(i as usize) {
            if s.peer == Some(peer) && s.message_id == message_id && s.state != DState::Free && !self.expired(s, now) {
                return Some(i as usize);
            }
            i = s.next;
        }
        None
    }

    /// Milliseconds since entry `s` arrived.
    pub(crate) fn age<P>(s: &DedupSlot<P>, now: Instant) -> u32 {
        (now.as_millis() as u32).wrapping_sub(s.received)
    }

    /// How long entry `s` is remembered.
    pub(crate) fn lifetime<P>(&self, s: &DedupSlot<P>) -> u32 {
        if s.flags & super::storage::F_CON != 0 {
            self.lifetimes.0
        } else {
            self.lifetimes.1
        }
    }

    pub(crate) fn expired<P>(&self, s: &DedupSlot<P>, now: Instant) -> bool {
        Self::age(s, now) >= self.lifetime(s)
    }

    /// When the oldest entry expires (a deadline, so that entries never outlive their lifetime
    /// by much and the wrapping arrival times stay unambiguous).
    pub(crate) fn dedup_expiry<P>(&self, d: &[DedupSlot<P>]) -> Option<Instant> {
        if self.dedup_len == 0 {
            return None;
        }
        let s = d.get(self.dedup_tail as usize)?;
        let left = self.lifetime(s).saturating_sub(Self::age(s, self.last_now));
        Some(self.last_now + Duration::from_millis(u64::from(left)))
    }

    /// Drops expired entries from the tail, then reports whether one more fits.
    pub(crate) fn dedup_room<P: Copy + Eq + Hash>(&mut self, p: &mut Parts<'_, P>, now: Instant) -> bool {
        let cap = p.dedup.len() as u32;
        while self.dedup_len > 0 {
            let t = self.dedup_tail as usize;
            let Some(s) = p.dedup.get(t) else { break };
            if !self.expired(s, now) {
                break;
            }
            self.dedup_remove(p, t);
            self.dedup_tail = wrap(self.dedup_tail + 1, cap);
            self.dedup_len -= 1;
            self.ack_cursor = self.ack_cursor.saturating_sub(1);
        }
        self.dedup_len < cap
    }

    /// Unlinks entry `i` from its bucket and frees its cache chunk.
    fn dedup_remove<P: Copy + Eq + Hash>(&mut self, p: &mut Parts<'_, P>, i: usize) {
        let Some(&s) = p.dedup.get(i) else { return };
        if s.cache() != NONE {
            self.cache.release(p.cache, s.cache(), OWNED);
        }
        if let Some(peer) = s.peer {
            let b = bucket(&peer, s.message_id, p.dedup_index.len());
            let mut prev: Option<usize> = None;
            let mut at = p.dedup_index.get(b).copied().unwrap_or(NONE);
            while at != NONE && at as usize != i {
                prev = Some(at as usize);
                at = p.dedup.get(at as usize).map_or(NONE, |x| x.next);
            }
            if at != NONE {
                match prev {
                    None => {
                        if let Some(h) = p.dedup_index.get_mut(b) {
                            *h = s.next;
                        }
                    }
                    Some(pi) => {
                        if let Some(ps) = p.dedup.get_mut(pi) {
                            ps.next = s.next;
                        }
                    }
                }
            }
        }
        if let Some(e) = p.dedup.get_mut(i) {
            *e = DedupSlot { generation: s.generation.wrapping_add(1), ..DedupSlot::EMPTY };
        }
    }

    /// Records (peer, message id) at the head of the FIFO; the caller checked
    /// [`dedup_room`](Self::dedup_room).
    pub(crate) fn dedup_insert<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        (b, peer, message_id): (usize, P, u16),
        now: Instant,
        state: DState,
        flags: u8,
    ) -> Option<usize> {
        let cap = p.dedup.len() as u32;
        if self.dedup_len >= cap {
            return None;
        }
        let i = wrap(self.dedup_tail + self.dedup_len, cap) as usize;
        let head = *p.dedup_index.get(b)?;
        let s = p.dedup.get_mut(i)?;
        *s = DedupSlot {
            peer: Some(peer),
            received: now.as_millis() as u32,
            next: head,
            message_id,
            generation: s.generation,
            state,
            flags,
            ..DedupSlot::EMPTY
        };
        *p.dedup_index.get_mut(b)? = i as u32;
        self.dedup_len += 1;
        Some(i)
    }

    /// When the entry at the auto-ACK cursor needs its empty ACK, after moving the cursor past
    /// entries that need none.
    pub(crate) fn advance_ack_cursor<P>(&mut self, d: &[DedupSlot<P>]) {
        let cap = d.len() as u32;
        while self.ack_cursor < self.dedup_len {
            let i = wrap(self.dedup_tail + self.ack_cursor, cap) as usize;
            match d.get(i) {
                Some(s) if s.state == DState::Pending && s.flags & super::storage::F_CON != 0 => return,
                _ => self.ack_cursor += 1,
            }
        }
    }

    /// The auto-ACK deadline of the entry at the cursor, if it is a pending CON.
    pub(crate) fn ack_deadline<P>(&self, d: &[DedupSlot<P>], now: Instant) -> Option<(usize, Instant)> {
        let delay = self.config.auto_ack?;
        if self.ack_cursor >= self.dedup_len || d.is_empty() {
            return None;
        }
        let i = wrap(self.dedup_tail + self.ack_cursor, d.len() as u32) as usize;
        let s = d.get(i)?;
        if s.state != DState::Pending || s.flags & super::storage::F_CON == 0 {
            return None;
        }
        let received = now.as_millis().saturating_sub(u64::from(Self::age(s, now)));
        Some((i, Instant::from_millis(received) + delay))
    }

    // ---- transmit queue ----

    /// Queues a datagram; `false` when the queue is full (the datagram is dropped, as the
    /// network might have done: the peer's retransmission recovers it).
    pub(crate) fn push_tx<P: Copy>(&mut self, t: &mut [TxSlot<P>], to: P, what: Tx) -> bool {
        let cap = t.len() as u32;
        if self.tx_len >= cap {
            return false;
        }
        let i = wrap(self.tx_head + self.tx_len, cap) as usize;
        if let Some(s) = t.get_mut(i) {
            *s = TxSlot { to: Some(to), what };
            self.tx_len += 1;
            true
        } else {
            false
        }
    }

    /// Queues the first `len` bytes of cache chunk `offset` for `to` (marks it queued).
    pub(crate) fn send_cached<P: Copy>(&mut self, p: &mut Parts<'_, P>, to: P, offset: u32, len: usize) -> bool {
        let len = u16::try_from(len).unwrap_or(u16::MAX);
        if self.push_tx(p.transmit, to, Tx::Cached { offset, len }) {
            Ring::set(p.cache, offset, QUEUED);
            true
        } else {
            false
        }
    }

    /// Writes `msg` into a new cache chunk with `flags` and returns its offset.
    pub(crate) fn cache_bytes<P>(&mut self, p: &mut Parts<'_, P>, len: usize, flags: u8) -> Result<u32, Table> {
        self.cache.alloc(p.cache, len, flags).ok_or(Table::Cache)
    }

    // ---- event queue ----

    /// Room for one more event (and `bytes` of message).
    pub(crate) fn event_room<P>(&self, p: &Parts<'_, P>, bytes: Option<usize>) -> Result<(), Table> {
        if self.ev_len as usize >= p.events.len() {
            return Err(Table::Events);
        }
        if let Some(n) = bytes {
            // The ring needs the chunk plus its header contiguous; a conservative check.
            if self.rx.used(p.receive.len()) + 2 * (n + 3) > p.receive.len() {
                return Err(Table::Receive);
            }
        }
        Ok(())
    }

    /// Queues an event; `message` is copied into the receive ring.
    pub(crate) fn push_event<P: Copy>(
        &mut self,
        p: &mut Parts<'_, P>,
        from: P,
        kind: EKind,
        slot: u32,
        generation: u16,
        message: Option<&crate::wire::Message<&[u8]>>,
    ) -> Result<(), Table> {
        let cap = p.events.len() as u32;
        if self.ev_len >= cap {
            return Err(Table::Events);
        }
        let (chunk, layout) = match message {
            Some(m) => {
                let bytes = m.as_bytes();
                let at = self.rx.alloc(p.receive, bytes.len(), OWNED).ok_or(Table::Receive)?;
                self.rx.get_mut(p.receive, at).copy_from_slice(bytes);
                (at, m.layout())
            }
            None => (NONE, crate::wire::Layout::default()),
        };
        let i = wrap(self.ev_head + self.ev_len, cap) as usize;
        if let Some(s) = p.events.get_mut(i) {
            *s = EventSlot {
                from: Some(from),
                kind,
                slot,
                generation,
                message: chunk,
                layout,
                transfer: super::transfer::NO_TRANSFER,
                block: super::event::BlockRequest::NONE,
            };
            self.ev_len += 1;
        }
        Ok(())
    }

    /// Queues an event whose message is transfer `t`'s body (RFC 7959), already laid out as
    /// `layout`; the body stays until `poll_event` moves past the event.
    pub(crate) fn push_body_event<P: Copy>(
        &mut self,
        p: &mut Parts<'_, P>,
        from: P,
        kind: EKind,
        (slot, generation): (u32, u16),
        t: u16,
        layout: crate::wire::Layout,
    ) -> Result<(), Table> {
        let cap = p.events.len() as u32;
        if self.ev_len >= cap {
            return Err(Table::Events);
        }
        let i = wrap(self.ev_head + self.ev_len, cap) as usize;
        if let Some(s) = p.events.get_mut(i) {
            *s = EventSlot {
                from: Some(from),
                kind,
                slot,
                generation,
                message: NONE,
                layout,
                transfer: t,
                block: super::event::BlockRequest::NONE,
            };
            self.ev_len += 1;
        }
        if let Some(x) = p.transfers.get_mut(usize::from(t)) {
            x.pinned = true;
        }
        Ok(())
    }

    /// Sets the block-wise state of the event queued last (a `RequestReceived`).
    pub(crate) fn set_last_event_block<P>(&mut self, p: &mut Parts<'_, P>, block: super::event::BlockRequest) {
        let cap = p.events.len() as u32;
        if self.ev_len > 0 {
            let i = wrap(self.ev_head + self.ev_len - 1, cap) as usize;
            if let Some(e) = p.events.get_mut(i) {
                e.block = block;
            }
        }
    }

    /// Frees the message of the event shown last.
    pub(crate) fn release_shown<P: Copy>(&mut self, p: &mut Parts<'_, P>) {
        if self.shown != NONE {
            self.rx.release(p.receive, self.shown, OWNED);
            self.shown = NONE;
        }
        if self.shown_transfer != super::transfer::NO_TRANSFER {
            self.unpin(p, usize::from(self.shown_transfer));
            self.shown_transfer = super::transfer::NO_TRANSFER;
        }
    }

    // ---- exchanges ----

    /// Frees the arena bytes of exchange `i` (compacting the arena: later offsets move down).
    pub(crate) fn free_message<P: Copy>(&mut self, p: &mut Parts<'_, P>, i: usize) {
        let Some(&e) = p.exchanges.get(i) else { return };
        if e.len > 0 {
            self.arena.free(p.store, e.offset, e.len);
            for x in p.exchanges.iter_mut() {
                if x.state != XState::Free && x.offset > e.offset {
                    x.offset -= e.len;
                }
            }
        }
        if let Some(x) = p.exchanges.get_mut(i) {
            x.len = 0;
            x.offset = 0;
        }
    }

    /// Frees exchange `i` (its message, its slot, and a block-wise transfer it carries that no
    /// event holds; the generation moves on).
    pub(crate) fn free_exchange<P: Copy>(&mut self, p: &mut Parts<'_, P>, i: usize) {
        self.free_message(p, i);
        let t = p.exchanges.get(i).map_or(super::transfer::NO_TRANSFER, |e| e.transfer);
        if let Some(s) = p.transfers.get(usize::from(t)) {
            if s.role != super::transfer::Role::Free && s.exchange as usize == i && !s.pinned {
                self.free_transfer(p, usize::from(t));
            }
        }
        if let Some(x) = p.exchanges.get_mut(i) {
            let generation = x.generation.wrapping_add(1);
            *x = ExchangeSlot { generation, ..ExchangeSlot::EMPTY };
        }
    }

    /// `now + ms`.
    pub(crate) fn after(now: Instant, ms: u32) -> Instant {
        now + Duration::from_millis(u64::from(ms))
    }
}
