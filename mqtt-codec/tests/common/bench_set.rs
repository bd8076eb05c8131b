//! The benchmark workload as packets (CONNECT with will and credentials, PUBLISH QoS 0/1 with a
//! 16-byte payload, PUBLISH with 1 KiB, SUBSCRIBE with 3 filters, PUBACK, PINGREQ; the same in 5.0
//! with typical properties), encoded to their canonical bytes. Shared by the streaming, no-alloc
//! and no-panic tests through `#[path = "common/bench_set.rs"]`.
#![allow(dead_code)]

use mqtt_codec::topic::{TopicFilter, TopicName};
use mqtt_codec::wire::*;

pub(crate) const PAYLOAD16: &[u8; 16] = b"0123456789abcdef";
pub(crate) static PAYLOAD1K: [u8; 1024] = [0x5A; 1024];

/// Calls `f` with each packet of the set for `v`.
pub(crate) fn for_each(v: Version, mut f: impl FnMut(&str, Packet<'_>)) {
    let v5 = v == Version::V5;
    let connect_props = [Property::SessionExpiryInterval(3600), Property::ReceiveMaximum(32)];
    let will_props = [Property::WillDelayInterval(5), Property::ContentType("text/plain")];
    let pub_props = [
        Property::ContentType("application/json"),
        Property::MessageExpiryInterval(60),
        Property::UserProperty("unit", "celsius"),
    ];
    let sub_props = [Property::SubscriptionIdentifier(42)];
    let connect_props: &[Property<'_>] = &connect_props;
    let will_props: &[Property<'_>] = &will_props;
    let pub_props: &[Property<'_>] = &pub_props;
    let sub_props: &[Property<'_>] = &sub_props;
    let list = |p| if v5 { List::new(p) } else { List::EMPTY };
    let topic = TopicName::new("sensors/kitchen/temp").unwrap_or(TopicName::alias_only());
    let protocol = if v5 { Protocol::Mqtt5 } else { Protocol::Mqtt311 };
    f(
        "connect",
        Packet::Connect(Connect {
            protocol,
            clean_start: true,
            keep_alive: 60,
            properties: list(connect_props),
            client_id: "sensor-0042",
            will: Some(Will {
                topic: TopicName::new("sensors/0042/status").unwrap_or(topic),
                payload: b"offline",
                qos: Qos::AtLeastOnce,
                retain: true,
                properties: list(will_props),
            }),
            username: Some("device"),
            password: Some(b"s3cr3t-password"),
        }),
    );
    let mut publish = Publish::new(topic, PAYLOAD16);
    publish.properties = list(pub_props);
    f("publish_qos0", Packet::Publish(publish));
    let pid = PacketId::new(7).unwrap_or(PacketId::new(1).unwrap_or_else(|| unreachable!()));
    f("publish_qos1", Packet::Publish(Publish { qos: QosPid::AtLeastOnce(pid), ..publish }));
    f("publish_1k", Packet::Publish(Publish { payload: &PAYLOAD1K, ..publish }));
    let filters = ["sensors/+/temp", "alerts/#", "config/sensor-0042"];
    let subs: Vec<Subscription<'_>> = filters
        .iter()
        .filter_map(|f| TopicFilter::new(f).ok())
        .map(|f| Subscription::new(f, Qos::AtLeastOnce))
        .collect();
    f(
        "subscribe",
        Packet::Subscribe(Subscribe { packet_id: pid, properties: list(sub_props), subscriptions: List::new(&subs) }),
    );
    f("puback", Packet::PubAck(PubAck::new(pid)));
    f("pingreq", Packet::PingReq);
}

/// The canonical bytes of every packet of the set for `v`.
pub(crate) fn frames(v: Version) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for_each(v, |name, p| {
        let mut buf = vec![0u8; p.encoded_len(v)];
        if p.encode(v, &mut buf).is_ok() {
            out.push((name.to_string(), buf));
        }
    });
    out
}
