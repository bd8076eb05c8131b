//! `handle_input`: frames in (RFC 8323 §3.2 from a byte stream, §4.2 one per WebSocket
//! message), classified and answered: signals (§5), requests and responses (RFC 7252 §5,
//! RFC 7641 as updated by RFC 8323 §7).

use super::block_server::BlockIn;
use super::core::{body_start, frame_total, Core, Flow, Incoming, PendingPong, Phase, QueueError};
use super::storage::{EKind, Parts, RequestSlot, XKind, XState, F_REGISTRATION, NONE};
use super::{CloseReason, Transport};
use crate::endpoint::ObserverRemoval;
use crate::wire::signal::{Signal, SignalError};
use crate::wire::tcp::{self, Status, TcpMessage};
use crate::wire::{decode_uint, Block, Code, MessageBuilder, MessageId, MessageType, Observe, OptionNumber};

/// Critical options this session registers but does not implement: a request carrying one gets
/// 4.02 (RFC 7252 §5.4.1), as on the endpoint. OSCORE (RFC 8613), Q-Block1/2 (RFC 9177), EDHOC
/// (RFC 9668).
const UNSUPPORTED: [u16; 4] = [9, 19, 21, 31];

/// The first critical option of `m` that is unrecognised, unsupported or malformed (RFC 7252
/// §5.4.1, §5.4.3, §5.4.5).
fn bad_critical_option(m: &TcpMessage<'_>) -> Option<OptionNumber> {
    if let Some(o) =
        m.options().find(|o| o.number.is_critical() && (!o.number.is_known() || UNSUPPORTED.contains(&o.number.0)))
    {
        return Some(o.number);
    }
    m.option_problems().find(|(o, _)| o.number.is_critical()).map(|(o, _)| o.number)
}

impl Core {
    pub(crate) fn handle_input(&mut self, p: &mut Parts<'_>, input: &[u8]) -> Result<usize, CloseReason> {
        self.release_shown(p);
        if self.phase == Phase::Closed {
            return Err(self.reason.unwrap_or(CloseReason::TransportClosed));
        }
        match self.config.transport {
            Transport::Tcp => self.stream(p, input),
            Transport::WebSocket => self.message(p, input),
        }
    }

    /// A TCP/TLS byte stream: whole frames from the front, while there is room.
    fn stream(&mut self, p: &mut Parts<'_>, input: &[u8]) -> Result<usize, CloseReason> {
        let mut used = 0;
        while let Some(rest) = input.get(used..) {
            if rest.is_empty() {
                break;
            }
            // RFC 8323 §5.3.1: a frame over our Max-Message-Size is refused as soon as its
            // header says so, before its body is buffered.
            if let Some(size) = frame_total(rest) {
                if size > self.own_max as usize {
                    let max = self.own_max;
                    return Err(self.fail(p, CloseReason::MessageTooLarge { size, max }, None));
                }
            }
            let (m, consumed) = match tcp::decode_frame(rest) {
                Ok(Status::Complete { item, consumed }) => (item, consumed),
                Ok(Status::Partial(_)) => break,
                // RFC 8323 §5.6: a message format error is answered with Abort.
                Err(e) => return Err(self.fail(p, CloseReason::Malformed(e), None)),
            };
            let start = rest.first().map_or(0, |&b| body_start(b, Transport::Tcp));
            let body = rest.get(start..consumed).unwrap_or(&[]);
            match self.on_message(p, &m, body)? {
                Flow::Taken => used += consumed,
                Flow::Blocked => break,
            }
            if self.phase == Phase::Closed {
                return Err(self.reason.unwrap_or(CloseReason::TransportClosed));
            }
        }
        Ok(used)
    }

    /// One WebSocket binary message (RFC 8323 §4.2): all of it, or nothing while there is no
    /// room.
    fn message(&mut self, p: &mut Parts<'_>, input: &[u8]) -> Result<usize, CloseReason> {
        if input.is_empty() {
            return Ok(0);
        }
        if input.len() > self.own_max as usize {
            let max = self.own_max;
            return Err(self.fail(p, CloseReason::MessageTooLarge { size: input.len(), max }, None));
        }
        let m = match tcp::decode_ws(input) {
            Ok(m) => m,
            Err(e) => return Err(self.fail(p, CloseReason::Malformed(e), None)),
        };
        let start = input.first().map_or(0, |&b| body_start(b, Transport::WebSocket));
        let flow = self.on_message(p, &m, input.get(start..).unwrap_or(&[]))?;
        if self.phase == Phase::Closed {
            return Err(self.reason.unwrap_or(CloseReason::TransportClosed));
        }
        Ok(if flow == Flow::Taken { input.len() } else { 0 })
    }

