//! Sans-IO MQTT 3.1.1 and 5.0 for `no_std` devices, tokio gateways and brokers alike: every
//! control packet, property and reason code, decoded as zero-copy views and encoded into
//! caller buffers, with every format rule of both specifications enforced.
//!
//! # Layers
//! - [`wire`]: pure functions over bytes. [`wire::decode_packet`] turns the front of a byte
//!   stream into a borrowed [`wire::Packet`] (or says how many more bytes it needs);
//!   `encode` writes a packet into `&mut [u8]` or (under `alloc`) a `bytes::BufMut`.
//! - [`topic`]: Topic Name and Topic Filter validation, matching and shared subscriptions.
//! - Machines: [`client::Client`] and [`server::ServerConnection`] (the broker side of one
//!   connection), poll-driven, on one session engine ([`session`]: QoS flows, Receive Maximum,
//!   topic aliases, resume); `no_std` without `alloc`, all state in fixed tables and one
//!   caller-provided byte store. [`client::Backoff`] spaces reconnect attempts.
//! - [`broker`] (feature `alloc`): the broker core, many server connections routed through a
//!   subscription [`topic::Trie`], with retained messages and sessions.
//! - [`sim`] (feature `sim`): a virtual clock, a byte-stream link that delays and cuts, and a
//!   driver for two machines.
//! - Adapters behind features: `tokio-util` ([`codec::MqttCodec`]). A tokio driver for the
//!   client lives in the workspace's `examples/net`.
//!
//! # The sans-IO contract
//! Every machine owns no socket, clock, task or RNG. The caller feeds bytes and the time and
//! polls for what to send, what happened and when to call again:
//!
//! | verb | meaning |
//! |---|---|
//! | `handle_input(now, bytes) -> Result<usize, CloseReason>` | bytes arrived; returns how many were used (whole packets; fewer when events must be polled first) |
//! | `handle_timeout(now)` | time passed; fires every expired deadline |
//! | `poll_transmit(now, buf) -> Result<Option<Transmit>, BufferTooSmall>` | writes the next packet into `buf` |
//! | `poll_event() -> Option<Event<'_>>` | the next thing the application must know |
//! | `poll_timeout() -> Option<Instant>` | when `handle_timeout` is next due |
//!
//! Commands (`connect`, `publish`, `subscribe`, `accept`, ...) only queue work. After any
//! `handle_*` or command: `poll_transmit` until `None`, `poll_event` until `None`, then read
//! `poll_timeout`. A complete loop between a client and a server connection in memory:
//!
//! ```
//! use mqtt_codec::client::{self, Client, Event, OutgoingMessage};
//! use mqtt_codec::server::{self, ServerConnection};
//! use mqtt_codec::time::Instant;
//! use mqtt_codec::wire::{Connect, Protocol, Qos, Version};
//!
//! let mut c: Client<[u8; 4096]> = Client::new(client::Config::new(Version::V5), [0; 4096])?;
//! let mut s: ServerConnection<[u8; 4096]> = ServerConnection::new(server::Config::new(), [0; 4096])?;
//! let now = Instant::from_millis(1);
//! c.connect(now, &Connect { client_id: "sensor-7", ..Connect::new(Protocol::Mqtt5) })?;
//! let handle = c.publish(now, &OutgoingMessage::new("sensors/7/temp", b"21.5").with_qos(Qos::AtLeastOnce))?;
//! let (mut buf, mut to_s, mut to_c) = ([0u8; 512], Vec::new(), Vec::new());
//! let mut done = false;
//! while !done {
//!     while let Some(t) = c.poll_transmit(now, &mut buf)? { to_s.extend_from_slice(&buf[..t.len]); }
//!     let used = s.handle_input(now, &to_s)?;
//!     to_s.drain(..used);
//!     let mut accept = false;
//!     while let Some(ev) = s.poll_event() {
//!         match ev {
//!             Event::ConnectReceived(_) => accept = true,
//!             Event::MessageReceived(p) => assert_eq!(p.payload, b"21.5"),
//!             _ => {}
//!         }
//!     }
//!     if accept { s.accept(now, false, &[])?; }
//!     while let Some(t) = s.poll_transmit(now, &mut buf)? { to_c.extend_from_slice(&buf[..t.len]); }
//!     let used = c.handle_input(now, &to_c)?;
//!     to_c.drain(..used);
//!     while let Some(ev) = c.poll_event() {
//!         done |= matches!(ev, Event::PublishAcknowledged { handle: h, .. } if h == handle);
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example
//! ```
//! use mqtt_codec::topic::TopicName;
//! use mqtt_codec::wire::{decode_packet, DecodeOptions, Packet, Publish, Status, Version};
//!
//! let publish = Publish::new(TopicName::new("sensors/temp")?, b"21.5");
//! let mut buf = [0u8; 64];
//! let n = publish.encode(Version::V5, &mut buf)?;
//!
//! match decode_packet(&buf[..n], &DecodeOptions::new(Version::V5))? {
//!     Status::Complete { item: Packet::Publish(p), consumed } => {
//!         assert_eq!(consumed, n);
//!         assert_eq!(p.topic.as_str(), "sensors/temp");
//!         assert_eq!(p.payload, b"21.5");
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//! | feature | default | gives |
//! |---|---|---|
//! | `std` | yes | `alloc`, `std::error::Error` |
//! | `alloc` | via `std` | [`buf::PacketBuf`] (owned, on `bytes::Bytes`), `encode_to` on `bytes::BufMut` |
//! | `tokio-util` | no | [`codec::MqttCodec`], a `tokio_util::codec` `Decoder`/`Encoder` |
//! | `serde` | no | `Serialize`/`Deserialize` on the plain enums and option types |
//! | `arbitrary` | no | `Arbitrary` on [`wire::Qos`], [`wire::PacketId`], subscription options |
//! | `sim` | no | [`sim`]: deterministic simulation of machines over a bad link (implies `std`) |
//!
//! With `--no-default-features` the crate needs neither `std` nor an allocator.
//!
//! # MSRV
//! Rust 1.81.
//!
//! # Spec coverage
//! MQTT 3.1.1 (OASIS Standard, 29 October 2014) and MQTT 5.0 (OASIS Standard, 7 March 2019),
//! all fifteen packet types, all 27 properties, all reason codes; MQTT 3.1 (`MQIsdp`, level 3)
//! CONNECT decodes with the 3.1.1 layout.
#![no_std]
// The only `unsafe` is `from_utf8_unchecked` on bytes proven ASCII, in `wire/string.rs`.
#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_auto_cfg))]

#[cfg(feature = "alloc")]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

#[cfg(feature = "alloc")]
pub mod broker;
#[cfg(feature = "alloc")]
pub mod buf;
pub mod client;
#[cfg(feature = "tokio-util")]
pub mod codec;
pub mod server;
pub mod session;
#[cfg(feature = "sim")]
pub mod sim;
pub mod time;
pub mod topic;
pub mod wire;
