//! CoAP messages of one reading over UDP (RFC 7252) and over TCP (RFC 8323), and a TCP
//! connection's CSM and Ping/Pong, encoded by `coap-codec`.

use coap_codec::wire::signal::Signal;
use coap_codec::wire::{tcp, Code, MessageBuilder, MessageId, MessageType, OptionNumber};

use crate::overhead::{BuildError, Dir, Msg};

/// The resource a device POSTs its reading to. No device id in it: DTLS or TLS already tells
/// the server which device is talking (an MQTT topic usually carries it for the broker's ACLs
/// and for subscribers).
pub const PATH: &str = "temp";

/// A 4-byte token, as many clients choose (RFC 7252 §5.3.1 asks for enough randomness).
pub const TOKEN: [u8; 4] = [0x5e, 0x4d, 0x1a, 0x07];

/// The message id of a request and its ACK.
pub const MESSAGE_ID: MessageId = MessageId(0x2a17);

/// No-Response 26 = 2 + 8 + 16: not interested in 2.xx, 4.xx or 5.xx (RFC 7967 §2.1), so a
/// NON request gets no answer at all.
pub const NO_RESPONSE_ALL: u32 = 26;

/// The Max-Message-Size a server offers in its CSM (RFC 8323 §5.3.1), with Block-Wise-Transfer.
pub const SERVER_MAX_MESSAGE_SIZE: u32 = 8192;

/// Option slots in the builder (a request here has at most three options).
const SLOTS: usize = 4;

fn udp(b: &MessageBuilder<'_, SLOTS>) -> Result<Vec<u8>, BuildError> {
    let mut out = vec![0u8; b.encoded_len()];
    let n = b.encode(&mut out)?;
    out.truncate(n);
    Ok(out)
}

fn framed<const N: usize>(b: &MessageBuilder<'_, N>) -> Result<Vec<u8>, BuildError> {
    let mut out = vec![0u8; tcp::encoded_len(b)];
    let n = tcp::encode(b, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// POST [`PATH`] over UDP as CON with `token`, and the piggybacked 2.04 ACK echoing it.
///
/// # Errors
/// [`BuildError::Coap`].
pub fn con_post(token: &[u8], content_format: u16, payload: &[u8]) -> Result<Vec<Msg>, BuildError> {
    let mut req = MessageBuilder::<SLOTS>::new(MessageType::Confirmable, Code::POST, MESSAGE_ID);
    req.token(token)?.path(PATH)?.uint(OptionNumber::CONTENT_FORMAT, content_format.into())?;
    req.payload(payload);
    let mut ack = MessageBuilder::<SLOTS>::new(MessageType::Acknowledgement, Code::CHANGED, MESSAGE_ID);
    ack.token(token)?;
    Ok(vec![Msg::new("CON POST", Dir::Up, udp(&req)?), Msg::new("ACK 2.04", Dir::Down, udp(&ack)?)])
}

/// POST [`PATH`] over UDP as NON with `token` and No-Response [`NO_RESPONSE_ALL`]: no answer.
///
/// # Errors
/// [`BuildError::Coap`].
pub fn non_post(token: &[u8], content_format: u16, payload: &[u8]) -> Result<Vec<Msg>, BuildError> {
    let mut req = MessageBuilder::<SLOTS>::new(MessageType::NonConfirmable, Code::POST, MESSAGE_ID);
    req.token(token)?.path(PATH)?.uint(OptionNumber::CONTENT_FORMAT, content_format.into())?;
    req.uint(OptionNumber::NO_RESPONSE, NO_RESPONSE_ALL)?;
    req.payload(payload);
    Ok(vec![Msg::new("NON POST", Dir::Up, udp(&req)?)])
}

/// POST [`PATH`] over TCP (RFC 8323 §3.2 framing, empty token: one request in flight at a
/// time) and its 2.04.
///
/// # Errors
/// [`BuildError::Coap`].
pub fn tcp_post(content_format: u16, payload: &[u8]) -> Result<Vec<Msg>, BuildError> {
    // Type and message id are not sent over TCP (RFC 8323 §3.2).
    let mut req = MessageBuilder::<SLOTS>::new(MessageType::Confirmable, Code::POST, MessageId(0));
    req.path(PATH)?.uint(OptionNumber::CONTENT_FORMAT, content_format.into())?;
    req.payload(payload);
    let res = MessageBuilder::<SLOTS>::new(MessageType::Confirmable, Code::CHANGED, MessageId(0));
    Ok(vec![Msg::new("POST", Dir::Up, framed(&req)?), Msg::new("2.04", Dir::Down, framed(&res)?)])
}

/// The CSM each side sends first on a connection (RFC 8323 §5.3): the device's with the
/// defaults (nothing to say), the server's with [`SERVER_MAX_MESSAGE_SIZE`] and
/// Block-Wise-Transfer.
///
/// # Errors
/// [`BuildError::Coap`].
pub fn csm() -> Result<Vec<Msg>, BuildError> {
    let device = Signal::Csm { max_message_size: 1152, block_wise_transfer: false }.builder()?;
    let server = Signal::Csm { max_message_size: SERVER_MAX_MESSAGE_SIZE, block_wise_transfer: true }.builder()?;
    Ok(vec![Msg::new("7.01 CSM", Dir::Up, framed(&device)?), Msg::new("7.01 CSM", Dir::Down, framed(&server)?)])
}

/// 7.02 Ping and 7.03 Pong (RFC 8323 §5.4), the keep-alive of a CoAP-over-TCP connection.
///
/// # Errors
/// [`BuildError::Coap`].
pub fn ping() -> Result<Vec<Msg>, BuildError> {
    let ping = Signal::Ping { custody: false }.builder()?;
    let pong = Signal::Pong { custody: false }.builder()?;
    Ok(vec![Msg::new("7.02 Ping", Dir::Up, framed(&ping)?), Msg::new("7.03 Pong", Dir::Down, framed(&pong)?)])
}
