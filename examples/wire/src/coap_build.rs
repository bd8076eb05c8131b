//! JSON to CoAP message ([`encode`]): reads the schema [`crate::coap_json`] prints, hands every
//! option to `coap_codec`'s `MessageBuilder` (which writes them in number order, minimal uints,
//! and refuses values outside their range or repeats of a non-repeatable option) and frames the
//! result for UDP or TCP. Every output byte comes from a JSON field.

use coap_codec::wire::{
    tcp, Block, Code, EncodeError, Malformed, Message, MessageBuilder, MessageId, MessageType, OptionFormat,
    OptionNumber,
};
use serde_json::Value;

use crate::coap_json::{code_text, describe, is_block, tcp_kind};
use crate::json::{self, Obj};
use crate::Failure;

/// More options than any real message carries; the builder refuses the rest.
const MAX_OPTIONS: usize = 256;

/// An option value read from JSON, owned until the builder borrows it.
enum Stored {
    Bytes(Vec<u8>),
    Uint(u32),
}

/// Parses one JSON message and encodes it for UDP (`tcp == false`, RFC 7252 §3) or for TCP/TLS
/// (RFC 8323 §3.2).
///
/// # Errors
/// `json:` for input that does not fit the schema; the rule's citation for a message that
/// breaks one.
pub(crate) fn encode(text: &str, tcp: bool) -> Result<Vec<u8>, Failure> {
    let value: Value = serde_json::from_str(text).map_err(Failure::json)?;
    let mut o = Obj::new(&value, "")?;
    let ty = o.str("type")?;
    let code = parse_code(o.req("code")?)?;
    o.ignore_str("code_name")?;
    let message_type = if tcp {
        if ty != tcp_kind(code) {
            return Err(Failure::json(format!(
                "type: {ty:?} does not match code {} (a {} over TCP)",
                code_text(code),
                tcp_kind(code)
            )));
        }
        MessageType::Confirmable // not sent on reliable transports (RFC 8323 §3.2)
    } else {
        match ty {
            "CON" => MessageType::Confirmable,
            "NON" => MessageType::NonConfirmable,
            "ACK" => MessageType::Acknowledgement,
            "RST" => MessageType::Reset,
            other => return Err(Failure::json(format!("type: unknown message type {other:?}"))),
        }
    };
    let message_id = if tcp { 0 } else { o.uint("message_id", 0xFFFF)? as u16 };
    let token = o.opt_bytes("token")?.unwrap_or_default();
    let path = o.at("options");
    let stored = o
        .opt_array("options")?
        .iter()
        .enumerate()
        .map(|(i, v)| option(v, &format!("{path}[{i}]"), code, tcp))
        .collect::<Result<Vec<_>, _>>()?;
    let payload = payload(&mut o)?;
    o.finish()?;

    // The format rules the decoder enforces on the header (RFC 7252 §4.1, §12.1).
    let reserved = if tcp { matches!(code.class(), 1 | 6) } else { matches!(code.class(), 1 | 6 | 7) };
    if reserved {
        return Err(coap_rule(Malformed::ReservedCodeClass(code.class())));
    }
    if !tcp && code.is_empty() && !(token.is_empty() && stored.is_empty() && payload.is_empty()) {
        return Err(coap_rule(Malformed::EmptyWithContent));
    }

    let mut b = MessageBuilder::<MAX_OPTIONS>::new(message_type, code, MessageId(message_id));
    b.token(&token).map_err(|e| refused(e, code, tcp))?;
    for (number, value) in &stored {
        match value {
            Stored::Bytes(bytes) => b.option(OptionNumber(*number), bytes),
            Stored::Uint(v) => b.uint(OptionNumber(*number), *v),
        }
        .map_err(|e| refused(e, code, tcp))?;
    }
    b.payload(&payload);
    let mut out = vec![0u8; if tcp { tcp::encoded_len(&b) } else { b.encoded_len() }];
    let n = if tcp { tcp::encode(&b, &mut out) } else { b.encode(&mut out) }.map_err(|e| refused(e, code, tcp))?;
    out.truncate(n);
    // What encode writes, decode reads back: a last check that no rule was missed above.
    let check = if tcp { tcp::decode_frame(&out).map(drop) } else { Message::new_checked(&out[..]).map(drop) };
    check.map_err(|e| Failure::new(e.to_string()))?;
    Ok(out)
}

