//! `storm`: devices that reconnect all at once after a broker outage, under four reconnect
//! policies, with the library itself: a fleet of sans-IO [`mqtt_codec::client::Client`]s on a
//! virtual clock, simulated links, and the broker core [`mqtt_codec::broker::Broker`] behind a
//! front that caps its accept rate.
//!
//! Layers, bottom up:
//! - [`rng`] (seeded SplitMix64) and [`wheel`] (the virtual clock's wake-ups, 1 ms slots);
//! - [`meter`]: a counting global allocator that attributes heap bytes to the broker core;
//! - [`params`]: every assumption, and the [`Policy`]s;
//! - [`sim`]: one run of one policy, giving an [`Outcome`];
//! - [`report`] (Markdown) and [`chart`] (SVG).
//!
//! Run: `cargo run --release --bin storm -- --devices 100000`.

pub mod chart;
pub mod meter;
pub mod params;
pub mod report;
pub mod rng;
pub mod sim;
pub mod wheel;

pub use params::{Params, Policy};
pub use sim::{run, Outcome};
