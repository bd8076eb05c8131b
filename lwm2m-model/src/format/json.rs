//! A JSON tree borrowed from the payload, read by `serde_json`, shared by SenML JSON and LwM2M
//! JSON. Strings without escapes borrow from the input; numbers keep serde_json's distinction
//! between integers that fit 64 bits and everything else (floats).
//!
//! Nesting is bounded by serde_json's recursion limit (128 levels): deeper input is a syntax
//! error, never a stack overflow. Memory grows with the input only, never with a declared length
//! (JSON has none).

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::model::{ObjectLink, Path, PathError, Text, Value};

/// A JSON number as serde_json read it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Number {
    /// An integer that fits `i64`.
    Int(i64),
    /// An integer above `i64::MAX` that fits `u64`.
    UInt(u64),
    /// Anything with a fraction or exponent, or an integer beyond 64 bits.
    Float(f64),
}

impl Number {
    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Self::Int(i) => i as f64,
            Self::UInt(u) => u as f64,
            Self::Float(f) => f,
        }
    }
}

/// A JSON value.
#[derive(Debug)]
pub(crate) enum Node<'a> {
    Null,
    Bool(bool),
    Number(Number),
    Str(Text<'a>),
    Array(Vec<Node<'a>>),
    /// Members in input order, duplicates kept (the formats refuse them).
    Object(Vec<(Text<'a>, Node<'a>)>),
}

/// Parses `input` as one JSON text (RFC 8259); on failure, the byte offset where serde_json
/// stopped.
pub(crate) fn parse(input: &[u8]) -> Result<Node<'_>, usize> {
    serde_json::from_slice(input).map_err(|e| offset(input, e.line(), e.column()))
}

/// serde_json reports 1-based line and column (in bytes); turn them back into an offset.
fn offset(input: &[u8], line: usize, column: usize) -> usize {
    let line_start = if line <= 1 {
        0
    } else {
        input.iter().enumerate().filter(|&(_, &b)| b == b'\n').nth(line - 2).map_or(input.len(), |(i, _)| i + 1)
    };
    line_start.saturating_add(column.saturating_sub(1)).min(input.len())
}

/// Appends `s` as a JSON string (quoted, escaped).
pub(crate) fn push_str(out: &mut Vec<u8>, s: &str) {
    match serde_json::to_vec(s) {
        Ok(v) => out.extend_from_slice(&v),
        // serde_json cannot fail on a str; keep the output valid JSON all the same.
        Err(_) => out.extend_from_slice(b"\"\""),
    }
}

/// Appends a finite `f64` in its shortest round-trip form; integral values keep a `.0` so that
/// they read back as floats.
pub(crate) fn push_f64(out: &mut Vec<u8>, f: f64) {
    match serde_json::to_vec(&f) {
        Ok(v) => out.extend_from_slice(&v),
        Err(_) => out.extend_from_slice(b"0.0"),
    }
}

/// Appends a time: whole seconds (up to 9e15, exact in `f64`) as an integer, others as a float.
pub(crate) fn push_time(out: &mut Vec<u8>, t: f64) {
    if (-9.0e15..=9.0e15).contains(&t) && (t as i64) as f64 == t {
        push_int(out, t as i64);
    } else {
        push_f64(out, t);
    }
}

/// Appends an integer.
pub(crate) fn push_int(out: &mut Vec<u8>, i: impl fmt::Display) {
    use core::fmt::Write;
    let mut s = String::new();
    let _ = write!(s, "{i}");
    out.extend_from_slice(s.as_bytes());
}

/// A SenML `v` / LwM2M JSON `v` number as a value: integers as Integer (or Unsigned Integer
/// above `i64::MAX`), others as Float. [`Value::typed`] gives them their resource's type.
pub(crate) fn number_value<'a>(n: Number) -> Value<'a> {
    match n {
        Number::Int(i) => Value::Integer(i),
        Number::UInt(u) => Value::UnsignedInteger(u),
        Number::Float(f) => Value::Float(f),
    }
}

/// `n + base`, as integers while both are and the sum fits, else as a float (RFC 8428 §4.5.4:
/// the base value is added to the value).
pub(crate) fn add(n: Number, base: Number) -> Number {
    match (n, base) {
        (Number::Int(a), Number::Int(b)) => a.checked_add(b).map_or(Number::Float(a as f64 + b as f64), Number::Int),
        _ => Number::Float(n.as_f64() + base.as_f64()),
    }
}

