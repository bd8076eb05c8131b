//! LwM2M CBOR (Content-Format 11544): Anjay's vectors (`tests/core/io/lwm2m_cbor_in.c`,
//! `lwm2m_cbor_out.c`) decoded and, where they are in preferred serialization, written back
//! byte for byte; the malformed corpus (one row per `Malformed` variant); round trips, a
//! cross-check against SenML CBOR and a no-panic property on any bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeSet;

use lwm2m_model::format::lwm2m_cbor::{decode, encode, EncodeError, Malformed as M};
use lwm2m_model::format::senml_cbor;
use lwm2m_model::model::{DataType, ObjectLink, Path, PathError, Record, Value, ValueError};
use proptest::prelude::*;

fn rec(path: &str, value: Value<'static>) -> Record<'static> {
    Record { path: path.parse().unwrap(), value }
}

/// Anjay's inputs, with the records they mean and whether our encoder writes the same bytes.
fn vectors() -> Vec<(&'static str, &'static [u8], Vec<Record<'static>>, bool)> {
    let r1 = || rec("/13/26/1", Value::Integer(42));
    let r2 = || rec("/13/26/2", Value::Integer(21));
    vec![
        ("single_resource {[13, 26, 1]: 42}", b"\xa1\x83\x0d\x18\x1a\x01\x18\x2a", vec![r1()], true),
        ("out single_resource, indefinite", b"\xbf\x83\x0d\x18\x1a\x01\x18\x2a\xff", vec![r1()], false),
        ("single_resource_bool", b"\xa1\x83\x0d\x18\x1a\x01\xf5", vec![rec("/13/26/1", Value::Boolean(true))], true),
        ("single_resource_indefinite", b"\xbf\x9f\x0d\x18\x1a\x01\xff\x18\x2a\xff", vec![r1()], false),
        ("single_resource_nested", b"\xa1\x0d\xa1\x18\x1a\xa1\x01\x18\x2a", vec![r1()], false),
        ("single_resource_nested_arrays", b"\xa1\x81\x0d\xa1\x81\x18\x1a\xa1\x81\x01\x18\x2a", vec![r1()], false),
        (
            "nested_arrays_all_indefinite",
            b"\xbf\x9f\x0d\xff\xbf\x9f\x18\x1a\xff\xbf\x9f\x01\xff\x18\x2a\xff\xff\xff",
            vec![r1()],
            false,
        ),
        ("two_resources_1 {[13, 26]: {1: 42, 2: 21}}", b"\xa1\x82\x0d\x18\x1a\xa2\x01\x18\x2a\x02\x15", vec![r1(), r2()], true),
        ("two_resources_2", b"\xa2\x83\x0d\x18\x1a\x01\x18\x2a\x83\x0d\x18\x1a\x02\x15", vec![r1(), r2()], false),
        ("two_resources_3", b"\xa2\x82\x0d\x18\x1a\xa1\x01\x18\x2a\x83\x0d\x18\x1a\x02\x15", vec![r1(), r2()], false),
        ("two_resources_4", b"\xa2\x83\x0d\x18\x1a\x01\x18\x2a\x82\x0d\x18\x1a\xa1\x81\x02\x15", vec![r1(), r2()], false),
        (
            "bytes",
            b"\xa1\x83\x0d\x18\x1a\x01\x50\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff",
            vec![rec(
                "/13/26/1",
                Value::Opaque((&b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff"[..]).into()),
            )],
            true,
        ),
        (
            "bytes_indefinite",
            b"\xa1\x83\x0d\x18\x1a\x01\x5f\x48\x00\x11\x22\x33\x44\x55\x66\x77\x48\x88\x99\xaa\xbb\xcc\xdd\xee\xff\xff",
            vec![rec(
                "/13/26/1",
                Value::Opaque((&b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff"[..]).into()),
            )],
            false,
        ),
        ("string", b"\xa1\x83\x0d\x18\x1a\x01\x70c--cossiezepsulo", vec![rec("/13/26/1", Value::String("c--cossiezepsulo".into()))], true),
        (
            "null_and_int {[13, 26, 1]: {2: null, 3: 5}}",
            b"\xa1\x83\x0d\x18\x1a\x01\xa2\x02\xf6\x03\x05",
            vec![rec("/13/26/1/2", Value::None), rec("/13/26/1/3", Value::Integer(5))],
            true,
        ),
        (
            "all_types",
            b"\xa1\x82\x0d\x18\x1a\xa7\x01\x01\x02\x20\x03\xf9\x41\x00\x04\x64test\x05\x44\x11\x22\x33\x44\x06\x6512:34\x07\x01",
            vec![
                rec("/13/26/1", Value::Integer(1)),
                rec("/13/26/2", Value::Integer(-1)),
                rec("/13/26/3", Value::Float(2.5)),
                rec("/13/26/4", Value::String("test".into())),
                rec("/13/26/5", Value::Opaque((&b"\x11\x22\x33\x44"[..]).into())),
                rec("/13/26/6", Value::String("12:34".into())),
                rec("/13/26/7", Value::Integer(1)),
            ],
            true,
        ),
        (
            "composite {13: {26: {1: 1}}, 14: {27: {2: 2}}}",
            b"\xa2\x0d\xa1\x18\x1a\xa1\x01\x01\x0e\xa1\x18\x1b\xa1\x02\x02",
            vec![rec("/13/26/1", Value::Integer(1)), rec("/14/27/2", Value::Integer(2))],
            false,
        ),
        (
            "out resource_instances_nested_maps",
            b"\xbf\x82\x0d\x18\x1a\xbf\x01\x18\x2a\x03\xbf\x15\xfb\x40\x51\x6b\x85\x1e\xb8\x51\xec\x18\x25\xf4\xff\xff\xff",
            vec![
                r1(),
                rec("/13/26/3/21", Value::Float(69.68)),
                rec("/13/26/3/37", Value::Boolean(false)),
            ],
            false,
        ),
    ]
}

#[test]
fn anjay_vectors_decode_and_minimal_ones_are_written_back() {
    for (name, bytes, records, same_bytes) in vectors() {
        let got = decode(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, records, "{name}");
        let again = encode(&records).unwrap();
        if same_bytes {
            assert_eq!(again, bytes, "{name}");
        } else {
            assert_ne!(again, bytes, "{name}: mark it as in preferred form");
        }
        assert_eq!(decode(&again).unwrap(), records, "{name}");
    }
}

#[test]
fn collapsing_rule_in_preferred_serialization() {
    // Anjay's two_objects_one_instance_two_resources, which Anjay writes without collapsing.
    let records = [
        rec("/13/26/1", Value::Integer(42)),
        rec("/13/26/2", Value::Integer(21)),
        rec("/14/27/1", Value::Integer(43)),
        rec("/14/27/2", Value::Integer(22)),
    ];
    // {[13, 26]: {1: 42, 2: 21}, [14, 27]: {1: 43, 2: 22}}
    let ours = b"\xa2\x82\x0d\x18\x1a\xa2\x01\x18\x2a\x02\x15\x82\x0e\x18\x1b\xa2\x01\x18\x2b\x02\x16";
    assert_eq!(encode(&records).unwrap(), ours);
    let anjay =
        b"\xbf\x0d\xbf\x18\x1a\xbf\x01\x18\x2a\x02\x15\xff\xff\x0e\xbf\x18\x1b\xbf\x01\x18\x2b\x02\x16\xff\xff\xff";
    assert_eq!(decode(anjay).unwrap(), records);
    // A lone record in a group keeps all its remaining ids in one key; records come out sorted.
    let mixed =
        [rec("/3/0/9", Value::Integer(100)), rec("/1/0/1", Value::Integer(86400)), rec("/3/0/7/1", Value::Integer(5))];
    // {[1, 0, 1]: 86400, [3, 0]: {[7, 1]: 5, 9: 100}}
    let bytes = encode(&mixed).unwrap();
    assert_eq!(bytes, b"\xa2\x83\x01\x00\x01\x1a\x00\x01\x51\x80\x82\x03\x00\xa2\x82\x07\x01\x05\x09\x18\x64");
    assert_eq!(decode(&bytes).unwrap(), [mixed[1].clone(), mixed[2].clone(), mixed[0].clone()]);
    assert_eq!(encode(&[]).unwrap(), [0xa0]);
    assert!(decode(&[0xa0]).unwrap().is_empty());
}

#[test]
fn types_the_format_does_not_carry_come_back_through_typed() {
    let records = [
        rec("/3/0/13", Value::Time(1_367_491_215)),
        rec("/3/0/22/0", Value::Objlnk(ObjectLink { object: 12, instance: 34 })),
        rec("/3/0/23", Value::Corelnk("</3/0>".into())),
    ];
    let bytes = encode(&records).unwrap();
    let back = decode(&bytes).unwrap();
    assert_eq!(back[0].value, Value::Integer(1_367_491_215));
    assert_eq!(back[1].value, Value::String("12:34".into()));
    assert_eq!(back[0].value.clone().typed(DataType::Time), Ok(Value::Time(1_367_491_215)));
    assert_eq!(back[1].value.clone().typed(DataType::Objlnk), Ok(records[1].value.clone()));
    assert_eq!(back[2].value.clone().typed(DataType::Corelnk), Ok(records[2].value.clone()));
    for bad in ["12", "12:", ":3", "+1:2", "65536:0", "1:2:3"] {
        assert_eq!(
            Value::String(bad.into()).typed(DataType::Objlnk),
            Err(ValueError::Convert { from: DataType::String, to: DataType::Objlnk }),
            "{bad}"
        );
    }
    // Tag 1 (epoch time) on an integer is read as a time.
    assert_eq!(
        decode(b"\xa1\x83\x03\x00\x0d\xc1\x1a\x51\x82\x42\x8f").unwrap(),
        [rec("/3/0/13", Value::Time(0x5182_428f))]
    );
}

#[test]
fn encode_refuses_what_cannot_be_written() {
    let ok = rec("/3/0/9", Value::Integer(1));
    assert_eq!(
        encode(&[ok.clone(), rec("/3/0/0", Value::Raw((&b"x"[..]).into()))]),
        Err(EncodeError::RawValue { index: 1 })
    );
    assert_eq!(encode(&[rec("/3/0", Value::Integer(1))]), Err(EncodeError::NotResource { index: 0 }));
    assert_eq!(
        encode(&[ok.clone(), rec("/3/0/0", Value::Integer(2)), ok]),
        Err(EncodeError::DuplicatePath { index: 2 })
    );
    assert_eq!(
        encode(&[rec("/3/0/7/0", Value::Integer(1)), rec("/3/0/7", Value::Integer(2))]),
        Err(EncodeError::DuplicatePath { index: 1 })
    );
}

/// One row per rule: name, bytes, the error expected.
fn corpus() -> Vec<(&'static str, &'static [u8], M)> {
    vec![
        ("reserved initial byte", b"\xa1\x1c\x00", M::Cbor),
        ("break as a key in a definite map", b"\xa1\xff\x00", M::Cbor),
        ("text not utf-8", b"\xa1\x83\x0d\x18\x1a\x01\x62\xff\xfe", M::Cbor),
        ("cut inside a map (Anjay path_sudden_nested_map_end)", b"\xa1\x82\x0d\x18\x1a\xa1", M::LengthBeyondInput),
        ("map longer than input", b"\xbb\x00\x00\x00\x01\x00\x00\x00\x00\x00", M::LengthBeyondInput),
        ("key array longer than input", b"\xa1\x9a\xff\xff\xff\xff\x00", M::LengthBeyondInput),
        ("bytes longer than input", b"\xa1\x83\x0d\x18\x1a\x01\x5a\xff\xff\xff\xff", M::LengthBeyondInput),
        ("trailing bytes", b"\xa1\x83\x0d\x18\x1a\x01\x18\x2a\x00", M::TrailingBytes),
        ("array key inside the fifth map", b"\xa1\x01\xa1\x02\xa1\x03\xa1\x04\xa1\x81\x05\x06", M::TooDeep),
        ("not a map (Anjay not_a_map_array)", b"\x84\x01\x02\x03\x04", M::NotMap),
        (
            "empty array key (Anjay path_with_empty_array_keys)",
            b"\xa2\x0d\xa1\x80\x18\x1a\xa1\x80\x01\x18\x2a",
            M::InvalidKey,
        ),
        (
            "float key (Anjay path_unexpected_type_2)",
            b"\xa1\xfb\x3f\xc0\xa3\xd7\x0a\x3d\x70\xa4\xa1\x82\x18\x1a\x01\x18\x2a",
            M::InvalidKey,
        ),
        ("text key (Anjay path_unexpected_type_3)", b"\xa1\x0d\xa1\x62\x32\x36\xa1\x01\x18\x2a", M::InvalidKey),
        (
            "id too big (Anjay path_id_too_big_array)",
            b"\xa1\x83\x0d\x18\x1a\x1a\x00\x01\x00\x00\x05",
            M::InvalidPath(PathError::InvalidId(2)),
        ),
        ("reserved id", b"\xa1\x83\x0d\x18\x1a\x19\xff\xff\x05", M::InvalidPath(PathError::ReservedId(2))),
        (
            "five levels (Anjay path_too_long_1)",
            b"\xa1\x85\x0d\x18\x1a\x03\x04\x05\x05",
            M::InvalidPath(PathError::TooDeep),
        ),
        ("value for an instance", b"\xa1\x82\x0d\x18\x1a\x05", M::NotResource(Path::instance_path(13, 26))),
        (
            "same path twice",
            b"\xa2\x83\x0d\x18\x1a\x01\x01\x83\x0d\x18\x1a\x01\x02",
            M::DuplicatePath(Path::resource_path(13, 26, 1)),
        ),
        (
            "array as a value (Anjay path_lack_unexpected_array)",
            b"\xa1\x0d\xa1\x18\x1a\x81\xa1\x01\x18\x2a",
            M::UnexpectedValue,
        ),
        ("decimal fraction (tag 4)", b"\xa1\x84\x0d\x18\x1a\x01\x02\xc4\x82\x20\x18\x2d", M::UnexpectedValue),
        ("integer below -2^63", b"\xa1\x83\x0d\x18\x1a\x01\x3b\xff\xff\xff\xff\xff\xff\xff\xff", M::IntegerRange),
    ]
}

#[test]
fn malformed_corpus() {
    for (name, bytes, kind) in corpus() {
        let err = decode(bytes).expect_err(name);
        assert_eq!(err.kind, kind, "{name}");
        assert!(err.offset <= bytes.len(), "{name}: offset {}", err.offset);
        assert!(err.to_string().contains(kind.rule()), "{name}: {err}");
    }
    // A value both at a resource and below it.
    let both = b"\xa2\x83\x0d\x18\x1a\x01\x01\x84\x0d\x18\x1a\x01\x00\x02";
    assert_eq!(decode(both).unwrap_err().kind, M::DuplicatePath(Path::resource_instance_path(13, 26, 1, 0)));
}

/// The variant names of `Malformed`, read from the source.
fn variants_in_source() -> BTreeSet<String> {
    let src = include_str!("../src/format/lwm2m_cbor.rs");
    let body = src.split("pub enum Malformed {").nth(1).unwrap().split("\n}").next().unwrap();
    body.lines()
        .filter_map(|l| l.strip_prefix("    "))
        .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|l| l.split([',', '(']).next().unwrap().to_string())
        .collect()
}

#[test]
fn every_variant_has_a_row() {
    let rows: BTreeSet<String> =
        corpus().iter().map(|(_, _, k)| format!("{k:?}").split('(').next().unwrap().to_string()).collect();
    let all = variants_in_source();
    assert_eq!(all.len(), 11, "{all:?}");
    assert_eq!(rows, all);
}

/// A value as both formats decode it.
#[derive(Debug, Clone)]
enum Spec {
    Int(i64),
    Uint(u64),
    Float(f64),
    Bool(bool),
    Str(String),
    Opaque(Vec<u8>),
}

impl Spec {
    fn value(&self) -> Value<'_> {
        match self {
            Self::Int(i) => Value::Integer(*i),
            Self::Uint(u) => Value::UnsignedInteger(*u),
            Self::Float(f) => Value::Float(*f),
            Self::Bool(b) => Value::Boolean(*b),
            Self::Str(s) => Value::String(s.as_str().into()),
            Self::Opaque(b) => Value::Opaque(b.as_slice().into()),
        }
    }
}

fn spec() -> impl Strategy<Value = Spec> {
    prop_oneof![
        any::<i64>().prop_map(Spec::Int),
        ((i64::MAX as u64 + 1)..=u64::MAX).prop_map(Spec::Uint),
        any::<f64>().prop_filter("NaN is not equal to itself", |f| !f.is_nan()).prop_map(Spec::Float),
        any::<f32>().prop_filter("NaN", |f| !f.is_nan()).prop_map(|f| Spec::Float(f64::from(f))),
        any::<bool>().prop_map(Spec::Bool),
        ".{0,20}".prop_map(Spec::Str),
        prop::collection::vec(any::<u8>(), 0..20).prop_map(Spec::Opaque),
    ]
}

/// Sorted, distinct, prefix-free resource and resource instance paths with values; few
/// distinct ids so that paths share prefixes.
fn records() -> impl Strategy<Value = Vec<(Vec<u16>, Spec)>> {
    let id = prop_oneof![0u16..4, 0u16..65535];
    prop::collection::btree_map(prop::collection::vec(id, 3..=4), spec(), 0..16).prop_map(|m| {
        let all: Vec<_> = m.into_iter().collect();
        all.iter()
            .enumerate()
            .filter(|(i, (ids, _))| all.get(i + 1).map_or(true, |(next, _)| !next.starts_with(ids)))
            .map(|(_, e)| e.clone())
            .collect()
    })
}

proptest! {
    #[test]
    fn records_round_trip_and_match_senml_cbor(entries in records()) {
        let records: Vec<Record<'_>> =
            entries.iter().map(|(ids, v)| Record { path: Path::new(ids).unwrap(), value: v.value() }).collect();
        let bytes = encode(&records).unwrap();
        let back = decode(&bytes).unwrap();
        prop_assert_eq!(&back, &records);
        prop_assert_eq!(&encode(&back).unwrap(), &bytes);
        let senml_bytes = senml_cbor::encode(&records).unwrap();
        prop_assert_eq!(senml_cbor::decode(&senml_bytes).unwrap(), back);
    }

    #[test]
    fn any_bytes_decode_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode(&bytes);
    }

    #[test]
    fn damaged_payloads_decode_without_panic(entries in records(), at in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let records: Vec<Record<'_>> =
            entries.iter().map(|(ids, v)| Record { path: Path::new(ids).unwrap(), value: v.value() }).collect();
        let mut bytes = encode(&records).unwrap();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let _ = decode(&bytes);
        prop_assert!(decode(&bytes[..i]).is_err(), "a strict prefix is never a payload");
    }
}
