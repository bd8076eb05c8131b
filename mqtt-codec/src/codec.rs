//! A `tokio_util::codec` `Decoder`/`Encoder` for MQTT over a byte stream (feature `tokio-util`).
//! It holds no protocol logic: it frames with [`decode_packet`] and encodes with
//! [`Packet::encode_to`].

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use crate::buf::PacketBuf;
use crate::wire::{decode_packet, DecodeError, DecodeOptions, EncodeError, EncodeOptions, Packet, Status, Version};

/// Frames MQTT packets for `tokio_util::codec::Framed`.
///
/// ```
/// use bytes::BytesMut;
/// use mqtt_codec::codec::MqttCodec;
/// use mqtt_codec::wire::{Packet, Version};
/// use tokio_util::codec::{Decoder, Encoder};
/// let mut codec = MqttCodec::new(Version::V5);
/// let mut buf = BytesMut::new();
/// codec.encode(Packet::PingReq, &mut buf)?;
/// let frame = codec.decode(&mut buf)?.unwrap();
/// assert_eq!(frame.packet(), Packet::PingReq);
/// # Ok::<(), mqtt_codec::codec::CodecError>(())
/// ```
#[derive(Debug, Clone, Copy)]
pub struct MqttCodec {
    /// Limits for incoming packets.
    pub decode: DecodeOptions,
    /// Limits for outgoing packets.
    pub encode: EncodeOptions,
}

impl MqttCodec {
    /// A codec with default limits for `version`.
    pub const fn new(version: Version) -> Self {
        Self { decode: DecodeOptions::new(version), encode: EncodeOptions::new(version) }
    }
}

/// What can go wrong on a framed stream.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The transport failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// A malformed incoming packet: close the connection.
    #[error("decode: {0}")]
    Decode(#[from] DecodeError),
    /// An outgoing packet that breaks a rule.
    #[error("encode: {0}")]
    Encode(#[from] EncodeError),
}

impl Decoder for MqttCodec {
    type Item = PacketBuf;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<PacketBuf>, CodecError> {
        match decode_packet(src, &self.decode)? {
            Status::Complete { consumed, .. } => {
                let frame = src.split_to(consumed).freeze();
                Ok(Some(PacketBuf::validated(frame, self.decode)))
            }
            Status::Partial(crate::wire::Needed::AtLeast(n)) => {
                src.reserve(n.get());
                Ok(None)
            }
            Status::Partial(_) => Ok(None),
        }
    }
}

impl Encoder<Packet<'_>> for MqttCodec {
    type Error = CodecError;

    fn encode(&mut self, item: Packet<'_>, dst: &mut BytesMut) -> Result<(), CodecError> {
        dst.reserve(item.encoded_len(self.encode.version));
        item.encode_to(&self.encode, dst)?;
        Ok(())
    }
}