/// An object link as text, `oid:iid`, each 0-65535 in decimal (LwM2M Core 1.1 §7.4.4, `vlo`;
/// OMA TS 1.0 §6.4.4, `ov`).
pub(crate) fn parse_objlnk(s: &str) -> Option<ObjectLink> {
    let (o, i) = s.split_once(':')?;
    let id = |t: &str| {
        if !t.is_empty() && t.len() <= 5 && t.bytes().all(|b| b.is_ascii_digit()) {
            t.parse().ok()
        } else {
            None
        }
    };
    Some(ObjectLink { object: id(o)?, instance: id(i)? })
}

/// The path named by a base name and a name, concatenated (RFC 8428 §4.5.1).
pub(crate) fn resolve_name(buf: &mut String, base: &str, name: &str) -> Result<Path, PathError> {
    buf.clear();
    buf.push_str(base);
    buf.push_str(name);
    buf.parse()
}

/// The longest common prefix of the paths (the root for none).
pub(crate) fn common_prefix<'p>(mut paths: impl Iterator<Item = &'p Path>) -> Path {
    let Some(first) = paths.next() else { return Path::ROOT };
    let mut len = first.len();
    for p in paths {
        len = first.ids().iter().zip(p.ids()).take(len).take_while(|(a, b)| a == b).count();
    }
    Path::new(first.ids().get(..len).unwrap_or(&[])).unwrap_or(Path::ROOT)
}

/// The name to write after a base name `prefix` (ids below it, joined by `/`); the whole path
/// when `prefix` is the root.
pub(crate) fn relative_name(path: &Path, prefix: &Path) -> String {
    use core::fmt::Write;
    let mut s = String::new();
    if prefix.is_empty() {
        let _ = write!(s, "{path}");
        return s;
    }
    for (i, id) in path.ids().iter().skip(prefix.len()).enumerate() {
        let _ = write!(s, "{}{id}", if i == 0 { "" } else { "/" });
    }
    s
}

/// The index of the first record that repeats an earlier record's path and time (RFC 8428 §4.6:
/// records are identified by their resolved name and time).
pub(crate) fn first_conflict(keys: &[(Path, Option<f64>)]) -> Option<usize> {
    // `+ 0.0` folds -0.0 into 0.0, so that equal times compare equal by their bits.
    let key = |i: usize| keys.get(i).map(|(p, t)| (*p, t.map(|t| (t + 0.0).to_bits())));
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by_key(|&i| (key(i), i));
    order
        .windows(2)
        .filter_map(|w| match w {
            [a, b] if key(*a) == key(*b) => Some(*b),
            _ => None,
        })
        .min()
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node<'de>, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node<'de>, E> {
        Ok(Node::Number(Number::Int(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node<'de>, E> {
        Ok(Node::Number(i64::try_from(v).map_or(Number::UInt(v), Number::Int)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node<'de>, E> {
        Ok(Node::Number(Number::Float(v)))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Text::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Text::Owned(v.into())))
    }
    fn visit_string<E>(self, v: String) -> Result<Node<'de>, E> {
        Ok(Node::Str(Text::Owned(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Node::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut members = Vec::new();
        while let Some(Key(k)) = map.next_key()? {
            members.push((k, map.next_value()?));
        }
        Ok(Node::Object(members))
    }
}

/// An object member name, borrowed when it has no escapes.
struct Key<'a>(Text<'a>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a member name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Text::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Text::Owned(v.into())))
            }
            fn visit_string<E>(self, v: String) -> Result<Key<'de>, E> {
                Ok(Key(Text::Owned(v)))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn borrows_plain_strings_and_reports_offsets() {
        let Node::Object(m) = parse(br#"{"n":"a","s":"b\"c","v":-1,"u":18446744073709551615,"f":1.5}"#).unwrap() else {
            panic!()
        };
        assert!(matches!(&m[0], (Text::Borrowed("n"), Node::Str(Text::Borrowed("a")))));
        assert!(matches!(&m[1].1, Node::Str(Text::Owned(s)) if s == "b\"c"));
        assert!(matches!(m[2].1, Node::Number(Number::Int(-1))));
        assert!(matches!(m[3].1, Node::Number(Number::UInt(u64::MAX))));
        assert!(matches!(m[4].1, Node::Number(Number::Float(f)) if f == 1.5));
        assert_eq!(parse(b"[1,\n 2,]").unwrap_err(), 7);
        assert_eq!(parse(b"[1] x").unwrap_err(), 4);
        let deep = [b'['; 200];
        assert!(parse(&deep).is_err());
    }
}
