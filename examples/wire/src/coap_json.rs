//! CoAP message to JSON ([`message`], [`tcp_message`]): the schema in `examples/wire/README.md`.
//! Options are objects with `number`, `name` and a value typed by the option's format; an option
//! that breaks an option-level rule still prints, with an `"error"` naming the rule, so that the
//! caller can apply RFC 7252 §5.4.1 itself.

use coap_codec::wire::signal::{self, SignalError};
use coap_codec::wire::tcp::TcpMessage;
use coap_codec::wire::{
    decode_uint, Block, CoapOption, Code, ContentFormat, Message, OptionFormat, OptionNumber, OptionProblem,
};

use crate::json::Out;

/// `"2.05"`: the code as RFC 7252 §12.1 writes it.
pub(crate) fn code_text(code: Code) -> String {
    format!("{}.{:02}", code.class(), code.detail())
}

/// The options whose value is a Block (RFC 7959 §2.2; RFC 9177 §4 reuses the layout).
pub(crate) fn is_block(n: OptionNumber) -> bool {
    matches!(n, OptionNumber::BLOCK1 | OptionNumber::BLOCK2 | OptionNumber::Q_BLOCK1 | OptionNumber::Q_BLOCK2)
}

/// How an option is described: its name and value format, from the registry, or for a signal
/// (7.xx) from the signal's own rows (RFC 8323 §5.2: signal option numbers are scoped to the code).
pub(crate) fn describe(code: Code, n: OptionNumber) -> (Option<&'static str>, Option<OptionFormat>) {
    if code.is_signal() {
        signal::option(code, n.0).map_or((None, None), |row| (Some(row.name), Some(row.format)))
    } else {
        (n.name(), n.format())
    }
}

/// One message over UDP.
pub(crate) fn message<'m>(m: &'m Message<&[u8]>) -> Out<'m> {
    let problems: Vec<_> = m.option_problems().map(|(o, p)| (o.value.as_ptr(), p)).collect();
    let mut fields = vec![
        ("type", Out::Str(m.message_type().name())),
        ("code", Out::Text(code_text(m.code()))),
        ("code_name", m.code().name().map_or(Out::Null, Out::Str)),
        ("message_id", Out::Num(u64::from(m.message_id().0))),
        ("token", Out::Hex(m.token())),
        ("options", options(m.code(), m.options(), &problems, None, false)),
    ];
    payload(&mut fields, m.code(), m.options(), m.payload());
    Out::Obj(fields)
}

/// What a message over TCP is, since it has no type (RFC 8323 §3.2): from its code's class.
pub(crate) fn tcp_kind(code: Code) -> &'static str {
    if code.is_empty() {
        "empty"
    } else if code.is_signal() {
        "signal"
    } else if code.is_request() {
        "request"
    } else {
        "response"
    }
}

/// One message over TCP, TLS or WebSockets (RFC 8323).
pub(crate) fn tcp_message<'m>(m: &TcpMessage<'m>) -> Out<'m> {
    let problems: Vec<_> = m.option_problems().map(|(o, p)| (o.value.as_ptr(), p)).collect();
    // RFC 8323 §5.3: an unknown critical option in a signal aborts the connection.
    let unknown_critical = match signal::Signal::from_message(m) {
        Err(SignalError::UnknownCriticalOption(n)) => Some(n),
        _ => None,
    };
    let mut fields = vec![
        ("type", Out::Str(tcp_kind(m.code()))),
        ("code", Out::Text(code_text(m.code()))),
        ("code_name", m.code().name().map_or(Out::Null, Out::Str)),
        ("token", Out::Hex(m.token())),
        ("options", options(m.code(), m.options(), &problems, unknown_critical, true)),
    ];
    payload(&mut fields, m.code(), m.options(), m.payload());
    Out::Obj(fields)
}

/// The payload as hex, and as text too when it is text and UTF-8: a text Content-Format, or a
/// diagnostic payload (an error response without Content-Format, RFC 7252 §5.5.2; an Abort's,
/// RFC 8323 §5.6).
fn payload<'m>(
    fields: &mut Vec<(&'static str, Out<'m>)>,
    code: Code,
    mut opts: impl Iterator<Item = CoapOption<'m>>,
    p: &'m [u8],
) {
    fields.push(("payload", Out::Hex(p)));
    let format = opts.find(|o| o.number == OptionNumber::CONTENT_FORMAT).map(|o| decode_uint(o.value));
    let text = match format {
        Some(f) => f.and_then(|f| u16::try_from(f).ok()).is_some_and(|f| ContentFormat(f).is_text()),
        None => matches!(code.class(), 4 | 5) || code == Code::ABORT,
    };
    if let (true, Ok(s)) = (text && !p.is_empty(), std::str::from_utf8(p)) {
        fields.push(("payload_text", Out::Str(s)));
    }
}

fn options<'m>(
    code: Code,
    opts: impl Iterator<Item = CoapOption<'m>>,
    problems: &[(*const u8, OptionProblem)],
    unknown_critical: Option<u16>,
    tcp: bool,
) -> Out<'m> {
    Out::Arr(
        opts.map(|o| {
            let (name, format) = describe(code, o.number);
            // An option-level problem of this very option (matched by where its value sits).
            let found: Vec<String> =
                problems.iter().filter(|(at, _)| *at == o.value.as_ptr()).map(|(_, p)| p.to_string()).collect();
            let mut error = (!found.is_empty()).then(|| found.join("; "));
            if error.is_none() && unknown_critical == Some(o.number.0) {
                error = Some(SignalError::UnknownCriticalOption(o.number.0).to_string());
            }
            let value = match value(code, o.number, format, o.value, tcp) {
                Ok(v) => v,
                Err((v, e)) => {
                    if !e.is_empty() {
                        error.get_or_insert(e);
                    }
                    v
                }
            };
            let mut fields = vec![
                ("number", Out::Num(u64::from(o.number.0))),
                ("name", name.map_or(Out::Null, Out::Str)),
                ("value", value),
            ];
            if let Some(e) = error {
                fields.push(("error", Out::Text(e)));
            }
            Out::Obj(fields)
        })
        .collect(),
    )
}

/// The value typed by its format; when it cannot be typed, the raw bytes as hex and why.
fn value(
    code: Code,
    n: OptionNumber,
    format: Option<OptionFormat>,
    v: &[u8],
    tcp: bool,
) -> Result<Out<'_>, (Out<'_>, String)> {
    let raw = || Out::Hex(v);
    match format {
        Some(OptionFormat::Uint) if !code.is_signal() && is_block(n) && v.len() <= 3 => {
            let b = Block::decode(v).ok_or_else(|| (raw(), String::new()))?;
            let typed = Out::Obj(vec![
                ("num", Out::Num(u64::from(b.num))),
                ("more", Out::Bool(b.more)),
                ("szx", Out::Num(u64::from(b.szx))),
            ]);
            if b.szx == 7 && !tcp {
                return Err((typed, crate::coap_build::SZX7.to_owned()));
            }
            Ok(typed)
        }
        // Longer uints carry a length problem already; they print as hex.
        Some(OptionFormat::Uint) => {
            decode_uint(v).map(|x| Out::Num(u64::from(x))).ok_or_else(|| (raw(), String::new()))
        }
        Some(OptionFormat::Empty) if v.is_empty() => Ok(Out::Null),
        Some(OptionFormat::String) => match std::str::from_utf8(v) {
            Ok(s) => Ok(Out::Str(s)),
            Err(_) => Err((raw(), "RFC 7252 §3.2: string value is not UTF-8".to_owned())),
        },
        _ => Ok(raw()),
    }
}
