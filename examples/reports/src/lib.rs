//! Report tools built on the library itself, one binary each:
//!
//! - [`overhead`] (`cargo run --release --bin overhead`): header overhead of MQTT, CoAP and
//!   LwM2M per reading, per device-day and per fleet, from bytes our encoders write;
//! - [`storm`] (`cargo run --release --bin storm`): a fleet of sans-IO MQTT clients reconnecting
//!   after a broker outage under four reconnect policies, on a virtual clock.

pub mod overhead;
pub mod storm;
