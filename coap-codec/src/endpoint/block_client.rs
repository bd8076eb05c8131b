//! The client side of block-wise downloads (RFC 7959), and what uploads share with them.
//!
//! - **Download** (§2.4): a 2.xx response with Block2 and M set makes the endpoint ask for the
//!   next block itself (the stored request, Block2 NUM+1, the server's SZX or ours if smaller:
//!   late negotiation, §2.4), on the same exchange with a new message id and the same token.
//!   Each block must start where the body so far ends, so a late or duplicated answer to an
//!   earlier request never advances the transfer. Blocks of one body share an ETag; a change
//!   restarts from block 0 once, then fails ([`TransferError::EtagChanged`]). The application
//!   gets one event with the whole body.
//! - **Upload** (§2.5): in [`block_upload`](super::block_upload).
//! - **Observe** (§3.4): a notification (or the registration's first response) with Block2 and
//!   M set: the rest is fetched with plain GETs (no Observe) on a fresh token, then one
//!   notification with the whole body.
//!
//! A block request whose CON is given up is sent again with a new message id,
//! [`Config::block_retries`](super::Config::block_retries) times per block.

use core::hash::Hash;

use super::block::{block, block_of, size, Extra, Splice};
use super::block_server::stored;
use super::core::Core;
use super::storage::{EKind, ExchangeSlot, Parts, XKind, XState};
use super::transfer::{Outcome, Role, TransferSlot, NO_TRANSFER};
use super::{Discarded, TransferError};
use crate::time::Instant;
use crate::wire::{Block, Code, Message, MessageId, MessageType, Observe, OptionNumber};

/// What a request for the next block of a download leaves out of the request it copies.
pub(crate) const DOWNLOAD_SKIP: [OptionNumber; 4] =
    [OptionNumber::OBSERVE, OptionNumber::BLOCK2, OptionNumber::BLOCK1, OptionNumber::SIZE1];

