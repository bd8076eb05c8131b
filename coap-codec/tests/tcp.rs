//! CoAP over TCP/TLS and WebSockets (RFC 8323 §3.2, §4.2): framing vectors, streaming splits at
//! every offset, builder round trips, malformed frames, and no panic on any input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use coap_codec::wire::tcp::{self, Status};
use coap_codec::wire::*;
use proptest::prelude::*;

fn builder<'a>(code: Code, token: &'a [u8], path: &'a str, payload: &'a [u8]) -> MessageBuilder<'a, 8> {
    let mut b = MessageBuilder::<8>::new(MessageType::Confirmable, code, MessageId(0));
    b.token(token).unwrap().path(path).unwrap();
    b.payload(payload);
    b
}

#[test]
fn len_nibble_boundaries() {
    // RFC 8323 §3.2: Len 0-12 inline; 13 + 1 byte (13-268); 14 + 2 bytes (269-65804); 15 + 4.
    for (payload_len, first_nibble, ext) in
        [(0usize, 0u8, 0usize), (11, 12, 0), (12, 13, 1), (267, 13, 1), (268, 14, 2), (70_000, 15, 4)]
    {
        let payload = vec![0x55u8; payload_len];
        let b = builder(Code::CONTENT, &[9], "", &payload);
        let mut out = vec![0u8; tcp::encoded_len(&b)];
        let n = tcp::encode(&b, &mut out).unwrap();
        assert_eq!(n, out.len());
        assert_eq!(out[0] >> 4, first_nibble, "payload {payload_len}");
        assert_eq!(n, 1 + ext + 1 + 1 + payload_len + usize::from(payload_len > 0), "payload {payload_len}");
        let Status::Complete { item, consumed } = tcp::decode_frame(&out).unwrap() else { panic!() };
        assert_eq!((consumed, item.payload().len(), item.token()), (n, payload_len, &[9u8][..]));
    }
}

#[test]
fn signals_decode_on_tcp() {
    // 7.02 Ping with no token and no options (RFC 8323 §5.4): Len 0, TKL 0, code 0xE2.
    let Status::Complete { item, consumed } = tcp::decode_frame(&[0x00, 0xE2]).unwrap() else { panic!() };
    assert_eq!((item.code(), consumed), (Code::PING, 2));
    // 7.01 CSM with Max-Message-Size (option 2) = 1152 (RFC 8323 §5.3.1).
    let Status::Complete { item, .. } = tcp::decode_frame(&[0x30, 0xE1, 0x22, 0x04, 0x80]).unwrap() else { panic!() };
    let o = item.options().next().unwrap();
    assert_eq!((item.code(), o.number.0, decode_uint(o.value)), (Code::CSM, 2, Some(1152)));
}

#[test]
fn a_stream_split_at_every_offset_decodes_the_same_messages() {
    let p1 = [1u8; 5];
    let p2 = vec![2u8; 300];
    let msgs = [
        builder(Code::GET, &[1, 2], "a/b", &[]),
        builder(Code::CONTENT, &[3], "", &p1),
        builder(Code::POST, &[], "x", &p2),
    ];
    let mut stream = Vec::new();
    let mut frames = Vec::new();
    for b in &msgs {
        let mut out = vec![0u8; tcp::encoded_len(b)];
        tcp::encode(b, &mut out).unwrap();
        stream.extend_from_slice(&out);
        frames.push(out);
    }
    for cut in 0..=stream.len() {
        let mut have = Vec::new();
        let mut got = Vec::new();
        for chunk in [&stream[..cut], &stream[cut..]] {
            have.extend_from_slice(chunk);
            while let Status::Complete { consumed, .. } = tcp::decode_frame(&have).unwrap() {
                got.push(have.drain(..consumed).collect::<Vec<u8>>());
            }
        }
        assert_eq!(got, frames, "cut {cut}");
    }
}

#[test]
fn websocket_messages_have_len_zero() {
    let b = builder(Code::GET, &[7], "w", b"hi");
    let mut out = [0u8; 32];
    let n = tcp::encode_ws(&b, &mut out).unwrap();
    assert_eq!(out[0], 0x01, "Len 0, TKL 1");
    let m = tcp::decode_ws(&out[..n]).unwrap();
    assert_eq!((m.code(), m.token(), m.payload()), (Code::GET, &[7u8][..], &b"hi"[..]));
}

/// name, framing, hex, expected
const MALFORMED: &[(&str, bool, &str, Malformed)] = &[
    ("tkl_9", false, "09 01 010203040506070809", Malformed::ReservedTokenLength(9)),
    ("code_class_1", false, "00 21", Malformed::ReservedCodeClass(1)),
    ("option_delta_15", false, "20 01 f1 00", Malformed::ReservedOptionDelta),
    ("option_truncated", false, "20 01 b5 61", Malformed::TruncatedOption),
    ("payload_marker_alone", false, "10 45 ff", Malformed::EmptyPayloadAfterMarker),
    ("ws_len_not_zero", true, "10 01 ff", Malformed::WebSocketLength(1)),
    ("ws_token_truncated", true, "02 01 aa", Malformed::TruncatedToken),
    ("ws_empty_frame", true, "", Malformed::TooShort),
];

