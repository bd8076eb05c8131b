//! CONNECT (5.0 §3.1; 3.1.1 §3.1; MQTT 3.1 `MQIsdp` level 3 decodes with the 3.1.1 layout).

use super::cursor::{prefixed_len, Reader, Sink};
use super::packet::{encode_methods, Body};
use super::{
    properties, string, DecodeError, DecodeOptions, Field, Malformed, PacketType, Properties, PropertyContext,
    Protocol, Qos, Version,
};
use crate::topic::TopicName;

/// CONNECT: the first packet a client sends.
///
/// The protocol field decides the layout (3.1/3.1.1 or 5.0), whatever the [`Version`] passed to
/// the decoder or encoder.
///
/// Spec: 5.0 §3.1; 3.1.1 §3.1.
///
/// ```
/// use mqtt_codec::wire::{Connect, Packet, Protocol, Version};
/// let c = Connect { client_id: "sensor-1", keep_alive: 30, ..Connect::new(Protocol::Mqtt311) };
/// let mut buf = [0u8; 64];
/// let n = c.encode(Version::V311, &mut buf)?;
/// assert_eq!(&buf[..12], b"\x10\x14\x00\x04MQTT\x04\x02\x00\x1e");
/// # let _ = n;
/// # Ok::<(), mqtt_codec::wire::EncodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Connect<'a> {
    /// Protocol name and level.
    pub protocol: Protocol,
    /// Clean Session (3.1.1) / Clean Start (5.0).
    pub clean_start: bool,
    /// Keep Alive in seconds; 0 turns it off.
    pub keep_alive: u16,
    /// CONNECT properties (5.0; empty under 3.1.1).
    pub properties: Properties<'a>,
    /// Client Identifier (may be empty: the server assigns one).
    pub client_id: &'a str,
    /// The will message.
    pub will: Option<Will<'a>>,
    /// User Name.
    pub username: Option<&'a str>,
    /// Password (binary data).
    pub password: Option<&'a [u8]>,
}

/// The Will Message inside CONNECT (5.0 §3.1.2.5, §3.1.3.2-4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Will<'a> {
    /// Will Topic.
    pub topic: TopicName<'a>,
    /// Will Payload.
    pub payload: &'a [u8],
    /// Will QoS.
    pub qos: Qos,
    /// Will Retain.
    pub retain: bool,
    /// Will Properties (5.0).
    pub properties: Properties<'a>,
}

impl<'a> Connect<'a> {
    /// A CONNECT with clean start, keep alive 60 s, an empty client id and nothing else.
    pub const fn new(protocol: Protocol) -> Self {
        Self {
            protocol,
            clean_start: true,
            keep_alive: 60,
            properties: Properties::EMPTY,
            client_id: "",
            will: None,
            username: None,
            password: None,
        }
    }
}

const USERNAME: u8 = 0x80;
const PASSWORD: u8 = 0x40;
const WILL_RETAIN: u8 = 0x20;
const WILL_FLAG: u8 = 0x04;
const CLEAN_START: u8 = 0x02;
const RESERVED: u8 = 0x01;

