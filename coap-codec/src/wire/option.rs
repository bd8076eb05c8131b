//! Option numbers and the registry (RFC 7252 §5.4, §5.10, §12.2 and the RFCs that extend it):
//! class bits from the number, repeatability, value format and length range.

use core::fmt;

/// The format of an option value (RFC 7252 §3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum OptionFormat {
    /// Zero-length.
    Empty,
    /// Opaque bytes.
    Opaque,
    /// A non-negative integer, big-endian, in as few bytes as possible (RFC 7252 §3.2).
    Uint,
    /// UTF-8 text (Net-Unicode, RFC 7252 §3.2).
    String,
}

/// An option number. Registered numbers have names and rules; any number 0-65535 can be
/// carried, and its class comes from the number itself (RFC 7252 §5.4.6).
///
/// ```
/// use coap_codec::wire::{OptionFormat, OptionNumber};
/// assert_eq!(OptionNumber::URI_PATH.name(), Some("Uri-Path"));
/// assert!(OptionNumber::URI_PATH.is_critical() && OptionNumber::URI_PATH.is_unsafe());
/// assert!(OptionNumber::SIZE1.is_no_cache_key());
/// assert_eq!(OptionNumber::BLOCK2.format(), Some(OptionFormat::Uint));
/// assert_eq!(OptionNumber::ETAG.length_range(), Some((1, 8)));
/// assert!(OptionNumber(65000).is_critical() == false && OptionNumber(65000).name().is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OptionNumber(pub u16);

