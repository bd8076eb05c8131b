//! LwM2M CBOR: no input panics the decoder; whatever decodes re-encodes to a payload that
//! decodes to the same paths (sorted) and encodes to the same bytes again (bytes, not values,
//! are compared so that NaN payloads count too).
#![no_main]

use libfuzzer_sys::fuzz_target;
use lwm2m_model::format::lwm2m_cbor;

fuzz_target!(|data: &[u8]| {
    let Ok(records) = lwm2m_cbor::decode(data) else { return };
    let bytes = lwm2m_cbor::encode(&records).expect("decoded records encode");
    let again = lwm2m_cbor::decode(&bytes).expect("our output decodes");
    let mut paths: Vec<_> = records.iter().map(|r| r.path).collect();
    paths.sort_by(|a, b| a.ids().cmp(b.ids()));
    assert!(again.iter().map(|r| r.path).eq(paths));
    assert_eq!(lwm2m_cbor::encode(&again).unwrap(), bytes);
});
