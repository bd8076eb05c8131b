//! The broker core with real `Client`s in memory: routing with wildcards and the `$` rule,
//! QoS downgrade, retained messages, shared subscriptions, subscription options and
//! identifiers, persistent sessions with offline queues, clean start, takeover, wills, message
//! expiry, and the limits.
#![cfg(feature = "alloc")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use std::collections::BTreeMap;

use mqtt_codec::broker::{Broker, BrokerEvent, Config};
use mqtt_codec::client::{self, Client, Event, OutgoingMessage};
use mqtt_codec::time::Instant;
use mqtt_codec::topic::TopicFilter;
use mqtt_codec::wire::*;

type C = Client<Vec<u8>, 16, 4>;

struct Peer {
    c: C,
    to_broker: Vec<u8>,
    to_client: Vec<u8>,
    events: Vec<String>,
    up: bool,
}

struct Net {
    now: Instant,
    broker: Broker<u32>,
    peers: BTreeMap<u32, Peer>,
    log: Vec<String>,
}

fn describe(ev: &Event<'_>) -> String {
    match ev {
        Event::MessageReceived(p) => {
            let ids: Vec<u32> = p
                .properties
                .iter()
                .filter_map(|x| match x {
                    Property::SubscriptionIdentifier(i) => Some(i),
                    _ => None,
                })
                .collect();
            let mut s = format!(
                "msg {} {} q{}{}",
                p.topic.as_str(),
                String::from_utf8_lossy(p.payload),
                p.qos.qos() as u8,
                if p.retain { " retain" } else { "" }
            );
            if !ids.is_empty() {
                s += &format!(" ids={ids:?}");
            }
            if let Some(Property::MessageExpiryInterval(e)) = p.properties.get(PropertyId::MessageExpiryInterval) {
                s += &format!(" expiry={e}");
            }
            s
        }
        Event::Connected { session_present, .. } => format!("connected sp={session_present}"),
        Event::Subscribed { reason_codes, .. } => format!("suback {:?}", reason_codes.iter().collect::<Vec<_>>()),
        Event::Closed { reason, .. } => format!("closed {reason:?}"),
        other => format!("{other:?}"),
    }
}

impl Net {
    fn new(config: Config) -> Self {
        Self { now: Instant::from_millis(1), broker: Broker::new(config), peers: BTreeMap::new(), log: Vec::new() }
    }

    /// Opens connection `id` and connects a client with `connect`.
    fn join(&mut self, id: u32, connect: &Connect<'_>) {
        let v = connect.protocol.version();
        let c: C = Client::new(client::Config::new(v).with_topic_alias_maximum(4), vec![0; 16 * 1024]).unwrap();
        self.peers.insert(id, Peer { c, to_broker: Vec::new(), to_client: Vec::new(), events: Vec::new(), up: false });
        self.reconnect(id, connect);
    }

    /// A new transport for peer `id` and its CONNECT.
    fn reconnect(&mut self, id: u32, connect: &Connect<'_>) {
        self.broker.connection_opened(self.now, id).unwrap();
        let p = self.peers.get_mut(&id).unwrap();
        p.up = true;
        p.to_broker.clear();
        p.to_client.clear();
        p.c.connect(self.now, connect).unwrap();
        self.run();
    }

    /// Cuts peer `id`'s transport (no DISCONNECT).
    fn cut(&mut self, id: u32) {
        let p = self.peers.get_mut(&id).unwrap();
        p.up = false;
        p.c.connection_lost(self.now);
        self.broker.connection_lost(self.now, id);
        self.run();
    }

    fn advance(&mut self, ms: u64) {
        self.now = Instant::from_millis(self.now.as_millis() + ms);
        self.broker.handle_timeout(self.now);
        for p in self.peers.values_mut() {
            p.c.handle_timeout(self.now);
        }
        self.run();
    }

