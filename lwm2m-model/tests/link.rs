//! CoRE link format for LwM2M: the TS's Register and Discover payloads, one malformed row per
//! rule, round trips and no panic on any input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use coap_codec::link_format::LinkFormatError;
use lwm2m_model::format::link::{
    self, Attribute, EncodeError, LinkAttributes, LinkDocument, LinkEntry, LinkError, Root,
};
use lwm2m_model::model::{Path, PathError};
use proptest::prelude::*;

fn p(s: &str) -> Path {
    s.parse().unwrap()
}

fn encode_vec(root: Option<&Root<'_>>, entries: &[LinkEntry<'_>]) -> Vec<u8> {
    let n = link::encoded_len(root, entries).unwrap();
    let mut out = vec![0u8; n];
    assert_eq!(link::encode(root, entries, &mut out), Ok(n));
    out
}

fn entries<'a>(doc: &LinkDocument<'a>) -> Vec<LinkEntry<'a>> {
    doc.entries().filter(|e| !e.is_lwm2m_root()).map(LinkEntry::from).collect()
}

/// LwM2M 1.0 §5.3.1 (Register): the client's objects and instances.
const REGISTER_1_0: &str = "</1/0>,</1/1>,</2/0>,</2/1>,</2/2>,</2/3>,</2/4>,</3/0>,</4/0>,</5>";

#[test]
fn ts_register_payload() {
    let doc = LinkDocument::decode(REGISTER_1_0.as_bytes()).unwrap();
    let paths: Vec<String> = doc.entries().map(|e| e.path.to_string()).collect();
    assert_eq!(paths, ["/1/0", "/1/1", "/2/0", "/2/1", "/2/2", "/2/3", "/2/4", "/3/0", "/4/0", "/5"]);
    assert!(doc.root().is_none());
    assert_eq!(encode_vec(None, &entries(&doc)), REGISTER_1_0.as_bytes());
}

#[test]
fn ts_register_payload_1_1_with_root_and_versions() {
    // LwM2M 1.1 Register: the root link with the supported Content-Formats, object versions.
    let text = r#"</>;rt="oma.lwm2m";ct=11543,</1/101>,</1/102>,</2/0>,</3>;ver=1.1,</3/0>,</5>"#;
    let doc = LinkDocument::decode(text.as_bytes()).unwrap();
    let root = doc.root().unwrap();
    assert_eq!((root.index, root.path, root.ct().collect::<Vec<_>>()), (0, Path::ROOT, vec![11543]));
    let e = entries(&doc);
    assert_eq!(e[3].path, p("/3"));
    assert_eq!(e[3].attributes.ver, Some(link::Version { major: 1, minor: 1 }));
    let again = encode_vec(Some(&Root { alternate_path: "/", ct: &[11543] }), &e);
    assert_eq!(again, text.as_bytes());
}

#[test]
fn register_payload_under_an_alternate_path() {
    let text = r#"</lwm2m>;rt="oma.lwm2m",</lwm2m/1/0>,</lwm2m/3/0>"#;
    let doc = LinkDocument::decode(text.as_bytes()).unwrap();
    assert_eq!(doc.alternate_path(), Some("/lwm2m"));
    let e = entries(&doc);
    assert_eq!(e.iter().map(|e| e.path).collect::<Vec<_>>(), [p("/1/0"), p("/3/0")]);
    assert_eq!(encode_vec(Some(&Root { alternate_path: "/lwm2m", ct: &[] }), &e), text.as_bytes());
}

#[test]
fn ts_discover_payloads() {
    // LwM2M 1.0 §5.4.2 (Discover on /3/0): an attribute on the instance, dimensions of the
    // multiple resources and two thresholds on resource 7.
    let text = "</3/0>;pmax=60,</3/0/1>,</3/0/2>,</3/0/3>,</3/0/4>,</3/0/6>;dim=8,</3/0/7>;dim=8;gt=50;lt=42.2,</3/0/8>;dim=8,</3/0/11>,</3/0/16>";
    let doc = LinkDocument::decode(text.as_bytes()).unwrap();
    let e = entries(&doc);
    assert_eq!(e[0].attributes, LinkAttributes { pmax: Some(60), ..Default::default() });
    assert_eq!(e[6].attributes, LinkAttributes { dim: Some(8), gt: Some(50.0), lt: Some(42.2), ..Default::default() });
    assert_eq!(encode_vec(None, &e), text.as_bytes());
    // Discover on /3/0/7 with periods (the attribute order of `encode`).
    let text = "</3/0/7>;dim=8;pmin=10;pmax=60;gt=50;lt=42.2;st=0.5;epmin=1;epmax=120";
    let doc = LinkDocument::decode(text.as_bytes()).unwrap();
    let a = doc.entries().next().unwrap().attributes;
    assert_eq!((a.pmin, a.st, a.epmin, a.epmax), (Some(10), Some(0.5), Some(1), Some(120)));
    assert_eq!(encode_vec(None, &entries(&doc)), text.as_bytes());
}

