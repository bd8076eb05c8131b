//! Block-wise helpers shared by the datagram [`Endpoint`](crate::endpoint::Endpoint) and the
//! stream [`Session`](crate::session::Session) (RFC 7959; RFC 8323 §6): [`Splice`] (a block
//! written from a stored message), the cache key that ties the blocks of one body together,
//! block arithmetic, and the compacting [`Arena`] that holds bodies.

mod arena;
mod splice;

use core::hash::Hasher as _;

pub(crate) use arena::Arena;
pub(crate) use splice::{Extra, Splice};

use crate::rand::Hasher;
use crate::wire::{Block, Code, Message, OptionNumber, Options};

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
    cache_key_of(m.code(), m.options())
}

/// [`cache_key`] from a message's parts (a stream frame has no UDP header to check).
pub(crate) fn cache_key_of(code: Code, options: Options<'_>) -> u32 {
    let mut h = Hasher(0x6b65_795f_626c_6b32);
    h.write_u8(code.0);
    for o in options.filter(|o| in_key(o.number)) {
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

/// A message in a store, as the parts a [`Splice`] needs: code, options, payload.
pub(crate) fn stored(buf: &[u8]) -> Option<(Code, Options<'_>, &[u8])> {
    let m = Message::new_checked(buf).ok()?;
    let l = m.layout();
    let options = Options::new(buf.get(l.options_start as usize..l.options_end as usize)?);
    let payload = buf.get(l.options_end as usize + 1..).unwrap_or(&[]);
    Some((m.code(), options, payload))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    extern crate std;
    use super::*;
    use crate::wire::{MessageBuilder, MessageId, MessageType};
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
