//! Byte vectors for MQTT 5.0: every packet type (AUTH included), decoded and encoded, one table row
//! each. The 5.0 spec's own examples are marked with their section; the rest are hand-written so
//! that each of the 27 properties appears in a packet allowed to carry it, and every short form of
//! the reason-code packets is covered. 3.1.1 vectors are in `vectors.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use common::{filter, hex, id, sub, topic};
use mqtt_codec::topic::TopicName;
use mqtt_codec::wire::Packet as P;
use mqtt_codec::wire::Property as Pr;
use mqtt_codec::wire::*;

const V5: Protocol = Protocol::Mqtt5;

fn will<'a>(t: &'a str, payload: &'a [u8], qos: Qos, retain: bool, properties: &'a [Property<'a>]) -> Option<Will<'a>> {
    Some(Will { topic: topic(t), payload, qos, retain, properties: List::new(properties) })
}

fn publish<'a>(qos: QosPid, t: TopicName<'a>, properties: &'a [Property<'a>], payload: &'a [u8]) -> Publish<'a> {
    Publish { qos, properties: List::new(properties), ..Publish::new(t, payload) }
}

fn ack<'a>(n: u16, reason_code: ReasonCode, properties: &'a [Property<'a>]) -> (PacketId, ReasonCode, Properties<'a>) {
    (id(n), reason_code, List::new(properties))
}

