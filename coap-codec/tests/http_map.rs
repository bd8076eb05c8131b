//! The CoAP-HTTP mapping: every row of RFC 8075 §7 Table 2 and §6.3 Table 1, the RFC 7252
//! §10 rules both ways, the error answers, and round trips where the mapping is a bijection.
#![cfg(feature = "http")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use coap_codec::http_map::*;
use coap_codec::uri::Scheme;
use coap_codec::wire::{Code, ContentFormat, Message, MessageBuilder, MessageId, MessageType, OptionNumber};
use http::{HeaderMap, Method, StatusCode};
use proptest::prelude::*;

fn coap(code: Code, opts: &[(OptionNumber, &[u8])], payload: &[u8]) -> Vec<u8> {
    let mut b = MessageBuilder::<16>::new(MessageType::Confirmable, code, MessageId(1));
    for (n, v) in opts {
        b.option(*n, v).unwrap();
    }
    b.payload(payload);
    let mut out = vec![0u8; 512];
    let n = b.encode(&mut out).unwrap();
    out.truncate(n);
    out
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
    }
    h
}

const HEADER: CoapHeader<'static> =
    CoapHeader { message_type: MessageType::Confirmable, message_id: MessageId(7), token: &[0xAA] };

// ---- RFC 8075 §7 Table 2, CoAP to HTTP, one row each -----------------------------------

#[test]
fn table2_every_row() {
    use StatusCode as S;
    // (code, has_payload, conditional, expected)
    let rows: &[(Code, bool, bool, S)] = &[
        (Code::CREATED, true, false, S::CREATED),     // note 1
        (Code::DELETED, true, false, S::OK),          // note 2
        (Code::DELETED, false, false, S::NO_CONTENT), // note 2
        (Code::VALID, false, true, S::NOT_MODIFIED),  // note 3
        (Code::CHANGED, true, false, S::OK),          // note 2
        (Code::CHANGED, false, false, S::NO_CONTENT), // note 2
        (Code::CONTENT, true, false, S::OK),
        (Code::CONTENT, false, false, S::OK),
        (Code::BAD_REQUEST, false, false, S::BAD_REQUEST),
        (Code::UNAUTHORIZED, false, false, S::FORBIDDEN), // note 5
        (Code::BAD_OPTION, false, false, S::INTERNAL_SERVER_ERROR), // note 6
        (Code::FORBIDDEN, false, false, S::FORBIDDEN),
        (Code::NOT_FOUND, false, false, S::NOT_FOUND),
        (Code::METHOD_NOT_ALLOWED, false, false, S::BAD_REQUEST), // note 7
        (Code::NOT_ACCEPTABLE, false, false, S::NOT_ACCEPTABLE),
        (Code::PRECONDITION_FAILED, false, false, S::PRECONDITION_FAILED),
        (Code::REQUEST_ENTITY_TOO_LARGE, false, false, S::PAYLOAD_TOO_LARGE), // note 11
        (Code::UNSUPPORTED_CONTENT_FORMAT, false, false, S::UNSUPPORTED_MEDIA_TYPE),
        (Code::INTERNAL_SERVER_ERROR, false, false, S::INTERNAL_SERVER_ERROR),
        (Code::NOT_IMPLEMENTED, false, false, S::NOT_IMPLEMENTED),
        (Code::BAD_GATEWAY, false, false, S::BAD_GATEWAY),
        (Code::SERVICE_UNAVAILABLE, false, false, S::SERVICE_UNAVAILABLE), // note 8
        (Code::GATEWAY_TIMEOUT, false, false, S::GATEWAY_TIMEOUT),
        (Code::PROXYING_NOT_SUPPORTED, false, false, S::BAD_GATEWAY), // note 9
        // Extensions (RFC 8132 §3.4, RFC 8516 §3) and RFC 7252 §5.2 generic classes.
        (Code::CONFLICT, false, false, S::CONFLICT),
        (Code::UNPROCESSABLE_ENTITY, false, false, S::UNPROCESSABLE_ENTITY),
        (Code::TOO_MANY_REQUESTS, false, false, S::TOO_MANY_REQUESTS),
        (Code::new(4, 31), false, false, S::BAD_REQUEST),
        (Code::new(5, 31), false, false, S::INTERNAL_SERVER_ERROR),
        (Code::new(2, 9), false, false, S::NO_CONTENT),
        (Code::new(2, 9), true, false, S::OK),
    ];
    for &(code, payload, conditional, want) in rows {
        assert_eq!(http_status(code, payload, conditional), Ok(want), "{code}");
    }
}

