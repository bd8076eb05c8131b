//! TLV (LwM2M Core 1.2 §7.4.3): the TS examples decoded, typed and re-encoded byte for byte, one
//! malformed row per rule, round trips and no panic on any input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use lwm2m_model::format::tlv::{self, EncodeError, TlvError};
use lwm2m_model::model::*;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn p(s: &str) -> Path {
    s.parse().unwrap()
}

fn rec(path: &str, value: Value<'static>) -> Record<'static> {
    Record { path: p(path), value }
}

fn s(t: &'static str) -> Value<'static> {
    Value::String(t.into())
}

fn encode_vec(request: Path, records: &[Record<'_>]) -> Vec<u8> {
    let n = tlv::encoded_len(request, records).unwrap();
    let mut out = vec![0u8; n];
    assert_eq!(tlv::encode(request, records, &mut out), Ok(n));
    out
}

/// Decodes, types with `defs`, checks the records, and re-encodes both the raw and the typed
/// records to the same bytes.
fn check_vector<D: Definitions + ?Sized>(defs: &D, request: &str, bytes: &[u8], expected: &[Record<'_>]) {
    let raw: Vec<Record<'_>> = tlv::decode(bytes, p(request)).unwrap().collect();
    assert_eq!(encode_vec(p(request), &raw), bytes, "raw re-encode of {request}");
    let mut typed = raw.clone();
    type_records(defs, &mut typed).unwrap();
    assert_eq!(typed, expected, "{request}");
    assert_eq!(encode_vec(p(request), &typed), bytes, "typed re-encode of {request}");
}

// The examples of OMA-TS-LightweightM2M-V1_0 §6.4.3.1-§6.4.3.3 (the TLV examples, unchanged in
// Core 1.1/1.2 §7.4.3), as Eclipse Leshan's LwM2mNodeDecoderTest carries them
// (leshan-lwm2m-core/src/test/java/org/eclipse/leshan/core/node/codec/LwM2mNodeDecoderTest.java).

/// §6.4.3.1: Read /3/0, the Device object instance as Resource TLVs.
const DEVICE: &str = "C800144F70656E204D6F62696C6520416C6C69616E6365 C801164C69676874776569676874204D324D20436C69656E74
    C80209333435303030313233 C303312E30 86064100014101 05 88070842000ED842011388 870841007D42010384 C10964 C10A0F
    830B410000 C40D5182428F C60E2B30323A3030 C11055";

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
        rec("/3/0/13", Value::Time(1_367_491_215)),
        rec("/3/0/14", s("+02:00")),
        rec("/3/0/16", s("U")),
    ]
}

#[test]
fn ts_device_instance_read() {
    check_vector(registry::CORE, "/3/0", &hex(DEVICE), &device_records());
}

#[test]
fn ts_device_object_read_in_an_object_instance_tlv() {
    // §6.4.3.2 A): Read /3, one Object Instance TLV of 0x79 bytes around the same resources.
    let bytes = hex(&format!("080079 {DEVICE}"));
    check_vector(registry::CORE, "/3", &bytes, &device_records());
    // The same payload answering Read /3/0 decodes to the same records; the minimal form for
    // /3/0 has no Object Instance TLV.
    let records: Vec<Record<'_>> = tlv::decode(&bytes, p("/3/0")).unwrap().collect();
    assert_eq!(encode_vec(p("/3/0"), &records), hex(DEVICE));
}

const fn res(id: u16, multiple: bool, data_type: DataType) -> ResourceDef<'static> {
    ResourceDef {
        id,
        name: "",
        operations: Operations::RW,
        multiple,
        mandatory: false,
        data_type,
        range: "",
        units: "",
    }
}

const fn obj(id: u16, resources: &'static [ResourceDef<'static>]) -> ObjectDef<'static> {
    ObjectDef { id, name: "", version: "1.0", multiple: true, mandatory: false, resources }
}