    /// One message; `body` is what follows its token.
    fn on_message(&mut self, p: &mut Parts<'_>, m: &TcpMessage<'_>, body: &[u8]) -> Result<Flow, CloseReason> {
        let code = m.code();
        if code.is_empty() {
            // RFC 8323 §3.4: Empty messages can always be sent and MUST be ignored (also before
            // the CSM: "always").
            return Ok(Flow::Taken);
        }
        if !self.peer_csm && code != Code::CSM {
            // RFC 8323 §3.3, §4.3: the peer's first message must be a CSM; a missing CSM is a
            // connection error.
            return Err(self.fail(p, CloseReason::MissingCsm, None));
        }
        if code.is_signal() {
            self.on_signal(p, m, body)
        } else if code.is_request() {
            self.on_request(p, m, body)
        } else if code.is_response() {
            self.on_response(p, m, body)
        } else {
            // 3.xx is reserved (RFC 7252 §12.1.2): nothing to match it with.
            Ok(Flow::Taken)
        }
    }

    // ---- signals (RFC 8323 §5) ----

    fn on_signal(&mut self, p: &mut Parts<'_>, m: &TcpMessage<'_>, body: &[u8]) -> Result<Flow, CloseReason> {
        let code = m.code();
        let signal = match Signal::from_message(m) {
            Ok(s) => s,
            // The peer is gone either way: an Abort is not answered with one.
            Err(_) if code == Code::ABORT => Signal::Abort { bad_csm_option: None, diagnostic: m.payload() },
            // 7.00 and 7.06-7.31 are unassigned: ignored, so that a future signal does not
            // tear the connection down (RFC 8323 §5.1 registers them; nothing asks for more).
            Err(SignalError::NotASignal(_)) => return Ok(Flow::Taken),
            // RFC 8323 §5.2: a critical signal option not understood aborts the connection;
            // §5.6: for a CSM, naming it in Bad-CSM-Option, as for a CSM option whose value
            // cannot be processed.
            Err(SignalError::UnknownCriticalOption(n)) => {
                let bad = (code == Code::CSM).then_some(n);
                return Err(self.fail(p, CloseReason::BadSignalOption { code, option: n }, bad));
            }
            Err(SignalError::InvalidValue(n)) if code == Code::CSM => {
                return Err(self.fail(p, CloseReason::BadSignalOption { code, option: n }, Some(n)));
            }
            // An elective option with a value out of range is ignored (RFC 7252 §5.4.1, §5.4.3).
            Err(SignalError::InvalidValue(_)) if code == Code::RELEASE => {
                Signal::Release { alternative_address: None, hold_off: None }
            }
            // Ping and Pong define no uint option; nothing else is left.
            Err(SignalError::InvalidValue(_)) => return Ok(Flow::Taken),
        };
        match signal {
            Signal::Csm { max_message_size, block_wise_transfer } => {
                // §5.3: capabilities are cumulative; an absent option keeps its active value.
                if m.options().any(|o| o.number.0 == 2) {
                    self.peer_max = max_message_size;
                }
                self.peer_block_wise |= block_wise_transfer;
                self.peer_csm = true;
                self.csm_deadline = None;
                // RFC 8323 §5.3.1: requests held for the peer's limit go now.
                self.release_held(p, self.last_now);
                Ok(Flow::Taken)
            }
            Signal::Ping { custody } => Ok(self.on_ping(p, m.token(), custody)),
            Signal::Pong { .. } => self.on_pong(p, m.token()),
            Signal::Release { hold_off, .. } => {
                // §5.5: the peer wants to close; what we already queued may still go out.
                self.keep_details(p, m, body);
                self.close(p, CloseReason::ReleaseReceived { hold_off });
                Ok(Flow::Taken)
            }
            Signal::Abort { bad_csm_option, .. } => {
                // §5.6: the peer shuts down at once; nothing we queued will be processed.
                self.keep_details(p, m, body);
                self.tx.clear();
                self.close(p, CloseReason::AbortReceived { bad_csm_option });
                Ok(Flow::Taken)
            }
        }
    }

    /// Keeps a Release's or Abort's options and diagnostic payload for the getters, when the
    /// receive store has room (they are details; the close happens either way).
    fn keep_details(&mut self, p: &mut Parts<'_>, m: &TcpMessage<'_>, body: &[u8]) {
        let options = body.len().saturating_sub(if m.payload().is_empty() { 0 } else { m.payload().len() + 1 });
        if let Some(at) = self.rx.alloc(p.receive, body.len()) {
            super::bytes::Fifo::get_mut(p.receive, at).copy_from_slice(body);
            self.details = at;
            self.details_options = options as u32;
        }
    }

