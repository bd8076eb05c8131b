//! CoAP codec benchmarks: `coap-codec` against coap-lite and coap-message-implementations on the
//! same datagrams, one criterion group per workload item and direction, `decode/<item>/<crate>`
//! and `encode/<item>/<crate>`, so each report shows every crate side by side.
//!
//! The items and their canonical datagrams live in `benches/src/coap.rs`; the calls timed here are
//! the ones in `coap_peers/` (see that module's rules), which `tests/coap_peers_agree.rs` checks
//! read and write the same messages. Run with `cargo bench -p benches --bench coap_codec`; filter
//! with a trailing argument (`-- decode/notification`).
// Benches panic on setup errors (a datagram that does not encode is a bug in the bench itself).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

#[allow(dead_code, unreachable_pub)]
mod coap_peers;

use std::hint::black_box;
use std::time::Duration;

use benches::coap::{items, CoapItem};
use benches::hex;
use coap_peers::cmi::Cmi;
use coap_peers::lite::CoapLite;
use coap_peers::{Codec, Ours, OursBuilder};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion};

fn bench_decode<C: Codec>(g: &mut BenchmarkGroup<'_, WallTime>, item: &CoapItem) {
    let datagram = &item.datagram[..];
    assert!(C::decode(datagram).is_some(), "{} rejects {}", C::NAME, item.name);
    // The decoded message is dropped inside the timing (coap-lite's owned fields are freed there).
    g.bench_function(C::NAME, |b| b.iter(|| C::decode(black_box(datagram))));
}

fn bench_encode<C: Codec>(g: &mut BenchmarkGroup<'_, WallTime>, item: &CoapItem) {
    let mut ctx = C::new_ctx();
    C::encode(&mut ctx, &item.app);
    if C::encoded(&ctx) != item.datagram {
        eprintln!("note: {} encodes {} as {}", C::NAME, item.name, hex(C::encoded(&ctx), 64));
    }
    g.bench_function(C::NAME, |b| b.iter(|| C::encode(&mut ctx, black_box(&item.app))));
}

fn main() {
    let items = items();
    eprintln!("CoAP workload: canonical datagrams (encoded by coap-codec; every crate decodes these bytes)");
    for item in &items {
        eprintln!("  {:<13} {:>4} B  {}", item.name, item.datagram.len(), hex(&item.datagram, 160));
    }

    // A 2-core shared machine: short warm-up and measurement keep the whole run to about a minute
    // (28 benchmarks); command-line flags (`--measurement-time`, `--sample-size`) still override.
    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .configure_from_args();

    for item in &items {
        let mut g = c.benchmark_group(format!("decode/{}", item.name));
        bench_decode::<Ours>(&mut g, item);
        bench_decode::<CoapLite>(&mut g, item);
        bench_decode::<Cmi>(&mut g, item);
        g.finish();

        let mut g = c.benchmark_group(format!("encode/{}", item.name));
        bench_encode::<Ours>(&mut g, item);
        bench_encode::<OursBuilder>(&mut g, item);
        bench_encode::<CoapLite>(&mut g, item);
        bench_encode::<Cmi>(&mut g, item);
        g.finish();
    }
    c.final_summary();
}
