//! LwM2M JSON, Content-Format 11543 (1543 in LwM2M 1.0 before IANA registration; OMA TS
//! LwM2M 1.0 §6.4.4; legacy in 1.1 and 1.2): one JSON object, a base name, an optional base
//! time and an array `e` of entries.
//!
//! ```text
//! {"bn":"/3/0/","bt":25462634,"e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"7/0","v":3800,"t":-5}]}
//! ```
//!
//! | label | where | meaning | decodes to |
//! |---|---|---|---|
//! | `bn` | object | base name (optional) | prefix of the path |
//! | `bt` | object | base time (optional) | [`SenmlRecord::time`] = `bt + t` |
//! | `e` | object | the entries (required) | one record each |
//! | `n` | entry | name (optional) | rest of the path |
//! | `t` | entry | time | |
//! | `v` | entry | Integer, Float, Time | [`Value::Integer`] if integral and within 64 bits, else [`Value::Float`] |
//! | `sv` | entry | String, Corelnk; Opaque as base64 | [`Value::String`] |
//! | `bv` | entry | Boolean | [`Value::Boolean`] |
//! | `ov` | entry | Objlnk `"oid:iid"` | [`Value::Objlnk`] |
//!
//! Other labels are ignored. The format does not say whether `sv` holds text or base64 bytes, so
//! [`typed`] gives a value its resource's type, decoding base64 for Opaque (RFC 4648 §4; either
//! alphabet, padding optional), and [`Value::typed`] the rest. Records are [`SenmlRecord`]s,
//! as for SenML JSON: this format is SenML's ancestor, with the same names and times.
//!
//! ```
//! use lwm2m_model::format::lwm2m_json;
//! use lwm2m_model::model::{DataType, Path, Value};
//! let payload = br#"{"bn":"/3/0/","e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"9","v":95}]}"#;
//! let records = lwm2m_json::decode(payload)?;
//! assert_eq!(records[1].path, Path::resource_path(3, 0, 9));
//! assert_eq!(records[1].value, Value::Integer(95));
//! assert_eq!(lwm2m_json::encode(&records)?, payload);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::string::String;
use alloc::vec::Vec;

use super::base64::{self, Alphabet};
use super::json::{self, Node};
pub use super::senml_json::{BaseName, EncodeError, SenmlRecord};
use crate::model::{Bytes, DataType, Path, PathError, Record, Text, Value, ValueError};

/// What is wrong with an LwM2M JSON payload; [`Malformed::rule`] names the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// Not one JSON text (RFC 8259), or nested deeper than 128 levels; `offset` is where
    /// serde_json stopped.
    #[error("OMA TS LwM2M 1.0 §6.4.4: not JSON (at byte {offset})")]
    NotJson {
        /// The byte offset.
        offset: usize,
    },
    /// The payload, or an entry of `e`, is not a JSON object.
    #[error("OMA TS LwM2M 1.0 §6.4.4: not a JSON object")]
    NotAnObject,
    /// No `e` array.
    #[error("OMA TS LwM2M 1.0 §6.4.4: no resource array \"e\"")]
    MissingEntries,
    /// A label appears twice in one object.
    #[error("OMA TS LwM2M 1.0 §6.4.4: label {0:?} appears twice")]
    DuplicateLabel(&'static str),
    /// A label with a value of the wrong JSON type (`e` not an array, `v` not a number, ...).
    #[error("OMA TS LwM2M 1.0 §6.4.4: label {0:?} has a value of the wrong type")]
    WrongType(&'static str),
    /// An entry with none of `v`, `sv`, `bv`, `ov`.
    #[error("OMA TS LwM2M 1.0 §6.4.4: entry without a value")]
    MissingValue,
    /// An entry with more than one of `v`, `sv`, `bv`, `ov`.
    #[error("OMA TS LwM2M 1.0 §6.4.4: entry with more than one value")]
    MultipleValues,
    /// Base name + name is not an LwM2M path.
    #[error("OMA TS LwM2M 1.0 §6.4.4: base name + name is not a path: {0}")]
    InvalidName(PathError),
    /// A value at a path above a resource (`/3/0`).
    #[error("OMA TS LwM2M 1.0 §6.4.4: a value belongs to a resource or resource instance")]
    NotAResource,
    /// Two entries with the same path and time.
    #[error("OMA TS LwM2M 1.0 §6.4.4: two entries with the same name and time")]
    ConflictingNames,
    /// `ov` that is not `oid:iid`.
    #[error("OMA TS LwM2M 1.0 §6.4.4: ov is not \"oid:iid\"")]
    InvalidObjlnk,
    /// Base time plus time beyond the range of `f64`.
    #[error("OMA TS LwM2M 1.0 §6.4.4: time out of range")]
    NumberOutOfRange,
}

impl Malformed {
    /// The rule broken, as cited in the docs and the malformed corpus.
    pub const fn rule(self) -> &'static str {
        "OMA TS LwM2M 1.0 §6.4.4"
    }
}

