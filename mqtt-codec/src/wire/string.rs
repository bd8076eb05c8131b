//! UTF-8 Encoded Strings (5.0 §1.5.4; 3.1.1 §1.5.3) and the byte scans behind topic validation.
//!
//! Strings dominate decode time (a CONNECT carries four), so the common case, plain ASCII, is
//! checked eight bytes at a time in one pass that also finds U+0000 and (for topics) the
//! wildcards; anything else falls back to `core::str::from_utf8`.

use super::{Field, Malformed};

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// What one pass over a string's bytes found.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scan {
    /// Every byte is in 0x01..=0x7F and none is `+` or `#` (when asked to look for them).
    Clean,
    /// A byte of 0x80 or above: the string must go through full UTF-8 validation.
    NonAscii,
    /// A 0x00 byte (U+0000) among ASCII bytes.
    Nul,
    /// A `+` or `#` among ASCII bytes without U+0000.
    Wildcard,
}

/// Scans `bytes` once: non-ASCII first (it needs the slow path whatever else is there), then
/// U+0000, then (with `wildcards`) `+` and `#`.
#[inline(always)]
pub(crate) fn scan(bytes: &[u8], wildcards: bool) -> Scan {
    // One mask for "anything but a clean ASCII byte": the common answer costs one test, and
    // only a string that has something to report is looked at again to say what.
    if suspects(bytes, wildcards) == 0 {
        Scan::Clean
    } else if wildcards && suspects(bytes, false) == 0 {
        // Plain ASCII with a wildcard: the usual case for topic filters, so not the cold path.
        Scan::Wildcard
    } else {
        classify(bytes, wildcards)
    }
}

/// The high bits of every suspect lane of `bytes` (see [`suspect_lanes`]), OR-ed together.
#[inline(always)]
fn suspects(bytes: &[u8], wildcards: bool) -> u64 {
    // 8 to 24 bytes, the usual topic or client id: two or three (overlapping) words, no loop.
    if let (Some(head), Some(last)) = (bytes.first_chunk::<8>(), bytes.last_chunk::<8>()) {
        let mut bad =
            suspect_lanes(u64::from_le_bytes(*head), wildcards) | suspect_lanes(u64::from_le_bytes(*last), wildcards);
        if bytes.len() <= 16 {
            return bad & HI;
        }
        if let (true, Some(mid)) = (bytes.len() <= 24, bytes.get(8..).and_then(|m| m.first_chunk::<8>())) {
            bad |= suspect_lanes(u64::from_le_bytes(*mid), wildcards);
            return bad & HI;
        }
    }
    let mut bad = 0u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        bad |= suspect_lanes(<[u8; 8]>::try_from(c).map_or(0, u64::from_le_bytes), wildcards);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        bad |= suspect_lanes(tail_word(bytes, tail), wildcards);
    }
    bad & HI
}

const PLUS: u64 = LO * b'+' as u64;
const HASH: u64 = LO * b'#' as u64;

/// `zero_lanes(w)` has a lane's high bit set only if that lane can hold a 0 byte, and is
/// non-zero exactly when some lane does (the classic SWAR test).
#[inline(always)]
const fn zero_lanes(w: u64) -> u64 {
    w.wrapping_sub(LO) & !w
}

/// High bits for lanes that are non-ASCII, U+0000 or (with `wildcards`) `+`/`#`.
#[inline(always)]
const fn suspect_lanes(w: u64, wildcards: bool) -> u64 {
    let mut s = w | zero_lanes(w);
    if wildcards {
        s |= zero_lanes(w ^ PLUS) | zero_lanes(w ^ HASH);
    }
    s
}

