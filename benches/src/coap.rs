//! The CoAP workload: each item's application data, the canonical datagram it encodes to (made by
//! `coap_codec`), and our codec's side of every measurement.
//!
//! Every peer crate decodes the very same datagram bytes and encodes the very same application
//! data; `tests/coap_peers_agree.rs` checks that each peer reads the datagrams back to the same
//! code, type, message id, token, options and payload, and that what each peer encodes reads back
//! (with `coap_codec`) to the same message.

use coap_codec::wire::{
    Code, DecodeError, EncodeError, Message, MessageBuilder, MessageId, MessageType, MessageWriter, OptionNumber,
    OptionProblem,
};

/// An option value as the application has it: text or a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// A string option (Uri-Path, Uri-Query): its UTF-8 bytes go on the wire.
    Str(&'static str),
    /// A uint option (Accept, Content-Format, Max-Age, Observe, Block2): minimal big-endian form
    /// on the wire (RFC 7252 §3.2), zero as no bytes.
    Uint(u32),
}

impl Value {
    /// The value's wire bytes (uints in their minimal form), for checks outside the timing.
    pub fn wire(&self) -> Vec<u8> {
        match *self {
            Self::Str(s) => s.as_bytes().to_vec(),
            Self::Uint(v) => {
                let (buf, n) = coap_codec::wire::encode_uint(v);
                buf[..n].to_vec()
            }
        }
    }
}

/// One option: its number and value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Opt {
    pub number: u16,
    pub value: Value,
}

/// The application data of one message: borrowed strings and bytes, options listed in
/// ascending number order (the order they go on the wire, which some peers require of callers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoapApp {
    pub message_type: MessageType,
    pub code: Code,
    pub message_id: u16,
    pub token: &'static [u8],
    pub options: &'static [Opt],
    pub payload: &'static [u8],
}

/// One workload item: a name, the application data and its canonical datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoapItem {
    /// `con_get` and so on; the middle part of `decode/<item>/<crate>`.
    pub name: &'static str,
    pub app: CoapApp,
    /// The datagram our codec encodes `app` to; every crate decodes these bytes.
    pub datagram: Vec<u8>,
}

/// The token every item carries (4 bytes, as a client that matches responses by token would).
pub const TOKEN: &[u8] = &[0xA1, 0xB2, 0xC3, 0xD4];

/// application/json (RFC 7252 §12.3).
pub const JSON: u32 = 50;
/// application/link-format (RFC 6690 §7.2).
pub const LINK_FORMAT: u32 = 40;

/// A 32-byte JSON reading.
pub const PAYLOAD_32: &[u8; 32] = br#"{"temp":21.50,"unit":"C","ok":1}"#;

/// A 122-byte RFC 6690 link-format payload, as an LwM2M client registers with.
pub const LINKS: &[u8; 122] =
    br#"</1/0>,</3/0>,</4/0>,</3303/0>;rt="oma.lwm2m",</3303/1>;rt="oma.lwm2m",</3304/0>;rt="oma.lwm2m",</3311/0>,</5700/0>,</6/0>"#;

/// A 64-byte JSON notification body (one Block2 block of 64 bytes, SZX 2).
pub const PAYLOAD_64: &[u8; 64] = br#"{"seq":117,"t":[21.50,21.55,21.61,21.58,21.52],"unit":"C","n":5}"#;

/// Block2 NUM 2, M 1, SZX 2 (64-byte blocks): `NUM << 4 | M << 3 | SZX` (RFC 7959 §2.2).
pub const BLOCK2: u32 = (2 << 4) | (1 << 3) | 2;

const fn opt(number: OptionNumber, value: Value) -> Opt {
    Opt { number: number.0, value }
}

const CON_GET: &[Opt] = &[
    opt(OptionNumber::URI_PATH, Value::Str("sensors")),
    opt(OptionNumber::URI_PATH, Value::Str("temp")),
    opt(OptionNumber::ACCEPT, Value::Uint(JSON)),
];

const ACK_CONTENT: &[Opt] =
    &[opt(OptionNumber::CONTENT_FORMAT, Value::Uint(JSON)), opt(OptionNumber::MAX_AGE, Value::Uint(30))];

const NON_POST_RD: &[Opt] = &[
    opt(OptionNumber::URI_PATH, Value::Str("rd")),
    opt(OptionNumber::CONTENT_FORMAT, Value::Uint(LINK_FORMAT)),
    opt(OptionNumber::URI_QUERY, Value::Str("ep=node-42")),
    opt(OptionNumber::URI_QUERY, Value::Str("lt=300")),
];

const NOTIFICATION: &[Opt] = &[
    opt(OptionNumber::OBSERVE, Value::Uint(4711)),
    opt(OptionNumber::CONTENT_FORMAT, Value::Uint(JSON)),
    opt(OptionNumber::BLOCK2, Value::Uint(BLOCK2)),
];

/// The application data of every item.
pub fn workload() -> Vec<(&'static str, CoapApp)> {
    let app = |message_type, code, message_id, options, payload| CoapApp {
        message_type,
        code,
        message_id,
        token: TOKEN,
        options,
        payload,
    };
    vec![
        ("con_get", app(MessageType::Confirmable, Code::GET, 0x1234, CON_GET, &[])),
        ("ack_content", app(MessageType::Acknowledgement, Code::CONTENT, 0x1234, ACK_CONTENT, PAYLOAD_32)),
        ("non_post_rd", app(MessageType::NonConfirmable, Code::POST, 0x1235, NON_POST_RD, LINKS)),
        ("notification", app(MessageType::NonConfirmable, Code::CONTENT, 0x1236, NOTIFICATION, PAYLOAD_64)),
    ]
}

