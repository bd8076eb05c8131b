//! [`Gateway`]: the CoAP server the sensor posts to, a `coap_codec::endpoint::Endpoint` in
//! fixed storage. It answers every `POST /readings` with 2.04 Changed (RFC 7252 §5.8.2) and
//! processes each reading once by its sequence number: a reading sent again after the sensor's
//! CON gave up (a new message id) is answered but not processed twice.

use coap_codec::endpoint::{ArrayStorage, Endpoint, Event};
use coap_codec::time::Instant as CoapInstant;
use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType, OptionNumber};

use super::MAX_READINGS;
use crate::payload::parse_seq;
use crate::{Address, Instant};

/// The gateway's tables: 64 dedup entries (a reading every 10 s for EXCHANGE_LIFETIME, 247 s,
/// with room for re-sends; RFC 7252 §4.5), 2 KiB of cached answers.
pub type GatewayStorage = ArrayStorage<Address, 8, 64, 1, 8, 8, 1024, 2048, 1024, 1, 16>;
/// The gateway's endpoint.
pub type GatewayEndpoint = Endpoint<Address, GatewayStorage>;

/// Message ids remembered to check that the endpoint never hands the same message over twice.
const SEEN: usize = 256;

/// The gateway and what it has processed.
pub struct Gateway {
    endpoint: GatewayEndpoint,
    seen: [(Address, u16); SEEN],
    n_seen: usize,
    /// Readings processed per sequence number (must end at 1 each).
    pub processed: [u16; MAX_READINGS],
    /// Requests for a reading already processed (a re-send after a give-up): answered, not processed.
    pub resent: [u16; MAX_READINGS],
    /// Requests the endpoint delivered twice with the same (peer, message id): RFC 7252 §4.5
    /// says this must not happen within EXCHANGE_LIFETIME.
    pub duplicate_messages: u32,
    /// Requests that are not `POST /readings` with a sequence number below [`MAX_READINGS`].
    pub unknown: u32,
}

fn coap_time(now: Instant) -> CoapInstant {
    CoapInstant::from_millis(now.as_millis())
}

impl Gateway {
    /// A gateway whose endpoint is seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        let config = coap_codec::endpoint::Config { seed, block_szx: None, ..coap_codec::endpoint::Config::default() };
        Self {
            endpoint: GatewayEndpoint::new(config, GatewayStorage::new()),
            seen: [(0, 0); SEEN],
            n_seen: 0,
            processed: [0; MAX_READINGS],
            resent: [0; MAX_READINGS],
            duplicate_messages: 0,
            unknown: 0,
        }
    }

    /// A datagram from `from`.
    pub fn handle_input(&mut self, now: Instant, from: Address, datagram: &[u8]) {
        let _ = self.endpoint.handle_input(coap_time(now), from, datagram);
        self.drain(now);
    }

    /// Time passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.endpoint.handle_timeout(coap_time(now));
        self.drain(now);
    }

    /// The next datagram: its length and destination.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<(usize, Address)> {
        self.endpoint.poll_transmit(coap_time(now), buf).ok().flatten().map(|t| (t.len, t.to))
    }

    /// When `handle_timeout` is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.endpoint.poll_timeout().map(|t| Instant::from_millis(t.as_millis()))
    }

    fn drain(&mut self, now: Instant) {
        while let Some(event) = self.endpoint.poll_event() {
            let Event::RequestReceived { handle, from, request } = event else { continue };
            let key = (from, request.message_id().0);
            let seen = self.seen.get(..self.n_seen).unwrap_or(&[]);
            if seen.contains(&key) {
                self.duplicate_messages += 1;
            } else if let Some(slot) = self.seen.get_mut(self.n_seen) {
                *slot = key;
                self.n_seen += 1;
            }
            let mut path = request.options().filter(|o| o.number == OptionNumber::URI_PATH).map(|o| o.value);
            let is_post = request.code() == Code::POST
                && path.next() == Some(crate::READINGS_PATH.as_bytes())
                && path.next().is_none();
            let seq = if is_post { parse_seq(request.payload()) } else { None };
            let code = match seq.map(|s| s as usize).filter(|&s| s < MAX_READINGS) {
                Some(s) => {
                    let first = self.processed.get(s).is_some_and(|&n| n == 0);
                    let tally = if first { self.processed.get_mut(s) } else { self.resent.get_mut(s) };
                    if let Some(n) = tally {
                        *n = n.saturating_add(1);
                    }
                    Code::CHANGED
                }
                None => {
                    self.unknown += 1;
                    Code::BAD_REQUEST
                }
            };
            let answer = MessageBuilder::<0>::new(MessageType::Acknowledgement, code, MessageId(0));
            let _ = self.endpoint.respond(coap_time(now), handle, &answer);
        }
    }
}
