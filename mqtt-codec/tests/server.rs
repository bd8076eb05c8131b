//! The server connection against a real `Client`, bytes shuttled between them on a virtual
//! clock: CONNECT/CONNACK in both versions with limits both ways, the QoS flows both ways,
//! duplicates and resume, topic aliases, Maximum Packet Size and Receive Maximum, keep-alive,
//! the will (transport loss, DISCONNECT, delay), protocol errors, session export/import, and no
//! panic on hostile input.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use core::time::Duration;

use mqtt_codec::client::{self, Client};
use mqtt_codec::server::{
    self, CloseReason, CommandError, Event, OutgoingMessage, ServerConnection, SessionImportError,
};
use mqtt_codec::time::Instant;
use mqtt_codec::topic::{TopicFilter, TopicName};
use mqtt_codec::wire::*;

type C = Client<Vec<u8>, 8, 4>;
type S = ServerConnection<Vec<u8>, 8, 4>;

fn t(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

fn pid(n: u16) -> PacketId {
    PacketId::new(n).unwrap()
}

fn protocol(v: Version) -> Protocol {
    if v == Version::V5 {
        Protocol::Mqtt5
    } else {
        Protocol::Mqtt311
    }
}

fn encode(p: Packet<'_>, v: Version) -> Vec<u8> {
    let mut buf = vec![0u8; p.encoded_len(v)];
    p.encode(v, &mut buf).unwrap();
    buf
}

fn new_server(cfg: server::Config) -> S {
    ServerConnection::new(cfg, vec![0; 16 * 1024]).unwrap()
}

/// One line per event, the same for both machines.
fn describe(ev: &Event<'_>) -> String {
    let flags = |p: &Publish<'_>| {
        let mut s = format!("q{}", p.qos.qos() as u8);
        if p.dup {
            s.push_str(" dup");
        }
        if p.retain {
            s.push_str(" retain");
        }
        s
    };
    match ev {
        Event::ConnectReceived(c) => {
            format!("connect {} ka={} clean={} will={}", c.client_id, c.keep_alive, c.clean_start, c.will.is_some())
        }
        Event::MessageReceived(p) => {
            format!("message {} {} {}", p.topic.as_str(), String::from_utf8_lossy(p.payload), flags(p))
        }
        Event::WillPublished(p) => {
            let props: Vec<_> = p.properties.iter().map(|x| x.id()).collect();
            format!("will {} {} {} {props:?}", p.topic.as_str(), String::from_utf8_lossy(p.payload), flags(p))
        }
        Event::Connected { session_present, .. } => format!("connected sp={session_present}"),
        Event::PublishAcknowledged { handle, reason } => format!("acked #{} {reason:?}", handle.get()),
        Event::PublishSent { handle } => format!("sent #{}", handle.get()),
        Event::PublishDropped { handle, reason } => format!("dropped #{} {reason:?}", handle.get()),
        Event::Subscribed { packet_id, reason_codes } => {
            format!("subscribed {packet_id} {:?}", reason_codes.iter().collect::<Vec<_>>())
        }
        Event::Unsubscribed { packet_id, reason_codes } => {
            format!("unsubscribed {packet_id} {:?}", reason_codes.iter().collect::<Vec<_>>())
        }
        Event::SubscribeReceived(s) => {
            let subs: Vec<_> =
                s.subscriptions.iter().map(|x| format!("{} q{}", x.filter.as_str(), x.options.qos as u8)).collect();
            format!("subscribe {} {subs:?}", s.packet_id)
        }
        Event::UnsubscribeReceived(u) => {
            let filters: Vec<_> = u.filters.iter().map(|f| f.as_str().to_owned()).collect();
            format!("unsubscribe {} {filters:?}", u.packet_id)
        }
        Event::AuthReceived(a) => format!("auth {:?}", a.reason_code),
        Event::Closed { reason, .. } => format!("closed {reason:?}"),
        other => format!("{other:?}"),
    }
}

/// A client and a server connection joined by two byte pipes on a virtual clock.
struct Net {
    now: Instant,
    c: C,
    s: S,
    c2s: Vec<u8>,
    s2c: Vec<u8>,
    /// Hold bytes in the pipe instead of feeding them (a slow or silent peer).
    hold_to_server: bool,
    hold_to_client: bool,
    /// Every packet written: `true` for client to server.
    log: Vec<(bool, Vec<u8>)>,
    cev: Vec<String>,
    sev: Vec<String>,
    /// Answer CONNECT automatically with `accept(now, session_present, properties)`.
    accept: Option<(bool, Vec<Property<'static>>)>,
    /// A session to import before accepting.
    import: Option<Vec<u8>>,
    /// The `Err` of the last `handle_input` that closed a side.
    s_err: Option<CloseReason>,
    c_err: Option<CloseReason>,
}

impl Net {
    fn new(ccfg: client::Config, scfg: server::Config) -> Self {
        Self {
            now: Instant::ZERO,
            c: Client::new(ccfg, vec![0; 16 * 1024]).unwrap(),
            s: new_server(scfg),
            c2s: Vec::new(),
            s2c: Vec::new(),
            hold_to_server: false,
            hold_to_client: false,
            log: Vec::new(),
            cev: Vec::new(),
            sev: Vec::new(),
            accept: Some((false, Vec::new())),
            import: None,
            s_err: None,
            c_err: None,
        }
    }

    /// Connected with `connect` (accepted without session, no properties).
    fn connected(ccfg: client::Config, scfg: server::Config, connect: &Connect<'_>) -> Self {
        let mut net = Self::new(ccfg, scfg);
        net.c.connect(net.now, connect).unwrap();
        net.run();
        assert!(net.c.is_connected() && net.s.is_connected(), "not connected: {:?} / {:?}", net.cev, net.sev);
        net.take();
        net.log.clear();
        net
    }

    fn basic(v: Version) -> Self {
        Self::connected(
            client::Config::new(v),
            server::Config::new(),
            &Connect { client_id: "c1", ..Connect::new(protocol(v)) },
        )
    }

    /// One round: transmit both ways, feed, poll events, answer CONNECT. Whether anything moved.
    fn step(&mut self) -> bool {
        let now = self.now;
        let mut moved = false;
        let mut buf = vec![0u8; 4096];
        while let Some(tx) = self.c.poll_transmit(now, &mut buf).unwrap() {
            moved = true;
            self.log.push((true, buf[..tx.len].to_vec()));
            self.c2s.extend_from_slice(&buf[..tx.len]);
        }
        while let Some(tx) = self.s.poll_transmit(now, &mut buf).unwrap() {
            moved = true;
            self.log.push((false, buf[..tx.len].to_vec()));
            self.s2c.extend_from_slice(&buf[..tx.len]);
        }
        if !self.hold_to_server && !self.c2s.is_empty() {
            match self.s.handle_input(now, &self.c2s) {
                Ok(n) => {
                    moved |= n > 0;
                    self.c2s.drain(..n);
                }
                Err(e) => {
                    moved = true;
                    self.s_err = Some(e);
                    self.c2s.clear();
                }
            }
        }
        if !self.hold_to_client && !self.s2c.is_empty() {
            match self.c.handle_input(now, &self.s2c) {
                Ok(n) => {
                    moved |= n > 0;
                    self.s2c.drain(..n);
                }
                Err(e) => {
                    moved = true;
                    self.c_err = Some(e);
                    self.s2c.clear();
                }
            }
        }
        let mut connect = false;
        while let Some(ev) = self.s.poll_event() {
            moved = true;
            connect |= matches!(ev, Event::ConnectReceived(_));
            self.sev.push(describe(&ev));
        }
        while let Some(ev) = self.c.poll_event() {
            moved = true;
            self.cev.push(describe(&ev));
        }
        if connect {
            if let Some(bytes) = self.import.take() {
                self.s.import_session(&bytes).unwrap();
            }
            if let Some((present, props)) = &self.accept {
                self.s.accept(now, *present, props).unwrap();
                moved = true;
            }
        }
        moved
    }

