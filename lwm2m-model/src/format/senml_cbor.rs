//! SenML CBOR (Content-Format 112): RFC 8428 §6 packs with integer labels, whose names are
//! LwM2M paths (LwM2M Core 1.2 §7.4.5, subsection number unverified).
//!
//! A pack is a CBOR array of record maps. A record's path is its base name (`bn`, label -2,
//! sticky until the next `bn`, RFC 8428 §4.5.1) followed by its name (`n`, 0). Its value is one
//! of `v` (2, a number), `vs` (3, text), `vb` (4, a boolean), `vd` (8, a byte string) or LwM2M's
//! `vlo` (the text label "vlo", "object:instance"). Times are `bt` (-3) plus `t` (6).
//!
//! | CBOR value | decodes to | written from |
//! |---|---|---|
//! | `v`: integer 0..=`i64::MAX`, negative integer | [`Value::Integer`] | Integer, Time |
//! | `v`: integer above `i64::MAX` | [`Value::UnsignedInteger`] | Unsigned Integer |
//! | `v`: half, single or double float | [`Value::Float`] | Float (shortest exact width) |
//! | `vs` | [`Value::String`] | String, Corelnk |
//! | `vb` | [`Value::Boolean`] | Boolean |
//! | `vd` | [`Value::Opaque`] | Opaque |
//! | `vlo` | [`Value::Objlnk`] | Objlnk |
//!
//! Decoding gives each value the type its CBOR carries; [`Value::typed`] gives it its
//! resource's (Time, Corelnk, Unsigned Integer). Decoding borrows definite-length text and bytes
//! from the input; the module needs `alloc` for the record list, for strings sent in chunks and
//! for the check that no two records share a path and time. [`Records`] walks a pack one
//! record at a time without collecting it.
//!
//! ```
//! use lwm2m_model::format::senml_cbor;
//! use lwm2m_model::model::{Path, Record, Value};
//! let records = [
//!     Record { path: Path::resource_path(3, 0, 9), value: Value::Integer(100) },
//!     Record { path: Path::resource_path(3, 0, 14), value: Value::String("+02:00".into()) },
//! ];
//! let bytes = senml_cbor::encode(&records)?;
//! // [{-2: "/3/0/", 0: "9", 2: 100}, {0: "14", 3: "+02:00"}]
//! assert_eq!(bytes[..9], [0x82, 0xa3, 0x21, 0x65, b'/', b'3', b'/', b'0', b'/']);
//! assert_eq!(senml_cbor::decode(&bytes)?, records);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use minicbor::data::Type;
use minicbor::Decoder;

use super::cbor::{self, Fault, Writer};
use crate::model::{ObjectLink, Path, PathError, Record, Text, Value};

/// The deepest nesting accepted: the pack (1), a record (2) and two levels inside fields that
/// are skipped (unknown labels). Deeper input is refused before it is entered.
pub const MAX_DEPTH: usize = 4;

/// The SenML version understood (RFC 8428 §4.4); a larger `bver` is refused.
pub const VERSION: u64 = 10;

// RFC 8428 §6 Table 6 (CBOR labels).
const BVER: i64 = -1;
const BN: i64 = -2;
const BT: i64 = -3;
const BV: i64 = -5;
const BS: i64 = -6;
const N: i64 = 0;
const V: i64 = 2;
const VS: i64 = 3;
const VB: i64 = 4;
const S: i64 = 5;
const T: i64 = 6;
const VD: i64 = 8;
/// LwM2M's object-link value, a text label (Wakaama `senml_cbor.c`, Leshan).
const VLO: &str = "vlo";

