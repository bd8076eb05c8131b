//! LwM2M CBOR (Content-Format 11544, LwM2M 1.2): nested CBOR maps keyed by path ids, whose
//! leaves are plain CBOR values (LwM2M Core 1.2 §7.4.7, subsection number unverified; the
//! vectors are Anjay's `tests/core/io/lwm2m_cbor_in.c` and `lwm2m_cbor_out.c`).
//!
//! A key is an id (an unsigned integer) or an array of ids, which stands for that many levels
//! at once: `{[13, 26]: {1: 42, 2: 21}}` is /13/26/1 = 42 and /13/26/2 = 21. Paths are
//! absolute: the outermost keys start at the object id whatever the request path was.
//!
//! | CBOR value | decodes to | written from |
//! |---|---|---|
//! | integer 0..=`i64::MAX`, negative integer | [`Value::Integer`] | Integer, Time |
//! | integer above `i64::MAX` | [`Value::UnsignedInteger`] | Unsigned Integer |
//! | half, single or double float | [`Value::Float`] | Float (shortest exact width) |
//! | text | [`Value::String`] | String, Corelnk, Objlnk (`"object:instance"`) |
//! | byte string | [`Value::Opaque`] | Opaque |
//! | `true`, `false` | [`Value::Boolean`] | Boolean |
//! | `null` | [`Value::None`] | None |
//! | tag 1 (epoch time) on an integer | [`Value::Time`] | (not written) |
//!
//! The format carries no type for a time, an object link or a CoRE link: an object link is the
//! text `"object:instance"` (Anjay's `all_types` test reads `"12:34"` as one), a time a plain
//! integer, a CoRE link text. [`Value::typed`] gives such values their resource's type. That
//! time is written as a plain integer and that tag 1 is the only tag read are this crate's
//! choices (unverified against the TS); decimal fractions (tag 4, which Anjay reads) and
//! gateway prefixes (text keys, LwM2M 1.2 gateways) are refused.
//!
//! ```
//! use lwm2m_model::format::lwm2m_cbor;
//! use lwm2m_model::model::{Path, Record, Value};
//! // {[13, 26]: {1: 42, 2: 21}}
//! let bytes = [0xa1, 0x82, 0x0d, 0x18, 0x1a, 0xa2, 0x01, 0x18, 0x2a, 0x02, 0x15];
//! let records = lwm2m_cbor::decode(&bytes)?;
//! assert_eq!(records, [
//!     Record { path: Path::resource_path(13, 26, 1), value: Value::Integer(42) },
//!     Record { path: Path::resource_path(13, 26, 2), value: Value::Integer(21) },
//! ]);
//! assert_eq!(lwm2m_cbor::encode(&records)?, bytes);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::ToString;
use alloc::vec::Vec;

use minicbor::data::Type;
use minicbor::Decoder;

use super::cbor::{self, Fault, Writer};
use crate::model::{Path, PathError, Record, Value};

/// The deepest nesting accepted: four maps (object, instance, resource, resource instance) and
/// an array key inside the last. Deeper input is refused before it is entered.
pub const MAX_DEPTH: usize = 5;

/// The rule an LwM2M CBOR payload broke.
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
    /// Bytes after the outermost map.
    #[error("RFC 8949 Appendix F: bytes after the payload's map")]
    TrailingBytes,
    /// Items nested deeper than [`MAX_DEPTH`].
    #[error("RFC 8949 §5.2: nested deeper than 5 levels")]
    TooDeep,
    /// The payload is not a map.
    #[error("LwM2M Core 1.2 §7.4.7: the payload is a map")]
    NotMap,
    /// A key that is neither an id nor a non-empty array of ids (a negative number, a float,
    /// text such as a gateway prefix, an empty array).
    #[error("LwM2M Core 1.2 §7.4.7: a key is an id or an array of ids")]
    InvalidKey,
    /// Ids that do not make a path: an id above 65535, the reserved 65535, more than four
    /// levels.
    #[error("LwM2M Core 1.2 §7.4.7: not a path: {0}")]
    InvalidPath(PathError),
    /// A value for an object or an object instance.
    #[error("LwM2M Core 1.2 §7.4.7: a value for {0}, which is not a resource")]
    NotResource(Path),
    /// A path given twice, or a value for a resource that also has values below it.
    #[error("LwM2M Core 1.2 §7.4.7: {0} given twice")]
    DuplicatePath(Path),
    /// A value that is not a plain CBOR value: an array, `undefined`, a simple value, a tag
    /// other than 1 on an integer.
    #[error("LwM2M Core 1.2 §7.4.7: a value must be a plain CBOR value")]
    UnexpectedValue,
    /// A negative integer below `i64::MIN`.
    #[error("RFC 8949 §3.1: integer below -2^63")]
    IntegerRange,
}

