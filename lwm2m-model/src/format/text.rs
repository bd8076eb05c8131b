//! text/plain (LwM2M Core 1.2 §7.4.1; Content-Format 0): the value of one resource or resource
//! instance as UTF-8 text. The format does not carry the type, so the decoder takes it from the
//! caller (from the resource's definition).
//!
//! | type | text | example |
//! |---|---|---|
//! | String, Corelnk | the text itself | `Open Mobile Alliance` |
//! | Integer, Time | decimal, optional sign | `-12`, `1367491215` |
//! | Unsigned Integer | decimal | `18446744073709551615` |
//! | Float | decimal with optional fraction and exponent | `3.5`, `-1e-7` |
//! | Boolean | `0` or `1` | `1` |
//! | Objlnk | `object:instance` | `3:0` |
//! | none | empty | |
//!
//! Opaque values are refused: they travel as opaque (Content-Format 42, [`super::opaque`]).
//! Nothing is allocated; the decoded value borrows the payload.
//!
//! ```
//! use lwm2m_model::format::text;
//! use lwm2m_model::model::{DataType, Path, Value};
//! let rec = text::decode(b"100", Path::resource_path(3, 0, 9), Some(DataType::Integer))?;
//! assert_eq!(rec.value, Value::Integer(100));
//! let mut buf = [0u8; 32];
//! let n = text::encode(&Value::Float(0.1), &mut buf).unwrap();
//! assert_eq!(&buf[..n], b"0.1");
//! # Ok::<(), text::DecodeError>(())
//! ```
//!
//! Spec: LwM2M Core 1.2 §7.4.1, Appendix C.

use core::fmt::{self, Write as _};

use coap_codec::link_format::LinkFormat;

use crate::model::{DataType, ObjectLink, Path, Record, Text, Value};

/// The Content-Format number of text/plain (charset UTF-8).
///
/// ```
/// assert_eq!(lwm2m_model::format::text::CONTENT_FORMAT, 0);
/// ```
pub const CONTENT_FORMAT: u16 = 0;

/// A rule of the text format that a payload breaks.
///
/// ```
/// use lwm2m_model::format::text::{self, TextError};
/// use lwm2m_model::model::{DataType, Path};
/// let err = text::decode(b"12a", Path::resource_path(3, 0, 9), Some(DataType::Integer)).unwrap_err();
/// assert_eq!((err.kind, err.offset), (TextError::InvalidInteger, 2));
/// assert_eq!(err.kind.rule(), "LwM2M Core 1.2 §7.4.1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// The payload is not UTF-8.
    #[error("payload is not UTF-8")]
    InvalidUtf8,
    /// The path is above a resource: text carries one resource or resource instance value.
    #[error("text carries the value of a resource or resource instance")]
    NotAResource,
    /// An Integer, Time or Unsigned Integer that is not decimal digits (with an optional sign,
    /// `+` or `-`, for Integer and Time).
    #[error("not a decimal integer")]
    InvalidInteger,
    /// A Float that is not `[+-]digits[.digits][(e|E)[+-]digits]` (no `inf`, `NaN`, or bare `.5`).
    #[error("not a decimal number")]
    InvalidFloat,
    /// A number outside its type: beyond 64 bits, a Float beyond `f64`, an Objlnk id above 65535.
    #[error("number out of range")]
    OutOfRange,
    /// A Boolean other than `0` or `1`.
    #[error("a Boolean is 0 or 1")]
    InvalidBoolean,
    /// An Objlnk that is not `object:instance`, two decimal ids.
    #[error("an Objlnk is object:instance")]
    InvalidObjlnk,
    /// A Corelnk that is not CoRE link format (RFC 6690 §2).
    #[error("a Corelnk is CoRE link format")]
    InvalidCorelnk,
    /// An Opaque resource: its value travels as opaque (Content-Format 42), not text.
    #[error("opaque values travel as opaque, not text")]
    Opaque,
    /// A payload for a resource without a value (type none) that is not empty.
    #[error("a resource without a value has an empty payload")]
    NotEmpty,
}

impl TextError {
    /// The section this error enforces, in the citation format used in docs, comments and tests.
    ///
    /// ```
    /// use lwm2m_model::format::text::TextError;
    /// assert_eq!(TextError::InvalidBoolean.rule(), "LwM2M Core 1.2 §7.4.1");
    /// assert_eq!(TextError::InvalidCorelnk.rule(), "RFC 6690 §2");
    /// ```
    pub const fn rule(self) -> &'static str {
        match self {
            Self::InvalidCorelnk => "RFC 6690 §2",
            Self::InvalidUtf8
            | Self::NotAResource
            | Self::InvalidInteger
            | Self::InvalidFloat
            | Self::OutOfRange
            | Self::InvalidBoolean
            | Self::InvalidObjlnk
            | Self::Opaque
            | Self::NotEmpty => "LwM2M Core 1.2 §7.4.1",
        }
    }
}