/// Every item with its canonical datagram (encoded by our codec).
pub fn items() -> Vec<CoapItem> {
    workload()
        .into_iter()
        .map(|(name, app)| {
            let mut out = vec![0u8; 1500];
            let n = encode_ours(&app, &mut out).unwrap_or_else(|e| panic!("{name}: {e}"));
            out.truncate(n);
            CoapItem { name, app, datagram: out }
        })
        .collect()
}

/// The item called `name`.
pub fn item(name: &str) -> Option<CoapItem> {
    items().into_iter().find(|i| i.name == name)
}

/// Why our decode refuses a datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OursError {
    /// A format error (RFC 7252 §3, §3.1).
    Format(DecodeError),
    /// An option breaks its length range or is repeated (RFC 7252 §5.4.3, §5.4.5).
    Option(OptionProblem),
}

/// Our decode: `Message::new_checked` (every format rule), a walk of every option for the digest
/// (the sum of option numbers and value lengths, plus the payload length), and
/// `option_problems()` (every option's length range and repetition). Returns the checked view
/// and the digest.
#[inline]
pub fn decode_ours(datagram: &[u8]) -> Result<(Message<&[u8]>, usize), OursError> {
    let m = Message::new_checked(datagram).map_err(OursError::Format)?;
    let mut digest = 0usize;
    for o in m.options() {
        digest += usize::from(o.number.0) + o.value.len();
    }
    digest += m.payload().len();
    if let Some((_, problem)) = m.option_problems().next() {
        return Err(OursError::Option(problem));
    }
    Ok((m, digest))
}

/// Our encode: a `MessageWriter` writing straight into `out` from the borrowed application data
/// (options in number order, as the workload lists them), which checks each option's order,
/// length range and repetition as it writes it. Returns the bytes written.
#[inline]
pub fn encode_ours(app: &CoapApp, out: &mut [u8]) -> Result<usize, EncodeError> {
    let mut w = MessageWriter::new(out, app.message_type, app.code, MessageId(app.message_id), app.token)?;
    for o in app.options {
        match o.value {
            Value::Str(s) => w.option(OptionNumber(o.number), s.as_bytes())?,
            Value::Uint(v) => w.uint(OptionNumber(o.number), v)?,
        };
    }
    w.finish(app.payload)
}

/// Our encode through `MessageBuilder` (its default capacity, 16 options), which takes options
/// in any order: filled from the borrowed application data, checking each option's length range
/// and repetition as it is added, then written into `out`. Returns the bytes written.
#[inline]
pub fn encode_ours_builder(app: &CoapApp, out: &mut [u8]) -> Result<usize, EncodeError> {
    let mut b: MessageBuilder<'_> = MessageBuilder::new(app.message_type, app.code, MessageId(app.message_id));
    b.token(app.token)?;
    for o in app.options {
        match o.value {
            Value::Str(s) => b.option(OptionNumber(o.number), s.as_bytes())?,
            Value::Uint(v) => b.uint(OptionNumber(o.number), v)?,
        };
    }
    b.payload(app.payload);
    b.encode(out)
}

/// The digest every crate computes while decoding, from the application data (for the checks).
pub fn expected_digest(app: &CoapApp) -> usize {
    app.options.iter().map(|o| usize::from(o.number) + o.value.wire().len()).sum::<usize>() + app.payload.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hex;

    #[test]
    fn every_item_round_trips_through_our_codec() {
        for item in items() {
            let (m, digest) = decode_ours(&item.datagram).unwrap_or_else(|e| panic!("{}: {e:?}", item.name));
            assert_eq!(digest, expected_digest(&item.app), "{}", item.name);
            assert_eq!(m.token(), item.app.token);
            assert_eq!(m.payload(), item.app.payload);
            let opts: Vec<(u16, Vec<u8>)> = m.options().map(|o| (o.number.0, o.value.to_vec())).collect();
            let want: Vec<(u16, Vec<u8>)> = item.app.options.iter().map(|o| (o.number, o.value.wire())).collect();
            assert_eq!(opts, want, "{}", item.name);
            // The builder writes the same bytes as the writer.
            let mut out = vec![0u8; 1500];
            let n = encode_ours_builder(&item.app, &mut out).unwrap();
            assert_eq!(&out[..n], &item.datagram[..], "{}", item.name);
        }
    }

    #[test]
    fn fixed_datagrams() {
        // Spot checks against hand-written bytes, so a codec change that alters the inputs is seen.
        let get = item("con_get").unwrap();
        assert_eq!(hex(&get.datagram, 64), "44 01 12 34 a1 b2 c3 d4 b7 73 65 6e 73 6f 72 73 04 74 65 6d 70 61 32");
        let ack = item("ack_content").unwrap();
        assert_eq!(hex(&ack.datagram, 12), "64 45 12 34 a1 b2 c3 d4 c1 32 21 1e ... (45 bytes in all)");
        let rd = item("non_post_rd").unwrap();
        assert_eq!(rd.datagram.len(), 4 + 4 + 3 + 2 + 11 + 7 + 1 + 122);
        let n = item("notification").unwrap();
        assert_eq!(hex(&n.datagram, 16), "54 45 12 36 a1 b2 c3 d4 62 12 67 61 32 b1 2a ff ... (80 bytes in all)");
    }

    #[test]
    fn the_links_are_link_format() {
        let links = coap_codec::link_format::LinkFormat::from_bytes(LINKS).unwrap();
        assert_eq!(links.links().count(), 9);
    }
}