/// The rule a SenML CBOR payload broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// Not well-formed CBOR: a reserved initial byte, a break outside an indefinite-length
    /// item, text that is not UTF-8.
    #[error("RFC 8949 §3: not well-formed CBOR")]
    Cbor,
    /// The input ends inside an item, or a declared length (string bytes, array or map items)
    /// is larger than what is left.
    #[error("RFC 8949 §3: a length runs past the end of the input")]
    LengthBeyondInput,
    /// Bytes after the pack.
    #[error("RFC 8949 Appendix F: bytes after the pack")]
    TrailingBytes,
    /// Items nested deeper than [`MAX_DEPTH`].
    #[error("RFC 8949 §5.2: nested deeper than 4 levels")]
    TooDeep,
    /// The payload is not an array.
    #[error("RFC 8428 §6: a pack is an array")]
    NotArray,
    /// A record is not a map.
    #[error("RFC 8428 §6: a record is a map")]
    NotMap,
    /// A field of the wrong type: a name that is not text, a `v` that is not a number, a `vb`
    /// that is not a boolean (the JSON label is given).
    #[error("RFC 8428 §6: field {0} has the wrong type")]
    FieldType(&'static str),
    /// A label that appears twice in one record.
    #[error("RFC 8949 §5.6: label {0} twice in one record")]
    DuplicateLabel(&'static str),
    /// A field this decoder does not apply: base value, base sum or sum (`bv`, `bs`, `s`), or
    /// a text label ending in `_`, which must be understood.
    #[error("RFC 8428 §4.4: a field that must be understood (bv, bs, s or a label ending in _)")]
    UnsupportedField,
    /// A base version above [`VERSION`].
    #[error("RFC 8428 §4.4: SenML version {0} is not supported")]
    UnsupportedVersion(u64),
    /// A record with no value.
    #[error("RFC 8428 §4.2: a record without a value")]
    NoValue,
    /// A record with more than one value field.
    #[error("RFC 8428 §4.2: a record with two values")]
    TwoValues,
    /// A value in a list of names (Read-Composite, Observe-Composite).
    #[error("LwM2M Core 1.2 §7.4.5: a value in a list of names")]
    UnexpectedValue,
    /// Base name and name together are not an LwM2M path.
    #[error("RFC 8428 §4.5.1: the name is not an LwM2M path: {0}")]
    InvalidName(PathError),
    /// A value for an object or an object instance.
    #[error("LwM2M Core 1.2 §7.4.5: a value for {0}, which is not a resource")]
    NotResource(Path),
    /// Two records with the same path and time.
    #[error("RFC 8428 §4.5.1: {0} twice with the same time")]
    DuplicateName(Path),
    /// A `vlo` that is not `object:instance` with ids 0-65535.
    #[error("LwM2M Core 1.2 §7.4.5: vlo is not \"object:instance\"")]
    InvalidObjlnk,
    /// A negative integer below `i64::MIN`.
    #[error("RFC 8949 §3.1: integer below -2^63")]
    IntegerRange,
}

impl Malformed {
    /// The rule broken, as cited in the docs.
    ///
    /// ```
    /// use lwm2m_model::format::senml_cbor::Malformed;
    /// assert_eq!(Malformed::TwoValues.rule(), "RFC 8428 §4.2");
    /// ```
    pub const fn rule(self) -> &'static str {
        match self {
            Self::Cbor | Self::LengthBeyondInput => "RFC 8949 §3",
            Self::TrailingBytes => "RFC 8949 Appendix F",
            Self::TooDeep => "RFC 8949 §5.2",
            Self::NotArray | Self::NotMap | Self::FieldType(_) => "RFC 8428 §6",
            Self::DuplicateLabel(_) => "RFC 8949 §5.6",
            Self::UnsupportedField | Self::UnsupportedVersion(_) => "RFC 8428 §4.4",
            Self::NoValue | Self::TwoValues => "RFC 8428 §4.2",
            Self::InvalidName(_) | Self::DuplicateName(_) => "RFC 8428 §4.5.1",
            Self::UnexpectedValue | Self::NotResource(_) | Self::InvalidObjlnk => "LwM2M Core 1.2 §7.4.5",
            Self::IntegerRange => "RFC 8949 §3.1",
        }
    }
}

/// A payload refused, with the byte offset where decoding stopped.
///
/// ```
/// use lwm2m_model::format::senml_cbor::{decode, Malformed};
/// let err = decode(&[0xa0]).unwrap_err(); // {}
/// assert_eq!((err.kind, err.offset), (Malformed::NotArray, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at byte {offset})")]
pub struct DecodeError {
    /// The rule broken.
    pub kind: Malformed,
    /// Where decoding stopped.
    pub offset: usize,
}