/// `"c.dd"`: class 0-7, detail 00-31 (RFC 7252 §3, §12.1).
fn parse_code(v: &Value) -> Result<Code, Failure> {
    let bad = || json::mismatch("code", "a code \"c.dd\" (class 0-7, detail 00-31)", v);
    let s = json::string(v, "code").map_err(|_| bad())?;
    let parsed = match s.as_bytes() {
        [c @ b'0'..=b'7', b'.', d1 @ b'0'..=b'3', d2 @ b'0'..=b'9'] => {
            let detail = (d1 - b'0') * 10 + (d2 - b'0');
            (detail < 32).then(|| Code::new(c - b'0', detail))
        }
        _ => None,
    };
    parsed.ok_or_else(|| Failure::json(format!("code: expected \"c.dd\" with class 0-7 and detail 00-31, got {s:?}")))
}

/// One `{"number", "name", "value"}` object (`name` and `error` are informational).
fn option(v: &Value, path: &str, code: Code, tcp: bool) -> Result<(u16, Stored), Failure> {
    let mut o = Obj::new(v, path)?;
    let number = o.uint("number", 0xFFFF)? as u16;
    o.ignore_str("name")?;
    o.ignore_str("error")?;
    let n = OptionNumber(number);
    let at = o.at("value");
    let (_, format) = describe(code, n);
    let stored = match format {
        Some(OptionFormat::Uint) if !code.is_signal() && is_block(n) => {
            let mut b = Obj::new(o.req("value")?, at.clone())?;
            let block = Block {
                num: b.uint("num", (1 << 20) - 1)? as u32,
                more: b.bool("more")?,
                szx: b.uint("szx", 7)? as u8,
            };
            b.finish()?;
            // RFC 7959 §2.2: SZX 7 is reserved; RFC 8323 §6 gives it to BERT on reliable transports.
            if block.szx == 7 && !tcp {
                return Err(Failure::new(SZX7.to_owned()));
            }
            Stored::Uint(block.to_uint())
        }
        Some(OptionFormat::Uint) => Stored::Uint(o.uint("value", u64::from(u32::MAX))? as u32),
        Some(OptionFormat::Empty) => match o.opt("value") {
            None => Stored::Bytes(Vec::new()),
            Some(other) => return Err(json::mismatch(&at, "null (an empty option)", other)),
        },
        Some(OptionFormat::String) => Stored::Bytes(o.str("value")?.as_bytes().to_vec()),
        // Opaque, and options this codec does not know: hex.
        _ => Stored::Bytes(o.bytes("value")?),
    };
    o.finish()?;
    Ok((number, stored))
}

/// Why a Block with SZX 7 is refused over UDP.
pub(crate) const SZX7: &str = "RFC 7959 §2.2: SZX 7 is reserved (BERT, RFC 8323 §6, is for reliable transports only)";

/// `payload` (hex), or `payload_text`, or both when they agree.
fn payload(o: &mut Obj<'_>) -> Result<Vec<u8>, Failure> {
    let hex = o.opt_bytes("payload")?;
    let text = o.opt_str("payload_text")?;
    match (hex, text) {
        (Some(h), Some(t)) if h != t.as_bytes() => Err(Failure::json("payload_text: does not match payload")),
        (Some(h), _) => Ok(h),
        (None, Some(t)) => Ok(t.as_bytes().to_vec()),
        (None, None) => Ok(Vec::new()),
    }
}

/// A builder refusal, cited.
fn refused(e: EncodeError, code: Code, tcp: bool) -> Failure {
    let name =
        |n: u16| describe(code, OptionNumber(n)).0.map_or_else(|| format!("option {n}"), |s| format!("{s} ({n})"));
    Failure::new(match e {
        EncodeError::OptionLength { number, len, min, max } => {
            format!("RFC 7252 §5.4.3: {}: length {len} outside {min}-{max}", name(number))
        }
        EncodeError::OptionRepeated(number) => format!("RFC 7252 §5.4.5: {} is not repeatable", name(number)),
        EncodeError::TokenTooLong(len) if tcp => {
            format!("RFC 8323 §3.2: a token of {len} bytes cannot be encoded (0-8 bytes)")
        }
        EncodeError::TokenTooLong(len) => {
            format!("RFC 7252 §3 / RFC 8974 §2.1: a token of {len} bytes cannot be encoded")
        }
        EncodeError::TooManyOptions(max) => format!("json: options: more than {max} options"),
        other => format!("encode: {other}"),
    })
}

/// A CoAP format rule, cited as the codec cites it.
fn coap_rule(kind: Malformed) -> Failure {
    Failure::new(format!("{}: {kind}", kind.rule()))
}
