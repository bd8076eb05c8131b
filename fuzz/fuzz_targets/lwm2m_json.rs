//! LwM2M JSON (legacy, 11543): no input panics the decoder; whatever decodes re-encodes (with
//! either base name choice) to a payload that decodes to the same records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lwm2m_model::format::lwm2m_json::{self, BaseName};

fuzz_target!(|data: &[u8]| {
    let Ok(records) = lwm2m_json::decode(data) else { return };
    for base in [BaseName::CommonPrefix, BaseName::None] {
        let bytes = lwm2m_json::encode_with(&records, base).expect("decoded records encode");
        let again = lwm2m_json::decode(&bytes).expect("our output decodes");
        assert_eq!(again, records, "{}", String::from_utf8_lossy(&bytes));
    }
});