/// Records that cannot be written as SenML CBOR; `index` is the record's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// [`Value::Raw`]: TLV bytes whose type is not known; give them their type with
    /// [`Value::typed`] first.
    #[error("record {index}: untyped TLV bytes (LwM2M Core 1.2 §7.4.3); type them first")]
    RawValue {
        /// The record.
        index: usize,
    },
    /// [`Value::None`]: a record carries a value (RFC 8428 §4.2); [`encode_names`] writes paths
    /// without values.
    #[error("record {index}: no value (RFC 8428 §4.2)")]
    NoValue {
        /// The record.
        index: usize,
    },
    /// A path above a resource.
    #[error("record {index}: a value for an object or instance (LwM2M Core 1.2 §7.4.5)")]
    NotResource {
        /// The record.
        index: usize,
    },
    /// A path that an earlier record has too.
    #[error("record {index}: path given twice (RFC 8428 §4.5.1)")]
    DuplicateName {
        /// The record.
        index: usize,
    },
}

/// One record as read from a pack: its resolved path, its value (none in a list of names)
/// and its resolved time, `bt + t` (0 when neither is given: "now", RFC 8428 §4.5.3).
#[derive(Debug, Clone, PartialEq)]
pub struct Entry<'a> {
    /// Base name and name.
    pub path: Path,
    /// The value; `None` in a list of names.
    pub value: Option<Value<'a>>,
    /// Base time plus time, in seconds.
    pub time: f64,
}

/// Walks a pack record by record, without collecting it (it does not look for repeated names:
/// [`decode`] does).
///
/// Spec: RFC 8428 §4, §6.
///
/// ```
/// use lwm2m_model::format::senml_cbor::Records;
/// use lwm2m_model::model::{Path, Value};
/// // [{-2: "/72/", -3: 100, 0: "1/2", 2: 22}, {0: "1/2", 2: 23, 6: 10}]
/// let bytes = [
///     0x82, 0xa4, 0x21, 0x64, b'/', b'7', b'2', b'/', 0x22, 0x18, 0x64, 0x00, 0x63, b'1', b'/', b'2',
///     0x02, 0x16, 0xa3, 0x00, 0x63, b'1', b'/', b'2', 0x02, 0x17, 0x06, 0x0a,
/// ];
/// let mut records = Records::new(&bytes)?;
/// let first = records.next().unwrap()?;
/// assert_eq!((first.path, first.value, first.time), (Path::resource_path(72, 1, 2), Some(Value::Integer(22)), 100.0));
/// assert_eq!(records.next().unwrap()?.time, 110.0);
/// assert!(records.next().is_none());
/// # Ok::<(), lwm2m_model::format::senml_cbor::DecodeError>(())
/// ```
#[derive(Debug)]
pub struct Records<'a> {
    dec: Decoder<'a>,
    left: Option<u64>,
    base_name: Text<'a>,
    base_time: f64,
    values: bool,
    done: bool,
}

impl<'a> Records<'a> {
    /// Starts on a pack whose records each carry a value (Read and Observe responses, Write,
    /// Write-Composite, Send).
    ///
    /// # Errors
    /// [`Malformed::NotArray`] and the CBOR errors, at the pack's head.
    pub fn new(input: &'a [u8]) -> Result<Self, DecodeError> {
        Self::start(input, true)
    }

    /// Starts on a pack of names without values (Read-Composite and Observe-Composite
    /// requests); [`Entry::value`] is then always `None`.
    ///
    /// # Errors
    /// As [`Records::new`].
    pub fn names(input: &'a [u8]) -> Result<Self, DecodeError> {
        Self::start(input, false)
    }

    fn start(input: &'a [u8], values: bool) -> Result<Self, DecodeError> {
        let mut dec = Decoder::new(input);
        let err = |f: Fault| DecodeError { kind: fault(f, "pack"), offset: 0 };
        let left = match cbor::peek(&dec).map_err(err)? {
            Type::Array | Type::ArrayIndef => cbor::array(&mut dec).map_err(err)?,
            _ => return Err(DecodeError { kind: Malformed::NotArray, offset: 0 }),
        };
        Ok(Self { dec, left, base_name: Text::Borrowed(""), base_time: 0.0, values, done: false })
    }

    /// The next record and the offset where it starts; `None` after the last.
    fn next_entry(&mut self) -> Result<Option<(usize, Entry<'a>)>, DecodeError> {
        if !cbor::more(&mut self.dec, &mut self.left).map_err(|f| self.error(f, "pack"))? {
            if self.dec.position() != self.dec.input().len() {
                return Err(self.at(Malformed::TrailingBytes));
            }
            return Ok(None);
        }
        let start = self.dec.position();
        self.record(start).map(|e| Some((start, e)))
    }

