//! Byte vectors for MQTT 3.1.1 (and the MQTT 3.1 `MQIsdp` CONNECT): every packet type, decoded and
//! encoded, one table row each. The 3.1.1 spec's own examples are marked with their figure; the
//! rest are hand-written. Also: the Variable Byte Integer table, every reason code byte, and the
//! 3.1.1 CONNACK return codes. MQTT 5.0 vectors are in `vectors_v5.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::collections::BTreeSet;
use std::num::NonZeroUsize;

use common::{filter, hex, id, sub, to_hex, topic};
use mqtt_codec::topic::TopicName;
use mqtt_codec::wire::Packet as P;
use mqtt_codec::wire::*;

fn will<'a>(t: &'a str, payload: &'a [u8], qos: Qos, retain: bool) -> Option<Will<'a>> {
    Some(Will { topic: topic(t), payload, qos, retain, properties: List::EMPTY })
}

fn publish<'a>(qos: QosPid, t: &'a str, payload: &'a [u8]) -> Publish<'a> {
    Publish { qos, ..Publish::new(topic(t), payload) }
}

const V311: Protocol = Protocol::Mqtt311;

vectors! {
    // 3.1.1 §3.1.2.10 Figure 3.6: the variable header example (level 4, flags 0xCE: user name,
    // password, will QoS 1, will flag, clean session; keep alive 10), with a payload for each flag.
    connect_v311_spec_example(V311): "10 1b  00 04 4d 51 54 54  04  ce  00 0a  00 01 63  00 01 77  00 03 62 79 65 \
                                      00 01 75  00 01 70"
        => P::Connect(Connect {
            keep_alive: 10, client_id: "c", will: will("w", b"bye", Qos::AtLeastOnce, false),
            username: Some("u"), password: Some(b"p"), ..Connect::new(V311)
        });
    connect_v311_minimal(V311): "10 0c  00 04 4d 51 54 54  04  02  00 3c  00 00" => P::Connect(Connect::new(V311));
    // CONNECT names its own layout: the same bytes decode identically under 5.0 options.
    connect_v311_under_v5_options(V5): "10 0c  00 04 4d 51 54 54  04  02  00 3c  00 00"
        => P::Connect(Connect::new(V311));
    connect_v311_will_qos2_retain(V311): "10 13  00 04 4d 51 54 54  04  34  00 00  00 02 69 64  00 01 74  00 00"
        => P::Connect(Connect {
            clean_start: false, keep_alive: 0, client_id: "id", will: will("t", b"", Qos::ExactlyOnce, true),
            ..Connect::new(V311)
        });
    connect_v311_username_only(V311): "10 13  00 04 4d 51 54 54  04  82  00 3c  00 01 78  00 04 75 73 65 72"
        => P::Connect(Connect { client_id: "x", username: Some("user"), ..Connect::new(V311) });
    // MQTT 3.1: protocol name "MQIsdp", level 3, 3.1.1 layout.
    connect_v31_mqisdp(V311): "10 11  00 06 4d 51 49 73 64 70  03  02  00 3c  00 03 61 62 63"
        => P::Connect(Connect { client_id: "abc", ..Connect::new(Protocol::Mqtt31) });
    connect_v31_credentials(V311): "10 18  00 06 4d 51 49 73 64 70  03  c0  00 1e  00 03 61 62 63  00 01 75 \
                                    00 02 70 77"
        => P::Connect(Connect {
            clean_start: false, keep_alive: 30, client_id: "abc", username: Some("u"), password: Some(b"pw"),
            ..Connect::new(Protocol::Mqtt31)
        });

    // 3.1.1 §3.2.2.3 Table 3.1: return codes 0-5 stand for the 5.0 reasons with the same meaning.
    connack_v311_accepted(V311): "20 02 00 00" => P::ConnAck(ConnAck::new(ReasonCode::Success));
    connack_v311_session_present(V311): "20 02 01 00"
        => P::ConnAck(ConnAck { session_present: true, ..ConnAck::new(ReasonCode::Success) });
    connack_v311_rc1_protocol_version(V311): "20 02 00 01"
        => P::ConnAck(ConnAck::new(ReasonCode::UnsupportedProtocolVersion));
    connack_v311_rc2_identifier_rejected(V311): "20 02 00 02"
        => P::ConnAck(ConnAck::new(ReasonCode::ClientIdentifierNotValid));
    connack_v311_rc3_server_unavailable(V311): "20 02 00 03"
        => P::ConnAck(ConnAck::new(ReasonCode::ServerUnavailable));
    connack_v311_rc4_bad_credentials(V311): "20 02 00 04"
        => P::ConnAck(ConnAck::new(ReasonCode::BadUserNameOrPassword));
    connack_v311_rc5_not_authorized(V311): "20 02 00 05" => P::ConnAck(ConnAck::new(ReasonCode::NotAuthorized));

    // 3.1.1 §3.3.2.3 Figure 3.11: topic "a/b", packet id 10 (zero-length payload, which is valid).
    publish_v311_spec_example(V311): "32 07  00 03 61 2f 62  00 0a"
        => P::Publish(publish(QosPid::AtLeastOnce(id(10)), "a/b", b""));
    publish_v311_qos0(V311): "30 07  00 03 61 2f 62  68 69" => P::Publish(publish(QosPid::AtMostOnce, "a/b", b"hi"));
    publish_v311_qos0_retain(V311): "31 05  00 03 61 2f 62"
        => P::Publish(Publish { retain: true, ..publish(QosPid::AtMostOnce, "a/b", b"") });
    publish_v311_qos2_dup_retain(V311): "3d 09  00 03 61 2f 62  00 0a  68 69"
        => P::Publish(Publish { dup: true, retain: true, ..publish(QosPid::ExactlyOnce(id(10)), "a/b", b"hi") });
    // MQTT-1.5.3-3: a leading BOM (EF BB BF) is kept as U+FEFF, not stripped.
    publish_v311_bom_kept(V311): "30 06  00 04 ef bb bf 61"
        => P::Publish(publish(QosPid::AtMostOnce, "\u{feff}a", b""));
    publish_v311_dollar_and_empty_levels(V311): "30 09  00 07 24 53 59 53 2f 2f 78"
        => P::Publish(publish(QosPid::AtMostOnce, "$SYS//x", b""));

    puback_v311(V311): "40 02  00 07" => P::PubAck(PubAck::new(id(7)));
    pubrec_v311(V311): "50 02  ff ff" => P::PubRec(PubRec::new(id(65_535)));
    pubrel_v311(V311): "62 02  00 07" => P::PubRel(PubRel::new(id(7)));
    pubcomp_v311(V311): "70 02  01 00" => P::PubComp(PubComp::new(id(256)));

    // 3.1.1 §3.8.2.1 Figure 3.21 (packet id 10) and §3.8.3.1 Figure 3.23 ("a/b" QoS 1, "c/d" QoS 2).
    subscribe_v311_spec_example(V311): "82 0e  00 0a  00 03 61 2f 62  01  00 03 63 2f 64  02"
        => P::Subscribe(Subscribe::new(id(10), List::new(&[sub("a/b", Qos::AtLeastOnce), sub("c/d", Qos::ExactlyOnce)])));
    subscribe_v311_wildcards(V311): "82 1b  00 02  00 05 2b 2f 78 2f 23  00  00 0a 24 73 68 61 72 65 2f 67 2f 61  02 \
                                     00 01 2f  01"
        => P::Subscribe(Subscribe::new(id(2), List::new(&[
            sub("+/x/#", Qos::AtMostOnce), sub("$share/g/a", Qos::ExactlyOnce), sub("/", Qos::AtLeastOnce),
        ])));
    // 3.1.1 §3.9.3.1 Figure 3.27: "Success - Maximum QoS 0", "Success - Maximum QoS 2", "Failure".
    suback_v311_spec_example(V311): "90 05  00 0a  00 02 80"
        => P::SubAck(SubAck::new(id(10), List::new(&[
            ReasonCode::Success, ReasonCode::GrantedQos2, ReasonCode::UnspecifiedError,
        ])));
    suback_v311_qos1(V311): "90 03  00 01  01" => P::SubAck(SubAck::new(id(1), List::new(&[ReasonCode::GrantedQos1])));
    // 3.1.1 §3.10.3.1 Figure 3.30: "a/b", "c/d".
    unsubscribe_v311_spec_example(V311): "a2 0c  00 0a  00 03 61 2f 62  00 03 63 2f 64"
        => P::Unsubscribe(Unsubscribe::new(id(10), List::new(&[filter("a/b"), filter("c/d")])));
    unsuback_v311(V311): "b0 02  00 0a" => P::UnsubAck(UnsubAck::new(id(10), List::EMPTY));
    pingreq_v311(V311): "c0 00" => P::PingReq;
    pingresp_v311(V311): "d0 00" => P::PingResp;
    disconnect_v311(V311): "e0 00" => P::Disconnect(Disconnect::new(ReasonCode::Success));
}

