//! What the two CBOR content formats share: a depth-limited walk over `minicbor`'s decoder
//! (RFC 8949 §3) and a writer in preferred serialization (RFC 8949 §4.1).
//!
//! Reading goes through `minicbor` (no hand-written parser); it borrows definite-length text and
//! byte strings from the input. Writing is a few lines of heads: preferred serialization needs
//! the shortest float that holds a value exactly, half precision included, which `minicbor`
//! offers only with its `half` dependency.

use alloc::string::String;
use alloc::vec::Vec;

use minicbor::data::Type;
use minicbor::Decoder;

use crate::model::{Bytes, Text, Value};

/// What went wrong below the format's own rules; each format maps it to its error type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Not well-formed CBOR (RFC 8949 §3, Appendix F).
    Malformed,
    /// The input ends inside an item, or a length is larger than what is left.
    LengthBeyondInput,
    /// Containers (and tags) nested deeper than the format allows.
    TooDeep,
    /// A well-formed item of a kind not allowed here.
    Unexpected,
    /// A negative integer below `i64::MIN`.
    IntegerRange,
}

impl From<minicbor::decode::Error> for Fault {
    fn from(e: minicbor::decode::Error) -> Self {
        if e.is_end_of_input() {
            Self::LengthBeyondInput
        } else {
            Self::Malformed
        }
    }
}

/// The type of the next item.
pub(crate) fn peek(dec: &Decoder<'_>) -> Result<Type, Fault> {
    match dec.datatype()? {
        Type::Unknown(_) => Err(Fault::Malformed),
        t => Ok(t),
    }
}

/// Consumes a break byte (0xFF) if one is next; `Ok(true)` if it was.
pub(crate) fn at_break(dec: &mut Decoder<'_>) -> Result<bool, Fault> {
    if peek(dec)? == Type::Break {
        dec.set_position(dec.position() + 1);
        return Ok(true);
    }
    Ok(false)
}

/// Refuses a definite container of `items` items when fewer than `items * min_bytes` bytes are
/// left: nothing is ever reserved or looped over in proportion to a declared length alone.
pub(crate) fn check_count(dec: &Decoder<'_>, items: u64, min_bytes: u64) -> Result<(), Fault> {
    let left = dec.input().len().saturating_sub(dec.position());
    if items.saturating_mul(min_bytes) > left as u64 {
        return Err(Fault::LengthBeyondInput);
    }
    Ok(())
}

/// Reads an array header; `None` for an indefinite length.
pub(crate) fn array(dec: &mut Decoder<'_>) -> Result<Option<u64>, Fault> {
    let n = dec.array()?;
    if let Some(n) = n {
        check_count(dec, n, 1)?;
    }
    Ok(n)
}

/// Reads a map header; `None` for an indefinite length.
pub(crate) fn map(dec: &mut Decoder<'_>) -> Result<Option<u64>, Fault> {
    let n = dec.map()?;
    if let Some(n) = n {
        check_count(dec, n, 2)?;
    }
    Ok(n)
}

/// Whether the container with `left` items still to read (or indefinite) has another item;
/// counts it down.
pub(crate) fn more(dec: &mut Decoder<'_>, left: &mut Option<u64>) -> Result<bool, Fault> {
    match left {
        Some(0) => Ok(false),
        Some(n) => {
            *n -= 1;
            Ok(true)
        }
        None => Ok(!at_break(dec)?),
    }
}

/// Skips one item of any kind. `depth` containers are open around it; a container or tag that
/// would open more than `max` is refused before it is entered.
pub(crate) fn skip(dec: &mut Decoder<'_>, depth: usize, max: usize) -> Result<(), Fault> {
    let t = peek(dec)?;
    let nested = matches!(t, Type::Array | Type::ArrayIndef | Type::Map | Type::MapIndef | Type::Tag);
    if nested && depth >= max {
        return Err(Fault::TooDeep);
    }
    match t {
        Type::Array | Type::ArrayIndef => {
            let mut left = array(dec)?;
            while more(dec, &mut left)? {
                skip(dec, depth + 1, max)?;
            }
        }
        Type::Map | Type::MapIndef => {
            let mut left = map(dec)?;
            while more(dec, &mut left)? {
                skip(dec, depth + 1, max)?;
                skip(dec, depth + 1, max)?;
            }
        }
        Type::Tag => {
            dec.tag()?;
            skip(dec, depth + 1, max)?;
        }
        Type::F16 => {
            float(dec)?;
        }
        Type::Break => return Err(Fault::Malformed),
        _ => dec.skip()?,
    }
    Ok(())
}