    fn run(&mut self) {
        let mut buf = vec![0u8; 8192];
        for _ in 0..10_000 {
            let mut moved = false;
            for (&id, p) in self.peers.iter_mut() {
                while let Some(t) = p.c.poll_transmit(self.now, &mut buf).unwrap() {
                    if p.up {
                        p.to_broker.extend_from_slice(&buf[..t.len]);
                    }
                    moved = true;
                }
                if p.up && !p.to_broker.is_empty() {
                    match self.broker.handle_input(self.now, id, &p.to_broker) {
                        Ok(n) => {
                            moved |= n > 0;
                            p.to_broker.drain(..n);
                        }
                        Err(_) => p.to_broker.clear(),
                    }
                }
            }
            while let Some((id, t)) = self.broker.poll_transmit(self.now, &mut buf).unwrap() {
                moved = true;
                if let Some(p) = self.peers.get_mut(&id) {
                    if p.up {
                        p.to_client.extend_from_slice(&buf[..t.len]);
                    }
                }
            }
            while let Some(ev) = self.broker.poll_event() {
                moved = true;
                match ev {
                    BrokerEvent::Connected { conn, client_id, session_present } => {
                        self.log.push(format!("{conn} connected {client_id} sp={session_present}"))
                    }
                    BrokerEvent::Closed { conn, reason } => {
                        self.log.push(format!("{conn} closed {reason:?}"));
                        // The socket loop writes what is left, then closes the transport.
                        while let Some((id, t)) = self.broker.poll_transmit(self.now, &mut buf).unwrap() {
                            if let Some(p) = self.peers.get_mut(&id).filter(|p| p.up) {
                                p.to_client.extend_from_slice(&buf[..t.len]);
                            }
                        }
                        if let Some(p) = self.peers.get_mut(&conn) {
                            let _ = p.c.handle_input(self.now, &p.to_client.clone());
                            p.to_client.clear();
                            p.up = false;
                            p.c.connection_lost(self.now);
                        }
                        self.broker.connection_lost(self.now, conn);
                    }
                    _ => {}
                }
            }
            for p in self.peers.values_mut() {
                if !p.to_client.is_empty() {
                    match p.c.handle_input(self.now, &p.to_client) {
                        Ok(n) => {
                            moved |= n > 0;
                            p.to_client.drain(..n);
                        }
                        Err(_) => p.to_client.clear(),
                    }
                }
                while let Some(ev) = p.c.poll_event() {
                    moved = true;
                    let d = describe(&ev);
                    if !d.starts_with("PublishAcknowledged") && !d.starts_with("PublishSent") {
                        p.events.push(d);
                    }
                }
            }
            if !moved {
                return;
            }
        }
        panic!("the network does not settle");
    }

    fn events(&mut self, id: u32) -> Vec<String> {
        std::mem::take(&mut self.peers.get_mut(&id).unwrap().events)
    }

    fn client(&mut self, id: u32) -> &mut C {
        &mut self.peers.get_mut(&id).unwrap().c
    }

    fn subscribe(&mut self, id: u32, filters: &[(&str, SubscriptionOptions)], props: &[Property<'_>]) {
        let subs: Vec<Subscription<'_>> =
            filters.iter().map(|(f, o)| Subscription { filter: TopicFilter::new(f).unwrap(), options: *o }).collect();
        let now = self.now;
        self.client(id).subscribe(now, &subs, props).unwrap();
        self.run();
    }

    fn publish(&mut self, id: u32, msg: OutgoingMessage<'_>) {
        let now = self.now;
        self.client(id).publish(now, &msg).unwrap();
        self.run();
    }
}

fn opts(qos: Qos) -> SubscriptionOptions {
    SubscriptionOptions { qos, ..SubscriptionOptions::default() }
}

fn connect(v: Version, id: &str) -> Connect<'_> {
    let protocol = if v == Version::V5 { Protocol::Mqtt5 } else { Protocol::Mqtt311 };
    Connect { client_id: id, keep_alive: 0, ..Connect::new(protocol) }
}

