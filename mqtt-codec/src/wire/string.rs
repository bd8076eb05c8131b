//! UTF-8 Encoded Strings (5.0 §1.5.4; 3.1.1 §1.5.3).

use super::{Field, Malformed};

/// Checks a UTF-8 Encoded String's bytes: well-formed UTF-8 without surrogates
/// (`MQTT-1.5.4-1` (5.0), `MQTT-1.5.3-1` (3.1.1)), no U+0000 (`MQTT-1.5.4-2` (5.0),
/// `MQTT-1.5.3-2` (3.1.1)). A BOM is kept as U+FEFF (`MQTT-1.5.4-3`).
#[inline]
pub(crate) fn check(bytes: &[u8], field: Field) -> Result<&str, Malformed> {
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
    if s.as_bytes().contains(&0) {
        return Err(Malformed::NullCharacter(field));
    }
    Ok(())
}

/// Checks a binary field about to be encoded: at most 65,535 bytes (5.0 §1.5.6).
#[inline]
pub(crate) fn check_binary(b: &[u8], field: Field) -> Result<(), Malformed> {
    if b.len() > usize::from(u16::MAX) {
        return Err(Malformed::FieldTooLong(field));
    }
    Ok(())
}
