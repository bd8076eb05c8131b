//! Entity-tags: the CoAP ETag option (1-8 opaque bytes, RFC 7252 §5.10.6) and the HTTP
//! `ETag`, `If-Match` and `If-None-Match` headers (RFC 7232 §2.3, §3.1, §3.2).
//!
//! **Encoding.** CoAP bytes become a strong HTTP entity-tag of lowercase hex: `[0x0a, 0xff]`
//! is `"0aff"`. Every CoAP ETag has exactly one such form, so the HTTP client's conditional
//! requests map back to the same bytes. An HTTP entity-tag that is not 2-16 lowercase hex
//! digits (an HTTP origin's own tag, which may be longer than 8 bytes) becomes the 8-byte
//! FNV-1a-64 digest of its opaque-tag: deterministic, so a CoAP-to-HTTP proxy can compare a
//! client's ETag options with a fresh HTTP response without keeping state (RFC 7252 §10.1.1).

use alloc::string::String;

use http::HeaderValue;

use super::media::{header_value, split_outside_quotes};

/// A CoAP ETag value: 1-8 bytes.
///
/// ```
/// use coap_codec::http_map::Etag;
/// let e = Etag::from_coap(&[0x0a, 0xff]).unwrap();
/// assert_eq!(e.to_header(), "\"0aff\"");
/// assert_eq!(Etag::from_opaque_tag("0aff"), e);
/// assert_eq!(Etag::from_opaque_tag("xyzzy").as_bytes().len(), 8); // digest
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Etag {
    bytes: [u8; 8],
    len: u8,
}

/// One entity-tag of an HTTP header (RFC 7232 §2.3): weak or strong, and its opaque-tag
/// without quotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntityTag<'s> {
    /// `W/` prefix: a weak validator.
    pub weak: bool,
    /// The characters between the quotes.
    pub opaque: &'s str,
}

impl Etag {
    /// An ETag from CoAP option bytes; `None` unless 1-8 bytes (RFC 7252 §5.10.6).
    pub fn from_coap(value: &[u8]) -> Option<Self> {
        let mut bytes = [0u8; 8];
        bytes.get_mut(..value.len())?.copy_from_slice(value);
        (!value.is_empty()).then_some(Self { bytes, len: value.len() as u8 })
    }

    /// The CoAP ETag for an HTTP opaque-tag: its bytes when it is 2-16 lowercase hex digits
    /// (this module's own encoding), otherwise the FNV-1a-64 digest of the opaque-tag.
    pub fn from_opaque_tag(opaque: &str) -> Self {
        let hex = opaque.as_bytes();
        if (2..=16).contains(&hex.len()) && hex.len() % 2 == 0 {
            let mut bytes = [0u8; 8];
            let mut ok = true;
            for (dst, pair) in bytes.iter_mut().zip(hex.chunks(2)) {
                match (pair.first().copied().and_then(nibble), pair.get(1).copied().and_then(nibble)) {
                    (Some(h), Some(l)) => *dst = (h << 4) | l,
                    _ => ok = false,
                }
            }
            if ok {
                return Self { bytes, len: (hex.len() / 2) as u8 };
            }
        }
        // FNV-1a, 64 bits: offset basis 0xcbf29ce484222325, prime 0x100000001b3.
        let digest =
            hex.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        Self { bytes: digest.to_be_bytes(), len: 8 }
    }

    /// The bytes, 1-8 of them.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// The strong HTTP entity-tag: lowercase hex in quotes (RFC 7252 §10.1.1: CoAP ETags are
    /// always strong).
    pub fn to_header(&self) -> HeaderValue {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut s = String::with_capacity(18);
        s.push('"');
        for &b in self.as_bytes() {
            s.push(char::from(HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0')));
            s.push(char::from(HEX.get(usize::from(b & 0x0F)).copied().unwrap_or(b'0')));
        }
        s.push('"');
        header_value(s)
    }
}

fn nibble(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    }
}

/// The entity-tags of an `ETag`, `If-Match` or `If-None-Match` value (RFC 7232 §2.3, §3.1),
/// skipping malformed elements; `*` yields nothing (test it with [`is_any`]).
///
/// ```
/// use coap_codec::http_map::{entity_tags, EntityTag};
/// let tags: Vec<_> = entity_tags("\"a,b\", W/\"0a\"").collect();
/// assert_eq!(tags, [EntityTag { weak: false, opaque: "a,b" }, EntityTag { weak: true, opaque: "0a" }]);
/// ```
pub fn entity_tags(value: &str) -> impl Iterator<Item = EntityTag<'_>> {
    split_outside_quotes(value, b',').filter_map(|el| {
        let el = el.trim();
        let (weak, quoted) = match el.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, el),
        };
        let opaque = quoted.strip_prefix('"')?.strip_suffix('"')?;
        // RFC 7232 §2.3: etagc excludes DQUOTE.
        (!opaque.contains('"')).then_some(EntityTag { weak, opaque })
    })
}

/// Whether an `If-Match` / `If-None-Match` value is `*` (RFC 7232 §3.1, §3.2).
pub fn is_any(value: &str) -> bool {
    value.trim() == "*"
}
