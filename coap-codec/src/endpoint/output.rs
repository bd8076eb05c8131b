//! Time and output: `handle_timeout` (retransmission with exponential back-off, give-up,
//! response timeouts, automatic empty ACKs), `poll_transmit`, `poll_timeout`.

use core::hash::Hash;

use super::bytes::QUEUED;
use super::core::Core;
use super::storage::{DedupSlot, EKind, ExchangeSlot, Parts, Tx, XKind, XState};
use super::{BufferTooSmall, ObserverRemoval, Transmit};
use crate::time::Instant;

impl Core {
    /// Fires every deadline at or before `now`.
    pub(crate) fn handle_timeout<P: Copy + Eq + Hash>(&mut self, p: &mut Parts<'_, P>, now: Instant) {
        for i in 0..p.exchanges.len() {
            let Some(&e) = p.exchanges.get(i) else { continue };
            if e.due > now {
                continue;
            }
            match e.state {
                XState::AwaitingAck if e.retries < e.max_retransmit => {
                    // RFC 7252 §4.2: retransmit, doubling the timeout.
                    if let Some(x) = p.exchanges.get_mut(i) {
                        x.retries += 1;
                        x.timeout_ms = x.timeout_ms.saturating_mul(2);
                        x.due = Core::after(x.due, x.timeout_ms);
                        x.send = true;
                    }
                }
                XState::AwaitingAck | XState::AwaitingResponse => self.give_up(p, now, i, &e),
                _ => {}
            }
        }
        self.dedup_room(p, now);
        self.expire_transfers(p, now);
        self.advance_ack_cursor(p.dedup);
        while let Some((i, due)) = self.ack_deadline(p.dedup, now) {
            if due > now {
                break;
            }
            // RFC 7252 §5.2.2: the answer takes a while; stop the client's retransmissions.
            if self.accept_slot(p, i).is_err() {
                // No room for the ACK now; the client's retransmission will ask again.
                self.ack_cursor += 1;
            }
            self.advance_ack_cursor(p.dedup);
        }
    }

    /// A CON was never acknowledged, or a response never came.
    fn give_up<P: Copy + Eq + Hash>(&mut self, p: &mut Parts<'_, P>, now: Instant, i: usize, e: &ExchangeSlot<P>) {
        let Some(peer) = e.peer else { return };
        if e.kind == XKind::Request && e.transfer != super::transfer::NO_TRANSFER && self.block_give_up(p, now, i) {
            // RFC 7959: the block is asked for again (or the fetch of a notification failed).
            return;
        }
        let event = match e.kind {
            XKind::Request | XKind::Ping => Some(EKind::RequestTimedOut),
            XKind::Response => Some(EKind::ResponseNotAcknowledged),
            XKind::Notification => None,
        };
        match event {
            Some(kind) => {
                if self.push_event(p, peer, kind, i as u32, e.generation, None).is_err() {
                    // No room for the event: try again at the next call rather than lose it.
                    return;
                }
                self.finish(p, now, i);
            }
            // RFC 7641 §4.5: an observer whose CON notification times out is removed.
            None => {
                if self.observer_gone(p, usize::from(e.observer), ObserverRemoval::TimedOut).is_err() {
                    self.finish(p, now, i);
                }
            }
        }
    }

    /// The earliest deadline.
    pub(crate) fn poll_timeout<P>(&self, x: &[ExchangeSlot<P>], d: &[DedupSlot<P>]) -> Option<Instant> {
        let ex =
            x.iter().filter(|e| matches!(e.state, XState::AwaitingAck | XState::AwaitingResponse)).map(|e| e.due).min();
        let ack = self.ack_deadline(d, self.last_now).map(|(_, t)| t);
        let expiry = self.dedup_expiry(d);
        [ex, ack, expiry].into_iter().flatten().min()
    }

    /// Writes the next datagram into `buf`.
    pub(crate) fn poll_transmit<P: Copy + Eq>(
        &mut self,
        p: &mut Parts<'_, P>,
        buf: &mut [u8],
    ) -> Result<Option<Transmit<P>>, BufferTooSmall> {
        while self.tx_len > 0 {
            let cap = p.transmit.len() as u32;
            let Some(&slot) = p.transmit.get(self.tx_head as usize) else { break };
            let len = match slot.what {
                Tx::Reset(_) | Tx::EmptyAck(_) => 4,
                Tx::Cached { len, .. } => usize::from(len),
                Tx::Regen { slot, generation, body } => match self.regen_len(p, (slot, generation, body)) {
                    Some(len) => len,
                    None => {
                        // Its dedup entry or body is gone: nothing to send.
                        self.tx_head = super::core::wrap(self.tx_head + 1, cap);
                        self.tx_len -= 1;
                        continue;
                    }
                },
            };
            if buf.len() < len {
                return Err(BufferTooSmall { required: len });
            }
            self.tx_head = super::core::wrap(self.tx_head + 1, cap);
            self.tx_len -= 1;
            let out = buf.get_mut(..len).unwrap_or(&mut []);
            match slot.what {
                Tx::Reset(id) | Tx::EmptyAck(id) => {
                    let t = if matches!(slot.what, Tx::Reset(_)) { 0x70 } else { 0x60 };
                    let [hi, lo] = id.to_be_bytes();
                    out.copy_from_slice(&[t, 0, hi, lo]);
                }
                Tx::Cached { offset, .. } => {
                    let chunk = self.cache.get(p.cache, offset);
                    let n = len.min(chunk.len());
                    if let (Some(o), Some(c)) = (out.get_mut(..n), chunk.get(..n)) {
                        o.copy_from_slice(c);
                    }
                    self.cache.release(p.cache, offset, QUEUED);
                }
                Tx::Regen { slot, generation, body } => {
                    if self.regen_write(p, (slot, generation, body), out).is_none() {
                        continue;
                    }
                }
            }
            if let Some(to) = slot.to {
                return Ok(Some(Transmit { len, to }));
            }
        }
        for e in p.exchanges.iter_mut() {
            if !e.send {
                continue;
            }
            let len = e.len as usize;
            if buf.len() < len {
                return Err(BufferTooSmall { required: len });
            }
            e.send = false;
            let (Some(msg), Some(out)) = (p.store.get(e.offset as usize..e.offset as usize + len), buf.get_mut(..len))
            else {
                continue;
            };
            out.copy_from_slice(msg);
            if let Some(to) = e.peer {
                return Ok(Some(Transmit { len, to }));
            }
        }
        Ok(None)
    }
}
