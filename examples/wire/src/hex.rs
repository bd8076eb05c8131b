//! Hex text for packets and binary JSON fields: input in either case with any whitespace
//! between digits, output in lowercase without separators.

/// Parses hex digits (either case), skipping ASCII whitespace anywhere.
///
/// # Errors
/// A message (without the `hex:` citation) naming the first bad character or an odd digit count.
pub(crate) fn decode(text: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len() / 2);
    let mut high: Option<u8> = None;
    for (at, c) in text.char_indices() {
        if c.is_ascii_whitespace() {
            continue;
        }
        let Some(nibble) = c.to_digit(16).and_then(|d| u8::try_from(d).ok()) else {
            return Err(format!("invalid character {c:?} at position {at}"));
        };
        match high.take() {
            Some(h) => out.push((h << 4) | nibble),
            None => high = Some(nibble),
        }
    }
    if high.is_some() {
        return Err("odd number of digits".to_owned());
    }
    Ok(out)
}

/// Appends `bytes` as lowercase hex.
pub(crate) fn push(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2);
    for &b in bytes {
        for nibble in [b >> 4, b & 0x0F] {
            // A nibble is at most 15, so the lookup always succeeds.
            if let Some(&d) = DIGITS.get(usize::from(nibble)) {
                out.push(char::from(d));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        assert_eq!(decode("C0 00").unwrap(), [0xC0, 0x00]);
        assert_eq!(decode(" 3a\tFf ").unwrap(), [0x3A, 0xFF]);
        assert_eq!(decode("").unwrap(), Vec::<u8>::new());
        assert_eq!(decode("c0 0").unwrap_err(), "odd number of digits");
        assert_eq!(decode("c0zz").unwrap_err(), "invalid character 'z' at position 2");
        let mut s = String::new();
        push(&mut s, &[0x00, 0xAB, 0x7F]);
        assert_eq!(s, "00ab7f");
    }
}