    /// RFC 8323 §5.4: a Pong with the Ping's token; with Custody (§5.4.1) once the requests
    /// received before the Ping are answered (the responses received before it are already
    /// queued as events ahead of anything later: handed to the application in order).
    fn on_ping(&mut self, p: &mut Parts<'_>, token: &[u8], custody: bool) -> Flow {
        if custody {
            let Some(slot) = self.pongs.iter_mut().find(|s| !s.used) else { return Flow::Blocked };
            let (token, token_len) = super::core::short_token(token);
            *slot = PendingPong { used: true, token, token_len, requests_before: self.req_seq };
            self.flush_pongs(p);
            return Flow::Taken;
        }
        let Ok(mut b) = (Signal::Pong { custody: false }).builder() else { return Flow::Taken };
        if b.token(token).is_err() {
            return Flow::Taken;
        }
        match self.queue(p, &b, false) {
            Ok(()) => Flow::Taken,
            Err(_) => Flow::Blocked,
        }
    }

    /// Queues the Pongs with Custody whose condition holds (RFC 8323 §5.4.1).
    pub(crate) fn flush_pongs(&mut self, p: &mut Parts<'_>) {
        for i in 0..self.pongs.len() {
            let Some(&pong) = self.pongs.get(i) else { continue };
            if !pong.used {
                continue;
            }
            if p.requests.iter().any(|r| r.used && r.seq < pong.requests_before) {
                continue;
            }
            let Ok(mut b) = (Signal::Pong { custody: true }).builder() else { continue };
            let token = pong.token.get(..usize::from(pong.token_len)).unwrap_or(&[]);
            if b.token(token).is_err() || self.queue(p, &b, false).is_err() {
                continue;
            }
            if let Some(s) = self.pongs.get_mut(i) {
                *s = PendingPong::EMPTY;
            }
        }
    }

    /// RFC 8323 §5.4: a Pong answers the Ping with its token; others are ignored.
    fn on_pong(&mut self, p: &mut Parts<'_>, token: &[u8]) -> Result<Flow, CloseReason> {
        let found = p.exchanges.iter().position(|e| {
            e.kind == XKind::Ping && matches!(e.state, XState::Awaiting | XState::Cancelling) && e.token() == token
        });
        let Some(i) = found else { return Ok(Flow::Taken) };
        let Some(&e) = p.exchanges.get(i) else { return Ok(Flow::Taken) };
        if e.state == XState::Awaiting {
            match self.push_event(p, EKind::PongReceived, (i as u32, e.generation), None) {
                Ok(true) => {}
                Ok(false) => return Ok(Flow::Blocked),
                Err(err) => return Err(self.fail(p, CloseReason::Malformed(err), None)),
            }
        }
        self.free_exchange(p, i);
        Ok(Flow::Taken)
    }

    // ---- requests and responses ----

