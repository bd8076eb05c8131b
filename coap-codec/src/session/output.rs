//! Output and time: `poll_transmit` (our CSM first, then the queue in order), `handle_timeout`
//! (response, Pong and CSM deadlines), `poll_timeout`, and the ways out: Release, Abort and
//! the transport closing (RFC 8323 §3.3, §3.4, §5.3, §5.5, §5.6).

use core::time::Duration;

use super::bytes::Fifo;
use super::core::{Core, Phase};
use super::storage::{ExchangeSlot, Parts};
use super::transfer::TransferSlot;
use super::{CloseReason, Role};
use crate::endpoint::{BufferTooSmall, RequestError, Transmit};
use crate::time::Instant;
use crate::wire::signal::Signal;
use crate::wire::tcp;

impl Core {
    /// Writes the next frame into `buf`.
    pub(crate) fn poll_transmit(
        &mut self,
        p: &mut Parts<'_>,
        now: Instant,
        buf: &mut [u8],
    ) -> Result<Option<Transmit<()>>, BufferTooSmall> {
        if self.gone {
            return Ok(None);
        }
        if !self.csm_sent {
            // RFC 8323 §3.3, §4.3: the CSM is the first message each side sends, whatever was
            // queued before it.
            let csm =
                Signal::Csm { max_message_size: self.own_max, block_wise_transfer: self.config.block_wise_transfer };
            let Ok(b) = csm.builder() else { return Ok(None) };
            let need = self.frame_len(b.body_len(), 0);
            let out = buf.get_mut(..need).ok_or(BufferTooSmall { required: need })?;
            let written = if self.ws() { tcp::encode_ws(&b, out) } else { tcp::encode(&b, out) };
            let len = written.map_err(|_| BufferTooSmall { required: need })?;
            self.csm_sent = true;
            if !self.peer_csm && self.phase != Phase::Closed {
                self.csm_deadline = self.config.csm_timeout.map(|t| now.saturating_add(t));
            }
            return Ok(Some(Transmit { len, to: () }));
        }
        if self.phase != Phase::Closed {
            self.flush_pongs(p);
            self.release_held(p, now);
            self.resume_stalled(p, now);
        }
        if self.config.role == Role::Acceptor && !self.peer_csm && self.phase == Phase::Open {
            // RFC 8323 §3.3 lets the initiator send after its CSM without waiting; the
            // acceptor's own requests wait for the initiator's CSM.
            return Ok(None);
        }
        let Some(at) = self.tx.front() else { return Ok(None) };
        let frame = Fifo::get(p.transmit, at);
        let out = buf.get_mut(..frame.len()).ok_or(BufferTooSmall { required: frame.len() })?;
        out.copy_from_slice(frame);
        let len = frame.len();
        self.tx.pop(p.transmit);
        Ok(Some(Transmit { len, to: () }))
    }

    /// Fires every deadline at or before `now`.
    pub(crate) fn handle_timeout(&mut self, p: &mut Parts<'_>, now: Instant) {
        self.release_shown(p);
        if self.phase == Phase::Closed {
            return;
        }
        if self.csm_deadline.is_some_and(|t| t <= now) && !self.peer_csm {
            self.fail(p, CloseReason::CsmTimeout, None);
            return;
        }
        self.expire(p, now);
        self.expire_transfers(p, now);
    }

    /// The earliest deadline.
    pub(crate) fn poll_timeout(&self, x: &[ExchangeSlot], t: &[TransferSlot]) -> Option<Instant> {
        if self.phase == Phase::Closed {
            return None;
        }
        let csm = if self.peer_csm { None } else { self.csm_deadline };
        [Self::next_expiry(x), csm, Self::transfer_expiry(t)].into_iter().flatten().min()
    }

    /// Queues Release after what is already queued (RFC 8323 §5.5: messages in flight are
    /// still expected to be processed).
    pub(crate) fn release(
        &mut self,
        p: &mut Parts<'_>,
        alternative_address: Option<&str>,
        hold_off: Option<Duration>,
    ) -> Result<(), RequestError> {
        match self.phase {
            Phase::Open => {}
            Phase::Releasing => return Ok(()),
            Phase::Closed => return Err(RequestError::Closed),
        }
        // Hold-Off is a uint of 0-3 bytes (§5.5): at most 2^24 - 1 seconds.
        let hold_off = hold_off.map(|d| u32::try_from(d.as_secs()).unwrap_or(u32::MAX).min(0xFF_FFFF));
        let signal = Signal::Release { alternative_address: alternative_address.map(str::as_bytes), hold_off };
        let b = signal.builder().map_err(RequestError::Encode)?;
        self.queue(p, &b, false).map_err(|_| RequestError::StoreFull)?;
        self.phase = Phase::Releasing;
        Ok(())
    }

    /// Aborts: the queue is replaced by an Abort with `diagnostic` (RFC 8323 §5.6).
    pub(crate) fn abort(&mut self, p: &mut Parts<'_>, diagnostic: &str) {
        if self.phase == Phase::Closed || self.gone {
            return;
        }
        self.queue_abort(p, diagnostic, None);
        self.close(p, CloseReason::Aborted);
    }

    /// The transport closed: nothing more is written; every handle is void (RFC 8323 §3.4).
    pub(crate) fn connection_lost(&mut self, p: &mut Parts<'_>) {
        if self.phase != Phase::Closed {
            let reason =
                if self.phase == Phase::Releasing { CloseReason::Released } else { CloseReason::TransportClosed };
            self.close(p, reason);
        }
        self.gone = true;
        self.tx.clear();
    }
}
