//! The server side: answering requests (piggybacked, separate, NON), No-Response, Echo, and
//! observers with their notifications (RFC 7252 §5.2; RFC 7967; RFC 9175 §2; RFC 7641 §4).

use core::hash::{Hash, Hasher as _};

use super::block::{block_of, size, Outgoing};
use super::bytes::{OWNED, QUEUED};
use super::core::Core;
use super::storage::{
    DState, DedupSlot, ExchangeSlot, ObserverSlot, Parts, Tx, XKind, XState, F_CON, F_ECHO_OK, F_EMPTY_ACK, F_OBSERVE,
    F_REGISTRATION, NONE,
};
use super::{ObserverHandle, RespondError, Responded, ResponseHandle, Table};
use crate::rand::Hasher;
use crate::time::Instant;
use crate::wire::{Block, Code, MessageBuilder, MessageId, MessageType, NoResponse, OptionNumber};

/// The request's length and token, kept in its dedup entry while it waits for an answer.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pending {
    pub(crate) request_len: usize,
    pub(crate) token: [u8; 8],
    pub(crate) token_len: u8,
}

impl Pending {
    pub(crate) fn token(&self) -> &[u8] {
        self.token.get(..usize::from(self.token_len)).unwrap_or(&[])
    }
}

impl Core {
    /// The dedup slot a response handle names, while it still waits for its answer.
    fn answerable<P>(p: &Parts<'_, P>, h: ResponseHandle) -> Option<usize> {
        let s = p.dedup.get(h.slot as usize)?;
        (s.generation == h.generation && matches!(s.state, DState::Pending | DState::Accepted))
            .then_some(h.slot as usize)
    }

    fn pending<P>(&self, p: &Parts<'_, P>, i: usize) -> Option<Pending> {
        p.dedup.get(i).map(DedupSlot::pending)
    }

    /// The Echo value for `peer` at `now` (RFC 9175 §2.2): a timestamp and a keyed hash of
    /// (peer, timestamp), so that checking it needs no table.
    pub(crate) fn echo_value<P: Hash>(&self, peer: &P, now: Instant) -> [u8; 8] {
        let t = (now.as_millis() / 1000) as u32;
        let mac = self.echo_mac(peer, t);
        let mut v = [0; 8];
        v[..4].copy_from_slice(&t.to_be_bytes());
        v[4..].copy_from_slice(&mac.to_be_bytes());
        v
    }

    fn echo_mac<P: Hash>(&self, peer: &P, t: u32) -> u32 {
        let mut h = Hasher(self.echo_key);
        peer.hash(&mut h);
        h.write_u32(t);
        (h.finish() >> 32) as u32
    }

    /// Whether `value` is an Echo value we made for `peer` within the configured lifetime.
    pub(crate) fn echo_valid<P: Hash>(&self, peer: &P, value: &[u8], now: Instant) -> bool {
        let Some(echo) = self.config.echo else { return false };
        let (Some(t), Some(mac)) = (value.first_chunk::<4>(), value.get(4..).and_then(|m| m.first_chunk::<4>())) else {
            return false;
        };
        if value.len() != 8 {
            return false;
        }
        let t = u32::from_be_bytes(*t);
        let now_s = now.as_millis() / 1000;
        u64::from(t) <= now_s
            && now_s - u64::from(t) <= echo.lifetime.as_secs()
            && self.echo_mac(peer, t) == u32::from_be_bytes(*mac)
    }

