//! Fairness check for `benches/mqtt_codec.rs`: every peer decodes each item's canonical frame to
//! the same fields (topic, payload, packet identifier, QoS, options, properties) that the item's
//! application data holds, and what every peer encodes decodes (with our codec) to those fields too.
//! The decode and encode calls are the very ones the bench times (the shared `mqtt_peers` module).
// Test code: panics are the assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

#[allow(dead_code, unreachable_pub)]
#[path = "../benches/mqtt_peers/mod.rs"]
mod mqtt_peers;

use std::collections::BTreeMap;

use benches::{items, App, Item, Version};
use mqtt_codec::wire::{Packet, Property, Status};
use mqtt_peers::mpc::{MpcV311, MpcV5};
use mqtt_peers::mqttrs_v311::Mqttrs;
use mqtt_peers::rumqttc_v4::RumqttcV4;
use mqtt_peers::rumqttc_v5::RumqttcV5;
use mqtt_peers::{Codec, Ours, Skip};

/// The fields of a packet, as text, so that every crate's packet type can be compared.
type Fields = BTreeMap<&'static str, String>;

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn filter_text(filter: &str, qos: u8, nl: bool, rap: bool, rh: u8) -> String {
    format!("{filter}:q{qos}:nl{}:rap{}:rh{rh}", u8::from(nl), u8::from(rap))
}

/// What the application data says the packet holds.
fn expected(app: &App) -> Fields {
    let mut f = Fields::new();
    match app {
        App::Connect(c) => {
            f.insert("kind", "connect".into());
            f.insert("client_id", c.client_id.into());
            f.insert("keep_alive", c.keep_alive.to_string());
            f.insert("clean_start", c.clean_start.to_string());
            f.insert("will_topic", c.will_topic.into());
            f.insert("will_payload", hex(c.will_payload));
            f.insert("will_qos", c.will_qos.to_string());
            f.insert("will_retain", c.will_retain.to_string());
            f.insert("username", c.username.into());
            f.insert("password", hex(c.password.as_bytes()));
            if let Some(s) = c.session_expiry {
                f.insert("session_expiry", s.to_string());
            }
            if let Some(r) = c.receive_maximum {
                f.insert("receive_maximum", r.to_string());
            }
            if let Some(d) = c.will_delay {
                f.insert("will_delay", d.to_string());
            }
        }
        App::Publish(p) => {
            f.insert("kind", "publish".into());
            f.insert("topic", p.topic.into());
            f.insert("payload", hex(p.payload));
            f.insert("qos", p.qos.to_string());
            if p.packet_id != 0 {
                f.insert("packet_id", p.packet_id.to_string());
            }
            if let Some(pp) = &p.props {
                f.insert("message_expiry", pp.message_expiry.to_string());
                f.insert("user_property", format!("{}={}", pp.user_property.0, pp.user_property.1));
                f.insert("content_type", pp.content_type.into());
            }
        }
        App::Subscribe(s) => {
            f.insert("kind", "subscribe".into());
            f.insert("packet_id", s.packet_id.to_string());
            let filters: Vec<_> = s
                .filters
                .iter()
                .map(|x| filter_text(x.filter, x.qos, x.no_local, x.retain_as_published, x.retain_handling))
                .collect();
            f.insert("filters", filters.join(";"));
            if let Some(id) = s.subscription_id {
                f.insert("subscription_id", id.to_string());
            }
        }
        App::PubAck { packet_id } => {
            f.insert("kind", "puback".into());
            f.insert("packet_id", packet_id.to_string());
        }
        App::PingReq => {
            f.insert("kind", "pingreq".into());
        }
    }
    f
}

