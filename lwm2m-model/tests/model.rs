//! Paths (LwM2M Core §7.1), TLV value typing (§7.4.3) and type checking against definitions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use lwm2m_model::model::*;
use proptest::prelude::*;

#[test]
fn paths_parse_print_and_refuse() {
    for (text, ids) in [
        ("/", &[][..]),
        ("/3", &[3][..]),
        ("/3/0", &[3, 0][..]),
        ("/3/0/7", &[3, 0, 7][..]),
        ("/3/0/7/1", &[3, 0, 7, 1][..]),
        ("/65534/65534/65534/65534", &[65534, 65534, 65534, 65534][..]),
    ] {
        let p: Path = text.parse().unwrap();
        assert_eq!(p.ids(), ids, "{text}");
        assert_eq!(p.to_string(), text);
        assert_eq!(Path::new(ids).unwrap(), p);
    }
    assert_eq!("/3/0/".parse::<Path>().unwrap(), Path::instance_path(3, 0));
    assert_eq!("/03/0".parse::<Path>().unwrap(), Path::instance_path(3, 0));
    assert_eq!("3/0".parse::<Path>(), Err(PathError::NotAbsolute));
    assert_eq!("/3/x".parse::<Path>(), Err(PathError::InvalidId(1)));
    assert_eq!("/3//0".parse::<Path>(), Err(PathError::InvalidId(1)));
    assert_eq!("/3/-1".parse::<Path>(), Err(PathError::InvalidId(1)));
    assert_eq!("/3/65536".parse::<Path>(), Err(PathError::InvalidId(1)));
    assert_eq!("/3/0/65535".parse::<Path>(), Err(PathError::ReservedId(2)));
    assert_eq!("/1/2/3/4/5".parse::<Path>(), Err(PathError::TooDeep));
    assert_eq!(Path::resource_instance_path(1, 2, 3, 4).child(0), Err(PathError::NoChild));
    assert_eq!(Path::ROOT.child(3).unwrap().child(0).unwrap(), Path::instance_path(3, 0));
    assert_eq!(Path::ROOT.parent(), Path::ROOT);
    assert!(Path::resource_path(3, 0, 1).starts_with(&Path::object_path(3)));
    assert!(!Path::resource_path(3, 0, 1).starts_with(&Path::object_path(4)));
}

#[test]
fn tlv_bytes_take_their_resource_type() {
    let raw = |b: &'static [u8]| Value::Raw(b.into());
    assert_eq!(raw(&[0xFF]).typed(DataType::Integer), Ok(Value::Integer(-1)));
    assert_eq!(raw(&[0x80, 0x00]).typed(DataType::Integer), Ok(Value::Integer(-32768)));
    assert_eq!(raw(&[0x51, 0x82, 0x42, 0x8F]).typed(DataType::Time), Ok(Value::Time(0x5182_428F)));
    assert_eq!(raw(&[0xFF; 8]).typed(DataType::UnsignedInteger), Ok(Value::UnsignedInteger(u64::MAX)));
    assert_eq!(
        raw(&[0, 0, 0]).typed(DataType::Integer),
        Err(ValueError::TlvLength { data_type: DataType::Integer, len: 3 })
    );
    assert_eq!(raw(&[0x3F, 0x80, 0, 0]).typed(DataType::Float), Ok(Value::Float(1.0)));
    assert_eq!(raw(&[0x3F, 0xF8, 0, 0, 0, 0, 0, 0]).typed(DataType::Float), Ok(Value::Float(1.5)));
    assert_eq!(raw(&[1]).typed(DataType::Boolean), Ok(Value::Boolean(true)));
    assert_eq!(raw(&[2]).typed(DataType::Boolean), Err(ValueError::Boolean));
    assert_eq!(
        raw(&[0x00, 0x03, 0x00, 0x01]).typed(DataType::Objlnk),
        Ok(Value::Objlnk(ObjectLink { object: 3, instance: 1 }))
    );
    assert_eq!(raw(b"1.0").typed(DataType::String), Ok(Value::String("1.0".into())));
    assert_eq!(raw(&[0xFF]).typed(DataType::String), Err(ValueError::Utf8(DataType::String)));
    assert_eq!(raw(&[]).typed(DataType::None), Ok(Value::None));
    assert_eq!(Value::Integer(5).typed(DataType::Time), Ok(Value::Time(5)));
    assert_eq!(
        Value::Integer(-5).typed(DataType::UnsignedInteger),
        Err(ValueError::Convert { from: DataType::Integer, to: DataType::UnsignedInteger })
    );
}