#[test]
fn messages_reach_matching_subscribers_with_the_lower_qos() {
    for v in [Version::V311, Version::V5] {
        let mut net = Net::new(Config::new());
        net.join(1, &connect(v, "sub"));
        net.join(2, &connect(v, "pub"));
        net.subscribe(1, &[("s/+/t", opts(Qos::AtLeastOnce)), ("#", opts(Qos::ExactlyOnce))], &[]);
        assert_eq!(net.events(1), ["connected sp=false", "suback [GrantedQos1, GrantedQos2]"]);
        for (qos, payload) in [(Qos::AtMostOnce, "a"), (Qos::AtLeastOnce, "b"), (Qos::ExactlyOnce, "c")] {
            net.publish(2, OutgoingMessage::new("s/1/t", payload.as_bytes()).with_qos(qos));
        }
        // `MQTT-4.7.2-1`: `#` does not match a topic starting with `$`.
        net.publish(2, OutgoingMessage::new("$SYS/x", b"hidden"));
        // Overlapping subscriptions: one copy with the highest QoS (5.0 §3.3.4).
        assert_eq!(net.events(1), ["msg s/1/t a q0", "msg s/1/t b q1", "msg s/1/t c q2"], "{v:?}");
    }
}

#[test]
fn retained_messages_set_replace_clear_and_arrive_on_subscribe() {
    let mut net = Net::new(Config::new());
    net.join(1, &connect(Version::V5, "pub"));
    net.publish(1, OutgoingMessage::new("r/a", b"1").with_retain(true));
    net.publish(1, OutgoingMessage::new("r/a", b"2").with_retain(true).with_qos(Qos::AtLeastOnce));
    net.publish(1, OutgoingMessage::new("r/b", b"3").with_retain(true));
    net.publish(1, OutgoingMessage::new("r/b", b"").with_retain(true)); // clears r/b
    assert_eq!(net.broker.retained(), 1);
    net.join(2, &connect(Version::V5, "late"));
    net.subscribe(2, &[("r/#", opts(Qos::AtLeastOnce))], &[]);
    let ev = net.events(2);
    assert_eq!(ev[2..], ["msg r/a 2 q1 retain"], "retained with RETAIN set (MQTT-3.3.1-9)");
    // A live message to a subscriber has RETAIN cleared (no Retain As Published).
    net.publish(1, OutgoingMessage::new("r/a", b"4").with_retain(true));
    assert_eq!(net.events(2), ["msg r/a 4 q0"]);
}

#[test]
fn subscription_options_no_local_retain_as_published_retain_handling_and_identifiers() {
    let mut net = Net::new(Config::new());
    net.join(1, &connect(Version::V5, "a"));
    net.publish(1, OutgoingMessage::new("o/r", b"kept").with_retain(true));
    let no_local = SubscriptionOptions { no_local: true, ..opts(Qos::AtMostOnce) };
    let rap = SubscriptionOptions {
        retain_as_published: true,
        retain_handling: RetainHandling::DoNotSend,
        ..opts(Qos::AtMostOnce)
    };
    net.subscribe(1, &[("o/#", no_local)], &[Property::SubscriptionIdentifier(7)]);
    net.join(2, &connect(Version::V5, "b"));
    net.subscribe(2, &[("o/+", rap)], &[Property::SubscriptionIdentifier(9)]);
    let ev1 = net.events(1);
    assert_eq!(ev1[1..], ["suback [Success]", "msg o/r kept q0 retain ids=[7]"]);
    assert_eq!(net.events(2), ["connected sp=false", "suback [Success]"], "Retain Handling 2: none");
    net.publish(1, OutgoingMessage::new("o/x", b"own").with_retain(true));
    assert_eq!(net.events(1), Vec::<String>::new(), "No Local (MQTT-3.8.3-3)");
    assert_eq!(net.events(2), ["msg o/x own q0 retain ids=[9]"], "Retain As Published and the identifier");
    // Retain Handling 1: only for a new subscription.
    let once = SubscriptionOptions { retain_handling: RetainHandling::SendAtSubscribeIfNew, ..opts(Qos::AtMostOnce) };
    net.subscribe(2, &[("o/r", once)], &[]);
    net.subscribe(2, &[("o/r", once)], &[]);
    assert_eq!(net.events(2), ["suback [Success]", "msg o/r kept q0 retain", "suback [Success]"]);
}

