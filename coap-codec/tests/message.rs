//! CoAP over UDP (RFC 7252 §3): spec vectors, a malformed corpus with one row per format rule
//! and its reaction, builder round trips, and no panic on any input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use coap_codec::wire::*;
use proptest::prelude::*;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn rfc7252_figure_16_confirmable_request_piggybacked_response() {
    // Appendix A, Figure 16: CON GET /temperature MID 0x7d34; ACK 2.05 "22.3 C".
    let req = hex("40 01 7d 34 bb 74656d7065726174757265");
    let m = Message::new_checked(&req[..]).unwrap();
    assert_eq!((m.message_type(), m.code(), m.message_id()), (MessageType::Confirmable, Code::GET, MessageId(0x7d34)));
    assert!(m.token().is_empty());
    assert_eq!(m.option(OptionNumber::URI_PATH), Some(&b"temperature"[..]));
    let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, Code::GET, MessageId(0x7d34));
    b.path("/temperature").unwrap();
    let mut out = [0u8; 64];
    let n = b.encode(&mut out).unwrap();
    assert_eq!(&out[..n], &req[..]);

    let resp = hex("60 45 7d 34 ff 32322e332043");
    let m = Message::new_checked(&resp[..]).unwrap();
    assert_eq!((m.message_type(), m.code()), (MessageType::Acknowledgement, Code::CONTENT));
    assert_eq!(m.payload(), b"22.3 C");
    let mut b = MessageBuilder::<4>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0x7d34));
    b.payload(b"22.3 C");
    assert_eq!(b.encoded_len(), resp.len());
    let n = b.encode(&mut out).unwrap();
    assert_eq!(&out[..n], &resp[..]);
}

#[test]
fn rfc7252_figure_17_with_token() {
    // Appendix A, Figure 17: the same exchange with Token 0x20 (MID 0x7d35 as the figure prints).
    let req = hex("41 01 7d 35 20 bb 74656d7065726174757265");
    let m = Message::new_checked(&req[..]).unwrap();
    assert_eq!(m.token(), [0x20]);
    let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, Code::GET, MessageId(0x7d35));
    b.token(&[0x20]).unwrap().path("temperature").unwrap();
    let mut out = [0u8; 64];
    let n = b.encode(&mut out).unwrap();
    assert_eq!(&out[..n], &req[..]);
}

#[test]
fn extended_option_deltas_lengths_and_tokens() {
    // Delta 13+ (one extended byte), delta 269+ (two), length 13+ and 269+, RFC 8974 tokens.
    let long = [b'x'; 300];
    let token = [7u8; 20];
    let mut b = MessageBuilder::<8>::new(MessageType::NonConfirmable, Code::POST, MessageId(1));
    b.token(&token).unwrap();
    b.option(OptionNumber::PROXY_URI, &long).unwrap();
    b.option(OptionNumber(300), b"v").unwrap();
    b.option(OptionNumber(2000), &long[..20]).unwrap();
    b.uint(OptionNumber::SIZE1, 1024).unwrap();
    let mut out = [0u8; 1024];
    let n = b.encode(&mut out).unwrap();
    assert_eq!(n, b.encoded_len());
    let m = Message::new_checked(&out[..n]).unwrap();
    assert_eq!(m.token(), token);
    let opts: Vec<(u16, usize)> = m.options().map(|o| (o.number.0, o.value.len())).collect();
    assert_eq!(opts, [(35, 300), (60, 2), (300, 1), (2000, 20)]);
    assert_eq!(m.uint_option(OptionNumber::SIZE1), Some(1024));
    assert_eq!(m.option_problems().count(), 0);
}

#[test]
fn builder_sorts_options_and_keeps_repeat_order() {
    let mut b = MessageBuilder::<8>::new(MessageType::Confirmable, Code::GET, MessageId(2));
    b.uint(OptionNumber::ACCEPT, 50).unwrap();
    b.option(OptionNumber::URI_QUERY, b"b=2").unwrap();
    b.path("a/b").unwrap();
    b.option(OptionNumber::URI_QUERY, b"a=1").unwrap();
    b.option(OptionNumber::URI_HOST, b"example.com").unwrap();
    let mut out = [0u8; 128];
    let n = b.encode(&mut out).unwrap();
    let m = Message::new_checked(&out[..n]).unwrap();
    let got: Vec<(u16, &[u8])> = m.options().map(|o| (o.number.0, o.value)).collect();
    let want: Vec<(u16, &[u8])> =
        vec![(3, b"example.com"), (11, b"a"), (11, b"b"), (15, b"b=2"), (15, b"a=1"), (17, &[50])];
    assert_eq!(got, want);
}