#[test]
fn records_are_typed_and_checked_against_the_registry() {
    let defs = registry::CORE;
    let mut ok = [
        Record { path: Path::resource_path(3, 0, 0), value: Value::Raw((&b"Open Mobile Alliance"[..]).into()) },
        Record { path: Path::resource_instance_path(3, 0, 7, 1), value: Value::Raw((&[0x13, 0x88][..]).into()) },
        Record { path: Path::resource_path(9999, 0, 0), value: Value::Raw((&[7][..]).into()) },
    ];
    type_records(defs, &mut ok).unwrap();
    assert_eq!(ok[0].value, Value::String("Open Mobile Alliance".into()));
    assert_eq!(ok[1].value, Value::Integer(5000));
    assert_eq!(ok[2].value, Value::Raw((&[7][..]).into()), "unknown objects stay as they are");

    let single_as_multiple = Path::resource_instance_path(3, 0, 9, 0);
    let mut bad = [Record { path: single_as_multiple, value: Value::Integer(1) }];
    assert_eq!(type_records(defs, &mut bad), Err(TypeError::NotMultiple { path: single_as_multiple, resource: 9 }));
    let multiple_as_single = Path::resource_path(3, 0, 11);
    let mut bad = [Record { path: multiple_as_single, value: Value::Integer(0) }];
    assert_eq!(type_records(defs, &mut bad), Err(TypeError::NotSingle { path: multiple_as_single, resource: 11 }));
    let battery = Path::resource_path(3, 0, 9);
    let mut bad = [Record { path: battery, value: Value::Raw((&[0, 0, 0][..]).into()) }];
    let err = type_records(defs, &mut bad).unwrap_err();
    assert_eq!(
        err,
        TypeError::Value { path: battery, kind: ValueError::TlvLength { data_type: DataType::Integer, len: 3 } }
    );
    assert_eq!(bad[0].value, Value::Raw((&[0, 0, 0][..]).into()), "a refused record keeps its value");
    assert_eq!(err.to_string(), "/3/0/9: LwM2M Core §7.4.3: 3 bytes cannot be a TLV Integer");
}

proptest! {
    #[test]
    fn paths_round_trip_through_text_and_segments(ids in prop::collection::vec(0u16..65535, 0..=4)) {
        let p = Path::new(&ids).unwrap();
        prop_assert_eq!(p.to_string().parse::<Path>().unwrap(), p);
        let mut buf = [0u8; 24];
        let segs: Vec<Vec<u8>> = p.segments(&mut buf).map(<[u8]>::to_vec).collect();
        prop_assert_eq!(Path::from_segments(segs.iter().map(Vec::as_slice)).unwrap(), p);
    }
}