#[test]
fn ts_bootstrap_discover_payload() {
    // LwM2M 1.1 Bootstrap-Discover: the enabler version on the root, server ids and URIs.
    let text = r#"</>;lwm2m=1.1,</0/0>,</0/1>;ssid=101;uri="coap://server_1.example.com",</1/0>;ssid=101,</3/0>"#;
    let doc = LinkDocument::decode(text.as_bytes()).unwrap();
    let e = entries(&doc);
    assert_eq!(e[0].path, Path::ROOT);
    assert_eq!(e[0].attributes.lwm2m, Some(link::Version { major: 1, minor: 1 }));
    assert_eq!(e[2].attributes.uri, Some("coap://server_1.example.com"));
    assert_eq!(e[3].attributes.ssid, Some(101));
    assert_eq!(encode_vec(None, &e), text.as_bytes());
}

/// One row per rule: name, payload, expected kind, offset.
const MALFORMED: &[(&str, &str, LinkError, usize)] = &[
    ("not link format", "</1/0>,,", LinkError::Syntax(LinkFormatError::EmptyLink), 7),
    ("target not a path", "</1/0>,</sensors>", LinkError::InvalidPath { link: 1, reason: PathError::InvalidId(0) }, 7),
    ("relative target", "<1/0>", LinkError::InvalidPath { link: 0, reason: PathError::NotAbsolute }, 0),
    ("reserved id", "</3/65535>", LinkError::InvalidPath { link: 0, reason: PathError::ReservedId(1) }, 0),
    ("pmin without value", "</3/0>;pmin", LinkError::InvalidAttribute { link: 0, attribute: Attribute::Pmin }, 0),
    ("pmax negative", "</3/0>;pmax=-1", LinkError::InvalidAttribute { link: 0, attribute: Attribute::Pmax }, 0),
    ("gt not a number", "</3/0/7>;gt=x", LinkError::InvalidAttribute { link: 0, attribute: Attribute::Gt }, 0),
    ("dim 256", "</1>,</3/0/11>;dim=256", LinkError::InvalidAttribute { link: 1, attribute: Attribute::Dim }, 5),
    ("ssid 0", "</0/1>;ssid=0", LinkError::InvalidAttribute { link: 0, attribute: Attribute::Ssid }, 0),
    ("ver without minor", "</3>;ver=1", LinkError::InvalidAttribute { link: 0, attribute: Attribute::Ver }, 0),
    ("uri with a space", r#"</0/1>;uri="a b""#, LinkError::InvalidAttribute { link: 0, attribute: Attribute::Uri }, 0),
];

#[test]
fn malformed_payloads_name_their_rule() {
    for &(name, payload, kind, offset) in MALFORMED {
        let err = LinkDocument::decode(payload.as_bytes()).unwrap_err();
        assert_eq!((err.kind, err.offset), (kind, offset), "{name}");
        assert!(err.to_string().starts_with(kind.rule()), "{name}");
    }
}

#[test]
fn every_variant_has_a_row() {
    let src = include_str!("../src/format/link.rs");
    let body = &src[src.find("pub enum LinkError {").unwrap()..src.find("impl LinkError").unwrap()];
    for line in body.lines() {
        let t = line.trim_start();
        if line.starts_with("    ") && !line.starts_with("     ") && t.starts_with(|c: char| c.is_ascii_uppercase()) {
            let name: String = t.chars().take_while(char::is_ascii_alphanumeric).collect();
            assert!(MALFORMED.iter().any(|r| format!("{:?}", r.2).starts_with(&name)), "no malformed row for {name}");
        }
    }
}

#[test]
fn encode_errors_write_nothing() {
    let mut out = [0xEEu8; 8];
    let bad = |a: LinkAttributes<'static>| [LinkEntry { path: p("/3/0"), attributes: a }];
    let e = bad(LinkAttributes { st: Some(f64::INFINITY), ..Default::default() });
    assert_eq!(
        link::encode(None, &e, &mut out),
        Err(EncodeError::InvalidAttribute { index: 0, attribute: Attribute::St })
    );
    let e = bad(LinkAttributes { ssid: Some(0), ..Default::default() });
    assert_eq!(
        link::encode(None, &e, &mut out),
        Err(EncodeError::InvalidAttribute { index: 0, attribute: Attribute::Ssid })
    );
    let e = bad(LinkAttributes { uri: Some("a\"b"), ..Default::default() });
    assert_eq!(
        link::encode(None, &e, &mut out),
        Err(EncodeError::InvalidAttribute { index: 0, attribute: Attribute::Uri })
    );
    let e = bad(LinkAttributes::default());
    let root = Root { alternate_path: "/a b", ct: &[] };
    assert_eq!(link::encode(Some(&root), &e, &mut out), Err(EncodeError::InvalidAlternatePath));
    let many = [0u16; 41];
    let root = Root { alternate_path: "/", ct: &many };
    assert_eq!(link::encode(Some(&root), &e, &mut out), Err(EncodeError::TooManyContentFormats));
    let e = bad(LinkAttributes { pmin: Some(10), ..Default::default() });
    assert_eq!(link::encode(None, &e, &mut out), Err(EncodeError::BufferTooSmall { required: 14 }));
    assert_eq!(out, [0xEE; 8]);
}

fn attrs() -> impl Strategy<Value = LinkAttributes<'static>> {
    let secs = proptest::option::of(any::<u32>());
    let float = proptest::option::of(any::<f64>().prop_filter("finite", |f| f.is_finite()));
    let ver =
        proptest::option::of((any::<u8>(), any::<u8>()).prop_map(|(major, minor)| link::Version { major, minor }));
    (
        (secs.clone(), secs.clone(), secs.clone(), secs),
        (float.clone(), float.clone(), float),
        (proptest::option::of(any::<u8>()), proptest::option::of(1u16..65535)),
        (proptest::option::of("coap://[a-z]{1,8}(:[0-9]{1,4})?"), ver.clone(), ver),
    )
        .prop_map(|((pmin, pmax, epmin, epmax), (gt, lt, st), (dim, ssid), (uri, ver, lwm2m))| LinkAttributes {
            pmin,
            pmax,
            gt,
            lt,
            st,
            epmin,
            epmax,
            dim,
            ssid,
            uri: uri.map(|u| &*Box::leak(u.into_boxed_str())),
            ver,
            lwm2m,
        })
}

