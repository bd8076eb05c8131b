//! Networked examples for the workspace's sans-IO crates: tokio CLIs and servers, and the
//! harness that interop tests use to run real peers on loopback.
//!
//! - [`driver`]: runs an `mqtt_codec` [`Client`](mqtt_codec::client::Client) over a tokio
//!   `TcpStream`; the CLIs `mqtt-pub` and `mqtt-sub` (`src/bin/`) and the interop tests use it.
//! - [`mosquitto`]: starts a private mosquitto broker on a free loopback port for one test, and
//!   applies the project's rule for a missing peer (print why and skip outside CI, fail in CI,
//!   where `CI=true`).

#![forbid(unsafe_code)]

pub mod driver;
pub mod mosquitto;
