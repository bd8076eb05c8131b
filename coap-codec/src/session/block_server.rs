//! The server side of block-wise transfers over a session (RFC 7959 as RFC 8323 §6 adapts it):
//! Block1 reassembly with 2.31 Continue, 4.08 and 4.13 (RFC 7959 §2.5, §2.9); answers and
//! notifications over the peer's Max-Message-Size kept and sliced into Block2 blocks (§2.4,
//! §3.4), later blocks served from the kept body without the application.

use super::block_client::{block_in, uint_in};
use super::core::{Core, Flow, QueueError};
use super::storage::{Parts, NONE};
use super::transfer::{unit, Role, TransferSlot, BERT};
use crate::blockwise::{cache_key_of, derived_etag, stored, Extra, Splice};
use crate::endpoint::{RespondError, Table};
use crate::wire::tcp::TcpMessage;
use crate::wire::{Block, Code, EncodeError, Layout, Message, MessageBuilder, MessageId, MessageType, OptionNumber};

/// Room kept for a body's header, token and options in the 4.13 Size1 we announce.
const PREFIX_ROOM: usize = 128;

/// What a reassembled request leaves out of its last block.
const REASSEMBLED_SKIP: [OptionNumber; 2] = [OptionNumber::BLOCK1, OptionNumber::SIZE1];

/// A reassembled request, ready for its event.
pub(crate) struct Reassembled {
    pub(crate) transfer: usize,
    pub(crate) layout: Layout,
    pub(crate) block1: u32,
}

/// What [`Core::block_request_in`] did with a request.
pub(crate) enum BlockIn {
    /// Answered here (or must wait for room).
    Done(Flow),
    /// The last Block1 block: the whole request is in transfer `t`'s region.
    Whole(Reassembled),
}

impl Core {
    /// The block-wise part of a new request: `Some` when it was handled here (a Block1 block,
    /// or a later Block2 block of a kept body), `None` to go on to the application.
    pub(crate) fn block_request_in(&mut self, p: &mut Parts<'_>, m: &TcpMessage<'_>) -> Option<BlockIn> {
        if !self.config.block_wise_transfer {
            return None;
        }
        let (b1, b2) = (block_in(m, OptionNumber::BLOCK1), block_in(m, OptionNumber::BLOCK2));
        if b1.is_none() && b2.is_none() {
            return None;
        }
        // Every answer here is one small frame: room for it first, or nothing changes.
        if !self.tx.fits(p.transmit.len(), 64) {
            return Some(BlockIn::Done(Flow::Blocked));
        }
        let bert_refused = |b: Option<Block>| b.is_some_and(|b| b.szx == BERT) && !self.bert();
        if bert_refused(b1) || bert_refused(b2) {
            // RFC 8323 §6: BERT only where both sides announced it; RFC 7959 §2.2 answers a
            // reserved SZX with 4.00.
            return Some(BlockIn::Done(self.answer(p, m, Code::BAD_REQUEST, None)));
        }
        if let Some(b1) = b1 {
            return Some(self.block1_in(p, m, b1));
        }
        match b2 {
            Some(b2) if b2.num > 0 => self.serve_block2(p, m, b2).map(BlockIn::Done),
            _ => None,
        }
    }

    /// A small answer: `code` and maybe one uint option (RFC 7959 §2.9).
    fn answer(
        &mut self,
        p: &mut Parts<'_>,
        m: &TcpMessage<'_>,
        code: Code,
        option: Option<(OptionNumber, u32)>,
    ) -> Flow {
        match self.queue_code(p, code, m.token(), option) {
            Ok(()) => Flow::Taken,
            Err(_) => Flow::Blocked,
        }
    }

