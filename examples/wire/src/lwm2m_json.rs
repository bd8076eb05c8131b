//! LwM2M payloads to JSON: the content formats of `lwm2m-model` decoded into one line holding
//! the records (path, type, value), or for `core-link` the links and their attributes. The
//! schema is in `examples/wire/README.md`.

use lwm2m_model::format::link::{LinkAttributes, LinkDocument};
use lwm2m_model::format::{lwm2m_cbor, lwm2m_json, opaque, senml_cbor, senml_json, text, tlv};
use lwm2m_model::model::{registry, type_records, DataType, Definitions, Path, Record, Value};

use crate::json::Out;
use crate::Failure;

/// A payload format `wire` knows, by its command-line name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    /// TLV (11542).
    Tlv,
    /// LwM2M JSON (11543).
    Lwm2mJson,
    /// SenML JSON (110).
    SenmlJson,
    /// SenML CBOR (112).
    SenmlCbor,
    /// LwM2M CBOR (11544).
    Lwm2mCbor,
    /// text/plain (0).
    Text,
    /// Opaque (42).
    Opaque,
    /// CoRE link format (40).
    CoreLink,
}

impl Format {
    /// Every format with its command-line name.
    pub(crate) const ALL: [(&'static str, Format); 8] = [
        ("lwm2m-tlv", Self::Tlv),
        ("lwm2m-json", Self::Lwm2mJson),
        ("senml-json", Self::SenmlJson),
        ("senml-cbor", Self::SenmlCbor),
        ("lwm2m-cbor", Self::Lwm2mCbor),
        ("lwm2m-text", Self::Text),
        ("lwm2m-opaque", Self::Opaque),
        ("core-link", Self::CoreLink),
    ];

    /// The format called `name` on the command line.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    /// The command-line name.
    pub(crate) fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, f)| *f == self).map_or("", |(n, _)| n)
    }
}

/// The level a TLV payload answers when no `--path` says it (from its first TLV's identifier
/// type, LwM2M Core §7.4.3), and the stand-in request path used to decode it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// Object Instance TLVs at the top: a read of an object.
    Object,
    /// Resource and Multiple Resource TLVs at the top: a read of an instance.
    Instance,
    /// Resource Instance TLVs at the top: a read of a multiple resource.
    Resource,
}

