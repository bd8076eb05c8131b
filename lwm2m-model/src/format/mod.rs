//! The LwM2M content formats (LwM2M Core 1.2 §7.4): each decodes a payload to
//! [`Record`](crate::model::Record)s, absolute (path, value) pairs, and encodes records back.
//!
//! | format | Content-Format | module | allocation |
//! |---|---|---|---|
//! | text/plain | 0 | `text` | none |
//! | opaque | 42 | `opaque` | none |
//! | CoRE link format (Register, Update, Discover) | 40 | `link` | none |
//! | TLV | 11542 (1542 before registration) | `tlv` | none |
//! | LwM2M JSON (legacy) | 11543 | `lwm2m_json` | `alloc` |
//! | SenML JSON | 110 | `senml_json` | `alloc` |
//! | SenML CBOR | 112 | `senml_cbor` | `alloc` |
//! | LwM2M CBOR | 11544 | `lwm2m_cbor` | `alloc` |
//!
//! Each module has its own error type naming the rule broken and the byte offset; none panics
//! on any input or allocates in proportion to a declared length.

pub mod link;
pub mod opaque;
pub mod text;
pub mod tlv;

#[cfg(feature = "alloc")]
mod base64;
#[cfg(feature = "alloc")]
mod cbor;
#[cfg(feature = "alloc")]
mod json;
#[cfg(feature = "alloc")]
pub mod lwm2m_cbor;
#[cfg(feature = "alloc")]
pub mod lwm2m_json;
#[cfg(feature = "alloc")]
pub mod senml_cbor;
#[cfg(feature = "alloc")]
pub mod senml_json;
