//! The main demo: CoAP sensors report through a lossy link to an edge gateway, which buffers
//! and republishes their readings to an MQTT broker; a subscriber reconciles every reading end
//! to end. `cargo run --release --bin edge-gateway` runs it (see `src/main.rs` for the flags).
//!
//! The parts, each a module, all on loopback and ephemeral ports:
//! - [`sensor`]: simulated sensor nodes on the library's CoAP `Endpoint`: they register
//!   (`POST /rd?ep=...&lt=...` with a link-format body) and report by CON, by NON, as observed
//!   resources, or sleeping between reports;
//! - [`relay`]: the loss/duplication shim between sensors and gateway, and the counting TCP
//!   relay in front of the broker;
//! - [`gateway`]: the CoAP server endpoint and the MQTT client connection, the store-and-forward
//!   buffer, the retained status and the will;
//! - [`broker`]: the in-process broker (the library's broker core) that can be stopped and
//!   started again with its sessions;
//! - [`subscriber`]: prints what arrives and enters it in the [`stats::Ledger`];
//! - [`demo`]: wires them together and makes the [`demo::Summary`].

#![forbid(unsafe_code)]

pub mod broker;
pub mod demo;
pub mod gateway;
pub mod relay;
pub mod sensor;
pub mod stats;
pub mod subscriber;

/// The workspace README's Rust examples, compiled and run as doctests (so the tour stays true).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;
