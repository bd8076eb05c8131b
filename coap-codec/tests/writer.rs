//! `MessageWriter` against `MessageBuilder`: for options given in order, the same bytes or the
//! same refusal; every too-small buffer refused without a panic; the order rule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use coap_codec::wire::*;
use proptest::prelude::*;

/// Type bits, code, message id, token, options, payload.
type Raw = (u8, u8, u16, Vec<u8>, Vec<(u16, Vec<u8>)>, Vec<u8>);

fn arb_message() -> impl Strategy<Value = Raw> {
    let option = (
        prop_oneof![
            // Registered numbers, some repeatable, with lengths around their ranges.
            prop::sample::select(vec![1u16, 3, 4, 5, 6, 7, 8, 11, 12, 14, 15, 17, 23, 27, 28, 35, 60, 258]),
            // Unknown ones, with extended deltas.
            0u16..=2000,
            prop::sample::select(vec![13u16, 268, 269, 65_000, 65_535]),
        ],
        prop::collection::vec(any::<u8>(), 0..20),
    );
    (
        0u8..4,
        prop::sample::select(vec![1u8, 2, 3, 4, 5, 0x45, 0x44, 0x84, 0xA0, 0xE1]),
        any::<u16>(),
        prop_oneof![prop::collection::vec(any::<u8>(), 0..=8), prop::collection::vec(any::<u8>(), 13..300)],
        prop::collection::vec(option, 0..8),
        prop::collection::vec(any::<u8>(), 0..40),
    )
}

fn builder_bytes(
    t: MessageType,
    code: Code,
    mid: u16,
    token: &[u8],
    opts: &[(u16, Vec<u8>)],
    payload: &[u8],
) -> Result<Vec<u8>, EncodeError> {
    let mut b = MessageBuilder::<8>::new(t, code, MessageId(mid));
    b.token(token)?.payload(payload);
    for (n, v) in opts {
        b.option(OptionNumber(*n), v)?;
    }
    let mut out = vec![0u8; b.encoded_len()];
    let n = b.encode(&mut out)?;
    assert_eq!(n, out.len());
    Ok(out)
}

fn writer_bytes(
    out: &mut [u8],
    t: MessageType,
    code: Code,
    mid: u16,
    token: &[u8],
    opts: &[(u16, Vec<u8>)],
    payload: &[u8],
) -> Result<usize, EncodeError> {
    let mut w = MessageWriter::new(out, t, code, MessageId(mid), token)?;
    for (n, v) in opts {
        w.option(OptionNumber(*n), v)?;
    }
    w.finish(payload)
}

proptest! {
    #[test]
    fn writer_matches_the_builder_for_options_in_order((t, code, mid, token, mut opts, payload) in arb_message()) {
        opts.sort_by_key(|(n, _)| *n);
        let t = MessageType::from_bits(t);
        let code = Code(code);
        let mut out = vec![0u8; 70_000];
        let written = writer_bytes(&mut out, t, code, mid, &token, &opts, &payload).map(|n| out[..n].to_vec());
        let built = builder_bytes(t, code, mid, &token, &opts, &payload);
        prop_assert_eq!(&written, &built);
        if let Ok(bytes) = built {
            // Every shorter buffer is refused (never a panic); the exact size is enough.
            for len in 0..bytes.len() {
                let mut small = vec![0u8; len];
                let r = writer_bytes(&mut small, t, code, mid, &token, &opts, &payload);
                prop_assert!(matches!(r, Err(EncodeError::BufferTooSmall { required }) if required > len), "{len}: {r:?}");
            }
            let mut exact = vec![0u8; bytes.len()];
            prop_assert_eq!(writer_bytes(&mut exact, t, code, mid, &token, &opts, &payload), Ok(bytes.len()));
            prop_assert_eq!(exact, bytes);
        }
    }
}

#[test]
fn order_repeats_and_ranges_are_refused_and_leave_the_message_valid() {
    let mut out = [0u8; 64];
    let mut w = MessageWriter::new(&mut out, MessageType::Confirmable, Code::GET, MessageId(7), &[0xAB]).unwrap();
    w.option(OptionNumber::URI_PATH, b"a").unwrap();
    // RFC 7252 §3.1: options go in number order.
    assert_eq!(w.option(OptionNumber::URI_HOST, b"h").unwrap_err(), EncodeError::OptionOrder { number: 3, after: 11 });
    // RFC 7252 §5.4.3: Accept is 0-2 bytes; §5.4.5: Accept does not repeat.
    assert_eq!(
        w.option(OptionNumber::ACCEPT, &[1, 2, 3]).unwrap_err(),
        EncodeError::OptionLength { number: 17, len: 3, min: 0, max: 2 }
    );
    w.uint(OptionNumber::ACCEPT, 50).unwrap();
    assert_eq!(w.uint(OptionNumber::ACCEPT, 60).unwrap_err(), EncodeError::OptionRepeated(17));
    assert_eq!(w.len(), 4 + 1 + 2 + 2);
    assert!(!w.is_empty());
    let n = w.finish(b"").unwrap();
    let m = Message::new_checked(&out[..n]).unwrap();
    let opts: Vec<(u16, &[u8])> = m.options().map(|o| (o.number.0, o.value)).collect();
    assert_eq!(opts, [(11, &b"a"[..]), (17, &[50][..])]);
    // RFC 8974 §2.1: 9-12 byte tokens have no encoding.
    let mut out = [0u8; 64];
    assert_eq!(
        MessageWriter::new(&mut out, MessageType::Confirmable, Code::GET, MessageId(7), &[0; 10]).unwrap_err(),
        EncodeError::TokenTooLong(10)
    );
}
