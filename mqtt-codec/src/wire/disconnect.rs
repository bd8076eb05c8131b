//! DISCONNECT (5.0 §3.14; 3.1.1 §3.14) and the reason-code-plus-properties body it shares with AUTH.

use super::cursor::{Reader, Sink};
use super::packet::{encode_methods, Body};
use super::{
    properties, DecodeError, DecodeOptions, Field, Malformed, PacketType, Properties, PropertyContext, ReasonCode,
    Version,
};

/// Decodes "reason code, then properties": a Remaining Length of 0 means Success and no
/// properties. DISCONNECT may also stop after the reason code (5.0 §3.14.2.1, §3.14.2.2.1);
/// AUTH leaves both out or neither (5.0 §3.15.2.1), so `reason_alone` is false for it.
#[inline]
pub(crate) fn decode_reason_body<'a>(
    r: &mut Reader<'a>,
    ptype: PacketType,
    opts: &DecodeOptions,
    reason_alone: bool,
) -> Result<(ReasonCode, Properties<'a>), DecodeError> {
    if opts.version == Version::V311 || r.is_empty() {
        return Ok((ReasonCode::Success, Properties::EMPTY));
    }
    let at = r.offset();
    let code = r.u8(Field::VariableHeader)?;
    let reason = ReasonCode::decode_in(code, ptype).map_err(|kind| DecodeError { kind, offset: at })?;
    if r.is_empty() && reason_alone {
        return Ok((reason, Properties::EMPTY));
    }
    Ok((reason, properties::read(r, PropertyContext::Packet(ptype), opts)?.0))
}

/// The body length in its shortest form. `reason_alone` says whether the packet may carry a
/// reason code without a Property Length (DISCONNECT may; AUTH always sends both).
#[inline]
pub(crate) fn check_reason_body(
    ptype: PacketType,
    reason: ReasonCode,
    props: &Properties<'_>,
    v: Version,
    reason_alone: bool,
) -> Result<usize, Malformed> {
    match v {
        Version::V311 if reason != ReasonCode::Success => Err(Malformed::ReasonCodeNotInVersion(reason)),
        Version::V311 if !props.is_empty() => Err(Malformed::PropertiesNotInVersion),
        Version::V311 => Ok(0),
        Version::V5 => {
            reason.check_in(ptype)?;
            let plen = properties::len_for(props, PropertyContext::Packet(ptype), v)?;
            Ok(match (reason == ReasonCode::Success, props.is_empty()) {
                (true, true) => 0,
                (false, true) if reason_alone => 1,
                _ => 1 + plen,
            })
        }
    }
}

#[inline]
pub(crate) fn write_reason_body<S: Sink>(s: &mut S, body_len: usize, reason: ReasonCode, props: &Properties<'_>) {
    if body_len >= 1 {
        s.u8(reason.value());
    }
    if body_len >= 2 {
        properties::write(s, props);
    }
}

/// DISCONNECT: the last packet before a clean close.
///
/// Spec: 5.0 §3.14; 3.1.1 §3.14.
///
/// ```
/// use mqtt_codec::wire::{Disconnect, ReasonCode, Version};
/// let d = Disconnect::new(ReasonCode::ServerShuttingDown);
/// let mut out = [0u8; 3];
/// assert_eq!(d.encode(Version::V5, &mut out), Ok(3));
/// assert_eq!(out, [0xE0, 0x01, 0x8B]);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Disconnect<'a> {
    /// Disconnect Reason Code (5.0); Success is Normal disconnection.
    pub reason_code: ReasonCode,
    /// DISCONNECT properties (5.0).
    pub properties: Properties<'a>,
}

impl Disconnect<'_> {
    /// A DISCONNECT with this reason and no properties.
    pub const fn new(reason_code: ReasonCode) -> Self {
        Self { reason_code, properties: Properties::EMPTY }
    }
}

impl Default for Disconnect<'_> {
    fn default() -> Self {
        Self::new(ReasonCode::Success)
    }
}

impl<'a> Body<'a> for Disconnect<'a> {
    const TYPE: PacketType = PacketType::Disconnect;
    fn decode_body(r: &mut Reader<'a>, _: u8, opts: &DecodeOptions) -> Result<Self, DecodeError> {
        let (reason_code, properties) = decode_reason_body(r, Self::TYPE, opts, true)?;
        Ok(Self { reason_code, properties })
    }
    fn check(&self, v: Version) -> Result<usize, Malformed> {
        check_reason_body(Self::TYPE, self.reason_code, &self.properties, v, true)
    }
    fn write_body<S: Sink>(&self, v: Version, s: &mut S) {
        let n = check_reason_body(Self::TYPE, self.reason_code, &self.properties, v, true).unwrap_or(0);
        write_reason_body(s, n, self.reason_code, &self.properties);
    }
}

encode_methods!(Disconnect);
