//! The JSON side shared by every protocol: [`Out`], an ordered value written as one line
//! (`{"type": "PINGREQ", "packet_id": 7}`), and [`Obj`], checked field access for `encode` input
//! that reports missing, mistyped and unknown fields with their path.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use crate::{hex, Failure};

/// A JSON value to print, borrowing strings and bytes from the decoded packet. Objects keep
/// their field order; bytes are written as lowercase hex strings.
#[derive(Debug)]
pub(crate) enum Out<'a> {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A non-negative integer.
    Num(u64),
    /// A signed integer.
    Int(i64),
    /// A finite float, written so that it reads back as the same `f64` (`{:?}`: `22.0`, `1e300`).
    Float(f64),
    /// A string (escaped on output).
    Str(&'a str),
    /// A string made for the output (escaped on output).
    Text(String),
    /// Binary data, printed as a lowercase hex string.
    Hex(&'a [u8]),
    /// An array.
    Arr(Vec<Out<'a>>),
    /// An object, fields in this order.
    Obj(Vec<(&'static str, Out<'a>)>),
}

impl Out<'_> {
    /// Appends the value as compact JSON with a space after every `:` and `,`.
    pub(crate) fn write(&self, out: &mut String) {
        match self {
            Self::Null => out.push_str("null"),
            Self::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Self::Num(n) => {
                // Writing into a String cannot fail.
                let _ = write!(out, "{n}");
            }
            Self::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Self::Float(f) => {
                let _ = write!(out, "{f:?}");
            }
            Self::Str(s) => write_str(out, s),
            Self::Text(s) => write_str(out, s),
            Self::Hex(b) => {
                out.push('"');
                hex::push(out, b);
                out.push('"');
            }
            Self::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Self::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_str(out, key);
                    out.push_str(": ");
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// Appends `s` as a JSON string, escaping as serde_json does (quote, backslash, controls).
pub(crate) fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0C}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What a JSON value is, for error messages.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A schema error at `path`.
pub(crate) fn mismatch(path: &str, expected: &str, got: &Value) -> Failure {
    let what = format!("expected {expected}, got {}", kind(got));
    Failure::json(if path.is_empty() { what } else { format!("{path}: {what}") })
}

/// An integer in `0..=max`.
pub(crate) fn uint(v: &Value, path: &str, max: u64) -> Result<u64, Failure> {
    match v.as_u64() {
        Some(n) if n <= max => Ok(n),
        _ => Err(mismatch(path, &format!("an integer 0..={max}"), v)),
    }
}

/// A string.
pub(crate) fn string<'j>(v: &'j Value, path: &str) -> Result<&'j str, Failure> {
    v.as_str().ok_or_else(|| mismatch(path, "a string", v))
}

/// A boolean.
pub(crate) fn boolean(v: &Value, path: &str) -> Result<bool, Failure> {
    v.as_bool().ok_or_else(|| mismatch(path, "a boolean", v))
}

/// Bytes given as a hex string.
pub(crate) fn bytes(v: &Value, path: &str) -> Result<Vec<u8>, Failure> {
    let s = v.as_str().ok_or_else(|| mismatch(path, "a hex string", v))?;
    hex::decode(s).map_err(|e| Failure::json(format!("{path}: bad hex: {e}")))
}

/// An array.
pub(crate) fn array<'j>(v: &'j Value, path: &str) -> Result<&'j [Value], Failure> {
    v.as_array().map(Vec::as_slice).ok_or_else(|| mismatch(path, "an array", v))
}

/// One JSON object being read: every key taken is remembered so that [`Obj::finish`] can
/// refuse the ones nobody asked for.
pub(crate) struct Obj<'j> {
    path: String,
    map: &'j Map<String, Value>,
    used: Vec<&'static str>,
}

impl<'j> Obj<'j> {
    /// Expects an object at `path`.
    pub(crate) fn new(v: &'j Value, path: impl Into<String>) -> Result<Self, Failure> {
        let path = path.into();
        match v {
            Value::Object(map) => Ok(Self { path, map, used: Vec::new() }),
            other => Err(mismatch(&path, "an object", other)),
        }
    }

    /// The path of `key` inside this object, for messages.
    pub(crate) fn at(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }

