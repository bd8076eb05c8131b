//! SenML JSON, Content-Format 110 (RFC 8428 §5; LwM2M Core 1.1 §7.4.4): a JSON array of
//! records, each naming a resource or resource instance by base name + name.
//!
//! | label | meaning | decodes to |
//! |---|---|---|
//! | `bn` | base name, sticky until the next `bn` (RFC 8428 §4.5.1) | prefix of the path |
//! | `n` | name | rest of the path |
//! | `bt`, `t` | base time (sticky), time (RFC 8428 §4.5.3) | [`SenmlRecord::time`] = `bt + t` |
//! | `bv`, `v` | base value (sticky), number (RFC 8428 §4.5.4) | [`Value::Integer`] if integral and within 64 bits, else [`Value::Float`] |
//! | `vs` | string | [`Value::String`] |
//! | `vb` | boolean | [`Value::Boolean`] |
//! | `vd` | data, base64url without padding | [`Value::Opaque`] |
//! | `vlo` | object link `"oid:iid"` (LwM2M) | [`Value::Objlnk`] |
//! | `bver` | version; above 10 is refused (RFC 8428 §4.4) | — |
//! | `u`, `bu`, `s`, `bs`, `ut` | unit, sum, update time: no LwM2M meaning | ignored |
//! | `*_` | must-understand extension (RFC 8428 §4.4) | refused |
//! | others | extensions (RFC 8428 §4.4) | ignored |
//!
//! SenML carries one kind of number, so a decoded number takes its resource's type through
//! [`Value::typed`] (Time, Unsigned Integer, Float from an integral number, Integer from a whole
//! Float); Corelnk arrives as a String the same way.
//!
//! Times are what the payload says: RFC 8428 §4.5.3 reads a resolved time below 2^28 as relative
//! to now, which only the caller's clock can resolve.
//!
//! The encoder chooses the base name (the common path prefix of the records, on the first
//! record only) and writes numbers as JSON integers, floats in their shortest round-trip form
//! with a `.0` when whole; whatever it chooses, decoding gives back the same records.
//!
//! An empty payload decodes to no records (Leshan does the same for an empty multiple-instance
//! resource; OMA LwM2M issue #494). Nesting is bounded by serde_json's limit of 128 levels.
//!
//! ```
//! use lwm2m_model::format::senml_json;
//! use lwm2m_model::model::{Path, Value};
//! // LwM2M Core 1.1 Table 7.4.4-2 (first records): Read /3/0.
//! let payload = br#"[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n":"9","v":100}]"#;
//! let records = senml_json::decode(payload)?;
//! assert_eq!(records[0].path, Path::resource_path(3, 0, 0));
//! assert_eq!(records[0].value, Value::String("Open Mobile Alliance".into()));
//! assert_eq!(records[1].value, Value::Integer(100));
//! assert_eq!(senml_json::encode(&records)?, payload);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use super::base64::{self, Alphabet};
use super::json::{self, Node, Number};
use crate::model::{Bytes, Path, PathError, Record, Text, Value};

/// A SenML record as LwM2M reads it: an absolute path, a value and, when the payload gives one,
/// a time (`bt + t`, seconds; RFC 8428 §4.5.3).
///
/// ```
/// use lwm2m_model::format::senml_json::SenmlRecord;
/// use lwm2m_model::model::{Path, Record, Value};
/// let r = SenmlRecord { path: Path::resource_path(3303, 0, 5700), value: Value::Float(22.4), time: Some(25_462_629.0) };
/// assert_eq!(r.clone().into_record(), Record { path: r.path, value: Value::Float(22.4) });
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SenmlRecord<'a> {
    /// The resource or resource instance.
    pub path: Path,
    /// Its value.
    pub value: Value<'a>,
    /// When it was measured: base time plus time, as written.
    pub time: Option<f64>,
}

impl<'a> SenmlRecord<'a> {
    /// The record without its time.
    pub fn into_record(self) -> Record<'a> {
        Record { path: self.path, value: self.value }
    }
}

impl<'a> From<Record<'a>> for SenmlRecord<'a> {
    fn from(r: Record<'a>) -> Self {
        Self { path: r.path, value: r.value, time: None }
    }
}

