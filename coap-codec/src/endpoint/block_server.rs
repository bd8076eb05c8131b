//! The server side of block-wise transfers (RFC 7959): Block1 reassembly with 2.31 Continue,
//! 4.08 and 4.13 (§2.5, §2.9); later Block2 blocks served from a kept body (§2.4); and the
//! answers made again for duplicates instead of cached (a 1 MiB body is a thousand answers).
//!
//! Keys: a body is found by (peer, [`cache_key`]): the request's code and cache-key options,
//! Request-Tag included (RFC 9175 §3.3), so the blocks of one body meet whatever their token
//! or message id, and two bodies tagged apart stay apart.

use core::hash::Hash;

use super::block::{block, cache_key, size, Splice};
use super::bytes::OWNED;
use super::core::Core;
use super::server::Pending;
use super::storage::{DState, Parts, Tx, F_CON, F_CONTINUE, F_EMPTY_ACK, F_REGEN, NONE};
use super::transfer::{Role, TransferSlot, NO_TRANSFER};
use super::{Discarded, Table};
use crate::time::Instant;
use crate::wire::{Block, Code, Message, MessageBuilder, MessageId, MessageType, OptionNumber, Options};

/// Room kept for a body's header, token and options in the 4.13 Size1 we announce.
const PREFIX_ROOM: usize = 128;

/// The dedup key of a request: (bucket, peer, message id).
type DedupKey<P> = (usize, P, u16);

/// An answer made again when needed instead of cached (`F_REGEN`).
#[derive(Debug, Clone, Copy)]
enum Regen {
    /// A 2.31 Continue acknowledging this Block1 value (RFC 7959 §2.3).
    Continue(u32),
    /// Block2 value `block2` of the body kept in transfer slot `body` of `body_generation`.
    Block { block2: u32, body: u16, body_generation: u16 },
}

pub(crate) use crate::blockwise::stored;

/// Block `b` of `payload` (`None` when it starts past the end).
pub(crate) fn slice(payload: &[u8], b: Block) -> Option<&[u8]> {
    let size = size(b.szx) as usize;
    let start = (b.num as usize).checked_mul(size)?;
    if start >= payload.len() && !(start == 0 && payload.is_empty()) {
        return None;
    }
    payload.get(start..payload.len().min(start + size))
}

/// The Block2 answer for `want` (the request's block, in its size) from a body of `total`
/// bytes served in blocks of at most SZX `our` (RFC 7959 §2.4: the server may use a smaller
/// size; NUM then counts in that size). `None`: past the end.
pub(crate) fn answer_block(want: Block, our: u8, total: usize) -> Option<Block> {
    let szx = want.szx.min(our);
    let offset = u64::from(want.num) * u64::from(size(want.szx));
    if offset >= total as u64 && offset > 0 {
        return None;
    }
    let num = u32::try_from(offset / u64::from(size(szx))).ok()?;
    let more = offset + u64::from(size(szx)) < total as u64;
    let b = Block { num, more, szx };
    b.is_valid().then_some(b)
}

impl Core {
    /// The block size exponent of automatic block-wise transfers, `None` when off.
    pub(crate) fn block_szx(&self) -> Option<u8> {
        self.config.block_szx.map(|s| s.min(6))
    }

    fn lifetime_end(&self, now: Instant) -> Instant {
        now + self.config.block_lifetime
    }

