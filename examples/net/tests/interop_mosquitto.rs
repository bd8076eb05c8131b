//! Interop with a real mosquitto broker on loopback (`net::mosquitto`): skips with a reason when
//! mosquitto is missing, fails in CI (`CI=true`). Each test starts its own broker.
//!
//! The first tests prove the harness with mqtt-codec's wire layer alone over a blocking
//! `TcpStream`, in both versions: CONNECT/CONNACK, SUBSCRIBE/SUBACK, a QoS 1 PUBLISH that the
//! broker acknowledges and echoes back to us (we are subscribed), our PUBACK, DISCONNECT.
//!
//! The rest drive mqtt-codec's `Client` through `net::driver` (tokio), in 3.1.1 and 5.0: QoS 0,
//! 1 and 2 from one of our clients through mosquitto to another, retained messages, the will on
//! a dropped socket (and none after DISCONNECT), session resume with QoS 1 messages queued on
//! both sides, and 5.0 topic aliases both ways. Every wait is bounded (`common::STEP`); a
//! failure prints the broker's log, which records every packet.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use common::{assert_messages, bounded, packets, tee, LogOnPanic, Peer, QUIET};
use mqtt_codec::client::{CloseReason, Config, OutgoingMessage, PublishHandle};
use mqtt_codec::topic::{TopicFilter, TopicName};
use mqtt_codec::wire::{
    decode_packet, Connect, DecodeOptions, Disconnect, List, Packet, PacketId, Property, PropertyId, Protocol, PubAck,
    Publish, Qos, QosPid, ReasonCode, Status, Subscribe, Subscription, Version, Will,
};
use net::driver::Event;
use net::mosquitto::{broker_or_skip, Broker};

/// A blocking MQTT connection driven by hand with the wire layer.
struct Conn<'b> {
    stream: TcpStream,
    rx: Vec<u8>,
    version: Version,
    /// For failure messages.
    broker: &'b Broker,
}

impl<'b> Conn<'b> {
    fn open(broker: &'b Broker, version: Version) -> Self {
        let stream = TcpStream::connect(broker.addr()).unwrap();
        // A broken exchange fails the test instead of hanging it.
        stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        Self { stream, rx: Vec::new(), version, broker }
    }

    fn send(&mut self, packet: Packet<'_>) {
        let mut buf = vec![0u8; packet.encoded_len(self.version)];
        let n = packet.encode(self.version, &mut buf).unwrap();
        assert_eq!(n, buf.len(), "encoded_len is exact");
        self.stream.write_all(&buf).unwrap();
    }

    /// Reads until one whole packet is buffered and returns its bytes (decode them with
    /// [`Conn::decode`]); what follows it stays buffered for the next call.
    fn frame(&mut self) -> Vec<u8> {
        let opts = DecodeOptions::new(self.version);
        loop {
            match decode_packet(&self.rx, &opts) {
                Ok(Status::Complete { consumed, .. }) => return self.rx.drain(..consumed).collect(),
                Ok(Status::Partial(_)) => {}
                Err(e) => {
                    panic!("undecodable bytes from mosquitto {:02x?}: {e}\nbroker log:\n{}", self.rx, self.broker.log())
                }
            }
            let mut chunk = [0u8; 1024];
            match self.stream.read(&mut chunk) {
                Ok(0) => panic!(
                    "mosquitto closed the connection with {:02x?} buffered\nbroker log:\n{}",
                    self.rx,
                    self.broker.log()
                ),
                Ok(n) => self.rx.extend_from_slice(&chunk[..n]),
                Err(e) => panic!("reading from mosquitto: {e}\nbroker log:\n{}", self.broker.log()),
            }
        }
    }

    fn decode<'a>(&self, frame: &'a [u8]) -> Packet<'a> {
        match decode_packet(frame, &DecodeOptions::new(self.version)) {
            Ok(Status::Complete { item, consumed }) if consumed == frame.len() => item,
            other => panic!("frame {frame:02x?} did not decode as one packet: {other:?}"),
        }
    }
}

fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

