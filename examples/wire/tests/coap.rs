//! `wire` on CoAP: the golden lines cover every message type, TCP kind, signal and registered
//! option; random valid messages (built with `coap-codec`) survive decode then encode byte for
//! byte, one at a time and in batch; option-level problems decode with an `error` key; refusals.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use coap_codec::wire::{tcp, Code, MessageBuilder, MessageId, MessageType, OptionFormat, OptionNumber};
use common::*;
use serde_json::{json, Value};

fn golden(proto: &str) -> Vec<Value> {
    shown_commands()
        .into_iter()
        .filter(|s| s.golden && s.proto == proto)
        .map(|s| serde_json::from_str(&s.expected).unwrap())
        .collect()
}

#[test]
fn golden_lines_cover_types_kinds_signals_and_every_registered_option() {
    let (udp, tcp) = (golden("coap"), golden("coap-tcp"));
    for t in ["CON", "NON", "ACK", "RST"] {
        assert!(udp.iter().any(|v| v["type"] == t), "no coap golden line of type {t}");
    }
    for t in ["request", "response", "signal", "empty"] {
        assert!(tcp.iter().any(|v| v["type"] == t), "no coap-tcp golden line of type {t}");
    }
    for c in ["7.01", "7.02", "7.03", "7.04", "7.05"] {
        assert!(tcp.iter().any(|v| v["code"] == c), "no golden signal {c}");
    }
    let names: Vec<(u64, String)> = udp
        .iter()
        .chain(&tcp)
        .flat_map(|v| v["options"].as_array().unwrap().clone())
        .filter(|o| o["name"].is_string())
        .map(|o| (o["number"].as_u64().unwrap(), o["name"].as_str().unwrap().to_owned()))
        .collect();
    // Every registered option (RFC 7252 §12.2 and the RFCs after it) shows up under its name.
    for n in (0..=u16::MAX).map(OptionNumber).filter(|n| n.is_known()) {
        let name = n.name().unwrap();
        assert!(names.iter().any(|(k, v)| *k == u64::from(n.0) && v == name), "no golden line shows {name} ({})", n.0);
    }
    assert!(udp.iter().any(|v| v["payload_text"].is_string()) && tcp.iter().any(|v| v["payload_text"].is_string()));
    let unknown = udp.iter().flat_map(|v| v["options"].as_array().unwrap().clone()).any(|o| o["name"].is_null());
    assert!(unknown, "no golden line shows an unknown option");
}

/// A deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// A value that fits option `n`'s format and length range, as its bytes (uints minimal).
fn value_for(rng: &mut Rng, n: OptionNumber) -> Vec<u8> {
    let (min, max) = n.length_range().unwrap();
    let cap = max.min(12);
    let len = usize::from(min) + rng.below(u64::from(cap.saturating_sub(min)) + 1) as usize;
    match n.format().unwrap() {
        OptionFormat::Empty => Vec::new(),
        OptionFormat::Uint => {
            let v = if len == 0 { 0 } else { (rng.next() as u32) >> (32 - 8 * len.min(4)) };
            let (b, l) = coap_codec::wire::encode_uint(v);
            b[..l].to_vec()
        }
        OptionFormat::String => {
            // Net-Unicode text (RFC 7252 §3.2), some of it outside ASCII.
            let chars: Vec<char> = "abcxyz019-._~/?=& é".chars().collect();
            let mut s = String::new();
            while s.len() < len {
                let c = chars[rng.below(chars.len() as u64) as usize];
                if s.len() + c.len_utf8() > len {
                    break;
                }
                s.push(c);
            }
            s.into_bytes()
        }
        OptionFormat::Opaque => rng.bytes(len),
    }
}

