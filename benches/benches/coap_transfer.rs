//! Block-wise transfer throughput and CoAP-over-TCP request rate, in memory (no link, no I/O):
//!
//! - `udp_block2_download_256k` / `udp_block1_upload_256k`: a client and a server `Endpoint`
//!   (default config: 1 KiB blocks, RFC 7959) move a 256 KiB body in 256 CON blocks, each
//!   block a complete piggybacked exchange; the application sends one request and gets one
//!   event with the whole body. The server's application answers once (the download's body is
//!   kept and sliced by the endpoint; the upload is reassembled and delivered once).
//! - `tcp_requests`: two RFC 8323 `Session`s joined by an in-memory byte pipe, one GET and its
//!   2.05 per iteration.
//! - `tcp_bert_download_256k`: the same pair with Block-Wise-Transfer announced both ways and a
//!   Max-Message-Size of 64 KiB + 256: a 256 KiB answer in BERT blocks (RFC 8323 §6, 64
//!   1024-byte units per message), one event with the whole body.
//!
//! The virtual clock advances 10 ms per datagram exchange, so the server's dedup entries expire
//! on it (EXCHANGE_LIFETIME) and no peer uses more message ids than RFC 7252 §4.4 allows.
//!
//! `cargo bench -p benches --bench coap_transfer`; criterion reports bytes (transfers) or
//! elements (requests) per second.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use coap_codec::endpoint::{Config, Endpoint, Event, Limits, RequestOptions, VecStorage};
use coap_codec::session::{self, Role, Session};
use coap_codec::time::Instant;
use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const BODY: usize = 256 << 10;
type Ep = Endpoint<SocketAddr, VecStorage<SocketAddr>>;

struct Udp {
    client: Ep,
    server: Ep,
    client_addr: SocketAddr,
    server_addr: SocketAddr,
    buf: Vec<u8>,
    body: Vec<u8>,
    now: Instant,
}

impl Udp {
    fn new() -> Self {
        let limits = Limits { dedup: 32_768, cache_bytes: 32 << 20, body_bytes: 2 << 20, ..Limits::default() };
        Self {
            client: Ep::new(Config { seed: 1, ..Config::default() }, VecStorage::new(&limits)),
            server: Ep::new(Config { seed: 2, ..Config::default() }, VecStorage::new(&limits)),
            client_addr: SocketAddr::from((Ipv4Addr::new(10, 0, 0, 1), 5683)),
            server_addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 5683)),
            buf: vec![0; 1500],
            body: (0..BODY).map(|i| (i * 7 + i / 1024) as u8).collect(),
            now: Instant::ZERO,
        }
    }

    /// Moves every datagram both ways until neither side has one to send; the server's
    /// application answers what it is asked with `answer`.
    fn pump(&mut self, answer: &[u8]) -> usize {
        let mut delivered = 0;
        loop {
            let mut moved = false;
            while let Some(t) = self.client.poll_transmit(self.now, &mut self.buf).unwrap() {
                self.now += Duration::from_millis(10);
                self.server.handle_input(self.now, self.client_addr, &self.buf[..t.len]).unwrap();
                moved = true;
            }
            while let Some(ev) = self.server.poll_event() {
                let Event::RequestReceived { handle, request, .. } = ev else { panic!("server: {ev:?}") };
                black_box(request.payload().len());
                let mut b = MessageBuilder::<1>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
                b.payload(answer);
                self.server.respond(self.now, handle, &b).unwrap();
            }
            while let Some(t) = self.server.poll_transmit(self.now, &mut self.buf).unwrap() {
                self.client.handle_input(self.now, self.server_addr, &self.buf[..t.len]).unwrap();
                moved = true;
            }
            while let Some(ev) = self.client.poll_event() {
                let Event::ResponseReceived { response, .. } = ev else { panic!("client: {ev:?}") };
                delivered += response.payload().len();
            }
            if !moved {
                return delivered;
            }
        }
    }

    fn download(&mut self) {
        let mut get = MessageBuilder::<1>::new(MessageType::Confirmable, Code::GET, MessageId(0));
        get.path("large").unwrap();
        self.client.request(self.now, self.server_addr, &get, RequestOptions::default()).unwrap();
        let body = std::mem::take(&mut self.body);
        let got = self.pump(&body);
        self.body = body;
        assert_eq!(got, BODY);
    }

    fn upload(&mut self) {
        let mut put = MessageBuilder::<1>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
        put.path("large-update").unwrap().payload(&self.body);
        self.client.request(self.now, self.server_addr, &put, RequestOptions::default()).unwrap();
        let got = self.pump(b"");
        assert_eq!(got, 0);
    }
}

