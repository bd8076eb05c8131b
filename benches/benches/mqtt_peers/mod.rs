//! Our codec and the peer crates behind one [`Codec`] trait, so the criterion bench, the
//! callgrind runner and the fairness test all time and check exactly the same calls.
//!
//! Rules every implementation follows:
//! - **decode** starts from a complete frame and ends with a packet whose fields the caller can
//!   read. Crates that take `&[u8]` get the frame; crates that consume a `BytesMut` get a fresh
//!   copy made by [`Codec::prepare`] outside the timed region.
//! - **encode** starts from borrowed application data (`&str`, `&[u8]`) and ends with wire bytes
//!   in a buffer held in [`Codec::Ctx`] and reused across iterations. A crate whose packet types
//!   own their fields (`String`, `Bytes`, `Vec`) builds them inside the timed call: that copy is
//!   part of what it costs to send with that crate.

use benches::{App, ConnectApp, FilterApp, Item, PublishApp, SubscribeApp, Version};

/// One codec under test.
pub trait Codec {
    /// The `<crate>` part of `decode/<item>/<crate>`.
    const NAME: &'static str;
    /// Whether [`Codec::decode`] consumes its input, so each iteration needs a fresh one.
    const FRESH_INPUT: bool;
    /// State reused across iterations: output buffers, a framing builder.
    type Ctx;
    /// What one decode consumes besides the frame (a fresh `BytesMut`, or nothing).
    type Input;
    /// The decode result, borrowing from the frame where the crate is zero-copy.
    type Decoded<'a>;

    fn new_ctx() -> Self::Ctx;
    /// Whether this entry runs the item.
    fn supports(item: &Item) -> Result<(), Skip>;
    fn prepare(frame: &[u8]) -> Self::Input;
    fn decode<'a>(ctx: &mut Self::Ctx, v: Version, frame: &'a [u8], input: &mut Self::Input) -> Self::Decoded<'a>;
    /// Encodes `app` into the context's buffer and returns the bytes written.
    fn encode(ctx: &mut Self::Ctx, v: Version, app: &App) -> usize;
    /// The bytes the last [`Codec::encode`] wrote.
    fn encoded(ctx: &Self::Ctx) -> &[u8];
}

/// Why an entry does not run an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// The crate has another entry for this protocol version (rumqttc's `v4`/`v5` modules,
    /// mqtt-protocol-core's `v3_1_1`/`v5_0`): nothing to report.
    OtherEntry,
    /// The crate cannot do the item at all: reported in the bench output.
    Cannot(&'static str),
}

/// `mqtt-codec`, this workspace's codec.
pub struct Ours;

/// Our output buffer: a plain slice, as on a device.
pub struct OursCtx {
    out: Vec<u8>,
    len: usize,
}

impl Codec for Ours {
    const NAME: &'static str = "mqtt-codec";
    const FRESH_INPUT: bool = false;
    type Ctx = OursCtx;
    type Input = ();
    type Decoded<'a> = Result<mqtt_codec::wire::Status<mqtt_codec::wire::Packet<'a>>, mqtt_codec::wire::DecodeError>;

    fn new_ctx() -> OursCtx {
        OursCtx { out: vec![0; 4096], len: 0 }
    }
    fn supports(_: &Item) -> Result<(), Skip> {
        Ok(())
    }
    fn prepare(_: &[u8]) {}
    #[inline]
    fn decode<'a>(_: &mut OursCtx, v: Version, frame: &'a [u8], _: &mut ()) -> Self::Decoded<'a> {
        benches::decode_ours(v, frame)
    }
    #[inline]
    fn encode(ctx: &mut OursCtx, v: Version, app: &App) -> usize {
        ctx.len = benches::encode_ours(v, app, &mut ctx.out).expect("our encode");
        ctx.len
    }
    fn encoded(ctx: &OursCtx) -> &[u8] {
        &ctx.out[..ctx.len]
    }
}

fn only(item: &Item, v: Version, otherwise: Skip) -> Result<(), Skip> {
    if item.version == v {
        Ok(())
    } else {
        Err(otherwise)
    }
}

/// Largest packet the peers are told to accept (ours checks its own default maximum).
const MAX_PACKET: usize = 1 << 20;

