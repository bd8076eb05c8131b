//! MQTT packet to JSON ([`packet`]): the schema `encode` reads back, field for field. Strings
//! and bytes are borrowed from the decoded packet; no raw input bytes are carried over.

use mqtt_codec::wire::{
    Connect, List, Packet, PacketType, Properties, Property, PropertyId, Protocol, QosPid, ReasonCode, Version,
};

use crate::json::Out;

/// Property names in the JSON schema: the snake case of 5.0 Table 2-4's names.
pub(crate) const PROPERTY_NAMES: [(PropertyId, &str); 27] = [
    (PropertyId::PayloadFormatIndicator, "payload_format_indicator"),
    (PropertyId::MessageExpiryInterval, "message_expiry_interval"),
    (PropertyId::ContentType, "content_type"),
    (PropertyId::ResponseTopic, "response_topic"),
    (PropertyId::CorrelationData, "correlation_data"),
    (PropertyId::SubscriptionIdentifier, "subscription_identifier"),
    (PropertyId::SessionExpiryInterval, "session_expiry_interval"),
    (PropertyId::AssignedClientIdentifier, "assigned_client_identifier"),
    (PropertyId::ServerKeepAlive, "server_keep_alive"),
    (PropertyId::AuthenticationMethod, "authentication_method"),
    (PropertyId::AuthenticationData, "authentication_data"),
    (PropertyId::RequestProblemInformation, "request_problem_information"),
    (PropertyId::WillDelayInterval, "will_delay_interval"),
    (PropertyId::RequestResponseInformation, "request_response_information"),
    (PropertyId::ResponseInformation, "response_information"),
    (PropertyId::ServerReference, "server_reference"),
    (PropertyId::ReasonString, "reason_string"),
    (PropertyId::ReceiveMaximum, "receive_maximum"),
    (PropertyId::TopicAliasMaximum, "topic_alias_maximum"),
    (PropertyId::TopicAlias, "topic_alias"),
    (PropertyId::MaximumQos, "maximum_qos"),
    (PropertyId::RetainAvailable, "retain_available"),
    (PropertyId::UserProperty, "user_property"),
    (PropertyId::MaximumPacketSize, "maximum_packet_size"),
    (PropertyId::WildcardSubscriptionAvailable, "wildcard_subscription_available"),
    (PropertyId::SubscriptionIdentifierAvailable, "subscription_identifier_available"),
    (PropertyId::SharedSubscriptionAvailable, "shared_subscription_available"),
];

/// The JSON name of a property.
fn property_name(id: PropertyId) -> &'static str {
    PROPERTY_NAMES.iter().find(|(i, _)| *i == id).map_or("unknown", |(_, name)| name)
}

/// The names of the MQTT 3.1.1 CONNACK return codes (3.1.1 §3.2.2.3 Table 3.1).
pub(crate) fn return_code_name(code: u8) -> &'static str {
    match code {
        0 => "Connection Accepted",
        1 => "Connection Refused, unacceptable protocol version",
        2 => "Connection Refused, identifier rejected",
        3 => "Connection Refused, Server unavailable",
        4 => "Connection Refused, bad user name or password",
        5 => "Connection Refused, not authorized",
        _ => "Reserved",
    }
}

