//! Answering: responses, No-Response, observers and their notifications (RFC 7252 §5.2; RFC
//! 7967; RFC 7641 §4 as updated by RFC 8323 §7).

use super::core::{Core, Phase, QueueError};
use super::storage::{ObserverSlot, Parts, F_OBSERVE, F_REGISTRATION, NONE};
use crate::endpoint::{ObserverHandle, RespondError, Responded, ResponseHandle, Table};
use crate::time::Instant;
use crate::wire::{EncodeError, MessageBuilder, NoResponse, OptionNumber};

/// `RespondError` for a frame that could not be queued.
fn queue_error(e: QueueError) -> RespondError {
    match e {
        // The message needs `required` bytes; the peer accepts fewer (RFC 8323 §5.3.1).
        QueueError::TooLarge(required) => RespondError::Encode(EncodeError::BufferTooSmall { required }),
        QueueError::Full => RespondError::Full(Table::Transmit),
    }
}

impl Core {
    /// The request slot `h` names, while it waits for its answer.
    fn answerable(p: &Parts<'_>, h: ResponseHandle) -> Option<usize> {
        let r = p.requests.get(h.slot as usize)?;
        (r.used && r.generation == h.generation).then_some(h.slot as usize)
    }

    fn observer(p: &Parts<'_>, o: ObserverHandle) -> Option<usize> {
        let s = p.observers.get(o.slot as usize)?;
        (s.used && s.generation == o.generation).then_some(o.slot as usize)
    }

    /// Answers a received request with the same token. A registration accepted with
    /// [`observe`](Self::observe) gets Observe in a 2.xx answer (RFC 7641 §4.2); an error answer
    /// ends it (§4.1).
    pub(crate) fn respond<const N: usize>(
        &mut self,
        p: &mut Parts<'_>,
        _now: Instant,
        h: ResponseHandle,
        builder: &MessageBuilder<'_, N>,
    ) -> Result<Responded, RespondError> {
        let i = Self::answerable(p, h).ok_or(RespondError::UnknownRequest)?;
        let code = builder.code_value();
        if !code.is_response() {
            return Err(RespondError::NotAResponse);
        }
        let r = *p.requests.get(i).ok_or(RespondError::UnknownRequest)?;
        let observer = if r.flags & F_OBSERVE != 0 {
            p.observers.iter().position(|o| o.used && o.token() == r.token())
        } else {
            None
        };
        // RFC 7967 §2: no answer of a class the client asked not to get.
        if NoResponse(r.no_response).suppresses(code) {
            Self::free_request(p, i);
            self.flush_pongs(p);
            return Ok(Responded::Suppressed);
        }
        let mut b = builder.clone();
        b.token(r.token()).map_err(RespondError::Encode)?;
        let sequence = match (observer, code.class()) {
            (Some(o), 2) => p.observers.get(o).map(|s| s.sequence),
            _ => None,
        };
        if let Some(sequence) = sequence {
            b.uint(OptionNumber::OBSERVE, sequence).map_err(RespondError::Encode)?;
        }
        // RFC 7959 §2.5: the answer to a reassembled body names its last block.
        // (A builder with no room for one more option goes without: Block1 only informs.)
        if r.block1 != NONE && b.uint_value(OptionNumber::BLOCK1).is_none() {
            let _ = b.uint(OptionNumber::BLOCK1, r.block1);
        }
        let want = (r.block2 != NONE).then(|| crate::blockwise::block_of(r.block2));
        let too_large = self.frame_len(b.body_len(), r.token().len()) > self.peer_max as usize;
        // RFC 7959 §2.4 (RFC 8323 §6): over the peer's Max-Message-Size, or asked for in blocks
        // smaller than the payload (or a later block), the answer goes in Block2 blocks.
        let sliced = self.blocks_out()
            && builder.payload_len() > 0
            && builder.uint_value(OptionNumber::BLOCK2).is_none()
            && (too_large
                || want.is_some_and(|w| w.num > 0 || builder.payload_len() > super::transfer::unit(w.szx) as usize));
        if sliced {
            let block1 = if r.block1 != NONE { r.block1 } else { NONE };
            self.respond_in_blocks(p, (r.key, r.token()), builder, want, (block1, sequence))?;
        } else {
            self.queue(p, &b, true).map_err(queue_error)?;
        }
        if let (Some(o), false) = (observer, code.class() == 2) {
            // RFC 7641 §4.1: an error answer to a registration registers nobody.
            Self::free_observer(p, o);
        }
        Self::free_request(p, i);
        self.flush_pongs(p);
        Ok(Responded::Sent)
    }

