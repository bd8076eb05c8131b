//! JSON to LwM2M payload ([`encode`]): reads the schema [`crate::lwm2m_json`] prints, builds
//! typed records (or links) from its fields, and lets the format's encoder write them. Every
//! output byte comes from a JSON field.

use lwm2m_model::format::link::{self, LinkAttributes, LinkEntry, Root, Version};
use lwm2m_model::format::senml_json::SenmlRecord;
use lwm2m_model::format::{lwm2m_cbor, lwm2m_json, opaque, senml_cbor, senml_json, text, tlv};
use lwm2m_model::model::{Bytes, DataType, ObjectLink, Path, Record, Text, Value};
use serde_json::Value as Json;

use crate::json::{self, Obj};
use crate::lwm2m_json::{cited, Format, Level};
use crate::Failure;

/// Parses one JSON document and encodes it in `format`; `path` is the request path (`--path`).
///
/// # Errors
/// `json:` for input that does not fit the schema; the format's citation for records it
/// refuses.
pub(crate) fn encode(format: Format, text_in: &str, path: Option<Path>) -> Result<Vec<u8>, Failure> {
    let doc: Json = serde_json::from_str(text_in).map_err(Failure::json)?;
    let mut o = Obj::new(&doc, "")?;
    let ty = o.str("type")?;
    if ty != format.name() {
        return Err(Failure::json(format!("type: {ty:?} is not {:?}, the format on the command line", format.name())));
    }
    if let Some(p) = o.opt_str("path")? {
        let given: Path = p.parse().map_err(|e| Failure::json(format!("path: {e}")))?;
        if Some(given) != path {
            return Err(Failure::json(format!("path: {p:?} differs from --path")));
        }
    }
    if format == Format::CoreLink {
        return links(o);
    }
    // TLV without --path: paths are relative to the level the payload answers.
    let level =
        match (format, path) {
            (Format::Tlv, None) => {
                let name = o.str("relative_to")?;
                let level = Level::ALL.iter().find(|(n, _)| *n == name).map(|(_, l)| *l);
                Some(level.ok_or_else(|| {
                    Failure::json(format!("relative_to: {name:?} is not object, instance or resource"))
                })?)
            }
            _ => {
                o.ignore_str("relative_to")?;
                None
            }
        };
    let path_prefix = level.map(Level::stand_in);
    let items = o.array("records")?;
    let at = o.at("records");
    o.finish()?;
    let mut records: Vec<(Record<'_>, Option<f64>)> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        records.push(record(item, &format!("{at}[{i}]"), format, path, path_prefix)?);
    }
    let plain: Vec<Record<'_>> = records.iter().map(|(r, _)| r.clone()).collect();
    match format {
        Format::Tlv => {
            let request = path.or(path_prefix).unwrap_or(Path::ROOT);
            let mut out = vec![0u8; tlv::encoded_len(request, &plain).map_err(cited)?];
            let n = tlv::encode(request, &plain, &mut out).map_err(cited)?;
            out.truncate(n);
            Ok(out)
        }
        Format::Text | Format::Opaque => {
            let [r] = plain.as_slice() else {
                return Err(Failure::json(format!("records: {} carries exactly one value", format.name())));
            };
            let mut out = if format == Format::Text {
                vec![0u8; text::encoded_len(&r.value).map_err(cited)?]
            } else {
                vec![0u8; opaque::encoded_len(&r.value).map_err(cited)?]
            };
            let n = if format == Format::Text {
                text::encode(&r.value, &mut out).map_err(cited)?
            } else {
                opaque::encode(&r.value, &mut out).map_err(cited)?
            };
            out.truncate(n);
            Ok(out)
        }
        Format::SenmlJson | Format::Lwm2mJson => {
            let senml: Vec<SenmlRecord<'_>> =
                records.into_iter().map(|(r, time)| SenmlRecord { path: r.path, value: r.value, time }).collect();
            if format == Format::SenmlJson { senml_json::encode(&senml) } else { lwm2m_json::encode(&senml) }
                .map_err(cited)
        }
        Format::SenmlCbor | Format::Lwm2mCbor => {
            if records.iter().any(|(_, t)| t.is_some()) {
                return Err(Failure::json(format!("records: {} records carry no time here", format.name())));
            }
            if format == Format::SenmlCbor {
                senml_cbor::encode(&plain).map_err(cited)
            } else {
                lwm2m_cbor::encode(&plain).map_err(cited)
            }
        }
        Format::CoreLink => unreachable_link(),
    }
}

