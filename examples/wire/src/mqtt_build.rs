//! JSON to MQTT packet ([`encode`]): reads the schema [`crate::mqtt_json`] prints into storage
//! owned here, builds a borrowed `Packet` over it (`List::new` over local `Vec`s), and lets the
//! codec validate and encode it. Every output byte comes from a JSON field.

use mqtt_codec::topic::{TopicFilter, TopicName};
use mqtt_codec::wire::{
    Auth, ConnAck, Connect, Disconnect, EncodeError, List, Malformed, Packet, PacketId, Property, PropertyId, Protocol,
    PubAck, PubComp, PubRec, PubRel, Publish, Qos, QosPid, ReasonCode, RetainHandling, SubAck, Subscribe, Subscription,
    SubscriptionOptions, UnsubAck, Unsubscribe, Version, Will,
};
use serde_json::Value;

use crate::json::{self, Obj};
use crate::mqtt_json::PROPERTY_NAMES;
use crate::Failure;

/// Parses one JSON packet and encodes it under `v`.
///
/// # Errors
/// `json:` for input that does not fit the schema; the codec's rule citation for a packet that
/// breaks a rule.
pub(crate) fn encode(text: &str, v: Version) -> Result<Vec<u8>, Failure> {
    let value: Value = serde_json::from_str(text).map_err(Failure::json)?;
    let ty = match value.get("type") {
        Some(t) => json::string(t, "type")?,
        None => return Err(mismatch_or_missing(&value)),
    };
    let mut o = Obj::new(&value, ty)?;
    o.str("type")?;
    match ty {
        "CONNECT" => connect(o),
        "CONNACK" => connack(o, v),
        "PUBLISH" => publish(o, v),
        "PUBACK" | "PUBREC" | "PUBREL" | "PUBCOMP" => {
            let packet_id = packet_id(&mut o)?;
            let reason_code = reason(&mut o, v)?;
            let props = properties(&mut o)?;
            o.finish()?;
            let list = property_list(&props);
            let properties = List::new(&list);
            let p = match ty {
                "PUBACK" => Packet::PubAck(PubAck { packet_id, reason_code, properties }),
                "PUBREC" => Packet::PubRec(PubRec { packet_id, reason_code, properties }),
                "PUBREL" => Packet::PubRel(PubRel { packet_id, reason_code, properties }),
                _ => Packet::PubComp(PubComp { packet_id, reason_code, properties }),
            };
            emit(&p, v)
        }
        "SUBSCRIBE" => subscribe(o, v),
        "SUBACK" | "UNSUBACK" => {
            let packet_id = packet_id(&mut o)?;
            let props = properties(&mut o)?;
            // 3.1.1 §3.11: an UNSUBACK has no reason codes, so the field may be left out there.
            let items = if ty == "UNSUBACK" && v == Version::V311 {
                o.opt_array("reason_codes")?
            } else {
                o.array("reason_codes")?
            };
            let codes = reason_codes(items, &o.at("reason_codes"))?;
            o.finish()?;
            let list = property_list(&props);
            let (properties, reason_codes) = (List::new(&list), List::new(&codes));
            let p = if ty == "SUBACK" {
                Packet::SubAck(SubAck { packet_id, properties, reason_codes })
            } else {
                Packet::UnsubAck(UnsubAck { packet_id, properties, reason_codes })
            };
            emit(&p, v)
        }
        "UNSUBSCRIBE" => {
            let packet_id = packet_id(&mut o)?;
            let props = properties(&mut o)?;
            let path = o.at("filters");
            let filters = o
                .array("filters")?
                .iter()
                .enumerate()
                .map(|(i, f)| filter(f, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()?;
            o.finish()?;
            let list = property_list(&props);
            let p = Unsubscribe { packet_id, properties: List::new(&list), filters: List::new(&filters) };
            emit(&Packet::Unsubscribe(p), v)
        }
        "PINGREQ" | "PINGRESP" => {
            o.finish()?;
            emit(if ty == "PINGREQ" { &Packet::PingReq } else { &Packet::PingResp }, v)
        }
        "DISCONNECT" | "AUTH" => {
            let reason_code = reason(&mut o, v)?;
            let props = properties(&mut o)?;
            o.finish()?;
            let list = property_list(&props);
            let properties = List::new(&list);
            let p = if ty == "AUTH" {
                Packet::Auth(Auth { reason_code, properties })
            } else {
                Packet::Disconnect(Disconnect { reason_code, properties })
            };
            emit(&p, v)
        }
        other => Err(Failure::json(format!("type: unknown packet type {other:?}"))),
    }
}

/// The error for a document without a `type`: not an object at all, or the field is missing.
fn mismatch_or_missing(value: &Value) -> Failure {
    match value {
        Value::Object(_) => Failure::json("type: missing field"),
        other => json::mismatch("", "an object", other),
    }
}

/// Validates and encodes a packet; the codec's rule errors become rule citations.
fn emit(p: &Packet<'_>, v: Version) -> Result<Vec<u8>, Failure> {
    let mut buf = vec![0u8; p.encoded_len(v)];
    match p.encode(v, &mut buf) {
        Ok(n) => {
            buf.truncate(n);
            Ok(buf)
        }
        Err(EncodeError::Invalid(kind)) => Err(Failure::rule(kind)),
        Err(other) => Err(Failure::new(format!("encode: {other}"))),
    }
}

fn connect(mut o: Obj<'_>) -> Result<Vec<u8>, Failure> {
    let name = o.str("protocol_name")?;
    let level = o.uint("protocol_level", u8::MAX.into())? as u8;
    let protocol = match (name, level) {
        ("MQTT", 4) => Protocol::Mqtt311,
        ("MQTT", 5) => Protocol::Mqtt5,
        ("MQIsdp", 3) => Protocol::Mqtt31,
        ("MQTT" | "MQIsdp", other) => return Err(Failure::rule(Malformed::UnsupportedProtocolLevel(other))),
        _ => return Err(Failure::rule(Malformed::InvalidProtocolName)),
    };
    let clean_start = o.bool("clean_start")?;
    let keep_alive = o.uint("keep_alive", u16::MAX.into())? as u16;
    let props = properties(&mut o)?;
    let client_id = o.str("client_id")?;
    let will = match o.opt("will") {
        Some(w) => Some(WillSpec::read(w, &o.at("will"))?),
        None => None,
    };
    let username = o.opt_str("username")?;
    let password = o.opt_bytes("password")?;
    o.finish()?;
    let list = property_list(&props);
    let will_list = will.as_ref().map(|w| property_list(&w.props)).unwrap_or_default();
    let will = will.as_ref().map(|w| Will {
        topic: w.topic,
        payload: &w.payload,
        qos: w.qos,
        retain: w.retain,
        properties: List::new(&will_list),
    });
    let c = Connect {
        protocol,
        clean_start,
        keep_alive,
        properties: List::new(&list),
        client_id,
        will,
        username,
        password: password.as_deref(),
    };
    // CONNECT is laid out by its own protocol level, whatever the command line says.
    emit(&Packet::Connect(c), protocol.version())
}

/// The will inside a CONNECT, with the storage its borrowed form points into.
struct WillSpec<'j> {
    qos: Qos,
    retain: bool,
    topic: TopicName<'j>,
    props: Vec<Prop<'j>>,
    payload: Vec<u8>,
}

impl<'j> WillSpec<'j> {
    fn read(v: &'j Value, path: &str) -> Result<Self, Failure> {
        let mut o = Obj::new(v, path)?;
        let qos = match o.uint("qos", 3)? {
            0 => Qos::AtMostOnce,
            1 => Qos::AtLeastOnce,
            2 => Qos::ExactlyOnce,
            _ => return Err(Failure::rule(Malformed::WillQosThree)),
        };
        let retain = o.bool("retain")?;
        let topic = TopicName::new(o.str("topic")?).map_err(Failure::rule)?;
        let props = properties(&mut o)?;
        let payload = o.bytes("payload")?;
        o.finish()?;
        Ok(Self { qos, retain, topic, props, payload })
    }
}

fn connack(mut o: Obj<'_>, v: Version) -> Result<Vec<u8>, Failure> {
    let session_present = o.bool("session_present")?;
    let reason_code = match v {
        // 3.1.1 §3.2.2.3: the return code, which the codec maps to the 5.0 reason it stands for.
        Version::V311 => {
            let code = o.uint("return_code", u8::MAX.into())? as u8;
            o.ignore_str("return_name")?;
            ReasonCode::from_connack_return_code_v3(code).map_err(Failure::rule)?
        }
        _ => reason_code(&mut o)?,
    };
    let props = properties(&mut o)?;
    o.finish()?;
    let list = property_list(&props);
    emit(&Packet::ConnAck(ConnAck { session_present, reason_code, properties: List::new(&list) }), v)
}

fn publish(mut o: Obj<'_>, v: Version) -> Result<Vec<u8>, Failure> {
    let dup = o.bool("dup")?;
    let qos = o.uint("qos", 3)?;
    let retain = o.bool("retain")?;
    let topic = match o.str("topic")? {
        // 5.0 §3.3.2.3.4: empty with a Topic Alias; the codec refuses it without one.
        "" => TopicName::alias_only(),
        t => TopicName::new(t).map_err(Failure::rule)?,
    };
    let qos = match qos {
        0 if o.opt("packet_id").is_some() => {
            return Err(Failure::json(format!("{}: must be absent when qos is 0", o.at("packet_id"))))
        }
        0 => QosPid::AtMostOnce,
        1 => QosPid::AtLeastOnce(packet_id(&mut o)?),
        2 => QosPid::ExactlyOnce(packet_id(&mut o)?),
        _ => return Err(Failure::rule(Malformed::PublishQosThree)),
    };
    let props = properties(&mut o)?;
    let payload = o.bytes("payload")?;
    o.finish()?;
    let list = property_list(&props);
    emit(&Packet::Publish(Publish { dup, qos, retain, topic, properties: List::new(&list), payload: &payload }), v)
}

fn subscribe(mut o: Obj<'_>, v: Version) -> Result<Vec<u8>, Failure> {
    let packet_id = packet_id(&mut o)?;
    let props = properties(&mut o)?;
    let path = o.at("subscriptions");
    let subs = o
        .array("subscriptions")?
        .iter()
        .enumerate()
        .map(|(i, s)| subscription(s, &format!("{path}[{i}]"), v))
        .collect::<Result<Vec<_>, _>>()?;
    o.finish()?;
    let list = property_list(&props);
    emit(&Packet::Subscribe(Subscribe { packet_id, properties: List::new(&list), subscriptions: List::new(&subs) }), v)
}

/// One subscription; the 5.0 options may be left out under 3.1.1, where they are reserved.
fn subscription<'j>(v: &'j Value, path: &str, version: Version) -> Result<Subscription<'j>, Failure> {
    let mut o = Obj::new(v, path)?;
    let filter = filter(o.req("filter")?, &o.at("filter"))?;
    let qos = match o.uint("qos", 3)? {
        0 => Qos::AtMostOnce,
        1 => Qos::AtLeastOnce,
        2 => Qos::ExactlyOnce,
        _ => return Err(Failure::rule(Malformed::SubscriptionQosThree)),
    };
    let (no_local, retain_as_published, handling) = match version {
        Version::V311 => {
            (o.opt_bool("no_local")?, o.opt_bool("retain_as_published")?, o.opt_uint("retain_handling", 3)?)
        }
        _ => (o.bool("no_local")?, o.bool("retain_as_published")?, Some(o.uint("retain_handling", 3)?)),
    };
    let retain_handling = match handling.unwrap_or(0) {
        0 => RetainHandling::SendAtSubscribe,
        1 => RetainHandling::SendAtSubscribeIfNew,
        2 => RetainHandling::DoNotSend,
        _ => return Err(Failure::rule(Malformed::RetainHandlingThree)),
    };
    o.finish()?;
    Ok(Subscription { filter, options: SubscriptionOptions { qos, no_local, retain_as_published, retain_handling } })
}

