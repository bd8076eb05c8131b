//! Message format errors (RFC 7252 §3, §4.1, §3.1) and the reaction each calls for.

use super::{MessageId, MessageType};

/// A message format rule a datagram breaks (RFC 7252 §3, §3.1, §4.1; RFC 8974 §2.1).
///
/// ```
/// use coap_codec::wire::{Malformed, Message, Reaction};
/// // CON, TKL 9 (reserved), GET, MID 0x1234.
/// let err = Message::new_checked(&[0x49u8, 0x01, 0x12, 0x34][..]).unwrap_err();
/// assert_eq!(err.kind, Malformed::ReservedTokenLength(9));
/// assert_eq!(err.kind.rule(), "RFC 7252 §3 / RFC 8974 §2.1");
/// assert_eq!(err.reaction(), Reaction::Reset);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformed {
    /// Fewer than the 4 header bytes (RFC 7252 §3).
    #[error("shorter than the 4-byte header")]
    TooShort,
    /// Version other than 1: the message is silently ignored (RFC 7252 §3).
    #[error("version {0} is not 1")]
    UnsupportedVersion(u8),
    /// Token Length 9-12 or 15 (RFC 7252 §3; 13 and 14 are RFC 8974 extended lengths).
    #[error("token length {0} is reserved")]
    ReservedTokenLength(u8),
    /// The token (or its extended length) runs past the end of the message.
    #[error("token runs past the end of the message")]
    TruncatedToken,
    /// An Empty message (code 0.00) with a token, options or payload (RFC 7252 §4.1).
    #[error("empty message (0.00) with a token or bytes after the message id")]
    EmptyWithContent,
    /// Code class 1, 6 or 7 on a datagram transport (RFC 7252 §4.2, §4.3, §12.1; 7.xx is
    /// signalling on reliable transports only, RFC 8323 §5).
    #[error("code class {0} is reserved on datagram transports")]
    ReservedCodeClass(u8),
    /// Option delta nibble 15 in a byte that is not the payload marker (RFC 7252 §3.1).
    #[error("option delta 15 is reserved")]
    ReservedOptionDelta,
    /// Option length nibble 15 (RFC 7252 §3.1).
    #[error("option length 15 is reserved")]
    ReservedOptionLength,
    /// An option's extended delta, extended length or value runs past the end (RFC 7252 §3.1).
    #[error("option runs past the end of the message")]
    TruncatedOption,
    /// An option number above 65535 (RFC 7252 §3.1, §12.2).
    #[error("option number above 65535")]
    OptionNumberTooLarge,
    /// A WebSocket message whose Len nibble is not 0 (RFC 8323 §4.2).
    #[error("WebSocket Len {0} is not 0")]
    WebSocketLength(u8),
    /// A payload marker with no payload after it (RFC 7252 §3).
    #[error("payload marker without payload")]
    EmptyPayloadAfterMarker,
}

impl Malformed {
    /// The section this error enforces.
    pub const fn rule(self) -> &'static str {
        match self {
            Self::TooShort | Self::UnsupportedVersion(_) | Self::EmptyPayloadAfterMarker => "RFC 7252 §3",
            Self::ReservedTokenLength(_) | Self::TruncatedToken => "RFC 7252 §3 / RFC 8974 §2.1",
            Self::EmptyWithContent => "RFC 7252 §4.1",
            Self::WebSocketLength(_) => "RFC 8323 §4.2",
            Self::ReservedCodeClass(_) => "RFC 7252 §4.2, §4.3, §12.1",
            Self::ReservedOptionDelta
            | Self::ReservedOptionLength
            | Self::TruncatedOption
            | Self::OptionNumberTooLarge => "RFC 7252 §3.1",
        }
    }
}

/// What a receiver does with a malformed message (RFC 7252 §4.2, §4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reaction {
    /// Answer with a Reset (RST, Empty, the same message id): a malformed CON.
    Reset,
    /// Drop it silently: NON (RST optional), ACK and RST, or a version other than 1.
    Ignore,
}

/// A datagram that is not a well-formed CoAP message: the rule, the offset where decoding
/// stopped, and (when the header could be read) the type and id a Reset must echo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}: {kind} (at byte {offset})", kind.rule())]
pub struct DecodeError {
    /// What is wrong.
    pub kind: Malformed,
    /// Offset from the first byte of the message.
    pub offset: usize,
    /// The message type and id, when the header was complete.
    pub header: Option<(MessageType, MessageId)>,
}

impl DecodeError {
    /// The prescribed reaction: RST for a malformed CON (RFC 7252 §4.2), silence for the rest
    /// and for a version other than 1 (RFC 7252 §3, §4.3).
    pub fn reaction(&self) -> Reaction {
        match (self.kind, self.header) {
            (Malformed::UnsupportedVersion(_), _) => Reaction::Ignore,
            (_, Some((MessageType::Confirmable, _))) => Reaction::Reset,
            _ => Reaction::Ignore,
        }
    }
}

/// A message that could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EncodeError {
    /// The output buffer is smaller than the message.
    #[error("output buffer too small: {required} bytes required")]
    BufferTooSmall {
        /// Bytes the message needs.
        required: usize,
    },
    /// An option value outside its registered length range (RFC 7252 §5.4.3).
    #[error("option {number} value of {len} bytes is outside {min}-{max}")]
    OptionLength {
        /// The option number.
        number: u16,
        /// The value's length.
        len: usize,
        /// The registered minimum.
        min: u16,
        /// The registered maximum.
        max: u16,
    },
    /// A non-repeatable option added twice (RFC 7252 §5.4.5).
    #[error("option {0} is not repeatable")]
    OptionRepeated(u16),
    /// An option added after one with a higher number, to a writer that writes in order
    /// (RFC 7252 §3.1: options go in number order).
    #[error("option {number} after option {after}: options go in number order")]
    OptionOrder {
        /// The option number refused.
        number: u16,
        /// The number of the last option written.
        after: u16,
    },
    /// More options than the builder's capacity.
    #[error("more than {0} options")]
    TooManyOptions(usize),
    /// A token of 9-12 bytes (no encoding exists, RFC 8974 §2.1) or longer than 65,804 bytes.
    #[error("a token of {0} bytes cannot be encoded")]
    TokenTooLong(usize),
}