#[test]
fn table2_not_applicable_rows_are_errors() {
    // Notes 10 and 4; codes that are not responses.
    assert_eq!(http_status(Code::CONTINUE, false, false), Err(CoapResponseError::BlockWiseOnly(Code::CONTINUE)));
    let incomplete = Code::REQUEST_ENTITY_INCOMPLETE;
    assert_eq!(http_status(incomplete, false, false), Err(CoapResponseError::BlockWiseOnly(incomplete)));
    assert_eq!(http_status(Code::VALID, false, false), Err(CoapResponseError::ValidNeedsCache));
    assert_eq!(http_status(Code::GET, false, false), Err(CoapResponseError::NotAResponse(Code::GET)));
    assert_eq!(http_status(Code::CSM, false, false).unwrap_err().status(), StatusCode::BAD_GATEWAY);
}

// ---- RFC 7252 §10.1: HTTP status to CoAP code ------------------------------------------

#[test]
fn http_status_to_coap_code() {
    let rows: &[(Code, u16, Code)] = &[
        (Code::GET, 200, Code::CONTENT),   // §10.1.1
        (Code::FETCH, 200, Code::CONTENT), // RFC 8132 §2
        (Code::GET, 203, Code::CONTENT),
        (Code::GET, 204, Code::CONTENT),
        (Code::PUT, 200, Code::CHANGED), // §10.1.2
        (Code::PUT, 204, Code::CHANGED),
        (Code::PUT, 201, Code::CREATED),
        (Code::POST, 200, Code::CHANGED), // §10.1.4
        (Code::POST, 201, Code::CREATED),
        (Code::POST, 202, Code::CHANGED),
        (Code::PATCH, 200, Code::CHANGED), // RFC 8132 §3
        (Code::IPATCH, 204, Code::CHANGED),
        (Code::DELETE, 200, Code::DELETED), // §10.1.3
        (Code::DELETE, 204, Code::DELETED),
        (Code::DELETE, 404, Code::DELETED), // §10.1.3: "or if the resource does not exist"
        (Code::DELETE, 410, Code::DELETED),
        (Code::GET, 404, Code::NOT_FOUND),
        (Code::GET, 206, Code::BAD_GATEWAY),
        (Code::GET, 304, Code::VALID),
        (Code::GET, 100, Code::BAD_GATEWAY),
        (Code::GET, 301, Code::BAD_GATEWAY),
        (Code::GET, 302, Code::BAD_GATEWAY),
        (Code::GET, 400, Code::BAD_REQUEST),
        (Code::GET, 401, Code::UNAUTHORIZED),
        (Code::GET, 403, Code::FORBIDDEN),
        (Code::GET, 405, Code::METHOD_NOT_ALLOWED),
        (Code::GET, 406, Code::NOT_ACCEPTABLE),
        (Code::PUT, 409, Code::CONFLICT),
        (Code::PUT, 412, Code::PRECONDITION_FAILED),
        (Code::PUT, 413, Code::REQUEST_ENTITY_TOO_LARGE),
        (Code::PUT, 415, Code::UNSUPPORTED_CONTENT_FORMAT),
        (Code::PATCH, 422, Code::UNPROCESSABLE_ENTITY),
        (Code::GET, 429, Code::TOO_MANY_REQUESTS),
        (Code::GET, 418, Code::BAD_REQUEST), // RFC 7231 §6: unrecognised 4xx is 400
        (Code::GET, 500, Code::INTERNAL_SERVER_ERROR),
        (Code::GET, 501, Code::NOT_IMPLEMENTED),
        (Code::GET, 502, Code::BAD_GATEWAY),
        (Code::GET, 503, Code::SERVICE_UNAVAILABLE),
        (Code::GET, 504, Code::GATEWAY_TIMEOUT),
        (Code::GET, 507, Code::INTERNAL_SERVER_ERROR),
        (Code::GET, 600, Code::BAD_GATEWAY),
    ];
    for &(method, status, want) in rows {
        assert_eq!(coap_code(method, StatusCode::from_u16(status).unwrap()), want, "{method} {status}");
    }
}

// ---- Methods (RFC 7252 §10.1, §10.2; RFC 8132) --------------------------------------

#[test]
fn methods_both_ways() {
    for (m, c) in [
        (Method::GET, Code::GET),
        (Method::HEAD, Code::GET),
        (Method::POST, Code::POST),
        (Method::PUT, Code::PUT),
        (Method::DELETE, Code::DELETE),
        (Method::PATCH, Code::PATCH),
    ] {
        assert_eq!(coap_method(&m), Ok(c), "{m}");
    }
    for m in [Method::OPTIONS, Method::TRACE, Method::CONNECT, Method::from_bytes(b"PROPFIND").unwrap()] {
        let e = coap_method(&m).unwrap_err();
        assert_eq!((e, e.status()), (HttpRequestError::MethodNotImplemented, StatusCode::NOT_IMPLEMENTED));
    }
    for (c, m) in [
        (Code::GET, Method::GET),
        (Code::POST, Method::POST),
        (Code::PUT, Method::PUT),
        (Code::DELETE, Method::DELETE),
        (Code::PATCH, Method::PATCH),
        (Code::IPATCH, Method::PATCH),
    ] {
        assert_eq!(http_method(c), Ok(m), "{c}");
    }
    assert_eq!(http_method(Code::FETCH).unwrap_err().code(), Code::NOT_IMPLEMENTED);
    assert_eq!(http_method(Code::new(0, 9)).unwrap_err().code(), Code::METHOD_NOT_ALLOWED);
}

