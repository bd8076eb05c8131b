//! Shared bench inputs: the MQTT workload items (application data plus the canonical frame each
//! one encodes to), and our codec's side of every measurement. The CoAP workload is in [`coap`],
//! the LwM2M content formats' in [`lwm2m`].
//!
//! Every item's canonical bytes are made here by encoding its application data with
//! `mqtt_codec`; the bench targets hand the very same bytes to every peer crate, and
//! `tests/mqtt_peers_agree.rs` checks that each peer reads them back to the same topic, payload and
//! packet identifier (and that what each peer encodes decodes to the same packet), so the
//! comparison is between codecs doing the same work.
// Bench code panics on setup errors (a canonical frame that does not encode is a bug in the bench,
// not something to handle), and indexes fixed arrays it just built.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

pub mod coap;
pub mod lwm2m;

use mqtt_codec::topic::{TopicFilter, TopicName};
use mqtt_codec::wire::{
    decode_packet, Connect, DecodeError, DecodeOptions, EncodeError, List, Packet, PacketId, Property, Protocol,
    PubAck, Publish, Qos, QosPid, RetainHandling, Status, Subscribe, Subscription, SubscriptionOptions, Will,
};

/// The protocol version an item is laid out in (re-exported so bench code needs one import).
pub use mqtt_codec::wire::Version;

/// CONNECT application data: what a client program has at hand (borrowed strings and bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectApp {
    pub client_id: &'static str,
    pub keep_alive: u16,
    pub clean_start: bool,
    pub will_topic: &'static str,
    pub will_payload: &'static [u8],
    pub will_qos: u8,
    pub will_retain: bool,
    pub username: &'static str,
    /// UTF-8 so that peers whose password field is a `String` (rumqttc) can carry it.
    pub password: &'static str,
    /// 5.0 Session Expiry Interval.
    pub session_expiry: Option<u32>,
    /// 5.0 Receive Maximum.
    pub receive_maximum: Option<u16>,
    /// 5.0 Will Delay Interval (a will property).
    pub will_delay: Option<u32>,
}

/// The MQTT 5.0 PUBLISH properties of the workload, in the order they go on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishProps {
    pub message_expiry: u32,
    pub user_property: (&'static str, &'static str),
    pub content_type: &'static str,
}

/// PUBLISH application data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublishApp {
    pub topic: &'static str,
    pub payload: &'static [u8],
    /// 0, 1 or 2.
    pub qos: u8,
    /// 0 for QoS 0.
    pub packet_id: u16,
    /// `Some` for the 5.0 items.
    pub props: Option<PublishProps>,
}

/// One Topic Filter with its options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FilterApp {
    pub filter: &'static str,
    pub qos: u8,
    pub no_local: bool,
    pub retain_as_published: bool,
    /// 0, 1 or 2 (5.0 Retain Handling).
    pub retain_handling: u8,
}

/// SUBSCRIBE application data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubscribeApp {
    pub packet_id: u16,
    pub filters: &'static [FilterApp],
    /// 5.0 Subscription Identifier.
    pub subscription_id: Option<u32>,
}

/// The application data of one workload item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    Connect(ConnectApp),
    Publish(PublishApp),
    Subscribe(SubscribeApp),
    PubAck { packet_id: u16 },
    PingReq,
}

/// One workload item: a name, the protocol version, the application data and its canonical frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// `v311_publish_qos0` and so on; the middle part of `decode/<item>/<crate>`.
    pub name: &'static str,
    pub version: Version,
    pub app: App,
    /// The frame our codec encodes `app` to; every crate decodes these bytes.
    pub frame: Vec<u8>,
}

/// A 16-byte JSON reading.
pub const PAYLOAD_16: &[u8; 16] = br#"{"temp": 21.500}"#;

/// A 1 KiB payload: a repeating printable pattern.
pub static PAYLOAD_1K: [u8; 1024] = {
    let mut p = [0u8; 1024];
    let mut i = 0;
    while i < p.len() {
        p[i] = b'a' + (i % 26) as u8;
        i += 1;
    }
    p
};

const TOPIC: &str = "sensors/temp";

const PUBLISH_PROPS: PublishProps =
    PublishProps { message_expiry: 300, user_property: ("unit", "celsius"), content_type: "application/json" };

const FILTERS_V311: &[FilterApp] = &[
    FilterApp { filter: "sensors/+/temp", qos: 1, no_local: false, retain_as_published: false, retain_handling: 0 },
    FilterApp { filter: "alerts/#", qos: 2, no_local: false, retain_as_published: false, retain_handling: 0 },
    FilterApp { filter: "devices/0042/cmd", qos: 0, no_local: false, retain_as_published: false, retain_handling: 0 },
];

