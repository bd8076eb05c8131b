//! Sans-IO LwM2M 1.0-1.2 on top of `coap-codec`: the object model and every content format
//! (text, opaque, TLV, LwM2M JSON, SenML JSON and CBOR, LwM2M CBOR, CoRE link format). The
//! client and server interfaces (bootstrap, registration, device management, observe/notify)
//! come next.
//!
//! # Layers
//! - [`model`]: [`Path`](model::Path) (`/o/i/r/ri`, ids 0-65534), [`DataType`](model::DataType)
//!   and [`Value`](model::Value), the [`Record`](model::Record) every format decodes to and
//!   encodes from, object and resource definitions with the built-in [`registry`](model::registry)
//!   (objects 0-7, 3300, 3303, 3311), [`type_records`](model::type_records) to type and check
//!   decoded values against them, the [`Tree`](model::Tree) view (`alloc`), and DDF XML loading
//!   ([`model::ddf`], `std`).
//! - [`format`]: one module per content format, each with typed errors naming the rule. TLV,
//!   text, opaque and link format decode as views and encode into `&mut [u8]` without
//!   allocating; the JSON and CBOR formats need `alloc`.
//!
//! A read of `/3/0` answered in TLV, typed by the registry, and re-sent as SenML JSON:
//!
//! ```
//! use lwm2m_model::format::{senml_json, tlv};
//! use lwm2m_model::model::{registry, type_records, Path, Record, Value};
//! let payload = [0xC1, 0x09, 0x64, 0xC4, 0x0D, 0x51, 0x82, 0x42, 0x8F]; // /3/0/9 = 100, /3/0/13 = time
//! let mut records: Vec<Record> = tlv::decode(&payload, Path::instance_path(3, 0))?.collect();
//! type_records(registry::CORE, &mut records)?;
//! assert_eq!(records[1].value, Value::Time(1_367_491_215));
//! let json = senml_json::encode_records(&records)?;
//! assert_eq!(json, br#"[{"bn":"/3/0/","n":"9","v":100},{"n":"13","v":1367491215}]"#);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Features
//! `std` (default; implies `alloc`; DDF loading), `alloc` (JSON and CBOR formats, `Tree`,
//! `Registry`), `arbitrary`. With `--no-default-features` the model, the registry, TLV, text,
//! opaque and link format need neither `std` nor an allocator (`examples/no-std-sensor` links
//! them).
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

pub mod format;
pub mod model;

/// Time, as `coap-codec` defines it: LwM2M's machines run on CoAP's clock.
pub mod time {
    pub use coap_codec::time::Instant;
}
