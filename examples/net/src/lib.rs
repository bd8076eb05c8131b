//! Networked examples for the workspace's sans-IO crates: tokio CLIs and servers (to come), and
//! the harness that interop tests use to run real peers on loopback.
//!
//! The harness for now is [`mosquitto`]: it starts a private mosquitto broker on a free
//! loopback port for one test, and applies the project's rule for a missing peer (print why and
//! skip outside CI, fail in CI, where `CI=true`).

#![forbid(unsafe_code)]

pub mod mosquitto;
