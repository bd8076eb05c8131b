//! A temperature sensor written the way firmware is written: `#![no_std]`, no allocator, every
//! buffer sized at compile time, driven by a main loop through the sans-IO contract of the
//! crates it is made of (`mqtt_codec::client::Client`, `coap_codec::endpoint::Endpoint`).
//!
//! - [`Sensor`] reports each reading as an MQTT QoS 1 PUBLISH and a CoAP CON POST, keeps the
//!   unacknowledged ones in a bounded [`queue::ReadingQueue`], reconnects with back-off.
//! - [`sim`] is a network without `std`: a lossy, delaying datagram link, a byte-stream link
//!   that delays and cuts, a broker built on `mqtt_codec::server::ServerConnection` and a CoAP
//!   gateway built on `coap_codec::endpoint::Endpoint`, and a [`sim::World`] that runs a
//!   scenario on a virtual clock and checks the outcome reading by reading.
//!
//! The `no-std-sensor` binary (`src/main.rs`) runs one scenario with no std and no allocator
//! and exits 0 only if every check passes; host tests (`cargo test`) run many more.
#![no_std]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

pub mod payload;
pub mod queue;
pub mod rand;
pub mod sensor;
pub mod sim;

#[cfg(test)]
mod tests;

pub use sensor::{
    BufferTooSmall, CoapEndpoint, CoapStorage, MqttClient, Sensor, SensorConfig, SensorEvent, SetupError, Stats,
    TransportCommand, Via, MAX_NAME, MQTT_SLOTS, MQTT_STORE, READINGS_PATH,
};

/// Time: milliseconds since an epoch the caller chooses (`mqtt-codec`'s; the CoAP side
/// converts to `coap-codec`'s identical type).
pub use mqtt_codec::time::Instant;

/// A peer's address on the datagram link (a radio address, an index).
pub type Address = u8;