    /// A request carrying Block1 (RFC 7959 §2.5): reassembled here; 2.31 Continue to each
    /// block but the last, whose request reaches the application with the whole body.
    fn block1_in(&mut self, p: &mut Parts<'_>, m: &TcpMessage<'_>, b1: Block) -> BlockIn {
        let payload = m.payload();
        let u = unit(b1.szx) as usize;
        // RFC 7959 §2.3 (RFC 8323 §6 for BERT): a block with M set carries exactly its size, a
        // BERT one a multiple of 1024; none carries more (BERT: as the message allows).
        let bad = if b1.szx == BERT {
            b1.more && (payload.is_empty() || payload.len() % u != 0)
        } else {
            (b1.more && payload.len() != u) || payload.len() > u
        };
        let offset = (b1.num as usize).checked_mul(u);
        let Some(offset) = offset.filter(|_| !bad) else {
            return BlockIn::Done(self.answer(p, m, Code::BAD_REQUEST, None));
        };
        if !b1.more && (!self.event_room(p, 1, None) || !p.requests.iter().any(|r| !r.used)) {
            return BlockIn::Done(Flow::Blocked);
        }
        let key = cache_key_of(m.code(), m.options());
        let found = p.transfers.iter().position(|t| t.role == Role::Reassembly && t.key == key && !t.pinned);
        // 4.13 Size1 (RFC 7959 §2.9.3, §4): the largest body we can take in.
        let capacity = p.body.len().saturating_sub(PREFIX_ROOM);
        let too_large = Some((OptionNumber::SIZE1, u32::try_from(capacity).unwrap_or(u32::MAX)));
        let t = match found {
            Some(t) if b1.num > 0 => t,
            _ if b1.num == 0 => {
                if let Some(old) = found {
                    // A new body under the same key restarts the reassembly.
                    self.free_transfer(p, old);
                }
                if uint_in(m, OptionNumber::SIZE1).is_some_and(|s| s as usize > capacity) {
                    return BlockIn::Done(self.answer(p, m, Code::REQUEST_ENTITY_TOO_LARGE, too_large));
                }
                self.evict_for(p, 0);
                let Some(t) = Self::free_transfer_slot(p) else {
                    // Our choice, as the endpoint: every slot busy is temporary, so 5.03
                    // (RFC 7252 §5.9.3.4) rather than 4.13, which RFC 7959 §2.9.3 ties to size.
                    return BlockIn::Done(self.answer(p, m, Code::SERVICE_UNAVAILABLE, None));
                };
                if let Some(x) = p.transfers.get_mut(t) {
                    *x = TransferSlot { role: Role::Reassembly, generation: x.generation, key, ..TransferSlot::EMPTY };
                }
                let want = uint_in(m, OptionNumber::SIZE1).map_or(payload.len(), |s| s as usize);
                self.evict_for(p, want.max(payload.len()));
                if !self.body_alloc(p, t, want.max(payload.len())) && !self.body_alloc(p, t, payload.len()) {
                    self.free_transfer(p, t);
                    return BlockIn::Done(self.answer(p, m, Code::REQUEST_ENTITY_TOO_LARGE, too_large));
                }
                t
            }
            // RFC 7959 §2.9.2: a block of a body we have no start of.
            _ => return BlockIn::Done(self.answer(p, m, Code::REQUEST_ENTITY_INCOMPLETE, None)),
        };
        let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
        let done = s.done as usize;
        if offset != done {
            // RFC 7959 §2.9.2: a block is missing (the stream loses none, so the client skipped
            // one). The partial body is dropped.
            self.free_transfer(p, t);
            return BlockIn::Done(self.answer(p, m, Code::REQUEST_ENTITY_INCOMPLETE, None));
        }
        let need = done + payload.len();
        if !self.body_reserve(p, t, need) {
            self.free_transfer(p, t);
            return BlockIn::Done(self.answer(p, m, Code::REQUEST_ENTITY_TOO_LARGE, too_large));
        }
        let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
        if let Some(dst) = p.body.get_mut(s.offset as usize + done..s.offset as usize + need) {
            dst.copy_from_slice(payload);
        }
        if let Some(x) = p.transfers.get_mut(t) {
            x.done = need as u32;
        }
        self.renew(p, t);
        if b1.more {
            // RFC 7959 §2.9.1 (RFC 8323 §6: a BERT block is acknowledged with its NUM).
            let reply = Block { num: b1.num, more: true, szx: b1.szx };
            return BlockIn::Done(self.answer(p, m, Code::CONTINUE, Some((OptionNumber::BLOCK1, reply.to_uint()))));
        }
        self.reassembled(p, m, t, b1)
    }