/// A text payload that is not a value of its type: the rule it breaks and the byte offset where
/// reading stopped. A server answers such a Write with 4.00 Bad Request.
///
/// ```
/// use lwm2m_model::format::text::{self, TextError};
/// use lwm2m_model::model::{DataType, Path};
/// let err = text::decode(b"2", Path::resource_path(1, 0, 6), Some(DataType::Boolean)).unwrap_err();
/// assert_eq!(err.to_string(), "LwM2M Core 1.2 §7.4.1: a Boolean is 0 or 1 (at byte 0)");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{}: {kind} (at byte {offset})", kind.rule())]
pub struct DecodeError {
    /// What is wrong.
    pub kind: TextError,
    /// Offset from the first byte of the payload.
    pub offset: usize,
}

/// A value that cannot be written as text. Nothing was written.
///
/// ```
/// use lwm2m_model::format::text::{self, EncodeError};
/// use lwm2m_model::model::Value;
/// let mut buf = [0u8; 2];
/// assert_eq!(text::encode(&Value::Integer(-100), &mut buf), Err(EncodeError::BufferTooSmall { required: 4 }));
/// assert_eq!(text::encode(&Value::Float(f64::NAN), &mut buf), Err(EncodeError::NonFinite));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The buffer is too small; `required` is the text's length.
    #[error("output buffer too small: {required} bytes required")]
    BufferTooSmall {
        /// Bytes the text needs.
        required: usize,
    },
    /// An Opaque value: it travels as opaque (LwM2M Core 1.2 §7.4.2).
    #[error("LwM2M Core 1.2 §7.4.2: opaque values travel as opaque, not text")]
    Opaque,
    /// A [`Value::Raw`]: give it its type first ([`Value::typed`]).
    #[error("a raw TLV value has no type to write as text")]
    Untyped,
    /// A NaN or infinite Float, which LwM2M text has no spelling for (LwM2M Core 1.2 §7.4.1).
    #[error("LwM2M Core 1.2 §7.4.1: NaN and infinities have no text form")]
    NonFinite,
}

// ---------------------------------------------------------------------------------------------
// Decoding.

fn at(kind: TextError, offset: usize) -> DecodeError {
    DecodeError { kind, offset }
}

/// The length of the run of ASCII digits at the start of `b`.
fn digits(b: &[u8]) -> usize {
    b.iter().take_while(|c| c.is_ascii_digit()).count()
}

/// Checks `[+-]?digits` (sign only if `signed`); on error, the offset of the first bad byte.
fn check_integer(b: &[u8], signed: bool) -> Result<(), usize> {
    let sign = usize::from(signed && matches!(b.first(), Some(b'+' | b'-')));
    let n = digits(b.get(sign..).unwrap_or_default());
    if n == 0 {
        return Err(sign);
    }
    if sign + n != b.len() {
        return Err(sign + n);
    }
    Ok(())
}

/// Checks `[+-]?digits[.digits][(e|E)[+-]?digits]`; on error, the offset of the first bad byte.
fn check_float(b: &[u8]) -> Result<(), usize> {
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int = digits(b.get(i..).unwrap_or_default());
    if int == 0 {
        return Err(i);
    }
    i += int;
    if b.get(i) == Some(&b'.') {
        let frac = digits(b.get(i + 1..).unwrap_or_default());
        if frac == 0 {
            return Err(i + 1);
        }
        i += 1 + frac;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        i += usize::from(matches!(b.get(i), Some(b'+' | b'-')));
        let exp = digits(b.get(i..).unwrap_or_default());
        if exp == 0 {
            return Err(i);
        }
        i += exp;
    }
    if i != b.len() {
        return Err(i);
    }
    Ok(())
}

/// An id 0-65535 of an Objlnk: digits only.
fn objlnk_id(s: &str, offset: usize) -> Result<u16, DecodeError> {
    check_integer(s.as_bytes(), false).map_err(|o| at(TextError::InvalidObjlnk, offset + o))?;
    s.parse().map_err(|_| at(TextError::OutOfRange, offset))
}

