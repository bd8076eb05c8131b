//! One-shot decoder, both versions: no input panics; small caps exercise the limit paths.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mqtt_codec::wire::{decode_packet, DecodeOptions, Status, Version};

fuzz_target!(|data: &[u8]| {
    for v in [Version::V311, Version::V5] {
        for opts in [DecodeOptions::new(v), DecodeOptions::new(v).with_max_packet_size(64).with_max_properties(4, 2)] {
            if let Ok(Status::Complete { item, consumed }) = decode_packet(data, &opts) {
                assert!(consumed <= data.len());
                // Walk every lazily parsed list and the display line.
                let _ = format!("{item} {item:?}");
            }
        }
    }
});
