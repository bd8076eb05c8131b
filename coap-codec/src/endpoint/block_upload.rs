//! The client side of block-wise uploads (RFC 7959 §2.5): a request whose payload is larger
//! than a block goes in Block1 blocks, each a message of its own with its own message id on the
//! request's exchange; the next leaves on the 2.xx (2.31 Continue, §2.9.1) that acknowledges the
//! last, in the server's SZX if smaller (late negotiation). A 4.13 with a Block1 of a smaller
//! SZX restarts in that size (§2.9.3), for a request sent whole as well; any other answer to a
//! block is the final response. When that answer comes in Block2 blocks (§3.3), the same
//! exchange goes on as a download; with a block size below 1024 bytes the last block of a POST
//! or FETCH asks for the answer in that size (Block2 `0/0/SZX`, early negotiation, §3.3 Figure
//! 11).

use core::hash::Hash;

use super::block::{block, block_of, size, Extra, Splice};
use super::block_client::DOWNLOAD_SKIP;
use super::block_server::{slice, stored};
use super::core::Core;
use super::storage::{EKind, ExchangeSlot, Parts, XKind, XState};
use super::transfer::{Role, TransferSlot};
use super::{Discarded, RequestError, RequestHandle, RequestOptions, TransferError};
use crate::time::Instant;
use crate::wire::{Block, Code, Message, MessageBuilder, MessageId, MessageType, OptionNumber};

/// What a Block1 block leaves out of the whole request (Block2, the client's size wish for the
/// answer, goes in the last block only, RFC 7959 §3.3 Figure 11).
const UPLOAD_SKIP: [OptionNumber; 3] = [OptionNumber::BLOCK1, OptionNumber::SIZE1, OptionNumber::BLOCK2];
/// What the last block leaves out.
const LAST_SKIP: [OptionNumber; 2] = [OptionNumber::BLOCK1, OptionNumber::SIZE1];

/// Which message a transfer's exchange carries next.
#[derive(Debug, Clone, Copy)]
enum Next {
    /// Block1 block `0` of the whole request (RFC 7959 §2.5).
    Upload(Block),
    /// The whole request without its payload, asking for Block2 block `0` (RFC 7959 §3.3:
    /// the answer to an upload comes in blocks too).
    Follow(Block),
}