impl Malformed {
    /// The rule broken, as cited in the docs.
    ///
    /// ```
    /// use lwm2m_model::format::lwm2m_cbor::Malformed;
    /// assert_eq!(Malformed::InvalidKey.rule(), "LwM2M Core 1.2 §7.4.7");
    /// ```
    pub const fn rule(self) -> &'static str {
        match self {
            Self::Cbor | Self::LengthBeyondInput => "RFC 8949 §3",
            Self::TrailingBytes => "RFC 8949 Appendix F",
            Self::TooDeep => "RFC 8949 §5.2",
            Self::IntegerRange => "RFC 8949 §3.1",
            Self::NotMap
            | Self::InvalidKey
            | Self::InvalidPath(_)
            | Self::NotResource(_)
            | Self::DuplicatePath(_)
            | Self::UnexpectedValue => "LwM2M Core 1.2 §7.4.7",
        }
    }
}

/// A payload refused, with the byte offset where decoding stopped.
///
/// ```
/// use lwm2m_model::format::lwm2m_cbor::{decode, Malformed};
/// let err = decode(&[0x80]).unwrap_err(); // []
/// assert_eq!((err.kind, err.offset), (Malformed::NotMap, 0));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{kind} (at byte {offset})")]
pub struct DecodeError {
    /// The rule broken.
    pub kind: Malformed,
    /// Where decoding stopped.
    pub offset: usize,
}

/// Records that cannot be written as LwM2M CBOR; `index` is the record's position.
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
    /// A path above a resource.
    #[error("record {index}: a value for an object or instance (LwM2M Core 1.2 §7.4.7)")]
    NotResource {
        /// The record.
        index: usize,
    },
    /// A path another record has too, or one with another record's path below it (a key
    /// cannot hold both a value and a map).
    #[error("record {index}: path given twice or with values below it (LwM2M Core 1.2 §7.4.7)")]
    DuplicatePath {
        /// The record.
        index: usize,
    },
}

/// Decodes a payload to records, in the order the payload gives them.
///
/// Spec: LwM2M Core 1.2 §7.4.7. Definite and indefinite lengths are both read.
///
/// ```
/// use lwm2m_model::format::lwm2m_cbor::decode;
/// use lwm2m_model::model::{Path, Value};
/// // {_ [13, 26, 1]: 42} as Anjay writes it (SPEC-NOTES §3.4)
/// let records = decode(&[0xbf, 0x83, 0x0d, 0x18, 0x1a, 0x01, 0x18, 0x2a, 0xff])?;
/// assert_eq!((records[0].path, &records[0].value), (Path::resource_path(13, 26, 1), &Value::Integer(42)));
/// # Ok::<(), lwm2m_model::format::lwm2m_cbor::DecodeError>(())
/// ```
///
/// # Errors
/// [`DecodeError`] with any [`Malformed`] variant.
pub fn decode(input: &[u8]) -> Result<Vec<Record<'_>>, DecodeError> {
    let mut walk = Walk { dec: Decoder::new(input), records: Vec::new(), offsets: Vec::new() };
    match cbor::peek(&walk.dec).map_err(|f| walk.error(f))? {
        Type::Map | Type::MapIndef => walk.map(Path::ROOT, 0)?,
        _ => return Err(DecodeError { kind: Malformed::NotMap, offset: 0 }),
    }
    if walk.dec.position() != input.len() {
        return Err(walk.at(Malformed::TrailingBytes));
    }
    // A path twice, or a value both at a resource and below it: sorted by ids, such a pair
    // sits side by side, the shorter first.
    let mut order: Vec<usize> = (0..walk.records.len()).collect();
    let path = |i: usize| walk.records.get(i).map_or(Path::ROOT, |r| r.path);
    order.sort_by(|&a, &b| path(a).ids().cmp(path(b).ids()).then(a.cmp(&b)));
    let clash = order
        .windows(2)
        .filter_map(|w| match *w {
            [a, b] if path(b).starts_with(&path(a)) => Some(a.max(b)),
            _ => None,
        })
        .min();
    if let Some(i) = clash {
        let offset = walk.offsets.get(i).copied().unwrap_or(0);
        return Err(DecodeError { kind: Malformed::DuplicatePath(path(i)), offset });
    }
    Ok(walk.records)
}

struct Walk<'a> {
    dec: Decoder<'a>,
    records: Vec<Record<'a>>,
    /// Where each record's key starts.
    offsets: Vec<usize>,
}

impl<'a> Walk<'a> {
    fn at(&self, kind: Malformed) -> DecodeError {
        DecodeError { kind, offset: self.dec.position() }
    }

