//! SenML CBOR: no input panics the decoders; whatever decodes re-encodes to a pack that
//! decodes to the same paths and encodes to the same bytes again (bytes, not values, are
//! compared so that NaN payloads count too).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lwm2m_model::format::senml_cbor::{self, EncodeError};

fuzz_target!(|data: &[u8]| {
    if let Ok(paths) = senml_cbor::decode_names(data) {
        assert_eq!(senml_cbor::decode_names(&senml_cbor::encode_names(&paths)).unwrap(), paths);
    }
    if let Ok(records) = senml_cbor::Records::new(data) {
        records.for_each(drop);
    }
    let Ok(records) = senml_cbor::decode(data) else { return };
    let bytes = match senml_cbor::encode(&records) {
        Ok(bytes) => bytes,
        // One path at several times: the records carry no time to tell them apart.
        Err(EncodeError::DuplicateName { .. }) => return,
        Err(e) => panic!("decoded records encode: {e}"),
    };
    let again = senml_cbor::decode(&bytes).expect("our output decodes");
    assert!(again.iter().map(|r| r.path).eq(records.iter().map(|r| r.path)));
    assert_eq!(senml_cbor::encode(&again).unwrap(), bytes);
});