// ---- Media types (RFC 8075 §6) -----------------------------------------------------------

fn registered() -> Vec<ContentFormat> {
    (0..=u16::MAX).map(ContentFormat).filter(|cf| cf.media_type().is_some()).collect()
}

#[test]
fn every_registered_format_round_trips() {
    let m = MediaTypeMapping::default();
    let all = registered();
    assert!(all.len() >= 20);
    for cf in all {
        let header = media_type(cf);
        assert_eq!(m.content_format(header.to_str().unwrap()), Ok(cf), "{header:?}");
    }
}

#[test]
fn media_type_spellings() {
    let m = MediaTypeMapping::default();
    for (s, cf) in [
        ("text/plain;charset=utf-8", 0),
        ("TEXT/PLAIN; CHARSET=UTF-8", 0),
        ("text/plain; charset=\"utf-8\"", 0),
        ("text/plain", 0), // RFC 2046 §4.1.2: US-ASCII
        ("text/plain; charset=us-ascii", 0),
        ("application/link-format", 40),
        ("application/json; charset=utf-8", 50), // RFC 8259 §11
        ("application/cbor", 60),
        ("application/senml+json", 110),
        ("application/senml+cbor", 112),
        ("application/vnd.oma.lwm2m+tlv", 11542),
        ("application/cose; cose-type=cose-sign1", 18),
        ("application/cose;cose-type=\"cose-mac0\"", 17),
    ] {
        assert_eq!(m.content_format(s), Ok(ContentFormat(cf)), "{s}");
    }
    for s in ["text/plain; charset=iso-8859-1", "text/html", "application/soap+xml", "nonsense", "a/b/c", ""] {
        assert_eq!(m.content_format(s), Err(MediaTypeError::Unsupported), "{s}");
    }
}

#[test]
fn loose_mapping_table1_every_row() {
    let loose = MediaTypeMapping { loose: true, coap_payload: false };
    for (s, cf) in [
        ("application/soap+xml", ContentFormat::APPLICATION_XML), // application/*+xml
        ("application/ld+json", ContentFormat::APPLICATION_JSON), // application/*+json
        ("application/foo+cbor", ContentFormat::APPLICATION_CBOR), // application/*+cbor
        ("text/xml", ContentFormat::APPLICATION_XML),             // text/xml
        ("text/html; charset=utf-8", ContentFormat::TEXT_PLAIN),  // text/*
        ("image/png", ContentFormat::APPLICATION_OCTET_STREAM),   // */*
    ] {
        assert_eq!(loose.content_format(s), Ok(cf), "{s}");
    }
    // A registered type is found before any generalisation.
    assert_eq!(loose.content_format("application/senml+json"), Ok(ContentFormat::APPLICATION_SENML_JSON));
}

#[test]
fn coap_payload_media_type() {
    // RFC 8075 §6.2: unknown formats go out as application/coap-payload;cf=N...
    assert_eq!(media_type(ContentFormat(65001)), "application/coap-payload;cf=65001");
    // ...and come back only when pass-through is enabled.
    let strict = MediaTypeMapping::default();
    assert_eq!(strict.content_format("application/coap-payload;cf=65001"), Err(MediaTypeError::CoapPayload));
    let open = MediaTypeMapping { coap_payload: true, loose: false };
    assert_eq!(open.content_format("application/coap-payload; cf=65001"), Ok(ContentFormat(65001)));
    assert_eq!(open.content_format("application/coap-payload;cf=70000"), Err(MediaTypeError::Unsupported));
    assert_eq!(open.content_format("application/coap-payload"), Err(MediaTypeError::Unsupported));
}

#[test]
fn accept_picks_the_most_preferred_mappable_type() {
    let m = MediaTypeMapping::default();
    assert_eq!(m.accept("application/cbor"), Some(ContentFormat(60)));
    assert_eq!(m.accept("application/json;q=0.5, application/cbor;q=0.8"), Some(ContentFormat(60)));
    assert_eq!(m.accept("application/json, application/cbor"), Some(ContentFormat(50))); // tie: first
    assert_eq!(m.accept("text/html, application/json;q=0.1"), Some(ContentFormat(50))); // unmappable skipped
    assert_eq!(m.accept("*/*"), None); // RFC 8075 §6.1: MUST map to no Accept
    assert_eq!(m.accept("text/*, application/json;q=0.2"), None);
    assert_eq!(m.accept("application/cbor;q=0, application/json;q=0.3"), Some(ContentFormat(50)));
    assert_eq!(m.accept("text/plain; charset=utf-8; q=0.9"), Some(ContentFormat(0)));
    assert_eq!(m.accept("text/html"), None);
    assert_eq!(m.accept("application/json;q=2"), None); // malformed qvalue
}