/// What a string that is not clean ASCII holds, in the order the rules are reported:
/// non-ASCII (full UTF-8 validation decides), then U+0000, then wildcards.
#[cold]
fn classify(bytes: &[u8], wildcards: bool) -> Scan {
    if !bytes.is_ascii() {
        Scan::NonAscii
    } else if bytes.contains(&0) {
        Scan::Nul
    } else if wildcards && bytes.iter().any(|&b| b == b'+' || b == b'#') {
        Scan::Wildcard
    } else {
        Scan::Clean
    }
}

/// One word that holds every byte of `tail` (the last `tail.len() < 8` bytes of `bytes`), with
/// overlapping loads instead of a byte loop; bytes repeat, which the "any byte is" tests allow,
/// and unused lanes hold `a`, which none of them looks for.
#[inline(always)]
fn tail_word(bytes: &[u8], tail: &[u8]) -> u64 {
    const PAD: u64 = LO * b'a' as u64;
    let word8 = |s: &[u8]| <[u8; 8]>::try_from(s).map_or(PAD, u64::from_le_bytes);
    let word4 = |s: &[u8]| <[u8; 4]>::try_from(s).map_or(PAD as u32, u32::from_le_bytes);
    let n = tail.len();
    if bytes.len() >= 8 {
        // The last eight bytes of the string: the tail and some bytes already seen.
        return word8(bytes.get(bytes.len() - 8..).unwrap_or(&[]));
    }
    if n >= 4 {
        let first = word4(tail.get(..4).unwrap_or(&[]));
        let last = word4(tail.get(n - 4..).unwrap_or(&[]));
        return u64::from(first) | (u64::from(last) << 32);
    }
    let byte = |i: usize| u64::from(tail.get(i).copied().unwrap_or(b'a'));
    (PAD & !0xFF_FFFF) | byte(0) | (byte(n / 2) << 8) | (byte(n.saturating_sub(1)) << 16)
}

/// `bytes` as `&str` once [`scan`] has found them all ASCII.
#[inline]
#[allow(unsafe_code)]
pub(crate) fn ascii_str(bytes: &[u8], scanned: Scan) -> Option<&str> {
    if scanned != Scan::Clean && scanned != Scan::Wildcard {
        return None;
    }
    // SAFETY: `scan` returns Clean or Wildcard only when every byte of `bytes` has its high bit
    // clear (`high == 0`), i.e. is ASCII (0x00..=0x7F). Every sequence of ASCII bytes is valid
    // UTF-8, which is the whole contract of `from_utf8_unchecked`. Measured: decoding a 3.1.1
    // CONNECT (client id, will topic, user name) went from ~1,500 to ~800 instructions
    // (callgrind), most of it `from_utf8`'s per-call set-up on short strings.
    Some(unsafe { core::str::from_utf8_unchecked(bytes) })
}

/// Checks a UTF-8 Encoded String's bytes: well-formed UTF-8 without surrogates
/// (`MQTT-1.5.4-1` (5.0), `MQTT-1.5.3-1` (3.1.1)), no U+0000 (`MQTT-1.5.4-2` (5.0),
/// `MQTT-1.5.3-2` (3.1.1)). A BOM is kept as U+FEFF (`MQTT-1.5.4-3`).
#[inline(always)]
pub(crate) fn check(bytes: &[u8], field: Field) -> Result<&str, Malformed> {
    let scanned = scan(bytes, false);
    if let Some(s) = ascii_str(bytes, scanned) {
        return Ok(s);
    }
    if scanned == Scan::Nul {
        return Err(Malformed::NullCharacter(field));
    }
    slow(bytes, field)
}

/// Checks the bytes of a Topic Name in one pass: the string rules plus no wildcards
/// (`MQTT-3.3.2-2`). May be empty (the caller decides).
#[inline(always)]
pub(crate) fn check_topic_name(bytes: &[u8]) -> Result<&str, Malformed> {
    let scanned = scan(bytes, true);
    match scanned {
        Scan::Clean => ascii_str(bytes, scanned).ok_or(Malformed::InvalidUtf8(Field::TopicName)),
        Scan::Nul => Err(Malformed::NullCharacter(Field::TopicName)),
        Scan::Wildcard => Err(Malformed::WildcardInTopicName),
        Scan::NonAscii => {
            let s = slow(bytes, Field::TopicName)?;
            if bytes.iter().any(|&b| b == b'+' || b == b'#') {
                return Err(Malformed::WildcardInTopicName);
            }
            Ok(s)
        }
    }
}

