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

/// Registered (has a length range).
const KNOWN: u32 = 1 << 31;
/// May repeat.
const REPEATABLE: u32 = 1 << 30;

/// Bits of the span (maximum minus minimum length) in a packed row.
const SPAN: u32 = 0x1_FFFF;

/// A registry row packed into one word for the hot paths (decode checks, builder pushes):
/// [`KNOWN`], [`REPEATABLE`], bits 17-29 the minimum length, bits 0-16 ([`SPAN`]) the maximum
/// minus the minimum. An unregistered number is repeatable, and its span takes every length an
/// option can have (at most 65,804 bytes), so it never breaks a range.
const fn pack(n: u16) -> u32 {
    match def(n) {
        Some(Def(_, rep, _, min, max)) => {
            KNOWN | if rep { REPEATABLE } else { 0 } | ((min as u32) << 17) | (max - min) as u32
        }
        None => REPEATABLE | SPAN,
    }
}

macro_rules! packed_table {
    ($($n:literal)*) => { [$(pack($n)),*] };
}

/// [`pack`] of options 0-63, where all but three registered numbers are.
const PACKED: [u32; 64] = packed_table!(
    0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
    32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63
);

impl OptionNumber {
    /// Whether the option may repeat and its length range, as [`is_repeatable`](Self::is_repeatable)
    /// and [`length_range`](Self::length_range) give them, in one table lookup for numbers
    /// below 64.
    #[inline]
    pub(crate) fn rules(self) -> (bool, Option<(u16, u16)>) {
        let p = self.packed();
        let min = ((p >> 17) & 0x1FFF) as u16;
        (p & REPEATABLE != 0, (p & KNOWN != 0).then_some((min, min + (p & SPAN) as u16)))
    }

    #[inline]
    fn packed(self) -> u32 {
        match PACKED.get(usize::from(self.0)) {
            Some(&p) => p,
            None => pack(self.0),
        }
    }

    /// Whether a value of `len` bytes breaks this option's length range, or an occurrence
    /// right after one of the same number (`repeat`) breaks its repeatability: the two rules
    /// of [`Message::option_problems`](super::Message::option_problems), in a few instructions.
    #[inline]
    pub(crate) fn breaks_rules(self, len: usize, repeat: bool) -> bool {
        let p = self.packed();
        let min = ((p >> 17) & 0x1FFF) as usize;
        let bad_len = len.wrapping_sub(min) > (p & SPAN) as usize;
        bad_len | (repeat & (p & REPEATABLE == 0))
    }

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
    #[inline]
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
    #[inline]
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
#[inline]
pub fn encode_uint(v: u32) -> ([u8; 4], usize) {
    let skip = v.leading_zeros() / 8;
    // The significant bytes moved to the front (zero has none: a shift by 32 gives 0).
    (v.checked_shl(8 * skip).unwrap_or(0).to_be_bytes(), 4 - skip as usize)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn packed_rules_match_the_registry() {
        for n in 0..=u16::MAX {
            let n = OptionNumber(n);
            let (repeatable, range) = (n.is_repeatable(), n.length_range());
            assert_eq!(n.rules(), (repeatable, range), "{n}");
            let (buf, len) = encode_uint(u32::from(n.0) * 65_537);
            assert_eq!(decode_uint(&buf[..len]), Some(u32::from(n.0) * 65_537));
            assert!(len == 0 || buf[0] != 0);
            assert_eq!(buf[len..], [0, 0, 0, 0][len..]);
            for len in [0, 1, 2, 3, 4, 5, 8, 9, 40, 41, 255, 256, 1034, 1035, 65_804] {
                let bad_len = range.is_some_and(|(min, max)| len < usize::from(min) || len > usize::from(max));
                assert_eq!(n.breaks_rules(len, false), bad_len, "{n} {len}");
                assert_eq!(n.breaks_rules(len, true), bad_len || !repeatable, "{n} {len}");
            }
        }
    }
}