/// The whole round trip on one connection, subscribed to the topic it publishes to.
fn subscribe_publish_echo(protocol: Protocol) {
    let Some(broker) = broker_or_skip(&[]) else { return };
    let version = protocol.version();
    let mut conn = Conn::open(&broker, version);
    let fail = |what: &str, packet: &dyn std::fmt::Debug| -> ! {
        panic!("{protocol:?}: expected {what}, got {packet:?}\nbroker log:\n{}", broker.log())
    };

    let client_id = format!("net-interop-{protocol:?}");
    conn.send(Packet::Connect(Connect { client_id: &client_id, keep_alive: 30, ..Connect::new(protocol) }));
    let frame = conn.frame();
    match conn.decode(&frame) {
        Packet::ConnAck(ack) => {
            assert_eq!(ack.reason_code, ReasonCode::Success, "{protocol:?} CONNACK");
            assert!(!ack.session_present, "clean start gives no session");
        }
        other => fail("CONNACK", &other),
    }

    let topic = "net/interop/echo";
    let subs = [Subscription::new(TopicFilter::new(topic).unwrap(), Qos::AtLeastOnce)];
    conn.send(Packet::Subscribe(Subscribe::new(pid(1), List::new(&subs))));
    let frame = conn.frame();
    match conn.decode(&frame) {
        Packet::SubAck(ack) => {
            assert_eq!(ack.packet_id, pid(1));
            let codes: Vec<ReasonCode> = ack.reason_codes.iter().collect();
            assert_eq!(codes, [ReasonCode::GrantedQos1], "{protocol:?} SUBACK grants QoS 1");
        }
        other => fail("SUBACK", &other),
    }

    let payload = b"hello from mqtt-codec";
    let publish = Publish { qos: QosPid::AtLeastOnce(pid(2)), ..Publish::new(TopicName::new(topic).unwrap(), payload) };
    conn.send(Packet::Publish(publish));
    // The broker's PUBACK for our publish and its delivery of it to us, in either order.
    let (mut acked, mut echoed) = (false, false);
    while !(acked && echoed) {
        let frame = conn.frame();
        match conn.decode(&frame) {
            Packet::PubAck(ack) if !acked => {
                assert_eq!(ack.packet_id, pid(2));
                assert_eq!(ack.reason_code, ReasonCode::Success, "{protocol:?} PUBACK");
                acked = true;
            }
            Packet::Publish(p) if !echoed => {
                assert_eq!(p.topic.as_str(), topic);
                assert_eq!(p.payload, payload);
                assert!(!p.dup && !p.retain);
                // Delivered at min(published QoS 1, granted QoS 1), with the broker's own id.
                let QosPid::AtLeastOnce(their_id) = p.qos else { fail("the echo at QoS 1", &p) };
                conn.send(Packet::PubAck(PubAck::new(their_id)));
                echoed = true;
            }
            other => fail("PUBACK and the echoed PUBLISH, once each", &other),
        }
    }

    conn.send(Packet::Disconnect(Disconnect::new(ReasonCode::Success)));
    // A client should close its side now; waiting for the broker to close instead shows that it
    // took the DISCONNECT and had nothing more to send (a read timeout would fail here).
    let mut rest = Vec::new();
    conn.stream.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty() && conn.rx.is_empty(), "nothing after DISCONNECT: {rest:02x?} {:02x?}", conn.rx);
}

#[test]
fn v311_connect_subscribe_publish_qos1_echo_disconnect() {
    subscribe_publish_echo(Protocol::Mqtt311);
}

#[test]
fn v5_connect_subscribe_publish_qos1_echo_disconnect() {
    subscribe_publish_echo(Protocol::Mqtt5);
}

#[test]
fn broker_applies_extra_config_and_logs() {
    let Some(broker) = broker_or_skip(&["max_inflight_messages 20", "max_topic_alias 10"]) else { return };
    let mut conn = Conn::open(&broker, Version::V5);
    conn.send(Packet::Connect(Connect { client_id: "net-interop-config", ..Connect::new(Protocol::Mqtt5) }));
    let frame = conn.frame();
    let Packet::ConnAck(ack) = conn.decode(&frame) else { panic!("expected CONNACK\n{}", broker.log()) };
    assert_eq!(ack.reason_code, ReasonCode::Success);
    // mosquitto announces the extra config in the CONNACK's properties.
    let props: Vec<Property<'_>> = ack.properties.iter().collect();
    assert!(props.contains(&Property::ReceiveMaximum(20)), "max_inflight_messages 20: {props:?}\n{}", broker.log());
    assert!(props.contains(&Property::TopicAliasMaximum(10)), "max_topic_alias 10: {props:?}\n{}", broker.log());
    assert!(broker.log().contains("net-interop-config"), "the log records the client:\n{}", broker.log());
}

