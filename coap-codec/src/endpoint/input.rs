//! `handle_input`: one datagram in, classified and answered as RFC 7252 §4 prescribes.

use core::hash::Hash;

use super::core::Core;
use super::event::BlockRequest;
use super::server::Pending;
use super::storage::{
    DState, EKind, Parts, Tx, XKind, XState, F_CON, F_ECHO_OK, F_EMPTY_ACK, F_REGEN, F_REGISTRATION, NONE,
};
use super::{Discarded, ObserverRemoval, Table};
use crate::time::Instant;
use crate::wire::{Code, Message, MessageType, Observe, OptionNumber, Reaction};

/// Critical options this endpoint registers but does not implement: a request carrying one
/// gets 4.02 (RFC 7252 §5.4.1). OSCORE (RFC 8613), Q-Block1/2 (RFC 9177), EDHOC (RFC 9668).
const UNSUPPORTED: [u16; 4] = [9, 19, 21, 31];

/// The first critical option of `m` that is unrecognised, unsupported or malformed (§5.4.1,
/// §5.4.3, §5.4.5).
fn bad_critical_option(m: &Message<&[u8]>) -> Option<OptionNumber> {
    if let Some(o) =
        m.options().find(|o| o.number.is_critical() && (!o.number.is_known() || UNSUPPORTED.contains(&o.number.0)))
    {
        return Some(o.number);
    }
    m.option_problems().find(|(o, _)| o.number.is_critical()).map(|(o, _)| o.number)
}