    fn at(&self, kind: Malformed) -> DecodeError {
        DecodeError { kind, offset: self.dec.position() }
    }

    fn error(&self, f: Fault, label: &'static str) -> DecodeError {
        self.at(fault(f, label))
    }

    fn record(&mut self, start: usize) -> Result<Entry<'a>, DecodeError> {
        let mut left = match cbor::peek(&self.dec).map_err(|f| self.error(f, "record"))? {
            Type::Map | Type::MapIndef => cbor::map(&mut self.dec).map_err(|f| self.error(f, "record"))?,
            _ => return Err(self.at(Malformed::NotMap)),
        };
        let mut name: Option<Text<'a>> = None;
        let mut time: Option<f64> = None;
        let mut value: Option<Value<'a>> = None;
        let mut seen = [false; 3]; // bver, bn, bt
        while cbor::more(&mut self.dec, &mut left).map_err(|f| self.error(f, "record"))? {
            let key_at = self.dec.position();
            let key_type = cbor::peek(&self.dec).map_err(|f| self.error(f, "label"))?;
            let new_value = if cbor::is_integer(key_type) {
                let label = match cbor::integer(&mut self.dec).map_err(|f| self.error(f, "label"))? {
                    Value::Integer(i) => i,
                    _ => i64::MAX, // an unknown label
                };
                self.field(label, key_at, &mut seen, &mut name, &mut time)?
            } else if matches!(key_type, Type::String | Type::StringIndef) {
                let label = cbor::text(&mut self.dec).map_err(|f| self.error(f, "label"))?;
                if &*label == VLO {
                    let text = cbor::text(&mut self.dec).map_err(|f| self.error(f, "vlo"))?;
                    let link =
                        parse_objlnk(&text).ok_or(DecodeError { kind: Malformed::InvalidObjlnk, offset: key_at })?;
                    Some(Value::Objlnk(link))
                } else if label.ends_with('_') {
                    return Err(DecodeError { kind: Malformed::UnsupportedField, offset: key_at });
                } else {
                    self.skip()?;
                    None
                }
            } else {
                // RFC 8428 §4.4: fields not understood are ignored (whatever their label).
                self.skip()?;
                self.skip()?;
                None
            };
            if let Some(v) = new_value {
                if value.is_some() {
                    return Err(DecodeError { kind: Malformed::TwoValues, offset: key_at });
                }
                value = Some(v);
            }
        }
        let name = name.as_deref().unwrap_or("");
        let path = resolve(&self.base_name, name)
            .map_err(|e| DecodeError { kind: Malformed::InvalidName(e), offset: start })?;
        let kind = match (&value, self.values) {
            (None, true) => Some(Malformed::NoValue),
            (Some(_), false) => Some(Malformed::UnexpectedValue),
            (Some(_), true) if path.len() < 3 => Some(Malformed::NotResource(path)),
            _ => None,
        };
        if let Some(kind) = kind {
            return Err(DecodeError { kind, offset: start });
        }
        // RFC 8428 §4.5.3: a time is the base time plus the record's time; + 0.0 makes -0 zero.
        Ok(Entry { path, value, time: self.base_time + time.unwrap_or(0.0) + 0.0 })
    }

    /// Reads one field's value after its integer label; `Some` for a value field.
    fn field(
        &mut self,
        label: i64,
        key_at: usize,
        seen: &mut [bool; 3],
        name: &mut Option<Text<'a>>,
        time: &mut Option<f64>,
    ) -> Result<Option<Value<'a>>, DecodeError> {
        let dup = |l: &'static str| DecodeError { kind: Malformed::DuplicateLabel(l), offset: key_at };
        let mut once = |i: usize, l: &'static str| match seen.get_mut(i) {
            Some(s) if *s => Err(dup(l)),
            Some(s) => {
                *s = true;
                Ok(())
            }
            None => Ok(()),
        };
        match label {
            BVER => {
                once(0, "bver")?;
                let version = match cbor::integer(&mut self.dec) {
                    Ok(Value::Integer(i)) if i >= 0 => i as u64,
                    Ok(Value::UnsignedInteger(u)) => u,
                    Ok(_) | Err(Fault::Unexpected) => return Err(self.at(Malformed::FieldType("bver"))),
                    Err(f) => return Err(self.error(f, "bver")),
                };
                if version > VERSION {
                    return Err(DecodeError { kind: Malformed::UnsupportedVersion(version), offset: key_at });
                }
            }
            BN => {
                once(1, "bn")?;
                self.base_name = cbor::text(&mut self.dec).map_err(|f| self.error(f, "bn"))?;
            }
            BT => {
                once(2, "bt")?;
                self.base_time = cbor::number_f64(&mut self.dec).map_err(|f| self.error(f, "bt"))?;
            }
            N => {
                if name.is_some() {
                    return Err(dup("n"));
                }
                *name = Some(cbor::text(&mut self.dec).map_err(|f| self.error(f, "n"))?);
            }
            T => {
                if time.is_some() {
                    return Err(dup("t"));
                }
                *time = Some(cbor::number_f64(&mut self.dec).map_err(|f| self.error(f, "t"))?);
            }
            V => return cbor::number(&mut self.dec).map(Some).map_err(|f| self.error(f, "v")),
            VS => return cbor::text(&mut self.dec).map(|t| Some(Value::String(t))).map_err(|f| self.error(f, "vs")),
            VB => {
                if cbor::peek(&self.dec).map_err(|f| self.error(f, "vb"))? != Type::Bool {
                    return Err(self.at(Malformed::FieldType("vb")));
                }
                return self.dec.bool().map(|b| Some(Value::Boolean(b))).map_err(|e| self.error(e.into(), "vb"));
            }
            VD => return cbor::bytes(&mut self.dec).map(|b| Some(Value::Opaque(b))).map_err(|f| self.error(f, "vd")),
            BV | BS | S => return Err(DecodeError { kind: Malformed::UnsupportedField, offset: key_at }),
            // Units (bu, u), update time (ut) and labels registered later: ignored (RFC 8428 §4.4).
            _ => self.skip()?,
        }
        Ok(None)
    }

    /// Skips a field inside a record (two containers open: the pack and the record).
    fn skip(&mut self) -> Result<(), DecodeError> {
        cbor::skip(&mut self.dec, 2, MAX_DEPTH).map_err(|f| self.error(f, "field"))
    }
}