/// A registry row: name, repeatable, format, minimum and maximum length.
struct Def(&'static str, bool, OptionFormat, u16, u16);

macro_rules! registry {
    ($($name:ident = $num:literal, $text:literal, $rep:literal, $fmt:ident, $min:literal, $max:literal, $src:literal;)*) => {
        impl OptionNumber {
            $(
                #[doc = concat!($text, " (", $src, ").")]
                pub const $name: OptionNumber = OptionNumber($num);
            )*
        }

        const fn def(n: u16) -> Option<Def> {
            match n {
                $($num => Some(Def($text, $rep, OptionFormat::$fmt, $min, $max)),)*
                _ => None,
            }
        }
    };
}

registry! {
    IF_MATCH = 1, "If-Match", true, Opaque, 0, 8, "RFC 7252 §5.10.8.1";
    URI_HOST = 3, "Uri-Host", false, String, 1, 255, "RFC 7252 §5.10.1";
    ETAG = 4, "ETag", true, Opaque, 1, 8, "RFC 7252 §5.10.6";
    IF_NONE_MATCH = 5, "If-None-Match", false, Empty, 0, 0, "RFC 7252 §5.10.8.2";
    OBSERVE = 6, "Observe", false, Uint, 0, 3, "RFC 7641 §2";
    URI_PORT = 7, "Uri-Port", false, Uint, 0, 2, "RFC 7252 §5.10.1";
    LOCATION_PATH = 8, "Location-Path", true, String, 0, 255, "RFC 7252 §5.10.7";
    OSCORE = 9, "OSCORE", false, Opaque, 0, 255, "RFC 8613 §2";
    URI_PATH = 11, "Uri-Path", true, String, 0, 255, "RFC 7252 §5.10.1";
    CONTENT_FORMAT = 12, "Content-Format", false, Uint, 0, 2, "RFC 7252 §5.10.3";
    MAX_AGE = 14, "Max-Age", false, Uint, 0, 4, "RFC 7252 §5.10.5";
    URI_QUERY = 15, "Uri-Query", true, String, 0, 255, "RFC 7252 §5.10.1";
    HOP_LIMIT = 16, "Hop-Limit", false, Uint, 1, 1, "RFC 8768 §3";
    ACCEPT = 17, "Accept", false, Uint, 0, 2, "RFC 7252 §5.10.4";
    Q_BLOCK1 = 19, "Q-Block1", false, Uint, 0, 3, "RFC 9177 §4.1";
    LOCATION_QUERY = 20, "Location-Query", true, String, 0, 255, "RFC 7252 §5.10.7";
    EDHOC = 21, "EDHOC", false, Empty, 0, 0, "RFC 9668 §3.1";
    BLOCK2 = 23, "Block2", false, Uint, 0, 3, "RFC 7959 §2.1";
    BLOCK1 = 27, "Block1", false, Uint, 0, 3, "RFC 7959 §2.1";
    SIZE2 = 28, "Size2", false, Uint, 0, 4, "RFC 7959 §4";
    Q_BLOCK2 = 31, "Q-Block2", true, Uint, 0, 3, "RFC 9177 §4.1";
    PROXY_URI = 35, "Proxy-Uri", false, String, 1, 1034, "RFC 7252 §5.10.2";
    PROXY_SCHEME = 39, "Proxy-Scheme", false, String, 1, 255, "RFC 7252 §5.10.2";
    SIZE1 = 60, "Size1", false, Uint, 0, 4, "RFC 7252 §5.10.9";
    ECHO = 252, "Echo", false, Opaque, 1, 40, "RFC 9175 §2.2";
    NO_RESPONSE = 258, "No-Response", false, Uint, 0, 1, "RFC 7967 §2";
    REQUEST_TAG = 292, "Request-Tag", true, Opaque, 0, 8, "RFC 9175 §3.2";
}

impl OptionNumber {
    /// Critical: an endpoint that does not understand it must not ignore it (odd numbers,
    /// RFC 7252 §5.4.1, §5.4.6).
    pub const fn is_critical(self) -> bool {
        self.0 & 0x01 != 0
    }

    /// Unsafe to forward by a proxy that does not understand it (RFC 7252 §5.4.2, §5.4.6).
    pub const fn is_unsafe(self) -> bool {
        self.0 & 0x02 != 0
    }

    /// Not part of the cache key; meaningful only for safe-to-forward options
    /// (`(n & 0x1e) == 0x1c`, RFC 7252 §5.4.6).
    pub const fn is_no_cache_key(self) -> bool {
        !self.is_unsafe() && self.0 & 0x1E == 0x1C
    }

    /// Whether this number is registered (known to this crate).
    pub const fn is_known(self) -> bool {
        def(self.0).is_some()
    }

    /// The registered name.
    pub const fn name(self) -> Option<&'static str> {
        match def(self.0) {
            Some(d) => Some(d.0),
            None => None,
        }
    }

    /// Whether the option may appear more than once (RFC 7252 §5.4.5); unknown options count
    /// as repeatable (nothing says otherwise).
    pub const fn is_repeatable(self) -> bool {
        match def(self.0) {
            Some(d) => d.1,
            None => true,
        }
    }

    /// The value format of a registered option.
    pub const fn format(self) -> Option<OptionFormat> {
        match def(self.0) {
            Some(d) => Some(d.2),
            None => None,
        }
    }

    /// The value length range of a registered option, inclusive (RFC 7252 §5.4.3, §5.10).
    pub const fn length_range(self) -> Option<(u16, u16)> {
        match def(self.0) {
            Some(d) => Some((d.3, d.4)),
            None => None,
        }
    }
}

impl fmt::Display for OptionNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "Option {}", self.0),
        }
    }
}

/// Reads a uint option value: big-endian, leading zeros accepted (RFC 7252 §3.2); `None` if it
/// is longer than 4 bytes.
///
/// ```
/// use coap_codec::wire::{decode_uint, encode_uint};
/// assert_eq!(decode_uint(&[0x00, 0x01, 0x00]), Some(256));
/// let (buf, n) = encode_uint(256);
/// assert_eq!(&buf[..n], [0x01, 0x00]);
/// assert_eq!(encode_uint(0).1, 0);
/// ```
pub fn decode_uint(value: &[u8]) -> Option<u32> {
    if value.len() > 4 {
        return None;
    }
    Some(value.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b)))
}

/// Encodes a uint option value in the fewest bytes, zero in none (RFC 7252 §3.2).
pub fn encode_uint(v: u32) -> ([u8; 4], usize) {
    let bytes = v.to_be_bytes();
    let n = 4 - (v.leading_zeros() / 8) as usize;
    let mut out = [0u8; 4];
    if let (Some(dst), Some(src)) = (out.get_mut(..n), bytes.get(4 - n..)) {
        dst.copy_from_slice(src);
    }
    (out, n)
}