    fn error(&self, f: Fault) -> DecodeError {
        self.at(match f {
            Fault::Malformed => Malformed::Cbor,
            Fault::LengthBeyondInput => Malformed::LengthBeyondInput,
            Fault::TooDeep => Malformed::TooDeep,
            Fault::Unexpected => Malformed::UnexpectedValue,
            Fault::IntegerRange => Malformed::IntegerRange,
        })
    }

    /// The map next in the input, below `prefix`; `depth` containers are open around it.
    fn map(&mut self, prefix: Path, depth: usize) -> Result<(), DecodeError> {
        if depth >= MAX_DEPTH {
            return Err(self.at(Malformed::TooDeep));
        }
        let mut left = cbor::map(&mut self.dec).map_err(|f| self.error(f))?;
        while cbor::more(&mut self.dec, &mut left).map_err(|f| self.error(f))? {
            let key_at = self.dec.position();
            let path = self.key(prefix, depth + 1)?;
            match cbor::peek(&self.dec).map_err(|f| self.error(f))? {
                Type::Map | Type::MapIndef => self.map(path, depth + 1)?,
                _ => {
                    let value = self.leaf()?;
                    if path.len() < 3 {
                        return Err(DecodeError { kind: Malformed::NotResource(path), offset: key_at });
                    }
                    self.records.push(Record { path, value });
                    self.offsets.push(key_at);
                }
            }
        }
        Ok(())
    }

    /// A key: an id, or an array of ids (`depth` containers open around it).
    fn key(&mut self, prefix: Path, depth: usize) -> Result<Path, DecodeError> {
        let t = cbor::peek(&self.dec).map_err(|f| self.error(f))?;
        if cbor::is_integer(t) {
            return self.id(prefix);
        }
        if t == Type::Break {
            return Err(self.at(Malformed::Cbor));
        }
        if !matches!(t, Type::Array | Type::ArrayIndef) {
            return Err(self.at(Malformed::InvalidKey));
        }
        if depth >= MAX_DEPTH {
            return Err(self.at(Malformed::TooDeep));
        }
        let start = self.dec.position();
        let mut left = cbor::array(&mut self.dec).map_err(|f| self.error(f))?;
        let mut path = prefix;
        while cbor::more(&mut self.dec, &mut left).map_err(|f| self.error(f))? {
            if !cbor::is_integer(cbor::peek(&self.dec).map_err(|f| self.error(f))?) {
                return Err(self.at(Malformed::InvalidKey));
            }
            path = self.id(path)?;
        }
        if path.len() == prefix.len() {
            return Err(DecodeError { kind: Malformed::InvalidKey, offset: start });
        }
        Ok(path)
    }

    /// One id below `prefix`.
    fn id(&mut self, prefix: Path) -> Result<Path, DecodeError> {
        let at = self.dec.position();
        let level = prefix.len() as u8;
        let err = |kind| DecodeError { kind, offset: at };
        let id = match cbor::integer(&mut self.dec).map_err(|f| self.error(f))? {
            Value::Integer(i) if i < 0 => return Err(err(Malformed::InvalidKey)),
            Value::Integer(i) => {
                u16::try_from(i).map_err(|_| err(Malformed::InvalidPath(PathError::InvalidId(level))))?
            }
            _ => return Err(err(Malformed::InvalidPath(PathError::InvalidId(level)))),
        };
        prefix.child(id).map_err(|e| {
            err(Malformed::InvalidPath(match e {
                PathError::NoChild => PathError::TooDeep,
                e => e,
            }))
        })
    }

    /// A plain value.
    fn leaf(&mut self) -> Result<Value<'a>, DecodeError> {
        let t = cbor::peek(&self.dec).map_err(|f| self.error(f))?;
        let value = match t {
            _ if cbor::is_integer(t) || cbor::is_float(t) => cbor::number(&mut self.dec),
            Type::String | Type::StringIndef => cbor::text(&mut self.dec).map(Value::String),
            Type::Bytes | Type::BytesIndef => cbor::bytes(&mut self.dec).map(Value::Opaque),
            Type::Bool => self.dec.bool().map(Value::Boolean).map_err(Fault::from),
            Type::Null => self.dec.null().map(|()| Value::None).map_err(Fault::from),
            // RFC 8949 §3.4.2: tag 1, epoch-based date/time.
            Type::Tag => {
                let tag = self.dec.tag().map_err(|e| self.error(e.into()))?;
                let t = cbor::peek(&self.dec).map_err(|f| self.error(f))?;
                if tag.as_u64() != 1 || !cbor::is_integer(t) {
                    return Err(self.at(Malformed::UnexpectedValue));
                }
                match cbor::integer(&mut self.dec) {
                    Ok(Value::Integer(i)) => Ok(Value::Time(i)),
                    Ok(_) => return Err(self.at(Malformed::UnexpectedValue)),
                    Err(f) => Err(f),
                }
            }
            Type::Break => Err(Fault::Malformed),
            _ => Err(Fault::Unexpected),
        };
        value.map_err(|f| self.error(f))
    }
}