// ---- Freshness (RFC 7252 §5.10.5, §10.1.1, §10.2.2) -------------------------------------

#[test]
fn max_age_to_cache_control_and_back() {
    assert_eq!(cache_control(None), "max-age=60");
    assert_eq!(cache_control(Some(3600)), "max-age=3600");
    for (pairs, want) in [
        (&[("cache-control", "max-age=120")][..], 120),
        (&[("cache-control", "public, max-age=\"30\"")], 30),
        (&[("cache-control", "max-age=100, s-maxage=40")], 40),
        (&[("cache-control", "max-age=100"), ("age", "30")], 70),
        (&[("cache-control", "max-age=10"), ("age", "30")], 0),
        (&[("cache-control", "no-cache, max-age=100")], 0),
        (&[("cache-control", "no-store")], 0),
        (&[("cache-control", "private, max-age=100")], 0),
        (&[("cache-control", "max-age=99999999999")], u32::MAX),
        (&[("cache-control", "max-age=abc")], 0),
        (&[("expires", "Thu, 01 Jan 2037 00:00:00 GMT")], 0),
        (&[], 0),
    ] {
        assert_eq!(max_age_from_http(&headers(pairs)), want, "{pairs:?}");
    }
    assert_eq!(retry_after(&headers(&[("retry-after", "120")])), Some(120));
    assert_eq!(retry_after(&headers(&[("retry-after", "Fri, 31 Dec 1999 23:59:59 GMT")])), None);
}

// ---- Entity-tags --------------------------------------------------------------------------

proptest! {
    #[test]
    fn coap_etag_round_trips_through_http(bytes in proptest::collection::vec(any::<u8>(), 1..=8)) {
        let e = Etag::from_coap(&bytes).unwrap();
        let header = e.to_header();
        let s = header.to_str().unwrap();
        let tag = entity_tags(s).next().unwrap();
        prop_assert!(!tag.weak);
        let back = Etag::from_opaque_tag(tag.opaque);
        prop_assert_eq!(back.as_bytes(), &bytes[..]);
    }

    #[test]
    fn registered_media_types_round_trip(i in 0usize..22) {
        let all = registered();
        let cf = all[i % all.len()];
        // Type, subtype and parameter names ignore case; values (but charset) do not.
        let header = media_type(cf);
        let (essence, params) = header.to_str().unwrap().split_once("; ").unwrap_or((header.to_str().unwrap(), ""));
        let (name, value) = params.split_once('=').unwrap_or(("", ""));
        let spelled = if params.is_empty() {
            essence.to_ascii_uppercase()
        } else {
            format!("{} ;{}={value}", essence.to_ascii_uppercase(), name.to_ascii_uppercase())
        };
        prop_assert_eq!(MediaTypeMapping::default().content_format(&spelled), Ok(cf));
    }

    #[test]
    fn mapping_never_panics(s in ".{0,60}") {
        let m = MediaTypeMapping { loose: true, coap_payload: true };
        let _ = m.content_format(&s);
        let _ = m.accept(&s);
        let _ = entity_tags(&s).count();
        let _ = Etag::from_opaque_tag(&s);
    }
}

#[test]
fn etag_encoding_rules() {
    assert_eq!(Etag::from_coap(&[]), None);
    assert_eq!(Etag::from_coap(&[0; 9]), None);
    assert_eq!(Etag::from_coap(&[0x01, 0xab]).unwrap().to_header(), "\"01ab\"");
    // Not this module's form: digested to 8 bytes, deterministically.
    let d = Etag::from_opaque_tag("33a64df551425fcc55e4d42a148795d9f25f8d80");
    assert_eq!(d.as_bytes().len(), 8);
    assert_eq!(d, Etag::from_opaque_tag("33a64df551425fcc55e4d42a148795d9f25f8d80"));
    assert_ne!(Etag::from_opaque_tag("ABCD").as_bytes(), [0xab, 0xcd]); // upper case is foreign
                                                                        // FNV-1a-64 of the empty string is the offset basis.
    assert_eq!(Etag::from_opaque_tag("").as_bytes(), 0xcbf2_9ce4_8422_2325u64.to_be_bytes());
    let tags: Vec<_> = entity_tags("W/\"x\", \"y\", bogus, \"z").collect();
    assert_eq!(tags, [EntityTag { weak: true, opaque: "x" }, EntityTag { weak: false, opaque: "y" }]);
    assert!(is_any(" * ") && !is_any("\"*\""));
}