#[test]
fn every_packet_type_has_a_v311_vector() {
    let mut seen = BTreeSet::new();
    let mut mqisdp = false;
    for &(name, v, input) in ROWS {
        let bytes = hex(input);
        let Ok(Status::Complete { item, .. }) = decode_packet(&bytes, &DecodeOptions::new(v)) else {
            panic!("{name} does not decode");
        };
        if let P::Connect(c) = item {
            mqisdp |= c.protocol == Protocol::Mqtt31;
        }
        if v == Version::V311 {
            seen.insert(item.packet_type() as u8);
        }
    }
    // Every type but AUTH (15), which 3.1.1 does not have.
    assert_eq!(seen, (1..=14).collect::<BTreeSet<u8>>());
    assert!(mqisdp, "no MQTT 3.1 CONNECT vector");
}

/// 3.1.1 §2.2.3 Table 2.4 and 5.0 §1.5.5 Table 1-1: the smallest and largest value of each length.
const VBI_TABLE: &[(u32, &str)] = &[
    (0, "00"),
    (127, "7f"),
    (128, "80 01"),
    (16_383, "ff 7f"),
    (16_384, "80 80 01"),
    (2_097_151, "ff ff 7f"),
    (2_097_152, "80 80 80 01"),
    (268_435_455, "ff ff ff 7f"),
];