/// A decode failure: what and in which entry of `e` (`None` for the payload as a whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{kind}{}", .record.map(|r| alloc::format!(" (entry {r})")).unwrap_or_default())]
pub struct DecodeError {
    /// What is wrong.
    pub kind: Malformed,
    /// The index of the entry at fault.
    pub record: Option<usize>,
}

/// Decodes an LwM2M JSON payload.
///
/// ```
/// use lwm2m_model::format::lwm2m_json;
/// use lwm2m_model::model::{ObjectLink, Path, Value};
/// let r = lwm2m_json::decode(br#"{"bn":"/","e":[{"n":"65/0/0/0","ov":"66:0"},{"n":"65/0/3","bv":true}]}"#)?;
/// assert_eq!(r[0].value, Value::Objlnk(ObjectLink { object: 66, instance: 0 }));
/// assert_eq!((r[1].path, &r[1].value), (Path::resource_path(65, 0, 3), &Value::Boolean(true)));
/// # Ok::<(), lwm2m_json::DecodeError>(())
/// ```
///
/// # Errors
/// [`DecodeError`], naming the rule and the entry.
pub fn decode(input: &[u8]) -> Result<Vec<SenmlRecord<'_>>, DecodeError> {
    let whole = |kind| DecodeError { kind, record: None };
    let Node::Object(members) = json::parse(input).map_err(|offset| whole(Malformed::NotJson { offset }))? else {
        return Err(whole(Malformed::NotAnObject));
    };
    let (mut base_name, mut base_time, mut entries) = (None, None, None);
    for (key, node) in members {
        let (label, slot_taken) = match &*key {
            "bn" => ("bn", base_name.is_some()),
            "bt" => ("bt", base_time.is_some()),
            "e" => ("e", entries.is_some()),
            _ => continue,
        };
        if slot_taken {
            return Err(whole(Malformed::DuplicateLabel(label)));
        }
        match (label, node) {
            ("bn", Node::Str(s)) => base_name = Some(s),
            ("bt", Node::Number(n)) => base_time = Some(n.as_f64()),
            ("e", Node::Array(a)) => entries = Some(a),
            _ => return Err(whole(Malformed::WrongType(label))),
        }
    }
    let entries = entries.ok_or(whole(Malformed::MissingEntries))?;
    let base_name = base_name.unwrap_or(Text::Borrowed(""));
    let mut name_buf = String::new();
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        let r = read_entry(entry, &base_name, base_time, &mut name_buf)
            .map_err(|kind| DecodeError { kind, record: Some(i) })?;
        out.push(r);
    }
    let keys: Vec<(Path, Option<f64>)> = out.iter().map(|r: &SenmlRecord<'_>| (r.path, r.time)).collect();
    if let Some(i) = json::first_conflict(&keys) {
        return Err(DecodeError { kind: Malformed::ConflictingNames, record: Some(i) });
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

const LABELS: [&str; 6] = ["n", "t", "v", "sv", "bv", "ov"];

fn read_entry<'a>(
    entry: Node<'a>,
    base_name: &str,
    base_time: Option<f64>,
    name_buf: &mut String,
) -> Result<SenmlRecord<'a>, Malformed> {
    let Node::Object(members) = entry else { return Err(Malformed::NotAnObject) };
    let mut seen = [false; LABELS.len()];
    let (mut name, mut time, mut value) = (None, None, None);
    let mut values = 0usize;
    for (key, node) in members {
        let Some(idx) = LABELS.iter().position(|l| *l == &*key) else { continue };
        let label = LABELS.get(idx).copied().unwrap_or("");
        if let Some(s) = seen.get_mut(idx) {
            if core::mem::replace(s, true) {
                return Err(Malformed::DuplicateLabel(label));
            }
        }
        match (label, node) {
            ("n", Node::Str(s)) => name = Some(s),
            ("t", Node::Number(n)) => time = Some(n.as_f64()),
            ("v", Node::Number(n)) => value = Some(json::number_value(n)),
            ("sv", Node::Str(s)) => value = Some(Value::String(s)),
            ("bv", Node::Bool(b)) => value = Some(Value::Boolean(b)),
            ("ov", Node::Str(s)) => {
                value = Some(Value::Objlnk(json::parse_objlnk(&s).ok_or(Malformed::InvalidObjlnk)?))
            }
            _ => return Err(Malformed::WrongType(label)),
        }
        if label != "n" && label != "t" {
            values += 1;
        }
    }
    if values > 1 {
        return Err(Malformed::MultipleValues);
    }
    let value = value.ok_or(Malformed::MissingValue)?;
    let time = match (base_time, time) {
        (None, None) => None,
        (b, t) => Some(b.unwrap_or(0.0) + t.unwrap_or(0.0)),
    };
    if time.is_some_and(|t| !t.is_finite()) {
        return Err(Malformed::NumberOutOfRange);
    }
    let path =
        json::resolve_name(name_buf, base_name, name.as_deref().unwrap_or("")).map_err(Malformed::InvalidName)?;
    if path.len() < 3 {
        return Err(Malformed::NotAResource);
    }
    Ok(SenmlRecord { path, value, time })
}