const FILTERS_V5: &[FilterApp] = &[
    FilterApp { filter: "sensors/+/temp", qos: 1, no_local: false, retain_as_published: false, retain_handling: 0 },
    FilterApp { filter: "alerts/#", qos: 2, no_local: true, retain_as_published: true, retain_handling: 1 },
    FilterApp { filter: "devices/0042/cmd", qos: 0, no_local: false, retain_as_published: false, retain_handling: 2 },
];

const CONNECT_V311: ConnectApp = ConnectApp {
    client_id: "sensor-0042",
    keep_alive: 60,
    clean_start: true,
    will_topic: "sensors/0042/status",
    will_payload: b"offline",
    will_qos: 1,
    will_retain: true,
    username: "device-0042",
    password: "s3cr3t-pa55",
    session_expiry: None,
    receive_maximum: None,
    will_delay: None,
};

fn publish(payload: &'static [u8], qos: u8, packet_id: u16, props: Option<PublishProps>) -> App {
    App::Publish(PublishApp { topic: TOPIC, payload, qos, packet_id, props })
}

/// The application data of every item, MQTT 3.1.1 first, then the same set in 5.0.
pub fn workload() -> Vec<(&'static str, Version, App)> {
    let v5 = Some(PUBLISH_PROPS);
    vec![
        ("v311_connect", Version::V311, App::Connect(CONNECT_V311)),
        ("v311_publish_qos0", Version::V311, publish(PAYLOAD_16, 0, 0, None)),
        ("v311_publish_qos1", Version::V311, publish(PAYLOAD_16, 1, 42, None)),
        ("v311_publish_1k", Version::V311, publish(&PAYLOAD_1K, 0, 0, None)),
        (
            "v311_subscribe",
            Version::V311,
            App::Subscribe(SubscribeApp { packet_id: 7, filters: FILTERS_V311, subscription_id: None }),
        ),
        ("v311_puback", Version::V311, App::PubAck { packet_id: 42 }),
        ("v311_pingreq", Version::V311, App::PingReq),
        (
            "v5_connect",
            Version::V5,
            App::Connect(ConnectApp {
                session_expiry: Some(3600),
                receive_maximum: Some(32),
                will_delay: Some(30),
                ..CONNECT_V311
            }),
        ),
        ("v5_publish_qos0", Version::V5, publish(PAYLOAD_16, 0, 0, v5)),
        ("v5_publish_qos1", Version::V5, publish(PAYLOAD_16, 1, 42, v5)),
        ("v5_publish_1k", Version::V5, publish(&PAYLOAD_1K, 0, 0, v5)),
        (
            "v5_subscribe",
            Version::V5,
            App::Subscribe(SubscribeApp { packet_id: 7, filters: FILTERS_V5, subscription_id: Some(12) }),
        ),
        ("v5_puback", Version::V5, App::PubAck { packet_id: 42 }),
        ("v5_pingreq", Version::V5, App::PingReq),
    ]
}

/// Every item with its canonical frame (encoded by our codec).
pub fn items() -> Vec<Item> {
    workload()
        .into_iter()
        .map(|(name, version, app)| {
            let mut out = vec![0u8; 4096];
            let n = encode_ours(version, &app, &mut out).unwrap_or_else(|e| panic!("{name}: {e}"));
            out.truncate(n);
            Item { name, version, app, frame: out }
        })
        .collect()
}

/// The item called `name`.
pub fn item(name: &str) -> Option<Item> {
    items().into_iter().find(|i| i.name == name)
}

fn qos(q: u8) -> Qos {
    Qos::try_from(q).expect("qos 0..=2")
}

fn packet_id(id: u16) -> PacketId {
    PacketId::new(id).expect("non-zero packet id")
}

/// Our decode: the same full-validation `mqtt_codec::wire::decode_packet` the tests use.
#[inline]
pub fn decode_ours(v: Version, frame: &[u8]) -> Result<Status<Packet<'_>>, DecodeError> {
    decode_packet(frame, &DecodeOptions::new(v))
}