/// Two sessions and the bytes in flight between them.
struct Tcp {
    client: Session<session::VecStorage>,
    server: Session<session::VecStorage>,
    buf: Vec<u8>,
    now: Instant,
    /// The server's answer to every GET.
    answer: Vec<u8>,
}

impl Tcp {
    fn new() -> Self {
        Self::with(false)
    }

    /// With `bert`: Block-Wise-Transfer both ways and 64 KiB messages.
    fn with(bert: bool) -> Self {
        let mut limits = session::Limits::default();
        let mut base = session::Config::default();
        if bert {
            base = session::Config { block_wise_transfer: true, max_message_size: (64 << 10) + 256, ..base };
            limits =
                session::Limits { body_bytes: 2 << 20, transmit_bytes: 256 << 10, receive_bytes: 512 << 10, ..limits };
        }
        let config = |role, seed| session::Config { role, seed, ..base };
        let mut t = Self {
            client: Session::new(config(Role::Initiator, 1), session::VecStorage::new(&limits)),
            server: Session::new(config(Role::Acceptor, 2), session::VecStorage::new(&limits)),
            buf: vec![0; 128 << 10],
            now: Instant::ZERO,
            answer: b"21.5".to_vec(),
        };
        t.pump(); // CSM both ways (RFC 8323 §5.3)
        t
    }

    /// Moves every frame both ways until neither side has one; returns the bytes of the
    /// responses the client got.
    fn pump(&mut self) -> usize {
        let mut answered = 0;
        loop {
            let mut moved = false;
            while let Some(x) = self.client.poll_transmit(self.now, &mut self.buf).unwrap() {
                assert_eq!(self.server.handle_input(self.now, &self.buf[..x.len]), Ok(x.len));
                moved = true;
            }
            while let Some(ev) = self.server.poll_event() {
                let Event::RequestReceived { handle, .. } = ev else { continue };
                let mut b = MessageBuilder::<1>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
                b.payload(&self.answer);
                self.server.respond(self.now, handle, &b).unwrap();
            }
            while let Some(x) = self.server.poll_transmit(self.now, &mut self.buf).unwrap() {
                assert_eq!(self.client.handle_input(self.now, &self.buf[..x.len]), Ok(x.len));
                moved = true;
            }
            while let Some(ev) = self.client.poll_event() {
                if let Event::ResponseReceived { response, .. } = ev {
                    answered += black_box(response.payload()).len();
                }
            }
            if !moved {
                return answered;
            }
        }
    }

    fn request(&mut self) {
        self.now += Duration::from_micros(10);
        let mut get = MessageBuilder::<1>::new(MessageType::Confirmable, Code::GET, MessageId(0));
        get.path("temp").unwrap();
        self.client.request(self.now, &get, RequestOptions::default()).unwrap();
        assert_eq!(self.pump(), self.answer.len());
    }
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("coap_transfer");
    g.throughput(Throughput::Bytes(BODY as u64));
    let mut udp = Udp::new();
    g.bench_function("udp_block2_download_256k", |b| b.iter(|| udp.download()));
    let mut udp = Udp::new();
    g.bench_function("udp_block1_upload_256k", |b| b.iter(|| udp.upload()));
    g.throughput(Throughput::Elements(1));
    let mut tcp = Tcp::new();
    g.bench_function("tcp_requests", |b| b.iter(|| tcp.request()));
    g.throughput(Throughput::Bytes(BODY as u64));
    let mut bert = Tcp::with(true);
    bert.answer = (0..BODY).map(|i| (i * 7 + i / 1024) as u8).collect();
    g.bench_function("tcp_bert_download_256k", |b| b.iter(|| bert.request()));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