fn ours_fields(p: &Packet<'_>) -> Fields {
    let mut f = Fields::new();
    let props = |f: &mut Fields, list: mqtt_codec::wire::Properties<'_>| {
        for prop in list.iter() {
            match prop {
                Property::SessionExpiryInterval(v) => f.insert("session_expiry", v.to_string()),
                Property::ReceiveMaximum(v) => f.insert("receive_maximum", v.to_string()),
                Property::WillDelayInterval(v) => f.insert("will_delay", v.to_string()),
                Property::MessageExpiryInterval(v) => f.insert("message_expiry", v.to_string()),
                Property::UserProperty(k, v) => f.insert("user_property", format!("{k}={v}")),
                Property::ContentType(v) => f.insert("content_type", v.into()),
                Property::SubscriptionIdentifier(v) => f.insert("subscription_id", v.to_string()),
                other => panic!("unexpected property {other:?}"),
            };
        }
    };
    match p {
        Packet::Connect(c) => {
            f.insert("kind", "connect".into());
            f.insert("client_id", c.client_id.into());
            f.insert("keep_alive", c.keep_alive.to_string());
            f.insert("clean_start", c.clean_start.to_string());
            let w = c.will.unwrap();
            f.insert("will_topic", w.topic.as_str().into());
            f.insert("will_payload", hex(w.payload));
            f.insert("will_qos", (w.qos as u8).to_string());
            f.insert("will_retain", w.retain.to_string());
            f.insert("username", c.username.unwrap().into());
            f.insert("password", hex(c.password.unwrap()));
            props(&mut f, c.properties);
            props(&mut f, w.properties);
        }
        Packet::Publish(p) => {
            f.insert("kind", "publish".into());
            f.insert("topic", p.topic.as_str().into());
            f.insert("payload", hex(p.payload));
            f.insert("qos", (p.qos.qos() as u8).to_string());
            if let Some(id) = p.qos.packet_id() {
                f.insert("packet_id", id.get().to_string());
            }
            props(&mut f, p.properties);
        }
        Packet::Subscribe(s) => {
            f.insert("kind", "subscribe".into());
            f.insert("packet_id", s.packet_id.get().to_string());
            let filters: Vec<_> = s
                .subscriptions
                .iter()
                .map(|x| {
                    let o = x.options;
                    filter_text(
                        x.filter.as_str(),
                        o.qos as u8,
                        o.no_local,
                        o.retain_as_published,
                        o.retain_handling as u8,
                    )
                })
                .collect();
            f.insert("filters", filters.join(";"));
            props(&mut f, s.properties);
        }
        Packet::PubAck(a) => {
            f.insert("kind", "puback".into());
            f.insert("packet_id", a.packet_id.get().to_string());
        }
        Packet::PingReq => {
            f.insert("kind", "pingreq".into());
        }
        other => panic!("unexpected packet {other:?}"),
    }
    f
}

fn ours_decode_fields(v: Version, frame: &[u8]) -> Fields {
    match benches::decode_ours(v, frame) {
        Ok(Status::Complete { item, consumed }) => {
            assert_eq!(consumed, frame.len());
            ours_fields(&item)
        }
        other => panic!("our decoder rejects {}: {other:?}", hex(frame)),
    }
}

fn rumqttc_v4_fields(p: &rumqttc::mqttbytes::v4::Packet) -> Fields {
    use rumqttc::mqttbytes::v4::Packet as P;
    let mut f = Fields::new();
    match p {
        P::Connect(c) => {
            f.insert("kind", "connect".into());
            f.insert("client_id", c.client_id.clone());
            f.insert("keep_alive", c.keep_alive.to_string());
            f.insert("clean_start", c.clean_session.to_string());
            let w = c.last_will.as_ref().unwrap();
            f.insert("will_topic", w.topic.clone());
            f.insert("will_payload", hex(&w.message));
            f.insert("will_qos", (w.qos as u8).to_string());
            f.insert("will_retain", w.retain.to_string());
            let l = c.login.as_ref().unwrap();
            f.insert("username", l.username.clone());
            f.insert("password", hex(l.password.as_bytes()));
        }
        P::Publish(p) => {
            f.insert("kind", "publish".into());
            f.insert("topic", p.topic.clone());
            f.insert("payload", hex(&p.payload));
            f.insert("qos", (p.qos as u8).to_string());
            if p.pkid != 0 {
                f.insert("packet_id", p.pkid.to_string());
            }
        }
        P::Subscribe(s) => {
            f.insert("kind", "subscribe".into());
            f.insert("packet_id", s.pkid.to_string());
            let filters: Vec<_> =
                s.filters.iter().map(|x| filter_text(&x.path, x.qos as u8, false, false, 0)).collect();
            f.insert("filters", filters.join(";"));
        }
        P::PubAck(a) => {
            f.insert("kind", "puback".into());
            f.insert("packet_id", a.pkid.to_string());
        }
        P::PingReq => {
            f.insert("kind", "pingreq".into());
        }
        other => panic!("unexpected packet {other:?}"),
    }
    f
}

