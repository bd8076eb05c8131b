//! The client side of block-wise transfers over a session (RFC 7959 as RFC 8323 §6 adapts it):
//!
//! - **Upload** (RFC 7959 §2.5): a request over the peer's Max-Message-Size goes in Block1
//!   blocks, each as large as the peer's Max-Message-Size allows (BERT: several 1024-byte units,
//!   RFC 8323 §6); the next leaves on the 2.31 that acknowledges the last, in the server's SZX
//!   if smaller; a 4.13 with a smaller Block1 restarts in that size (§2.9.3). When the answer
//!   comes in Block2 blocks (§3.3) the exchange goes on as a download.
//! - **Download** (§2.4): a 2.xx with Block2 and M set makes the session ask for the next block
//!   itself (the kept request, Block2 NUM+1), then one event with the whole body. An ETag
//!   change restarts from block 0 once, then fails.
//! - **Observe** (§3.4): a notification with Block2 and M set: the rest is fetched with plain
//!   GETs (no Observe) on a fresh token, then one notification with the whole body.
//!
//! There is no retransmission here: the transport delivers every block once, in order.

use super::core::{Core, Flow, QueueError};
use super::storage::{EKind, ExchangeSlot, Parts, XKind, XState};
use super::transfer::{unit, Outcome, Role, TransferSlot, BERT, NO_TRANSFER};
use crate::blockwise::{block_of, size, stored, Extra, Splice};
use crate::endpoint::{RequestError, RequestHandle, TransferError};
use crate::time::Instant;
use crate::wire::tcp::TcpMessage;
use crate::wire::{decode_uint, Block, Code, Message, MessageBuilder, MessageId, MessageType, OptionNumber};

/// What a block of an upload leaves out of the whole request (the last keeps the
/// application's Block2, its size wish for the answer, RFC 7959 §3.3).
const UPLOAD_SKIP: [OptionNumber; 3] = [OptionNumber::BLOCK1, OptionNumber::SIZE1, OptionNumber::BLOCK2];
const LAST_SKIP: [OptionNumber; 2] = [OptionNumber::BLOCK1, OptionNumber::SIZE1];
/// What a request for the next Block2 block leaves out of the request it copies.
const DOWNLOAD_SKIP: [OptionNumber; 4] =
    [OptionNumber::OBSERVE, OptionNumber::BLOCK2, OptionNumber::BLOCK1, OptionNumber::SIZE1];

/// The Block option `n` of a stream message.
pub(crate) fn block_in(m: &TcpMessage<'_>, n: OptionNumber) -> Option<Block> {
    m.options().find(|o| o.number == n).and_then(|o| Block::decode(o.value))
}

/// A uint option of a stream message.
pub(crate) fn uint_in(m: &TcpMessage<'_>, n: OptionNumber) -> Option<u32> {
    m.options().find(|o| o.number == n).and_then(|o| decode_uint(o.value))
}

fn request_error(e: QueueError, max: u32) -> RequestError {
    match e {
        QueueError::TooLarge(required) => RequestError::TooLarge { required, max },
        QueueError::Full => RequestError::StoreFull,
    }
}

impl Core {
    /// Sends `b` (token set) in Block1 blocks on exchange `i` (RFC 7959 §2.5): the whole
    /// request is kept in the body store, its options (no payload) in the exchange store.
    pub(crate) fn request_upload<const N: usize>(
        &mut self,
        p: &mut Parts<'_>,
        now: Instant,
        i: usize,
        (token, token_len): ([u8; 8], u8),
        b: &MessageBuilder<'_, N>,
    ) -> Result<RequestHandle, RequestError> {
        let tok = token.get(..usize::from(token_len)).unwrap_or(&[]);
        let t = self.upload_slot(p, i, b.encoded_len_with_token(tok.len()))?;
        let region = p.transfers.get(t).map_or(0..0, |x| x.offset as usize..(x.offset + x.len) as usize);
        if let Some(Err(e)) =
            p.body.get_mut(region).map(|out| b.encode_as(MessageType::Confirmable, MessageId(0), tok, out))
        {
            self.free_transfer(p, t);
            return Err(RequestError::Encode(e));
        }
        self.upload_start(p, now, i, (token, token_len), t, false)
    }

