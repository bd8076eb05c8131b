//! The session's block-wise transfer table (RFC 7959 over RFC 8323 §6) and its body store, and
//! what every block shares: how large a block may be (BERT or SZX 0-6, within the peer's
//! Max-Message-Size) and how a [`Splice`] becomes a frame.
//!
//! | role | side | body region holds | ends |
//! |---|---|---|---|
//! | `Download` | client | the payload so far; at the end the whole response | one event |
//! | `Upload` | client | the whole request (header, options, payload) | the final response |
//! | `Reassembly` | server | the request payload so far; at the end the whole request | one event |
//! | `Body` | server | the whole response, sliced into Block2 blocks on request | last block served, or evicted |
//!
//! Simpler than the endpoint's table: the transport delivers every message once and in order
//! (RFC 8323 §3.3), so there is no retransmission and no duplicate. A kept body goes when its
//! last block is served, when [`Config::block_lifetime`](super::Config::block_lifetime) passes
//! without a block asked for (a reassembly likewise without a block arriving), or first when
//! room is needed. A client transfer whose next block request finds the transmit store full
//! is *stalled*: it waits, and `poll_transmit` sends the request once the store has room.

use super::bytes::Fifo;
use super::core::{Core, QueueError};
use super::storage::Parts;
use crate::blockwise::{size, Splice};
use crate::time::Instant;
use crate::wire::{Block, Code};

/// No transfer (in `u16` links).
pub(crate) const NO_TRANSFER: u16 = u16::MAX;

/// BERT: SZX 7 counts 1024-byte units, several per message (RFC 8323 §6).
pub(crate) const BERT: u8 = 7;

/// Bytes one block unit of `szx` counts (1024 for BERT, RFC 8323 §6).
pub(crate) const fn unit(szx: u8) -> u32 {
    size(szx)
}

/// One block-wise transfer, client or server side. Fields are private: the type is public so
/// that storage can be declared.
///
/// ```
/// use coap_codec::session::TransferSlot;
/// let table = [TransferSlot::EMPTY; 4];
/// # let _ = table;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TransferSlot {
    pub(crate) role: Role,
    pub(crate) generation: u16,
    /// Server: the request's cache key.
    pub(crate) key: u32,
    /// Client: the exchange carrying the block requests.
    pub(crate) exchange: u32,
    /// Client: the request events are reported for (the exchange itself, or the Observe
    /// registration whose notification is fetched, RFC 7959 §3.4).
    pub(crate) parent: u32,
    pub(crate) parent_generation: u16,
    /// The body region in the body store.
    pub(crate) offset: u32,
    pub(crate) len: u32,
    /// Client: bytes received (download) or sent up to the end of the last block (upload).
    /// Server: bytes reassembled.
    pub(crate) done: u32,
    /// Client: the Block option value last sent.
    pub(crate) block: u32,
    /// Client download: the largest SZX to ask for.
    pub(crate) szx: u8,
    /// Client download: the first block's ETag (RFC 7959 §2.4); server `Body`: every block's.
    pub(crate) etag: [u8; 8],
    pub(crate) etag_len: u8,
    /// Client: restarts so far (ETag change, 4.13 with a smaller size).
    pub(crate) restarts: u8,
    pub(crate) outcome: Outcome,
    /// Client download of a notification: its Observe value, put back into the event's message.
    pub(crate) observe: u32,
    /// Server `Body`: when it was kept (the oldest goes first when room is needed).
    pub(crate) age: u64,
    /// Server `Body` and `Reassembly`: when it is dropped (renewed by every block).
    pub(crate) expires: Instant,
    /// Client: the next block request waits for room in the transmit store (download: Block2
    /// value `block`; upload: the block at offset `done` in SZX `szx` at most).
    pub(crate) stalled: bool,
    /// An event shows the body: it stays until `poll_event` moves past it.
    pub(crate) pinned: bool,
}