    /// The last block is in: the body becomes a whole request (the last block's header and
    /// options, Block1 and Size1 removed) in the transfer's region.
    fn reassembled(&mut self, p: &mut Parts<'_>, m: &TcpMessage<'_>, t: usize, b1: Block) -> BlockIn {
        let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
        let body_len = s.done as usize;
        let splice =
            Splice { code: m.code(), options: m.options(), skip: &REASSEMBLED_SKIP, extra: Extra::new(), payload: &[] };
        let prefix = splice.prefix_len(m.token().len(), body_len);
        let need = prefix + body_len;
        if !self.body_reserve(p, t, need) {
            self.free_transfer(p, t);
            let size1 = Some((OptionNumber::SIZE1, u32::try_from(body_len).unwrap_or(u32::MAX)));
            return BlockIn::Done(self.answer(p, m, Code::REQUEST_ENTITY_TOO_LARGE, size1));
        }
        self.body_shrink(p, t, need);
        let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
        let region = p.body.get_mut(s.offset as usize..s.offset as usize + need).unwrap_or(&mut []);
        region.copy_within(0..body_len.min(region.len()), prefix.min(region.len()));
        // Requests read as CON with message id 0, as every message of a session does.
        let head = (MessageType::Confirmable, MessageId(0), m.token());
        let layout = match splice.write_prefix(head, body_len, region) {
            Ok(_) => Message::new_checked(&*region).ok().map(|r| r.layout()),
            Err(_) => None,
        };
        match layout {
            Some(layout) => BlockIn::Whole(Reassembled { transfer: t, layout, block1: b1.to_uint() }),
            None => {
                self.free_transfer(p, t);
                BlockIn::Done(self.answer(p, m, Code::BAD_REQUEST, None))
            }
        }
    }

    /// A request for a later Block2 block (RFC 7959 §2.4): served from the body kept under its
    /// cache key, without the application; `None` when no such body is kept (the application
    /// answers, and its answer is sliced: random access works either way).
    fn serve_block2(&mut self, p: &mut Parts<'_>, m: &TcpMessage<'_>, want: Block) -> Option<Flow> {
        let key = cache_key_of(m.code(), m.options());
        let t = p.transfers.iter().position(|t| t.role == Role::Body && t.key == key)?;
        let offset = u64::from(want.num) * u64::from(unit(want.szx));
        let total = stored(Self::body(p, t)).map_or(0, |(_, _, payload)| payload.len()) as u64;
        if offset >= total {
            // Past the end. Our choice, as the endpoint: 4.02 Bad Option.
            return Some(self.answer(p, m, Code::BAD_OPTION, None));
        }
        let szx = want.szx.min(self.our_szx());
        // Config::block_lifetime counts from the last block asked for.
        self.renew(p, t);
        Some(match self.send_body_block(p, t, (offset, szx), m.token(), (NONE, None)) {
            Ok(()) => Flow::Taken,
            Err(_) => Flow::Blocked,
        })
    }

