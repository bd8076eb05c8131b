//! CoAP URIs: no input panics the parser or the option writer; whatever becomes options can be
//! composed back into a URI that gives the same options.
#![no_main]

use coap_codec::uri::{compose, Uri};
use coap_codec::wire::{Code, Message, MessageBuilder, MessageId, MessageType, OptionNumber};
use libfuzzer_sys::fuzz_target;

fn options(uri: &str) -> Option<Vec<(u16, Vec<u8>)>> {
    let mut scratch = [0u8; 1024];
    let mut b = MessageBuilder::<40>::new(MessageType::Confirmable, Code::GET, MessageId(1));
    Uri::parse(uri).ok()?.add_options(&mut b, &mut scratch).ok()?;
    let mut out = vec![0u8; b.encoded_len()];
    let n = b.encode(&mut out).ok()?;
    let m = Message::new_checked(&out[..n]).expect("builder output decodes");
    Some(m.options().map(|o| (o.number.0, o.value.to_vec())).collect())
}

fuzz_target!(|data: &[u8]| {
    let Ok(s) = core::str::from_utf8(data) else { return };
    let Some(first) = options(s) else { return };
    let Ok(uri) = Uri::parse(s) else { return };
    let host = first.iter().find(|(n, _)| *n == OptionNumber::URI_HOST.0).map(|(_, v)| v.clone());
    let Some(host) = host.and_then(|h| String::from_utf8(h).ok()) else { return };
    if host.is_empty() || host.contains(['/', '?', '#', '@', ':', '[', ']', '%']) {
        return; // not a host that composes back unchanged
    }
    // A reg-name that is an IPv4 address once percent-decoded (`0.1%32.0.10` is Uri-Host
    // `0.12.0.10`) has no URI that gives it back as Uri-Host: RFC 7252 §6.5 writes the option's
    // value as the host, and §6.4 step 5 reads a dotted quad as the destination, not a Uri-Host.
    if Uri::parse(&format!("coap://{host}/")).is_ok_and(|u| u.host_is_ip_literal()) {
        return;
    }
    let path = first.iter().filter(|(n, _)| *n == OptionNumber::URI_PATH.0).map(|(_, v)| &v[..]);
    let query = first.iter().filter(|(n, _)| *n == OptionNumber::URI_QUERY.0).map(|(_, v)| &v[..]);
    let mut out = [0u8; 4096];
    let Ok(n) = compose(uri.scheme, &host, uri.port, path, query, &mut out) else { return };
    let again = options(core::str::from_utf8(&out[..n]).expect("composed URIs are ASCII"));
    assert_eq!(again.as_ref(), Some(&first));
});