/// The JSON object for `p`, decoded under `v`.
pub(crate) fn packet<'a>(p: &Packet<'a>, v: Version) -> Out<'a> {
    let ptype = p.packet_type();
    let mut o = vec![("type", Out::Str(ptype.name()))];
    let v5 = v == Version::V5;
    match *p {
        Packet::Connect(c) => connect(&mut o, &c),
        Packet::ConnAck(a) => {
            o.push(("session_present", Out::Bool(a.session_present)));
            if v5 {
                reason(&mut o, a.reason_code, ptype);
                o.push(("properties", properties(&a.properties)));
            } else {
                // Decoded under 3.1.1, so the reason always has a 3.1.1 return code.
                let code = a.reason_code.connack_return_code_v3().unwrap_or(0x80);
                o.push(("return_code", Out::Num(code.into())));
                o.push(("return_name", Out::Str(return_code_name(code))));
            }
        }
        Packet::Publish(p) => {
            o.push(("dup", Out::Bool(p.dup)));
            o.push(("qos", Out::Num(p.qos.qos() as u64)));
            o.push(("retain", Out::Bool(p.retain)));
            o.push(("topic", Out::Str(p.topic.as_str())));
            if let QosPid::AtLeastOnce(id) | QosPid::ExactlyOnce(id) = p.qos {
                o.push(("packet_id", Out::Num(id.get().into())));
            }
            if v5 {
                o.push(("properties", properties(&p.properties)));
            }
            o.push(("payload", Out::Hex(p.payload)));
        }
        Packet::PubAck(a) => ack(&mut o, v5, a.packet_id.get(), a.reason_code, &a.properties, ptype),
        Packet::PubRec(a) => ack(&mut o, v5, a.packet_id.get(), a.reason_code, &a.properties, ptype),
        Packet::PubRel(a) => ack(&mut o, v5, a.packet_id.get(), a.reason_code, &a.properties, ptype),
        Packet::PubComp(a) => ack(&mut o, v5, a.packet_id.get(), a.reason_code, &a.properties, ptype),
        Packet::Subscribe(s) => {
            o.push(("packet_id", Out::Num(s.packet_id.get().into())));
            if v5 {
                o.push(("properties", properties(&s.properties)));
            }
            let subs = s.subscriptions.iter().map(|s| {
                let mut f = vec![("filter", Out::Str(s.filter.as_str())), ("qos", Out::Num(s.options.qos as u64))];
                // 3.1.1 §3.8.3.1: the other option bits are reserved (and decoded as 0).
                if v5 {
                    f.push(("no_local", Out::Bool(s.options.no_local)));
                    f.push(("retain_as_published", Out::Bool(s.options.retain_as_published)));
                    f.push(("retain_handling", Out::Num(s.options.retain_handling as u64)));
                }
                Out::Obj(f)
            });
            o.push(("subscriptions", Out::Arr(subs.collect())));
        }
        Packet::SubAck(s) => {
            o.push(("packet_id", Out::Num(s.packet_id.get().into())));
            if v5 {
                o.push(("properties", properties(&s.properties)));
            }
            o.push(("reason_codes", codes(&s.reason_codes, ptype)));
        }
        Packet::Unsubscribe(u) => {
            o.push(("packet_id", Out::Num(u.packet_id.get().into())));
            if v5 {
                o.push(("properties", properties(&u.properties)));
            }
            o.push(("filters", Out::Arr(u.filters.iter().map(|f| Out::Str(f.as_str())).collect())));
        }
        Packet::UnsubAck(u) => {
            o.push(("packet_id", Out::Num(u.packet_id.get().into())));
            // 3.1.1 §3.11: the UNSUBACK is the Packet Identifier alone.
            if v5 {
                o.push(("properties", properties(&u.properties)));
                o.push(("reason_codes", codes(&u.reason_codes, ptype)));
            }
        }
        Packet::PingReq | Packet::PingResp => {}
        // 3.1.1 §3.14: a DISCONNECT has no variable header, so under 3.1.1 it is the type alone.
        Packet::Disconnect(d) if v5 => {
            reason(&mut o, d.reason_code, ptype);
            o.push(("properties", properties(&d.properties)));
        }
        Packet::Auth(a) => {
            reason(&mut o, a.reason_code, ptype);
            o.push(("properties", properties(&a.properties)));
        }
        // 3.1.1 DISCONNECT, and a packet type added to the codec later: the type alone.
        _ => {}
    }
    Out::Obj(o)
}

/// CONNECT's fields. Its layout follows its own protocol level, whatever the command line says.
fn connect<'a>(o: &mut Vec<(&'static str, Out<'a>)>, c: &Connect<'a>) {
    let v5 = c.protocol == Protocol::Mqtt5;
    o.push(("protocol_name", Out::Str(c.protocol.name())));
    o.push(("protocol_level", Out::Num(c.protocol.level().into())));
    o.push(("clean_start", Out::Bool(c.clean_start)));
    o.push(("keep_alive", Out::Num(c.keep_alive.into())));
    if v5 {
        o.push(("properties", properties(&c.properties)));
    }
    o.push(("client_id", Out::Str(c.client_id)));
    if let Some(w) = &c.will {
        let mut will = vec![
            ("qos", Out::Num(w.qos as u64)),
            ("retain", Out::Bool(w.retain)),
            ("topic", Out::Str(w.topic.as_str())),
        ];
        if v5 {
            will.push(("properties", properties(&w.properties)));
        }
        will.push(("payload", Out::Hex(w.payload)));
        o.push(("will", Out::Obj(will)));
    }
    if let Some(u) = c.username {
        o.push(("username", Out::Str(u)));
    }
    if let Some(p) = c.password {
        o.push(("password", Out::Hex(p)));
    }
}

