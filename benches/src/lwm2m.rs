//! The LwM2M content-format workload: typed records, and the one decode and encode call per
//! format that `benches/lwm2m_formats.rs` times and `benches/callgrind_lwm2m.rs` counts.
//!
//! There are no peer crates here: the comparison is between the formats of `lwm2m-model` on the
//! same records. Every workload's records are written by every format that can carry them, and
//! [`size_table`] gives the encoded size in bytes of each (part of the suite's header-overhead
//! report).
//!
//! | workload | records | request (TLV) | formats |
//! |---|---|---|---|
//! | `device` | the Read of /3/0 of OMA-TS-LightweightM2M-V1_0 §6.4.3.1 (16 records: the Device strings, multiple resources 6, 7, 8, 11, battery, memory, time, UTC offset, binding) | `/3/0` | TLV, SenML JSON, SenML CBOR, LwM2M CBOR, LwM2M JSON |
//! | `series` | ten temperatures, `/3303/0..9/5700` (Sensor Value, Float) in ten instances, no times: the same records in every format | `/3303` | TLV, SenML JSON, SenML CBOR, LwM2M CBOR, LwM2M JSON |
//! | `series_timed` | ten temperatures of one resource, `/3303/0/5700` at ten times a minute apart (SenML `bt`/`t`) | - | SenML JSON, LwM2M JSON (the formats whose API writes times) |
//! | `battery` | one resource, `/3/0/9` = 100 (Integer) | `/3/0/9` | all six, text/plain too |
//!
//! **Decode** is payload to typed records: the format's decode, then [`type_records`] with
//! [`registry::CORE`] for every format (for TLV this is what turns `Value::Raw` into typed values;
//! for the others it turns JSON and CBOR integers into Time where the resource is a Time and
//! checks each record against its definition, as a server does), into a fresh `Vec` dropped
//! inside the timing (text gives its one [`Record`] without a `Vec`). **Encode** is borrowed
//! typed records to bytes: TLV and text write into a reused `&mut [u8]` (no allocation); the
//! SenML, LwM2M CBOR and LwM2M JSON encoders return a new `Vec<u8>` (their API), dropped inside
//! the timing.

use lwm2m_model::format::senml_json::SenmlRecord;
use lwm2m_model::format::{lwm2m_cbor, lwm2m_json, senml_cbor, senml_json, text, tlv};
use lwm2m_model::model::{registry, type_records, Definitions, Path, Record, Value};

/// A content format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Tlv,
    Text,
    SenmlJson,
    SenmlCbor,
    Lwm2mCbor,
    Lwm2mJson,
}

impl Format {
    /// Every format, in the order of the tables.
    pub const ALL: [Format; 6] =
        [Self::Tlv, Self::SenmlJson, Self::SenmlCbor, Self::Lwm2mCbor, Self::Lwm2mJson, Self::Text];

    /// The module name: the last part of `decode/<workload>/<format>`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Tlv => "tlv",
            Self::Text => "text",
            Self::SenmlJson => "senml_json",
            Self::SenmlCbor => "senml_cbor",
            Self::Lwm2mCbor => "lwm2m_cbor",
            Self::Lwm2mJson => "lwm2m_json",
        }
    }

    /// The format called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }
}

/// One workload: typed records (with times for `series_timed`) and the formats that carry them.
#[derive(Debug, Clone)]
pub struct Workload {
    /// `device`, `series`, `series_timed`, `battery`.
    pub name: &'static str,
    /// The request path a TLV (and text) payload is read for.
    pub request: Path,
    /// The records, typed as `registry::CORE` defines them.
    pub records: Vec<Record<'static>>,
    /// The same records with their SenML times (`series_timed` only; `None` otherwise).
    pub timed: Option<Vec<SenmlRecord<'static>>>,
    /// The formats that carry the records.
    pub formats: &'static [Format],
}

const FIVE: &[Format] = &[Format::Tlv, Format::SenmlJson, Format::SenmlCbor, Format::Lwm2mCbor, Format::Lwm2mJson];

/// The temperatures of both series, in °C (22.0 and 22.5 are exact in a half float; the others
/// need a double, as most sensor readings do).
pub const TEMPERATURES: [f64; 10] = [21.7, 21.8, 22.0, 22.1, 22.4, 22.3, 22.5, 22.6, 22.4, 22.8];

/// The time of the first reading of `series_timed` (seconds since the epoch); the next are 60 s
/// apart.
pub const SERIES_START: f64 = 1_700_000_000.0;

