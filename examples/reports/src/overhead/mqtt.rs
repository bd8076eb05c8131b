//! MQTT packets of one reading, and of a connection's set-up, keep-alive and close, encoded by
//! `mqtt-codec` (3.1.1 and 5.0).

use mqtt_codec::topic::TopicName;
use mqtt_codec::wire::{
    ConnAck, Connect, Disconnect, List, Packet, PacketId, Property, Protocol, PubAck, PubComp, PubRec, PubRel, Publish,
    QosPid, ReasonCode, Version,
};

use crate::overhead::net::TCP_NAT_TIMEOUT_S;
use crate::overhead::{BuildError, Dir, Msg};

/// The topic a device publishes its reading to: site, device, quantity.
pub const TOPIC: &str = "site/dev-000042/temp";

/// The client identifier in CONNECT.
pub const CLIENT_ID: &str = "dev-000042";

/// The Keep Alive in CONNECT, in seconds: the carrier's TCP NAT idle timeout, so a ping (when
/// the reports are further apart) also keeps the NAT binding.
pub const KEEP_ALIVE_S: u16 = TCP_NAT_TIMEOUT_S as u16;

/// The Topic Alias used in steady state (5.0 §3.3.2.3.4).
pub const TOPIC_ALIAS: u16 = 1;

/// The Topic Alias Maximum a 5.0 server grants in CONNACK when aliases are used (5.0 §3.2.2.3.8).
pub const TOPIC_ALIAS_MAXIMUM: u16 = 10;

/// Quality of service of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Qos {
    /// QoS 0: PUBLISH.
    Zero,
    /// QoS 1: PUBLISH, PUBACK.
    One,
    /// QoS 2: PUBLISH, PUBREC, PUBREL, PUBCOMP.
    Two,
}

impl Qos {
    /// 0, 1 or 2.
    pub const fn number(self) -> u8 {
        match self {
            Self::Zero => 0,
            Self::One => 1,
            Self::Two => 2,
        }
    }
}

/// How the PUBLISH names its topic (5.0 §3.3.2.3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicForm {
    /// The topic name in full.
    Full,
    /// The first PUBLISH of a connection with a Topic Alias: the full topic and the alias.
    AliasFirst,
    /// Every later PUBLISH: an empty topic name and the alias.
    AliasSteady,
}

/// Validates and encodes `p` under `v`.
///
/// # Errors
/// [`BuildError::Mqtt`].
pub fn encode(p: &Packet<'_>, v: Version) -> Result<Vec<u8>, BuildError> {
    let mut out = vec![0u8; p.encoded_len(v)];
    let n = p.encode(v, &mut out)?;
    out.truncate(n);
    Ok(out)
}

fn packet_id() -> Result<PacketId, BuildError> {
    PacketId::new(1).ok_or(BuildError::Constant("packet id 1"))
}

/// The packets of one report: PUBLISH and its acknowledgements.
///
/// # Errors
/// [`BuildError`] if the codec refuses a packet.
pub fn report(v: Version, qos: Qos, form: TopicForm, payload: &[u8]) -> Result<Vec<Msg>, BuildError> {
    let alias = [Property::TopicAlias(TOPIC_ALIAS)];
    let (topic, properties) = match form {
        TopicForm::Full => (TopicName::new(TOPIC)?, List::new(&[])),
        TopicForm::AliasFirst => (TopicName::new(TOPIC)?, List::new(&alias)),
        TopicForm::AliasSteady => (TopicName::alias_only(), List::new(&alias)),
    };
    let pid = packet_id()?;
    let qos_pid = match qos {
        Qos::Zero => QosPid::AtMostOnce,
        Qos::One => QosPid::AtLeastOnce(pid),
        Qos::Two => QosPid::ExactlyOnce(pid),
    };
    let publish = Publish { dup: false, qos: qos_pid, retain: false, topic, properties, payload };
    let mut msgs = vec![Msg::new("PUBLISH", Dir::Up, encode(&Packet::Publish(publish), v)?)];
    match qos {
        Qos::Zero => {}
        Qos::One => msgs.push(Msg::new("PUBACK", Dir::Down, encode(&Packet::PubAck(PubAck::new(pid)), v)?)),
        Qos::Two => {
            msgs.push(Msg::new("PUBREC", Dir::Down, encode(&Packet::PubRec(PubRec::new(pid)), v)?));
            msgs.push(Msg::new("PUBREL", Dir::Up, encode(&Packet::PubRel(PubRel::new(pid)), v)?));
            msgs.push(Msg::new("PUBCOMP", Dir::Down, encode(&Packet::PubComp(PubComp::new(pid)), v)?));
        }
    }
    Ok(msgs)
}

/// CONNECT (clean start, [`KEEP_ALIVE_S`], [`CLIENT_ID`], no will, no user name: the device
/// is authenticated by TLS) and CONNACK (granting [`TOPIC_ALIAS_MAXIMUM`] when `aliases`).
///
/// # Errors
/// [`BuildError`] if the codec refuses a packet.
pub fn open(v: Version, aliases: bool) -> Result<Vec<Msg>, BuildError> {
    let protocol = match v {
        Version::V311 => Protocol::Mqtt311,
        Version::V5 => Protocol::Mqtt5,
    };
    let mut connect = Connect::new(protocol);
    connect.clean_start = true;
    connect.keep_alive = KEEP_ALIVE_S;
    connect.client_id = CLIENT_ID;
    let grant = [Property::TopicAliasMaximum(TOPIC_ALIAS_MAXIMUM)];
    let mut connack = ConnAck::new(ReasonCode::Success);
    if aliases && v == Version::V5 {
        connack.properties = List::new(&grant);
    }
    Ok(vec![
        Msg::new("CONNECT", Dir::Up, encode(&Packet::Connect(connect), v)?),
        Msg::new("CONNACK", Dir::Down, encode(&Packet::ConnAck(connack), v)?),
    ])
}

/// DISCONNECT (5.0: Normal disconnection, which may be left out).
///
/// # Errors
/// [`BuildError`] if the codec refuses the packet.
pub fn close(v: Version) -> Result<Vec<Msg>, BuildError> {
    let d = Disconnect::new(ReasonCode::Success);
    Ok(vec![Msg::new("DISCONNECT", Dir::Up, encode(&Packet::Disconnect(d), v)?)])
}

/// PINGREQ and PINGRESP.
///
/// # Errors
/// [`BuildError`] if the codec refuses a packet.
pub fn ping(v: Version) -> Result<Vec<Msg>, BuildError> {
    Ok(vec![
        Msg::new("PINGREQ", Dir::Up, encode(&Packet::PingReq, v)?),
        Msg::new("PINGRESP", Dir::Down, encode(&Packet::PingResp, v)?),
    ])
}
