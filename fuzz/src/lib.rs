//! Invariant watchers shared by the state-machine fuzz targets: they read the bytes a machine
//! receives and sends (independently of the machine's own decoder) and panic when the machine
//! breaks a protocol invariant: a packet id in use twice, an acknowledgement of something never
//! received, a message id reused too early.
#![allow(clippy::indexing_slicing, clippy::panic, clippy::unwrap_used, clippy::expect_used)]

pub mod coap_watch;
pub mod mqtt_watch;
pub mod ops;
pub mod seeds;
