//! The session's state besides its tables, and the helpers every part shares: tokens, frame
//! sizes, the transmit and event queues, Abort and close.

use super::bytes::{Fifo, HEADER};
use super::storage::{EKind, EventSlot, ExchangeSlot, ObserverSlot, Parts, RequestSlot, XState, NONE};
use super::transfer::{Role, NO_TRANSFER};
use super::{CloseReason, Config, Transport};
use crate::blockwise::Arena;
use crate::rand::Rand;
use crate::time::Instant;
use crate::wire::signal::{Signal, DEFAULT_MAX_MESSAGE_SIZE};
use crate::wire::{tcp, Code, DecodeError, Layout, Message, MessageBuilder};

/// Pongs with Custody that may wait at once (RFC 8323 §5.4.1); a further Ping with Custody
/// waits in the input (backpressure).
pub(crate) const PONGS: usize = 4;

/// A Pong with Custody waiting until the requests received before its Ping are answered.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingPong {
    pub(crate) used: bool,
    pub(crate) token: [u8; 8],
    pub(crate) token_len: u8,
    /// `Core::req_seq` when the Ping arrived: requests numbered below must be answered.
    pub(crate) requests_before: u64,
}

impl PendingPong {
    pub(crate) const EMPTY: Self = Self { used: false, token: [0; 8], token_len: 0, requests_before: 0 };
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    Open,
    /// We queued Release: no new requests; input is still processed until the transport closes.
    Releasing,
    /// Over: input refused, commands refused, queued frames may still be written.
    Closed,
}

/// Whether a frame was used, or must wait for room (backpressure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Taken,
    Blocked,
}

/// Why a frame could not be queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueueError {
    /// Larger than the peer's Max-Message-Size: the frame's size.
    TooLarge(usize),
    /// No room in the transmit store now.
    Full,
}

/// A received request or response, as copied into the receive store: the first byte of the
/// synthetic UDP header (type and TKL), the code, the token and the body (options, payload
/// marker, payload: the same bytes in every framing).
pub(crate) struct Incoming<'m> {
    pub(crate) first: u8,
    pub(crate) code: Code,
    pub(crate) token: &'m [u8],
    pub(crate) body: &'m [u8],
}

/// Extended-length bytes for a body of `len` bytes (RFC 8323 §3.2).
const fn ext_bytes(len: usize) -> usize {
    match len {
        0..=12 => 0,
        13..=268 => 1,
        269..=65_804 => 2,
        _ => 4,
    }
}

/// The size of a TCP frame from its first bytes (RFC 8323 §3.2), once the Len nibble and its
/// extended length are in: lets an oversized frame be refused before its body arrives.
pub(crate) fn frame_total(input: &[u8]) -> Option<usize> {
    let (&first, rest) = input.split_first()?;
    let ext = match first >> 4 {
        13 => 1,
        14 => 2,
        15 => 4,
        _ => 0,
    };
    let v = rest.get(..ext)?.iter().fold(0usize, |a, &b| a.saturating_mul(256).saturating_add(usize::from(b)));
    let len = match first >> 4 {
        n @ 0..=12 => usize::from(n),
        13 => v.saturating_add(13),
        14 => v.saturating_add(269),
        _ => v.saturating_add(65_805),
    };
    Some((2 + ext + usize::from(first & 0x0F)).saturating_add(len))
}

/// Where the body starts in a frame whose first byte is `first` (TCP: after Len/TKL, the
/// extended length, the code and the token; WebSocket: Len is 0).
pub(crate) fn body_start(first: u8, transport: Transport) -> usize {
    let ext = match (transport, first >> 4) {
        (Transport::WebSocket, _) => 0,
        (_, 13) => 1,
        (_, 14) => 2,
        (_, 15) => 4,
        _ => 0,
    };
    2 + ext + usize::from(first & 0x0F)
}