/// Random messages in their shortest encoding, as hex: requests and responses for UDP, and for
/// TCP also signals.
fn random_messages(seed: u64, count: usize, over_tcp: bool) -> Vec<String> {
    let mut rng = Rng(seed);
    let known: Vec<OptionNumber> = (0..=u16::MAX).map(OptionNumber).filter(|n| n.is_known()).collect();
    let codes =
        [Code::GET, Code::POST, Code::PUT, Code::DELETE, Code::FETCH, Code::CONTENT, Code::CHANGED, Code::NOT_FOUND];
    let mut out = Vec::new();
    while out.len() < count {
        let code = codes[rng.below(codes.len() as u64) as usize];
        let ty = [MessageType::Confirmable, MessageType::NonConfirmable, MessageType::Acknowledgement]
            [rng.below(3) as usize];
        let token_len = rng.below(9) as usize;
        let token = rng.bytes(token_len);
        let payload_len = if rng.below(2) == 0 { 0 } else { 1 + rng.below(40) as usize };
        let payload = rng.bytes(payload_len);
        let picks: Vec<(OptionNumber, Vec<u8>)> = (0..rng.below(7))
            .map(|_| {
                let n = if rng.below(8) == 0 {
                    OptionNumber(1000 + rng.below(3000) as u16)
                } else {
                    known[rng.below(known.len() as u64) as usize]
                };
                let unknown_len = rng.below(5) as usize;
                let v = if n.is_known() { value_for(&mut rng, n) } else { rng.bytes(unknown_len) };
                (n, v)
            })
            .collect();
        let mut b = MessageBuilder::<8>::new(ty, code, MessageId(rng.below(65536) as u16));
        b.token(&token).unwrap().payload(&payload);
        // SZX 7 is BERT, for TCP only (RFC 7959 §2.2, RFC 8323 §6): keep UDP blocks below it.
        let block_ok = |n: OptionNumber, v: &[u8]| {
            over_tcp || !matches!(n.0, 19 | 23 | 27 | 31) || v.last().map_or(true, |l| l & 7 != 7)
        };
        if picks.iter().any(|(n, v)| !block_ok(*n, v) || b.option(*n, v).is_err()) {
            continue; // a repeat of a non-repeatable option: not a valid message
        }
        let bytes = if over_tcp {
            let mut o = vec![0u8; tcp::encoded_len(&b)];
            tcp::encode(&b, &mut o).unwrap();
            o
        } else {
            let mut o = vec![0u8; b.encoded_len()];
            b.encode(&mut o).unwrap();
            o
        };
        out.push(bytes.iter().map(|b| format!("{b:02x}")).collect());
    }
    out
}

#[test]
fn random_valid_messages_round_trip_byte_for_byte() {
    for (proto, over_tcp) in [("coap", false), ("coap-tcp", true)] {
        let hexes = random_messages(0x9E37_79B9_7F4A_7C15 ^ u64::from(over_tcp), 3000, over_tcp);
        let input: String = hexes.iter().map(|h| format!("{h}\n")).collect();
        let (code, jsons) = wire_stdin(&["decode", proto, "-"], input.as_bytes());
        assert_eq!(code, 0);
        for (h, j) in hexes.iter().zip(jsons.lines()) {
            assert!(!j.contains("\"error\""), "{proto} {h} -> {j}");
        }
        let (code, back) = wire_stdin(&["encode", proto, "-"], jsons.as_bytes());
        assert_eq!(code, 0);
        for ((h, j), b) in hexes.iter().zip(jsons.lines()).zip(back.lines()) {
            assert_eq!(b, h, "{proto}: {j}");
        }
        assert_eq!(back.lines().count(), hexes.len());
        // A few single commands too (the non-batch path).
        for h in hexes.iter().take(20) {
            assert_eq!(&encode(proto, &decode(proto, h)), h);
        }
    }
}