/// Core-link is handled before records are read.
fn unreachable_link() -> Result<Vec<u8>, Failure> {
    Err(Failure::json("type: core-link has links, not records"))
}

/// One `{"path", "type", "value"[, "time"]}`.
fn record<'j>(
    v: &'j Json,
    at: &str,
    format: Format,
    request: Option<Path>,
    prefix: Option<Path>,
) -> Result<(Record<'j>, Option<f64>), Failure> {
    let mut o = Obj::new(v, at)?;
    let path = match (o.req("path")?, format, request) {
        // text and opaque without --path: no path.
        (Json::Null, Format::Text | Format::Opaque, None) => Path::ROOT,
        (p, _, _) => {
            let s = json::string(p, &o.at("path"))?;
            match prefix {
                Some(base) => {
                    let mut path = base;
                    for seg in s.split('/') {
                        let id = seg
                            .parse::<u16>()
                            .map_err(|_| Failure::json(format!("{}: bad relative path {s:?}", o.at("path"))))?;
                        path = path.child(id).map_err(|e| Failure::json(format!("{}: {e}", o.at("path"))))?;
                    }
                    path
                }
                None => s.parse::<Path>().map_err(|e| Failure::json(format!("{}: {e}", o.at("path"))))?,
            }
        }
    };
    let ty = o.str("type")?;
    let value_at = o.at("value");
    let raw = o.req("value")?;
    let value = typed_value(ty, raw, &value_at).map_err(|e| {
        if matches!(e, TypeNameError::Unknown) {
            Failure::json(format!("{}: unknown type {ty:?}", o.at("type")))
        } else {
            e.into_failure()
        }
    })?;
    let time = match o.opt("time") {
        None => None,
        Some(t) => Some(number(t, &o.at("time"))?),
    };
    o.finish()?;
    Ok((Record { path, value }, time))
}

enum TypeNameError {
    Unknown,
    Value(Failure),
}

impl TypeNameError {
    fn into_failure(self) -> Failure {
        match self {
            Self::Unknown => Failure::json("type: unknown"),
            Self::Value(f) => f,
        }
    }
}

/// A JSON number, or `"NaN"`, `"inf"`, `"-inf"`.
fn number(v: &Json, at: &str) -> Result<f64, Failure> {
    match v {
        Json::String(s) if s == "NaN" => Ok(f64::NAN),
        Json::String(s) if s == "inf" => Ok(f64::INFINITY),
        Json::String(s) if s == "-inf" => Ok(f64::NEG_INFINITY),
        _ => v.as_f64().ok_or_else(|| json::mismatch(at, "a number", v)),
    }
}

/// The value of a record of type `ty` (a DDF type name, or `Raw`).
fn typed_value<'j>(ty: &str, v: &'j Json, at: &str) -> Result<Value<'j>, TypeNameError> {
    let fail = TypeNameError::Value;
    let int = |v: &Json| v.as_i64().ok_or_else(|| fail(json::mismatch(at, "an integer", v)));
    Ok(match ty {
        "Raw" => Value::Raw(Bytes::Owned(json::bytes(v, at).map_err(fail)?)),
        _ => match DataType::from_ddf_name(ty) {
            // `from_ddf_name` also takes an empty name as none; the schema writes "none".
            None => return Err(TypeNameError::Unknown),
            Some(_) if ty.is_empty() => return Err(TypeNameError::Unknown),
            Some(DataType::String) => Value::String(Text::Borrowed(json::string(v, at).map_err(fail)?)),
            Some(DataType::Corelnk) => Value::Corelnk(Text::Borrowed(json::string(v, at).map_err(fail)?)),
            Some(DataType::Integer) => Value::Integer(int(v)?),
            Some(DataType::Time) => Value::Time(int(v)?),
            Some(DataType::UnsignedInteger) => {
                Value::UnsignedInteger(v.as_u64().ok_or_else(|| fail(json::mismatch(at, "an unsigned integer", v)))?)
            }
            Some(DataType::Float) => Value::Float(number(v, at).map_err(fail)?),
            Some(DataType::Boolean) => Value::Boolean(json::boolean(v, at).map_err(fail)?),
            Some(DataType::Opaque) => Value::Opaque(Bytes::Owned(json::bytes(v, at).map_err(fail)?)),
            Some(DataType::Objlnk) => {
                let s = json::string(v, at).map_err(fail)?;
                let parsed = s.split_once(':').and_then(|(o, i)| Some((o.parse().ok()?, i.parse().ok()?)));
                let (object, instance) =
                    parsed.ok_or_else(|| fail(Failure::json(format!("{at}: an Objlnk is \"object:instance\""))))?;
                Value::Objlnk(ObjectLink { object, instance })
            }
            Some(DataType::None) => match v {
                Json::Null => Value::None,
                other => return Err(fail(json::mismatch(at, "null", other))),
            },
        },
    })
}

