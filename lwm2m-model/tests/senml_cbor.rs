//! SenML CBOR (Content-Format 112): the LwM2M TS examples (as Wakaama's `tests/senml_cbor_tests.c`
//! carries them, from OMA-TS-LightweightM2M_Core-V1_1 Tables 7.4.4-2 to 7.4.4-8) decoded and
//! written back, the malformed corpus (one row per `Malformed` variant), round trips and a
//! no-panic property on any bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeSet;

use lwm2m_model::format::senml_cbor::{
    decode, decode_names, encode, encode_names, EncodeError, Malformed as M, Records,
};
use lwm2m_model::model::{Bytes, ObjectLink, Path, PathError, Record, Text, Value};
use proptest::prelude::*;

fn rec(path: &str, value: Value<'static>) -> Record<'static> {
    Record { path: path.parse().unwrap(), value }
}

fn s(text: &'static str) -> Value<'static> {
    Value::String(text.into())
}

/// Table 7.4.4-2: Read /3/0. Decoded, and written back byte for byte.
const DEVICE: &[u8] = b"\x90\
    \xa3\x21\x65/3/0/\x00\x610\x03\x74Open Mobile Alliance\
    \xa2\x00\x611\x03\x76Lightweight M2M Client\
    \xa2\x00\x612\x03\x69345000123\
    \xa2\x00\x613\x03\x631.0\
    \xa2\x00\x636/0\x02\x01\
    \xa2\x00\x636/1\x02\x05\
    \xa2\x00\x637/0\x02\x19\x0e\xd8\
    \xa2\x00\x637/1\x02\x19\x13\x88\
    \xa2\x00\x638/0\x02\x18\x7d\
    \xa2\x00\x638/1\x02\x19\x03\x84\
    \xa2\x00\x619\x02\x18\x64\
    \xa2\x00\x6210\x02\x0f\
    \xa2\x00\x6411/0\x02\x00\
    \xa2\x00\x6213\x02\x1a\x51\x82\x42\x8f\
    \xa2\x00\x6214\x03\x66+02:00\
    \xa2\x00\x6216\x03\x61U";

fn device_records() -> Vec<Record<'static>> {
    vec![
        rec("/3/0/0", s("Open Mobile Alliance")),
        rec("/3/0/1", s("Lightweight M2M Client")),
        rec("/3/0/2", s("345000123")),
        rec("/3/0/3", s("1.0")),
        rec("/3/0/6/0", Value::Integer(1)),
        rec("/3/0/6/1", Value::Integer(5)),
        rec("/3/0/7/0", Value::Integer(3800)),
        rec("/3/0/7/1", Value::Integer(5000)),
        rec("/3/0/8/0", Value::Integer(125)),
        rec("/3/0/8/1", Value::Integer(900)),
        rec("/3/0/9", Value::Integer(100)),
        rec("/3/0/10", Value::Integer(15)),
        rec("/3/0/11/0", Value::Integer(0)),
        rec("/3/0/13", Value::Integer(1_367_491_215)),
        rec("/3/0/14", s("+02:00")),
        rec("/3/0/16", s("U")),
    ]
}

#[test]
fn ts_device_read_decodes_and_is_written_back_byte_for_byte() {
    assert_eq!(decode(DEVICE).unwrap(), device_records());
    assert_eq!(encode(&device_records()).unwrap(), DEVICE);
}

#[test]
fn ts_device_read_decodes_the_same_through_lwm2m_cbor() {
    let via_lwm2m = lwm2m_model::format::lwm2m_cbor::encode(&device_records()).unwrap();
    let mut sorted = device_records();
    sorted.sort_by(|a, b| a.path.ids().cmp(b.path.ids()));
    assert_eq!(lwm2m_model::format::lwm2m_cbor::decode(&via_lwm2m).unwrap(), sorted);
}

#[test]
fn ts_time_series_resolves_base_time() {
    // Table 7.4.4-3: [{-2: "/72/", -3: 25462634, 0: "1/2", 2: 22.4, 6: -5},
    //                 {0: "1/2", 2: 22.9, 6: -30}, {0: "1/2", 2: 24.1, 6: -50}]
    let bytes = b"\x83\
        \xa5\x21\x64/72/\x22\x1a\x01\x84\x87\x6a\x00\x631/2\x02\xfb\x40\x36\x66\x66\x66\x66\x66\x66\x06\x24\
        \xa3\x00\x631/2\x02\xfb\x40\x36\xe6\x66\x66\x66\x66\x66\x06\x38\x1d\
        \xa3\x00\x631/2\x02\xfb\x40\x38\x19\x99\x99\x99\x99\x9a\x06\x38\x31";
    let entries: Vec<_> = Records::new(bytes).unwrap().map(Result::unwrap).collect();
    let got: Vec<_> = entries.iter().map(|e| (e.path, e.value.clone().unwrap(), e.time)).collect();
    let p = Path::resource_path(72, 1, 2);
    assert_eq!(
        got,
        [
            (p, Value::Float(22.4), 25_462_629.0),
            (p, Value::Float(22.9), 25_462_604.0),
            (p, Value::Float(24.1), 25_462_584.0)
        ]
    );
    assert_eq!(decode(bytes).unwrap().len(), 3, "one path at three times is no conflict");
}

#[test]
fn ts_object_links_decode_and_round_trip() {
    // Table 7.4.4-4 (Wakaama's corrected copy), the first four and the null link.
    let bytes = b"\x85\
        \xa3\x21\x61/\x00\x6865/0/0/0\x63vlo\x6466:0\
        \xa2\x00\x6865/0/0/1\x63vlo\x6466:1\
        \xa2\x00\x6665/0/1\x03\x6d8613800755500\
        \xa2\x00\x6665/0/2\x02\x01\
        \xa2\x00\x6666/1/2\x63vlo\x6b65535:65535";
    let records = decode(bytes).unwrap();
    let link = |object, instance| Value::Objlnk(ObjectLink { object, instance });
    assert_eq!(
        records,
        [
            rec("/65/0/0/0", link(66, 0)),
            rec("/65/0/0/1", link(66, 1)),
            rec("/65/0/1", s("8613800755500")),
            rec("/65/0/2", Value::Integer(1)),
            rec("/66/1/2", link(65535, 65535)),
        ]
    );
    // Nothing shared: no base name, full paths as names.
    let again = encode(&records).unwrap();
    assert_eq!(&again[..13], b"\x85\xa2\x00\x69/65/0/0/0");
    assert_eq!(decode(&again).unwrap(), records);
}

#[test]
fn ts_single_resource_uses_the_whole_path_as_base_name() {
    // Table 7.4.4-5: [{-2: "/3/0/0", 3: "Open Mobile Alliance"}]
    let bytes = b"\x81\xa2\x21\x66/3/0/0\x03\x74Open Mobile Alliance";
    let records = decode(bytes).unwrap();
    assert_eq!(records, [rec("/3/0/0", s("Open Mobile Alliance"))]);
    assert_eq!(encode(&records).unwrap(), bytes);
}

#[test]
fn ts_read_composite_names_and_values() {
    // Table 7.4.4-6: [{0: "/3/0/0"}, {0: "/3/0/9"}, {0: "/1/0/1"}]
    let names = b"\x83\xa1\x00\x66/3/0/0\xa1\x00\x66/3/0/9\xa1\x00\x66/1/0/1";
    let paths = [Path::resource_path(3, 0, 0), Path::resource_path(3, 0, 9), Path::resource_path(1, 0, 1)];
    assert_eq!(decode_names(names).unwrap(), paths);
    assert_eq!(encode_names(&paths), names);
    assert_eq!(decode(names).unwrap_err().kind, M::NoValue);
    // Table 7.4.4-7: the same paths with values.
    let values = b"\x83\
        \xa2\x00\x66/3/0/0\x03\x74Open Mobile Alliance\
        \xa2\x00\x66/3/0/9\x02\x18\x5f\
        \xa2\x00\x66/1/0/1\x02\x1a\x00\x01\x51\x80";
    let records = decode(values).unwrap();
    assert_eq!(
        records,
        [
            rec("/3/0/0", s("Open Mobile Alliance")),
            rec("/3/0/9", Value::Integer(95)),
            rec("/1/0/1", Value::Integer(86400))
        ]
    );
    assert_eq!(encode(&records).unwrap(), values);
    assert_eq!(decode_names(values).unwrap_err().kind, M::UnexpectedValue);
    // Names may stop above a resource.
    assert_eq!(
        decode_names(&encode_names(&[Path::ROOT, Path::object_path(3)])).unwrap(),
        [Path::ROOT, Path::object_path(3)]
    );
}

#[test]
fn ts_write_composite_booleans() {
    // Table 7.4.4-8.
    let bytes = b"\x84\
        \xa2\x00\x6c/3311/0/5850\x04\xf4\
        \xa2\x00\x6c/3311/1/5850\x04\xf4\
        \xa2\x00\x6c/3311/2/5851\x02\x14\
        \xa2\x00\x6c/3308/0/5900\x02\x12";
    let records = decode(bytes).unwrap();
    assert_eq!(records[0], rec("/3311/0/5850", Value::Boolean(false)));
    assert_eq!(records[3], rec("/3308/0/5900", Value::Integer(18)));
    assert_eq!(encode(&records).unwrap(), bytes);
}

#[test]
fn fields_in_any_order_base_name_sticky_and_slash_in_names() {
    // Wakaama tests 8-10: value before name, base name after name, "/2/3" + "/0".
    let bytes = b"\x84\
        \xa3\x21\x68/65/543/\x00\x610\x03\x65LWM2M\
        \xa2\x02\x19\x07\xdf\x00\x611\
        \xa2\x00\x632/0\x04\xf5\
        \xa2\x04\xf4\x00\x632/1";
    let records = decode(bytes).unwrap();
    assert_eq!(
        records,
        [
            rec("/65/543/0", s("LWM2M")),
            rec("/65/543/1", Value::Integer(2015)),
            rec("/65/543/2/0", Value::Boolean(true)),
            rec("/65/543/2/1", Value::Boolean(false)),
        ]
    );
    assert_eq!(
        decode(b"\x81\xa3\x21\x64/2/3\x00\x62/0\x02\x19\x04\xd2").unwrap(),
        [rec("/2/3/0", Value::Integer(1234))]
    );
    let late_base =
        b"\x82\xa4\x00\x611\x02\x19\x04\xd2\x21\x66/12/0/\x22\x1a\x00\x12\xd6\x87\xa2\x00\x613\x02\xf9\x3c\x00";
    assert_eq!(decode(late_base).unwrap(), [rec("/12/0/1", Value::Integer(1234)), rec("/12/0/3", Value::Float(1.0))]);
}

#[test]
fn numbers_bytes_and_indefinite_lengths() {
    let one = |field: &[u8], expected: Value<'_>| {
        let mut b = b"\x9f\xbf\x21\x66/1/2/3".to_vec();
        b.extend_from_slice(field);
        b.extend_from_slice(b"\xff\xff");
        assert_eq!(decode(&b).unwrap(), [Record { path: Path::resource_path(1, 2, 3), value: expected }]);
    };
    one(b"\x02\x1b\xff\xff\xff\xff\xff\xff\xff\xff", Value::UnsignedInteger(u64::MAX));
    one(b"\x02\x3b\x7f\xff\xff\xff\xff\xff\xff\xff", Value::Integer(i64::MIN));
    one(b"\x02\xf9\x7c\x00", Value::Float(f64::INFINITY));
    one(b"\x02\xfa\x3f\xc0\x00\x00", Value::Float(1.5));
    one(b"\x08\x43\x01\x02\x03", Value::Opaque((&[1, 2, 3][..]).into()));
    one(b"\x08\x5f\x41\x01\x42\x02\x03\xff", Value::Opaque(Bytes::Owned(vec![1, 2, 3])));
    one(b"\x03\x7f\x61a\x61b\xff", Value::String(Text::Owned("ab".into())));
    // Units, the version 10 and unknown labels are skipped.
    one(b"\x01\x61V\x02\x01\x20\x0a\x18\x63\x82\x01\x02", Value::Integer(1));
}

