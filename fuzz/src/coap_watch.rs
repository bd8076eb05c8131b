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
