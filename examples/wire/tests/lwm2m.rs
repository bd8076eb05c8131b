//! `wire` on LwM2M payloads: golden coverage of every format and data type, random records
//! encoded by `lwm2m-model` surviving decode then encode byte for byte (batch and single), the
//! `--path` typing and its refusals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use common::*;
use lwm2m_model::format::{lwm2m_cbor, senml_cbor, senml_json, tlv};
use lwm2m_model::model::{Bytes, ObjectLink, Path, Record, Text, Value};
use serde_json::Value as Json;

const FORMATS: [&str; 8] =
    ["lwm2m-tlv", "lwm2m-json", "senml-json", "senml-cbor", "lwm2m-cbor", "lwm2m-text", "lwm2m-opaque", "core-link"];

#[test]
fn golden_lines_cover_every_format_and_type() {
    let golden: Vec<Shown> = shown_commands().into_iter().filter(|s| s.golden).collect();
    for f in FORMATS {
        assert!(golden.iter().any(|s| s.proto == f), "no golden line for {f}");
    }
    let types: Vec<String> = golden
        .iter()
        .filter(|s| s.proto.starts_with("lwm2m") || s.proto.starts_with("senml"))
        .flat_map(|s| {
            let v: Json = serde_json::from_str(&s.expected).unwrap();
            v["records"].as_array().unwrap().iter().map(|r| r["type"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
        })
        .collect();
    for t in ["String", "Integer", "Float", "Boolean", "Opaque", "Time", "Objlnk", "Raw"] {
        assert!(types.iter().any(|x| x == t), "no golden record of type {t}");
    }
    // With and without --path for TLV; the relative form names its level.
    assert!(golden.iter().any(|s| s.proto == "lwm2m-tlv" && s.path.is_none() && s.expected.contains("relative_to")));
    assert!(golden.iter().any(|s| s.proto == "lwm2m-tlv" && s.path.is_some()));
}

/// A deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Random typed records under /o/i (resources 0-40, some multiple), every value type but Raw.
fn random_records(rng: &mut Rng, object: u16) -> Vec<Record<'static>> {
    let mut out: Vec<Record<'static>> = Vec::new();
    let mut resource = 0u16;
    for _ in 0..1 + rng.below(6) {
        resource += 1 + rng.below(7) as u16;
        let value = match rng.below(7) {
            0 => Value::String(Text::Owned(format!("v{}-é", rng.below(1000)))),
            1 => Value::Integer(rng.next() as i64 >> rng.below(64)),
            2 => Value::Float(f64::from(rng.below(100_000) as u32) / 8.0 - 1000.0),
            3 => Value::Boolean(rng.below(2) == 1),
            4 => Value::Opaque(Bytes::Owned((0..rng.below(6)).map(|_| rng.next() as u8).collect())),
            5 => Value::Objlnk(ObjectLink { object: rng.below(65535) as u16, instance: rng.below(65535) as u16 }),
            _ => Value::Integer(rng.below(1 << 20) as i64),
        };
        if rng.below(4) == 0 {
            for ri in 0..1 + rng.below(3) as u16 {
                out.push(Record { path: Path::resource_instance_path(object, 0, resource, ri), value: value.clone() });
            }
        } else {
            out.push(Record { path: Path::resource_path(object, 0, resource), value });
        }
    }
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Payloads made by the library for `format` (unknown object 9000, so no registry typing).
fn payloads(format: &str, seed: u64, count: usize) -> Vec<String> {
    let mut rng = Rng(seed);
    let request = Path::instance_path(9000, 0);
    (0..count)
        .map(|_| {
            let records = random_records(&mut rng, 9000);
            let bytes = match format {
                "lwm2m-tlv" => {
                    let mut out = vec![0u8; tlv::encoded_len(request, &records).unwrap()];
                    tlv::encode(request, &records, &mut out).unwrap();
                    out
                }
                "senml-json" => senml_json::encode_records(&records).unwrap(),
                "senml-cbor" => senml_cbor::encode(&records).unwrap(),
                "lwm2m-cbor" => lwm2m_cbor::encode(&records).unwrap(),
                other => panic!("{other}"),
            };
            hex(&bytes)
        })
        .collect()
}

#[test]
fn random_payloads_round_trip_byte_for_byte() {
    for (format, path) in [
        ("lwm2m-tlv", Some("/9000/0")),
        ("lwm2m-tlv", None),
        ("senml-json", None),
        ("senml-cbor", None),
        ("lwm2m-cbor", None),
    ] {
        let hexes = payloads(format, 0x2545_F491_4F6C_DD1D, 1500);
        let mut args = vec!["decode", format, "-"];
        if let Some(p) = path {
            args.extend(["--path", p]);
        }
        let input: String = hexes.iter().map(|h| format!("{h}\n")).collect();
        let (code, jsons) = wire_stdin(&args, input.as_bytes());
        assert_eq!(code, 0);
        for (h, j) in hexes.iter().zip(jsons.lines()) {
            assert!(!j.contains("\"error\""), "{format} {path:?} {h} -> {j}");
        }
        args[0] = "encode";
        let (code, back) = wire_stdin(&args, jsons.as_bytes());
        assert_eq!(code, 0);
        assert_eq!(back.lines().count(), hexes.len());
        for ((h, j), b) in hexes.iter().zip(jsons.lines()).zip(back.lines()) {
            assert_eq!(b, h, "{format} {path:?}: {j}");
        }
        for h in hexes.iter().take(10) {
            let mut one = vec!["decode", format, h.as_str()];
            if let Some(p) = path {
                one.extend(["--path", p]);
            }
            let (code, j) = answer(&one);
            assert_eq!(code, 0);
            one[0] = "encode";
            one[2] = &j;
            assert_eq!(answer(&one), (0, h.clone()));
        }
    }
}

#[test]
fn the_request_path_types_values_and_converts_between_formats() {
    // /3/0/13 Current Time is a Time: TLV's 4 bytes read as seconds only with --path.
    let raw = decode("lwm2m-tlv", "c40d5182428f");
    assert!(raw.contains(r#""type": "Raw", "value": "5182428f""#), "{raw}");
    let (code, typed) = answer(&["decode", "lwm2m-tlv", "c40d5182428f", "--path", "/3/0"]);
    assert_eq!(code, 0);
    assert!(typed.contains(r#"{"path": "/3/0/13", "type": "Time", "value": 1367491215}"#), "{typed}");
    // The same records re-encoded as SenML JSON: change "type" only.
    let senml = typed.replacen("lwm2m-tlv", "senml-json", 1);
    let (code, hex) = answer(&["encode", "senml-json", &senml, "--path", "/3/0"]);
    assert_eq!(code, 0);
    let bytes: Vec<u8> = (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    assert_eq!(String::from_utf8(bytes).unwrap(), r#"[{"bn":"/3/0/13","v":1367491215}]"#);
    // Refusals: a --path that does not parse is a usage error; one the JSON disagrees with, json.
    let (code, out, err) = wire(&["decode", "lwm2m-tlv", "c10964", "--path", "3/0"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert!(err.contains("--path"), "{err}");
    assert!(refused(&["encode", "lwm2m-tlv", &typed, "--path", "/3/1"]).starts_with("json: path:"));
    assert!(refused(&["encode", "senml-json", &typed]).starts_with("json: type:"));
    let (code, _, err) = wire(&["decode", "coap", "40", "--path", "/3/0"]);
    assert!(code == 2 && err.contains("--path is for the LwM2M formats"), "{err}");
}
