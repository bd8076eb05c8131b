//! CoRE Link Format (RFC 6690): the §5 examples, a malformed corpus with one row per rule,
//! the `/.well-known/core` query filter (§4.1), writer round trips and no panic on any input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use coap_codec::link_format::*;
use proptest::prelude::*;

/// RFC 6690 §5 prints some payloads over several lines "for readability"; the ABNF has no
/// whitespace, so the lines are joined.
fn joined(lines: &[&str]) -> String {
    lines.concat()
}

fn targets(lf: &LinkFormat<'_>) -> Vec<String> {
    lf.links().map(|l| l.target().to_owned()).collect()
}

// ---------------------------------------------------------------------------------------------
// RFC 6690 §5 examples.

#[test]
fn rfc6690_5_1_sensor_discovery() {
    // §5.1: GET /.well-known/core, then GET /sensors.
    let lf = LinkFormat::new_checked("</sensors>;ct=40").unwrap();
    let link = lf.links().next().unwrap();
    assert_eq!(link.target(), "/sensors");
    assert_eq!(link.ct().collect::<Vec<_>>(), [40]);

    let payload = joined(&[r#"</sensors/temp>;if="sensor","#, r#"</sensors/light>;if="sensor""#]);
    let lf = LinkFormat::new_checked(&payload).unwrap();
    assert_eq!(targets(&lf), ["/sensors/temp", "/sensors/light"]);
    assert!(lf.links().all(|l| l.if_().eq(["sensor"])));
}

#[test]
fn rfc6690_5_2_resource_type_query() {
    // §5.2: GET /.well-known/core?rt=light-lux.
    let lf = LinkFormat::new_checked(r#"</sensors/light>;rt="light-lux";if="sensor""#).unwrap();
    let link = lf.links().next().unwrap();
    assert_eq!(link.rt().collect::<Vec<_>>(), ["light-lux"]);
    assert_eq!(link.interface().collect::<Vec<_>>(), ["sensor"]);
    assert!(QueryFilter::parse("rt=light-lux").unwrap().matches(&link));
}

fn rfc6690_5_3_payload() -> String {
    joined(&[
        r#"</sensors>;ct=40;title="Sensor Index","#,
        r#"</sensors/temp>;rt="temperature-c";if="sensor","#,
        r#"</sensors/light>;rt="light-lux";if="sensor","#,
        r#"<http://www.example.com/sensors/t123>;anchor="/sensors/temp""#,
        r#";rel="describedby","#,
        r#"</t>;anchor="/sensors/temp";rel="alternate""#,
    ])
}

#[test]
fn rfc6690_5_3_anchors_and_relations() {
    let payload = rfc6690_5_3_payload();
    let lf = LinkFormat::new_checked(&payload).unwrap();
    assert_eq!(
        targets(&lf),
        ["/sensors", "/sensors/temp", "/sensors/light", "http://www.example.com/sensors/t123", "/t"]
    );
    let links: Vec<_> = lf.links().collect();
    assert!(links[0].title().unwrap().eq_unescaped("Sensor Index"));
    assert_eq!(links[0].ct().collect::<Vec<_>>(), [40]);
    assert_eq!(links[1].rt().collect::<Vec<_>>(), ["temperature-c"]);
    assert_eq!(links[3].anchor(), Some("/sensors/temp"));
    assert_eq!(links[3].rel().collect::<Vec<_>>(), ["describedby"]);
    assert_eq!((links[4].anchor(), links[4].rel().next()), (Some("/sensors/temp"), Some("alternate")));
    assert_eq!(links[2].as_str(), r#"</sensors/light>;rt="light-lux";if="sensor""#);
    // The query filter over the same payload.
    let hits = |name, pattern| lf.matching(name, pattern).map(|l| l.target()).collect::<Vec<_>>();
    assert_eq!(hits("if", "sensor"), ["/sensors/temp", "/sensors/light"]);
    assert_eq!(hits("rt", "temperature*"), ["/sensors/temp"]);
    assert_eq!(hits("href", "/sensors*"), ["/sensors", "/sensors/temp", "/sensors/light"]);
    assert_eq!(hits("ct", "40"), ["/sensors"]);
    assert_eq!(hits("anchor", "/sensors/temp"), ["http://www.example.com/sensors/t123", "/t"]);
    assert_eq!(hits("title", "Sensor*"), ["/sensors"]);
    assert!(hits("rt", "temperature").is_empty());
}

#[test]
fn rfc6690_5_4_firmware_size() {
    // §5.4: GET /.well-known/core?rt=firmware.
    let lf = LinkFormat::new_checked(r#"</firmware/v2.1>;rt="firmware";sz=262144"#).unwrap();
    let link = lf.links().next().unwrap();
    assert_eq!(link.sz(), Some(262_144));
    assert!(matches_query(&link, "rt", "firmware"));
    assert!(matches_query(&link, "sz", "262144"));
}

#[test]
fn rfc6690_examples_rewrite_to_the_same_links() {
    // Re-writing every parsed link through LinkWriter gives links that parse to the same values.
    let payload = rfc6690_5_3_payload();
    let lf = LinkFormat::new_checked(&payload).unwrap();
    let mut buf = [0u8; 512];
    let mut w = LinkWriter::new(&mut buf);
    for link in lf.links() {
        w.link(link.target()).unwrap();
        for a in link.attributes() {
            match a.value {
                None => w.flag(a.name).unwrap(),
                Some(v) => w.attr(a.name, &v.unescaped_chars().collect::<String>()).unwrap(),
            };
        }
    }
    let again = LinkFormat::new_checked(w.as_str()).unwrap();
    assert_eq!(model(&lf), model(&again));
}

// ---------------------------------------------------------------------------------------------
// Attribute shapes.

#[test]
fn bare_repeated_and_multi_value_attributes() {
    let lf =
        LinkFormat::new_checked(r#"</a>;obs;rt="x y";rt=z;ct="0 50";ct=41;foo;title*=UTF-8'en'%e2%82%ac"#).unwrap();
    let link = lf.links().next().unwrap();
    assert!(link.obs());
    assert_eq!(link.rt().collect::<Vec<_>>(), ["x", "y", "z"]);
    assert_eq!(link.ct().collect::<Vec<_>>(), [0, 50, 41]);
    assert_eq!(link.attribute("foo"), Some(Attribute { name: "foo", value: None }));
    assert_eq!(link.attribute("title*").unwrap().value, Some(AttrValue::Token("UTF-8'en'%e2%82%ac")));
    assert_eq!(link.attributes().count(), 7);
    assert!(link.title().is_none());
}

#[test]
fn separators_inside_targets_and_quotes_do_not_split() {
    let lf = LinkFormat::new_checked(r#"</a,b;c>;t="x,y;z\"",</d>"#).unwrap();
    assert_eq!(targets(&lf), ["/a,b;c", "/d"]);
    let v = lf.links().next().unwrap().attribute("t").unwrap().value.unwrap();
    assert_eq!(v.raw(), r#"x,y;z\""#);
    assert_eq!(v.unescaped_chars().collect::<String>(), r#"x,y;z""#);
    let mut buf = [0u8; 6];
    assert_eq!(v.write_unescaped(&mut buf), Ok(6));
    assert_eq!(&buf, br#"x,y;z""#);
    assert_eq!(v.write_unescaped(&mut buf[..5]), Err(EncodeError::BufferTooSmall { required: 6 }));
}

#[test]
fn non_ascii_quoted_text_and_empty_values() {
    let lf = LinkFormat::from_bytes("</a>;title=\"Température\tx\";x=\"\"".as_bytes()).unwrap();
    let link = lf.links().next().unwrap();
    assert!(link.title().unwrap().eq_unescaped("Température\tx"));
    assert_eq!(link.attribute("x").unwrap().value, Some(AttrValue::Quoted("")));
    assert!(matches_query(&link, "x", ""));
    assert!(LinkFormat::new_checked("<>").is_ok(), "an empty URI-Reference is a relative reference");
}

// ---------------------------------------------------------------------------------------------
// Malformed corpus: one row per rule.

#[test]
fn malformed_inputs_name_the_rule_and_offset() {
    use LinkFormatError::*;
    let rows: &[(&str, &[u8], LinkFormatError, usize, &str)] = &[
        ("no '<'", b"/a", ExpectedTarget, 0, "RFC 6690 §2"),
        ("trailing garbage after a link", b"</a>,x", ExpectedTarget, 5, "RFC 6690 §2"),
        ("unterminated '<'", b"</sensors;ct=40", UnterminatedTarget, 0, "RFC 6690 §2"),
        ("space in target", b"</a b>", InvalidTargetCharacter, 3, "RFC 3986 §2"),
        ("bad percent", b"</a%4>", InvalidPercentEncoding, 3, "RFC 3986 §2.1"),
        ("empty link between commas", b"</a>,,</b>", EmptyLink, 5, "RFC 6690 §2"),
        ("leading comma", b",</a>", EmptyLink, 0, "RFC 6690 §2"),
        ("trailing comma", b"</a>,", EmptyLink, 5, "RFC 6690 §2"),
        ("empty attribute name", b"</a>;=1", InvalidAttributeName, 5, "RFC 6690 §2 / RFC 5987 §3.2.1"),
        ("space in attribute name", b"</a>;r t=1", InvalidAttributeName, 6, "RFC 6690 §2 / RFC 5987 §3.2.1"),
        ("'/' in attribute name", b"</a>;a/b", InvalidAttributeName, 6, "RFC 6690 §2 / RFC 5987 §3.2.1"),
        ("'=' with no value", b"</a>;rt=", MissingValue, 8, "RFC 6690 §2"),
        ("'=' then ';'", b"</a>;rt=;obs", MissingValue, 8, "RFC 6690 §2"),
        ("ext name without value", b"</a>;title*", MissingValue, 11, "RFC 6690 §2"),
        ("unterminated quote", b"</a>;rt=\"x", UnterminatedQuotedString, 8, "RFC 2616 §2.2"),
        ("quote ending in backslash", b"</a>;rt=\"x\\", UnterminatedQuotedString, 8, "RFC 2616 §2.2"),
        ("newline in quote", b"</a>;rt=\"x\ny\"", ControlCharacter, 10, "RFC 2616 §2.2"),
        ("escaped non-ASCII", "</a>;rt=\"\\é\"".as_bytes(), InvalidEscape, 9, "RFC 2616 §2.2"),
        ("garbage after target", b"</a>x", UnexpectedCharacter, 4, "RFC 6690 §2"),
        ("space between links", b"</a>, </b>", ExpectedTarget, 5, "RFC 6690 §2"),
        ("garbage after value", b"</a>;rt=x y", UnexpectedCharacter, 9, "RFC 6690 §2"),
        ("garbage after quoted value", b"</a>;rt=\"x\"y", UnexpectedCharacter, 11, "RFC 6690 §2"),
        ("sz not a number", b"</a>;sz=big", InvalidSize, 8, "RFC 6690 §3.3"),
        ("sz quoted", b"</a>;sz=\"1\"", InvalidSize, 8, "RFC 6690 §3.3"),
        ("sz leading zero", b"</a>;sz=01", InvalidSize, 8, "RFC 6690 §3.3"),
        ("sz overflow", b"</a>;sz=18446744073709551616", InvalidSize, 8, "RFC 6690 §3.3"),
        ("ct too large", b"</a>;ct=65536", InvalidContentFormat, 8, "RFC 7252 §7.2.1"),
        ("ct list with a word", b"</a>;ct=\"0 x\"", InvalidContentFormat, 8, "RFC 7252 §7.2.1"),
        ("ct empty list", b"</a>;ct=\"\"", InvalidContentFormat, 8, "RFC 7252 §7.2.1"),
        ("bare ct", b"</a>;ct", InvalidContentFormat, 7, "RFC 7252 §7.2.1"),
        ("anchor unquoted", b"</a>;anchor=/b", InvalidAnchor, 12, "RFC 6690 §2"),
        ("anchor not a URI", b"</a>;anchor=\"/b c\"", InvalidAnchor, 12, "RFC 6690 §2"),
        ("not UTF-8", b"</a>;t=\"\xff\"", InvalidUtf8, 8, "RFC 6690 §2"),
    ];
    let mut kinds = std::collections::HashSet::new();
    for &(name, input, kind, offset, rule) in rows {
        let err = LinkFormat::from_bytes(input).expect_err(name);
        assert_eq!((err.kind, err.offset), (kind, offset), "{name}");
        assert_eq!(err.kind.rule(), rule, "{name}");
        assert!(err.to_string().starts_with(rule), "{name}: {err}");
        kinds.insert(kind);
    }
    assert_eq!(kinds.len(), 15, "every LinkFormatError variant has a row");
}

// ---------------------------------------------------------------------------------------------
// Writer.

#[test]
fn writer_checks_what_the_parser_checks_and_writes_nothing_on_error() {
    let mut buf = [0u8; 64];
    let mut w = LinkWriter::new(&mut buf);
    assert_eq!(w.attr("rt", "x").unwrap_err(), EncodeError::NoLink);
    w.link("/a").unwrap();
    let before = w.as_str().to_owned();
    let invalid = |e: Result<&mut LinkWriter<'_>, EncodeError>| match e {
        Err(EncodeError::Invalid(kind)) => kind,
        other => panic!("{other:?}"),
    };
    assert_eq!(invalid(w.attr("r t", "x")), LinkFormatError::InvalidAttributeName);
    assert_eq!(invalid(w.attr("", "x")), LinkFormatError::InvalidAttributeName);
    assert_eq!(invalid(w.attr("rt", "a\nb")), LinkFormatError::ControlCharacter);
    assert_eq!(invalid(w.attr("sz", "ten")), LinkFormatError::InvalidSize);
    assert_eq!(invalid(w.attr_quoted("sz", "10")), LinkFormatError::InvalidSize);
    assert_eq!(invalid(w.attr_uint("ct", 70_000)), LinkFormatError::InvalidContentFormat);
    assert_eq!(invalid(w.attr("anchor", "/a b")), LinkFormatError::InvalidAnchor);
    assert_eq!(invalid(w.flag("title*")), LinkFormatError::MissingValue);
    assert_eq!(invalid(w.link("/%zz")), LinkFormatError::InvalidPercentEncoding);
    assert_eq!(w.as_str(), before);
    w.attr("anchor", "/b").unwrap().attr("title", "t").unwrap().attr("e", "").unwrap();
    assert_eq!(w.as_str(), r#"</a>;anchor="/b";title="t";e="""#);
}

#[test]
fn writer_buffer_too_small_names_the_total_size() {
    let mut buf = [0u8; 10];
    let mut w = LinkWriter::new(&mut buf);
    w.link("/abc").unwrap(); // 6 bytes
    assert_eq!(w.attr("rt", "x\"y").unwrap_err(), EncodeError::BufferTooSmall { required: 6 + 10 });
    assert_eq!(w.len(), 6);
    w.flag("obs").unwrap();
    assert_eq!(w.link("/b").unwrap_err(), EncodeError::BufferTooSmall { required: 15 });
    assert_eq!(w.finish(), 10);
}

// ---------------------------------------------------------------------------------------------
// Property tests.

type Model = Vec<(String, Vec<(String, Option<String>)>)>;

fn model(lf: &LinkFormat<'_>) -> Model {
    lf.links()
        .map(|l| {
            let attrs = l.attributes().map(|a| (a.name.to_owned(), a.value.map(|v| v.unescaped_chars().collect())));
            (l.target().to_owned(), attrs.collect())
        })
        .collect()
}

fn target() -> impl Strategy<Value = String> {
    prop::string::string_regex("(/[a-zA-Z0-9._~!$&'()*+,;=:@-]{0,6}|%[0-9a-fA-F]{2}){0,4}(\\?[a-z=&]{0,5})?").unwrap()
}

fn name() -> impl Strategy<Value = String> {
    // parmname; names with their own value rules are tested apart.
    prop::string::string_regex("[a-zA-Z0-9!#$&+.^_`|~-]{1,6}")
        .unwrap()
        .prop_filter("typed names", |n| !["sz", "ct", "anchor"].iter().any(|t| n.eq_ignore_ascii_case(t)))
}

fn value() -> impl Strategy<Value = Option<String>> {
    prop::option::of(prop::string::string_regex("[ -~\t\u{e9}\u{20ac}]{0,8}").unwrap())
}

fn links() -> impl Strategy<Value = Model> {
    prop::collection::vec((target(), prop::collection::vec((name(), value()), 0..5)), 0..5)
}

proptest! {
    #[test]
    fn writer_then_parser_round_trips(links in links(), quote_all in any::<bool>()) {
        let mut buf = vec![0u8; 4096];
        let mut w = LinkWriter::new(&mut buf);
        for (t, attrs) in &links {
            w.link(t).unwrap();
            for (n, v) in attrs {
                match v {
                    None => w.flag(n).unwrap(),
                    Some(v) if quote_all => w.attr_quoted(n, v).unwrap(),
                    Some(v) => w.attr(n, v).unwrap(),
                };
            }
        }
        let written = w.as_str().to_owned();
        let lf = LinkFormat::new_checked(&written).unwrap();
        prop_assert_eq!(&model(&lf), &links);
        // And the exact size: one byte less reports the full size needed.
        let n = written.len();
        if n > 0 {
            let mut small = vec![0u8; n - 1];
            let mut w = LinkWriter::new(&mut small);
            let mut first_err = None;
            'outer: for (t, attrs) in &links {
                if let Err(e) = w.link(t) { first_err = Some(e); break; }
                for (name, v) in attrs {
                    let r = match v {
                        None => w.flag(name).map(|_| ()),
                        Some(v) if quote_all => w.attr_quoted(name, v).map(|_| ()),
                        Some(v) => w.attr(name, v).map(|_| ()),
                    };
                    if let Err(e) = r { first_err = Some(e); break 'outer; }
                }
            }
            prop_assert_eq!(first_err, Some(EncodeError::BufferTooSmall { required: n }));
        }
    }

    #[test]
    fn typed_attributes_round_trip(sz in any::<u64>(), cts in prop::collection::vec(any::<u16>(), 1..4)) {
        let list = cts.iter().map(u16::to_string).collect::<Vec<_>>().join(" ");
        let mut buf = [0u8; 256];
        let mut w = LinkWriter::new(&mut buf);
        w.link("/x").unwrap().attr_uint("sz", sz).unwrap().attr("ct", &list).unwrap().attr("anchor", "/y").unwrap();
        let lf = LinkFormat::new_checked(w.as_str()).unwrap();
        let link = lf.links().next().unwrap();
        prop_assert_eq!(link.sz(), Some(sz));
        prop_assert_eq!(link.ct().collect::<Vec<_>>(), cts);
        prop_assert_eq!(link.anchor(), Some("/y"));
    }

    #[test]
    fn no_panic_on_any_string(s in "\\PC{0,64}") {
        if let Ok(lf) = LinkFormat::new_checked(&s) {
            exercise(&lf);
        }
    }

    #[test]
    fn no_panic_on_link_shaped_strings(s in "[<>;,=\"\\\\/a-c0-9*% \t]{0,48}") {
        match LinkFormat::new_checked(&s) {
            Ok(lf) => exercise(&lf),
            Err(e) => prop_assert!(e.offset <= s.len()),
        }
    }

    #[test]
    fn no_panic_on_any_bytes(b in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(lf) = LinkFormat::from_bytes(&b) {
            exercise(&lf);
        }
    }
}

/// Touches every accessor; a checked view yields links that, joined by commas, are the payload.
fn exercise(lf: &LinkFormat<'_>) {
    let joined: Vec<&str> = lf.links().map(|l| l.as_str()).collect();
    assert_eq!(joined.join(","), lf.as_str());
    for link in lf.links() {
        let _ = (link.target(), link.sz(), link.obs(), link.title(), link.anchor());
        let _ = (link.rt().count(), link.if_().count(), link.ct().count(), link.rel().count());
        let _ = matches_query(&link, "rt", "a*");
        for a in link.attributes() {
            if let Some(v) = a.value {
                let mut buf = [0u8; 64];
                let _ = v.write_unescaped(&mut buf);
                assert_eq!(v.unescaped_chars().map(char::len_utf8).sum::<usize>(), v.unescaped_len());
            }
        }
    }
}
