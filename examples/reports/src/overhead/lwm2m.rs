//! LwM2M 1.2 reporting of Temperature /3303/0/5700 (Sensor Value): a Notify (a 2.05 with
//! Observe) and a Send (POST /dp), payloads by `lwm2m-model`, messages by `coap-codec`.

use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType, OptionNumber};
use lwm2m_model::format::{lwm2m_cbor, senml_cbor, tlv};
use lwm2m_model::model::{Path, Record, Value};

use crate::overhead::payload::READING_CELSIUS;
use crate::overhead::{BuildError, Dir, Msg};

/// Temperature (object 3303), instance 0, Sensor Value (5700).
pub const SENSOR_VALUE: Path = Path::resource_path(3303, 0, 5700);

/// The token of the Observe the server set up, echoed by every notification. 8 bytes: what
/// Californium (under Leshan) generates by default; a shorter one saves bytes per Notify.
pub const OBSERVE_TOKEN: [u8; 8] = [0x91, 0x3c, 0x07, 0xe2, 0x55, 0x10, 0xab, 0x6f];

/// The Observe sequence number of a notification in steady state: it grows, so a realistic
/// value takes 2 bytes (RFC 7641 §4.4: 24 bits at most).
pub const OBSERVE_SEQUENCE: u32 = 1000;

/// The token of a Send, chosen by the device.
pub const SEND_TOKEN: [u8; 4] = [0x5e, 0x4d, 0x1a, 0x08];

/// The message id of a Notify or Send and its ACK.
pub const MESSAGE_ID: MessageId = MessageId(0x1c03);

/// Option slots in the builder.
const SLOTS: usize = 4;

/// An LwM2M content format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// TLV (11542; LwM2M Core 1.2 §7.4.3). Not allowed in a Send.
    Tlv,
    /// SenML CBOR (112; RFC 8428 §6).
    SenmlCbor,
    /// LwM2M CBOR (11544, new in 1.2).
    Lwm2mCbor,
}

impl Format {
    /// Formats a Notify may use, in table order.
    pub const NOTIFY: [Self; 3] = [Self::Tlv, Self::SenmlCbor, Self::Lwm2mCbor];

    /// Formats a Send may use (LwM2M Core 1.2: SenML or LwM2M CBOR/JSON, not TLV).
    pub const SEND: [Self; 2] = [Self::SenmlCbor, Self::Lwm2mCbor];

    /// The name used in tables.
    pub const fn label(self) -> &'static str {
        match self {
            Self::Tlv => "TLV",
            Self::SenmlCbor => "SenML CBOR",
            Self::Lwm2mCbor => "LwM2M CBOR",
        }
    }

    /// The Content-Format number.
    pub const fn content_format(self) -> u16 {
        match self {
            Self::Tlv => 11542,
            Self::SenmlCbor => 112,
            Self::Lwm2mCbor => 11544,
        }
    }

    /// The reading in this format (TLV relative to the observed resource).
    ///
    /// # Errors
    /// The format's encode error.
    pub fn encode(self) -> Result<Vec<u8>, BuildError> {
        let records = [Record { path: SENSOR_VALUE, value: Value::Float(f64::from(READING_CELSIUS)) }];
        Ok(match self {
            Self::Tlv => {
                let mut out = vec![0u8; tlv::encoded_len(SENSOR_VALUE, &records)?];
                let n = tlv::encode(SENSOR_VALUE, &records, &mut out)?;
                out.truncate(n);
                out
            }
            Self::SenmlCbor => senml_cbor::encode(&records)?,
            Self::Lwm2mCbor => lwm2m_cbor::encode(&records)?,
        })
    }
}

fn udp(b: &MessageBuilder<'_, SLOTS>) -> Result<Vec<u8>, BuildError> {
    let mut out = vec![0u8; b.encoded_len()];
    let n = b.encode(&mut out)?;
    out.truncate(n);
    Ok(out)
}

/// A notification of [`SENSOR_VALUE`]: 2.05 with [`OBSERVE_TOKEN`], Observe and
/// Content-Format; NON alone, or CON and the empty ACK.
///
/// # Errors
/// [`BuildError`].
pub fn notify(format: Format, confirmable: bool, payload: &[u8]) -> Result<Vec<Msg>, BuildError> {
    let ty = if confirmable { MessageType::Confirmable } else { MessageType::NonConfirmable };
    let mut b = MessageBuilder::<SLOTS>::new(ty, Code::CONTENT, MESSAGE_ID);
    b.token(&OBSERVE_TOKEN)?.uint(OptionNumber::OBSERVE, OBSERVE_SEQUENCE)?;
    b.uint(OptionNumber::CONTENT_FORMAT, format.content_format().into())?;
    b.payload(payload);
    let name = if confirmable { "CON 2.05 Notify" } else { "NON 2.05 Notify" };
    let mut msgs = vec![Msg::new(name, Dir::Up, udp(&b)?)];
    if confirmable {
        let ack = MessageBuilder::<SLOTS>::new(MessageType::Acknowledgement, Code::EMPTY, MESSAGE_ID);
        msgs.push(Msg::new("empty ACK", Dir::Down, udp(&ack)?));
    }
    Ok(msgs)
}

/// A Send: CON POST /dp with [`SEND_TOKEN`] and Content-Format, and the piggybacked 2.04.
///
/// # Errors
/// [`BuildError`].
pub fn send(format: Format, payload: &[u8]) -> Result<Vec<Msg>, BuildError> {
    let mut b = MessageBuilder::<SLOTS>::new(MessageType::Confirmable, Code::POST, MESSAGE_ID);
    b.token(&SEND_TOKEN)?.path("dp")?.uint(OptionNumber::CONTENT_FORMAT, format.content_format().into())?;
    b.payload(payload);
    let mut ack = MessageBuilder::<SLOTS>::new(MessageType::Acknowledgement, Code::CHANGED, MESSAGE_ID);
    ack.token(&SEND_TOKEN)?;
    Ok(vec![Msg::new("CON POST /dp", Dir::Up, udp(&b)?), Msg::new("ACK 2.04", Dir::Down, udp(&ack)?)])
}