/// What is wrong with a SenML JSON payload; [`Malformed::rule`] names the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// Not one JSON text (RFC 8259), or nested deeper than 128 levels; `offset` is where
    /// serde_json stopped.
    #[error("RFC 8428 §5: not JSON (at byte {offset})")]
    NotJson {
        /// The byte offset.
        offset: usize,
    },
    /// The JSON text is not an array (a SenML pack is an array of records).
    #[error("RFC 8428 §5: a SenML pack is a JSON array")]
    NotAnArray,
    /// An element of the pack is not an object.
    #[error("RFC 8428 §5: a SenML record is a JSON object")]
    NotAnObject,
    /// A label appears twice in one record.
    #[error("RFC 8428 §5: label {0:?} appears twice in one record")]
    DuplicateLabel(&'static str),
    /// A label with a value of the wrong JSON type (`n` not a string, `v` not a number, ...).
    #[error("RFC 8428 §5: label {0:?} has a value of the wrong type")]
    WrongType(&'static str),
    /// `bver` above 10, the version this reader implements.
    #[error("RFC 8428 §4.4: SenML version above 10")]
    UnsupportedVersion,
    /// A label ending in `_`, which a reader must understand or refuse.
    #[error("RFC 8428 §4.4: must-understand label not understood")]
    MustUnderstand,
    /// A record with none of `v`, `vs`, `vb`, `vd`, `vlo`.
    #[error("RFC 8428 §4.2: record without a value")]
    MissingValue,
    /// A record with more than one of `v`, `vs`, `vb`, `vd`, `vlo`.
    #[error("RFC 8428 §4.2: record with more than one value")]
    MultipleValues,
    /// A value in a list of paths (a Read-Composite or Observe-Composite request).
    #[error("LwM2M Core 1.1 §7.4.4: a composite request names paths without values")]
    UnexpectedValue,
    /// Base name + name is not an LwM2M path.
    #[error("LwM2M Core 1.1 §7.4.4: base name + name is not a path: {0}")]
    InvalidName(PathError),
    /// A value at a path above a resource (`/3/0`).
    #[error("LwM2M Core 1.1 §7.4.4: a value belongs to a resource or resource instance")]
    NotAResource,
    /// Two records with the same path and time.
    #[error("RFC 8428 §4.6: two records with the same name and time")]
    ConflictingNames,
    /// `vd` that is not base64url.
    #[error("RFC 8428 §5: vd is not base64url")]
    InvalidBase64,
    /// `vlo` that is not `oid:iid`.
    #[error("LwM2M Core 1.1 §7.4.4: vlo is not \"oid:iid\"")]
    InvalidObjlnk,
    /// A base value plus value, or base time plus time, beyond the range of `f64`.
    #[error("RFC 8428 §4.5.4: number out of range")]
    NumberOutOfRange,
}

impl Malformed {
    /// The rule broken, as cited in the docs and the malformed corpus.
    pub const fn rule(self) -> &'static str {
        match self {
            Self::NotJson { .. }
            | Self::NotAnArray
            | Self::NotAnObject
            | Self::DuplicateLabel(_)
            | Self::WrongType(_)
            | Self::InvalidBase64 => "RFC 8428 §5",
            Self::UnsupportedVersion | Self::MustUnderstand => "RFC 8428 §4.4",
            Self::MissingValue | Self::MultipleValues => "RFC 8428 §4.2",
            Self::ConflictingNames => "RFC 8428 §4.6",
            Self::NumberOutOfRange => "RFC 8428 §4.5.4",
            Self::UnexpectedValue | Self::InvalidName(_) | Self::NotAResource | Self::InvalidObjlnk => {
                "LwM2M Core 1.1 §7.4.4"
            }
        }
    }
}

/// A decode failure: what and in which record (`None` for the payload as a whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{kind}{}", .record.map(|r| alloc::format!(" (record {r})")).unwrap_or_default())]
pub struct DecodeError {
    /// What is wrong.
    pub kind: Malformed,
    /// The index of the record at fault.
    pub record: Option<usize>,
}

