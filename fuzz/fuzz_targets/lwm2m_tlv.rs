//! LwM2M TLV: no input panics the decoder, for any request level (the first byte picks it); what
//! decodes re-encodes, and the re-encoding decodes to the same records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lwm2m_model::format::tlv;
use lwm2m_model::model::{Path, Record};

fuzz_target!(|data: &[u8]| {
    let Some((&level, payload)) = data.split_first() else { return };
    let request = Path::new(&[3, 0, 7, 1][..usize::from(level % 5)]).expect("a valid path");
    let Ok(records) = tlv::decode(payload, request) else { return };
    let records: Vec<Record<'_>> = records.collect();
    let len = tlv::encoded_len(request, &records).expect("decoded records encode");
    let mut out = vec![0u8; len];
    assert_eq!(tlv::encode(request, &records, &mut out), Ok(len));
    let again: Vec<Record<'_>> = tlv::decode(&out, request).expect("encoding decodes").collect();
    assert_eq!(again, records);
    // The encoding is minimal: it re-encodes to itself.
    let mut twice = vec![0u8; len];
    assert_eq!(tlv::encode(request, &again, &mut twice), Ok(len));
    assert_eq!(twice, out);
});