#[test]
fn floats_use_the_shortest_exact_width() {
    let width = |f: f64| encode(&[Record { path: Path::resource_path(1, 2, 3), value: Value::Float(f) }]).unwrap()[11];
    assert_eq!(width(1.0), 0xf9);
    assert_eq!(width(-0.0), 0xf9);
    assert_eq!(width(65504.0), 0xf9);
    assert_eq!(width(5.960_464_477_539_063e-8), 0xf9, "smallest half subnormal");
    assert_eq!(width(100_000.0), 0xfa);
    assert_eq!(width(f64::from(f32::MAX)), 0xfa);
    assert_eq!(width(22.4), 0xfb);
}

#[test]
fn encode_refuses_what_cannot_be_written() {
    let ok = rec("/3/0/9", Value::Integer(1));
    assert_eq!(
        encode(&[ok.clone(), rec("/3/0/0", Value::Raw((&b"x"[..]).into()))]),
        Err(EncodeError::RawValue { index: 1 })
    );
    assert_eq!(encode(&[rec("/3/0/0", Value::None)]), Err(EncodeError::NoValue { index: 0 }));
    assert_eq!(encode(&[rec("/3/0", Value::Integer(1))]), Err(EncodeError::NotResource { index: 0 }));
    assert_eq!(
        encode(&[ok.clone(), rec("/3/0/0", Value::Integer(2)), ok]),
        Err(EncodeError::DuplicateName { index: 2 })
    );
    assert_eq!(encode(&[]).unwrap(), [0x80]);
}

