//! CoAP over TCP: the input, fed in chunks whose size comes from its first byte, frames into the
//! same messages as the input decoded whole; WebSocket decoding of the same bytes never panics.
#![no_main]

use coap_codec::wire::tcp::{decode_frame, decode_ws, Status};
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

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, data)) = data.split_first() else { return };
    let _ = decode_ws(data).map(|m| m.options().count());
    let expected = whole(data);
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
