//! CoAP over TCP, TLS and WebSockets (RFC 8323 §3.2, §4.2): the reliable-transport framing,
//! with no type and no message id, decoded from a byte stream with the same streaming contract
//! as the MQTT decoder.

use core::num::NonZeroUsize;

use super::builder::Writer;
use super::message::{problems, read_option, Step};
use super::{CoapOption, Code, DecodeError, EncodeError, Malformed, MessageBuilder, OptionProblem, Options};

/// The result of decoding from the front of a byte stream.
#[must_use]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status<T> {
    /// A whole item, and the bytes it used.
    Complete {
        /// The item.
        item: T,
        /// Bytes taken from the front of the input.
        consumed: usize,
    },
    /// The input holds only part of an item: at least this many more bytes are needed.
    Partial(NonZeroUsize),
}

/// A message on a reliable transport: a borrowed, checked view (RFC 8323 §3.2).
///
/// ```
/// use coap_codec::wire::{tcp, Code, MessageBuilder, MessageId, MessageType, OptionNumber};
/// let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, Code::GET, MessageId(0));
/// b.token(&[1, 2])?.path("temp")?;
/// let mut buf = [0u8; 32];
/// let n = tcp::encode(&b, &mut buf)?;
/// // Len 5 (option header + "temp"), TKL 2, code, token, option.
/// assert_eq!(&buf[..n], b"\x52\x01\x01\x02\xb4temp");
/// let tcp::Status::Complete { item, consumed } = tcp::decode_frame(&buf[..n]).unwrap() else { panic!() };
/// assert_eq!((item.code(), item.token(), consumed), (Code::GET, &[1u8, 2][..], n));
/// # Ok::<(), coap_codec::wire::EncodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TcpMessage<'a> {
    code: Code,
    token: &'a [u8],
    options: &'a [u8],
    payload: &'a [u8],
}

impl<'a> TcpMessage<'a> {
    /// The code (7.xx are signals, RFC 8323 §5).
    pub fn code(&self) -> Code {
        self.code
    }

    /// The token (0-8 bytes).
    pub fn token(&self) -> &'a [u8] {
        self.token
    }

    /// The options, in order.
    pub fn options(&self) -> Options<'a> {
        Options::new(self.options)
    }

    /// The payload.
    pub fn payload(&self) -> &'a [u8] {
        self.payload
    }

    /// Options that break an option-level rule (RFC 7252 §5.4.3, §5.4.5), judged by the option
    /// registry, or for a signal (7.xx) by its own options' rows ([`super::signal::option`]);
    /// unknown options are not judged here (for signals, see [`super::signal::Signal`]).
    ///
    /// ```
    /// use coap_codec::wire::{tcp, OptionProblem};
    /// // 7.01 CSM whose Max-Message-Size (option 2) is 5 bytes long (max 4).
    /// let tcp::Status::Complete { item, .. } = tcp::decode_frame(&[0x60, 0xE1, 0x25, 1, 2, 3, 4, 5]).unwrap() else { panic!() };
    /// let (_, problem) = item.option_problems().next().unwrap();
    /// assert_eq!(problem, OptionProblem::Length { len: 5, min: 0, max: 4 });
    /// ```
    pub fn option_problems(&self) -> impl Iterator<Item = (CoapOption<'a>, OptionProblem)> + 'a {
        let code = self.code;
        problems(self.options(), move |n| super::signal::rules_for(code, n))
    }
}

/// Bytes of the extended length for the Len nibble (RFC 8323 §3.2): 13 → 1, 14 → 2, 15 → 4.
const fn ext_bytes(nibble: u8) -> usize {
    match nibble {
        13 => 1,
        14 => 2,
        15 => 4,
        _ => 0,
    }
}

/// Decodes the first message of a TCP/TLS byte stream (RFC 8323 §3.2). A WebSocket frame holds
/// exactly one message with Len 0 and is decoded by [`decode_ws`].
///
/// # Errors
/// A [`DecodeError`] naming the format rule; on a reliable transport the connection is then
/// aborted (RFC 8323 §5.6: send 7.05 Abort and close).
pub fn decode_frame(input: &[u8]) -> Result<Status<TcpMessage<'_>>, DecodeError> {
    let Some(&first) = input.first() else { return Ok(Status::Partial(NonZeroUsize::MIN)) };
    let err = |kind, offset| DecodeError { kind, offset, header: None };
    let ext = ext_bytes(first >> 4);
    let Some(ext_field) = input.get(1..1 + ext) else {
        return Ok(Status::Partial(NonZeroUsize::new(1 + ext - input.len()).unwrap_or(NonZeroUsize::MIN)));
    };
    let ext_value = ext_field.iter().fold(0usize, |acc, &b| acc.saturating_mul(256).saturating_add(usize::from(b)));
    // Saturating: on a 32-bit target a 4-byte extended length plus 65,805 can overflow usize;
    // such a frame can never arrive whole, so it stays Partial.
    let len = match first >> 4 {
        n @ 0..=12 => usize::from(n),
        13 => ext_value.saturating_add(13),
        14 => ext_value.saturating_add(269),
        _ => ext_value.saturating_add(65_805),
    };
    let tkl = usize::from(first & 0x0F);
    if tkl > 8 {
        // RFC 8323 §3.2 keeps RFC 7252's token lengths; 9-15 are not accepted here.
        return Err(err(Malformed::ReservedTokenLength(first & 0x0F), 0));
    }
    let header = 1 + ext + 1;
    let total = (header + tkl).saturating_add(len);
    let Some(frame) = input.get(..total) else {
        return Ok(Status::Partial(NonZeroUsize::new(total - input.len()).unwrap_or(NonZeroUsize::MIN)));
    };
    let item = parse_body(frame, header - 1, tkl)?;
    Ok(Status::Complete { item, consumed: total })
}

