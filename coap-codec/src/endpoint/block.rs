//! Block-wise helpers (RFC 7959): messages spliced together from a stored one (its options,
//! less some, plus a few of ours, and a slice of its payload), the cache key that ties the
//! blocks of one body together, and what the endpoint sends: a builder's message or a splice.

use core::hash::Hasher as _;

use crate::rand::Hasher;
use crate::wire::{encode_uint, Block, Code, EncodeError, Message, MessageBuilder, MessageId, MessageType};
use crate::wire::{OptionNumber, Options};

/// Options a splice adds: at most 6, each at most 8 bytes (Block values, Size values, an ETag,
/// an Observe value, a Request-Tag), kept in number order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Extra {
    items: [(u16, [u8; 8], u8); 6],
    n: usize,
}

impl Extra {
    pub(crate) const fn new() -> Self {
        Self { items: [(0, [0; 8], 0); 6], n: 0 }
    }

    /// Adds an option (values past 8 bytes are cut; a seventh option is dropped: callers add
    /// at most six).
    pub(crate) fn bytes(&mut self, number: OptionNumber, value: &[u8]) -> &mut Self {
        if self.n >= self.items.len() {
            return self;
        }
        let mut v = [0u8; 8];
        let len = value.len().min(8);
        if let (Some(d), Some(s)) = (v.get_mut(..len), value.get(..len)) {
            d.copy_from_slice(s);
        }
        // Sorted insertion (RFC 7252 §3.1: options in number order; equal numbers keep order).
        let at = self.list().iter().rposition(|e| e.0 <= number.0).map_or(0, |i| i + 1);
        if let Some(tail) = self.items.get_mut(at..=self.n) {
            tail.rotate_right(1);
            if let Some(first) = tail.first_mut() {
                *first = (number.0, v, len as u8);
            }
        }
        self.n += 1;
        self
    }

    /// Adds a uint option in its minimal form (RFC 7252 §3.2).
    pub(crate) fn uint(&mut self, number: OptionNumber, v: u32) -> &mut Self {
        let (buf, n) = encode_uint(v);
        self.bytes(number, buf.get(..n).unwrap_or(&[]))
    }

    fn list(&self) -> &[(u16, [u8; 8], u8)] {
        self.items.get(..self.n).unwrap_or(&[])
    }

    fn has(&self, number: OptionNumber) -> bool {
        self.list().iter().any(|e| e.0 == number.0)
    }
}

/// Bytes of an option header's extended delta or length for `v` (RFC 7252 §3.1).
const fn ext_len(v: usize) -> usize {
    if v < 13 {
        0
    } else if v < 269 {
        1
    } else {
        2
    }
}

/// A message made of another's options (less `skip`, and less those `extra` replaces), `extra`
/// and `payload`, with the code given.
#[derive(Debug, Clone)]
pub(crate) struct Splice<'a> {
    pub(crate) code: Code,
    pub(crate) options: Options<'a>,
    pub(crate) skip: &'a [OptionNumber],
    pub(crate) extra: Extra,
    pub(crate) payload: &'a [u8],
}

impl<'a> Splice<'a> {
    /// `src`'s code, options and no payload.
    pub(crate) fn of(src: &'a Message<&'a [u8]>, skip: &'a [OptionNumber]) -> Self {
        Self { code: src.code(), options: src.options(), skip, extra: Extra::new(), payload: &[] }
    }

    /// Calls `f` with each option in number order.
    fn each(&self, mut f: impl FnMut(u16, &[u8])) {
        let mut extra = self.extra.list().iter().peekable();
        for o in self.options.clone() {
            if self.skip.contains(&o.number) || self.extra.has(o.number) {
                continue;
            }
            while let Some(e) = extra.next_if(|e| e.0 <= o.number.0) {
                f(e.0, e.1.get(..usize::from(e.2)).unwrap_or(&[]));
            }
            f(o.number.0, o.value);
        }
        for e in extra {
            f(e.0, e.1.get(..usize::from(e.2)).unwrap_or(&[]));
        }
    }

    fn options_len(&self) -> usize {
        let (mut n, mut prev) = (0, 0u16);
        self.each(|number, v| {
            let delta = usize::from(number - prev);
            n += 1 + ext_len(delta) + ext_len(v.len()) + v.len();
            prev = number;
        });
        n
    }

    /// Header, token, options and payload marker, for a payload of `payload_len` bytes.
    pub(crate) fn prefix_len(&self, token_len: usize, payload_len: usize) -> usize {
        4 + token_len + self.options_len() + usize::from(payload_len > 0)
    }