/// Reads `payload` as a value of `data_type`; `None` reads it as a String.
///
/// ```
/// use lwm2m_model::format::text;
/// use lwm2m_model::model::{DataType, ObjectLink, Value};
/// assert_eq!(text::decode_value(b"3:0", Some(DataType::Objlnk))?, Value::Objlnk(ObjectLink { object: 3, instance: 0 }));
/// assert_eq!(text::decode_value(b"-1.5e3", Some(DataType::Float))?, Value::Float(-1500.0));
/// assert_eq!(text::decode_value(b"hi", None)?, Value::String("hi".into()));
/// # Ok::<(), text::DecodeError>(())
/// ```
///
/// # Errors
/// A [`DecodeError`] with any [`TextError`] but [`TextError::NotAResource`].
pub fn decode_value(payload: &[u8], data_type: Option<DataType>) -> Result<Value<'_>, DecodeError> {
    let s = core::str::from_utf8(payload).map_err(|e| at(TextError::InvalidUtf8, e.valid_up_to()))?;
    let b = payload;
    Ok(match data_type.unwrap_or(DataType::String) {
        DataType::String => Value::String(Text::Borrowed(s)),
        DataType::Corelnk => {
            LinkFormat::new_checked(s).map_err(|e| at(TextError::InvalidCorelnk, e.offset))?;
            Value::Corelnk(Text::Borrowed(s))
        }
        ty @ (DataType::Integer | DataType::Time) => {
            check_integer(b, true).map_err(|o| at(TextError::InvalidInteger, o))?;
            let i: i64 = s.parse().map_err(|_| at(TextError::OutOfRange, 0))?;
            if ty == DataType::Time {
                Value::Time(i)
            } else {
                Value::Integer(i)
            }
        }
        DataType::UnsignedInteger => {
            check_integer(b, false).map_err(|o| at(TextError::InvalidInteger, o))?;
            Value::UnsignedInteger(s.parse().map_err(|_| at(TextError::OutOfRange, 0))?)
        }
        DataType::Float => {
            check_float(b).map_err(|o| at(TextError::InvalidFloat, o))?;
            let f: f64 = s.parse().map_err(|_| at(TextError::InvalidFloat, 0))?;
            if !f.is_finite() {
                return Err(at(TextError::OutOfRange, 0));
            }
            Value::Float(f)
        }
        DataType::Boolean => match b {
            b"0" => Value::Boolean(false),
            b"1" => Value::Boolean(true),
            _ => return Err(at(TextError::InvalidBoolean, 0)),
        },
        DataType::Objlnk => {
            let (o, i) = s.split_once(':').ok_or(at(TextError::InvalidObjlnk, s.len()))?;
            let object = objlnk_id(o, 0)?;
            let instance = objlnk_id(i, o.len() + 1)?;
            Value::Objlnk(ObjectLink { object, instance })
        }
        DataType::Opaque => return Err(at(TextError::Opaque, 0)),
        DataType::None if b.is_empty() => Value::None,
        DataType::None => return Err(at(TextError::NotEmpty, 0)),
    })
}

/// Decodes the text payload of a request on, or a response about, `path` (a resource or
/// resource instance) as a value of `data_type` (`None`: a String).
///
/// ```
/// use lwm2m_model::format::text;
/// use lwm2m_model::model::{DataType, Path, Value};
/// let rec = text::decode(b"Open Mobile Alliance", Path::resource_path(3, 0, 0), Some(DataType::String))?;
/// assert_eq!(rec.value, Value::String("Open Mobile Alliance".into()));
/// assert!(text::decode(b"1", Path::instance_path(3, 0), None).is_err());
/// # Ok::<(), text::DecodeError>(())
/// ```
///
/// # Errors
/// [`TextError::NotAResource`] for a path above a resource; otherwise as [`decode_value`].
pub fn decode(payload: &[u8], path: Path, data_type: Option<DataType>) -> Result<Record<'_>, DecodeError> {
    if path.len() < 3 {
        return Err(at(TextError::NotAResource, 0));
    }
    Ok(Record { path, value: decode_value(payload, data_type)? })
}

// ---------------------------------------------------------------------------------------------
// Encoding.

/// Counts what is written.
struct Count(usize);

impl fmt::Write for Count {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 += s.len();
        Ok(())
    }
}

/// Writes into a slice; fails rather than overflow.
struct Slice<'o> {
    buf: &'o mut [u8],
    pos: usize,
}

impl fmt::Write for Slice<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let dst = self.buf.get_mut(self.pos..self.pos + s.len()).ok_or(fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.pos += s.len();
        Ok(())
    }
}

/// Whether `f` is shorter in exponent form (`{:e}`) than in positional form (`{}`).
fn float_uses_exponent(f: f64) -> bool {
    let (mut plain, mut exp) = (Count(0), Count(0));
    let _ = write!(plain, "{f}");
    let _ = write!(exp, "{f:e}");
    exp.0 < plain.0
}

