//! The wire layer: CoAP messages as checked views over the caller's bytes, and two encoders
//! that write into the caller's buffer: [`MessageBuilder`] (options in any order, sorted on
//! encode) and [`MessageWriter`] (options in number order, written in place as they come).
//!
//! # Guarantees
//! - **No panic on any input**: every read is bounds-checked; a malformed datagram returns a
//!   [`DecodeError`] naming the rule and the reaction (RST or silence).
//! - **No allocation**: [`Message`] borrows its buffer; options and payload are slices of it.
//! - **Checked view**: once [`Message::new_checked`] succeeds, accessors are infallible.
//! - **Checked encoding**: both encoders refuse an option outside its length range or a repeat
//!   of a non-repeatable one ([`EncodeError`]), so what they write decodes without problems.
//!
//! ```
//! use coap_codec::wire::{Code, Message, MessageBuilder, MessageId, MessageType, OptionNumber};
//! let mut b = MessageBuilder::<8>::new(MessageType::Confirmable, Code::GET, MessageId(7));
//! b.token(&[0xAB])?.path("sensors/temp")?;
//! let mut buf = [0u8; 64];
//! let n = b.encode(&mut buf)?;
//! let m = Message::new_checked(&buf[..n]).unwrap();
//! let path: Vec<&[u8]> = m.options().filter(|o| o.number == OptionNumber::URI_PATH).map(|o| o.value).collect();
//! assert_eq!(path, [&b"sensors"[..], &b"temp"[..]]);
//! # Ok::<(), coap_codec::wire::EncodeError>(())
//! ```

mod builder;
mod error;
mod header;
mod message;
mod option;
pub mod signal;
pub mod tcp;
mod value;
mod writer;

pub use builder::MessageBuilder;
pub use error::{DecodeError, EncodeError, Malformed, Reaction};
pub use header::{Code, MessageId, MessageType};
pub(crate) use message::Layout;
pub use message::{CoapOption, Message, OptionProblem, Options};
pub use option::{decode_uint, encode_uint, OptionFormat, OptionNumber};
pub use value::{Block, ContentFormat, NoResponse, Observe};
pub use writer::MessageWriter;
