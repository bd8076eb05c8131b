//! text/plain (LwM2M Core 1.2 §7.4.1) and opaque (§7.4.2): the TS examples, one malformed row per
//! rule, minimal text, round trips and no panic on any input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use lwm2m_model::format::text::{self, EncodeError, TextError};
use lwm2m_model::format::{opaque, tlv};
use lwm2m_model::model::*;
use proptest::prelude::*;

fn encode_vec(v: &Value<'_>) -> Vec<u8> {
    let n = text::encoded_len(v).unwrap();
    let mut out = vec![0u8; n];
    assert_eq!(text::encode(v, &mut out), Ok(n));
    out
}

#[test]
fn ts_examples() {
    // LwM2M 1.0 §6.4.1: Read /3/0/0 answered "Open Mobile Alliance"; the TLV example's values
    // read one by one.
    let dev = |r| Path::resource_path(3, 0, r);
    for (path, payload, value) in [
        (dev(0), "Open Mobile Alliance", Value::String("Open Mobile Alliance".into())),
        (dev(9), "100", Value::Integer(100)),
        (dev(13), "1367491215", Value::Time(1_367_491_215)),
        (dev(14), "+02:00", Value::String("+02:00".into())),
        (Path::resource_instance_path(3, 0, 7, 1), "5000", Value::Integer(5000)),
    ] {
        let dt = registry::CORE.resource_at(&path).unwrap().data_type;
        let rec = text::decode(payload.as_bytes(), path, Some(dt)).unwrap();
        assert_eq!(rec, Record { path, value: value.clone() });
        assert_eq!(encode_vec(&value), payload.as_bytes());
    }
}

#[test]
fn every_type_reads_and_writes_minimal_text() {
    let l = |object, instance| Value::Objlnk(ObjectLink { object, instance });
    for (dt, input, value, minimal) in [
        (DataType::Integer, "-0042", Value::Integer(-42), "-42"),
        (DataType::Integer, "+7", Value::Integer(7), "7"),
        (DataType::Integer, "-9223372036854775808", Value::Integer(i64::MIN), "-9223372036854775808"),
        (DataType::UnsignedInteger, "18446744073709551615", Value::UnsignedInteger(u64::MAX), "18446744073709551615"),
        (DataType::Time, "0", Value::Time(0), "0"),
        (DataType::Float, "1.50", Value::Float(1.5), "1.5"),
        (DataType::Float, "-0", Value::Float(-0.0), "-0"),
        (DataType::Float, "100.0", Value::Float(100.0), "100"),
        (DataType::Float, "1E21", Value::Float(1e21), "1e21"),
        (DataType::Float, "0.0000001", Value::Float(1e-7), "1e-7"),
        (DataType::Float, "123456", Value::Float(123_456.0), "123456"),
        (DataType::Float, "0.1", Value::Float(0.1), "0.1"),
        (DataType::Boolean, "1", Value::Boolean(true), "1"),
        (DataType::Boolean, "0", Value::Boolean(false), "0"),
        (DataType::Objlnk, "3:0", l(3, 0), "3:0"),
        (DataType::Objlnk, "65535:65535", Value::Objlnk(ObjectLink::NULL), "65535:65535"),
        (DataType::Corelnk, "</3/0>;pmin=10", Value::Corelnk("</3/0>;pmin=10".into()), "</3/0>;pmin=10"),
        (DataType::String, "", Value::String("".into()), ""),
        (DataType::None, "", Value::None, ""),
    ] {
        assert_eq!(text::decode_value(input.as_bytes(), Some(dt)), Ok(value.clone()), "{input}");
        assert_eq!(encode_vec(&value), minimal.as_bytes(), "{input}");
    }
    // Without a type: a String.
    assert_eq!(text::decode_value(b"42", None), Ok(Value::String("42".into())));
}

/// One row per rule: name, type, payload, expected kind, offset.
const MALFORMED: &[(&str, DataType, &[u8], TextError, usize)] = &[
    ("not UTF-8", DataType::String, b"ab\xff", TextError::InvalidUtf8, 2),
    ("letter in an integer", DataType::Integer, b"12a", TextError::InvalidInteger, 2),
    ("empty integer", DataType::Integer, b"", TextError::InvalidInteger, 0),
    ("sign on an unsigned", DataType::UnsignedInteger, b"-1", TextError::InvalidInteger, 0),
    ("space in a time", DataType::Time, b" 1", TextError::InvalidInteger, 0),
    ("integer beyond 64 bits", DataType::Integer, b"9223372036854775808", TextError::OutOfRange, 0),
    ("float without digits after the point", DataType::Float, b"1.", TextError::InvalidFloat, 2),
    ("NaN", DataType::Float, b"NaN", TextError::InvalidFloat, 0),
    ("float beyond f64", DataType::Float, b"1e400", TextError::OutOfRange, 0),
    ("boolean true", DataType::Boolean, b"true", TextError::InvalidBoolean, 0),
    ("objlnk without colon", DataType::Objlnk, b"3", TextError::InvalidObjlnk, 1),
    ("objlnk id above 65535", DataType::Objlnk, b"3:65536", TextError::OutOfRange, 2),
    ("corelnk not link format", DataType::Corelnk, b"</a>,,", TextError::InvalidCorelnk, 5),
    ("opaque in text", DataType::Opaque, b"AQID", TextError::Opaque, 0),
    ("value for an executable", DataType::None, b"x", TextError::NotEmpty, 0),
];

