//! Packets built with the public API that break a rule the decoder enforces, each with the options
//! to encode it under and the `Malformed` the encoder must refuse it with. Used by `malformed.rs`
//! through `#[path = "common/invalid_packets.rs"]`; relies on its `mod common`.
#![allow(dead_code)]

use mqtt_codec::topic::TopicName;
use mqtt_codec::wire::{Malformed as M, Packet as P, PacketType as T, Property as Pr, PropertyContext as Ctx, *};

use crate::common::{filter, id, sub, topic};

fn publish<'a>(properties: &'a [Property<'a>]) -> P<'a> {
    P::Publish(Publish { properties: List::new(properties), ..Publish::new(topic("a"), b"") })
}

fn connect<'a>(protocol: Protocol, properties: &'a [Property<'a>]) -> Connect<'a> {
    Connect { properties: List::new(properties), ..Connect::new(protocol) }
}

fn will<'a>(t: TopicName<'a>, payload: &'a [u8], properties: &'a [Property<'a>]) -> Option<Will<'a>> {
    Some(Will { topic: t, payload, qos: Qos::AtMostOnce, retain: false, properties: List::new(properties) })
}

fn suback<'a>(codes: &'a [ReasonCode]) -> P<'a> {
    P::SubAck(SubAck::new(id(1), List::new(codes)))
}

fn subscribe<'a>(subs: &'a [Subscription<'a>], properties: &'a [Property<'a>]) -> P<'a> {
    P::Subscribe(Subscribe { properties: List::new(properties), ..Subscribe::new(id(1), List::new(subs)) })
}

fn auth<'a>(reason_code: ReasonCode, properties: &'a [Property<'a>]) -> P<'a> {
    P::Auth(Auth { reason_code, properties: List::new(properties) })
}

fn not_allowed(id: PropertyId, packet: Ctx) -> M {
    M::PropertyNotAllowed { id, packet }
}

fn code_not_allowed(code: u8, packet: T) -> M {
    M::ReasonCodeNotAllowed { code, packet }
}

/// Calls `f(name, options, packet, expected)` for each invalid packet.
pub(crate) fn for_each(mut f: impl FnMut(&str, EncodeOptions, P<'_>, Malformed)) {
    use Protocol::{Mqtt31, Mqtt311, Mqtt5};
    use Version::{V311, V5};
    let o = EncodeOptions::new;
    let long = "x".repeat(65_536);
    let big = vec![0u8; 65_536];
    // Never touched: validation fails on the length alone.
    let huge = vec![0u8; 268_435_453];
    let no_local = SubscriptionOptions { no_local: true, ..SubscriptionOptions::default() };
    let share_no_local = Subscription { filter: filter("$share/g/a"), options: no_local };
    let plain_no_local = Subscription { filter: filter("a"), options: no_local };
    let one_sub = [sub("a", Qos::AtMostOnce)];

    // Topics.
    let p = Publish::new(TopicName::alias_only(), b"");
    f("publish_alias_only_without_alias", o(V5), P::Publish(p), M::EmptyTopicName);
    f("publish_alias_only_v311", o(V311), P::Publish(Publish { payload: b"x", ..p }), M::EmptyTopicName);
    let c = Connect { will: will(TopicName::alias_only(), b"", &[]), ..Connect::new(Mqtt5) };
    f("will_topic_alias_only", o(V5), P::Connect(c), M::EmptyTopicName);
    f("publish_dup_qos0", o(V5), P::Publish(Publish { dup: true, ..Publish::new(topic("a"), b"") }), M::DupOnQosZero);

    // Reason codes the packet may not carry.
    let pubcomp = PubComp { reason_code: ReasonCode::NoMatchingSubscribers, ..PubComp::new(id(1)) };
    f("pubcomp_0x10", o(V5), P::PubComp(pubcomp), code_not_allowed(0x10, T::PubComp));
    let d = Disconnect::new(ReasonCode::GrantedQos1);
    f("disconnect_0x01", o(V5), P::Disconnect(d), code_not_allowed(0x01, T::Disconnect));
    f("auth_0x87", o(V5), auth(ReasonCode::NotAuthorized, &[]), code_not_allowed(0x87, T::Auth));
    f("suback_0x04", o(V5), suback(&[ReasonCode::DisconnectWithWillMessage]), code_not_allowed(0x04, T::SubAck));
    let ack = ConnAck::new(ReasonCode::GrantedQos1);
    f("connack_0x01", o(V5), P::ConnAck(ack), code_not_allowed(0x01, T::ConnAck));

    // One reason code per filter, and an AUTH with a body names its method.
    f("suback_no_codes_v5", o(V5), suback(&[]), M::NoReasonCodes(T::SubAck));
    f("suback_no_codes_v311", o(V311), suback(&[]), M::NoReasonCodes(T::SubAck));
    let unsuback_empty = P::UnsubAck(UnsubAck::new(id(1), List::EMPTY));
    f("unsuback_no_codes_v5", o(V5), unsuback_empty, M::NoReasonCodes(T::UnsubAck));
    let e = M::MissingAuthenticationMethod;
    f("auth_continue_without_method", o(V5), auth(ReasonCode::ContinueAuthentication, &[]), e);
    f("auth_reason_string_without_method", o(V5), auth(ReasonCode::Success, &[Pr::ReasonString("r")]), e);

    // Properties: where they may appear, how often, their values.
    let (session, alias) = (PropertyId::SessionExpiryInterval, PropertyId::TopicAlias);
    let e = not_allowed(session, Ctx::Packet(T::Publish));
    f("publish_session_expiry", o(V5), publish(&[Pr::SessionExpiryInterval(1)]), e);
    let c = connect(Mqtt5, &[Pr::TopicAlias(1)]);
    f("connect_topic_alias", o(V5), P::Connect(c), not_allowed(alias, Ctx::Packet(T::Connect)));
    let c = Connect { will: will(topic("w"), b"", &[Pr::SessionExpiryInterval(1)]), ..Connect::new(Mqtt5) };
    f("will_session_expiry", o(V5), P::Connect(c), not_allowed(session, Ctx::Will));
    let e = M::DuplicateProperty(PropertyId::ContentType);
    f("publish_content_type_twice", o(V5), publish(&[Pr::ContentType("a"), Pr::ContentType("b")]), e);
    let props = [Pr::SubscriptionIdentifier(1), Pr::SubscriptionIdentifier(2)];
    let e = M::DuplicateProperty(PropertyId::SubscriptionIdentifier);
    f("subscribe_id_twice", o(V5), subscribe(&one_sub, &props), e);
    for (name, p) in [
        ("topic_alias_0", Pr::TopicAlias(0)),
        ("subscription_id_0", Pr::SubscriptionIdentifier(0)),
        ("subscription_id_over_max", Pr::SubscriptionIdentifier(268_435_456)),
    ] {
        f(name, o(V5), publish(&[p]), M::InvalidPropertyValue(p.id()));
    }
    for (name, p) in [("receive_maximum_0", Pr::ReceiveMaximum(0)), ("maximum_packet_size_0", Pr::MaximumPacketSize(0))]
    {
        f(name, o(V5), P::Connect(connect(Mqtt5, &[p])), M::InvalidPropertyValue(p.id()));
    }
    let props = [Pr::MaximumQos(Qos::ExactlyOnce)];
    let ack = ConnAck { properties: List::new(&props), ..ConnAck::new(ReasonCode::Success) };
    f("maximum_qos_2", o(V5), P::ConnAck(ack), M::InvalidPropertyValue(PropertyId::MaximumQos));
    let data = [Pr::AuthenticationData(b"x")];
    f("connect_auth_data_only", o(V5), P::Connect(connect(Mqtt5, &data)), M::AuthenticationDataWithoutMethod);
    let e = M::AuthenticationDataWithoutMethod;
    f("auth_data_only", o(V5), auth(ReasonCode::ContinueAuthentication, &data), e);

    // SUBSCRIBE / UNSUBSCRIBE / AUTH.
    f("subscribe_empty_v5", o(V5), subscribe(&[], &[]), M::EmptySubscribe);
    f("subscribe_empty_v311", o(V311), subscribe(&[], &[]), M::EmptySubscribe);
    f("unsubscribe_empty", o(V5), P::Unsubscribe(Unsubscribe::new(id(1), List::EMPTY)), M::EmptyUnsubscribe);
    f("share_no_local", o(V5), subscribe(&[share_no_local], &[]), M::NoLocalOnSharedSubscription);
    f("no_local_v311", o(V311), subscribe(&[plain_no_local], &[]), M::ReservedSubscriptionOptions);
    f("auth_v311", o(V311), auth(ReasonCode::Success, &[]), M::PacketTypeNotInVersion(T::Auth));

    // Encode-only: 3.1.1 carries no properties and only its own return codes.
    let reason = [Pr::ReasonString("r")];
    let puback = PubAck { properties: List::new(&reason), ..PubAck::new(id(1)) };
    f("puback_properties_v311", o(V311), P::PubAck(puback), M::PropertiesNotInVersion);
    f("publish_properties_v311", o(V311), publish(&[Pr::TopicAlias(1)]), M::PropertiesNotInVersion);
    let c = connect(Mqtt311, &[Pr::SessionExpiryInterval(1)]);
    f("connect_mqtt311_properties", o(V5), P::Connect(c), M::PropertiesNotInVersion);
    let c = Connect { will: will(topic("w"), b"", &[Pr::WillDelayInterval(1)]), ..Connect::new(Mqtt311) };
    f("will_properties_mqtt311", o(V311), P::Connect(c), M::PropertiesNotInVersion);
    let d = Disconnect { properties: List::new(&reason), ..Disconnect::default() };
    f("disconnect_properties_v311", o(V311), P::Disconnect(d), M::PropertiesNotInVersion);
    let rc = ReasonCode::Banned;
    f("connack_banned_v311", o(V311), P::ConnAck(ConnAck::new(rc)), M::ReasonCodeNotInVersion(rc));
    let rc = ReasonCode::NoMatchingSubscribers;
    let puback = PubAck { reason_code: rc, ..PubAck::new(id(1)) };
    f("puback_reason_v311", o(V311), P::PubAck(puback), M::ReasonCodeNotInVersion(rc));
    let rc = ReasonCode::NotAuthorized;
    f("suback_0x87_v311", o(V311), suback(&[ReasonCode::GrantedQos1, rc]), M::ReasonCodeNotInVersion(rc));
    let rc = ReasonCode::NoSubscriptionExisted;
    let codes = [rc];
    let unsuback = P::UnsubAck(UnsubAck::new(id(1), List::new(&codes)));
    f("unsuback_codes_v311", o(V311), unsuback, M::ReasonCodeNotInVersion(rc));
    let rc = ReasonCode::ServerShuttingDown;
    f("disconnect_reason_v311", o(V311), P::Disconnect(Disconnect::new(rc)), M::ReasonCodeNotInVersion(rc));

    // CONNECT / CONNACK flags.
    let c = Connect { password: Some(b"p"), ..Connect::new(Mqtt311) };
    f("password_without_username_v311", o(V311), P::Connect(c), M::PasswordWithoutUserName);
    f(
        "password_without_username_v31",
        o(V5),
        P::Connect(Connect { protocol: Mqtt31, ..c }),
        M::PasswordWithoutUserName,
    );
    let ack = ConnAck { session_present: true, ..ConnAck::new(ReasonCode::NotAuthorized) };
    f("session_present_on_failure", o(V5), P::ConnAck(ack), M::SessionPresentOnFailure);

    // Field sizes (encode-only: a 2-byte length prefix cannot announce more than 65,535) and U+0000.
    let c = Connect::new(Mqtt311);
    f("client_id_65536", o(V5), P::Connect(Connect { client_id: &long, ..c }), M::FieldTooLong(Field::ClientId));
    let e = M::FieldTooLong(Field::UserName);
    f("username_65536", o(V311), P::Connect(Connect { username: Some(&long), ..c }), e);
    let e = M::FieldTooLong(Field::Password);
    f("password_65536", o(V311), P::Connect(Connect { username: Some("u"), password: Some(&big), ..c }), e);
    let e = M::FieldTooLong(Field::Will);
    f("will_payload_65536", o(V311), P::Connect(Connect { will: will(topic("w"), &big, &[]), ..c }), e);
    let e = M::FieldTooLong(Field::Properties);
    f("correlation_data_65536", o(V5), publish(&[Pr::CorrelationData(&big)]), e);
    f("reason_string_65536", o(V5), auth(ReasonCode::Success, &[Pr::ReasonString(&long)]), e);
    f("client_id_u0000", o(V311), P::Connect(Connect { client_id: "a\0", ..c }), M::NullCharacter(Field::ClientId));
    let e = M::NullCharacter(Field::Properties);
    f("user_property_u0000", o(V5), publish(&[Pr::UserProperty("k\0", "v")]), e);

    // Sizes: the peer's Maximum Packet Size, and the protocol's largest Remaining Length.
    let small = o(V5).with_max_packet_size(1);
    f("pingreq_over_max_size", small, P::PingReq, M::PacketTooLarge { size: 2, max: 1 });
    let p = P::Publish(Publish::new(topic("a"), &huge));
    f("remaining_length_over_max", o(V311), p, M::PacketTooLarge { size: 268_435_461, max: 268_435_460 });
}