    /// Steps until nothing moves.
    fn run(&mut self) {
        for _ in 0..10_000 {
            if !self.step() {
                return;
            }
        }
        panic!("no quiescence: {:?} / {:?}", self.cev, self.sev);
    }

    /// Moves the clock to `target`, firing every deadline on the way.
    fn advance_to(&mut self, target: Instant) {
        for _ in 0..10_000 {
            self.run();
            let next = [self.c.poll_timeout(), self.s.poll_timeout()].into_iter().flatten().min();
            match next {
                Some(d) if d <= target => {
                    self.now = self.now.max(d);
                    self.c.handle_timeout(self.now);
                    self.s.handle_timeout(self.now);
                }
                _ => {
                    self.now = target;
                    self.c.handle_timeout(target);
                    self.s.handle_timeout(target);
                    self.run();
                    return;
                }
            }
        }
        panic!("timers do not settle");
    }

    fn advance(&mut self, ms: u64) {
        self.advance_to(self.now + Duration::from_millis(ms));
    }

    /// The transport breaks: what is in the pipes is lost, both sides are told.
    fn cut(&mut self) {
        self.c2s.clear();
        self.s2c.clear();
        self.c.connection_lost(self.now);
        self.s.connection_lost(self.now);
        self.run();
    }

    /// The events so far (and forget them).
    fn take(&mut self) -> (Vec<String>, Vec<String>) {
        (std::mem::take(&mut self.cev), std::mem::take(&mut self.sev))
    }

    /// First bytes of the packets one side wrote (and forget the log).
    fn sent(&mut self, by_client: bool) -> Vec<u8> {
        let out = self.log.iter().filter(|(c, _)| *c == by_client).map(|(_, p)| p[0]).collect();
        self.log.clear();
        out
    }