fn puback((packet_id, reason_code, properties): (PacketId, ReasonCode, Properties<'_>)) -> P<'_> {
    P::PubAck(PubAck { packet_id, reason_code, properties })
}
fn pubrec((packet_id, reason_code, properties): (PacketId, ReasonCode, Properties<'_>)) -> P<'_> {
    P::PubRec(PubRec { packet_id, reason_code, properties })
}
fn pubrel((packet_id, reason_code, properties): (PacketId, ReasonCode, Properties<'_>)) -> P<'_> {
    P::PubRel(PubRel { packet_id, reason_code, properties })
}
fn pubcomp((packet_id, reason_code, properties): (PacketId, ReasonCode, Properties<'_>)) -> P<'_> {
    P::PubComp(PubComp { packet_id, reason_code, properties })
}

fn options(
    qos: Qos,
    no_local: bool,
    retain_as_published: bool,
    retain_handling: RetainHandling,
) -> SubscriptionOptions {
    SubscriptionOptions { qos, no_local, retain_as_published, retain_handling }
}

vectors! {
    // 5.0 §3.1.2.11 "Variable Header example" (level 5, flags 0xCE, keep alive 10, Session Expiry
    // Interval 10), with a payload for each flag (empty Will Properties).
    connect_v5_spec_example(V5): "10 22  00 04 4d 51 54 54  05  ce  00 0a  05 11 00 00 00 0a  00 01 63  00 \
                                  00 01 77  00 03 62 79 65  00 01 75  00 01 70"
        => P::Connect(Connect {
            keep_alive: 10, properties: List::new(&[Pr::SessionExpiryInterval(10)]), client_id: "c",
            will: will("w", b"bye", Qos::AtLeastOnce, false, &[]), username: Some("u"), password: Some(b"p"),
            ..Connect::new(V5)
        });
    connect_v5_minimal(V5): "10 0d  00 04 4d 51 54 54  05  02  00 3c  00  00 00" => P::Connect(Connect::new(V5));
    connect_v5_properties(V5): "10 30  00 04 4d 51 54 54  05  02  00 3c  20 21 00 14 27 00 00 04 00 22 00 0a 19 01 \
                                17 00 26 00 01 6b 00 01 76 15 00 02 61 6d 16 00 02 01 02  00 03 64 65 76"
        => P::Connect(Connect {
            client_id: "dev",
            properties: List::new(&[
                Pr::ReceiveMaximum(20), Pr::MaximumPacketSize(1024), Pr::TopicAliasMaximum(10),
                Pr::RequestResponseInformation(true), Pr::RequestProblemInformation(false),
                Pr::UserProperty("k", "v"), Pr::AuthenticationMethod("am"), Pr::AuthenticationData(&[1, 2]),
            ]),
            ..Connect::new(V5)
        });
    connect_v5_will_properties(V5): "10 3d  00 04 4d 51 54 54  05  2e  00 00  00  00 01 64  23 18 00 00 00 05 01 01 \
                                     02 00 00 00 3c 03 00 04 74 65 78 74 08 00 01 72 09 00 02 ab cd 26 00 01 6b 00 01 \
                                     76  00 03 77 2f 74  00 04 67 6f 6e 65"
        => P::Connect(Connect {
            keep_alive: 0, client_id: "d",
            will: will("w/t", b"gone", Qos::AtLeastOnce, true, &[
                Pr::WillDelayInterval(5), Pr::PayloadFormatIndicator(true), Pr::MessageExpiryInterval(60),
                Pr::ContentType("text"), Pr::ResponseTopic(topic("r")), Pr::CorrelationData(&[0xab, 0xcd]),
                Pr::UserProperty("k", "v"),
            ]),
            ..Connect::new(V5)
        });
    // 5.0 §3.1.2.9 drops the 3.1.1 rule: a Password without a User Name is allowed.
    connect_v5_password_without_username(V5): "10 11  00 04 4d 51 54 54  05  42  00 3c  00  00 00  00 02 01 02"
        => P::Connect(Connect { password: Some(&[1, 2]), ..Connect::new(V5) });

    connack_v5_success(V5): "20 03  00  00  00" => P::ConnAck(ConnAck::new(ReasonCode::Success));
    connack_v5_session_present(V5): "20 03  01  00  00"
        => P::ConnAck(ConnAck { session_present: true, ..ConnAck::new(ReasonCode::Success) });
    connack_v5_not_authorized(V5): "20 03  00  87  00" => P::ConnAck(ConnAck::new(ReasonCode::NotAuthorized));
    connack_v5_properties(V5): "20 3d  00  00  3a 11 ff ff ff ff 12 00 06 61 75 74 6f 2d 31 13 00 1e 1a 00 05 72 65 \
                                73 70 2f 1f 00 02 6f 6b 21 00 64 22 00 08 24 01 25 00 26 00 01 61 00 01 62 27 00 01 \
                                00 00 28 00 29 01 2a 00"
        => P::ConnAck(ConnAck {
            properties: List::new(&[
                Pr::SessionExpiryInterval(u32::MAX), Pr::AssignedClientIdentifier("auto-1"), Pr::ServerKeepAlive(30),
                Pr::ResponseInformation("resp/"), Pr::ReasonString("ok"), Pr::ReceiveMaximum(100),
                Pr::TopicAliasMaximum(8), Pr::MaximumQos(Qos::AtLeastOnce), Pr::RetainAvailable(false),
                Pr::UserProperty("a", "b"), Pr::MaximumPacketSize(65_536), Pr::WildcardSubscriptionAvailable(false),
                Pr::SubscriptionIdentifierAvailable(true), Pr::SharedSubscriptionAvailable(false),
            ]),
            ..ConnAck::new(ReasonCode::Success)
        });
    connack_v5_authentication(V5): "20 0d  00  00  0a 15 00 02 61 6d 16 00 02 78 79"
        => P::ConnAck(ConnAck {
            properties: List::new(&[Pr::AuthenticationMethod("am"), Pr::AuthenticationData(b"xy")]),
            ..ConnAck::new(ReasonCode::Success)
        });
    connack_v5_server_moved(V5): "20 0d  00  9d  0a 1c 00 07 62 32 3a 31 38 38 33"
        => P::ConnAck(ConnAck {
            properties: List::new(&[Pr::ServerReference("b2:1883")]), ..ConnAck::new(ReasonCode::ServerMoved)
        });

    // 5.0 §3.3.2.3 example: topic "a/b", packet id 10, no properties (zero-length payload).
    publish_v5_spec_example(V5): "32 08  00 03 61 2f 62  00 0a  00"
        => P::Publish(publish(QosPid::AtLeastOnce(id(10)), topic("a/b"), &[], b""));
    publish_v5_qos0(V5): "30 06  00 03 61 2f 62  00" => P::Publish(publish(QosPid::AtMostOnce, topic("a/b"), &[], b""));
    // Subscription Identifier twice (one per matching subscription, 5.0 §3.3.4) and a User
    // Property name repeated are both allowed; order is kept.
    publish_v5_properties(V5): "34 3f  00 03 61 2f 62  00 07  33 01 01 02 00 00 0e 10 03 00 0a 74 65 78 74 2f 70 6c \
                                61 69 6e 08 00 04 72 65 2f 71 09 00 02 69 64 0b 01 0b 80 01 26 00 01 6b 00 01 31 26 \
                                00 01 6b 00 01 32  32 31 2e 35"
        => P::Publish(publish(QosPid::ExactlyOnce(id(7)), topic("a/b"), &[
            Pr::PayloadFormatIndicator(true), Pr::MessageExpiryInterval(3600), Pr::ContentType("text/plain"),
            Pr::ResponseTopic(topic("re/q")), Pr::CorrelationData(b"id"), Pr::SubscriptionIdentifier(1),
            Pr::SubscriptionIdentifier(128), Pr::UserProperty("k", "1"), Pr::UserProperty("k", "2"),
        ], b"21.5"));
    // 5.0 §3.3.2.3.4: a zero-length Topic Name with a Topic Alias uses the alias's mapping.
    publish_v5_empty_topic_with_alias(V5): "30 08  00 00  03 23 00 01  68 69"
        => P::Publish(publish(QosPid::AtMostOnce, TopicName::alias_only(), &[Pr::TopicAlias(1)], b"hi"));
    publish_v5_topic_and_alias(V5): "31 07  00 01 61  03 23 00 05"
        => P::Publish(Publish { retain: true, ..publish(QosPid::AtMostOnce, topic("a"), &[Pr::TopicAlias(5)], b"") });

    // 5.0 §3.4.2.1: RL 2 means Success and no properties; under 4 there is no Property Length.
    puback_v5_rl2(V5): "40 02  00 07" => puback(ack(7, ReasonCode::Success, &[]));
    puback_v5_rl3_reason(V5): "40 03  00 07  10" => puback(ack(7, ReasonCode::NoMatchingSubscribers, &[]));
    puback_v5_rl3_success(V5): "40 03  00 07  00" => puback(ack(7, ReasonCode::Success, &[])), encodes "40 02 00 07";
    puback_v5_rl4_empty_properties(V5): "40 04  00 07  10  00"
        => puback(ack(7, ReasonCode::NoMatchingSubscribers, &[])), encodes "40 03 00 07 10";
    puback_v5_properties(V5): "40 12  00 07  80  0e 1f 00 04 6f 6f 70 73 26 00 01 6b 00 01 76"
        => puback(ack(7, ReasonCode::UnspecifiedError, &[Pr::ReasonString("oops"), Pr::UserProperty("k", "v")]));
    puback_v5_success_with_properties(V5): "40 09  00 07  00  05 1f 00 02 6f 6b"
        => puback(ack(7, ReasonCode::Success, &[Pr::ReasonString("ok")]));
    pubrec_v5_rl2(V5): "50 02  00 07" => pubrec(ack(7, ReasonCode::Success, &[]));
    pubrec_v5_rl3_reason(V5): "50 03  00 07  97" => pubrec(ack(7, ReasonCode::QuotaExceeded, &[]));
    pubrec_v5_properties(V5): "50 10  00 07  90  0c 1f 00 09 62 61 64 20 74 6f 70 69 63"
        => pubrec(ack(7, ReasonCode::TopicNameInvalid, &[Pr::ReasonString("bad topic")]));
    pubrel_v5_rl2(V5): "62 02  00 07" => pubrel(ack(7, ReasonCode::Success, &[]));
    pubrel_v5_rl3_reason(V5): "62 03  00 07  92" => pubrel(ack(7, ReasonCode::PacketIdentifierNotFound, &[]));
    pubrel_v5_properties(V5): "62 0b  00 07  92  07 26 00 01 6b 00 01 76"
        => pubrel(ack(7, ReasonCode::PacketIdentifierNotFound, &[Pr::UserProperty("k", "v")]));
    pubcomp_v5_rl2(V5): "70 02  00 07" => pubcomp(ack(7, ReasonCode::Success, &[]));
    pubcomp_v5_rl3_reason(V5): "70 03  00 07  92" => pubcomp(ack(7, ReasonCode::PacketIdentifierNotFound, &[]));
    pubcomp_v5_properties(V5): "70 0b  00 07  00  07 1f 00 04 64 6f 6e 65"
        => pubcomp(ack(7, ReasonCode::Success, &[Pr::ReasonString("done")]));

    // 5.0 §3.8.2 example (packet id 10, no properties) and §3.8.3 payload example ("a/b" QoS 1,
    // "c/d" QoS 2).
    subscribe_v5_spec_example(V5): "82 0f  00 0a  00  00 03 61 2f 62  01  00 03 63 2f 64  02"
        => P::Subscribe(Subscribe::new(id(10), List::new(&[sub("a/b", Qos::AtLeastOnce), sub("c/d", Qos::ExactlyOnce)])));
    // Options bytes 0x2e (RH 2, RAP, NL, QoS 2), 0x1d (RH 1, RAP, NL, QoS 1), and 0x19 on a shared
    // subscription (No Local must stay 0 there); Subscription Identifier 16,384 is 3 bytes.
    subscribe_v5_options_and_properties(V5): "82 27  00 01  0b 0b 80 80 01 26 00 01 6b 00 01 76  00 03 61 2f 2b  2e \
                                              00 01 23  1d  00 0c 24 73 68 61 72 65 2f 67 2f 61 2f 23  19"
        => P::Subscribe(Subscribe {
            packet_id: id(1),
            properties: List::new(&[Pr::SubscriptionIdentifier(16_384), Pr::UserProperty("k", "v")]),
            subscriptions: List::new(&[
                Subscription {
                    filter: filter("a/+"),
                    options: options(Qos::ExactlyOnce, true, true, RetainHandling::DoNotSend),
                },
                Subscription {
                    filter: filter("#"),
                    options: options(Qos::AtLeastOnce, true, true, RetainHandling::SendAtSubscribeIfNew),
                },
                Subscription {
                    filter: filter("$share/g/a/#"),
                    options: options(Qos::AtLeastOnce, false, true, RetainHandling::SendAtSubscribeIfNew),
                },
            ]),
        });
    suback_v5_minimal(V5): "90 04  00 01  00  01" => P::SubAck(SubAck::new(id(1), List::new(&[ReasonCode::GrantedQos1])));
    suback_v5_every_code(V5): "90 19  00 01  0a 1f 00 07 70 61 72 74 69 61 6c  00 01 02 80 83 87 8f 91 97 9e a1 a2"
        => P::SubAck(SubAck {
            packet_id: id(1),
            properties: List::new(&[Pr::ReasonString("partial")]),
            reason_codes: List::new(&[
                ReasonCode::Success, ReasonCode::GrantedQos1, ReasonCode::GrantedQos2, ReasonCode::UnspecifiedError,
                ReasonCode::ImplementationSpecificError, ReasonCode::NotAuthorized, ReasonCode::TopicFilterInvalid,
                ReasonCode::PacketIdentifierInUse, ReasonCode::QuotaExceeded,
                ReasonCode::SharedSubscriptionsNotSupported, ReasonCode::SubscriptionIdentifiersNotSupported,
                ReasonCode::WildcardSubscriptionsNotSupported,
            ]),
        });
    // 5.0 §3.10.3 payload example: "a/b", "c/d".
    unsubscribe_v5_spec_example(V5): "a2 0d  00 0a  00  00 03 61 2f 62  00 03 63 2f 64"
        => P::Unsubscribe(Unsubscribe::new(id(10), List::new(&[filter("a/b"), filter("c/d")])));
    unsubscribe_v5_user_property(V5): "a2 16  00 0a  07 26 00 01 6b 00 01 76  00 0a 24 73 68 61 72 65 2f 67 2f 61"
        => P::Unsubscribe(Unsubscribe {
            properties: List::new(&[Pr::UserProperty("k", "v")]),
            ..Unsubscribe::new(id(10), List::new(&[filter("$share/g/a")]))
        });
    unsuback_v5_minimal(V5): "b0 04  00 0a  00  00" => P::UnsubAck(UnsubAck::new(id(10), List::new(&[ReasonCode::Success])));
    unsuback_v5_every_code(V5): "b0 0e  00 0a  04 1f 00 01 72  00 11 80 83 87 8f 91"
        => P::UnsubAck(UnsubAck {
            packet_id: id(10),
            properties: List::new(&[Pr::ReasonString("r")]),
            reason_codes: List::new(&[
                ReasonCode::Success, ReasonCode::NoSubscriptionExisted, ReasonCode::UnspecifiedError,
                ReasonCode::ImplementationSpecificError, ReasonCode::NotAuthorized, ReasonCode::TopicFilterInvalid,
                ReasonCode::PacketIdentifierInUse,
            ]),
        });
    pingreq_v5(V5): "c0 00" => P::PingReq;
    pingresp_v5(V5): "d0 00" => P::PingResp;

    // 5.0 §3.14.2.1: RL 0 is Normal disconnection; under 2 there is no Property Length.
    disconnect_v5_rl0(V5): "e0 00" => P::Disconnect(Disconnect::new(ReasonCode::Success));
    disconnect_v5_rl1_success(V5): "e0 01  00" => P::Disconnect(Disconnect::new(ReasonCode::Success)), encodes "e0 00";
    disconnect_v5_rl1_with_will(V5): "e0 01  04" => P::Disconnect(Disconnect::new(ReasonCode::DisconnectWithWillMessage));
    disconnect_v5_rl2_empty_properties(V5): "e0 02  8b  00"
        => P::Disconnect(Disconnect::new(ReasonCode::ServerShuttingDown)), encodes "e0 01 8b";
    disconnect_v5_properties(V5): "e0 1a  9c  18 11 00 00 00 00 1c 00 02 62 32 1f 00 04 6d 6f 76 65 26 00 01 6b 00 01 76"
        => P::Disconnect(Disconnect {
            reason_code: ReasonCode::UseAnotherServer,
            properties: List::new(&[
                Pr::SessionExpiryInterval(0), Pr::ServerReference("b2"), Pr::ReasonString("move"),
                Pr::UserProperty("k", "v"),
            ]),
        });

    // 5.0 §3.15.2.1: RL 0 is Success with no properties.
    auth_v5_rl0(V5): "f0 00" => P::Auth(Auth { reason_code: ReasonCode::Success, properties: List::EMPTY });
    // 5.0 §3.15.2.2.2: with a body, AUTH names its method (f0 02 18 00 is refused: malformed.rs).
    auth_v5_continue_method_only(V5): "f0 07  18  05 15 00 02 61 6d"
        => P::Auth(Auth {
            reason_code: ReasonCode::ContinueAuthentication,
            properties: List::new(&[Pr::AuthenticationMethod("am")]),
        });
    auth_v5_continue(V5): "f0 16  18  14 15 00 0b 53 43 52 41 4d 2d 53 48 41 2d 31 16 00 03 78 79 7a"
        => P::Auth(Auth {
            reason_code: ReasonCode::ContinueAuthentication,
            properties: List::new(&[Pr::AuthenticationMethod("SCRAM-SHA-1"), Pr::AuthenticationData(b"xyz")]),
        });
    auth_v5_reauthenticate(V5): "f0 16  19  14 15 00 02 61 6d 1f 00 05 61 67 61 69 6e 26 00 01 6b 00 01 76"
        => P::Auth(Auth {
            reason_code: ReasonCode::ReAuthenticate,
            properties: List::new(&[Pr::AuthenticationMethod("am"), Pr::ReasonString("again"), Pr::UserProperty("k", "v")]),
        });
}

/// Every decoded row, with the property lists it carries (the will's included).
fn decoded_rows(mut f: impl FnMut(&str, &P<'_>, Vec<Properties<'_>>)) {
    for &(name, v, input) in ROWS {
        let bytes = hex(input);
        let Ok(Status::Complete { item, .. }) = decode_packet(&bytes, &DecodeOptions::new(v)) else {
            panic!("{name} does not decode");
        };
        let lists = match &item {
            P::Connect(c) => [Some(c.properties), c.will.map(|w| w.properties)].into_iter().flatten().collect(),
            P::ConnAck(p) => vec![p.properties],
            P::Publish(p) => vec![p.properties],
            P::PubAck(p) => vec![p.properties],
            P::PubRec(p) => vec![p.properties],
            P::PubRel(p) => vec![p.properties],
            P::PubComp(p) => vec![p.properties],
            P::Subscribe(p) => vec![p.properties],
            P::SubAck(p) => vec![p.properties],
            P::Unsubscribe(p) => vec![p.properties],
            P::UnsubAck(p) => vec![p.properties],
            P::Disconnect(p) => vec![p.properties],
            P::Auth(p) => vec![p.properties],
            _ => vec![],
        };
        f(name, &item, lists);
    }
}

/// 5.0 §2.2.2.2 Table 2-4.
const PROPERTY_IDS: [u8; 27] = [
    0x01, 0x02, 0x03, 0x08, 0x09, 0x0B, 0x11, 0x12, 0x13, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1C, 0x1F, 0x21, 0x22,
    0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A,
];

#[test]
fn every_property_appears_in_a_vector() {
    let mut seen = BTreeSet::new();
    decoded_rows(|_, _, lists| seen.extend(lists.iter().flat_map(|l| l.iter()).map(|p| p.id() as u8)));
    assert_eq!(seen, PROPERTY_IDS.into_iter().collect::<BTreeSet<u8>>());
}

#[test]
fn property_ids_are_exactly_table_2_4() {
    for v in 0..=0x7Fu32 {
        match PropertyId::try_from(v) {
            Ok(p) => assert!(PROPERTY_IDS.contains(&(p as u8)) && u32::from(p as u8) == v, "{v:#04x}"),
            Err(e) => {
                assert!(!PROPERTY_IDS.iter().any(|&id| u32::from(id) == v), "{v:#04x}");
                assert_eq!(e, Malformed::UnknownProperty(v));
            }
        }
    }
}

#[test]
fn every_packet_type_has_a_v5_vector() {
    let mut seen = BTreeSet::new();
    decoded_rows(|_, item, _| {
        seen.insert(item.packet_type() as u8);
    });
    assert_eq!(seen, (1..=15).collect::<BTreeSet<u8>>());
    assert!(ROWS.iter().all(|&(_, v, _)| v == Version::V5));
}