#[test]
fn malformed_frames() {
    for &(name, ws, h, kind) in MALFORMED {
        let bytes: Vec<u8> = (0..h.replace(' ', "").len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&h.replace(' ', "")[i..i + 2], 16).unwrap())
            .collect();
        let err = if ws { tcp::decode_ws(&bytes).unwrap_err() } else { tcp::decode_frame(&bytes).unwrap_err() };
        assert_eq!(err.kind, kind, "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3_000, ..ProptestConfig::default() })]

    #[test]
    fn tcp_round_trip(token in prop::collection::vec(any::<u8>(), 0..9), path in "[a-z]{1,6}(/[a-z]{1,6}){0,3}", payload in prop::collection::vec(any::<u8>(), 0..400), ws in any::<bool>()) {
        let b = builder(Code::PUT, &token, &path, &payload);
        let mut out = vec![0u8; tcp::encoded_len(&b)];
        let n = if ws { tcp::encode_ws(&b, &mut out).unwrap() } else { tcp::encode(&b, &mut out).unwrap() };
        let m = if ws { tcp::decode_ws(&out[..n]).unwrap() } else {
            let Status::Complete { item, consumed } = tcp::decode_frame(&out[..n]).unwrap() else { panic!() };
            prop_assert_eq!(consumed, n);
            item
        };
        prop_assert_eq!(m.token(), &token[..]);
        prop_assert_eq!(m.payload(), &payload[..]);
        let segs: Vec<&[u8]> = m.options().map(|o| o.value).collect();
        let want: Vec<&[u8]> = path.split('/').map(str::as_bytes).collect();
        prop_assert_eq!(segs, want);
    }

    #[test]
    fn no_input_panics(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
        if let Ok(Status::Complete { item, consumed }) = tcp::decode_frame(&bytes) {
            prop_assert!(consumed <= bytes.len());
            let _ = (item.options().count(), item.payload().len());
        }
        if let Ok(m) = tcp::decode_ws(&bytes) {
            let _ = m.options().count();
        }
    }
}

mod signals {
    use coap_codec::wire::signal::{self, Signal, SignalError, DEFAULT_MAX_MESSAGE_SIZE};
    use coap_codec::wire::tcp::{self, decode_frame, Status};
    use coap_codec::wire::{
        Code, EncodeError, MessageBuilder, MessageId, MessageType, OptionFormat, OptionNumber, OptionProblem,
    };

    fn signal(bytes: &[u8]) -> Result<Signal<'_>, SignalError> {
        let Status::Complete { item, .. } = decode_frame(bytes).unwrap() else { panic!("partial") };
        Signal::from_message(&item)
    }

    fn problems(bytes: &[u8]) -> Vec<(u16, OptionProblem)> {
        let Status::Complete { item, .. } = decode_frame(bytes).unwrap() else { panic!("partial") };
        item.option_problems().map(|(o, p)| (o.number.0, p)).collect()
    }

    #[test]
    fn signal_options_are_judged_by_their_own_rows() {
        // RFC 8323 §5.3.2: Block-Wise-Transfer (4) in a CSM is empty; as ETag (4) in a request it
        // would be too short, but in a signal the CSM row applies.
        assert_eq!(problems(&[0x10, 0xE1, 0x40]), []);
        assert_eq!(problems(&[0x10, 0x01, 0x40]), [(4, OptionProblem::Length { len: 0, min: 1, max: 8 })]);
        // Hold-Off is 0-3 bytes (§5.5.2); Alternative-Address repeats (§5.5.1); Custody does not.
        assert_eq!(problems(&[0x50, 0xE4, 0x44, 1, 2, 3, 4]), [(4, OptionProblem::Length { len: 4, min: 0, max: 3 })]);
        assert_eq!(problems(&[0x40, 0xE4, 0x21, b'a', 0x01, b'b']), []);
        assert_eq!(problems(&[0x20, 0xE2, 0x20, 0x00]), [(2, OptionProblem::Repeated)]);
        // Bad-CSM-Option is 0-2 bytes (§5.6.1); an unknown elective signal option is not judged.
        assert_eq!(problems(&[0x40, 0xE5, 0x23, 1, 2, 3]), [(2, OptionProblem::Length { len: 3, min: 0, max: 2 })]);
        assert_eq!(problems(&[0x20, 0xE5, 0x61, 7]), []);
        let row = signal::option(Code::CSM, 2).unwrap();
        assert_eq!(
            (row.name, row.format, row.repeatable, row.min, row.max),
            ("Max-Message-Size", OptionFormat::Uint, false, 0, 4)
        );
        for (code, n, name) in [
            (Code::CSM, 4, "Block-Wise-Transfer"),
            (Code::PING, 2, "Custody"),
            (Code::PONG, 2, "Custody"),
            (Code::RELEASE, 2, "Alternative-Address"),
            (Code::RELEASE, 4, "Hold-Off"),
            (Code::ABORT, 2, "Bad-CSM-Option"),
        ] {
            assert_eq!(signal::option(code, n).map(|r| r.name), Some(name));
        }
        assert_eq!(signal::option(Code::ABORT, 4), None);
        assert_eq!(signal::option(Code::GET, 2), None);
    }

    #[test]
    fn every_signal_builds_and_reads_back() {
        let signals = [
            Signal::Csm { max_message_size: DEFAULT_MAX_MESSAGE_SIZE, block_wise_transfer: false },
            Signal::Csm { max_message_size: 1 << 20, block_wise_transfer: true },
            Signal::Ping { custody: true },
            Signal::Pong { custody: false },
            Signal::Release { alternative_address: Some(&b"coap+tcp://[2001:db8::1]"[..]), hold_off: Some(60) },
            Signal::Release { alternative_address: None, hold_off: None },
            Signal::Abort { bad_csm_option: Some(2), diagnostic: &b"max message size too small"[..] },
        ];
        for s in signals {
            let b = s.builder().unwrap();
            let mut out = [0u8; 64];
            let n = tcp::encode(&b, &mut out).unwrap();
            assert_eq!(signal(&out[..n]), Ok(s), "{s:?}");
        }
        // RFC 8323 §5.3.1: the default size is not sent, so an empty CSM is two bytes.
        let b = Signal::Csm { max_message_size: 1152, block_wise_transfer: false }.builder().unwrap();
        assert_eq!(tcp::encoded_len(&b), 2);
        // The builder judges a signal's options by its rows: an Alternative-Address is 1-255 bytes
        // (§5.5.1), and Block-Wise-Transfer is empty (§5.3.2) where ETag (4) needs 1-8 bytes.
        assert_eq!(
            Signal::Release { alternative_address: Some(&[][..]), hold_off: None }.builder().unwrap_err(),
            EncodeError::OptionLength { number: 2, len: 0, min: 1, max: 255 }
        );
        let mut b = MessageBuilder::<2>::new(MessageType::Confirmable, Code::CSM, MessageId(0));
        assert_eq!(
            b.option(OptionNumber(4), b"x").unwrap_err(),
            EncodeError::OptionLength { number: 4, len: 1, min: 0, max: 0 }
        );
        let mut b = MessageBuilder::<2>::new(MessageType::Confirmable, Code::GET, MessageId(0));
        assert_eq!(
            b.option(OptionNumber(4), b"").unwrap_err(),
            EncodeError::OptionLength { number: 4, len: 0, min: 1, max: 8 }
        );
    }

    #[test]
    fn every_signal_reads_its_options() {
        // RFC 8323 §5.3: an empty CSM means 1152 bytes and no block-wise.
        assert_eq!(
            signal(&[0x00, 0xE1]),
            Ok(Signal::Csm { max_message_size: DEFAULT_MAX_MESSAGE_SIZE, block_wise_transfer: false })
        );
        assert_eq!(signal(&[0x10, 0xE2, 0x20]), Ok(Signal::Ping { custody: true }));
        assert_eq!(signal(&[0x00, 0xE3]), Ok(Signal::Pong { custody: false }));
        // Release with Alternative-Address "h" and Hold-Off 30 s.
        assert_eq!(
            signal(&[0x40, 0xE4, 0x21, b'h', 0x21, 30]),
            Ok(Signal::Release { alternative_address: Some(&b"h"[..]), hold_off: Some(30) })
        );
        // Abort naming Bad-CSM-Option 9, with a diagnostic payload.
        assert_eq!(
            signal(&[0x50, 0xE5, 0x21, 9, 0xFF, b'n', b'o']),
            Ok(Signal::Abort { bad_csm_option: Some(9), diagnostic: &b"no"[..] })
        );
    }

    #[test]
    fn unknown_critical_options_and_non_signals_are_refused() {
        // CSM with option 3 (odd: critical, unknown) must lead to an Abort (RFC 8323 §5.3).
        assert_eq!(signal(&[0x10, 0xE1, 0x30]), Err(SignalError::UnknownCriticalOption(3)));
        // An unknown elective (even) option is ignored.
        assert!(signal(&[0x10, 0xE1, 0x60]).is_ok());
        assert_eq!(signal(&[0x00, 0x45]), Err(SignalError::NotASignal(Code::CONTENT)));
        // Max-Message-Size longer than 4 bytes.
        assert_eq!(signal(&[0x60, 0xE1, 0x25, 1, 2, 3, 4, 5]), Err(SignalError::InvalidValue(2)));
    }
}