// ---- our Client through the tokio driver (`common::Peer`) ----------------------------------

/// Three messages at `qos` from our publisher, through mosquitto, to our subscriber (subscribed
/// at QoS 2, so they arrive at `qos`): each flow completes on both sides, once.
async fn qos_flows(protocol: Protocol, qos: Qos) {
    let Some(broker) = broker_or_skip(&[]) else { return };
    let _log = LogOnPanic(&broker);
    let mut sub = Peer::new(protocol, "sub");
    assert!(!sub.connect(broker.addr(), Connect::new(protocol)).await, "a clean start has no session");
    sub.subscribe("qos/#", Qos::ExactlyOnce).await;
    let mut publisher = Peer::new(protocol, "pub");
    publisher.connect(broker.addr(), Connect::new(protocol)).await;

    let payloads = ["one", "two", "three"];
    for p in payloads {
        // The outcome says mosquitto took it: PUBACK (QoS 1), PUBREC then PUBCOMP (QoS 2).
        publisher.publish(OutgoingMessage::new("qos/t", p.as_bytes()).with_qos(qos)).await;
    }
    let got = sub.receive(payloads.len()).await;
    assert_messages(&got, "qos/t", &payloads, qos, false);
    // Our subscriber's half of each flow reached mosquitto.
    match qos {
        Qos::AtMostOnce => {}
        Qos::AtLeastOnce => sub.until_logged(&broker, "Received PUBACK from sub (", 3).await,
        Qos::ExactlyOnce => {
            sub.until_logged(&broker, "Received PUBREC from sub (", 3).await;
            sub.until_logged(&broker, "Received PUBCOMP from sub (", 3).await;
        }
    }
    assert_eq!(sub.quiet(QUIET).await, [], "each message once");
    publisher.disconnect().await;
    sub.disconnect().await;
}

#[tokio::test]
async fn v311_qos0_publish_and_delivery() {
    bounded(qos_flows(Protocol::Mqtt311, Qos::AtMostOnce)).await;
}

#[tokio::test]
async fn v311_qos1_publish_and_delivery() {
    bounded(qos_flows(Protocol::Mqtt311, Qos::AtLeastOnce)).await;
}

#[tokio::test]
async fn v311_qos2_publish_and_delivery() {
    bounded(qos_flows(Protocol::Mqtt311, Qos::ExactlyOnce)).await;
}

#[tokio::test]
async fn v5_qos0_publish_and_delivery() {
    bounded(qos_flows(Protocol::Mqtt5, Qos::AtMostOnce)).await;
}

#[tokio::test]
async fn v5_qos1_publish_and_delivery() {
    bounded(qos_flows(Protocol::Mqtt5, Qos::AtLeastOnce)).await;
}

#[tokio::test]
async fn v5_qos2_publish_and_delivery() {
    bounded(qos_flows(Protocol::Mqtt5, Qos::ExactlyOnce)).await;
}

