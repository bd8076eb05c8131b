//! Spec vectors: the bytes of every example of RFC 7252 Appendix A and B, the RFC 8323 framing,
//! WebSocket, signal and BERT examples, and RFC 7959's block-wise figures, written by hand from
//! the field values the figures give. Each vector is (a) decoded and compared field by field and
//! (b) rebuilt from those fields through the builder and compared byte for byte.
//!
//! tests/message.rs already has RFC 7252 Figure 16 and Figure 17's request; tests/values.rs has
//! the Block values of RFC 7959 Figure 2. Where a figure leaves a field out (a token, a payload's
//! content or the exact length of a last block), the value used is picked and the comment says so.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use coap_codec::uri::{compose, Scheme};
use coap_codec::wire::signal::Signal;
use coap_codec::wire::tcp::{self, Status};
use coap_codec::wire::*;

const CON: MessageType = MessageType::Confirmable;
const NON: MessageType = MessageType::NonConfirmable;
const ACK: MessageType = MessageType::Acknowledgement;
const RST: MessageType = MessageType::Reset;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    assert_eq!(s.len() % 2, 0, "odd hex: {s}");
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Concatenates hand-written pieces: hex for header and option bytes, text for text values.
fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// A payload whose content the figure does not give ("[128 bytes]"): picked, `n` bytes.
fn filler(n: usize) -> Vec<u8> {
    (0..n).map(|i| b'a' + (i % 26) as u8).collect()
}

/// A message's fields as a figure gives them.
#[derive(Debug, Clone)]
struct Fields {
    t: MessageType,
    code: Code,
    mid: u16,
    token: Vec<u8>,
    /// (number, value) in wire order.
    options: Vec<(u16, Vec<u8>)>,
    payload: Vec<u8>,
}

fn fields(t: MessageType, code: Code, mid: u16, token: &[u8], options: &[(u16, &[u8])], payload: &[u8]) -> Fields {
    Fields {
        t,
        code,
        mid,
        token: token.to_vec(),
        options: options.iter().map(|&(n, v)| (n, v.to_vec())).collect(),
        payload: payload.to_vec(),
    }
}