#[test]
fn builder_refuses_what_breaks_a_rule() {
    let mut b = MessageBuilder::<2>::new(MessageType::Confirmable, Code::GET, MessageId(3));
    // RFC 7252 §5.4.3: ETag is 1-8 bytes; Uri-Host 1-255.
    assert_eq!(
        b.option(OptionNumber::ETAG, &[0; 9]).unwrap_err(),
        EncodeError::OptionLength { number: 4, len: 9, min: 1, max: 8 }
    );
    assert!(matches!(b.option(OptionNumber::URI_HOST, b""), Err(EncodeError::OptionLength { .. })));
    // RFC 7252 §5.4.5: Content-Format is not repeatable.
    b.uint(OptionNumber::CONTENT_FORMAT, 0).unwrap();
    assert_eq!(b.uint(OptionNumber::CONTENT_FORMAT, 40).unwrap_err(), EncodeError::OptionRepeated(12));
    b.uint(OptionNumber::ACCEPT, 0).unwrap();
    assert_eq!(b.uint(OptionNumber::MAX_AGE, 60).unwrap_err(), EncodeError::TooManyOptions(2));
    let mut small = [0xAAu8; 4];
    assert_eq!(b.encode(&mut small), Err(EncodeError::BufferTooSmall { required: b.encoded_len() }));
    assert_eq!(small, [0xAA; 4], "nothing written");
}

/// name, hex, expected error, offset, reaction
const MALFORMED: &[(&str, &str, Malformed, usize, Reaction)] = &[
    ("too_short", "40 01 00", Malformed::TooShort, 3, Reaction::Ignore),
    ("version_0", "00 01 00 01", Malformed::UnsupportedVersion(0), 0, Reaction::Ignore),
    ("version_2_con", "80 01 00 01", Malformed::UnsupportedVersion(2), 0, Reaction::Ignore),
    ("tkl_9_con", "49 01 00 01 010203040506070809", Malformed::ReservedTokenLength(9), 0, Reaction::Reset),
    ("tkl_12_non", "5c 01 00 01", Malformed::ReservedTokenLength(12), 0, Reaction::Ignore),
    ("tkl_15_ack", "6f 45 00 01", Malformed::ReservedTokenLength(15), 0, Reaction::Ignore),
    ("token_truncated", "44 01 00 01 0102", Malformed::TruncatedToken, 4, Reaction::Reset),
    ("tkl_13_no_length_byte", "4d 01 00 01", Malformed::TruncatedToken, 4, Reaction::Reset),
    ("tkl_14_short_token", "4e 01 00 01 00 00 01", Malformed::TruncatedToken, 6, Reaction::Reset),
    ("empty_with_token", "41 00 00 01 aa", Malformed::EmptyWithContent, 4, Reaction::Reset),
    ("empty_with_payload_marker", "60 00 00 01 ff", Malformed::EmptyWithContent, 4, Reaction::Ignore),
    ("code_class_1", "40 21 00 01", Malformed::ReservedCodeClass(1), 1, Reaction::Reset),
    ("code_class_6", "50 c1 00 01", Malformed::ReservedCodeClass(6), 1, Reaction::Ignore),
    ("signal_over_udp", "40 e2 00 01", Malformed::ReservedCodeClass(7), 1, Reaction::Reset),
    ("option_delta_15", "40 01 00 01 f1 00", Malformed::ReservedOptionDelta, 4, Reaction::Reset),
    ("option_length_15", "40 01 00 01 bf", Malformed::ReservedOptionLength, 4, Reaction::Reset),
    ("option_value_truncated", "40 01 00 01 b5 616263", Malformed::TruncatedOption, 5, Reaction::Reset),
    ("option_ext_delta_missing", "40 01 00 01 d0", Malformed::TruncatedOption, 5, Reaction::Reset),
    ("option_ext_length_missing", "40 01 00 01 0e 00", Malformed::TruncatedOption, 5, Reaction::Reset),
    ("option_number_over_65535", "40 01 00 01 e0 fe ff e0 00 00", Malformed::OptionNumberTooLarge, 4, Reaction::Reset),
    ("payload_marker_alone", "40 01 00 01 ff", Malformed::EmptyPayloadAfterMarker, 4, Reaction::Reset),
];

#[test]
fn malformed_corpus() {
    for &(name, h, kind, offset, reaction) in MALFORMED {
        let bytes = hex(h);
        let err = Message::new_checked(&bytes[..]).expect_err(name);
        assert_eq!(err.kind, kind, "{name}");
        assert_eq!(err.offset, offset, "{name}");
        assert_eq!(err.reaction(), reaction, "{name}");
        assert!(err.to_string().starts_with(kind.rule()), "{name}: {err}");
    }
}