/// One row per rule: name, bytes, the error expected.
fn corpus() -> Vec<(&'static str, &'static [u8], M)> {
    vec![
        ("reserved initial byte", b"\x81\xa1\x1c\x00", M::Cbor),
        ("name not utf-8", b"\x81\xa2\x00\x62\xff\xfe\x02\x01", M::Cbor),
        ("break in a definite map", b"\x81\xa1\xff\x00", M::Cbor),
        ("truncated", b"\x81\xa2\x21\x66/3/0", M::LengthBeyondInput),
        ("array longer than input", b"\x9b\x00\x00\x00\x01\x00\x00\x00\x00\xa0", M::LengthBeyondInput),
        ("map longer than input", b"\x81\xbb\x00\x00\x00\x01\x00\x00\x00\x00", M::LengthBeyondInput),
        ("string longer than input", b"\x81\xa1\x00\x7a\xff\xff\xff\xff", M::LengthBeyondInput),
        ("trailing bytes", b"\x81\xa2\x00\x66/3/0/0\x02\x01\x00", M::TrailingBytes),
        ("nested too deep", b"\x81\xa2\x00\x66/3/0/0\x18\x63\x81\x81\x81\x01", M::TooDeep),
        ("not an array", b"\xa1\x00\x61x", M::NotArray),
        ("record not a map", b"\x81\x01", M::NotMap),
        ("name not text", b"\x81\xa2\x00\x01\x02\x01", M::FieldType("n")),
        ("vb not a bool", b"\x81\xa2\x00\x66/3/0/0\x04\x01", M::FieldType("vb")),
        ("n twice", b"\x81\xa3\x00\x66/3/0/0\x00\x66/3/0/0\x02\x01", M::DuplicateLabel("n")),
        ("sum", b"\x81\xa3\x00\x66/3/0/0\x02\x01\x05\x01", M::UnsupportedField),
        ("must-understand label", b"\x81\xa3\x00\x66/3/0/0\x02\x01\x62x_\x01", M::UnsupportedField),
        ("version 11", b"\x81\xa3\x20\x0b\x00\x66/3/0/0\x02\x01", M::UnsupportedVersion(11)),
        ("no value", b"\x81\xa1\x00\x66/3/0/0", M::NoValue),
        ("two values", b"\x81\xa3\x00\x66/3/0/0\x02\x01\x03\x61x", M::TwoValues),
        ("value in a name list (decode_names)", b"\x81\xa2\x00\x66/3/0/0\x02\x01", M::UnexpectedValue),
        ("name without a slash", b"\x81\xa2\x00\x653/0/0\x02\x01", M::InvalidName(PathError::NotAbsolute)),
        ("reserved id", b"\x81\xa2\x00\x6a/3/0/65535\x02\x01", M::InvalidName(PathError::ReservedId(2))),
        ("value for an instance", b"\x81\xa2\x00\x64/3/0\x02\x01", M::NotResource(Path::instance_path(3, 0))),
        (
            "same path and time",
            b"\x82\xa2\x00\x66/3/0/0\x02\x01\xa2\x00\x66/3/0/0\x02\x02",
            M::DuplicateName(Path::resource_path(3, 0, 0)),
        ),
        ("vlo without a colon", b"\x81\xa2\x00\x66/3/0/0\x63vlo\x6266", M::InvalidObjlnk),
        ("vlo id too large", b"\x81\xa2\x00\x66/3/0/0\x63vlo\x6865536:00", M::InvalidObjlnk),
        ("integer below -2^63", b"\x81\xa2\x00\x66/3/0/0\x02\x3b\xff\xff\xff\xff\xff\xff\xff\xff", M::IntegerRange),
    ]
}

