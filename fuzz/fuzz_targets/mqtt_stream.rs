//! Streaming decoder: the input, fed in chunks whose sizes come from its first byte, decodes to
//! the same packets as the input decoded whole.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mqtt_codec::wire::{decode_packet, DecodeOptions, Status, Version};

fn whole(data: &[u8], opts: &DecodeOptions) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = data;
    while let Ok(Status::Complete { consumed, .. }) = decode_packet(rest, opts) {
        out.push(rest[..consumed].to_vec());
        rest = &rest[consumed..];
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let Some((&chunk, data)) = data.split_first() else { return };
    let chunk = usize::from(chunk % 16) + 1;
    let v = if chunk % 2 == 0 { Version::V5 } else { Version::V311 };
    let opts = DecodeOptions::new(v);
    let expected = whole(data, &opts);
    let (mut have, mut got) = (Vec::new(), Vec::new());
    'feed: for piece in data.chunks(chunk) {
        have.extend_from_slice(piece);
        loop {
            match decode_packet(&have, &opts) {
                Ok(Status::Complete { consumed, .. }) => {
                    got.push(have.drain(..consumed).collect::<Vec<u8>>());
                }
                Ok(Status::Partial(_)) => break,
                Err(_) => break 'feed,
            }
        }
    }
    assert_eq!(got, expected);
});