/// Access Control (2), Server (1) and the TS's objects 65 and 66 (§6.4.3.3), as far as the
/// examples need them.
const TS_OBJECTS: &[ObjectDef<'static>] = &[
    obj(
        2,
        &[
            res(0, false, DataType::Integer),
            res(1, false, DataType::Integer),
            res(2, true, DataType::Integer),
            res(3, false, DataType::Integer),
        ],
    ),
    obj(
        1,
        &[
            res(0, false, DataType::Integer),
            res(1, false, DataType::Integer),
            res(6, false, DataType::Boolean),
            res(7, false, DataType::String),
        ],
    ),
    obj(65, &[res(0, true, DataType::Objlnk), res(1, false, DataType::String), res(2, false, DataType::Integer)]),
    obj(66, &[res(0, false, DataType::String), res(1, false, DataType::String), res(2, false, DataType::Objlnk)]),
    obj(3442, &[res(180, false, DataType::Corelnk)]),
];

#[test]
fn ts_access_control_object_read_two_instances() {
    // §6.4.3.2 B): Read /2, instances 0 and 2; ACL instance 310 needs a 16-bit id (0x61).
    let bytes = hex("08000E C10001 C10100 8302417F07 C1037F 080212 C10003 C10100 8702417F0761013601 C1037F");
    let expected = [
        rec("/2/0/0", Value::Integer(1)),
        rec("/2/0/1", Value::Integer(0)),
        rec("/2/0/2/127", Value::Integer(7)),
        rec("/2/0/3", Value::Integer(127)),
        rec("/2/2/0", Value::Integer(3)),
        rec("/2/2/1", Value::Integer(0)),
        rec("/2/2/2/127", Value::Integer(7)),
        rec("/2/2/2/310", Value::Integer(1)),
        rec("/2/2/3", Value::Integer(127)),
    ];
    check_vector(TS_OBJECTS, "/2", &bytes, &expected);
}

#[test]
fn ts_server_object_read_one_instance() {
    // §6.4.3.2 C): Read /1: Short Server ID 1, Lifetime 86400 (4 bytes), Notification Storing
    // true, Binding "U".
    let bytes = hex("08000F C10001 C40100015180 C10601 C10755");
    let expected = [
        rec("/1/0/0", Value::Integer(1)),
        rec("/1/0/1", Value::Integer(86400)),
        rec("/1/0/6", Value::Boolean(true)),
        rec("/1/0/7", s("U")),
    ];
    check_vector(TS_OBJECTS, "/1", &bytes, &expected);
}

