//! PUBACK, PUBREC, PUBREL, PUBCOMP (5.0 §3.4-3.7; 3.1.1 §3.4-3.7): a Packet Identifier, and in
//! 5.0 an optional reason code and properties.

use super::cursor::{Reader, Sink};
use super::packet::{encode_methods, read_packet_id, Body};
use super::{
    properties, DecodeError, DecodeOptions, Field, Malformed, PacketId, PacketType, Properties, PropertyContext,
    ReasonCode, Version,
};

/// Decodes the shared body: 3.1.1 is the id alone; 5.0 may stop after the id (Success, no
/// properties) or after the reason code (no properties) (5.0 §3.4.2.1, §3.4.2.2.1).
#[inline]
fn decode<'a>(
    r: &mut Reader<'a>,
    ptype: PacketType,
    opts: &DecodeOptions,
) -> Result<(PacketId, ReasonCode, Properties<'a>), DecodeError> {
    let packet_id = read_packet_id(r)?;
    if opts.version == Version::V311 || r.is_empty() {
        return Ok((packet_id, ReasonCode::Success, Properties::EMPTY));
    }
    let at = r.offset();
    let code = r.u8(Field::VariableHeader)?;
    let reason = ReasonCode::decode_in(code, ptype).map_err(|kind| DecodeError { kind, offset: at })?;
    if r.is_empty() {
        return Ok((packet_id, reason, Properties::EMPTY));
    }
    let (props, _) = properties::read(r, PropertyContext::Packet(ptype), opts)?;
    Ok((packet_id, reason, props))
}

/// Body length, after the decoder's checks; the shortest form the spec allows.
#[inline]
fn check(ptype: PacketType, reason: ReasonCode, props: &Properties<'_>, v: Version) -> Result<usize, Malformed> {
    match v {
        Version::V311 if reason != ReasonCode::Success => Err(Malformed::ReasonCodeNotInVersion(reason)),
        Version::V311 if !props.is_empty() => Err(Malformed::PropertiesNotInVersion),
        Version::V311 => Ok(2),
        Version::V5 => {
            reason.check_in(ptype)?;
            if props.is_empty() {
                Ok(if reason == ReasonCode::Success { 2 } else { 3 })
            } else {
                Ok(3 + properties::len_for(props, PropertyContext::Packet(ptype), v)?)
            }
        }
    }
}

#[inline]
fn write<S: Sink>(s: &mut S, id: PacketId, reason: ReasonCode, props: &Properties<'_>, v: Version) {
    s.u16(id.get());
    if v == Version::V5 && (reason != ReasonCode::Success || !props.is_empty()) {
        s.u8(reason.value());
        if !props.is_empty() {
            properties::write(s, props);
        }
    }
}

macro_rules! ack_packet {
    ($(#[$doc:meta])* $name:ident, $ptype:ident, $example:literal) => {
        $(#[$doc])*
        ///
        /// Under 3.1.1 the reason is always Success and there are no properties.
        ///
        /// ```
        /// use mqtt_codec::wire::*;
        #[doc = concat!("let ack = ", stringify!($name), "::new(PacketId::new(7).unwrap());")]
        /// let mut out = [0u8; 4];
        /// assert_eq!(ack.encode(Version::V5, &mut out), Ok(4));
        #[doc = concat!("assert_eq!(out, ", $example, ");")]
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name<'a> {
            /// The Packet Identifier being acknowledged.
            pub packet_id: PacketId,
            /// Reason code (5.0).
            pub reason_code: ReasonCode,
            /// Properties (5.0): Reason String, User Property.
            pub properties: Properties<'a>,
        }

        impl $name<'_> {
            /// Success, no properties.
            pub const fn new(packet_id: PacketId) -> Self {
                Self { packet_id, reason_code: ReasonCode::Success, properties: Properties::EMPTY }
            }
        }

        impl<'a> Body<'a> for $name<'a> {
            const TYPE: PacketType = PacketType::$ptype;
            #[inline]
            fn decode_body(r: &mut Reader<'a>, _: u8, opts: &DecodeOptions) -> Result<Self, DecodeError> {
                let (packet_id, reason_code, properties) = decode(r, Self::TYPE, opts)?;
                Ok(Self { packet_id, reason_code, properties })
            }
            #[inline]
            fn check(&self, v: Version) -> Result<usize, Malformed> {
                check(Self::TYPE, self.reason_code, &self.properties, v)
            }
            #[inline]
            fn write_body<S: Sink>(&self, v: Version, s: &mut S) {
                write(s, self.packet_id, self.reason_code, &self.properties, v)
            }
        }

        encode_methods!($name);
    };
}

ack_packet!(
    /// PUBACK: acknowledges a QoS 1 PUBLISH (5.0 §3.4; 3.1.1 §3.4).
    PubAck, PubAck, "[0x40, 0x02, 0x00, 0x07]"
);
ack_packet!(
    /// PUBREC: first acknowledgement of a QoS 2 PUBLISH (5.0 §3.5; 3.1.1 §3.5).
    PubRec, PubRec, "[0x50, 0x02, 0x00, 0x07]"
);
ack_packet!(
    /// PUBREL: releases a QoS 2 PUBLISH; fixed-header flags 0010 (5.0 §3.6; `MQTT-3.6.1-1`).
    PubRel, PubRel, "[0x62, 0x02, 0x00, 0x07]"
);
ack_packet!(
    /// PUBCOMP: completes a QoS 2 exchange (5.0 §3.7; 3.1.1 §3.7).
    PubComp, PubComp, "[0x70, 0x02, 0x00, 0x07]"
);
