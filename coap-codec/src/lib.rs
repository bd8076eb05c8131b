//! Sans-IO CoAP for `no_std` devices and gateways: RFC 7252 messages and options, CoAP over TCP
//! and WebSockets (RFC 8323), the link format (RFC 6690), URIs and the CoAP-HTTP mapping, and the
//! poll-driven [`endpoint`] (reliability, deduplication, NSTART, Observe) that owns no socket,
//! clock or task.
//!
//! # Layers
//! - [`wire`]: pure functions over bytes. [`wire::Message`] is a checked view (every format rule
//!   validated once, then infallible accessors; a [`wire::DecodeError`] names the rule, the byte
//!   and the reaction: RST or silence); option-level problems are reported per option
//!   ([`wire::Message::option_problems`]) for RFC 7252 §5.4.1. Two encoders:
//!   [`wire::MessageBuilder`] takes options in any order, [`wire::MessageWriter`] writes them in
//!   place as they come in order; both check length ranges and repeats. [`wire::tcp`] frames
//!   for TCP/TLS (streaming) and WebSockets; [`wire::signal`] reads and builds CSM, Ping, Pong,
//!   Release and Abort.
//! - Around the message: [`uri`] (RFC 7252 §6.4/§6.5 and the RFC 8323 schemes), [`link_format`]
//!   (RFC 6690 view, writer, query filter), `http_map` (feature `http`).
//! - [`time::Instant`], the clock type every machine in the workspace takes.
//!
//! Decoding never allocates or panics; encoding computes the exact length first and writes into
//! the caller's `&mut [u8]`.
//!
//! ```
//! use coap_codec::wire::{Code, Message, MessageType, MessageWriter, OptionNumber};
//! // RFC 7252 Appendix A, Figure 16: CON GET /temperature, MID 0x7d34 ...
//! let request = Message::new_checked(&b"\x40\x01\x7d\x34\xbbtemperature"[..])?;
//! assert_eq!(request.code(), Code::GET);
//! assert_eq!(request.option(OptionNumber::URI_PATH), Some(&b"temperature"[..]));
//! assert!(request.option_problems().next().is_none());
//! // ... answered by a piggybacked ACK 2.05 with the same message id and token.
//! let mut out = [0u8; 64];
//! let mut w = MessageWriter::new(&mut out, MessageType::Acknowledgement, Code::CONTENT, request.message_id(), request.token())?;
//! w.uint(OptionNumber::CONTENT_FORMAT, 0)?;
//! let n = w.finish(b"22.3 C")?;
//! assert_eq!(&out[..n], b"\x60\x45\x7d\x34\xc0\xff22.3 C");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Spec coverage
//! | spec | where |
//! |---|---|
//! | RFC 7252 §3 (format), §5.4 (options), §12 (registries) | [`wire`] |
//! | RFC 7252 §6.4/§6.5 (URIs), RFC 8323 §8 (schemes) | [`uri`] |
//! | RFC 7252 §10, RFC 8075 (HTTP mapping) | `http_map` (feature `http`) |
//! | RFC 7641 Observe, RFC 7959 Block, RFC 7967 No-Response values | [`wire::Observe`], [`wire::Block`], [`wire::NoResponse`] |
//! | RFC 8323 §3.2, §4.2 framing; §5 signals | [`wire::tcp`], [`wire::signal`] |
//! | RFC 8974 extended tokens; RFC 8768, 9175, 9177, 8613, 9668 options | [`wire::OptionNumber`] |
//! | RFC 6690 link format | [`link_format`] |
//! | RFC 8323 §3.3-§3.4, §4.3-§4.4, §5, §6, §7 (sessions over TCP/TLS and WebSockets: CSM, Ping/Pong, Release, Abort, block-wise transfers and BERT, Observe) | [`session`] |
//! | RFC 7252 §4, §5 (message layer, responses), RFC 7641 (Observe), RFC 7959 (block-wise), RFC 7967, RFC 9175 §2-§3, RFC 8768 | [`endpoint`] |
//!
//! # The endpoint
//! [`endpoint::Endpoint`] follows the workspace's sans-IO contract in datagram form:
//! `handle_input(now, from, datagram)`, `handle_timeout(now)`, `poll_transmit(now, buf)` (a
//! datagram and its destination), `poll_event()`, `poll_timeout()`; commands (`request`,
//! `respond`, `accept`, `observe`, `notify`, `ping`, `cancel`) only queue work. Its module docs
//! run a complete exchange between a client and a server endpoint.
//!
//! # Features
//! `std` (default; implies `alloc`), `alloc` (adds [`endpoint::VecStorage`]), `serde` (on the
//! plain value types), `arbitrary`, `sim` (the deterministic datagram simulator, `sim`).
//! With `--no-default-features` the crate needs neither `std` nor an allocator. `http` (implies
//! `std`) adds `http_map`: the CoAP-HTTP mapping of RFC 7252 §10 and RFC 8075 on the `http`
//! crate's types.
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

mod blockwise;
pub mod endpoint;
#[cfg(feature = "http")]
pub mod http_map;
pub mod link_format;
mod rand;
pub mod session;
#[cfg(feature = "sim")]
pub mod sim;
pub mod time;
pub mod uri;
pub mod wire;