/// A retained message reaches a subscriber that comes later, with RETAIN set; live messages
/// come without it; an empty retained message clears it.
async fn retained(protocol: Protocol) {
    let Some(broker) = broker_or_skip(&[]) else { return };
    let _log = LogOnPanic(&broker);
    let mut publisher = Peer::new(protocol, "pub");
    publisher.connect(broker.addr(), Connect::new(protocol)).await;
    let retained = OutgoingMessage::new("state/door", b"open").with_qos(Qos::AtLeastOnce).with_retain(true);
    publisher.publish(retained).await;

    let mut late = Peer::new(protocol, "late");
    late.connect(broker.addr(), Connect::new(protocol)).await;
    late.subscribe("state/#", Qos::AtLeastOnce).await;
    assert_messages(&late.receive(1).await, "state/door", &["open"], Qos::AtLeastOnce, true);
    publisher.publish(OutgoingMessage::new("state/door", b"closed").with_qos(Qos::AtLeastOnce)).await;
    assert_messages(&late.receive(1).await, "state/door", &["closed"], Qos::AtLeastOnce, false);

    // Still the first one retained (the second was not); then cleared.
    let mut later = Peer::new(protocol, "later");
    later.connect(broker.addr(), Connect::new(protocol)).await;
    later.subscribe("state/door", Qos::AtMostOnce).await;
    assert_messages(&later.receive(1).await, "state/door", &["open"], Qos::AtMostOnce, true);
    publisher.publish(OutgoingMessage::new("state/door", b"").with_retain(true)).await;
    let mut last = Peer::new(protocol, "last");
    last.connect(broker.addr(), Connect::new(protocol)).await;
    last.subscribe("state/door", Qos::AtMostOnce).await;
    assert_eq!(last.quiet(QUIET).await, [], "an empty retained message clears the topic");
    for peer in [&mut publisher, &mut late, &mut later, &mut last] {
        peer.disconnect().await;
    }
}

#[tokio::test]
async fn v311_retained_message_reaches_a_later_subscriber() {
    bounded(retained(Protocol::Mqtt311)).await;
}

#[tokio::test]
async fn v5_retained_message_reaches_a_later_subscriber() {
    bounded(retained(Protocol::Mqtt5)).await;
}

/// A will is published when our client's socket drops without DISCONNECT, and not after a
/// normal DISCONNECT.
async fn will(protocol: Protocol) {
    let Some(broker) = broker_or_skip(&[]) else { return };
    let _log = LogOnPanic(&broker);
    let mut watcher = Peer::new(protocol, "watcher");
    watcher.connect(broker.addr(), Connect::new(protocol)).await;
    watcher.subscribe("wills/#", Qos::AtLeastOnce).await;
    let will = |payload: &'static [u8]| Will {
        topic: TopicName::new("wills/device").unwrap(),
        payload,
        qos: Qos::AtLeastOnce,
        retain: false,
        properties: List::default(),
    };

    let mut polite = Peer::new(protocol, "polite");
    polite.connect(broker.addr(), Connect { will: Some(will(b"polite gone")), ..Connect::new(protocol) }).await;
    polite.disconnect().await;
    assert_eq!(watcher.quiet(QUIET).await, [], "no will after a normal DISCONNECT");

    let mut crashing = Peer::new(protocol, "crashing");
    crashing.connect(broker.addr(), Connect { will: Some(will(b"crashing gone")), ..Connect::new(protocol) }).await;
    crashing.driver.abort();
    match crashing.next().await {
        Event::Closed { reason: CloseReason::TransportClosed, .. } => {}
        other => panic!("expected Closed (TransportClosed) after abort, got {other:?}"),
    }
    assert_messages(&watcher.receive(1).await, "wills/device", &["crashing gone"], Qos::AtLeastOnce, false);
    assert_eq!(watcher.quiet(QUIET).await, [], "one will");
    watcher.disconnect().await;
}

#[tokio::test]
async fn v311_will_on_dropped_socket_not_after_disconnect() {
    bounded(will(Protocol::Mqtt311)).await;
}

#[tokio::test]
async fn v5_will_on_dropped_socket_not_after_disconnect() {
    bounded(will(Protocol::Mqtt5)).await;
}