/// What a transfer slot is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Free,
    Download,
    Upload,
    Reassembly,
    Body,
}

/// The event a client download ends in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// `ResponseReceived` for the request.
    Response,
    /// `ResponseReceived` with `observing` for the registration (its first response was sliced).
    FirstNotification,
    /// `NotificationReceived` for the registration (RFC 7959 §3.4).
    Notification,
}

impl TransferSlot {
    /// An unused slot.
    pub const EMPTY: Self = Self {
        role: Role::Free,
        generation: 0,
        key: 0,
        exchange: u32::MAX,
        parent: u32::MAX,
        parent_generation: 0,
        offset: 0,
        len: 0,
        done: 0,
        block: 0,
        szx: 6,
        etag: [0; 8],
        etag_len: 0,
        restarts: 0,
        outcome: Outcome::Response,
        observe: 0,
        age: 0,
        expires: Instant::ZERO,
        stalled: false,
        pinned: false,
    };

    pub(crate) fn etag(&self) -> &[u8] {
        self.etag.get(..usize::from(self.etag_len)).unwrap_or(&[])
    }

    pub(crate) fn set_etag(&mut self, etag: &[u8]) {
        let n = etag.len().min(8);
        self.etag = [0; 8];
        if let (Some(d), Some(v)) = (self.etag.get_mut(..n), etag.get(..n)) {
            d.copy_from_slice(v);
        }
        self.etag_len = n as u8;
    }
}

impl Core {
    /// Whether this session may send block-wise: configured, and the peer announced
    /// Block-Wise-Transfer (RFC 8323 §5.3.2, §6).
    pub(crate) fn blocks_out(&self) -> bool {
        self.config.block_wise_transfer && self.peer_block_wise
    }

    /// The largest SZX this session uses: 7 (BERT) when configured and usable (RFC 8323 §6),
    /// else the configured one, at most 6.
    pub(crate) fn our_szx(&self) -> u8 {
        if self.config.block_szx >= BERT && self.bert() {
            BERT
        } else {
            self.config.block_szx.min(6)
        }
    }

    /// BERT may be used: both sides announced Block-Wise-Transfer with a Max-Message-Size
    /// above 1152 (RFC 8323 §6, §5.3.2).
    pub(crate) fn bert(&self) -> bool {
        let base = crate::wire::signal::DEFAULT_MAX_MESSAGE_SIZE;
        self.config.block_wise_transfer && self.own_max > base && self.peer_block_wise && self.peer_max > base
    }

    /// The block to send from `offset` of a `total`-byte payload, at most SZX `szx`, in a
    /// message whose frame without payload takes `overhead` bytes (Block option and payload
    /// marker included): within the peer's Max-Message-Size (RFC 8323 §5.3.1). BERT carries as
    /// many 1024-byte units as fit (§6); otherwise the largest SZX whose block fits. `None`:
    /// not even 16 bytes fit. Returns the Block value and the payload length.
    pub(crate) fn plan(&self, szx: u8, offset: u64, total: u64, overhead: usize) -> Option<(Block, usize)> {
        // Up to 4 bytes of extended length, whatever the payload (RFC 8323 §3.2).
        let room = (self.peer_max as usize).checked_sub(overhead + 4)?;
        let left = total.saturating_sub(offset);
        if szx >= BERT {
            let units = room / 1024;
            if units > 0 {
                let chunk = (units as u64 * 1024).min(left);
                let b = Block { num: u32::try_from(offset / 1024).ok()?, more: offset + chunk < total, szx: BERT };
                return b.is_valid().then_some((b, chunk as usize));
            }
        }
        let szx = (0..=szx.min(6)).rev().find(|&s| size(s) as usize <= room)?;
        let chunk = u64::from(size(szx)).min(left);
        let b = Block { num: u32::try_from(offset / u64::from(size(szx))).ok()?, more: offset + chunk < total, szx };
        b.is_valid().then_some((b, chunk as usize))
    }