fn rec(path: Path, value: Value<'static>) -> Record<'static> {
    Record { path, value }
}

/// The Device Read of OMA-TS-LightweightM2M-V1_0 §6.4.3.1 (the TS has no Timezone, /3/0/15, in it).
pub fn device_records() -> Vec<Record<'static>> {
    let r = |id| Path::resource_path(3, 0, id);
    let ri = |id, i| Path::resource_instance_path(3, 0, id, i);
    vec![
        rec(r(0), Value::String("Open Mobile Alliance".into())),
        rec(r(1), Value::String("Lightweight M2M Client".into())),
        rec(r(2), Value::String("345000123".into())),
        rec(r(3), Value::String("1.0".into())),
        rec(ri(6, 0), Value::Integer(1)),
        rec(ri(6, 1), Value::Integer(5)),
        rec(ri(7, 0), Value::Integer(3800)),
        rec(ri(7, 1), Value::Integer(5000)),
        rec(ri(8, 0), Value::Integer(125)),
        rec(ri(8, 1), Value::Integer(900)),
        rec(r(9), Value::Integer(100)),
        rec(r(10), Value::Integer(15)),
        rec(ri(11, 0), Value::Integer(0)),
        rec(r(13), Value::Time(1_367_491_215)),
        rec(r(14), Value::String("+02:00".into())),
        rec(r(16), Value::String("U".into())),
    ]
}

/// Every workload.
pub fn workloads() -> Vec<Workload> {
    let series =
        TEMPERATURES.iter().zip(0u16..).map(|(&t, i)| rec(Path::resource_path(3303, i, 5700), Value::Float(t)));
    let value = Path::resource_path(3303, 0, 5700);
    let timed: Vec<SenmlRecord<'static>> = TEMPERATURES
        .iter()
        .zip(0u32..)
        .map(|(&t, i)| SenmlRecord {
            path: value,
            value: Value::Float(t),
            time: Some(SERIES_START + f64::from(60 * i)),
        })
        .collect();
    vec![
        Workload {
            name: "device",
            request: Path::instance_path(3, 0),
            records: device_records(),
            timed: None,
            formats: FIVE,
        },
        Workload {
            name: "series",
            request: Path::object_path(3303),
            records: series.collect(),
            timed: None,
            formats: FIVE,
        },
        Workload {
            name: "series_timed",
            request: Path::instance_path(3303, 0),
            records: timed.iter().map(|r| r.clone().into_record()).collect(),
            timed: Some(timed),
            formats: &[Format::SenmlJson, Format::Lwm2mJson],
        },
        Workload {
            name: "battery",
            request: Path::resource_path(3, 0, 9),
            records: vec![rec(Path::resource_path(3, 0, 9), Value::Integer(100))],
            timed: None,
            formats: &Format::ALL,
        },
    ]
}

/// The workload called `name`.
pub fn workload(name: &str) -> Option<Workload> {
    workloads().into_iter().find(|w| w.name == name)
}