/// A persistent session (3.1.1 Clean Session 0; 5.0 Clean Start 0 with Session Expiry
/// Interval 300): mosquitto queues QoS 1 messages for the subscriber while it is away and
/// delivers them when it comes back to a present session.
async fn session_resume(protocol: Protocol) {
    let Some(broker) = broker_or_skip(&[]) else { return };
    let _log = LogOnPanic(&broker);
    let expiry = [Property::SessionExpiryInterval(300)];
    let persistent = Connect {
        clean_start: false,
        properties: if protocol == Protocol::Mqtt5 { List::new(&expiry) } else { List::default() },
        ..Connect::new(protocol)
    };
    let mut away = Peer::new(protocol, "away");
    assert!(!away.connect(broker.addr(), persistent).await, "no session yet");
    away.subscribe("inbox/away", Qos::AtLeastOnce).await;
    away.disconnect().await;

    let mut publisher = Peer::new(protocol, "pub");
    publisher.connect(broker.addr(), Connect::new(protocol)).await;
    let payloads = ["m1", "m2", "m3"];
    for p in payloads {
        publisher.publish(OutgoingMessage::new("inbox/away", p.as_bytes()).with_qos(Qos::AtLeastOnce)).await;
    }

    // The same client on a new connection.
    assert!(away.connect(broker.addr(), persistent).await, "the session is present");
    assert_messages(&away.receive(3).await, "inbox/away", &payloads, Qos::AtLeastOnce, false);
    away.until_logged(&broker, "Received PUBACK from away (", 3).await;
    assert_eq!(away.quiet(QUIET).await, [], "each queued message once");
    away.disconnect().await;
    publisher.disconnect().await;
}

#[tokio::test]
async fn v311_session_resume_delivers_queued_qos1() {
    bounded(session_resume(Protocol::Mqtt311)).await;
}

#[tokio::test]
async fn v5_session_resume_delivers_queued_qos1() {
    bounded(session_resume(Protocol::Mqtt5)).await;
}

/// Our side of a resume: QoS 1 messages published while the client is offline wait in the
/// client and go out after it reconnects (to a present session), in order.
async fn offline_publish(protocol: Protocol) {
    let Some(broker) = broker_or_skip(&[]) else { return };
    let _log = LogOnPanic(&broker);
    let expiry = [Property::SessionExpiryInterval(300)];
    let persistent = Connect {
        clean_start: false,
        properties: if protocol == Protocol::Mqtt5 { List::new(&expiry) } else { List::default() },
        ..Connect::new(protocol)
    };
    let mut reader = Peer::new(protocol, "reader");
    reader.connect(broker.addr(), Connect::new(protocol)).await;
    reader.subscribe("outbox/#", Qos::AtLeastOnce).await;

    let mut sender = Peer::new(protocol, "sender");
    sender.connect(broker.addr(), persistent).await;
    sender.disconnect().await;
    let payloads = ["o1", "o2", "o3"];
    let handles: Vec<PublishHandle> = payloads
        .iter()
        .map(|p| {
            let m = OutgoingMessage::new("outbox/sender", p.as_bytes()).with_qos(Qos::AtLeastOnce);
            sender.driver.command(|c, now| c.publish(now, &m)).unwrap()
        })
        .collect();
    assert!(sender.driver.next_event().await.is_none(), "offline: nothing happens");

    assert!(sender.connect(broker.addr(), persistent).await, "the session is present");
    for handle in handles {
        sender.outcome(handle, Qos::AtLeastOnce).await;
    }
    assert_messages(&reader.receive(3).await, "outbox/sender", &payloads, Qos::AtLeastOnce, false);
    sender.disconnect().await;
    reader.disconnect().await;
}

#[tokio::test]
async fn v311_publish_while_offline_goes_out_after_reconnect() {
    bounded(offline_publish(Protocol::Mqtt311)).await;
}

#[tokio::test]
async fn v5_publish_while_offline_goes_out_after_reconnect() {
    bounded(offline_publish(Protocol::Mqtt5)).await;
}