#[test]
fn shared_subscription_gives_each_message_to_one_member() {
    let mut net = Net::new(Config::new());
    for (id, name) in [(1, "w1"), (2, "w2"), (3, "pub")] {
        net.join(id, &connect(Version::V5, name));
    }
    net.subscribe(1, &[("$share/g/jobs/#", opts(Qos::AtLeastOnce))], &[]);
    net.subscribe(2, &[("$share/g/jobs/#", opts(Qos::AtLeastOnce))], &[]);
    net.events(1);
    net.events(2);
    for i in 0..10 {
        net.publish(3, OutgoingMessage::new("jobs/x", format!("{i}").as_bytes()).with_qos(Qos::AtLeastOnce));
    }
    let (a, b) = (net.events(1), net.events(2));
    assert_eq!(a.len() + b.len(), 10, "{a:?} {b:?}");
    assert!(!a.is_empty() && !b.is_empty(), "both members get some");
}

#[test]
fn persistent_session_queues_while_offline_and_redelivers() {
    for v in [Version::V311, Version::V5] {
        let mut net = Net::new(Config::new());
        let expiry = [Property::SessionExpiryInterval(300)];
        let persistent = Connect {
            clean_start: false,
            properties: if v == Version::V5 { List::new(&expiry) } else { List::EMPTY },
            ..connect(v, "dev")
        };
        // 3.1.1: a clean session ends with its connection (`MQTT-3.1.2-6`), so the first
        // connection is already persistent; 5.0 starts clean with a Session Expiry Interval.
        let first = if v == Version::V5 { Connect { clean_start: true, ..persistent } } else { persistent };
        net.join(1, &first);
        net.subscribe(1, &[("cmd/#", opts(Qos::ExactlyOnce))], &[]);
        net.events(1);
        net.cut(1);
        net.join(2, &connect(v, "pub"));
        for (i, qos) in [Qos::AtMostOnce, Qos::AtLeastOnce, Qos::ExactlyOnce].into_iter().enumerate() {
            net.publish(2, OutgoingMessage::new("cmd/go", format!("m{i}").as_bytes()).with_qos(qos));
        }
        net.reconnect(1, &persistent);
        let ev = net.events(1);
        assert_eq!(
            ev[1..],
            ["connected sp=true", "msg cmd/go m1 q1", "msg cmd/go m2 q2"],
            "{v:?}: QoS 0 not kept offline"
        );
        // Clean start discards it.
        net.cut(1);
        net.publish(2, OutgoingMessage::new("cmd/go", b"lost").with_qos(Qos::AtLeastOnce));
        net.reconnect(1, &Connect { clean_start: true, ..persistent });
        assert_eq!(net.events(1)[1..], ["connected sp=false"]);
        net.publish(2, OutgoingMessage::new("cmd/go", b"no subscription"));
        assert_eq!(net.events(1), Vec::<String>::new());
    }
}

#[test]
fn a_second_connection_with_the_same_client_id_takes_the_session_over() {
    let mut net = Net::new(Config::new());
    let expiry = [Property::SessionExpiryInterval(60)];
    let c = Connect { clean_start: false, properties: List::new(&expiry), ..connect(Version::V5, "same") };
    net.join(1, &Connect { clean_start: true, ..c });
    net.subscribe(1, &[("t", opts(Qos::AtLeastOnce))], &[]);
    net.join(2, &c);
    let ev = net.events(1);
    assert!(ev.last().unwrap().contains("DisconnectReceived(SessionTakenOver)"), "{ev:?}");
    assert_eq!(net.events(2), ["connected sp=true"]);
    net.join(3, &connect(Version::V5, "pub"));
    net.publish(3, OutgoingMessage::new("t", b"x").with_qos(Qos::AtLeastOnce));
    assert_eq!(net.events(2), ["msg t x q1"]);
}

