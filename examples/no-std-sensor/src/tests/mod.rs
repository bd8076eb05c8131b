//! Host tests: the sensor through the simulated network (many seeds and bad days), the checks
//! themselves (they must catch a broken run), the small parts, and the README's size table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod checks;
mod parts;
mod scenarios;
mod sizes;

use std::boxed::Box;
use std::println;

use crate::sim::{Scenario, World};

/// Seeds to cover: `SIM_SEEDS` (default `default`), or just `SIM_SEED` to replay one run.
fn seeds(default: u64) -> impl Iterator<Item = u64> {
    let one = std::env::var("SIM_SEED").ok().and_then(|s| s.parse().ok());
    let n = std::env::var("SIM_SEEDS").ok().and_then(|s| s.parse().ok()).unwrap_or(default);
    match one {
        Some(s) => s..s + 1,
        None => 1..n + 1,
    }
}

/// Runs `scenario` with a queue of `Q` (boxed: a world is tens of KiB) and prints a summary.
fn run<const Q: usize>(scenario: Scenario) -> Box<World<Q>> {
    let mut w = Box::new(World::<Q>::new(scenario).unwrap());
    let finished = w.run();
    let s = w.sensor.stats();
    println!(
        "SIM_SEED={} finished={finished} t={} ms steps={} lost={} gave_up={} cuts={} refused={} {s:?}",
        scenario.seed,
        w.now.as_millis(),
        w.steps,
        w.datagrams.stats().lost,
        w.coap_gave_up,
        w.stream.stats().cuts,
        w.stream.stats().refused,
    );
    w
}