    /// A request held until the peer's CSM (exchange `i`, kept whole in the exchange store)
    /// goes in Block1 blocks: moved to the body store, then as [`request_upload`](Self::request_upload).
    pub(crate) fn upload_held(&mut self, p: &mut Parts<'_>, now: Instant, i: usize) -> Result<(), RequestError> {
        let e = p.exchanges.get(i).copied().ok_or(RequestError::UnknownRequest)?;
        let t = self.upload_slot(p, i, e.len as usize)?;
        let at = p.transfers.get(t).map_or(0, |x| x.offset as usize);
        let (src, dst) = (e.offset as usize..(e.offset + e.len) as usize, at..at + e.len as usize);
        if let (Some(s), Some(d)) = (p.store.get(src), p.body.get_mut(dst)) {
            d.copy_from_slice(s);
        }
        self.free_registration(p, i);
        self.upload_start(p, now, i, (e.token, e.token_len), t, true).map(|_| ())
    }

    /// A transfer slot for an upload on exchange `i` with a body region of `len` bytes.
    fn upload_slot(&mut self, p: &mut Parts<'_>, i: usize, len: usize) -> Result<usize, RequestError> {
        let t = Self::free_transfer_slot(p).ok_or(RequestError::TransfersFull)?;
        if let Some(x) = p.transfers.get_mut(t) {
            *x = TransferSlot {
                role: Role::Upload,
                generation: x.generation,
                exchange: i as u32,
                ..TransferSlot::EMPTY
            };
        }
        if !self.body_alloc(p, t, len) {
            self.free_transfer(p, t);
            return Err(RequestError::BodyTooLarge);
        }
        Ok(t)
    }

    /// Upload `t` (the whole request in its region) starts on exchange `i`: the request less
    /// its payload kept in the exchange store, a Request-Tag chosen, block 0 queued. `held`:
    /// block 0 may wait for room in the transmit store (the application is not there to retry).
    fn upload_start(
        &mut self,
        p: &mut Parts<'_>,
        now: Instant,
        i: usize,
        (token, token_len): ([u8; 8], u8),
        t: usize,
        held: bool,
    ) -> Result<RequestHandle, RequestError> {
        let tok = token.get(..usize::from(token_len)).unwrap_or(&[]);
        let region = p.transfers.get(t).map_or(0..0, |x| x.offset as usize..(x.offset + x.len) as usize);
        // The request without its payload, for the Block2 requests of a sliced answer (§3.3).
        let (code, options, _) = match p.body.get(region).and_then(stored) {
            Some(parts) => parts,
            None => {
                self.free_transfer(p, t);
                return Err(RequestError::StoreFull);
            }
        };
        // RFC 9175 §3.3: concurrent bodies to one resource are told apart by Request-Tag (the
        // server keys reassemblies by cache key, Request-Tag included). The first upload goes
        // untagged; each concurrent one gets a tag no other upload uses, unless the
        // application tagged it.
        let tagged = options.clone().any(|o| o.number == OptionNumber::REQUEST_TAG);
        let concurrent = p.transfers.iter().enumerate().any(|(x, s)| x != t && s.role == Role::Upload);
        let mut tag = 0;
        while concurrent && !tagged && (tag == 0 || p.transfers.iter().any(|s| s.role == Role::Upload && s.key == tag))
        {
            tag = u32::from(self.rand.next_u64() as u16);
        }
        let s = Splice { code, options, skip: &[], extra: Extra::new(), payload: &[] };
        let n = s.encoded_len(tok.len());
        let kept = self.arena.alloc(p.store, n).ok_or(RequestError::StoreFull).and_then(|at| {
            let out = p.store.get_mut(at as usize..at as usize + n).ok_or(RequestError::StoreFull)?;
            match s.encode((MessageType::Confirmable, MessageId(0), tok), out) {
                Ok(_) => Ok(at),
                Err(e) => {
                    self.arena.used = at;
                    Err(RequestError::Encode(e))
                }
            }
        });
        let offset = match kept {
            Ok(at) => at,
            Err(e) => {
                self.free_transfer(p, t);
                return Err(e);
            }
        };
        let generation = p.exchanges.get(i).map_or(0, |e| e.generation);
        if let Some(slot) = p.exchanges.get_mut(i) {
            *slot = ExchangeSlot {
                state: XState::Awaiting,
                kind: XKind::Request,
                generation,
                token,
                token_len,
                observe: 0,
                due: now.saturating_add(self.config.response_timeout),
                offset,
                len: n as u32,
                transfer: t as u16,
            };
        }
        let szx = self.our_szx();
        if let Some(x) = p.transfers.get_mut(t) {
            (x.parent, x.parent_generation, x.key) = (i as u32, generation, tag);
        }
        let max = self.peer_max;
        match self.send_upload_block(p, t, 0, szx) {
            Ok(()) => {}
            Err(QueueError::Full) if held && self.tx.front().is_some() => {
                if let Some(x) = p.transfers.get_mut(t) {
                    (x.done, x.szx, x.stalled) = (0, szx, true);
                }
            }
            Err(e) => {
                self.free_exchange(p, i);
                return Err(request_error(e, max));
            }
        }
        Ok(RequestHandle { slot: i as u32, generation })
    }

