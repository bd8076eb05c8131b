//! MQTT codec benchmarks: `mqtt-codec` against rumqttc, mqttrs and mqtt-protocol-core on the same
//! input bytes, one criterion group per workload item and direction, `decode/<item>/<crate>` and
//! `encode/<item>/<crate>`, so each report shows every crate side by side.
//!
//! The items and their canonical frames live in `benches/src/lib.rs`; the calls timed here are the
//! ones in `mqtt_peers/` (see that module's rules), which `tests/mqtt_peers_agree.rs` checks read
//! and write the same packets. Run with `cargo bench -p benches --bench mqtt_codec`; filter with
//! a trailing argument (`-- decode/v5_publish`).
// Benches panic on setup errors (a frame that does not encode is a bug in the bench itself).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

#[allow(dead_code, unreachable_pub)]
mod mqtt_peers;

use std::hint::black_box;
use std::time::Duration;

use benches::{hex, items, Item};
use criterion::measurement::WallTime;
use criterion::{BatchSize, BenchmarkGroup, Criterion};
use mqtt_peers::mpc::{MpcV311, MpcV5};
use mqtt_peers::mqttrs_v311::Mqttrs;
use mqtt_peers::rumqttc_v4::RumqttcV4;
use mqtt_peers::rumqttc_v5::RumqttcV5;
use mqtt_peers::{Codec, Ours, Skip};

/// Whether `C` runs `item`; a crate that cannot do it is reported once (on the decode side).
fn runs<C: Codec>(item: &Item, report: bool) -> bool {
    match C::supports(item) {
        Ok(()) => true,
        Err(Skip::OtherEntry) => false,
        Err(Skip::Cannot(why)) => {
            if report {
                eprintln!("note: {} skipped for {} (decode and encode): {why}", C::NAME, item.name);
            }
            false
        }
    }
}

fn bench_decode<C: Codec>(g: &mut BenchmarkGroup<'_, WallTime>, item: &Item) {
    if !runs::<C>(item, true) {
        return;
    }
    let mut ctx = C::new_ctx();
    let frame = &item.frame[..];
    let v = item.version;
    if C::FRESH_INPUT {
        // The crate consumes a `BytesMut`: a fresh copy per iteration, made outside the timing.
        // The decoded packet is dropped inside the timing, as every other crate's is.
        g.bench_function(C::NAME, |b| {
            b.iter_batched(
                || C::prepare(frame),
                |mut input| {
                    drop(black_box(C::decode(&mut ctx, v, black_box(frame), &mut input)));
                    input
                },
                BatchSize::SmallInput,
            )
        });
    } else {
        let mut input = C::prepare(frame);
        g.bench_function(C::NAME, |b| b.iter(|| C::decode(&mut ctx, v, black_box(frame), &mut input)));
    }
}

fn bench_encode<C: Codec>(g: &mut BenchmarkGroup<'_, WallTime>, item: &Item) {
    if !runs::<C>(item, false) {
        return;
    }
    let mut ctx = C::new_ctx();
    let v = item.version;
    C::encode(&mut ctx, v, &item.app);
    if C::encoded(&ctx) != item.frame {
        eprintln!("note: {} encodes {} as {}", C::NAME, item.name, hex(C::encoded(&ctx), 64));
    }
    g.bench_function(C::NAME, |b| b.iter(|| C::encode(&mut ctx, v, black_box(&item.app))));
}

fn main() {
    let items = items();
    eprintln!("MQTT workload: canonical frames (encoded by mqtt-codec; every crate decodes these bytes)");
    for item in &items {
        eprintln!("  {:<18} {:>4} B  {}", item.name, item.frame.len(), hex(&item.frame, 96));
    }

    // A 2-core shared machine: short warm-up and measurement keep the whole run to a few minutes
    // (98 benchmarks); command-line flags (`--measurement-time`, `--sample-size`) still override.
    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .configure_from_args();

    for item in &items {
        let mut g = c.benchmark_group(format!("decode/{}", item.name));
        bench_decode::<Ours>(&mut g, item);
        bench_decode::<RumqttcV4>(&mut g, item);
        bench_decode::<RumqttcV5>(&mut g, item);
        bench_decode::<Mqttrs>(&mut g, item);
        bench_decode::<MpcV311>(&mut g, item);
        bench_decode::<MpcV5>(&mut g, item);
        g.finish();

        let mut g = c.benchmark_group(format!("encode/{}", item.name));
        bench_encode::<Ours>(&mut g, item);
        bench_encode::<RumqttcV4>(&mut g, item);
        bench_encode::<RumqttcV5>(&mut g, item);
        bench_encode::<Mqttrs>(&mut g, item);
        bench_encode::<MpcV311>(&mut g, item);
        bench_encode::<MpcV5>(&mut g, item);
        g.finish();
    }
    c.final_summary();
}
