//! Runs one `(crate, item, op)` of the MQTT workload N times, for instruction counts under
//! valgrind's callgrind (`benches/callgrind.sh` drives it over every combination).
//!
//! ```text
//! callgrind_mqtt list                      # every valid "crate item op" line
//! callgrind_mqtt <crate> <item> <op> <N>   # op: decode | encode
//! ```
//!
//! Each operation runs inside `measured_decode` / `measured_encode` (never inlined), so
//! `valgrind --tool=callgrind --collect-atstart=no --toggle-collect='*measured_*'` counts exactly
//! the operation (and everything it calls, allocator included) and nothing of the set-up, such as
//! the fresh `BytesMut` the rumqttc decoder consumes. An `N = 0` run is the baseline to subtract.
//! It is a bench target (not a binary) because the peer crates are dev-dependencies only; it
//! prints its usage and exits when `cargo bench` runs it without arguments.
// Benches panic on setup errors (a bad command line or a frame that does not encode).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

#[allow(dead_code, unreachable_pub)]
mod mqtt_peers;

use std::hint::black_box;

use benches::{items, App, Item, Version};
use mqtt_peers::mpc::{MpcV311, MpcV5};
use mqtt_peers::mqttrs_v311::Mqttrs;
use mqtt_peers::rumqttc_v4::RumqttcV4;
use mqtt_peers::rumqttc_v5::RumqttcV5;
use mqtt_peers::{Codec, Ours};

#[inline(never)]
fn measured_decode<C: Codec>(ctx: &mut C::Ctx, v: Version, frame: &[u8], input: &mut C::Input) {
    drop(black_box(C::decode(ctx, v, black_box(frame), input)));
}

#[inline(never)]
fn measured_encode<C: Codec>(ctx: &mut C::Ctx, v: Version, app: &App) -> usize {
    black_box(C::encode(ctx, v, black_box(app)))
}

fn run<C: Codec>(item: &Item, op: &str, n: u64) {
    let mut ctx = C::new_ctx();
    let frame = &item.frame[..];
    match op {
        "decode" => {
            for _ in 0..n {
                let mut input = C::prepare(frame);
                measured_decode::<C>(&mut ctx, item.version, frame, &mut input);
                drop(input);
            }
        }
        "encode" => {
            for _ in 0..n {
                measured_encode::<C>(&mut ctx, item.version, &item.app);
            }
        }
        other => panic!("unknown op {other:?} (decode | encode)"),
    }
}

/// Calls `f` with the entry of `krate` that runs `item`, if any.
macro_rules! dispatch {
    ($krate:expr, $item:expr, $f:ident $(, $arg:expr)*) => {{
        let (krate, item) = ($krate, $item);
        let mut found = false;
        if krate == Ours::NAME && Ours::supports(item).is_ok() {
            $f::<Ours>(item $(, $arg)*);
            found = true;
        }
        if krate == RumqttcV4::NAME && RumqttcV4::supports(item).is_ok() {
            $f::<RumqttcV4>(item $(, $arg)*);
            found = true;
        }
        if krate == RumqttcV5::NAME && RumqttcV5::supports(item).is_ok() {
            $f::<RumqttcV5>(item $(, $arg)*);
            found = true;
        }
        if krate == Mqttrs::NAME && Mqttrs::supports(item).is_ok() {
            $f::<Mqttrs>(item $(, $arg)*);
            found = true;
        }
        if krate == MpcV311::NAME && MpcV311::supports(item).is_ok() {
            $f::<MpcV311>(item $(, $arg)*);
            found = true;
        }
        if krate == MpcV5::NAME && MpcV5::supports(item).is_ok() {
            $f::<MpcV5>(item $(, $arg)*);
            found = true;
        }
        found
    }};
}

const CRATES: [&str; 4] = [Ours::NAME, "rumqttc", Mqttrs::NAME, MpcV5::NAME];

fn nothing<C: Codec>(_: &Item) {}

fn main() {
    // `cargo bench` passes flags such as `--bench`; only positional arguments matter here.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with("--")).collect();
    let items = items();
    match args.as_slice() {
        [list] if list == "list" => {
            for item in &items {
                for krate in CRATES {
                    if dispatch!(krate, item, nothing) {
                        println!("{krate} {} decode", item.name);
                        println!("{krate} {} encode", item.name);
                    }
                }
            }
        }
        [krate, name, op, n] => {
            let item = items.iter().find(|i| i.name == name).unwrap_or_else(|| panic!("unknown item {name}"));
            let n: u64 = n.parse().expect("N must be a number");
            if !dispatch!(krate.as_str(), item, run, op, n) {
                panic!("{krate} does not run {name} (see `callgrind_mqtt list`)");
            }
        }
        _ => {
            eprintln!("usage: callgrind_mqtt list | callgrind_mqtt <crate> <item> <decode|encode> <N>");
            eprintln!("(run by benches/callgrind.sh under valgrind; nothing to do without arguments)");
        }
    }
}