/// Gives a decoded value its resource's type: an `sv` string becomes Opaque by base64
/// (OMA TS LwM2M 1.0 §6.4.4), everything else goes through [`Value::typed`].
///
/// ```
/// use lwm2m_model::format::lwm2m_json;
/// use lwm2m_model::model::{DataType, Value};
/// let v = lwm2m_json::typed(Value::String("AQID".into()), DataType::Opaque)?;
/// assert_eq!(v, Value::Opaque((&[1u8, 2, 3][..]).into()));
/// assert_eq!(lwm2m_json::typed(Value::Integer(1367491215), DataType::Time)?, Value::Time(1367491215));
/// # Ok::<(), lwm2m_model::model::ValueError>(())
/// ```
///
/// # Errors
/// [`ValueError::Convert`] for text that is not base64, otherwise as [`Value::typed`].
pub fn typed(value: Value<'_>, to: DataType) -> Result<Value<'_>, ValueError> {
    match value {
        Value::String(s) if to == DataType::Opaque => base64::decode(&s)
            .map(|b| Value::Opaque(Bytes::Owned(b)))
            .ok_or(ValueError::Convert { from: DataType::String, to }),
        v => v.typed(to),
    }
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
/// use lwm2m_model::format::lwm2m_json;
/// use lwm2m_model::model::{Path, Record, Value};
/// let r = [Record { path: Path::resource_path(5, 0, 0), value: Value::Opaque((&[1u8, 2, 3][..]).into()) }];
/// assert_eq!(lwm2m_json::encode_records(&r)?, br#"{"bn":"/5/0/0","e":[{"sv":"AQID"}]}"#);
/// # Ok::<(), lwm2m_json::EncodeError>(())
/// ```
///
/// # Errors
/// As [`encode`].
pub fn encode_records(records: &[Record<'_>]) -> Result<Vec<u8>, EncodeError> {
    let r: Vec<SenmlRecord<'_>> = records.iter().cloned().map(SenmlRecord::from).collect();
    encode(&r)
}

/// Encodes records, choosing the base name by `base` (the common prefix is written as `bn`, and
/// entries name the rest; no `bn` when the prefix is the root).
///
/// # Errors
/// [`EncodeError`]; nothing is returned then.
pub fn encode_with(records: &[SenmlRecord<'_>], base: BaseName) -> Result<Vec<u8>, EncodeError> {
    super::senml_json::check_encodable(records)?;
    let prefix = match base {
        BaseName::CommonPrefix => json::common_prefix(records.iter().map(|r| &r.path)),
        BaseName::None => Path::ROOT,
    };
    let whole = !prefix.is_empty() && records.iter().all(|r| r.path == prefix);
    let mut out = Vec::new();
    out.push(b'{');
    if !prefix.is_empty() {
        out.extend_from_slice(b"\"bn\":");
        let bn = if whole { alloc::format!("{prefix}") } else { alloc::format!("{prefix}/") };
        json::push_str(&mut out, &bn);
        out.push(b',');
    }
    out.extend_from_slice(b"\"e\":[");
    for (i, r) in records.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.push(b'{');
        if !whole {
            out.extend_from_slice(b"\"n\":");
            json::push_str(&mut out, &json::relative_name(&r.path, &prefix));
            out.push(b',');
        }
        write_value(&mut out, &r.value);
        if let Some(t) = r.time {
            out.extend_from_slice(b",\"t\":");
            json::push_time(&mut out, t);
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}");
    Ok(out)
}

fn write_value(out: &mut Vec<u8>, value: &Value<'_>) {
    match value {
        Value::String(s) | Value::Corelnk(s) => {
            out.extend_from_slice(b"\"sv\":");
            json::push_str(out, s);
        }
        Value::Opaque(b) => {
            out.extend_from_slice(b"\"sv\":");
            json::push_str(out, &base64::encode(b, Alphabet::Standard));
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
        Value::Boolean(b) => out.extend_from_slice(if *b { b"\"bv\":true" } else { b"\"bv\":false" }),
        Value::Objlnk(l) => {
            out.extend_from_slice(b"\"ov\":");
            json::push_str(out, &alloc::format!("{l}"));
        }
        Value::None | Value::Raw(_) => {}
    }
}
