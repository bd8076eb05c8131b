//! The block-wise transfer table (RFC 7959) and the body store it uses: one
//! [`TransferSlot`] per body being sent or received in blocks, its bytes in the body
//! [`Arena`](super::bytes::Arena) (compacting, so a 1 MiB body needs 1 MiB of contiguous store
//! and nothing fragments).
//!
//! | role | side | body region holds | ends |
//! |---|---|---|---|
//! | `Download` | client | the payload received so far; at the end the whole response | one event |
//! | `Upload` | client | the whole request (header, options, payload) | the final response |
//! | `Reassembly` | server | the request payload received so far; at the end the whole request | one event |
//! | `Reassembled` | server | nothing (a record: a re-sent last block gets the same answer) | expiry |
//! | `Body` | server | the whole response, sliced into Block2 blocks on request | expiry |

use crate::time::Instant;

use super::core::Core;
use super::storage::Parts;

/// No transfer (in `u16` links).
pub(crate) const NO_TRANSFER: u16 = u16::MAX;

/// One block-wise transfer (RFC 7959), client or server side. Fields are private: the type is
/// public so that storage can be declared.
///
/// ```
/// use coap_codec::endpoint::TransferSlot;
/// // The transfer table of a custom `Storage`: four slots, all free.
/// let table = [TransferSlot::<u8>::EMPTY; 4];
/// # let _ = table;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct TransferSlot<P> {
    pub(crate) peer: Option<P>,
    pub(crate) role: Role,
    pub(crate) generation: u16,
    /// Server: the request's cache key ([`cache_key`](super::block::cache_key)); client
    /// upload: the Request-Tag it added (RFC 9175 §3), 0 when none.
    pub(crate) key: u32,
    /// Client: the exchange carrying the block requests. Server `Reassembled`: the dedup slot
    /// of the last block's request.
    pub(crate) exchange: u32,
    pub(crate) exchange_generation: u16,
    /// Client: the request events are reported for (the exchange itself, or the Observe
    /// registration whose notification is fetched, RFC 7959 §3.4).
    pub(crate) parent: u32,
    pub(crate) parent_generation: u16,
    /// The body region in the body store.
    pub(crate) offset: u32,
    pub(crate) len: u32,
    /// Bytes transferred so far: received (download, reassembly) or acknowledged (upload).
    pub(crate) done: u32,
    /// The Block option value last sent (client), or last received (server `Reassembled`).
    pub(crate) block: u32,
    /// The block size exponent in use (RFC 7959 §2.2).
    pub(crate) szx: u8,
    /// Client download: the ETag of the first block (RFC 7959 §2.4); server `Body`: the ETag
    /// every block carries.
    pub(crate) etag: [u8; 8],
    pub(crate) etag_len: u8,
    /// Client: restarts so far (ETag change, 4.13 with a smaller size).
    pub(crate) restarts: u8,
    /// Client: give-ups of the current block so far ([`Config::block_retries`](super::Config::block_retries)).
    pub(crate) retries: u8,
    /// Client download: which event the body ends in.
    pub(crate) outcome: Outcome,
    /// Client download of a notification: its Observe value, put back into the event's message.
    pub(crate) observe: u32,
    /// Server: when the entry is dropped (renewed on every use).
    pub(crate) expires: Instant,
    /// An event points at the body: it stays until `poll_event` moves past it.
    pub(crate) pinned: bool,
}

/// What a transfer slot is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Free,
    Download,
    Upload,
    Reassembly,
    Reassembled,
    Body,
}

/// The event a client download ends in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// `ResponseReceived` for the request (a plain download).
    Response,
    /// `ResponseReceived` with `observing` for the registration (its first response was sliced).
    FirstNotification,
    /// `NotificationReceived` for the registration (RFC 7959 §3.4).
    Notification,
}

impl<P> TransferSlot<P> {
    /// An unused slot.
    pub const EMPTY: Self = Self {
        peer: None,
        role: Role::Free,
        generation: 0,
        key: 0,
        exchange: u32::MAX,
        exchange_generation: 0,
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
        retries: 0,
        outcome: Outcome::Response,
        observe: 0,
        expires: Instant::ZERO,
        pinned: false,
    };

    pub(crate) fn etag(&self) -> &[u8] {
        self.etag.get(..usize::from(self.etag_len)).unwrap_or(&[])
    }

    /// A server entry that expires (the client's end with their exchanges).
    pub(crate) fn expiring(&self) -> bool {
        matches!(self.role, Role::Reassembly | Role::Reassembled | Role::Body) && !self.pinned
    }
}

impl Core {
    /// A free transfer slot.
    pub(crate) fn free_transfer_slot<P>(p: &Parts<'_, P>) -> Option<usize> {
        p.transfers.iter().position(|t| t.role == Role::Free)
    }

    /// The bytes of transfer `t`'s body region.
    pub(crate) fn body<'b, P>(p: &'b Parts<'_, P>, t: usize) -> &'b [u8] {
        p.transfers
            .get(t)
            .and_then(|s| p.body.get(s.offset as usize..s.offset as usize + s.len as usize))
            .unwrap_or(&[])
    }

    /// Reserves `len` bytes at the end of the body store for transfer `t` (which must hold no
    /// region); `false` when they do not fit.
    pub(crate) fn body_alloc<P: Copy>(&mut self, p: &mut Parts<'_, P>, t: usize, len: usize) -> bool {
        let Some(at) = self.body_arena.alloc(p.body, len) else { return false };
        if let Some(s) = p.transfers.get_mut(t) {
            s.offset = at;
            s.len = len as u32;
            true
        } else {
            self.body_arena.used = at;
            false
        }
    }