impl<'a> Iterator for Records<'a> {
    type Item = Result<Entry<'a>, DecodeError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_entry() {
            Ok(Some((_, entry))) => Some(Ok(entry)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// A low-level fault as this format's error; `label` names the field being read.
fn fault(f: Fault, label: &'static str) -> Malformed {
    match f {
        Fault::Malformed => Malformed::Cbor,
        Fault::LengthBeyondInput => Malformed::LengthBeyondInput,
        Fault::TooDeep => Malformed::TooDeep,
        Fault::IntegerRange => Malformed::IntegerRange,
        Fault::Unexpected => Malformed::FieldType(label),
    }
}

/// Base name and name as a path (RFC 8428 §4.5.1: the name is their concatenation).
fn resolve(base: &str, name: &str) -> Result<Path, PathError> {
    let mut buf = [0u8; 64];
    let total = base.len() + name.len();
    if let Some(dst) = buf.get_mut(..total) {
        let (b, n) = dst.split_at_mut(base.len());
        b.copy_from_slice(base.as_bytes());
        n.copy_from_slice(name.as_bytes());
        core::str::from_utf8(dst).map_err(|_| PathError::NotAbsolute)?.parse()
    } else {
        let mut joined = String::from(base);
        joined.push_str(name);
        joined.parse()
    }
}

/// `object:instance`, each a decimal id 0-65535 (65535:65535 is the null link).
fn parse_objlnk(s: &str) -> Option<ObjectLink> {
    let (o, i) = s.split_once(':')?;
    let id = |t: &str| -> Option<u16> {
        if t.is_empty() || t.len() > 5 || !t.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        t.parse().ok()
    };
    Some(ObjectLink { object: id(o)?, instance: id(i)? })
}

/// Decodes a pack whose records each carry a value, checking that no two share a path and
/// time.
///
/// Spec: RFC 8428 §4, §6; LwM2M Core 1.2 §7.4.5.
///
/// ```
/// use lwm2m_model::format::senml_cbor::decode;
/// use lwm2m_model::model::{Path, Value};
/// // [{-2: "/3/0/0", 3: "Open Mobile Alliance"}] (LwM2M Core 1.1 Table 7.4.4-5)
/// let mut bytes = vec![0x81, 0xa2, 0x21, 0x66, b'/', b'3', b'/', b'0', b'/', b'0', 0x03, 0x74];
/// bytes.extend_from_slice(b"Open Mobile Alliance");
/// let records = decode(&bytes)?;
/// assert_eq!(records[0].path, Path::resource_path(3, 0, 0));
/// assert_eq!(records[0].value, Value::String("Open Mobile Alliance".into()));
/// # Ok::<(), lwm2m_model::format::senml_cbor::DecodeError>(())
/// ```
///
/// # Errors
/// Every [`Malformed`] variant but [`Malformed::UnexpectedValue`].
pub fn decode(input: &[u8]) -> Result<Vec<Record<'_>>, DecodeError> {
    let mut records = Records::new(input)?;
    let mut out = Vec::new();
    let mut keys = Vec::new();
    while let Some((offset, entry)) = records.next_entry()? {
        keys.push((entry.path, entry.time, offset));
        out.push(Record { path: entry.path, value: entry.value.unwrap_or(Value::None) });
    }
    keys.sort_unstable_by(|a, b| a.0.ids().cmp(b.0.ids()).then(a.1.total_cmp(&b.1)).then(a.2.cmp(&b.2)));
    let clash = keys
        .windows(2)
        .filter_map(|w| match w {
            [a, b] if a.0 == b.0 && a.1.to_bits() == b.1.to_bits() => Some((b.2, b.0)),
            _ => None,
        })
        .min_by_key(|&(offset, _)| offset);
    if let Some((offset, path)) = clash {
        return Err(DecodeError { kind: Malformed::DuplicateName(path), offset });
    }
    Ok(out)
}

/// Decodes a pack of names without values: the paths of a Read-Composite or Observe-Composite
/// request (any level, root included).
///
/// Spec: LwM2M Core 1.2 §7.4.5 (Table 7.4.4-6 in 1.1).
///
/// ```
/// use lwm2m_model::format::senml_cbor::{decode_names, encode_names};
/// use lwm2m_model::model::Path;
/// let paths = [Path::resource_path(3, 0, 0), Path::instance_path(1, 0)];
/// assert_eq!(decode_names(&encode_names(&paths))?, paths);
/// # Ok::<(), lwm2m_model::format::senml_cbor::DecodeError>(())
/// ```
///
/// # Errors
/// As [`decode`], with [`Malformed::UnexpectedValue`] for a record with a value.
pub fn decode_names(input: &[u8]) -> Result<Vec<Path>, DecodeError> {
    let mut records = Records::names(input)?;
    let mut out = Vec::new();
    while let Some((_, entry)) = records.next_entry()? {
        out.push(entry.path);
    }
    Ok(out)
}

/// Encodes records as a pack in preferred serialization (RFC 8949 §4.1), in their order.
///
/// The base name is the ids all paths share: with one record, its whole path and no name
/// (`[{-2: "/3/0/0", 3: "…"}]`); with several sharing at least an object, `/o/…/` and each
/// record's remaining ids as its name; with nothing shared, no base name and full paths as
/// names. The base name sits in the first record only. Keys come in the order `bn`, `n`,
/// value. Decoding the result gives the records back, each with the type its CBOR carries
/// (see the module table).
///
/// ```
/// use lwm2m_model::format::senml_cbor::{encode, EncodeError};
/// use lwm2m_model::model::{ObjectLink, Path, Record, Value};
/// let link = Record { path: Path::resource_path(66, 0, 2), value: Value::Objlnk(ObjectLink { object: 67, instance: 0 }) };
/// let bytes = encode(&[link])?;
/// assert_eq!(&bytes[..11], b"\x81\xa2\x21\x67/66/0/2");
/// assert_eq!(&bytes[11..], b"\x63vlo\x6467:0");
/// let raw = Record { path: Path::resource_path(3, 0, 9), value: Value::Raw((&[100][..]).into()) };
/// assert_eq!(encode(&[raw]), Err(EncodeError::RawValue { index: 0 }));
/// # Ok::<(), EncodeError>(())
/// ```
///
/// # Errors
/// [`EncodeError`], before anything is written.
pub fn encode(records: &[Record<'_>]) -> Result<Vec<u8>, EncodeError> {
    for (index, r) in records.iter().enumerate() {
        match r.value {
            Value::Raw(_) => return Err(EncodeError::RawValue { index }),
            Value::None => return Err(EncodeError::NoValue { index }),
            _ if r.path.len() < 3 => return Err(EncodeError::NotResource { index }),
            _ => {}
        }
    }
    let mut order: Vec<usize> = (0..records.len()).collect();
    order.sort_by(|&a, &b| path_of(records, a).ids().cmp(path_of(records, b).ids()).then(a.cmp(&b)));
    if let Some(index) = order
        .windows(2)
        .filter_map(|w| match *w {
            [a, b] if path_of(records, a) == path_of(records, b) => Some(b),
            _ => None,
        })
        .min()
    {
        return Err(EncodeError::DuplicateName { index });
    }
    Ok(write_pack(records.iter().map(|r| (r.path, Some(&r.value)))))
}

fn path_of(records: &[Record<'_>], i: usize) -> Path {
    records.get(i).map_or(Path::ROOT, |r| r.path)
}

/// Encodes paths as a pack of names without values (a Read-Composite or Observe-Composite
/// request), with the base-name rule of [`encode`].
///
/// Spec: LwM2M Core 1.2 §7.4.5.
///
/// ```
/// use lwm2m_model::format::senml_cbor::encode_names;
/// use lwm2m_model::model::Path;
/// // [{0: "/3/0/0"}, {0: "/1/0/1"}] (LwM2M Core 1.1 Table 7.4.4-6)
/// let bytes = encode_names(&[Path::resource_path(3, 0, 0), Path::resource_path(1, 0, 1)]);
/// assert_eq!(bytes, b"\x82\xa1\x00\x66/3/0/0\xa1\x00\x66/1/0/1");
/// ```
pub fn encode_names(paths: &[Path]) -> Vec<u8> {
    write_pack(paths.iter().map(|&p| (p, None)))
}

/// Writes a pack; records with `None` get a name only.
fn write_pack<'r, 'v: 'r>(records: impl Iterator<Item = (Path, Option<&'r Value<'v>>)> + Clone) -> Vec<u8> {
    let count = records.clone().count();
    let mut shared: Option<&[u16]> = None;
    let paths: Vec<Path> = records.clone().map(|(p, _)| p).collect();
    for p in &paths {
        shared = Some(match shared {
            None => p.ids(),
            Some(s) => {
                let k = s.iter().zip(p.ids()).take_while(|(a, b)| a == b).count();
                s.get(..k).unwrap_or(&[])
            }
        });
    }
    let shared = shared.unwrap_or(&[]);
    let mut w = Writer::new();
    w.array(count);
    let mut text = String::new();
    for (i, (path, value)) in records.enumerate() {
        let rest = path.ids().get(shared.len()..).unwrap_or(&[]);
        let with_bn = i == 0 && !shared.is_empty();
        let with_n = shared.is_empty() || !rest.is_empty();
        w.map(usize::from(with_bn) + usize::from(with_n) + usize::from(value.is_some()));
        if with_bn {
            text.clear();
            // One record alone: its whole path. Several: the shared ids and a slash.
            cbor::write_ids(&mut text, shared, true, count > 1);
            w.int(BN);
            w.text(&text);
        }
        if with_n {
            text.clear();
            if shared.is_empty() {
                text = path.to_string();
            } else {
                cbor::write_ids(&mut text, rest, false, false);
            }
            w.int(N);
            w.text(&text);
        }
        if let Some(v) = value {
            write_value(&mut w, v);
        }
    }
    w.out
}

/// One value field: label and value.
fn write_value(w: &mut Writer, v: &Value<'_>) {
    match v {
        Value::Integer(i) | Value::Time(i) => {
            w.int(V);
            w.int(*i);
        }
        Value::UnsignedInteger(u) => {
            w.int(V);
            w.uint(*u);
        }
        Value::Float(f) => {
            w.int(V);
            w.float(*f);
        }
        Value::Boolean(b) => {
            w.int(VB);
            w.bool(*b);
        }
        Value::String(s) | Value::Corelnk(s) => {
            w.int(VS);
            w.text(s);
        }
        Value::Opaque(b) => {
            w.int(VD);
            w.bytes(b);
        }
        Value::Objlnk(l) => {
            w.text(VLO);
            w.text(&l.to_string());
        }
        // Refused by `encode` before anything is written.
        Value::None | Value::Raw(_) => {}
    }
}
