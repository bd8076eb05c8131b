//! Endpoint throughput: piggybacked CON exchanges between 4,096 client endpoints and one server
//! endpoint, in memory (no link, no I/O), each exchange complete: the client's request, the
//! server's event and `respond`, the ACK with the response, the client's event.
//!
//! Realistic shape (RFC 7252 §4.4, §4.5), default config: the server remembers every request for
//! EXCHANGE_LIFETIME (247 s) with its cached response; the virtual clock advances 1 ms per
//! exchange, so the server holds 247,000 live dedup entries (each peer sends once per 4.1 s, far
//! below the 65,536 message ids per EXCHANGE_LIFETIME §4.4 allows) and entries expire on the
//! virtual clock as new ones come. Also prints the bytes per open exchange and per dedup entry.
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
type Client = Endpoint<SocketAddr, ArrayStorage<SocketAddr, 2, 2, 1, 4, 4, 128, 128, 256>>;
type Server = Endpoint<SocketAddr, VecStorage<SocketAddr>>;

struct World {
    server: Server,
    server_addr: SocketAddr,
    clients: Vec<(SocketAddr, Client)>,
    buf: Vec<u8>,
    now: Instant,
    next: usize,
    done: u64,
}

impl World {
    fn new() -> Self {
        let limits = Limits { dedup: 32_768, cache_bytes: 2 << 20, ..Limits::default() };
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
            next: 0,
            done: 0,
        }
    }

    /// One complete piggybacked exchange with the next peer.
    fn exchange(&mut self) {
        self.now += Duration::from_millis(10);
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

fn bench(c: &mut Criterion) {
    let mut world = World::new();
    // Warm up past EXCHANGE_LIFETIME so the dedup table is at its steady state (entries expire
    // as fast as they come).
    for _ in 0..26_000 {
        world.exchange();
    }
    println!(
        "steady state: {} dedup entries at the server after {} exchanges ({} s virtual)",
        world.server.dedup_entries(),
        world.done,
        world.now.as_millis() / 1000
    );
    println!(
        "size_of: ExchangeSlot<SocketAddr> {} B (plus the request's bytes), DedupSlot<SocketAddr> {} B (plus the cached response and a 3-byte chunk header; here {} B); a client Endpoint with ArrayStorage<SocketAddr, 2, 2, 1, 4, 4, 128, 128, 256>: {} B",
        size_of::<ExchangeSlot<SocketAddr>>(),
        size_of::<DedupSlot<SocketAddr>>(),
        3 + 4 + 4 + 1 + 4 + 1 + 4,
        size_of::<Client>()
    );
    let mut g = c.benchmark_group("coap_endpoint");
    g.throughput(Throughput::Elements(1));
    g.bench_function("piggybacked_con_exchange_4096_peers", |b| b.iter(|| world.exchange()));
    g.finish();
    assert!(world.server.dedup_entries() <= 32_768);
}

criterion_group!(benches, bench);
criterion_main!(benches);