/// Why records cannot be written as SenML JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// A [`Value::Raw`]: SenML names the type of every value, and TLV bytes have none until
    /// [`Value::typed`] gives them one.
    #[error("RFC 8428 §4.2: record {0} has an untyped (TLV) value")]
    Untyped(usize),
    /// A [`Value::None`]: a SenML record carries a value ([`encode_paths`] writes names alone).
    #[error("RFC 8428 §4.2: record {0} has no value")]
    NoValue(usize),
    /// A NaN or infinite float or time, which JSON cannot write.
    #[error("RFC 8259 §6: record {0} has a non-finite number")]
    NonFinite(usize),
    /// The same path and time as an earlier record: the decoder would refuse the payload.
    #[error("RFC 8428 §4.6: record {0} has the same path and time as an earlier one")]
    ConflictingNames(usize),
}

/// Which base name the encoder writes.
///
/// ```
/// use lwm2m_model::format::senml_json::{encode_with, BaseName, SenmlRecord};
/// use lwm2m_model::model::{Path, Value};
/// let r = [SenmlRecord { path: Path::resource_path(3, 0, 9), value: Value::Integer(95), time: None }];
/// assert_eq!(encode_with(&r, BaseName::None)?, br#"[{"n":"/3/0/9","v":95}]"#);
/// assert_eq!(encode_with(&r, BaseName::CommonPrefix)?, br#"[{"bn":"/3/0/9","v":95}]"#);
/// # Ok::<(), lwm2m_model::format::senml_json::EncodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BaseName {
    /// The longest path prefix common to all records, on the first record (`"bn":"/3/0/"`, then
    /// `"n":"0"`, `"n":"7/1"`); the whole path when all records share it; none when the prefix
    /// is the root (Send and Read-Composite across objects).
    #[default]
    CommonPrefix,
    /// No base name: every record names its whole path.
    None,
}

/// A record before the value rules: path, optional value, optional time.
type Loose<'a> = (Path, Option<Value<'a>>, Option<f64>);

/// Decodes a SenML JSON payload (Read, Write, Notify, Send, Read-Composite responses).
///
/// ```
/// use lwm2m_model::format::senml_json;
/// use lwm2m_model::model::{ObjectLink, Path, Value};
/// let r = senml_json::decode(br#"[{"bn":"/65/0/0/","n":"0","vlo":"66:0"},{"n":"1","vd":"AQID"}]"#)?;
/// assert_eq!(r[0].value, Value::Objlnk(ObjectLink { object: 66, instance: 0 }));
/// assert_eq!(r[1].path, Path::resource_instance_path(65, 0, 0, 1));
/// assert_eq!(r[1].value, Value::Opaque((&[1u8, 2, 3][..]).into()));
/// # Ok::<(), senml_json::DecodeError>(())
/// ```
///
/// # Errors
/// [`DecodeError`], naming the rule and the record.
pub fn decode(input: &[u8]) -> Result<Vec<SenmlRecord<'_>>, DecodeError> {
    let loose = decode_loose(input, true)?;
    let mut out = Vec::with_capacity(loose.len());
    for (i, (path, value, time)) in loose.into_iter().enumerate() {
        let err = |kind| DecodeError { kind, record: Some(i) };
        let value = value.ok_or(err(Malformed::MissingValue))?;
        if path.len() < 3 {
            return Err(err(Malformed::NotAResource));
        }
        out.push(SenmlRecord { path, value, time });
    }
    Ok(out)
}

/// [`decode`] without the times.
///
/// # Errors
/// As [`decode`].
pub fn decode_records(input: &[u8]) -> Result<Vec<Record<'_>>, DecodeError> {
    Ok(decode(input)?.into_iter().map(SenmlRecord::into_record).collect())
}

