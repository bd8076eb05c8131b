//! Every message the report counts is the smallest the spec allows for its content: each
//! length is compared with one computed here by hand from the spec's layout, not from the
//! encoders.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use mqtt_codec::wire::Version;
use reports::overhead::lwm2m::{self, Format};
use reports::overhead::mqtt::{self, Qos, TopicForm, CLIENT_ID, TOPIC};
use reports::overhead::payload::Payload;
use reports::overhead::{coap, Msg};

/// MQTT §2.2.3 (3.1.1) / §1.5.5 (5.0): the fewest bytes of a Variable Byte Integer.
fn varint_len(n: usize) -> usize {
    match n {
        0..=127 => 1,
        128..=16_383 => 2,
        16_384..=2_097_151 => 3,
        _ => 4,
    }
}

/// A packet of `rest` bytes after the fixed header: type byte, minimal Remaining Length, rest.
fn mqtt_packet(rest: usize) -> usize {
    1 + varint_len(rest) + rest
}

/// RFC 7252 §3.2: the fewest bytes of a uint option value.
fn uint_len(v: u32) -> usize {
    match v {
        0 => 0,
        1..=0xFF => 1,
        0x100..=0xFFFF => 2,
        0x1_0000..=0xFF_FFFF => 3,
        _ => 4,
    }
}

/// RFC 7252 §3.1: an option of `len` value bytes `delta` after the previous one, with the
/// fewest extended bytes (delta and length each: <13 none, <269 one, else two).
fn option(delta: usize, len: usize) -> usize {
    let ext = |v: usize| {
        if v < 13 {
            0
        } else if v < 269 {
            1
        } else {
            2
        }
    };
    1 + ext(delta) + ext(len) + len
}

fn lens(msgs: &[Msg]) -> Vec<usize> {
    msgs.iter().map(Msg::len).collect()
}

#[test]
fn mqtt_publish_and_acks_are_minimal_in_both_versions() {
    for p in Payload::ALL {
        let body = p.encode().unwrap();
        for (qos, pid) in [(Qos::Zero, 0), (Qos::One, 2), (Qos::Two, 2)] {
            // 3.1.1 §3.3: topic (2 + len), packet id when QoS > 0, payload; no properties.
            let publish = mqtt_packet(2 + TOPIC.len() + pid + body.len());
            let acks = match qos {
                Qos::Zero => vec![],
                Qos::One => vec![4],
                Qos::Two => vec![4, 4, 4],
            };
            let got = mqtt::report(Version::V311, qos, TopicForm::Full, &body).unwrap();
            assert_eq!(lens(&got), [vec![publish], acks.clone()].concat(), "3.1.1 QoS {qos:?} {p:?}");
            // Remaining Length in its minimal form: the byte after the type is the length itself.
            assert_eq!(usize::from(got[0].bytes[1]), got[0].len() - 2);
            if qos == Qos::Two {
                continue;
            }
            // 5.0 §3.3.2.3: the Property Length (1 byte for 0) is mandatory in PUBLISH; §3.4.2.1:
            // a Success PUBACK without properties leaves out reason and Property Length.
            let v5 = |topic: usize, props: usize| mqtt_packet(2 + topic + pid + 1 + props + body.len());
            for (form, want) in [
                (TopicForm::Full, v5(TOPIC.len(), 0)),
                // Topic Alias: identifier 0x23 and a two-byte integer (§3.3.2.3.4).
                (TopicForm::AliasFirst, v5(TOPIC.len(), 3)),
                (TopicForm::AliasSteady, v5(0, 3)),
            ] {
                let got = mqtt::report(Version::V5, qos, form, &body).unwrap();
                assert_eq!(lens(&got), [vec![want], acks.clone()].concat(), "5.0 {form:?} QoS {qos:?} {p:?}");
            }
        }
    }
}

#[test]
fn mqtt_remaining_length_grows_to_two_bytes_only_at_128() {
    for (extra, rl_bytes) in [(127, 1), (128, 2)] {
        // QoS 0, 3.1.1: Remaining Length = 2 + topic + payload.
        let payload = vec![0u8; extra - 2 - TOPIC.len()];
        let got = mqtt::report(Version::V311, Qos::Zero, TopicForm::Full, &payload).unwrap();
        assert_eq!(got[0].len(), 1 + rl_bytes + extra, "Remaining Length {extra}");
    }
}

#[test]
fn mqtt_connection_packets_are_minimal() {
    // CONNECT variable header: protocol name (2 + 4), level, flags, keep alive (2); payload:
    // client id (2 + len); 5.0 adds Property Length 0 (§3.1.2.11).
    let connect = |props: usize| mqtt_packet(6 + 1 + 1 + 2 + props + 2 + CLIENT_ID.len());
    assert_eq!(lens(&mqtt::open(Version::V311, false).unwrap()), [connect(0), 4]);
    // 5.0 CONNACK: flags, reason, Property Length (mandatory, §3.2.2.3); Topic Alias Maximum
    // is 0x22 + two bytes.
    assert_eq!(lens(&mqtt::open(Version::V5, false).unwrap()), [connect(1), mqtt_packet(3)]);
    assert_eq!(lens(&mqtt::open(Version::V5, true).unwrap()), [connect(1), mqtt_packet(3 + 3)]);
    // DISCONNECT: 5.0 §3.14.2.1 lets Normal disconnection without properties be empty.
    for v in [Version::V311, Version::V5] {
        assert_eq!(lens(&mqtt::close(v).unwrap()), [2]);
        assert_eq!(lens(&mqtt::ping(v).unwrap()), [2, 2]);
    }
}

