//! Our CoAP codec and the peer crates behind one [`Codec`] trait, so the criterion bench, the
//! callgrind runner and the fairness test all time and check exactly the same calls.
//!
//! Rules every implementation follows:
//! - **decode** starts from a complete datagram (`&[u8]`) and ends with a message whose fields the
//!   caller can read, plus the digest: the sum of every option's number and value length, plus
//!   the payload length, computed by walking every option through the crate's own API. The
//!   decoded message and the digest are both returned (and `black_box`ed by the caller).
//! - **encode** starts from borrowed application data ([`CoapApp`]: `&str` option values, `u32`
//!   uint options, `&[u8]` token and payload, options in ascending order) and ends with the
//!   datagram in a buffer held in [`Codec::Ctx`]. A crate whose message type owns its fields
//!   (`Vec`) builds them inside the timed call, and a crate that returns a fresh `Vec` keeps it
//!   in the context (dropping the previous one): both are part of what sending costs with it.

use benches::coap::{CoapApp, Value};

/// One codec under test.
pub trait Codec {
    /// The `<crate>` part of `decode/<item>/<crate>`.
    const NAME: &'static str;
    /// State reused across iterations: the output buffer.
    type Ctx;
    /// The decoded message, borrowing from the datagram where the crate is zero-copy.
    type Msg<'a>;

    fn new_ctx() -> Self::Ctx;
    /// Decodes `datagram` and walks every option; `None` if the crate rejects it.
    fn decode(datagram: &[u8]) -> Option<(Self::Msg<'_>, usize)>;
    /// Encodes `app` into the context's buffer and returns the bytes written.
    fn encode(ctx: &mut Self::Ctx, app: &CoapApp) -> usize;
    /// The bytes the last [`Codec::encode`] wrote.
    fn encoded(ctx: &Self::Ctx) -> &[u8];
}

/// `coap-codec`, this workspace's codec.
pub struct Ours;

/// Our output buffer: a plain slice, as on a device.
pub struct OursCtx {
    out: Vec<u8>,
    len: usize,
}

impl Codec for Ours {
    const NAME: &'static str = "coap-codec";
    type Ctx = OursCtx;
    type Msg<'a> = coap_codec::wire::Message<&'a [u8]>;

    fn new_ctx() -> OursCtx {
        OursCtx { out: vec![0; 1500], len: 0 }
    }
    #[inline]
    fn decode(datagram: &[u8]) -> Option<(Self::Msg<'_>, usize)> {
        benches::coap::decode_ours(datagram).ok()
    }
    #[inline]
    fn encode(ctx: &mut OursCtx, app: &CoapApp) -> usize {
        ctx.len = benches::coap::encode_ours(app, &mut ctx.out).expect("our encode");
        ctx.len
    }
    fn encoded(ctx: &OursCtx) -> &[u8] {
        &ctx.out[..ctx.len]
    }
}

/// `coap-codec` through `MessageBuilder` (options in any order), for comparison with
/// [`Ours`], which uses `MessageWriter` (options in order, as the peers' fastest paths want).
/// Decode is the same as [`Ours`].
pub struct OursBuilder;

impl Codec for OursBuilder {
    const NAME: &'static str = "coap-codec-builder";
    type Ctx = OursCtx;
    type Msg<'a> = coap_codec::wire::Message<&'a [u8]>;

    fn new_ctx() -> OursCtx {
        Ours::new_ctx()
    }
    #[inline]
    fn decode(datagram: &[u8]) -> Option<(Self::Msg<'_>, usize)> {
        Ours::decode(datagram)
    }
    #[inline]
    fn encode(ctx: &mut OursCtx, app: &CoapApp) -> usize {
        ctx.len = benches::coap::encode_ours_builder(app, &mut ctx.out).expect("our builder encode");
        ctx.len
    }
    fn encoded(ctx: &OursCtx) -> &[u8] {
        &ctx.out[..ctx.len]
    }
}

pub mod lite {
    //! `coap-lite`: `Packet::from_bytes` copies the token, every option value (into a
    //! `BTreeMap<u16, LinkedList<Vec<u8>>>`) and the payload into owned storage; `to_bytes`
    //! returns a new `Vec`. It checks the option encoding but not option lengths or repeats.
    use super::*;
    use coap_lite::{CoapOption, MessageClass, MessageType, Packet};

    pub struct CoapLite;

    fn message_type(t: coap_codec::wire::MessageType) -> MessageType {
        use coap_codec::wire::MessageType as T;
        match t {
            T::Confirmable => MessageType::Confirmable,
            T::NonConfirmable => MessageType::NonConfirmable,
            T::Acknowledgement => MessageType::Acknowledgement,
            T::Reset => MessageType::Reset,
        }
    }

    impl Codec for CoapLite {
        const NAME: &'static str = "coap-lite";
        type Ctx = Vec<u8>;
        type Msg<'a> = Packet;

