//! The client machine against hand-written server bytes: CONNECT/CONNACK, keep-alive, the QoS
//! flows both ways, Receive Maximum, topic aliases both ways, resume and lost sessions,
//! Maximum Packet Size, backpressure, and no panic on hostile input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use core::time::Duration;

use mqtt_codec::client::{Client, CloseReason, CommandError, Config, Event, OutgoingMessage};
use mqtt_codec::time::Instant;
use mqtt_codec::topic::TopicName;
use mqtt_codec::wire::*;

type C = Client<Vec<u8>, 8, 4>;

fn client(v: Version) -> C {
    Client::new(Config::new(v).with_topic_alias_maximum(4), vec![0; 8192]).unwrap()
}

fn t(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// Everything the client has to send now, one packet per entry.
fn tx(c: &mut C, now: Instant) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    while let Some(t) = c.poll_transmit(now, &mut buf).unwrap() {
        out.push(buf[..t.len].to_vec());
    }
    out
}

/// The events, as owned one-line summaries.
fn events(c: &mut C) -> Vec<String> {
    let mut out = Vec::new();
    while let Some(ev) = c.poll_event() {
        out.push(match ev {
            Event::MessageReceived(p) => {
                format!("message {} {} q{}", p.topic.as_str(), String::from_utf8_lossy(p.payload), p.qos.qos() as u8)
            }
            Event::Connected { session_present, .. } => format!("connected sp={session_present}"),
            Event::PublishAcknowledged { handle, reason } => format!("acked #{} {:?}", handle.get(), reason),
            Event::PublishSent { handle } => format!("sent #{}", handle.get()),
            Event::PublishDropped { handle, reason } => format!("dropped #{} {:?}", handle.get(), reason),
            Event::Subscribed { packet_id, reason_codes } => {
                format!("subscribed {} {:?}", packet_id, reason_codes.iter().collect::<Vec<_>>())
            }
            Event::Closed { reason, .. } => format!("closed {reason:?}"),
            other => format!("{other:?}"),
        });
    }
    out
}

fn encode(p: Packet<'_>, v: Version) -> Vec<u8> {
    let mut buf = vec![0u8; p.encoded_len(v)];
    p.encode(v, &mut buf).unwrap();
    buf
}

fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

fn publish<'a>(topic: &'a str, payload: &'a [u8], qos: QosPid) -> Publish<'a> {
    Publish { qos, ..Publish::new(TopicName::new(topic).unwrap(), payload) }
}

/// Connects and reads the CONNACK.
fn connected(v: Version, connack: &ConnAck<'_>) -> C {
    let mut c = client(v);
    let protocol = if v == Version::V5 { Protocol::Mqtt5 } else { Protocol::Mqtt311 };
    c.connect(t(0), &Connect { client_id: "c1", keep_alive: 30, ..Connect::new(protocol) }).unwrap();
    let sent = tx(&mut c, t(0));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0][0], 0x10);
    let ack = encode(Packet::ConnAck(*connack), v);
    assert_eq!(c.handle_input(t(1), &ack), Ok(ack.len()));
    c
}

#[test]
fn connect_announces_our_limits_and_reads_the_servers() {
    let mut c = client(Version::V5);
    c.connect(t(0), &Connect { client_id: "c1", ..Connect::new(Protocol::Mqtt5) }).unwrap();
    let sent = tx(&mut c, t(0));
    let Ok(Status::Complete { item: Packet::Connect(conn), .. }) =
        decode_packet(&sent[0], &DecodeOptions::new(Version::V5))
    else {
        panic!()
    };
    let props: Vec<_> = conn.properties.iter().collect();
    assert!(props.contains(&Property::ReceiveMaximum(8)), "{props:?}"); // capped at N = 8
    assert!(props.contains(&Property::TopicAliasMaximum(4)));
    assert!(props.iter().any(|p| matches!(p, Property::MaximumPacketSize(n) if *n <= 2048)));
    let ack_props = [Property::ReceiveMaximum(2), Property::TopicAliasMaximum(5), Property::ServerKeepAlive(7)];
    let ack = encode(
        Packet::ConnAck(ConnAck { properties: List::new(&ack_props), ..ConnAck::new(ReasonCode::Success) }),
        Version::V5,
    );
    c.handle_input(t(1), &ack).unwrap();
    assert_eq!(events(&mut c), ["connected sp=false"]);
    assert_eq!((c.server_limits().receive_maximum, c.server_limits().topic_alias_maximum), (2, 5));
    // Server Keep Alive 7 s replaces ours (5.0 §3.2.2.3.14).
    assert_eq!(c.poll_timeout(), Some(t(7000)));
}

