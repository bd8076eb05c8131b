//! Sans-IO MQTT 3.1.1 and 5.0 for `no_std` devices, tokio gateways and brokers alike: every
//! control packet, property and reason code, decoded as zero-copy views and encoded into
//! caller buffers, with every format rule of both specifications enforced.
//!
//! # Layers
//! - [`wire`]: pure functions over bytes. [`wire::decode_packet`] turns the front of a byte
//!   stream into a borrowed [`wire::Packet`] (or says how many more bytes it needs);
//!   `encode` writes a packet into `&mut [u8]` or (under `alloc`) a `bytes::BufMut`.
//! - [`topic`]: Topic Name and Topic Filter validation, matching and shared subscriptions.
//! - Adapters behind features: `tokio-util` ([`codec::MqttCodec`]).
//!
//! The poll-driven client, server connection and broker core build on this layer; they own no
//! socket, clock or task.
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