pub mod rumqttc_v4 {
    //! `rumqttc::mqttbytes::v4` (MQTT 3.1.1): owned packets on `bytes`; decoding splits a frame
    //! off a `BytesMut`; topics are `String`s.
    use super::*;
    use bytes::{Bytes, BytesMut};
    use rumqttc::mqttbytes::v4::{
        Connect, LastWill, Login, Packet, PingReq, PubAck, Publish, Subscribe, SubscribeFilter,
    };
    use rumqttc::mqttbytes::{Error, QoS};

    pub struct RumqttcV4;

    fn qos(q: u8) -> QoS {
        rumqttc::mqttbytes::qos(q).expect("qos")
    }

    fn connect(c: &ConnectApp) -> Connect {
        Connect {
            keep_alive: c.keep_alive,
            clean_session: c.clean_start,
            last_will: Some(LastWill::new(c.will_topic, c.will_payload, qos(c.will_qos), c.will_retain)),
            login: Some(Login::new(c.username, c.password)),
            ..Connect::new(c.client_id)
        }
    }

    fn publish(p: &PublishApp) -> Publish {
        let mut out = Publish::from_bytes(p.topic, qos(p.qos), Bytes::copy_from_slice(p.payload));
        out.pkid = p.packet_id;
        out
    }

    fn subscribe(s: &SubscribeApp) -> Subscribe {
        let mut out = Subscribe::new_many(
            s.filters.iter().map(|f: &FilterApp| SubscribeFilter::new(f.filter.into(), qos(f.qos))),
        );
        out.pkid = s.packet_id;
        out
    }

    impl Codec for RumqttcV4 {
        const NAME: &'static str = "rumqttc";
        const FRESH_INPUT: bool = true;
        type Ctx = BytesMut;
        type Input = BytesMut;
        type Decoded<'a> = Result<Packet, Error>;

        fn new_ctx() -> BytesMut {
            BytesMut::with_capacity(4096)
        }
        fn supports(item: &Item) -> Result<(), Skip> {
            only(item, Version::V311, Skip::OtherEntry)
        }
        fn prepare(frame: &[u8]) -> BytesMut {
            BytesMut::from(frame)
        }
        #[inline]
        fn decode(_: &mut BytesMut, _: Version, _: &[u8], input: &mut BytesMut) -> Result<Packet, Error> {
            Packet::read(input, MAX_PACKET)
        }
        #[inline]
        fn encode(out: &mut BytesMut, _: Version, app: &App) -> usize {
            out.clear();
            let r = match app {
                App::Connect(c) => connect(c).write(out),
                App::Publish(p) => publish(p).write(out),
                App::Subscribe(s) => subscribe(s).write(out),
                App::PubAck { packet_id } => PubAck::new(*packet_id).write(out),
                App::PingReq => PingReq.write(out),
            };
            r.expect("rumqttc v4 encode")
        }
        fn encoded(out: &BytesMut) -> &[u8] {
            out
        }
    }
}

pub mod rumqttc_v5 {
    //! `rumqttc::v5::mqttbytes::v5` (MQTT 5.0): owned packets on `bytes`; properties are structs of
    //! `Option`s with `String`/`Vec` fields.
    use super::*;
    use bytes::{Bytes, BytesMut};
    use rumqttc::v5::mqttbytes::v5::{
        Connect, ConnectProperties, Filter, LastWill, LastWillProperties, Login, Packet, PingReq, PubAck, Publish,
        PublishProperties, RetainForwardRule, Subscribe, SubscribeProperties,
    };
    use rumqttc::v5::mqttbytes::{Error, QoS};

    pub struct RumqttcV5;

    fn qos(q: u8) -> QoS {
        rumqttc::v5::mqttbytes::qos(q).expect("qos")
    }

    fn connect(c: &ConnectApp, out: &mut BytesMut) -> Result<usize, Error> {
        let connect = Connect {
            keep_alive: c.keep_alive,
            client_id: c.client_id.into(),
            clean_start: c.clean_start,
            properties: Some(ConnectProperties {
                session_expiry_interval: c.session_expiry,
                receive_maximum: c.receive_maximum,
                ..ConnectProperties::new()
            }),
        };
        let will = Some(LastWill {
            topic: Bytes::copy_from_slice(c.will_topic.as_bytes()),
            message: Bytes::copy_from_slice(c.will_payload),
            qos: qos(c.will_qos),
            retain: c.will_retain,
            properties: c.will_delay.map(|d| LastWillProperties {
                delay_interval: Some(d),
                payload_format_indicator: None,
                message_expiry_interval: None,
                content_type: None,
                response_topic: None,
                correlation_data: None,
                user_properties: Vec::new(),
            }),
        });
        let login = Some(Login::new(c.username, c.password));
        connect.write(&will, &login, out)
    }

