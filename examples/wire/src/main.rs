//! `wire`: decode protocol packets from hex to one line of JSON, and encode that JSON back to
//! hex, with every rule of the codec enforced and cited. MQTT 3.1.1 and 5.0 for now.
//!
//! ```text
//! wire decode mqtt3|mqtt5 HEX|-
//! wire encode mqtt3|mqtt5 JSON|-
//! ```
//!
//! Run from the workspace root with `cargo run -q --release --bin wire -- decode mqtt5 c000`.
//! With `-` it reads stdin and answers exactly one line per input line. Exit codes: 0 done,
//! 1 the (single) input was refused, 2 usage. The JSON schema is in `examples/wire/README.md`.

mod coap_build;
mod coap_json;
mod hex;
mod json;
mod lwm2m_build;
mod lwm2m_json;
mod mqtt_build;
mod mqtt_json;

use std::ffi::OsString;
use std::fmt::Display;
use std::io::{self, BufRead, BufWriter, Write};
use std::process::ExitCode;

use mqtt_codec::wire::{decode_packet, DecodeOptions, Field, Malformed, Needed, Status, Version};

const USAGE: &str = "\
usage: wire decode mqtt3|mqtt5|coap|coap-tcp HEX|-
       wire encode mqtt3|mqtt5|coap|coap-tcp JSON|-
       wire decode lwm2m-tlv|lwm2m-json|senml-json|senml-cbor|lwm2m-cbor|lwm2m-text|lwm2m-opaque|core-link HEX|- [--path /o/i/r]
       wire encode (the same formats) JSON|- [--path /o/i/r]

