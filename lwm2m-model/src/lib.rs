//! Sans-IO LwM2M 1.0-1.2 on top of `coap-codec`: the object model, every content format (text,
//! opaque, TLV, SenML JSON/CBOR, LwM2M CBOR, link format), bootstrap, registration, device
//! management and observe/notify.
//!
//! # Status
//! This release re-exports the shared time type; the object model and the content formats are
//! being built (see the workspace `CHANGELOG.md`).
//!
//! ```
//! use lwm2m_model::time::Instant;
//! assert_eq!(Instant::from_millis(86_400_000).as_millis(), 86_400_000);
//! ```
//!
//! # Features
//! `std` (default; implies `alloc`), `alloc`. With `--no-default-features` the crate needs
//! neither `std` nor an allocator.
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
