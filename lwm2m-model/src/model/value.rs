//! Data types and values (LwM2M Core 1.2 Appendix C), and the record every content format
//! decodes to and encodes from.

use core::fmt;
use core::ops::Deref;

use super::Path;

/// A resource's data type (LwM2M Core 1.2 Appendix C).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum DataType {
    /// UTF-8 text.
    String,
    /// A signed integer (up to 64 bits).
    Integer,
    /// An unsigned integer (up to 64 bits; LwM2M 1.1+).
    UnsignedInteger,
    /// A 32- or 64-bit IEEE 754 float.
    Float,
    /// A boolean.
    Boolean,
    /// Bytes.
    Opaque,
    /// Seconds since 1970-01-01T00:00:00Z, signed.
    Time,
    /// An object link: object id and instance id (LwM2M 1.0+).
    Objlnk,
    /// A CoRE link (RFC 6690 text; LwM2M 1.1+).
    Corelnk,
    /// No value (an executable resource).
    None,
}

impl DataType {
    /// The name the OMA object definitions (DDF) use: `String`, `Integer`, `Unsigned Integer`,
    /// `Float`, `Boolean`, `Opaque`, `Time`, `Objlnk`, `Corelnk`, `none`.
    pub const fn ddf_name(self) -> &'static str {
        match self {
            Self::String => "String",
            Self::Integer => "Integer",
            Self::UnsignedInteger => "Unsigned Integer",
            Self::Float => "Float",
            Self::Boolean => "Boolean",
            Self::Opaque => "Opaque",
            Self::Time => "Time",
            Self::Objlnk => "Objlnk",
            Self::Corelnk => "Corelnk",
            Self::None => "none",
        }
    }

    /// The type a DDF names (case-insensitive; `Unsigned Integer` with or without the space;
    /// an empty type is [`DataType::None`]).
    pub fn from_ddf_name(name: &str) -> Option<Self> {
        let n = name.trim();
        let is = |s: &str| n.eq_ignore_ascii_case(s);
        Some(if is("String") {
            Self::String
        } else if is("Integer") {
            Self::Integer
        } else if is("Unsigned Integer") || is("UnsignedInteger") {
            Self::UnsignedInteger
        } else if is("Float") {
            Self::Float
        } else if is("Boolean") {
            Self::Boolean
        } else if is("Opaque") {
            Self::Opaque
        } else if is("Time") {
            Self::Time
        } else if is("Objlnk") {
            Self::Objlnk
        } else if is("Corelnk") {
            Self::Corelnk
        } else if is("none") || n.is_empty() {
            Self::None
        } else {
            return None;
        })
    }
}

impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.ddf_name())
    }
}

/// Text borrowed from the payload, or (under `alloc`) owned when a format had to unescape it.
/// Equality and hashing look at the text only, not at where it lives.
///
/// ```
/// use lwm2m_model::model::Text;
/// assert_eq!(Text::Borrowed("a\"b"), Text::Owned("a\"b".to_string()));
/// ```
#[derive(Clone)]
pub enum Text<'a> {
    /// Borrowed from the input.
    Borrowed(&'a str),
    /// Made by the decoder (JSON escapes).
    #[cfg(feature = "alloc")]
    Owned(alloc::string::String),
}

impl Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Self::Borrowed(s) => s,
            #[cfg(feature = "alloc")]
            Self::Owned(s) => s,
        }
    }
}

impl PartialEq for Text<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Text<'_> {}

impl core::hash::Hash for Text<'_> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl fmt::Debug for Text<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<'a> From<&'a str> for Text<'a> {
    fn from(s: &'a str) -> Self {
        Self::Borrowed(s)
    }
}

/// Bytes borrowed from the payload, or (under `alloc`) owned when a format had to decode them
/// (base64 in JSON). Equality and hashing look at the bytes only, not at where they live.
#[derive(Clone)]
pub enum Bytes<'a> {
    /// Borrowed from the input.
    Borrowed(&'a [u8]),
    /// Made by the decoder.
    #[cfg(feature = "alloc")]
    Owned(alloc::vec::Vec<u8>),
}

