//! Cross-format round trips: random typed records under one object instance are encoded in every
//! format that can carry them, decoded, and then re-encoded in every other such format and decoded
//! again; after typing each record with its known type, the values must be exactly the ones
//! generated (floats compared bit for bit), and re-encoding in format B gives the same bytes as
//! encoding the generated records in B. Also the Device read of the TS (the TLV of `tests/tlv.rs`)
//! typed with `registry::CORE` and carried through every format.
//!
//! Formats: TLV, SenML JSON, SenML CBOR, LwM2M CBOR, LwM2M JSON; text/plain and opaque for single
//! records. What a format loses is given back by typing through the generated type: TLV decodes
//! to `Value::Raw`, the JSON formats carry one kind of number (Integer or Float), Time and
//! Unsigned Integer travel as integers, Corelnk as a string, Objlnk as text in LwM2M CBOR, Opaque
//! as base64 text in LwM2M JSON (typed by `lwm2m_json::typed`).
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;

use lwm2m_model::format::{lwm2m_cbor, lwm2m_json, opaque, senml_cbor, senml_json, text, tlv};
use lwm2m_model::model::*;
use proptest::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Tlv,
    SenmlJson,
    SenmlCbor,
    Lwm2mCbor,
    Lwm2mJson,
    Text,
    Opaque,
}

const FORMATS: [Format; 7] = [
    Format::Tlv,
    Format::SenmlJson,
    Format::SenmlCbor,
    Format::Lwm2mCbor,
    Format::Lwm2mJson,
    Format::Text,
    Format::Opaque,
];

/// Whether `format` can carry these records (of these types) at all: text and opaque carry one
/// value; the SenML formats and LwM2M JSON have no way to write a value of type none.
fn carries(format: Format, types: &[DataType]) -> bool {
    match format {
        Format::Tlv | Format::Lwm2mCbor => true,
        Format::SenmlJson | Format::SenmlCbor | Format::Lwm2mJson => !types.contains(&DataType::None),
        Format::Text => matches!(types, [t] if *t != DataType::Opaque),
        Format::Opaque => types == [DataType::Opaque],
    }
}

fn encode(format: Format, request: Path, records: &[Record<'_>]) -> Vec<u8> {
    let what = || format!("{format:?} encode of {records:?}");
    match format {
        Format::Tlv => {
            let n = tlv::encoded_len(request, records).unwrap_or_else(|e| panic!("{}: {e}", what()));
            let mut out = vec![0u8; n];
            assert_eq!(tlv::encode(request, records, &mut out), Ok(n));
            out
        }
        Format::SenmlJson => senml_json::encode_records(records).unwrap_or_else(|e| panic!("{}: {e:?}", what())),
        Format::SenmlCbor => senml_cbor::encode(records).unwrap_or_else(|e| panic!("{}: {e:?}", what())),
        Format::Lwm2mCbor => lwm2m_cbor::encode(records).unwrap_or_else(|e| panic!("{}: {e:?}", what())),
        Format::Lwm2mJson => lwm2m_json::encode_records(records).unwrap_or_else(|e| panic!("{}: {e:?}", what())),
        Format::Text => {
            let [r] = records else { panic!("{}: text carries one record", what()) };
            let n = text::encoded_len(&r.value).unwrap_or_else(|e| panic!("{}: {e:?}", what()));
            let mut out = vec![0u8; n];
            assert_eq!(text::encode(&r.value, &mut out), Ok(n));
            out
        }
        Format::Opaque => {
            let [r] = records else { panic!("{}: opaque carries one record", what()) };
            let n = opaque::encoded_len(&r.value).unwrap_or_else(|e| panic!("{}: {e:?}", what()));
            let mut out = vec![0u8; n];
            assert_eq!(opaque::encode(&r.value, &mut out), Ok(n));
            out
        }
    }
}

/// Decodes `bytes` in `format` and gives every record its type (`types[i]` for record `i`).
/// `paths` are the records' paths, which text and opaque take from the request.
fn decode<'a>(format: Format, request: Path, paths: &[Path], types: &[DataType], bytes: &'a [u8]) -> Vec<Record<'a>> {
    let what = || format!("{format:?} decode of {bytes:02x?}");
    let records: Vec<Record<'a>> = match format {
        Format::Tlv => tlv::decode(bytes, request).unwrap_or_else(|e| panic!("{}: {e}", what())).collect(),
        Format::SenmlJson => senml_json::decode_records(bytes).unwrap_or_else(|e| panic!("{}: {e:?}", what())),
        Format::SenmlCbor => senml_cbor::decode(bytes).unwrap_or_else(|e| panic!("{}: {e:?}", what())),
        Format::Lwm2mCbor => lwm2m_cbor::decode(bytes).unwrap_or_else(|e| panic!("{}: {e:?}", what())),
        Format::Lwm2mJson => lwm2m_json::decode_records(bytes).unwrap_or_else(|e| panic!("{}: {e:?}", what())),
        Format::Text => {
            vec![text::decode(bytes, paths[0], Some(types[0])).unwrap_or_else(|e| panic!("{}: {e:?}", what()))]
        }
        Format::Opaque => vec![opaque::decode(bytes, paths[0]).unwrap_or_else(|e| panic!("{}: {e:?}", what()))],
    };
    assert_eq!(records.len(), types.len(), "{}: {records:?}", what());
    records
        .into_iter()
        .zip(types)
        .map(|(r, &ty)| {
            let value = match format {
                Format::Lwm2mJson => lwm2m_json::typed(r.value.clone(), ty),
                _ => r.value.clone().typed(ty),
            };
            let value = value.unwrap_or_else(|e| panic!("{}: {:?} as {ty}: {e}", what(), r.value));
            Record { path: r.path, value }
        })
        .collect()
}