#[test]
fn malformed_corpus() {
    for (name, bytes, kind) in corpus() {
        let got =
            if name.contains("decode_names") { decode_names(bytes).map(|_| ()) } else { decode(bytes).map(|_| ()) };
        let err = got.expect_err(name);
        assert_eq!(err.kind, kind, "{name}");
        assert!(err.offset <= bytes.len(), "{name}: offset {}", err.offset);
        assert!(err.to_string().contains(kind.rule()), "{name}: {err}");
    }
}

/// The variant names of `Malformed`, read from the source.
fn variants_in_source() -> BTreeSet<String> {
    let src = include_str!("../src/format/senml_cbor.rs");
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
    assert_eq!(all.len(), 18, "{all:?}");
    assert_eq!(rows, all);
}

/// A record's value, owned, as the decoder gives it back.
#[derive(Debug, Clone)]
enum Spec {
    Int(i64),
    Uint(u64),
    Float(f64),
    Bool(bool),
    Str(String),
    Opaque(Vec<u8>),
    Link(u16, u16),
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
            Self::Link(o, i) => Value::Objlnk(ObjectLink { object: *o, instance: *i }),
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
        (any::<u16>(), any::<u16>()).prop_map(|(o, i)| Spec::Link(o, i)),
    ]
}

fn path() -> impl Strategy<Value = Vec<u16>> {
    prop::collection::vec(0u16..65535, 3..=4)
}

