//! Endpoint throughput: piggybacked CON exchanges between 4,096 client endpoints and one server
//! endpoint, in memory (no link, no I/O), each exchange complete: the client's request, the
//! server's event and `respond`, the ACK with the response, the client's event.
//!
//! Realistic shape (RFC 7252 §4.4, §4.5), default config: the server remembers every request for
//! EXCHANGE_LIFETIME (247 s) with its cached response, and entries expire on the virtual clock as
//! new ones come. Two loads:
//! - `..._100_per_s`: the virtual clock advances 10 ms per exchange (each peer sends every 41 s),
//!   so the server holds 24,700 live dedup entries (a 32,768-entry table);
//! - `..._1000_per_s`: 1 ms per exchange (each peer every 4.1 s), 247,000 live entries (a
//!   262,144-entry table, 16 MiB: the memory-bound case).
//!
//! Both stay far below the 65,536 message ids per peer per EXCHANGE_LIFETIME that §4.4 allows.
//! Also prints the bytes per open exchange and per dedup entry.
//!
//! `cargo bench -p benches --bench coap_endpoint`; criterion reports elements (exchanges) per
//! second.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::mem::size_of;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use coap_codec::endpoint::{
    ArrayStorage, Config, DedupSlot, Endpoint, Event, ExchangeSlot, Limits, RequestOptions, VecStorage,
};
use coap_codec::time::Instant;
use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType, OptionNumber};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const PEERS: usize = 4096;
type Client = Endpoint<SocketAddr, ArrayStorage<SocketAddr, 1, 1, 1, 2, 2, 64, 64, 128, 1, 0>>;
type Server = Endpoint<SocketAddr, VecStorage<SocketAddr>>;

struct World {
    server: Server,
    server_addr: SocketAddr,
    clients: Vec<(SocketAddr, Client)>,
    buf: Vec<u8>,
    now: Instant,
    step: Duration,
    next: usize,
    done: u64,
}

impl World {
    fn new(step_ms: u64, dedup: usize) -> Self {
        let limits = Limits { dedup, cache_bytes: dedup * 64, ..Limits::default() };
        let server = Server::new(Config::default(), VecStorage::new(&limits));
        let clients = (0..PEERS)
            .map(|i| {
                let addr = SocketAddr::from((Ipv4Addr::new(10, 0, (i >> 8) as u8, i as u8), 5683));
                (addr, Client::new(Config { seed: i as u64, ..Config::default() }, ArrayStorage::new()))
            })
            .collect();
        Self {
            server,
            server_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 5683)),
            clients,
            buf: vec![0; 1280],
            now: Instant::ZERO,
            step: Duration::from_millis(step_ms),
            next: 0,
            done: 0,
        }
    }

    /// One complete piggybacked exchange with the next peer.
    fn exchange(&mut self) {
        self.now += self.step;
        let now = self.now;
        let (addr, client) = &mut self.clients[self.next];
        self.next = (self.next + 1) % PEERS;
        let mut get = MessageBuilder::<2>::new(MessageType::Confirmable, Code::GET, MessageId(0));
        get.option(OptionNumber::URI_PATH, b"temp").unwrap();
        client.request(now, self.server_addr, &get, RequestOptions::default()).unwrap();
        let t = client.poll_transmit(now, &mut self.buf).unwrap().unwrap();
        self.server.handle_input(now, *addr, &self.buf[..t.len]).unwrap();
        let Some(Event::RequestReceived { handle, .. }) = self.server.poll_event() else { panic!("no request") };
        let mut content = MessageBuilder::<2>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
        content.uint(OptionNumber::CONTENT_FORMAT, 0).unwrap().payload(b"21.5");
        self.server.respond(now, handle, &content).unwrap();
        let t = self.server.poll_transmit(now, &mut self.buf).unwrap().unwrap();
        client.handle_input(now, self.server_addr, &self.buf[..t.len]).unwrap();
        match client.poll_event() {
            Some(Event::ResponseReceived { response, .. }) => {
                black_box(response.payload());
            }
            other => panic!("{other:?}"),
        }
        self.done += 1;
    }
}

/// A world at its steady state: run past EXCHANGE_LIFETIME so that entries expire as fast as
/// they come.
fn steady(step_ms: u64, dedup: usize) -> World {
    let mut world = World::new(step_ms, dedup);
    let warm = 260_000 / step_ms;
    for _ in 0..warm {
        world.exchange();
    }
    println!(
        "steady state ({step_ms} ms per exchange): {} dedup entries at the server after {} exchanges ({} s virtual)",
        world.server.dedup_entries(),
        world.done,
        world.now.as_millis() / 1000
    );
    world
}

fn bench(c: &mut Criterion) {
    println!(
        "size_of: ExchangeSlot<SocketAddr> {} B (plus the request's bytes), DedupSlot<SocketAddr> {} B + 4 B of hash index (plus the cached response and a 3-byte chunk header: here header 4 + token 4 + Content-Format 1 + marker 1 + payload 4 + 3 = {} B); a client Endpoint with ArrayStorage<SocketAddr, 1, 1, 1, 2, 2, 64, 64, 128, 1, 0>: {} B",
        size_of::<ExchangeSlot<SocketAddr>>(),
        size_of::<DedupSlot<SocketAddr>>(),
        4 + 4 + 1 + 1 + 4 + 3,
        size_of::<Client>()
    );
    let mut g = c.benchmark_group("coap_endpoint");
    g.throughput(Throughput::Elements(1));
    for (name, step_ms, dedup) in
        [("piggybacked_con_4096_peers_100_per_s", 10, 32_768), ("piggybacked_con_4096_peers_1000_per_s", 1, 262_144)]
    {
        let mut world = steady(step_ms, dedup);
        g.bench_function(name, |b| b.iter(|| world.exchange()));
        assert!(world.server.dedup_entries() <= dedup);
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
