//! CoAP over TCP: the input, fed in chunks whose size comes from its first byte, frames into the
//! same messages as the input decoded whole; every whole frame rebuilds, through the builder and
//! `tcp::encode`, into the same bytes and fields; WebSocket decoding of the same bytes never panics.
#![no_main]

use coap_codec::wire::tcp::{decode_frame, decode_ws, encode, encoded_len, Status};
use coap_codec::wire::{MessageBuilder, MessageId, MessageType, OptionNumber};
use libfuzzer_sys::fuzz_target;

fn whole(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Ok(Status::Complete { consumed, .. }) = decode_frame(rest) {
        out.push(rest[..consumed].to_vec());
        rest = &rest[consumed..];
    }
    out
}

/// Rebuilds one whole frame from its code, token, options (in order) and payload.
fn rebuild(frame: &[u8]) {
    let Ok(Status::Complete { item: m, consumed }) = decode_frame(frame) else {
        panic!("a frame `whole` found decodes again")
    };
    assert_eq!(consumed, frame.len());
    let _ = m.option_problems().count();
    // Type and message id are not sent on TCP (RFC 8323 §3.2).
    let mut b = MessageBuilder::<64>::new(MessageType::Confirmable, m.code(), MessageId(0));
    if b.token(m.token()).is_err() {
        return; // unreachable: TCP tokens are 0-8 bytes
    }
    b.payload(m.payload());
    for o in m.options() {
        // The builder refuses what breaks a rule (or more than 64 options); such frames are
        // not rebuilt.
        if b.option(OptionNumber(o.number.0), o.value).is_err() {
            return;
        }
    }
    let mut out = vec![0u8; encoded_len(&b)];
    let n = encode(&b, &mut out).expect("sized buffer");
    let Ok(Status::Complete { item: again, consumed }) = decode_frame(&out[..n]) else {
        panic!("rebuilt frame decodes")
    };
    assert_eq!(consumed, n);
    assert_eq!(again.code(), m.code());
    assert_eq!(again.token(), m.token());
    assert!(again.options().eq(m.options()));
    assert_eq!(again.payload(), m.payload());
    // Len, option deltas and lengths each have one encoding, so the bytes are the same too.
    assert_eq!(&out[..n], frame);
}

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, data)) = data.split_first() else { return };
    let _ = decode_ws(data).map(|m| m.options().count());
    let expected = whole(data);
    for frame in &expected {
        rebuild(frame);
    }
    let (mut have, mut got) = (Vec::new(), Vec::new());
    'feed: for piece in data.chunks(usize::from(chunk % 16) + 1) {
        have.extend_from_slice(piece);
        loop {
            match decode_frame(&have) {
                Ok(Status::Complete { item, consumed }) => {
                    let _ = item.options().count();
                    got.push(have.drain(..consumed).collect::<Vec<u8>>());
                }
                Ok(Status::Partial(_)) => break,
                Err(_) => break 'feed,
            }
        }
    }
    assert_eq!(got, expected);
});
