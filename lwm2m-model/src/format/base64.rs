//! Base64 (RFC 4648 §4) and base64url (RFC 4648 §5) for the JSON formats: SenML `vd` is
//! base64url without padding (RFC 8428 §5), LwM2M JSON carries Opaque as base64 in `sv`.
//!
//! Our own forty lines rather than the `base64` crate: two fixed alphabets, a decoder that takes
//! either, and canonical trailing bits, so that what we decode re-encodes to the same text.

use alloc::string::String;
use alloc::vec::Vec;

/// Which alphabet and padding to write.
#[derive(Clone, Copy)]
pub(crate) enum Alphabet {
    /// RFC 4648 §4, `+` `/`, padded with `=`.
    Standard,
    /// RFC 4648 §5, `-` `_`, no padding.
    UrlNoPad,
}

const STD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Encodes `bytes`.
pub(crate) fn encode(bytes: &[u8], alphabet: Alphabet) -> String {
    let table = match alphabet {
        Alphabet::Standard => STD,
        Alphabet::UrlNoPad => URL,
    };
    let sym = |v: u32| char::from(table.get((v & 63) as usize).copied().unwrap_or(b'A'));
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        let symbols = chunk.len() + 1;
        for i in 0..4 {
            if i < symbols {
                out.push(sym(n >> (18 - 6 * i)));
            } else if matches!(alphabet, Alphabet::Standard) {
                out.push('=');
            }
        }
    }
    out
}

/// Decodes either alphabet (`+`/`-` and `/`/`_` are each accepted), with or without `=`
/// padding. `None` for any other character, a length that leaves one symbol over, or
/// non-zero bits in the last symbol beyond the data (RFC 4648 §3.5: canonical encoding).
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    let body = text.trim_end_matches('=');
    let padding = text.len() - body.len();
    if padding > 2 || (padding > 0 && text.len() % 4 != 0) || body.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(body.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in body.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // The leftover bits (2 or 4) must be zero.
    (acc == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn rfc4648_section10_vectors() {
        for (raw, std) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(raw.as_bytes(), Alphabet::Standard), std);
            assert_eq!(encode(raw.as_bytes(), Alphabet::UrlNoPad), std.trim_end_matches('='));
            assert_eq!(decode(std).unwrap(), raw.as_bytes());
            assert_eq!(decode(std.trim_end_matches('=')).unwrap(), raw.as_bytes());
        }
        assert_eq!(encode(&[0xfb, 0xff], Alphabet::UrlNoPad), "-_8");
        assert_eq!(encode(&[0xfb, 0xff], Alphabet::Standard), "+/8=");
        assert_eq!(decode("-_8").unwrap(), [0xfb, 0xff]);
        for bad in ["Z", "Zh", "Zm9=v", "Zg=", "Zg===", "Zm9v!", "Z m9"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