#[test]
fn connack_timeout_and_refusal_close() {
    let mut c = client(Version::V311);
    c.connect(t(0), &Connect::new(Protocol::Mqtt311)).unwrap();
    tx(&mut c, t(0));
    assert_eq!(c.poll_timeout(), Some(t(10_000)));
    c.handle_timeout(t(10_000));
    assert_eq!(events(&mut c), ["closed ConnectTimeout"]);
    // Refused: the reason is the 3.1.1 return code's 5.0 equivalent.
    c.connect(t(20_000), &Connect::new(Protocol::Mqtt311)).unwrap();
    tx(&mut c, t(20_000));
    assert_eq!(
        c.handle_input(t(20_001), &[0x20, 0x02, 0x00, 0x05]),
        Err(CloseReason::Refused(ReasonCode::NotAuthorized))
    );
    assert_eq!(events(&mut c), ["closed Refused(NotAuthorized)"]);
    assert!(c.connect(t(20_002), &Connect::new(Protocol::Mqtt311)).is_ok(), "idle again after a close");
}

#[test]
fn keep_alive_pings_when_idle_and_closes_without_pingresp() {
    let mut c = connected(Version::V311, &ConnAck::new(ReasonCode::Success));
    assert_eq!(c.poll_timeout(), Some(t(30_000)));
    c.handle_timeout(t(30_000));
    assert_eq!(tx(&mut c, t(30_000)), [vec![0xC0, 0x00]]);
    assert_eq!(c.poll_timeout(), Some(t(40_000)), "PINGRESP due within ping_timeout");
    c.handle_input(t(30_005), &[0xD0, 0x00]).unwrap();
    assert_eq!(c.poll_timeout(), Some(t(60_000)), "next ping a keep alive after the last send");
    c.handle_timeout(t(60_000));
    assert_eq!(tx(&mut c, t(60_000)), [vec![0xC0, 0x00]]);
    c.handle_timeout(t(70_000));
    assert_eq!(events(&mut c), ["connected sp=false", "closed KeepAliveTimeout"]);
    assert!(tx(&mut c, t(70_000)).is_empty(), "a dead link gets nothing more");
}

#[test]
fn qos1_and_qos2_outbound_complete_with_events() {
    let mut c = connected(Version::V311, &ConnAck::new(ReasonCode::Success));
    let h1 = c.publish(t(2), &OutgoingMessage::new("a/b", b"one").with_qos(Qos::AtLeastOnce)).unwrap();
    let h2 = c.publish(t(2), &OutgoingMessage::new("a/b", b"two").with_qos(Qos::ExactlyOnce)).unwrap();
    let h0 = c.publish(t(2), &OutgoingMessage::new("a/b", b"zero")).unwrap();
    let sent = tx(&mut c, t(2));
    assert_eq!(sent.len(), 3);
    assert_eq!(sent[0], encode(Packet::Publish(publish("a/b", b"one", QosPid::AtLeastOnce(pid(1)))), Version::V311));
    assert_eq!(sent[1], encode(Packet::Publish(publish("a/b", b"two", QosPid::ExactlyOnce(pid(2)))), Version::V311));
    c.handle_input(t(3), &[0x40, 0x02, 0x00, 0x01, 0x50, 0x02, 0x00, 0x02]).unwrap();
    assert_eq!(tx(&mut c, t(3)), [vec![0x62, 0x02, 0x00, 0x02]], "PUBREL after PUBREC");
    c.handle_input(t(4), &[0x70, 0x02, 0x00, 0x02]).unwrap();
    assert_eq!(
        events(&mut c),
        [
            "connected sp=false".to_string(),
            format!("sent #{}", h0.get()),
            format!("acked #{} Success", h1.get()),
            format!("acked #{} Success", h2.get())
        ]
    );
}