    /// Answers a request (RFC 7252 §5.2): piggybacked on the ACK of a CON, as a NON to a NON,
    /// or as a separate CON after [`accept`](Self::accept). A body larger than a block (or an
    /// answer to a request for a later block) is kept and sent in Block2 blocks (RFC 7959 §2.4).
    pub(crate) fn respond<P: Copy + Eq + Hash, const N: usize>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        h: ResponseHandle,
        builder: &MessageBuilder<'_, N>,
    ) -> Result<Responded, RespondError> {
        let i = Self::answerable(p, h).ok_or(RespondError::UnknownRequest)?;
        let code = builder.code_value();
        if !code.is_response() {
            return Err(RespondError::NotAResponse);
        }
        let s = *p.dedup.get(i).ok_or(RespondError::UnknownRequest)?;
        let peer = s.peer.ok_or(RespondError::UnknownRequest)?;
        let con = s.flags & F_CON != 0;
        // RFC 7967 §2: no answer of a class the client asked not to get; a CON still gets its ACK.
        if NoResponse(s.no_response()).suppresses(code) {
            self.finish_silently(p, i, peer, s.state == DState::Pending && con)?;
            return Ok(Responded::Suppressed);
        }
        // RFC 7641 §4.2: a response to a registration that was accepted carries Observe.
        let req = self.pending(p, i).ok_or(RespondError::UnknownRequest)?;
        let observe = if s.flags & F_OBSERVE != 0 {
            p.observers.iter().find(|o| o.peer == Some(peer) && o.token() == req.token()).map(|o| o.sequence)
        } else {
            None
        };
        if let Some((szx, want)) = self.slice_plan(h.block.block2, builder.payload_len()) {
            // RFC 7959 §2.4: kept, and sent block by block (this request gets the block it
            // asked for, block 0 when it asked for none).
            let t = self.keep_body(p, now, (peer, h.block.key), builder, szx)?;
            let store = ::core::mem::take(&mut p.body);
            let total = super::block_server::stored(
                store
                    .get(
                        p.transfers.get(t).map_or(0, |x| x.offset as usize)
                            ..p.transfers.get(t).map_or(0, |x| (x.offset + x.len) as usize),
                    )
                    .unwrap_or(&[]),
            )
            .map_or(0, |(_, _, payload)| payload.len());
            let answer = super::block_server::answer_block(want, szx, total);
            let splice = answer.and_then(|a| self.block_splice(p.transfers, store, t, a, h.block.block1, observe));
            let result = match splice {
                Some(splice) => self.send_answer(p, now, i, &Outgoing::<N>::Spliced(&splice)),
                None => {
                    // Past the end. Our choice: 4.02 Bad Option, the Block2 value cannot be served.
                    let bad = MessageBuilder::<N>::new(MessageType::Acknowledgement, Code::BAD_OPTION, MessageId(0));
                    self.send_answer(p, now, i, &Outgoing::Built(&bad))
                }
            };
            p.body = store;
            return result;
        }
        let extended;
        let mut b = builder;
        if observe.is_some() || h.block.block1 != NONE {
            let mut with = builder.clone();
            if let Some(seq) = observe {
                with.uint(OptionNumber::OBSERVE, seq).map_err(RespondError::Encode)?;
            }
            if h.block.block1 != NONE {
                // RFC 7959 §2.3: the answer to a body sent in blocks carries Block1 (the last).
                with.uint(OptionNumber::BLOCK1, h.block.block1).map_err(RespondError::Encode)?;
            }
            extended = with;
            b = &extended;
        }
        self.send_answer(p, now, i, &Outgoing::Built(b))
    }

    /// Whether an answer with a payload of `len` bytes to a request with Block2 value `block2`
    /// (`NONE`: none) goes in blocks, and then in which size and which block first (RFC 7959
    /// §2.4: the block size is ours or the smaller one the request asked for).
    fn slice_plan(&self, block2: u32, len: usize) -> Option<(u8, Block)> {
        let our = self.block_szx()?;
        let want = if block2 == NONE { Block { num: 0, more: false, szx: our } } else { block_of(block2) };
        let szx = want.szx.min(our);
        (len > size(szx) as usize || want.num > 0).then_some((szx, want))
    }

    /// Sends the answer `out` to the request of dedup entry `i`: piggybacked, NON or separate
    /// (or an Echo challenge instead, RFC 9175 §2.4).
    fn send_answer<P: Copy + Eq + Hash, const N: usize>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        i: usize,
        out: &Outgoing<'_, '_, N>,
    ) -> Result<Responded, RespondError> {
        let s = *p.dedup.get(i).ok_or(RespondError::UnknownRequest)?;
        let peer = s.peer.ok_or(RespondError::UnknownRequest)?;
        let req = self.pending(p, i).ok_or(RespondError::UnknownRequest)?;
        // RFC 9175 §2.4: to an unverified address, at most `factor` times the request's size.
        if let Some(echo) = self.config.echo {
            let len = out.encoded_len(req.token().len());
            if s.flags & F_ECHO_OK == 0 && len > usize::from(echo.amplification_factor) * req.request_len {
                let value = self.echo_value(&peer, now);
                let mut c = MessageBuilder::<1>::new(MessageType::Acknowledgement, Code::UNAUTHORIZED, MessageId(0));
                c.option(OptionNumber::ECHO, &value).map_err(RespondError::Encode)?;
                self.send_answer_now(p, now, i, &Outgoing::Built(&c))?;
                return Ok(Responded::EchoChallenge);
            }
        }
        self.send_answer_now(p, now, i, out)?;
        Ok(Responded::Sent)
    }

    fn send_answer_now<P: Copy + Eq + Hash, const N: usize>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        i: usize,
        b: &Outgoing<'_, '_, N>,
    ) -> Result<(), RespondError> {
        let s = *p.dedup.get(i).ok_or(RespondError::UnknownRequest)?;
        let peer = s.peer.ok_or(RespondError::UnknownRequest)?;
        let req = self.pending(p, i).ok_or(RespondError::UnknownRequest)?;
        let con = s.flags & F_CON != 0;
        match s.state {
            DState::Pending if con => {
                // Piggybacked: the ACK carries the response (RFC 7252 §5.2.1).
                let len = b.encoded_len(req.token().len());
                let at = self.cache_bytes(p, len, OWNED).map_err(RespondError::Full)?;
                let out = self.cache.get_mut(p.cache, at);
                if let Err(e) = b.encode_as(MessageType::Acknowledgement, MessageId(s.message_id), req.token(), out) {
                    self.cache.release(p.cache, at, OWNED);
                    return Err(RespondError::Encode(e));
                }
                if let Some(d) = p.dedup.get_mut(i) {
                    d.state = DState::Done;
                    d.set_cache(at);
                }
                self.send_cached(p, peer, at, len);
            }
            DState::Pending => {
                // A NON request gets a NON response (RFC 7252 §5.2.3).
                let id = self.message_id(now).ok_or(RespondError::MessageIdsExhausted)?;
                self.send_transient(p, peer, b, MessageType::NonConfirmable, id, req.token())?;
                if let Some(d) = p.dedup.get_mut(i) {
                    d.state = DState::Done;
                    d.set_cache(NONE);
                }
            }
            _ => {
                // Separate: a CON of its own, retransmitted until acknowledged (RFC 7252 §5.2.2).
                self.send_con(p, now, peer, b, req.token(), (XKind::Response, u16::MAX))?;
                if let Some(d) = p.dedup.get_mut(i) {
                    d.state = DState::Done;
                    d.set_cache(NONE);
                }
            }
        }
        self.advance_ack_cursor(p.dedup);
        Ok(())
    }

    /// Ends a request without a response: an empty ACK for a pending CON, nothing otherwise.
    fn finish_silently<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        i: usize,
        peer: P,
        ack: bool,
    ) -> Result<(), RespondError> {
        let s = *p.dedup.get(i).ok_or(RespondError::UnknownRequest)?;
        if ack {
            self.push_tx(p.transmit, peer, Tx::EmptyAck(s.message_id));
        }
        if let Some(d) = p.dedup.get_mut(i) {
            d.state = DState::Done;
            d.set_cache(NONE);
            if ack {
                d.flags |= F_EMPTY_ACK;
            }
        }
        self.advance_ack_cursor(p.dedup);
        Ok(())
    }

    /// Encodes `b` into a cache chunk that lives until it is sent.
    pub(crate) fn send_transient<P: Copy, const N: usize>(
        &mut self,
        p: &mut Parts<'_, P>,
        to: P,
        b: &Outgoing<'_, '_, N>,
        ty: MessageType,
        id: u16,
        token: &[u8],
    ) -> Result<(), RespondError> {
        let len = b.encoded_len(token.len());
        let at = self.cache_bytes(p, len, QUEUED).map_err(RespondError::Full)?;
        let out = self.cache.get_mut(p.cache, at);
        if let Err(e) = b.encode_as(ty, MessageId(id), token, out) {
            self.cache.release(p.cache, at, QUEUED);
            return Err(RespondError::Encode(e));
        }
        if !self.push_tx(p.transmit, to, Tx::Cached { offset: at, len: u16::try_from(len).unwrap_or(u16::MAX) }) {
            self.cache.release(p.cache, at, QUEUED);
            return Err(RespondError::Full(Table::Transmit));
        }
        Ok(())
    }

    /// Sends `b` as a CON that is retransmitted until acknowledged; returns its exchange slot.
    fn send_con<P: Copy + Eq + Hash, const N: usize>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        to: P,
        b: &Outgoing<'_, '_, N>,
        token: &[u8],
        (kind, observer): (XKind, u16),
    ) -> Result<usize, RespondError> {
        let i = p.exchanges.iter().position(|e| e.state == XState::Free).ok_or(RespondError::Full(Table::Exchanges))?;
        let id = self.message_id(now).ok_or(RespondError::MessageIdsExhausted)?;
        let len = b.encoded_len(token.len());
        let offset = self.arena.alloc(p.store, len).ok_or(RespondError::Full(Table::Store))?;
        let out = p.store.get_mut(offset as usize..offset as usize + len).ok_or(RespondError::Full(Table::Store))?;
        if let Err(e) = b.encode_as(MessageType::Confirmable, MessageId(id), token, out) {
            self.arena.used = offset;
            return Err(RespondError::Encode(e));
        }
        let params = self.config.params;
        let timeout_ms = self.initial_timeout(&params);
        let (tok, tl) = super::core::short_token(token);
        let slot = p.exchanges.get_mut(i).ok_or(RespondError::Full(Table::Exchanges))?;
        *slot = ExchangeSlot {
            peer: Some(to),
            state: XState::AwaitingAck,
            kind,
            generation: slot.generation,
            message_id: id,
            token: tok,
            token_len: tl,
            max_retransmit: params.max_retransmit,
            timeout_ms,
            due: Core::after(now, timeout_ms),
            offset,
            len: len as u32,
            send: true,
            confirmable: true,
            observer,
            ..ExchangeSlot::EMPTY
        };
        Ok(i)
    }

    /// Sends the empty ACK of a CON request now; the response follows separately (RFC 7252
    /// §5.2.2). A NON request needs nothing.
    pub(crate) fn accept<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        h: ResponseHandle,
    ) -> Result<(), RespondError> {
        let i = Self::answerable(p, h).ok_or(RespondError::UnknownRequest)?;
        self.accept_slot(p, i)
    }

    pub(crate) fn accept_slot<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        i: usize,
    ) -> Result<(), RespondError> {
        let s = *p.dedup.get(i).ok_or(RespondError::UnknownRequest)?;
        if s.state != DState::Pending || s.flags & F_CON == 0 {
            return Ok(());
        }
        let peer = s.peer.ok_or(RespondError::UnknownRequest)?;
        if !self.push_tx(p.transmit, peer, Tx::EmptyAck(s.message_id)) {
            return Err(RespondError::Full(Table::Transmit));
        }
        if let Some(d) = p.dedup.get_mut(i) {
            d.state = DState::Accepted;
            d.flags |= F_EMPTY_ACK;
        }
        self.advance_ack_cursor(p.dedup);
        Ok(())
    }

    /// Registers the requester of `h` as an observer of `resource` (RFC 7641 §4.1); the
    /// response to `h` then carries Observe.
    pub(crate) fn observe<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        h: ResponseHandle,
        resource: u32,
    ) -> Result<ObserverHandle, RespondError> {
        let i = Self::answerable(p, h).ok_or(RespondError::UnknownRequest)?;
        let s = *p.dedup.get(i).ok_or(RespondError::UnknownRequest)?;
        if s.flags & F_REGISTRATION == 0 {
            return Err(RespondError::NotARegistration);
        }
        let peer = s.peer.ok_or(RespondError::UnknownRequest)?;
        let req = self.pending(p, i).ok_or(RespondError::UnknownRequest)?;
        // RFC 7641 §4.1: the same client and token update the entry (keeping its sequence, so
        // the client's freshness check holds).
        let existing = p.observers.iter().position(|o| o.peer == Some(peer) && o.token() == req.token());
        let o = match existing {
            Some(o) => o,
            None => p.observers.iter().position(|o| o.peer.is_none()).ok_or(RespondError::Full(Table::Observers))?,
        };
        let slot = p.observers.get_mut(o).ok_or(RespondError::Full(Table::Observers))?;
        if existing.is_some() {
            slot.resource = resource;
            slot.sequence = (slot.sequence + 1) & 0xFF_FFFF;
        } else {
            *slot = ObserverSlot {
                peer: Some(peer),
                resource,
                sequence: 1,
                last_con: now,
                generation: slot.generation,
                token: req.token,
                token_len: req.token_len,
                ..ObserverSlot::EMPTY
            };
        }
        // RFC 7959 §3.4: notifications go in blocks of the size the registration asked for
        // (or ours), kept under the registration's cache key for the client's GETs.
        slot.key = h.block.key;
        slot.szx = if h.block.block2 == NONE { 6 } else { block_of(h.block.block2).szx };
        let handle = ObserverHandle { slot: o as u32, generation: slot.generation };
        if let Some(d) = p.dedup.get_mut(i) {
            d.flags |= F_OBSERVE;
        }
        Ok(handle)
    }

    fn observer<P>(p: &Parts<'_, P>, o: ObserverHandle) -> Option<usize> {
        let s = p.observers.get(o.slot as usize)?;
        (s.peer.is_some() && s.generation == o.generation).then_some(o.slot as usize)
    }

    /// Sends a notification to one observer (RFC 7641 §4.2): NON unless `confirmable`, or a CON
    /// when the last CON to it is older than `observe_con_interval` (§4.5); a CON still in
    /// flight is replaced by the new one (§4.5.2).
    pub(crate) fn notify<P: Copy + Eq + Hash, const N: usize>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        o: ObserverHandle,
        builder: &MessageBuilder<'_, N>,
        confirmable: bool,
    ) -> Result<(), RespondError> {
        let oi = Self::observer(p, o).ok_or(RespondError::UnknownObserver)?;
        if !builder.code_value().is_response() {
            return Err(RespondError::NotAResponse);
        }
        let ob = *p.observers.get(oi).ok_or(RespondError::UnknownObserver)?;
        let peer = ob.peer.ok_or(RespondError::UnknownObserver)?;
        let con = confirmable || now - ob.last_con >= self.config.observe_con_interval;
        if builder.code_value().class() != 2 {
            // RFC 7641 §4.2: a non-2.xx response ends the observation and carries no Observe;
            // it still goes out (reliably when CON) after the observer is gone.
            self.detach_observer(p, oi);
            let out = Outgoing::Built(builder);
            if con {
                self.send_con(p, now, peer, &out, ob.token(), (XKind::Response, u16::MAX))?;
            } else {
                let id = self.message_id(now).ok_or(RespondError::MessageIdsExhausted)?;
                self.send_transient(p, peer, &out, MessageType::NonConfirmable, id, ob.token())?;
            }
            return Ok(());
        }
        let sequence = (ob.sequence + 1) & 0xFF_FFFF;
        if let Some(our) = self.block_szx() {
            let szx = ob.szx.min(our);
            if builder.payload_len() > size(szx) as usize {
                // RFC 7959 §3.4: block 0 goes with the notification; the client fetches the
                // rest from the kept body with plain GETs.
                let t = self.keep_body(p, now, (peer, ob.key), builder, szx)?;
                let store = ::core::mem::take(&mut p.body);
                let b0 = Block { num: 0, more: true, szx };
                let result = match self.block_splice(p.transfers, store, t, b0, NONE, Some(sequence)) {
                    Some(splice) => self.notify_send(p, now, oi, (con, sequence), &Outgoing::<N>::Spliced(&splice)),
                    None => Err(RespondError::Full(Table::Body)),
                };
                p.body = store;
                return result;
            }
        }
        let mut b = builder.clone();
        b.uint(OptionNumber::OBSERVE, sequence).map_err(RespondError::Encode)?;
        self.notify_send(p, now, oi, (con, sequence), &Outgoing::Built(&b))
    }

    /// Sends notification `b` (Observe `sequence` in it) to observer `oi`.
    fn notify_send<P: Copy + Eq + Hash, const N: usize>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        oi: usize,
        (con, sequence): (bool, u32),
        b: &Outgoing<'_, '_, N>,
    ) -> Result<(), RespondError> {
        let ob = *p.observers.get(oi).ok_or(RespondError::UnknownObserver)?;
        let peer = ob.peer.ok_or(RespondError::UnknownObserver)?;
        let in_flight = usize::from(ob.in_flight);
        let replacing = p.exchanges.get(in_flight).is_some_and(|e| {
            e.state == XState::AwaitingAck && e.kind == XKind::Notification && usize::from(e.observer) == oi
        });
        if replacing {
            // §4.5.2: keep the retransmission counter and timeout; a new message id, so an ACK
            // of the old one does not acknowledge the new.
            let old = *p.exchanges.get(in_flight).ok_or(RespondError::UnknownObserver)?;
            let id = self.message_id(now).ok_or(RespondError::MessageIdsExhausted)?;
            let len = b.encoded_len(ob.token().len());
            self.free_message(p, in_flight);
            let offset = self.arena.alloc(p.store, len).ok_or(RespondError::Full(Table::Store))?;
            let out =
                p.store.get_mut(offset as usize..offset as usize + len).ok_or(RespondError::Full(Table::Store))?;
            b.encode_as(MessageType::Confirmable, MessageId(id), ob.token(), out).map_err(RespondError::Encode)?;
            if let Some(e) = p.exchanges.get_mut(in_flight) {
                *e = ExchangeSlot { message_id: id, offset, len: len as u32, ..old };
            }
        } else if con {
            let x = self.send_con(p, now, peer, b, ob.token(), (XKind::Notification, oi as u16))?;
            if let Some(s) = p.observers.get_mut(oi) {
                s.in_flight = x as u16;
                s.last_con = now;
            }
        } else {
            let id = self.message_id(now).ok_or(RespondError::MessageIdsExhausted)?;
            self.send_transient(p, peer, b, MessageType::NonConfirmable, id, ob.token())?;
            if let Some(s) = p.observers.get_mut(oi) {
                s.recent_ids.rotate_right(1);
                s.recent_ids[0] = id;
            }
        }
        if let Some(s) = p.observers.get_mut(oi) {
            s.sequence = sequence;
        }
        Ok(())
    }

    /// Removes an observer (and its CON notification in flight).
    pub(crate) fn remove_observer<P: Copy>(&mut self, p: &mut Parts<'_, P>, oi: usize) {
        let Some(&ob) = p.observers.get(oi) else { return };
        let x = usize::from(ob.in_flight);
        if p.exchanges.get(x).is_some_and(|e| e.kind == XKind::Notification && usize::from(e.observer) == oi) {
            self.free_exchange(p, x);
        }
        if let Some(s) = p.observers.get_mut(oi) {
            *s = ObserverSlot { generation: ob.generation.wrapping_add(1), ..ObserverSlot::EMPTY };
        }
    }

    /// Removes an observer but lets its CON notification in flight finish on its own (as a
    /// plain CON: acknowledged, or reported unacknowledged).
    fn detach_observer<P: Copy>(&mut self, p: &mut Parts<'_, P>, oi: usize) {
        let Some(&ob) = p.observers.get(oi) else { return };
        let x = usize::from(ob.in_flight);
        if let Some(e) = p.exchanges.get_mut(x) {
            if e.kind == XKind::Notification && usize::from(e.observer) == oi {
                e.kind = XKind::Response;
                e.observer = u16::MAX;
            }
        }
        if let Some(s) = p.observers.get_mut(oi) {
            *s = ObserverSlot { generation: ob.generation.wrapping_add(1), ..ObserverSlot::EMPTY };
        }
    }

    /// Removes the observer `o` names (a notification already sent still completes).
    pub(crate) fn cancel_observer<P: Copy>(
        &mut self,
        p: &mut Parts<'_, P>,
        o: ObserverHandle,
    ) -> Result<(), RespondError> {
        let oi = Self::observer(p, o).ok_or(RespondError::UnknownObserver)?;
        self.detach_observer(p, oi);
        Ok(())
    }
}