// ---- URIs (RFC 8075 §5; RFC 7252 §5.10.2, §6.5) -----------------------------------------

fn target(
    mapping: &UriMapping<'_>,
    req: &str,
) -> Result<(String, String, u16, String, Option<String>), HttpRequestError> {
    let uri: http::Uri = req.parse().unwrap();
    let mut scratch = [0u8; 256];
    let (t, _) = target_uri(mapping, &uri, &mut scratch)?;
    Ok((t.scheme.as_str().into(), t.host.into(), t.port, t.path.into(), t.query.map(Into::into)))
}

#[test]
fn rfc8075_uri_examples() {
    let s = |x: &str| x.to_string();
    // §5.3 default mapping.
    let default = UriMapping::default_mapping("/hc/");
    assert_eq!(
        target(&default, "/hc/coap://s.example.com/light"),
        Ok((s("coap"), s("s.example.com"), 5683, s("/light"), None))
    );
    // §5.3.2: percent-encoded IPv6 brackets.
    assert_eq!(
        target(&default, "/hc/coap://%5B2001:db8::1%5D/light?on"),
        Ok((s("coap"), s("[2001:db8::1]"), 5683, s("/light"), Some(s("on"))))
    );
    // §5.4.1.1 example 1 and 2.
    let query = UriMapping::Template { proxy_path: "/hc/", template: "?target_uri={+tu}", default_scheme: None };
    assert_eq!(
        target(&query, "/hc/?target_uri=coaps://s.example.com/light"),
        Ok((s("coaps"), s("s.example.com"), 5684, s("/light"), None))
    );
    let fwd = UriMapping::Template { proxy_path: "/hc/", template: "forward/{+tu}", default_scheme: None };
    assert_eq!(target(&fwd, "/hc/forward/coap://s.example.com/light").unwrap().1, "s.example.com");
    // §5.4.1.1 example 3, and §5.3.1 without agreement.
    let omit =
        UriMapping::Template { proxy_path: "/hc/", template: "?coap_uri={+tu}", default_scheme: Some(Scheme::Coap) };
    assert_eq!(target(&omit, "/hc/?coap_uri=s.example.com/light").unwrap().3, "/light");
    let e = target(&default, "/hc/s.example.com/light").unwrap_err();
    assert_eq!((e, e.status()), (HttpRequestError::SchemeOmitted, StatusCode::BAD_REQUEST));
    // Not under the HC Proxy URI; a template that does not end in {+tu}.
    assert_eq!(target(&default, "/other/coap://x/y"), Err(HttpRequestError::NoTargetUri));
    let bad = UriMapping::Template { proxy_path: "/hc/", template: "{+tu}/x", default_scheme: None };
    assert_eq!(target(&bad, "/hc/coap://x/y").unwrap_err().status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(target(&default, "/hc/http://x/y").unwrap_err().status(), StatusCode::BAD_REQUEST);
    // RFC 7252 §10.2: a forward proxy gets the CoAP URI itself.
    assert_eq!(target(&UriMapping::Forward, "coap://s.example.com:1234/a?b").unwrap().2, 1234);
}

#[test]
fn coap_request_uri_to_http_uri() {
    let m = coap(Code::GET, &[(OptionNumber::PROXY_URI, b"ftp://x/y")], b"");
    let e = http_uri(&Message::new_checked(&m[..]).unwrap(), "h").unwrap_err();
    assert_eq!((e, e.code()), (CoapRequestError::NotHttpProxy, Code::PROXYING_NOT_SUPPORTED));
    let m = coap(Code::GET, &[], b"");
    assert_eq!(http_uri(&Message::new_checked(&m[..]).unwrap(), "h"), Err(CoapRequestError::NotHttpProxy));
    let m = coap(
        Code::GET,
        &[
            (OptionNumber::URI_HOST, b"api.example"),
            (OptionNumber::URI_PORT, &[0x1f, 0x90]),
            (OptionNumber::URI_PATH, b"a b"),
            (OptionNumber::URI_PATH, b".."),
            (OptionNumber::URI_QUERY, b"x=1&2"),
            (OptionNumber::URI_QUERY, b"y"),
            (OptionNumber::PROXY_SCHEME, b"http"),
        ],
        b"",
    );
    let uri = http_uri(&Message::new_checked(&m[..]).unwrap(), "192.0.2.1").unwrap();
    assert_eq!(uri, "http://api.example:8080/a%20b/%2E%2E?x=1%262&y");
    // No Uri-Host: the destination address; default port left out.
    let m = coap(Code::GET, &[(OptionNumber::URI_PORT, &[0x01, 0xBB]), (OptionNumber::PROXY_SCHEME, b"https")], b"");
    assert_eq!(http_uri(&Message::new_checked(&m[..]).unwrap(), "2001:db8::1").unwrap(), "https://[2001:db8::1]/");
}

// ---- Whole messages -------------------------------------------------------------------------

fn map_http(
    req: http::Request<&'static [u8]>,
    media: MediaTypeMapping,
) -> Result<(Vec<u8>, bool, bool), HttpRequestError> {
    let (parts, body) = req.into_parts();
    let config = HttpToCoap { uri: UriMapping::default_mapping("/hc/"), media };
    let mut scratch = [0u8; 256];
    let mapped = coap_request_from_http::<16>(&config, &parts, body, HEADER, &mut scratch)?;
    let mut out = [0u8; 512];
    let n = mapped.builder.encode(&mut out).unwrap();
    Ok((out[..n].to_vec(), mapped.head, mapped.conditional))
}

fn options(bytes: &[u8]) -> Vec<(u16, Vec<u8>)> {
    Message::new_checked(bytes).unwrap().options().map(|o| (o.number.0, o.value.to_vec())).collect()
}

#[test]
fn http_put_becomes_coap_put() {
    let req = http::Request::put("/hc/coap://s.example.com/cfg")
        .header("content-type", "application/cbor")
        .header("if-match", "\"0a0b\"")
        .body(&b"\xa1\x01\x02"[..])
        .unwrap();
    let (bytes, head, conditional) = map_http(req, MediaTypeMapping::default()).unwrap();
    assert!(!head && !conditional);
    let m = Message::new_checked(&bytes[..]).unwrap();
    assert_eq!((m.code(), m.token(), m.payload()), (Code::PUT, &[0xAA][..], &b"\xa1\x01\x02"[..]));
    assert_eq!(
        options(&bytes),
        [(1, vec![0x0a, 0x0b]), (3, b"s.example.com".to_vec()), (11, b"cfg".to_vec()), (12, vec![60])]
    );
}

#[test]
fn conditional_get_becomes_validation_request() {
    let req = http::Request::head("/hc/coap://s/r")
        .header("if-none-match", "\"01\", W/\"02\"")
        .header("accept", "*/*")
        .body(&b""[..])
        .unwrap();
    let (bytes, head, conditional) = map_http(req, MediaTypeMapping::default()).unwrap();
    assert!(head && conditional);
    assert_eq!(options(&bytes), [(3, b"s".to_vec()), (4, vec![1]), (4, vec![2]), (11, b"r".to_vec())]);
    // If-None-Match: * and If-Match: * are the empty options.
    let req = http::Request::put("/hc/coap://s/r")
        .header("if-none-match", "*")
        .header("if-match", "*")
        .body(&b""[..])
        .unwrap();
    let (bytes, _, conditional) = map_http(req, MediaTypeMapping::default()).unwrap();
    assert!(!conditional);
    assert_eq!(options(&bytes), [(1, vec![]), (3, b"s".to_vec()), (5, vec![]), (11, b"r".to_vec())]);
}

#[test]
fn http_request_errors_say_the_status() {
    let cases: Vec<(http::Request<&'static [u8]>, HttpRequestError, u16)> = vec![
        (http::Request::options("/hc/coap://s/r").body(&b""[..]).unwrap(), HttpRequestError::MethodNotImplemented, 501),
        (
            http::Request::put("/hc/coap://s/r").header("if-none-match", "\"01\"").body(&b""[..]).unwrap(),
            HttpRequestError::ConditionNotMappable,
            501,
        ),
        (
            http::Request::post("/hc/coap://s/r").header("content-type", "text/html").body(&b"<p>"[..]).unwrap(),
            HttpRequestError::UnsupportedMediaType,
            415,
        ),
        (
            http::Request::post("/hc/coap://s/r")
                .header("content-type", "application/json")
                .header("content-encoding", "gzip")
                .body(&b"x"[..])
                .unwrap(),
            HttpRequestError::UnsupportedMediaType,
            415,
        ),
        (
            http::Request::post("/hc/coap://s/r")
                .header("content-type", "application/coap-payload;cf=99")
                .body(&b"x"[..])
                .unwrap(),
            HttpRequestError::CoapPayloadNotAllowed,
            415,
        ),
        (http::Request::get("/nothere").body(&b""[..]).unwrap(), HttpRequestError::NoTargetUri, 404),
    ];
    for (req, err, status) in cases {
        let got = map_http(req, MediaTypeMapping::default()).unwrap_err();
        assert_eq!((got, got.status().as_u16()), (err, status));
    }
    // Too small a scratch buffer is the proxy's problem: 500.
    let (parts, body) = http::Request::get("/hc/coap://s.example.com/a/b/c").body(&b""[..]).unwrap().into_parts();
    let config = HttpToCoap { uri: UriMapping::default_mapping("/hc/"), media: MediaTypeMapping::default() };
    let mut scratch = [0u8; 8];
    let e = coap_request_from_http::<16>(&config, &parts, body, HEADER, &mut scratch).unwrap_err();
    assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

fn to_http(method: Method, conditional: bool, msg: &[u8]) -> http::Response<Vec<u8>> {
    let m = Message::new_checked(msg).unwrap();
    http_response_from_coap(&method, conditional, &m, "/hc/coap://s").unwrap().map(<[u8]>::to_vec)
}

#[test]
fn coap_responses_become_http_responses() {
    // 2.05 with ETag and default Max-Age; HEAD drops the body.
    let msg = coap(Code::CONTENT, &[(OptionNumber::ETAG, &[0xbe, 0xef]), (OptionNumber::CONTENT_FORMAT, &[0])], b"hi");
    let r = to_http(Method::HEAD, false, &msg);
    assert_eq!((r.status(), r.body().len()), (StatusCode::OK, 0));
    assert_eq!(r.headers()["etag"], "\"beef\"");
    assert_eq!(r.headers()["cache-control"], "max-age=60");
    assert_eq!(r.headers()["content-type"], "text/plain; charset=utf-8");
    // 2.03 to a conditional GET: 304 without body.
    let r = to_http(Method::GET, true, &coap(Code::VALID, &[(OptionNumber::ETAG, &[1])], b""));
    assert_eq!((r.status(), r.headers()["etag"].to_str().unwrap()), (StatusCode::NOT_MODIFIED, "\"01\""));
    // 2.01 with Location-*: no Cache-Control (not cacheable).
    let msg = coap(
        Code::CREATED,
        &[
            (OptionNumber::LOCATION_PATH, b"r"),
            (OptionNumber::LOCATION_PATH, b"7"),
            (OptionNumber::LOCATION_QUERY, b"a=b"),
        ],
        b"",
    );
    let r = to_http(Method::POST, false, &msg);
    assert_eq!((r.status(), r.headers()["location"].to_str().unwrap()), (StatusCode::CREATED, "/hc/coap://s/r/7?a=b"));
    assert!(r.headers().get("cache-control").is_none());
    // 2.04 without payload: 204.
    assert_eq!(to_http(Method::PUT, false, &coap(Code::CHANGED, &[], b"")).status(), StatusCode::NO_CONTENT);
    // 5.03 with Max-Age: Retry-After (note 8).
    let r = to_http(Method::GET, false, &coap(Code::SERVICE_UNAVAILABLE, &[(OptionNumber::MAX_AGE, &[30])], b""));
    assert_eq!(
        (r.headers()["retry-after"].to_str().unwrap(), r.headers()["cache-control"].to_str().unwrap()),
        ("30", "max-age=30")
    );
    // 4.05: 400 with the reason phrase of note 7; the diagnostic payload is the body (§6.5.3).
    let r = to_http(Method::PUT, false, &coap(Code::METHOD_NOT_ALLOWED, &[], b"no"));
    assert_eq!((r.status(), r.body().as_slice()), (StatusCode::BAD_REQUEST, &b"no"[..]));
    assert_eq!(r.extensions().get::<ReasonPhrase>(), Some(&ReasonPhrase("CoAP server returned 4.05")));
    // Unknown Content-Format: application/coap-payload (RFC 8075 §6.2).
    let r = to_http(Method::GET, false, &coap(Code::CONTENT, &[(OptionNumber::CONTENT_FORMAT, &[0xfd, 0xe8])], b"x"));
    assert_eq!(r.headers()["content-type"], "application/coap-payload;cf=65000");
    // 2.31 is never translated.
    let m = coap(Code::CONTINUE, &[], b"");
    let e = http_response_from_coap(&Method::PUT, false, &Message::new_checked(&m[..]).unwrap(), "").unwrap_err();
    assert_eq!(e.status(), StatusCode::BAD_GATEWAY);
}

#[test]
fn coap_request_becomes_http_request() {
    let m = coap(
        Code::IPATCH,
        &[
            (OptionNumber::IF_MATCH, &[0x0a]),
            (OptionNumber::IF_MATCH, b""),
            (OptionNumber::CONTENT_FORMAT, &[60]),
            (OptionNumber::ACCEPT, &[50]),
            (OptionNumber::PROXY_URI, b"https://api.example/things/1"),
        ],
        b"\xa0",
    );
    let msg = Message::new_checked(&m[..]).unwrap();
    let r = http_request_from_coap(&msg, "proxy").unwrap();
    assert_eq!((r.method(), r.uri().to_string()), (&Method::PATCH, "https://api.example/things/1".into()));
    assert_eq!(r.headers()["content-type"], "application/cbor");
    assert_eq!(r.headers()["accept"], "application/json");
    let if_match: Vec<_> = r.headers().get_all("if-match").iter().map(|v| v.to_str().unwrap()).collect();
    assert_eq!(if_match, ["\"0a\"", "*"]);
    assert_eq!(*r.body(), b"\xa0");
    // Errors carry the CoAP answer.
    let m = coap(Code::FETCH, &[(OptionNumber::PROXY_URI, b"http://x/")], b"");
    assert_eq!(
        http_request_from_coap(&Message::new_checked(&m[..]).unwrap(), "p").unwrap_err().code(),
        Code::NOT_IMPLEMENTED
    );
    let m = coap(
        Code::POST,
        &[(OptionNumber::CONTENT_FORMAT, &[0xfd, 0xe8]), (OptionNumber::PROXY_URI, b"http://x/")],
        b"z",
    );
    let e = http_request_from_coap(&Message::new_checked(&m[..]).unwrap(), "p").unwrap_err();
    assert_eq!(
        (e, e.code()),
        (CoapRequestError::UnsupportedContentFormat(ContentFormat(65000)), Code::UNSUPPORTED_CONTENT_FORMAT)
    );
    let m = coap(Code::GET, &[(OptionNumber::ACCEPT, &[0xfd, 0xe8]), (OptionNumber::PROXY_URI, b"http://x/")], b"");
    assert_eq!(
        http_request_from_coap(&Message::new_checked(&m[..]).unwrap(), "p").unwrap_err().code(),
        Code::NOT_ACCEPTABLE
    );
}

fn to_coap(request: &[u8], res: http::Response<&'static [u8]>) -> Result<Vec<u8>, HttpResponseError> {
    let req = Message::new_checked(request).unwrap();
    let (parts, body) = res.into_parts();
    let mut scratch = [0u8; 8];
    let b = coap_response_from_http::<_, 8>(&req, &parts, body, HEADER, MediaTypeMapping::default(), &mut scratch)?;
    let mut out = [0u8; 256];
    let n = b.encode(&mut out).unwrap();
    Ok(out[..n].to_vec())
}

#[test]
fn http_responses_become_coap_responses() {
    let get = coap(Code::GET, &[(OptionNumber::ETAG, &[0xab, 0xcd]), (OptionNumber::PROXY_URI, b"http://x/")], b"");
    // 200 with an entity-tag the client has: 2.03, no payload (RFC 7252 §10.1.1).
    let res = http::Response::builder()
        .header("etag", "\"abcd\"")
        .header("cache-control", "max-age=5")
        .body(&b"data"[..])
        .unwrap();
    let out = to_coap(&get, res).unwrap();
    let m = Message::new_checked(&out[..]).unwrap();
    assert_eq!((m.code(), m.payload()), (Code::VALID, &b""[..]));
    assert_eq!(options(&out), [(4, vec![0xab, 0xcd]), (14, vec![5])]);
    // A different entity-tag: 2.05 with payload, Content-Format, and Max-Age 0 for no freshness.
    let res = http::Response::builder()
        .header("etag", "\"0001\"")
        .header("content-type", "application/json")
        .body(&b"{}"[..])
        .unwrap();
    let out = to_coap(&get, res).unwrap();
    let m = Message::new_checked(&out[..]).unwrap();
    assert_eq!((m.code(), m.payload(), m.token()), (Code::CONTENT, &b"{}"[..], &[0xAA][..]));
    assert_eq!(options(&out), [(4, vec![0x00, 0x01]), (12, vec![50]), (14, vec![])]);
    // max-age=60 is the default and is left out; a weak ETag is dropped.
    let res = http::Response::builder()
        .header("etag", "W/\"1\"")
        .header("cache-control", "max-age=60")
        .body(&b""[..])
        .unwrap();
    assert_eq!(options(&to_coap(&get, res).unwrap()), []);
    // 503 with Retry-After: Max-Age (RFC 7252 §5.9.3.4).
    let res = http::Response::builder().status(503).header("retry-after", "17").body(&b""[..]).unwrap();
    let out = to_coap(&get, res).unwrap();
    assert_eq!(
        (Message::new_checked(&out[..]).unwrap().code(), options(&out)),
        (Code::SERVICE_UNAVAILABLE, vec![(14, vec![17])])
    );
    // DELETE of a missing resource: 2.02, no Max-Age (not cacheable).
    let del = coap(Code::DELETE, &[(OptionNumber::PROXY_URI, b"http://x/")], b"");
    let out = to_coap(&del, http::Response::builder().status(404).body(&b""[..]).unwrap()).unwrap();
    assert_eq!((Message::new_checked(&out[..]).unwrap().code(), options(&out)), (Code::DELETED, vec![]));
    // A body whose media type has no Content-Format: 5.02.
    let res = http::Response::builder().header("content-type", "text/html").body(&b"<p>"[..]).unwrap();
    let e = to_coap(&get, res).unwrap_err();
    assert_eq!((e, e.code()), (HttpResponseError::UnsupportedMediaType, Code::BAD_GATEWAY));
}