/// Reads an integer (major type 0 or 1) as a value: non-negative up to `i64::MAX` and negative
/// as [`Value::Integer`], larger as [`Value::UnsignedInteger`].
pub(crate) fn integer<'b>(dec: &mut Decoder<'b>) -> Result<Value<'b>, Fault> {
    let i = i128::from(dec.int()?);
    if let Ok(i) = i64::try_from(i) {
        Ok(Value::Integer(i))
    } else if let Ok(u) = u64::try_from(i) {
        Ok(Value::UnsignedInteger(u))
    } else {
        Err(Fault::IntegerRange)
    }
}

/// Whether the next item is an integer (major type 0 or 1).
pub(crate) fn is_integer(t: Type) -> bool {
    matches!(t, Type::U8 | Type::U16 | Type::U32 | Type::U64 | Type::I8 | Type::I16 | Type::I32 | Type::I64 | Type::Int)
}

/// Whether the next item is a float (half, single or double).
pub(crate) fn is_float(t: Type) -> bool {
    matches!(t, Type::F16 | Type::F32 | Type::F64)
}

/// Reads a half, single or double float as `f64` (half floats by hand: RFC 8949 Appendix D).
pub(crate) fn float(dec: &mut Decoder<'_>) -> Result<f64, Fault> {
    if peek(dec)? == Type::F16 {
        let at = dec.position();
        let &[hi, lo] = dec.input().get(at + 1..at + 3).ok_or(Fault::LengthBeyondInput)? else {
            return Err(Fault::LengthBeyondInput);
        };
        dec.set_position(at + 3);
        return Ok(f16_to_f64(u16::from_be_bytes([hi, lo])));
    }
    Ok(dec.f64()?)
}

/// Reads a number: an integer or a float.
pub(crate) fn number<'b>(dec: &mut Decoder<'b>) -> Result<Value<'b>, Fault> {
    let t = peek(dec)?;
    if is_integer(t) {
        integer(dec)
    } else if is_float(t) {
        Ok(Value::Float(float(dec)?))
    } else {
        Err(Fault::Unexpected)
    }
}

/// Reads a number as `f64` (SenML times).
pub(crate) fn number_f64(dec: &mut Decoder<'_>) -> Result<f64, Fault> {
    Ok(match number(dec)? {
        Value::Integer(i) => i as f64,
        Value::UnsignedInteger(u) => u as f64,
        Value::Float(f) => f,
        _ => return Err(Fault::Unexpected),
    })
}

/// Reads a text string: borrowed when definite, joined (owned) when in chunks.
pub(crate) fn text<'b>(dec: &mut Decoder<'b>) -> Result<Text<'b>, Fault> {
    match peek(dec)? {
        Type::String => Ok(Text::Borrowed(dec.str()?)),
        Type::StringIndef => {
            let mut s = String::new();
            for chunk in dec.str_iter()? {
                s.push_str(chunk?);
            }
            Ok(Text::Owned(s))
        }
        _ => Err(Fault::Unexpected),
    }
}

/// Reads a byte string: borrowed when definite, joined (owned) when in chunks.
pub(crate) fn bytes<'b>(dec: &mut Decoder<'b>) -> Result<Bytes<'b>, Fault> {
    match peek(dec)? {
        Type::Bytes => Ok(Bytes::Borrowed(dec.bytes()?)),
        Type::BytesIndef => {
            let mut v = Vec::new();
            for chunk in dec.bytes_iter()? {
                v.extend_from_slice(chunk?);
            }
            Ok(Bytes::Owned(v))
        }
        _ => Err(Fault::Unexpected),
    }
}

/// A half float as `f64` (exact: every half is a double).
pub(crate) fn f16_to_f64(h: u16) -> f64 {
    let sign = u64::from(h >> 15) << 63;
    let exp = u64::from((h >> 10) & 0x1f);
    let mant = u64::from(h & 0x3ff);
    let magnitude = match exp {
        // Subnormal: mant * 2^-24, exact in f64.
        0 => mant as f64 * f64::from_bits((1023 - 24) << 52),
        // Infinity or NaN (payload kept in the top mantissa bits).
        31 => f64::from_bits((0x7ff << 52) | (mant << 42)),
        _ => f64::from_bits(((exp + 1023 - 15) << 52) | (mant << 42)),
    };
    f64::from_bits(magnitude.to_bits() | sign)
}

/// The half float that is exactly `x`, if there is one (RFC 8949 §4.1 preferred serialization).
pub(crate) fn f64_to_f16_exact(x: f64) -> Option<u16> {
    let bits = x.to_bits();
    let sign = ((bits >> 63) as u16) << 15;
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1 << 52) - 1);
    let low = |n: u32| frac & ((1u64 << n) - 1) == 0;
    match exp {
        0x7ff if low(42) => Some(sign | 0x7c00 | (frac >> 42) as u16),
        0x7ff => None,
        0 if frac == 0 => Some(sign),
        0 => None,
        _ => {
            let e = exp - 1023;
            if (-14..=15).contains(&e) && low(42) {
                Some(sign | (((e + 15) as u16) << 10) | (frac >> 42) as u16)
            } else if (-24..-14).contains(&e) {
                // A half subnormal k * 2^-24 with k = m * 2^(e-28), m the 53-bit significand.
                let m = (1u64 << 52) | frac;
                let shift = (28 - e) as u32;
                (m & ((1u64 << shift) - 1) == 0).then_some(sign | (m >> shift) as u16)
            } else {
                None
            }
        }
    }
}

