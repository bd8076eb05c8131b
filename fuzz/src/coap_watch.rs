//! CoAP over datagrams (RFC 7252): the invariants of one endpoint, read from the datagrams it
//! is given and the ones it sends (by their 4-byte headers and tokens, independently of the
//! endpoint's decoder).
//!
//! - §4.2 / §4.3: an ACK only answers a CON received from that peer with that message id, an
//!   RST only a CON or NON received: nothing is acknowledged or rejected that was not received.
//! - §5.3.2: a response (piggybacked, separate or a notification) carries a token that a
//!   request from that peer carried.
//! - §4.4: a message id is not reused for another CON or NON to the same peer within
//!   EXCHANGE_LIFETIME of its first use (retransmissions are the same bytes).
//!
//! Receipts are recorded for every datagram with a readable header, accepted or not (a superset
//! of what the endpoint received), so a correct endpoint never trips the watch.

use std::collections::{HashMap, HashSet};
use std::hash::Hash;

/// The watch of one endpoint whose peers are `P`.
#[derive(Debug)]
pub struct Watch<P> {
    /// (peer, message id, type) of every datagram delivered with a readable header.
    got: HashSet<(P, u16, u8)>,
    /// (peer, token) of every request delivered.
    tokens: HashSet<(P, Vec<u8>)>,
    /// Our CONs and NONs: (peer, message id) -> (first sent, bytes).
    ids: HashMap<(P, u16), (u64, Vec<u8>)>,
    lifetime_ms: u64,
}

/// Type, code, message id and token of a datagram with a readable header.
fn header(d: &[u8]) -> Option<(u8, u8, u16, &[u8])> {
    let (&[b0, code, hi, lo], rest) = d.split_first_chunk::<4>()?;
    if b0 >> 6 != 1 {
        return None;
    }
    let tkl = usize::from(b0 & 0x0F);
    let token = rest.get(..tkl.min(8)).unwrap_or(&[]);
    Some(((b0 >> 4) & 3, code, u16::from_be_bytes([hi, lo]), token))
}

const CON: u8 = 0;
const NON: u8 = 1;
const ACK: u8 = 2;
const RST: u8 = 3;

impl<P: Copy + Eq + Hash + core::fmt::Debug> Watch<P> {
    /// A watch for an endpoint whose EXCHANGE_LIFETIME is `lifetime_ms`.
    pub fn new(lifetime_ms: u64) -> Self {
        Self { got: HashSet::new(), tokens: HashSet::new(), ids: HashMap::new(), lifetime_ms }
    }

    /// A datagram handed to the endpoint's `handle_input`.
    pub fn delivered(&mut self, from: P, d: &[u8]) {
        let Some((ty, code, id, token)) = header(d) else { return };
        self.got.insert((from, id, ty));
        if code >> 5 == 0 && code != 0 {
            self.tokens.insert((from, token.to_vec()));
        }
    }

    /// A datagram the endpoint's `poll_transmit` produced at `now_ms`. Panics on a broken
    /// invariant.
    pub fn sent(&mut self, now_ms: u64, to: P, d: &[u8]) {
        let (ty, code, id, token) = header(d).expect("the endpoint sends well-formed headers");
        match ty {
            ACK => assert!(
                self.got.contains(&(to, id, CON)),
                "RFC 7252 §4.2: ACK {id} to {to:?} for no CON received from it"
            ),
            RST => assert!(
                self.got.contains(&(to, id, CON)) || self.got.contains(&(to, id, NON)),
                "RFC 7252 §4.2/§4.3: RST {id} to {to:?} for no CON or NON received from it"
            ),
            _ => {
                let first = self.ids.entry((to, id)).or_insert((now_ms, d.to_vec()));
                if first.1 != d && now_ms < first.0 + self.lifetime_ms {
                    panic!(
                        "RFC 7252 §4.4: message id {id} to {to:?} reused {} ms after its first use (EXCHANGE_LIFETIME {} ms)",
                        now_ms - first.0,
                        self.lifetime_ms
                    );
                }
                if first.1 != d {
                    *first = (now_ms, d.to_vec());
                }
            }
        }
        if code >> 5 >= 2 {
            assert!(
                self.tokens.contains(&(to, token.to_vec())),
                "RFC 7252 §5.3.2: response with token {token:02x?} to {to:?}, which sent no request with it"
            );
        }
    }
}

