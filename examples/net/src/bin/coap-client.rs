//! `coap-client`: send one CoAP request over UDP, TCP or WebSockets and print the response
//! payload, in the spirit of libcoap's `coap-client`; with `-s` observe a resource and print one
//! line per notification. It shows coap-codec's poll-driven machines as a client on tokio
//! sockets: over UDP (`coap://`) the `Endpoint` through `net::coap_driver` picks message id and
//! token, retransmits a CON, matches the piggybacked or separate response (acknowledging the
//! latter), orders notifications, and deregisters; over TCP (`coap+tcp://`, RFC 8323 §3) and
//! WebSockets (`coap+ws://`, §4) a `Session` through `net::coap_stream_driver` sends the CSM,
//! matches by token and deregisters (the connection initiator's role).
//!
//! ```text
//! cargo run -p net --bin coap-client -- coap://127.0.0.1/test
//! cargo run -p net --bin coap-client -- -m put -e 21.5 -t text coap://127.0.0.1/test -v
//! cargo run -p net --bin coap-client -- -N coap://127.0.0.1/query?a=1&b=2     # NON request
//! cargo run -p net --bin coap-client -- -s 10 coap://127.0.0.1/obs            # observe 10 s
//! cargo run -p net --bin coap-client -- -m put -O 5 -e x coap://127.0.0.1/create1   # If-None-Match
//! cargo run -p net --bin coap-client -- coap+tcp://127.0.0.1/test -v          # CoAP over TCP
//! cargo run -p net --bin coap-client -- -b 64 coap://127.0.0.1/large         # 64-byte blocks
//! cargo run -p net --bin coap-client -- -m put -f fw.bin coap://127.0.0.1/large-update -o out
//! cargo run -p net --bin coap-client -- -s 5 coap+ws://127.0.0.1:8080/obs     # over WebSockets
//! ```
//!
//! Over UDP, bodies larger than a block (`-b`, default 1024 bytes) go block-wise (RFC 7959): a
//! request body from `-e` or `-f` in Block1 blocks, a response in Block2 blocks fetched by the
//! endpoint, and an Observe notification larger than a block fetched whole (§3.4); what is
//! printed is always the whole body. With `-b` below 1024 the endpoint asks for that size from
//! the first block of an answer on (early negotiation, RFC 7959 §2.4). Over TCP and WebSockets
//! `-b` means nothing: bodies go in BERT blocks when the server announces Block-Wise-Transfer
//! (RFC 8323 §6), whole otherwise.
//!
//! The payload goes to stdout (followed by a newline; nothing for an empty payload), or with
//! `-o FILE` to that file as it is (each notification's body after the last). With
//! `-v`, stderr gets the response code and one hex line per datagram, TCP frame or WebSocket
//! message (`-> 40 01 ...` sent, `<- 60 45 ...` received). Over TCP and WebSockets `-N` means
//! nothing (there are no message types, RFC 8323 §3.2) and `--cancel` deregisters like the
//! default (§7.4: there is no RST to end an observation).
//!
//! Exit status: 0 for a 2.xx response (or an observation that ran its time); 1 for a 4.xx or
//! 5.xx response (its code goes to stderr), an RST, a request that timed out (no ACK after the
//! retransmissions, or no response within `-B` seconds), a connection that failed or closed
//! first, or a socket error; 2 for bad arguments.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgAction, Parser};
use coap_codec::endpoint::{Config, Limits, RequestError, RequestHandle, RequestOptions};
use coap_codec::session::{self, Transport};
use coap_codec::uri::{Scheme, Uri};
use coap_codec::wire::{Code, ContentFormat, MessageBuilder, MessageId, MessageType, OptionNumber};
use net::coap_driver::{hex, Driver, Event, MessageBuf, Trace};
use net::coap_stream_driver::{StreamDriver, Trace as StreamTrace};

