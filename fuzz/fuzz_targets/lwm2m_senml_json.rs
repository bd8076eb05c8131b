//! SenML JSON: no input panics the decoders; whatever decodes re-encodes (with either base name
//! choice) to a payload that decodes to the same records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lwm2m_model::format::senml_json::{self, BaseName};

fuzz_target!(|data: &[u8]| {
    if let Ok(paths) = senml_json::decode_paths(data) {
        assert_eq!(senml_json::decode_paths(&senml_json::encode_paths(&paths)).unwrap(), paths);
    }
    let Ok(records) = senml_json::decode(data) else { return };
    for base in [BaseName::CommonPrefix, BaseName::None] {
        let bytes = senml_json::encode_with(&records, base).expect("decoded records encode");
        let again = senml_json::decode(&bytes).expect("our output decodes");
        assert_eq!(again, records, "{}", String::from_utf8_lossy(&bytes));
    }
});