    /// The block-wise part of a new request: `Some` when it was handled here (a Block1 block,
    /// or a later Block2 block of a kept body), `None` to go on to the application.
    pub(crate) fn block_request_in<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        key: DedupKey<P>,
    ) -> Option<Result<(), Discarded>> {
        let our = self.block_szx()?;
        let (b1, b2) = (block(m, OptionNumber::BLOCK1), block(m, OptionNumber::BLOCK2));
        if b1.is_some_and(|b| b.szx == 7) || b2.is_some_and(|b| b.szx == 7) {
            // RFC 7959 §2.2: SZX 7 is reserved; a request carrying it gets 4.00.
            return Some(self.answer_code(p, now, from, m, key, Code::BAD_REQUEST, None));
        }
        if let Some(b1) = b1 {
            return Some(self.block1_in(p, now, from, m, key, b1, our));
        }
        match b2 {
            Some(b2) if b2.num > 0 => self.serve_block2(p, now, from, m, key, b2, our),
            _ => None,
        }
    }

    /// Answers `m` with a small message: `code` and maybe one uint option. A CON gets it
    /// piggybacked and cached for duplicates; a NON as a NON.
    #[allow(clippy::too_many_arguments)]
    fn answer_code<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        key: DedupKey<P>,
        code: Code,
        option: Option<(OptionNumber, u32)>,
    ) -> Result<(), Discarded> {
        let mut b = MessageBuilder::<1>::new(MessageType::Acknowledgement, code, MessageId(0));
        if let Some((n, v)) = option {
            let _ = b.uint(n, v);
        }
        let (token, id) = (m.token(), m.message_id());
        if m.message_type() == MessageType::Confirmable {
            let len = b.encoded_len_with_token(token.len());
            let at = self.cache_bytes(p, len, OWNED).map_err(Discarded::Full)?;
            let out = self.cache.get_mut(p.cache, at);
            let encoded = b.encode_as(MessageType::Acknowledgement, id, token, out).is_ok();
            match self.dedup_insert(p, key, now, DState::Done, F_CON) {
                Some(i) if encoded => {
                    if let Some(d) = p.dedup.get_mut(i) {
                        d.set_cache(at);
                    }
                    self.send_cached(p, from, at, len);
                }
                _ => {
                    self.cache.release(p.cache, at, OWNED);
                    return Err(Discarded::Full(Table::Dedup));
                }
            }
        } else {
            // RFC 7252 §5.2.3: a NON request gets a NON response.
            let id = self.message_id(now).ok_or(Discarded::Full(Table::Transmit))?;
            let out = super::block::Outgoing::Built(&b);
            self.send_transient(p, from, &out, MessageType::NonConfirmable, id, token)
                .map_err(|_| Discarded::Full(Table::Cache))?;
            let _ = self.dedup_insert(p, key, now, DState::Done, 0);
        }
        Ok(())
    }

    /// Records a CON's answer as one made again when needed (`F_REGEN`): a 2.31 Continue
    /// acknowledging Block1 `block`, or Block2 `block` of the body kept in transfer slot
    /// `body` (`Regen::Block`).
    fn answer_regen<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        m: &Message<&[u8]>,
        key: DedupKey<P>,
        regen: Regen,
    ) -> Result<(), Discarded> {
        let flags = match regen {
            Regen::Continue(_) => F_CON | F_REGEN | F_CONTINUE,
            Regen::Block { .. } => F_CON | F_REGEN,
        };
        let i = self.dedup_insert(p, key, now, DState::Done, flags).ok_or(Discarded::Full(Table::Dedup))?;
        let (token, token_len) = super::core::short_token(m.token());
        let Some(d) = p.dedup.get_mut(i) else { return Err(Discarded::Full(Table::Dedup)) };
        d.set_pending(&Pending { request_len: m.as_bytes().len(), token, token_len });
        let body = match regen {
            Regen::Continue(block1) => {
                d.set_regen(block1, 0);
                NO_TRANSFER
            }
            Regen::Block { block2, body, body_generation } => {
                d.set_regen(block2, body_generation);
                body
            }
        };
        let generation = d.generation;
        // A full transmit queue drops it, as the network might: the duplicate gets it again.
        self.push_tx(p.transmit, key.1, Tx::Regen { slot: i as u32, generation, body });
        Ok(())
    }

    /// The transfer slot of the body an `F_REGEN` block answer `d` to request `m` from `from`
    /// comes from (`NO_TRANSFER` for a 2.31, or when the body is gone or was replaced).
    pub(crate) fn regen_body<P: Copy + Eq>(
        &self,
        p: &Parts<'_, P>,
        d: &super::storage::DedupSlot<P>,
        from: P,
        m: &Message<&[u8]>,
    ) -> u16 {
        if d.flags & F_CONTINUE != 0 {
            return NO_TRANSFER;
        }
        let body_key = cache_key(m);
        p.transfers
            .iter()
            .position(|t| {
                t.role == Role::Body
                    && t.peer == Some(from)
                    && t.key == body_key
                    && t.generation == d.regen_body_generation()
            })
            .map_or(NO_TRANSFER, |t| t as u16)
    }

    /// A request carrying Block1 (RFC 7959 §2.5): reassembled here; 2.31 Continue to each
    /// block but the last, whose request reaches the application with the whole body.
    #[allow(clippy::too_many_arguments)]
    fn block1_in<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        key: DedupKey<P>,
        b1: Block,
        our: u8,
    ) -> Result<(), Discarded> {
        let payload = m.payload();
        let block_size = size(b1.szx) as usize;
        // RFC 7959 §2.3: a block with M set carries exactly its size; none carries more.
        let offset = (b1.num as usize).checked_mul(block_size);
        if (b1.more && payload.len() != block_size) || payload.len() > block_size || offset.is_none() {
            return self.answer_code(p, now, from, m, key, Code::BAD_REQUEST, None);
        }
        let offset = offset.unwrap_or(usize::MAX);
        let body_key = cache_key(m);
        let mut found = p.transfers.iter().position(|t| {
            t.peer == Some(from) && t.key == body_key && matches!(t.role, Role::Reassembly | Role::Reassembled)
        });
        if let Some(t) = found {
            let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
            if s.role == Role::Reassembled {
                if s.block == b1.to_uint() {
                    // The last block again, with a new message id (the client gave up on the
                    // first): the same answer (RFC 7252 §4.5 in spirit).
                    return self.replay_final(p, now, from, m, key, t);
                }
                if b1.num != 0 || s.pinned {
                    // RFC 7959 §2.9.2: not the start of a new body.
                    return self.answer_code(p, now, from, m, key, Code::REQUEST_ENTITY_INCOMPLETE, None);
                }
                self.free_transfer(p, t);
                found = None;
            }
        }
        // 4.13 Size1 (RFC 7959 §2.9.3, §4): the largest body we can take in.
        let capacity = p.body.len().saturating_sub(PREFIX_ROOM);
        let too_large = (OptionNumber::SIZE1, u32::try_from(capacity).unwrap_or(u32::MAX));
        let t = match found {
            Some(t) => {
                if b1.num == 0 {
                    // A new body under the same key restarts the reassembly.
                    if let Some(x) = p.transfers.get_mut(t) {
                        x.done = 0;
                    }
                }
                t
            }
            None if b1.num == 0 => {
                if m.uint_option(OptionNumber::SIZE1).is_some_and(|s| s as usize > capacity) {
                    return self.answer_code(p, now, from, m, key, Code::REQUEST_ENTITY_TOO_LARGE, Some(too_large));
                }
                self.evict_for(p, 0);
                let Some(t) = Self::free_transfer_slot(p) else {
                    // Our choice: every transfer slot is busy, which is temporary (they end or
                    // expire), so 5.03 Service Unavailable (RFC 7252 §5.9.3.4) rather than 4.13,
                    // which RFC 7959 §2.9.3 ties to the size of the body.
                    return self.answer_code(p, now, from, m, key, Code::SERVICE_UNAVAILABLE, None);
                };
                if let Some(x) = p.transfers.get_mut(t) {
                    *x = TransferSlot {
                        peer: Some(from),
                        role: Role::Reassembly,
                        generation: x.generation,
                        key: body_key,
                        ..TransferSlot::EMPTY
                    };
                }
                // Room for the whole body at once when Size1 announced it (RFC 7959 §4).
                let want = m.uint_option(OptionNumber::SIZE1).map_or(payload.len(), |s| s as usize);
                if !self.body_alloc(p, t, want.max(payload.len())) && !self.body_alloc(p, t, payload.len()) {
                    self.free_transfer(p, t);
                    return self.answer_code(p, now, from, m, key, Code::REQUEST_ENTITY_TOO_LARGE, Some(too_large));
                }
                t
            }
            // RFC 7959 §2.9.2: a block of a body we have no start of.
            None => return self.answer_code(p, now, from, m, key, Code::REQUEST_ENTITY_INCOMPLETE, None),
        };
        let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
        let done = s.done as usize;
        let reply = Block { num: b1.num, more: true, szx: b1.szx.min(our) };
        if offset < done && b1.more && offset + payload.len() <= done {
            // A block we have (its 2.31 was lost and the client asked again): 2.31 again.
            return self.continue_block(p, now, from, m, key, reply);
        }
        if offset != done {
            // RFC 7959 §2.9.2: a block is missing. The partial body is dropped.
            self.free_transfer(p, t);
            return self.answer_code(p, now, from, m, key, Code::REQUEST_ENTITY_INCOMPLETE, None);
        }
        if !b1.more {
            self.event_room(p, None).map_err(Discarded::Full)?;
        }
        let need = done + payload.len();
        if !self.body_reserve(p, t, need) {
            self.free_transfer(p, t);
            return self.answer_code(p, now, from, m, key, Code::REQUEST_ENTITY_TOO_LARGE, Some(too_large));
        }
        let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
        if let Some(dst) = p.body.get_mut(s.offset as usize + done..s.offset as usize + need) {
            dst.copy_from_slice(payload);
        }
        let expires = self.lifetime_end(now);
        if let Some(x) = p.transfers.get_mut(t) {
            x.done = need as u32;
            x.expires = expires;
            x.szx = reply.szx;
        }
        if b1.more {
            return self.continue_block(p, now, from, m, key, reply);
        }
        self.reassembled(p, now, from, m, key, t, b1)
    }

    /// 2.31 Continue with Block1 `reply` (RFC 7959 §2.9.1): made again for duplicates.
    fn continue_block<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        key: DedupKey<P>,
        reply: Block,
    ) -> Result<(), Discarded> {
        if m.message_type() == MessageType::Confirmable {
            self.answer_regen(p, now, m, key, Regen::Continue(reply.to_uint()))
        } else {
            self.answer_code(p, now, from, m, key, Code::CONTINUE, Some((OptionNumber::BLOCK1, reply.to_uint())))
        }
    }

    /// The last block is in: the body becomes a whole request (the last block's header and
    /// options, Block1 and Size1 removed) and goes to the application in one event.
    #[allow(clippy::too_many_arguments)]
    fn reassembled<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        key: DedupKey<P>,
        t: usize,
        b1: Block,
    ) -> Result<(), Discarded> {
        const SKIP: [OptionNumber; 2] = [OptionNumber::BLOCK1, OptionNumber::SIZE1];
        let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
        let body_len = s.done as usize;
        let splice = Splice::of(m, &SKIP);
        let prefix = splice.prefix_len(m.token().len(), body_len);
        let need = prefix + body_len;
        if (s.len as usize) < need && !self.body_grow(p, t, need - s.len as usize) {
            self.free_transfer(p, t);
            let size1 = (OptionNumber::SIZE1, u32::try_from(body_len).unwrap_or(u32::MAX));
            return self.answer_code(p, now, from, m, key, Code::REQUEST_ENTITY_TOO_LARGE, Some(size1));
        }
        self.body_shrink(p, t, need);
        let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
        let region = p.body.get_mut(s.offset as usize..s.offset as usize + need).unwrap_or(&mut []);
        region.copy_within(0..body_len.min(region.len()), prefix.min(region.len()));
        let head = (m.message_type(), m.message_id(), m.token());
        let layout = match splice.write_prefix(head, body_len, region) {
            Ok(_) => Message::new_checked(&*region).ok().map(|r| r.layout()),
            Err(_) => None,
        };
        let Some(layout) = layout else {
            self.free_transfer(p, t);
            return self.answer_code(p, now, from, m, key, Code::BAD_REQUEST, None);
        };
        let i = match self.deliver_request(p, now, from, m, key, Some((t as u16, layout, b1.to_uint()))) {
            Ok(i) => i,
            Err(e) => {
                self.free_transfer(p, t);
                return Err(e);
            }
        };
        let generation = p.dedup.get(i).map_or(0, |d| d.generation);
        let expires = self.lifetime_end(now);
        if let Some(x) = p.transfers.get_mut(t) {
            x.role = Role::Reassembled;
            x.block = b1.to_uint();
            x.exchange = i as u32;
            x.exchange_generation = generation;
            x.expires = expires;
        }
        Ok(())
    }

    /// The last block of a body already delivered came again with a new message id: it gets
    /// the answer the first got (or, while the application still works on it, an empty ACK
    /// now and the answer as a separate response).
    fn replay_final<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        key: DedupKey<P>,
        t: usize,
    ) -> Result<(), Discarded> {
        let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
        let j = s.exchange as usize;
        let first = p.dedup.get(j).copied().filter(|d| d.generation == s.exchange_generation && d.peer == Some(from));
        let con = m.message_type() == MessageType::Confirmable;
        let Some(first) = first.filter(|_| con) else {
            let _ = self.dedup_insert(p, key, now, DState::Done, 0);
            return Err(Discarded::Duplicate);
        };
        let cached = first.cache();
        if cached != NONE {
            let len = self.cache.get(p.cache, cached).len();
            let at = self.cache_bytes(p, len, OWNED).map_err(Discarded::Full)?;
            p.cache.copy_within(cached as usize..cached as usize + len, at as usize);
            if let Some(mid) = p.cache.get_mut(at as usize + 2..at as usize + 4) {
                mid.copy_from_slice(&m.message_id().0.to_be_bytes());
            }
            match self.dedup_insert(p, key, now, DState::Done, F_CON) {
                Some(i) => {
                    if let Some(d) = p.dedup.get_mut(i) {
                        d.set_cache(at);
                    }
                    self.send_cached(p, from, at, len);
                }
                None => self.cache.release(p.cache, at, OWNED),
            }
        } else if first.state == DState::Done && first.flags & F_REGEN != 0 {
            let regen = if first.flags & F_CONTINUE != 0 {
                Regen::Continue(first.regen_block())
            } else {
                let body = self.regen_body(p, &first, from, m);
                Regen::Block { block2: first.regen_block(), body, body_generation: first.regen_body_generation() }
            };
            self.answer_regen(p, now, m, key, regen)?;
        } else if matches!(first.state, DState::Pending | DState::Accepted) {
            // The answer will go as a separate response, matched by token (RFC 7252 §5.2.2).
            let _ = self.accept_slot(p, j);
            if self.dedup_insert(p, key, now, DState::Done, F_CON | F_EMPTY_ACK).is_some() {
                self.push_tx(p.transmit, from, Tx::EmptyAck(m.message_id().0));
            }
        } else {
            let _ = self.dedup_insert(p, key, now, DState::Done, F_CON);
        }
        Err(Discarded::Duplicate)
    }

    /// A request for a later Block2 block (RFC 7959 §2.4): served from the body kept for
    /// (peer, cache key), without the application; `None` when no such body is kept (the
    /// application answers, and the endpoint slices its answer: random access works either
    /// way).
    #[allow(clippy::too_many_arguments)]
    fn serve_block2<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        key: DedupKey<P>,
        want: Block,
        our: u8,
    ) -> Option<Result<(), Discarded>> {
        let body_key = cache_key(m);
        let t = p.transfers.iter().position(|t| t.role == Role::Body && t.peer == Some(from) && t.key == body_key)?;
        if let Some(echo) = self.config.echo {
            // RFC 9175 §2.4: a block to an unverified address within the amplification limit
            // only; otherwise the application decides (and `respond` challenges).
            let verified = m.option(OptionNumber::ECHO).is_some_and(|v| self.echo_valid(&from, v, now));
            if !verified
                && size(want.szx.min(our)) as usize > usize::from(echo.amplification_factor) * m.as_bytes().len()
            {
                return None;
            }
        }
        let s = p.transfers.get(t).copied()?;
        let total = stored(Self::body(p, t)).map_or(0, |(_, _, payload)| payload.len());
        let Some(answer) = answer_block(want, our, total) else {
            // Past the end. Our choice: 4.02 Bad Option, the Block2 value cannot be served.
            return Some(self.answer_code(p, now, from, m, key, Code::BAD_OPTION, None));
        };
        let expires = self.lifetime_end(now);
        if let Some(x) = p.transfers.get_mut(t) {
            x.expires = expires;
        }
        if m.message_type() == MessageType::Confirmable {
            let regen = Regen::Block { block2: answer.to_uint(), body: t as u16, body_generation: s.generation };
            return Some(self.answer_regen(p, now, m, key, regen));
        }
        // A NON gets a NON (RFC 7252 §5.2.3), made now.
        let Some(id) = self.message_id(now) else { return Some(Err(Discarded::Full(Table::Transmit))) };
        let store = core::mem::take(&mut p.body);
        let sent = match self.block_splice(p.transfers, store, t, answer, NONE, None) {
            Some(splice) => {
                let out = super::block::Outgoing::<0>::Spliced(&splice);
                self.send_transient(p, from, &out, MessageType::NonConfirmable, id, m.token()).is_ok()
            }
            None => false,
        };
        p.body = store;
        let _ = self.dedup_insert(p, key, now, DState::Done, 0);
        Some(if sent { Ok(()) } else { Err(Discarded::Full(Table::Cache)) })
    }

    /// Block `b` of the body of transfer `t` as a message: the body's options (less Observe),
    /// its ETag, Block2, Size2 in block 0 (RFC 7959 §4), Block1 `block1` unless `NONE`, and
    /// Observe `observe`.
    pub(crate) fn block_splice<'b, P>(
        &self,
        transfers: &[TransferSlot<P>],
        store: &'b [u8],
        t: usize,
        b: Block,
        block1: u32,
        observe: Option<u32>,
    ) -> Option<Splice<'b>> {
        const SKIP: [OptionNumber; 1] = [OptionNumber::OBSERVE];
        let s = transfers.get(t)?;
        let (code, options, payload) = stored(store.get(s.offset as usize..(s.offset + s.len) as usize)?)?;
        let mut splice = Splice { code, options, skip: &SKIP, extra: super::block::Extra::new(), payload: &[] };
        splice.payload = slice(payload, b)?;
        splice.extra.bytes(OptionNumber::ETAG, s.etag()).uint(OptionNumber::BLOCK2, b.to_uint());
        if b.num == 0 {
            splice.extra.uint(OptionNumber::SIZE2, u32::try_from(payload.len()).unwrap_or(u32::MAX));
        }
        if block1 != NONE {
            splice.extra.uint(OptionNumber::BLOCK1, block1);
        }
        if let Some(seq) = observe {
            splice.extra.uint(OptionNumber::OBSERVE, seq);
        }
        Some(splice)
    }

    /// The answer a `F_REGEN` dedup entry describes, as a splice, with its message id and token
    /// (`body`: the transfer slot of its kept body, for a block answer).
    fn regen<'b, P: Copy>(
        &self,
        p: &'b Parts<'_, P>,
        (slot, generation, body): (u32, u16, u16),
    ) -> Option<(Splice<'b>, u16, Pending)> {
        let d = p.dedup.get(slot as usize)?;
        if d.generation != generation || d.state != DState::Done || d.flags & F_REGEN == 0 {
            return None;
        }
        let splice = if d.flags & F_CONTINUE != 0 {
            let mut s = Splice {
                code: Code::CONTINUE,
                options: Options::new(&[]),
                skip: &[],
                extra: super::block::Extra::new(),
                payload: &[],
            };
            s.extra.uint(OptionNumber::BLOCK1, d.regen_block());
            s
        } else {
            let t = usize::from(body);
            let s = p.transfers.get(t)?;
            if s.role != Role::Body || s.generation != d.regen_body_generation() {
                return None;
            }
            let b = super::block::block_of(d.regen_block());
            self.block_splice(p.transfers, p.body, t, b, NONE, None)?
        };
        Some((splice, d.message_id, d.pending()))
    }

    /// The length of the answer a `F_REGEN` dedup entry describes (`None`: it is gone).
    pub(crate) fn regen_len<P: Copy>(&self, p: &Parts<'_, P>, at: (u32, u16, u16)) -> Option<usize> {
        let (s, _, pending) = self.regen(p, at)?;
        Some(s.encoded_len(pending.token().len()))
    }

    /// Writes that answer (a piggybacked ACK) into `out`.
    pub(crate) fn regen_write<P: Copy>(&self, p: &Parts<'_, P>, at: (u32, u16, u16), out: &mut [u8]) -> Option<()> {
        let (s, id, pending) = self.regen(p, at)?;
        s.encode((MessageType::Acknowledgement, MessageId(id), pending.token()), out).ok().map(|_| ())
    }

    /// Keeps `body` (a whole response, Observe left out) for (peer, key) to be sent in blocks
    /// of SZX `szx`, replacing what was kept for them; returns its transfer slot.
    pub(crate) fn keep_body<P: Copy + Eq, const N: usize>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        (peer, key): (P, u32),
        body: &MessageBuilder<'_, N>,
        szx: u8,
    ) -> Result<usize, super::RespondError> {
        use super::RespondError;
        if let Some(old) = p.transfers.iter().position(|t| t.role == Role::Body && t.peer == Some(peer) && t.key == key)
        {
            if p.transfers.get(old).is_some_and(|t| !t.pinned) {
                self.free_transfer(p, old);
            }
        }
        let len = body.encoded_len_with_token(0);
        self.evict_for(p, len);
        let t = Self::free_transfer_slot(p).ok_or(RespondError::Full(Table::Transfers))?;
        if !self.body_alloc(p, t, len) {
            return Err(RespondError::Full(Table::Body));
        }
        let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
        let region = p.body.get_mut(s.offset as usize..(s.offset + s.len) as usize).unwrap_or(&mut []);
        if let Err(e) = body.encode_as(MessageType::Acknowledgement, MessageId(0), &[], region) {
            self.body_free(p, t);
            return Err(RespondError::Encode(e));
        }
        // RFC 7959 §2.4: every block carries the representation's ETag; the application's,
        // or one derived from the body.
        let mut etag = ([0u8; 8], 0u8);
        if let Some((_, options, payload)) = stored(region) {
            match options.clone().find(|o| o.number == OptionNumber::ETAG) {
                Some(o) => {
                    let n = o.value.len().min(8);
                    if let (Some(d), Some(v)) = (etag.0.get_mut(..n), o.value.get(..n)) {
                        d.copy_from_slice(v);
                    }
                    etag.1 = n as u8;
                }
                None => {
                    if let Some(d) = etag.0.first_chunk_mut::<4>() {
                        *d = super::block::derived_etag(payload);
                    }
                    etag.1 = 4;
                }
            }
        }
        let expires = self.lifetime_end(now);
        if let Some(x) = p.transfers.get_mut(t) {
            *x = TransferSlot {
                peer: Some(peer),
                role: Role::Body,
                generation: x.generation,
                key,
                offset: x.offset,
                len: x.len,
                szx,
                etag: etag.0,
                etag_len: etag.1,
                expires,
                ..TransferSlot::EMPTY
            };
        }
        Ok(t)
    }
}
