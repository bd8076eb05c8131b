//! The wire layer: every MQTT 3.1.1 and 5.0 control packet, decoded as borrowed views over the
//! input and encoded into caller buffers.
//!
//! # Guarantees
//! - **No panic on any input.** Every read is bounds-checked; malformed input returns a
//!   [`DecodeError`] naming the rule it breaks ([`Malformed::rule`]) and the byte offset.
//! - **No allocation.** Decoded packets borrow topics, payloads, strings and property lists from
//!   the input; lists ([`List`]) are views over bytes that were validated once.
//! - **Streaming.** [`decode_packet`] takes any prefix of a byte stream: an incomplete packet is
//!   [`Status::Partial`] (with how many more bytes are needed once the fixed header is known);
//!   with several packets it decodes the first and reports how many bytes it used.
//! - **Exact encoding.** [`Packet::encoded_len`] is exact; [`Packet::encode`] validates with the
//!   decoder's rules, checks the buffer, then writes; on any error nothing is written.
//!
//! ```
//! use mqtt_codec::wire::{decode_packet, DecodeOptions, Packet, Status, Version};
//! let bytes = [0x30, 0x07, 0x00, 0x03, b'a', b'/', b'b', b'h', b'i'];
//! let opts = DecodeOptions::new(Version::V311);
//! let Status::Complete { item: Packet::Publish(p), consumed } = decode_packet(&bytes, &opts)? else { panic!() };
//! assert_eq!((p.topic.as_str(), p.payload, consumed), ("a/b", &b"hi"[..], 9));
//! let mut out = [0u8; 16];
//! let n = Packet::Publish(p).encode(Version::V311, &mut out)?;
//! assert_eq!(&out[..n], &bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ack;
mod auth;
mod connack;
mod connect;
pub(crate) mod cursor;
mod disconnect;
mod error;
mod fmt;
mod list;
mod packet;
mod properties;
mod publish;
mod reason;
pub(crate) mod string;
mod subscribe;
mod types;
mod unsubscribe;
pub(crate) mod varint;

pub use ack::{PubAck, PubComp, PubRec, PubRel};
pub use auth::Auth;
pub use connack::ConnAck;
pub use connect::{Connect, Will};
pub use disconnect::Disconnect;
pub use error::{DecodeError, EncodeError, Field, Malformed, PropertyContext};
pub use list::{Iter, List, ListItem};
pub use packet::{decode_packet, Packet};
pub use properties::{Properties, Property, PropertyId};
pub use publish::Publish;
pub use reason::ReasonCode;
pub use subscribe::{RetainHandling, SubAck, Subscribe, Subscription, SubscriptionOptions};
pub use types::{DecodeOptions, EncodeOptions, Needed, PacketId, PacketType, Protocol, Qos, QosPid, Status, Version};
pub use unsubscribe::{UnsubAck, Unsubscribe};
pub use varint::MAX as MAX_REMAINING_LENGTH;
