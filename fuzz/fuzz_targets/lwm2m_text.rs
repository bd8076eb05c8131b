//! LwM2M text/plain: no input panics the decoder for any type (the first byte picks it); what
//! decodes re-encodes, and the text decodes to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lwm2m_model::format::text;
use lwm2m_model::model::DataType;

const TYPES: [DataType; 10] = [
    DataType::String,
    DataType::Integer,
    DataType::UnsignedInteger,
    DataType::Float,
    DataType::Boolean,
    DataType::Opaque,
    DataType::Time,
    DataType::Objlnk,
    DataType::Corelnk,
    DataType::None,
];

fuzz_target!(|data: &[u8]| {
    let Some((&ty, payload)) = data.split_first() else { return };
    let dt = TYPES[usize::from(ty) % TYPES.len()];
    let Ok(value) = text::decode_value(payload, Some(dt)) else { return };
    let len = text::encoded_len(&value).expect("decoded values encode");
    let mut out = vec![0u8; len];
    assert_eq!(text::encode(&value, &mut out), Ok(len));
    assert_eq!(text::decode_value(&out, Some(dt)).expect("encoding decodes"), value);
});
