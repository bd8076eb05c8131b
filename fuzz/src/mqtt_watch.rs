//! MQTT (3.1.1 and 5.0): one direction's byte stream cut into packets by the fixed header alone
//! (the same in both versions), and the invariants of the packet identifiers across both
//! directions of one connection.
//!
//! - MQTT-2.3.1-2 / MQTT-2.2.1-3 (5.0): a new QoS > 0 PUBLISH (DUP 0) never uses a packet id
//!   still in use by an unacknowledged PUBLISH of the same sender.
//! - MQTT-4.3.2 / 4.3.3: a PUBACK or PUBREC is only sent for a QoS 1 / QoS 2 PUBLISH received
//!   with that id, a PUBCOMP only for a PUBREL received: nothing is acknowledged that was not
//!   received (counted: each acknowledgement uses up one receipt).
//! - the sender's in-flight QoS > 0 PUBLISHes never exceed `max_in_flight`.
//!
//! The watch never gives a false alarm on a correct machine: receipts are counted for every
//! packet that is well framed on the wire, whether or not the machine accepted it (a superset of
//! what it received), and a session that is dropped (`reset_out`) forgets what it sent.

use std::collections::HashMap;

/// A packet as the watch sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// PUBLISH with QoS, DUP and (for QoS > 0) the packet id.
    Publish {
        qos: u8,
        dup: bool,
        id: u16,
    },
    PubAck(u16),
    /// PUBREC with its reason code (0 when absent).
    PubRec(u16, u8),
    PubRel(u16),
    PubComp(u16),
    /// CONNACK with its session-present flag.
    ConnAck {
        session_present: bool,
    },
    Other(u8),
}

/// Cuts a byte stream into packets by their fixed headers; keeps a partial packet for later.
#[derive(Debug, Default)]
pub struct Framer {
    buf: Vec<u8>,
    broken: bool,
}

impl Framer {
    /// Appends `bytes` and returns the packets they complete. After a framing error (a bad
    /// Remaining Length) the stream is dead until `reset`.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Seen> {
        if self.broken {
            return Vec::new();
        }
        self.buf.extend_from_slice(bytes);
        let mut out = Vec::new();
        let mut at = 0;
        loop {
            let rest = &self.buf[at..];
            let Some(&first) = rest.first() else { break };
            // Remaining Length: at most 4 bytes (MQTT-1.5.5).
            let (mut len, mut mult, mut i) = (0usize, 1usize, 1);
            let complete = loop {
                let Some(&b) = rest.get(i) else { break false };
                len += usize::from(b & 0x7F) * mult;
                mult *= 128;
                i += 1;
                if b & 0x80 == 0 {
                    break true;
                }
                if i > 4 {
                    self.broken = true;
                    return out;
                }
            };
            if !complete || rest.len() < i + len {
                break;
            }
            let body = &rest[i..i + len];
            out.push(classify(first, body));
            at += i + len;
        }
        self.buf.drain(..at);
        out
    }

    /// Forgets everything (the transport closed).
    pub fn reset(&mut self) {
        self.buf.clear();
        self.broken = false;
    }
}

fn id_at(body: &[u8], at: usize) -> u16 {
    match body.get(at..at + 2) {
        Some(&[hi, lo]) => u16::from_be_bytes([hi, lo]),
        _ => 0,
    }
}

fn classify(first: u8, body: &[u8]) -> Seen {
    match first >> 4 {
        3 => {
            let qos = (first >> 1) & 3;
            let topic_len = usize::from(id_at(body, 0));
            let id = if qos > 0 { id_at(body, 2 + topic_len) } else { 0 };
            Seen::Publish { qos, dup: first & 8 != 0, id }
        }
        2 => Seen::ConnAck { session_present: body.first().is_some_and(|f| f & 1 == 1) },
        4 => Seen::PubAck(id_at(body, 0)),
        5 => Seen::PubRec(id_at(body, 0), body.get(2).copied().unwrap_or(0)),
        6 => Seen::PubRel(id_at(body, 0)),
        7 => Seen::PubComp(id_at(body, 0)),
        t => Seen::Other(t),
    }
}

