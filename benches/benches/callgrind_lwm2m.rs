//! Runs one `(format, workload, op)` of the LwM2M content-format workload N times, for instruction
//! counts under valgrind's callgrind (`benches/callgrind.sh lwm2m` drives it over every
//! combination).
//!
//! ```text
//! callgrind_lwm2m list                          # every valid "format workload op" line
//! callgrind_lwm2m <format> <workload> <op> <N>  # op: decode | encode
//! ```
//!
//! Each operation runs inside `measured_decode` / `measured_encode` (never inlined), so
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured_*'` counts exactly
//! the operation (and everything it calls, allocator included: the decoded records' `Vec` and the
//! alloc formats' output `Vec` are made and freed inside) and nothing of the set-up. An `N = 0`
//! run is the baseline to subtract. It prints its usage and exits when `cargo bench` runs it
//! without arguments.
// Benches panic on setup errors (a bad command line or a workload that does not encode).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

use std::hint::black_box;

use benches::lwm2m::{decode, encode, payload, workloads, Format, Workload};

#[inline(never)]
fn measured_decode(f: Format, w: &Workload, bytes: &[u8]) {
    drop(black_box(decode(f, w, black_box(bytes))));
}

#[inline(never)]
fn measured_encode(f: Format, w: &Workload, buf: &mut [u8]) {
    drop(black_box(encode(f, black_box(w), buf)));
}

fn run(f: Format, w: &Workload, op: &str, n: u64) {
    let bytes = payload(f, w);
    let mut buf = vec![0u8; 4096];
    match op {
        "decode" => {
            decode(f, w, &bytes).unwrap();
            for _ in 0..n {
                measured_decode(f, w, &bytes);
            }
        }
        "encode" => {
            encode(f, w, &mut buf).unwrap();
            for _ in 0..n {
                measured_encode(f, w, &mut buf);
            }
        }
        other => panic!("unknown op {other:?} (decode | encode)"),
    }
}

fn main() {
    // `cargo bench` passes flags such as `--bench`; only positional arguments matter here.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let workloads = workloads();
    match args.as_slice() {
        [list] if list == "list" => {
            for w in &workloads {
                for op in ["decode", "encode"] {
                    for &f in w.formats {
                        println!("{} {} {op}", f.name(), w.name);
                    }
                }
            }
        }
        [format, name, op, n] => {
            let f = Format::from_name(format).unwrap_or_else(|| panic!("unknown format {format}"));
            let w = workloads.iter().find(|w| w.name == name).unwrap_or_else(|| panic!("unknown workload {name}"));
            assert!(w.formats.contains(&f), "{format} does not carry {name} (see `callgrind_lwm2m list`)");
            run(f, w, op, n.parse().expect("N must be a number"));
        }
        _ => {
            eprintln!("usage: callgrind_lwm2m list | callgrind_lwm2m <format> <workload> <decode|encode> <N>");
            eprintln!("(run by benches/callgrind.sh lwm2m under valgrind; nothing to do without arguments)");
        }
    }
}