/// `i` in a ring of `cap` slots, for `i < 2 × cap`.
pub(crate) fn wrap(i: u32, cap: u32) -> u32 {
    if i >= cap {
        i - cap
    } else {
        i
    }
}

/// A token of at most 8 bytes as a fixed array and its length.
pub(crate) fn short_token(token: &[u8]) -> ([u8; 8], u8) {
    let mut t = [0; 8];
    let n = token.len().min(8);
    if let (Some(dst), Some(src)) = (t.get_mut(..n), token.get(..n)) {
        dst.copy_from_slice(src);
    }
    (t, n as u8)
}

/// Everything but the tables (which live in the caller's [`Storage`](super::Storage)).
#[derive(Debug, Clone)]
pub(crate) struct Core {
    pub(crate) config: Config,
    pub(crate) rand: Rand,
    /// The Max-Message-Size we announce (the config's, capped by the receive store).
    pub(crate) own_max: u32,
    /// The peer's Max-Message-Size: its base value until its CSM says otherwise (§5.3.1).
    pub(crate) peer_max: u32,
    pub(crate) peer_block_wise: bool,
    pub(crate) peer_csm: bool,
    pub(crate) csm_sent: bool,
    pub(crate) csm_deadline: Option<Instant>,
    pub(crate) phase: Phase,
    pub(crate) reason: Option<CloseReason>,
    /// The transport is gone (`connection_lost`): nothing more is written.
    pub(crate) gone: bool,
    pub(crate) tx: Fifo,
    pub(crate) rx: Fifo,
    pub(crate) arena: Arena,
    /// The body store of block-wise transfers.
    pub(crate) body_arena: Arena,
    /// Counts kept bodies (the oldest is evicted first).
    pub(crate) age: u64,
    /// The transfer whose body the event `poll_event` returned last shows (unpinned on the
    /// next call).
    pub(crate) shown_transfer: u16,
    pub(crate) ev_head: u32,
    pub(crate) ev_len: u32,
    /// The receive chunk of the event `poll_event` returned last (freed on the next call).
    pub(crate) shown: u32,
    /// Requests received since the start (their arrival numbers).
    pub(crate) req_seq: u64,
    pub(crate) pongs: [PendingPong; PONGS],
    /// The peer's Release or Abort body (options, payload) in the receive store, and where
    /// its options end.
    pub(crate) details: u32,
    pub(crate) details_options: u32,
    pub(crate) last_now: Instant,
}

impl Core {
    pub(crate) fn new(config: Config, receive_len: usize) -> Self {
        // A message's copy in the receive store is at most 2 bytes longer than its frame (the
        // 4-byte synthetic header replaces at least 2 bytes of framing), plus the chunk header.
        let fits = u32::try_from(receive_len.saturating_sub(HEADER + 2)).unwrap_or(u32::MAX);
        Self {
            config,
            rand: Rand::new(config.seed),
            own_max: config.max_message_size.min(fits),
            peer_max: DEFAULT_MAX_MESSAGE_SIZE,
            peer_block_wise: false,
            peer_csm: false,
            csm_sent: false,
            csm_deadline: None,
            phase: Phase::Open,
            reason: None,
            gone: false,
            tx: Fifo::default(),
            rx: Fifo::default(),
            arena: Arena::default(),
            body_arena: Arena::default(),
            age: 0,
            shown_transfer: NO_TRANSFER,
            ev_head: 0,
            ev_len: 0,
            shown: NONE,
            req_seq: 0,
            pongs: [PendingPong::EMPTY; PONGS],
            details: NONE,
            details_options: 0,
            last_now: Instant::ZERO,
        }
    }

    pub(crate) fn ws(&self) -> bool {
        self.config.transport == Transport::WebSocket
    }

    /// The size of a frame with a body of `body` bytes and a `tkl`-byte token (RFC 8323 §3.2,
    /// §4.2).
    pub(crate) fn frame_len(&self, body: usize, tkl: usize) -> usize {
        let ext = if self.ws() { 0 } else { ext_bytes(body) };
        2 + ext + tkl + body
    }

