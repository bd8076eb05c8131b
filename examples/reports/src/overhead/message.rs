//! One message on the wire: its name, its direction and the bytes an encoder wrote.

use core::fmt;

/// Which way a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Device to server.
    Up,
    /// Server to device.
    Down,
}

impl Dir {
    /// The other direction.
    pub const fn reverse(self) -> Self {
        match self {
            Self::Up => Self::Down,
            Self::Down => Self::Up,
        }
    }

    /// `↑` (device to server) or `↓`.
    pub const fn arrow(self) -> &'static str {
        match self {
            Self::Up => "↑",
            Self::Down => "↓",
        }
    }
}

/// An encoded application message (an MQTT packet, a CoAP message or RFC 8323 frame).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Msg {
    /// What it is, in the spec's words (`PUBLISH`, `CON POST`, `7.01 CSM`).
    pub name: String,
    /// Which way it goes.
    pub dir: Dir,
    /// The bytes the encoder wrote.
    pub bytes: Vec<u8>,
}

impl Msg {
    /// A message going `dir`.
    pub fn new(name: impl Into<String>, dir: Dir, bytes: Vec<u8>) -> Self {
        Self { name: name.into(), dir, bytes }
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether it has no bytes (never, for an encoded message).
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{} {}", self.dir.arrow(), self.name, self.bytes.len())
    }
}

/// The application bytes of `msgs`, both ways.
pub fn app_bytes(msgs: &[Msg]) -> usize {
    msgs.iter().map(Msg::len).sum()
}

/// `↑PUBLISH 28 + ↓PUBACK 4`.
pub fn describe(msgs: &[Msg]) -> String {
    msgs.iter().map(ToString::to_string).collect::<Vec<_>>().join(" + ")
}

/// An encoder refused a message (a bug in this report, not a network fact).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// `mqtt-codec` refused a packet.
    #[error("mqtt-codec: {0}")]
    Mqtt(#[from] mqtt_codec::wire::EncodeError),
    /// `mqtt-codec` refused a topic or packet id.
    #[error("mqtt-codec: {0}")]
    MqttRule(#[from] mqtt_codec::wire::Malformed),
    /// `coap-codec` refused a message.
    #[error("coap-codec: {0}")]
    Coap(#[from] coap_codec::wire::EncodeError),
    /// The TLV encoder refused the records.
    #[error("lwm2m-model TLV: {0}")]
    Tlv(#[from] lwm2m_model::format::tlv::EncodeError),
    /// The SenML CBOR encoder refused the records.
    #[error("lwm2m-model SenML CBOR: {0}")]
    SenmlCbor(#[from] lwm2m_model::format::senml_cbor::EncodeError),
    /// The LwM2M CBOR encoder refused the records.
    #[error("lwm2m-model LwM2M CBOR: {0}")]
    Lwm2mCbor(#[from] lwm2m_model::format::lwm2m_cbor::EncodeError),
    /// serde_json refused a payload.
    #[error("serde_json: {0}")]
    Json(#[from] serde_json::Error),
    /// A constant that the type refuses (a zero packet id).
    #[error("invalid constant: {0}")]
    Constant(&'static str),
}