/// Exact equality: paths, types and values, floats bit for bit (so -0.0 is not 0.0).
fn same(a: &[Record<'_>], b: &[Record<'_>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.path == y.path
                && match (&x.value, &y.value) {
                    (Value::Float(f), Value::Float(g)) => f.to_bits() == g.to_bits(),
                    (v, w) => v == w,
                }
        })
}

/// Every format that carries `records` encodes them; each decodes back to them; decoding in A,
/// encoding in B and decoding gives them again, and B's bytes are the ones B writes for the
/// originals.
fn check_cross(request: Path, records: &[Record<'_>], types: &[DataType]) -> usize {
    let paths: Vec<Path> = records.iter().map(|r| r.path).collect();
    let formats: Vec<Format> = FORMATS.into_iter().filter(|&f| carries(f, types)).collect();
    let direct: Vec<Vec<u8>> = formats.iter().map(|&f| encode(f, request, records)).collect();
    let mut pairs = 0;
    for (&a, bytes_a) in formats.iter().zip(&direct) {
        let from_a = decode(a, request, &paths, types, bytes_a);
        assert!(same(&from_a, records), "{a:?} round trip:\n got {from_a:?}\nwant {records:?}");
        for (&b, direct_b) in formats.iter().zip(&direct) {
            let bytes_b = encode(b, request, &from_a);
            assert_eq!(&bytes_b, direct_b, "{a:?} -> {b:?}: bytes differ from encoding the originals");
            let back = decode(b, request, &paths, types, &bytes_b);
            assert!(same(&back, records), "{a:?} -> {b:?}:\n got {back:?}\nwant {records:?}");
            pairs += 1;
        }
    }
    pairs
}

// ---------------------------------------------------------------------------------------------
// Generated records.

const TYPES: [DataType; 10] = [
    DataType::String,
    DataType::Integer,
    DataType::UnsignedInteger,
    DataType::Float,
    DataType::Boolean,
    DataType::Opaque,
    DataType::Time,
    DataType::Objlnk,
    DataType::Corelnk,
    DataType::None,
];

/// A value of `ty`, owned so that the generated records are `'static`.
fn value_of(ty: DataType) -> BoxedStrategy<Value<'static>> {
    match ty {
        DataType::String => ".{0,12}".prop_map(|s| Value::String(Text::Owned(s))).boxed(),
        DataType::Integer => prop_oneof![any::<i64>(), -300i64..300].prop_map(Value::Integer).boxed(),
        DataType::UnsignedInteger => prop_oneof![any::<u64>(), 0u64..300].prop_map(Value::UnsignedInteger).boxed(),
        DataType::Float => prop_oneof![
            any::<f64>().prop_filter("finite", |f| f.is_finite()),
            any::<f32>().prop_filter("finite", |f| f.is_finite()).prop_map(f64::from),
            (-1000i32..1000).prop_map(|i| f64::from(i) / 4.0),
        ]
        .prop_map(Value::Float)
        .boxed(),
        DataType::Boolean => any::<bool>().prop_map(Value::Boolean).boxed(),
        DataType::Opaque => {
            proptest::collection::vec(any::<u8>(), 0..16).prop_map(|b| Value::Opaque(Bytes::Owned(b))).boxed()
        }
        DataType::Time => prop_oneof![any::<i64>(), 0i64..2_000_000_000].prop_map(Value::Time).boxed(),
        DataType::Objlnk => {
            (any::<u16>(), any::<u16>()).prop_map(|(object, instance)| Value::Objlnk(ObjectLink { object, instance })).boxed()
        }
        DataType::Corelnk => r#"</[0-9]{1,4}(/[0-9]{1,3})?>(;rt="[a-z.]{1,8}")?(,</[0-9]{1,4}>)?"#
            .prop_map(|s| Value::Corelnk(Text::Owned(s)))
            .boxed(),
        DataType::None => Just(Value::None).boxed(),
    }
}