fn filter<'j>(v: &'j Value, path: &str) -> Result<TopicFilter<'j>, Failure> {
    TopicFilter::new(json::string(v, path)?).map_err(Failure::rule)
}

fn packet_id(o: &mut Obj<'_>) -> Result<PacketId, Failure> {
    let id = o.uint("packet_id", u16::MAX.into())? as u16;
    PacketId::try_from(id).map_err(Failure::rule)
}

/// `reason_code` (with an informational `reason_name`).
fn reason_code(o: &mut Obj<'_>) -> Result<ReasonCode, Failure> {
    let code = o.uint("reason_code", u8::MAX.into())? as u8;
    o.ignore_str("reason_name")?;
    ReasonCode::try_from(code).map_err(Failure::rule)
}

/// A reason code that 5.0 requires and 3.1.1 leaves out (absent: Success, the only 3.1.1 value).
fn reason(o: &mut Obj<'_>, v: Version) -> Result<ReasonCode, Failure> {
    match v {
        Version::V311 if o.opt("reason_code").is_none() => {
            o.ignore_str("reason_name")?;
            Ok(ReasonCode::Success)
        }
        _ => reason_code(o),
    }
}

/// `[{"code": 1, "name": "Granted QoS 1"}, ...]`; names are informational.
fn reason_codes(items: &[Value], path: &str) -> Result<Vec<ReasonCode>, Failure> {
    let one = |(i, item): (usize, &Value)| {
        let mut o = Obj::new(item, format!("{path}[{i}]"))?;
        let code = o.uint("code", u8::MAX.into())? as u8;
        o.ignore_str("name")?;
        o.finish()?;
        ReasonCode::try_from(code).map_err(Failure::rule)
    };
    items.iter().enumerate().map(one).collect()
}