/// Decodes one WebSocket frame's message (RFC 8323 §4.2: Len is 0; the frame gives the size).
///
/// # Errors
/// As [`decode_frame`], plus `Truncated`/`TooShort` for a frame shorter than its header.
///
/// ```
/// use coap_codec::wire::{tcp, Code};
/// let m = tcp::decode_ws(&[0x01, 0x01, 0xAA]).unwrap(); // Len 0, TKL 1, GET, token AA
/// assert_eq!((m.code(), m.token()), (Code::GET, &[0xAA][..]));
/// ```
pub fn decode_ws(frame: &[u8]) -> Result<TcpMessage<'_>, DecodeError> {
    let err = |kind, offset| DecodeError { kind, offset, header: None };
    let Some(&first) = frame.first() else { return Err(err(Malformed::TooShort, 0)) };
    if first >> 4 != 0 {
        return Err(err(Malformed::WebSocketLength(first >> 4), 0)); // RFC 8323 §4.2
    }
    let tkl = usize::from(first & 0x0F);
    if tkl > 8 {
        return Err(err(Malformed::ReservedTokenLength(first & 0x0F), 0));
    }
    parse_body(frame, 1, tkl)
}

/// Parses code, token, options and payload; `code_at` is the code byte's offset.
fn parse_body(frame: &[u8], code_at: usize, tkl: usize) -> Result<TcpMessage<'_>, DecodeError> {
    let err = |kind, offset| DecodeError { kind, offset, header: None };
    let code = Code(*frame.get(code_at).ok_or(err(Malformed::TooShort, frame.len()))?);
    if matches!(code.class(), 1 | 6) {
        return Err(err(Malformed::ReservedCodeClass(code.class()), code_at)); // RFC 7252 §12.1
    }
    let token_start = code_at + 1;
    let token = frame.get(token_start..token_start + tkl).ok_or(err(Malformed::TruncatedToken, token_start))?;
    let body_start = token_start + tkl;
    let mut pos = body_start;
    let mut prev = 0u16;
    let options_end = loop {
        match read_option(frame, pos, prev).map_err(|(kind, at)| err(kind, at))? {
            Step::Option { number, end, .. } => {
                prev = number;
                pos = end;
            }
            Step::Marker if pos + 1 == frame.len() => return Err(err(Malformed::EmptyPayloadAfterMarker, pos)),
            Step::Marker | Step::End => break pos,
        }
    };
    Ok(TcpMessage {
        code,
        token,
        options: frame.get(body_start..options_end).unwrap_or(&[]),
        payload: frame.get(options_end + 1..).unwrap_or(&[]),
    })
}

/// The TCP header for a body of `len` bytes: the Len nibble and its extension.
fn len_header(len: usize) -> (u8, usize, u32) {
    match len {
        0..=12 => (len as u8, 0, 0),
        13..=268 => (13, 1, (len - 13) as u32),
        269..=65_804 => (14, 2, (len - 269) as u32),
        _ => (15, 4, (len - 65_805) as u32),
    }
}

/// The exact size of `b` framed for TCP/TLS.
pub fn encoded_len<const N: usize>(b: &MessageBuilder<'_, N>) -> usize {
    let body = b.body_len();
    1 + len_header(body).1 + 1 + b.token_bytes().len() + body
}

/// Frames `b` for TCP/TLS (RFC 8323 §3.2): the message type and id are not sent.
///
/// # Errors
/// [`EncodeError::BufferTooSmall`]; [`EncodeError::TokenTooLong`] for a token over 8 bytes.
pub fn encode<const N: usize>(b: &MessageBuilder<'_, N>, out: &mut [u8]) -> Result<usize, EncodeError> {
    frame(b, out, false)
}

/// Frames `b` for a WebSocket message (RFC 8323 §4.2: Len 0).
///
/// # Errors
/// As [`encode`].
pub fn encode_ws<const N: usize>(b: &MessageBuilder<'_, N>, out: &mut [u8]) -> Result<usize, EncodeError> {
    frame(b, out, true)
}

fn frame<const N: usize>(b: &MessageBuilder<'_, N>, out: &mut [u8], ws: bool) -> Result<usize, EncodeError> {
    let token = b.token_bytes();
    if token.len() > 8 {
        return Err(EncodeError::TokenTooLong(token.len()));
    }
    let body = b.body_len();
    let (nibble, ext, value) = if ws { (0, 0, 0) } else { len_header(body) };
    let need = 1 + ext + 1 + token.len() + body;
    let Some(out) = out.get_mut(..need) else { return Err(EncodeError::BufferTooSmall { required: need }) };
    let mut w = Writer { out, pos: 0 };
    w.put(&[(nibble << 4) | token.len() as u8]);
    w.put(value.to_be_bytes().get(4 - ext..).unwrap_or(&[]));
    w.put(&[b.code_value().0]);
    w.put(token);
    b.write_body(&mut w);
    Ok(need)
}
