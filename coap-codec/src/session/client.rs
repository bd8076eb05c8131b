//! Our requests: sending, pings, Observe registration, deregistration and cancellation (RFC 7252
//! §5.3; RFC 7641 §3 as updated by RFC 8323 §7; RFC 8323 §5.4).

use super::core::{Core, Phase, QueueError};
use super::storage::{EKind, ExchangeSlot, Parts, XKind, XState};
use crate::blockwise::{stored, Extra, Splice};
use crate::endpoint::{RequestError, RequestHandle, TransferError};
use crate::time::Instant;
use crate::wire::signal::Signal;
use crate::wire::{Code, Message, MessageBuilder, MessageId, MessageType, MessageWriter, OptionNumber};

/// `RequestError` for a frame that could not be queued.
fn queue_error(e: QueueError, max: u32) -> RequestError {
    match e {
        // The message needs `required` bytes; the peer accepts fewer (RFC 8323 §5.3.1).
        QueueError::TooLarge(required) => RequestError::TooLarge { required, max },
        QueueError::Full => RequestError::StoreFull,
    }
}

impl Core {
    /// Sends a request (or a Ping) with a fresh token.
    pub(crate) fn request<const N: usize>(
        &mut self,
        p: &mut Parts<'_>,
        now: Instant,
        builder: &MessageBuilder<'_, N>,
        kind: XKind,
    ) -> Result<RequestHandle, RequestError> {
        if self.phase != Phase::Open {
            // A released or closed session takes no new exchanges (RFC 8323 §5.5, §5.6).
            return Err(RequestError::Closed);
        }
        if kind == XKind::Request && !builder.code_value().is_request() {
            return Err(RequestError::NotARequest);
        }
        let i = p.exchanges.iter().position(|e| e.state == XState::Free).ok_or(RequestError::ExchangesFull)?;
        let (token, token_len) = self.token(p.exchanges);
        let tok = token.get(..usize::from(token_len)).unwrap_or(&[]);
        let mut b = builder.clone();
        b.token(tok).map_err(RequestError::Encode)?;
        // RFC 7641 §3.1: a GET or FETCH with Observe 0 registers; it is kept (in UDP form) for
        // the deregistration RFC 8323 §7.4 requires.
        let registers = kind == XKind::Request
            && matches!(builder.code_value(), Code::GET | Code::FETCH)
            && builder.uint_value(OptionNumber::OBSERVE) == Some(0);
        if kind == XKind::Request && self.frame_len(b.body_len(), tok.len()) > self.peer_max as usize {
            if !self.peer_csm {
                // RFC 8323 §5.3.1: 1152 is only the limit until the peer's CSM says more; the
                // request waits for it (whole, in the exchange store) rather than failing.
                return self.hold(p, now, i, (token, token_len), &b, registers);
            }
            // RFC 8323 §5.3.1, §6: over the peer's Max-Message-Size, block-wise if the peer
            // announced it, else refused.
            if self.blocks_out() && builder.payload_len() > 0 && !registers {
                return self.request_upload(p, now, i, (token, token_len), &b);
            }
            let required = self.frame_len(b.body_len(), tok.len());
            return Err(RequestError::TooLarge { required, max: self.peer_max });
        }
        // With block-wise on, every request is kept: the requests for the later blocks of a
        // sliced answer copy it (RFC 7959 §2.4).
        let keep = registers || (kind == XKind::Request && self.config.block_wise_transfer);
        let (mut offset, mut len) = (0, 0);
        if keep {
            // A FETCH (and a registration) is kept whole; other requests without their payload,
            // which block requests do not repeat (RFC 7959 §2.4, §3.3).
            let mut k = b.clone();
            if !registers && builder.code_value() != Code::FETCH {
                k.payload(&[]);
            }
            (offset, len) = self.store_request(p, &k, tok)?;
        }
        if let Err(e) = self.queue(p, &b, kind == XKind::Request) {
            if keep {
                self.arena.used = offset;
            }
            return Err(queue_error(e, self.peer_max));
        }
        let timeout = if kind == XKind::Ping { self.config.ping_timeout } else { self.config.response_timeout };
        let slot = p.exchanges.get_mut(i).ok_or(RequestError::ExchangesFull)?;
        *slot = ExchangeSlot {
            state: XState::Awaiting,
            kind,
            generation: slot.generation,
            token,
            token_len,
            observe: u8::from(registers),
            due: now.saturating_add(timeout),
            offset,
            len,
            transfer: super::transfer::NO_TRANSFER,
        };
        Ok(RequestHandle { slot: i as u32, generation: slot.generation })
    }

