//! The client side: requests (CON or NON), NSTART, pings, Observe registration, re-registration
//! and cancellation (RFC 7252 §4.2-§4.7, §5.3; RFC 7641 §3).

use core::hash::Hash;

use super::core::Core;
use super::storage::{ExchangeSlot, Parts, XKind, XState};
use super::{RequestError, RequestHandle, TransmissionParameters};
use crate::time::Instant;
use crate::wire::{encode_uint, Block, Code, Message, MessageBuilder, MessageType, MessageWriter, OptionNumber};

/// How one request is sent.
///
/// ```
/// use coap_codec::endpoint::RequestOptions;
/// let non = RequestOptions { confirmable: false, ..RequestOptions::default() };
/// assert!(RequestOptions::default().confirmable && !non.confirmable);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestOptions {
    /// CON (retransmitted until acknowledged) or NON.
    pub confirmable: bool,
    /// Transmission parameters for this request instead of the endpoint's.
    pub params: Option<TransmissionParameters>,
}

impl Default for RequestOptions {
    /// Confirmable, with the endpoint's parameters.
    fn default() -> Self {
        Self { confirmable: true, params: None }
    }
}

impl Core {
    /// Queues a request: encodes it (type, message id and token are the endpoint's) and starts
    /// it at once when NSTART allows.
    pub(crate) fn request<P: Copy + Eq + Hash, const N: usize>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        to: P,
        builder: &MessageBuilder<'_, N>,
        opts: RequestOptions,
        kind: XKind,
    ) -> Result<RequestHandle, RequestError> {
        if kind == XKind::Request && !builder.code_value().is_request() {
            return Err(RequestError::NotARequest);
        }
        if let Some(szx) = self.block_szx().filter(|_| kind == XKind::Request) {
            // RFC 7959 §2.5: a body larger than a block goes in Block1 blocks (unless the
            // application sends its own Block1).
            let blocked = builder.uint_value(OptionNumber::BLOCK1).is_some();
            if builder.payload_len() > super::block::size(szx) as usize && !blocked {
                return self.request_upload(p, now, to, builder, opts, szx);
            }
        }
        let early = self.early_negotiation(builder, kind);
        let builder = early.as_ref().unwrap_or(builder);
        let i = p.exchanges.iter().position(|e| e.state == XState::Free).ok_or(RequestError::ExchangesFull)?;
        let queued = p.exchanges.iter().filter(|e| e.state == XState::Queued && e.peer == Some(to)).count();
        if queued >= usize::from(self.config.nstart_queue) {
            return Err(RequestError::NstartQueueFull);
        }
        let (token, token_len) = if kind == XKind::Ping { ([0; 8], 0) } else { self.token(p.exchanges, to) };
        let tok = token.get(..usize::from(token_len)).unwrap_or(&[]);
        let ty = if opts.confirmable { MessageType::Confirmable } else { MessageType::NonConfirmable };
        let len = builder.encoded_len_with_token(tok.len());
        let offset = self.arena.alloc(p.store, len).ok_or(RequestError::StoreFull)?;
        let out = p.store.get_mut(offset as usize..offset as usize + len).ok_or(RequestError::StoreFull)?;
        if let Err(e) = builder.encode_as(ty, crate::wire::MessageId(0), tok, out) {
            self.arena.used = offset;
            return Err(RequestError::Encode(e));
        }
        // RFC 7641 §3.1: a GET or FETCH with Observe 0 registers.
        let registers = matches!(builder.code_value(), Code::GET | Code::FETCH)
            && builder.uint_value(OptionNumber::OBSERVE) == Some(0);
        let observe = u8::from(registers);
        let params = opts.params.unwrap_or(self.config.params);
        self.seq = self.seq.wrapping_add(1);
        let slot = p.exchanges.get_mut(i).ok_or(RequestError::ExchangesFull)?;
        *slot = ExchangeSlot {
            peer: Some(to),
            state: XState::Queued,
            kind,
            generation: slot.generation,
            token,
            token_len,
            max_retransmit: params.max_retransmit,
            nstart: params.nstart.max(1),
            response_timeout_ms: u32::try_from(self.config.response_timeout.as_millis()).unwrap_or(u32::MAX),
            timeout_ms: self.initial_timeout(&params),
            offset,
            len: len as u32,
            seq: self.seq,
            observe,
            confirmable: opts.confirmable,
            ..ExchangeSlot::EMPTY
        };
        let handle = RequestHandle { slot: i as u32, generation: slot.generation };
        if self.outstanding(p.exchanges, to) < usize::from(params.nstart.max(1)) {
            if let Err(e) = self.start(p, now, i) {
                self.free_exchange(p, i);
                return Err(e);
            }
        }
        Ok(handle)
    }

    /// RFC 7959 §2.4 early negotiation: with a block size below 1024 bytes
    /// ([`Config::block_szx`](super::Config::block_szx) under 6), a GET or FETCH without Block
    /// options asks for `Block2 0/0/SZX` in its first request, so the answer comes in our size
    /// from block 0 on (ETSI TD_COAP_BLOCK_01). `None`: the request goes as the application
    /// built it (SZX 6 is every server's largest anyway; a builder without room for one more
    /// option leaves the size to late negotiation, §2.4).
    fn early_negotiation<'m, const N: usize>(
        &self,
        builder: &MessageBuilder<'m, N>,
        kind: XKind,
    ) -> Option<MessageBuilder<'m, N>> {
        let szx = self.block_szx().filter(|&szx| szx < 6 && kind == XKind::Request)?;
        let fetches = matches!(builder.code_value(), Code::GET | Code::FETCH);
        let own = [OptionNumber::BLOCK1, OptionNumber::BLOCK2].into_iter().any(|o| builder.has_option(o));
        if !fetches || own {
            return None;
        }
        let mut early = builder.clone();
        early.uint(OptionNumber::BLOCK2, Block { num: 0, more: false, szx }.to_uint()).ok()?;
        Some(early)
    }

    /// Outstanding interactions with `peer` (RFC 7252 §4.7).
    pub(crate) fn outstanding<P: Copy + Eq>(&self, x: &[ExchangeSlot<P>], peer: P) -> usize {
        x.iter().filter(|e| e.peer == Some(peer) && e.is_outstanding()).count()
    }

    /// Sends exchange `i` now: a fresh message id, the first transmission, its timer.
    pub(crate) fn start<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        i: usize,
    ) -> Result<(), RequestError> {
        let id = self.message_id(now).ok_or(RequestError::MessageIdsExhausted)?;
        let e = p.exchanges.get_mut(i).ok_or(RequestError::UnknownRequest)?;
        if let Some(b) = p.store.get_mut(e.offset as usize + 2..e.offset as usize + 4) {
            b.copy_from_slice(&id.to_be_bytes());
        }
        e.message_id = id;
        e.send = true;
        e.retries = 0;
        if e.confirmable {
            e.state = XState::AwaitingAck;
            e.due = Core::after(now, e.timeout_ms);
        } else {
            e.state = XState::AwaitingResponse;
            e.due = Core::after(now, e.response_timeout_ms);
        }
        Ok(())
    }

    /// Starts queued requests to `peer` while NSTART allows, oldest first.
    pub(crate) fn start_queued<P: Copy + Eq + Hash>(&mut self, p: &mut Parts<'_, P>, now: Instant, peer: P) {
        if !p.exchanges.iter().any(|e| e.state == XState::Queued) {
            return;
        }
        loop {
            let next = p
                .exchanges
                .iter()
                .enumerate()
                .filter(|(_, e)| e.state == XState::Queued && e.peer == Some(peer))
                .min_by_key(|(_, e)| e.seq)
                .map(|(i, e)| (i, e.nstart));
            let Some((i, nstart)) = next else { return };
            if self.outstanding(p.exchanges, peer) >= usize::from(nstart) {
                return;
            }
            if self.start(p, now, i).is_err() {
                // Ids exhausted: it stays queued; the next completion or command retries.
                return;
            }
        }
    }

    /// The exchange `h` names, if it is still open.
    pub(crate) fn exchange<P>(p: &Parts<'_, P>, h: RequestHandle) -> Option<usize> {
        let e = p.exchanges.get(h.slot as usize)?;
        (e.state != XState::Free && e.generation == h.generation && matches!(e.kind, XKind::Request | XKind::Ping))
            .then_some(h.slot as usize)
    }

    /// Forgets a request; a later response or notification for it gets RST (RFC 7641 §3.6).
    pub(crate) fn cancel<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        h: RequestHandle,
    ) -> Result<(), RequestError> {
        let i = Self::exchange(p, h).ok_or(RequestError::UnknownRequest)?;
        let peer = p.exchanges.get(i).and_then(|e| e.peer);
        self.end_fetches(p, i);
        self.free_exchange(p, i);
        if let Some(peer) = peer {
            self.start_queued(p, now, peer);
        }
        Ok(())
    }

    /// Sends the registration again with `observe` as its Observe value (0: re-register, 1:
    /// deregister, RFC 7641 §3.3.1, §3.6), same token, new message id.
    pub(crate) fn reobserve<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        h: RequestHandle,
        observe: u32,
    ) -> Result<(), RequestError> {
        let i = Self::exchange(p, h).ok_or(RequestError::UnknownRequest)?;
        let e = *p.exchanges.get(i).ok_or(RequestError::UnknownRequest)?;
        if e.observe == 0 {
            return Err(RequestError::UnknownRequest);
        }
        // Rewrite the stored request with the new Observe value, at the end of the arena.
        let new_len = {
            let old = p.store.get(e.offset as usize..(e.offset + e.len) as usize).ok_or(RequestError::StoreFull)?;
            let m = Message::new_checked(old).map_err(|_| RequestError::UnknownRequest)?;
            let delta =
                encode_uint(observe).1 as isize - m.option(OptionNumber::OBSERVE).map_or(0, <[u8]>::len) as isize;
            (e.len as isize + delta) as usize
        };
        let at = self.arena.alloc(p.store, new_len).ok_or(RequestError::StoreFull)?;
        let (head, tail) = p.store.split_at_mut(at as usize);
        let old = head.get(e.offset as usize..(e.offset + e.len) as usize).ok_or(RequestError::StoreFull)?;
        let out = tail.get_mut(..new_len).ok_or(RequestError::StoreFull)?;
        let written = rewrite_observe(old, out, observe).map_err(RequestError::Encode)?;
        if written != new_len {
            self.arena.used = at;
            return Err(RequestError::StoreFull);
        }
        self.free_message(p, i);
        let new_offset = at - e.len;
        if let Some(x) = p.exchanges.get_mut(i) {
            x.offset = new_offset;
            x.len = new_len as u32;
            x.state = XState::Queued;
            x.timeout_ms = 0;
            if observe == 1 {
                // Deregistration: the next response is final.
                x.observe = 0;
            }
        }
        let params = self.config.params;
        let t = self.initial_timeout(&params);
        if let Some(x) = p.exchanges.get_mut(i) {
            x.timeout_ms = t;
        }
        let peer = e.peer.ok_or(RequestError::UnknownRequest)?;
        self.start_queued(p, now, peer);
        Ok(())
    }
}

/// Copies `old` into `out` with its Observe option set to `observe` (RFC 7641 §2).
fn rewrite_observe(old: &[u8], out: &mut [u8], observe: u32) -> Result<usize, crate::wire::EncodeError> {
    let m = Message::new_checked(old).map_err(|_| crate::wire::EncodeError::BufferTooSmall { required: 0 })?;
    let mut w = MessageWriter::new(out, m.message_type(), m.code(), m.message_id(), m.token())?;
    for o in m.options() {
        if o.number == OptionNumber::OBSERVE {
            w.uint(OptionNumber::OBSERVE, observe)?;
        } else {
            w.option(o.number, o.value)?;
        }
    }
    w.finish(m.payload())
}