/// Our encode: builds the packet view from borrowed application data (validating topic names and
/// filters as a caller must) and writes it with the packet's `encode`, which checks every rule
/// the decoder enforces. Returns the bytes written into `out`.
#[inline]
pub fn encode_ours(v: Version, app: &App, out: &mut [u8]) -> Result<usize, EncodeError> {
    match app {
        App::Connect(c) => {
            let props = [
                Property::SessionExpiryInterval(c.session_expiry.unwrap_or(0)),
                Property::ReceiveMaximum(c.receive_maximum.unwrap_or(1)),
            ];
            let nprops = usize::from(c.session_expiry.is_some()) + usize::from(c.receive_maximum.is_some());
            let will_props = [Property::WillDelayInterval(c.will_delay.unwrap_or(0))];
            let nwill = usize::from(c.will_delay.is_some());
            let protocol = match v {
                Version::V311 => Protocol::Mqtt311,
                Version::V5 => Protocol::Mqtt5,
            };
            Connect {
                clean_start: c.clean_start,
                keep_alive: c.keep_alive,
                properties: List::new(&props[..nprops]),
                client_id: c.client_id,
                will: Some(Will {
                    topic: TopicName::new(c.will_topic)?,
                    payload: c.will_payload,
                    qos: qos(c.will_qos),
                    retain: c.will_retain,
                    properties: List::new(&will_props[..nwill]),
                }),
                username: Some(c.username),
                password: Some(c.password.as_bytes()),
                ..Connect::new(protocol)
            }
            .encode(v, out)
        }
        App::Publish(p) => {
            let props = match &p.props {
                Some(pp) => [
                    Property::MessageExpiryInterval(pp.message_expiry),
                    Property::UserProperty(pp.user_property.0, pp.user_property.1),
                    Property::ContentType(pp.content_type),
                ],
                None => [Property::MessageExpiryInterval(0); 3],
            };
            let nprops = if p.props.is_some() { 3 } else { 0 };
            let qos = match p.qos {
                0 => QosPid::AtMostOnce,
                1 => QosPid::AtLeastOnce(packet_id(p.packet_id)),
                _ => QosPid::ExactlyOnce(packet_id(p.packet_id)),
            };
            Publish {
                qos,
                properties: List::new(&props[..nprops]),
                ..Publish::new(TopicName::new(p.topic)?, p.payload)
            }
            .encode(v, out)
        }
        App::Subscribe(s) => {
            let sub = |f: &FilterApp| -> Result<Subscription<'_>, EncodeError> {
                Ok(Subscription {
                    filter: TopicFilter::new(f.filter)?,
                    options: SubscriptionOptions {
                        qos: qos(f.qos),
                        no_local: f.no_local,
                        retain_as_published: f.retain_as_published,
                        retain_handling: match f.retain_handling {
                            0 => RetainHandling::SendAtSubscribe,
                            1 => RetainHandling::SendAtSubscribeIfNew,
                            _ => RetainHandling::DoNotSend,
                        },
                    },
                })
            };
            // The workload's SUBSCRIBEs have three filters; a fixed array keeps this allocation-free
            // and validates each filter exactly once.
            let [a, b, c] = s.filters else { panic!("a workload SUBSCRIBE has three filters") };
            let subs = [sub(a)?, sub(b)?, sub(c)?];
            let props = [Property::SubscriptionIdentifier(s.subscription_id.unwrap_or(1))];
            let nprops = usize::from(s.subscription_id.is_some());
            Subscribe {
                properties: List::new(&props[..nprops]),
                ..Subscribe::new(packet_id(s.packet_id), List::new(&subs))
            }
            .encode(v, out)
        }
        App::PubAck { packet_id: id } => PubAck::new(packet_id(*id)).encode(v, out),
        App::PingReq => Packet::PingReq.encode(v, out),
    }
}

/// Lower-case hex with a space between bytes; long frames are cut after `max` bytes with the total
/// length noted.
pub fn hex(bytes: &[u8], max: usize) -> String {
    let shown = bytes.get(..max).unwrap_or(bytes);
    let mut s = shown.iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ");
    if shown.len() < bytes.len() {
        s.push_str(&format!(" ... ({} bytes in all)", bytes.len()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_item_round_trips_through_our_codec() {
        for item in items() {
            let Ok(Status::Complete { item: packet, consumed }) = decode_ours(item.version, &item.frame) else {
                panic!("{}: does not decode", item.name)
            };
            assert_eq!(consumed, item.frame.len(), "{}", item.name);
            let mut out = vec![0u8; 4096];
            let n = packet.encode(item.version, &mut out).unwrap();
            assert_eq!(&out[..n], &item.frame[..], "{}", item.name);
        }
    }

    #[test]
    fn fixed_frames() {
        // Spot checks against hand-written bytes, so a codec change that alters the inputs is seen.
        let ping = item("v5_pingreq").unwrap();
        assert_eq!(ping.frame, [0xC0, 0x00]);
        let ack = item("v311_puback").unwrap();
        assert_eq!(ack.frame, [0x40, 0x02, 0x00, 0x2A]);
        let p = item("v311_publish_qos0").unwrap();
        assert_eq!(p.frame.len(), 2 + 2 + TOPIC.len() + 16);
        assert_eq!(hex(&p.frame, 4), "30 1e 00 0c ... (32 bytes in all)");
        assert_eq!(item("v311_publish_1k").unwrap().frame.len(), 3 + 2 + TOPIC.len() + 1024);
        assert_eq!(PAYLOAD_16.len(), 16);
    }
}