impl Level {
    pub(crate) const ALL: [(&'static str, Level); 3] =
        [("object", Self::Object), ("instance", Self::Instance), ("resource", Self::Resource)];

    /// From the first byte of a TLV payload (none: an instance with no resources).
    pub(crate) fn of_payload(payload: &[u8]) -> Self {
        match payload.first().map(|b| b >> 6) {
            Some(0b00) => Self::Object,
            Some(0b01) => Self::Resource,
            _ => Self::Instance,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        Self::ALL.iter().find(|(_, l)| *l == self).map_or("", |(n, _)| n)
    }

    /// The stand-in request path: ids 0, as deep as the level.
    pub(crate) fn stand_in(self) -> Path {
        match self {
            Self::Object => Path::object_path(0),
            Self::Instance => Path::instance_path(0, 0),
            Self::Resource => Path::resource_path(0, 0, 0),
        }
    }
}

/// A refusal from a format, cited (the formats' decode errors start with their section).
pub(crate) fn cited(e: impl ToString) -> Failure {
    let s = e.to_string();
    if s.starts_with("LwM2M") || s.starts_with("RFC") {
        Failure::new(s)
    } else {
        Failure::new(format!("LwM2M Core 1.2 §7.4: {s}"))
    }
}

/// Decodes one payload of `format` and writes its JSON. `path` is the request path
/// (`--path`): it places TLV, text and opaque values, and types values of known resources
/// from the built-in registry.
pub(crate) fn decode(format: Format, payload: &[u8], path: Option<Path>, out: &mut String) -> Result<(), Failure> {
    let mut fields: Vec<(&'static str, Out<'_>)> = vec![("type", Out::Str(format.name()))];
    if let Some(p) = path {
        fields.push(("path", Out::Text(p.to_string())));
    }
    // (record, its time) in payload order; `relative` strips a TLV stand-in prefix.
    let mut records: Vec<(Record<'_>, Option<f64>)> = Vec::new();
    let mut relative: Option<Path> = None;
    match format {
        Format::CoreLink => {
            let doc = LinkDocument::decode(payload).map_err(cited)?;
            fields.push(("root", root(&doc)));
            let links = doc.entries().filter(|e| !e.is_lwm2m_root()).map(|e| link(e.path, &e.attributes)).collect();
            fields.push(("links", Out::Arr(links)));
            Out::Obj(fields).write(out);
            return Ok(());
        }
        Format::Tlv => {
            let request = match path {
                Some(p) => p,
                None => {
                    let level = Level::of_payload(payload);
                    fields.push(("relative_to", Out::Str(level.name())));
                    relative = Some(level.stand_in());
                    level.stand_in()
                }
            };
            records.extend(tlv::decode(payload, request).map_err(cited)?.map(|r| (r, None)));
        }
        Format::Text | Format::Opaque => {
            let value = if format == Format::Text {
                let data_type = path.and_then(|p| registry::CORE.resource_at(&p)).map(|d| d.data_type);
                text::decode_value(payload, data_type).map_err(cited)?
            } else {
                opaque::decode(payload, path.unwrap_or(Path::resource_path(0, 0, 0))).map_err(cited)?.value
            };
            let rec = Record { path: path.unwrap_or(Path::ROOT), value };
            let mut fields_rec = record_fields(&rec, None, None);
            if path.is_none() {
                if let Some(slot) = fields_rec.first_mut() {
                    slot.1 = Out::Null;
                }
            }
            fields.push(("records", Out::Arr(vec![Out::Obj(fields_rec)])));
            Out::Obj(fields).write(out);
            return Ok(());
        }
        Format::SenmlJson => {
            records.extend(senml_json::decode(payload).map_err(cited)?.into_iter().map(|r| {
                let time = r.time;
                (Record { path: r.path, value: r.value }, time)
            }));
        }
        Format::Lwm2mJson => {
            records.extend(lwm2m_json::decode(payload).map_err(cited)?.into_iter().map(|r| {
                let time = r.time;
                (Record { path: r.path, value: r.value }, time)
            }));
        }
        Format::SenmlCbor => records.extend(senml_cbor::decode(payload).map_err(cited)?.into_iter().map(|r| (r, None))),
        Format::Lwm2mCbor => records.extend(lwm2m_cbor::decode(payload).map_err(cited)?.into_iter().map(|r| (r, None))),
    }
    if path.is_some() {
        // Known resources take their registry type (TLV's raw bytes become typed values).
        let mut plain: Vec<Record<'_>> = records.iter().map(|(r, _)| r.clone()).collect();
        type_records(registry::CORE, &mut plain).map_err(|e| {
            // "<path>: <citation>: <what>" becomes "<citation>: <what> (at <path>)".
            let s = e.to_string();
            match s.split_once(": ") {
                Some((path, rest)) if path.starts_with('/') => Failure::new(format!("{rest} (at {path})")),
                _ => Failure::new(s),
            }
        })?;
        for ((r, _), typed) in records.iter_mut().zip(plain) {
            *r = typed;
        }
    }
    let items = records.iter().map(|(r, t)| Out::Obj(record_fields(r, *t, relative))).collect();
    fields.push(("records", Out::Arr(items)));
    Out::Obj(fields).write(out);
    Ok(())
}

/// `{"path", "type", "value"}` (and `"time"` when the payload gives one).
fn record_fields<'r>(r: &'r Record<'_>, time: Option<f64>, relative: Option<Path>) -> Vec<(&'static str, Out<'r>)> {
    let path = match relative {
        // Ids below the stand-in request path, without a leading '/'.
        Some(base) => Out::Text(r.path.ids().iter().skip(base.len()).map(u16::to_string).collect::<Vec<_>>().join("/")),
        None => Out::Text(r.path.to_string()),
    };
    let mut f = vec![("path", path), ("type", Out::Str(type_name(&r.value))), ("value", value(&r.value))];
    if let Some(t) = time {
        f.push(("time", float(t)));
    }
    f
}

/// The type's DDF name, or `Raw` for TLV bytes not yet typed.
pub(crate) fn type_name(v: &Value<'_>) -> &'static str {
    v.data_type().map_or("Raw", DataType::ddf_name)
}

fn float(f: f64) -> Out<'static> {
    if f.is_finite() {
        Out::Float(f)
    } else if f.is_nan() {
        Out::Str("NaN")
    } else if f > 0.0 {
        Out::Str("inf")
    } else {
        Out::Str("-inf")
    }
}

fn value<'r>(v: &'r Value<'_>) -> Out<'r> {
    match v {
        Value::String(s) | Value::Corelnk(s) => Out::Str(s),
        Value::Integer(i) | Value::Time(i) => Out::Int(*i),
        Value::UnsignedInteger(u) => Out::Num(*u),
        Value::Float(f) => float(*f),
        Value::Boolean(b) => Out::Bool(*b),
        Value::Opaque(b) | Value::Raw(b) => Out::Hex(b),
        Value::Objlnk(l) => Out::Text(l.to_string()),
        Value::None => Out::Null,
    }
}

/// The root link (`rt="oma.lwm2m"`), or null.
fn root(doc: &LinkDocument<'_>) -> Out<'static> {
    match doc.root() {
        None => Out::Null,
        Some(r) => Out::Obj(vec![
            ("path", Out::Text(doc.alternate_path().unwrap_or("/").to_owned())),
            ("ct", Out::Arr(r.ct().map(|c| Out::Num(u64::from(c))).collect())),
        ]),
    }
}

/// One link: its path, then each LwM2M attribute it has, in a fixed order.
fn link<'a>(path: Path, a: &LinkAttributes<'a>) -> Out<'a> {
    let mut f = vec![("path", Out::Text(path.to_string()))];
    let num = |v: Option<u32>| v.map(|x| Out::Num(u64::from(x)));
    for (k, v) in [
        ("pmin", num(a.pmin)),
        ("pmax", num(a.pmax)),
        ("gt", a.gt.map(float)),
        ("lt", a.lt.map(float)),
        ("st", a.st.map(float)),
        ("epmin", num(a.epmin)),
        ("epmax", num(a.epmax)),
        ("dim", a.dim.map(|x| Out::Num(u64::from(x)))),
        ("ssid", a.ssid.map(|x| Out::Num(u64::from(x)))),
        ("uri", a.uri.map(Out::Str)),
        ("ver", a.ver.map(|x| Out::Text(x.to_string()))),
        ("lwm2m", a.lwm2m.map(|x| Out::Text(x.to_string()))),
    ] {
        if let Some(v) = v {
            f.push((k, v));
        }
    }
    Out::Obj(f)
}