/// Encodes records in preferred serialization (RFC 8949 §4.1: definite lengths, shortest
/// heads and floats), sorted by path.
///
/// The tree is written so that every map key is as long as it can be. In each map, records are
/// grouped by their next id; a group of one record is a single entry whose key holds all its
/// remaining ids (`{[13, 26, 1]: 42}`); a larger group's key holds the ids its records share
/// (one id as an integer, several as an array), and its value is the map of the rest
/// (`{[13, 26]: {1: 42, 2: 21}}`). Decoding the result gives the records back sorted by path,
/// each with the type its CBOR carries (see the module table); encoding those gives the same
/// bytes.
///
/// ```
/// use lwm2m_model::format::lwm2m_cbor::encode;
/// use lwm2m_model::model::{Path, Record, Value};
/// let records = [
///     Record { path: Path::resource_path(13, 26, 1), value: Value::Integer(42) },
///     Record { path: Path::resource_instance_path(13, 26, 3, 21), value: Value::Float(0.5) },
///     Record { path: Path::resource_instance_path(13, 26, 3, 37), value: Value::Boolean(false) },
/// ];
/// // {[13, 26]: {1: 42, 3: {21: 0.5, 37: false}}}
/// assert_eq!(
///     encode(&records)?,
///     [0xa1, 0x82, 0x0d, 0x18, 0x1a, 0xa2, 0x01, 0x18, 0x2a, 0x03, 0xa2, 0x15, 0xf9, 0x38, 0x00, 0x18, 0x25, 0xf4]
/// );
/// # Ok::<(), lwm2m_model::format::lwm2m_cbor::EncodeError>(())
/// ```
///
/// # Errors
/// [`EncodeError`], before anything is written.
pub fn encode(records: &[Record<'_>]) -> Result<Vec<u8>, EncodeError> {
    for (index, r) in records.iter().enumerate() {
        if matches!(r.value, Value::Raw(_)) {
            return Err(EncodeError::RawValue { index });
        }
        if r.path.len() < 3 {
            return Err(EncodeError::NotResource { index });
        }
    }
    let mut sorted: Vec<(&[u16], &Value<'_>, usize)> =
        records.iter().enumerate().map(|(i, r)| (r.path.ids(), &r.value, i)).collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0).then(a.2.cmp(&b.2)));
    let clash = sorted
        .windows(2)
        .filter_map(|w| match w {
            [a, b] if b.0.starts_with(a.0) => Some(a.2.max(b.2)),
            _ => None,
        })
        .min();
    if let Some(index) = clash {
        return Err(EncodeError::DuplicatePath { index });
    }
    let mut w = Writer::new();
    write_map(&mut w, &sorted, 0);
    Ok(w.out)
}

/// Writes the map of `records` (sorted, prefix-free, sharing their first `level` ids).
fn write_map(w: &mut Writer, records: &[(&[u16], &Value<'_>, usize)], level: usize) {
    let groups: Vec<_> = records.chunk_by(|a, b| a.0.get(level) == b.0.get(level)).collect();
    w.map(groups.len());
    for group in groups {
        let Some(first) = group.first() else { continue };
        // The ids every record of the group shares from `level` on (all of them for one record).
        let shared =
            group.iter().fold(first.0.len(), |k, r| k.min(first.0.iter().zip(r.0).take_while(|(a, b)| a == b).count()));
        let key = first.0.get(level..shared).unwrap_or(&[]);
        match key {
            [id] => w.uint(u64::from(*id)),
            ids => {
                w.array(ids.len());
                for id in ids {
                    w.uint(u64::from(*id));
                }
            }
        }
        if group.len() == 1 {
            write_value(w, first.1);
        } else {
            write_map(w, group, shared);
        }
    }
}

/// A plain value.
fn write_value(w: &mut Writer, v: &Value<'_>) {
    match v {
        Value::Integer(i) | Value::Time(i) => w.int(*i),
        Value::UnsignedInteger(u) => w.uint(*u),
        Value::Float(f) => w.float(*f),
        Value::Boolean(b) => w.bool(*b),
        Value::String(s) | Value::Corelnk(s) => w.text(s),
        Value::Opaque(b) => w.bytes(b),
        Value::Objlnk(l) => w.text(&l.to_string()),
        Value::None => w.null(),
        // Refused by `encode` before anything is written.
        Value::Raw(_) => {}
    }
}