    fn publish(p: &PublishApp) -> Publish {
        Publish {
            dup: false,
            qos: qos(p.qos),
            retain: false,
            topic: Bytes::copy_from_slice(p.topic.as_bytes()),
            pkid: p.packet_id,
            payload: Bytes::copy_from_slice(p.payload),
            properties: p.props.map(|pp| PublishProperties {
                message_expiry_interval: Some(pp.message_expiry),
                user_properties: vec![(pp.user_property.0.into(), pp.user_property.1.into())],
                content_type: Some(pp.content_type.into()),
                ..PublishProperties::default()
            }),
        }
    }

    fn subscribe(s: &SubscribeApp) -> Subscribe {
        Subscribe {
            pkid: s.packet_id,
            filters: s
                .filters
                .iter()
                .map(|f| Filter {
                    path: f.filter.into(),
                    qos: qos(f.qos),
                    nolocal: f.no_local,
                    preserve_retain: f.retain_as_published,
                    retain_forward_rule: match f.retain_handling {
                        0 => RetainForwardRule::OnEverySubscribe,
                        1 => RetainForwardRule::OnNewSubscribe,
                        _ => RetainForwardRule::Never,
                    },
                })
                .collect(),
            properties: s
                .subscription_id
                .map(|id| SubscribeProperties { id: Some(id as usize), user_properties: vec![] }),
        }
    }

    impl Codec for RumqttcV5 {
        const NAME: &'static str = "rumqttc";
        const FRESH_INPUT: bool = true;
        type Ctx = BytesMut;
        type Input = BytesMut;
        type Decoded<'a> = Result<Packet, Error>;

        fn new_ctx() -> BytesMut {
            BytesMut::with_capacity(4096)
        }
        fn supports(item: &Item) -> Result<(), Skip> {
            only(item, Version::V5, Skip::OtherEntry)
        }
        fn prepare(frame: &[u8]) -> BytesMut {
            BytesMut::from(frame)
        }
        #[inline]
        fn decode(_: &mut BytesMut, _: Version, _: &[u8], input: &mut BytesMut) -> Result<Packet, Error> {
            Packet::read(input, Some(MAX_PACKET as u32))
        }
        #[inline]
        fn encode(out: &mut BytesMut, _: Version, app: &App) -> usize {
            out.clear();
            let r = match app {
                App::Connect(c) => connect(c, out),
                App::Publish(p) => publish(p).write(out),
                App::Subscribe(s) => subscribe(s).write(out),
                App::PubAck { packet_id } => PubAck::new(*packet_id, None).write(out),
                App::PingReq => PingReq::write(out),
            };
            r.expect("rumqttc v5 encode")
        }
        fn encoded(out: &BytesMut) -> &[u8] {
            out
        }
    }
}

pub mod mqttrs_v311 {
    //! `mqttrs` (MQTT 3.1.1 only): borrowed `Packet<'a>` views for PUBLISH and CONNECT, owned
    //! `String`s and `Vec`s for SUBSCRIBE; encodes into `&mut [u8]`.
    use super::*;
    use mqttrs::{
        decode_slice, encode_slice, Connect, Error, LastWill, Packet, Pid, Protocol, Publish, QoS, QosPid, Subscribe,
        SubscribeTopic,
    };

    pub struct Mqttrs;

    pub struct Ctx {
        out: Vec<u8>,
        len: usize,
    }

    fn qos(q: u8) -> QoS {
        match q {
            0 => QoS::AtMostOnce,
            1 => QoS::AtLeastOnce,
            _ => QoS::ExactlyOnce,
        }
    }

    fn pid(id: u16) -> Pid {
        Pid::try_from(id).expect("pid")
    }

    impl Codec for Mqttrs {
        const NAME: &'static str = "mqttrs";
        const FRESH_INPUT: bool = false;
        type Ctx = Ctx;
        type Input = ();
        type Decoded<'a> = Result<Option<Packet<'a>>, Error>;