    /// Writes a frame header (Len/TKL, extended length, code) for a body of `body` bytes into
    /// the front of `out`; returns its length (RFC 8323 §3.2, §4.2).
    pub(crate) fn write_header(&self, out: &mut [u8], body: usize, tkl: u8, code: Code) -> usize {
        let (nibble, ext, value) = match (self.ws(), ext_bytes(body)) {
            (true, _) | (false, 0) => (if self.ws() { 0 } else { body as u8 }, 0, 0),
            (false, 1) => (13, 1, (body - 13) as u32),
            (false, 2) => (14, 2, (body - 269) as u32),
            _ => (15, 4, (body.saturating_sub(65_805)) as u32),
        };
        let mut header = [0u8; 6];
        let v = value.to_be_bytes();
        header[0] = (nibble << 4) | (tkl & 0x0F);
        if let (Some(dst), Some(src)) = (header.get_mut(1..1 + ext), v.get(4 - ext..)) {
            dst.copy_from_slice(src);
        }
        if let Some(c) = header.get_mut(1 + ext) {
            *c = code.0;
        }
        let n = 2 + ext;
        if let (Some(dst), Some(src)) = (out.get_mut(..n), header.get(..n)) {
            dst.copy_from_slice(src);
        }
        n
    }

    /// A fresh random token of `config.token_len` bytes not in use by an open exchange.
    pub(crate) fn token(&mut self, x: &[ExchangeSlot]) -> ([u8; 8], u8) {
        let len = self.config.token_len.clamp(1, 8);
        loop {
            let t = self.rand.next_u64().to_le_bytes();
            let tok = t.get(..usize::from(len)).unwrap_or(&[]);
            if !x.iter().any(|e| e.state != XState::Free && e.token() == tok) {
                return (t, len);
            }
        }
    }

    /// Frames `b` (its code, token, options and payload) into the transmit store. With
    /// `limit`, a frame over the peer's Max-Message-Size is refused (RFC 8323 §5.3.1).
    pub(crate) fn queue<const N: usize>(
        &mut self,
        p: &mut Parts<'_>,
        b: &MessageBuilder<'_, N>,
        limit: bool,
    ) -> Result<(), QueueError> {
        let size = self.frame_len(b.body_len(), b.token_bytes().len());
        if limit && size > self.peer_max as usize {
            return Err(QueueError::TooLarge(size));
        }
        let saved = self.tx;
        let at = self.tx.alloc(p.transmit, size).ok_or(QueueError::Full)?;
        let out = Fifo::get_mut(p.transmit, at);
        let written = if self.ws() { tcp::encode_ws(b, out) } else { tcp::encode(b, out) };
        if written != Ok(size) {
            self.tx = saved;
            return Err(QueueError::Full);
        }
        Ok(())
    }

    // ---- events ----

    /// Room for `count` more events, and for a message of `message` bytes (synthetic form).
    pub(crate) fn event_room(&self, p: &Parts<'_>, count: usize, message: Option<usize>) -> bool {
        self.ev_len as usize + count <= p.events.len() && message.map_or(true, |n| self.rx.fits(p.receive.len(), n))
    }

