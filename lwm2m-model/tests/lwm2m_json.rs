//! LwM2M JSON (OMA TS LwM2M 1.0 §6.4.4, Content-Format 11543, legacy): the TS examples as
//! Leshan and Wakaama quote them, decoded and re-encoded, a malformed corpus with one row per
//! `Malformed` variant, proptest round trips and a no-panic check.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeSet;

use lwm2m_model::format::lwm2m_json::{self, BaseName, DecodeError, EncodeError, Malformed, SenmlRecord};
use lwm2m_model::model::{Bytes, DataType, ObjectLink, Path, PathError, Text, Value};
use proptest::prelude::*;

fn r(path: &str, value: Value<'static>) -> SenmlRecord<'static> {
    SenmlRecord { path: path.parse().unwrap(), value, time: None }
}
fn rt(path: &str, value: Value<'static>, time: f64) -> SenmlRecord<'static> {
    SenmlRecord { path: path.parse().unwrap(), value, time: Some(time) }
}
fn s(text: &'static str) -> Value<'static> {
    Value::String(text.into())
}
fn i(v: i64) -> Value<'static> {
    Value::Integer(v)
}

fn check(name: &str, payload: &str, expected: &[SenmlRecord<'static>]) {
    let got = lwm2m_json::decode(payload.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(got, expected, "{name}");
    for base in [BaseName::CommonPrefix, BaseName::None] {
        let bytes = lwm2m_json::encode_with(&got, base).unwrap();
        let again =
            lwm2m_json::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e} in {}", String::from_utf8_lossy(&bytes)));
        assert_eq!(again, expected, "{name} re-encoded as {}", String::from_utf8_lossy(&bytes));
    }
}

fn device(prefix: &str) -> Vec<SenmlRecord<'static>> {
    let at = |rest: &str| format!("{prefix}{rest}");
    [
        ("0", s("Open Mobile Alliance")),
        ("1", s("Lightweight M2M Client")),
        ("2", s("345000123")),
        ("3", s("1.0")),
        ("6/0", i(1)),
        ("6/1", i(5)),
        ("7/0", i(3800)),
        ("7/1", i(5000)),
        ("8/0", i(125)),
        ("8/1", i(900)),
        ("9", i(100)),
        ("10", i(15)),
        ("11/0", i(0)),
        ("13", i(1367491215)),
        ("14", s("+02:00")),
        ("16", s("U")),
    ]
    .into_iter()
    .map(|(n, v)| r(&at(n), v))
    .collect()
}

// OMA TS LwM2M 1.0 §6.4.4, the Device object instance (Leshan json_device_object_instance0).
const DEVICE: &str = r#"{"bn":"/3/0/","e":[{"n":"0","sv":"Open Mobile Alliance"},{"n":"1","sv":"Lightweight M2M Client"},{"n":"2","sv":"345000123"},{"n":"3","sv":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},{"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},{"n":"9","v":100},{"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},{"n":"14","sv":"+02:00"},{"n":"16","sv":"U"}]}"#;

#[test]
fn ts_device_instance_three_ways() {
    check("bn /3/0/", DEVICE, &device("/3/0/"));
    assert_eq!(lwm2m_json::encode(&device("/3/0/")).unwrap(), DEVICE.as_bytes());
    // The same with base name "/" and with none (Leshan's variants).
    let root = DEVICE.replace(r#""bn":"/3/0/","#, r#""bn":"/","#).replace(r#"{"n":""#, r#"{"n":"3/0/"#);
    check("bn /", &root, &device("/3/0/"));
    let none = DEVICE.replace(r#""bn":"/3/0/","#, "").replace(r#"{"n":""#, r#"{"n":"/3/0/"#);
    check("no bn", &none, &device("/3/0/"));
    let t = lwm2m_json::decode(DEVICE.as_bytes()).unwrap()[13].value.clone();
    assert_eq!(lwm2m_json::typed(t, DataType::Time).unwrap(), Value::Time(1367491215));
}

#[test]
fn ts_timestamped_resource_and_instance() {
    // TS 1.0 §6.4.4 time-stamped example (Leshan json_timestamped_resources): one resource at
    // three times, base time after the entries.
    check(
        "resource",
        r#"{"bn":"/1024/0/1","e":[{"v":22.9,"t":-30},{"v":22.4,"t":-5},{"v":24.1,"t":-50}],"bt":25462634}"#,
        &[
            rt("/1024/0/1", Value::Float(22.9), 25462604.0),
            rt("/1024/0/1", Value::Float(22.4), 25462629.0),
            rt("/1024/0/1", Value::Float(24.1), 25462584.0),
        ],
    );
    check(
        "instance",
        r#"{"bn":"/1024/0/","e":[{"n":"1","v":22.9,"t":-30},{"n":"1","v":22.4,"t":-5},{"n":"0","sv":"a string","t":-5},{"n":"1","v":24.1,"t":-50}],"bt":25462634}"#,
        &[
            rt("/1024/0/1", Value::Float(22.9), 25462604.0),
            rt("/1024/0/1", Value::Float(22.4), 25462629.0),
            rt("/1024/0/0", s("a string"), 25462629.0),
            rt("/1024/0/1", Value::Float(24.1), 25462584.0),
        ],
    );
}

#[test]
fn ts_object_links_and_wakaama_cases() {
    // Objects 34 and 66 with ov object links (Wakaama tests/data_tlv_json_lwm2m_data_test.c test_9,
    // after the TS 1.0 object-link example).
    let payload = r#"{ "bn":"/", "e":[ {"n":"34/0/0/0","ov":"66:0"}, {"n":"34/0/0/1","ov":"66:1"}, {"n":"34/0/1","sv":"8613800755500"}, {"n":"34/0/2","v":1}, {"n":"66/0/0","sv":"myService1"}, {"n":"66/0/1","sv":"Internet.15.234"}, {"n":"66/0/2","ov":"31:0"}, {"n":"66/1/0","sv":"myService2"}, {"n":"66/1/1","sv":"Internet.15.235"}, {"n":"66/1/2","ov":"65535:65535"}, {"n":"31/0/0","sv":"85.76.76.84"}, {"n":"31/0/1","sv":"85.76.255.255"}] }"#;
    let link = |object, instance| Value::Objlnk(ObjectLink { object, instance });
    check(
        "links",
        payload,
        &[
            r("/34/0/0/0", link(66, 0)),
            r("/34/0/0/1", link(66, 1)),
            r("/34/0/1", s("8613800755500")),
            r("/34/0/2", i(1)),
            r("/66/0/0", s("myService1")),
            r("/66/0/1", s("Internet.15.234")),
            r("/66/0/2", link(31, 0)),
            r("/66/1/0", s("myService2")),
            r("/66/1/1", s("Internet.15.235")),
            r("/66/1/2", Value::Objlnk(ObjectLink::NULL)),
            r("/31/0/0", s("85.76.76.84")),
            r("/31/0/1", s("85.76.255.255")),
        ],
    );
    check(
        "booleans, escapes, spaces",
        r#"{"bn" : "/65/543/", "e":[ { "n" : "0", "sv":"a \"test\""}, {"v":2015, "n":"1"}, {"n":"2/0", "bv":true}, {"bv": false, "n":"2/1"}] }"#,
        &[
            r("/65/543/0", s("a \"test\"")),
            r("/65/543/1", i(2015)),
            r("/65/543/2/0", Value::Boolean(true)),
            r("/65/543/2/1", Value::Boolean(false)),
        ],
    );
    check("bn without slash, n with one", r#"{"bn":"/2/3","e":[{"n":"/0","v":1234}]}"#, &[r("/2/3/0", i(1234))]);
    check("empty n", r#"{"bn":"/5/0/1","e":[{"n":"","sv":"http"}]}"#, &[r("/5/0/1", s("http"))]);
    check(
        "floats",
        r#"{"e":[{"n":"1","v":1234},{"n":"3","v":56.789},{"n":"2/0","v":0.23},{"n":"2/1","v":-52.0006}],"bn":"/12/0/","bt":1234567}"#,
        &[
            rt("/12/0/1", i(1234), 1234567.0),
            rt("/12/0/3", Value::Float(56.789), 1234567.0),
            rt("/12/0/2/0", Value::Float(0.23), 1234567.0),
            rt("/12/0/2/1", Value::Float(-52.0006), 1234567.0),
        ],
    );
    assert_eq!(lwm2m_json::decode(br#"{"e":[]}"#).unwrap(), []);
}

#[test]
fn opaque_travels_as_base64_in_sv() {
    let rec = [r("/5/0/0", Value::Opaque((&[1u8, 2, 3, 4, 5][..]).into()))];
    let out = lwm2m_json::encode(&rec).unwrap();
    assert_eq!(out, br#"{"bn":"/5/0/0","e":[{"sv":"AQIDBAU="}]}"#);
    let back = lwm2m_json::decode(&out).unwrap();
    assert_eq!(back[0].value, s("AQIDBAU="));
    assert_eq!(lwm2m_json::typed(back[0].value.clone(), DataType::Opaque).unwrap(), rec[0].value);
    assert_eq!(
        lwm2m_json::typed(s("!,-INVALID$_'"), DataType::Opaque),
        Err(lwm2m_model::model::ValueError::Convert { from: DataType::String, to: DataType::Opaque })
    );
    assert_eq!(lwm2m_json::encode(&[r("/5/0/0", Value::Raw((&[1u8][..]).into()))]), Err(EncodeError::Untyped(0)));
}

struct Row {
    name: &'static str,
    input: &'static str,
    kind: Malformed,
    record: Option<usize>,
}

fn rows() -> Vec<Row> {
    let row = |name, input, kind, record| Row { name, input, kind, record };
    vec![
        row("not json", r#"{"e":["#, Malformed::NotJson { offset: 5 }, None),
        row("array, not object", r#"[{"n":"/3/0/0","sv":"x"}]"#, Malformed::NotAnObject, None),
        row("entry not an object", r#"{"e":[1]}"#, Malformed::NotAnObject, Some(0)),
        row("empty object (Leshan json_empty_object)", "{}", Malformed::MissingEntries, None),
        row("two bn", r#"{"bn":"/3/0/","bn":"/3/1/","e":[]}"#, Malformed::DuplicateLabel("bn"), None),
        row("e not an array", r#"{"e":{}}"#, Malformed::WrongType("e"), None),
        row(
            "missing value (Leshan json_missing_value_for_resource)",
            r#"{"bn":"2/0/","e":[{"n":"0"}]}"#,
            Malformed::MissingValue,
            Some(0),
        ),
        row("two values", r#"{"bn":"/3/0/","e":[{"n":"0","sv":"x","v":1}]}"#, Malformed::MultipleValues, Some(0)),
        row(
            "relative base name",
            r#"{"bn":"3/0/","e":[{"n":"0","sv":"x"}]}"#,
            Malformed::InvalidName(PathError::NotAbsolute),
            Some(0),
        ),
        row("value at an instance", r#"{"bn":"/3/0","e":[{"sv":"x"}]}"#, Malformed::NotAResource, Some(0)),
        row(
            "same id twice (Leshan json_invalid_instance_2_resources_with_the_same_id)",
            r#"{"bn":"/3/0/","e":[{"n":"1","sv":"client1"},{"n":"1","sv":"client2"}]}"#,
            Malformed::ConflictingNames,
            Some(1),
        ),
        row("bad ov", r#"{"bn":"/65/0/0/","e":[{"n":"0","ov":"66:70000"}]}"#, Malformed::InvalidObjlnk, Some(0)),
        row(
            "time overflows",
            r#"{"bt":1e308,"e":[{"n":"/3/0/13","v":1,"t":1e308}]}"#,
            Malformed::NumberOutOfRange,
            Some(0),
        ),
    ]
}

#[test]
fn malformed_corpus() {
    for row in rows() {
        let err = lwm2m_json::decode(row.input.as_bytes()).expect_err(row.name);
        assert_eq!(err, DecodeError { kind: row.kind, record: row.record }, "{}", row.name);
        assert!(err.to_string().contains(row.kind.rule()), "{}", row.name);
    }
}

fn variant_name(m: &Malformed) -> String {
    format!("{m:?}").chars().take_while(char::is_ascii_alphanumeric).collect()
}

#[test]
fn every_variant_has_a_row() {
    let src = include_str!("../src/format/lwm2m_json.rs");
    let body = src.split("pub enum Malformed {").nth(1).unwrap().split("\n}").next().unwrap();
    let declared: Vec<String> = body
        .lines()
        .filter_map(|l| l.strip_prefix("    "))
        .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|l| l.chars().take_while(char::is_ascii_alphanumeric).collect())
        .collect();
    assert!(declared.len() >= 12, "{declared:?}");
    let covered: BTreeSet<String> = rows().iter().map(|r| variant_name(&r.kind)).collect();
    for name in &declared {
        assert!(covered.contains(name), "no malformed row for Malformed::{name}");
    }
}

/// Records and the type each should be read back as (Opaque comes back as base64 text).
fn arb_typed_records() -> impl Strategy<Value = Vec<(SenmlRecord<'static>, DataType)>> {
    let path = (0u16..3, 0u16..3, 0u16..4, proptest::option::of(0u16..3)).prop_map(|(o, i, r, ri)| match ri {
        Some(ri) => Path::resource_instance_path(o, i, r, ri),
        None => Path::resource_path(o, i, r),
    });
    let value = prop_oneof![
        any::<i64>().prop_map(|v| (Value::Integer(v), DataType::Integer)),
        any::<i64>().prop_map(|v| (Value::Time(v), DataType::Time)),
        any::<u64>().prop_map(|v| (Value::UnsignedInteger(v), DataType::UnsignedInteger)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| (Value::Float(f), DataType::Float)),
        ".{0,12}".prop_map(|s| (Value::String(Text::Owned(s)), DataType::String)),
        any::<bool>().prop_map(|b| (Value::Boolean(b), DataType::Boolean)),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(|b| (Value::Opaque(Bytes::Owned(b)), DataType::Opaque)),
        (any::<u16>(), any::<u16>())
            .prop_map(|(object, instance)| (Value::Objlnk(ObjectLink { object, instance }), DataType::Objlnk)),
    ];
    let time = proptest::option::of((-1_000_000i64..2_000_000_000).prop_map(|t| t as f64));
    proptest::collection::vec((path, value, time), 0..10).prop_map(|v| {
        let mut seen = BTreeSet::new();
        v.into_iter()
            .filter(|(p, _, t)| seen.insert((*p, t.map(f64::to_bits))))
            .map(|(path, (value, ty), time)| (SenmlRecord { path, value, time }, ty))
            .collect()
    })
}

proptest! {
    #[test]
    fn records_round_trip(typed in arb_typed_records(), common in any::<bool>()) {
        let records: Vec<SenmlRecord<'static>> = typed.iter().map(|(r, _)| r.clone()).collect();
        let base = if common { BaseName::CommonPrefix } else { BaseName::None };
        let bytes = lwm2m_json::encode_with(&records, base).unwrap();
        let back = lwm2m_json::decode(&bytes).unwrap();
        prop_assert_eq!(back.len(), records.len());
        for (got, (want, ty)) in back.into_iter().zip(&typed) {
            prop_assert_eq!(got.path, want.path);
            prop_assert_eq!(got.time, want.time);
            prop_assert_eq!(lwm2m_json::typed(got.value, *ty).unwrap(), want.value.clone());
        }
    }

    #[test]
    fn random_input_never_panics(input in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = lwm2m_json::decode(&input);
    }

    #[test]
    fn json_shaped_input_never_panics(input in r#"[\[\]{}",:0-9a-z/ .\-_]{0,48}"#) {
        if let Ok(records) = lwm2m_json::decode(input.as_bytes()) {
            let bytes = lwm2m_json::encode(&records).unwrap();
            let again = lwm2m_json::decode(&bytes).unwrap();
            prop_assert_eq!(again, records);
        }
    }
}