        fn new_ctx() -> Ctx {
            Ctx { out: vec![0; 4096], len: 0 }
        }
        fn supports(item: &Item) -> Result<(), Skip> {
            only(item, Version::V311, Skip::Cannot("mqttrs 0.4 implements MQTT 3.1.1 only (no 5.0 packets)"))
        }
        fn prepare(_: &[u8]) {}
        #[inline]
        fn decode<'a>(_: &mut Ctx, _: Version, frame: &'a [u8], _: &mut ()) -> Self::Decoded<'a> {
            decode_slice(frame)
        }
        #[inline]
        fn encode(ctx: &mut Ctx, _: Version, app: &App) -> usize {
            let packet = match app {
                App::Connect(c) => Packet::Connect(Connect {
                    protocol: Protocol::MQTT311,
                    keep_alive: c.keep_alive,
                    client_id: c.client_id,
                    clean_session: c.clean_start,
                    last_will: Some(LastWill {
                        topic: c.will_topic,
                        message: c.will_payload,
                        qos: qos(c.will_qos),
                        retain: c.will_retain,
                    }),
                    username: Some(c.username),
                    password: Some(c.password.as_bytes()),
                }),
                App::Publish(p) => Packet::Publish(Publish {
                    dup: false,
                    qospid: match p.qos {
                        0 => QosPid::AtMostOnce,
                        1 => QosPid::AtLeastOnce(pid(p.packet_id)),
                        _ => QosPid::ExactlyOnce(pid(p.packet_id)),
                    },
                    retain: false,
                    topic_name: p.topic,
                    payload: p.payload,
                }),
                App::Subscribe(s) => Packet::Subscribe(Subscribe::new(
                    pid(s.packet_id),
                    s.filters.iter().map(|f| SubscribeTopic { topic_path: f.filter.into(), qos: qos(f.qos) }).collect(),
                )),
                App::PubAck { packet_id } => Packet::Puback(pid(*packet_id)),
                App::PingReq => Packet::Pingreq,
            };
            ctx.len = encode_slice(&packet, &mut ctx.out).expect("mqttrs encode");
            ctx.len
        }
        fn encoded(ctx: &Ctx) -> &[u8] {
            &ctx.out[..ctx.len]
        }
    }
}

pub mod mpc {
    //! `mqtt-protocol-core` (MQTT 3.1.1 and 5.0). Its ingest path frames bytes with
    //! `PacketBuilder` (which copies the body into a `Vec`, or an `Arc<[u8]>` for PUBLISH) and then
    //! parses the body with the packet type's `parse`; encoding goes through builders into packets
    //! that own their fields, then `to_buffers()` (the vectored-write form), copied here into a
    //! reused `Vec`.
    use super::*;
    use mqtt_protocol_core::mqtt::common::Cursor;
    use mqtt_protocol_core::mqtt::connection::{PacketBuildResult, PacketBuilder, PacketData};
    use mqtt_protocol_core::mqtt::packet::{
        v3_1_1, v5_0, ContentType, MessageExpiryInterval, MqttBinary, Packet, Property, Qos, ReceiveMaximum,
        RetainHandling, SessionExpiryInterval, SubEntry, SubOpts, SubscriptionIdentifier, UserProperty,
        WillDelayInterval,
    };
    use mqtt_protocol_core::mqtt::result_code::MqttError;

    pub struct Ctx {
        builder: PacketBuilder,
        out: Vec<u8>,
    }

    fn qos(q: u8) -> Qos {
        match q {
            0 => Qos::AtMostOnce,
            1 => Qos::AtLeastOnce,
            _ => Qos::ExactlyOnce,
        }
    }

    fn sub_opts(f: &FilterApp) -> SubOpts {
        SubOpts::new().set_qos(qos(f.qos)).set_nl(f.no_local).set_rap(f.retain_as_published).set_rh(
            match f.retain_handling {
                0 => RetainHandling::SendRetained,
                1 => RetainHandling::SendRetainedIfNotExists,
                _ => RetainHandling::DoNotSendRetained,
            },
        )
    }

