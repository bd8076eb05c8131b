//! SenML JSON (RFC 8428 §5; LwM2M Core 1.1 §7.4.4): the specification's examples decoded to
//! records and re-encoded, a malformed corpus with one row per `Malformed` variant, proptest
//! round trips and a no-panic check on random input.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeSet;

use lwm2m_model::format::senml_json::{self, BaseName, DecodeError, EncodeError, Malformed, SenmlRecord};
use lwm2m_model::model::{DataType, ObjectLink, Path, PathError, Value};
use proptest::prelude::*;

fn p(s: &str) -> Path {
    s.parse().unwrap()
}
fn r(path: &str, value: Value<'static>) -> SenmlRecord<'static> {
    SenmlRecord { path: p(path), value, time: None }
}
fn rt(path: &str, value: Value<'static>, time: f64) -> SenmlRecord<'static> {
    SenmlRecord { path: p(path), value, time: Some(time) }
}
fn s(text: &'static str) -> Value<'static> {
    Value::String(text.into())
}
fn i(v: i64) -> Value<'static> {
    Value::Integer(v)
}
fn link(object: u16, instance: u16) -> Value<'static> {
    Value::Objlnk(ObjectLink { object, instance })
}

/// Decodes `payload` to `expected`, then checks that what the encoder writes for them (with
/// either base name choice) decodes to them again.
fn check(name: &str, payload: &str, expected: &[SenmlRecord<'static>]) {
    let got = senml_json::decode(payload.as_bytes()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(got, expected, "{name}");
    for base in [BaseName::CommonPrefix, BaseName::None] {
        let bytes = senml_json::encode_with(&got, base).unwrap();
        let again =
            senml_json::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e} in {}", String::from_utf8_lossy(&bytes)));
        assert_eq!(again, expected, "{name} re-encoded as {}", String::from_utf8_lossy(&bytes));
    }
}

fn device_records() -> Vec<SenmlRecord<'static>> {
    vec![
        r("/3/0/0", s("Open Mobile Alliance")),
        r("/3/0/1", s("Lightweight M2M Client")),
        r("/3/0/2", s("345000123")),
        r("/3/0/3", s("1.0")),
        r("/3/0/6/0", i(1)),
        r("/3/0/6/1", i(5)),
        r("/3/0/7/0", i(3800)),
        r("/3/0/7/1", i(5000)),
        r("/3/0/8/0", i(125)),
        r("/3/0/8/1", i(900)),
        r("/3/0/9", i(100)),
        r("/3/0/10", i(15)),
        r("/3/0/11/0", i(0)),
        r("/3/0/13", i(1367491215)),
        r("/3/0/14", s("+02:00")),
        r("/3/0/16", s("U")),
    ]
}

// LwM2M Core 1.1 Table 7.4.4-2 (as Wakaama's tests/data_senml_json_tests.c and Leshan's
// LwM2mNodeDecoderTest quote it): Read of the Device object instance /3/0.
const DEVICE: &str = r#"[{"bn":"/3/0/","n":"0","vs":"Open Mobile Alliance"},{"n":"1","vs":"Lightweight M2M Client"},{"n":"2","vs":"345000123"},{"n":"3","vs":"1.0"},{"n":"6/0","v":1},{"n":"6/1","v":5},{"n":"7/0","v":3800},{"n":"7/1","v":5000},{"n":"8/0","v":125},{"n":"8/1","v":900},{"n":"9","v":100},{"n":"10","v":15},{"n":"11/0","v":0},{"n":"13","v":1367491215},{"n":"14","vs":"+02:00"},{"n":"16","vs":"U"}]"#;

#[test]
fn core_table_7_4_4_2_device_instance() {
    check("T7.4.4-2", DEVICE, &device_records());
    // The encoder writes the table's own bytes back.
    assert_eq!(senml_json::encode(&device_records()).unwrap(), DEVICE.as_bytes());
    // Typed by the Device object's definitions, Current Time is a Time.
    let time = senml_json::decode(DEVICE.as_bytes()).unwrap()[13].value.clone();
    assert_eq!(time.typed(DataType::Time).unwrap(), Value::Time(1367491215));
}

#[test]
fn core_table_7_4_4_3_timestamped_values() {
    // Table 7.4.4-3: one resource instance at three times, base time 25462634.
    let payload = r#"[{"bn":"/72/","bt":25462634,"n":"1/2","v":22.4,"t":-5},{"n":"1/2","v":22.9,"t":-30},{"n":"1/2","v":24.1,"t":-50}]"#;
    let v = |f| Value::Float(f);
    check(
        "T7.4.4-3",
        payload,
        &[rt("/72/1/2", v(22.4), 25462629.0), rt("/72/1/2", v(22.9), 25462604.0), rt("/72/1/2", v(24.1), 25462584.0)],
    );
}

#[test]
fn core_table_7_4_4_4_object_links() {
    // Table 7.4.4-4 (Wakaama's correction: /66/1/2 in decimal): objects 65, 66 and 67 under
    // base name "/", with vlo object links.
    let payload = r#"[{"bn":"/","n":"65/0/0/0","vlo":"66:0"},{"n":"65/0/0/1","vlo":"66:1"},{"n":"65/0/1","vs":"8613800755500"},{"n":"65/0/2","v":1},{"n":"66/0/0","vs":"myService1"},{"n":"66/0/1","vs":"Internet.15.234"},{"n":"66/0/2","vlo":"67:0"},{"n":"66/1/0","vs":"myService2"},{"n":"66/1/1","vs":"Internet.15.235"},{"n":"66/1/2","vlo":"65535:65535"},{"n":"67/0/0","vs":"85.76.76.84"},{"n":"67/0/1","vs":"85.76.255.255"}]"#;
    check(
        "T7.4.4-4",
        payload,
        &[
            r("/65/0/0/0", link(66, 0)),
            r("/65/0/0/1", link(66, 1)),
            r("/65/0/1", s("8613800755500")),
            r("/65/0/2", i(1)),
            r("/66/0/0", s("myService1")),
            r("/66/0/1", s("Internet.15.234")),
            r("/66/0/2", link(67, 0)),
            r("/66/1/0", s("myService2")),
            r("/66/1/1", s("Internet.15.235")),
            r("/66/1/2", Value::Objlnk(ObjectLink::NULL)),
            r("/67/0/0", s("85.76.76.84")),
            r("/67/0/1", s("85.76.255.255")),
        ],
    );
}

#[test]
fn core_table_7_4_4_5_single_resource() {
    let payload = r#"[{"bn":"/3/0/0","vs":"Open Mobile Alliance"}]"#;
    check("T7.4.4-5", payload, &[r("/3/0/0", s("Open Mobile Alliance"))]);
    assert_eq!(senml_json::encode(&[r("/3/0/0", s("Open Mobile Alliance"))]).unwrap(), payload.as_bytes());
}

#[test]
fn core_tables_7_4_4_6_and_7_read_composite() {
    // Table 7.4.4-6: the Read-Composite request names paths without values.
    let request = r#"[{"n":"/3/0/0"},{"n":"/3/0/9"},{"n":"/1/0/1"}]"#;
    let paths = [p("/3/0/0"), p("/3/0/9"), p("/1/0/1")];
    assert_eq!(senml_json::decode_paths(request.as_bytes()).unwrap(), paths);
    assert_eq!(senml_json::encode_paths(&paths), request.as_bytes());
    assert_eq!(
        senml_json::decode(request.as_bytes()).unwrap_err(),
        DecodeError { kind: Malformed::MissingValue, record: Some(0) }
    );
    // Table 7.4.4-7: the response (the table's spacing kept).
    let response = r#"[{"n":"/3/0/0", "vs":"Open Mobile Alliance"},{"n" :"/3/0/9", "v":95},{"n":"/1/0/1", "v":86400}]"#;
    check("T7.4.4-7", response, &[r("/3/0/0", s("Open Mobile Alliance")), r("/3/0/9", i(95)), r("/1/0/1", i(86400))]);
}

#[test]
fn core_table_7_4_4_8_write_composite() {
    let payload = r#"[{"n":"/3311/0/5850", "vb":false},{"n":"/3311/1/5850", "vb":false},{"n":"/3311/2/5851", "v":20},{"n":"/3308/0/5900", "v":18}]"#;
    check(
        "T7.4.4-8",
        payload,
        &[
            r("/3311/0/5850", Value::Boolean(false)),
            r("/3311/1/5850", Value::Boolean(false)),
            r("/3311/2/5851", i(20)),
            r("/3308/0/5900", i(18)),
        ],
    );
    // Light Control dimmer (5851) is an Integer; Set Point (5900) a Float: numbers take the type.
    assert_eq!(i(18).typed(DataType::Float).unwrap(), Value::Float(18.0));
}

#[test]
fn leshan_decoder_cases() {
    // Leshan LwM2mNodeDecoderTest: a multiple-instance resource, two instances under two base
    // names, exponent notation, and numbers beyond i64 and f64 precision.
    check(
        "multiple resource",
        r#"[{"bn":"/3/0/7/","n":"0","v":3800},{"n":"1","v":5000}]"#,
        &[r("/3/0/7/0", i(3800)), r("/3/0/7/1", i(5000))],
    );
    check(
        "acl, two base names",
        r#"[{"bn":"/2/3/","n":"0","v":3},{"n":"1","v":1},{"n":"3","v":123},{"bn":"/2/2/","n":"0","v":4},{"n":"1","v":2},{"n":"3","v":124}]"#,
        &[
            r("/2/3/0", i(3)),
            r("/2/3/1", i(1)),
            r("/2/3/3", i(123)),
            r("/2/2/0", i(4)),
            r("/2/2/1", i(2)),
            r("/2/2/3", i(124)),
        ],
    );
    let exp = senml_json::decode(br#"[{"bn":"/3/0/13","v":1.638435E9}]"#).unwrap();
    assert_eq!(exp[0].value.clone().typed(DataType::Time).unwrap(), Value::Time(1638435000));
    check("u64", r#"[{"n":"/0/0/16","v":18446744073709551615}]"#, &[r("/0/0/16", Value::UnsignedInteger(u64::MAX))]);
    check("i64", r#"[{"n":"/1/0/2","v":9223372036854775800}]"#, &[r("/1/0/2", i(9223372036854775800))]);
    check("float 20.0", r#"[{"n":"/6/0/3","v":20.0}]"#, &[r("/6/0/3", Value::Float(20.0))]);
    check(
        "several base names and times",
        r#"[{"bn": "/3303/0/5700", "bt": 1699877805.766, "v": -128.8}, {"bn": "/6/0/0", "t": 0.101, "v": -39.0}]"#,
        &[
            rt("/3303/0/5700", Value::Float(-128.8), 1699877805.766),
            rt("/6/0/0", Value::Float(-39.0), 1699877805.766 + 0.101),
        ],
    );
    for empty in ["", "[]", " \n"] {
        assert_eq!(senml_json::decode(empty.as_bytes()).unwrap(), [], "{empty:?}");
    }
}

#[test]
fn base_value_escapes_extensions_and_opaque() {
    // RFC 8428 §4.5.4: the base value is added to the value; unknown labels are ignored (§4.4).
    check(
        "bv",
        r#"[{"bn":"/3/0/","bv":100,"n":"9","v":-5,"u":"%EL","x":[1,{"y":2}]},{"n":"10","v":0.5}]"#,
        &[r("/3/0/9", i(95)), r("/3/0/10", Value::Float(100.5))],
    );
    check("escaped", r#"[{"n":"\/3\/0\/0","vs":"a \"test\" \u00e9"}]"#, &[r("/3/0/0", s("a \"test\" é"))]);
    check(
        "vd",
        r#"[{"n":"/5/0/0","vd":"AQIDBAU"},{"n":"/5/0/1","vd":"-_8="},{"n":"/5/0/2","vd":""}]"#,
        &[
            r("/5/0/0", Value::Opaque((&[1u8, 2, 3, 4, 5][..]).into())),
            r("/5/0/1", Value::Opaque((&[0xfbu8, 0xff][..]).into())),
            r("/5/0/2", Value::Opaque((&[][..]).into())),
        ],
    );
    let out = senml_json::encode(&[r("/5/0/1", Value::Opaque((&[0xfbu8, 0xff][..]).into()))]).unwrap();
    assert_eq!(out, br#"[{"bn":"/5/0/1","vd":"-_8"}]"#);
    check("bver 10", r#"[{"bver":10,"n":"/1/0/1","v":1}]"#, &[r("/1/0/1", i(1))]);
}

#[test]
fn encoder_refuses_what_senml_cannot_carry() {
    let raw = r("/3/0/9", Value::Raw((&[1u8][..]).into()));
    assert_eq!(senml_json::encode(&[r("/3/0/0", s("a")), raw]), Err(EncodeError::Untyped(1)));
    assert_eq!(senml_json::encode(&[r("/3/0/4", Value::None)]), Err(EncodeError::NoValue(0)));
    assert_eq!(senml_json::encode(&[r("/3/0/9", Value::Float(f64::NAN))]), Err(EncodeError::NonFinite(0)));
    assert_eq!(senml_json::encode(&[rt("/3/0/9", i(1), f64::INFINITY)]), Err(EncodeError::NonFinite(0)));
    assert_eq!(senml_json::encode(&[r("/3/0/9", i(1)), r("/3/0/9", i(2))]), Err(EncodeError::ConflictingNames(1)));
}

/// One malformed payload: the error it must give, in which record.
struct Row {
    name: &'static str,
    input: &'static str,
    kind: Malformed,
    record: Option<usize>,
}

fn rows() -> Vec<Row> {
    let row = |name, input, kind, record| Row { name, input, kind, record };
    vec![
        row("not json", "[", Malformed::NotJson { offset: 0 }, None),
        row("trailing garbage", r#"[] x"#, Malformed::NotJson { offset: 3 }, None),
        row("object, not array", r#"{"n":"/3/0/0","v":1}"#, Malformed::NotAnArray, None),
        row("record not an object", r#"[{"n":"/3/0/0","v":1},2]"#, Malformed::NotAnObject, Some(1)),
        row("duplicate n", r#"[{"n":"/3/0/0","n":"/3/0/1","v":1}]"#, Malformed::DuplicateLabel("n"), Some(0)),
        row("n a number", r#"[{"n":3,"v":1}]"#, Malformed::WrongType("n"), Some(0)),
        row("v a string", r#"[{"n":"/3/0/0","v":"1"}]"#, Malformed::WrongType("v"), Some(0)),
        row("bver 11", r#"[{"bver":11,"n":"/3/0/0","v":1}]"#, Malformed::UnsupportedVersion, Some(0)),
        row(
            "must understand",
            r#"[{"n":"/3/0/0","v":1},{"n":"/3/0/1","v":1,"foo_":1}]"#,
            Malformed::MustUnderstand,
            Some(1),
        ),
        row("no value", r#"[{"bn":"/2/0/","n":"0"}]"#, Malformed::MissingValue, Some(0)),
        row("two values", r#"[{"n":"/3/0/0","v":1,"vs":"1"}]"#, Malformed::MultipleValues, Some(0)),
        row(
            "letters in path",
            r#"[{"bn":"/3/0/","n":"x","v":1}]"#,
            Malformed::InvalidName(PathError::InvalidId(2)),
            Some(0),
        ),
        row("relative path", r#"[{"n":"3/0/0","v":1}]"#, Malformed::InvalidName(PathError::NotAbsolute), Some(0)),
        row("value at an instance", r#"[{"bn":"/3/0","v":1}]"#, Malformed::NotAResource, Some(0)),
        row(
            "same name twice",
            r#"[{"bn":"/3/0/","n":"1","vs":"client1"},{"n":"1","vs":"client2"}]"#,
            Malformed::ConflictingNames,
            Some(1),
        ),
        row("bad base64", r#"[{"n":"/5/0/0","vd":"AQ*D"}]"#, Malformed::InvalidBase64, Some(0)),
        row("bad vlo", r#"[{"n":"/65/0/0/0","vlo":"66-0"}]"#, Malformed::InvalidObjlnk, Some(0)),
        row("sum overflows", r#"[{"n":"/3/0/9","bv":1e308,"v":1e308}]"#, Malformed::NumberOutOfRange, Some(0)),
    ]
}

/// Rows for `decode_paths` (Read-Composite requests).
fn path_rows() -> Vec<Row> {
    vec![
        Row {
            name: "value in a request",
            input: r#"[{"n":"/3/0/0"},{"n":"/3/0/9","v":95}]"#,
            kind: Malformed::UnexpectedValue,
            record: Some(1),
        },
        // Found by the fuzz target: times told the records apart, but a request's paths have none.
        Row {
            name: "a path twice in a request",
            input: r#"[{"bn":"/3/0/13","bt":1},{"t":10}]"#,
            kind: Malformed::ConflictingNames,
            record: Some(1),
        },
    ]
}

#[test]
fn malformed_corpus() {
    for row in rows() {
        let err = senml_json::decode(row.input.as_bytes()).expect_err(row.name);
        assert_eq!(err, DecodeError { kind: row.kind, record: row.record }, "{}", row.name);
        assert!(err.to_string().contains(row.kind.rule()), "{}: {err} names {}", row.name, row.kind.rule());
    }
    for row in path_rows() {
        let err = senml_json::decode_paths(row.input.as_bytes()).expect_err(row.name);
        assert_eq!(err, DecodeError { kind: row.kind, record: row.record }, "{}", row.name);
    }
    // Deeper than serde_json's recursion limit: an error, not a stack overflow.
    let deep = "[".repeat(100_000);
    assert!(matches!(senml_json::decode(deep.as_bytes()).unwrap_err().kind, Malformed::NotJson { .. }));
}

fn variant_name(m: &Malformed) -> String {
    format!("{m:?}").chars().take_while(char::is_ascii_alphanumeric).collect()
}

/// The variant names declared in `pub enum Malformed` in src/format/senml_json.rs.
fn declared_variants() -> Vec<String> {
    let src = include_str!("../src/format/senml_json.rs");
    let body = src.split("pub enum Malformed {").nth(1).unwrap().split("\n}").next().unwrap();
    body.lines()
        .filter_map(|l| l.strip_prefix("    "))
        .filter(|l| l.starts_with(|c: char| c.is_ascii_uppercase()))
        .map(|l| l.chars().take_while(char::is_ascii_alphanumeric).collect())
        .collect()
}

#[test]
fn every_variant_has_a_row() {
    let covered: BTreeSet<String> = rows().iter().chain(&path_rows()).map(|r| variant_name(&r.kind)).collect();
    let declared = declared_variants();
    assert!(declared.len() >= 16, "{declared:?}");
    for name in &declared {
        assert!(covered.contains(name), "no malformed row for Malformed::{name}");
    }
}

/// Records whose values SenML gives back as they were (Integer, Unsigned Integer above i64,
/// Float, String, Boolean, Opaque, Objlnk), unique by path and time.
fn arb_records() -> impl Strategy<Value = Vec<SenmlRecord<'static>>> {
    let path = (0u16..4, 0u16..3, 0u16..4, proptest::option::of(0u16..3)).prop_map(|(o, i, r, ri)| match ri {
        Some(ri) => Path::resource_instance_path(o * 1000, i, r, ri),
        None => Path::resource_path(o * 1000, i, r),
    });
    let value = prop_oneof![
        any::<i64>().prop_map(Value::Integer),
        ((i64::MAX as u64 + 1)..=u64::MAX).prop_map(Value::UnsignedInteger),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(Value::Float),
        ".{0,12}".prop_map(|s| Value::String(lwm2m_model::model::Text::Owned(s))),
        any::<bool>().prop_map(Value::Boolean),
        proptest::collection::vec(any::<u8>(), 0..12).prop_map(|b| Value::Opaque(lwm2m_model::model::Bytes::Owned(b))),
        (any::<u16>(), any::<u16>()).prop_map(|(object, instance)| Value::Objlnk(ObjectLink { object, instance })),
    ];
    let time = proptest::option::of(prop_oneof![(-1_000_000i64..2_000_000_000).prop_map(|t| t as f64), -1e6f64..2e9]);
    proptest::collection::vec((path, value, time), 0..10).prop_map(|v| {
        let mut seen = BTreeSet::new();
        v.into_iter()
            .filter(|(p, _, t)| seen.insert((*p, t.map(f64::to_bits))))
            .map(|(path, value, time)| SenmlRecord { path, value, time })
            .collect()
    })
}

proptest! {
    #[test]
    fn records_round_trip(records in arb_records(), common in any::<bool>()) {
        let base = if common { BaseName::CommonPrefix } else { BaseName::None };
        let bytes = senml_json::encode_with(&records, base).unwrap();
        let back = senml_json::decode(&bytes).unwrap();
        prop_assert_eq!(back, records);
    }

    #[test]
    fn random_input_never_panics(input in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = senml_json::decode(&input);
        let _ = senml_json::decode_paths(&input);
    }

    #[test]
    fn json_shaped_input_never_panics(input in r#"[\[\]{}",:0-9a-z/ .\-_]{0,48}"#) {
        if let Ok(records) = senml_json::decode(input.as_bytes()) {
            let bytes = senml_json::encode(&records).unwrap();
            let again = senml_json::decode(&bytes).unwrap();
            prop_assert_eq!(again, records);
        }
    }
}