    /// Makes transfer `t`'s region `extra` bytes longer (at its end), moving the regions after
    /// it up; `false` when the store is full.
    pub(crate) fn body_grow<P: Copy>(&mut self, p: &mut Parts<'_, P>, t: usize, extra: usize) -> bool {
        let Some(&s) = p.transfers.get(t) else { return false };
        if !self.body_arena.grow(p.body, s.offset + s.len, extra) {
            return false;
        }
        let end = s.offset + s.len;
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

    /// Cuts transfer `t`'s region to `len` bytes (no longer than it is).
    pub(crate) fn body_shrink<P: Copy>(&mut self, p: &mut Parts<'_, P>, t: usize, len: usize) {
        let Some(&s) = p.transfers.get(t) else { return };
        let Some(cut) = (s.len as usize).checked_sub(len).filter(|&c| c > 0) else { return };
        let at = s.offset + len as u32;
        self.body_arena.free(p.body, at, cut as u32);
        for (i, x) in p.transfers.iter_mut().enumerate() {
            if i != t && x.role != Role::Free && x.len > 0 && x.offset > s.offset {
                x.offset -= cut as u32;
            }
        }
        if let Some(x) = p.transfers.get_mut(t) {
            x.len = len as u32;
        }
    }

    /// Makes transfer `t`'s region at least `need` bytes long: doubled when that fits (so a
    /// body of unknown size moves the regions after it O(log n) times, not once per block),
    /// else exactly. `false` when the store is full.
    pub(crate) fn body_reserve<P: Copy>(&mut self, p: &mut Parts<'_, P>, t: usize, need: usize) -> bool {
        let Some(len) = p.transfers.get(t).map(|s| s.len as usize) else { return false };
        if len >= need {
            return true;
        }
        let doubled = len.max(need - len);
        (doubled > need - len && self.body_grow(p, t, doubled)) || self.body_grow(p, t, need - len)
    }

    /// Frees transfer `t`'s region (the regions after it move down).
    pub(crate) fn body_free<P: Copy>(&mut self, p: &mut Parts<'_, P>, t: usize) {
        let Some(&s) = p.transfers.get(t) else { return };
        if s.len > 0 {
            self.body_arena.free(p.body, s.offset, s.len);
            for x in p.transfers.iter_mut() {
                if x.role != Role::Free && x.len > 0 && x.offset > s.offset {
                    x.offset -= s.len;
                }
            }
        }
        if let Some(x) = p.transfers.get_mut(t) {
            x.offset = 0;
            x.len = 0;
        }
    }

    /// Frees transfer `t` (its region and its slot; the generation moves on).
    pub(crate) fn free_transfer<P: Copy>(&mut self, p: &mut Parts<'_, P>, t: usize) {
        self.body_free(p, t);
        if let Some(x) = p.transfers.get_mut(t) {
            *x = TransferSlot { generation: x.generation.wrapping_add(1), ..TransferSlot::EMPTY };
        }
    }

    /// The event that showed transfer `t`'s body is gone: the body goes; a client transfer
    /// ends, a server reassembly stays as a record for a re-sent last block.
    pub(crate) fn unpin<P: Copy>(&mut self, p: &mut Parts<'_, P>, t: usize) {
        let Some(&s) = p.transfers.get(t) else { return };
        if !s.pinned {
            return;
        }
        match s.role {
            Role::Download | Role::Upload => self.free_transfer(p, t),
            _ => {
                self.body_free(p, t);
                if let Some(x) = p.transfers.get_mut(t) {
                    x.pinned = false;
                }
            }
        }
    }

    /// Makes room for a new server entry: a free slot and, when `bytes > 0`, that many free
    /// bytes in the body store, by dropping the kept bodies and finished-upload records that
    /// expire first. Both are soft state: a client asking for a block of a dropped body reaches
    /// the application again, whose answer is sliced anew; a reassembly in progress is never
    /// dropped. `false` when even that is not enough.
    pub(crate) fn evict_for<P: Copy>(&mut self, p: &mut Parts<'_, P>, bytes: usize) -> bool {
        loop {
            let slot = p.transfers.iter().any(|t| t.role == Role::Free);
            let space = bytes == 0 || p.body.len().saturating_sub(self.body_arena.used as usize) >= bytes;
            if slot && space {
                return true;
            }
            let victim = p
                .transfers
                .iter()
                .enumerate()
                .filter(|(_, t)| matches!(t.role, Role::Body | Role::Reassembled) && !t.pinned)
                // Bytes come from kept bodies only (a record holds none).
                .filter(|(_, t)| space || t.role == Role::Body)
                .min_by_key(|(_, t)| t.expires)
                .map(|(i, _)| i);
            match victim {
                Some(v) => self.free_transfer(p, v),
                None => return false,
            }
        }
    }

    /// Drops server entries whose time is up.
    pub(crate) fn expire_transfers<P: Copy>(&mut self, p: &mut Parts<'_, P>, now: Instant) {
        for t in 0..p.transfers.len() {
            if p.transfers.get(t).is_some_and(|s| s.expiring() && s.expires <= now) {
                self.free_transfer(p, t);
            }
        }
    }

    /// When the next server entry expires.
    pub(crate) fn transfer_expiry<P>(transfers: &[TransferSlot<P>]) -> Option<Instant> {
        transfers.iter().filter(|t| t.expiring()).map(|t| t.expires).min()
    }
}
