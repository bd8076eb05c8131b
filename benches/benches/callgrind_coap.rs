//! Runs one `(crate, item, op)` of the CoAP workload N times, for instruction counts under
//! valgrind's callgrind (`benches/callgrind.sh coap` drives it over every combination).
//!
//! ```text
//! callgrind_coap list                      # every valid "crate item op" line
//! callgrind_coap <crate> <item> <op> <N>   # op: decode | encode
//! ```
//!
//! Each operation runs inside `measured_decode` / `measured_encode` (never inlined), so
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured_*'` counts exactly
//! the operation (and everything it calls, allocator included) and nothing of the set-up. An
//! `N = 0` run is the baseline to subtract. It is a bench target (not a binary) because the peer
//! crates are dev-dependencies only; it prints its usage and exits when `cargo bench` runs it
//! without arguments.
// Benches panic on setup errors (a bad command line or a datagram that does not encode).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

#[allow(dead_code, unreachable_pub)]
mod coap_peers;

use std::hint::black_box;

use benches::coap::{items, CoapApp, CoapItem};
use coap_peers::cmi::Cmi;
use coap_peers::lite::CoapLite;
use coap_peers::{Codec, Ours, OursBuilder};

#[inline(never)]
fn measured_decode<C: Codec>(datagram: &[u8]) {
    drop(black_box(C::decode(black_box(datagram))));
}

#[inline(never)]
fn measured_encode<C: Codec>(ctx: &mut C::Ctx, app: &CoapApp) -> usize {
    black_box(C::encode(ctx, black_box(app)))
}

fn run<C: Codec>(item: &CoapItem, op: &str, n: u64) {
    let mut ctx = C::new_ctx();
    match op {
        "decode" => {
            for _ in 0..n {
                measured_decode::<C>(&item.datagram);
            }
        }
        "encode" => {
            for _ in 0..n {
                measured_encode::<C>(&mut ctx, &item.app);
            }
        }
        other => panic!("unknown op {other:?} (decode | encode)"),
    }
}

const CRATES: [&str; 4] = [Ours::NAME, OursBuilder::NAME, CoapLite::NAME, Cmi::NAME];

fn main() {
    // `cargo bench` passes flags such as `--bench`; only positional arguments matter here.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let items = items();
    match args.as_slice() {
        [list] if list == "list" => {
            for item in &items {
                for krate in CRATES {
                    // The builder row differs from ours in encode only.
                    if krate != OursBuilder::NAME {
                        println!("{krate} {} decode", item.name);
                    }
                    println!("{krate} {} encode", item.name);
                }
            }
        }
        [krate, name, op, n] => {
            let item = items.iter().find(|i| i.name == name).unwrap_or_else(|| panic!("unknown item {name}"));
            let n: u64 = n.parse().expect("N must be a number");
            match krate.as_str() {
                Ours::NAME => run::<Ours>(item, op, n),
                OursBuilder::NAME => run::<OursBuilder>(item, op, n),
                CoapLite::NAME => run::<CoapLite>(item, op, n),
                Cmi::NAME => run::<Cmi>(item, op, n),
                other => panic!("unknown crate {other} (see `callgrind_coap list`)"),
            }
        }
        _ => {
            eprintln!("usage: callgrind_coap list | callgrind_coap <crate> <item> <decode|encode> <N>");
            eprintln!("(run by benches/callgrind.sh coap under valgrind; nothing to do without arguments)");
        }
    }
}