/// (a) `bytes` decode to exactly `f`; (b) `f` built through the builder encodes to `bytes`.
fn check_udp(name: &str, bytes: &[u8], f: &Fields) {
    let m = Message::new_checked(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(m.message_type(), f.t, "{name}: type");
    assert_eq!(m.code(), f.code, "{name}: code");
    assert_eq!(m.message_id(), MessageId(f.mid), "{name}: MID");
    assert_eq!(m.token(), &f.token[..], "{name}: token");
    let got: Vec<(u16, Vec<u8>)> = m.options().map(|o| (o.number.0, o.value.to_vec())).collect();
    assert_eq!(got, f.options, "{name}: options");
    assert_eq!(m.payload(), &f.payload[..], "{name}: payload");
    assert_eq!(m.option_problems().count(), 0, "{name}: option problems");

    let mut b = MessageBuilder::<16>::new(f.t, f.code, MessageId(f.mid));
    b.token(&f.token).unwrap();
    for (n, v) in &f.options {
        b.option(OptionNumber(*n), v).unwrap_or_else(|e| panic!("{name}: option {n}: {e}"));
    }
    b.payload(&f.payload);
    assert_eq!(b.encoded_len(), bytes.len(), "{name}: encoded_len");
    let mut out = vec![0u8; bytes.len()];
    let n = b.encode(&mut out).unwrap();
    assert_eq!(&out[..n], bytes, "{name}: encode");
}

/// As [`check_udp`] for a TCP/TLS frame (RFC 8323 §3.2): no type and no message id.
fn check_tcp(name: &str, bytes: &[u8], f: &Fields) {
    let Status::Complete { item, consumed } = tcp::decode_frame(bytes).unwrap_or_else(|e| panic!("{name}: {e}")) else {
        panic!("{name}: partial")
    };
    assert_eq!(consumed, bytes.len(), "{name}: consumed");
    assert_eq!(item.code(), f.code, "{name}: code");
    assert_eq!(item.token(), &f.token[..], "{name}: token");
    let got: Vec<(u16, Vec<u8>)> = item.options().map(|o| (o.number.0, o.value.to_vec())).collect();
    assert_eq!(got, f.options, "{name}: options");
    assert_eq!(item.payload(), &f.payload[..], "{name}: payload");
    assert_eq!(item.option_problems().count(), 0, "{name}: option problems");
    // One byte short is not a frame yet.
    assert!(matches!(tcp::decode_frame(&bytes[..bytes.len() - 1]), Ok(Status::Partial(_))), "{name}: short");

    let b = builder(f);
    assert_eq!(tcp::encoded_len(&b), bytes.len(), "{name}: encoded_len");
    let mut out = vec![0u8; bytes.len()];
    let n = tcp::encode(&b, &mut out).unwrap();
    assert_eq!(&out[..n], bytes, "{name}: encode");
}

/// As [`check_udp`] for a WebSocket message (RFC 8323 §4.2: Len 0).
fn check_ws(name: &str, bytes: &[u8], f: &Fields) {
    let m = tcp::decode_ws(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(m.code(), f.code, "{name}: code");
    assert_eq!(m.token(), &f.token[..], "{name}: token");
    let got: Vec<(u16, Vec<u8>)> = m.options().map(|o| (o.number.0, o.value.to_vec())).collect();
    assert_eq!(got, f.options, "{name}: options");
    assert_eq!(m.payload(), &f.payload[..], "{name}: payload");

    let b = builder(f);
    let mut out = vec![0u8; bytes.len()];
    let n = tcp::encode_ws(&b, &mut out).unwrap();
    assert_eq!(&out[..n], bytes, "{name}: encode_ws");
}

fn builder(f: &Fields) -> MessageBuilder<'_, 16> {
    // Type and message id are not sent on reliable transports; any value will do.
    let mut b = MessageBuilder::<16>::new(CON, f.code, MessageId(0));
    b.token(&f.token).unwrap();
    for (n, v) in &f.options {
        b.option(OptionNumber(*n), v).unwrap();
    }
    b.payload(&f.payload);
    b
}

// ---------------------------------------------------------------------------------------------
// RFC 7252 Appendix A
// ---------------------------------------------------------------------------------------------

const URI_PATH: u16 = 11;
const TEMPERATURE: &[u8] = b"temperature";

/// The requests of Appendix A: GET coap://server/temperature, Uri-Path "temperature".
fn temperature_get(t: MessageType, mid: u16, token: &[u8]) -> Fields {
    fields(t, Code::GET, mid, token, &[(URI_PATH, TEMPERATURE)], b"")
}

#[test]
fn rfc7252_figure_17_response_and_its_mid() {
    // Appendix A, Figure 17: header CON GET MID 0x7d35 (tests/message.rs uses 0x7d34 for this
    // figure; the RFC prints 0x7d35), Token 0x20 (TKL 1), Uri-Path "temperature" (delta 11, len 11).
    let req = cat(&[&hex("41 01 7d35 20 bb"), TEMPERATURE]);
    check_udp("fig17 request", &req, &temperature_get(CON, 0x7d35, &[0x20]));
    // The response: ACK 2.05 (0x45) MID 0x7d35, Token 0x20, payload marker, "22.3 C"; 12 bytes.
    let resp = cat(&[&hex("61 45 7d35 20 ff"), b"22.3 C"]);
    assert_eq!((req.len(), resp.len()), (17, 12), "the sizes the RFC gives");
    check_udp("fig17 response", &resp, &fields(ACK, Code::CONTENT, 0x7d35, &[0x20], &[], b"22.3 C"));
}

#[test]
fn rfc7252_figure_18_request_lost_and_retransmitted() {
    // Figure 18: CON GET MID 0x7d36 Token 0x31 Uri-Path "temperature", lost, then retransmitted
    // unchanged (same bytes, same MID); ACK 2.05 MID 0x7d36 Token 0x31 "22.3 C".
    let req = cat(&[&hex("41 01 7d36 31 bb"), TEMPERATURE]);
    for name in ["fig18 request (lost)", "fig18 request (retransmitted)"] {
        check_udp(name, &req, &temperature_get(CON, 0x7d36, &[0x31]));
    }
    let resp = cat(&[&hex("61 45 7d36 31 ff"), b"22.3 C"]);
    check_udp("fig18 response", &resp, &fields(ACK, Code::CONTENT, 0x7d36, &[0x31], &[], b"22.3 C"));
}

#[test]
fn rfc7252_figure_19_ack_lost_and_response_retransmitted() {
    // Figure 19: CON GET MID 0x7d37 Token 0x42; the piggybacked ACK 2.05 MID 0x7d37 Token 0x42
    // "22.3 C" is lost; the retransmitted request and the second ACK are the same bytes.
    let req = cat(&[&hex("41 01 7d37 42 bb"), TEMPERATURE]);
    let resp = cat(&[&hex("61 45 7d37 42 ff"), b"22.3 C"]);
    for round in ["first", "retransmitted"] {
        check_udp(&format!("fig19 {round} request"), &req, &temperature_get(CON, 0x7d37, &[0x42]));
        let f = fields(ACK, Code::CONTENT, 0x7d37, &[0x42], &[], b"22.3 C");
        check_udp(&format!("fig19 {round} response"), &resp, &f);
    }
}

#[test]
fn rfc7252_figure_20_separate_response() {
    // Figure 20: CON GET MID 0x7d38 Token 0x53; Empty ACK (T=ACK, Code 0.00, MID 0x7d38, no
    // token); CON 2.05 MID 0xad7b Token 0x53 "22.3 C"; Empty ACK MID 0xad7b.
    let vectors = [
        ("fig20 request", cat(&[&hex("41 01 7d38 53 bb"), TEMPERATURE]), temperature_get(CON, 0x7d38, &[0x53])),
        ("fig20 empty ACK", hex("60 00 7d38"), fields(ACK, Code::EMPTY, 0x7d38, &[], &[], b"")),
        (
            "fig20 separate response",
            cat(&[&hex("41 45 ad7b 53 ff"), b"22.3 C"]),
            fields(CON, Code::CONTENT, 0xad7b, &[0x53], &[], b"22.3 C"),
        ),
        ("fig20 ACK of the response", hex("60 00 ad7b"), fields(ACK, Code::EMPTY, 0xad7b, &[], &[], b"")),
    ];
    for (name, bytes, f) in &vectors {
        check_udp(name, bytes, f);
    }
}

#[test]
fn rfc7252_figure_21_separate_response_unexpected() {
    // Figure 21: CON GET MID 0x7d39 Token 0x64; Empty ACK MID 0x7d39; CON 2.05 MID 0xad7c Token
    // 0x64 "22.3 C"; the client, having lost its state, rejects it: RST (Code 0.00) MID 0xad7c.
    let vectors = [
        ("fig21 request", cat(&[&hex("41 01 7d39 64 bb"), TEMPERATURE]), temperature_get(CON, 0x7d39, &[0x64])),
        ("fig21 empty ACK", hex("60 00 7d39"), fields(ACK, Code::EMPTY, 0x7d39, &[], &[], b"")),
        (
            "fig21 separate response",
            cat(&[&hex("41 45 ad7c 64 ff"), b"22.3 C"]),
            fields(CON, Code::CONTENT, 0xad7c, &[0x64], &[], b"22.3 C"),
        ),
        ("fig21 reset", hex("70 00 ad7c"), fields(RST, Code::EMPTY, 0xad7c, &[], &[], b"")),
    ];
    for (name, bytes, f) in &vectors {
        check_udp(name, bytes, f);
    }
}

#[test]
fn rfc7252_figure_22_non_confirmable() {
    // Figure 22: NON GET MID 0x7d40 Token 0x75; NON 2.05 MID 0xad7d Token 0x75 "22.3 C".
    let req = cat(&[&hex("51 01 7d40 75 bb"), TEMPERATURE]);
    check_udp("fig22 request", &req, &temperature_get(NON, 0x7d40, &[0x75]));
    let resp = cat(&[&hex("51 45 ad7d 75 ff"), b"22.3 C"]);
    check_udp("fig22 response", &resp, &fields(NON, Code::CONTENT, 0xad7d, &[0x75], &[], b"22.3 C"));
}

#[test]
fn rfc7252_figure_23_multicast() {
    // Figure 23: NON GET to ff02::1, MID 0x7d41 Token 0x86; server A: NON 2.05 MID 0x60b1 "22.3 C";
    // server B (lost): NON 2.05 MID 0x01a0 "20.9 C"; server C: NON 4.04 (0x84) MID 0x952a, no
    // payload. All echo Token 0x86.
    let vectors = [
        ("fig23 request", cat(&[&hex("51 01 7d41 86 bb"), TEMPERATURE]), temperature_get(NON, 0x7d41, &[0x86])),
        (
            "fig23 server A",
            cat(&[&hex("51 45 60b1 86 ff"), b"22.3 C"]),
            fields(NON, Code::CONTENT, 0x60b1, &[0x86], &[], b"22.3 C"),
        ),
        (
            "fig23 server B",
            cat(&[&hex("51 45 01a0 86 ff"), b"20.9 C"]),
            fields(NON, Code::CONTENT, 0x01a0, &[0x86], &[], b"20.9 C"),
        ),
        ("fig23 server C", hex("51 84 952a 86"), fields(NON, Code::NOT_FOUND, 0x952a, &[0x86], &[], b"")),
    ];
    for (name, bytes, f) in &vectors {
        check_udp(name, bytes, f);
    }
}

// ---------------------------------------------------------------------------------------------
// RFC 7252 Appendix B
// ---------------------------------------------------------------------------------------------

/// Name, bytes, fields, destination address, destination port, composed URI.
type UriVector = (&'static str, Vec<u8>, Fields, &'static str, u16, &'static str);

#[test]
fn rfc7252_appendix_b_uri_examples() {
    // Appendix B gives option sets and the URI composed from them. The header is not given:
    // picked as CON GET, MIDs 1-5, no token.
    let path =
        |o: &Fields| o.options.iter().filter(|(n, _)| *n == URI_PATH).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let query = |o: &Fields| o.options.iter().filter(|(n, _)| *n == 15).map(|(_, v)| v.clone()).collect::<Vec<_>>();
    let host = |o: &Fields, dest: &str| {
        o.options.iter().find(|(n, _)| *n == 3).map_or(dest.to_string(), |(_, v)| String::from_utf8(v.clone()).unwrap())
    };
    let japanese = hex("e38193 e38293 e381ab e381a1 e381af");
    let vectors: Vec<UriVector> = vec![
        // Destination [2001:db8::2:1]:5683, no options.
        (
            "B.1",
            hex("40 01 0001"),
            fields(CON, Code::GET, 1, &[], &[], b""),
            "2001:db8::2:1",
            5683,
            "coap://[2001:db8::2:1]/",
        ),
        // Uri-Host "example.net": delta 3, length 11.
        (
            "B.2",
            cat(&[&hex("40 01 0002 3b"), b"example.net"]),
            fields(CON, Code::GET, 2, &[], &[(3, b"example.net")], b""),
            "2001:db8::2:1",
            5683,
            "coap://example.net/",
        ),
        // Uri-Host "example.net"; Uri-Path ".well-known" (delta 8, length 11), "core" (delta 0).
        (
            "B.3",
            cat(&[&hex("40 01 0003 3b"), b"example.net", &hex("8b"), b".well-known", &hex("04"), b"core"]),
            fields(CON, Code::GET, 3, &[], &[(3, b"example.net"), (11, b".well-known"), (11, b"core")], b""),
            "2001:db8::2:1",
            5683,
            "coap://example.net/.well-known/core",
        ),
        // Uri-Host "xn--18j4d.example" (17 bytes: length 13 + 4); Uri-Path of 15 UTF-8 bytes
        // (delta 8, length 13 + 2).
        (
            "B.4",
            cat(&[&hex("40 01 0004 3d 04"), b"xn--18j4d.example", &hex("8d 02"), &japanese]),
            fields(CON, Code::GET, 4, &[], &[(3, b"xn--18j4d.example"), (11, &japanese)], b""),
            "2001:db8::2:1",
            5683,
            "coap://xn--18j4d.example/%E3%81%93%E3%82%93%E3%81%AB%E3%81%A1%E3%81%AF",
        ),
        // Destination 198.51.100.1:61616; Uri-Path "", "/", "", ""; Uri-Query "//", "?&".
        // RFC 7252 prints the query as "?%2F%2F&?%26", but its own §6.5 step 9 leaves "/" and
        // "?" unencoded in a query; the crate follows §6.5 (both parse back to the same options).
        (
            "B.5",
            hex("40 01 0005 b0 01 2f 00 00 42 2f2f 02 3f26"),
            fields(
                CON,
                Code::GET,
                5,
                &[],
                &[(11, b""), (11, b"/"), (11, b""), (11, b""), (15, b"//"), (15, b"?&")],
                b"",
            ),
            "198.51.100.1",
            61616,
            "coap://198.51.100.1:61616//%2F//?//&?%26",
        ),
    ];
    for (name, bytes, f, dest, port, uri) in &vectors {
        check_udp(name, bytes, f);
        let (p, q) = (path(f), query(f));
        let mut out = [0u8; 128];
        let n =
            compose(Scheme::Coap, &host(f, dest), *port, p.iter().map(|v| &v[..]), q.iter().map(|v| &v[..]), &mut out)
                .unwrap();
        assert_eq!(core::str::from_utf8(&out[..n]).unwrap(), *uri, "{name}: composed URI");
    }
}

// ---------------------------------------------------------------------------------------------
// RFC 7959 (Block-wise transfers)
// ---------------------------------------------------------------------------------------------

/// Parses the RFC 7959 §3 notation "2:NUM/M/SIZE" (option kind, block number, more bit, size;
/// "BERT" for SZX 7 in RFC 8323 §6) into the option number and the Block.
fn notation(s: &str) -> (u16, Block) {
    let (kind, rest) = s.split_once(':').unwrap();
    let number = match kind {
        "1" => OptionNumber::BLOCK1.0,
        "2" => OptionNumber::BLOCK2.0,
        _ => panic!("{s}"),
    };
    let parts: Vec<&str> = rest.split('/').collect();
    let szx = match parts[2] {
        "BERT" => 7,
        size => size.parse::<u32>().unwrap().trailing_zeros() as u8 - 4,
    };
    (number, Block { num: parts[0].parse().unwrap(), more: parts[1] == "1", szx })
}

/// Checks a Block value against the notation and RFC 7959 §2.2's arithmetic.
fn check_block(name: &str, s: &str, value: &[u8]) {
    let (_, want) = notation(s);
    let b = Block::decode(value).unwrap_or_else(|| panic!("{name}: {s}: {value:02x?}"));
    assert_eq!(b, want, "{name}: {s}");
    assert_eq!(b.to_string(), s.split_once(':').unwrap().1, "{name}: display");
    let (buf, n) = encode_uint(b.to_uint());
    assert_eq!(&buf[..n], value, "{name}: {s}: minimal uint");
    let v = b.to_uint();
    assert_eq!((v >> 4, v & 8 != 0, (v & 7) as u8), (want.num, want.more, want.szx), "{name}: {s}: fields");
    if want.szx < 7 {
        let size = 1u32 << (want.szx + 4);
        assert_eq!(b.size(), Some(size), "{name}: {s}: size");
        assert_eq!(b.offset(), Some(want.num * size), "{name}: {s}: offset");
        // §2.2 implementation note: (val & ~0xF) << (val & 7) is the byte position.
        assert_eq!(b.offset(), Some((v & !0xF) << (v & 7)), "{name}: {s}: (val & ~0xF) << (val & 7)");
    } else {
        // RFC 8323 §6: BERT has no single size; the block sits at NUM × 1024.
        assert_eq!((b.size(), b.offset()), (None, None), "{name}: {s}: BERT");
    }
}

#[test]
fn rfc7959_notation_examples_and_figure_1_layouts() {
    // §3: "a Block2 Option value of 33 would be shown as 2:2/0/32 and a Block1 Option value of 59
    // would be shown as 1:3/1/128".
    check_block("§3 value 33", "2:2/0/32", &[33]);
    check_block("§3 value 59", "1:3/1/128", &[59]);
    // §2.2, Figure 1: the value is a 0-3 byte uint; NUM takes 4, 12 or 20 bits. All of NUM, M
    // and SZX zero is the empty value. The boundary NUMs are picked.
    check_block("fig1 empty", "2:0/0/16", &[]);
    check_block("fig1 1 byte, NUM 15", "2:15/1/1024", &[0xFE]);
    check_block("fig1 2 bytes, NUM 16", "2:16/0/16", &[0x01, 0x00]);
    check_block("fig1 2 bytes, NUM 4095", "1:4095/1/512", &[0xFF, 0xFD]);
    check_block("fig1 3 bytes, NUM 4096", "1:4096/0/64", &[0x01, 0x00, 0x02]);
    check_block("fig1 3 bytes, NUM 2^20-1", "2:1048575/1/256", &[0xFF, 0xFF, 0xFC]);
    // The empty value in a message: Block2 (23) after Uri-Path (11) is delta 12, length 0.
    let bytes = cat(&[&hex("40 01 0001 b6"), b"status", &hex("c0")]);
    check_udp("fig1 empty in a message", &bytes, &fields(CON, Code::GET, 1, &[], &[(11, b"status"), (23, b"")], b""));
}

/// One message of RFC 7959 §3 Figures 2-11: figure, type, code, MID, Uri-Path (or ""), the
/// Block options in the figure's notation, the payload length, and the hand-written bytes up to
/// the payload marker. Header: 0x40 CON / 0x60 ACK, TKL 0 (the figures show no tokens, so none
/// is sent), code, MID 1234 = 0x04d2 onwards. Options: Uri-Path "status" b6 737461747573,
/// "options" b7 6f7074696f6e73, "soap" b4 736f6170; after Uri-Path, Block2 (23) is delta 12
/// (c1 xx) and Block1 (27) delta 16 (d1 03 xx); alone, Block2 is delta 23 (d1 0a xx) and Block1
/// delta 27 (d1 0e xx); Block1 after Block2 is delta 4 (41 xx).
///
/// Payload lengths: a block with M set carries exactly its size (§2.3); the figures give no
/// length for last blocks ("between 1 and 128 bytes"), so those are picked (77, 30, 50, 20, 40)
/// and marked "picked"; requests for Block2 with NUM != 0 carry no payload (Figure 10 says so);
/// 2.31 (Continue) carries none (§2.9.1).
type BlockRow = (&'static str, MessageType, Code, u16, &'static str, &'static [&'static str], usize, &'static str);

const BLOCKWISE: &[BlockRow] = &[
    // §3.1 Figure 2: Simple Block-Wise GET.
    ("fig2", CON, Code::GET, 1234, "status", &[], 0, "40 01 04d2 b6 737461747573"),
    ("fig2", ACK, Code::CONTENT, 1234, "", &["2:0/1/128"], 128, "60 45 04d2 d1 0a 0b"),
    ("fig2", CON, Code::GET, 1235, "status", &["2:1/0/128"], 0, "40 01 04d3 b6 737461747573 c1 13"),
    ("fig2", ACK, Code::CONTENT, 1235, "", &["2:1/1/128"], 128, "60 45 04d3 d1 0a 1b"),
    ("fig2", CON, Code::GET, 1236, "status", &["2:2/0/128"], 0, "40 01 04d4 b6 737461747573 c1 23"),
    ("fig2 (picked length)", ACK, Code::CONTENT, 1236, "", &["2:2/0/128"], 77, "60 45 04d4 d1 0a 23"),
    // §3.1 Figure 3: Block-Wise GET with Early Negotiation (the rows the figure shows).
    ("fig3", CON, Code::GET, 1234, "status", &["2:0/0/64"], 0, "40 01 04d2 b6 737461747573 c1 02"),
    ("fig3", ACK, Code::CONTENT, 1234, "", &["2:0/1/64"], 64, "60 45 04d2 d1 0a 0a"),
    ("fig3", CON, Code::GET, 1235, "status", &["2:1/0/64"], 0, "40 01 04d3 b6 737461747573 c1 12"),
    ("fig3", ACK, Code::CONTENT, 1235, "", &["2:1/1/64"], 64, "60 45 04d3 d1 0a 1a"),
    ("fig3", CON, Code::GET, 1238, "status", &["2:4/0/64"], 0, "40 01 04d6 b6 737461747573 c1 42"),
    ("fig3", ACK, Code::CONTENT, 1238, "", &["2:4/1/64"], 64, "60 45 04d6 d1 0a 4a"),
    ("fig3", CON, Code::GET, 1239, "status", &["2:5/0/64"], 0, "40 01 04d7 b6 737461747573 c1 52"),
    ("fig3 (picked length)", ACK, Code::CONTENT, 1239, "", &["2:5/0/64"], 30, "60 45 04d7 d1 0a 52"),
    // §3.1 Figure 4: Block-Wise GET with Late Negotiation.
    ("fig4", CON, Code::GET, 1234, "status", &[], 0, "40 01 04d2 b6 737461747573"),
    ("fig4", ACK, Code::CONTENT, 1234, "", &["2:0/1/128"], 128, "60 45 04d2 d1 0a 0b"),
    ("fig4", CON, Code::GET, 1235, "status", &["2:2/0/64"], 0, "40 01 04d3 b6 737461747573 c1 22"),
    ("fig4", ACK, Code::CONTENT, 1235, "", &["2:2/1/64"], 64, "60 45 04d3 d1 0a 2a"),
    ("fig4", CON, Code::GET, 1236, "status", &["2:3/0/64"], 0, "40 01 04d4 b6 737461747573 c1 32"),
    ("fig4", ACK, Code::CONTENT, 1236, "", &["2:3/1/64"], 64, "60 45 04d4 d1 0a 3a"),
    ("fig4", CON, Code::GET, 1237, "status", &["2:4/0/64"], 0, "40 01 04d5 b6 737461747573 c1 42"),
    ("fig4", ACK, Code::CONTENT, 1237, "", &["2:4/1/64"], 64, "60 45 04d5 d1 0a 4a"),
    ("fig4", CON, Code::GET, 1238, "status", &["2:5/0/64"], 0, "40 01 04d6 b6 737461747573 c1 52"),
    ("fig4 (picked length)", ACK, Code::CONTENT, 1238, "", &["2:5/0/64"], 30, "60 45 04d6 d1 0a 52"),
    // §3.1 Figure 5: Late Negotiation and Lost CON (the lost CON [MID=1235] is resent as is).
    ("fig5", CON, Code::GET, 1234, "status", &[], 0, "40 01 04d2 b6 737461747573"),
    ("fig5", ACK, Code::CONTENT, 1234, "", &["2:0/1/128"], 128, "60 45 04d2 d1 0a 0b"),
    ("fig5", CON, Code::GET, 1235, "status", &["2:2/0/64"], 0, "40 01 04d3 b6 737461747573 c1 22"),
    ("fig5", ACK, Code::CONTENT, 1235, "", &["2:2/1/64"], 64, "60 45 04d3 d1 0a 2a"),
    ("fig5", CON, Code::GET, 1238, "status", &["2:5/0/64"], 0, "40 01 04d6 b6 737461747573 c1 52"),
    ("fig5 (picked length)", ACK, Code::CONTENT, 1238, "", &["2:5/0/64"], 30, "60 45 04d6 d1 0a 52"),
    // §3.1 Figure 6: Late Negotiation and Lost ACK (the lost ACK and the resent CON as is).
    ("fig6", CON, Code::GET, 1234, "status", &[], 0, "40 01 04d2 b6 737461747573"),
    ("fig6", ACK, Code::CONTENT, 1234, "", &["2:0/1/128"], 128, "60 45 04d2 d1 0a 0b"),
    ("fig6", CON, Code::GET, 1235, "status", &["2:2/0/64"], 0, "40 01 04d3 b6 737461747573 c1 22"),
    ("fig6", ACK, Code::CONTENT, 1235, "", &["2:2/1/64"], 64, "60 45 04d3 d1 0a 2a"),
    ("fig6", CON, Code::GET, 1238, "status", &["2:5/0/64"], 0, "40 01 04d6 b6 737461747573 c1 52"),
    ("fig6 (picked length)", ACK, Code::CONTENT, 1238, "", &["2:5/0/64"], 30, "60 45 04d6 d1 0a 52"),
    // §3.2 Figure 7: Simple Atomic Block-Wise PUT (2.31 Continue is 0x5f, 2.04 Changed 0x44).
    ("fig7", CON, Code::PUT, 1234, "options", &["1:0/1/128"], 128, "40 03 04d2 b7 6f7074696f6e73 d1 03 0b"),
    ("fig7", ACK, Code::CONTINUE, 1234, "", &["1:0/1/128"], 0, "60 5f 04d2 d1 0e 0b"),
    ("fig7", CON, Code::PUT, 1235, "options", &["1:1/1/128"], 128, "40 03 04d3 b7 6f7074696f6e73 d1 03 1b"),
    ("fig7", ACK, Code::CONTINUE, 1235, "", &["1:1/1/128"], 0, "60 5f 04d3 d1 0e 1b"),
    (
        "fig7 (picked length)",
        CON,
        Code::PUT,
        1236,
        "options",
        &["1:2/0/128"],
        50,
        "40 03 04d4 b7 6f7074696f6e73 d1 03 23",
    ),
    ("fig7", ACK, Code::CHANGED, 1236, "", &["1:2/0/128"], 0, "60 44 04d4 d1 0e 23"),
    // §3.2 Figure 8: Simple Stateless Block-Wise PUT.
    ("fig8", CON, Code::PUT, 1234, "options", &["1:0/1/128"], 128, "40 03 04d2 b7 6f7074696f6e73 d1 03 0b"),
    ("fig8", ACK, Code::CHANGED, 1234, "", &["1:0/0/128"], 0, "60 44 04d2 d1 0e 03"),
    ("fig8", CON, Code::PUT, 1235, "options", &["1:1/1/128"], 128, "40 03 04d3 b7 6f7074696f6e73 d1 03 1b"),
    ("fig8", ACK, Code::CHANGED, 1235, "", &["1:1/0/128"], 0, "60 44 04d3 d1 0e 13"),
    (
        "fig8 (picked length)",
        CON,
        Code::PUT,
        1236,
        "options",
        &["1:2/0/128"],
        50,
        "40 03 04d4 b7 6f7074696f6e73 d1 03 23",
    ),
    ("fig8", ACK, Code::CHANGED, 1236, "", &["1:2/0/128"], 0, "60 44 04d4 d1 0e 23"),
    // §3.2 Figure 9: Atomic Block-Wise PUT with Negotiation. The RFC prints the last two ACKs
    // with MID 1235 and 1236, answering CONs 1236 and 1237; an ACK echoes its CON's MID
    // (RFC 7252 §4.2), so this looks like a typo in the figure. The bytes follow the figure.
    ("fig9", CON, Code::PUT, 1234, "options", &["1:0/1/128"], 128, "40 03 04d2 b7 6f7074696f6e73 d1 03 0b"),
    ("fig9", ACK, Code::CONTINUE, 1234, "", &["1:0/1/32"], 0, "60 5f 04d2 d1 0e 09"),
    ("fig9", CON, Code::PUT, 1235, "options", &["1:4/1/32"], 32, "40 03 04d3 b7 6f7074696f6e73 d1 03 49"),
    ("fig9", ACK, Code::CONTINUE, 1235, "", &["1:4/1/32"], 0, "60 5f 04d3 d1 0e 49"),
    ("fig9", CON, Code::PUT, 1236, "options", &["1:5/1/32"], 32, "40 03 04d4 b7 6f7074696f6e73 d1 03 59"),
    ("fig9 (MID as printed)", ACK, Code::CONTINUE, 1235, "", &["1:5/1/32"], 0, "60 5f 04d3 d1 0e 59"),
    (
        "fig9 (picked length)",
        CON,
        Code::PUT,
        1237,
        "options",
        &["1:6/0/32"],
        20,
        "40 03 04d5 b7 6f7074696f6e73 d1 03 61",
    ),
    ("fig9 (MID as printed)", ACK, Code::CHANGED, 1236, "", &["1:6/0/32"], 0, "60 44 04d4 d1 0e 61"),
    // §3.3 Figure 10: Atomic Block-Wise POST with Block-Wise Response.
    ("fig10", CON, Code::POST, 1234, "soap", &["1:0/1/128"], 128, "40 02 04d2 b4 736f6170 d1 03 0b"),
    ("fig10", ACK, Code::CONTINUE, 1234, "", &["1:0/1/128"], 0, "60 5f 04d2 d1 0e 0b"),
    ("fig10", CON, Code::POST, 1235, "soap", &["1:1/1/128"], 128, "40 02 04d3 b4 736f6170 d1 03 1b"),
    ("fig10", ACK, Code::CONTINUE, 1235, "", &["1:1/1/128"], 0, "60 5f 04d3 d1 0e 1b"),
    ("fig10 (picked length)", CON, Code::POST, 1236, "soap", &["1:2/0/128"], 50, "40 02 04d4 b4 736f6170 d1 03 23"),
    ("fig10", ACK, Code::CHANGED, 1236, "", &["2:0/1/128", "1:2/0/128"], 128, "60 44 04d4 d1 0a 0b 41 23"),
    ("fig10", CON, Code::POST, 1237, "soap", &["2:1/0/128"], 0, "40 02 04d5 b4 736f6170 c1 13"),
    ("fig10", ACK, Code::CHANGED, 1237, "", &["2:1/1/128"], 128, "60 44 04d5 d1 0a 1b"),
    ("fig10", CON, Code::POST, 1238, "soap", &["2:2/0/128"], 0, "40 02 04d6 b4 736f6170 c1 23"),
    ("fig10", ACK, Code::CHANGED, 1238, "", &["2:2/1/128"], 128, "60 44 04d6 d1 0a 2b"),
    ("fig10", CON, Code::POST, 1239, "soap", &["2:3/0/128"], 0, "40 02 04d7 b4 736f6170 c1 33"),
    ("fig10 (picked length)", ACK, Code::CHANGED, 1239, "", &["2:3/0/128"], 40, "60 44 04d7 d1 0a 33"),
    // §3.3 Figure 11: the same with Early Negotiation for Block2.
    ("fig11", CON, Code::POST, 1234, "soap", &["1:0/1/128"], 128, "40 02 04d2 b4 736f6170 d1 03 0b"),
    ("fig11", ACK, Code::CONTINUE, 1234, "", &["1:0/1/128"], 0, "60 5f 04d2 d1 0e 0b"),
    ("fig11", CON, Code::POST, 1235, "soap", &["1:1/1/128"], 128, "40 02 04d3 b4 736f6170 d1 03 1b"),
    ("fig11", ACK, Code::CONTINUE, 1235, "", &["1:1/1/128"], 0, "60 5f 04d3 d1 0e 1b"),
    (
        "fig11 (picked length)",
        CON,
        Code::POST,
        1236,
        "soap",
        &["1:2/0/128", "2:0/0/64"],
        50,
        "40 02 04d4 b4 736f6170 c1 02 41 23",
    ),
    ("fig11", ACK, Code::CHANGED, 1236, "", &["1:2/0/128", "2:0/1/64"], 64, "60 44 04d4 d1 0a 0a 41 23"),
    ("fig11", CON, Code::POST, 1237, "soap", &["2:1/0/64"], 0, "40 02 04d5 b4 736f6170 c1 12"),
    ("fig11", ACK, Code::CHANGED, 1237, "", &["2:1/1/64"], 64, "60 44 04d5 d1 0a 1a"),
    ("fig11", CON, Code::POST, 1238, "soap", &["2:2/0/64"], 0, "40 02 04d6 b4 736f6170 c1 22"),
    ("fig11", ACK, Code::CHANGED, 1238, "", &["2:2/1/64"], 64, "60 44 04d6 d1 0a 2a"),
    ("fig11", CON, Code::POST, 1239, "soap", &["2:3/0/64"], 0, "40 02 04d7 b4 736f6170 c1 32"),
    ("fig11 (picked length)", ACK, Code::CHANGED, 1239, "", &["2:3/0/64"], 40, "60 44 04d7 d1 0a 32"),
];

/// The bytes of a [`BlockRow`]: the hand-written part, then the marker and payload if any.
fn blockwise_bytes(head: &str, payload: &[u8]) -> Vec<u8> {
    let mut bytes = hex(head);
    if !payload.is_empty() {
        bytes.push(0xFF);
        bytes.extend_from_slice(payload);
    }
    bytes
}

#[test]
fn rfc7959_figures_2_to_11_block_wise_exchanges() {
    for (i, &(fig, t, code, mid, path, blocks, payload_len, head)) in BLOCKWISE.iter().enumerate() {
        let name = format!("{fig} row {i} ({code} {mid} {blocks:?})");
        let payload = filler(payload_len);
        let bytes = blockwise_bytes(head, &payload);
        // The fields: Uri-Path, then the Block options (sorted by number, as on the wire).
        let mut options: Vec<(u16, Vec<u8>)> = Vec::new();
        if !path.is_empty() {
            options.push((URI_PATH, path.as_bytes().to_vec()));
        }
        let mut block_opts: Vec<(u16, Vec<u8>)> = blocks
            .iter()
            .map(|s| {
                let (n, b) = notation(s);
                let (buf, len) = encode_uint(b.to_uint());
                (n, buf[..len].to_vec())
            })
            .collect();
        block_opts.sort_by_key(|(n, _)| *n);
        options.extend(block_opts);
        let f = Fields { t, code, mid, token: vec![], options, payload: payload.clone() };
        check_udp(&name, &bytes, &f);

        // Each Block option read back from the message matches its notation.
        let m = Message::new_checked(&bytes[..]).unwrap();
        for s in blocks {
            let (n, want) = notation(s);
            let value = m.option(OptionNumber(n)).unwrap();
            check_block(&name, s, value);
            // §2.3: in descriptive usage (Block2 in a response, Block1 in a request) with M set,
            // the payload is exactly one block.
            let descriptive = (n == OptionNumber::BLOCK2.0) == code.is_response();
            if descriptive && want.more {
                assert_eq!(Some(payload.len() as u32), want.size(), "{name}: {s}: payload is one block");
            }
        }
        // The builder's `uint` writes the same minimal values as the hand-written bytes.
        let mut b = MessageBuilder::<4>::new(t, code, MessageId(mid));
        if !path.is_empty() {
            b.path(path).unwrap();
        }
        for s in blocks.iter().rev() {
            let (n, block) = notation(s);
            b.uint(OptionNumber(n), block.to_uint()).unwrap();
        }
        b.payload(&payload);
        let mut out = vec![0u8; b.encoded_len()];
        let n = b.encode(&mut out).unwrap();
        assert_eq!(&out[..n], &bytes[..], "{name}: built with uint");
    }
}

const STATUS_ICON: &[u8] = b"status-icon";

#[test]
fn rfc7959_figure_12_observe_sequence_with_block_wise_response() {
    // §3.4 Figure 12 gives the headers in hex. Options: Observe (6), ETag (4), Uri-Path (11),
    // Block2 (23). Observe 62350 = 0xf38e, 62354 = 0xf392; Block2 0/1/128 = 0x0b, 1/0/128 =
    // 0x13, 1/1/128 = 0x1b, 2/0/128 = 0x23. Payload contents are not given ("[128 bytes]",
    // "[53 bytes]"): picked filler of those lengths.
    let p128 = filler(128);
    let p53 = filler(53);
    let vectors = [
        // GET 0x41011636: CON, TKL 1, 0.01, MID 0x1636; Token 0xfb; Observe (empty): delta 6,
        // length 0; Uri-Path "status-icon": delta 5, length 11.
        (
            "fig12 register",
            cat(&[&hex("41 01 1636 fb 60 5b"), STATUS_ICON]),
            fields(CON, Code::GET, 0x1636, &[0xfb], &[(6, b""), (11, STATUS_ICON)], b""),
        ),
        // 2.05 0x61451636: ACK; ETag 6f00f38e (delta 4, length 4); Observe 62350 (delta 2,
        // length 2); Block2 0/1/128 (delta 17 = 13 + 4, length 1).
        (
            "fig12 first response",
            cat(&[&hex("61 45 1636 fb 44 6f00f38e 22 f38e d1 04 0b ff"), &p128]),
            fields(
                ACK,
                Code::CONTENT,
                0x1636,
                &[0xfb],
                &[(4, &hex("6f00f38e")), (6, &hex("f38e")), (23, &[0x0b])],
                &p128,
            ),
        ),
        // 2.05 0x4145af9c: a CON notification, Observe 62354, ETag 6f00f392.
        (
            "fig12 notification",
            cat(&[&hex("41 45 af9c fb 44 6f00f392 22 f392 d1 04 0b ff"), &p128]),
            fields(
                CON,
                Code::CONTENT,
                0xaf9c,
                &[0xfb],
                &[(4, &hex("6f00f392")), (6, &hex("f392")), (23, &[0x0b])],
                &p128,
            ),
        ),
        // 0x6000af9c: the Empty ACK.
        ("fig12 ACK", hex("60 00 af9c"), fields(ACK, Code::EMPTY, 0xaf9c, &[], &[], b"")),
        // GET 0x41011637, Token 0xfc, Uri-Path, Block2 1/0/128 (delta 12).
        (
            "fig12 block 1 request",
            cat(&[&hex("41 01 1637 fc bb"), STATUS_ICON, &hex("c1 13")]),
            fields(CON, Code::GET, 0x1637, &[0xfc], &[(11, STATUS_ICON), (23, &[0x13])], b""),
        ),
        // 2.05 0x61451637, ETag, Block2 1/1/128 (delta 19 = 13 + 6).
        (
            "fig12 block 1 response",
            cat(&[&hex("61 45 1637 fc 44 6f00f392 d1 06 1b ff"), &p128]),
            fields(ACK, Code::CONTENT, 0x1637, &[0xfc], &[(4, &hex("6f00f392")), (23, &[0x1b])], &p128),
        ),
        (
            "fig12 block 2 request",
            cat(&[&hex("41 01 1638 fc bb"), STATUS_ICON, &hex("c1 23")]),
            fields(CON, Code::GET, 0x1638, &[0xfc], &[(11, STATUS_ICON), (23, &[0x23])], b""),
        ),
        (
            "fig12 block 2 response",
            cat(&[&hex("61 45 1638 fc 44 6f00f392 d1 06 23 ff"), &p53]),
            fields(ACK, Code::CONTENT, 0x1638, &[0xfc], &[(4, &hex("6f00f392")), (23, &[0x23])], &p53),
        ),
    ];
    for (name, bytes, f) in &vectors {
        check_udp(name, bytes, f);
    }
    let m = Message::new_checked(&vectors[2].1[..]).unwrap();
    assert_eq!(m.option(OptionNumber::OBSERVE).and_then(Observe::decode), Some(Observe(62354)));
    assert!(Observe(62354).is_fresher_than(Observe(62350)));
    let last = Message::new_checked(&vectors[7].1[..]).unwrap();
    assert_eq!(last.option(OptionNumber::BLOCK2).and_then(Block::decode).and_then(Block::offset), Some(256));
}

#[test]
fn rfc7959_figure_13_observe_sequence_with_early_negotiation() {
    // §3.4 Figure 13: as Figure 12 with Block2 0/0/64 (0x02) in the registration, Max-Age 60
    // (option 14, 0x3c) in the first response, 64-byte blocks (0/1/64 = 0x0a, 1/0/64 = 0x12,
    // 1/1/64 = 0x1a, 4/0/64 = 0x42); "[64 bytes]" / "[53 bytes]" payloads are picked filler.
    let p64 = filler(64);
    let p53 = filler(53);
    let vectors = [
        // Observe (6, empty), Uri-Path (delta 5), Block2 (delta 12).
        (
            "fig13 register",
            cat(&[&hex("41 01 1636 fb 60 5b"), STATUS_ICON, &hex("c1 02")]),
            fields(CON, Code::GET, 0x1636, &[0xfb], &[(6, b""), (11, STATUS_ICON), (23, &[0x02])], b""),
        ),
        // ETag (4), Observe (delta 2), Max-Age (delta 8, 0x3c), Block2 (delta 9).
        (
            "fig13 first response",
            cat(&[&hex("61 45 1636 fb 44 6f00f38e 22 f38e 81 3c 91 0a ff"), &p64]),
            fields(
                ACK,
                Code::CONTENT,
                0x1636,
                &[0xfb],
                &[(4, &hex("6f00f38e")), (6, &hex("f38e")), (14, &[0x3c]), (23, &[0x0a])],
                &p64,
            ),
        ),
        (
            "fig13 notification",
            cat(&[&hex("41 45 af9c fb 44 6f00f392 22 f392 d1 04 0a ff"), &p64]),
            fields(
                CON,
                Code::CONTENT,
                0xaf9c,
                &[0xfb],
                &[(4, &hex("6f00f392")), (6, &hex("f392")), (23, &[0x0a])],
                &p64,
            ),
        ),
        ("fig13 ACK", hex("60 00 af9c"), fields(ACK, Code::EMPTY, 0xaf9c, &[], &[], b"")),
        (
            "fig13 block 1 request",
            cat(&[&hex("41 01 1637 fc bb"), STATUS_ICON, &hex("c1 12")]),
            fields(CON, Code::GET, 0x1637, &[0xfc], &[(11, STATUS_ICON), (23, &[0x12])], b""),
        ),
        (
            "fig13 block 1 response",
            cat(&[&hex("61 45 1637 fc 44 6f00f392 d1 06 1a ff"), &p64]),
            fields(ACK, Code::CONTENT, 0x1637, &[0xfc], &[(4, &hex("6f00f392")), (23, &[0x1a])], &p64),
        ),
        // The figure elides blocks 2 and 3 ("...") and shows block 4 with MIDs 0x1638.
        (
            "fig13 block 4 request",
            cat(&[&hex("41 01 1638 fc bb"), STATUS_ICON, &hex("c1 42")]),
            fields(CON, Code::GET, 0x1638, &[0xfc], &[(11, STATUS_ICON), (23, &[0x42])], b""),
        ),
        (
            "fig13 block 4 response",
            cat(&[&hex("61 45 1638 fc 44 6f00f392 d1 06 42 ff"), &p53]),
            fields(ACK, Code::CONTENT, 0x1638, &[0xfc], &[(4, &hex("6f00f392")), (23, &[0x42])], &p53),
        ),
    ];
    for (name, bytes, f) in &vectors {
        check_udp(name, bytes, f);
    }
    let first = Message::new_checked(&vectors[1].1[..]).unwrap();
    assert_eq!(first.uint_option(OptionNumber::MAX_AGE), Some(60));
    let last = Message::new_checked(&vectors[7].1[..]).unwrap();
    assert_eq!(last.option(OptionNumber::BLOCK2).and_then(Block::decode).and_then(Block::offset), Some(256));
}

// ---------------------------------------------------------------------------------------------
// RFC 8323 (CoAP over TCP, TLS and WebSockets)
//
// Figure titles are from the draft-ietf-core-coap-tcp-tls source the vectors were read from;
// the final RFC's figure numbers are not relied on.
// ---------------------------------------------------------------------------------------------

#[test]
fn rfc8323_3_1_the_same_exchange_over_udp_and_tcp() {
    // §3.1, "Comparison between CoAP over unreliable and reliable transport": CON [0xbc90]
    // GET /temperature (Token 0x71); ACK [0xbc90] 2.05 Content (Token 0x71) "22.5 C". Over a
    // reliable transport the type and MID are dropped.
    let req = temperature_get(CON, 0xbc90, &[0x71]);
    let resp = fields(ACK, Code::CONTENT, 0xbc90, &[0x71], &[], b"22.5 C");
    check_udp("§3.1 UDP request", &cat(&[&hex("41 01 bc90 71 bb"), TEMPERATURE]), &req);
    check_udp("§3.1 UDP response", &cat(&[&hex("61 45 bc90 71 ff"), b"22.5 C"]), &resp);
    // TCP: Len 12 (option header + 11 bytes), TKL 1 = 0xc1; Len 7 (marker + 6 bytes) = 0x71.
    check_tcp("§3.1 TCP request", &cat(&[&hex("c1 01 71 bb"), TEMPERATURE]), &req);
    check_tcp("§3.1 TCP response", &cat(&[&hex("71 45 71 ff"), b"22.5 C"]), &resp);
}

#[test]
fn rfc8323_3_2_message_with_no_options_or_payload() {
    // §3.2, "CoAP message with no options or payload": Len 0, TKL 1 → 0x01; 2.03 → 0x43;
    // Token 0x7f.
    check_tcp("§3.2 2.03 with token 7f", &hex("01 43 7f"), &fields(CON, Code::VALID, 0, &[0x7f], &[], b""));
}

#[test]
fn rfc8323_3_2_every_len_form() {
    // §3.2, Figure 4 ("CoAP Frame for Reliable Transports") and the 8-, 16- and 32-bit Extended
    // Length figures: Len 0-12 inline; 13 + 1 byte (length - 13); 14 + 2 bytes (length - 269);
    // 15 + 4 bytes (length - 65805). No figure gives a message of each size, so these are
    // picked: 2.05, no token, a payload making the options/payload part `body` bytes long.
    for (body, header) in [
        (12usize, "c0 45"),
        (13, "d0 00 45"),
        (268, "d0 ff 45"),
        (269, "e0 0000 45"),
        (65_804, "e0 ffff 45"),
        (65_805, "f0 00000000 45"),
        (65_806, "f0 00000001 45"),
    ] {
        let payload = filler(body - 1);
        let bytes = cat(&[&hex(header), &[0xFF], &payload]);
        check_tcp(&format!("Len form, body {body}"), &bytes, &fields(CON, Code::CONTENT, 0, &[], &[], &payload));
    }

    // Len 13 with a spec message: RFC 8323 Appendix A's coap+ws request (Token 0x53, Uri-Path
    // "sensors", "temperature", Uri-Query "u=Cel") sent over TCP instead (the framing is picked):
    // options 8 + 12 + 6 = 26 bytes → Len 13, Extended Length 13.
    let req = cat(&[&hex("d1 0d 01 53 b7"), b"sensors", &hex("0b"), TEMPERATURE, &hex("45"), b"u=Cel"]);
    check_tcp("Len 13, Appendix A request over TCP", &req, &ws_example_request());

    // Len 15 with a message shaped like §6.2's BERT PUT: Token 0x32 and the 66560-byte payload
    // (65 BERT blocks) are picked. Options/payload: Uri-Path "options" 8 + Block1 1:0/1/BERT
    // (delta 16, 0x0f) 3 + marker 1 + 66560 = 66572 = 65805 + 767 → f1 000002ff.
    let big = filler(66_560);
    let put = cat(&[&hex("f1 000002ff 03 32 b7"), b"options", &hex("d1 03 0f ff"), &big]);
    check_tcp("Len 15, BERT PUT", &put, &fields(CON, Code::PUT, 0, &[0x32], &[(11, b"options"), (27, &[0x0f])], &big));
}

/// RFC 8323 Appendix A's first example: GET coap+ws://example.org/sensors/temperature?u=Cel.
fn ws_example_request() -> Fields {
    fields(CON, Code::GET, 0, &[0x53], &[(11, b"sensors"), (11, TEMPERATURE), (15, b"u=Cel")], b"")
}

#[test]
fn rfc8323_4_2_websocket_examples() {
    // §4.2, "CoAP Message Format over WebSockets": Len 0, TKL, Code, Token, options, payload.
    // Appendix A, first example: GET, Token 0x53, Uri-Path "sensors" (delta 11, length 7),
    // "temperature" (delta 0, length 11), Uri-Query "u=Cel" (delta 4, length 5); the response
    // 2.05, Token 0x53, "22.3 Cel".
    let req = cat(&[&hex("01 01 53 b7"), b"sensors", &hex("0b"), TEMPERATURE, &hex("45"), b"u=Cel"]);
    check_ws("App. A example 1 request", &req, &ws_example_request());
    let resp = cat(&[&hex("01 45 53 ff"), b"22.3 Cel"]);
    check_ws("App. A example 1 response", &resp, &fields(CON, Code::CONTENT, 0, &[0x53], &[], b"22.3 Cel"));

    // Appendix A, second example, through a forward proxy: over WebSockets GET, Token 0x7d,
    // Proxy-Uri "coap://[2001:db8::1]/" (option 35: delta 13 + 22; 21 bytes: length 13 + 8);
    // 2.05, Token 0x7d, "ready".
    let proxy_uri: &[u8] = b"coap://[2001:db8::1]/";
    let req = cat(&[&hex("01 01 7d dd 16 08"), proxy_uri]);
    check_ws("App. A example 2 request", &req, &fields(CON, Code::GET, 0, &[0x7d], &[(35, proxy_uri)], b""));
    let resp = cat(&[&hex("01 45 7d ff"), b"ready"]);
    check_ws("App. A example 2 response", &resp, &fields(CON, Code::CONTENT, 0, &[0x7d], &[], b"ready"));
    // The proxy's UDP leg: CON GET MID 0x8f54, Token 0x0a15; ACK 2.05 MID 0x8f54 "ready".
    check_udp(
        "App. A example 2 UDP request",
        &hex("42 01 8f54 0a15"),
        &fields(CON, Code::GET, 0x8f54, &[0x0a, 0x15], &[], b""),
    );
    let ack = cat(&[&hex("62 45 8f54 0a15 ff"), b"ready"]);
    check_udp("App. A example 2 UDP response", &ack, &fields(ACK, Code::CONTENT, 0x8f54, &[0x0a, 0x15], &[], b"ready"));
}

#[test]
fn rfc8323_5_4_ping_and_pong_examples() {
    // §5.4, "Ping Message Example": Len 0, TKL 1 → 0x01; 7.02 Ping → 0xe2; Token 0x42. "Pong
    // Message Example": the same with 7.03 Pong → 0xe3.
    for (name, bytes, code, signal) in [
        ("ping", hex("01 e2 42"), Code::PING, Signal::Ping { custody: false }),
        ("pong", hex("01 e3 42"), Code::PONG, Signal::Pong { custody: false }),
    ] {
        let f = fields(CON, code, 0, &[0x42], &[], b"");
        check_tcp(name, &bytes, &f);
        // With no options or payload Len is 0, so the same bytes are a WebSocket message too.
        check_ws(name, &bytes, &f);
        let Status::Complete { item, .. } = tcp::decode_frame(&bytes).unwrap() else { panic!() };
        assert_eq!(Signal::from_message(&item), Ok(signal), "{name}");
        let mut b = signal.builder().unwrap();
        b.token(&[0x42]).unwrap();
        let mut out = [0u8; 8];
        let n = tcp::encode(&b, &mut out).unwrap();
        assert_eq!(&out[..n], &bytes[..], "{name}: Signal::builder");
    }
}

#[test]
fn rfc8323_6_bert_examples() {
    // §6.1 "GET with BERT blocks" and §6.2 "PUT with BERT blocks". SZX 7 is BERT; the payload of
    // a non-final BERT block is a multiple of 1024 and the next NUM moves on by payload / 1024.
    // The figures give no tokens: picked 0x31 (GET) and 0x32 (PUT). Payload contents picked.
    // 2.05 with Block2 alone: delta 23 (d1 0a); GET /status: b6 "status", Block2 delta 12 (c1);
    // PUT /options: b7 "options", Block1 delta 16 (d1 03); 2.31/2.04 with Block1 alone: delta 27
    // (d1 0e); 1:24/0/BERT = 0x0187 takes two bytes.
    type Row = (&'static str, Code, &'static [u8], &'static str, &'static str, usize, &'static str);
    const ROWS: &[Row] = &[
        ("6.1 GET", Code::GET, &[0x31], "status", "", 0, "71 01 31 b6 737461747573"),
        ("6.1 2.05", Code::CONTENT, &[0x31], "", "2:0/1/BERT", 3072, "e1 0af7 45 31 d1 0a 0f"),
        ("6.1 GET", Code::GET, &[0x31], "status", "2:3/0/BERT", 0, "91 01 31 b6 737461747573 c1 37"),
        ("6.1 2.05", Code::CONTENT, &[0x31], "", "2:3/1/BERT", 5120, "e1 12f7 45 31 d1 0a 3f"),
        ("6.1 GET", Code::GET, &[0x31], "status", "2:8/0/BERT", 0, "91 01 31 b6 737461747573 c1 87"),
        ("6.1 2.05", Code::CONTENT, &[0x31], "", "2:8/0/BERT", 4711, "e1 115e 45 31 d1 0a 87"),
        ("6.2 PUT", Code::PUT, &[0x32], "options", "1:0/1/BERT", 8192, "e1 1eff 03 32 b7 6f7074696f6e73 d1 03 0f"),
        ("6.2 2.31", Code::CONTINUE, &[0x32], "", "1:0/1/BERT", 0, "31 5f 32 d1 0e 0f"),
        ("6.2 PUT", Code::PUT, &[0x32], "options", "1:8/1/BERT", 16384, "e1 3eff 03 32 b7 6f7074696f6e73 d1 03 8f"),
        ("6.2 2.31", Code::CONTINUE, &[0x32], "", "1:8/1/BERT", 0, "31 5f 32 d1 0e 8f"),
        ("6.2 PUT", Code::PUT, &[0x32], "options", "1:24/0/BERT", 5683, "e1 1533 03 32 b7 6f7074696f6e73 d2 03 0187"),
        ("6.2 2.04", Code::CHANGED, &[0x32], "", "1:24/0/BERT", 0, "41 44 32 d2 0e 0187"),
    ];
    let mut next = [0u32; 2]; // the next NUM the sender of Block2 / Block1 payloads moves to
    for &(name, code, token, path, block, payload_len, head) in ROWS {
        let payload = filler(payload_len);
        let bytes = blockwise_bytes(head, &payload);
        let mut options: Vec<(u16, Vec<u8>)> = Vec::new();
        if !path.is_empty() {
            options.push((URI_PATH, path.as_bytes().to_vec()));
        }
        if !block.is_empty() {
            let (n, b) = notation(block);
            let (buf, len) = encode_uint(b.to_uint());
            options.push((n, buf[..len].to_vec()));
        }
        let name = format!("{name} {block}");
        check_tcp(&name, &bytes, &Fields { t: CON, code, mid: 0, token: token.to_vec(), options, payload });
        if block.is_empty() {
            continue;
        }
        let Status::Complete { item, .. } = tcp::decode_frame(&bytes).unwrap() else { panic!() };
        let (n, want) = notation(block);
        let value = item.options().find(|o| o.number.0 == n).unwrap().value;
        check_block(&name, block, value);
        assert_eq!(want.szx, 7, "{name}");
        // Descriptive usage: the payload positions and the NUM that follows it.
        if payload_len > 0 {
            let i = usize::from(n == OptionNumber::BLOCK1.0);
            assert_eq!(want.num, next[i], "{name}: NUM where the last block ended");
            if want.more {
                assert_eq!(payload_len % 1024, 0, "{name}: non-final BERT block is whole kilobytes");
            }
            next[i] = want.num + (payload_len / 1024) as u32;
        }
    }
    assert_eq!(next, [8 + 4, 24 + 5], "where the bodies end, in 1024-byte blocks");
}