    /// Registers the sender of a GET/FETCH with Observe 0 as an observer of `resource` (RFC
    /// 7641 §4.1); the same token again updates the entry.
    pub(crate) fn observe(
        &mut self,
        p: &mut Parts<'_>,
        h: ResponseHandle,
        resource: u32,
    ) -> Result<ObserverHandle, RespondError> {
        let i = Self::answerable(p, h).ok_or(RespondError::UnknownRequest)?;
        let r = *p.requests.get(i).ok_or(RespondError::UnknownRequest)?;
        if r.flags & F_REGISTRATION == 0 {
            return Err(RespondError::NotARegistration);
        }
        let existing = p.observers.iter().position(|o| o.used && o.token() == r.token());
        let o = match existing {
            Some(o) => o,
            None => p.observers.iter().position(|o| !o.used).ok_or(RespondError::Full(Table::Observers))?,
        };
        let slot = p.observers.get_mut(o).ok_or(RespondError::Full(Table::Observers))?;
        if existing.is_some() {
            slot.resource = resource;
            slot.sequence = (slot.sequence + 1) & 0xFF_FFFF;
        } else {
            *slot = ObserverSlot {
                used: true,
                resource,
                sequence: 1,
                generation: slot.generation,
                token: r.token,
                token_len: r.token_len,
                key: r.key,
            };
        }
        let handle = ObserverHandle { slot: o as u32, generation: slot.generation };
        if let Some(r) = p.requests.get_mut(i) {
            r.flags |= F_OBSERVE;
        }
        Ok(handle)
    }

    /// Sends a notification (RFC 7641 §4.2). There is no CON or NON on a reliable transport
    /// (RFC 8323 §7.2); the Observe value still counts up (§7.1 lets it be empty, a proxy
    /// towards UDP can use it). A non-2.xx notification ends the observation and carries no
    /// Observe.
    pub(crate) fn notify<const N: usize>(
        &mut self,
        p: &mut Parts<'_>,
        o: ObserverHandle,
        builder: &MessageBuilder<'_, N>,
    ) -> Result<(), RespondError> {
        if self.phase == Phase::Closed {
            return Err(RespondError::UnknownObserver);
        }
        let oi = Self::observer(p, o).ok_or(RespondError::UnknownObserver)?;
        let code = builder.code_value();
        if !code.is_response() {
            return Err(RespondError::NotAResponse);
        }
        let ob = *p.observers.get(oi).ok_or(RespondError::UnknownObserver)?;
        let mut b = builder.clone();
        b.token(ob.token()).map_err(RespondError::Encode)?;
        if code.class() != 2 {
            // RFC 7641 §4.2: a non-2.xx notification ends the observation. One over the
            // peer's Max-Message-Size goes with its payload cut to fit rather than not at all
            // (our choice: the client must learn that the observation is over, and our own
            // client fetches no blocks of an error, RFC 7959 §2.4 downloads 2.xx bodies; an
            // error's payload is a diagnostic, RFC 7252 §5.5.2). Cut at a UTF-8 boundary.
            let frame = self.frame_len(b.body_len(), ob.token().len());
            let payload = builder.payload_bytes();
            if let Some(over) = frame.checked_sub(self.peer_max as usize).filter(|&o| o > 0 && !payload.is_empty()) {
                let mut keep = payload.len().saturating_sub(over);
                if let Ok(text) = core::str::from_utf8(payload) {
                    while !text.is_char_boundary(keep) {
                        keep -= 1;
                    }
                }
                b.payload(payload.get(..keep).unwrap_or(&[]));
            }
            self.queue(p, &b, true).map_err(queue_error)?;
            Self::free_observer(p, oi);
            return Ok(());
        }
        let sequence = (ob.sequence + 1) & 0xFF_FFFF;
        b.uint(OptionNumber::OBSERVE, sequence).map_err(RespondError::Encode)?;
        let too_large = self.frame_len(b.body_len(), ob.token().len()) > self.peer_max as usize;
        if too_large && self.blocks_out() && builder.payload_len() > 0 {
            // RFC 7959 §3.4: the first block goes with Observe; the client fetches the rest
            // with GETs, served from the body kept under the registration's key.
            self.respond_in_blocks(p, (ob.key, ob.token()), builder, None, (NONE, Some(sequence)))?;
        } else {
            self.queue(p, &b, true).map_err(queue_error)?;
        }
        if let Some(s) = p.observers.get_mut(oi) {
            s.sequence = sequence;
        }
        Ok(())
    }

    /// Removes an observer without telling it.
    pub(crate) fn remove_observer(p: &mut Parts<'_>, o: ObserverHandle) -> Result<(), RespondError> {
        let oi = Self::observer(p, o).ok_or(RespondError::UnknownObserver)?;
        Self::free_observer(p, oi);
        Ok(())
    }
}