#[test]
fn receive_maximum_limits_messages_in_flight() {
    let props = [Property::ReceiveMaximum(2)];
    let mut c = connected(Version::V5, &ConnAck { properties: List::new(&props), ..ConnAck::new(ReasonCode::Success) });
    for i in 0..5u8 {
        c.publish(t(2), &OutgoingMessage::new("q", &[i]).with_qos(Qos::AtLeastOnce)).unwrap();
    }
    assert_eq!(tx(&mut c, t(2)).len(), 2, "MQTT-4.9.0-2: quota 2");
    c.handle_input(t(3), &[0x40, 0x02, 0x00, 0x01]).unwrap();
    let next = tx(&mut c, t(3));
    assert_eq!(next.len(), 1);
    assert_eq!(*next[0].last().unwrap(), 2, "in order: the third message");
    // A PUBACK with an error code also returns the unit, and reports the message dropped.
    c.handle_input(
        t(4),
        &encode(Packet::PubAck(PubAck { reason_code: ReasonCode::QuotaExceeded, ..PubAck::new(pid(2)) }), Version::V5),
    )
    .unwrap();
    assert_eq!(tx(&mut c, t(4)).len(), 1);
    let ev = events(&mut c);
    assert_eq!(ev[1..], ["acked #1 Success", "dropped #2 Refused(QuotaExceeded)"]);
}

#[test]
fn qos2_duplicate_publish_before_pubrel_delivered_once() {
    let mut c = connected(Version::V311, &ConnAck::new(ReasonCode::Success));
    let first = encode(Packet::Publish(publish("x", b"once", QosPid::ExactlyOnce(pid(9)))), Version::V311);
    let dup = encode(
        Packet::Publish(Publish { dup: true, ..publish("x", b"once", QosPid::ExactlyOnce(pid(9))) }),
        Version::V311,
    );
    c.handle_input(t(2), &first).unwrap();
    c.handle_input(t(3), &dup).unwrap();
    assert_eq!(tx(&mut c, t(3)), [vec![0x50, 0x02, 0x00, 0x09], vec![0x50, 0x02, 0x00, 0x09]], "PUBREC each time");
    c.handle_input(t(4), &[0x62, 0x02, 0x00, 0x09]).unwrap();
    assert_eq!(tx(&mut c, t(4)), [vec![0x70, 0x02, 0x00, 0x09]]);
    // After PUBCOMP the id starts a new message (MQTT-4.3.3-12 (5.0)).
    c.handle_input(t(5), &first).unwrap();
    assert_eq!(events(&mut c), ["connected sp=false", "message x once q2", "message x once q2"]);
}

#[test]
fn aliased_topic_reaches_the_caller_resolved() {
    let mut c = connected(Version::V5, &ConnAck::new(ReasonCode::Success));
    let set = [Property::TopicAlias(3)];
    let first = Publish { properties: List::new(&set), ..publish("sensors/7/temp", b"21", QosPid::AtMostOnce) };
    let second = Publish { topic: TopicName::alias_only(), ..first };
    let third = Publish { topic: TopicName::alias_only(), payload: b"23", ..first };
    for p in [first, Publish { payload: b"22", ..second }, third] {
        c.handle_input(t(2), &encode(Packet::Publish(p), Version::V5)).unwrap();
    }
    assert_eq!(
        events(&mut c)[1..],
        ["message sensors/7/temp 21 q0", "message sensors/7/temp 22 q0", "message sensors/7/temp 23 q0"]
    );
    // An alias never set is a protocol error: DISCONNECT 0x82, then closed.
    let unknown = [Property::TopicAlias(4)];
    let bad = Publish { topic: TopicName::alias_only(), properties: List::new(&unknown), ..first };
    let r = c.handle_input(t(3), &encode(Packet::Publish(bad), Version::V5));
    assert!(matches!(r, Err(CloseReason::ProtocolError { reason: ReasonCode::ProtocolError, .. })), "{r:?}");
    assert_eq!(tx(&mut c, t(3)), [vec![0xE0, 0x01, 0x82]]);
    // An alias above our Topic Alias Maximum (4): Topic Alias invalid.
    let mut c = connected(Version::V5, &ConnAck::new(ReasonCode::Success));
    let over = [Property::TopicAlias(5)];
    let r =
        c.handle_input(t(2), &encode(Packet::Publish(Publish { properties: List::new(&over), ..first }), Version::V5));
    assert!(matches!(r, Err(CloseReason::ProtocolError { reason: ReasonCode::TopicAliasInvalid, .. })), "{r:?}");
}

