//! Variable Byte Integer (5.0 §1.5.5; 3.1.1 §2.2.3): 7 bits a byte, low bits first, at most 4 bytes.

use super::Malformed;

/// The largest value a Variable Byte Integer can hold (bytes `FF FF FF 7F`).
pub const MAX: u32 = 268_435_455;

/// Outcome of reading a Variable Byte Integer from the front of `input`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum VarInt {
    /// The value and how many bytes it took.
    Done(u32, usize),
    /// `input` ended before the last byte.
    Incomplete,
}

/// Reads a Variable Byte Integer.
///
/// # Errors
/// [`Malformed::VarIntTooLong`] on a fifth byte; [`Malformed::VarIntNotMinimal`] when a
/// shorter encoding exists (`MQTT-1.5.5-1`).
#[inline]
pub(crate) fn read(input: &[u8]) -> Result<VarInt, Malformed> {
    let mut value: u32 = 0;
    for (i, &byte) in input.iter().enumerate().take(4) {
        value |= u32::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            // MQTT-1.5.5-1: a last byte of 0 after a continuation byte adds nothing.
            if byte == 0 && i > 0 {
                return Err(Malformed::VarIntNotMinimal);
            }
            return Ok(VarInt::Done(value, i + 1));
        }
    }
    if input.len() >= 4 {
        // 5.0 §1.5.5: the fourth byte must not have the continuation bit.
        Err(Malformed::VarIntTooLong)
    } else {
        Ok(VarInt::Incomplete)
    }
}

/// Bytes needed to encode `value` (values over [`MAX`] count as 4; the encoder refuses them).
#[inline]
pub(crate) const fn len(value: u32) -> usize {
    if value < 0x80 {
        1
    } else if value < 0x4000 {
        2
    } else if value < 0x20_0000 {
        3
    } else {
        4
    }
}

/// Encodes `value` (at most [`MAX`]) into a 4-byte scratch, returning it and the length used.
#[inline]
pub(crate) fn encode(mut value: u32) -> ([u8; 4], usize) {
    let mut out = [0u8; 4];
    let mut n = 0;
    for slot in out.iter_mut() {
        let mut byte = (value & 0x7F) as u8;
        value >>= 7;
        if value > 0 {
            byte |= 0x80;
        }
        *slot = byte;
        n += 1;
        if value == 0 {
            break;
        }
    }
    (out, n)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn spec_table_boundaries() {
        // 5.0 §1.5.5 Table 1-1: the boundaries of each length.
        for (value, bytes) in [
            (0u32, &[0x00][..]),
            (127, &[0x7F]),
            (128, &[0x80, 0x01]),
            (16_383, &[0xFF, 0x7F]),
            (16_384, &[0x80, 0x80, 0x01]),
            (2_097_151, &[0xFF, 0xFF, 0x7F]),
            (2_097_152, &[0x80, 0x80, 0x80, 0x01]),
            (268_435_455, &[0xFF, 0xFF, 0xFF, 0x7F]),
        ] {
            let (buf, n) = encode(value);
            assert_eq!(&buf[..n], bytes, "{value}");
            assert_eq!(len(value), n);
            assert_eq!(read(bytes), Ok(VarInt::Done(value, n)));
        }
    }

    #[test]
    fn rejects_fifth_byte_and_non_minimal() {
        assert_eq!(read(&[0xFF, 0xFF, 0xFF, 0xFF, 0x01]), Err(Malformed::VarIntTooLong));
        assert_eq!(read(&[0x80, 0x00]), Err(Malformed::VarIntNotMinimal));
        assert_eq!(read(&[0xFF, 0x80, 0x00]), Err(Malformed::VarIntNotMinimal));
        assert_eq!(read(&[0x80, 0x80]), Ok(VarInt::Incomplete));
        assert_eq!(read(&[]), Ok(VarInt::Incomplete));
    }
}