/// The packet-id invariants of one machine (one connection at a time), in both directions.
#[derive(Debug)]
pub struct Watch {
    /// What the machine receives.
    pub input: Framer,
    /// What the machine sends.
    pub output: Framer,
    /// Our QoS > 0 PUBLISHes not yet completed: id -> QoS.
    in_flight: HashMap<u16, u8>,
    /// Receipts not yet acknowledged: QoS 1 PUBLISH, QoS 2 PUBLISH, PUBREL, by id.
    got_qos1: HashMap<u16, u32>,
    got_qos2: HashMap<u16, u32>,
    got_pubrel: HashMap<u16, u32>,
    max_in_flight: usize,
}

fn take(map: &mut HashMap<u16, u32>, id: u16) -> bool {
    match map.get_mut(&id) {
        Some(n) if *n > 0 => {
            *n -= 1;
            true
        }
        _ => false,
    }
}

impl Watch {
    /// A watch whose machine may have at most `max_in_flight` QoS > 0 PUBLISHes unacknowledged.
    pub fn new(max_in_flight: usize) -> Self {
        Self {
            input: Framer::default(),
            output: Framer::default(),
            in_flight: HashMap::new(),
            got_qos1: HashMap::new(),
            got_qos2: HashMap::new(),
            got_pubrel: HashMap::new(),
            max_in_flight,
        }
    }

    /// Bytes handed to the machine's `handle_input`.
    pub fn received(&mut self, bytes: &[u8]) {
        for p in self.input.push(bytes) {
            match p {
                Seen::Publish { qos: 1, id, .. } => *self.got_qos1.entry(id).or_default() += 1,
                Seen::Publish { qos: 2, id, .. } => *self.got_qos2.entry(id).or_default() += 1,
                Seen::PubRel(id) => *self.got_pubrel.entry(id).or_default() += 1,
                Seen::PubAck(id) => {
                    if self.in_flight.get(&id) == Some(&1) {
                        self.in_flight.remove(&id);
                    }
                }
                Seen::PubComp(id) => {
                    if self.in_flight.get(&id) == Some(&2) {
                        self.in_flight.remove(&id);
                    }
                }
                Seen::PubRec(id, reason) if reason >= 0x80 => {
                    // 5.0 §4.3.3: a PUBREC with an error reason code ends the exchange.
                    if self.in_flight.get(&id) == Some(&2) {
                        self.in_flight.remove(&id);
                    }
                }
                // MQTT-3.2.2-4/5: no session was kept, so nothing is in flight any more.
                Seen::ConnAck { session_present: false } => self.in_flight.clear(),
                _ => {}
            }
        }
    }

    /// Bytes the machine's `poll_transmit` produced. Panics on a broken invariant.
    pub fn sent(&mut self, bytes: &[u8]) {
        for p in self.output.push(bytes) {
            match p {
                Seen::Publish { qos, dup, id } if qos > 0 => {
                    if !dup {
                        assert!(
                            !self.in_flight.contains_key(&id),
                            "MQTT-2.3.1-2: packet id {id} reused while in flight: {:?}",
                            self.in_flight
                        );
                    }
                    self.in_flight.insert(id, qos);
                    assert!(
                        self.in_flight.len() <= self.max_in_flight,
                        "{} QoS > 0 PUBLISHes in flight, more than {}",
                        self.in_flight.len(),
                        self.max_in_flight
                    );
                }
                Seen::PubAck(id) => {
                    assert!(take(&mut self.got_qos1, id), "PUBACK {id} for no QoS 1 PUBLISH received (MQTT-4.3.2)")
                }
                Seen::PubRec(id, _) => {
                    assert!(take(&mut self.got_qos2, id), "PUBREC {id} for no QoS 2 PUBLISH received (MQTT-4.3.3)")
                }
                // The server side: a CONNACK without a session starts with nothing in flight.
                Seen::ConnAck { session_present: false } => self.in_flight.clear(),
                // The client side: a CONNECT opens a new connection, whose input starts afresh.
                Seen::Other(1) => self.input.reset(),
                Seen::PubComp(id) => {
                    assert!(take(&mut self.got_pubrel, id), "PUBCOMP {id} for no PUBREL received (MQTT-4.3.3)")
                }
                _ => {}
            }
        }
    }

    /// The machine refused its input and closed the connection: what it held of it is gone.
    pub fn input_refused(&mut self) {
        self.input.reset();
    }

    /// The transport closed: partial packets are gone on both sides (the session may live on).
    pub fn transport_closed(&mut self) {
        self.input.reset();
        self.output.reset();
    }

    /// The session was dropped or replaced (e.g. a session import): forget what we sent.
    pub fn reset_out(&mut self) {
        self.in_flight.clear();
    }
}
