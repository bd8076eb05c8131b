//! Fairness check for `benches/coap_codec.rs`: every peer decodes each item's canonical datagram to
//! the same code, type, message id, token, options (number and value, in order) and payload that
//! the item's application data holds, with the same digest; and what every peer encodes decodes
//! (with our codec) to that same message. The decode and encode calls are the very ones the bench
//! times (the shared `coap_peers` module).
// Test code: panics are the assertions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic, missing_docs)]

#[allow(dead_code, unreachable_pub)]
#[path = "../benches/coap_peers/mod.rs"]
mod coap_peers;

use benches::coap::{expected_digest, items, CoapApp, CoapItem};
use coap_message::{MessageOption as _, ReadableMessage};
use coap_peers::cmi::{Cmi, CmiMsg};
use coap_peers::lite::CoapLite;
use coap_peers::{Codec, Ours, OursBuilder};

/// The fields of a message, comparable across crates.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fields {
    /// The two type bits.
    message_type: u8,
    code: u8,
    message_id: u16,
    token: Vec<u8>,
    options: Vec<(u16, Vec<u8>)>,
    payload: Vec<u8>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// What the application data says the message holds.
fn expected(app: &CoapApp) -> Fields {
    Fields {
        message_type: app.message_type as u8,
        code: app.code.0,
        message_id: app.message_id,
        token: app.token.to_vec(),
        options: app.options.iter().map(|o| (o.number, o.value.wire())).collect(),
        payload: app.payload.to_vec(),
    }
}

fn ours_fields(m: &coap_codec::wire::Message<&[u8]>) -> Fields {
    Fields {
        message_type: m.message_type() as u8,
        code: m.code().0,
        message_id: m.message_id().0,
        token: m.token().to_vec(),
        options: m.options().map(|o| (o.number.0, o.value.to_vec())).collect(),
        payload: m.payload().to_vec(),
    }
}

fn lite_fields(p: &coap_lite::Packet) -> Fields {
    use coap_lite::MessageType as T;
    Fields {
        message_type: match p.header.get_type() {
            T::Confirmable => 0,
            T::NonConfirmable => 1,
            T::Acknowledgement => 2,
            T::Reset => 3,
        },
        code: u8::from(p.header.code),
        message_id: p.header.message_id,
        token: p.get_token().to_vec(),
        options: p.options().flat_map(|(n, values)| values.iter().map(move |v| (*n, v.clone()))).collect(),
        payload: p.payload.clone(),
    }
}

fn cmi_fields(m: &CmiMsg<'_>) -> Fields {
    Fields {
        message_type: m.message_type,
        code: m.message.code(),
        message_id: m.message_id,
        token: m.token.to_vec(),
        options: m.message.options().map(|o| (o.number(), o.value().to_vec())).collect(),
        payload: m.message.payload().to_vec(),
    }
}

fn ours_decode_fields(datagram: &[u8]) -> Fields {
    match benches::coap::decode_ours(datagram) {
        Ok((m, _)) => ours_fields(&m),
        Err(e) => panic!("our decoder rejects {}: {e:?}", hex(datagram)),
    }
}

/// Decodes `item` with `C`, reads the fields with `read` and checks them and the digest; then
/// encodes the item's application data with `C` and checks that our decoder reads the same
/// fields from it. Returns whether `C`'s encoding is byte-for-byte the canonical datagram.
fn check<C: Codec>(item: &CoapItem, read: impl Fn(&C::Msg<'_>) -> Fields) -> bool {
    let want = expected(&item.app);
    let (decoded, digest) = C::decode(&item.datagram).unwrap_or_else(|| panic!("{} rejects {}", C::NAME, item.name));
    assert_eq!(read(&decoded), want, "{} decoded by {}", item.name, C::NAME);
    assert_eq!(digest, expected_digest(&item.app), "{} digest by {}", item.name, C::NAME);
    drop(decoded);

    let mut ctx = C::new_ctx();
    // Twice: the second run reuses the context, as the bench does.
    for _ in 0..2 {
        let n = C::encode(&mut ctx, &item.app);
        assert_eq!(n, C::encoded(&ctx).len(), "{} encoded by {}", item.name, C::NAME);
    }
    let bytes = C::encoded(&ctx).to_vec();
    assert_eq!(ours_decode_fields(&bytes), want, "{} encoded by {}", item.name, C::NAME);
    let same = bytes == item.datagram;
    if !same {
        eprintln!("{:<13} {:<28} encodes differently: {}", item.name, C::NAME, hex(&bytes));
    }
    same
}

#[test]
fn every_codec_reads_and_writes_the_same_messages() {
    let mut checked = 0;
    for item in items() {
        assert_eq!(ours_decode_fields(&item.datagram), expected(&item.app), "{}", item.name);
        // Ours reproduces its own canonical bytes.
        assert!(check::<Ours>(&item, ours_fields), "{}", item.name);
        assert!(check::<OursBuilder>(&item, ours_fields), "{}", item.name);
        check::<CoapLite>(&item, lite_fields);
        check::<Cmi>(&item, cmi_fields);
        checked += 4;
    }
    assert_eq!(checked, 4 * 4);
}

#[test]
fn every_peer_encodes_the_canonical_bytes() {
    // Not required for fairness (the fields are), but today every encoding is byte-identical,
    // so the peers write exactly as many bytes as we do.
    for item in items() {
        assert!(check::<CoapLite>(&item, lite_fields), "{}", item.name);
        assert!(check::<Cmi>(&item, cmi_fields), "{}", item.name);
    }
}

#[test]
fn every_peer_rejects_a_truncated_option() {
    // The digest walk must see every option: a datagram whose last option runs past its end is
    // refused by every crate (coap-message-implementations only finds out by walking).
    for item in items() {
        let d = &item.datagram;
        let marker = d.iter().rposition(|&b| b == 0xFF).filter(|_| !item.app.payload.is_empty());
        let cut = match marker {
            Some(m) => &d[..m - 1],
            None => &d[..d.len() - 1],
        };
        assert!(Ours::decode(cut).is_none(), "{} coap-codec", item.name);
        assert!(CoapLite::decode(cut).is_none(), "{} coap-lite", item.name);
        assert!(Cmi::decode(cut).is_none(), "{} coap-message-implementations", item.name);
    }
}