    /// Frames `splice` with `token` into the transmit store, within the peer's Max-Message-Size
    /// (RFC 8323 §5.3.1).
    pub(crate) fn queue_splice(
        &mut self,
        p: &mut Parts<'_>,
        splice: &Splice<'_>,
        token: &[u8],
    ) -> Result<(), QueueError> {
        let body = splice.body_len();
        let size = self.frame_len(body, token.len());
        if size > self.peer_max as usize {
            return Err(QueueError::TooLarge(size));
        }
        let saved = self.tx;
        let at = self.tx.alloc(p.transmit, size).ok_or(QueueError::Full)?;
        let out = Fifo::get_mut(p.transmit, at);
        let h = self.write_header(out, body, token.len() as u8, splice.code);
        let ok = out.get_mut(h..).and_then(|o| o.split_at_mut_checked(token.len())).and_then(|(t, rest)| {
            t.copy_from_slice(token);
            splice.write_body(rest)
        });
        if ok.is_none() {
            self.tx = saved;
            return Err(QueueError::Full);
        }
        Ok(())
    }

    // ---- the body store ----

    /// A free transfer slot.
    pub(crate) fn free_transfer_slot(p: &Parts<'_>) -> Option<usize> {
        p.transfers.iter().position(|t| t.role == Role::Free)
    }

    /// The bytes of transfer `t`'s body region.
    pub(crate) fn body<'b>(p: &'b Parts<'_>, t: usize) -> &'b [u8] {
        p.transfers
            .get(t)
            .and_then(|s| p.body.get(s.offset as usize..s.offset as usize + s.len as usize))
            .unwrap_or(&[])
    }

    /// Reserves `len` bytes at the end of the body store for transfer `t` (which holds no
    /// region); `false` when they do not fit.
    pub(crate) fn body_alloc(&mut self, p: &mut Parts<'_>, t: usize, len: usize) -> bool {
        let Some(at) = self.body_arena.alloc(p.body, len) else { return false };
        match p.transfers.get_mut(t) {
            Some(s) => {
                (s.offset, s.len) = (at, len as u32);
                true
            }
            None => {
                self.body_arena.used = at;
                false
            }
        }
    }

    /// Makes transfer `t`'s region at least `need` bytes long (doubling when that fits, so a
    /// body of unknown size moves the regions after it O(log n) times); `false` when full.
    pub(crate) fn body_reserve(&mut self, p: &mut Parts<'_>, t: usize, need: usize) -> bool {
        let Some(len) = p.transfers.get(t).map(|s| s.len as usize) else { return false };
        if len >= need {
            return true;
        }
        let doubled = len.max(need - len);
        (doubled > need - len && self.body_grow(p, t, doubled)) || self.body_grow(p, t, need - len)
    }

    fn body_grow(&mut self, p: &mut Parts<'_>, t: usize, extra: usize) -> bool {
        let Some(&s) = p.transfers.get(t) else { return false };
        let end = s.offset + s.len;
        if !self.body_arena.grow(p.body, end, extra) {
            return false;
        }
        for (i, x) in p.transfers.iter_mut().enumerate() {
            if i != t && x.role != Role::Free && x.len > 0 && x.offset >= end {
                x.offset += extra as u32;
            }
        }
        if let Some(x) = p.transfers.get_mut(t) {
            x.len += extra as u32;
        }
        true
    }

    /// Cuts transfer `t`'s region to `len` bytes.
    pub(crate) fn body_shrink(&mut self, p: &mut Parts<'_>, t: usize, len: usize) {
        let Some(&s) = p.transfers.get(t) else { return };
        let Some(cut) = (s.len as usize).checked_sub(len).filter(|&c| c > 0) else { return };
        self.body_arena.free(p.body, s.offset + len as u32, cut as u32);
        for (i, x) in p.transfers.iter_mut().enumerate() {
            if i != t && x.role != Role::Free && x.len > 0 && x.offset > s.offset {
                x.offset -= cut as u32;
            }
        }
        if let Some(x) = p.transfers.get_mut(t) {
            x.len = len as u32;
        }
    }