/// What a decode gives: typed records, typed records with their times, or text's one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded<'a> {
    Records(Vec<Record<'a>>),
    Timed(Vec<SenmlRecord<'a>>),
    One(Record<'a>),
}

/// Any decode, encode or typing error (the workloads have none; boxed only on the error path).
pub type Error = Box<dyn std::error::Error>;

/// Gives timed records their resource's type.
fn type_timed(records: &mut [SenmlRecord<'_>]) -> Result<(), Error> {
    for r in records {
        if let Some(def) = registry::CORE.resource_at(&r.path) {
            r.value = r.value.clone().typed(def.data_type)?;
        }
    }
    Ok(())
}

fn typed(mut records: Vec<Record<'_>>) -> Result<Decoded<'_>, Error> {
    type_records(registry::CORE, &mut records)?;
    Ok(Decoded::Records(records))
}

/// The timed decode: `payload` (of `format`) to typed records; see the module docs.
#[inline]
pub fn decode<'a>(format: Format, w: &Workload, payload: &'a [u8]) -> Result<Decoded<'a>, Error> {
    let timed = w.timed.is_some();
    match format {
        Format::Tlv => typed(tlv::decode(payload, w.request)?.collect()),
        Format::Text => {
            let ty = registry::CORE.resource_at(&w.request).map(|d| d.data_type);
            Ok(Decoded::One(text::decode(payload, w.request, ty)?))
        }
        Format::SenmlJson if timed => {
            let mut r = senml_json::decode(payload)?;
            type_timed(&mut r)?;
            Ok(Decoded::Timed(r))
        }
        Format::Lwm2mJson if timed => {
            let mut r = lwm2m_json::decode(payload)?;
            type_timed(&mut r)?;
            Ok(Decoded::Timed(r))
        }
        Format::SenmlJson => typed(senml_json::decode_records(payload)?),
        Format::SenmlCbor => typed(senml_cbor::decode(payload)?),
        Format::Lwm2mCbor => typed(lwm2m_cbor::decode(payload)?),
        Format::Lwm2mJson => typed(lwm2m_json::decode_records(payload)?),
    }
}

/// What an encode gives: the length written into the caller's buffer, or the encoder's own `Vec`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encoded {
    InBuffer(usize),
    Owned(Vec<u8>),
}

/// The timed encode: the workload's borrowed typed records in `format`; TLV and text into `buf`.
#[inline]
pub fn encode(format: Format, w: &Workload, buf: &mut [u8]) -> Result<Encoded, Error> {
    Ok(match (format, &w.timed) {
        (Format::Tlv, _) => Encoded::InBuffer(tlv::encode(w.request, &w.records, buf)?),
        (Format::Text, _) => {
            let [r] = w.records.as_slice() else { return Err("text carries one record".into()) };
            Encoded::InBuffer(text::encode(&r.value, buf)?)
        }
        (Format::SenmlJson, Some(t)) => Encoded::Owned(senml_json::encode(t)?),
        (Format::Lwm2mJson, Some(t)) => Encoded::Owned(lwm2m_json::encode(t)?),
        (Format::SenmlJson, None) => Encoded::Owned(senml_json::encode_records(&w.records)?),
        (Format::SenmlCbor, None) => Encoded::Owned(senml_cbor::encode(&w.records)?),
        (Format::Lwm2mCbor, None) => Encoded::Owned(lwm2m_cbor::encode(&w.records)?),
        (Format::Lwm2mJson, None) => Encoded::Owned(lwm2m_json::encode_records(&w.records)?),
        (f, Some(_)) => return Err(format!("{} does not write times", f.name()).into()),
    })
}

/// The workload's payload in `format` (set-up, outside any timing).
pub fn payload(format: Format, w: &Workload) -> Vec<u8> {
    let mut buf = vec![0u8; 4096];
    match encode(format, w, &mut buf).unwrap_or_else(|e| panic!("{} {}: {e}", w.name, format.name())) {
        Encoded::InBuffer(n) => {
            buf.truncate(n);
            buf
        }
        Encoded::Owned(v) => v,
    }
}

/// The encoded size in bytes of every workload in every format that carries it: a markdown table,
/// workloads as rows, formats as columns (`-`: the format cannot carry the workload).
pub fn size_table() -> String {
    let mut s = String::from("| workload | records |");
    for f in Format::ALL {
        s.push_str(&format!(" {} |", f.name()));
    }
    s.push_str("\n|---|---:|");
    s.push_str(&"---:|".repeat(Format::ALL.len()));
    for w in workloads() {
        s.push_str(&format!("\n| {} | {} |", w.name, w.records.len()));
        for f in Format::ALL {
            if w.formats.contains(&f) {
                s.push_str(&format!(" {} |", payload(f, &w).len()));
            } else {
                s.push_str(" - |");
            }
        }
    }
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex;

    /// OMA-TS-LightweightM2M-V1_0 §6.4.3.1, as in `lwm2m-model/tests/tlv.rs`.
    const DEVICE_TLV: &str =
        "c8 00 14 4f 70 65 6e 20 4d 6f 62 69 6c 65 20 41 6c 6c 69 61 6e 63 65 c8 01 16 4c 69 67 68 \
        74 77 65 69 67 68 74 20 4d 32 4d 20 43 6c 69 65 6e 74 c8 02 09 33 34 35 30 30 30 31 32 33 c3 03 31 2e 30 86 06 \
        41 00 01 41 01 05 88 07 08 42 00 0e d8 42 01 13 88 87 08 41 00 7d 42 01 03 84 c1 09 64 c1 0a 0f 83 0b 41 00 00 \
        c4 0d 51 82 42 8f c6 0e 2b 30 32 3a 30 30 c1 10 55";

    #[test]
    fn every_format_decodes_its_payload_to_the_workload() {
        for w in workloads() {
            for &f in w.formats {
                let bytes = payload(f, &w);
                let got = decode(f, &w, &bytes).unwrap_or_else(|e| panic!("{} {}: {e}", w.name, f.name()));
                let want = match (&w.timed, f) {
                    (_, Format::Text) => Decoded::One(w.records[0].clone()),
                    (Some(t), _) => Decoded::Timed(t.clone()),
                    (None, _) => Decoded::Records(w.records.clone()),
                };
                assert_eq!(got, want, "{} {}", w.name, f.name());
            }
        }
    }

    #[test]
    fn the_device_workload_is_the_ts_read() {
        let w = workload("device").unwrap();
        assert_eq!(hex(&payload(Format::Tlv, &w), 200), DEVICE_TLV);
    }

    #[test]
    fn encoded_sizes() {
        let table = size_table();
        println!("LwM2M workloads, encoded size in bytes:\n{table}");
        // Exact, so that a format change that alters the sizes is seen (README results table).
        let expected = "\
| workload | records | tlv | senml_json | senml_cbor | lwm2m_cbor | lwm2m_json | text |
|---|---:|---:|---:|---:|---:|---:|---:|
| device | 16 | 121 | 384 | 196 | 118 | 390 | - |
| series | 10 | 138 | 255 | 187 | 133 | 261 | - |
| series_timed | 10 | - | 281 | - | - | 287 | - |
| battery | 1 | 3 | 25 | 13 | 7 | 31 | 3 |
";
        assert_eq!(table, expected);
    }
}