/// A property read from JSON: the codec's borrowed form, or the bytes a binary one points into.
enum Prop<'j> {
    Ready(Property<'j>),
    CorrelationData(Vec<u8>),
    AuthenticationData(Vec<u8>),
}

impl Prop<'_> {
    fn get(&self) -> Property<'_> {
        match self {
            Self::Ready(p) => *p,
            Self::CorrelationData(b) => Property::CorrelationData(b),
            Self::AuthenticationData(b) => Property::AuthenticationData(b),
        }
    }
}

fn property_list<'a>(props: &'a [Prop<'_>]) -> Vec<Property<'a>> {
    props.iter().map(Prop::get).collect()
}

/// The optional `properties` array (absent: empty), in order.
fn properties<'j>(o: &mut Obj<'j>) -> Result<Vec<Prop<'j>>, Failure> {
    let path = o.at("properties");
    o.opt_array("properties")?.iter().enumerate().map(|(i, p)| property(p, &format!("{path}[{i}]"))).collect()
}

fn property<'j>(v: &'j Value, path: &str) -> Result<Prop<'j>, Failure> {
    use PropertyId as I;
    let mut o = Obj::new(v, path)?;
    let name = o.str("name")?;
    let Some(id) = PROPERTY_NAMES.iter().find(|(_, n)| *n == name).map(|(id, _)| *id) else {
        return Err(Failure::json(format!("{}: unknown property {name:?}", o.at("name"))));
    };
    let key = if id == I::UserProperty { Some(o.str("key")?) } else { None };
    let (value, at) = (o.req("value")?, o.at("value"));
    o.finish()?;
    let u16v = || json::uint(value, &at, u16::MAX.into()).map(|n| n as u16);
    let u32v = || json::uint(value, &at, u32::MAX.into()).map(|n| n as u32);
    let str = || json::string(value, &at);
    let flag = || json::boolean(value, &at);
    let bad = || Failure::rule(Malformed::InvalidPropertyValue(id));
    let p = match id {
        I::UserProperty => Property::UserProperty(key.unwrap_or_default(), str()?),
        I::PayloadFormatIndicator => match json::uint(value, &at, u8::MAX.into())? {
            0 => Property::PayloadFormatIndicator(false),
            1 => Property::PayloadFormatIndicator(true),
            _ => return Err(bad()),
        },
        I::MessageExpiryInterval => Property::MessageExpiryInterval(u32v()?),
        I::ContentType => Property::ContentType(str()?),
        I::ResponseTopic => Property::ResponseTopic(TopicName::new(str()?).map_err(Failure::rule)?),
        I::CorrelationData => return Ok(Prop::CorrelationData(json::bytes(value, &at)?)),
        I::SubscriptionIdentifier => Property::SubscriptionIdentifier(u32v()?),
        I::SessionExpiryInterval => Property::SessionExpiryInterval(u32v()?),
        I::AssignedClientIdentifier => Property::AssignedClientIdentifier(str()?),
        I::ServerKeepAlive => Property::ServerKeepAlive(u16v()?),
        I::AuthenticationMethod => Property::AuthenticationMethod(str()?),
        I::AuthenticationData => return Ok(Prop::AuthenticationData(json::bytes(value, &at)?)),
        I::RequestProblemInformation => Property::RequestProblemInformation(flag()?),
        I::WillDelayInterval => Property::WillDelayInterval(u32v()?),
        I::RequestResponseInformation => Property::RequestResponseInformation(flag()?),
        I::ResponseInformation => Property::ResponseInformation(str()?),
        I::ServerReference => Property::ServerReference(str()?),
        I::ReasonString => Property::ReasonString(str()?),
        I::ReceiveMaximum => Property::ReceiveMaximum(u16v()?),
        I::TopicAliasMaximum => Property::TopicAliasMaximum(u16v()?),
        I::TopicAlias => Property::TopicAlias(u16v()?),
        // 5.0 §3.2.2.3.4: a byte, 0 or 1; the codec refuses 2, and 3..=255 name no QoS at all.
        I::MaximumQos => match json::uint(value, &at, u8::MAX.into())? {
            0 => Property::MaximumQos(Qos::AtMostOnce),
            1 => Property::MaximumQos(Qos::AtLeastOnce),
            2 => Property::MaximumQos(Qos::ExactlyOnce),
            _ => return Err(bad()),
        },
        I::RetainAvailable => Property::RetainAvailable(flag()?),
        I::MaximumPacketSize => Property::MaximumPacketSize(u32v()?),
        I::WildcardSubscriptionAvailable => Property::WildcardSubscriptionAvailable(flag()?),
        I::SubscriptionIdentifierAvailable => Property::SubscriptionIdentifierAvailable(flag()?),
        I::SharedSubscriptionAvailable => Property::SharedSubscriptionAvailable(flag()?),
        // A property added to the codec but not to this tool yet.
        _ => return Err(Failure::json(format!("{path}: property {name:?} is not supported"))),
    };
    Ok(Prop::Ready(p))
}