fn path() -> impl Strategy<Value = Path> {
    proptest::collection::vec(0u16..65535, 0..=4).prop_map(|ids| Path::new(&ids).unwrap())
}

proptest! {
    #[test]
    fn entries_round_trip(
        e in proptest::collection::vec((path(), attrs()).prop_map(|(path, attributes)| LinkEntry { path, attributes }), 0..6),
        root in proptest::option::of(("(/[a-z]{1,5})?", proptest::collection::vec(any::<u16>(), 0..4))),
    ) {
        let alt = root.as_ref().map(|(a, _)| if a.is_empty() { "/" } else { a.as_str() });
        let root = root.as_ref().map(|(_, ct)| Root { alternate_path: alt.unwrap_or("/"), ct });
        let bytes = encode_vec(root.as_ref(), &e);
        let doc = LinkDocument::decode(&bytes).unwrap();
        prop_assert_eq!(entries(&doc), e);
        if let Some(r) = root {
            prop_assert_eq!(doc.root().unwrap().ct().collect::<Vec<_>>(), r.ct.to_vec());
        }
    }

    #[test]
    fn no_input_panics(bytes in proptest::collection::vec(any::<u8>(), 0..48)) {
        if let Ok(doc) = LinkDocument::decode(&bytes) {
            let e = entries(&doc);
            let again = encode_vec(None, &e);
            prop_assert_eq!(entries(&LinkDocument::decode(&again).unwrap()), e);
        }
    }

    #[test]
    fn lwm2m_shaped_input_never_panics(s in r#"(</[0-9]{1,3}(/[0-9]{1,5}){0,4}>(;(pmin|pmax|gt|lt|st|dim|ssid|ver|uri|ct|rt)(=[0-9a-z."]{0,6})?){0,3},?){1,4}"#) {
        if let Ok(doc) = LinkDocument::decode(s.as_bytes()) {
            let e = entries(&doc);
            let again = encode_vec(None, &e);
            prop_assert_eq!(entries(&LinkDocument::decode(&again).unwrap()), e);
        }
    }
}
