//! CoRE link format: no input panics the checked view; a valid document walks every link and
//! attribute, and its `Display` form parses to the same links.
#![no_main]

use coap_codec::link_format::LinkFormat;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = LinkFormat::from_bytes(data) else { return };
    for link in doc.links() {
        let _ = (link.target(), link.rt().count(), link.ct().count(), link.sz(), link.obs());
        for attr in link.attributes() {
            if let Some(v) = attr.value {
                let _ = v.unescaped_chars().count();
            }
        }
    }
    let shown = doc.to_string();
    let again = LinkFormat::new_checked(&shown).expect("Display output parses");
    assert!(again.links().map(|l| l.target()).eq(doc.links().map(|l| l.target())));
});