#[test]
fn malformed_payloads_name_their_rule() {
    for &(name, dt, payload, kind, offset) in MALFORMED {
        let err = text::decode(payload, Path::resource_path(9, 0, 1), Some(dt)).unwrap_err();
        assert_eq!((err.kind, err.offset), (kind, offset), "{name}");
        assert!(err.to_string().starts_with(kind.rule()), "{name}");
    }
    let err = text::decode(b"1", Path::instance_path(3, 0), None).unwrap_err();
    assert_eq!((err.kind, err.offset), (TextError::NotAResource, 0));
}

#[test]
fn every_variant_has_a_row() {
    let src = include_str!("../src/format/text.rs");
    let body = &src[src.find("pub enum TextError {").unwrap()..src.find("impl TextError").unwrap()];
    for line in body.lines() {
        let t = line.trim_start();
        if line.starts_with("    ") && !line.starts_with("     ") && t.starts_with(|c: char| c.is_ascii_uppercase()) {
            let name: String = t.chars().take_while(char::is_ascii_alphanumeric).collect();
            let in_table = MALFORMED.iter().any(|r| format!("{:?}", r.3) == name);
            assert!(in_table || name == "NotAResource", "no malformed row for {name}");
        }
    }
}

#[test]
fn encode_refuses_what_text_cannot_say() {
    let mut out = [0xEEu8; 4];
    assert_eq!(text::encode(&Value::Opaque((&[1][..]).into()), &mut out), Err(EncodeError::Opaque));
    assert_eq!(text::encode(&Value::Raw((&[1][..]).into()), &mut out), Err(EncodeError::Untyped));
    assert_eq!(text::encode(&Value::Float(f64::INFINITY), &mut out), Err(EncodeError::NonFinite));
    assert_eq!(text::encode(&Value::Integer(12345), &mut out), Err(EncodeError::BufferTooSmall { required: 5 }));
    assert_eq!(out, [0xEE; 4]);
}

#[test]
fn opaque_is_the_payload() {
    // Firmware Update /5/0/0 Package written as opaque.
    let image = [0x7F, 0x45, 0x4C, 0x46, 0x00];
    let rec = opaque::decode(&image, Path::resource_path(5, 0, 0)).unwrap();
    assert_eq!(rec.value, Value::Opaque((&image[..]).into()));
    let mut out = [0u8; 8];
    assert_eq!(opaque::encode(&rec.value, &mut out), Ok(5));
    assert_eq!(out[..5], image);
    assert_eq!(opaque::decode(&image, Path::object_path(5)), Err(opaque::DecodeError { offset: 0 }));
    assert_eq!(opaque::encode(&Value::Raw((&[1][..]).into()), &mut out), Err(opaque::EncodeError::NotOpaque(None)));
    assert_eq!(opaque::encode(&rec.value, &mut out[..4]), Err(opaque::EncodeError::BufferTooSmall { required: 5 }));
    // A TLV value typed as Opaque writes the same bytes.
    let raw =
        tlv::decode(&[0xC5, 0x00, 0x7F, 0x45, 0x4C, 0x46, 0x00], Path::resource_path(5, 0, 0)).unwrap().next().unwrap();
    assert_eq!(raw.value.typed(DataType::Opaque).unwrap(), rec.value);
}

fn typed_value() -> impl Strategy<Value = (DataType, Value<'static>)> {
    prop_oneof![
        any::<i64>().prop_map(|i| (DataType::Integer, Value::Integer(i))),
        any::<i64>().prop_map(|i| (DataType::Time, Value::Time(i))),
        any::<u64>().prop_map(|u| (DataType::UnsignedInteger, Value::UnsignedInteger(u))),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| (DataType::Float, Value::Float(f))),
        any::<bool>().prop_map(|b| (DataType::Boolean, Value::Boolean(b))),
        (any::<u16>(), any::<u16>())
            .prop_map(|(object, instance)| (DataType::Objlnk, Value::Objlnk(ObjectLink { object, instance }))),
        ".{0,20}".prop_map(|s| (DataType::String, Value::String(Text::Borrowed(Box::leak(s.into_boxed_str()))))),
    ]
}

proptest! {
    #[test]
    fn values_round_trip((dt, value) in typed_value()) {
        let bytes = encode_vec(&value);
        let back = text::decode_value(&bytes, Some(dt)).unwrap();
        if let (Value::Float(a), Value::Float(b)) = (&back, &value) {
            prop_assert_eq!(a.to_bits(), b.to_bits());
        }
        prop_assert_eq!(&back, &value);
        prop_assert_eq!(encode_vec(&back), bytes);
    }

    #[test]
    fn no_input_panics(bytes in proptest::collection::vec(any::<u8>(), 0..32), ty in 0usize..10) {
        let dt = [
            DataType::String, DataType::Integer, DataType::UnsignedInteger, DataType::Float, DataType::Boolean,
            DataType::Opaque, DataType::Time, DataType::Objlnk, DataType::Corelnk, DataType::None,
        ][ty];
        if let Ok(v) = text::decode_value(&bytes, Some(dt)) {
            let again = encode_vec(&v);
            prop_assert_eq!(text::decode_value(&again, Some(dt)).unwrap(), v);
        }
    }
}