impl Core {
    /// Writes exchange `x`'s request for Block2 block `b`, copying the request of exchange
    /// `src` (`x` itself, or the Observe registration a fetch copies) without its Block
    /// options and Observe (RFC 7959 §2.4, §3.4). `false`: the exchange store is full.
    fn write_download_request<P: Copy>(&mut self, p: &mut Parts<'_, P>, x: usize, src: usize, b: Block) -> bool {
        let (Some(e), Some(from)) = (p.exchanges.get(x).copied(), p.exchanges.get(src).copied()) else {
            return false;
        };
        let ty = if e.confirmable { MessageType::Confirmable } else { MessageType::NonConfirmable };
        let range = from.offset as usize..(from.offset + from.len) as usize;
        fn splice_of(buf: &[u8], range: core::ops::Range<usize>, b: Block) -> Option<Splice<'_>> {
            let (code, options, _) = stored(buf.get(range)?)?;
            let mut s = Splice { code, options, skip: &DOWNLOAD_SKIP, extra: Extra::new(), payload: &[] };
            s.extra.uint(OptionNumber::BLOCK2, b.to_uint());
            Some(s)
        }
        let Some(len) = splice_of(p.store, range.clone(), b).map(|s| s.encoded_len(e.token().len())) else {
            return false;
        };
        let Some(at) = self.arena.alloc(p.store, len) else { return false };
        let (head, tail) = p.store.split_at_mut(at as usize);
        let written = match (splice_of(head, range, b), tail.get_mut(..len)) {
            (Some(s), Some(out)) => s.encode((ty, MessageId(0), e.token()), out).is_ok(),
            _ => false,
        };
        if !written {
            self.arena.used = at;
            return false;
        }
        // Free the old message (the arena compacts: the new one moves down by its length).
        let old = e.len;
        let offset = if e.len > 0 && e.offset < at {
            self.free_message(p, x);
            at - old
        } else {
            at
        };
        if let Some(slot) = p.exchanges.get_mut(x) {
            slot.offset = offset;
            slot.len = len as u32;
        }
        true
    }

    /// Sends exchange `x`'s (new) message as a new transmission: a new message id, a fresh
    /// timeout (RFC 7252 §4.2), queued behind nothing newer (it keeps its NSTART place).
    pub(crate) fn restart_block<P: Copy + Eq + Hash>(&mut self, p: &mut Parts<'_, P>, now: Instant, x: usize) {
        let params = self.config.params;
        let timeout = self.initial_timeout(&params);
        let Some(e) = p.exchanges.get_mut(x) else { return };
        e.state = XState::Queued;
        e.timeout_ms = timeout;
        e.send = false;
        if let Some(peer) = e.peer {
            self.start_queued(p, now, peer);
        }
    }

    /// The block-wise part of a response to exchange `i`: `Some` when it belongs to a transfer
    /// (or starts one), `None` for the usual delivery.
    pub(crate) fn block_response_in<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        i: usize,
        (kind, observing, observe): (EKind, bool, Option<Observe>),
    ) -> Option<Result<(), Discarded>> {
        let e = p.exchanges.get(i).copied()?;
        if e.transfer != NO_TRANSFER {
            let t = usize::from(e.transfer);
            return match p.transfers.get(t)?.role {
                Role::Download => Some(self.download_in(p, now, from, m, t, true)),
                Role::Upload => Some(self.upload_in(p, now, from, m, t)),
                _ => None,
            };
        }
        let our = self.block_szx()?;
        if m.code() == Code::REQUEST_ENTITY_TOO_LARGE {
            return self.retry_in_blocks(p, now, from, m, i);
        }
        let b2 = block(m, OptionNumber::BLOCK2)?;
        if m.code().class() != 2 || !b2.more || b2.num != 0 || b2.szx > 6 {
            return None;
        }
        // The application's own Block options: it drives the transfer itself.
        let request = p.store.get(e.offset as usize..(e.offset + e.len) as usize)?;
        let req = Message::new_checked(request).ok()?;
        if req.option(OptionNumber::BLOCK1).is_some() || block(&req, OptionNumber::BLOCK2).is_some_and(|b| b.num > 0) {
            return None;
        }
        let szx = block(&req, OptionNumber::BLOCK2).map_or(our, |b| b.szx.min(our));
        // Without a transfer slot (or an exchange for the fetch) the first block is delivered
        // as it is, Block2 and all.
        let fetch = observing;
        let t = Self::free_transfer_slot(p)?;
        if fetch && !p.exchanges.iter().any(|x| x.state == XState::Free) {
            return None;
        }
        Some(self.start_download(p, now, from, m, (i, t), szx, (kind, fetch, observe)))
    }

    /// A first block with M set: a download starts (RFC 7959 §2.4), on exchange `i` or, for a
    /// notification, on a fetch exchange of its own (§3.4).
    #[allow(clippy::too_many_arguments)]
    fn start_download<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        (i, t): (usize, usize),
        szx: u8,
        (kind, fetch, observe): (EKind, bool, Option<Observe>),
    ) -> Result<(), Discarded> {
        self.ack_response(p, now, from, m)?;
        let e = p.exchanges.get(i).copied().ok_or(Discarded::Unmatched)?;
        let mut outcome = match (fetch, kind) {
            (false, _) => Outcome::Response,
            (true, EKind::NotificationReceived) => Outcome::Notification,
            (true, _) => Outcome::FirstNotification,
        };
        let x = if fetch {
            // RFC 7959 §3.4: a newer notification replaces a fetch still running.
            let old = p
                .transfers
                .iter()
                .position(|s| s.role == Role::Download && s.parent == i as u32 && s.exchange != i as u32 && !s.pinned);
            if let Some(old) = old {
                if p.transfers.get(old).is_some_and(|s| s.outcome == Outcome::FirstNotification) {
                    outcome = Outcome::FirstNotification;
                }
                let ox = p.transfers.get(old).map_or(usize::MAX, |s| s.exchange as usize);
                self.detach(p, old);
                self.free_transfer(p, old);
                self.free_exchange(p, ox);
            }
            self.observed(p, now, from, i, observe);
            match self.open_fetch(p, i, from) {
                Some(x) => x,
                None => return self.report_failure(p, (i, e.generation), from, TransferError::BodyTooLarge),
            }
        } else {
            i
        };
        let xg = p.exchanges.get(x).map_or(0, |x| x.generation);
        if let Some(s) = p.transfers.get_mut(t) {
            *s = TransferSlot {
                peer: Some(from),
                role: Role::Download,
                generation: s.generation,
                exchange: x as u32,
                exchange_generation: xg,
                parent: i as u32,
                parent_generation: e.generation,
                szx,
                outcome,
                observe: observe.map_or(0, |o| o.0),
                ..TransferSlot::EMPTY
            };
        }
        if let Some(slot) = p.exchanges.get_mut(x) {
            slot.transfer = t as u16;
        }
        if fetch && !self.write_download_request(p, x, i, Block { num: 0, more: false, szx }) {
            return self.transfer_failed(p, now, t, TransferError::BodyTooLarge);
        }
        self.download_in(p, now, from, m, t, false)
    }

    /// A new exchange for fetching the rest of registration `i`'s notification: a fresh token
    /// (RFC 7959 §3.4), its message written by the caller.
    fn open_fetch<P: Copy + Eq + Hash>(&mut self, p: &mut Parts<'_, P>, i: usize, peer: P) -> Option<usize> {
        let x = p.exchanges.iter().position(|e| e.state == XState::Free)?;
        let parent = p.exchanges.get(i).copied()?;
        let (token, token_len) = self.token(p.exchanges, peer);
        let params = self.config.params;
        let timeout = self.initial_timeout(&params);
        self.seq = self.seq.wrapping_add(1);
        let slot = p.exchanges.get_mut(x)?;
        *slot = ExchangeSlot {
            peer: Some(peer),
            state: XState::Queued,
            kind: XKind::Request,
            generation: slot.generation,
            token,
            token_len,
            max_retransmit: params.max_retransmit,
            nstart: parent.nstart,
            response_timeout_ms: parent.response_timeout_ms,
            timeout_ms: timeout,
            seq: self.seq,
            confirmable: parent.confirmable,
            ..ExchangeSlot::EMPTY
        };
        Some(x)
    }

    /// A response on a download's exchange: the next block, or not the one awaited.
    pub(crate) fn download_in<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        t: usize,
        ack: bool,
    ) -> Result<(), Discarded> {
        let s = p.transfers.get(t).copied().ok_or(Discarded::Unmatched)?;
        let code = m.code();
        let b2 = block(m, OptionNumber::BLOCK2).filter(|b| b.szx <= 6);
        if let (2, Some(b)) = (code.class(), b2) {
            // RFC 7959 §2.4: the block must start where the body so far ends: a late or
            // duplicated answer to an earlier request never advances the transfer.
            let asked = block_of(s.block);
            let bigger = s.done > 0 && b.szx > asked.szx;
            if bigger || u64::from(b.num) * u64::from(size(b.szx)) != u64::from(s.done) {
                if ack {
                    self.ack_response(p, now, from, m)?;
                }
                return Err(Discarded::StaleBlock);
            }
        }
        let completes = code.class() != 2 || b2.map_or(true, |b| !b.more);
        if completes {
            self.event_room(p, None).map_err(Discarded::Full)?;
        }
        if ack {
            self.ack_response(p, now, from, m)?;
        }
        if code.class() != 2 {
            return self.transfer_failed(p, now, t, TransferError::Rejected(code));
        }
        let Some(b) = b2 else { return self.transfer_failed(p, now, t, TransferError::InvalidBlock) };
        let payload = m.payload();
        let block_size = size(b.szx) as usize;
        if (b.more && payload.len() != block_size) || payload.len() > block_size {
            // RFC 7959 §2.3: a block with M set carries exactly its size.
            return self.transfer_failed(p, now, t, TransferError::InvalidBlock);
        }
        // RFC 7959 §2.4: the blocks of one representation carry one ETag.
        let etag = m.option(OptionNumber::ETAG).unwrap_or(&[]);
        if s.done == 0 {
            if let Some(x) = p.transfers.get_mut(t) {
                let n = etag.len().min(8);
                x.etag = [0; 8];
                if let (Some(d), Some(v)) = (x.etag.get_mut(..n), etag.get(..n)) {
                    d.copy_from_slice(v);
                }
                x.etag_len = n as u8;
            }
        } else if etag != s.etag() {
            if s.restarts > 0 {
                return self.transfer_failed(p, now, t, TransferError::EtagChanged);
            }
            // The representation changed: once more from block 0.
            self.body_shrink(p, t, 0);
            if let Some(x) = p.transfers.get_mut(t) {
                (x.restarts, x.done, x.retries) = (1, 0, 0);
            }
            return self.request_block(p, now, t, Block { num: 0, more: false, szx: s.szx });
        }
        let done = s.done as usize;
        let need = done + payload.len();
        let fits = if s.len == 0 {
            // RFC 7959 §4: with Size2, room for the whole body at once.
            let want = m.uint_option(OptionNumber::SIZE2).map_or(0, |v| v as usize).max(need);
            self.body_alloc(p, t, want) || self.body_alloc(p, t, need)
        } else {
            self.body_reserve(p, t, need)
        };
        if !fits {
            return self.transfer_failed(p, now, t, TransferError::BodyTooLarge);
        }
        let s = p.transfers.get(t).copied().ok_or(Discarded::Unmatched)?;
        if let Some(dst) = p.body.get_mut(s.offset as usize + done..s.offset as usize + need) {
            dst.copy_from_slice(payload);
        }
        if let Some(x) = p.transfers.get_mut(t) {
            x.done = need as u32;
            x.retries = 0;
        }
        if b.more {
            // Late negotiation (RFC 7959 §2.4): the server's size, or ours when smaller; NUM
            // counts in that size from where the body ends.
            let szx = b.szx.min(s.szx);
            let num = u32::try_from(need / size(szx) as usize).unwrap_or(u32::MAX);
            let next = Block { num, more: false, szx };
            if !next.is_valid() {
                return self.transfer_failed(p, now, t, TransferError::InvalidBlock);
            }
            return self.request_block(p, now, t, next);
        }
        self.download_complete(p, now, from, m, t)
    }

    /// Asks for Block2 block `b` on the download's exchange.
    fn request_block<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        t: usize,
        b: Block,
    ) -> Result<(), Discarded> {
        let x = p.transfers.get(t).map_or(usize::MAX, |s| s.exchange as usize);
        if let Some(s) = p.transfers.get_mut(t) {
            s.block = b.to_uint();
        }
        if !self.write_download_request(p, x, x, b) {
            return self.transfer_failed(p, now, t, TransferError::BodyTooLarge);
        }
        self.restart_block(p, now, x);
        Ok(())
    }

    /// The last block is in: the whole response (the last block's header and options, Block2
    /// removed; a notification's Observe put back) goes to the application in one event.
    fn download_complete<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        t: usize,
    ) -> Result<(), Discarded> {
        const SKIP: [OptionNumber; 2] = [OptionNumber::BLOCK2, OptionNumber::OBSERVE];
        let s = p.transfers.get(t).copied().ok_or(Discarded::Unmatched)?;
        let (x, parent) = (s.exchange as usize, s.parent as usize);
        let Some(owner) = p.exchanges.get(parent).copied().filter(|e| e.generation == s.parent_generation) else {
            self.detach(p, t);
            self.free_transfer(p, t);
            self.finish(p, now, x);
            return Ok(());
        };
        let mut splice = Splice::of(m, &SKIP);
        if s.outcome != Outcome::Response {
            splice.extra.uint(OptionNumber::OBSERVE, s.observe);
        }
        let body_len = s.done as usize;
        let prefix = splice.prefix_len(owner.token().len(), body_len);
        let need = prefix + body_len;
        if (s.len as usize) < need && !self.body_grow(p, t, need - s.len as usize) {
            return self.transfer_failed(p, now, t, TransferError::BodyTooLarge);
        }
        self.body_shrink(p, t, need);
        let s = p.transfers.get(t).copied().ok_or(Discarded::Unmatched)?;
        let region = p.body.get_mut(s.offset as usize..s.offset as usize + need).unwrap_or(&mut []);
        region.copy_within(0..body_len.min(region.len()), prefix.min(region.len()));
        let head = (m.message_type(), m.message_id(), owner.token());
        let layout = match splice.write_prefix(head, body_len, region) {
            Ok(_) => Message::new_checked(&*region).ok().map(|r| r.layout()),
            Err(_) => None,
        };
        let Some(layout) = layout else { return self.transfer_failed(p, now, t, TransferError::InvalidBlock) };
        let kind = match s.outcome {
            Outcome::Notification => EKind::NotificationReceived,
            Outcome::Response => EKind::ResponseReceived { observing: false },
            Outcome::FirstNotification => EKind::ResponseReceived { observing: true },
        };
        self.push_body_event(p, from, kind, (parent as u32, s.parent_generation), t as u16, layout)
            .map_err(Discarded::Full)?;
        self.detach(p, t);
        self.finish(p, now, x);
        Ok(())
    }

    /// Unlinks transfer `t` from its exchange (which then ends without taking it along).
    pub(crate) fn detach<P: Copy>(&mut self, p: &mut Parts<'_, P>, t: usize) {
        let Some(s) = p.transfers.get(t).copied() else { return };
        if let Some(e) = p.exchanges.get_mut(s.exchange as usize) {
            if e.transfer == t as u16 {
                e.transfer = NO_TRANSFER;
            }
        }
        if let Some(x) = p.transfers.get_mut(t) {
            x.exchange = u32::MAX;
        }
    }

    /// Ends transfer `t` with [`Event::TransferFailed`](super::Event::TransferFailed) for its
    /// request (the caller checked `event_room`): a plain request ends, a registration goes on.
    pub(crate) fn transfer_failed<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        t: usize,
        reason: TransferError,
    ) -> Result<(), Discarded> {
        let Some(s) = p.transfers.get(t).copied() else { return Err(Discarded::Unmatched) };
        let x = s.exchange as usize;
        if let Some(peer) = s.peer {
            let _ = self.report_failure(p, (s.parent as usize, s.parent_generation), peer, reason);
        }
        self.detach(p, t);
        self.free_transfer(p, t);
        self.finish(p, now, x);
        Ok(())
    }

    /// Queues `TransferFailed` for request `(slot, generation)` if it is still open.
    fn report_failure<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        (slot, generation): (usize, u16),
        peer: P,
        reason: TransferError,
    ) -> Result<(), Discarded> {
        if p.exchanges.get(slot).is_some_and(|e| e.generation == generation && e.state != XState::Free) {
            self.push_event(p, peer, EKind::TransferFailed(reason), slot as u32, generation, None)
                .map_err(Discarded::Full)?;
        }
        Ok(())
    }

    /// Exchange `i`, which carries a transfer, was given up (RFC 7252 §4.2): its block is
    /// asked for again with a new message id while retries are left (`true`). Otherwise a
    /// fetch ends in `TransferFailed(TimedOut)` (`true`), a plain request in the caller's
    /// `RequestTimedOut` (`false`).
    pub(crate) fn block_give_up<P: Copy + Eq + Hash>(&mut self, p: &mut Parts<'_, P>, now: Instant, i: usize) -> bool {
        let Some(e) = p.exchanges.get(i).copied() else { return false };
        let t = usize::from(e.transfer);
        let Some(s) = p.transfers.get(t).copied() else { return false };
        if s.retries < self.config.block_retries {
            if let Some(x) = p.transfers.get_mut(t) {
                x.retries += 1;
            }
            self.restart_block(p, now, i);
            return true;
        }
        if s.parent as usize == i {
            return false;
        }
        if self.event_room(p, None).is_err() {
            // No room for the event: try again at the next call.
            return true;
        }
        let _ = self.transfer_failed(p, now, t, TransferError::TimedOut);
        true
    }

    /// For exchange `i` carrying a notification's fetch: the registration it reports to.
    pub(crate) fn fetch_parent<P>(p: &Parts<'_, P>, i: usize) -> Option<(usize, u16)> {
        let e = p.exchanges.get(i)?;
        let s = p.transfers.get(usize::from(e.transfer))?;
        (s.parent as usize != i).then_some((s.parent as usize, s.parent_generation))
    }

    /// Ends the fetches of registration `i` (it was cancelled).
    pub(crate) fn end_fetches<P: Copy + Eq + Hash>(&mut self, p: &mut Parts<'_, P>, i: usize) {
        for t in 0..p.transfers.len() {
            let Some(s) = p.transfers.get(t).copied() else { continue };
            if s.role == Role::Download && s.parent as usize == i && s.exchange as usize != i && !s.pinned {
                let x = s.exchange as usize;
                self.detach(p, t);
                self.free_transfer(p, t);
                self.free_exchange(p, x);
            }
        }
    }
}