#[test]
fn every_malformed_variant_has_a_row() {
    let src = include_str!("../src/wire/error.rs");
    let body = &src[src.find("pub enum Malformed {").unwrap()..src.find("impl Malformed").unwrap()];
    for line in body.lines() {
        let t = line.trim_start();
        if line.starts_with("    ")
            && !line.starts_with("     ")
            && t.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        {
            let name: String = t.chars().take_while(char::is_ascii_alphanumeric).collect();
            if name == "WebSocketLength" {
                continue; // a WebSocket-only rule: its row is in tests/tcp.rs
            }
            assert!(
                MALFORMED.iter().any(|(_, _, k, _, _)| format!("{k:?}").starts_with(&name)),
                "no malformed row for {name}"
            );
        }
    }
}

#[test]
fn option_problems_report_length_and_repetition() {
    // If-None-Match twice (not repeatable), then Uri-Port with 3 bytes (max 2).
    let bytes = hex("40 01 00 01 50 00 23 000050");
    let m = Message::new_checked(&bytes[..]).unwrap();
    let p: Vec<(u16, OptionProblem)> = m.option_problems().map(|(o, p)| (o.number.0, p)).collect();
    assert_eq!(p, [(5, OptionProblem::Repeated), (7, OptionProblem::Length { len: 3, min: 0, max: 2 })]);
}

fn option_strategy() -> impl Strategy<Value = (u16, Vec<u8>)> {
    (
        prop::sample::select(vec![1u16, 3, 4, 8, 11, 15, 20, 35, 39, 252, 292, 300, 2000, 65000]),
        prop::collection::vec(any::<u8>(), 1..20),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 5_000, ..ProptestConfig::default() })]

    #[test]
    fn builder_round_trips(
        t in 0u8..4,
        class in prop::sample::select(vec![0u8, 2, 4, 5]),
        detail in 0u8..32,
        mid in any::<u16>(),
        token in prop::collection::vec(any::<u8>(), 0..20),
        opts in prop::collection::vec(option_strategy(), 0..8),
        payload in prop::collection::vec(any::<u8>(), 0..40),
    ) {
        let code = if class == 0 && detail == 0 { Code::GET } else { Code::new(class, detail) };
        let mtype = [MessageType::Confirmable, MessageType::NonConfirmable, MessageType::Acknowledgement, MessageType::Reset][usize::from(t)];
        let mut b = MessageBuilder::<8>::new(mtype, code, MessageId(mid));
        if b.token(&token).is_err() {
            prop_assert!(matches!(token.len(), 9..=12));
        }
        b.payload(&payload);
        let mut added: Vec<(u16, &[u8])> = Vec::new();
        for (n, v) in &opts {
            let v = &v[..v.len().min(8)];
            if b.option(OptionNumber(*n), v).is_ok() {
                added.push((*n, v));
            }
        }
        let mut out = vec![0u8; b.encoded_len()];
        let n = b.encode(&mut out).unwrap();
        prop_assert_eq!(n, out.len());
        let m = Message::new_checked(&out[..]).unwrap();
        prop_assert_eq!((m.message_type(), m.code(), m.message_id()), (mtype, code, MessageId(mid)));
        let expected_token: &[u8] = if matches!(token.len(), 9..=12) { &[] } else { &token };
        prop_assert_eq!(m.token(), expected_token);
        prop_assert_eq!(m.payload(), &payload[..]);
        added.sort_by_key(|(n, _)| *n); // stable: repeats keep their order
        let got: Vec<(u16, &[u8])> = m.options().map(|o| (o.number.0, o.value)).collect();
        prop_assert_eq!(got, added);
    }

    #[test]
    fn no_input_panics(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        if let Ok(m) = Message::new_checked(&bytes[..]) {
            let _ = (m.message_type(), m.code(), m.token(), m.payload());
            let total: usize = m.options().map(|o| o.value.len()).sum();
            prop_assert!(total <= bytes.len());
            let _ = m.option_problems().count();
        }
    }

    #[test]
    fn header_shaped_input_never_panics(tail in prop::collection::vec(any::<u8>(), 0..48), tkl in 0u8..16, code in any::<u8>()) {
        let mut bytes = vec![0x40 | tkl, code, 0x12, 0x34];
        bytes.extend(tail);
        if let Ok(m) = Message::new_checked(&bytes[..]) {
            prop_assert!(m.options().count() <= bytes.len());
        }
    }
}