/// Decodes the paths of a Read-Composite or Observe-Composite request (LwM2M Core 1.1
/// Table 7.4.4-6: records with names and no values).
///
/// ```
/// use lwm2m_model::format::senml_json;
/// use lwm2m_model::model::Path;
/// let p = senml_json::decode_paths(br#"[{"n":"/3/0/0"},{"n":"/1/0/1"}]"#)?;
/// assert_eq!(p, [Path::resource_path(3, 0, 0), Path::resource_path(1, 0, 1)]);
/// # Ok::<(), senml_json::DecodeError>(())
/// ```
///
/// # Errors
/// As [`decode`]; a record with a value is [`Malformed::UnexpectedValue`], a path named twice
/// (at any times) [`Malformed::ConflictingNames`].
pub fn decode_paths(input: &[u8]) -> Result<Vec<Path>, DecodeError> {
    // A request names each path once, whatever times its records carry.
    let loose = decode_loose(input, false)?;
    let mut out = Vec::with_capacity(loose.len());
    for (i, (path, value, _)) in loose.into_iter().enumerate() {
        if value.is_some() {
            return Err(DecodeError { kind: Malformed::UnexpectedValue, record: Some(i) });
        }
        out.push(path);
    }
    Ok(out)
}

/// Every record resolved (names, times, values) and checked for conflicts: the same path at
/// the same time, or (without `timed`) the same path at all.
fn decode_loose(input: &[u8], timed: bool) -> Result<Vec<Loose<'_>>, DecodeError> {
    let whole = |kind| DecodeError { kind, record: None };
    if input.iter().all(u8::is_ascii_whitespace) {
        return Ok(Vec::new());
    }
    let Node::Array(items) = json::parse(input).map_err(|offset| whole(Malformed::NotJson { offset }))? else {
        return Err(whole(Malformed::NotAnArray));
    };
    let mut state = Base { name: Text::Borrowed(""), time: None, value: None };
    let mut name_buf = String::new();
    let mut out: Vec<Loose<'_>> = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let rec = read_record(item, &mut state, &mut name_buf).map_err(|kind| DecodeError { kind, record: Some(i) })?;
        out.push(rec);
    }
    let keys: Vec<(Path, Option<f64>)> = out.iter().map(|(p, _, t)| (*p, t.filter(|_| timed))).collect();
    if let Some(i) = json::first_conflict(&keys) {
        return Err(DecodeError { kind: Malformed::ConflictingNames, record: Some(i) });
    }
    Ok(out)
}

/// The sticky base fields (RFC 8428 §4.1).
struct Base<'a> {
    name: Text<'a>,
    time: Option<f64>,
    value: Option<Number>,
}

/// The labels this reader knows, as `'static` names for errors.
const LABELS: [&str; 16] =
    ["bn", "bt", "bv", "bver", "n", "t", "v", "vs", "vb", "vd", "vlo", "u", "bu", "s", "bs", "ut"];