/// mosquitto allows 10 topic aliases (`max_topic_alias 10`, announced in CONNACK): our client
/// sends a topic once with a new alias and then the alias alone, and the messages arrive under
/// their topics.
#[tokio::test]
async fn v5_topic_aliases_from_our_client() {
    bounded(async {
        let Some(broker) = broker_or_skip(&["max_topic_alias 10"]) else { return };
        let _log = LogOnPanic(&broker);
        let mut sub = Peer::new(Protocol::Mqtt5, "sub");
        sub.connect(broker.addr(), Connect::new(Protocol::Mqtt5)).await;
        sub.subscribe("alias/#", Qos::AtLeastOnce).await;

        let (relay, sent) = tee(broker.addr()).await;
        let mut publisher = Peer::new(Protocol::Mqtt5, "pub");
        publisher.connect(relay, Connect::new(Protocol::Mqtt5)).await;
        assert_eq!(publisher.driver.client().server_limits().topic_alias_maximum, 10);
        let sequence = [("alias/a", "1"), ("alias/b", "2"), ("alias/a", "3"), ("alias/a", "4"), ("alias/b", "5")];
        for (topic, payload) in sequence {
            publisher.publish(OutgoingMessage::new(topic, payload.as_bytes()).with_qos(Qos::AtLeastOnce)).await;
        }
        let got = sub.receive(sequence.len()).await;
        let got: Vec<(&str, &[u8])> = got.iter().map(|m| (m.topic.as_str(), &m.payload[..])).collect();
        let want: Vec<(&str, &[u8])> = sequence.iter().map(|(t, p)| (*t, p.as_bytes())).collect();
        assert_eq!(got, want, "every message under its own topic");

        publisher.disconnect().await;
        let sent = sent.lock().unwrap().clone();
        let on_wire: Vec<(String, Option<u16>)> = packets(&sent)
            .iter()
            .filter_map(|p| match p {
                Packet::Publish(p) => Some((p.topic.as_str().to_owned(), p.properties.topic_alias())),
                _ => None,
            })
            .collect();
        let expected: Vec<(String, Option<u16>)> = [("alias/a", 1), ("alias/b", 2), ("", 1), ("", 1), ("", 2)]
            .iter()
            .map(|(t, a)| ((*t).to_owned(), Some(*a)))
            .collect();
        assert_eq!(on_wire, expected, "(topic, alias) of each PUBLISH our client wrote");
        sub.disconnect().await;
    })
    .await;
}

/// Our client accepts 8 topic aliases (Config `topic_alias_maximum`, announced in CONNECT):
/// every message arrives under its topic, resolved by the client when it came by alias.
/// mosquitto 2.0 never sends aliases to clients (it only accepts them), so with it this shows
/// the announcement and that nothing breaks; a broker that uses them tests the resolution.
#[tokio::test]
async fn v5_topic_aliases_to_our_client() {
    bounded(async {
        let Some(broker) = broker_or_skip(&["max_topic_alias 10"]) else { return };
        let _log = LogOnPanic(&broker);
        let config = Config::new(Version::V5).with_topic_alias_maximum(8);
        let mut sub = Peer::with_config(config, Protocol::Mqtt5, "sub");
        let (relay, sent) = tee(broker.addr()).await;
        sub.connect(relay, Connect::new(Protocol::Mqtt5)).await;
        match packets(&sent.lock().unwrap()).first() {
            Some(Packet::Connect(c)) => {
                let announced = c.properties.get(PropertyId::TopicAliasMaximum);
                assert_eq!(announced, Some(Property::TopicAliasMaximum(8)), "CONNECT {c:?}");
            }
            other => panic!("expected our CONNECT, got {other:?}"),
        }
        sub.subscribe("alias/#", Qos::AtLeastOnce).await;
        let mut publisher = Peer::new(Protocol::Mqtt5, "pub");
        publisher.connect(broker.addr(), Connect::new(Protocol::Mqtt5)).await;

        let sequence = [("alias/x", "1"), ("alias/y", "2"), ("alias/x", "3"), ("alias/x", "4"), ("alias/y", "5")];
        for (topic, payload) in sequence {
            publisher.publish(OutgoingMessage::new(topic, payload.as_bytes()).with_qos(Qos::AtLeastOnce)).await;
        }
        let got = sub.receive(sequence.len()).await;
        let pairs: Vec<(&str, &[u8])> = got.iter().map(|m| (m.topic.as_str(), &m.payload[..])).collect();
        let want: Vec<(&str, &[u8])> = sequence.iter().map(|(t, p)| (*t, p.as_bytes())).collect();
        assert_eq!(pairs, want, "every message under its own topic");
        let aliases: Vec<Option<u16>> = got.iter().map(|m| m.topic_alias).collect();
        eprintln!("topic aliases mosquitto used towards us: {aliases:?}");
        assert!(aliases.iter().flatten().all(|a| (1..=8).contains(a)), "within what we announced: {aliases:?}");
        publisher.disconnect().await;
        sub.disconnect().await;
    })
    .await;
}