impl Deref for Bytes<'_> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Self::Borrowed(b) => b,
            #[cfg(feature = "alloc")]
            Self::Owned(b) => b,
        }
    }
}

impl PartialEq for Bytes<'_> {
    fn eq(&self, other: &Self) -> bool {
        **self == **other
    }
}

impl Eq for Bytes<'_> {}

impl core::hash::Hash for Bytes<'_> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        (**self).hash(state);
    }
}

impl fmt::Debug for Bytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.iter() {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl<'a> From<&'a [u8]> for Bytes<'a> {
    fn from(b: &'a [u8]) -> Self {
        Self::Borrowed(b)
    }
}

/// An object link: `object:instance` (LwM2M Core 1.2 Appendix C). `65535:65535` is the null link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ObjectLink {
    /// The object id.
    pub object: u16,
    /// The object instance id.
    pub instance: u16,
}

impl ObjectLink {
    /// The null link, `65535:65535`.
    pub const NULL: Self = Self { object: u16::MAX, instance: u16::MAX };
}

impl fmt::Display for ObjectLink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.object, self.instance)
    }
}

/// A value of a resource or resource instance.
///
/// Formats that carry the type (SenML, LwM2M CBOR, LwM2M JSON) decode to typed variants; TLV,
/// which does not, decodes to [`Value::Raw`] until [`Value::typed`] gives it its resource's type
/// (from an object definition); text/plain decodes to the type the caller names.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    /// [`DataType::String`].
    String(Text<'a>),
    /// [`DataType::Integer`].
    Integer(i64),
    /// [`DataType::UnsignedInteger`].
    UnsignedInteger(u64),
    /// [`DataType::Float`].
    Float(f64),
    /// [`DataType::Boolean`].
    Boolean(bool),
    /// [`DataType::Opaque`].
    Opaque(Bytes<'a>),
    /// [`DataType::Time`]: seconds since the Unix epoch.
    Time(i64),
    /// [`DataType::Objlnk`].
    Objlnk(ObjectLink),
    /// [`DataType::Corelnk`].
    Corelnk(Text<'a>),
    /// [`DataType::None`]: no value.
    None,
    /// TLV bytes whose type the format does not carry (OMA LwM2M Core 1.2 §7.4.3).
    Raw(Bytes<'a>),
}

/// Why a value cannot be read as a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValueError {
    /// TLV bytes of a length the type does not have (an Integer of 3 bytes, a Float of 2).
    #[error("LwM2M Core §7.4.3: {len} bytes cannot be a TLV {data_type}")]
    TlvLength {
        /// The type asked for.
        data_type: DataType,
        /// The byte length.
        len: usize,
    },
    /// A Boolean other than 0 or 1.
    #[error("LwM2M Core §7.4.3: a Boolean is 0 or 1")]
    Boolean,
    /// Bytes that are not UTF-8 for a String or Corelnk.
    #[error("LwM2M Core Appendix C: a {0} is UTF-8")]
    Utf8(DataType),
    /// An Unsigned Integer above `u64::MAX` cannot occur in TLV (8 bytes at most); this is a
    /// value of another type that does not convert (a negative Integer to Unsigned Integer).
    #[error("value of type {from} does not convert to {to}")]
    Convert {
        /// The value's type.
        from: DataType,
        /// The type asked for.
        to: DataType,
    },
}

impl<'a> Value<'a> {
    /// The value's type; `None` for [`Value::Raw`].
    pub fn data_type(&self) -> Option<DataType> {
        Some(match self {
            Self::String(_) => DataType::String,
            Self::Integer(_) => DataType::Integer,
            Self::UnsignedInteger(_) => DataType::UnsignedInteger,
            Self::Float(_) => DataType::Float,
            Self::Boolean(_) => DataType::Boolean,
            Self::Opaque(_) => DataType::Opaque,
            Self::Time(_) => DataType::Time,
            Self::Objlnk(_) => DataType::Objlnk,
            Self::Corelnk(_) => DataType::Corelnk,
            Self::None => DataType::None,
            Self::Raw(_) => return None,
        })
    }

    /// Gives a [`Value::Raw`] its type by the TLV binary rules (LwM2M Core 1.2 §7.4.3:
    /// integers and time signed big-endian in 1, 2, 4 or 8 bytes; unsigned in 1, 2, 4 or 8;
    /// floats in 4 or 8; a boolean in 1 byte, 0 or 1; an object link in 4 bytes, object id then
    /// instance id). Typed values convert where nothing is lost (Integer to Time, a non-negative
    /// Integer to Unsigned Integer and back; an integer of at most 2^53 in magnitude to Float; a
    /// whole Float in range to Integer, Unsigned Integer or Time; `"object:instance"` text to
    /// Objlnk); otherwise [`ValueError::Convert`].
    ///
    /// ```
    /// use lwm2m_model::model::{DataType, Value};
    /// assert_eq!(Value::Integer(20).typed(DataType::Float)?, Value::Float(20.0));
    /// assert_eq!(Value::Float(1.638435e9).typed(DataType::Time)?, Value::Time(1_638_435_000));
    /// assert!(Value::Float(0.5).typed(DataType::Integer).is_err());
    /// # Ok::<(), lwm2m_model::model::ValueError>(())
    /// ```
    ///
    /// ```
    /// use lwm2m_model::model::{DataType, Value};
    /// let raw = Value::Raw((&[0x0E, 0xD8][..]).into());
    /// assert_eq!(raw.typed(DataType::Integer)?, Value::Integer(3800));
    /// # Ok::<(), lwm2m_model::model::ValueError>(())
    /// ```
    ///
    /// # Errors
    /// [`ValueError`].
    pub fn typed(self, to: DataType) -> Result<Value<'a>, ValueError> {
        match self {
            Self::Raw(b) => from_tlv_bytes(b, to),
            v if v.data_type() == Some(to) => Ok(v),
            Self::Integer(i) if to == DataType::Time => Ok(Self::Time(i)),
            Self::Time(i) if to == DataType::Integer => Ok(Self::Integer(i)),
            Self::Integer(i) if to == DataType::UnsignedInteger && i >= 0 => Ok(Self::UnsignedInteger(i as u64)),
            Self::UnsignedInteger(u) if to == DataType::Integer && i64::try_from(u).is_ok() => {
                Ok(Self::Integer(u as i64))
            }
            Self::String(s) if to == DataType::Corelnk => Ok(Self::Corelnk(s)),
            // LwM2M CBOR carries an object link as the text "object:instance" (Anjay's
            // `lwm2m_cbor_in.c` reads "12:34" so).
            Self::String(s) if to == DataType::Objlnk => {
                objlnk_from_text(&s).map(Self::Objlnk).ok_or(ValueError::Convert { from: DataType::String, to })
            }
            // SenML and LwM2M JSON carry one kind of number (RFC 8428 §4.5.4): integral numbers
            // decode as Integer, others as Float, and take their resource's type here.
            Self::Integer(i) if to == DataType::Float && exact_in_f64(i.unsigned_abs()) => Ok(Self::Float(i as f64)),
            Self::UnsignedInteger(u) if to == DataType::Float && exact_in_f64(u) => Ok(Self::Float(u as f64)),
            Self::UnsignedInteger(u) if to == DataType::Time && i64::try_from(u).is_ok() => Ok(Self::Time(u as i64)),
            Self::Float(f) if matches!(to, DataType::Integer | DataType::Time) && integral_in(f, -TWO_63, TWO_63) => {
                Ok(if to == DataType::Time { Self::Time(f as i64) } else { Self::Integer(f as i64) })
            }
            Self::Float(f) if to == DataType::UnsignedInteger && integral_in(f, 0.0, 2.0 * TWO_63) => {
                Ok(Self::UnsignedInteger(f as u64))
            }
            v => Err(ValueError::Convert { from: v.data_type().unwrap_or(DataType::Opaque), to }),
        }
    }
}

/// `object:instance`, each a decimal id 0-65535 without sign.
fn objlnk_from_text(s: &str) -> Option<ObjectLink> {
    let id = |t: &str| {
        if (1..=5).contains(&t.len()) && t.bytes().all(|c| c.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    let (object, instance) = s.split_once(':')?;
    Some(ObjectLink { object: id(object)?, instance: id(instance)? })
}

/// 2^63 as an `f64`.
const TWO_63: f64 = 9_223_372_036_854_775_808.0;

/// Whether an integer of this magnitude is exactly an `f64` (at most 2^53).
fn exact_in_f64(magnitude: u64) -> bool {
    magnitude <= 1 << 53
}

/// Whether `f` is a whole number in `lo..hi`, so that `as` converts it exactly (`lo..hi` within
/// `-2^63..2^64`; `fract` is not in `core`).
fn integral_in(f: f64, lo: f64, hi: f64) -> bool {
    f >= lo && f < hi && if f < 0.0 { (f as i64) as f64 == f } else { (f as u64) as f64 == f }
}

/// TLV value bytes as `to` (LwM2M Core 1.2 §7.4.3).
fn from_tlv_bytes(b: Bytes<'_>, to: DataType) -> Result<Value<'_>, ValueError> {
    let len = b.len();
    let bad = || ValueError::TlvLength { data_type: to, len };
    let be = |signed: bool| -> Result<u64, ValueError> {
        if !matches!(len, 1 | 2 | 4 | 8) {
            return Err(bad());
        }
        let mut v: u64 = if signed && b.first().is_some_and(|&x| x & 0x80 != 0) { u64::MAX } else { 0 };
        for &x in b.iter() {
            v = (v << 8) | u64::from(x);
        }
        Ok(v)
    };
    Ok(match to {
        DataType::Integer => Value::Integer(be(true)? as i64),
        DataType::Time => Value::Time(be(true)? as i64),
        DataType::UnsignedInteger => Value::UnsignedInteger(be(false)?),
        DataType::Float => match *b {
            [a, b1, c, d] => Value::Float(f64::from(f32::from_be_bytes([a, b1, c, d]))),
            [a, b1, c, d, e, f, g, h] => Value::Float(f64::from_be_bytes([a, b1, c, d, e, f, g, h])),
            _ => return Err(bad()),
        },
        DataType::Boolean => match *b {
            [0] => Value::Boolean(false),
            [1] => Value::Boolean(true),
            [_] => return Err(ValueError::Boolean),
            _ => return Err(bad()),
        },
        DataType::Objlnk => match *b {
            [a, b1, c, d] => {
                Value::Objlnk(ObjectLink { object: u16::from_be_bytes([a, b1]), instance: u16::from_be_bytes([c, d]) })
            }
            _ => return Err(bad()),
        },
        DataType::None if len == 0 => Value::None,
        DataType::None => return Err(bad()),
        DataType::Opaque => Value::Opaque(b),
        DataType::String | DataType::Corelnk => {
            let text = match b {
                Bytes::Borrowed(s) => Text::Borrowed(core::str::from_utf8(s).map_err(|_| ValueError::Utf8(to))?),
                #[cfg(feature = "alloc")]
                Bytes::Owned(v) => Text::Owned(alloc::string::String::from_utf8(v).map_err(|_| ValueError::Utf8(to))?),
            };
            if to == DataType::String {
                Value::String(text)
            } else {
                Value::Corelnk(text)
            }
        }
    })
}

/// One (path, value) pair: what every content format decodes to and encodes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    /// The resource or resource instance (absolute).
    pub path: Path,
    /// Its value.
    pub value: Value<'a>,
}