fn rumqttc_v5_fields(p: &rumqttc::v5::mqttbytes::v5::Packet) -> Fields {
    use rumqttc::v5::mqttbytes::v5::{Packet as P, RetainForwardRule};
    let mut f = Fields::new();
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
    match p {
        P::Connect(c, will, login) => {
            f.insert("kind", "connect".into());
            f.insert("client_id", c.client_id.clone());
            f.insert("keep_alive", c.keep_alive.to_string());
            f.insert("clean_start", c.clean_start.to_string());
            if let Some(props) = &c.properties {
                if let Some(s) = props.session_expiry_interval {
                    f.insert("session_expiry", s.to_string());
                }
                if let Some(r) = props.receive_maximum {
                    f.insert("receive_maximum", r.to_string());
                }
            }
            let w = will.as_ref().unwrap();
            f.insert("will_topic", text(&w.topic));
            f.insert("will_payload", hex(&w.message));
            f.insert("will_qos", (w.qos as u8).to_string());
            f.insert("will_retain", w.retain.to_string());
            if let Some(d) = w.properties.as_ref().and_then(|p| p.delay_interval) {
                f.insert("will_delay", d.to_string());
            }
            let l = login.as_ref().unwrap();
            f.insert("username", l.username.clone());
            f.insert("password", hex(l.password.as_bytes()));
        }
        P::Publish(p) => {
            f.insert("kind", "publish".into());
            f.insert("topic", text(&p.topic));
            f.insert("payload", hex(&p.payload));
            f.insert("qos", (p.qos as u8).to_string());
            if p.pkid != 0 {
                f.insert("packet_id", p.pkid.to_string());
            }
            if let Some(props) = &p.properties {
                if let Some(e) = props.message_expiry_interval {
                    f.insert("message_expiry", e.to_string());
                }
                for (k, v) in &props.user_properties {
                    f.insert("user_property", format!("{k}={v}"));
                }
                if let Some(ct) = &props.content_type {
                    f.insert("content_type", ct.clone());
                }
            }
        }
        P::Subscribe(s) => {
            f.insert("kind", "subscribe".into());
            f.insert("packet_id", s.pkid.to_string());
            let filters: Vec<_> = s
                .filters
                .iter()
                .map(|x| {
                    let rh = match x.retain_forward_rule {
                        RetainForwardRule::OnEverySubscribe => 0,
                        RetainForwardRule::OnNewSubscribe => 1,
                        RetainForwardRule::Never => 2,
                    };
                    filter_text(&x.path, x.qos as u8, x.nolocal, x.preserve_retain, rh)
                })
                .collect();
            f.insert("filters", filters.join(";"));
            if let Some(id) = s.properties.as_ref().and_then(|p| p.id) {
                f.insert("subscription_id", id.to_string());
            }
        }
        P::PubAck(a) => {
            f.insert("kind", "puback".into());
            f.insert("packet_id", a.pkid.to_string());
        }
        P::PingReq(_) => {
            f.insert("kind", "pingreq".into());
        }
        other => panic!("unexpected packet {other:?}"),
    }
    f
}

fn mqttrs_fields(p: &mqttrs::Packet<'_>) -> Fields {
    use mqttrs::Packet as P;
    let mut f = Fields::new();
    match p {
        P::Connect(c) => {
            f.insert("kind", "connect".into());
            f.insert("client_id", c.client_id.into());
            f.insert("keep_alive", c.keep_alive.to_string());
            f.insert("clean_start", c.clean_session.to_string());
            let w = c.last_will.as_ref().unwrap();
            f.insert("will_topic", w.topic.into());
            f.insert("will_payload", hex(w.message));
            f.insert("will_qos", (w.qos as u8).to_string());
            f.insert("will_retain", w.retain.to_string());
            f.insert("username", c.username.unwrap().into());
            f.insert("password", hex(c.password.unwrap()));
        }
        P::Publish(p) => {
            f.insert("kind", "publish".into());
            f.insert("topic", p.topic_name.into());
            f.insert("payload", hex(p.payload));
            f.insert("qos", (p.qospid.qos() as u8).to_string());
            if let Some(pid) = p.qospid.pid() {
                f.insert("packet_id", pid.get().to_string());
            }
        }
        P::Subscribe(s) => {
            f.insert("kind", "subscribe".into());
            f.insert("packet_id", s.pid.get().to_string());
            let filters: Vec<_> =
                s.topics.iter().map(|x| filter_text(&x.topic_path, x.qos as u8, false, false, 0)).collect();
            f.insert("filters", filters.join(";"));
        }
        P::Puback(pid) => {
            f.insert("kind", "puback".into());
            f.insert("packet_id", pid.get().to_string());
        }
        P::Pingreq => {
            f.insert("kind", "pingreq".into());
        }
        other => panic!("unexpected packet {other:?}"),
    }
    f
}