#[test]
fn will_published_on_lost_connection_after_its_delay_and_not_on_disconnect() {
    let mut net = Net::new(Config::new());
    net.join(9, &connect(Version::V5, "watcher"));
    net.subscribe(9, &[("will/#", opts(Qos::AtLeastOnce))], &[]);
    net.events(9);
    let will = Will {
        topic: mqtt_codec::topic::TopicName::new("will/a").unwrap(),
        payload: b"gone",
        qos: Qos::AtLeastOnce,
        retain: false,
        properties: List::EMPTY,
    };
    net.join(1, &Connect { will: Some(will), ..connect(Version::V5, "a") });
    net.cut(1);
    assert_eq!(net.events(9), ["msg will/a gone q1"]);
    // Normal DISCONNECT: no will.
    net.reconnect(1, &Connect { will: Some(will), ..connect(Version::V5, "a") });
    let now = net.now;
    net.client(1).disconnect(now, &Disconnect::default()).unwrap();
    net.run();
    net.cut(1);
    assert_eq!(net.events(9), Vec::<String>::new());
    // Will Delay Interval 10 s with Session Expiry 60 s: sent after the delay...
    let delay = [Property::WillDelayInterval(10)];
    let expiry = [Property::SessionExpiryInterval(60)];
    let delayed = Will { properties: List::new(&delay), ..will };
    let c = Connect {
        will: Some(delayed),
        properties: List::new(&expiry),
        clean_start: false,
        ..connect(Version::V5, "a")
    };
    net.reconnect(1, &c);
    net.cut(1);
    net.advance(5_000);
    assert_eq!(net.events(9), Vec::<String>::new());
    net.advance(5_000);
    assert_eq!(net.events(9), ["msg will/a gone q1"]);
    // ...and not when the session reconnects first (`MQTT-3.1.3-9`).
    net.reconnect(1, &c);
    net.cut(1);
    net.advance(2_000);
    net.reconnect(1, &c);
    net.advance(20_000);
    assert_eq!(net.events(9), Vec::<String>::new());
}

#[test]
fn message_expiry_is_honoured_while_queued_and_the_rest_forwarded() {
    let mut net = Net::new(Config::new());
    let expiry = [Property::SessionExpiryInterval(600)];
    let c = Connect { clean_start: false, properties: List::new(&expiry), ..connect(Version::V5, "dev") };
    net.join(1, &Connect { clean_start: true, ..c });
    net.subscribe(1, &[("e", opts(Qos::AtLeastOnce))], &[]);
    net.events(1);
    net.cut(1);
    net.join(2, &connect(Version::V5, "pub"));
    let short = [Property::MessageExpiryInterval(5)];
    let long = [Property::MessageExpiryInterval(100)];
    net.publish(2, OutgoingMessage::new("e", b"short").with_qos(Qos::AtLeastOnce).with_properties(&short));
    net.publish(2, OutgoingMessage::new("e", b"long").with_qos(Qos::AtLeastOnce).with_properties(&long));
    net.advance(30_000);
    net.reconnect(1, &c);
    assert_eq!(net.events(1)[1..], ["connected sp=true", "msg e long q1 expiry=70"]);
}

