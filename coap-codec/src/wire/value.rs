//! Typed option values: Block1/Block2 (RFC 7959 §2.2), Observe (RFC 7641 §2), Content-Format
//! (RFC 7252 §12.3 and the registry), No-Response (RFC 7967 §2).

use core::fmt;

use super::{decode_uint, Code};

/// A Block1/Block2 value: block number, more flag and size exponent (RFC 7959 §2.2).
///
/// ```
/// use coap_codec::wire::Block;
/// // RFC 7959 §2.2: NUM 3, M set, SZX 2 (64-byte blocks) is 0x3A.
/// let b = Block::decode(&[0x3A]).unwrap();
/// assert_eq!((b.num, b.more, b.szx, b.size()), (3, true, 2, Some(64)));
/// assert_eq!(b.to_uint(), 0x3A);
/// assert_eq!(b.offset(), Some(192));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Block {
    /// NUM: the block number, 0 to 2^20 - 1.
    pub num: u32,
    /// M: more blocks follow.
    pub more: bool,
    /// SZX: the size exponent, size = 2^(SZX + 4); 7 is BERT on reliable transports only
    /// (RFC 8323 §6).
    pub szx: u8,
}

impl Block {
    /// Decodes a Block option value (0-3 bytes).
    pub fn decode(value: &[u8]) -> Option<Self> {
        if value.len() > 3 {
            return None;
        }
        let v = decode_uint(value)?;
        Some(Self { num: v >> 4, more: v & 0x08 != 0, szx: (v & 0x07) as u8 })
    }

    /// The value as a uint (encode it with the builder's `uint`).
    pub const fn to_uint(self) -> u32 {
        (self.num << 4) | ((self.more as u32) << 3) | (self.szx as u32 & 0x07)
    }

    /// The block size in bytes, 16 to 1024; `None` for SZX 7 (BERT, RFC 8323 §6: multiples of 1024).
    pub const fn size(self) -> Option<u32> {
        if self.szx < 7 {
            Some(1 << (self.szx + 4))
        } else {
            None
        }
    }

    /// The byte offset of this block (NUM × size); `None` for BERT.
    pub const fn offset(self) -> Option<u32> {
        match self.size() {
            Some(s) => Some(self.num * s),
            None => None,
        }
    }

    /// Whether the block number fits in the 20 bits a Block option carries.
    pub const fn is_valid(self) -> bool {
        self.num < (1 << 20) && self.szx <= 7
    }
}

impl fmt::Display for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.size() {
            Some(s) => write!(f, "{}/{}/{}", self.num, u8::from(self.more), s),
            None => write!(f, "{}/{}/BERT", self.num, u8::from(self.more)),
        }
    }
}

/// The Observe option value: a 24-bit sequence number in notifications, 0 (register) or 1
/// (deregister) in requests (RFC 7641 §2, §3.1, §4.4).
///
/// ```
/// use coap_codec::wire::Observe;
/// assert_eq!(Observe::decode(&[]), Some(Observe(0)));
/// assert_eq!(Observe::decode(&[0x01, 0x00, 0x00, 0x00]), None); // more than 3 bytes
/// assert!(Observe(5).is_fresher_than(Observe(3)));
/// assert!(Observe(2).is_fresher_than(Observe(0xFF_FFF0))); // wrapped around
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Observe(pub u32);

impl Observe {
    /// Register an observation (RFC 7641 §2).
    pub const REGISTER: Self = Self(0);
    /// Cancel an observation (RFC 7641 §3.6).
    pub const DEREGISTER: Self = Self(1);

    /// Decodes the value (0-3 bytes).
    pub fn decode(value: &[u8]) -> Option<Self> {
        if value.len() > 3 {
            return None;
        }
        decode_uint(value).map(Self)
    }

    /// Whether a notification with this number is newer than one with `older`, by the 24-bit
    /// serial comparison of RFC 7641 §4.4 (the time condition is the caller's).
    pub const fn is_fresher_than(self, older: Self) -> bool {
        let (v1, v2) = (self.0 & 0xFF_FFFF, older.0 & 0xFF_FFFF);
        (v1 < v2 && v2 - v1 > (1 << 23)) || (v1 > v2 && v1 - v2 < (1 << 23))
    }
}