#[test]
fn outbound_topic_alias_is_assigned_within_the_servers_maximum() {
    let props = [Property::TopicAliasMaximum(1)];
    let mut c = connected(Version::V5, &ConnAck { properties: List::new(&props), ..ConnAck::new(ReasonCode::Success) });
    for (topic, payload) in [("long/topic/name", b"1"), ("long/topic/name", b"2"), ("other", b"3")] {
        c.publish(t(2), &OutgoingMessage::new(topic, payload)).unwrap();
    }
    let sent = tx(&mut c, t(2));
    let opts = DecodeOptions::new(Version::V5);
    let decoded: Vec<(String, Option<u16>)> = sent
        .iter()
        .map(|b| match decode_packet(b, &opts).unwrap() {
            Status::Complete { item: Packet::Publish(p), .. } => {
                (p.topic.as_str().to_string(), p.properties.topic_alias())
            }
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        decoded,
        [("long/topic/name".into(), Some(1)), (String::new(), Some(1)), ("other".into(), None)],
        "alias 1 set, then used; the maximum (1) leaves the third plain"
    );
}

#[test]
fn resume_resends_publish_with_dup_and_pubrel_not_publish_after_pubrec() {
    let mut c = connected(Version::V311, &ConnAck::new(ReasonCode::Success));
    c.publish(t(2), &OutgoingMessage::new("r", b"q1").with_qos(Qos::AtLeastOnce)).unwrap();
    c.publish(t(2), &OutgoingMessage::new("r", b"q2").with_qos(Qos::ExactlyOnce)).unwrap();
    assert_eq!(tx(&mut c, t(2)).len(), 2);
    c.handle_input(t(3), &[0x50, 0x02, 0x00, 0x02]).unwrap(); // PUBREC for the QoS 2 message
    assert_eq!(tx(&mut c, t(3)), [vec![0x62, 0x02, 0x00, 0x02]]);
    c.connection_lost(t(4));
    assert_eq!(events(&mut c), ["connected sp=false", "closed TransportClosed"]);
    c.connect(t(5), &Connect { clean_start: false, client_id: "c1", ..Connect::new(Protocol::Mqtt311) }).unwrap();
    assert_eq!(tx(&mut c, t(5)).len(), 1, "only CONNECT before CONNACK");
    c.handle_input(t(6), &[0x20, 0x02, 0x01, 0x00]).unwrap(); // session present
    let sent = tx(&mut c, t(6));
    let dup = encode(
        Packet::Publish(Publish { dup: true, ..publish("r", b"q1", QosPid::AtLeastOnce(pid(1))) }),
        Version::V311,
    );
    assert_eq!(sent, [dup, vec![0x62, 0x02, 0x00, 0x02]], "MQTT-4.4.0-1: PUBLISH with DUP, then PUBREL, in order");
}

#[test]
fn lost_session_reports_messages_in_flight_dropped() {
    let mut c = connected(Version::V311, &ConnAck::new(ReasonCode::Success));
    c.publish(t(2), &OutgoingMessage::new("r", b"q1").with_qos(Qos::AtLeastOnce)).unwrap();
    tx(&mut c, t(2));
    c.connection_lost(t(3));
    let queued = c.publish(t(3), &OutgoingMessage::new("r", b"later").with_qos(Qos::AtLeastOnce)).unwrap();
    c.connect(t(4), &Connect { clean_start: false, ..Connect::new(Protocol::Mqtt311) }).unwrap();
    tx(&mut c, t(4));
    c.handle_input(t(5), &[0x20, 0x02, 0x00, 0x00]).unwrap(); // no session
    let ev = events(&mut c);
    assert_eq!(ev[2..], ["connected sp=false", "dropped #1 SessionLost"]);
    let sent = tx(&mut c, t(5));
    assert_eq!(sent.len(), 1, "the message queued while offline goes out in the new session");
    assert_eq!(sent[0][0], 0x32);
    let _ = queued;
}

#[test]
fn packet_over_peer_maximum_packet_size_refused_before_packet_id_is_spent() {
    let props = [Property::MaximumPacketSize(20)];
    let mut c = connected(Version::V5, &ConnAck { properties: List::new(&props), ..ConnAck::new(ReasonCode::Success) });
    let big = OutgoingMessage::new("t", &[0u8; 32]).with_qos(Qos::AtLeastOnce);
    assert!(matches!(c.publish(t(2), &big), Err(CommandError::PacketTooLarge { max: 20, .. })));
    c.publish(t(2), &OutgoingMessage::new("t", b"ok").with_qos(Qos::AtLeastOnce)).unwrap();
    let sent = tx(&mut c, t(2));
    assert_eq!(&sent[0][5..7], &[0x00, 0x01], "packet id 1 was not spent on the refused message");
}

#[test]
fn retain_and_qos_the_server_refuses_are_refused_locally() {
    let props = [Property::MaximumQos(Qos::AtLeastOnce), Property::RetainAvailable(false)];
    let mut c = connected(Version::V5, &ConnAck { properties: List::new(&props), ..ConnAck::new(ReasonCode::Success) });
    let q2 = OutgoingMessage::new("t", b"x").with_qos(Qos::ExactlyOnce);
    assert_eq!(c.publish(t(2), &q2), Err(CommandError::NotSupported));
    assert_eq!(c.publish(t(2), &OutgoingMessage::new("t", b"x").with_retain(true)), Err(CommandError::NotSupported));
}

#[test]
fn subscribe_and_suback() {
    let mut c = connected(Version::V5, &ConnAck::new(ReasonCode::Success));
    let subs = [Subscription::new(mqtt_codec::topic::TopicFilter::new("a/+").unwrap(), Qos::AtLeastOnce)];
    let id = c.subscribe(t(2), &subs, &[]).unwrap();
    let sent = tx(&mut c, t(2));
    assert_eq!(sent[0][0], 0x82);
    let codes = [ReasonCode::GrantedQos1];
    c.handle_input(t(3), &encode(Packet::SubAck(SubAck::new(id, List::new(&codes))), Version::V5)).unwrap();
    assert_eq!(events(&mut c)[1..], [format!("subscribed {id} [GrantedQos1]")]);
    // A SUBSCRIBE whose SUBACK cannot come any more is reported.
    let id2 = c.subscribe(t(4), &subs, &[]).unwrap();
    tx(&mut c, t(4));
    c.connection_lost(t(5));
    assert_eq!(
        events(&mut c),
        [format!("RequestDropped {{ packet_id: PacketId({id2}) }}"), "closed TransportClosed".into()]
    );
}

#[test]
fn full_event_store_applies_backpressure_and_loses_nothing() {
    // 8 event records (N = 8): the ninth PUBLISH waits in the caller's buffer.
    let mut c = connected(Version::V311, &ConnAck::new(ReasonCode::Success));
    let mut input = Vec::new();
    for i in 0..20u8 {
        input.extend(encode(Packet::Publish(publish("b", &[b'a' + i], QosPid::AtMostOnce)), Version::V311));
    }
    let mut got = Vec::new();
    let mut rest = &input[..];
    let mut rounds = 0;
    while !rest.is_empty() {
        let used = c.handle_input(t(2), rest).unwrap();
        assert!(used < rest.len() || rounds > 0, "the first call cannot take all 20 (one is the CONNACK's event)");
        rest = &rest[used..];
        got.extend(events(&mut c));
        rounds += 1;
        assert!(rounds < 10);
    }
    got.retain(|e| e.starts_with("message"));
    let want: Vec<String> = (0..20u8).map(|i| format!("message b {} q0", (b'a' + i) as char)).collect();
    assert_eq!(got, want);
}

#[test]
fn hostile_input_never_panics_and_the_client_stays_usable() {
    let mut s = 0x2545_F491_4F6C_DD1Du64;
    for round in 0..3000u32 {
        let v = if round % 2 == 0 { Version::V5 } else { Version::V311 };
        let mut c = connected(v, &ConnAck::new(ReasonCode::Success));
        let len = (round % 64) as usize + 1;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                // Bias towards valid packet types so the machine, not only the decoder, runs.
                (s >> 24) as u8
            })
            .collect();
        let _ = c.handle_input(t(2), &bytes);
        let _ = tx(&mut c, t(2));
        let _ = events(&mut c);
        c.handle_timeout(t(100_000));
        let _ = tx(&mut c, t(100_000));
        let _ = events(&mut c);
        // Still usable: a publish is accepted or refused with a typed error.
        let _ = c.publish(t(100_001), &OutgoingMessage::new("x", b"y").with_qos(Qos::AtLeastOnce));
    }
    let _ = Duration::ZERO;
}