#[test]
fn remaining_length_spec_table() {
    let opts = DecodeOptions::new(Version::V311);
    for &(value, bytes) in VBI_TABLE {
        let vbi = hex(bytes);
        let len = value as usize;
        // Decoding a fixed header alone tells exactly how many body bytes are missing.
        let header: Vec<u8> = [0xE0].iter().chain(&vbi).copied().collect();
        let status = decode_packet(&header, &opts).unwrap();
        match NonZeroUsize::new(len) {
            None => assert_eq!(status, Status::Complete { item: P::Disconnect(Disconnect::default()), consumed: 2 }),
            Some(n) => assert_eq!(status, Status::Partial(Needed::AtLeast(n)), "{bytes}"),
        }
        if len < 3 {
            continue;
        }
        // Encoding: a QoS 0 PUBLISH to "a" whose Remaining Length is `value`. The zeroed payload
        // of the largest one is never touched, so it costs no memory.
        let payload = vec![0u8; len - 3];
        let p = P::Publish(Publish::new(topic("a"), &payload));
        let total = 1 + vbi.len() + len;
        assert_eq!(p.encoded_len(Version::V311), total, "{bytes}");
        if len > 2_097_152 {
            let mut small = [0xAA; 8];
            assert_eq!(p.encode(Version::V311, &mut small), Err(EncodeError::BufferTooSmall { required: total }));
            assert_eq!(small, [0xAA; 8]);
            continue;
        }
        let out = common::encode(&p, Version::V311);
        let head: Vec<u8> = [0x30].iter().chain(&vbi).chain(&[0x00, 0x01, b'a']).copied().collect();
        assert_eq!(to_hex(&out[..head.len()]), to_hex(&head), "{bytes}");
        assert_eq!(decode_packet(&out, &opts), Ok(Status::Complete { item: p, consumed: total }));
    }
}