#[test]
fn limits_are_reason_codes_never_growth() {
    let config =
        Config::new().with_max_connections(3).with_max_subscriptions_per_session(2).with_max_queued_messages(2);
    let mut net = Net::new(config);
    net.join(1, &connect(Version::V5, "a"));
    net.subscribe(1, &[("a", opts(Qos::AtMostOnce)), ("b", opts(Qos::AtMostOnce)), ("c", opts(Qos::AtMostOnce))], &[]);
    assert_eq!(net.events(1)[1..], ["suback [Success, Success, QuotaExceeded]"]);
    net.join(2, &connect(Version::V5, "b"));
    net.join(3, &connect(Version::V5, "c"));
    assert!(net.broker.connection_opened(net.now, 4).is_err(), "max_connections");
    // A persistent session offline keeps two messages; the third is dropped and counted.
    let expiry = [Property::SessionExpiryInterval(60)];
    let p = Connect { clean_start: false, properties: List::new(&expiry), ..connect(Version::V5, "b") };
    net.cut(2);
    net.reconnect(2, &Connect { clean_start: true, ..p });
    net.subscribe(2, &[("q", opts(Qos::AtLeastOnce))], &[]);
    net.cut(2);
    for i in 0..3 {
        net.publish(3, OutgoingMessage::new("q", format!("{i}").as_bytes()).with_qos(Qos::AtLeastOnce));
    }
    assert_eq!(net.broker.dropped(), 1);
    net.events(2);
    net.reconnect(2, &p);
    assert_eq!(net.events(2)[1..], ["msg q 0 q1", "msg q 1 q1"]);
}

#[test]
fn a_restarted_broker_keeps_persistent_sessions_queues_and_retained_messages() {
    for v in [Version::V311, Version::V5] {
        let mut net = Net::new(Config::new());
        let expiry = [Property::SessionExpiryInterval(600)];
        let props = if v == Version::V5 { List::new(&expiry) } else { List::EMPTY };
        let persistent = Connect { clean_start: false, properties: props, ..connect(v, "dev") };
        net.join(1, &persistent);
        let sub = SubscriptionOptions { qos: Qos::ExactlyOnce, ..SubscriptionOptions::default() };
        net.subscribe(1, &[("cmd/#", sub)], &[]);
        net.events(1);
        net.cut(1);
        net.join(2, &connect(v, "pub"));
        net.publish(2, OutgoingMessage::new("cmd/a", b"queued").with_qos(Qos::ExactlyOnce));
        net.publish(2, OutgoingMessage::new("state", b"on").with_retain(true));
        net.cut(2);
        // Restart: export, a new broker, import.
        let bytes = net.broker.export(net.now);
        let mut restarted: Broker<u32> = Broker::new(Config::new());
        assert_eq!(restarted.import(net.now, &bytes), Ok(1), "{v:?}: the persistent session (the publisher's ended)");
        assert_eq!((restarted.retained(), restarted.subscriptions()), (1, 1));
        net.broker = restarted;
        net.reconnect(1, &persistent);
        assert_eq!(net.events(1)[1..], ["connected sp=true", "msg cmd/a queued q2"], "{v:?}");
        // The imported subscription routes what is published after the restart.
        net.join(4, &connect(v, "pub2"));
        net.publish(4, OutgoingMessage::new("cmd/b", b"after").with_qos(Qos::AtLeastOnce));
        assert_eq!(net.events(1), ["msg cmd/b after q1"], "{v:?}");
        net.join(3, &connect(v, "late"));
        net.subscribe(3, &[("state", opts(Qos::AtMostOnce))], &[]);
        assert_eq!(net.events(3)[2..], ["msg state on q0 retain"]);
    }
}

#[test]
fn import_refuses_garbage_without_panicking_or_changing_anything() {
    let mut b: Broker<u32> = Broker::new(Config::new());
    let good = b.export(Instant::ZERO);
    let mut s = 0x9E37_79B9_7F4A_7C15u64;
    for round in 0..5000usize {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let mut bytes = if round % 2 == 0 { good.clone() } else { b"MQBK\x01".to_vec() };
        for i in 0..(s % 24) as usize {
            bytes.push((s >> (i % 56)) as u8);
        }
        if let Some(x) = bytes.get_mut((s as usize) % 8) {
            *x ^= (s >> 32) as u8;
        }
        let _ = b.import(Instant::ZERO, &bytes);
    }
    assert_eq!(b.import(Instant::ZERO, b"nope"), Err(mqtt_codec::broker::ImportError::UnknownFormat));
    assert_eq!(b.import(Instant::ZERO, &good), Ok(0));
}

