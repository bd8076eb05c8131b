//! Typed option values: Block (RFC 7959 §2.2), Observe (RFC 7641), Content-Format, No-Response.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use coap_codec::wire::*;
use proptest::prelude::*;

#[test]
fn block_sizes_and_rfc7959_notation() {
    // SZX 0..6 are 16..1024 bytes; 7 is BERT (RFC 8323 §6).
    let sizes: Vec<Option<u32>> = (0..8).map(|szx| Block { num: 0, more: false, szx }.size()).collect();
    assert_eq!(sizes, [Some(16), Some(32), Some(64), Some(128), Some(256), Some(512), Some(1024), None]);
    // RFC 7959 §3.1, Figure 2: "Block2: 0/1/128" then "2/0/128".
    let first = Block::decode(&[0x0B]).unwrap();
    assert_eq!(first.to_string(), "0/1/128");
    let last = Block { num: 2, more: false, szx: 3 };
    assert_eq!((last.to_uint(), last.offset()), (0x23, Some(256)));
    // A 20-bit number needs three bytes; a 4-byte value is not a Block.
    assert_eq!(Block::decode(&[0xFF, 0xFF, 0xF6]).unwrap().num, 0xF_FFFF);
    assert_eq!(Block::decode(&[0, 0, 0, 0]), None);
    // Through the builder and the checked view.
    let mut b = MessageBuilder::<2>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(9));
    b.uint(OptionNumber::BLOCK2, last.to_uint()).unwrap();
    let mut out = [0u8; 16];
    let n = b.encode(&mut out).unwrap();
    let m = Message::new_checked(&out[..n]).unwrap();
    assert_eq!(m.option(OptionNumber::BLOCK2).and_then(Block::decode), Some(last));
}

#[test]
fn observe_sequence_numbers_wrap_at_24_bits() {
    assert!(Observe(1).is_fresher_than(Observe(0)));
    assert!(!Observe(0).is_fresher_than(Observe(1)));
    assert!(Observe(0).is_fresher_than(Observe(0xFF_FFFF)));
    assert!(!Observe(7).is_fresher_than(Observe(7)));
}

#[test]
fn content_formats_round_trip_their_media_types() {
    for n in [0u16, 40, 41, 42, 47, 50, 60, 61, 62, 63, 110, 112, 11542, 11543, 11544] {
        let cf = ContentFormat(n);
        assert_eq!(ContentFormat::from_media_type(cf.media_type().unwrap()), Some(cf), "{n}");
    }
    assert_eq!(ContentFormat(9999).media_type(), None);
}

proptest! {
    #[test]
    fn block_round_trips(num in 0u32..(1 << 20), more in any::<bool>(), szx in 0u8..8) {
        let b = Block { num, more, szx };
        let (buf, n) = encode_uint(b.to_uint());
        prop_assert!(n <= 3);
        prop_assert_eq!(Block::decode(&buf[..n]), Some(b));
    }
}