/// `{"type": "core-link", "root": ..., "links": [...]}` to a link-format payload.
fn links(mut o: Obj<'_>) -> Result<Vec<u8>, Failure> {
    let root_at = o.at("root");
    let root_json = o.opt("root");
    let mut root_path = String::new();
    let mut ct: Vec<u16> = Vec::new();
    if let Some(r) = root_json {
        let mut r = Obj::new(r, root_at)?;
        root_path = r.str("path")?.to_owned();
        let ct_at = r.at("ct");
        for (i, c) in r.opt_array("ct")?.iter().enumerate() {
            ct.push(json::uint(c, &format!("{ct_at}[{i}]"), u64::from(u16::MAX))? as u16);
        }
        r.finish()?;
    }
    let links_at = o.at("links");
    let items = o.array("links")?;
    o.finish()?;
    let mut entries: Vec<LinkEntry<'_>> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        entries.push(link_entry(item, &format!("{links_at}[{i}]"))?);
    }
    let root = root_json.map(|_| Root { alternate_path: &root_path, ct: &ct });
    let mut out = vec![0u8; link::encoded_len(root.as_ref(), &entries).map_err(cited)?];
    let n = link::encode(root.as_ref(), &entries, &mut out).map_err(cited)?;
    out.truncate(n);
    Ok(out)
}

fn link_entry<'j>(v: &'j Json, at: &str) -> Result<LinkEntry<'j>, Failure> {
    let mut o = Obj::new(v, at)?;
    let path: Path = o.str("path")?.parse().map_err(|e| Failure::json(format!("{}: {e}", o.at("path"))))?;
    let u32_of = |o: &mut Obj<'j>, k: &'static str| -> Result<Option<u32>, Failure> {
        o.opt_uint(k, u64::from(u32::MAX)).map(|x| x.map(|x| x as u32))
    };
    let f64_of = |o: &mut Obj<'j>, k: &'static str| -> Result<Option<f64>, Failure> {
        let path = o.at(k);
        o.opt(k).map(|x| number(x, &path)).transpose()
    };
    let version = |o: &mut Obj<'j>, k: &'static str| -> Result<Option<Version>, Failure> {
        let path = o.at(k);
        o.opt_str(k)?
            .map(|s| {
                Version::parse(s).ok_or_else(|| Failure::json(format!("{path}: expected \"major.minor\", got {s:?}")))
            })
            .transpose()
    };
    let attributes = LinkAttributes {
        pmin: u32_of(&mut o, "pmin")?,
        pmax: u32_of(&mut o, "pmax")?,
        gt: f64_of(&mut o, "gt")?,
        lt: f64_of(&mut o, "lt")?,
        st: f64_of(&mut o, "st")?,
        epmin: u32_of(&mut o, "epmin")?,
        epmax: u32_of(&mut o, "epmax")?,
        dim: o.opt_uint("dim", 255)?.map(|x| x as u8),
        ssid: o.opt_uint("ssid", 65534)?.map(|x| x as u16),
        uri: o.opt_str("uri")?,
        ver: version(&mut o, "ver")?,
        lwm2m: version(&mut o, "lwm2m")?,
    };
    o.finish()?;
    Ok(LinkEntry { path, attributes })
}