    /// Frees transfer `t` (its region and its slot; the generation moves on).
    pub(crate) fn free_transfer(&mut self, p: &mut Parts<'_>, t: usize) {
        self.body_shrink(p, t, 0);
        if let Some(e) = p.transfers.get(t).and_then(|s| p.exchanges.get_mut(s.exchange as usize)) {
            if usize::from(e.transfer) == t {
                e.transfer = NO_TRANSFER;
            }
        }
        if let Some(x) = p.transfers.get_mut(t) {
            *x = TransferSlot { generation: x.generation.wrapping_add(1), ..TransferSlot::EMPTY };
        }
    }

    /// Makes room for a kept body: a free slot and `bytes` free bytes, by dropping the oldest
    /// kept bodies (soft state: a client asking for a block of a dropped body reaches the
    /// application again). `false` when even that is not enough.
    pub(crate) fn evict_for(&mut self, p: &mut Parts<'_>, bytes: usize) -> bool {
        loop {
            let slot = p.transfers.iter().any(|t| t.role == Role::Free);
            let space = p.body.len().saturating_sub(self.body_arena.used as usize) >= bytes;
            if slot && space {
                return true;
            }
            let victim = p
                .transfers
                .iter()
                .enumerate()
                .filter(|(_, t)| t.role == Role::Body && !t.pinned)
                .min_by_key(|(_, t)| (t.expires, t.age))
                .map(|(i, _)| i);
            match victim {
                Some(v) => self.free_transfer(p, v),
                None => return false,
            }
        }
    }

    /// Whether transfer slot `s` is server state that expires (not while an event shows it).
    fn expiring(s: &TransferSlot) -> bool {
        matches!(s.role, Role::Body | Role::Reassembly) && !s.pinned
    }

    /// Drops kept bodies and reassemblies whose [`Config::block_lifetime`](super::Config::block_lifetime)
    /// is over (RFC 7959 §2.4, §2.5: soft state; a later block request reaches the application
    /// again, a later Block1 block gets 4.08).
    pub(crate) fn expire_transfers(&mut self, p: &mut Parts<'_>, now: Instant) {
        for t in 0..p.transfers.len() {
            if p.transfers.get(t).is_some_and(|s| Self::expiring(s) && s.expires <= now) {
                self.free_transfer(p, t);
            }
        }
    }

    /// When the next kept body or reassembly expires.
    pub(crate) fn transfer_expiry(transfers: &[TransferSlot]) -> Option<Instant> {
        transfers.iter().filter(|s| Self::expiring(s)).map(|s| s.expires).min()
    }

    /// Renews transfer `t`'s lifetime from the latest time seen.
    pub(crate) fn renew(&self, p: &mut Parts<'_>, t: usize) {
        let expires = self.last_now.saturating_add(self.config.block_lifetime);
        if let Some(s) = p.transfers.get_mut(t) {
            s.expires = expires;
        }
    }

    /// An answer of `code` with Block option `number` = `b` (2.31 Continue, RFC 7959 §2.9.1),
    /// or none, with `token`.
    pub(crate) fn queue_code(
        &mut self,
        p: &mut Parts<'_>,
        code: Code,
        token: &[u8],
        option: Option<(crate::wire::OptionNumber, u32)>,
    ) -> Result<(), QueueError> {
        let mut b = crate::wire::MessageBuilder::<1>::new(
            crate::wire::MessageType::Acknowledgement,
            code,
            crate::wire::MessageId(0),
        );
        if let Some((n, v)) = option {
            b.uint(n, v).map_err(|_| QueueError::Full)?;
        }
        b.token(token).map_err(|_| QueueError::Full)?;
        self.queue(p, &b, false)
    }
}
