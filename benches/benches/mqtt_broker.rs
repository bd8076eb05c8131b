//! The broker core in memory: QoS 0 fan-out from one publisher to 1,000 subscribers of one
//! filter, and 10,000 clients each subscribed to its own topic; plus the bytes held per idle
//! connected client and per subscription (a counting allocator), printed first.
//!
//! `cargo bench -p benches --bench mqtt_broker`; criterion reports deliveries per second. The
//! subscribers' frames are written by `poll_transmit` and dropped (no client decodes them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use mqtt_codec::broker::{Broker, Config};
use mqtt_codec::server;
use mqtt_codec::time::Instant;
use mqtt_codec::topic::TopicFilter;
use mqtt_codec::wire::{Connect, List, Packet, PacketId, Protocol, Publish, Qos, Subscribe, Subscription, Version};

/// Counts live heap bytes, to report what the broker holds.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// The workspace denies unsafe code; a global allocator cannot be written without it.
// SAFETY: every call forwards to the system allocator with the same arguments; the counter is a
// relaxed atomic add that touches no memory the allocator hands out.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        LIVE.fetch_add(l.size() as isize, Ordering::Relaxed);
        // SAFETY: the caller's contract for `alloc` is passed on unchanged.
        #[allow(unsafe_code)]
        unsafe {
            System.alloc(l)
        }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        LIVE.fetch_sub(l.size() as isize, Ordering::Relaxed);
        // SAFETY: `p` came from `alloc` above with the same layout (the caller's contract).
        #[allow(unsafe_code)]
        unsafe {
            System.dealloc(p, l)
        }
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

fn frame(p: Packet<'_>) -> Vec<u8> {
    let mut b = vec![0u8; p.encoded_len(Version::V311)];
    p.encode(Version::V311, &mut b).unwrap();
    b
}

/// Opens, connects and (optionally) subscribes client `id`, dropping what the broker answers.
fn join(b: &mut Broker<u32>, id: u32, filter: Option<&str>, buf: &mut [u8]) {
    let now = Instant::ZERO;
    b.connection_opened(now, id).unwrap();
    let name = format!("c{id}");
    let connect =
        frame(Packet::Connect(Connect { client_id: &name, keep_alive: 0, ..Connect::new(Protocol::Mqtt311) }));
    let mut input = connect;
    if let Some(f) = filter {
        let subs = [Subscription::new(TopicFilter::new(f).unwrap(), Qos::AtMostOnce)];
        input.extend(frame(Packet::Subscribe(Subscribe::new(PacketId::new(1).unwrap(), List::new(&subs)))));
    }
    let n = b.handle_input(now, id, &input).unwrap();
    assert_eq!(n, input.len());
    while b.poll_transmit(now, buf).unwrap().is_some() {}
    while b.poll_event().is_some() {}
}

/// Publishes `frame` from connection `from` and writes every delivery; returns how many.
fn publish(b: &mut Broker<u32>, from: u32, frame: &[u8], buf: &mut [u8]) -> u64 {
    let now = Instant::ZERO;
    b.handle_input(now, from, frame).unwrap();
    let mut n = 0;
    while let Some((_, t)) = b.poll_transmit(now, buf).unwrap() {
        black_box(&buf[..t.len]);
        n += 1;
    }
    n
}

fn config(store: usize) -> Config {
    Config::new()
        .with_max_connections(20_000)
        .with_max_sessions(20_000)
        .with_connection(server::Config::new().with_store_split(512, 64, 256, 128), store)
}

fn memory() {
    let mut buf = vec![0u8; 4096];
    for store in [16 * 1024, 2048] {
        let mut b: Broker<u32> = Broker::new(config(store));
        let before = LIVE.load(Ordering::Relaxed);
        for id in 0..1000 {
            join(&mut b, id, None, &mut buf);
        }
        let clients = LIVE.load(Ordering::Relaxed);
        for id in 0..1000 {
            let f = format!("devices/{id}/cmd");
            let subs = [Subscription::new(TopicFilter::new(&f).unwrap(), Qos::AtLeastOnce)];
            let s = frame(Packet::Subscribe(Subscribe::new(PacketId::new(2).unwrap(), List::new(&subs))));
            b.handle_input(Instant::ZERO, id, &s).unwrap();
            while b.poll_transmit(Instant::ZERO, &mut buf).unwrap().is_some() {}
        }
        let subs = LIVE.load(Ordering::Relaxed);
        println!(
            "memory: {} bytes per idle connected client (connection store {store} bytes), {} bytes per subscription",
            (clients - before) / 1000,
            (subs - clients) / 1000
        );
    }
}

fn broker(c: &mut Criterion) {
    memory();
    let mut buf = vec![0u8; 4096];
    let payload = *b"{\"temp\": 21.500}";

    // Fan-out: one publisher, 1,000 subscribers of `sensors/#`.
    let mut b: Broker<u32> = Broker::new(config(2048));
    for id in 1..=1000 {
        join(&mut b, id, Some("sensors/#"), &mut buf);
    }
    join(&mut b, 0, None, &mut buf);
    let msg =
        frame(Packet::Publish(Publish::new(mqtt_codec::topic::TopicName::new("sensors/temp").unwrap(), &payload)));
    let mut g = c.benchmark_group("broker");
    g.throughput(Throughput::Elements(1000));
    g.bench_function("fanout_1000_qos0", |bench| {
        bench.iter(|| assert_eq!(publish(&mut b, 0, &msg, &mut buf), 1000));
    });

    // 10,000 clients on distinct topics; one message to each topic per 10,000 iterations.
    let mut b: Broker<u32> = Broker::new(config(2048));
    let topics: Vec<String> = (0..10_000).map(|i| format!("d/{i}")).collect();
    for (id, t) in topics.iter().enumerate() {
        join(&mut b, id as u32 + 1, Some(t), &mut buf);
    }
    join(&mut b, 0, None, &mut buf);
    let frames: Vec<Vec<u8>> = topics
        .iter()
        .map(|t| frame(Packet::Publish(Publish::new(mqtt_codec::topic::TopicName::new(t).unwrap(), &payload))))
        .collect();
    let mut i = 0;
    g.throughput(Throughput::Elements(1));
    g.bench_function("distinct_10000_qos0", |bench| {
        bench.iter(|| {
            i = (i + 1) % frames.len();
            assert_eq!(publish(&mut b, 0, &frames[i], &mut buf), 1);
        });
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = broker
}
criterion_main!(benches);