/// The full check for strings with non-ASCII bytes.
#[cold]
pub(crate) fn slow(bytes: &[u8], field: Field) -> Result<&str, Malformed> {
    // Rust's UTF-8 validation already rejects surrogates and overlong forms.
    let s = core::str::from_utf8(bytes).map_err(|_| Malformed::InvalidUtf8(field))?;
    // U+0000 is the only code point whose UTF-8 form holds a 0 byte.
    if bytes.contains(&0) {
        return Err(Malformed::NullCharacter(field));
    }
    Ok(s)
}

/// Checks a `&str` about to be encoded: at most 65,535 bytes (5.0 §1.5.4) and no U+0000.
#[inline]
pub(crate) fn check_encode(s: &str, field: Field) -> Result<(), Malformed> {
    if s.len() > usize::from(u16::MAX) {
        return Err(Malformed::FieldTooLong(field));
    }
    match scan(s.as_bytes(), false) {
        Scan::Nul => Err(Malformed::NullCharacter(field)),
        // Valid UTF-8 already (a &str); with non-ASCII bytes the scan cannot tell, so look.
        Scan::NonAscii if s.as_bytes().contains(&0) => Err(Malformed::NullCharacter(field)),
        _ => Ok(()),
    }
}

/// Checks a binary field about to be encoded: at most 65,535 bytes (5.0 §1.5.6).
#[inline]
pub(crate) fn check_binary(b: &[u8], field: Field) -> Result<(), Malformed> {
    if b.len() > usize::from(u16::MAX) {
        return Err(Malformed::FieldTooLong(field));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn scan_agrees_with_a_byte_loop_for_every_position() {
        // Every length up to 24 and every position of each special byte, so both the 8-byte
        // words and the remainder are covered.
        for len in 0..24 {
            for pos in 0..len {
                for (special, expected) in
                    [(0u8, Scan::Nul), (b'+', Scan::Wildcard), (b'#', Scan::Wildcard), (0xC3, Scan::NonAscii)]
                {
                    let mut buf = [b'a'; 24];
                    let v = &mut buf[..len];
                    v[pos] = special;
                    assert!(scan(v, true) == expected, "len {len} pos {pos} byte {special:#x}");
                    let plain = if expected == Scan::Wildcard { Scan::Clean } else { expected };
                    assert!(scan(v, false) == plain, "len {len} pos {pos} byte {special:#x}");
                }
            }
            assert!(scan(&[b'z'; 24][..len], true) == Scan::Clean);
        }
        // Bytes next to the special ones must not trigger the SWAR tests (0x01, 0x2A, 0x2C, 0x7F).
        assert!(scan(b"\x01\x2a\x2c\x22\x24\x7f\x01\x7f\x2a", true) == Scan::Clean);
    }

    #[test]
    fn check_matches_from_utf8_and_the_nul_rule() {
        let cases: [&[u8]; 8] =
            [b"", b"abc", "é€😀".as_bytes(), b"a\0b", b"\xC0\x80", b"\xED\xA0\x80", b"\xFF", "caf\u{e9}\0".as_bytes()];
        for c in cases {
            let expected = match core::str::from_utf8(c) {
                Err(_) => Err(Malformed::InvalidUtf8(Field::ClientId)),
                Ok(_) if c.contains(&0) => Err(Malformed::NullCharacter(Field::ClientId)),
                Ok(s) => Ok(s),
            };
            assert_eq!(check(c, Field::ClientId), expected, "{c:?}");
        }
    }
}
