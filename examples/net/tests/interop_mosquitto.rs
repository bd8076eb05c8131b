//! Interop with a real mosquitto broker on loopback (`net::mosquitto`): skips with a reason when
//! mosquitto is missing, fails in CI (`CI=true`).
//!
//! These first tests prove the harness with mqtt-codec's wire layer alone over a blocking
//! `TcpStream`, in both versions: CONNECT/CONNACK, SUBSCRIBE/SUBACK, a QoS 1 PUBLISH that the
//! broker acknowledges and echoes back to us (we are subscribed), our PUBACK, DISCONNECT.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use mqtt_codec::topic::{TopicFilter, TopicName};
use mqtt_codec::wire::{
    decode_packet, Connect, DecodeOptions, Disconnect, List, Packet, PacketId, Property, Protocol, PubAck, Publish,
    Qos, QosPid, ReasonCode, Status, Subscribe, Subscription, Version,
};
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