decode  HEX (either case, spaces allowed) holding exactly one packet, message or payload -> one line of JSON
encode  that JSON -> lowercase hex
--path  the LwM2M request path: places TLV, text and opaque values, types known resources
-       read stdin, answer one line per input line, exit 0 at end of input
exit    0 ok, 1 input refused ({\"error\": \"<citation>: <what is wrong>\"} on stdout), 2 usage";

/// Why an input was refused: one message that starts with a citation (`MQTT-3.3.1-4: ...`,
/// `json: ...`, `hex: ...`), printed as `{"error": "..."}`.
#[derive(Debug)]
pub(crate) struct Failure(String);

impl Failure {
    /// A message that already starts with its citation.
    pub(crate) fn new(message: String) -> Self {
        Self(message)
    }

    /// A broken protocol rule, cited as the codec cites it.
    pub(crate) fn rule(kind: Malformed) -> Self {
        Self(format!("{}: {}", kind.rule(), kind))
    }

    /// Input that does not fit the JSON schema.
    pub(crate) fn json(what: impl Display) -> Self {
        Self(format!("json: {what}"))
    }

    /// The `{"error": ...}` line.
    fn write(&self, out: &mut String) {
        json::Out::Obj(vec![("error", json::Out::Str(&self.0))]).write(out);
    }
}

/// What the bytes are.
#[derive(Clone, Copy)]
enum Protocol {
    /// MQTT in this version's layout.
    Mqtt(Version),
    /// CoAP over UDP (RFC 7252 §3).
    Coap,
    /// CoAP over TCP/TLS (RFC 8323 §3.2).
    CoapTcp,
    /// An LwM2M payload, with the request path if given.
    Lwm2m(lwm2m_json::Format, Option<lwm2m_model::model::Path>),
}

#[derive(Clone, Copy)]
enum Command {
    Decode,
    Encode,
}

fn main() -> ExitCode {
    let Ok(args) = std::env::args_os().skip(1).map(OsString::into_string).collect::<Result<Vec<_>, _>>() else {
        return usage("arguments must be UTF-8");
    };
    let (command, protocol, input, path) = match args.as_slice() {
        [c, p, i] => (c, p, i, None),
        [c, p, i, flag, path] if flag == "--path" => (c, p, i, Some(path)),
        [h] if h == "-h" || h == "--help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => return usage("expected 3 arguments, or 5 with --path"),
    };
    let command = match command.as_str() {
        "decode" => Command::Decode,
        "encode" => Command::Encode,
        other => return usage(&format!("unknown command {other:?}")),
    };
    let version = match protocol.as_str() {
        "mqtt3" => Protocol::Mqtt(Version::V311),
        "mqtt5" => Protocol::Mqtt(Version::V5),
        "coap" => Protocol::Coap,
        "coap-tcp" => Protocol::CoapTcp,
        other => match lwm2m_json::Format::from_name(other) {
            Some(format) => {
                let path = match path.map(|p| p.parse::<lwm2m_model::model::Path>()) {
                    None => None,
                    Some(Ok(p)) => Some(p),
                    Some(Err(e)) => return usage(&format!("--path: {e}")),
                };
                Protocol::Lwm2m(format, path)
            }
            None => return usage(&format!("unknown protocol {other:?}")),
        },
    };
    if path.is_some() && !matches!(version, Protocol::Lwm2m(..)) {
        return usage("--path is for the LwM2M formats");
    }
    if input == "-" {
        return match batch(command, version) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("wire: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let mut line = String::new();
    let ok = answer(command, version, input, &mut line);
    line.push('\n');
    // A closed stdout is a failure to answer, not a panic.
    let written = io::stdout().lock().write_all(line.as_bytes());
    if ok && written.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("wire: {problem}\n{USAGE}");
    ExitCode::from(2)
}

/// Answers each stdin line with one stdout line, refusals included.
fn batch(command: Command, version: Protocol) -> io::Result<()> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout().lock());
    let (mut raw, mut line) = (Vec::new(), String::new());
    loop {
        raw.clear();
        if input.read_until(b'\n', &mut raw)? == 0 {
            break;
        }
        let text = raw.strip_suffix(b"\n").unwrap_or(&raw);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        line.clear();
        match std::str::from_utf8(text) {
            Ok(text) => {
                answer(command, version, text, &mut line);
            }
            Err(_) => Failure::new("input: line is not UTF-8".to_owned()).write(&mut line),
        }
        line.push('\n');
        out.write_all(line.as_bytes())?;
    }
    out.flush()
}

/// Writes the answer to one input into `out` (without a newline); `false` if it was refused.
fn answer(command: Command, protocol: Protocol, input: &str, out: &mut String) -> bool {
    let result = match (command, protocol) {
        (Command::Decode, Protocol::Mqtt(version)) => decode(version, input, out),
        (Command::Decode, Protocol::Coap) => decode_coap(input, out),
        (Command::Decode, Protocol::CoapTcp) => decode_coap_tcp(input, out),
        (Command::Encode, Protocol::Mqtt(version)) => {
            mqtt_build::encode(input, version).map(|bytes| hex::push(out, &bytes))
        }
        (Command::Encode, Protocol::Coap | Protocol::CoapTcp) => {
            coap_build::encode(input, matches!(protocol, Protocol::CoapTcp)).map(|bytes| hex::push(out, &bytes))
        }
        (Command::Decode, Protocol::Lwm2m(format, path)) => hex::decode(input)
            .map_err(|e| Failure::new(format!("hex: {e}")))
            .and_then(|bytes| lwm2m_json::decode(format, &bytes, path, out)),
        (Command::Encode, Protocol::Lwm2m(format, path)) => {
            lwm2m_build::encode(format, input, path).map(|bytes| hex::push(out, &bytes))
        }
    };
    match result {
        Ok(()) => true,
        Err(failure) => {
            out.clear();
            failure.write(out);
            false
        }
    }
}

/// Decodes exactly one packet from hex and writes its JSON.
fn decode(version: Version, input: &str, out: &mut String) -> Result<(), Failure> {
    let bytes = hex::decode(input).map_err(|e| Failure::new(format!("hex: {e}")))?;
    // The citation for the Remaining Length, which decides where a packet ends.
    let length_rule = Malformed::Truncated(Field::RemainingLength).rule();
    match decode_packet(&bytes, &DecodeOptions::new(version)) {
        Ok(Status::Complete { item, consumed }) => {
            let extra = bytes.len().saturating_sub(consumed);
            if extra > 0 {
                return Err(Failure::new(format!(
                    "{length_rule}: {} after the end of the packet (it ends at byte {consumed})",
                    count(extra, "trailing byte")
                )));
            }
            mqtt_json::packet(&item, version).write(out);
            Ok(())
        }
        Ok(Status::Partial(needed)) => {
            // The fixed header is whole once a Remaining Length byte without the continuation bit is in.
            let header_known = bytes.iter().skip(1).take(4).any(|b| b & 0x80 == 0);
            let what = match needed {
                Needed::AtLeast(n) if header_known => count(n.get(), "more byte") + " needed",
                Needed::AtLeast(n) => {
                    format!("remaining length incomplete, at least {} needed", count(n.get(), "more byte"))
                }
                _ => "remaining length incomplete".to_owned(),
            };
            Err(Failure::new(format!("{length_rule}: truncated packet: {what}")))
        }
        Err(e) => Err(Failure::new(format!("{}: {} (at byte {})", e.kind.rule(), e.kind, e.offset))),
    }
}

/// Decodes exactly one CoAP datagram (RFC 7252 §3) from hex and writes its JSON.
fn decode_coap(input: &str, out: &mut String) -> Result<(), Failure> {
    let bytes = hex::decode(input).map_err(|e| Failure::new(format!("hex: {e}")))?;
    // A datagram is one message: its end is the datagram's end (RFC 7252 §3).
    let m = coap_codec::wire::Message::new_checked(&bytes[..]).map_err(|e| Failure::new(e.to_string()))?;
    coap_json::message(&m).write(out);
    Ok(())
}

/// Decodes exactly one CoAP-over-TCP frame (RFC 8323 §3.2) from hex and writes its JSON.
fn decode_coap_tcp(input: &str, out: &mut String) -> Result<(), Failure> {
    use coap_codec::wire::tcp::{decode_frame, Status};
    let bytes = hex::decode(input).map_err(|e| Failure::new(format!("hex: {e}")))?;
    // The citation for the Len field, which decides where a frame ends.
    const LEN_RULE: &str = "RFC 8323 §3.2";
    match decode_frame(&bytes).map_err(|e| Failure::new(e.to_string()))? {
        Status::Complete { item, consumed } => {
            let extra = bytes.len().saturating_sub(consumed);
            if extra > 0 {
                return Err(Failure::new(format!(
                    "{LEN_RULE}: {} after the end of the message (it ends at byte {consumed})",
                    count(extra, "trailing byte")
                )));
            }
            coap_json::tcp_message(&item).write(out);
            Ok(())
        }
        Status::Partial(n) => {
            Err(Failure::new(format!("{LEN_RULE}: truncated message: {} needed", count(n.get(), "more byte"))))
        }
    }
}

/// `1 trailing byte`, `3 trailing bytes`.
fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