    /// The whole message's size.
    pub(crate) fn encoded_len(&self, token_len: usize) -> usize {
        self.prefix_len(token_len, self.payload.len()) + self.payload.len()
    }

    /// Writes header, token, options and (when `payload_len > 0`) the payload marker; returns
    /// the bytes written. Tokens are 0-8 bytes (this endpoint refuses longer ones).
    pub(crate) fn write_prefix(
        &self,
        (ty, id, token): (MessageType, MessageId, &[u8]),
        payload_len: usize,
        out: &mut [u8],
    ) -> Result<usize, EncodeError> {
        if token.len() > 8 {
            return Err(EncodeError::TokenTooLong(token.len()));
        }
        let need = self.prefix_len(token.len(), payload_len);
        let Some(out) = out.get_mut(..need) else { return Err(EncodeError::BufferTooSmall { required: need }) };
        let mut w = Put { out, pos: 0 };
        let [hi, lo] = id.0.to_be_bytes();
        w.put(&[0x40 | ((ty as u8) << 4) | token.len() as u8, self.code.0, hi, lo]);
        w.put(token);
        let mut prev = 0u16;
        self.each(|number, v| {
            w.option_header(usize::from(number - prev), v.len());
            w.put(v);
            prev = number;
        });
        if payload_len > 0 {
            w.put(&[0xFF]);
        }
        Ok(need)
    }

    /// Writes the whole message.
    pub(crate) fn encode(&self, head: (MessageType, MessageId, &[u8]), out: &mut [u8]) -> Result<usize, EncodeError> {
        let need = self.encoded_len(head.2.len());
        if out.len() < need {
            return Err(EncodeError::BufferTooSmall { required: need });
        }
        let n = self.write_prefix(head, self.payload.len(), out)?;
        if let Some(dst) = out.get_mut(n..need) {
            dst.copy_from_slice(self.payload);
        }
        Ok(need)
    }
}

/// Writes into a buffer already checked to be large enough.
struct Put<'o> {
    out: &'o mut [u8],
    pos: usize,
}

impl Put<'_> {
    fn put(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        if let Some(dst) = self.out.get_mut(self.pos..end) {
            dst.copy_from_slice(bytes);
        }
        self.pos = end;
    }

    /// An option header for this delta and value length (RFC 7252 §3.1).
    fn option_header(&mut self, delta: usize, len: usize) {
        let nib = |v: usize| match ext_len(v) {
            0 => v as u8,
            1 => 13,
            _ => 14,
        };
        self.put(&[(nib(delta) << 4) | nib(len)]);
        for v in [delta, len] {
            match ext_len(v) {
                1 => self.put(&[(v - 13) as u8]),
                2 => self.put(&((v - 269) as u16).to_be_bytes()),
                _ => {}
            }
        }
    }
}

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

/// Whether option `n` of a request names the resource or representation the blocks belong to.
/// Out: the Block options themselves and their Size companions (RFC 7959 §2.1, §4), Observe
/// (a notification's blocks are fetched without it, RFC 7959 §3.4), options about the request
/// payload or its conditions (Content-Format, ETag, If-Match, If-None-Match), and those that
/// are not part of the cache key (RFC 7252 §5.4.6: Echo, No-Response and the like).
fn in_key(n: OptionNumber) -> bool {
    let payload_or_condition = matches!(
        n,
        OptionNumber::BLOCK1
            | OptionNumber::BLOCK2
            | OptionNumber::SIZE1
            | OptionNumber::SIZE2
            | OptionNumber::OBSERVE
            | OptionNumber::CONTENT_FORMAT
            | OptionNumber::ETAG
            | OptionNumber::IF_MATCH
            | OptionNumber::IF_NONE_MATCH
            | OptionNumber::ECHO
            | OptionNumber::NO_RESPONSE
    );
    // RFC 7252 §5.4.6: NoCacheKey is meaningful for safe-to-forward options only.
    let no_cache_key = n.is_no_cache_key() && !n.is_unsafe();
    !payload_or_condition && !no_cache_key
}