    fn export(&self) -> Vec<u8> {
        let mut buf = vec![0u8; 8192];
        let n = self.s.export_session(&mut buf).unwrap();
        buf.truncate(n);
        buf
    }
}

fn msg<'a>(topic: &'a str, payload: &'a [u8], qos: Qos) -> OutgoingMessage<'a> {
    OutgoingMessage::new(topic, payload).with_qos(qos)
}

// ---- CONNECT / CONNACK ---------------------------------------------------------------------

#[test]
fn v311_connect_is_reported_and_accepted() {
    let mut net = Net::new(client::Config::new(Version::V311), server::Config::new());
    net.c.connect(t(0), &Connect { client_id: "c1", keep_alive: 30, ..Connect::new(Protocol::Mqtt311) }).unwrap();
    net.run();
    let (c, s) = net.take();
    assert_eq!(s, ["connect c1 ka=30 clean=true will=false"]);
    assert_eq!(c, ["connected sp=false"]);
    assert_eq!(net.s.version(), Version::V311);
    assert_eq!(net.s.keep_alive(), 30);
    // 3.1.1 CONNACK: no properties.
    assert_eq!(net.log.iter().find(|(c, _)| !c).unwrap().1, [0x20, 0x02, 0x00, 0x00]);
}

#[test]
fn v5_connect_connack_carry_the_limits_both_ways() {
    let ccfg = client::Config::new(Version::V5)
        .with_receive_maximum(5)
        .with_maximum_packet_size(1000)
        .with_topic_alias_maximum(3);
    let scfg = server::Config::new().with_receive_maximum(4).with_maximum_packet_size(900).with_topic_alias_maximum(2);
    let mut net = Net::new(ccfg, scfg);
    net.accept =
        Some((false, vec![Property::AssignedClientIdentifier("auto-7"), Property::MaximumQos(Qos::AtLeastOnce)]));
    net.c.connect(t(0), &Connect { client_id: "", ..Connect::new(Protocol::Mqtt5) }).unwrap();
    net.run();
    assert_eq!(
        net.take(),
        (vec!["connected sp=false".to_owned()], vec!["connect  ka=60 clean=true will=false".to_owned()])
    );
    // The client's CONNECT limits, as the server sees them.
    let cl = net.s.client_limits();
    assert_eq!((cl.receive_maximum, cl.maximum_packet_size, cl.topic_alias_maximum), (5, 1000, 3));
    // The server's CONNACK limits, as the client sees them: ours plus the application's.
    let sl = net.c.server_limits();
    assert_eq!((sl.receive_maximum, sl.maximum_packet_size, sl.topic_alias_maximum), (4, 900, 2));
    assert_eq!(sl.maximum_qos, Qos::AtLeastOnce);
    assert_eq!((net.s.receive_maximum(), net.s.maximum_packet_size(), net.s.topic_alias_maximum()), (4, 900, 2));
    // Maximum QoS 1 is the client's limit now.
    assert_eq!(net.c.publish(net.now, &msg("a", b"x", Qos::ExactlyOnce)), Err(CommandError::NotSupported));
}

#[test]
fn server_limits_are_capped_by_n_a_and_the_inbound_store() {
    let scfg = server::Config::new().with_topic_alias_maximum(100).with_store_split(1024, 128, 512, 256);
    let net = Net::connected(client::Config::new(Version::V5), scfg, &Connect::new(Protocol::Mqtt5));
    // N = 8, A = 4, 1024 - 128 inbound bytes.
    let sl = net.c.server_limits();
    assert_eq!((sl.receive_maximum, sl.topic_alias_maximum, sl.maximum_packet_size), (8, 4, 896));
}

#[test]
fn accept_with_session_present_on_clean_start_is_refused() {
    let mut net = Net::new(client::Config::new(Version::V5), server::Config::new());
    net.accept = None;
    net.c.connect(t(0), &Connect::new(Protocol::Mqtt5)).unwrap();
    net.run();
    // `MQTT-3.2.2-2`: no session with a clean start.
    assert_eq!(net.s.accept(net.now, true, &[]), Err(CommandError::InvalidState));
    net.s.accept(net.now, false, &[]).unwrap();
    net.run();
    assert_eq!(net.cev, ["connected sp=false"]);
}

#[test]
fn reject_sends_connack_with_the_error_and_closes() {
    for v in [Version::V5, Version::V311] {
        let mut net = Net::new(client::Config::new(v), server::Config::new());
        net.accept = None;
        net.c.connect(t(0), &Connect { client_id: "c1", ..Connect::new(protocol(v)) }).unwrap();
        net.run();
        let props: &[Property<'_>] = if v == Version::V5 { &[Property::ReasonString("banned here")] } else { &[] };
        net.s.reject(net.now, ReasonCode::Banned, props).unwrap();
        assert_eq!(net.s.accept(net.now, false, &[]), Err(CommandError::InvalidState));
        net.run();
        // 3.1.1 has no Banned: Server unavailable (return code 3).
        let seen = if v == Version::V5 { ReasonCode::Banned } else { ReasonCode::ServerUnavailable };
        assert_eq!(net.cev, [format!("closed {:?}", CloseReason::Refused(seen))]);
        assert_eq!(net.sev.last().unwrap(), &format!("closed {:?}", CloseReason::Refused(ReasonCode::Banned)));
        assert!(!net.s.is_connected());
    }
}

#[test]
fn packets_after_connect_wait_for_the_answer() {
    let mut s = new_server(server::Config::new());
    let mut input =
        encode(Packet::Connect(Connect { client_id: "c1", ..Connect::new(Protocol::Mqtt311) }), Version::V311);
    let connect_len = input.len();
    input.extend_from_slice(&[0xC0, 0x00]); // PINGREQ right behind it
    assert_eq!(s.handle_input(t(0), &input), Ok(connect_len));
    assert!(matches!(s.poll_event(), Some(Event::ConnectReceived(_))));
    assert_eq!(s.handle_input(t(0), &input[connect_len..]), Ok(0)); // still waiting for the answer
    s.accept(t(1), false, &[]).unwrap();
    assert_eq!(s.handle_input(t(1), &input[connect_len..]), Ok(2));
    let mut buf = [0u8; 16];
    let mut out = Vec::new();
    while let Some(tx) = s.poll_transmit(t(1), &mut buf).unwrap() {
        out.extend_from_slice(&buf[..tx.len]);
    }
    assert_eq!(out, [0x20, 0x02, 0x00, 0x00, 0xD0, 0x00]); // CONNACK, then PINGRESP
}

#[test]
fn first_packet_not_connect_is_a_protocol_error() {
    let mut s = new_server(server::Config::new());
    let publish = encode(Packet::Publish(Publish::new(TopicName::new("a").unwrap(), b"x")), Version::V311);
    let r = s.handle_input(t(0), &publish);
    assert_eq!(r, Err(CloseReason::ProtocolError { reason: ReasonCode::ProtocolError, rule: "MQTT-3.1.0-1" }));
    assert!(matches!(s.poll_event(), Some(Event::Closed { reason: CloseReason::ProtocolError { .. }, .. })));
    let mut buf = [0u8; 16];
    assert_eq!(s.poll_transmit(t(0), &mut buf), Ok(None)); // nothing is sent before CONNACK
    assert_eq!(s.handle_input(t(0), &publish), Ok(0)); // and nothing read after the close
}

#[test]
fn second_connect_is_a_protocol_error() {
    let mut net = Net::basic(Version::V5);
    let connect = encode(Packet::Connect(Connect::new(Protocol::Mqtt5)), Version::V5);
    let r = net.s.handle_input(net.now, &connect);
    assert_eq!(r, Err(CloseReason::ProtocolError { reason: ReasonCode::ProtocolError, rule: "MQTT-3.1.0-2" }));
    net.run();
    // 5.0: DISCONNECT 0x82 Protocol Error first.
    assert_eq!(net.log.last().unwrap(), &(false, vec![0xE0, 0x01, 0x82]));
    assert_eq!(net.cev, [format!("closed {:?}", CloseReason::DisconnectReceived(ReasonCode::ProtocolError))]);
}

#[test]
fn connect_timeout_closes_a_silent_connection() {
    let mut s = new_server(server::Config::new().with_connect_timeout(Duration::from_secs(5)));
    assert_eq!(s.poll_timeout(), Some(Instant::ZERO));
    s.handle_timeout(t(1000)); // the clock starts here
    assert_eq!(s.poll_timeout(), Some(t(6000)));
    s.handle_timeout(t(5999));
    assert!(s.poll_event().is_none());
    s.handle_timeout(t(6000));
    assert!(matches!(s.poll_event(), Some(Event::Closed { reason: CloseReason::ConnectTimeout, .. })));
    assert_eq!(s.poll_timeout(), None);
}

#[test]
fn unsupported_protocol_level_gets_connack_then_close() {
    // "MQTT" level 6 (a newer client: 5.0 CONNACK 0x84) and level 3 (older: 3.1.1 return code 1).
    for (level, answer) in [(6u8, vec![0x20, 0x03, 0x00, 0x84, 0x00]), (3, vec![0x20, 0x02, 0x00, 0x01])] {
        let mut s = new_server(server::Config::new());
        let connect = [0x10, 0x0C, 0x00, 0x04, b'M', b'Q', b'T', b'T', level, 0x02, 0x00, 0x3C, 0x00, 0x00];
        let r = s.handle_input(t(0), &connect);
        assert!(matches!(r, Err(CloseReason::Malformed(e)) if e.kind == Malformed::UnsupportedProtocolLevel(level)));
        let mut buf = [0u8; 16];
        let tx = s.poll_transmit(t(0), &mut buf).unwrap().unwrap();
        assert_eq!(&buf[..tx.len], &answer[..]);
        assert_eq!(s.poll_transmit(t(0), &mut buf), Ok(None));
        assert!(matches!(s.poll_event(), Some(Event::Closed { reason: CloseReason::Malformed(_), .. })));
    }
}

// ---- QoS flows -------------------------------------------------------------------------------

fn qos_flows_both_directions(v: Version) {
    let mut net = Net::basic(v);
    for (i, q) in [Qos::AtMostOnce, Qos::AtLeastOnce, Qos::ExactlyOnce].into_iter().enumerate() {
        let payload = format!("up{i}");
        net.c.publish(net.now, &msg("to/server", payload.as_bytes(), q)).unwrap();
        let payload = format!("down{i}");
        net.s.publish(net.now, &msg("to/client", payload.as_bytes(), q)).unwrap();
    }
    net.run();
    let (c, s) = net.take();
    let expect = |dir: &str, to: &str| {
        vec![
            format!("message {to} {dir}0 q0"),
            format!("message {to} {dir}1 q1"),
            format!("message {to} {dir}2 q2"),
            "sent #1".to_owned(),
            "acked #2 Success".to_owned(),
            "acked #3 Success".to_owned(),
        ]
    };
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    assert_eq!(sorted(s), sorted(expect("up", "to/server")));
    assert_eq!(sorted(c), sorted(expect("down", "to/client")));
    // Every packet of the flows went: PUBLISH x3, PUBACK, PUBREC, PUBREL, PUBCOMP each way.
    let mut by_server = net.sent(false);
    by_server.sort();
    assert_eq!(by_server, [0x30, 0x32, 0x34, 0x40, 0x50, 0x62, 0x70]);
}

#[test]
fn qos_0_1_2_both_directions_v311() {
    qos_flows_both_directions(Version::V311);
}

#[test]
fn qos_0_1_2_both_directions_v5() {
    qos_flows_both_directions(Version::V5);
}

#[test]
fn qos2_duplicate_publish_before_pubrel_delivered_once() {
    for v in [Version::V311, Version::V5] {
        let mut net = Net::basic(v);
        let s = &mut net.s;
        let mut p =
            Publish { qos: QosPid::ExactlyOnce(pid(7)), ..Publish::new(TopicName::new("a/b").unwrap(), b"once") };
        let first = encode(Packet::Publish(p), v);
        p.dup = true;
        let dup = encode(Packet::Publish(p), v);
        let mut buf = [0u8; 64];
        let mut exchange = |input: &[u8], s: &mut S| {
            assert_eq!(s.handle_input(t(0), input), Ok(input.len()));
            let mut events = Vec::new();
            while let Some(ev) = s.poll_event() {
                events.push(describe(&ev));
            }
            let tx = s.poll_transmit(t(0), &mut buf).unwrap().unwrap();
            (events, buf[..tx.len].to_vec())
        };
        assert_eq!(exchange(&first, s), (vec!["message a/b once q2".to_owned()], vec![0x50, 0x02, 0x00, 0x07]));
        // The retransmission (DUP set) before PUBREL: PUBREC again, no second delivery
        // (`MQTT-4.3.3-10 (5.0)`).
        assert_eq!(exchange(&dup, s), (vec![], vec![0x50, 0x02, 0x00, 0x07]));
        assert_eq!(exchange(&dup, s), (vec![], vec![0x50, 0x02, 0x00, 0x07]));
        let pubrel = encode(Packet::PubRel(PubRel::new(pid(7))), v);
        assert_eq!(exchange(&pubrel, s), (vec![], vec![0x70, 0x02, 0x00, 0x07]));
        // After PUBREL the id is free: the same id is a new message.
        assert_eq!(exchange(&first, s), (vec!["message a/b once q2".to_owned()], vec![0x50, 0x02, 0x00, 0x07]));
    }
}

#[test]
fn resume_resends_pubrel_not_publish_for_messages_already_pubreced() {
    let props = [Property::SessionExpiryInterval(3600)];
    let connect = |clean_start| Connect {
        client_id: "c1",
        clean_start,
        properties: List::new(&props),
        ..Connect::new(Protocol::Mqtt5)
    };
    let mut net = Net::connected(client::Config::new(Version::V5), server::Config::new(), &connect(true));
    net.s.publish(net.now, &msg("a/b", b"two-phase", Qos::ExactlyOnce)).unwrap();
    // PUBLISH reaches the client, its PUBREC reaches the server; the cut comes before PUBREL.
    let mut buf = [0u8; 256];
    let n = net.s.poll_transmit(net.now, &mut buf).unwrap().unwrap().len;
    assert_eq!(buf[0], 0x34);
    assert_eq!(net.c.handle_input(net.now, &buf[..n]), Ok(n));
    let n = net.c.poll_transmit(net.now, &mut buf).unwrap().unwrap().len;
    assert_eq!(&buf[..n], &[0x50, 0x02, 0x00, 0x01]);
    assert_eq!(net.s.handle_input(net.now, &buf[..n]), Ok(n));
    net.cut();
    let saved = net.export();
    // The client comes back to a new connection object, which resumes the saved session.
    net.s = new_server(server::Config::new());
    net.import = Some(saved);
    net.accept = Some((true, Vec::new()));
    net.take();
    net.log.clear();
    net.c.connect(net.now, &connect(false)).unwrap();
    net.run();
    // CONNACK, then PUBREL: the message is not sent again.
    assert_eq!(net.sent(false), [0x20, 0x62]);
    let (c, s) = net.take();
    assert_eq!(c, ["connected sp=true"]);
    assert_eq!(s, ["connect c1 ka=60 clean=false will=false", "acked #1 Success"]);
}

#[test]
fn export_import_round_trip_resends_in_flight_with_dup_and_pubrel() {
    let props = [Property::SessionExpiryInterval(3600)];
    let connect = |clean_start| Connect {
        client_id: "c1",
        clean_start,
        properties: List::new(&props),
        ..Connect::new(Protocol::Mqtt5)
    };
    let mut net = Net::connected(client::Config::new(Version::V5), server::Config::new(), &connect(true));
    // Client to server: a QoS 2 message PUBREC'd, its PUBREL lost in the cut.
    net.c.publish(net.now, &msg("up", b"u", Qos::ExactlyOnce)).unwrap();
    net.hold_to_server = true;
    net.run();
    let publish_up = std::mem::take(&mut net.c2s);
    assert_eq!(net.s.handle_input(net.now, &publish_up), Ok(publish_up.len()));
    net.run(); // PUBREC to the client, its PUBREL waits in the pipe ...
    assert_eq!(net.c2s, [0x62, 0x02, 0x00, 0x01]);
    net.c2s.clear(); // ... and is lost
    assert_eq!(net.sev, ["message up u q2"]);
    // Server to client: m1 QoS 1 and m2 QoS 2 unacknowledged, m3 QoS 2 PUBREC'd.
    net.hold_to_client = true;
    net.s.publish(net.now, &msg("d/1", b"m1", Qos::AtLeastOnce)).unwrap();
    net.s.publish(net.now, &msg("d/2", b"m2", Qos::ExactlyOnce)).unwrap();
    net.s.publish(net.now, &msg("d/3", b"m3", Qos::ExactlyOnce)).unwrap();
    net.run();
    let down = std::mem::take(&mut net.s2c);
    assert_eq!(net.c.handle_input(net.now, &down), Ok(down.len()));
    net.run(); // the client's PUBACK, PUBREC, PUBREC wait in the pipe
    let pubrec3 = encode(Packet::PubRec(PubRec::new(pid(3))), Version::V5);
    assert!(net.c2s.windows(4).any(|w| w == pubrec3.as_slice()));
    assert_eq!(net.s.handle_input(net.now, &pubrec3), Ok(4)); // only m3's PUBREC arrives
    net.cut();
    // While the client is away a fourth message is queued for its session.
    net.s.publish(net.now, &msg("d/4", b"m4", Qos::AtLeastOnce)).unwrap();
    let saved = net.export();
    net.hold_to_client = false;
    net.hold_to_server = false;

    net.s = new_server(server::Config::new());
    net.import = Some(saved.clone());
    net.accept = Some((true, Vec::new()));
    net.take();
    net.log.clear();
    net.c.connect(net.now, &connect(false)).unwrap();
    net.run();
    let server_packets: Vec<Vec<u8>> = net.log.iter().filter(|(c, _)| !c).map(|(_, p)| p.clone()).collect();
    let firsts: Vec<u8> = server_packets.iter().map(|p| p[0]).filter(|&b| b != 0x70).collect();
    // CONNACK; m1 and m2 again with DUP; PUBREL for m3; m4 for the first time; then PUBREL
    // for m2 once the client PUBRECs it again.
    assert_eq!(firsts, [0x20, 0x3A, 0x3C, 0x62, 0x32, 0x62]);
    // The client's PUBREL for "up" is answered with PUBCOMP Success: the id was imported.
    assert!(server_packets.contains(&vec![0x70, 0x02, 0x00, 0x01]));
    let (c, s) = net.take();
    let mut s_sorted = s.clone();
    s_sorted.sort();
    assert_eq!(
        s_sorted,
        [
            "acked #1 Success",
            "acked #2 Success",
            "acked #3 Success",
            "acked #4 Success",
            "connect c1 ka=60 clean=false will=false"
        ]
    );
    // m1 again (QoS 1 may repeat), m2 not again (its id is held), m4, and "up" completes.
    let mut c_sorted = c.clone();
    c_sorted.sort();
    assert_eq!(c_sorted, ["acked #1 Success", "connected sp=true", "message d/1 m1 q1 dup", "message d/4 m4 q1"]);
    // An import is checked: into a connection past accept it is refused.
    assert_eq!(net.s.import_session(&saved), Err(SessionImportError::InvalidState));
}

#[test]
fn session_not_present_drops_the_imported_messages() {
    let mut net = Net::basic(Version::V311);
    net.hold_to_client = true;
    net.s.publish(net.now, &msg("d", b"x", Qos::AtLeastOnce)).unwrap();
    net.run();
    net.cut();
    let saved = net.export();
    net.s = new_server(server::Config::new());
    net.import = Some(saved);
    net.hold_to_client = false;
    net.take();
    net.c.connect(net.now, &Connect { client_id: "c1", ..Connect::new(Protocol::Mqtt311) }).unwrap();
    net.run();
    assert_eq!(net.sev[1..], ["dropped #1 SessionLost"]);
}

#[test]
fn import_refuses_a_session_of_the_other_version_and_garbage() {
    let mut net = Net::basic(Version::V5);
    net.hold_to_client = true;
    net.s.publish(net.now, &msg("d", b"x", Qos::AtLeastOnce)).unwrap();
    net.run();
    let saved = net.export();
    let connect311 = encode(Packet::Connect(Connect::new(Protocol::Mqtt311)), Version::V311);
    let mut s = new_server(server::Config::new());
    s.handle_input(t(0), &connect311).unwrap();
    assert_eq!(s.import_session(&saved), Err(SessionImportError::VersionMismatch));
    // A session without messages has no layout: it fits either version.
    let mut empty = vec![0u8; 64];
    let n = new_server(server::Config::new()).export_session(&mut empty).unwrap();
    let mut v5 = new_server(server::Config::new());
    v5.handle_input(t(0), &encode(Packet::Connect(Connect::new(Protocol::Mqtt5)), Version::V5)).unwrap();
    assert_eq!(v5.import_session(&empty[..n]), Ok(()));
    assert_eq!(s.import_session(b"MQSS"), Err(SessionImportError::Truncated));
    assert_eq!(s.import_session(b"NOPE\x01\x04"), Err(SessionImportError::UnknownFormat));
    // Two large messages: too many for one slot, too large for a small store.
    let mut net = Net::basic(Version::V5);
    net.hold_to_client = true;
    net.s.publish(net.now, &msg("d", &[7; 600], Qos::AtLeastOnce)).unwrap();
    net.s.publish(net.now, &msg("d", &[8; 600], Qos::AtLeastOnce)).unwrap();
    net.run();
    let saved = net.export();
    let connect5 = encode(Packet::Connect(Connect::new(Protocol::Mqtt5)), Version::V5);
    let mut one: ServerConnection<Vec<u8>, 1, 4> = ServerConnection::new(server::Config::new(), vec![0; 8192]).unwrap();
    one.handle_input(t(0), &connect5).unwrap();
    assert_eq!(one.import_session(&saved), Err(SessionImportError::TooManyMessages));
    let scfg = server::Config::new().with_store_split(1024, 64, 256, 128);
    let mut small: S = ServerConnection::new(scfg, vec![0; 2048]).unwrap();
    small.handle_input(t(0), &connect5).unwrap();
    assert!(matches!(small.import_session(&saved), Err(SessionImportError::StoreFull { .. })));
    // A connection that fits takes it, once.
    let mut fits = new_server(server::Config::new());
    fits.handle_input(t(0), &connect5).unwrap();
    assert_eq!(fits.import_session(&saved), Ok(()));
    assert_eq!(fits.import_session(&saved), Err(SessionImportError::InvalidState));
    let mut again = vec![0u8; 4096];
    let n = fits.export_session(&mut again).unwrap();
    assert_eq!(&again[..n], &saved[..]);
}

#[test]
fn import_session_never_panics_on_random_or_mutated_bytes() {
    let mut net = Net::basic(Version::V5);
    net.hold_to_client = true;
    for i in 0..3u8 {
        net.s.publish(net.now, &msg("d/x", &[i; 5], Qos::ExactlyOnce)).unwrap();
    }
    net.run();
    let saved = net.export();
    let connect5 = encode(Packet::Connect(Connect::new(Protocol::Mqtt5)), Version::V5);
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut accepted = 0;
    for round in 0..3000 {
        let mut bytes = saved.clone();
        if round % 3 == 0 {
            bytes = (0..(next() % 200) as usize).map(|_| next() as u8).collect();
        } else {
            for _ in 0..=(next() % 4) {
                let at = (next() as usize) % bytes.len();
                bytes[at] = next() as u8;
            }
            if round % 7 == 0 {
                bytes.truncate((next() as usize) % bytes.len());
            }
        }
        let mut s: ServerConnection<Vec<u8>, 4, 2> =
            ServerConnection::new(server::Config::new(), vec![0; 4096]).unwrap();
        s.handle_input(t(0), &connect5).unwrap();
        while s.poll_event().is_some() {}
        if s.import_session(&bytes).is_ok() {
            accepted += 1;
            // Whatever was accepted resumes without trouble.
            s.accept(t(0), false, &[]).unwrap();
            let mut buf = [0u8; 2048];
            let mut out = [0u8; 4096];
            let _ = s.export_session(&mut out);
            while let Ok(Some(_)) = s.poll_transmit(t(0), &mut buf) {}
        }
    }
    assert!(accepted > 0);
}

// ---- topic aliases, limits -------------------------------------------------------------------

#[test]
fn aliased_topic_reaches_the_caller_resolved() {
    let scfg = server::Config::new().with_topic_alias_maximum(4);
    let mut net = Net::connected(client::Config::new(Version::V5), scfg, &Connect::new(Protocol::Mqtt5));
    net.c.publish(net.now, &msg("sensors/7/temp", b"21.5", Qos::AtLeastOnce)).unwrap();
    net.c.publish(net.now, &msg("sensors/7/temp", b"21.6", Qos::AtLeastOnce)).unwrap();
    net.run();
    let publishes: Vec<Vec<u8>> =
        net.log.iter().filter(|(c, p)| *c && p[0] & 0xF0 == 0x30).map(|(_, p)| p.clone()).collect();
    assert_eq!(publishes.len(), 2);
    // First: the topic and alias 1; second: an empty topic with alias 1.
    assert_eq!(&publishes[0][2..18], b"\x00\x0esensors/7/temp");
    assert_eq!(&publishes[1][2..4], &[0x00, 0x00]);
    let Ok(Status::Complete { item: Packet::Publish(p), .. }) =
        decode_packet(&publishes[1], &DecodeOptions::new(Version::V5))
    else {
        panic!()
    };
    assert_eq!(p.properties.topic_alias(), Some(1));
    assert_eq!(net.sev, ["message sensors/7/temp 21.5 q1", "message sensors/7/temp 21.6 q1"]);
}

#[test]
fn server_uses_aliases_the_client_allows() {
    let ccfg = client::Config::new(Version::V5).with_topic_alias_maximum(2);
    let mut net = Net::connected(ccfg, server::Config::new(), &Connect::new(Protocol::Mqtt5));
    for p in [b"1", b"2"] {
        net.s.publish(net.now, &msg("cmd/7/set", p, Qos::AtMostOnce)).unwrap();
    }
    net.run();
    let publishes: Vec<Vec<u8>> =
        net.log.iter().filter(|(c, p)| !c && p[0] & 0xF0 == 0x30).map(|(_, p)| p.clone()).collect();
    assert_eq!(&publishes[1][2..4], &[0x00, 0x00]);
    assert_eq!(net.cev, ["message cmd/7/set 1 q0", "message cmd/7/set 2 q0"]);
}

#[test]
fn packet_over_peer_maximum_packet_size_refused_before_packet_id_is_spent() {
    // The client accepts 64 bytes: the server must not send more.
    let ccfg = client::Config::new(Version::V5).with_maximum_packet_size(64);
    let scfg = server::Config::new().with_maximum_packet_size(64);
    let mut net = Net::connected(ccfg, scfg, &Connect::new(Protocol::Mqtt5));
    let big = [0x55u8; 100];
    let r = net.s.publish(net.now, &msg("a/b", &big, Qos::AtLeastOnce));
    assert!(matches!(r, Err(CommandError::PacketTooLarge { max: 64, .. })), "{r:?}");
    net.s.publish(net.now, &msg("a/b", b"small", Qos::AtLeastOnce)).unwrap();
    net.run();
    let publish = net.log.iter().find(|(c, p)| !c && p[0] == 0x32).unwrap().1.clone();
    assert_eq!(&publish[2..9], b"\x00\x03a/b\x00\x01"); // packet id 1: the refused one spent none
    assert_eq!(net.cev, ["message a/b small q1"]);
    // The other way: the client's own check, and the server's decoder for a hand-made packet.
    let r = net.c.publish(net.now, &msg("a/b", &big, Qos::AtLeastOnce));
    assert!(matches!(r, Err(CommandError::PacketTooLarge { max: 64, .. })), "{r:?}");
    let p = Publish { qos: QosPid::AtLeastOnce(pid(9)), ..Publish::new(TopicName::new("a/b").unwrap(), &big) };
    let r = net.s.handle_input(net.now, &encode(Packet::Publish(p), Version::V5));
    assert!(matches!(r, Err(CloseReason::Malformed(e)) if matches!(e.kind, Malformed::PacketTooLarge { .. })));
    net.run();
    assert_eq!(net.log.last().unwrap(), &(false, vec![0xE0, 0x01, 0x95])); // DISCONNECT Packet too large
}

#[test]
fn client_receive_maximum_limits_what_the_server_has_in_flight() {
    let ccfg = client::Config::new(Version::V5).with_receive_maximum(2);
    let mut net = Net::connected(ccfg, server::Config::new(), &Connect::new(Protocol::Mqtt5));
    net.hold_to_client = true;
    for i in 0..4u8 {
        net.s.publish(net.now, &msg("d", &[b'0' + i], Qos::AtLeastOnce)).unwrap();
    }
    net.run();
    assert_eq!(net.sent(false), [0x32, 0x32]); // two in flight, two wait (`MQTT-4.9.0-2`)
    net.hold_to_client = false;
    net.run();
    assert_eq!(net.cev, ["message d 0 q1", "message d 1 q1", "message d 2 q1", "message d 3 q1"]);
    assert_eq!(net.sev.len(), 4);
}

#[test]
fn server_receive_maximum_limits_what_the_client_has_in_flight() {
    let scfg = server::Config::new().with_receive_maximum(2);
    let mut net = Net::connected(client::Config::new(Version::V5), scfg, &Connect::new(Protocol::Mqtt5));
    net.hold_to_server = true;
    for i in 0..4u8 {
        net.c.publish(net.now, &msg("u", &[b'0' + i], Qos::ExactlyOnce)).unwrap();
    }
    net.run();
    assert_eq!(net.sent(true), [0x34, 0x34]);
    net.hold_to_server = false;
    net.run();
    assert_eq!(net.sev, ["message u 0 q2", "message u 1 q2", "message u 2 q2", "message u 3 q2"]);
}

#[test]
fn publish_above_the_announced_maximum_qos_or_retain_is_refused() {
    let mut net = Net::new(client::Config::new(Version::V5), server::Config::new());
    net.accept = Some((false, vec![Property::MaximumQos(Qos::AtLeastOnce), Property::RetainAvailable(false)]));
    net.c.connect(t(0), &Connect::new(Protocol::Mqtt5)).unwrap();
    net.run();
    let q2 = Publish { qos: QosPid::ExactlyOnce(pid(1)), ..Publish::new(TopicName::new("a").unwrap(), b"x") };
    let r = net.s.handle_input(net.now, &encode(Packet::Publish(q2), Version::V5));
    assert_eq!(r, Err(CloseReason::ProtocolError { reason: ReasonCode::QosNotSupported, rule: "5.0 §3.2.2.3.4" }));
    net.run();
    assert_eq!(net.log.last().unwrap(), &(false, vec![0xE0, 0x01, 0x9B]));

    let mut net = Net::new(client::Config::new(Version::V5), server::Config::new());
    net.accept = Some((false, vec![Property::RetainAvailable(false)]));
    net.c.connect(t(0), &Connect::new(Protocol::Mqtt5)).unwrap();
    net.run();
    assert_eq!(
        net.c.publish(net.now, &msg("a", b"x", Qos::AtMostOnce).with_retain(true)),
        Err(CommandError::NotSupported)
    );
    let retained = Publish { retain: true, ..Publish::new(TopicName::new("a").unwrap(), b"x") };
    let r = net.s.handle_input(net.now, &encode(Packet::Publish(retained), Version::V5));
    assert_eq!(r, Err(CloseReason::ProtocolError { reason: ReasonCode::RetainNotSupported, rule: "5.0 §3.2.2.3.5" }));
}

// ---- SUBSCRIBE, UNSUBSCRIBE, AUTH ------------------------------------------------------------

#[test]
fn subscribe_and_unsubscribe_are_answered_with_suback_and_unsuback() {
    for v in [Version::V311, Version::V5] {
        let mut net = Net::basic(v);
        let subs = [
            Subscription::new(TopicFilter::new("a/+").unwrap(), Qos::AtLeastOnce),
            Subscription::new(TopicFilter::new("b/#").unwrap(), Qos::ExactlyOnce),
        ];
        let id = net.c.subscribe(net.now, &subs, &[]).unwrap();
        net.run();
        assert_eq!(net.sev, [format!("subscribe {id} [\"a/+ q1\", \"b/# q2\"]")]);
        net.s.suback(net.now, id, &[ReasonCode::GrantedQos1, ReasonCode::UnspecifiedError], &[]).unwrap();
        net.run();
        assert_eq!(net.cev, [format!("subscribed {id} [GrantedQos1, UnspecifiedError]")]);
        net.take();
        let id = net.c.unsubscribe(net.now, &[TopicFilter::new("a/+").unwrap()], &[]).unwrap();
        net.run();
        assert_eq!(net.sev, [format!("unsubscribe {id} [\"a/+\"]")]);
        // 3.1.1's UNSUBACK has no reason codes: they are left out.
        net.s.unsuback(net.now, id, &[ReasonCode::Success], &[]).unwrap();
        net.run();
        let codes = if v == Version::V5 { "[Success]" } else { "[]" };
        assert_eq!(net.cev, [format!("unsubscribed {id} {codes}")]);
    }
}

#[test]
fn v311_suback_turns_5_0_error_codes_into_0x80() {
    let mut net = Net::basic(Version::V311);
    let subs = [
        Subscription::new(TopicFilter::new("a/+").unwrap(), Qos::AtLeastOnce),
        Subscription::new(TopicFilter::new("secret/#").unwrap(), Qos::AtLeastOnce),
    ];
    let id = net.c.subscribe(net.now, &subs, &[]).unwrap();
    net.run();
    net.take();
    // 3.1.1 §3.9.3: 0x00-0x02 or 0x80; Not authorized (0x87) has no 3.1.1 form.
    net.s.suback(net.now, id, &[ReasonCode::GrantedQos1, ReasonCode::NotAuthorized], &[]).unwrap();
    net.run();
    assert_eq!(net.cev, [format!("subscribed {id} [GrantedQos1, UnspecifiedError]")]);
}

#[test]
fn suback_over_the_client_maximum_packet_size_is_refused() {
    let ccfg = client::Config::new(Version::V5).with_maximum_packet_size(32);
    let mut net = Net::connected(ccfg, server::Config::new(), &Connect::new(Protocol::Mqtt5));
    let long = "a reason string much longer than thirty-two bytes";
    let r = net.s.suback(net.now, pid(1), &[ReasonCode::Success], &[Property::ReasonString(long)]);
    assert!(matches!(r, Err(CommandError::PacketTooLarge { max: 32, .. })));
}

#[test]
fn auth_exchange_before_connack() {
    let mut net = Net::new(client::Config::new(Version::V5), server::Config::new());
    net.accept = None;
    let props = [Property::AuthenticationMethod("SCRAM-SHA-1"), Property::AuthenticationData(b"client-first")];
    net.c
        .connect(t(0), &Connect { client_id: "c1", properties: List::new(&props), ..Connect::new(Protocol::Mqtt5) })
        .unwrap();
    net.run();
    assert_eq!(net.sev, ["connect c1 ka=60 clean=true will=false"]);
    let challenge = [Property::AuthenticationMethod("SCRAM-SHA-1"), Property::AuthenticationData(b"server-first")];
    let auth = Auth { reason_code: ReasonCode::ContinueAuthentication, properties: List::new(&challenge) };
    net.s.auth(net.now, &auth).unwrap();
    net.run();
    assert_eq!(net.cev, ["auth ContinueAuthentication"]);
    let answer = [Property::AuthenticationMethod("SCRAM-SHA-1"), Property::AuthenticationData(b"client-final")];
    net.c
        .auth(net.now, &Auth { reason_code: ReasonCode::ContinueAuthentication, properties: List::new(&answer) })
        .unwrap();
    net.run();
    assert_eq!(net.sev[1..], ["auth ContinueAuthentication"]);
    net.s.accept(net.now, false, &[Property::AuthenticationMethod("SCRAM-SHA-1")]).unwrap();
    net.run();
    assert_eq!(net.cev[1..], ["connected sp=false"]);
    // 3.1.1 has no AUTH.
    let mut old = Net::basic(Version::V311);
    assert_eq!(old.s.auth(old.now, &auth), Err(CommandError::InvalidState));
}

// ---- keep-alive ------------------------------------------------------------------------------

#[test]
fn client_pings_after_keep_alive_and_the_server_answers() {
    let connect = Connect { keep_alive: 10, ..Connect::new(Protocol::Mqtt5) };
    let mut net = Net::connected(client::Config::new(Version::V5), server::Config::new(), &connect);
    net.advance(60_000);
    let by_server: Vec<u8> = net.log.iter().filter(|(c, _)| !c).map(|(_, p)| p[0]).collect();
    assert_eq!(net.sent(true), [0xC0; 6]); // a PINGREQ every 10 s (`MQTT-3.1.2-20 (5.0)`)
    assert_eq!(by_server, [0xD0; 6]);
    assert!(net.c.is_connected() && net.s.is_connected());
    assert_eq!(net.take(), (vec![], vec![]));
}

#[test]
fn pingreq_is_answered_with_pingresp() {
    let mut net = Net::basic(Version::V311);
    assert_eq!(net.s.handle_input(net.now, &[0xC0, 0x00]), Ok(2));
    let mut buf = [0u8; 4];
    let tx = net.s.poll_transmit(net.now, &mut buf).unwrap().unwrap();
    assert_eq!(&buf[..tx.len], &[0xD0, 0x00]); // `MQTT-3.12.4-1`
}

#[test]
fn server_closes_after_one_and_a_half_keep_alive_without_traffic() {
    for v in [Version::V311, Version::V5] {
        let connect = Connect { client_id: "c1", keep_alive: 10, ..Connect::new(protocol(v)) };
        let mut net = Net::connected(client::Config::new(v), server::Config::new(), &connect);
        net.hold_to_server = true; // the client goes silent for the server
        let start = net.now;
        assert_eq!(net.s.poll_timeout(), Some(start + Duration::from_secs(15)));
        net.advance_to(start + Duration::from_millis(14_999));
        assert!(net.s.is_connected());
        net.advance_to(start + Duration::from_secs(15));
        assert!(!net.s.is_connected());
        assert_eq!(net.sev, [format!("closed {:?}", CloseReason::KeepAliveTimeout)]);
        // 5.0: DISCONNECT Keep Alive timeout; 3.1.1 just closes.
        let expect: &[&[u8]] = if v == Version::V5 { &[&[0xE0, 0x01, 0x8D]] } else { &[] };
        let by_server: Vec<&[u8]> = net.log.iter().filter(|(c, _)| !c).map(|(_, p)| p.as_slice()).collect();
        assert_eq!(by_server, expect);
    }
}

#[test]
fn server_keep_alive_given_to_accept_is_enforced() {
    let mut net = Net::new(client::Config::new(Version::V5), server::Config::new());
    net.accept = Some((false, vec![Property::ServerKeepAlive(4)]));
    net.c.connect(t(0), &Connect { keep_alive: 100, ..Connect::new(Protocol::Mqtt5) }).unwrap();
    net.run();
    assert_eq!(net.s.keep_alive(), 4);
    net.advance(20_000);
    assert!(net.s.is_connected()); // the client pings every 4 s, as told
    net.hold_to_server = true;
    net.advance(6_000);
    assert!(!net.s.is_connected());
    assert!(net.sev.last().unwrap().contains("KeepAliveTimeout"));
}

// ---- the will --------------------------------------------------------------------------------

fn will_connect<'a>(v: Version, will_props: &'a [Property<'a>], props: &'a [Property<'a>]) -> Connect<'a> {
    Connect {
        client_id: "c1",
        keep_alive: 10,
        properties: List::new(props),
        will: Some(Will {
            topic: TopicName::new("clients/c1/status").unwrap(),
            payload: b"offline",
            qos: Qos::AtLeastOnce,
            retain: true,
            properties: List::new(will_props),
        }),
        ..Connect::new(protocol(v))
    }
}

#[test]
fn will_published_on_transport_loss_not_on_normal_disconnect() {
    for v in [Version::V311, Version::V5] {
        let mut net = Net::connected(client::Config::new(v), server::Config::new(), &will_connect(v, &[], &[]));
        assert!(net.s.has_will());
        net.cut();
        assert_eq!(
            net.sev,
            [
                format!("closed {:?}", CloseReason::TransportClosed),
                "will clients/c1/status offline q1 retain []".to_owned()
            ]
        );
        assert!(!net.s.has_will()); // handed on once

        let mut net = Net::connected(client::Config::new(v), server::Config::new(), &will_connect(v, &[], &[]));
        net.c.disconnect(net.now, &Disconnect::default()).unwrap();
        net.run();
        net.s.connection_lost(net.now);
        net.run();
        // `MQTT-3.14.4-3`: Normal disconnection discards the will.
        assert_eq!(net.sev, [format!("closed {:?}", CloseReason::DisconnectReceived(ReasonCode::Success))]);
        assert!(!net.s.has_will());
    }
}

#[test]
fn will_published_on_disconnect_with_will_message_keep_alive_timeout_and_protocol_error() {
    let v = Version::V5;
    let mut net = Net::connected(client::Config::new(v), server::Config::new(), &will_connect(v, &[], &[]));
    net.c.disconnect(net.now, &Disconnect::new(ReasonCode::DisconnectWithWillMessage)).unwrap();
    net.run();
    assert_eq!(net.sev.last().unwrap(), "will clients/c1/status offline q1 retain []");

    let mut net = Net::connected(client::Config::new(v), server::Config::new(), &will_connect(v, &[], &[]));
    net.hold_to_server = true;
    net.advance(15_000);
    assert_eq!(
        net.sev,
        [
            format!("closed {:?}", CloseReason::KeepAliveTimeout),
            "will clients/c1/status offline q1 retain []".to_owned()
        ]
    );

    let mut net = Net::connected(client::Config::new(v), server::Config::new(), &will_connect(v, &[], &[]));
    let _ = net.s.handle_input(net.now, &[0x20, 0x02, 0x00, 0x00]); // a CONNACK from the client
    net.run();
    assert_eq!(net.sev.last().unwrap(), "will clients/c1/status offline q1 retain []");
}

#[test]
fn will_waits_for_its_delay_interval() {
    let v = Version::V5;
    let will_props = [Property::WillDelayInterval(5), Property::ContentType("text/plain")];
    let props = [Property::SessionExpiryInterval(60)];
    let mut net = Net::connected(client::Config::new(v), server::Config::new(), &will_connect(v, &will_props, &props));
    let lost = net.now;
    net.cut();
    assert_eq!(net.sev, [format!("closed {:?}", CloseReason::TransportClosed)]);
    // `MQTT-3.1.3-9`: not before the Will Delay Interval.
    assert_eq!(net.s.poll_timeout(), Some(lost + Duration::from_secs(5)));
    net.advance_to(lost + Duration::from_millis(4_999));
    assert_eq!(net.sev.len(), 1);
    net.advance_to(lost + Duration::from_secs(5));
    // The Will Delay Interval is not a PUBLISH property; the others carry over.
    assert_eq!(net.sev[1..], ["will clients/c1/status offline q1 retain [ContentType]"]);
    assert_eq!(net.s.poll_timeout(), None);
}

#[test]
fn will_delay_ends_with_the_session_and_can_be_discarded() {
    let v = Version::V5;
    let will_props = [Property::WillDelayInterval(30)];
    let props = [Property::SessionExpiryInterval(2)];
    let mut net = Net::connected(client::Config::new(v), server::Config::new(), &will_connect(v, &will_props, &props));
    let lost = net.now;
    net.cut();
    // The session ends after 2 s: the will goes then (5.0 §3.1.3.2.2).
    assert_eq!(net.s.poll_timeout(), Some(lost + Duration::from_secs(2)));

    let will_props = [Property::WillDelayInterval(30)];
    let props = [Property::SessionExpiryInterval(3600)];
    let mut net = Net::connected(client::Config::new(v), server::Config::new(), &will_connect(v, &will_props, &props));
    net.cut();
    // The client is back on another connection before the delay: the broker discards it.
    net.s.discard_will();
    assert_eq!(net.s.poll_timeout(), None);
    net.advance(60_000);
    assert!(net.sev.iter().all(|e| !e.starts_with("will")));
}

#[test]
fn will_that_does_not_fit_is_refused() {
    let scfg = server::Config::new().with_store_split(2048, 256, 512, 16);
    let mut net = Net::new(client::Config::new(Version::V5), scfg);
    net.c.connect(t(0), &will_connect(Version::V5, &[], &[])).unwrap();
    net.run();
    // 5.0: CONNACK 0x95 Packet too large, and no CONNECT event.
    assert_eq!(net.sev, [format!("closed {:?}", CloseReason::Refused(ReasonCode::PacketTooLarge))]);
    assert_eq!(net.cev, [format!("closed {:?}", CloseReason::Refused(ReasonCode::PacketTooLarge))]);

    let mut net = Net::new(client::Config::new(Version::V311), scfg);
    net.c.connect(t(0), &will_connect(Version::V311, &[], &[])).unwrap();
    net.run();
    // 3.1.1 has no return code for it: the connection just closes.
    assert_eq!(net.sev, [format!("closed {:?}", CloseReason::Refused(ReasonCode::PacketTooLarge))]);
    assert_eq!(net.sent(false), []);
}

#[test]
fn rejected_connection_has_no_will() {
    let mut net = Net::new(client::Config::new(Version::V5), server::Config::new());
    net.accept = None;
    net.c.connect(t(0), &will_connect(Version::V5, &[], &[])).unwrap();
    net.run();
    assert!(net.s.has_will());
    net.s.reject(net.now, ReasonCode::NotAuthorized, &[]).unwrap();
    net.cut();
    assert!(net.sev.iter().all(|e| !e.starts_with("will")));
    assert!(!net.s.has_will());
}

#[test]
fn will_qos_above_maximum_qos_cannot_be_accepted() {
    let mut net = Net::new(client::Config::new(Version::V5), server::Config::new());
    net.accept = None;
    net.c.connect(t(0), &will_connect(Version::V5, &[], &[])).unwrap();
    net.run();
    // `MQTT-3.2.2-12`: a will at QoS 1 with Maximum QoS 0.
    assert_eq!(net.s.accept(net.now, false, &[Property::MaximumQos(Qos::AtMostOnce)]), Err(CommandError::NotSupported));
    assert_eq!(net.s.accept(net.now, false, &[Property::RetainAvailable(false)]), Err(CommandError::NotSupported));
    net.s.reject(net.now, ReasonCode::QosNotSupported, &[]).unwrap();
    net.run();
    assert_eq!(net.cev, [format!("closed {:?}", CloseReason::Refused(ReasonCode::QosNotSupported))]);
}

#[test]
fn server_disconnect_sends_the_reason_and_hands_on_the_will() {
    let v = Version::V5;
    let mut net = Net::connected(client::Config::new(v), server::Config::new(), &will_connect(v, &[], &[]));
    net.s.disconnect(net.now, &Disconnect::new(ReasonCode::ServerShuttingDown)).unwrap();
    net.run();
    assert_eq!(net.cev, [format!("closed {:?}", CloseReason::DisconnectReceived(ReasonCode::ServerShuttingDown))]);
    assert_eq!(
        net.sev,
        [format!("closed {:?}", CloseReason::Local), "will clients/c1/status offline q1 retain []".to_owned()]
    );
    // 3.1.1 has no server DISCONNECT: nothing is sent.
    let mut net = Net::basic(Version::V311);
    net.s.disconnect(net.now, &Disconnect::default()).unwrap();
    net.run();
    assert_eq!(net.sent(false), []);
    assert_eq!(net.sev, [format!("closed {:?}", CloseReason::Local)]);
}

// ---- hostile input ---------------------------------------------------------------------------

#[test]
fn random_bytes_after_a_valid_connect_never_panic() {
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let connects = [
        encode(Packet::Connect(Connect { client_id: "fz", ..Connect::new(Protocol::Mqtt311) }), Version::V311),
        encode(Packet::Connect(Connect { client_id: "fz", ..Connect::new(Protocol::Mqtt5) }), Version::V5),
    ];
    let (mut ok, mut closed) = (0, 0);
    let mut buf = [0u8; 512];
    for round in 0..4000 {
        let cfg = server::Config::new().with_topic_alias_maximum(2).with_store_split(1024, 64, 256, 128);
        let mut s: ServerConnection<[u8; 4096], 4, 2> = ServerConnection::new(cfg, [0; 4096]).unwrap();
        let connect = &connects[round % 2];
        assert_eq!(s.handle_input(t(0), connect), Ok(connect.len()));
        while s.poll_event().is_some() {}
        s.accept(t(0), false, &[]).unwrap();
        // Random bytes, often starting with a plausible fixed header.
        let len = (next() % 300) as usize;
        let mut input: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if len > 2 && round % 3 != 0 {
            input[0] =
                [0x30, 0x32, 0x34, 0x3A, 0x40, 0x50, 0x62, 0x70, 0x82, 0xA2, 0xC0, 0xE0, 0xF0][(next() % 13) as usize];
            input[1] = (next() % (len as u64 - 1)) as u8 & 0x7F;
        }
        let mut at = 0;
        for _ in 0..50 {
            match s.handle_input(t(1), &input[at..]) {
                Ok(0) => {
                    while s.poll_event().is_some() {}
                    if s.handle_input(t(1), &input[at..]) == Ok(0) {
                        break;
                    }
                }
                Ok(n) => {
                    ok += 1;
                    at += n;
                }
                Err(_) => {
                    closed += 1;
                    break;
                }
            }
        }
        // The machine still works afterwards.
        for _ in 0..100 {
            if s.poll_transmit(t(1), &mut buf).unwrap().is_none() {
                break;
            }
        }
        for _ in 0..100 {
            if s.poll_event().is_none() {
                break;
            }
        }
        s.handle_timeout(t(1_000_000));
        while s.poll_event().is_some() {}
        let _ = s.publish(t(1), &msg("a", b"x", Qos::AtLeastOnce));
        let _ = s.export_session(&mut buf);
        s.connection_lost(t(2));
        while s.poll_event().is_some() {}
    }
    assert!(ok > 0 && closed > 0, "ok {ok}, closed {closed}");
}