impl Core {
    pub(crate) fn handle_input<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        datagram: &[u8],
    ) -> Result<(), Discarded> {
        self.release_shown(p);
        let m = match Message::new_checked(datagram) {
            Ok(m) => m,
            Err(e) => {
                // RFC 7252 §4.2: a malformed CON is rejected with RST; §4.3: the rest silently.
                if let (Reaction::Reset, Some((_, id))) = (e.reaction(), e.header) {
                    self.push_tx(p.transmit, from, Tx::Reset(id.0));
                }
                return Err(Discarded::Malformed(e));
            }
        };
        let ty = m.message_type();
        let code = m.code();
        if code.is_empty() {
            return self.empty(p, now, from, ty, m.message_id().0);
        }
        if m.token().len() > 8 {
            // RFC 8974 §2.2.1: without extended-token support, a format error.
            if ty == MessageType::Confirmable {
                self.push_tx(p.transmit, from, Tx::Reset(m.message_id().0));
            }
            return Err(Discarded::ExtendedToken);
        }
        if code.is_request() {
            if !matches!(ty, MessageType::Confirmable | MessageType::NonConfirmable) {
                // RFC 7252 §4.2, §4.3: an ACK or RST cannot carry a request; never answered.
                return Err(Discarded::Rejected);
            }
            return self.request_in(p, now, from, &m);
        }
        self.response_in(p, now, from, &m)
    }

    /// An Empty message: ping, ACK or RST (RFC 7252 §4.1-§4.3).
    fn empty<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        ty: MessageType,
        id: u16,
    ) -> Result<(), Discarded> {
        match ty {
            MessageType::Confirmable => {
                // RFC 7252 §4.3: CoAP ping, answered with RST.
                self.push_tx(p.transmit, from, Tx::Reset(id));
                Ok(())
            }
            MessageType::NonConfirmable => Err(Discarded::Rejected),
            MessageType::Acknowledgement => {
                let i = self.by_message_id(p, from, id, true).ok_or(Discarded::Unmatched)?;
                let e = *p.exchanges.get(i).ok_or(Discarded::Unmatched)?;
                match e.kind {
                    XKind::Request => {
                        // RFC 7252 §5.2.2: the response follows separately.
                        if let Some(x) = p.exchanges.get_mut(i) {
                            x.state = XState::AwaitingResponse;
                            x.due = Core::after(now, x.response_timeout_ms);
                        }
                        self.start_queued(p, now, from);
                        Ok(())
                    }
                    XKind::Ping => {
                        self.push_event(p, from, EKind::PongReceived, i as u32, e.generation, None)
                            .map_err(Discarded::Full)?;
                        self.finish(p, now, i);
                        Ok(())
                    }
                    XKind::Response | XKind::Notification => {
                        if let Some(o) = p.observers.get_mut(usize::from(e.observer)) {
                            if usize::from(o.in_flight) == i {
                                o.in_flight = u16::MAX;
                            }
                        }
                        self.finish(p, now, i);
                        Ok(())
                    }
                }
            }
            MessageType::Reset => {
                if let Some(i) = self.by_message_id(p, from, id, false) {
                    let e = *p.exchanges.get(i).ok_or(Discarded::Unmatched)?;
                    let kind = match e.kind {
                        XKind::Request => Some(EKind::RequestReset),
                        XKind::Ping => Some(EKind::PongReceived),
                        XKind::Response => Some(EKind::ResponseNotAcknowledged),
                        XKind::Notification => None,
                    };
                    if let Some((parent, generation)) = Self::fetch_parent(p, i) {
                        // The fetch of a notification's blocks (RFC 7959 §3.4) was refused.
                        let reason = super::TransferError::Reset;
                        self.push_event(p, from, EKind::TransferFailed(reason), parent as u32, generation, None)
                            .map_err(Discarded::Full)?;
                        self.finish(p, now, i);
                    } else if let Some(kind) = kind {
                        self.push_event(p, from, kind, i as u32, e.generation, None).map_err(Discarded::Full)?;
                        self.finish(p, now, i);
                    } else {
                        self.observer_gone(p, usize::from(e.observer), ObserverRemoval::Reset)?;
                    }
                    return Ok(());
                }
                // RFC 7641 §3.6: an RST to a NON notification removes the observer.
                let o = p.observers.iter().position(|o| o.peer == Some(from) && o.recent_ids.contains(&id));
                match o {
                    Some(o) => self.observer_gone(p, o, ObserverRemoval::Reset),
                    None => Err(Discarded::Unmatched),
                }
            }
        }
    }

    /// Removes observer `o` and reports it.
    pub(crate) fn observer_gone<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        o: usize,
        reason: ObserverRemoval,
    ) -> Result<(), Discarded> {
        let Some(&ob) = p.observers.get(o) else { return Err(Discarded::Unmatched) };
        let Some(peer) = ob.peer else { return Err(Discarded::Unmatched) };
        self.push_event(p, peer, EKind::ObserverRemoved(reason), o as u32, ob.generation, None)
            .map_err(Discarded::Full)?;
        self.remove_observer(p, o);
        Ok(())
    }

    /// Frees exchange `i` and starts what waited for it (NSTART).
    pub(crate) fn finish<P: Copy + Eq + Hash>(&mut self, p: &mut Parts<'_, P>, now: Instant, i: usize) {
        let peer = p.exchanges.get(i).and_then(|e| e.peer);
        self.free_exchange(p, i);
        if let Some(peer) = peer {
            self.start_queued(p, now, peer);
        }
    }

    /// The exchange with `peer` whose current message has this id (RFC 7252 §4.2: ACK and RST
    /// match by message id). `ack`: only one still waiting for its ACK.
    fn by_message_id<P: Copy + Eq>(&self, p: &Parts<'_, P>, peer: P, id: u16, ack: bool) -> Option<usize> {
        p.exchanges.iter().position(|e| {
            e.peer == Some(peer)
                && e.message_id == id
                && if ack { e.state == XState::AwaitingAck } else { !matches!(e.state, XState::Free | XState::Queued) }
        })
    }

    /// A CON or NON request.
    fn request_in<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
    ) -> Result<(), Discarded> {
        let id = m.message_id().0;
        let con = m.message_type() == MessageType::Confirmable;
        let key = (super::core::bucket(&from, id, p.dedup_index.len()), from, id);
        if let Some(i) = self.dedup_find(p.dedup, p.dedup_index, key, now) {
            // RFC 7252 §4.5: processed once; a duplicate CON gets the same answer again.
            let s = *p.dedup.get(i).ok_or(Discarded::Duplicate)?;
            if con {
                if s.cache() != NONE {
                    let len = self.cache.get(p.cache, s.cache()).len();
                    self.send_cached(p, from, s.cache(), len);
                } else if s.flags & F_REGEN != 0 {
                    // RFC 7959: a 2.31 or a block of a kept body, made again.
                    let body = self.regen_body(p, &s, from, m);
                    self.push_tx(p.transmit, from, Tx::Regen { slot: i as u32, generation: s.generation, body });
                } else if s.flags & F_EMPTY_ACK != 0 {
                    self.push_tx(p.transmit, from, Tx::EmptyAck(id));
                }
            }
            return Err(Discarded::Duplicate);
        }
        if !self.dedup_room(p, now) {
            return Err(Discarded::Full(Table::Dedup));
        }
        if let Some(bad) = bad_critical_option(m) {
            // RFC 7252 §5.4.1: 4.02 to a CON (cached for duplicates), silence to a NON.
            if con {
                let n = 4 + m.token().len();
                let at = self.cache_bytes(p, n, crate::endpoint::bytes::OWNED).map_err(Discarded::Full)?;
                let out = self.cache.get_mut(p.cache, at);
                let [hi, lo] = id.to_be_bytes();
                if let Some(h) = out.first_chunk_mut::<4>() {
                    *h = [0x60 | m.token().len() as u8, Code::BAD_OPTION.0, hi, lo];
                }
                if let Some(t) = out.get_mut(4..) {
                    t.copy_from_slice(m.token());
                }
                match self.dedup_insert(p, key, now, DState::Done, F_CON) {
                    Some(i) => {
                        if let Some(d) = p.dedup.get_mut(i) {
                            d.set_cache(at);
                        }
                        self.send_cached(p, from, at, n);
                    }
                    None => self.cache.release(p.cache, at, crate::endpoint::bytes::OWNED),
                }
            } else {
                let _ = self.dedup_insert(p, key, now, DState::Done, 0);
            }
            return Err(Discarded::BadOption(bad));
        }
        if let Some(done) = self.block_request_in(p, now, from, m, key) {
            // RFC 7959: a Block1 block or a later Block2 block, handled here.
            return done;
        }
        self.event_room(p, Some(m.as_bytes().len())).map_err(Discarded::Full)?;
        self.deliver_request(p, now, from, m, key, None).map(|_| ())
    }

    /// Records request `m` as waiting for the application's answer and queues its event (the
    /// caller checked `event_room`); `body`: the event shows this transfer's reassembled body
    /// instead (RFC 7959), whose answer carries Block1 `block1`. Returns the dedup slot.
    pub(crate) fn deliver_request<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
        key: (usize, P, u16),
        body: Option<(u16, crate::wire::Layout, u32)>,
    ) -> Result<usize, Discarded> {
        let con = m.message_type() == MessageType::Confirmable;
        let mut flags = if con { F_CON } else { 0 };
        if let Some(echo) = m.option(OptionNumber::ECHO) {
            if self.echo_valid(&from, echo, now) {
                flags |= F_ECHO_OK;
            }
        }
        let observe = m.option(OptionNumber::OBSERVE).and_then(Observe::decode);
        if observe == Some(Observe(0)) && matches!(m.code(), Code::GET | Code::FETCH) {
            flags |= F_REGISTRATION;
        }
        let (token, token_len) = super::core::short_token(m.token());
        let pending = Pending { request_len: m.as_bytes().len(), token, token_len };
        let Some(i) = self.dedup_insert(p, key, now, DState::Pending, flags) else {
            return Err(Discarded::Full(Table::Dedup));
        };
        let generation = p.dedup.get(i).map_or(0, |d| d.generation);
        if let Some(d) = p.dedup.get_mut(i) {
            d.set_pending(&pending);
            d.aux = [m.uint_option(OptionNumber::NO_RESPONSE).map_or(0, |v| v as u8), 0, 0];
        }
        // RFC 7959 §2.4: where a sliced answer is kept, and the block asked for; carried by
        // the request's handle.
        let block = match self.block_szx() {
            Some(_) => BlockRequest {
                key: super::block::cache_key(m),
                block2: m
                    .option(OptionNumber::BLOCK2)
                    .and_then(crate::wire::Block::decode)
                    .map_or(NONE, |b| b.to_uint()),
                block1: body.map_or(NONE, |(_, _, b1)| b1),
            },
            None => BlockRequest::NONE,
        };
        // RFC 7641 §3.6: a GET with Observe 1 deregisters (the request itself is still served).
        if observe == Some(Observe(1)) {
            if let Some(o) = p.observers.iter().position(|o| o.peer == Some(from) && o.token() == m.token()) {
                let _ = self.observer_gone(p, o, ObserverRemoval::Deregistered);
            }
        }
        // Checked by the caller: cannot fail.
        let queued = match body {
            Some((t, layout, _)) => {
                self.push_body_event(p, from, EKind::RequestReceived, (i as u32, generation), t, layout)
            }
            None => self.push_event(p, from, EKind::RequestReceived, i as u32, generation, Some(m)),
        };
        if queued.is_ok() {
            self.set_last_event_block(p, block);
        }
        Ok(i)
    }

    /// A response: piggybacked on an ACK, or a separate CON or NON (RFC 7252 §5.2), or an
    /// Observe notification (RFC 7641 §3.2).
    fn response_in<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
    ) -> Result<(), Discarded> {
        let id = m.message_id().0;
        let ty = m.message_type();
        if let Some(bad) = bad_critical_option(m) {
            // RFC 7252 §5.4.1: a response with an unrecognised critical option is rejected:
            // RST to a CON, silence to an ACK (§4.2) or a NON (§4.3).
            if ty == MessageType::Confirmable {
                self.push_tx(p.transmit, from, Tx::Reset(id));
            }
            return Err(Discarded::BadOption(bad));
        }
        let i = match ty {
            MessageType::Acknowledgement => {
                // Matched by message id, then token (RFC 7252 §5.3.2).
                let i = self.by_message_id(p, from, id, true).ok_or(Discarded::Unmatched)?;
                let e = p.exchanges.get(i).ok_or(Discarded::Unmatched)?;
                if e.kind != XKind::Request || e.token() != m.token() {
                    return Err(Discarded::Unmatched);
                }
                i
            }
            MessageType::Reset => return Err(Discarded::Rejected),
            MessageType::Confirmable | MessageType::NonConfirmable => {
                let con = ty == MessageType::Confirmable;
                let key = (super::core::bucket(&from, id, p.dedup_index.len()), from, id);
                if let Some(d) = self.dedup_find(p.dedup, p.dedup_index, key, now) {
                    // A duplicate: the same empty ACK again for a CON (RFC 7252 §4.5).
                    let s = *p.dedup.get(d).ok_or(Discarded::Duplicate)?;
                    if con && s.flags & F_EMPTY_ACK != 0 {
                        self.push_tx(p.transmit, from, Tx::EmptyAck(id));
                    }
                    return Err(Discarded::Duplicate);
                }
                let found = p.exchanges.iter().position(|e| {
                    e.peer == Some(from)
                        && e.kind == XKind::Request
                        && !matches!(e.state, XState::Free | XState::Queued)
                        && e.token() == m.token()
                });
                let Some(i) = found else {
                    // RFC 7252 §4.2 / §4.3, RFC 7641 §3.6: a response nobody asked for is
                    // rejected with RST (which also ends an unwanted observation).
                    self.push_tx(p.transmit, from, Tx::Reset(id));
                    return Err(Discarded::Unmatched);
                };
                i
            }
        };
        let e = *p.exchanges.get(i).ok_or(Discarded::Unmatched)?;
        // Observe (RFC 7641 §3.3, §3.4).
        let observe = m.option(OptionNumber::OBSERVE).and_then(Observe::decode);
        let notification = e.observe != 0 && observe.is_some() && m.code().class() == 2;
        let (kind, observing, fresh) = if notification && e.observe == 2 {
            let v = observe.unwrap_or(Observe(0));
            let fresh = v.is_fresher_than(Observe(e.observe_seq)) || now > e.observe_at + self.config.observe_freshness;
            (EKind::NotificationReceived, true, fresh)
        } else {
            (EKind::ResponseReceived { observing: notification }, notification, true)
        };
        if !fresh {
            self.ack_response(p, now, from, m)?;
            return Err(Discarded::StaleNotification);
        }
        if let Some(done) = self.block_response_in(p, now, from, m, i, (kind, observing, observe)) {
            // RFC 7959: a block of a transfer, or the first block of one.
            return done;
        }
        self.event_room(p, Some(m.as_bytes().len())).map_err(Discarded::Full)?;
        self.ack_response(p, now, from, m)?;
        let _ = self.push_event(p, from, kind, i as u32, e.generation, Some(m));
        if observing {
            self.observed(p, now, from, i, observe);
        } else {
            // Final (RFC 7641 §3.2: a response without Observe, or an error, ends it).
            self.finish(p, now, i);
        }
        Ok(())
    }

    /// Acknowledges a CON response and remembers a CON or NON one against duplicates (RFC 7252
    /// §4.5); an ACK needs neither.
    pub(crate) fn ack_response<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        m: &Message<&[u8]>,
    ) -> Result<(), Discarded> {
        let (ty, id) = (m.message_type(), m.message_id().0);
        if ty != MessageType::Acknowledgement {
            let con = ty == MessageType::Confirmable;
            if !self.dedup_room(p, now) {
                return Err(Discarded::Full(Table::Dedup));
            }
            let flags = if con { F_CON | F_EMPTY_ACK } else { 0 };
            let key = (super::core::bucket(&from, id, p.dedup_index.len()), from, id);
            if self.dedup_insert(p, key, now, DState::Done, flags).is_some() && con {
                self.push_tx(p.transmit, from, Tx::EmptyAck(id));
            }
        }
        Ok(())
    }

    /// Observe registration `i` is established (or goes on): its last notification's number
    /// and time (RFC 7641 §3.4).
    pub(crate) fn observed<P: Copy + Eq + Hash>(
        &mut self,
        p: &mut Parts<'_, P>,
        now: Instant,
        from: P,
        i: usize,
        observe: Option<Observe>,
    ) {
        if let Some(x) = p.exchanges.get_mut(i) {
            let was_outstanding = x.is_outstanding();
            x.observe = 2;
            x.observe_seq = observe.map_or(0, |o| o.0);
            x.observe_at = now;
            x.state = XState::Established;
            x.send = false;
            if was_outstanding {
                self.start_queued(p, now, from);
            }
        }
    }
}
