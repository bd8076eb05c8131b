//! proptest round trips: for arbitrary valid packets of both versions, `decode(encode(p)) == p`,
//! `encoded_len` equals the bytes written, and re-encoding the decoded packet gives the same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use mqtt_codec::topic::{TopicFilter, TopicName};
use mqtt_codec::wire::*;
use proptest::prelude::*;

/// Owned material for one property; [`PropSeed::view`] borrows it as a [`Property`].
#[derive(Debug, Clone)]
struct PropSeed {
    id: PropertyId,
    n: u32,
    s: String,
    s2: String,
    b: Vec<u8>,
}

impl PropSeed {
    fn view(&self) -> Property<'_> {
        use PropertyId as I;
        let n = self.n;
        match self.id {
            I::PayloadFormatIndicator => Property::PayloadFormatIndicator(n & 1 == 1),
            I::MessageExpiryInterval => Property::MessageExpiryInterval(n),
            I::ContentType => Property::ContentType(&self.s),
            I::ResponseTopic => Property::ResponseTopic(TopicName::new(&self.s).unwrap()),
            I::CorrelationData => Property::CorrelationData(&self.b),
            I::SubscriptionIdentifier => Property::SubscriptionIdentifier(n % 268_435_455 + 1),
            I::SessionExpiryInterval => Property::SessionExpiryInterval(n),
            I::AssignedClientIdentifier => Property::AssignedClientIdentifier(&self.s),
            I::ServerKeepAlive => Property::ServerKeepAlive(n as u16),
            I::AuthenticationMethod => Property::AuthenticationMethod(&self.s),
            I::AuthenticationData => Property::AuthenticationData(&self.b),
            I::RequestProblemInformation => Property::RequestProblemInformation(n & 1 == 1),
            I::WillDelayInterval => Property::WillDelayInterval(n),
            I::RequestResponseInformation => Property::RequestResponseInformation(n & 1 == 1),
            I::ResponseInformation => Property::ResponseInformation(&self.s),
            I::ServerReference => Property::ServerReference(&self.s),
            I::ReasonString => Property::ReasonString(&self.s),
            I::ReceiveMaximum => Property::ReceiveMaximum((n as u16).max(1)),
            I::TopicAliasMaximum => Property::TopicAliasMaximum(n as u16),
            I::TopicAlias => Property::TopicAlias((n as u16).max(1)),
            I::MaximumQos => Property::MaximumQos(if n & 1 == 1 { Qos::AtLeastOnce } else { Qos::AtMostOnce }),
            I::RetainAvailable => Property::RetainAvailable(n & 1 == 1),
            I::UserProperty => Property::UserProperty(&self.s, &self.s2),
            I::MaximumPacketSize => Property::MaximumPacketSize(n.max(1)),
            I::WildcardSubscriptionAvailable => Property::WildcardSubscriptionAvailable(n & 1 == 1),
            I::SubscriptionIdentifierAvailable => Property::SubscriptionIdentifierAvailable(n & 1 == 1),
            I::SharedSubscriptionAvailable => Property::SharedSubscriptionAvailable(n & 1 == 1),
            other => panic!("unhandled {other:?}"),
        }
    }
}

fn text() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9 _/é€😀-]{0,12}"
}

fn topic() -> impl Strategy<Value = String> {
    "[a-z0-9é/_$-]{1,16}"
}

fn filter() -> impl Strategy<Value = String> {
    let level = prop_oneof!["[a-z0-9é]{0,5}", Just("+".to_string())];
    (prop::collection::vec(level, 1..5), any::<bool>(), prop::option::of("[a-z]{1,4}")).prop_map(
        |(levels, hash, share)| {
            let mut f = levels.join("/");
            if hash {
                f.push_str("/#");
            }
            if f.is_empty() {
                f.push('x');
            }
            match share {
                Some(g) => format!("$share/{g}/{f}"),
                None => f,
            }
        },
    )
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..24)
}