        fn new_ctx() -> Vec<u8> {
            Vec::new()
        }
        #[inline]
        fn decode(datagram: &[u8]) -> Option<(Packet, usize)> {
            let packet = Packet::from_bytes(datagram).ok()?;
            let mut digest = 0usize;
            for (number, values) in packet.options() {
                for value in values {
                    digest += usize::from(*number) + value.len();
                }
            }
            digest += packet.payload.len();
            Some((packet, digest))
        }
        #[inline]
        fn encode(out: &mut Vec<u8>, app: &CoapApp) -> usize {
            let mut p = Packet::new();
            p.header.set_type(message_type(app.message_type));
            p.header.code = MessageClass::from(app.code.0);
            p.header.message_id = app.message_id;
            p.set_token(app.token.to_vec());
            for o in app.options {
                let number = CoapOption::from(o.number);
                match o.value {
                    Value::Str(s) => p.add_option(number, s.as_bytes().to_vec()),
                    Value::Uint(v) => p.add_option_as(number, coap_lite::option_value::OptionValueU32(v)),
                }
            }
            p.payload = app.payload.to_vec();
            *out = p.to_bytes().expect("coap-lite encode");
            out.len()
        }
        fn encoded(out: &Vec<u8>) -> &[u8] {
            out
        }
    }
}

pub mod cmi {
    //! `coap-message-implementations`: `inmemory::Message` reads the code and the
    //! options-and-payload of a message; the CoAP-over-UDP header (version, type, token length,
    //! message id) and the token are the transport's, so this glue splits them off by hand, as a
    //! UDP server built on it does. It validates lazily: walking the options is what checks them
    //! (a malformed option shows up as option 65535, which the digest walk refuses), and the walk
    //! records where the payload starts. Encoding goes through `inmemory::MessageMut` over the
    //! bytes after the header and token, with the header written by the glue; options must be
    //! added in ascending order (the workload lists them so).
    use super::*;
    use coap_message::{MessageOption as _, MinimalWritableMessage, ReadableMessage};
    use coap_message_implementations::inmemory::{Message, MessageMut, SliceBuffer, OPTION_INVALID};

    pub struct Cmi;

    /// A decoded datagram: the UDP header fields and the library's message over the rest.
    pub struct CmiMsg<'a> {
        /// The two type bits.
        pub message_type: u8,
        pub message_id: u16,
        pub token: &'a [u8],
        pub message: Message<SliceBuffer<'a>>,
    }

    pub struct Ctx {
        out: Vec<u8>,
        len: usize,
    }

    impl Codec for Cmi {
        const NAME: &'static str = "coap-message-implementations";
        type Ctx = Ctx;
        type Msg<'a> = CmiMsg<'a>;

        fn new_ctx() -> Ctx {
            Ctx { out: vec![0; 1500], len: 0 }
        }
        #[inline]
        fn decode(datagram: &[u8]) -> Option<(CmiMsg<'_>, usize)> {
            let [b0, code, hi, lo, rest @ ..] = datagram else { return None };
            if b0 >> 6 != 1 {
                return None;
            }
            let tkl = usize::from(b0 & 0x0F);
            if tkl > 8 {
                return None;
            }
            let (token, tail) = rest.split_at_checked(tkl)?;
            let message = Message::new_from_slice(*code, tail);
            let mut digest = 0usize;
            for o in message.options() {
                if o.number() == OPTION_INVALID {
                    return None;
                }
                digest += usize::from(o.number()) + o.value().len();
            }
            digest += message.payload().len();
            let m =
                CmiMsg { message_type: (b0 >> 4) & 0x03, message_id: u16::from_be_bytes([*hi, *lo]), token, message };
            Some((m, digest))
        }
        #[inline]
        fn encode(ctx: &mut Ctx, app: &CoapApp) -> usize {
            let tkl = app.token.len();
            let (head, tail) = ctx.out.split_at_mut(4 + tkl);
            let [b0, code, hi, lo, token @ ..] = head else { unreachable!() };
            *b0 = 0x40 | ((app.message_type as u8) << 4) | tkl as u8;
            [*hi, *lo] = app.message_id.to_be_bytes();
            token.copy_from_slice(app.token);
            let mut m = MessageMut::new_in_slice(code, tail);
            m.set_code(app.code.0);
            for o in app.options {
                match o.value {
                    Value::Str(s) => m.add_option_str(o.number, s),
                    Value::Uint(v) => m.add_option_uint(o.number, v),
                }
                .expect("coap-message-implementations add_option");
            }
            m.set_payload(app.payload).expect("coap-message-implementations set_payload");
            let (n, _) = m.finish();
            ctx.len = 4 + tkl + n;
            ctx.len
        }
        fn encoded(ctx: &Ctx) -> &[u8] {
            &ctx.out[..ctx.len]
        }
    }
}