/// The key that ties the blocks of one body together on the server: a 32-bit hash of the
/// request's code and its cache-key options ([`in_key`]; Request-Tag included, so concurrent
/// bodies tagged apart stay apart, RFC 9175 §3.3). Compared with the peer as well.
pub(crate) fn cache_key(m: &Message<&[u8]>) -> u32 {
    let mut h = Hasher(0x6b65_795f_626c_6b32);
    h.write_u8(m.code().0);
    for o in m.options().filter(|o| in_key(o.number)) {
        h.write_u16(o.number.0);
        h.write_usize(o.value.len());
        h.write(o.value);
    }
    (h.finish() >> 32) as u32
}

/// A 4-byte ETag for a body the application gave none (RFC 7959 §2.4: blocks of one
/// representation carry one ETag, so a client sees a change between blocks).
pub(crate) fn derived_etag(payload: &[u8]) -> [u8; 4] {
    let mut h = Hasher(0x6574_6167_0000_0001);
    h.write_usize(payload.len());
    h.write(payload);
    ((h.finish() >> 32) as u32).to_be_bytes()
}

/// Block size in bytes for SZX 0-6 (RFC 7959 §2.2).
pub(crate) const fn size(szx: u8) -> u32 {
    1 << (if szx > 6 { 6 } else { szx } + 4)
}

/// The Block value `v` (a uint of at most 24 bits, RFC 7959 §2.2).
pub(crate) const fn block_of(v: u32) -> Block {
    Block { num: (v >> 4) & 0xF_FFFF, more: v & 0x08 != 0, szx: (v & 0x07) as u8 }
}

/// A Block option value of `m`, if present and decodable.
pub(crate) fn block(m: &Message<&[u8]>, number: OptionNumber) -> Option<Block> {
    m.option(number).and_then(Block::decode)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec;
    use std::vec::Vec;

    #[test]
    fn splice_keeps_option_order_and_replaces_what_extra_adds() {
        // CON GET /status with ETag 1 and Block2 0/0/64, spliced into an ACK with a new ETag,
        // Block2 1/1/64, Size2 300 and a payload slice.
        let mut b = MessageBuilder::<8>::new(MessageType::Confirmable, Code::CONTENT, MessageId(1));
        b.option(OptionNumber::ETAG, &[1]).unwrap().path("status").unwrap();
        b.uint(OptionNumber::BLOCK2, 0x02).unwrap().uint(OptionNumber::CONTENT_FORMAT, 0).unwrap();
        let mut buf = [0u8; 64];
        let n = b.encode(&mut buf).unwrap();
        let src = Message::new_checked(&buf[..n]).unwrap();
        let mut s = Splice::of(&src, &[OptionNumber::BLOCK2]);
        s.extra.uint(OptionNumber::SIZE2, 300).uint(OptionNumber::BLOCK2, 0x1A).bytes(OptionNumber::ETAG, &[9, 9]);
        s.payload = b"abc";
        let mut out = [0u8; 64];
        let len = s.encode((MessageType::Acknowledgement, MessageId(7), &[0xAA]), &mut out).unwrap();
        assert_eq!(len, s.encoded_len(1));
        let m = Message::new_checked(&out[..len]).unwrap();
        let got: Vec<(u16, Vec<u8>)> = m.options().map(|o| (o.number.0, o.value.to_vec())).collect();
        assert_eq!(
            got,
            [(4, vec![9, 9]), (11, b"status".to_vec()), (12, vec![]), (23, vec![0x1A]), (28, vec![1, 0x2C])]
        );
        assert_eq!((m.payload(), m.token(), m.message_id().0), (&b"abc"[..], &[0xAA][..], 7));
        assert!(m.option_problems().next().is_none());
    }

    #[test]
    fn cache_key_ignores_block_and_observe_but_not_path_or_request_tag() {
        let key = |f: &dyn Fn(&mut MessageBuilder<'_, 8>)| {
            let mut b = MessageBuilder::<8>::new(MessageType::Confirmable, Code::GET, MessageId(1));
            b.path("a/b").unwrap();
            f(&mut b);
            let mut buf = [0u8; 64];
            let n = b.encode(&mut buf).unwrap();
            cache_key(&Message::new_checked(&buf[..n]).unwrap())
        };
        let plain = key(&|_| {});
        assert_eq!(plain, key(&|b| drop(b.uint(OptionNumber::BLOCK2, 0x13))));
        assert_eq!(plain, key(&|b| drop(b.uint(OptionNumber::OBSERVE, 0))));
        assert_ne!(plain, key(&|b| drop(b.option(OptionNumber::REQUEST_TAG, &[1]))));
        assert_ne!(plain, key(&|b| drop(b.option(OptionNumber::URI_QUERY, b"x"))));
    }
}