    /// Sends the Block1 block of upload `t` starting at `offset`, in SZX `szx` at most.
    fn send_upload_block(&mut self, p: &mut Parts<'_>, t: usize, offset: u64, szx: u8) -> Result<(), QueueError> {
        let s = p.transfers.get(t).copied().ok_or(QueueError::Full)?;
        let e = p.exchanges.get(s.exchange as usize).copied().ok_or(QueueError::Full)?;
        let body = core::mem::take(&mut p.body);
        let result = (|| {
            let whole = body.get(s.offset as usize..(s.offset + s.len) as usize).ok_or(QueueError::Full)?;
            let (code, options, payload) = stored(whole).ok_or(QueueError::Full)?;
            let total = payload.len() as u64;
            let mut splice = Splice { code, options, skip: &UPLOAD_SKIP, extra: Extra::new(), payload: &[] };
            let extras = |splice: &mut Splice<'_>, block1: u32| {
                splice.extra = Extra::new();
                splice.extra.uint(OptionNumber::BLOCK1, block1);
                if offset == 0 {
                    // RFC 7959 §4: Size1 tells the server the whole size up front.
                    splice.extra.uint(OptionNumber::SIZE1, u32::try_from(total).unwrap_or(u32::MAX));
                }
                if s.key != 0 {
                    // RFC 9175 §3.3: every block of a tagged body carries its Request-Tag.
                    splice.extra.bytes(OptionNumber::REQUEST_TAG, &(s.key as u16).to_be_bytes());
                }
            };
            // The largest Block1 value (3 bytes), for the frame's size before the payload.
            extras(&mut splice, 0xFF_FFFF);
            let overhead = self.frame_len(splice.body_len() + 1, e.token().len());
            let plan = self.plan(szx, offset, total, overhead);
            let (b, n) = plan.ok_or(QueueError::TooLarge(overhead + size(0) as usize))?;
            let start = usize::try_from(offset).map_err(|_| QueueError::Full)?;
            splice.payload = payload.get(start..start + n).ok_or(QueueError::Full)?;
            extras(&mut splice, b.to_uint());
            if !b.more {
                splice.skip = &LAST_SKIP;
            }
            self.queue_splice(p, &splice, e.token())?;
            Ok((b, offset + n as u64))
        })();
        p.body = body;
        let (b, end) = result?;
        if let Some(x) = p.transfers.get_mut(t) {
            x.block = b.to_uint();
            x.done = u32::try_from(end).unwrap_or(u32::MAX);
        }
        Ok(())
    }

    /// The block-wise part of a response to exchange `i`: `Some` when a transfer took it (or
    /// one started), `None` for the usual delivery.
    pub(crate) fn block_response_in(
        &mut self,
        p: &mut Parts<'_>,
        now: Instant,
        (m, body): (&TcpMessage<'_>, &[u8]),
        i: usize,
        kind: EKind,
    ) -> Option<Flow> {
        let e = p.exchanges.get(i).copied()?;
        if e.transfer != NO_TRANSFER {
            let t = usize::from(e.transfer);
            return match p.transfers.get(t)?.role {
                Role::Download => Some(self.download_in(p, now, m, t)),
                Role::Upload => Some(self.upload_in(p, now, (m, body), t)),
                _ => None,
            };
        }
        if !self.config.block_wise_transfer || e.len == 0 {
            return None;
        }
        let b2 = block_in(m, OptionNumber::BLOCK2)?;
        if m.code().class() != 2 || !b2.more || b2.num != 0 || (b2.szx == BERT && !self.bert()) {
            return None;
        }
        // The application's own Block options: it drives the transfer itself.
        let req = Message::new_checked(p.store.get(e.offset as usize..(e.offset + e.len) as usize)?).ok()?;
        if req.option(OptionNumber::BLOCK1).is_some()
            || req.option(OptionNumber::BLOCK2).and_then(Block::decode).is_some_and(|b| b.num > 0)
        {
            return None;
        }
        let fetch = matches!(kind, EKind::NotificationReceived | EKind::ResponseReceived { observing: true });
        if fetch && !self.event_room(p, 1, None) {
            return Some(Flow::Blocked);
        }
        // Without a transfer slot (or an exchange for the fetch) the first block is delivered as
        // it is, Block2 and all.
        let t = Self::free_transfer_slot(p)?;
        let x = if fetch { self.open_fetch(p, now, i)? } else { i };
        let outcome = match kind {
            _ if !fetch => Outcome::Response,
            EKind::NotificationReceived => Outcome::Notification,
            _ => Outcome::FirstNotification,
        };
        if fetch {
            // RFC 7959 §3.4: a newer notification replaces a fetch still running.
            let old = p
                .transfers
                .iter()
                .position(|s| s.role == Role::Download && s.parent == i as u32 && s.exchange != i as u32 && !s.pinned);
            if let Some(old) = old {
                let ox = p.transfers.get(old).map_or(usize::MAX, |s| s.exchange as usize);
                self.free_transfer(p, old);
                self.free_exchange(p, ox);
            }
            if let Some(r) = p.exchanges.get_mut(i) {
                (r.observe, r.state) = (2, XState::Observing);
            }
        }
        let observe = uint_in(m, OptionNumber::OBSERVE).unwrap_or(0);
        let szx = self.our_szx();
        if let Some(s) = p.transfers.get_mut(t) {
            *s = TransferSlot {
                role: Role::Download,
                generation: s.generation,
                exchange: x as u32,
                parent: i as u32,
                parent_generation: e.generation,
                szx,
                outcome,
                observe,
                ..TransferSlot::EMPTY
            };
        }
        if let Some(slot) = p.exchanges.get_mut(x) {
            slot.transfer = t as u16;
        }
        Some(self.download_in(p, now, m, t))
    }

    /// A new exchange for fetching the rest of registration `i`'s notification: a fresh token
    /// (RFC 7959 §3.4).
    fn open_fetch(&mut self, p: &mut Parts<'_>, now: Instant, i: usize) -> Option<usize> {
        let x = p.exchanges.iter().position(|e| e.state == XState::Free)?;
        let _ = p.exchanges.get(i)?;
        let (token, token_len) = self.token(p.exchanges);
        let slot = p.exchanges.get_mut(x)?;
        *slot = ExchangeSlot {
            state: XState::Awaiting,
            kind: XKind::Request,
            generation: slot.generation,
            token,
            token_len,
            due: now.saturating_add(self.config.response_timeout),
            ..ExchangeSlot::EMPTY
        };
        Some(x)
    }

    /// Asks for Block2 block `b` on download `t`'s exchange, copying the kept request of its
    /// parent (the exchange itself, or the registration) without Observe and Block options.
    fn request_block(&mut self, p: &mut Parts<'_>, now: Instant, t: usize, b: Block) -> Result<(), QueueError> {
        let s = p.transfers.get(t).copied().ok_or(QueueError::Full)?;
        let x = p.exchanges.get(s.exchange as usize).copied().ok_or(QueueError::Full)?;
        let src = p.exchanges.get(s.parent as usize).copied().ok_or(QueueError::Full)?;
        let store = core::mem::take(&mut p.store);
        let result = (|| {
            let kept = store.get(src.offset as usize..(src.offset + src.len) as usize).ok_or(QueueError::Full)?;
            let (code, options, payload) = stored(kept).ok_or(QueueError::Full)?;
            let mut splice = Splice { code, options, skip: &DOWNLOAD_SKIP, extra: Extra::new(), payload };
            if code != Code::FETCH {
                splice.payload = &[];
            }
            splice.extra.uint(OptionNumber::BLOCK2, b.to_uint());
            self.queue_splice(p, &splice, x.token())
        })();
        p.store = store;
        result?;
        if let Some(s) = p.transfers.get_mut(t) {
            s.block = b.to_uint();
        }
        if let Some(e) = p.exchanges.get_mut(s.exchange as usize) {
            e.due = now.saturating_add(self.config.response_timeout);
        }
        Ok(())
    }

    /// A response on a download's exchange: the next block (RFC 7959 §2.4, RFC 8323 §6).
    fn download_in(&mut self, p: &mut Parts<'_>, now: Instant, m: &TcpMessage<'_>, t: usize) -> Flow {
        let Some(s) = p.transfers.get(t).copied() else { return Flow::Taken };
        let code = m.code();
        let b2 = block_in(m, OptionNumber::BLOCK2);
        let completes = code.class() != 2 || b2.map_or(true, |b| !b.more);
        if completes && !self.event_room(p, 1, None) {
            return Flow::Blocked;
        }
        if code.class() != 2 {
            return self.transfer_failed(p, t, TransferError::Rejected(code));
        }
        let Some(b) = b2.filter(|b| b.szx != BERT || self.bert()) else {
            return self.transfer_failed(p, t, TransferError::InvalidBlock);
        };
        let payload = m.payload();
        let u = unit(b.szx) as usize;
        // RFC 7959 §2.3, RFC 8323 §6: a block with M set carries exactly its size (BERT: a
        // multiple of 1024); none carries more.
        let bad_size = if b.szx == BERT {
            b.more && (payload.is_empty() || payload.len() % u != 0)
        } else {
            (b.more && payload.len() != u) || payload.len() > u
        };
        if bad_size || u64::from(b.num) * u as u64 != u64::from(s.done) {
            return self.transfer_failed(p, t, TransferError::InvalidBlock);
        }
        // RFC 7959 §2.4: the blocks of one representation carry one ETag.
        let etag = m.options().find(|o| o.number == OptionNumber::ETAG).map_or(&[][..], |o| o.value);
        if s.done == 0 {
            if let Some(x) = p.transfers.get_mut(t) {
                x.set_etag(etag);
            }
        } else if etag != s.etag() {
            if s.restarts > 0 {
                return self.transfer_failed(p, t, TransferError::EtagChanged);
            }
            self.body_shrink(p, t, 0);
            if let Some(x) = p.transfers.get_mut(t) {
                (x.restarts, x.done) = (1, 0);
            }
            return self.next_block(p, now, t, Block { num: 0, more: false, szx: s.szx });
        }
        let done = s.done as usize;
        let need = done + payload.len();
        let fits = if s.len == 0 {
            // RFC 7959 §4: with Size2, room for the whole body at once.
            let want = uint_in(m, OptionNumber::SIZE2).map_or(0, |v| v as usize).max(need);
            self.body_alloc(p, t, want) || self.body_alloc(p, t, need)
        } else {
            self.body_reserve(p, t, need)
        };
        if !fits {
            return self.transfer_failed(p, t, TransferError::BodyTooLarge);
        }
        let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
        if let Some(dst) = p.body.get_mut(s.offset as usize + done..s.offset as usize + need) {
            dst.copy_from_slice(payload);
        }
        if let Some(x) = p.transfers.get_mut(t) {
            x.done = need as u32;
        }
        if b.more {
            // Late negotiation (RFC 7959 §2.4): the server's size, or ours when smaller.
            let szx = b.szx.min(s.szx);
            let num = u32::try_from(need / unit(szx) as usize).unwrap_or(u32::MAX);
            return self.next_block(p, now, t, Block { num, more: false, szx });
        }
        self.download_complete(p, m, t)
    }

    fn next_block(&mut self, p: &mut Parts<'_>, now: Instant, t: usize, b: Block) -> Flow {
        if !b.is_valid() {
            return self.transfer_failed(p, t, TransferError::InvalidBlock);
        }
        match self.request_block(p, now, t, b) {
            Ok(()) => Flow::Taken,
            // No room in the transmit store now: the request waits for `poll_transmit` to drain
            // it (backpressure, not failure).
            Err(QueueError::Full) if self.tx.front().is_some() => {
                if let Some(s) = p.transfers.get_mut(t) {
                    (s.block, s.stalled) = (b.to_uint(), true);
                }
                Flow::Taken
            }
            // Larger than the peer's Max-Message-Size, or than the whole transmit store.
            Err(_) => self.transfer_failed(p, t, TransferError::BodyTooLarge),
        }
    }

    /// Sends the block requests that waited for room in the transmit store (in slot order);
    /// called by `poll_transmit`. One that can never fit (the store is empty and it still
    /// does not) fails its transfer once there is room for the event.
    pub(crate) fn resume_stalled(&mut self, p: &mut Parts<'_>, now: Instant) {
        for t in 0..p.transfers.len() {
            let Some(s) = p.transfers.get(t).copied().filter(|s| s.stalled) else { continue };
            if let Some(x) = p.transfers.get_mut(t) {
                x.stalled = false;
            }
            let sent = match s.role {
                Role::Download => self.request_block(p, now, t, block_of(s.block)),
                Role::Upload => self.send_upload_block(p, t, u64::from(s.done), s.szx).map(|()| {
                    if let Some(e) = p.exchanges.get_mut(s.exchange as usize) {
                        e.due = now.saturating_add(self.config.response_timeout);
                    }
                }),
                _ => Ok(()),
            };
            match sent {
                Ok(()) => {}
                Err(QueueError::Full) if self.tx.front().is_some() || !self.event_room(p, 1, None) => {
                    if let Some(x) = p.transfers.get_mut(t) {
                        x.stalled = true;
                    }
                }
                Err(_) => {
                    let _ = self.transfer_failed(p, t, TransferError::BodyTooLarge);
                }
            }
        }
    }

    /// The last block is in: the whole response (the last block's options, Block2 removed; a
    /// notification's Observe put back) goes to the application in one event.
    fn download_complete(&mut self, p: &mut Parts<'_>, m: &TcpMessage<'_>, t: usize) -> Flow {
        const SKIP: [OptionNumber; 2] = [OptionNumber::BLOCK2, OptionNumber::OBSERVE];
        let Some(s) = p.transfers.get(t).copied() else { return Flow::Taken };
        let (x, parent) = (s.exchange as usize, s.parent as usize);
        let Some(owner) = p.exchanges.get(parent).copied().filter(|e| e.generation == s.parent_generation) else {
            self.free_transfer(p, t);
            return Flow::Taken;
        };
        let mut splice =
            Splice { code: m.code(), options: m.options(), skip: &SKIP, extra: Extra::new(), payload: &[] };
        if s.outcome != Outcome::Response {
            splice.extra.uint(OptionNumber::OBSERVE, s.observe);
        }
        let body_len = s.done as usize;
        let prefix = splice.prefix_len(owner.token().len(), body_len);
        let need = prefix + body_len;
        if !self.body_reserve(p, t, need) {
            return self.transfer_failed(p, t, TransferError::BodyTooLarge);
        }
        self.body_shrink(p, t, need);
        let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
        let region = p.body.get_mut(s.offset as usize..s.offset as usize + need).unwrap_or(&mut []);
        region.copy_within(0..body_len.min(region.len()), prefix.min(region.len()));
        // Responses read as ACK with message id 0, as every message of a session does.
        let head = (MessageType::Acknowledgement, MessageId(0), owner.token());
        let layout = match splice.write_prefix(head, body_len, region) {
            Ok(_) => Message::new_checked(&*region).ok().map(|r| r.layout()),
            Err(_) => None,
        };
        let Some(layout) = layout else { return self.transfer_failed(p, t, TransferError::InvalidBlock) };
        let kind = match s.outcome {
            Outcome::Response => EKind::ResponseReceived { observing: false },
            Outcome::FirstNotification => EKind::ResponseReceived { observing: true },
            Outcome::Notification => EKind::NotificationReceived,
        };
        if !self.push_body_event(p, kind, (parent as u32, s.parent_generation), t, layout) {
            return Flow::Blocked;
        }
        if let Some(e) = p.exchanges.get_mut(x) {
            e.transfer = NO_TRANSFER;
        }
        if let Some(s) = p.transfers.get_mut(t) {
            (s.exchange, s.parent) = (u32::MAX, u32::MAX);
        }
        // A plain download ends its request; a fetch ends its own exchange, the registration
        // goes on.
        self.free_exchange(p, x);
        Flow::Taken
    }

    /// Ends transfer `t` with `TransferFailed` for its request (the caller checked the event
    /// room): a plain request ends, a registration goes on.
    pub(crate) fn transfer_failed(&mut self, p: &mut Parts<'_>, t: usize, reason: TransferError) -> Flow {
        let Some(s) = p.transfers.get(t).copied() else { return Flow::Taken };
        let x = s.exchange as usize;
        let parent = s.parent as usize;
        if p.exchanges.get(parent).is_some_and(|e| e.generation == s.parent_generation && e.state != XState::Free) {
            let _ = self.push_event(p, EKind::TransferFailed(reason), (parent as u32, s.parent_generation), None);
        }
        self.free_transfer(p, t);
        self.free_exchange(p, x);
        Flow::Taken
    }

    /// A response on an upload's exchange (RFC 7959 §2.5, §2.9).
    fn upload_in(&mut self, p: &mut Parts<'_>, now: Instant, (m, body): (&TcpMessage<'_>, &[u8]), t: usize) -> Flow {
        let Some(s) = p.transfers.get(t).copied() else { return Flow::Taken };
        let x = s.exchange as usize;
        let sent = block_of(s.block);
        let code = m.code();
        let b1 = block_in(m, OptionNumber::BLOCK1);
        if let (2, Some(b), true) = (code.class(), b1, sent.more) {
            // RFC 7959 §2.9.1: the block is in; the next in the server's size if smaller.
            let szx = if b.szx == BERT && sent.szx == BERT { BERT } else { sent.szx.min(b.szx.min(6)) };
            return self.upload_next(p, now, t, u64::from(s.done), szx);
        }
        if code == Code::REQUEST_ENTITY_TOO_LARGE && s.restarts < 2 {
            // RFC 7959 §2.9.3: a Block1 in the 4.13 gives a block size the server can take.
            if let Some(szx) = b1.map(|b| b.szx).filter(|&z| z < sent.szx) {
                if let Some(x) = p.transfers.get_mut(t) {
                    x.restarts += 1;
                }
                return self.upload_next(p, now, t, 0, szx);
            }
        }
        if let (2, false, Some(b2)) = (code.class(), sent.more, block_in(m, OptionNumber::BLOCK2)) {
            if b2.more && b2.num == 0 && (b2.szx != BERT || self.bert()) {
                // RFC 7959 §3.3: the answer comes in blocks as well; the same exchange fetches
                // them with the request less its payload (kept in the exchange store).
                self.body_shrink(p, t, 0);
                let szx = self.our_szx();
                if let Some(s) = p.transfers.get_mut(t) {
                    (s.role, s.done, s.szx, s.restarts) = (Role::Download, 0, szx, 0);
                }
                return self.download_in(p, now, m, t);
            }
        }
        self.final_response(p, m, body, x, s)
    }

    fn upload_next(&mut self, p: &mut Parts<'_>, now: Instant, t: usize, offset: u64, szx: u8) -> Flow {
        if !self.event_room(p, 1, None) {
            return Flow::Blocked;
        }
        match self.send_upload_block(p, t, offset, szx) {
            Ok(()) => {}
            // Backpressure: the block waits for `poll_transmit` to make room.
            Err(QueueError::Full) if self.tx.front().is_some() => {
                if let Some(s) = p.transfers.get_mut(t) {
                    (s.done, s.szx, s.stalled) = (u32::try_from(offset).unwrap_or(u32::MAX), szx, true);
                }
                return Flow::Taken;
            }
            Err(_) => return self.transfer_failed(p, t, TransferError::BodyTooLarge),
        }
        let x = p.transfers.get(t).map_or(usize::MAX, |s| s.exchange as usize);
        if let Some(e) = p.exchanges.get_mut(x) {
            e.due = now.saturating_add(self.config.response_timeout);
        }
        Flow::Taken
    }
}

impl Core {
    /// The final response of an upload: one event for the request, then the exchange ends.
    fn final_response(
        &mut self,
        p: &mut Parts<'_>,
        m: &TcpMessage<'_>,
        body: &[u8],
        x: usize,
        s: TransferSlot,
    ) -> Flow {
        let incoming =
            super::core::Incoming { first: 0x60 | m.token().len() as u8, code: m.code(), token: m.token(), body };
        let kind = EKind::ResponseReceived { observing: false };
        match self.push_event(p, kind, (s.parent, s.parent_generation), Some(&incoming)) {
            Ok(true) | Err(_) => {}
            Ok(false) => return Flow::Blocked,
        }
        self.free_exchange(p, x);
        Flow::Taken
    }
}