#[test]
fn json_numbers_take_their_resource_type() {
    // SenML and LwM2M JSON carry one kind of number: integral as Integer, others as Float.
    let ok = |v: Value<'static>, to, want: Value<'static>| assert_eq!(v.typed(to).unwrap(), want);
    ok(Value::Integer(-20), DataType::Float, Value::Float(-20.0));
    ok(Value::Integer(1 << 53), DataType::Float, Value::Float(9_007_199_254_740_992.0));
    ok(Value::UnsignedInteger(u64::MAX), DataType::UnsignedInteger, Value::UnsignedInteger(u64::MAX));
    ok(Value::UnsignedInteger(7), DataType::Float, Value::Float(7.0));
    ok(Value::UnsignedInteger(7), DataType::Time, Value::Time(7));
    ok(Value::Float(1.638435e9), DataType::Time, Value::Time(1_638_435_000));
    ok(Value::Float(-3.0), DataType::Integer, Value::Integer(-3));
    ok(Value::Float(-9_223_372_036_854_775_808.0), DataType::Integer, Value::Integer(i64::MIN));
    ok(
        Value::Float(18_446_744_073_709_549_568.0),
        DataType::UnsignedInteger,
        Value::UnsignedInteger(18_446_744_073_709_549_568),
    );
    let refused = |v: Value<'static>, to| assert!(matches!(v.typed(to), Err(ValueError::Convert { .. })));
    refused(Value::Integer((1 << 53) + 1), DataType::Float);
    refused(Value::UnsignedInteger(u64::MAX), DataType::Float);
    refused(Value::UnsignedInteger(u64::MAX), DataType::Time);
    refused(Value::Float(0.5), DataType::Integer);
    refused(Value::Float(9_223_372_036_854_775_808.0), DataType::Integer);
    refused(Value::Float(-1.0), DataType::UnsignedInteger);
    refused(Value::Float(18_446_744_073_709_551_616.0), DataType::UnsignedInteger);
    refused(Value::Float(f64::NAN), DataType::Integer);
    refused(Value::Float(f64::INFINITY), DataType::Time);
    // Text and bytes compare by content, borrowed or owned.
    assert_eq!(Text::Borrowed("ab"), Text::Owned("ab".to_string()));
    assert_eq!(Bytes::Borrowed(&[1, 2]), Bytes::Owned(vec![1, 2]));
    assert_ne!(Text::Borrowed("ab"), Text::Owned("abc".to_string()));
}

#[test]
fn records_nest_into_a_tree_and_flatten_back() {
    let rec = |p: &str, v: Value<'static>| Record { path: p.parse().unwrap(), value: v };
    let records = vec![
        rec("/3/0/9", Value::Integer(100)),
        rec("/3/0/7/1", Value::Integer(5000)),
        rec("/1/0/0", Value::Integer(101)),
        rec("/3/0/7/0", Value::Integer(3800)),
    ];
    let tree = Tree::from_records(records.clone()).unwrap();
    assert_eq!(tree.objects.len(), 2);
    assert_eq!(tree.get(&"/3/0/7/1".parse().unwrap()), Some(&Value::Integer(5000)));
    assert_eq!(tree.get(&"/3/0/7".parse().unwrap()), None, "a multiple resource has no single value");
    let mut sorted = records;
    sorted.sort_by_key(|r| r.path);
    assert_eq!(tree.records().collect::<Vec<_>>(), sorted);
    let p = |s: &str| s.parse::<Path>().unwrap();
    assert_eq!(Tree::from_records([rec("/3/0", Value::None)]), Err(TreeError::NotAResource(p("/3/0"))));
    assert_eq!(
        Tree::from_records([rec("/3/0/9", Value::Integer(1)), rec("/3/0/9", Value::Integer(2))]),
        Err(TreeError::Duplicate(p("/3/0/9")))
    );
    assert_eq!(
        Tree::from_records([rec("/3/0/7/0", Value::Integer(1)), rec("/3/0/7/0", Value::Integer(2))]),
        Err(TreeError::Duplicate(p("/3/0/7/0")))
    );
    assert_eq!(
        Tree::from_records([rec("/3/0/7", Value::Integer(1)), rec("/3/0/7/0", Value::Integer(2))]),
        Err(TreeError::SingleAndMultiple(p("/3/0/7")))
    );
    assert_eq!(
        Tree::from_records([rec("/3/0/7/0", Value::Integer(1)), rec("/3/0/7", Value::Integer(2))]),
        Err(TreeError::SingleAndMultiple(p("/3/0/7")))
    );
}
