//! CoAP over UDP: no datagram panics the checked view; whatever decodes rebuilds, through the
//! builder, into bytes that decode to the same header, token, options and payload, and the
//! in-place writer writes the very same bytes.
#![no_main]

use coap_codec::wire::{Message, MessageBuilder, MessageWriter, OptionNumber};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(m) = Message::new_checked(data) else { return };
    let _ = m.option_problems().count();
    let mut b = MessageBuilder::<64>::new(m.message_type(), m.code(), m.message_id());
    if b.token(m.token()).is_err() {
        return; // a 9-12 byte token cannot be decoded in the first place
    }
    b.payload(m.payload());
    for o in m.options() {
        // The builder refuses what breaks a rule; such messages are not rebuilt.
        if b.option(OptionNumber(o.number.0), o.value).is_err() {
            return;
        }
    }
    let mut out = vec![0u8; b.encoded_len()];
    let n = b.encode(&mut out).expect("sized buffer");
    let again = Message::new_checked(&out[..n]).expect("rebuilt message decodes");
    assert_eq!((again.message_type(), again.code(), again.message_id()), (m.message_type(), m.code(), m.message_id()));
    assert_eq!(again.token(), m.token());
    assert_eq!(again.payload(), m.payload());
    assert!(again.options().eq(m.options()));
    let mut direct = vec![0u8; n];
    let mut w = MessageWriter::new(&mut direct, m.message_type(), m.code(), m.message_id(), m.token()).expect("fits");
    for o in m.options() {
        w.option(o.number, o.value).expect("the builder took it");
    }
    assert_eq!(w.finish(m.payload()), Ok(n));
    assert_eq!(direct, out[..n]);
});