/// Identifiers (other than User Property, which is added separately) each context may carry.
fn allowed(ctx: &str) -> Vec<PropertyId> {
    use PropertyId as I;
    match ctx {
        "connect" => vec![
            I::SessionExpiryInterval,
            I::AuthenticationMethod,
            I::AuthenticationData,
            I::RequestProblemInformation,
            I::RequestResponseInformation,
            I::ReceiveMaximum,
            I::TopicAliasMaximum,
            I::MaximumPacketSize,
        ],
        "will" => vec![
            I::PayloadFormatIndicator,
            I::MessageExpiryInterval,
            I::ContentType,
            I::ResponseTopic,
            I::CorrelationData,
            I::WillDelayInterval,
        ],
        "connack" => vec![
            I::SessionExpiryInterval,
            I::AssignedClientIdentifier,
            I::ServerKeepAlive,
            I::AuthenticationMethod,
            I::AuthenticationData,
            I::ResponseInformation,
            I::ServerReference,
            I::ReasonString,
            I::ReceiveMaximum,
            I::TopicAliasMaximum,
            I::MaximumQos,
            I::RetainAvailable,
            I::MaximumPacketSize,
            I::WildcardSubscriptionAvailable,
            I::SubscriptionIdentifierAvailable,
            I::SharedSubscriptionAvailable,
        ],
        "publish" => vec![
            I::PayloadFormatIndicator,
            I::MessageExpiryInterval,
            I::ContentType,
            I::ResponseTopic,
            I::CorrelationData,
            I::SubscriptionIdentifier,
            I::TopicAlias,
        ],
        "subscribe" => vec![I::SubscriptionIdentifier],
        "unsubscribe" => vec![],
        "disconnect" => vec![I::SessionExpiryInterval, I::ServerReference, I::ReasonString],
        "auth" => vec![I::AuthenticationMethod, I::AuthenticationData, I::ReasonString],
        _ => vec![I::ReasonString], // acks
    }
}

fn prop_seeds(ctx: &'static str) -> impl Strategy<Value = Vec<PropSeed>> {
    let ids = allowed(ctx);
    let n = ids.len();
    let single = prop::sample::subsequence(ids, 0..=n);
    let users = 0usize..3;
    (single, users, prop::collection::vec((any::<u32>(), topic(), text(), bytes()), 8)).prop_flat_map(
        move |(mut ids, users, vals)| {
            // 5.0 §3.1.2.11.10: Authentication Data only with a method.
            if ids.contains(&PropertyId::AuthenticationData) && !ids.contains(&PropertyId::AuthenticationMethod) {
                ids.retain(|i| *i != PropertyId::AuthenticationData);
            }
            // A PUBLISH may carry several Subscription Identifiers.
            if ctx == "publish" && ids.contains(&PropertyId::SubscriptionIdentifier) {
                ids.push(PropertyId::SubscriptionIdentifier);
            }
            ids.extend(std::iter::repeat(PropertyId::UserProperty).take(users));
            let seeds: Vec<PropSeed> = ids
                .into_iter()
                .enumerate()
                .map(|(i, id)| {
                    let (n, t, s, b) = vals[i % vals.len()].clone();
                    let s = if id == PropertyId::ResponseTopic { t } else { s.clone() };
                    PropSeed { id, n: n.wrapping_add(i as u32), s2: format!("v{i}"), s, b }
                })
                .collect();
            Just(seeds).prop_shuffle()
        },
    )
}

fn reason(ptype: PacketType) -> impl Strategy<Value = ReasonCode> {
    let codes: Vec<ReasonCode> =
        (0..=255u8).filter_map(|v| ReasonCode::try_from(v).ok()).filter(|r| r.allowed_in(ptype)).collect();
    prop::sample::select(codes)
}

fn pid() -> impl Strategy<Value = PacketId> {
    (1..=u16::MAX).prop_map(|v| PacketId::new(v).unwrap())
}

/// Owned material for one packet of any type.
#[derive(Debug, Clone)]
enum Seed {
    Connect {
        protocol31: bool,
        clean: bool,
        keep_alive: u16,
        props: Vec<PropSeed>,
        id: String,
        will: Option<WillSeed>,
        user: Option<String>,
        pass: Option<Vec<u8>>,
    },
    ConnAck {
        sp: bool,
        rc: ReasonCode,
        props: Vec<PropSeed>,
    },
    Publish {
        dup: bool,
        qos: u8,
        retain: bool,
        topic: String,
        alias_only: bool,
        pid: PacketId,
        props: Vec<PropSeed>,
        payload: Vec<u8>,
    },
    Ack {
        ptype: PacketType,
        pid: PacketId,
        rc: ReasonCode,
        props: Vec<PropSeed>,
    },
    Subscribe {
        pid: PacketId,
        props: Vec<PropSeed>,
        subs: Vec<(String, u8)>,
    },
    SubAck {
        pid: PacketId,
        props: Vec<PropSeed>,
        codes: Vec<ReasonCode>,
    },
    Unsubscribe {
        pid: PacketId,
        props: Vec<PropSeed>,
        filters: Vec<String>,
    },
    UnsubAck {
        pid: PacketId,
        props: Vec<PropSeed>,
        codes: Vec<ReasonCode>,
    },
    Ping(bool),
    Disconnect {
        rc: ReasonCode,
        props: Vec<PropSeed>,
    },
    Auth {
        rc: ReasonCode,
        props: Vec<PropSeed>,
    },
}