    /// Queues an event; `message` is copied into the receive store as a UDP-form message (so
    /// that [`Message`] gives the same accessors as over UDP). `Ok(false)`: no room.
    ///
    /// # Errors
    /// The copy is not a well-formed message (cannot happen for a frame the decoder accepted;
    /// kept so that a disagreement between the two decoders aborts rather than panics).
    pub(crate) fn push_event(
        &mut self,
        p: &mut Parts<'_>,
        kind: EKind,
        (slot, generation): (u32, u16),
        message: Option<&Incoming<'_>>,
    ) -> Result<bool, DecodeError> {
        let cap = p.events.len() as u32;
        if self.ev_len >= cap {
            return Ok(false);
        }
        let saved = self.rx;
        let (chunk, layout) = match message {
            None => (NONE, Layout::default()),
            Some(m) => {
                let len = 4 + m.token.len() + m.body.len();
                let Some(at) = self.rx.alloc(p.receive, len) else { return Ok(false) };
                let out = Fifo::get_mut(p.receive, at);
                if let Some((header, rest)) = out.split_first_chunk_mut::<4>() {
                    // Type and message id carry no meaning on a reliable transport (§3.2).
                    *header = [m.first, m.code.0, 0, 0];
                    if let Some((token, body)) = rest.split_at_mut_checked(m.token.len()) {
                        token.copy_from_slice(m.token);
                        if body.len() == m.body.len() {
                            body.copy_from_slice(m.body);
                        }
                    }
                }
                match Message::new_checked(&*out) {
                    Ok(view) => (at, view.layout()),
                    Err(e) => {
                        self.rx = saved;
                        return Err(e);
                    }
                }
            }
        };
        let i = wrap(self.ev_head + self.ev_len, cap) as usize;
        if let Some(s) = p.events.get_mut(i) {
            *s = EventSlot { kind, slot, generation, message: chunk, layout, transfer: NO_TRANSFER };
            self.ev_len += 1;
        }
        Ok(true)
    }

    /// Queues an event whose message is transfer `t`'s body region (laid out as `layout`);
    /// the body stays (pinned) until `poll_event` moves past it. `false`: no room.
    pub(crate) fn push_body_event(
        &mut self,
        p: &mut Parts<'_>,
        kind: EKind,
        (slot, generation): (u32, u16),
        t: usize,
        layout: Layout,
    ) -> bool {
        let cap = p.events.len() as u32;
        if self.ev_len >= cap {
            return false;
        }
        let i = wrap(self.ev_head + self.ev_len, cap) as usize;
        let Some(s) = p.events.get_mut(i) else { return false };
        *s = EventSlot { kind, slot, generation, message: NONE, layout, transfer: t as u16 };
        self.ev_len += 1;
        if let Some(x) = p.transfers.get_mut(t) {
            x.pinned = true;
        }
        true
    }

    /// Frees the message of the event shown last (a receive chunk, or a transfer's body).
    pub(crate) fn release_shown(&mut self, p: &mut Parts<'_>) {
        if self.shown != NONE {
            if self.rx.front() == Some(self.shown) {
                self.rx.pop(p.receive);
            }
            self.shown = NONE;
        }
        if self.shown_transfer != NO_TRANSFER {
            let t = usize::from(self.shown_transfer);
            self.shown_transfer = NO_TRANSFER;
            if p.transfers.get(t).is_some_and(|s| s.pinned) {
                self.free_transfer(p, t);
            }
        }
    }

    // ---- tables ----

    /// Frees exchange `i`, its request bytes (compacting the arena), its transfer, and the
    /// fetches of a notification's blocks it is the registration of.
    pub(crate) fn free_exchange(&mut self, p: &mut Parts<'_>, i: usize) {
        self.free_registration(p, i);
        for t in 0..p.transfers.len() {
            let Some(s) = p.transfers.get(t).copied() else { continue };
            if s.pinned || !matches!(s.role, Role::Download | Role::Upload) {
                continue;
            }
            if s.exchange as usize == i {
                self.free_transfer(p, t);
            } else if s.parent as usize == i {
                // A fetch for registration `i` (RFC 7959 §3.4) ends with it.
                let x = s.exchange as usize;
                self.free_transfer(p, t);
                self.free_exchange(p, x);
            }
        }
        if let Some(x) = p.exchanges.get_mut(i) {
            *x = ExchangeSlot { generation: x.generation.wrapping_add(1), ..ExchangeSlot::EMPTY };
        }
    }

