//! Owned packets for callers who keep them past the receive buffer (feature `alloc`).

use bytes::Bytes;

use crate::wire::{decode_packet, DecodeError, DecodeOptions, EncodeError, EncodeOptions, Malformed, Packet, Status};

/// One validated packet frame on `bytes::Bytes`: cloning it is a reference-count bump, and
/// [`PacketBuf::packet`] gives the borrowed view without copying.
///
/// ```
/// use mqtt_codec::buf::PacketBuf;
/// use mqtt_codec::wire::{DecodeOptions, Packet, Version};
/// let frame = bytes::Bytes::from_static(&[0x30, 0x05, 0x00, 0x01, b't', b'h', b'i']);
/// let owned = PacketBuf::from_frame(frame, &DecodeOptions::new(Version::V311))?;
/// let Packet::Publish(p) = owned.packet() else { panic!() };
/// assert_eq!(p.payload, b"hi");
/// # Ok::<(), mqtt_codec::wire::DecodeError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct PacketBuf {
    frame: Bytes,
    opts: DecodeOptions,
}

impl PacketBuf {
    /// Validates `frame`, which must hold exactly one whole packet.
    ///
    /// # Errors
    /// The decoder's errors; an incomplete frame is `Truncated(RemainingLength)`, extra bytes
    /// after the packet are `TrailingBytes`.
    pub fn from_frame(frame: Bytes, opts: &DecodeOptions) -> Result<Self, DecodeError> {
        match decode_packet(&frame, opts)? {
            Status::Complete { item, consumed } if consumed == frame.len() => {
                let _ = item;
                Ok(Self { frame, opts: *opts })
            }
            Status::Complete { item, consumed } => Err(DecodeError {
                kind: Malformed::TrailingBytes(item.packet_type(), frame.len() - consumed),
                offset: consumed,
            }),
            Status::Partial(_) => Err(DecodeError {
                kind: Malformed::Truncated(crate::wire::Field::RemainingLength),
                offset: frame.len(),
            }),
        }
    }

    /// Wraps a frame the decoder has just accepted under `opts`.
    pub(crate) fn validated(frame: Bytes, opts: DecodeOptions) -> Self {
        Self { frame, opts }
    }

    /// The borrowed view of the packet.
    pub fn packet(&self) -> Packet<'_> {
        match decode_packet(&self.frame, &self.opts) {
            Ok(Status::Complete { item, .. }) => item,
            // The frame is immutable and decoded successfully under the same options when this
            // value was built, and decoding is a pure function of both.
            _ => unreachable!("a PacketBuf holds a validated frame"),
        }
    }

    /// The packet's bytes.
    pub fn as_bytes(&self) -> &Bytes {
        &self.frame
    }

    /// The packet's bytes, consuming `self`.
    pub fn into_bytes(self) -> Bytes {
        self.frame
    }
}

impl core::fmt::Debug for PacketBuf {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Debug::fmt(&self.packet(), f)
    }
}

impl Packet<'_> {
    /// Encodes into an owned [`PacketBuf`].
    ///
    /// # Errors
    /// As [`Packet::encode_with`].
    ///
    /// ```
    /// use mqtt_codec::wire::{EncodeOptions, Packet, Version};
    /// let owned = Packet::PingReq.to_buf(&EncodeOptions::new(Version::V5))?;
    /// assert_eq!(owned.packet(), Packet::PingReq);
    /// # Ok::<(), mqtt_codec::wire::EncodeError>(())
    /// ```
    pub fn to_buf(&self, opts: &EncodeOptions) -> Result<PacketBuf, EncodeError> {
        let mut out = alloc::vec![0u8; self.encoded_len(opts.version)];
        let n = self.encode_with(opts, &mut out)?;
        out.truncate(n);
        let dopts = DecodeOptions::new(opts.version);
        Ok(PacketBuf::validated(Bytes::from(out), dopts))
    }
}