#[derive(Debug, Clone)]
struct WillSeed {
    topic: String,
    payload: Vec<u8>,
    qos: u8,
    retain: bool,
    props: Vec<PropSeed>,
}

fn seed(v: Version) -> impl Strategy<Value = Seed> {
    let v5 = v == Version::V5;
    let p = move |ctx: &'static str| prop_seeds(ctx).prop_map(move |p| if v5 { p } else { Vec::new() });
    let rc = move |t: PacketType| reason(t).prop_map(move |r| if v5 { r } else { ReasonCode::Success });
    let will = (topic(), bytes(), 0u8..3, any::<bool>(), p("will"))
        .prop_map(|(topic, payload, qos, retain, props)| WillSeed { topic, payload, qos, retain, props });
    let connect = (
        any::<bool>(),
        any::<bool>(),
        any::<u16>(),
        p("connect"),
        "[a-zA-Z0-9]{0,23}",
        prop::option::of(will),
        prop::option::of(text()),
        prop::option::of(bytes()),
    )
        .prop_map(move |(protocol31, clean, keep_alive, props, id, will, user, mut pass)| {
            if !v5 && user.is_none() {
                pass = None; // MQTT-3.1.2-22 (3.1.1)
            }
            Seed::Connect { protocol31: protocol31 && !v5, clean, keep_alive, props, id, will, user, pass }
        });
    let connack_v3 = prop::sample::select(vec![
        ReasonCode::Success,
        ReasonCode::UnsupportedProtocolVersion,
        ReasonCode::ClientIdentifierNotValid,
        ReasonCode::ServerUnavailable,
        ReasonCode::BadUserNameOrPassword,
        ReasonCode::NotAuthorized,
    ]);
    let connack_rc = if v5 { reason(PacketType::ConnAck).boxed() } else { connack_v3.boxed() };
    let connack = (any::<bool>(), connack_rc, p("connack")).prop_map(|(sp, rc, props)| Seed::ConnAck {
        sp: sp && rc == ReasonCode::Success,
        rc,
        props,
    });
    let publish = (any::<bool>(), 0u8..3, any::<bool>(), topic(), any::<bool>(), pid(), p("publish"), bytes())
        .prop_map(move |(dup, qos, retain, topic, alias_only, pid, props, payload)| Seed::Publish {
            dup: dup && qos > 0,
            qos,
            retain,
            topic,
            alias_only: alias_only && v5,
            pid,
            props,
            payload,
        });
    let ack = (
        prop::sample::select(vec![PacketType::PubAck, PacketType::PubRec, PacketType::PubRel, PacketType::PubComp]),
        pid(),
        any::<prop::sample::Index>(),
        p("ack"),
    )
        .prop_map(move |(ptype, pid, idx, props)| {
            let codes: Vec<ReasonCode> = (0..=255u8)
                .filter_map(|c| ReasonCode::try_from(c).ok())
                .filter(|r| r.allowed_in(ptype) && (v5 || *r == ReasonCode::Success))
                .collect();
            Seed::Ack { ptype, pid, rc: *idx.get(&codes), props }
        });
    let sub_opts = any::<u8>().prop_map(move |b| {
        let qos = b % 3;
        if v5 {
            qos | (b & 0x0C) | (((b >> 4) % 3) << 4)
        } else {
            qos
        }
    });
    let subscribe = (pid(), p("subscribe"), prop::collection::vec((filter(), sub_opts), 1..4)).prop_map(
        |(pid, props, mut subs)| {
            for (f, o) in &mut subs {
                if f.starts_with("$share/") {
                    *o &= !0x04; // MQTT-3.8.3-4: no No Local on shared subscriptions
                }
            }
            Seed::Subscribe { pid, props, subs }
        },
    );
    let suback_v3 = prop::sample::select(vec![
        ReasonCode::Success,
        ReasonCode::GrantedQos1,
        ReasonCode::GrantedQos2,
        ReasonCode::UnspecifiedError,
    ]);
    let suback_rc = if v5 { reason(PacketType::SubAck).boxed() } else { suback_v3.boxed() };
    let suback = (pid(), p("ack"), prop::collection::vec(suback_rc, 1..4))
        .prop_map(|(pid, props, codes)| Seed::SubAck { pid, props, codes });
    let unsubscribe = (pid(), p("unsubscribe"), prop::collection::vec(filter(), 1..4))
        .prop_map(|(pid, props, filters)| Seed::Unsubscribe { pid, props, filters });
    let unsuback = (pid(), p("ack"), prop::collection::vec(reason(PacketType::UnsubAck), 1..4))
        .prop_map(move |(pid, props, codes)| Seed::UnsubAck { pid, props, codes: if v5 { codes } else { vec![] } });
    let disconnect =
        (rc(PacketType::Disconnect), p("disconnect")).prop_map(|(rc, props)| Seed::Disconnect { rc, props });
    let auth = (reason(PacketType::Auth), prop_seeds("auth")).prop_map(|(rc, mut props)| {
        // 5.0 §3.15.2.2.2: an AUTH with a body names its Authentication Method.
        let has_body = rc != ReasonCode::Success || !props.is_empty();
        if has_body && !props.iter().any(|p| p.id == PropertyId::AuthenticationMethod) {
            let s = "SCRAM-SHA-256".to_string();
            props.insert(0, PropSeed { id: PropertyId::AuthenticationMethod, n: 0, s, s2: String::new(), b: vec![] });
        }
        Seed::Auth { rc, props }
    });
    let mut all = vec![
        connect.boxed(),
        connack.boxed(),
        publish.boxed(),
        ack.boxed(),
        subscribe.boxed(),
        suback.boxed(),
        unsubscribe.boxed(),
        unsuback.boxed(),
        any::<bool>().prop_map(Seed::Ping).boxed(),
        disconnect.boxed(),
    ];
    if v5 {
        all.push(auth.boxed());
    }
    prop::strategy::Union::new(all)
}