    /// Frees the registration bytes of exchange `i`.
    pub(crate) fn free_registration(&mut self, p: &mut Parts<'_>, i: usize) {
        let Some(&e) = p.exchanges.get(i) else { return };
        if e.len > 0 {
            self.arena.free(p.store, e.offset, e.len);
            for x in p.exchanges.iter_mut() {
                if x.len > 0 && x.offset > e.offset {
                    x.offset -= e.len;
                }
            }
        }
        if let Some(x) = p.exchanges.get_mut(i) {
            x.offset = 0;
            x.len = 0;
        }
    }

    /// Frees received request `i` (its handle becomes stale).
    pub(crate) fn free_request(p: &mut Parts<'_>, i: usize) {
        if let Some(r) = p.requests.get_mut(i) {
            *r = RequestSlot { generation: r.generation.wrapping_add(1), ..RequestSlot::EMPTY };
        }
    }

    /// Frees observer `o` (its handle becomes stale).
    pub(crate) fn free_observer(p: &mut Parts<'_>, o: usize) {
        if let Some(s) = p.observers.get_mut(o) {
            *s = ObserverSlot { generation: s.generation.wrapping_add(1), ..ObserverSlot::EMPTY };
        }
    }

    // ---- the end ----

    /// Ends the session on a protocol error: Abort with the reason's diagnostic (and
    /// Bad-CSM-Option for a CSM), then closed.
    pub(crate) fn fail(&mut self, p: &mut Parts<'_>, reason: CloseReason, bad_csm_option: Option<u16>) -> CloseReason {
        self.queue_abort(p, reason.diagnostic().unwrap_or(""), bad_csm_option);
        self.close(p, reason);
        reason
    }

    /// Replaces whatever is queued with an Abort (RFC 8323 §5.6: the sender cannot wait for an
    /// orderly release); the diagnostic is cut to fit the peer's Max-Message-Size and the
    /// transmit store.
    pub(crate) fn queue_abort(&mut self, p: &mut Parts<'_>, diagnostic: &str, bad_csm_option: Option<u16>) {
        self.tx.clear();
        let cap = p.transmit.len().saturating_sub(HEADER);
        let limit = cap.min(self.peer_max as usize);
        let mut text = diagnostic;
        loop {
            let signal = Signal::Abort { bad_csm_option: bad_csm_option.map(u32::from), diagnostic: text.as_bytes() };
            let Ok(b) = signal.builder() else { return };
            let size = self.frame_len(b.body_len(), 0);
            if size <= limit || (text.is_empty() && size <= cap) {
                let _ = self.queue(p, &b, false);
                return;
            }
            if text.is_empty() {
                return;
            }
            let mut cut = text.len().saturating_sub(size.saturating_sub(limit).max(1));
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            text = text.get(..cut).unwrap_or("");
        }
    }

    /// Closes the session: every handle is void (RFC 8323 §3.4: the signalling and observation
    /// state of a connection goes with it); queued events stay.
    pub(crate) fn close(&mut self, p: &mut Parts<'_>, reason: CloseReason) {
        self.phase = Phase::Closed;
        if self.reason.is_none() {
            self.reason = Some(reason);
        }
        self.csm_deadline = None;
        self.pongs = [PendingPong::EMPTY; PONGS];
        for i in 0..p.exchanges.len() {
            if p.exchanges.get(i).is_some_and(|x| x.state != XState::Free) {
                self.free_exchange(p, i);
            }
        }
        for i in 0..p.requests.len() {
            if p.requests.get(i).is_some_and(|r| r.used) {
                Self::free_request(p, i);
            }
        }
        for o in 0..p.observers.len() {
            if p.observers.get(o).is_some_and(|s| s.used) {
                Self::free_observer(p, o);
            }
        }
        self.arena = Arena::default();
        // Bodies shown by queued events stay; the rest goes.
        for t in 0..p.transfers.len() {
            if p.transfers.get(t).is_some_and(|s| s.role != Role::Free && !s.pinned) {
                self.free_transfer(p, t);
            }
        }
    }
}