fn read_record<'a>(item: Node<'a>, base: &mut Base<'a>, name_buf: &mut String) -> Result<Loose<'a>, Malformed> {
    let Node::Object(members) = item else { return Err(Malformed::NotAnObject) };
    let mut seen = [false; LABELS.len()];
    let (mut name, mut time, mut number) = (None, None, None);
    let mut value: Option<Value<'a>> = None;
    let mut values = 0usize;
    for (key, node) in members {
        let Some(idx) = LABELS.iter().position(|l| *l == &*key) else {
            if key.ends_with('_') {
                return Err(Malformed::MustUnderstand);
            }
            continue; // RFC 8428 §4.4: unknown labels are extensions a reader may ignore.
        };
        let label = LABELS.get(idx).copied().unwrap_or("");
        if let Some(s) = seen.get_mut(idx) {
            if core::mem::replace(s, true) {
                return Err(Malformed::DuplicateLabel(label));
            }
        }
        let wrong = Malformed::WrongType(label);
        let num = |n: &Node<'a>| match n {
            Node::Number(x) => Ok(*x),
            _ => Err(wrong),
        };
        match (label, node) {
            ("bn", Node::Str(s)) => base.name = s,
            ("bt", n) => base.time = Some(num(&n)?.as_f64()),
            ("bv", n) => base.value = Some(num(&n)?),
            ("bver", Node::Number(Number::Int(v))) if v > 0 => {
                if v > 10 {
                    return Err(Malformed::UnsupportedVersion);
                }
            }
            ("n", Node::Str(s)) => name = Some(s),
            ("t", n) => time = Some(num(&n)?.as_f64()),
            ("v", n) => {
                number = Some(num(&n)?);
                values += 1;
            }
            ("vs", Node::Str(s)) => {
                value = Some(Value::String(s));
                values += 1;
            }
            ("vb", Node::Bool(b)) => {
                value = Some(Value::Boolean(b));
                values += 1;
            }
            ("vd", Node::Str(s)) => {
                value = Some(Value::Opaque(Bytes::Owned(base64::decode(&s).ok_or(Malformed::InvalidBase64)?)));
                values += 1;
            }
            ("vlo", Node::Str(s)) => {
                value = Some(Value::Objlnk(json::parse_objlnk(&s).ok_or(Malformed::InvalidObjlnk)?));
                values += 1;
            }
            ("u" | "bu", Node::Str(_)) | ("s" | "bs" | "ut", Node::Number(_)) => {}
            _ => return Err(wrong),
        }
    }
    if values > 1 {
        return Err(Malformed::MultipleValues);
    }
    if let Some(n) = number {
        let n = match base.value {
            Some(b) => json::add(n, b),
            None => n,
        };
        if !n.as_f64().is_finite() {
            return Err(Malformed::NumberOutOfRange);
        }
        value = Some(json::number_value(n));
    }
    let time = match (base.time, time) {
        (None, None) => None,
        (b, t) => Some(b.unwrap_or(0.0) + t.unwrap_or(0.0)),
    };
    if time.is_some_and(|t| !t.is_finite()) {
        return Err(Malformed::NumberOutOfRange);
    }
    let name = name.as_deref().unwrap_or("");
    let path = json::resolve_name(name_buf, &base.name, name).map_err(Malformed::InvalidName)?;
    Ok((path, value, time))
}