fn mpc_fields(p: &mqtt_protocol_core::mqtt::packet::Packet) -> Fields {
    use mqtt_protocol_core::mqtt::packet::{Packet as P, Property as Pr, RetainHandling};
    use mqtt_protocol_core::mqtt::prelude::PropertyValueAccess;
    let mut f = Fields::new();
    let props = |f: &mut Fields, list: &[Pr]| {
        for prop in list {
            let (key, value) = match prop {
                Pr::SessionExpiryInterval(_) => ("session_expiry", prop.as_u32().unwrap().to_string()),
                Pr::ReceiveMaximum(_) => ("receive_maximum", prop.as_u16().unwrap().to_string()),
                Pr::WillDelayInterval(_) => ("will_delay", prop.as_u32().unwrap().to_string()),
                Pr::MessageExpiryInterval(_) => ("message_expiry", prop.as_u32().unwrap().to_string()),
                Pr::UserProperty(_) => {
                    let (k, v) = prop.as_key_value().unwrap();
                    ("user_property", format!("{k}={v}"))
                }
                Pr::ContentType(_) => ("content_type", prop.as_str().unwrap().into()),
                Pr::SubscriptionIdentifier(_) => ("subscription_id", prop.as_u32().unwrap().to_string()),
                other => panic!("unexpected property {other:?}"),
            };
            f.insert(key, value);
        }
    };
    let rh = |r: RetainHandling| match r {
        RetainHandling::SendRetained => 0,
        RetainHandling::SendRetainedIfNotExists => 1,
        RetainHandling::DoNotSendRetained => 2,
    };
    macro_rules! connect {
        ($c:expr) => {{
            let c = $c;
            f.insert("kind", "connect".into());
            f.insert("client_id", c.client_id().into());
            f.insert("keep_alive", c.keep_alive().to_string());
            f.insert("clean_start", c.clean_start().to_string());
            f.insert("will_topic", c.will_topic().unwrap().into());
            f.insert("will_payload", hex(c.will_payload().unwrap()));
            f.insert("will_qos", (c.will_qos() as u8).to_string());
            f.insert("will_retain", c.will_retain().to_string());
            f.insert("username", c.user_name().unwrap().into());
            f.insert("password", hex(c.password().unwrap()));
        }};
    }
    macro_rules! publish {
        ($p:expr) => {{
            let p = $p;
            f.insert("kind", "publish".into());
            f.insert("topic", p.topic_name().into());
            f.insert("payload", hex(p.payload().as_slice()));
            f.insert("qos", (p.qos() as u8).to_string());
            if let Some(id) = p.packet_id() {
                f.insert("packet_id", id.to_string());
            }
        }};
    }
    macro_rules! subscribe {
        ($s:expr) => {{
            let s = $s;
            f.insert("kind", "subscribe".into());
            f.insert("packet_id", s.packet_id().to_string());
            let filters: Vec<_> = s
                .entries()
                .iter()
                .map(|e| {
                    let o = e.sub_opts();
                    filter_text(e.topic_filter(), o.qos() as u8, o.nl(), o.rap(), rh(o.rh()))
                })
                .collect();
            f.insert("filters", filters.join(";"));
        }};
    }
    match p {
        P::V3_1_1Connect(c) => connect!(c),
        P::V5_0Connect(c) => {
            connect!(c);
            props(&mut f, c.props());
            props(&mut f, c.will_props());
        }
        P::V3_1_1Publish(p) => publish!(p),
        P::V5_0Publish(p) => {
            publish!(p);
            props(&mut f, p.props());
        }
        P::V3_1_1Subscribe(s) => subscribe!(s),
        P::V5_0Subscribe(s) => {
            subscribe!(s);
            props(&mut f, s.props());
        }
        P::V3_1_1Puback(a) => {
            f.insert("kind", "puback".into());
            f.insert("packet_id", a.packet_id().to_string());
        }
        P::V5_0Puback(a) => {
            f.insert("kind", "puback".into());
            f.insert("packet_id", a.packet_id().to_string());
        }
        P::V3_1_1Pingreq(_) | P::V5_0Pingreq(_) => {
            f.insert("kind", "pingreq".into());
        }
        other => panic!("unexpected packet {other:?}"),
    }
    f
}