/// CoAP over a reliable transport (RFC 8323): the invariants of one session, read leniently from
/// the bytes it used and the frames it wrote (by their headers and tokens only).
///
/// - §3.3 / RFC 7252 §5.3.2: a response carries the token of a request the session received.
/// - §5.4: a Pong carries the token of a Ping the session received.
#[derive(Debug)]
pub struct StreamWatch {
    ws: bool,
    input: Vec<u8>,
    dead: bool,
    requests: HashSet<Vec<u8>>,
    pings: HashSet<Vec<u8>>,
}

/// (frame length, code, token) of the frame at the start of `b`, `Err(())` when it can never be
/// framed (a reserved token length: the session aborts), `Ok(None)` when more bytes are needed.
fn tcp_frame(b: &[u8]) -> Result<Option<(usize, u8, &[u8])>, ()> {
    let Some(&first) = b.first() else { return Ok(None) };
    let ext = match first >> 4 {
        13 => 1,
        14 => 2,
        15 => 4,
        _ => 0,
    };
    let tkl = usize::from(first & 0x0F);
    if tkl > 8 {
        return Err(());
    }
    let Some(ext_field) = b.get(1..1 + ext) else { return Ok(None) };
    let v = ext_field.iter().fold(0usize, |a, &x| a * 256 + usize::from(x));
    let len = match first >> 4 {
        n @ 0..=12 => usize::from(n),
        13 => v + 13,
        14 => v + 269,
        _ => v + 65_805,
    };
    let total = 1 + ext + 1 + tkl + len;
    if b.len() < total {
        return Ok(None);
    }
    Ok(Some((total, b[1 + ext], &b[2 + ext..2 + ext + tkl])))
}

/// Code and token of a WebSocket message (RFC 8323 §4.2: no length nibble).
fn ws_frame(b: &[u8]) -> Option<(u8, &[u8])> {
    let (&first, rest) = b.split_first()?;
    let tkl = usize::from(first & 0x0F);
    let (&code, rest) = rest.split_first()?;
    Some((code, rest.get(..tkl.min(8))?))
}

const PING: u8 = 0xE2;
const PONG: u8 = 0xE3;

impl StreamWatch {
    /// A watch for a session over TCP (`ws` false) or WebSockets.
    pub fn new(ws: bool) -> Self {
        Self { ws, input: Vec::new(), dead: false, requests: HashSet::new(), pings: HashSet::new() }
    }

    fn note(&mut self, code: u8, token: &[u8]) {
        if code == PING {
            self.pings.insert(token.to_vec());
        } else if code >> 5 == 0 && code != 0 {
            self.requests.insert(token.to_vec());
        }
    }

    /// Bytes the session's `handle_input` used (TCP: a stretch of the stream; WebSocket: one
    /// whole message).
    pub fn used(&mut self, bytes: &[u8]) {
        if self.ws {
            if let Some((code, token)) = ws_frame(bytes) {
                let token = token.to_vec();
                self.note(code, &token);
            }
            return;
        }
        if self.dead {
            return;
        }
        self.input.extend_from_slice(bytes);
        loop {
            match tcp_frame(&self.input) {
                Ok(Some((n, code, token))) => {
                    let token = token.to_vec();
                    self.note(code, &token);
                    self.input.drain(..n);
                }
                Ok(None) => break,
                Err(()) => {
                    self.dead = true;
                    break;
                }
            }
        }
    }

    /// A frame the session's `poll_transmit` wrote. Panics on a broken invariant.
    pub fn sent(&mut self, frame: &[u8]) {
        let parsed = if self.ws { ws_frame(frame) } else { tcp_frame(frame).ok().flatten().map(|(_, c, t)| (c, t)) };
        let (code, token) = parsed.expect("the session writes whole, well-formed frames");
        if code == PONG {
            assert!(self.pings.contains(token), "RFC 8323 §5.4: Pong with token {token:02x?} answers no Ping");
        } else if (2..=5).contains(&(code >> 5)) {
            assert!(
                self.requests.contains(token),
                "RFC 8323 §3.3: response {}.{:02} with token {token:02x?} answers no request received",
                code >> 5,
                code & 0x1F
            );
        }
    }
}
