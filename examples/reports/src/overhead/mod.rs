//! Header overhead of MQTT, CoAP and LwM2M for one telemetry reading, per device-day and per
//! fleet: "MQTT or CoAP for a cellular fleet?" answered with bytes our encoders write.
//!
//! Layers, bottom up:
//! - [`payload`]: the reading's content (a 4-byte float, a small JSON object, SenML JSON);
//! - [`mqtt`], [`coap`], [`lwm2m`]: the messages of one reading, and of a connection's set-up,
//!   keep-alive and close, encoded by `mqtt-codec`, `coap-codec` and `lwm2m-model`;
//! - [`net`]: every transport assumption as a named constant (IP, UDP, TCP, TLS 1.3, DTLS 1.2
//!   with a Connection ID, handshakes, pure ACKs, carrier NAT timeouts) and what a message costs
//!   on the air;
//! - [`catalog`]: the protocol variants compared;
//! - [`totals`]: bytes per device per day and per fleet;
//! - [`report`] (Markdown tables) and [`chart`] (SVG).
//!
//! Run: `cargo run --release --bin overhead -- [--svg PATH] [--markdown PATH] [--payload NAME]`.

pub mod catalog;
pub mod chart;
pub mod coap;
pub mod lwm2m;
pub mod message;
pub mod mqtt;
pub mod net;
pub mod payload;
pub mod report;
pub mod totals;

pub use message::{BuildError, Dir, Msg};