macro_rules! content_formats {
    ($($name:ident = $num:literal, $media:literal;)*) => {
        /// A Content-Format number (RFC 7252 §12.3 and the CoAP Content-Formats registry).
        ///
        /// ```
        /// use coap_codec::wire::ContentFormat;
        /// assert_eq!(ContentFormat::APPLICATION_LINK_FORMAT.media_type(), Some("application/link-format"));
        /// assert_eq!(ContentFormat::from_media_type("application/cbor"), Some(ContentFormat(60)));
        /// assert_eq!(ContentFormat(11542).media_type(), Some("application/vnd.oma.lwm2m+tlv"));
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub struct ContentFormat(pub u16);

        impl ContentFormat {
            $(
                #[doc = concat!("`", $media, "`")]
                pub const $name: ContentFormat = ContentFormat($num);
            )*

            /// The registered media type (with its parameters).
            pub const fn media_type(self) -> Option<&'static str> {
                match self.0 {
                    $($num => Some($media),)*
                    _ => None,
                }
            }

            /// The number for a registered media type string.
            pub fn from_media_type(media: &str) -> Option<Self> {
                match media {
                    $($media => Some(Self($num)),)*
                    _ => None,
                }
            }
        }
    };
}

content_formats! {
    TEXT_PLAIN = 0, "text/plain; charset=utf-8";
    APPLICATION_COSE_ENCRYPT0 = 16, "application/cose; cose-type=\"cose-encrypt0\"";
    APPLICATION_COSE_MAC0 = 17, "application/cose; cose-type=\"cose-mac0\"";
    APPLICATION_COSE_SIGN1 = 18, "application/cose; cose-type=\"cose-sign1\"";
    APPLICATION_LINK_FORMAT = 40, "application/link-format";
    APPLICATION_XML = 41, "application/xml";
    APPLICATION_OCTET_STREAM = 42, "application/octet-stream";
    APPLICATION_EXI = 47, "application/exi";
    APPLICATION_JSON = 50, "application/json";
    APPLICATION_JSON_PATCH = 51, "application/json-patch+json";
    APPLICATION_MERGE_PATCH = 52, "application/merge-patch+json";
    APPLICATION_CBOR = 60, "application/cbor";
    APPLICATION_CWT = 61, "application/cwt";
    APPLICATION_MULTIPART_CORE = 62, "application/multipart-core";
    APPLICATION_CBOR_SEQ = 63, "application/cbor-seq";
    APPLICATION_SENML_JSON = 110, "application/senml+json";
    APPLICATION_SENSML_JSON = 111, "application/sensml+json";
    APPLICATION_SENML_CBOR = 112, "application/senml+cbor";
    APPLICATION_SENSML_CBOR = 113, "application/sensml+cbor";
    APPLICATION_LWM2M_TLV = 11542, "application/vnd.oma.lwm2m+tlv";
    APPLICATION_LWM2M_JSON = 11543, "application/vnd.oma.lwm2m+json";
    APPLICATION_LWM2M_CBOR = 11544, "application/vnd.oma.lwm2m+cbor";
}

impl ContentFormat {
    /// Whether the payload is text, so tools may show it as a string.
    pub const fn is_text(self) -> bool {
        matches!(self.0, 0 | 40 | 41 | 50 | 51 | 52 | 110 | 111 | 11543)
    }
}

/// The No-Response option: which response classes the client does not want (RFC 7967 §2.1).
///
/// ```
/// use coap_codec::wire::{Code, NoResponse};
/// let nr = NoResponse(0x02 | 0x10); // suppress 2.xx and 5.xx
/// assert!(nr.suppresses(Code::CHANGED) && nr.suppresses(Code::INTERNAL_SERVER_ERROR));
/// assert!(!nr.suppresses(Code::NOT_FOUND));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct NoResponse(pub u8);

impl NoResponse {
    /// Whether a response with `code` is suppressed: bit `1 << (class - 1)` (RFC 7967 §2.1).
    pub const fn suppresses(self, code: Code) -> bool {
        match code.class() {
            c @ (2 | 4 | 5) => self.0 & (1 << (c - 1)) != 0,
            _ => false,
        }
    }
}