/// Send a CoAP request over UDP, TCP or WebSockets and print the response payload.
#[derive(Debug, Parser)]
#[command(name = "coap-client", disable_help_flag = true)]
struct Args {
    /// Method: get, put, post, delete, fetch, patch or ipatch.
    #[arg(short, long, default_value = "get", value_parser = method)]
    method: Code,
    /// Payload to send.
    #[arg(short = 'e', long = "payload", value_name = "TEXT", conflicts_with = "file")]
    payload: Option<String>,
    /// Payload to send: the contents of FILE (`-` for stdin).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    file: Option<String>,
    /// Block size of block-wise transfers over UDP (RFC 7959): 16, 32, 64, 128, 256, 512 or
    /// 1024 bytes (default 1024), for the request body (Block1) and the response (Block2); below
    /// 1024 the endpoint asks for it from the first block of the answer on (early negotiation,
    /// RFC 7959 §2.4, §3.3: Block2 in a GET or FETCH, and in the last block of a POST or FETCH).
    #[arg(short = 'b', long = "block-size", value_name = "SIZE", value_parser = block_size)]
    block_size: Option<u8>,
    /// Write response bodies to FILE, nothing added, instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<std::path::PathBuf>,
    /// Content-Format of the payload: a number, or text, link, xml, octet, json, cbor.
    #[arg(short = 't', long = "content-format", value_name = "FORMAT", value_parser = content_format)]
    content_format: Option<u16>,
    /// Accept: the Content-Format wanted in the response (as for -t).
    #[arg(short = 'A', long, value_name = "FORMAT", value_parser = content_format)]
    accept: Option<u16>,
    /// Send the request as NON (non-confirmable) instead of CON.
    #[arg(short = 'N', long = "non")]
    non: bool,
    /// Observe for this many seconds (RFC 7641), then deregister (a GET with Observe 1).
    #[arg(short = 's', long = "observe", value_name = "SECONDS")]
    observe: Option<u64>,
    /// With -s: end by forgetting the observation (the next notification gets RST) instead of
    /// deregistering.
    #[arg(long, requires = "observe")]
    cancel: bool,
    /// Add option NUM, empty or with VALUE (text, or hex after 0x); repeat for more.
    #[arg(short = 'O', long = "option", value_name = "NUM[,VALUE]", value_parser = option_arg)]
    options: Vec<RawOption>,
    /// Give up when no response came within this many seconds.
    #[arg(short = 'B', long = "wait", value_name = "SECONDS", default_value_t = 90)]
    wait: u64,
    /// Print the response code and a hex line of each datagram to stderr.
    #[arg(short, long)]
    verbose: bool,
    /// The resource: `coap://HOST:PORT/PATH?QUERY` (port and query optional; `coap+tcp://` for
    /// CoAP over TCP, `coap+ws://` for CoAP over WebSockets).
    uri: String,
    /// Print help.
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
}

/// A `-O` option.
#[derive(Debug, Clone)]
struct RawOption {
    number: OptionNumber,
    value: Vec<u8>,
}

fn method(s: &str) -> Result<Code, String> {
    match s.to_ascii_lowercase().as_str() {
        "get" => Ok(Code::GET),
        "post" => Ok(Code::POST),
        "put" => Ok(Code::PUT),
        "delete" => Ok(Code::DELETE),
        "fetch" => Ok(Code::FETCH),
        "patch" => Ok(Code::PATCH),
        "ipatch" => Ok(Code::IPATCH),
        _ => Err("expected get, post, put, delete, fetch, patch or ipatch".into()),
    }
}

/// A block size in bytes as its SZX (RFC 7959 §2.2: 2^(SZX+4) bytes). libcoap's `-b` also
/// takes `NUM,SIZE` to start at block NUM; a transfer here always starts at 0.
fn block_size(s: &str) -> Result<u8, String> {
    if s.contains(',') {
        return Err("give the size alone (a transfer starts at block 0)".into());
    }
    let bytes: u32 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    (0u8..=6).find(|szx| 16u32 << szx == bytes).ok_or_else(|| "expected 16, 32, 64, 128, 256, 512 or 1024".into())
}

