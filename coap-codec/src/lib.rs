//! Sans-IO CoAP for `no_std` devices and gateways: RFC 7252 messages and options, Observe
//! (RFC 7641), block-wise transfers (RFC 7959), CoAP over TCP and WebSockets (RFC 8323) and the
//! link format (RFC 6690), with a poll-driven endpoint that owns no socket or clock.
//!
//! # Status
//! Built so far: the RFC 7252 message layer ([`wire`]: checked `Message` view, option registry,
//! `MessageBuilder`, typed format errors with the prescribed reaction, typed Block, Observe,
//! Content-Format and No-Response values), RFC 8323 framing ([`wire::tcp`]), the CoRE link
//! format ([`link_format`]), URIs ([`uri`]) and the shared [`time::Instant`]. The HTTP mapping, block-wise
//! and Observe state, and the endpoint are still to come (see the workspace `CHANGELOG.md`).
//!
//! ```
//! use coap_codec::time::Instant;
//! use core::time::Duration;
//! // RFC 7252 §4.8: ACK_TIMEOUT is 2 s.
//! let sent = Instant::from_millis(0);
//! assert_eq!((sent + Duration::from_secs(2)).as_millis(), 2_000);
//! ```
//!
//! [`link_format`] parses and writes the CoRE Link Format (RFC 6690) of `/.well-known/core`
//! without allocating.
//!
//! # Features
//! `std` (default; implies `alloc`), `alloc`, `serde`, `arbitrary`. With `--no-default-features`
//! the crate needs neither `std` nor an allocator. `http` (implies `std`) adds `http_map`: the
//! CoAP-HTTP mapping of RFC 7252 §10 and RFC 8075 on the `http` crate's types.
//!
//! # MSRV
//! Rust 1.81.
#![no_std]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "http")]
pub mod http_map;
pub mod link_format;
pub mod time;
pub mod uri;
pub mod wire;