/// PUBACK, PUBREC, PUBREL, PUBCOMP: the id, and under 5.0 the reason and properties.
fn ack<'a>(
    o: &mut Vec<(&'static str, Out<'a>)>,
    v5: bool,
    id: u16,
    rc: ReasonCode,
    props: &Properties<'a>,
    ptype: PacketType,
) {
    o.push(("packet_id", Out::Num(id.into())));
    if v5 {
        reason(o, rc, ptype);
        o.push(("properties", properties(props)));
    }
}

/// `"reason_code": 135, "reason_name": "Not authorized"`.
fn reason(o: &mut Vec<(&'static str, Out<'_>)>, rc: ReasonCode, ptype: PacketType) {
    o.push(("reason_code", Out::Num(rc.value().into())));
    o.push(("reason_name", Out::Str(rc.name_in(ptype))));
}

/// `[{"code": 1, "name": "Granted QoS 1"}, ...]`.
fn codes<'a>(list: &List<'a, ReasonCode>, ptype: PacketType) -> Out<'a> {
    let items = list
        .iter()
        .map(|rc| Out::Obj(vec![("code", Out::Num(rc.value().into())), ("name", Out::Str(rc.name_in(ptype)))]));
    Out::Arr(items.collect())
}

/// The property list in the order received: `[{"name": "topic_alias", "value": 3}, ...]`.
fn properties<'a>(props: &Properties<'a>) -> Out<'a> {
    Out::Arr(props.iter().map(property).collect())
}

fn property(p: Property<'_>) -> Out<'_> {
    let name = ("name", Out::Str(property_name(p.id())));
    let value = match p {
        Property::UserProperty(k, v) => return Out::Obj(vec![name, ("key", Out::Str(k)), ("value", Out::Str(v))]),
        // A byte whose values 0 and 1 are formats, not a yes/no (5.0 §3.3.2.3.2).
        Property::PayloadFormatIndicator(b) => Out::Num(u64::from(b)),
        Property::RequestProblemInformation(b)
        | Property::RequestResponseInformation(b)
        | Property::RetainAvailable(b)
        | Property::WildcardSubscriptionAvailable(b)
        | Property::SubscriptionIdentifierAvailable(b)
        | Property::SharedSubscriptionAvailable(b) => Out::Bool(b),
        Property::MessageExpiryInterval(n)
        | Property::SubscriptionIdentifier(n)
        | Property::SessionExpiryInterval(n)
        | Property::WillDelayInterval(n)
        | Property::MaximumPacketSize(n) => Out::Num(n.into()),
        Property::ServerKeepAlive(n)
        | Property::ReceiveMaximum(n)
        | Property::TopicAliasMaximum(n)
        | Property::TopicAlias(n) => Out::Num(n.into()),
        Property::MaximumQos(q) => Out::Num(q as u64),
        Property::ContentType(s)
        | Property::AssignedClientIdentifier(s)
        | Property::AuthenticationMethod(s)
        | Property::ResponseInformation(s)
        | Property::ServerReference(s)
        | Property::ReasonString(s) => Out::Str(s),
        Property::ResponseTopic(t) => Out::Str(t.as_str()),
        Property::CorrelationData(b) | Property::AuthenticationData(b) => Out::Hex(b),
        // A property added to the codec later.
        _ => Out::Null,
    };
    Out::Obj(vec![name, ("value", value)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_names_are_snake_case_of_the_spec_names() {
        for (id, name) in PROPERTY_NAMES {
            assert_eq!(name, id.name().to_lowercase().replace(' ', "_"));
            assert_eq!(property_name(id), name);
        }
    }
}