#[test]
fn an_idle_client_fits_in_256_bytes_beside_its_store() {
    // The machine's own state with a borrowed store and no slots: the fixed cost of a
    // connection (the bench prints the per-slot cost).
    let fixed = size_of::<Client<&mut [u8], 0, 0>>();
    assert!(fixed <= 256, "{fixed} bytes");
}

#[test]
fn server_exceeding_our_receive_maximum_is_a_protocol_error() {
    let mut c: C = Client::new(Config::new(Version::V5).with_receive_maximum(2), vec![0; 8192]).unwrap();
    c.connect(t(0), &Connect::new(Protocol::Mqtt5)).unwrap();
    tx(&mut c, t(0));
    c.handle_input(t(1), &[0x20, 0x03, 0x00, 0x00, 0x00]).unwrap();
    let q1 = |id| encode(Packet::Publish(publish("r", b"m", QosPid::AtLeastOnce(pid(id)))), Version::V5);
    let q2 = |id| encode(Packet::Publish(publish("r", b"m", QosPid::ExactlyOnce(pid(id)))), Version::V5);
    // Two unacknowledged (a PUBACK not yet written, a QoS 2 id until PUBREL): the limit.
    c.handle_input(t(2), &q1(1)).unwrap();
    c.handle_input(t(2), &q2(2)).unwrap();
    // A duplicate of the QoS 2 message is not a new one.
    c.handle_input(t(2), &q2(2)).unwrap();
    let r = c.handle_input(t(2), &q1(3));
    assert!(matches!(r, Err(CloseReason::ProtocolError { reason: ReasonCode::ReceiveMaximumExceeded, .. })), "{r:?}");
    // Once acknowledged, the same traffic is within the limit.
    let mut c: C = Client::new(Config::new(Version::V5).with_receive_maximum(2), vec![0; 8192]).unwrap();
    c.connect(t(0), &Connect::new(Protocol::Mqtt5)).unwrap();
    tx(&mut c, t(0));
    c.handle_input(t(1), &[0x20, 0x03, 0x00, 0x00, 0x00]).unwrap();
    c.handle_input(t(2), &q1(1)).unwrap();
    c.handle_input(t(2), &q2(2)).unwrap();
    tx(&mut c, t(2));
    c.handle_input(t(3), &[0x62, 0x02, 0x00, 0x02]).unwrap(); // PUBREL frees the QoS 2 id
    tx(&mut c, t(3));
    c.handle_input(t(4), &q1(3)).unwrap();
    c.handle_input(t(4), &q2(4)).unwrap();
}
