use std::println;

use crate::sim::{Scenario, World};

/// Runs `scenario` with a queue of `Q`, prints a one-line summary, and returns the world.
fn run<const Q: usize>(scenario: Scenario) -> std::boxed::Box<World<Q>> {
    let mut w = std::boxed::Box::new(World::<Q>::new(scenario).unwrap());
    let finished = w.run();
    let s = w.sensor.stats();
    println!(
        "seed {} finished={finished} t={} ms steps={} {:?} lost={} gave_up={} cuts={} refused={}",
        scenario.seed,
        w.now.as_millis(),
        w.steps,
        s,
        w.datagrams.stats().lost,
        w.coap_gave_up,
        w.stream.stats().cuts,
        w.stream.stats().refused
    );
    w
}

#[test]
fn default_scenario_every_reading_acknowledged_on_both_paths() {
    let w = run::<8>(Scenario::new(1));
    assert_eq!(w.check(), Ok(()), "SIM_SEED=1");
}
