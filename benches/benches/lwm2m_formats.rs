//! LwM2M content-format benchmarks: the formats of `lwm2m-model` on the same typed records, one
//! criterion group per workload and direction, `decode/<workload>/<format>` and
//! `encode/<workload>/<format>`, so each report shows every format side by side. There are no peer
//! crates: the comparison is between formats.
//!
//! The workloads and the calls timed are in `benches/src/lwm2m.rs` (decode: payload to typed
//! records, `type_records` with `registry::CORE` included; encode: borrowed typed records to bytes,
//! TLV and text into a reused buffer, the alloc formats into the `Vec` they return). It prints the
//! encoded size of every workload in every format first. Run with
//! `cargo bench -p benches --bench lwm2m_formats`; filter with a trailing argument
//! (`-- decode/device`).
// Benches panic on setup errors (a workload that does not encode is a bug in the bench itself).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use benches::hex;
use benches::lwm2m::{decode, encode, payload, size_table, workloads};
use criterion::Criterion;

fn main() {
    let workloads = workloads();
    eprintln!("LwM2M workloads: encoded size in bytes per format (- : the format cannot carry the workload)");
    eprintln!("{}", size_table());
    for w in &workloads {
        for &f in w.formats {
            eprintln!("  {:<12} {:<10} {}", w.name, f.name(), hex(&payload(f, w), 48));
        }
    }

    // A 2-core shared machine: short warm-up and measurement (36 benchmarks); command-line flags
    // (`--measurement-time`, `--sample-size`) still override.
    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_millis(1500))
        .configure_from_args();

    for w in &workloads {
        let mut g = c.benchmark_group(format!("decode/{}", w.name));
        for &f in w.formats {
            let bytes = payload(f, w);
            decode(f, w, &bytes).unwrap_or_else(|e| panic!("{} {}: {e}", w.name, f.name()));
            // The typed records are dropped inside the timing.
            g.bench_function(f.name(), |b| b.iter(|| decode(f, w, black_box(&bytes))));
        }
        g.finish();

        let mut g = c.benchmark_group(format!("encode/{}", w.name));
        for &f in w.formats {
            let mut buf = vec![0u8; 4096];
            encode(f, w, &mut buf).unwrap_or_else(|e| panic!("{} {}: {e}", w.name, f.name()));
            // TLV and text write into `buf`; the others' `Vec` is dropped inside the timing.
            g.bench_function(f.name(), |b| b.iter(|| encode(f, black_box(w), &mut buf)));
        }
        g.finish();
    }
    c.final_summary();
}
