//! Round trip: whatever decodes encodes to bytes of exactly `encoded_len` that decode to the same
//! packet, and re-encoding that gives the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mqtt_codec::wire::{decode_packet, DecodeOptions, Status, Version};

fuzz_target!(|data: &[u8]| {
    for v in [Version::V311, Version::V5] {
        let opts = DecodeOptions::new(v);
        let Ok(Status::Complete { item, .. }) = decode_packet(data, &opts) else { continue };
        let mut buf = vec![0u8; item.encoded_len(v)];
        let n = item.encode(v, &mut buf).expect("a decoded packet encodes");
        assert_eq!(n, buf.len());
        let Ok(Status::Complete { item: again, consumed }) = decode_packet(&buf, &opts) else {
            panic!("re-encoded packet does not decode: {item:?}");
        };
        assert_eq!((again, consumed), (item, n));
        let mut buf2 = vec![0u8; n];
        assert_eq!(again.encode(v, &mut buf2), Ok(n));
        assert_eq!(buf, buf2);
    }
});