fn data_type() -> impl Strategy<Value = DataType> {
    proptest::sample::select(&TYPES[..])
}

/// An id: mostly small (shared TLV 8-bit ids), sometimes wide (16-bit TLV ids).
fn id() -> impl Strategy<Value = u16> {
    prop_oneof![4 => 0u16..16, 1 => 0u16..65535]
}

/// A resource: one value, or resource instances of one type.
#[derive(Debug, Clone)]
enum Resource {
    Single(DataType, Value<'static>),
    Multiple(DataType, BTreeMap<u16, Value<'static>>),
}

fn resource() -> impl Strategy<Value = Resource> {
    (data_type(), any::<bool>()).prop_flat_map(|(ty, multiple)| {
        if multiple {
            proptest::collection::btree_map(id(), value_of(ty), 1..4)
                .prop_map(move |m| Resource::Multiple(ty, m))
                .boxed()
        } else {
            value_of(ty).prop_map(move |v| Resource::Single(ty, v)).boxed()
        }
    })
}

/// A read of one object instance: the request path (`/o` or `/o/i`), records sorted by path and
/// their types.
fn instance_read() -> impl Strategy<Value = (Path, Vec<Record<'static>>, Vec<DataType>)> {
    let object = prop_oneof![Just(3303u16), Just(3u16), id()];
    (object, id(), any::<bool>(), proptest::collection::btree_map(id(), resource(), 0..8)).prop_map(
        |(o, i, object_level, resources)| {
            let request = if object_level { Path::object_path(o) } else { Path::instance_path(o, i) };
            let (mut records, mut types) = (Vec::new(), Vec::new());
            for (r, res) in resources {
                match res {
                    Resource::Single(ty, value) => {
                        records.push(Record { path: Path::resource_path(o, i, r), value });
                        types.push(ty);
                    }
                    Resource::Multiple(ty, instances) => {
                        for (ri, value) in instances {
                            records.push(Record { path: Path::resource_instance_path(o, i, r, ri), value });
                            types.push(ty);
                        }
                    }
                }
            }
            (request, records, types)
        },
    )
}

/// One record, a resource or resource instance, of any type: text and opaque take part.
fn single_record() -> impl Strategy<Value = (Path, Record<'static>, DataType)> {
    (id(), id(), id(), proptest::option::of(id()), data_type()).prop_flat_map(|(o, i, r, ri, ty)| {
        value_of(ty).prop_map(move |value| {
            let path = match ri {
                Some(ri) => Path::resource_instance_path(o, i, r, ri),
                None => Path::resource_path(o, i, r),
            };
            (path, Record { path, value }, ty)
        })
    })
}

proptest! {
    #[test]
    fn instance_reads_cross_every_format((request, records, types) in instance_read()) {
        let pairs = check_cross(request, &records, &types);
        // TLV and LwM2M CBOR carry everything; the other three all but a value of type none.
        prop_assert!(pairs >= 4);
    }

    #[test]
    fn single_records_cross_every_format((request, record, ty) in single_record()) {
        let pairs = check_cross(request, &[record], &[ty]);
        // Text carries every type but Opaque, opaque only Opaque.
        prop_assert!(pairs >= 9);
    }
}

#[test]
fn every_type_in_one_instance_crosses_every_format() {
    // One resource of every type but none, and a multiple resource: all five formats carry it.
    let p = |r| Path::resource_path(3303, 0, r);
    let records = vec![
        Record { path: p(0), value: Value::String("é\"\\\u{1}x".into()) },
        Record { path: p(1), value: Value::Integer(i64::MIN) },
        Record { path: p(2), value: Value::UnsignedInteger(u64::MAX) },
        Record { path: p(3), value: Value::Float(-0.0) },
        Record { path: p(4), value: Value::Float(f64::MIN_POSITIVE / 8.0) },
        Record { path: p(5), value: Value::Boolean(true) },
        Record { path: p(6), value: Value::Opaque((&[0u8, 0xff, 0x80][..]).into()) },
        Record { path: p(7), value: Value::Time(-1) },
        Record { path: p(8), value: Value::Objlnk(ObjectLink::NULL) },
        Record { path: p(9), value: Value::Corelnk("</3/0>;rt=\"x\"".into()) },
        Record { path: Path::resource_instance_path(3303, 0, 300, 0), value: Value::Float(1e300) },
        Record { path: Path::resource_instance_path(3303, 0, 300, 7), value: Value::Float(9_007_199_254_740_993.0) },
    ];
    let types = [
        DataType::String,
        DataType::Integer,
        DataType::UnsignedInteger,
        DataType::Float,
        DataType::Float,
        DataType::Boolean,
        DataType::Opaque,
        DataType::Time,
        DataType::Objlnk,
        DataType::Corelnk,
        DataType::Float,
        DataType::Float,
    ];
    assert_eq!(check_cross(Path::instance_path(3303, 0), &records, &types), 25);
}

// ---------------------------------------------------------------------------------------------
// The Device read of the TS, through every format.

/// OMA-TS-LightweightM2M-V1_0 §6.4.3.1: Read /3/0 as Resource TLVs (the bytes of `tests/tlv.rs`).
const DEVICE: &str = "C800144F70656E204D6F62696C6520416C6C69616E6365 C801164C69676874776569676874204D324D20436C69656E74
    C80209333435303030313233 C303312E30 86064100014101 05 88070842000ED842011388 870841007D42010384 C10964 C10A0F
    830B410000 C40D5182428F C60E2B30323A3030 C11055";

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn device_read_crosses_every_format() {
    let request = Path::instance_path(3, 0);
    let bytes = hex(DEVICE);
    let mut device: Vec<Record<'_>> = tlv::decode(&bytes, request).unwrap().collect();
    type_records(registry::CORE, &mut device).unwrap();
    assert_eq!(device.len(), 16);
    assert_eq!(device[13], Record { path: Path::resource_path(3, 0, 13), value: Value::Time(1_367_491_215) });
    let types: Vec<DataType> = device.iter().map(|r| registry::CORE.resource_at(&r.path).unwrap().data_type).collect();
    assert_eq!(encode(Format::Tlv, request, &device), bytes, "the typed records re-encode to the TS bytes");
    assert_eq!(check_cross(request, &device, &types), 25);
    // Every resource alone, through text too (no Device resource in the read is Opaque).
    for (r, &ty) in device.iter().zip(&types) {
        assert_eq!(check_cross(r.path, std::slice::from_ref(r), &[ty]), 36, "{}", r.path);
    }
}

#[test]
fn device_read_typed_by_the_registry_after_every_format() {
    // The same as a server does it: decode in each format, type with `registry::CORE` (not with
    // the types known here), and get the TLV's typed records.
    let request = Path::instance_path(3, 0);
    let bytes = hex(DEVICE);
    let mut device: Vec<Record<'_>> = tlv::decode(&bytes, request).unwrap().collect();
    type_records(registry::CORE, &mut device).unwrap();
    for format in [Format::SenmlJson, Format::SenmlCbor, Format::Lwm2mCbor, Format::Lwm2mJson] {
        let payload = encode(format, request, &device);
        let mut back = match format {
            Format::SenmlJson => senml_json::decode_records(&payload).unwrap(),
            Format::SenmlCbor => senml_cbor::decode(&payload).unwrap(),
            Format::Lwm2mCbor => lwm2m_cbor::decode(&payload).unwrap(),
            _ => lwm2m_json::decode_records(&payload).unwrap(),
        };
        type_records(registry::CORE, &mut back).unwrap();
        assert!(same(&back, &device), "{format:?}:\n got {back:?}\nwant {device:?}");
    }
}
