//! [`Packet`], the fixed header (5.0 §2.1; 3.1.1 §2.2), [`decode_packet`] and the shared
//! encoding path.

use core::num::NonZeroUsize;

use super::cursor::{Reader, Sink, SliceSink};
use super::varint::{self, VarInt};
use super::{
    Auth, ConnAck, Connect, DecodeError, DecodeOptions, Disconnect, EncodeError, EncodeOptions, Field, Malformed,
    Needed, PacketType, PubAck, PubComp, PubRec, PubRel, Publish, Status, SubAck, Subscribe, UnsubAck, Unsubscribe,
    Version,
};

/// Any MQTT control packet, borrowing from the buffer it was decoded from.
///
/// Spec: 5.0 §3 (one section per packet); 3.1.1 §3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Packet<'a> {
    /// CONNECT.
    Connect(Connect<'a>),
    /// CONNACK.
    ConnAck(ConnAck<'a>),
    /// PUBLISH.
    Publish(Publish<'a>),
    /// PUBACK.
    PubAck(PubAck<'a>),
    /// PUBREC.
    PubRec(PubRec<'a>),
    /// PUBREL.
    PubRel(PubRel<'a>),
    /// PUBCOMP.
    PubComp(PubComp<'a>),
    /// SUBSCRIBE.
    Subscribe(Subscribe<'a>),
    /// SUBACK.
    SubAck(SubAck<'a>),
    /// UNSUBSCRIBE.
    Unsubscribe(Unsubscribe<'a>),
    /// UNSUBACK.
    UnsubAck(UnsubAck<'a>),
    /// PINGREQ.
    PingReq,
    /// PINGRESP.
    PingResp,
    /// DISCONNECT.
    Disconnect(Disconnect<'a>),
    /// AUTH (5.0 only).
    Auth(Auth<'a>),
}

/// What every packet body provides to the shared decode/encode path.
pub(crate) trait Body<'a>: Sized {
    const TYPE: PacketType;
    fn decode_body(r: &mut Reader<'a>, flags: u8, opts: &DecodeOptions) -> Result<Self, DecodeError>;
    /// The fixed-header flags (PUBLISH overrides; the rest use the required ones).
    fn flags(&self) -> u8 {
        Self::TYPE.required_flags().unwrap_or(0)
    }
    /// The version this packet is laid out in (CONNECT: its own).
    fn layout(&self, v: Version) -> Version {
        v
    }
    /// Checks every rule the decoder enforces and returns the exact body length.
    fn check(&self, v: Version) -> Result<usize, Malformed>;
    fn write_body<S: Sink>(&self, v: Version, s: &mut S);
}

/// Decodes the first packet in `input`.
///
/// Returns [`Status::Partial`] when `input` holds only part of a packet (with the number of
/// bytes still missing once the Remaining Length is known), and [`Status::Complete`] with the
/// bytes used otherwise; the next packet starts there.
///
/// Spec: 5.0 §2.1 (fixed header), §3 (bodies); 3.1.1 §2.2, §3.
///
/// # Errors
/// A [`DecodeError`] naming the rule the packet breaks. The fixed-header flags and the
/// caller's maximum packet size are checked before the body is read.
///
/// ```
/// use mqtt_codec::wire::{decode_packet, DecodeOptions, Needed, Packet, Status, Version};
/// let opts = DecodeOptions::new(Version::V5);
/// // PINGREQ followed by half a PUBACK.
/// let input = [0xC0, 0x00, 0x40, 0x02, 0x00];
/// let Status::Complete { item, consumed } = decode_packet(&input, &opts)? else { panic!() };
/// assert_eq!((item, consumed), (Packet::PingReq, 2));
/// assert!(matches!(decode_packet(&input[2..], &opts)?, Status::Partial(Needed::AtLeast(n)) if n.get() == 1));
/// # Ok::<(), mqtt_codec::wire::DecodeError>(())
/// ```
pub fn decode_packet<'a>(input: &'a [u8], opts: &DecodeOptions) -> Result<Status<Packet<'a>>, DecodeError> {
    // Most traffic is small PUBLISHes; `decode_fast` accepts only what `decode_general` accepts,
    // with the same result, and leaves everything else (errors included) to it.
    if let Some(status) = super::publish::decode_fast(input, opts) {
        return Ok(status);
    }
    if let Some(status) = decode_fixed_fast(input) {
        return Ok(status);
    }
    decode_general(input, opts)
}

/// PINGREQ, PINGRESP and the two-byte-body acknowledgements (Success, no properties in both
/// versions: 5.0 §3.4.2.1), which are the rest of a busy connection's traffic. `None` for
/// anything else, a zero Packet Identifier included, so the general path gives every error.
#[inline(always)]
fn decode_fixed_fast(input: &[u8]) -> Option<Status<Packet<'_>>> {
    let done = |item, consumed| Some(Status::Complete { item, consumed });
    match *input {
        [0xC0, 0x00, ..] => done(Packet::PingReq, 2),
        [0xD0, 0x00, ..] => done(Packet::PingResp, 2),
        [first @ (0x40 | 0x50 | 0x62 | 0x70), 0x02, hi, lo, ..] => {
            let id = super::PacketId::new(u16::from_be_bytes([hi, lo]))?;
            let item = match first {
                0x40 => Packet::PubAck(PubAck::new(id)),
                0x50 => Packet::PubRec(PubRec::new(id)),
                0x62 => Packet::PubRel(PubRel::new(id)),
                _ => Packet::PubComp(PubComp::new(id)),
            };
            done(item, 4)
        }
        _ => None,
    }
}

/// Every packet, every rule: the decoder proper.
pub(crate) fn decode_general<'a>(input: &'a [u8], opts: &DecodeOptions) -> Result<Status<Packet<'a>>, DecodeError> {
    let Some((&first, rest)) = input.split_first() else {
        return Ok(Status::Partial(Needed::AtLeast(NonZeroUsize::MIN.saturating_add(1))));
    };
    let at = |kind, offset| DecodeError { kind, offset };
    let ptype = PacketType::try_from(first >> 4).map_err(|k| at(k, 0))?;
    let flags = first & 0x0F;
    if let Some(required) = ptype.required_flags() {
        if flags != required {
            // MQTT-2.2.2-1 (3.1.1) / MQTT-2.1.3-1 (5.0): reserved flags must have their listed values.
            return Err(at(Malformed::ReservedFixedHeaderFlags { packet: ptype, flags }, 0));
        }
    }
    if ptype == PacketType::Auth && opts.version == Version::V311 {
        return Err(at(Malformed::PacketTypeNotInVersion(ptype), 0));
    }
    let (remaining, len_bytes) = match varint::read(rest) {
        Ok(VarInt::Done(v, n)) => (v as usize, n),
        Ok(VarInt::Incomplete) => return Ok(Status::Partial(Needed::AtLeast(NonZeroUsize::MIN))),
        Err(kind) => return Err(at(kind, 1)),
    };
    let header = 1 + len_bytes;
    let total = header + remaining;
    if total > opts.max_packet_size as usize {
        return Err(at(Malformed::PacketTooLarge { size: total, max: opts.max_packet_size }, 1));
    }
    let Some(body) = input.get(header..total) else {
        let missing = NonZeroUsize::new(total - input.len()).map_or(Needed::Unknown, Needed::AtLeast);
        return Ok(Status::Partial(missing));
    };
    let mut r = Reader::new(body, header);
    let item = match ptype {
        PacketType::Connect => Packet::Connect(Connect::decode_body(&mut r, flags, opts)?),
        PacketType::ConnAck => Packet::ConnAck(ConnAck::decode_body(&mut r, flags, opts)?),
        PacketType::Publish => Packet::Publish(Publish::decode_body(&mut r, flags, opts)?),
        PacketType::PubAck => Packet::PubAck(PubAck::decode_body(&mut r, flags, opts)?),
        PacketType::PubRec => Packet::PubRec(PubRec::decode_body(&mut r, flags, opts)?),
        PacketType::PubRel => Packet::PubRel(PubRel::decode_body(&mut r, flags, opts)?),
        PacketType::PubComp => Packet::PubComp(PubComp::decode_body(&mut r, flags, opts)?),
        PacketType::Subscribe => Packet::Subscribe(Subscribe::decode_body(&mut r, flags, opts)?),
        PacketType::SubAck => Packet::SubAck(SubAck::decode_body(&mut r, flags, opts)?),
        PacketType::Unsubscribe => Packet::Unsubscribe(Unsubscribe::decode_body(&mut r, flags, opts)?),
        PacketType::UnsubAck => Packet::UnsubAck(UnsubAck::decode_body(&mut r, flags, opts)?),
        PacketType::PingReq => Packet::PingReq,
        PacketType::PingResp => Packet::PingResp,
        PacketType::Disconnect => Packet::Disconnect(Disconnect::decode_body(&mut r, flags, opts)?),
        PacketType::Auth => Packet::Auth(Auth::decode_body(&mut r, flags, opts)?),
    };
    if !r.is_empty() {
        // 5.0 §3 / 3.1.1 §3: every byte of the Remaining Length belongs to a field.
        return Err(r.err(Malformed::TrailingBytes(ptype, r.remaining())));
    }
    Ok(Status::Complete { item, consumed: total })
}

/// The exact size of a packet with this body length.
#[inline(always)]
fn total_len(body: usize) -> usize {
    1 + varint::len(body as u32) + body
}

/// Validates, sizes and checks everything, returning the total length; writes nothing.
#[inline(always)]
fn prepare<'a, T: Body<'a>>(p: &T, opts: &EncodeOptions, room: usize) -> Result<(usize, usize), EncodeError> {
    let body = p.check(p.layout(opts.version))?;
    if body > varint::MAX as usize {
        let size = total_len(body).max(body);
        return Err(EncodeError::Invalid(Malformed::PacketTooLarge { size, max: opts.max_packet_size }));
    }
    let total = total_len(body);
    if total > opts.max_packet_size as usize {
        return Err(EncodeError::Invalid(Malformed::PacketTooLarge { size: total, max: opts.max_packet_size }));
    }
    if room < total {
        return Err(EncodeError::BufferTooSmall { required: total });
    }
    Ok((body, total))
}

#[inline(always)]
fn write_packet<'a, T: Body<'a>, S: Sink>(p: &T, v: Version, body: usize, s: &mut S) {
    s.u8(((T::TYPE as u8) << 4) | p.flags());
    s.varint(body as u32);
    p.write_body(p.layout(v), s);
}

#[inline(always)]
pub(crate) fn encode_into<'a, T: Body<'a>>(p: &T, opts: &EncodeOptions, out: &mut [u8]) -> Result<usize, EncodeError> {
    let (body, total) = prepare(p, opts, out.len())?;
    let mut s = SliceSink { buf: out, pos: 0 };
    write_packet(p, opts.version, body, &mut s);
    Ok(total)
}

#[cfg(feature = "alloc")]
#[inline]
pub(crate) fn encode_buf<'a, T: Body<'a>, B: bytes::BufMut>(
    p: &T,
    opts: &EncodeOptions,
    out: &mut B,
) -> Result<usize, EncodeError> {
    let (body, total) = prepare(p, opts, out.remaining_mut())?;
    write_packet(p, opts.version, body, &mut super::cursor::BufMutSink(out));
    Ok(total)
}

/// The exact encoded size (for a packet that passes validation).
#[inline]
pub(crate) fn encoded_len<'a, T: Body<'a>>(p: &T, v: Version) -> usize {
    p.check(p.layout(v)).map_or(0, total_len)
}

/// Gives each packet struct `encoded_len`, `encode`, `encode_with` and (under `alloc`) `encode_to`.
macro_rules! encode_methods {
    ($($ty:ident),*) => {$(
        impl<'a> $ty<'a> {
            /// The exact number of bytes [`encode`](Self::encode) writes (0 for a packet that
            /// fails validation).
            pub fn encoded_len(&self, v: $crate::wire::Version) -> usize {
                $crate::wire::packet::encoded_len(self, v)
            }

            /// Encodes into `out` with the default [`EncodeOptions`](crate::wire::EncodeOptions);
            /// returns the bytes written.
            ///
            /// # Errors
            /// [`EncodeError::Invalid`](crate::wire::EncodeError::Invalid) for a packet the
            /// decoder would reject; [`EncodeError::BufferTooSmall`](crate::wire::EncodeError::BufferTooSmall).
            /// Nothing is written on error.
            #[inline]
            pub fn encode(&self, v: $crate::wire::Version, out: &mut [u8]) -> Result<usize, $crate::wire::EncodeError> {
                $crate::wire::packet::encode_into(self, &$crate::wire::EncodeOptions::new(v), out)
            }

            /// Encodes into `out` under `opts` (maximum packet size).
            ///
            /// # Errors
            /// As [`encode`](Self::encode), plus `Invalid(PacketTooLarge)`.
            #[inline]
            pub fn encode_with(&self, opts: &$crate::wire::EncodeOptions, out: &mut [u8]) -> Result<usize, $crate::wire::EncodeError> {
                $crate::wire::packet::encode_into(self, opts, out)
            }

            /// Encodes onto a `bytes::BufMut` (a `BytesMut` grows as needed).
            ///
            /// # Errors
            /// As [`encode_with`](Self::encode_with); `BufferTooSmall` when the `BufMut`
            /// cannot take the whole packet.
            #[cfg(feature = "alloc")]
            pub fn encode_to<B: bytes::BufMut>(&self, opts: &$crate::wire::EncodeOptions, out: &mut B) -> Result<usize, $crate::wire::EncodeError> {
                $crate::wire::packet::encode_buf(self, opts, out)
            }
        }
    )*};
}
pub(crate) use encode_methods;

/// PINGREQ and PINGRESP have no body.
struct Empty<const T: u8>;

impl<'a> Body<'a> for Empty<12> {
    const TYPE: PacketType = PacketType::PingReq;
    fn decode_body(_: &mut Reader<'a>, _: u8, _: &DecodeOptions) -> Result<Self, DecodeError> {
        Ok(Self)
    }
    fn check(&self, _: Version) -> Result<usize, Malformed> {
        Ok(0)
    }
    fn write_body<S: Sink>(&self, _: Version, _: &mut S) {}
}

impl<'a> Body<'a> for Empty<13> {
    const TYPE: PacketType = PacketType::PingResp;
    fn decode_body(_: &mut Reader<'a>, _: u8, _: &DecodeOptions) -> Result<Self, DecodeError> {
        Ok(Self)
    }
    fn check(&self, _: Version) -> Result<usize, Malformed> {
        Ok(0)
    }
    fn write_body<S: Sink>(&self, _: Version, _: &mut S) {}
}

macro_rules! dispatch {
    ($self:expr, $p:ident => $e:expr) => {
        match $self {
            Packet::Connect($p) => $e,
            Packet::ConnAck($p) => $e,
            Packet::Publish($p) => $e,
            Packet::PubAck($p) => $e,
            Packet::PubRec($p) => $e,
            Packet::PubRel($p) => $e,
            Packet::PubComp($p) => $e,
            Packet::Subscribe($p) => $e,
            Packet::SubAck($p) => $e,
            Packet::Unsubscribe($p) => $e,
            Packet::UnsubAck($p) => $e,
            Packet::PingReq => {
                let $p = &Empty::<12>;
                $e
            }
            Packet::PingResp => {
                let $p = &Empty::<13>;
                $e
            }
            Packet::Disconnect($p) => $e,
            Packet::Auth($p) => $e,
        }
    };
}

impl Packet<'_> {
    /// The packet's type.
    pub const fn packet_type(&self) -> PacketType {
        match self {
            Self::Connect(_) => PacketType::Connect,
            Self::ConnAck(_) => PacketType::ConnAck,
            Self::Publish(_) => PacketType::Publish,
            Self::PubAck(_) => PacketType::PubAck,
            Self::PubRec(_) => PacketType::PubRec,
            Self::PubRel(_) => PacketType::PubRel,
            Self::PubComp(_) => PacketType::PubComp,
            Self::Subscribe(_) => PacketType::Subscribe,
            Self::SubAck(_) => PacketType::SubAck,
            Self::Unsubscribe(_) => PacketType::Unsubscribe,
            Self::UnsubAck(_) => PacketType::UnsubAck,
            Self::PingReq => PacketType::PingReq,
            Self::PingResp => PacketType::PingResp,
            Self::Disconnect(_) => PacketType::Disconnect,
            Self::Auth(_) => PacketType::Auth,
        }
    }

    /// The exact number of bytes [`encode`](Self::encode) writes (0 for a packet that fails
    /// validation).
    ///
    /// ```
    /// use mqtt_codec::wire::{Packet, Version};
    /// assert_eq!(Packet::PingReq.encoded_len(Version::V5), 2);
    /// ```
    pub fn encoded_len(&self, v: Version) -> usize {
        dispatch!(self, p => encoded_len(p, v))
    }

    /// Validates with the decoder's rules and encodes into `out`; returns the bytes written.
    ///
    /// # Errors
    /// [`EncodeError::Invalid`] names the rule a packet breaks; [`EncodeError::BufferTooSmall`]
    /// gives the size needed. Nothing is written on error.
    ///
    /// ```
    /// use mqtt_codec::wire::{Packet, Version};
    /// let mut out = [0u8; 2];
    /// assert_eq!(Packet::PingResp.encode(Version::V311, &mut out), Ok(2));
    /// assert_eq!(out, [0xD0, 0x00]);
    /// ```
    #[inline]
    pub fn encode(&self, v: Version, out: &mut [u8]) -> Result<usize, EncodeError> {
        self.encode_with(&EncodeOptions::new(v), out)
    }

    /// As [`encode`](Self::encode), under `opts` (maximum packet size).
    ///
    /// # Errors
    /// As [`encode`](Self::encode), plus `Invalid(PacketTooLarge)`.
    #[inline]
    pub fn encode_with(&self, opts: &EncodeOptions, out: &mut [u8]) -> Result<usize, EncodeError> {
        // PINGREQ/PINGRESP are two fixed bytes (5.0 §3.12, §3.13) and the keep-alive path of
        // every connection: written directly, with the same checks as the generic path.
        if let Self::PingReq | Self::PingResp = self {
            if opts.max_packet_size < 2 {
                return Err(EncodeError::Invalid(Malformed::PacketTooLarge { size: 2, max: opts.max_packet_size }));
            }
            let Some(dst) = out.get_mut(..2) else { return Err(EncodeError::BufferTooSmall { required: 2 }) };
            dst.copy_from_slice(&[(self.packet_type() as u8) << 4, 0]);
            return Ok(2);
        }
        self.encode_any(opts, out)
    }

    /// The generic path, kept out of line so the fast path above stays small when inlined.
    fn encode_any(&self, opts: &EncodeOptions, out: &mut [u8]) -> Result<usize, EncodeError> {
        dispatch!(self, p => encode_into(p, opts, out))
    }

    /// Encodes onto a `bytes::BufMut`.
    ///
    /// # Errors
    /// As [`encode_with`](Self::encode_with).
    ///
    /// ```
    /// use mqtt_codec::wire::{EncodeOptions, Packet, Version};
    /// let mut buf = bytes::BytesMut::new();
    /// Packet::PingReq.encode_to(&EncodeOptions::new(Version::V5), &mut buf)?;
    /// assert_eq!(&buf[..], [0xC0, 0x00]);
    /// # Ok::<(), mqtt_codec::wire::EncodeError>(())
    /// ```
    #[cfg(feature = "alloc")]
    pub fn encode_to<B: bytes::BufMut>(&self, opts: &EncodeOptions, out: &mut B) -> Result<usize, EncodeError> {
        dispatch!(self, p => encode_buf(p, opts, out))
    }
}

/// Reads a non-zero Packet Identifier (`MQTT-2.2.1-3` (5.0), `MQTT-2.3.1-1` (3.1.1)).
#[inline]
pub(crate) fn read_packet_id(r: &mut Reader<'_>) -> Result<super::PacketId, DecodeError> {
    let at = r.offset();
    let v = r.u16(Field::VariableHeader)?;
    super::PacketId::new(v).ok_or(DecodeError { kind: Malformed::ZeroPacketId, offset: at })
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn fixed_fast_path_agrees_with_the_general_decoder() {
        // Every first byte, lengths 0-3 and ids 0, 1, 0x1234 and 0xFFFF, with and without a
        // following byte: whenever the fast path answers, the general decoder gives the same.
        let mut answered = 0;
        for first in 0..=255u8 {
            for rl in 0..4u8 {
                for id in [0u16, 1, 0x1234, 0xFFFF] {
                    let [hi, lo] = id.to_be_bytes();
                    for frame in [&[first, rl, hi, lo, 0xEE][..], &[first, rl, hi, lo][..], &[first, rl][..]] {
                        if let Some(fast) = decode_fixed_fast(frame) {
                            answered += 1;
                            for v in [Version::V311, Version::V5] {
                                assert_eq!(Ok(fast), decode_general(frame, &DecodeOptions::new(v)), "{frame:x?}");
                            }
                        }
                    }
                }
            }
        }
        assert!(answered > 0);
    }
}