/// CBOR output in preferred serialization (RFC 8949 §4.1): shortest heads, definite lengths,
/// floats in the shortest width that holds them exactly.
pub(crate) struct Writer {
    pub(crate) out: Vec<u8>,
}

impl Writer {
    pub(crate) fn new() -> Self {
        Self { out: Vec::new() }
    }

    /// A head: major type and argument in the fewest bytes (RFC 8949 §3, §4.1).
    pub(crate) fn head(&mut self, major: u8, arg: u64) {
        let m = major << 5;
        if arg < 24 {
            self.out.push(m | arg as u8);
        } else if let Ok(a) = u8::try_from(arg) {
            self.out.extend_from_slice(&[m | 24, a]);
        } else if let Ok(a) = u16::try_from(arg) {
            self.out.push(m | 25);
            self.out.extend_from_slice(&a.to_be_bytes());
        } else if let Ok(a) = u32::try_from(arg) {
            self.out.push(m | 26);
            self.out.extend_from_slice(&a.to_be_bytes());
        } else {
            self.out.push(m | 27);
            self.out.extend_from_slice(&arg.to_be_bytes());
        }
    }

    pub(crate) fn uint(&mut self, u: u64) {
        self.head(0, u);
    }

    pub(crate) fn int(&mut self, i: i64) {
        match u64::try_from(i) {
            Ok(u) => self.head(0, u),
            // -1 - n for major type 1: !i is -1 - i as a bit pattern.
            Err(_) => self.head(1, !i as u64),
        }
    }

    pub(crate) fn text(&mut self, s: &str) {
        self.head(3, s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.head(2, b.len() as u64);
        self.out.extend_from_slice(b);
    }

    pub(crate) fn array(&mut self, n: usize) {
        self.head(4, n as u64);
    }

    pub(crate) fn map(&mut self, n: usize) {
        self.head(5, n as u64);
    }

    pub(crate) fn bool(&mut self, b: bool) {
        self.out.push(if b { 0xf5 } else { 0xf4 });
    }

    pub(crate) fn null(&mut self) {
        self.out.push(0xf6);
    }

    /// The shortest of half, single and double that is exactly `x` (NaN payloads included).
    pub(crate) fn float(&mut self, x: f64) {
        if let Some(h) = f64_to_f16_exact(x) {
            self.out.push(0xf9);
            self.out.extend_from_slice(&h.to_be_bytes());
        } else if f64::from(x as f32).to_bits() == x.to_bits() {
            self.out.push(0xfa);
            self.out.extend_from_slice(&(x as f32).to_be_bytes());
        } else {
            self.out.push(0xfb);
            self.out.extend_from_slice(&x.to_be_bytes());
        }
    }
}

/// Writes ids as `a/b` text into `out`, with a `/` before them when `leading` and after them
/// when `trailing`.
pub(crate) fn write_ids(out: &mut String, ids: &[u16], leading: bool, trailing: bool) {
    use core::fmt::Write as _;
    for (i, id) in ids.iter().enumerate() {
        if i > 0 || leading {
            out.push('/');
        }
        let _ = write!(out, "{id}");
    }
    if trailing {
        out.push('/');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats_convert_exactly_both_ways() {
        for h in 0..=u16::MAX {
            let x = f16_to_f64(h);
            if x.is_nan() {
                continue;
            }
            assert_eq!(f64_to_f16_exact(x), Some(h), "{h:#06x} = {x}");
        }
        assert_eq!(f64_to_f16_exact(1.0 + f64::EPSILON), None);
        assert_eq!(f64_to_f16_exact(65520.0), None);
        assert_eq!(f64_to_f16_exact(f64::from_bits((1023 - 25) << 52)), None);
        assert_eq!(f64_to_f16_exact(f64::NAN), Some(0x7e00));
    }

    #[test]
    fn heads_are_shortest() {
        let mut w = Writer::new();
        for (arg, len) in [(0u64, 1), (23, 1), (24, 2), (255, 2), (256, 3), (65535, 3), (65536, 5), (1 << 32, 9)] {
            w.out.clear();
            w.uint(arg);
            assert_eq!(w.out.len(), len, "{arg}");
        }
        w.out.clear();
        w.int(i64::MIN);
        assert_eq!(w.out, [0x3b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    }
}