/// Decodes `item` with `C`, reads the fields with `read`, and checks them; then encodes the
/// item's application data with `C` and checks that our decoder reads the same fields from it.
/// Returns whether `C`'s encoding is byte-for-byte the canonical frame.
fn check<C: Codec>(item: &Item, read: impl Fn(&C::Decoded<'_>) -> Fields) -> Option<bool> {
    match C::supports(item) {
        Ok(()) => {}
        Err(Skip::OtherEntry) => return None,
        Err(Skip::Cannot(why)) => {
            eprintln!("{:<18} {:<20} skipped: {why}", item.name, C::NAME);
            return None;
        }
    }
    let want = expected(&item.app);
    let mut ctx = C::new_ctx();
    let mut input = C::prepare(&item.frame);
    let decoded = C::decode(&mut ctx, item.version, &item.frame, &mut input);
    assert_eq!(read(&decoded), want, "{} decoded by {}", item.name, C::NAME);
    drop(decoded);

    let n = C::encode(&mut ctx, item.version, &item.app);
    let bytes = C::encoded(&ctx).to_vec();
    assert_eq!(n, bytes.len(), "{} encoded by {}", item.name, C::NAME);
    assert_eq!(ours_decode_fields(item.version, &bytes), want, "{} encoded by {}", item.name, C::NAME);
    let same = bytes == item.frame;
    if !same {
        eprintln!("{:<18} {:<20} encodes differently: {}", item.name, C::NAME, hex(&bytes));
    }
    Some(same)
}

#[test]
fn every_codec_reads_and_writes_the_same_packets() {
    let mut checked = 0;
    for item in items() {
        assert_eq!(ours_decode_fields(item.version, &item.frame), expected(&item.app), "{}", item.name);
        let results = [
            check::<Ours>(&item, |d| match d {
                Ok(Status::Complete { item, .. }) => ours_fields(item),
                other => panic!("{other:?}"),
            }),
            check::<RumqttcV4>(&item, |d| rumqttc_v4_fields(d.as_ref().unwrap())),
            check::<RumqttcV5>(&item, |d| rumqttc_v5_fields(d.as_ref().unwrap())),
            check::<Mqttrs>(&item, |d| mqttrs_fields(d.as_ref().unwrap().as_ref().unwrap())),
            check::<MpcV311>(&item, |d| mpc_fields(d.as_ref().unwrap())),
            check::<MpcV5>(&item, |d| mpc_fields(d.as_ref().unwrap())),
        ];
        // Ours reproduces its own canonical bytes.
        assert_eq!(results[0], Some(true), "{}", item.name);
        checked += results.iter().flatten().count();
    }
    // 7 items x 4 codecs under 3.1.1, 7 items x 3 codecs under 5.0.
    assert_eq!(checked, 7 * 4 + 7 * 3);
}

#[test]
fn rumqttc_decode_consumes_exactly_one_frame() {
    // The BytesMut-consuming decoders must leave nothing behind, or the bench would time a
    // different amount of work.
    for item in items() {
        let mut buf = bytes::BytesMut::from(&item.frame[..]);
        match item.version {
            Version::V311 => {
                let mut ctx = RumqttcV4::new_ctx();
                RumqttcV4::decode(&mut ctx, item.version, &item.frame, &mut buf).unwrap();
            }
            Version::V5 => {
                let mut ctx = RumqttcV5::new_ctx();
                RumqttcV5::decode(&mut ctx, item.version, &item.frame, &mut buf).unwrap();
            }
        }
        assert!(buf.is_empty(), "{}", item.name);
    }
}