/// Writes a finite float in its shortest text: Rust's shortest round-trip digits, positional
/// (`{}`: `0.1`, `1`, `-0`) unless the exponent form (`{:e}`: `1e21`, `1.5e-7`) is shorter.
fn write_float(w: &mut impl fmt::Write, f: f64) -> fmt::Result {
    if float_uses_exponent(f) {
        write!(w, "{f:e}")
    } else {
        write!(w, "{f}")
    }
}

/// Formats a finite float as [`encode`] writes it into `buf` (its longest form, the exponent
/// form of a negative subnormal, is 24 bytes); `None` for NaN and infinities.
pub(crate) fn format_float(f: f64, buf: &mut [u8; 32]) -> Option<&str> {
    if !f.is_finite() {
        return None;
    }
    let mut w = Slice { buf, pos: 0 };
    write_float(&mut w, f).ok()?;
    let n = w.pos;
    buf.get(..n).and_then(|b| core::str::from_utf8(b).ok())
}

/// Writes `v` in text; the one place both the length and the bytes come from.
fn write_value(w: &mut impl fmt::Write, v: &Value<'_>) -> Result<(), EncodeError> {
    let r = match v {
        Value::String(s) | Value::Corelnk(s) => w.write_str(s),
        Value::Integer(i) | Value::Time(i) => write!(w, "{i}"),
        Value::UnsignedInteger(u) => write!(w, "{u}"),
        Value::Float(f) if !f.is_finite() => return Err(EncodeError::NonFinite),
        Value::Float(f) => write_float(w, *f),
        Value::Boolean(b) => w.write_str(if *b { "1" } else { "0" }),
        Value::Objlnk(l) => write!(w, "{}:{}", l.object, l.instance),
        Value::None => Ok(()),
        Value::Opaque(_) => return Err(EncodeError::Opaque),
        Value::Raw(_) => return Err(EncodeError::Untyped),
    };
    // Only the slice writer fails, and only past its end, which `encode` rules out first.
    r.map_err(|_| EncodeError::BufferTooSmall { required: 0 })
}

/// The length of `value` in text; see [`encode`].
///
/// ```
/// use lwm2m_model::format::text;
/// use lwm2m_model::model::Value;
/// assert_eq!(text::encoded_len(&Value::Integer(-3800)), Ok(5));
/// assert_eq!(text::encoded_len(&Value::Float(1e21)), Ok(4)); // "1e21"
/// ```
///
/// # Errors
/// As [`encode`], except [`EncodeError::BufferTooSmall`].
pub fn encoded_len(value: &Value<'_>) -> Result<usize, EncodeError> {
    let mut c = Count(0);
    write_value(&mut c, value)?;
    Ok(c.0)
}

/// Writes `value` (a [`Record`]'s value) as minimal text and returns its length.
///
/// Integers without leading zeros or `+`; a Boolean as `0` or `1`; an Objlnk as `3:0`. A Float
/// is written with the shortest digits that read back to the same `f64` (Rust's float
/// formatting): positionally (`0.1`, `1`, `-0`, `123456`) unless the exponent form is shorter
/// (`1e21`, `1.5e-7`), so very large and small values stay short and every output reads back
/// through [`decode_value`] to the same bits. A whole Float is written without a fraction
/// (`1`): the resource's type, not the text, says it is a Float.
///
/// ```
/// use lwm2m_model::format::text;
/// use lwm2m_model::model::{ObjectLink, Value};
/// let mut buf = [0u8; 32];
/// for (v, t) in [
///     (Value::Integer(-3800), &b"-3800"[..]),
///     (Value::Float(1.0), b"1"),
///     (Value::Float(1e-7), b"1e-7"),
///     (Value::Boolean(true), b"1"),
///     (Value::Objlnk(ObjectLink { object: 3, instance: 0 }), b"3:0"),
/// ] {
///     let n = text::encode(&v, &mut buf)?;
///     assert_eq!(&buf[..n], t);
/// }
/// # Ok::<(), text::EncodeError>(())
/// ```
///
/// # Errors
/// [`EncodeError::Opaque`], [`EncodeError::Untyped`], [`EncodeError::NonFinite`],
/// [`EncodeError::BufferTooSmall`].
pub fn encode(value: &Value<'_>, out: &mut [u8]) -> Result<usize, EncodeError> {
    let need = encoded_len(value)?;
    if out.len() < need {
        return Err(EncodeError::BufferTooSmall { required: need });
    }
    let mut w = Slice { buf: out, pos: 0 };
    write_value(&mut w, value).map_err(|_| EncodeError::BufferTooSmall { required: need })?;
    Ok(w.pos)
}