impl Core {
    /// Sends `builder` in Block1 blocks of SZX `szx` (RFC 7959 §2.5): the whole request is kept
    /// in the body store, block 0 leaves now (or when NSTART allows).
    pub(crate) fn request_upload<P: Copy + Eq + Hash, const N: usize>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        to: P,
        builder: &MessageBuilder<'_, N>,
        opts: RequestOptions,
        szx: u8,
    ) -> Result<RequestHandle, RequestError> {
        let i = p.exchanges.iter().position(|e| e.state == XState::Free).ok_or(RequestError::ExchangesFull)?;
        let queued = p.exchanges.iter().filter(|e| e.state == XState::Queued && e.peer == Some(to)).count();
        if queued >= usize::from(self.config.nstart_queue) {
            return Err(RequestError::NstartQueueFull);
        }
        let t = Self::free_transfer_slot(p).ok_or(RequestError::TransfersFull)?;
        // RFC 9175 §3.3: concurrent bodies to one server are told apart by Request-Tag.
        let concurrent = p.transfers.iter().any(|x| x.role == Role::Upload && x.peer == Some(to));
        let (token, token_len) = self.token(p.exchanges, to);
        let tok = token.get(..usize::from(token_len)).unwrap_or(&[]);
        let ty = if opts.confirmable { MessageType::Confirmable } else { MessageType::NonConfirmable };
        if let Some(x) = p.transfers.get_mut(t) {
            *x = TransferSlot {
                peer: Some(to),
                role: Role::Upload,
                generation: x.generation,
                exchange: i as u32,
                parent: i as u32,
                szx,
                ..TransferSlot::EMPTY
            };
        }
        let len = builder.encoded_len_with_token(tok.len());
        if !self.body_alloc(p, t, len) {
            self.free_transfer(p, t);
            return Err(RequestError::BodyTooLarge);
        }
        let (offset, total) = p.transfers.get(t).map_or((0, 0), |x| (x.offset as usize, x.len as usize));
        let region = p.body.get_mut(offset..offset + total).unwrap_or(&mut []);
        if let Err(e) = builder.encode_as(ty, MessageId(0), tok, region) {
            self.free_transfer(p, t);
            return Err(RequestError::Encode(e));
        }
        let tagged = stored(region).is_some_and(|(_, mut o, _)| o.any(|o| o.number == OptionNumber::REQUEST_TAG));
        let tag = if concurrent && !tagged { u32::from(self.rand.next_u64() as u16 | 1) } else { 0 };
        let params = opts.params.unwrap_or(self.config.params);
        self.seq = self.seq.wrapping_add(1);
        let generation = p.exchanges.get(i).map_or(0, |e| e.generation);
        if let Some(slot) = p.exchanges.get_mut(i) {
            *slot = ExchangeSlot {
                peer: Some(to),
                state: XState::Queued,
                kind: XKind::Request,
                generation,
                token,
                token_len,
                max_retransmit: params.max_retransmit,
                nstart: params.nstart.max(1),
                response_timeout_ms: u32::try_from(self.config.response_timeout.as_millis()).unwrap_or(u32::MAX),
                seq: self.seq,
                confirmable: opts.confirmable,
                transfer: t as u16,
                ..ExchangeSlot::EMPTY
            };
        }
        let timeout = self.initial_timeout(&params);
        if let Some(slot) = p.exchanges.get_mut(i) {
            slot.timeout_ms = timeout;
        }
        let first = Block { num: 0, more: true, szx };
        if let Some(x) = p.transfers.get_mut(t) {
            x.key = tag;
            x.exchange_generation = generation;
            x.parent_generation = generation;
            x.block = first.to_uint();
        }
        if let Err(e) = self.write_transfer_request(p, t, i, Next::Upload(first)) {
            self.free_exchange(p, i);
            return Err(e);
        }
        if self.outstanding(p.exchanges, to) < usize::from(params.nstart.max(1)) {
            if let Err(e) = self.start(p, now, i) {
                self.free_exchange(p, i);
                return Err(e);
            }
        }
        Ok(RequestHandle { slot: i as u32, generation })
    }

    /// Writes exchange `x`'s next message from transfer `t`'s whole request (in the body
    /// store) into the exchange store, replacing its current one.
    fn write_transfer_request<P: Copy>(
        &mut self,
        p: &mut Parts<'_, P>,
        t: usize,
        x: usize,
        next: Next,
    ) -> Result<(), RequestError> {
        let store = core::mem::take(&mut p.body);
        let result = self.write_transfer_request_from(p, store, t, x, next);
        p.body = store;
        result
    }

    fn write_transfer_request_from<P: Copy>(
        &mut self,
        p: &mut Parts<'_, P>,
        store: &[u8],
        t: usize,
        x: usize,
        next: Next,
    ) -> Result<(), RequestError> {
        let s = p.transfers.get(t).copied().ok_or(RequestError::UnknownRequest)?;
        let e = p.exchanges.get(x).copied().ok_or(RequestError::UnknownRequest)?;
        let whole = store.get(s.offset as usize..(s.offset + s.len) as usize).ok_or(RequestError::StoreFull)?;
        let (code, options, payload) = stored(whole).ok_or(RequestError::StoreFull)?;
        let mut splice = Splice { code, options, skip: &UPLOAD_SKIP, extra: Extra::new(), payload: &[] };
        match next {
            Next::Upload(b) => {
                if !b.more {
                    splice.skip = &LAST_SKIP;
                    // RFC 7959 §2.3, §3.3: Block2 in the last Block1 request asks for the answer's
                    // block size (early negotiation, Figure 11), unless the application chose one.
                    // Only where the answer is a representation (POST, FETCH: RFC 7252 §5.8.2,
                    // RFC 8132 §2); a PUT or PATCH gets 2.04 / 2.01, at most a diagnostic, so its
                    // blocks stay as in Figures 7 and 9 (late negotiation covers a large answer).
                    let chosen = splice.options.clone().any(|o| o.number == OptionNumber::BLOCK2);
                    let answers = matches!(code, Code::POST | Code::FETCH);
                    if let Some(szx) = self.block_szx().filter(|&szx| szx < 6 && answers && !chosen) {
                        splice.extra.uint(OptionNumber::BLOCK2, Block { num: 0, more: false, szx }.to_uint());
                    }
                }
                splice.payload = slice(payload, b).ok_or(RequestError::StoreFull)?;
                splice.extra.uint(OptionNumber::BLOCK1, b.to_uint());
                if b.num == 0 {
                    // RFC 7959 §4: Size1 tells the server the whole size up front.
                    splice.extra.uint(OptionNumber::SIZE1, u32::try_from(payload.len()).unwrap_or(u32::MAX));
                }
            }
            Next::Follow(b) => {
                splice.skip = &DOWNLOAD_SKIP;
                splice.extra.uint(OptionNumber::BLOCK2, b.to_uint());
            }
        }
        if s.key != 0 {
            splice.extra.bytes(OptionNumber::REQUEST_TAG, &(s.key as u16).to_be_bytes());
        }
        let ty = if e.confirmable { MessageType::Confirmable } else { MessageType::NonConfirmable };
        let len = splice.encoded_len(e.token().len());
        self.free_message(p, x);
        let at = self.arena.alloc(p.store, len).ok_or(RequestError::StoreFull)?;
        let out = p.store.get_mut(at as usize..at as usize + len).ok_or(RequestError::StoreFull)?;
        if let Err(err) = splice.encode((ty, MessageId(0), e.token()), out) {
            self.arena.used = at;
            return Err(RequestError::Encode(err));
        }
        if let Some(slot) = p.exchanges.get_mut(x) {
            slot.offset = at;
            slot.len = len as u32;
        }
        Ok(())
    }

    /// A response on an upload's exchange (RFC 7959 §2.5, §2.9).
    pub(crate) fn upload_in<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        t: usize,
    ) -> Result<(), Discarded> {
        let s = p.transfers.get(t).copied().ok_or(Discarded::Unmatched)?;
        let x = s.exchange as usize;
        let sent = block_of(s.block);
        let code = m.code();
        let b1 = block(m, OptionNumber::BLOCK1);
        if b1.is_some_and(|b| b.num != sent.num) {
            // An answer to an earlier block (late, or duplicated): never advances the upload.
            self.ack_response(p, now, from, m)?;
            return Err(Discarded::StaleBlock);
        }
        let total = stored(Self::body(p, t)).map_or(0, |(_, _, payload)| payload.len()) as u64;
        if let (2, Some(b), true) = (code.class(), b1, sent.more) {
            // RFC 7959 §2.5, §2.9.1: the block is in (2.31 Continue, or a server acting on each
            // block); the next in the server's size if smaller (late negotiation).
            self.ack_response(p, now, from, m)?;
            let acked = (u64::from(sent.num) + 1) * u64::from(size(sent.szx));
            let szx = sent.szx.min(b.szx.min(6));
            let next = Block {
                num: u32::try_from(acked / u64::from(size(szx))).unwrap_or(u32::MAX),
                more: acked + u64::from(size(szx)) < total,
                szx,
            };
            return self.send_upload_block(p, now, t, next, acked);
        }
        if code == Code::REQUEST_ENTITY_TOO_LARGE && s.restarts < 2 {
            // RFC 7959 §2.9.3: a Block1 in the 4.13 gives a block size the server can take; start
            // over in it. (A Size1 alone is the largest body: a smaller block cannot help.)
            if let Some(szx) = b1.map(|b| b.szx).filter(|&z| z < sent.szx) {
                self.ack_response(p, now, from, m)?;
                if let Some(x) = p.transfers.get_mut(t) {
                    x.restarts += 1;
                }
                let first = Block { num: 0, more: u64::from(size(szx)) < total, szx };
                return self.send_upload_block(p, now, t, first, 0);
            }
        }
        if let (2, false, Some(b2)) = (code.class(), sent.more, block(m, OptionNumber::BLOCK2)) {
            if b2.more && b2.num == 0 && b2.szx <= 6 {
                // RFC 7959 §3.3: the answer to the body comes in blocks as well; the same
                // exchange fetches them with the request less its payload and Block1.
                let szx = self.block_szx().unwrap_or(6);
                if self.write_transfer_request(p, t, x, Next::Follow(Block { num: 0, more: false, szx })).is_err() {
                    self.event_room(p, None).map_err(Discarded::Full)?;
                    self.ack_response(p, now, from, m)?;
                    return self.transfer_failed(p, now, t, TransferError::BodyTooLarge);
                }
                self.body_free(p, t);
                if let Some(s) = p.transfers.get_mut(t) {
                    (s.role, s.done, s.szx, s.restarts, s.retries) = (Role::Download, 0, szx, 0, 0);
                }
                return self.download_in(p, now, from, m, t, true);
            }
        }
        // The final response (or 4.08 / 4.13 / any other answer, which ends the upload).
        self.event_room(p, Some(m.as_bytes().len())).map_err(Discarded::Full)?;
        self.ack_response(p, now, from, m)?;
        let _ = self.push_event(
            p,
            from,
            EKind::ResponseReceived { observing: false },
            s.parent,
            s.parent_generation,
            Some(m),
        );
        self.detach(p, t);
        self.free_transfer(p, t);
        self.finish(p, now, x);
        Ok(())
    }

    /// Sends Block1 block `next` of upload `t` (the body acknowledged up to `acked`).
    fn send_upload_block<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        t: usize,
        next: Block,
        acked: u64,
    ) -> Result<(), Discarded> {
        let x = p.transfers.get(t).map_or(usize::MAX, |s| s.exchange as usize);
        if !next.is_valid() {
            self.event_room(p, None).map_err(Discarded::Full)?;
            return self.transfer_failed(p, now, t, TransferError::InvalidBlock);
        }
        if let Some(s) = p.transfers.get_mut(t) {
            s.block = next.to_uint();
            s.done = u32::try_from(acked).unwrap_or(u32::MAX);
            s.retries = 0;
        }
        if self.write_transfer_request(p, t, x, Next::Upload(next)).is_err() {
            self.event_room(p, None).map_err(Discarded::Full)?;
            return self.transfer_failed(p, now, t, TransferError::BodyTooLarge);
        }
        self.restart_block(p, now, x);
        Ok(())
    }

    /// A request sent whole (exchange `i`) got 4.13 with a Block1 of a smaller size (RFC 7959
    /// §2.9.3): it goes again in blocks of that size, as an upload. `None` when that cannot help
    /// or cannot be done (the 4.13 is then the final response).
    pub(crate) fn retry_in_blocks<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        i: usize,
    ) -> Option<Result<(), Discarded>> {
        let e = p.exchanges.get(i).copied()?;
        let szx = block(m, OptionNumber::BLOCK1)?.szx;
        let request = p.store.get(e.offset as usize..(e.offset + e.len) as usize)?;
        let req = Message::new_checked(request).ok()?;
        let total = req.payload().len() as u64;
        if szx > 6 || total <= u64::from(size(szx)) || req.option(OptionNumber::BLOCK1).is_some() {
            return None;
        }
        let t = Self::free_transfer_slot(p)?;
        if let Some(x) = p.transfers.get_mut(t) {
            *x = TransferSlot {
                peer: Some(from),
                role: Role::Upload,
                generation: x.generation,
                exchange: i as u32,
                exchange_generation: e.generation,
                parent: i as u32,
                parent_generation: e.generation,
                szx,
                restarts: 1,
                ..TransferSlot::EMPTY
            };
        }
        if !self.body_alloc(p, t, e.len as usize) {
            self.free_transfer(p, t);
            return None;
        }
        let at = p.transfers.get(t).map_or(0, |x| x.offset as usize);
        let (src, dst) = (e.offset as usize..(e.offset + e.len) as usize, at..at + e.len as usize);
        if let (Some(s), Some(d)) = (p.store.get(src), p.body.get_mut(dst)) {
            d.copy_from_slice(s);
        }
        if let Err(err) = self.ack_response(p, now, from, m) {
            self.free_transfer(p, t);
            return Some(Err(err));
        }
        if let Some(x) = p.exchanges.get_mut(i) {
            x.transfer = t as u16;
        }
        let first = Block { num: 0, more: u64::from(size(szx)) < total, szx };
        Some(self.send_upload_block(p, now, t, first, 0))
    }
}