    /// Keeps request `b` (token set) whole in the exchange store on exchange `i` until the
    /// peer's CSM arrives ([`XState::Held`]).
    fn hold<const N: usize>(
        &mut self,
        p: &mut Parts<'_>,
        now: Instant,
        i: usize,
        (token, token_len): ([u8; 8], u8),
        b: &MessageBuilder<'_, N>,
        registers: bool,
    ) -> Result<RequestHandle, RequestError> {
        let tok = token.get(..usize::from(token_len)).unwrap_or(&[]);
        let (at, n) = self.store_request(p, b, tok)?;
        let slot = p.exchanges.get_mut(i).ok_or(RequestError::ExchangesFull)?;
        *slot = ExchangeSlot {
            state: XState::Held,
            kind: XKind::Request,
            generation: slot.generation,
            token,
            token_len,
            observe: u8::from(registers),
            due: now.saturating_add(self.config.response_timeout),
            offset: at,
            len: n,
            transfer: super::transfer::NO_TRANSFER,
        };
        Ok(RequestHandle { slot: i as u32, generation: slot.generation })
    }

    /// Writes `b` with token `tok` (UDP form, CON, message id 0) at the end of the exchange
    /// store; returns its offset and length.
    fn store_request<const N: usize>(
        &mut self,
        p: &mut Parts<'_>,
        b: &MessageBuilder<'_, N>,
        tok: &[u8],
    ) -> Result<(u32, u32), RequestError> {
        let n = b.encoded_len_with_token(tok.len());
        let at = self.arena.alloc(p.store, n).ok_or(RequestError::StoreFull)?;
        let out = p.store.get_mut(at as usize..at as usize + n).ok_or(RequestError::StoreFull)?;
        if let Err(e) = b.encode_as(MessageType::Confirmable, MessageId(0), tok, out) {
            self.arena.used = at;
            return Err(RequestError::Encode(e));
        }
        Ok((at, n as u32))
    }

    /// The peer's CSM is in: each held request goes whole if it now fits the peer's
    /// Max-Message-Size, else in Block1 blocks if both sides do block-wise, else it fails
    /// with [`TransferError::TooLarge`] (RFC 8323 §5.3.1, §6). One that needs room (an event,
    /// the transmit store) stays held and is tried again on the next `poll_transmit`.
    pub(crate) fn release_held(&mut self, p: &mut Parts<'_>, now: Instant) {
        if !self.peer_csm || self.phase == Phase::Closed {
            return;
        }
        for i in 0..p.exchanges.len() {
            let Some(e) = p.exchanges.get(i).copied().filter(|e| e.state == XState::Held) else { continue };
            let Some(m) = p.store.get(e.offset as usize..(e.offset + e.len) as usize).and_then(|r| {
                Message::new_checked(r).ok().map(|m| (m.code(), m.payload().len(), m.layout().options_end))
            }) else {
                continue;
            };
            let (code, payload_len, options_end) = m;
            let tkl = usize::from(e.token_len);
            let size = self.frame_len((e.len as usize).saturating_sub(4 + tkl), tkl);
            let registers = e.observe != 0;
            let failed = if size <= self.peer_max as usize {
                match self.send_held(p, i) {
                    Ok(()) => {
                        // Kept as `request` keeps it: a registration or FETCH whole, another
                        // request (with block-wise on) without its payload, else not at all.
                        let keep = registers || self.config.block_wise_transfer;
                        if !keep {
                            self.free_registration(p, i);
                        } else if !registers && code != Code::FETCH && payload_len > 0 {
                            self.cut_kept(p, i, options_end);
                        }
                        if let Some(x) = p.exchanges.get_mut(i) {
                            (x.state, x.due) = (XState::Awaiting, now.saturating_add(self.config.response_timeout));
                        }
                        None
                    }
                    Err(QueueError::Full) if self.tx.front().is_some() || !self.event_room(p, 1, None) => continue,
                    Err(_) => Some(TransferError::BodyTooLarge),
                }
            } else if self.blocks_out() && payload_len > 0 && !registers {
                if !self.event_room(p, 1, None) {
                    continue;
                }
                match self.upload_held(p, now, i) {
                    Ok(()) => None,
                    Err(RequestError::TooLarge { required, max }) => Some(TransferError::TooLarge { required, max }),
                    Err(_) => Some(TransferError::BodyTooLarge),
                }
            } else {
                Some(TransferError::TooLarge { required: size, max: self.peer_max })
            };
            if let Some(reason) = failed {
                if !self.event_room(p, 1, None) {
                    continue;
                }
                let _ = self.push_event(p, EKind::TransferFailed(reason), (i as u32, e.generation), None);
                self.free_exchange(p, i);
            }
        }
    }