    /// The value of `key`; absent and `null` are both `None`.
    pub(crate) fn opt(&mut self, key: &'static str) -> Option<&'j Value> {
        self.used.push(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// The value of `key`, which must be present (a `null` is reported by the typed getters).
    pub(crate) fn req(&mut self, key: &'static str) -> Result<&'j Value, Failure> {
        self.used.push(key);
        self.map.get(key).ok_or_else(|| Failure::json(format!("{}: missing field", self.at(key))))
    }

    /// A required integer in `0..=max`.
    pub(crate) fn uint(&mut self, key: &'static str, max: u64) -> Result<u64, Failure> {
        let v = self.req(key)?;
        uint(v, &self.at(key), max)
    }

    /// An optional integer in `0..=max`.
    pub(crate) fn opt_uint(&mut self, key: &'static str, max: u64) -> Result<Option<u64>, Failure> {
        match self.opt(key) {
            Some(v) => uint(v, &self.at(key), max).map(Some),
            None => Ok(None),
        }
    }

    /// A required string.
    pub(crate) fn str(&mut self, key: &'static str) -> Result<&'j str, Failure> {
        let v = self.req(key)?;
        string(v, &self.at(key))
    }

    /// An optional string.
    pub(crate) fn opt_str(&mut self, key: &'static str) -> Result<Option<&'j str>, Failure> {
        match self.opt(key) {
            Some(v) => string(v, &self.at(key)).map(Some),
            None => Ok(None),
        }
    }

    /// A required boolean.
    pub(crate) fn bool(&mut self, key: &'static str) -> Result<bool, Failure> {
        let v = self.req(key)?;
        boolean(v, &self.at(key))
    }

    /// An optional boolean (absent: `false`).
    pub(crate) fn opt_bool(&mut self, key: &'static str) -> Result<bool, Failure> {
        match self.opt(key) {
            Some(v) => boolean(v, &self.at(key)),
            None => Ok(false),
        }
    }

    /// Required bytes, as a hex string.
    pub(crate) fn bytes(&mut self, key: &'static str) -> Result<Vec<u8>, Failure> {
        let v = self.req(key)?;
        bytes(v, &self.at(key))
    }

    /// Optional bytes, as a hex string.
    pub(crate) fn opt_bytes(&mut self, key: &'static str) -> Result<Option<Vec<u8>>, Failure> {
        match self.opt(key) {
            Some(v) => bytes(v, &self.at(key)).map(Some),
            None => Ok(None),
        }
    }

    /// A required array.
    pub(crate) fn array(&mut self, key: &'static str) -> Result<&'j [Value], Failure> {
        let v = self.req(key)?;
        array(v, &self.at(key))
    }

    /// An optional array (absent or `null`: empty).
    pub(crate) fn opt_array(&mut self, key: &'static str) -> Result<&'j [Value], Failure> {
        match self.opt(key) {
            Some(v) => array(v, &self.at(key)),
            None => Ok(&[]),
        }
    }

    /// An informational field (a reason name): any string, or absent; its value is not used.
    pub(crate) fn ignore_str(&mut self, key: &'static str) -> Result<(), Failure> {
        self.opt_str(key).map(drop)
    }

    /// Refuses any key that was not asked for.
    pub(crate) fn finish(self) -> Result<(), Failure> {
        match self.map.keys().find(|k| !self.used.contains(&k.as_str())) {
            Some(k) => Err(Failure::json(format!("{}: unknown field", self.at(k)))),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn writes_one_spaced_line() {
        let v = Out::Obj(vec![
            ("type", Out::Str("X")),
            ("a", Out::Arr(vec![Out::Num(1), Out::Bool(true), Out::Null])),
            ("b", Out::Hex(&[0xAB])),
            ("c", Out::Str("q\"\\\n\u{1}é")),
            ("d", Out::Obj(vec![])),
        ]);
        let mut s = String::new();
        v.write(&mut s);
        assert_eq!(s, r#"{"type": "X", "a": [1, true, null], "b": "ab", "c": "q\"\\\n\u0001é", "d": {}}"#);
        let back: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(back["c"], "q\"\\\n\u{1}é");
    }
}
