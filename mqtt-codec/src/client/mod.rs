//! The client side of an MQTT connection. So far: [`Backoff`], the reconnect delays a client
//! waits between attempts (exponential with full jitter, capped, from caller randomness). The
//! poll-driven `Client` machine is being built on top of it (see the workspace `CHANGELOG.md`).

mod backoff;

pub use backoff::Backoff;