    /// Frames held request `i` (whole, from the exchange store) into the transmit store.
    fn send_held(&mut self, p: &mut Parts<'_>, i: usize) -> Result<(), QueueError> {
        let e = p.exchanges.get(i).copied().ok_or(QueueError::Full)?;
        let store = core::mem::take(&mut p.store);
        let result = (|| {
            let kept = store.get(e.offset as usize..(e.offset + e.len) as usize).ok_or(QueueError::Full)?;
            let (code, options, payload) = stored(kept).ok_or(QueueError::Full)?;
            let splice = Splice { code, options, skip: &[], extra: Extra::new(), payload };
            self.queue_splice(p, &splice, e.token())
        })();
        p.store = store;
        result
    }

    /// Cuts exchange `i`'s kept request to its first `len` bytes (header, token, options: the
    /// payload and its marker go).
    fn cut_kept(&mut self, p: &mut Parts<'_>, i: usize, len: u32) {
        let Some(e) = p.exchanges.get(i).copied().filter(|e| len < e.len) else { return };
        let cut = e.len - len;
        self.arena.free(p.store, e.offset + len, cut);
        for x in p.exchanges.iter_mut() {
            if x.len > 0 && x.offset > e.offset {
                x.offset -= cut;
            }
        }
        if let Some(x) = p.exchanges.get_mut(i) {
            x.len = len;
        }
    }

    /// Sends a Ping (RFC 8323 §5.4), with Custody (§5.4.1) if asked.
    pub(crate) fn ping(
        &mut self,
        p: &mut Parts<'_>,
        now: Instant,
        custody: bool,
    ) -> Result<RequestHandle, RequestError> {
        let b = Signal::Ping { custody }.builder().map_err(RequestError::Encode)?;
        self.request(p, now, &b, XKind::Ping)
    }

    /// The exchange `h` names, if it is still open for the application.
    pub(crate) fn exchange(p: &Parts<'_>, h: RequestHandle) -> Option<usize> {
        let e = p.exchanges.get(h.slot as usize)?;
        (e.generation == h.generation && matches!(e.state, XState::Held | XState::Awaiting | XState::Observing))
            .then_some(h.slot as usize)
    }

    /// Forgets a request. An observation is deregistered on the way (RFC 8323 §7.4: over a
    /// reliable transport the client MUST deregister explicitly; there is no RST to end it).
    pub(crate) fn cancel(&mut self, p: &mut Parts<'_>, now: Instant, h: RequestHandle) -> Result<(), RequestError> {
        let i = Self::exchange(p, h).ok_or(RequestError::UnknownRequest)?;
        // A held registration was never sent: nothing to deregister.
        let observing = p.exchanges.get(i).is_some_and(|e| e.observe != 0 && e.len > 0 && e.state != XState::Held);
        if observing && self.phase != Phase::Closed {
            self.deregister(p, now, h)?;
            if let Some(x) = p.exchanges.get_mut(i) {
                x.state = XState::Cancelling;
            }
        } else {
            self.free_exchange(p, i);
        }
        Ok(())
    }