#[test]
fn option_problems_decode_with_an_error_key() {
    // RFC 7252 §5.4.3 and §5.4.5: a second Content-Format, 3 bytes long.
    let v: Value = serde_json::from_str(&decode("coap", "50450001c10003010203")).unwrap();
    assert_eq!(v["options"][0], json!({"number": 12, "name": "Content-Format", "value": 0}));
    assert_eq!(v["options"][1]["error"], "RFC 7252 §5.4.5: option repeated; RFC 7252 §5.4.3: length 3 outside 0-2");
    // An ETag of 9 bytes (1-8) is shown as hex with the length rule.
    let v: Value = serde_json::from_str(&decode("coap", "40010001 49 000102030405060708")).unwrap();
    assert_eq!(v["options"][0]["value"], "000102030405060708");
    assert_eq!(v["options"][0]["error"], "RFC 7252 §5.4.3: length 9 outside 1-8");
    // A Uri-Host that is not UTF-8.
    let v: Value = serde_json::from_str(&decode("coap", "40010001 32 fffe")).unwrap();
    assert_eq!(
        (v["options"][0]["value"].as_str(), v["options"][0]["error"].as_str()),
        (Some("fffe"), Some("RFC 7252 §3.2: string value is not UTF-8"))
    );
    // A 5-byte Max-Age cannot be a uint; it prints as hex with the length rule.
    let v: Value = serde_json::from_str(&decode("coap", "60450001 d5 01 0102030405")).unwrap();
    assert_eq!(
        (v["options"][0]["value"].as_str(), v["options"][0]["error"].as_str()),
        (Some("0102030405"), Some("RFC 7252 §5.4.3: length 5 outside 0-4"))
    );
    // Signals: an unknown critical option (RFC 8323 §5.3), a Hold-Off of 4 bytes (0-3).
    let v: Value = serde_json::from_str(&decode("coap-tcp", "20e53107")).unwrap();
    assert_eq!(v["options"][0]["error"], "RFC 8323 §5.3: unknown critical signal option 3");
    let v: Value = serde_json::from_str(&decode("coap-tcp", "50e44401020304")).unwrap();
    assert_eq!(v["options"][0]["name"], "Hold-Off");
    assert_eq!(v["options"][0]["error"], "RFC 7252 §5.4.3: length 4 outside 0-3");
    // The same option numbers mean other things outside signals: option 4 is ETag in a GET.
    let v: Value = serde_json::from_str(&decode("coap-tcp", "1001 40")).unwrap();
    assert_eq!(
        (v["options"][0]["name"].as_str(), v["options"][0]["error"].as_str()),
        (Some("ETag"), Some("RFC 7252 §5.4.3: length 0 outside 1-8"))
    );
    // Over UDP, SZX 7 is reserved (RFC 7959 §2.2); over TCP it is BERT (RFC 8323 §6).
    let v: Value = serde_json::from_str(&decode("coap", "51011234aad10a7f")).unwrap();
    assert!(v["options"][0]["error"].as_str().unwrap().starts_with("RFC 7959 §2.2"));
    let v: Value = serde_json::from_str(&decode("coap-tcp", "3145aa d10a1f")).unwrap();
    assert_eq!(v["options"][0], json!({"number": 23, "name": "Block2", "value": {"num": 1, "more": true, "szx": 7}}));
}

#[test]
fn decode_refusals_cite_the_rule_and_offset() {
    for (proto, hex, want) in [
        ("coap", "81010001", "RFC 7252 §3: version 2 is not 1 (at byte 0)"),
        ("coap", "49011234", "RFC 7252 §3 / RFC 8974 §2.1: token length 9 is reserved (at byte 0)"),
        ("coap", "4101", "RFC 7252 §3: shorter than the 4-byte header (at byte 2)"),
        ("coap", "41010001", "RFC 7252 §3 / RFC 8974 §2.1: token runs past the end of the message (at byte 4)"),
        (
            "coap",
            "40000001ff",
            "RFC 7252 §4.1: empty message (0.00) with a token or bytes after the message id (at byte 4)",
        ),
        ("coap", "40010001ff", "RFC 7252 §3: payload marker without payload (at byte 4)"),
        ("coap", "40010001f100", "RFC 7252 §3.1: option delta 15 is reserved (at byte 4)"),
        ("coap", "400100011f00", "RFC 7252 §3.1: option length 15 is reserved (at byte 4)"),
        ("coap", "4001000113aa", "RFC 7252 §3.1: option runs past the end of the message (at byte 5)"),
        ("coap", "70e10001", "RFC 7252 §4.2, §4.3, §12.1: code class 7 is reserved on datagram transports (at byte 1)"),
        ("coap-tcp", "40e12204", "RFC 8323 §3.2: truncated message: 2 more bytes needed"),
        ("coap-tcp", "00e300", "RFC 8323 §3.2: 1 trailing byte after the end of the message (it ends at byte 2)"),
        ("coap-tcp", "09e1", "RFC 7252 §3 / RFC 8974 §2.1: token length 9 is reserved (at byte 0)"),
        ("coap-tcp", "", "RFC 8323 §3.2: truncated message: 1 more byte needed"),
        ("coap", "4g", "hex: invalid character 'g' at position 1"),
    ] {
        assert_eq!(refused(&["decode", proto, hex]), want, "{proto} {hex}");
    }
}

