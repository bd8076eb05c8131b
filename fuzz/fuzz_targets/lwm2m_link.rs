//! LwM2M link format: no input panics the decoder; the LwM2M entries and the root's `ct` list
//! re-encode, and the encoding decodes to the same entries.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lwm2m_model::format::link::{self, LinkDocument, LinkEntry, Root};

fuzz_target!(|data: &[u8]| {
    let Ok(doc) = LinkDocument::decode(data) else { return };
    let entries: Vec<LinkEntry<'_>> = doc.entries().filter(|e| !e.is_lwm2m_root()).map(LinkEntry::from).collect();
    let ct: Vec<u16> = doc.root().map(|r| r.ct().take(link::MAX_CT).collect()).unwrap_or_default();
    let alt = doc.alternate_path().filter(|a| a.len() <= link::MAX_ALTERNATE_PATH);
    let root = doc.root().map(|_| Root { alternate_path: alt.unwrap_or("/"), ct: &ct });
    // Only the alternate path may be refused (longer than the writer takes).
    let Ok(len) = link::encoded_len(root.as_ref(), &entries) else { return };
    let mut out = vec![0u8; len];
    assert_eq!(link::encode(root.as_ref(), &entries, &mut out), Ok(len));
    let again = LinkDocument::decode(&out).expect("encoding decodes");
    let back: Vec<LinkEntry<'_>> = again.entries().filter(|e| !e.is_lwm2m_root()).map(LinkEntry::from).collect();
    assert_eq!(back, entries);
});