#[test]
fn ts_object_links() {
    // §6.4.3.3 1): Read /65/0: a multiple Objlnk resource pointing at 66:0 and 66:1.
    let bytes = hex("88000C 440000 420000 440100 420001 C8010D38363133383030373535353030 C40212345678");
    let link = |object, instance| Value::Objlnk(ObjectLink { object, instance });
    let expected = [
        rec("/65/0/0/0", link(66, 0)),
        rec("/65/0/0/1", link(66, 1)),
        rec("/65/0/1", s("8613800755500")),
        rec("/65/0/2", Value::Integer(0x1234_5678)),
    ];
    check_vector(TS_OBJECTS, "/65/0", &bytes, &expected);
    // §6.4.3.3 2): Read /66: two instances, the second with the null link 65535:65535.
    let bytes = hex("080026 C8000B6D79536572766963652031 C8010F496E7465726E65742E31352E323334 C40200430000
         080126 C8000B6D79536572766963652032 C8010F496E7465726E65742E31352E323335 C402FFFFFFFF");
    let expected = [
        rec("/66/0/0", s("myService 1")),
        rec("/66/0/1", s("Internet.15.234")),
        rec("/66/0/2", link(67, 0)),
        rec("/66/1/0", s("myService 2")),
        rec("/66/1/1", s("Internet.15.235")),
        rec("/66/1/2", Value::Objlnk(ObjectLink::NULL)),
    ];
    check_vector(TS_OBJECTS, "/66", &bytes, &expected);
}

#[test]
fn corelnk_resource_in_tlv_is_a_register_payload() {
    // Leshan's ENCODED_OBJ3442: resource 180 (16-bit length field not needed: 0x6F bytes).
    let text = r#"</>;rt="oma.lwm2m";ct="60 110 112 1542 1543 11542 11543",</1>;ver=1.1,</1/0>,</2>,</3>;ver=1.1,</3/0>,</3442/0>"#;
    let bytes = [&hex("080072 C8B46F")[..], text.as_bytes()].concat();
    check_vector(TS_OBJECTS, "/3442", &bytes, &[rec("/3442/0/180", Value::Corelnk(text.into()))]);
    let doc = lwm2m_model::format::link::LinkDocument::decode(text.as_bytes()).unwrap();
    assert_eq!(doc.root().unwrap().ct().collect::<Vec<_>>(), [60, 110, 112, 1542, 1543, 11542, 11543]);
    assert_eq!(doc.entries().count(), 7);
}

#[test]
fn request_level_layouts() {
    let v = |b: &'static [u8]| Value::Raw(b.into());
    // A Resource on /o/i/r, a Multiple Resource on /o/i/r, a Resource Instance on /o/i/r/ri.
    for (request, bytes, records) in [
        ("/3/0/9", "C10964", vec![rec("/3/0/9", v(&[0x64]))]),
        ("/3/0/7", "8607 410001 410101", vec![rec("/3/0/7/0", v(&[1])), rec("/3/0/7/1", v(&[1]))]),
        ("/3/0/7/1", "410105", vec![rec("/3/0/7/1", v(&[5]))]),
        // 16-bit identifiers and a 16-bit length.
        ("/3/0", "E1012C07", vec![rec("/3/0/300", v(&[7]))]),
    ] {
        let payload = hex(bytes);
        let got: Vec<Record<'_>> = tlv::decode(&payload, p(request)).unwrap().collect();
        assert_eq!(got, records, "{request}");
        assert_eq!(encode_vec(p(request), &records), hex(bytes), "{request}");
    }
    let long = vec![0xAB; 300];
    let records = [rec("/3/0/0", Value::Opaque(Bytes::Owned(long.clone())))];
    let bytes = encode_vec(p("/3/0"), &records);
    assert_eq!(bytes[..4], [0xD0, 0x00, 0x01, 0x2C]);
    assert_eq!(tlv::decode(&bytes, p("/3/0")).unwrap().next().unwrap().value, Value::Raw(long.as_slice().into()));
}

#[test]
fn values_take_the_fewest_bytes() {
    for (value, bytes) in [
        (Value::Integer(127), "7F"),
        (Value::Integer(128), "0080"),
        (Value::Integer(-129), "FF7F"),
        (Value::Integer(1 << 40), "0000010000000000"),
        (Value::Time(0x5182_428F), "5182428F"),
        (Value::UnsignedInteger(200), "C8"),
        (Value::UnsignedInteger(u64::MAX), "FFFFFFFFFFFFFFFF"),
        (Value::Float(1.5), "3FC00000"),
        (Value::Float(0.1), "3FB999999999999A"),
        (Value::Boolean(false), "00"),
        (Value::Objlnk(ObjectLink { object: 3, instance: 0 }), "00030000"),
        (Value::None, ""),
    ] {
        let out = encode_vec(p("/9/0/1"), &[Record { path: p("/9/0/1"), value: value.clone() }]);
        let expected = hex(bytes);
        // Type byte, 8-bit id, and an 8-bit length field for 8 or more bytes.
        let header = if expected.len() < 8 { 2 } else { 3 };
        assert_eq!(out[header..], expected[..], "{value:?}");
        let dt = value.data_type().unwrap();
        let back = tlv::decode(&out, p("/9/0/1")).unwrap().next().unwrap().value.typed(dt).unwrap();
        assert_eq!(back, value);
    }
}

#[test]
fn encode_errors_write_nothing() {
    let big = vec![0u8; 0x100_0000];
    let records = [rec("/3/0/9", Value::Integer(100))];
    let mut out = [0xEEu8; 2];
    assert_eq!(tlv::encode(p("/3/0"), &records, &mut out), Err(EncodeError::BufferTooSmall { required: 3 }));
    assert_eq!(out, [0xEE; 2]);
    let mut out = [0u8; 16];
    assert_eq!(tlv::encode(Path::ROOT, &records, &mut out), Err(EncodeError::RootPath));
    assert_eq!(tlv::encode(p("/3/1"), &records, &mut out), Err(EncodeError::NotUnderRequest { index: 0 }));
    let above = [rec("/3/0", Value::None)];
    assert_eq!(tlv::encode(p("/3"), &above, &mut out), Err(EncodeError::NotAResource { index: 0 }));
    let huge =
        [rec("/3/0/9", Value::Integer(1)), Record { path: p("/3/0/0"), value: Value::Opaque(big.as_slice().into()) }];
    assert_eq!(tlv::encoded_len(p("/3/0"), &huge), Err(EncodeError::TooLong { index: 1 }));
    assert_eq!(out, [0; 16]);
}

/// One row per rule: name, request, hex, expected kind, offset.
const MALFORMED: &[(&str, &str, &str, TlvError, usize)] = &[
    ("id field past the end", "/3/0", "C1", TlvError::TruncatedHeader, 0),
    ("length field past the end", "/3/0", "C809", TlvError::TruncatedHeader, 0),
    ("length past its parent", "/3", "0800 02 C10064", TlvError::LengthPastEnd, 3),
    ("declared 16 MB, 3 bytes there", "/3/0", "D800FFFFFF", TlvError::LengthPastEnd, 0),
    ("16-bit id 65535", "/3/0", "E1FFFF00", TlvError::ReservedId, 0),
    ("resource instance in an object instance", "/3", "0300410001", TlvError::ResourceInstanceOutsideMultiple, 2),
    ("resource instance at the top of /o/i/r", "/3/0/7", "410105", TlvError::ResourceInstanceOutsideMultiple, 0),
    ("object instance in an object instance", "/3", "0200 0005", TlvError::ObjectInstanceOutOfPlace, 2),
    ("object instance on /o/i/r", "/3/0/9", "0000", TlvError::ObjectInstanceOutOfPlace, 0),
    ("resource without an instance on /o", "/3", "C10964", TlvError::ResourceOutOfPlace, 0),
    ("resource on /o/i/r/ri", "/3/0/7/0", "C10764", TlvError::ResourceOutOfPlace, 0),
    ("resource in a multiple resource", "/3/0", "8307C10064", TlvError::TooDeep, 2),
    ("object instance id not the requested", "/3/0", "0101 C10964", TlvError::IdMismatch { expected: 0, found: 1 }, 0),
    ("resource id not the requested", "/3/0/9", "C10A64", TlvError::IdMismatch { expected: 9, found: 10 }, 0),
    ("request on the root", "/", "C10964", TlvError::RootPath, 0),
];

#[test]
fn malformed_payloads_name_their_rule() {
    for &(name, request, bytes, kind, offset) in MALFORMED {
        let err = tlv::decode(&hex(bytes), p(request)).unwrap_err();
        assert_eq!((err.kind, err.offset), (kind, offset), "{name}");
        assert!(err.to_string().starts_with(kind.rule()), "{name}");
        assert!(kind.rule().starts_with("LwM2M Core 1.2 §7."), "{name}");
    }
}

#[test]
fn every_variant_has_a_row() {
    let src = include_str!("../src/format/tlv.rs");
    let body = &src[src.find("pub enum TlvError {").unwrap()..src.find("impl TlvError").unwrap()];
    for line in body.lines() {
        let t = line.trim_start();
        if line.starts_with("    ") && !line.starts_with("     ") && t.starts_with(|c: char| c.is_ascii_uppercase()) {
            let name: String = t.chars().take_while(char::is_ascii_alphanumeric).collect();
            assert!(MALFORMED.iter().any(|r| format!("{:?}", r.3).starts_with(&name)), "no malformed row for {name}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Round trips.

fn value_of(dt: DataType) -> BoxedStrategy<Value<'static>> {
    match dt {
        DataType::Integer => any::<i64>().prop_map(Value::Integer).boxed(),
        DataType::Time => any::<i64>().prop_map(Value::Time).boxed(),
        DataType::UnsignedInteger => any::<u64>().prop_map(Value::UnsignedInteger).boxed(),
        DataType::Float => prop_oneof![any::<f32>().prop_map(f64::from), any::<f64>()]
            .prop_filter("NaN is not equal to itself", |f| !f.is_nan())
            .prop_map(Value::Float)
            .boxed(),
        DataType::Boolean => any::<bool>().prop_map(Value::Boolean).boxed(),
        DataType::Objlnk => (any::<u16>(), any::<u16>())
            .prop_map(|(object, instance)| Value::Objlnk(ObjectLink { object, instance }))
            .boxed(),
        // Leaked so that values are borrowed like decoded ones.
        DataType::String => {
            ".{0,12}".prop_map(|s| Value::String(Text::Borrowed(Box::leak(s.into_boxed_str())))).boxed()
        }
        _ => proptest::collection::vec(any::<u8>(), 0..300)
            .prop_map(|b| Value::Opaque(Bytes::Borrowed(Box::leak(b.into_boxed_slice()))))
            .boxed(),
    }
}

const TYPES: [DataType; 8] = [
    DataType::Integer,
    DataType::Time,
    DataType::UnsignedInteger,
    DataType::Float,
    DataType::Boolean,
    DataType::Objlnk,
    DataType::String,
    DataType::Opaque,
];

/// Records under `/7`, with resource r of type TYPES[r % 8] (single when r is even), and the
/// definitions to type them back.
fn records() -> impl Strategy<Value = Vec<Record<'static>>> {
    let one = (0u16..3, 0u16..16, 0u16..300, 0usize..8).prop_flat_map(|(i, r, ri, _)| {
        let dt = TYPES[usize::from(r) % 8];
        value_of(dt).prop_map(move |value| {
            let path =
                if r % 2 == 0 { Path::resource_path(7, i, r) } else { Path::resource_instance_path(7, i, r, ri) };
            Record { path, value }
        })
    });
    proptest::collection::vec(one, 0..20)
}

fn defs() -> Vec<ResourceDef<'static>> {
    (0u16..16).map(|r| res(r, r % 2 == 1, TYPES[usize::from(r) % 8])).collect()
}

proptest! {
    #[test]
    fn records_round_trip(records in records(), level in 1usize..5) {
        // Narrow the records to what a request at `level` holds.
        let request = match records.first() {
            Some(r) if level > 1 => Path::new(&r.path.ids()[..level.min(r.path.len())]).unwrap(),
            _ => Path::object_path(7),
        };
        let records: Vec<Record<'_>> = records.into_iter().filter(|r| r.path.starts_with(&request)).collect();
        let bytes = encode_vec(request, &records);
        let mut back: Vec<Record<'_>> = tlv::decode(&bytes, request).unwrap().collect();
        let rs: &'static [ResourceDef<'static>] = Box::leak(defs().into_boxed_slice());
        let objects = [ObjectDef { id: 7, name: "", version: "1.0", multiple: true, mandatory: false, resources: rs }];
        type_records(&objects[..], &mut back).unwrap();
        prop_assert_eq!(&back, &records);
        // Minimal bytes re-encode to themselves.
        let raw: Vec<Record<'_>> = tlv::decode(&bytes, request).unwrap().collect();
        prop_assert_eq!(encode_vec(request, &raw), bytes);
    }

    #[test]
    fn no_input_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64), level in 0usize..5) {
        let request = Path::new(&[3, 0, 7, 1][..level]).unwrap();
        if let Ok(records) = tlv::decode(&bytes, request) {
            let records: Vec<Record<'_>> = records.collect();
            let again = encode_vec(request, &records);
            prop_assert_eq!(tlv::decode(&again, request).unwrap().collect::<Vec<_>>(), records);
        }
    }
}