    /// Sends the block of kept body `t` at `offset` (SZX at most `szx`) with `token`, Block1
    /// `block1` unless NONE and Observe `observe` (RFC 7959 §2.4, §3.4; RFC 8323 §6). The body
    /// goes once its last block is out.
    pub(crate) fn send_body_block(
        &mut self,
        p: &mut Parts<'_>,
        t: usize,
        (offset, szx): (u64, u8),
        token: &[u8],
        (block1, observe): (u32, Option<u32>),
    ) -> Result<(), QueueError> {
        const SKIP: [OptionNumber; 2] = [OptionNumber::OBSERVE, OptionNumber::BLOCK2];
        let s = p.transfers.get(t).copied().ok_or(QueueError::Full)?;
        let body = core::mem::take(&mut p.body);
        let result = (|| {
            let whole = body.get(s.offset as usize..(s.offset + s.len) as usize).ok_or(QueueError::Full)?;
            let (code, options, payload) = stored(whole).ok_or(QueueError::Full)?;
            let total = payload.len() as u64;
            let mut splice = Splice { code, options, skip: &SKIP, extra: Extra::new(), payload: &[] };
            let extras = |splice: &mut Splice<'_>, b: u32| {
                splice.extra = Extra::new();
                splice.extra.bytes(OptionNumber::ETAG, s.etag()).uint(OptionNumber::BLOCK2, b);
                if offset == 0 {
                    // RFC 7959 §4: Size2 in the first block.
                    splice.extra.uint(OptionNumber::SIZE2, u32::try_from(total).unwrap_or(u32::MAX));
                }
                if block1 != NONE {
                    splice.extra.uint(OptionNumber::BLOCK1, block1);
                }
                if let Some(seq) = observe {
                    splice.extra.uint(OptionNumber::OBSERVE, seq);
                }
            };
            extras(&mut splice, 0xFF_FFFF);
            let overhead = self.frame_len(splice.body_len() + 1, token.len());
            let (b, n) = self.plan(szx, offset, total, overhead).ok_or(QueueError::TooLarge(overhead + 16))?;
            let start = usize::try_from(offset).map_err(|_| QueueError::Full)?;
            splice.payload = payload.get(start..start + n).ok_or(QueueError::Full)?;
            extras(&mut splice, b.to_uint());
            self.queue_splice(p, &splice, token)?;
            Ok(b)
        })();
        p.body = body;
        if !result?.more {
            self.free_transfer(p, t);
        }
        Ok(())
    }

    /// Keeps `body` (a whole response, no token) under `key`, replacing what was kept under it;
    /// returns its transfer slot.
    pub(crate) fn keep_body<const N: usize>(
        &mut self,
        p: &mut Parts<'_>,
        key: u32,
        body: &MessageBuilder<'_, N>,
    ) -> Result<usize, RespondError> {
        if let Some(old) = p.transfers.iter().position(|t| t.role == Role::Body && t.key == key && !t.pinned) {
            self.free_transfer(p, old);
        }
        let len = body.encoded_len_with_token(0);
        self.evict_for(p, len);
        let t = Self::free_transfer_slot(p).ok_or(RespondError::Full(Table::Transfers))?;
        if let Some(x) = p.transfers.get_mut(t) {
            *x = TransferSlot { role: Role::Body, generation: x.generation, key, ..TransferSlot::EMPTY };
        }
        if !self.body_alloc(p, t, len) {
            self.free_transfer(p, t);
            return Err(RespondError::Full(Table::Body));
        }
        let s = p.transfers.get(t).copied().unwrap_or(TransferSlot::EMPTY);
        let region = p.body.get_mut(s.offset as usize..(s.offset + s.len) as usize).unwrap_or(&mut []);
        if let Err(e) = body.encode_as(MessageType::Acknowledgement, MessageId(0), &[], region) {
            self.free_transfer(p, t);
            return Err(RespondError::Encode(e));
        }
        // RFC 7959 §2.4: every block carries the representation's ETag; the application's, or
        // one derived from the body.
        let mut etag = TransferSlot::EMPTY;
        if let Some((_, mut options, payload)) = stored(region) {
            match options.find(|o| o.number == OptionNumber::ETAG) {
                Some(o) => etag.set_etag(o.value),
                None => etag.set_etag(&derived_etag(payload)),
            }
        }
        self.age += 1;
        let age = self.age;
        if let Some(x) = p.transfers.get_mut(t) {
            (x.etag, x.etag_len, x.age) = (etag.etag, etag.etag_len, age);
        }
        self.renew(p, t);
        Ok(t)
    }

    /// Answers with `builder` in Block2 blocks (RFC 7959 §2.4): the body is kept under `key`
    /// and the block `want` asks for (block 0 when none) leaves now with `token`.
    pub(crate) fn respond_in_blocks<const N: usize>(
        &mut self,
        p: &mut Parts<'_>,
        (key, token): (u32, &[u8]),
        builder: &MessageBuilder<'_, N>,
        want: Option<Block>,
        (block1, observe): (u32, Option<u32>),
    ) -> Result<(), RespondError> {
        let t = self.keep_body(p, key, builder)?;
        let our = self.our_szx();
        let want = want.unwrap_or(Block { num: 0, more: false, szx: our });
        let szx = if want.szx == BERT && !self.bert() { 6 } else { want.szx.min(our) };
        let offset = u64::from(want.num) * u64::from(unit(want.szx));
        let total = stored(Self::body(p, t)).map_or(0, |(_, _, payload)| payload.len()) as u64;
        if offset >= total && offset > 0 {
            // Past the end. Our choice, as the endpoint: 4.02 Bad Option.
            self.free_transfer(p, t);
            return self.queue_code(p, Code::BAD_OPTION, token, None).map_err(|_| RespondError::Full(Table::Transmit));
        }
        match self.send_body_block(p, t, (offset, szx), token, (block1, observe)) {
            Ok(()) => Ok(()),
            Err(e) => {
                if p.transfers.get(t).is_some_and(|s| s.role == Role::Body) {
                    self.free_transfer(p, t);
                }
                Err(match e {
                    QueueError::TooLarge(required) => RespondError::Encode(EncodeError::BufferTooSmall { required }),
                    QueueError::Full => RespondError::Full(Table::Transmit),
                })
            }
        }
    }
}
