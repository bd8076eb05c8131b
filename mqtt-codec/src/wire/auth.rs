//! AUTH (5.0 §3.15), for extended authentication. It does not exist in 3.1.1.

use super::cursor::{Reader, Sink};
use super::disconnect::{check_reason_body, decode_reason_body, write_reason_body};
use super::packet::{encode_methods, Body};
use super::{DecodeError, DecodeOptions, Malformed, PacketType, Properties, PropertyId, ReasonCode, Version};

/// AUTH: one step of an extended authentication exchange.
///
/// Spec: 5.0 §3.15.
///
/// ```
/// use mqtt_codec::wire::{Auth, List, Property, ReasonCode, Version};
/// let props = [Property::AuthenticationMethod("SCRAM-SHA-1"), Property::AuthenticationData(b"xyz")];
/// let a = Auth { reason_code: ReasonCode::ContinueAuthentication, properties: List::new(&props) };
/// let mut out = [0u8; 32];
/// let n = a.encode(Version::V5, &mut out)?;
/// assert_eq!(&out[..4], [0xF0, (n - 2) as u8, 0x18, 0x14]);
/// assert!(a.encode(Version::V311, &mut out).is_err());
/// # Ok::<(), mqtt_codec::wire::EncodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Auth<'a> {
    /// Authenticate Reason Code: Success, Continue authentication or Re-authenticate.
    pub reason_code: ReasonCode,
    /// AUTH properties.
    pub properties: Properties<'a>,
}

impl<'a> Body<'a> for Auth<'a> {
    const TYPE: PacketType = PacketType::Auth;
    fn decode_body(r: &mut Reader<'a>, _: u8, opts: &DecodeOptions) -> Result<Self, DecodeError> {
        let start = r.offset();
        let whole = !r.is_empty();
        let (reason_code, properties) = decode_reason_body(r, Self::TYPE, opts, false)?;
        if whole && properties.get(PropertyId::AuthenticationMethod).is_none() {
            // 5.0 §3.15.2.2.2: leaving out the Authentication Method is a Protocol Error.
            return Err(DecodeError { kind: Malformed::MissingAuthenticationMethod, offset: start });
        }
        Ok(Self { reason_code, properties })
    }
    fn check(&self, v: Version) -> Result<usize, Malformed> {
        if v == Version::V311 {
            return Err(Malformed::PacketTypeNotInVersion(PacketType::Auth));
        }
        // 5.0 §3.15.2.1: the reason and Property Length are left out together or not at all.
        let n = check_reason_body(Self::TYPE, self.reason_code, &self.properties, v, false)?;
        if n > 0 && self.properties.get(PropertyId::AuthenticationMethod).is_none() {
            return Err(Malformed::MissingAuthenticationMethod);
        }
        Ok(n)
    }
    fn write_body<S: Sink>(&self, v: Version, s: &mut S) {
        let n = check_reason_body(Self::TYPE, self.reason_code, &self.properties, v, false).unwrap_or(0);
        write_reason_body(s, n, self.reason_code, &self.properties);
    }
}

encode_methods!(Auth);