    /// Its binary-field setters take `&str`, `&[u8; N]` or `Vec<u8>` but not `&[u8]`; the workload's
    /// will payload is text, so it goes in as `&str` (no extra copy) and only other bytes would pay
    /// for a `Vec`.
    enum Binary<'a> {
        Str(&'a str),
        Owned(Vec<u8>),
    }

    fn binary(b: &[u8]) -> Binary<'_> {
        match core::str::from_utf8(b) {
            Ok(s) => Binary::Str(s),
            Err(_) => Binary::Owned(b.to_vec()),
        }
    }

    impl TryFrom<Binary<'_>> for MqttBinary {
        type Error = MqttError;
        fn try_from(b: Binary<'_>) -> Result<Self, MqttError> {
            match b {
                Binary::Str(s) => MqttBinary::try_from(s),
                Binary::Owned(v) => MqttBinary::try_from(v),
            }
        }
    }

    /// Frames one packet, then parses its body for `v` (only the packet types of the workload).
    pub fn decode(builder: &mut PacketBuilder, v: Version, frame: &[u8]) -> Result<Packet, MqttError> {
        let mut cursor = Cursor::new(frame);
        let raw = match builder.feed(&mut cursor) {
            PacketBuildResult::Complete(raw) => raw,
            PacketBuildResult::Incomplete => return Err(MqttError::MalformedPacket),
            PacketBuildResult::Error(e) => return Err(e),
        };
        let flags = raw.flags();
        match (v, raw.packet_type()) {
            (_, 3) => match &raw.data {
                PacketData::Publish(arc) => match v {
                    Version::V311 => v3_1_1::Publish::parse(flags, arc.clone()).map(|(p, _)| Packet::V3_1_1Publish(p)),
                    Version::V5 => v5_0::Publish::parse(flags, arc.clone()).map(|(p, _)| Packet::V5_0Publish(p)),
                },
                PacketData::Normal(_) => Err(MqttError::MalformedPacket),
            },
            (Version::V311, 1) => raw.parse_exact(v3_1_1::Connect::parse).map(Packet::V3_1_1Connect),
            (Version::V311, 4) => raw.parse_exact(v3_1_1::Puback::parse).map(Packet::V3_1_1Puback),
            (Version::V311, 8) => raw.parse_exact(v3_1_1::Subscribe::parse).map(Packet::V3_1_1Subscribe),
            (Version::V311, 12) => raw.parse_exact(v3_1_1::Pingreq::parse).map(Packet::V3_1_1Pingreq),
            (Version::V5, 1) => raw.parse_exact(v5_0::Connect::parse).map(Packet::V5_0Connect),
            (Version::V5, 4) => raw.parse_exact(v5_0::Puback::parse).map(Packet::V5_0Puback),
            (Version::V5, 8) => raw.parse_exact(v5_0::Subscribe::parse).map(Packet::V5_0Subscribe),
            (Version::V5, 12) => raw.parse_exact(v5_0::Pingreq::parse).map(Packet::V5_0Pingreq),
            _ => Err(MqttError::MalformedPacket),
        }
    }

    fn encode_v311(app: &App) -> Result<Packet, MqttError> {
        Ok(match app {
            App::Connect(c) => Packet::V3_1_1Connect(
                v3_1_1::Connect::builder()
                    .client_id(c.client_id)?
                    .keep_alive(c.keep_alive)
                    .clean_session(c.clean_start)
                    .will_message(c.will_topic, binary(c.will_payload), qos(c.will_qos), c.will_retain)?
                    .user_name(c.username)?
                    .password(c.password)?
                    .build()?,
            ),
            App::Publish(p) => {
                let mut b = v3_1_1::Publish::builder().topic_name(p.topic)?.qos(qos(p.qos)).payload(p.payload);
                if p.packet_id != 0 {
                    b = b.packet_id(p.packet_id);
                }
                Packet::V3_1_1Publish(b.build()?)
            }
            App::Subscribe(s) => {
                let entries =
                    s.filters.iter().map(|f| SubEntry::new(f.filter, sub_opts(f))).collect::<Result<Vec<_>, _>>()?;
                Packet::V3_1_1Subscribe(v3_1_1::Subscribe::builder().packet_id(s.packet_id).entries(entries).build()?)
            }
            App::PubAck { packet_id } => Packet::V3_1_1Puback(v3_1_1::Puback::builder().packet_id(*packet_id).build()?),
            App::PingReq => Packet::V3_1_1Pingreq(v3_1_1::Pingreq::new()),
        })
    }

    fn encode_v5(app: &App) -> Result<Packet, MqttError> {
        Ok(match app {
            App::Connect(c) => {
                let mut props = Vec::new();
                if let Some(s) = c.session_expiry {
                    props.push(Property::SessionExpiryInterval(SessionExpiryInterval::new(s)?));
                }
                if let Some(r) = c.receive_maximum {
                    props.push(Property::ReceiveMaximum(ReceiveMaximum::new(r)?));
                }
                let mut b = v5_0::Connect::builder()
                    .client_id(c.client_id)?
                    .keep_alive(c.keep_alive)
                    .clean_start(c.clean_start)
                    .props(props)
                    .will_message(c.will_topic, binary(c.will_payload), qos(c.will_qos), c.will_retain)?
                    .user_name(c.username)?
                    .password(c.password)?;
                if let Some(d) = c.will_delay {
                    b = b.will_props(vec![Property::WillDelayInterval(WillDelayInterval::new(d)?)]);
                }
                Packet::V5_0Connect(b.build()?)
            }
            App::Publish(p) => {
                let mut b = v5_0::Publish::builder().topic_name(p.topic)?.qos(qos(p.qos)).payload(p.payload);
                if p.packet_id != 0 {
                    b = b.packet_id(p.packet_id);
                }
                if let Some(pp) = &p.props {
                    b = b.props(vec![
                        Property::MessageExpiryInterval(MessageExpiryInterval::new(pp.message_expiry)?),
                        Property::UserProperty(UserProperty::new(pp.user_property.0, pp.user_property.1)?),
                        Property::ContentType(ContentType::new(pp.content_type)?),
                    ]);
                }
                Packet::V5_0Publish(b.build()?)
            }
            App::Subscribe(s) => {
                let entries =
                    s.filters.iter().map(|f| SubEntry::new(f.filter, sub_opts(f))).collect::<Result<Vec<_>, _>>()?;
                let mut b = v5_0::Subscribe::builder().packet_id(s.packet_id).entries(entries);
                if let Some(id) = s.subscription_id {
                    b = b.props(vec![Property::SubscriptionIdentifier(SubscriptionIdentifier::new(id)?)]);
                }
                Packet::V5_0Subscribe(b.build()?)
            }
            App::PubAck { packet_id } => Packet::V5_0Puback(v5_0::Puback::builder().packet_id(*packet_id).build()?),
            App::PingReq => Packet::V5_0Pingreq(v5_0::Pingreq::new()),
        })
    }

    macro_rules! mpc_codec {
        ($name:ident, $v:expr) => {
            pub struct $name;

            impl Codec for $name {
                const NAME: &'static str = "mqtt-protocol-core";
                const FRESH_INPUT: bool = false;
                type Ctx = Ctx;
                type Input = ();
                type Decoded<'a> = Result<Packet, MqttError>;

                fn new_ctx() -> Ctx {
                    Ctx { builder: PacketBuilder::new(), out: Vec::with_capacity(4096) }
                }
                fn supports(item: &Item) -> Result<(), Skip> {
                    only(item, $v, Skip::OtherEntry)
                }
                fn prepare(_: &[u8]) {}
                #[inline]
                fn decode<'a>(ctx: &mut Ctx, v: Version, frame: &'a [u8], _: &mut ()) -> Self::Decoded<'a> {
                    decode(&mut ctx.builder, v, frame)
                }
                #[inline]
                fn encode(ctx: &mut Ctx, v: Version, app: &App) -> usize {
                    use mqtt_protocol_core::mqtt::packet::GenericPacketTrait;
                    let packet = match v {
                        Version::V311 => encode_v311(app),
                        Version::V5 => encode_v5(app),
                    }
                    .expect("mqtt-protocol-core encode");
                    ctx.out.clear();
                    for slice in packet.to_buffers() {
                        ctx.out.extend_from_slice(&slice);
                    }
                    ctx.out.len()
                }
                fn encoded(ctx: &Ctx) -> &[u8] {
                    &ctx.out
                }
            }
        };
    }

    mpc_codec!(MpcV311, Version::V311);
    mpc_codec!(MpcV5, Version::V5);
}
