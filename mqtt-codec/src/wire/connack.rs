//! CONNACK (5.0 §3.2; 3.1.1 §3.2).

use super::cursor::{Reader, Sink};
use super::packet::{encode_methods, Body};
use super::{
    properties, DecodeError, DecodeOptions, Field, Malformed, PacketType, Properties, PropertyContext, ReasonCode,
    Version,
};

/// CONNACK: the server's answer to CONNECT.
///
/// Under 3.1.1 the return code maps to the 5.0 reason with the same meaning (0 Success,
/// 1 Unsupported Protocol Version, 2 Client Identifier not valid, 3 Server unavailable,
/// 4 Bad User Name or Password, 5 Not authorized; see [`ReasonCode::connack_return_code_v3`]).
///
/// Spec: 5.0 §3.2; 3.1.1 §3.2.
///
/// ```
/// use mqtt_codec::wire::{ConnAck, ReasonCode, Version};
/// let ack = ConnAck { session_present: true, ..ConnAck::new(ReasonCode::Success) };
/// let mut out = [0u8; 4];
/// assert_eq!(ack.encode(Version::V311, &mut out), Ok(4));
/// assert_eq!(out, [0x20, 0x02, 0x01, 0x00]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnAck<'a> {
    /// Session Present.
    pub session_present: bool,
    /// Connect Reason Code (5.0) / return code (3.1.1).
    pub reason_code: ReasonCode,
    /// CONNACK properties (5.0).
    pub properties: Properties<'a>,
}

impl ConnAck<'_> {
    /// A CONNACK with this code, no session, no properties.
    pub const fn new(reason_code: ReasonCode) -> Self {
        Self { session_present: false, reason_code, properties: Properties::EMPTY }
    }
}

const CTX: PropertyContext = PropertyContext::Packet(PacketType::ConnAck);

impl<'a> Body<'a> for ConnAck<'a> {
    const TYPE: PacketType = PacketType::ConnAck;

    fn decode_body(r: &mut Reader<'a>, _: u8, opts: &DecodeOptions) -> Result<Self, DecodeError> {
        let flags_at = r.offset();
        let flags = r.u8(Field::VariableHeader)?;
        if flags & 0xFE != 0 {
            // MQTT-3.2.2-1 (5.0) / 3.1.1 §3.2.2.1: bits 7-1 are reserved.
            return Err(DecodeError { kind: Malformed::ConnAckReservedFlags, offset: flags_at });
        }
        let code_at = r.offset();
        let code = r.u8(Field::VariableHeader)?;
        let bad = |kind| DecodeError { kind, offset: code_at };
        let reason_code = match opts.version {
            Version::V311 => ReasonCode::from_connack_return_code_v3(code).map_err(bad)?,
            Version::V5 => ReasonCode::decode_in(code, PacketType::ConnAck).map_err(bad)?,
        };
        let session_present = flags & 1 != 0;
        if session_present && code != 0 {
            // MQTT-3.2.2-6 (5.0) / MQTT-3.2.2-4 (3.1.1).
            return Err(DecodeError { kind: Malformed::SessionPresentOnFailure, offset: flags_at });
        }
        let properties = properties::read_for(r, CTX, opts.version, opts)?;
        Ok(Self { session_present, reason_code, properties })
    }

    fn check(&self, v: Version) -> Result<usize, Malformed> {
        match v {
            Version::V311 => {
                if self.reason_code.connack_return_code_v3().is_none() {
                    return Err(Malformed::ReasonCodeNotInVersion(self.reason_code));
                }
            }
            Version::V5 => self.reason_code.check_in(PacketType::ConnAck)?,
        }
        if self.session_present && self.reason_code != ReasonCode::Success {
            return Err(Malformed::SessionPresentOnFailure);
        }
        Ok(2 + properties::len_for(&self.properties, CTX, v)?)
    }

    fn write_body<S: Sink>(&self, v: Version, s: &mut S) {
        s.u8(u8::from(self.session_present));
        s.u8(match v {
            Version::V311 => self.reason_code.connack_return_code_v3().unwrap_or(0x80),
            Version::V5 => self.reason_code.value(),
        });
        properties::write_for(s, &self.properties, v);
    }
}

encode_methods!(ConnAck);