/// Encodes records with [`BaseName::CommonPrefix`].
///
/// # Errors
/// [`EncodeError`]; nothing is returned then.
pub fn encode(records: &[SenmlRecord<'_>]) -> Result<Vec<u8>, EncodeError> {
    encode_with(records, BaseName::CommonPrefix)
}

/// Encodes [`Record`]s (no times) with [`BaseName::CommonPrefix`].
///
/// ```
/// use lwm2m_model::format::senml_json;
/// use lwm2m_model::model::{Path, Record, Value};
/// let r = [
///     Record { path: Path::resource_instance_path(3, 0, 7, 0), value: Value::Integer(3800) },
///     Record { path: Path::resource_instance_path(3, 0, 7, 1), value: Value::Integer(5000) },
/// ];
/// assert_eq!(senml_json::encode_records(&r)?, br#"[{"bn":"/3/0/7/","n":"0","v":3800},{"n":"1","v":5000}]"#);
/// # Ok::<(), senml_json::EncodeError>(())
/// ```
///
/// # Errors
/// As [`encode`].
pub fn encode_records(records: &[Record<'_>]) -> Result<Vec<u8>, EncodeError> {
    let r: Vec<SenmlRecord<'_>> = records.iter().cloned().map(SenmlRecord::from).collect();
    encode(&r)
}

/// What both JSON encoders refuse before writing: an untyped or absent value, a non-finite
/// number or time, and two records with the same path and time (the decoders would refuse them).
pub(super) fn check_encodable(records: &[SenmlRecord<'_>]) -> Result<(), EncodeError> {
    for (i, r) in records.iter().enumerate() {
        match r.value {
            Value::Raw(_) => return Err(EncodeError::Untyped(i)),
            Value::None => return Err(EncodeError::NoValue(i)),
            Value::Float(f) if !f.is_finite() => return Err(EncodeError::NonFinite(i)),
            _ if r.time.is_some_and(|t| !t.is_finite()) => return Err(EncodeError::NonFinite(i)),
            _ => {}
        }
    }
    let keys: Vec<(Path, Option<f64>)> = records.iter().map(|r| (r.path, r.time)).collect();
    if let Some(i) = json::first_conflict(&keys) {
        return Err(EncodeError::ConflictingNames(i));
    }
    Ok(())
}

/// Encodes records, choosing the base name by `base`.
///
/// # Errors
/// [`EncodeError`]; nothing is returned then.
pub fn encode_with(records: &[SenmlRecord<'_>], base: BaseName) -> Result<Vec<u8>, EncodeError> {
    check_encodable(records)?;
    let paths = records.iter().map(|r| r.path);
    let mut out = Vec::new();
    write_pack(&mut out, paths, base, |out, i| {
        let Some(r) = records.get(i) else { return };
        out.push(b',');
        write_value(out, &r.value);
        if let Some(t) = r.time {
            out.extend_from_slice(b",\"t\":");
            json::push_time(out, t);
        }
    });
    Ok(out)
}

/// Encodes the paths of a Read-Composite or Observe-Composite request (LwM2M Core 1.1
/// Table 7.4.4-6), each as a whole name.
///
/// ```
/// use lwm2m_model::format::senml_json;
/// use lwm2m_model::model::Path;
/// let p = [Path::resource_path(3, 0, 0), Path::resource_path(3, 0, 9), Path::resource_path(1, 0, 1)];
/// assert_eq!(senml_json::encode_paths(&p), br#"[{"n":"/3/0/0"},{"n":"/3/0/9"},{"n":"/1/0/1"}]"#);
/// ```
pub fn encode_paths(paths: &[Path]) -> Vec<u8> {
    let mut out = Vec::new();
    write_pack(&mut out, paths.iter().copied(), BaseName::None, |_, _| {});
    out
}

/// Writes `[{"bn":..,"n":..,<rest>},...]`; `rest(out, i)` writes record `i`'s further fields,
/// each after a comma.
fn write_pack(
    out: &mut Vec<u8>,
    paths: impl Iterator<Item = Path> + Clone,
    base: BaseName,
    mut rest: impl FnMut(&mut Vec<u8>, usize),
) {
    let prefix = match base {
        BaseName::CommonPrefix => {
            let all: Vec<Path> = paths.clone().collect();
            json::common_prefix(all.iter())
        }
        BaseName::None => Path::ROOT,
    };
    // All records at the prefix itself: the base name is the whole path and no record has `n`.
    let whole = !prefix.is_empty() && paths.clone().all(|p| p == prefix);
    out.push(b'[');
    for (i, path) in paths.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        let start = out.len();
        if i == 0 && !prefix.is_empty() {
            out.extend_from_slice(b",\"bn\":");
            let bn = if whole { alloc::format!("{prefix}") } else { alloc::format!("{prefix}/") };
            json::push_str(out, &bn);
        }
        if !whole {
            out.extend_from_slice(b",\"n\":");
            json::push_str(out, &json::relative_name(&path, &prefix));
        }
        rest(out, i);
        if out.get(start) == Some(&b',') {
            out.remove(start);
        }
        out.push(b'}');
    }
    out.push(b']');
}

/// Writes the value label and value (checked finite and typed by the caller).
fn write_value(out: &mut Vec<u8>, value: &Value<'_>) {
    match value {
        Value::String(s) | Value::Corelnk(s) => {
            out.extend_from_slice(b"\"vs\":");
            json::push_str(out, s);
        }
        Value::Integer(i) | Value::Time(i) => {
            out.extend_from_slice(b"\"v\":");
            json::push_int(out, i);
        }
        Value::UnsignedInteger(u) => {
            out.extend_from_slice(b"\"v\":");
            json::push_int(out, u);
        }
        Value::Float(f) => {
            out.extend_from_slice(b"\"v\":");
            json::push_f64(out, *f);
        }
        Value::Boolean(b) => out.extend_from_slice(if *b { b"\"vb\":true" } else { b"\"vb\":false" }),
        Value::Opaque(b) => {
            out.extend_from_slice(b"\"vd\":");
            json::push_str(out, &base64::encode(b, Alphabet::UrlNoPad));
        }
        Value::Objlnk(l) => {
            out.extend_from_slice(b"\"vlo\":");
            json::push_str(out, &alloc::format!("{l}"));
        }
        Value::None | Value::Raw(_) => {}
    }
}
