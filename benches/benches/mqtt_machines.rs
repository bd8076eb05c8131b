//! Machine throughput: a `Client` and a `ServerConnection` in memory (no link, no I/O), QoS 0,
//! 1 and 2 messages with 16-byte payloads from the client through the server connection, each
//! exchange complete (PUBACK; PUBREC, PUBREL, PUBCOMP) and every event polled on both sides.
//! Also prints `size_of` of the machines and their per-slot cost.
//!
//! `cargo bench -p benches --bench mqtt_machines`; criterion reports elements (messages) per
//! second.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::mem::size_of;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mqtt_codec::client::{Client, Config, Event, OutgoingMessage};
use mqtt_codec::server::{self, ServerConnection};
use mqtt_codec::time::Instant;
use mqtt_codec::wire::{Connect, Protocol, Qos, Version};

type C = Client<Vec<u8>>;
type S = ServerConnection<Vec<u8>>;

/// A connected pair and the bytes in flight between them.
struct Pair {
    c: C,
    s: S,
    buf: Vec<u8>,
    to_s: Vec<u8>,
    to_c: Vec<u8>,
    acked: u64,
    received: u64,
    /// Messages the client may have in flight: 3.1.1 has no Receive Maximum, so a client that
    /// sends more QoS 2 messages than the server connection's N (16) breaks the connection
    /// ("more QoS 2 messages awaiting PUBREL than the connection's N"); 5.0 announces it.
    window: u64,
}

impl Pair {
    fn new(v: Version) -> Self {
        let c = Client::new(Config::new(v), vec![0; 16 * 1024]).expect("store");
        let s = ServerConnection::new(server::Config::new(), vec![0; 16 * 1024]).expect("store");
        let window = if v == Version::V311 { 16 } else { u64::MAX };
        let mut p =
            Self { c, s, buf: vec![0; 4096], to_s: Vec::new(), to_c: Vec::new(), acked: 0, received: 0, window };
        let protocol = if v == Version::V5 { Protocol::Mqtt5 } else { Protocol::Mqtt311 };
        p.c.connect(Instant::ZERO, &Connect { client_id: "bench", keep_alive: 0, ..Connect::new(protocol) })
            .expect("connect");
        p.pump();
        assert!(p.c.is_connected(), "handshake");
        p
    }

    /// Moves bytes and polls events until both sides are quiet.
    fn pump(&mut self) {
        let now = Instant::ZERO;
        loop {
            let mut moved = false;
            while let Ok(Some(t)) = self.c.poll_transmit(now, &mut self.buf) {
                self.to_s.extend_from_slice(&self.buf[..t.len]);
                moved = true;
            }
            if !self.to_s.is_empty() {
                let used = self.s.handle_input(now, &self.to_s).expect("server input");
                self.to_s.drain(..used);
                moved |= used > 0;
            }
            while let Some(ev) = self.s.poll_event() {
                moved = true;
                match ev {
                    Event::ConnectReceived(_) => {
                        self.s.accept(now, false, &[]).expect("accept");
                    }
                    Event::MessageReceived(p) => {
                        black_box(p.payload);
                        self.received += 1;
                    }
                    _ => {}
                }
            }
            while let Ok(Some(t)) = self.s.poll_transmit(now, &mut self.buf) {
                self.to_c.extend_from_slice(&self.buf[..t.len]);
                moved = true;
            }
            if !self.to_c.is_empty() {
                let used = self.c.handle_input(now, &self.to_c).expect("client input");
                self.to_c.drain(..used);
                moved |= used > 0;
            }
            while let Some(ev) = self.c.poll_event() {
                moved = true;
                if matches!(ev, Event::PublishAcknowledged { .. } | Event::PublishSent { .. }) {
                    self.acked += 1;
                }
            }
            if !moved {
                return;
            }
        }
    }

    /// Publishes `n` messages (in windows the slots allow) and completes every exchange.
    fn run(&mut self, qos: Qos, n: u64) {
        let payload = *b"{\"temp\": 21.500}";
        let msg = OutgoingMessage::new("sensors/temp", &payload).with_qos(qos);
        let start = self.acked;
        let target = start + n;
        let mut sent = 0;
        while self.acked < target {
            while sent < n && sent - (self.acked - start) < self.window && self.c.publish(Instant::ZERO, &msg).is_ok() {
                sent += 1;
            }
            self.pump();
        }
    }
}

fn machines(cr: &mut Criterion) {
    println!("size_of: Client<Vec<u8>> (N = 32, A = 4) = {} bytes", size_of::<C>());
    println!("size_of: ServerConnection<Vec<u8>> (N = 16, A = 4) = {} bytes", size_of::<S>());
    println!(
        "size_of: Client<Vec<u8>, 1, 0> = {}, Client<Vec<u8>, 17, 0> = {}: {} bytes per unit of N",
        size_of::<Client<Vec<u8>, 1, 0>>(),
        size_of::<Client<Vec<u8>, 17, 0>>(),
        (size_of::<Client<Vec<u8>, 17, 0>>() - size_of::<Client<Vec<u8>, 1, 0>>()) / 16
    );
    println!("size_of: Client<[u8; 0], 0, 0> (fixed state, no store) = {} bytes", size_of::<Client<[u8; 0], 0, 0>>());
    println!(
        "size_of: Client<&mut [u8], 0, 0> (fixed state, borrowed store) = {} bytes",
        size_of::<Client<&mut [u8], 0, 0>>()
    );
    println!("size_of: one outbound message slot = 16 bytes (the rest of a unit of N: an event record, an acknowledgement, a QoS 2 id)");
    const BATCH: u64 = 256;
    for v in [Version::V311, Version::V5] {
        let mut g = cr.benchmark_group(format!("machines/{v:?}"));
        g.throughput(Throughput::Elements(BATCH));
        for qos in [Qos::AtMostOnce, Qos::AtLeastOnce, Qos::ExactlyOnce] {
            let mut pair = Pair::new(v);
            g.bench_function(format!("qos{}", qos as u8), |b| b.iter(|| pair.run(qos, BATCH)));
            assert_eq!(pair.received, pair.acked, "every message arrived once");
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = machines
}
criterion_main!(benches);