impl<'a> Body<'a> for Connect<'a> {
    const TYPE: PacketType = PacketType::Connect;

    #[inline(always)]
    fn decode_body(r: &mut Reader<'a>, _: u8, opts: &DecodeOptions) -> Result<Self, DecodeError> {
        // The usual variable header in one read: 00 04 "MQTT", level 4 or 5, flags, keep alive.
        let (protocol, flags, flags_at, keep_alive) = match r.peek_array::<10>() {
            Some([0, 4, b'M', b'Q', b'T', b'T', level @ (4 | 5), flags, hi, lo]) => {
                let flags_at = r.offset() + 7;
                r.skip(10);
                let protocol = if level == 4 { Protocol::Mqtt311 } else { Protocol::Mqtt5 };
                (protocol, flags, flags_at, Some(u16::from_be_bytes([hi, lo])))
            }
            _ => {
                let (protocol, flags_at) = read_protocol(r)?;
                (protocol, r.u8(Field::VariableHeader)?, flags_at, None)
            }
        };
        let v = protocol.version();
        let bad = |kind| DecodeError { kind, offset: flags_at };
        if flags & RESERVED != 0 {
            return Err(bad(Malformed::ConnectReservedFlag)); // MQTT-3.1.2-3
        }
        let will_flag = flags & WILL_FLAG != 0;
        let will_qos = (flags >> 3) & 0x03;
        let will_retain = flags & WILL_RETAIN != 0;
        if !will_flag && will_qos != 0 {
            return Err(bad(Malformed::WillQosWithoutWill)); // MQTT-3.1.2-11 (5.0)
        }
        if !will_flag && will_retain {
            return Err(bad(Malformed::WillRetainWithoutWill)); // MQTT-3.1.2-13 (5.0)
        }
        let will_qos = Qos::try_from(will_qos).map_err(|_| bad(Malformed::WillQosThree))?;
        let has_user = flags & USERNAME != 0;
        let has_pass = flags & PASSWORD != 0;
        if v == Version::V311 && has_pass && !has_user {
            return Err(bad(Malformed::PasswordWithoutUserName)); // MQTT-3.1.2-22 (3.1.1)
        }
        let keep_alive = match keep_alive {
            Some(k) => k,
            None => r.u16(Field::VariableHeader)?,
        };
        let properties = match v {
            Version::V5 => properties::read(r, PropertyContext::Packet(PacketType::Connect), opts)?.0,
            Version::V311 => Properties::EMPTY,
        };
        let client_id = r.string(Field::ClientId)?;
        let will = if will_flag {
            let properties = match v {
                Version::V5 => properties::read(r, PropertyContext::Will, opts)?.0,
                Version::V311 => Properties::EMPTY,
            };
            let topic_at = r.offset();
            let topic = r.binary(Field::Will)?;
            let topic = match TopicName::from_wire(topic) {
                Ok(t) if t.is_empty() => Err(Malformed::EmptyTopicName), // MQTT-4.7.3-1
                // Name the field: the will's topic.
                Err(Malformed::InvalidUtf8(_)) => Err(Malformed::InvalidUtf8(Field::Will)),
                Err(Malformed::NullCharacter(_)) => Err(Malformed::NullCharacter(Field::Will)),
                other => other,
            }
            .map_err(|kind| DecodeError { kind, offset: topic_at })?;
            let payload = r.binary(Field::Will)?;
            Some(Will { topic, payload, qos: will_qos, retain: will_retain, properties })
        } else {
            None
        };
        let username = if has_user { Some(r.string(Field::UserName)?) } else { None };
        let password = if has_pass { Some(r.binary(Field::Password)?) } else { None };
        Ok(Self {
            protocol,
            clean_start: flags & CLEAN_START != 0,
            keep_alive,
            properties,
            client_id,
            will,
            username,
            password,
        })
    }

    fn layout(&self, _: Version) -> Version {
        self.protocol.version()
    }

    fn check(&self, v: Version) -> Result<usize, Malformed> {
        let mut len = prefixed_len(self.protocol.name().len()) + 1 + 1 + 2;
        len += properties::len_for(&self.properties, PropertyContext::Packet(PacketType::Connect), v)?;
        string::check_encode(self.client_id, Field::ClientId)?;
        len += prefixed_len(self.client_id.len());
        if let Some(w) = &self.will {
            len += properties::len_for(&w.properties, PropertyContext::Will, v)?;
            if w.topic.is_empty() {
                return Err(Malformed::EmptyTopicName); // MQTT-4.7.3-1
            }
            string::check_binary(w.payload, Field::Will)?;
            len += prefixed_len(w.topic.as_str().len()) + prefixed_len(w.payload.len());
        }
        if let Some(u) = self.username {
            string::check_encode(u, Field::UserName)?;
            len += prefixed_len(u.len());
        }
        if let Some(p) = self.password {
            if v == Version::V311 && self.username.is_none() {
                return Err(Malformed::PasswordWithoutUserName); // MQTT-3.1.2-22 (3.1.1)
            }
            string::check_binary(p, Field::Password)?;
            len += prefixed_len(p.len());
        }
        Ok(len)
    }

    fn write_body<S: Sink>(&self, v: Version, s: &mut S) {
        s.binary(self.protocol.name().as_bytes());
        s.u8(self.protocol.level());
        let mut flags = 0;
        if self.username.is_some() {
            flags |= USERNAME;
        }
        if self.password.is_some() {
            flags |= PASSWORD;
        }
        if let Some(w) = &self.will {
            flags |= WILL_FLAG | ((w.qos as u8) << 3);
            if w.retain {
                flags |= WILL_RETAIN;
            }
        }
        if self.clean_start {
            flags |= CLEAN_START;
        }
        s.u8(flags);
        s.u16(self.keep_alive);
        if v == Version::V5 {
            properties::write(s, &self.properties);
        }
        s.binary(self.client_id.as_bytes());
        if let Some(w) = &self.will {
            if v == Version::V5 {
                properties::write(s, &w.properties);
            }
            s.binary(w.topic.as_str().as_bytes());
            s.binary(w.payload);
        }
        if let Some(u) = self.username {
            s.binary(u.as_bytes());
        }
        if let Some(p) = self.password {
            s.binary(p);
        }
    }
}

/// The protocol name and level the general way (MQTT 3.1's `MQIsdp`, and every error);
/// returns the protocol and the offset of the flags byte that follows.
fn read_protocol(r: &mut Reader<'_>) -> Result<(Protocol, usize), DecodeError> {
    let at = r.offset();
    let name = r.binary(Field::ProtocolName)?;
    let level_at = r.offset();
    let level = r.u8(Field::VariableHeader)?;
    let protocol = match (name, level) {
        (b"MQTT", 4) => Protocol::Mqtt311,
        (b"MQTT", 5) => Protocol::Mqtt5,
        (b"MQIsdp", 3) => Protocol::Mqtt31,
        // MQTT-3.1.2-2: a known name with another level is an unsupported version.
        (b"MQTT" | b"MQIsdp", other) => {
            return Err(DecodeError { kind: Malformed::UnsupportedProtocolLevel(other), offset: level_at })
        }
        // MQTT-3.1.2-1: any other name.
        _ => return Err(DecodeError { kind: Malformed::InvalidProtocolName, offset: at }),
    };
    Ok((protocol, r.offset()))
}

encode_methods!(Connect);