#[test]
fn encode_refuses_what_breaks_a_rule_or_the_schema() {
    let udp = |extra: Value| {
        let mut v = json!({"type": "CON", "code": "0.01", "message_id": 1});
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        refused(&["encode", "coap", &v.to_string()])
    };
    assert_eq!(
        udp(json!({"options": [{"number": 7, "value": 70000}]})),
        "RFC 7252 §5.4.3: Uri-Port (7): length 3 outside 0-2"
    );
    assert_eq!(
        udp(json!({"options": [{"number": 6, "value": 1}, {"number": 6, "value": 2}]})),
        "RFC 7252 §5.4.5: Observe (6) is not repeatable"
    );
    assert_eq!(
        udp(json!({"options": [{"number": 35, "value": ""}]})),
        "RFC 7252 §5.4.3: Proxy-Uri (35): length 0 outside 1-1034"
    );
    assert_eq!(
        udp(json!({"token": "000102030405060708"})),
        "RFC 7252 §3 / RFC 8974 §2.1: a token of 9 bytes cannot be encoded"
    );
    assert_eq!(
        udp(json!({"code": "6.01"})),
        "RFC 7252 §4.2, §4.3, §12.1: code class 6 is reserved on datagram transports"
    );
    assert_eq!(
        udp(json!({"code": "0.00", "token": "01"})),
        "RFC 7252 §4.1: empty message (0.00) with a token or bytes after the message id"
    );
    assert_eq!(
        udp(json!({"code": "2.5"})),
        "json: code: expected \"c.dd\" with class 0-7 and detail 00-31, got \"2.5\""
    );
    assert_eq!(udp(json!({"message_id": 65536})), "json: message_id: expected an integer 0..=65535, got a number");
    assert_eq!(
        udp(json!({"options": [{"number": 11, "value": 3}]})),
        "json: options[0].value: expected a string, got a number"
    );
    assert_eq!(
        udp(json!({"options": [{"number": 4, "value": "zz"}]})),
        "json: options[0].value: bad hex: invalid character 'z' at position 0"
    );
    assert_eq!(
        udp(json!({"options": [{"number": 23, "value": {"num": 1048576, "more": false, "szx": 0}}]})),
        "json: options[0].value.num: expected an integer 0..=1048575, got a number"
    );
    assert_eq!(
        udp(json!({"options": [{"number": 23, "value": 5}]})),
        "json: options[0].value: expected an object, got a number"
    );
    assert_eq!(udp(json!({"options": [{"value": 5}]})), "json: options[0].number: missing field");
    assert_eq!(
        udp(json!({"options": [{"number": 11, "value": "a", "colour": 1}]})),
        "json: options[0].colour: unknown field"
    );
    assert_eq!(udp(json!({"payload": "00", "payload_text": "x"})), "json: payload_text: does not match payload");
    let tcp = |v: Value| refused(&["encode", "coap-tcp", &v.to_string()]);
    assert_eq!(
        tcp(json!({"type": "signal", "code": "0.01"})),
        "json: type: \"signal\" does not match code 0.01 (a request over TCP)"
    );
    assert_eq!(
        tcp(json!({"type": "signal", "code": "7.01", "options": [{"number": 4, "value": "00"}]})),
        "json: options[0].value: expected null (an empty option), got a string"
    );
    assert_eq!(
        tcp(json!({"type": "signal", "code": "7.04", "options": [{"number": 2, "value": ""}]})),
        "RFC 7252 §5.4.3: Alternative-Address (2): length 0 outside 1-255"
    );
    assert_eq!(
        tcp(json!({"type": "request", "code": "0.01", "token": "00000000000000000000000000"})),
        "RFC 8323 §3.2: a token of 13 bytes cannot be encoded (0-8 bytes)"
    );
    assert_eq!(tcp(json!({"type": "request", "code": "0.01", "message_id": 1})), "json: message_id: unknown field");
}

#[test]
fn editing_fields_changes_the_hex_accordingly() {
    // RFC 7252 Figure 16's request; change the id, add a token and options out of order.
    let mut v: Value = serde_json::from_str(&decode("coap", "40017d34bb74656d7065726174757265")).unwrap();
    v["message_id"] = json!(0x7d35);
    v["token"] = json!("20");
    v["options"].as_array_mut().unwrap().insert(0, json!({"number": 17, "value": 0}));
    v["options"].as_array_mut().unwrap().push(json!({"number": 3, "value": "h"}));
    // Written in number order: Uri-Host (3), Uri-Path (11), Accept (17, uint 0 is empty).
    assert_eq!(encode("coap", &v.to_string()), "41017d352031688b74656d706572617475726560");
    // The same message over TCP: no type or id; Len counts options and payload.
    let mut t = v.clone();
    t.as_object_mut().unwrap().remove("message_id");
    t["type"] = json!("request");
    assert_eq!(encode("coap-tcp", &t.to_string()), "d102012031688b74656d706572617475726560");
}
