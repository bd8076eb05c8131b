//! LwM2M across formats: the first byte picks the source format (TLV read of /3/0, SenML JSON,
//! SenML CBOR, LwM2M CBOR, LwM2M JSON), the rest is its payload. What decodes and types with
//! `registry::CORE` encodes in every format that takes it (TLV: a read of the first record's
//! object) and decodes back to the same typed records (sorted; floats bit for bit, NaN = NaN).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lwm2m_model::format::{lwm2m_cbor, lwm2m_json, senml_cbor, senml_json, tlv};
use lwm2m_model::model::{registry::CORE, type_records, Definitions, Path, Record, Value};

fn typed(f: u8, req: Path, b: &[u8]) -> Option<Vec<Record<'_>>> {
    let mut r: Vec<Record<'_>> = match f {
        0 => tlv::decode(b, req).ok()?.collect(),
        1 => senml_json::decode_records(b).ok()?,
        2 => senml_cbor::decode(b).ok()?,
        3 => lwm2m_cbor::decode(b).ok()?,
        _ => lwm2m_json::decode_records(b).ok()?,
    };
    for x in &mut r {
        let ty = CORE.resource_at(&x.path)?.data_type; // only known resources: all typed
        x.value = if f == 4 { lwm2m_json::typed(x.value.clone(), ty).ok()? } else { x.value.clone() };
    }
    type_records(CORE, &mut r).ok()?;
    r.sort_by_key(|x| x.path);
    Some(r)
}

fn encode(f: u8, req: Path, r: &[Record<'_>]) -> Option<Vec<u8>> {
    match f {
        0 => {
            let mut out = vec![0; tlv::encoded_len(req, r).ok()?];
            tlv::encode(req, r, &mut out).ok().map(|_| out)
        }
        1 => senml_json::encode_records(r).ok(),
        2 => senml_cbor::encode(r).ok(),
        3 => lwm2m_cbor::encode(r).ok(),
        _ => lwm2m_json::encode_records(r).ok(),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, payload)) = data.split_first() else { return };
    let Some(records) = typed(pick % 5, Path::instance_path(3, 0), payload) else { return };
    let req = Path::object_path(records.first().and_then(|r| r.path.object()).unwrap_or(3));
    for f in 0..5u8 {
        let Some(bytes) = encode(f, req, &records) else { continue };
        let back = typed(f, req, &bytes).unwrap_or_else(|| panic!("format {f} does not read back {records:?}"));
        let same = |x: &Record<'_>, y: &Record<'_>| match (&x.value, &y.value) {
            (Value::Float(a), Value::Float(b)) => {
                x.path == y.path && (a.to_bits() == b.to_bits() || a.is_nan() && b.is_nan())
            }
            _ => x == y,
        };
        let ok = back.len() == records.len() && back.iter().zip(&records).all(|(x, y)| same(x, y));
        assert!(ok, "format {f}: {records:?} came back as {back:?}");
    }
});