#[test]
fn publish_properties_are_forwarded_unchanged() {
    let mut net = Net::new(Config::new());
    net.join(1, &connect(Version::V5, "sub"));
    net.subscribe(1, &[("req", opts(Qos::AtLeastOnce))], &[]);
    net.events(1);
    net.join(2, &connect(Version::V5, "pub"));
    let props = [
        Property::PayloadFormatIndicator(true),
        Property::ContentType("application/json"),
        Property::ResponseTopic(mqtt_codec::topic::TopicName::new("resp/7").unwrap()),
        Property::CorrelationData(b"\x01\x02"),
        Property::UserProperty("unit", "C"),
        Property::UserProperty("unit", "F"),
    ];
    let now = net.now;
    net.client(2)
        .publish(now, &OutgoingMessage::new("req", b"{}").with_qos(Qos::AtLeastOnce).with_properties(&props))
        .unwrap();
    net.run();
    // Look at the message itself (describe() prints only some properties).
    let got = net.events(1);
    assert_eq!(got, ["msg req {} q1"]);
    // Again, reading the properties from the client's event directly.
    net.client(2)
        .publish(now, &OutgoingMessage::new("req", b"{}").with_qos(Qos::AtLeastOnce).with_properties(&props))
        .unwrap();
    let mut buf = vec![0u8; 4096];
    let mut seen = None;
    for _ in 0..50 {
        while let Some(t) = net.peers.get_mut(&2).unwrap().c.poll_transmit(now, &mut buf).unwrap() {
            let frame = buf[..t.len].to_vec();
            net.broker.handle_input(now, 2, &frame).unwrap();
        }
        while let Some((id, t)) = net.broker.poll_transmit(now, &mut buf).unwrap() {
            let frame = buf[..t.len].to_vec();
            let c = &mut net.peers.get_mut(&id).unwrap().c;
            c.handle_input(now, &frame).unwrap();
            while let Some(ev) = c.poll_event() {
                if let Event::MessageReceived(p) = ev {
                    // The broker may add a Topic Alias for a client that takes them.
                    let forwarded = p.properties.iter().filter(|x| x.id() != PropertyId::TopicAlias);
                    seen = Some(forwarded.map(|p| format!("{p:?}")).collect::<Vec<_>>());
                }
            }
        }
        if seen.is_some() {
            break;
        }
    }
    let want: Vec<String> = props.iter().map(|p| format!("{p:?}")).collect();
    assert_eq!(seen, Some(want), "5.0 §3.3.2.3: forwarded unchanged, in order");
}