/// 5.0 §2.4 Table 2-6, in order.
const REASON_CODES: &[(u8, ReasonCode, &str)] = &[
    (0x00, ReasonCode::Success, "Success"),
    (0x01, ReasonCode::GrantedQos1, "Granted QoS 1"),
    (0x02, ReasonCode::GrantedQos2, "Granted QoS 2"),
    (0x04, ReasonCode::DisconnectWithWillMessage, "Disconnect with Will Message"),
    (0x10, ReasonCode::NoMatchingSubscribers, "No matching subscribers"),
    (0x11, ReasonCode::NoSubscriptionExisted, "No subscription existed"),
    (0x18, ReasonCode::ContinueAuthentication, "Continue authentication"),
    (0x19, ReasonCode::ReAuthenticate, "Re-authenticate"),
    (0x80, ReasonCode::UnspecifiedError, "Unspecified error"),
    (0x81, ReasonCode::MalformedPacket, "Malformed Packet"),
    (0x82, ReasonCode::ProtocolError, "Protocol Error"),
    (0x83, ReasonCode::ImplementationSpecificError, "Implementation specific error"),
    (0x84, ReasonCode::UnsupportedProtocolVersion, "Unsupported Protocol Version"),
    (0x85, ReasonCode::ClientIdentifierNotValid, "Client Identifier not valid"),
    (0x86, ReasonCode::BadUserNameOrPassword, "Bad User Name or Password"),
    (0x87, ReasonCode::NotAuthorized, "Not authorized"),
    (0x88, ReasonCode::ServerUnavailable, "Server unavailable"),
    (0x89, ReasonCode::ServerBusy, "Server busy"),
    (0x8A, ReasonCode::Banned, "Banned"),
    (0x8B, ReasonCode::ServerShuttingDown, "Server shutting down"),
    (0x8C, ReasonCode::BadAuthenticationMethod, "Bad authentication method"),
    (0x8D, ReasonCode::KeepAliveTimeout, "Keep Alive timeout"),
    (0x8E, ReasonCode::SessionTakenOver, "Session taken over"),
    (0x8F, ReasonCode::TopicFilterInvalid, "Topic Filter invalid"),
    (0x90, ReasonCode::TopicNameInvalid, "Topic Name invalid"),
    (0x91, ReasonCode::PacketIdentifierInUse, "Packet Identifier in use"),
    (0x92, ReasonCode::PacketIdentifierNotFound, "Packet Identifier not found"),
    (0x93, ReasonCode::ReceiveMaximumExceeded, "Receive Maximum exceeded"),
    (0x94, ReasonCode::TopicAliasInvalid, "Topic Alias invalid"),
    (0x95, ReasonCode::PacketTooLarge, "Packet too large"),
    (0x96, ReasonCode::MessageRateTooHigh, "Message rate too high"),
    (0x97, ReasonCode::QuotaExceeded, "Quota exceeded"),
    (0x98, ReasonCode::AdministrativeAction, "Administrative action"),
    (0x99, ReasonCode::PayloadFormatInvalid, "Payload format invalid"),
    (0x9A, ReasonCode::RetainNotSupported, "Retain not supported"),
    (0x9B, ReasonCode::QosNotSupported, "QoS not supported"),
    (0x9C, ReasonCode::UseAnotherServer, "Use another server"),
    (0x9D, ReasonCode::ServerMoved, "Server moved"),
    (0x9E, ReasonCode::SharedSubscriptionsNotSupported, "Shared Subscriptions not supported"),
    (0x9F, ReasonCode::ConnectionRateExceeded, "Connection rate exceeded"),
    (0xA0, ReasonCode::MaximumConnectTime, "Maximum connect time"),
    (0xA1, ReasonCode::SubscriptionIdentifiersNotSupported, "Subscription Identifiers not supported"),
    (0xA2, ReasonCode::WildcardSubscriptionsNotSupported, "Wildcard Subscriptions not supported"),
];

#[test]
fn reason_code_try_from_every_byte() {
    for v in 0..=255u8 {
        let row = REASON_CODES.iter().find(|(value, ..)| *value == v);
        match (ReasonCode::try_from(v), row) {
            (Ok(rc), Some(&(_, expected, name))) => {
                assert_eq!(rc, expected);
                assert_eq!((rc.value(), u8::from(rc), rc.name()), (v, v, name));
                assert_eq!(rc.is_error(), v >= 0x80, "{rc:?}");
            }
            (Err(e), None) => assert_eq!(e, Malformed::UnknownReasonCode(v)),
            (got, want) => panic!("{v:#04x}: decoded {got:?}, table says {want:?}"),
        }
    }
    assert_eq!(REASON_CODES.len(), 43);
}

#[test]
fn connack_v311_return_codes_map_to_reason_codes() {
    // 3.1.1 §3.2.2.3 Table 3.1.
    let table = [
        ReasonCode::Success,
        ReasonCode::UnsupportedProtocolVersion,
        ReasonCode::ClientIdentifierNotValid,
        ReasonCode::ServerUnavailable,
        ReasonCode::BadUserNameOrPassword,
        ReasonCode::NotAuthorized,
    ];
    for code in 0..=255u8 {
        match table.get(usize::from(code)) {
            Some(&rc) => {
                assert_eq!(ReasonCode::from_connack_return_code_v3(code), Ok(rc));
                assert_eq!(rc.connack_return_code_v3(), Some(code));
            }
            None => {
                assert_eq!(
                    ReasonCode::from_connack_return_code_v3(code),
                    Err(Malformed::ReservedConnAckReturnCode(code))
                )
            }
        }
    }
    for &(_, rc, _) in REASON_CODES.iter().filter(|(_, rc, _)| !table.contains(rc)) {
        assert_eq!(rc.connack_return_code_v3(), None, "{rc:?}");
    }
}

#[test]
fn topic_name_alias_only_is_the_empty_name() {
    assert_eq!(TopicName::alias_only().as_str(), "");
    assert_eq!(TopicName::new(""), Err(Malformed::EmptyTopicName));
}