/// Builds the borrowed packet from the seed and runs the check on it.
fn props(p: &[PropSeed]) -> Vec<Property<'_>> {
    p.iter().map(PropSeed::view).collect()
}

fn with_packet(s: &Seed, v: Version, check: impl FnOnce(Packet<'_>)) {
    match s {
        Seed::Connect { protocol31, clean, keep_alive, props: ps, id, will, user, pass } => {
            let cp = props(ps);
            let wp = will.as_ref().map(|w| props(&w.props)).unwrap_or_default();
            let protocol = match (v, protocol31) {
                (Version::V5, _) => Protocol::Mqtt5,
                (_, true) => Protocol::Mqtt31,
                _ => Protocol::Mqtt311,
            };
            check(Packet::Connect(Connect {
                protocol,
                clean_start: *clean,
                keep_alive: *keep_alive,
                properties: List::new(&cp),
                client_id: id,
                will: will.as_ref().map(|w| Will {
                    topic: TopicName::new(&w.topic).unwrap(),
                    payload: &w.payload,
                    qos: Qos::try_from(w.qos).unwrap(),
                    retain: w.retain,
                    properties: List::new(&wp),
                }),
                username: user.as_deref(),
                password: pass.as_deref(),
            }))
        }
        Seed::ConnAck { sp, rc, props: ps } => {
            let p = props(ps);
            check(Packet::ConnAck(ConnAck { session_present: *sp, reason_code: *rc, properties: List::new(&p) }))
        }
        Seed::Publish { dup, qos, retain, topic, alias_only, pid, props: ps, payload } => {
            let mut p = props(ps);
            let topic = if *alias_only {
                if !p.iter().any(|p| p.id() == PropertyId::TopicAlias) {
                    p.push(Property::TopicAlias(1));
                }
                TopicName::alias_only()
            } else {
                TopicName::new(topic).unwrap()
            };
            let qos = match qos {
                0 => QosPid::AtMostOnce,
                1 => QosPid::AtLeastOnce(*pid),
                _ => QosPid::ExactlyOnce(*pid),
            };
            check(Packet::Publish(Publish {
                dup: *dup,
                qos,
                retain: *retain,
                topic,
                properties: List::new(&p),
                payload,
            }))
        }
        Seed::Ack { ptype, pid, rc, props: ps } => {
            let p = props(ps);
            let (packet_id, reason_code, properties) = (*pid, *rc, List::new(&p));
            check(match ptype {
                PacketType::PubAck => Packet::PubAck(PubAck { packet_id, reason_code, properties }),
                PacketType::PubRec => Packet::PubRec(PubRec { packet_id, reason_code, properties }),
                PacketType::PubRel => Packet::PubRel(PubRel { packet_id, reason_code, properties }),
                _ => Packet::PubComp(PubComp { packet_id, reason_code, properties }),
            })
        }
        Seed::Subscribe { pid, props: ps, subs } => {
            let p = props(ps);
            let subs: Vec<Subscription<'_>> = subs
                .iter()
                .map(|(f, o)| Subscription {
                    filter: TopicFilter::new(f).unwrap(),
                    options: SubscriptionOptions::from_byte(*o, v).unwrap(),
                })
                .collect();
            check(Packet::Subscribe(Subscribe {
                packet_id: *pid,
                properties: List::new(&p),
                subscriptions: List::new(&subs),
            }))
        }
        Seed::SubAck { pid, props: ps, codes } => {
            let p = props(ps);
            check(Packet::SubAck(SubAck { packet_id: *pid, properties: List::new(&p), reason_codes: List::new(codes) }))
        }
        Seed::Unsubscribe { pid, props: ps, filters } => {
            let p = props(ps);
            let f: Vec<TopicFilter<'_>> = filters.iter().map(|f| TopicFilter::new(f).unwrap()).collect();
            check(Packet::Unsubscribe(Unsubscribe {
                packet_id: *pid,
                properties: List::new(&p),
                filters: List::new(&f),
            }))
        }
        Seed::UnsubAck { pid, props: ps, codes } => {
            let p = props(ps);
            check(Packet::UnsubAck(UnsubAck {
                packet_id: *pid,
                properties: List::new(&p),
                reason_codes: List::new(codes),
            }))
        }
        Seed::Ping(req) => check(if *req { Packet::PingReq } else { Packet::PingResp }),
        Seed::Disconnect { rc, props: ps } => {
            let p = props(ps);
            check(Packet::Disconnect(Disconnect { reason_code: *rc, properties: List::new(&p) }))
        }
        Seed::Auth { rc, props: ps } => {
            let p = props(ps);
            check(Packet::Auth(Auth { reason_code: *rc, properties: List::new(&p) }))
        }
    }
}

fn roundtrip(s: &Seed, v: Version) -> Result<(), TestCaseError> {
    let mut result = Ok(());
    with_packet(s, v, |packet| {
        result = (|| {
            let len = packet.encoded_len(v);
            let mut buf = vec![0u8; len + 3];
            let n = packet.encode(v, &mut buf).map_err(|e| TestCaseError::fail(format!("{e} for {packet:?}")))?;
            prop_assert_eq!(n, len, "encoded_len");
            // One byte short is refused with the size needed, and nothing is written.
            let mut short = vec![0xAAu8; len - 1];
            prop_assert_eq!(packet.encode(v, &mut short), Err(EncodeError::BufferTooSmall { required: len }));
            prop_assert!(short.iter().all(|&b| b == 0xAA));
            let wire = &buf[..n];
            match decode_packet(wire, &DecodeOptions::new(v)) {
                Ok(Status::Complete { item, consumed }) => {
                    prop_assert_eq!(consumed, n);
                    prop_assert_eq!(item, packet);
                    let mut again = vec![0u8; n];
                    prop_assert_eq!(item.encode(v, &mut again), Ok(n));
                    prop_assert_eq!(&again[..], wire);
                }
                other => prop_assert!(false, "decode gave {:?} for {:?}", other, packet),
            }
            Ok(())
        })();
    });
    result
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn v311_packets_round_trip(s in seed(Version::V311)) {
        roundtrip(&s, Version::V311)?;
    }

    #[test]
    fn v5_packets_round_trip(s in seed(Version::V5)) {
        roundtrip(&s, Version::V5)?;
    }
}
