//! Block-wise helpers (RFC 7959): the shared ones ([`Splice`], the cache key, block
//! arithmetic) live in [`blockwise`](crate::blockwise), beside the session's use of them; here is
//! what only the endpoint sends: a builder's message or a splice.

pub(crate) use crate::blockwise::{block, block_of, cache_key, derived_etag, size, Extra, Splice};
use crate::wire::{EncodeError, MessageBuilder, MessageId, MessageType};

/// What the endpoint sends as an answer: the application's builder, or a splice (a block of a
/// kept body).
#[derive(Debug)]
pub(crate) enum Outgoing<'b, 'm, const N: usize> {
    Built(&'b MessageBuilder<'m, N>),
    Spliced(&'b Splice<'b>),
}

impl<const N: usize> Outgoing<'_, '_, N> {
    pub(crate) fn encoded_len(&self, token_len: usize) -> usize {
        match self {
            Self::Built(b) => b.encoded_len_with_token(token_len),
            Self::Spliced(s) => s.encoded_len(token_len),
        }
    }

    pub(crate) fn encode_as(
        &self,
        ty: MessageType,
        id: MessageId,
        token: &[u8],
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        match self {
            Self::Built(b) => b.encode_as(ty, id, token, out),
            Self::Spliced(s) => s.encode((ty, id, token), out),
        }
    }
}
