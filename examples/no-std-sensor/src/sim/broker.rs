//! [`Broker`]: the broker side of the sensor's MQTT connection, one
//! `mqtt_codec::server::ServerConnection` per transport connection, in a fixed store (the
//! server machine needs no allocator). It accepts every CONNECT and counts each PUBLISH it
//! receives by the sequence number in the payload; the machine sends the PUBACKs
//! (`MQTT-4.3.2-4 (5.0)`, `MQTT-4.3.2-2 (3.1.1)`).

use mqtt_codec::server::{Config, Event, ServerConnection};

use super::MAX_READINGS;
use crate::payload::parse_seq;
use crate::Instant;

/// Bytes of each connection's store: 512 inbound, 128 for CONNACK and DISCONNECT, no topic
/// aliases, no will, the rest for outbound records (it publishes nothing).
pub const BROKER_STORE: usize = 1024;
/// One broker-side connection.
pub type BrokerConnection = ServerConnection<[u8; BROKER_STORE], 8, 0>;

/// The broker: the current connection and what it has received.
pub struct Broker {
    conn: Option<BrokerConnection>,
    topic: &'static str,
    closed: bool,
    /// PUBLISHes received per sequence number (duplicates after a reconnect included).
    pub received: [u16; MAX_READINGS],
    /// PUBLISHes on another topic, without a sequence number, or beyond [`MAX_READINGS`].
    pub unknown: u32,
    /// CONNECTs accepted.
    pub accepted: u32,
}

impl Broker {
    /// A broker that expects readings on `topic`.
    pub const fn new(topic: &'static str) -> Self {
        Self { conn: None, topic, closed: false, received: [0; MAX_READINGS], unknown: 0, accepted: 0 }
    }

    /// A new transport connection arrived (replacing any old one).
    pub fn open(&mut self) {
        let config = Config::new().with_store_split(512, 0, 128, 0);
        self.conn = BrokerConnection::new(config, [0; BROKER_STORE]).ok();
        self.closed = false;
    }

    /// The transport closed.
    pub fn connection_lost(&mut self, now: Instant) {
        if let Some(c) = self.conn.as_mut() {
            c.connection_lost(now);
        }
        self.drain(now);
        self.conn = None;
    }

    /// Whether the connection machine ended the connection (keep-alive timeout, a protocol
    /// error): the transport must be closed.
    pub fn wants_close(&self) -> bool {
        self.closed && self.conn.is_some()
    }

    /// Bytes from the client; returns how many were used.
    pub fn handle_input(&mut self, now: Instant, bytes: &[u8]) -> usize {
        let mut used = 0;
        while let Some(c) = self.conn.as_mut() {
            let rest = bytes.get(used..).unwrap_or(&[]);
            if rest.is_empty() || self.closed {
                break;
            }
            match c.handle_input(now, rest) {
                Ok(n) => {
                    used += n;
                    // Before `accept` the machine reads nothing but CONNECT: answer, go on.
                    if self.drain(now) == 0 && n == 0 {
                        break;
                    }
                }
                Err(_) => {
                    self.drain(now);
                    used = bytes.len();
                    break;
                }
            }
        }
        used
    }

    /// Time passed.
    pub fn handle_timeout(&mut self, now: Instant) {
        if let Some(c) = self.conn.as_mut() {
            c.handle_timeout(now);
        }
        self.drain(now);
    }

    /// The next packet to the client.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<usize> {
        self.conn.as_mut()?.poll_transmit(now, buf).ok().flatten().map(|t| t.len)
    }

    /// When `handle_timeout` is due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.conn.as_ref()?.poll_timeout()
    }

    /// Takes in the connection's events; returns how many.
    fn drain(&mut self, now: Instant) -> usize {
        let Some(c) = self.conn.as_mut() else { return 0 };
        let (mut n, mut accept) = (0, false);
        while let Some(event) = c.poll_event() {
            n += 1;
            match event {
                Event::ConnectReceived(_) => accept = true,
                Event::MessageReceived(p) => {
                    let seq = parse_seq(p.payload).filter(|_| p.topic.as_str() == self.topic);
                    match seq.and_then(|s| self.received.get_mut(s as usize)) {
                        Some(count) => *count = count.saturating_add(1),
                        None => self.unknown += 1,
                    }
                }
                Event::Closed { .. } => self.closed = true,
                _ => {}
            }
        }
        if accept && c.accept(now, false, &[]).is_ok() {
            self.accepted += 1;
        }
        n
    }
}