    /// A request: 4.02 for an unrecognised critical option, else an event (and a
    /// deregistration for GET with Observe 1).
    fn on_request(&mut self, p: &mut Parts<'_>, m: &TcpMessage<'_>, body: &[u8]) -> Result<Flow, CloseReason> {
        if bad_critical_option(m).is_some() {
            // RFC 7252 §5.4.1: 4.02 Bad Option. There is no CON or NON on a reliable transport
            // (RFC 8323 §3.2); every request is answered as a CON would be.
            let mut b = MessageBuilder::<0>::new(MessageType::Acknowledgement, Code::BAD_OPTION, MessageId(0));
            if b.token(m.token()).is_err() {
                return Ok(Flow::Taken);
            }
            return Ok(match self.queue(p, &b, false) {
                Ok(()) => Flow::Taken,
                Err(QueueError::TooLarge(_) | QueueError::Full) => Flow::Blocked,
            });
        }
        // RFC 7959 (RFC 8323 §6): Block1 bodies are reassembled, later blocks of a kept body
        // served, here.
        let mut whole = None;
        match self.block_request_in(p, m) {
            Some(BlockIn::Done(flow)) => return Ok(flow),
            Some(BlockIn::Whole(w)) => whole = Some(w),
            None => {}
        }
        let observe = m.options().find(|o| o.number == OptionNumber::OBSERVE).and_then(|o| Observe::decode(o.value));
        let registration = observe == Some(Observe::REGISTER) && matches!(m.code(), Code::GET | Code::FETCH);
        // RFC 7641 §3.6, RFC 8323 §7.4: a GET with Observe 1 and the token deregisters.
        let deregistered = if observe == Some(Observe::DEREGISTER) {
            p.observers.iter().position(|o| o.used && o.token() == m.token())
        } else {
            None
        };
        let Some(r) = p.requests.iter().position(|r| !r.used) else { return Ok(Flow::Blocked) };
        let incoming = Incoming { first: 0x40 | m.token().len() as u8, code: m.code(), token: m.token(), body };
        let size = 4 + m.token().len() + body.len();
        let size = if whole.is_some() { None } else { Some(size) };
        if !self.event_room(p, 1 + usize::from(deregistered.is_some()), size) {
            return Ok(Flow::Blocked);
        }
        if let Some(o) = deregistered {
            let g = p.observers.get(o).map_or(0, |s| s.generation);
            let _ = self.push_event(p, EKind::ObserverRemoved(ObserverRemoval::Deregistered), (o as u32, g), None);
            Self::free_observer(p, o);
        }
        // The request itself is still served (RFC 7641 §3.6).
        let generation = p.requests.get(r).map_or(0, |s| s.generation);
        let pushed = match &whole {
            Some(w) => {
                Ok(self.push_body_event(p, EKind::RequestReceived, (r as u32, generation), w.transfer, w.layout))
            }
            None => self.push_event(p, EKind::RequestReceived, (r as u32, generation), Some(&incoming)),
        };
        match pushed {
            Ok(true) => {}
            Ok(false) => return Ok(Flow::Blocked),
            Err(e) => return Err(self.fail(p, CloseReason::Malformed(e), None)),
        }
        let (token, token_len) = super::core::short_token(m.token());
        let no_response =
            m.options().find(|o| o.number == OptionNumber::NO_RESPONSE).and_then(|o| decode_uint(o.value));
        if let Some(s) = p.requests.get_mut(r) {
            *s = RequestSlot {
                used: true,
                generation,
                token,
                token_len,
                seq: self.req_seq,
                flags: if registration { F_REGISTRATION } else { 0 },
                no_response: no_response.map_or(0, |v| v as u8),
                key: crate::blockwise::cache_key_of(m.code(), m.options()),
                block1: whole.as_ref().map_or(NONE, |w| w.block1),
                block2: super::block_client::block_in(m, OptionNumber::BLOCK2).map_or(NONE, Block::to_uint),
            };
        }
        self.req_seq += 1;
        Ok(Flow::Taken)
    }

    /// A response or notification, matched by token (RFC 7252 §5.3.2; RFC 8323 §3.3).
    fn on_response(&mut self, p: &mut Parts<'_>, m: &TcpMessage<'_>, body: &[u8]) -> Result<Flow, CloseReason> {
        if bad_critical_option(m).is_some() {
            // RFC 7252 §5.4.1: rejected. There is no RST on a reliable transport (RFC 8323
            // §3.2), so it is dropped; the request runs into its timeout as over UDP.
            return Ok(Flow::Taken);
        }
        let found = p.exchanges.iter().position(|e| {
            e.kind == XKind::Request
                && matches!(e.state, XState::Awaiting | XState::Observing | XState::Cancelling)
                && e.token() == m.token()
        });
        // Unknown token: ignored (RFC 8323 §7.2 allows aborting for an unknown notification; a
        // late answer to a cancelled request is ordinary, so we do not).
        let Some(i) = found else { return Ok(Flow::Taken) };
        let Some(&e) = p.exchanges.get(i) else { return Ok(Flow::Taken) };
        if e.state == XState::Cancelling {
            self.free_exchange(p, i);
            return Ok(Flow::Taken);
        }
        // RFC 8323 §7.1: the Observe value of a notification is ignored on reception (the
        // stream keeps them in order), so every one is delivered, in arrival order.
        let has_observe = m.options().any(|o| o.number == OptionNumber::OBSERVE);
        let notification = e.observe != 0 && has_observe && m.code().class() == 2;
        let kind = if notification && e.observe == 2 {
            EKind::NotificationReceived
        } else {
            EKind::ResponseReceived { observing: notification }
        };
        // RFC 7959 (RFC 8323 §6): the blocks of a transfer, or the first of a sliced answer.
        if let Some(flow) = self.block_response_in(p, self.last_now, (m, body), i, kind) {
            return Ok(flow);
        }
        let incoming = Incoming { first: 0x60 | m.token().len() as u8, code: m.code(), token: m.token(), body };
        match self.push_event(p, kind, (i as u32, e.generation), Some(&incoming)) {
            Ok(true) => {}
            Ok(false) => return Ok(Flow::Blocked),
            Err(err) => return Err(self.fail(p, CloseReason::Malformed(err), None)),
        }
        if notification {
            if let Some(x) = p.exchanges.get_mut(i) {
                x.observe = 2;
                x.state = XState::Observing;
            }
        } else {
            // Final (RFC 7641 §3.2: a response without Observe, or an error, ends it).
            self.free_exchange(p, i);
        }
        Ok(Flow::Taken)
    }
}