fn content_format(s: &str) -> Result<u16, String> {
    let named = match s {
        "text" | "text/plain" => Some(ContentFormat::TEXT_PLAIN),
        "link" | "application/link-format" => Some(ContentFormat::APPLICATION_LINK_FORMAT),
        "xml" | "application/xml" => Some(ContentFormat::APPLICATION_XML),
        "octet" | "application/octet-stream" => Some(ContentFormat::APPLICATION_OCTET_STREAM),
        "json" | "application/json" => Some(ContentFormat::APPLICATION_JSON),
        "cbor" | "application/cbor" => Some(ContentFormat::APPLICATION_CBOR),
        _ => ContentFormat::from_media_type(s),
    };
    match named {
        Some(f) => Ok(f.0),
        None => s.parse().map_err(|_| "expected a number 0-65535 or text, link, xml, octet, json, cbor".into()),
    }
}

fn option_arg(s: &str) -> Result<RawOption, String> {
    let (number, value) = match s.split_once(',') {
        Some((n, v)) => (n, v),
        None => (s, ""),
    };
    let number = number.trim().parse::<u16>().map_err(|_| format!("{number:?} is not an option number"))?;
    let value = match value.strip_prefix("0x") {
        Some(h) => (0..h.len())
            .step_by(2)
            .map(|i| h.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| format!("{value:?} is not an even number of hex digits"))?,
        None => value.as_bytes().to_vec(),
    };
    Ok(RawOption { number: OptionNumber(number), value })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("coap-client: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: &Args) -> Result<(), String> {
    let uri = Uri::parse(&args.uri).map_err(|e| format!("{}: {e}", args.uri))?;
    let payload = match (&args.payload, args.file.as_deref()) {
        (Some(p), _) => Some(p.as_bytes().to_vec()),
        (None, Some("-")) => {
            let mut bytes = Vec::new();
            io::Read::read_to_end(&mut io::stdin(), &mut bytes).map_err(|e| format!("stdin: {e}"))?;
            Some(bytes)
        }
        (None, Some(file)) => Some(std::fs::read(file).map_err(|e| format!("{file}: {e}"))?),
        (None, None) => None,
    };
    let mut out = Output::open(args.output.as_deref())?;
    let transport = match uri.scheme {
        Scheme::Coap => None,
        Scheme::CoapTcp => Some(Transport::Tcp),
        Scheme::CoapWs => Some(Transport::WebSocket),
        Scheme::Coaps | Scheme::CoapsTcp | Scheme::CoapsWs => {
            return Err(format!("{}: DTLS and TLS are not supported", uri.scheme.as_str()))
        }
    };
    let host = uri.host.trim_start_matches('[').trim_end_matches(']');
    let server = tokio::net::lookup_host((host, uri.port))
        .await
        .map_err(|e| format!("{host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host}: no address"))?;
    let start = tokio::time::Instant::now();
    let give_up = start + Duration::from_secs(args.wait);
    let seed = clock_seed();
    let mut conn = match transport {
        None => {
            let local: SocketAddr = if server.is_ipv4() { ([0, 0, 0, 0], 0).into() } else { ([0u16; 8], 0).into() };
            let config = Config { seed, block_szx: Some(args.block_size.unwrap_or(6)), ..Config::default() };
            // Room for the request body being sent in blocks and a response of up to 1 MiB.
            let body_bytes = (1 << 20) + payload.as_ref().map_or(0, Vec::len);
            let limits = Limits { exchanges: 4, dedup: 256, observers: 0, body_bytes, ..Limits::default() };
            let mut driver = Driver::bind(local, config, &limits).await.map_err(|e| format!("UDP socket: {e}"))?;
            if args.verbose {
                driver.set_trace(|t| match t {
                    Trace::Sent { datagram, .. } => eprintln!("-> {}", hex(datagram)),
                    Trace::Received { datagram, outcome: Ok(()), .. } => eprintln!("<- {}", hex(datagram)),
                    Trace::Received { datagram, outcome: Err(why), .. } => eprintln!("<- {} ({why})", hex(datagram)),
                    Trace::SendFailed { error, .. } => eprintln!("send failed: {error}"),
                    _ => {}
                });
            }
            Conn::Udp(driver, server)
        }
        Some(transport) => {
            // RFC 8323 §6: block-wise (BERT when the server announces it too) with the body store
            // sized as over UDP.
            let config = session::Config {
                seed,
                block_wise_transfer: true,
                max_message_size: 16 * 1024 + 256,
                ..session::Config::default()
            };
            let body_bytes = (1 << 20) + payload.as_ref().map_or(0, Vec::len);
            let limits =
                session::Limits { exchanges: 4, requests: 4, observers: 0, body_bytes, ..session::Limits::default() };
            let connect = async {
                match transport {
                    Transport::Tcp => StreamDriver::connect_tcp(server, config, &limits).await,
                    // The Host header names the URI's authority (RFC 6455 §4.1).
                    _ => StreamDriver::connect_ws(server, &format!("{}:{}", uri.host, uri.port), config, &limits).await,
                }
            };
            let mut driver = tokio::time::timeout_at(give_up, connect)
                .await
                .map_err(|_| format!("{}://{server}: no connection in time", uri.scheme.as_str()))?
                .map_err(|e| format!("{}://{server}: {e}", uri.scheme.as_str()))?;
            if args.verbose {
                driver.set_trace(|t| match t {
                    StreamTrace::Sent { frame } => eprintln!("-> {}", hex(frame)),
                    StreamTrace::Received { frame } => eprintln!("<- {}", hex(frame)),
                    StreamTrace::Failed { error } => eprintln!("connection failed: {error}"),
                    _ => {}
                });
            }
            // RFC 8323 §3.3: the server's CSM says how large a message may be and whether blocks
            // may be used (§6); a body larger than the base 1,152 bytes needs to know. The wait
            // ends early on the end of the session (reported with the request's outcome).
            if payload.as_ref().is_some_and(|p| p.len() > 1024) {
                let _ = tokio::time::timeout_at(give_up, driver.wait_for_csm()).await;
            }
            Conn::Stream(driver)
        }
    };

    // The request: the URI's options, then ours (the builder sorts them by number).
    let mut scratch = [0u8; 2048];
    let ty = if args.non { MessageType::NonConfirmable } else { MessageType::Confirmable };
    let mut b = MessageBuilder::<64>::new(ty, args.method, MessageId(0));
    uri.add_options(&mut b, &mut scratch).map_err(|e| format!("{}: {e}", args.uri))?;
    let encode = |e| format!("request: {e}");
    if let Some(f) = args.content_format {
        b.uint(OptionNumber::CONTENT_FORMAT, u32::from(f)).map_err(encode)?;
    }
    if let Some(f) = args.accept {
        b.uint(OptionNumber::ACCEPT, u32::from(f)).map_err(encode)?;
    }
    if args.observe.is_some() {
        b.uint(OptionNumber::OBSERVE, 0).map_err(encode)?;
    }
    for o in &args.options {
        b.option(o.number, &o.value).map_err(encode)?;
    }
    if let Some(p) = &payload {
        b.payload(p);
    }
    let opts = RequestOptions { confirmable: !args.non, ..RequestOptions::default() };
    let request = conn.request(&b, opts).map_err(|e| format!("request: {e}"))?;

    let result = match args.observe {
        None => match await_response(&mut conn, request, give_up, args.verbose).await {
            Ok(response) => out.write(&response),
            Err(e) => Err(e),
        },
        Some(seconds) => {
            observe(&mut conn, request, start + Duration::from_secs(seconds), give_up, args, &mut out).await
        }
    };
    conn.finish().await;
    result
}

/// The way to the server: the UDP endpoint and the server's address, or a session on a TCP
/// connection or WebSocket. The rest of the client does not know which.
enum Conn {
    Udp(Driver, SocketAddr),
    Stream(StreamDriver),
}

impl Conn {
    async fn next_event(&mut self) -> io::Result<Event> {
        match self {
            Self::Udp(driver, _) => driver.next_event().await,
            Self::Stream(driver) => driver.next_event().await,
        }
    }

    fn request(&mut self, b: &MessageBuilder<'_, 64>, opts: RequestOptions) -> Result<RequestHandle, RequestError> {
        match self {
            Self::Udp(driver, server) => driver.command(|ep, now| ep.request(now, *server, b, opts)),
            Self::Stream(driver) => driver.command(|s, now| s.request(now, b, opts)),
        }
    }

    fn deregister(&mut self, request: RequestHandle) -> Result<(), RequestError> {
        match self {
            Self::Udp(driver, _) => driver.command(|ep, now| ep.deregister(now, request)),
            Self::Stream(driver) => driver.command(|s, now| s.deregister(now, request)),
        }
    }

    fn cancel(&mut self, request: RequestHandle) -> Result<(), RequestError> {
        match self {
            Self::Udp(driver, _) => driver.command(|ep, now| ep.cancel(now, request)),
            Self::Stream(driver) => driver.command(|s, now| s.cancel(now, request)),
        }
    }

    /// Sends what is queued (an RST, a deregistration) and, for a connection, closes it.
    async fn finish(&mut self) {
        let bound = Duration::from_secs(2);
        match self {
            Self::Udp(driver, _) => {
                let _ = tokio::time::timeout(bound, driver.flush()).await;
            }
            Self::Stream(driver) => {
                let _ = tokio::time::timeout(bound, driver.close()).await;
            }
        }
    }
}

/// Waits for the final response to `request` (printing nothing); an error for a timeout, an
/// RST, a closed connection or a 4.xx/5.xx code.
async fn await_response(
    conn: &mut Conn,
    request: RequestHandle,
    give_up: tokio::time::Instant,
    verbose: bool,
) -> Result<MessageBuf, String> {
    loop {
        let event = tokio::time::timeout_at(give_up, conn.next_event())
            .await
            .map_err(|_| "no response in time (request timed out)".to_owned())?
            .map_err(|e| format!("socket: {e}"))?;
        match event {
            Event::ResponseReceived { request: r, response, .. } if r == request => {
                return success(response, verbose);
            }
            other => check_failure(&other, request)?,
        }
    }
}

/// Observes until `end`, printing the first response and each notification, then deregisters
/// (or cancels with `--cancel`).
async fn observe(
    conn: &mut Conn,
    request: RequestHandle,
    end: tokio::time::Instant,
    give_up: tokio::time::Instant,
    args: &Args,
    out: &mut Output,
) -> Result<(), String> {
    let mut established = false;
    loop {
        let deadline = if established { end } else { end.min(give_up) };
        let Ok(event) = tokio::time::timeout_at(deadline, conn.next_event()).await else {
            if !established {
                return Err("no response in time (request timed out)".into());
            }
            break;
        };
        match event.map_err(|e| format!("socket: {e}"))? {
            Event::ResponseReceived { request: r, response, observing, .. } if r == request => {
                out.write(&success(response, args.verbose)?)?;
                if !observing {
                    // The server did not register us (RFC 7641 §3.1: a plain response).
                    if args.verbose {
                        eprintln!("(not observing: the response has no Observe option)");
                    }
                    return Ok(());
                }
                established = true;
            }
            Event::NotificationReceived { request: r, notification, .. } if r == request => {
                out.write(&notification)?;
            }
            // RFC 7959 §3.4: the rest of a notification could not be fetched; the registration
            // goes on, and the next notification is fetched afresh.
            Event::TransferFailed { request: r, reason, .. } if r == request && established => {
                eprintln!("coap-client: a notification was lost: {reason}");
            }
            other => check_failure(&other, request)?,
        }
    }
    if args.cancel {
        return conn.cancel(request).map_err(|e| format!("cancel: {e}"));
    }
    conn.deregister(request).map_err(|e| format!("deregister: {e}"))?;
    // The final response to the deregistration (RFC 7641 §3.6); notifications sent before it
    // are no longer printed.
    let bound = tokio::time::Instant::now() + Duration::from_secs(args.wait.min(10));
    loop {
        let Ok(event) = tokio::time::timeout_at(bound, conn.next_event()).await else {
            eprintln!("coap-client: no answer to the deregistration; leaving anyway");
            return Ok(());
        };
        match event.map_err(|e| format!("socket: {e}"))? {
            Event::ResponseReceived { request: r, response, .. } if r == request => {
                if args.verbose {
                    eprintln!("{} (deregistered)", response.code);
                }
                return Ok(());
            }
            Event::RequestTimedOut { request: r, .. } | Event::RequestReset { request: r, .. } if r == request => {
                return Ok(());
            }
            Event::Closed { .. } => return Ok(()),
            _ => {}
        }
    }
}

/// `response` if its code is 2.xx (printing the code with `-v`); its code as the error
/// otherwise.
fn success(response: MessageBuf, verbose: bool) -> Result<MessageBuf, String> {
    if verbose {
        eprintln!("{}", response.code);
        // Where a POST or PUT created something (RFC 7252 §5.8.2, §5.10.7).
        let location: String = response
            .options_of(OptionNumber::LOCATION_PATH)
            .map(|seg| format!("/{}", String::from_utf8_lossy(seg)))
            .collect();
        if !location.is_empty() {
            eprintln!("Location-Path: {location}");
        }
    }
    if response.code.class() == 2 {
        return Ok(response);
    }
    let diagnostic = String::from_utf8_lossy(&response.payload);
    Err(if diagnostic.is_empty() { format!("{}", response.code) } else { format!("{}: {diagnostic}", response.code) })
}

/// An error for a timeout or reset of `request`; other events pass.
fn check_failure(event: &Event, request: RequestHandle) -> Result<(), String> {
    match event {
        Event::RequestTimedOut { request: r, peer } if *r == request => {
            Err(format!("request timed out: no acknowledgement or response from {peer}"))
        }
        Event::RequestReset { request: r, peer } if *r == request => Err(format!("{peer} rejected the request (RST)")),
        Event::TransferFailed { request: r, peer, reason } if *r == request => {
            Err(format!("block-wise transfer with {peer} failed: {reason}"))
        }
        Event::Closed { peer, reason } => Err(format!("the connection to {peer} closed: {reason}")),
        _ => Ok(()),
    }
}

/// Where response bodies go: stdout, or the `-o` file.
enum Output {
    Stdout,
    File(std::fs::File, String),
}

impl Output {
    /// Stdout, or `path` created (truncated when it exists).
    fn open(path: Option<&std::path::Path>) -> Result<Self, String> {
        match path {
            None => Ok(Self::Stdout),
            Some(p) => {
                let name = p.display().to_string();
                std::fs::File::create(p).map(|f| Self::File(f, name.clone())).map_err(|e| format!("{name}: {e}"))
            }
        }
    }

    /// Writes the payload: to stdout followed by a newline (nothing for an empty payload), to
    /// the file as it is.
    fn write(&mut self, m: &MessageBuf) -> Result<(), String> {
        match self {
            Self::File(f, name) => f.write_all(&m.payload).and_then(|()| f.flush()).map_err(|e| format!("{name}: {e}")),
            Self::Stdout if m.payload.is_empty() => Ok(()),
            Self::Stdout => {
                let mut stdout = io::stdout().lock();
                stdout
                    .write_all(&m.payload)
                    .and_then(|()| stdout.write_all(b"\n"))
                    .and_then(|()| stdout.flush())
                    .map_err(|e| format!("stdout: {e}"))
            }
        }
    }
}

/// A seed that differs between runs, so tokens and message ids do too (RFC 7252 §4.4, §5.3.1).
fn clock_seed() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (t.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32)
}