#[test]
fn a_full_retained_store_refuses_new_retained_messages_with_quota_exceeded() {
    let mut net = Net::new(Config::new().with_max_retained(1));
    net.join(1, &connect(Version::V5, "pub"));
    net.join(2, &connect(Version::V5, "sub"));
    net.subscribe(2, &[("r/#", opts(Qos::AtLeastOnce))], &[]);
    net.events(2);
    net.publish(1, OutgoingMessage::new("r/a", b"1").with_retain(true).with_qos(Qos::AtLeastOnce));
    assert_eq!(net.broker.retained(), 1);
    // The store is full: a new retained QoS 1 message is refused (5.0: PUBACK 0x97), not routed.
    net.publish(1, OutgoingMessage::new("r/b", b"2").with_retain(true).with_qos(Qos::AtLeastOnce));
    net.publish(1, OutgoingMessage::new("r/c", b"3").with_retain(true).with_qos(Qos::ExactlyOnce));
    let ev = net.events(1);
    assert_eq!(
        ev[1..],
        [
            "PublishDropped { handle: PublishHandle(2), reason: Refused(QuotaExceeded) }",
            "PublishDropped { handle: PublishHandle(3), reason: Refused(QuotaExceeded) }"
        ],
    );
    assert_eq!(net.events(2), ["msg r/a 1 q1"]);
    // Clearing makes room again.
    net.publish(1, OutgoingMessage::new("r/a", b"").with_retain(true).with_qos(Qos::AtLeastOnce));
    net.publish(1, OutgoingMessage::new("r/b", b"2").with_retain(true).with_qos(Qos::AtLeastOnce));
    assert_eq!(net.events(1), Vec::<String>::new(), "the aliases the refused messages set still hold");
    assert_eq!(net.broker.retained(), 1);
    assert_eq!(net.events(2), ["msg r/a  q1", "msg r/b 2 q1"]);
}

#[test]
fn a_session_exported_while_connected_routes_after_the_restart() {
    let cfg = || {
        let d = mqtt_codec::server::Config::new();
        let c = d
            .with_store_split(16 * 1024 + d.alias_bytes, d.alias_bytes, d.control_bytes, d.will_bytes)
            .with_maximum_packet_size(16 * 1024)
            .with_topic_alias_maximum(8);
        Config::new().with_connection(c, 64 * 1024)
    };
    for v in [Version::V311, Version::V5] {
        let mut net = Net::new(cfg());
        let expiry = [Property::SessionExpiryInterval(600)];
        let props = if v == Version::V5 { List::new(&expiry) } else { List::EMPTY };
        let persistent = Connect { clean_start: false, properties: props, ..connect(v, "sub") };
        net.join(1, &persistent);
        net.subscribe(1, &[("site/#", opts(Qos::AtLeastOnce))], &[]);
        net.join(2, &Connect { clean_start: false, properties: props, ..connect(v, "gw") });
        net.publish(2, OutgoingMessage::new("site/gw", b"online").with_qos(Qos::AtLeastOnce).with_retain(true));
        net.publish(2, OutgoingMessage::new("site/a", b"before").with_qos(Qos::AtLeastOnce));
        assert_eq!(net.events(1)[2..], ["msg site/gw online q1", "msg site/a before q1"], "{v:?}");
        net.advance(5_000);
        // One message in flight to the subscriber (its PUBLISH is lost on the way).
        net.peers.get_mut(&1).unwrap().up = false;
        net.publish(2, OutgoingMessage::new("site/a", b"in flight").with_qos(Qos::AtLeastOnce));
        net.peers.get_mut(&1).unwrap().up = true;
        // Exported while both are connected, as a broker stopping would.
        let bytes = net.broker.export(net.now);
        // The clients see their transports go (the old core with them).
        net.cut(1);
        net.cut(2);
        let mut restarted: Broker<u32> = Broker::new(cfg());
        // The restarted process has its own clock, which starts again near zero.
        net.now = Instant::from_millis(1);
        assert_eq!(restarted.import(net.now, &bytes), Ok(2), "{v:?}");
        net.broker = restarted;
        net.reconnect(1, &persistent);
        net.reconnect(2, &Connect { clean_start: false, properties: props, ..connect(v, "gw") });
        net.publish(2, OutgoingMessage::new("site/gw", b"online").with_qos(Qos::AtLeastOnce).with_retain(true));
        net.publish(2, OutgoingMessage::new("site/a", b"after").with_qos(Qos::AtLeastOnce));
        // The message in flight comes again (DUP), then the new ones; nothing acknowledged
        // before the restart comes twice.
        let ev = net.events(1);
        assert_eq!(
            ev[1..],
            ["connected sp=true", "msg site/a in flight q1", "msg site/gw online q1", "msg site/a after q1"],
            "{v:?}"
        );
    }
}