    /// Sends the registration again with Observe 1 and the same token (RFC 7641 §3.6, RFC 8323
    /// §7.4); its response is the final [`Event::ResponseReceived`](crate::endpoint::Event).
    pub(crate) fn deregister(&mut self, p: &mut Parts<'_>, now: Instant, h: RequestHandle) -> Result<(), RequestError> {
        let i = Self::exchange(p, h).ok_or(RequestError::UnknownRequest)?;
        let e = *p.exchanges.get(i).ok_or(RequestError::UnknownRequest)?;
        if e.observe == 0 || e.len == 0 || e.state == XState::Held {
            return Err(RequestError::UnknownRequest);
        }
        // Rewrite the registration with Observe 1 at the end of the arena (scratch), frame it
        // from there, then drop both.
        let room = e.len as usize + 4;
        let at = self.arena.alloc(p.store, room).ok_or(RequestError::StoreFull)?;
        let result = self.queue_deregistration(p, &e, at);
        self.arena.used = at;
        result?;
        self.free_registration(p, i);
        if let Some(x) = p.exchanges.get_mut(i) {
            x.observe = 0;
            x.state = XState::Awaiting;
            x.due = now.saturating_add(self.config.response_timeout);
        }
        Ok(())
    }

    fn queue_deregistration(&mut self, p: &mut Parts<'_>, e: &ExchangeSlot, at: u32) -> Result<(), RequestError> {
        let (head, scratch) = p.store.split_at_mut_checked(at as usize).ok_or(RequestError::StoreFull)?;
        let old = head.get(e.offset as usize..(e.offset + e.len) as usize).ok_or(RequestError::UnknownRequest)?;
        let m = Message::new_checked(old).map_err(|_| RequestError::UnknownRequest)?;
        let mut w = MessageWriter::new(scratch, MessageType::Confirmable, m.code(), MessageId(0), m.token())
            .map_err(RequestError::Encode)?;
        for o in m.options() {
            if o.number == OptionNumber::OBSERVE {
                w.uint(OptionNumber::OBSERVE, 1).map_err(RequestError::Encode)?;
            } else {
                w.option(o.number, o.value).map_err(RequestError::Encode)?;
            }
        }
        let n = w.finish(m.payload()).map_err(RequestError::Encode)?;
        let tkl = m.token().len();
        let body = scratch.get(4 + tkl..n).ok_or(RequestError::StoreFull)?;
        let size = self.frame_len(body.len(), tkl);
        if size > self.peer_max as usize {
            return Err(queue_error(QueueError::TooLarge(size), self.peer_max));
        }
        let frame_at = self.tx.alloc(p.transmit, size).ok_or(RequestError::StoreFull)?;
        let out = super::bytes::Fifo::get_mut(p.transmit, frame_at);
        let h = self.write_header(out, body.len(), tkl as u8, m.code());
        if let Some((token, rest)) = out.get_mut(h..).and_then(|o| o.split_at_mut_checked(tkl)) {
            token.copy_from_slice(m.token());
            if rest.len() == body.len() {
                rest.copy_from_slice(body);
            }
        }
        Ok(())
    }

    /// Fires the response and Pong timeouts due at `now`.
    pub(crate) fn expire(&mut self, p: &mut Parts<'_>, now: Instant) {
        for i in 0..p.exchanges.len() {
            let Some(&e) = p.exchanges.get(i) else { continue };
            if e.due > now {
                continue;
            }
            match e.state {
                XState::Held | XState::Awaiting => {
                    // A fetch of a notification's blocks (RFC 7959 §3.4) reports to its
                    // registration, which goes on.
                    let fetch = p
                        .transfers
                        .get(usize::from(e.transfer))
                        .filter(|s| s.parent as usize != i && s.parent != u32::MAX)
                        .map(|s| (s.parent, s.parent_generation));
                    let (ev, owner) = match fetch {
                        Some(owner) => (EKind::TransferFailed(TransferError::TimedOut), owner),
                        None => (EKind::RequestTimedOut, (i as u32, e.generation)),
                    };
                    if let Ok(true) = self.push_event(p, ev, owner, None) {
                        self.free_exchange(p, i);
                    }
                    // No room for the event: it stays due, and the next call tries again.
                }
                XState::Cancelling => self.free_exchange(p, i),
                XState::Free | XState::Observing => {}
            }
        }
    }

    /// The earliest response or Pong deadline.
    pub(crate) fn next_expiry(x: &[ExchangeSlot]) -> Option<Instant> {
        x.iter()
            .filter(|e| matches!(e.state, XState::Held | XState::Awaiting | XState::Cancelling))
            .map(|e| e.due)
            .min()
    }
}