/// A UDP CoAP message: header 4, token, options, payload marker and payload.
fn coap_udp(token: usize, options: usize, payload: usize) -> usize {
    4 + token + options + if payload == 0 { 0 } else { 1 + payload }
}

#[test]
fn coap_udp_requests_and_acks_are_minimal() {
    for p in Payload::ALL {
        let body = p.encode().unwrap();
        let cf = u32::from(p.content_format());
        // Uri-Path (11) then Content-Format (12): deltas 11 and 1.
        let opts = option(11, coap::PATH.len()) + option(1, uint_len(cf));
        // No-Response is 258: delta 246 from 12 takes one extended byte (RFC 7252 §3.1).
        let no_response = option(258 - 12, uint_len(coap::NO_RESPONSE_ALL));
        for token in [&coap::TOKEN[..], &[]] {
            let t = token.len();
            let con = coap::con_post(token, p.content_format(), &body).unwrap();
            assert_eq!(lens(&con), [coap_udp(t, opts, body.len()), coap_udp(t, 0, 0)], "CON {p:?} token {t}");
            let non = coap::non_post(token, p.content_format(), &body).unwrap();
            assert_eq!(lens(&non), [coap_udp(t, opts + no_response, body.len())], "NON {p:?} token {t}");
        }
    }
}

#[test]
fn coap_tcp_frames_are_minimal() {
    // RFC 8323 §3.2: Len/TKL byte, Len's extension (none up to 12, one byte to 268), code,
    // token (empty here), then options, marker and payload.
    let frame = |body: usize| 1 + if body < 13 { 0 } else { 1 } + 1 + body;
    for p in Payload::ALL {
        let body = p.encode().unwrap();
        let opts = option(11, coap::PATH.len()) + option(1, uint_len(p.content_format().into()));
        let got = coap::tcp_post(p.content_format(), &body).unwrap();
        assert_eq!(lens(&got), [frame(opts + 1 + body.len()), frame(0)], "{p:?}");
    }
    // The device's CSM says nothing (defaults, RFC 8323 §5.3.1); the server's carries
    // Max-Message-Size 8192 (option 2, two bytes) and Block-Wise-Transfer (option 4, empty).
    assert_eq!(lens(&coap::csm().unwrap()), [frame(0), frame(option(2, 2) + option(2, 0))]);
    assert_eq!(lens(&coap::ping().unwrap()), [frame(0), frame(0)]);
}

#[test]
fn lwm2m_payloads_are_minimal() {
    // TLV (LwM2M Core 1.2 §7.4.3): type byte, 16-bit identifier (5700 > 255), length in the
    // type byte (4 <= 7), value as a 4-byte float (21.5 is exact in binary32).
    assert_eq!(Format::Tlv.encode().unwrap().len(), 1 + 2 + 4);
    // SenML CBOR (RFC 8428 §6): array(1), map(2), label -2 (one byte), text(12) with a one-byte
    // head, label 2, half float (RFC 8949 §3.3: 21.5 is exact in binary16).
    let name = "/3303/0/5700".len();
    assert_eq!(Format::SenmlCbor.encode().unwrap().len(), 1 + 1 + 1 + (1 + name) + 1 + 3);
    // LwM2M CBOR: map(1), key array(3) of 3303 (3 B), 0 (1 B), 5700 (3 B), half float.
    assert_eq!(Format::Lwm2mCbor.encode().unwrap().len(), 1 + 1 + 3 + 1 + 3 + 3);
}

#[test]
fn lwm2m_notify_and_send_are_minimal() {
    for f in Format::NOTIFY {
        let body = f.encode().unwrap();
        let cf = uint_len(f.content_format().into());
        // Observe (6) then Content-Format (12): deltas 6 and 6.
        let opts = option(6, uint_len(lwm2m::OBSERVE_SEQUENCE)) + option(6, cf);
        let notify = coap_udp(lwm2m::OBSERVE_TOKEN.len(), opts, body.len());
        assert_eq!(lens(&lwm2m::notify(f, false, &body).unwrap()), [notify], "NON {f:?}");
        // The empty ACK is the bare 4-byte header (RFC 7252 §4.1).
        assert_eq!(lens(&lwm2m::notify(f, true, &body).unwrap()), [notify, 4], "CON {f:?}");
    }
    for f in Format::SEND {
        let body = f.encode().unwrap();
        let t = lwm2m::SEND_TOKEN.len();
        let opts = option(11, 2) + option(1, uint_len(f.content_format().into()));
        assert_eq!(lens(&lwm2m::send(f, &body).unwrap()), [coap_udp(t, opts, body.len()), coap_udp(t, 0, 0)]);
    }
}
