//! The sensor's CoAP path: CON POST `/readings`, answers, give-ups and re-sends.

use coap_codec::endpoint::{Event, RequestHandle, RequestOptions};
use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType, OptionNumber};

use super::{coap_time, BufferTooSmall, Sensor, SensorEvent, Via};
use crate::payload::Payload;
use crate::queue::CoapState;
use crate::{Address, Instant};

/// The gateway's resource for readings.
pub const READINGS_PATH: &str = "readings";

/// What one endpoint event means to the sensor (taken out so the event's borrow ends first).
enum Outcome {
    /// An answer: 2.xx or not.
    Answered(RequestHandle, bool),
    /// Gave up (MAX_RETRANSMIT, RFC 7252 §4.2) or RST.
    Failed(RequestHandle),
    /// A request to us: the sensor serves nothing.
    Request(coap_codec::endpoint::ResponseHandle),
    Other,
}

impl<const Q: usize> Sensor<Q> {
    /// A datagram arrived from `from`. Duplicates, strays and malformed datagrams are the
    /// endpoint's business (RFC 7252 §4.5, §4.2); they change nothing here.
    pub fn handle_coap_input(&mut self, now: Instant, from: Address, datagram: &[u8]) {
        let _ = self.coap.handle_input(coap_time(now), from, datagram);
        self.pump(now);
    }

    /// Writes the next datagram into `buf`; its length and destination, or `Ok(None)`.
    ///
    /// # Errors
    /// [`BufferTooSmall`] (nothing changed; 1,280 bytes always suffice).
    pub fn poll_coap_transmit(
        &mut self,
        now: Instant,
        buf: &mut [u8],
    ) -> Result<Option<(usize, Address)>, BufferTooSmall> {
        match self.coap.poll_transmit(coap_time(now), buf) {
            Ok(t) => Ok(t.map(|t| (t.len, t.to))),
            Err(e) => Err(BufferTooSmall { required: e.required }),
        }
    }

    /// Takes in the endpoint's events.
    pub(super) fn drain_coap(&mut self, now: Instant) {
        loop {
            let outcome = match self.coap.poll_event() {
                None => break,
                Some(Event::ResponseReceived { request, response, .. }) => {
                    Outcome::Answered(request, response.code().class() == 2)
                }
                Some(Event::RequestTimedOut { request, .. } | Event::RequestReset { request, .. }) => {
                    Outcome::Failed(request)
                }
                Some(Event::RequestReceived { handle, .. }) => Outcome::Request(handle),
                Some(_) => Outcome::Other,
            };
            let retry_at = now + self.config.coap_retry;
            match outcome {
                Outcome::Answered(h, true) => {
                    let hit = self.queue.iter_mut().find(|r| r.coap == CoapState::InFlight(h)).map(|r| {
                        r.coap = CoapState::Acknowledged;
                        r.seq
                    });
                    if let Some(seq) = hit {
                        self.stats.coap_acks = self.stats.coap_acks.saturating_add(1);
                        self.event(SensorEvent::Acknowledged { seq, via: Via::Coap });
                    }
                }
                Outcome::Answered(h, false) | Outcome::Failed(h) => {
                    let hit = self.queue.iter_mut().find(|r| r.coap == CoapState::InFlight(h)).map(|r| {
                        r.coap = CoapState::Retry(retry_at);
                        r.seq
                    });
                    if let Some(seq) = hit {
                        self.stats.coap_gave_up = self.stats.coap_gave_up.saturating_add(1);
                        self.event(SensorEvent::CoapGaveUp { seq });
                    }
                }
                Outcome::Request(handle) => {
                    let not_found =
                        MessageBuilder::<0>::new(MessageType::Acknowledgement, Code::NOT_FOUND, MessageId(0));
                    let _ = self.coap.respond(coap_time(now), handle, &not_found);
                }
                Outcome::Other => {}
            }
        }
    }

    /// Starts a CON POST for every reading that is pending or whose retry time came, oldest
    /// first; a full exchange table or NSTART queue (RFC 7252 §4.7) leaves the rest for later.
    pub(super) fn post_pending(&mut self, now: Instant) {
        let gateway = self.config.gateway;
        let due = |state: CoapState| match state {
            CoapState::Pending => true,
            CoapState::Retry(at) => at <= now,
            _ => false,
        };
        while let Some(r) = self.queue.oldest_mut(|r| due(r.coap)) {
            let payload = Payload::new(r.seq, r.centi_celsius);
            let mut post = MessageBuilder::<2>::new(MessageType::Confirmable, Code::POST, MessageId(0));
            // text/plain; charset=utf-8 (RFC 7252 §12.3: Content-Format 0).
            let built = post
                .path(READINGS_PATH)
                .and_then(|b| b.uint(OptionNumber::CONTENT_FORMAT, 0))
                .map(|b| b.payload(payload.as_bytes()))
                .is_ok();
            if !built {
                break;
            }
            match self.coap.request(coap_time(now), gateway, &post, RequestOptions::default()) {
                Ok(handle) => {
                    r.coap = CoapState::InFlight(handle);
                    self.stats.coap_requests = self.stats.coap_requests.saturating_add(1);
                }
                Err(_) => {
                    // No room (exchanges, NSTART queue): wait for room, not for a time, so
                    // `poll_timeout` does not point into the past; every pump tries again.
                    r.coap = CoapState::Pending;
                    break;
                }
            }
        }
    }
}