proptest! {
    #[test]
    fn records_round_trip(entries in prop::collection::btree_map(path(), spec(), 0..12)) {
        let records: Vec<Record<'_>> =
            entries.iter().map(|(ids, v)| Record { path: Path::new(ids).unwrap(), value: v.value() }).collect();
        let bytes = encode(&records).unwrap();
        let back = decode(&bytes).unwrap();
        prop_assert_eq!(&back, &records);
        prop_assert_eq!(&encode(&back).unwrap(), &bytes);
    }

    #[test]
    fn names_round_trip(paths in prop::collection::vec(prop::collection::vec(0u16..65535, 0..=4), 0..8)) {
        let paths: Vec<Path> = paths.iter().map(|ids| Path::new(ids).unwrap()).collect();
        prop_assert_eq!(decode_names(&encode_names(&paths)).unwrap(), paths);
    }

    #[test]
    fn any_bytes_decode_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        let _ = decode(&bytes);
        let _ = decode_names(&bytes);
        if let Ok(records) = Records::new(&bytes) {
            for r in records {
                let _ = r;
            }
        }
    }

    #[test]
    fn damaged_packs_decode_without_panic(
        entries in prop::collection::btree_map(path(), spec(), 1..6),
        at in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let records: Vec<Record<'_>> =
            entries.iter().map(|(ids, v)| Record { path: Path::new(ids).unwrap(), value: v.value() }).collect();
        let mut bytes = encode(&records).unwrap();
        let i = at.index(bytes.len());
        bytes[i] = byte;
        let _ = decode(&bytes);
        prop_assert!(decode(&bytes[..i]).is_err(), "a strict prefix is never a pack");
    }
}
