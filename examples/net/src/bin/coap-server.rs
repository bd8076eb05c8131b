//! `coap-server`: a CoAP server over UDP with the resources of the ETSI CoAP plugtests
//! (`TD_COAP_CORE_*`, `TD_COAP_LINK_*`, `TD_COAP_OBS_*`). It shows coap-codec's poll-driven
//! `Endpoint` on a tokio socket through `net::coap_driver`: the endpoint does every protocol
//! decision (piggybacked, separate and NON responses, deduplication with byte-identical
//! answers, RST to pings and to malformed CONs, 4.02 for unknown critical options, No-Response,
//! observers and their sequence numbers); this file only picks the answer for each resource.
//!
//! ```text
//! cargo run --release --bin coap-server                                  # udp://127.0.0.1:5683
//! cargo run --release --bin coap-server -- --listen 0.0.0.0:5683 -v      # log each request
//! cargo run --release --bin coap-server -- --listen 127.0.0.1:0 --obs-interval-ms 200
//! coap-client-notls -m get coap://127.0.0.1/test                         # try it with libcoap
//! ```
//!
//! It prints `coap-server listening on udp://ADDR` once the socket is bound (with port 0, the
//! port chosen), then runs until killed. Resources:
//!
//! | path | methods |
//! |---|---|
//! | `/test` | GET 2.05 (a description of the request), POST 2.01 + Location-Path, PUT 2.04, DELETE 2.02 |
//! | `/separate` | GET: empty ACK, then a separate 2.05 after `--separate-delay-ms` |
//! | `/seg1/seg2/seg3` | GET 2.05 |
//! | `/query` | GET 2.05 with the Uri-Query values joined by `&` |
//! | `/obs`, `/obs-non` | GET (Observe 0 registers), a new value every `--obs-interval-ms`; PUT sets the value, DELETE removes it (observers get 4.04) |
//! | `/location-query` | POST 2.01 + Location-Query `first=1`, `second=2` |
//! | `/multi-format` | GET with Accept 0 (text/plain) or 41 (application/xml), else 4.06 |
//! | `/validate` | GET with ETag (2.03 Valid for a matching ETag), PUT changes it (If-Match honoured) |
//! | `/create1` | PUT (If-None-Match: 2.01 once, then 4.12), GET, DELETE |
//! | `/link1`..`/link3`, `/path`, `/path/sub1`..`/path/sub3` | GET 2.05 (link-format tests) |
//! | `/.well-known/core` | GET: RFC 6690 link format, filtered by `?name=value` |
//!
//! Other paths get 4.04, other methods 4.05. Not yet: block-wise transfer (so no `/large*`),
//! CoAP over TCP/WebSockets, DTLS.
//!
//! Exit status: 1 when the socket cannot be bound or fails; 2 for bad arguments.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{ArgAction, Parser};
use coap_codec::endpoint::{Config, Limits, ObserverHandle, RespondError, ResponseHandle};
use coap_codec::link_format::{LinkFormat, LinkWriter, QueryFilter};
use coap_codec::wire::{encode_uint, Code, ContentFormat, MessageBuilder, MessageId, MessageType, OptionNumber};
use net::coap_driver::{Driver, Event, MessageBuf};

/// Resource numbers for `Endpoint::observe`.
const OBS: u32 = 1;
const OBS_NON: u32 = 2;

/// A CoAP server over UDP with the ETSI plugtest resources.
#[derive(Debug, Parser)]
#[command(name = "coap-server", disable_help_flag = true)]
struct Args {
    /// Address to listen on: `ADDR`, `udp://ADDR` or `coap://ADDR` (one for now).
    #[arg(short, long = "listen", value_name = "ADDR", default_value = "127.0.0.1:5683", value_parser = udp_addr)]
    listen: Vec<SocketAddr>,
    /// How often the value of /obs and /obs-non changes (and observers are notified).
    #[arg(long, value_name = "MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..))]
    obs_interval_ms: u64,
    /// How long /separate takes before its separate response.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    separate_delay_ms: u64,
    /// Log one line per request and per observer change to stdout.
    #[arg(short, long)]
    verbose: bool,
    /// Seed for message ids and tokens (default: from the clock).
    #[arg(long)]
    seed: Option<u64>,
    /// Print help.
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
}

/// A `--listen` value: a UDP socket address, bare or as `udp://` / `coap://`.
fn udp_addr(s: &str) -> Result<SocketAddr, String> {
    let addr = match s.split_once("://") {
        None => s,
        Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
            "udp" | "coap" => rest,
            "tcp" | "tls" | "ws" | "wss" | "coap+tcp" | "coaps+tcp" | "coap+ws" | "coaps+ws" => {
                return Err(format!(
                    "{scheme}: CoAP over TCP, TLS and WebSockets (RFC 8323) is not supported yet; it comes with \
                     block-wise transfer (RFC 7959). Listen on udp://ADDR"
                ))
            }
            "coaps" | "dtls" => return Err(format!("{scheme}: DTLS is not supported; listen on udp://ADDR")),
            _ => return Err(format!("unknown scheme {scheme:?}; listen on udp://ADDR")),
        },
    };
    addr.trim_end_matches('/').parse().map_err(|e| format!("{addr:?}: {e} (expected e.g. 127.0.0.1:5683)"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("coap-server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What woke the main loop.
enum Wake {
    Event(std::io::Result<Event>),
    Tick,
    Separate,
}

async fn run(args: &Args) -> Result<(), String> {
    let [addr] = args.listen.as_slice() else {
        return Err("one --listen address for now (several sockets come with CoAP over TCP)".into());
    };
    let seed = args.seed.unwrap_or_else(clock_seed);
    let config = Config { seed, ..Config::default() };
    let mut driver =
        Driver::bind(*addr, config, &Limits::default()).await.map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let local = driver.local_addr().map_err(|e| e.to_string())?;
    let mut server = Server::new(args)?;
    server.log(&format!("coap-server listening on udp://{local}"));

    let interval = Duration::from_millis(args.obs_interval_ms);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        let separate = server.separate.iter().map(|s| s.due).min();
        let woke = tokio::select! {
            ev = driver.next_event() => Wake::Event(ev),
            _ = tick.tick() => Wake::Tick,
            () = tokio::time::sleep_until(separate.unwrap_or_else(tokio::time::Instant::now)),
                if separate.is_some() => Wake::Separate,
        };
        match woke {
            Wake::Event(Err(e)) => return Err(format!("socket: {e}")),
            Wake::Event(Ok(event)) => server.on_event(&mut driver, event),
            Wake::Tick => server.tick(&mut driver),
            Wake::Separate => server.send_separate(&mut driver),
        }
    }
}

/// A seed that differs between runs (message ids and tokens should not repeat across
/// restarts, RFC 7252 §4.4).
fn clock_seed() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (t.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32)
}

/// A response: code, options, payload. The endpoint sets type, message id and token.
#[derive(Debug, Clone)]
struct Reply {
    code: Code,
    options: Vec<(OptionNumber, Vec<u8>)>,
    payload: Vec<u8>,
}

impl Reply {
    fn new(code: Code) -> Self {
        Self { code, options: Vec::new(), payload: Vec::new() }
    }

    /// A reply with a text/plain payload.
    fn text(code: Code, text: impl Into<String>) -> Self {
        Self::new(code).uint(OptionNumber::CONTENT_FORMAT, u32::from(ContentFormat::TEXT_PLAIN.0)).payload(text)
    }

    fn option(mut self, number: OptionNumber, value: impl Into<Vec<u8>>) -> Self {
        self.options.push((number, value.into()));
        self
    }

    fn uint(self, number: OptionNumber, value: u32) -> Self {
        let (bytes, n) = encode_uint(value);
        self.option(number, bytes.get(..n).unwrap_or(&[]))
    }

    fn payload(mut self, payload: impl Into<String>) -> Self {
        self.payload = payload.into().into_bytes();
        self
    }

    /// The builder `respond` and `notify` take (room for the Observe the endpoint adds).
    fn builder(&self) -> Result<MessageBuilder<'_, 24>, RespondError> {
        let mut b = MessageBuilder::new(MessageType::Acknowledgement, self.code, MessageId(0));
        for (number, value) in &self.options {
            b.option(*number, value).map_err(RespondError::Encode)?;
        }
        b.payload(&self.payload);
        Ok(b)
    }
}

/// How a reply goes out.
enum How {
    /// Piggybacked on the ACK of a CON, or a NON to a NON.
    Now,
    /// Empty ACK now, the response later as a separate CON.
    Separate,
    /// Register the requester as an observer of this resource first (RFC 7641 §4.1).
    Observe(u32),
}

/// An observable resource's state.
#[derive(Debug)]
struct Observable {
    exists: bool,
    ticks: u64,
    value: Vec<u8>,
    content_format: u32,
}

/// A separate response waiting for its time.
struct Pending {
    due: tokio::time::Instant,
    handle: ResponseHandle,
    reply: Reply,
}

struct Server {
    verbose: bool,
    max_age: u32,
    separate_delay: Duration,
    separate: Vec<Pending>,
    observables: [Observable; 2],
    /// `/validate`: value and ETag counter.
    validate: (Vec<u8>, u32),
    /// `/create1`: value and Content-Format once created.
    create1: Option<(Vec<u8>, Option<u32>)>,
    /// `/.well-known/core`, written once.
    core_links: String,
    /// An observable a request just changed (PUT, DELETE): notify after answering.
    changed: Option<u32>,
}

impl Server {
    fn new(args: &Args) -> Result<Self, String> {
        let observable = || Observable {
            exists: true,
            ticks: 0,
            value: b"0".to_vec(),
            content_format: u32::from(ContentFormat::TEXT_PLAIN.0),
        };
        Ok(Self {
            verbose: args.verbose,
            // RFC 7641 §4.3.1: fresh until the next change is due, with a margin.
            max_age: u32::try_from(args.obs_interval_ms.div_ceil(1000) + 1).unwrap_or(u32::MAX),
            separate_delay: Duration::from_millis(args.separate_delay_ms),
            separate: Vec::new(),
            observables: [observable(), observable()],
            validate: (b"validate me".to_vec(), 1),
            create1: None,
            core_links: core_links().map_err(|e| format!("/.well-known/core: {e}"))?,
            changed: None,
        })
    }

    fn log(&self, line: &str) {
        let mut stdout = std::io::stdout();
        // A closed stdout is no reason to stop serving.
        let _ = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
    }

    fn on_event(&mut self, driver: &mut Driver, event: Event) {
        match event {
            Event::RequestReceived { handle, from, request } => {
                let (reply, how) = self.route(&request);
                if self.verbose {
                    let method = request.code.name().map_or_else(|| request.code.to_string(), str::to_owned);
                    let path = request.path();
                    self.log(&format!("{from} {} {method} {path} -> {}", request.message_type, reply.code));
                }
                self.answer(driver, handle, reply, how);
                if let Some(resource) = self.changed.take() {
                    self.notify_all(driver, resource);
                }
            }
            Event::ObserverRemoved { peer, reason, .. } if self.verbose => {
                self.log(&format!("{peer} observer removed: {reason:?}"));
            }
            Event::ResponseNotAcknowledged { peer } if self.verbose => {
                self.log(&format!("{peer} separate response not acknowledged"));
            }
            _ => {}
        }
    }

    fn answer(&mut self, driver: &mut Driver, handle: ResponseHandle, reply: Reply, how: How) {
        let result = match how {
            How::Now => driver.command(|ep, now| ep.respond(now, handle, &reply.builder()?).map(drop)),
            How::Separate => {
                let accepted = driver.command(|ep, now| ep.accept(now, handle));
                self.separate.push(Pending { due: tokio::time::Instant::now() + self.separate_delay, handle, reply });
                accepted
            }
            How::Observe(resource) => driver.command(|ep, now| {
                match ep.observe(now, handle, resource) {
                    // RFC 7641 §4.1: no room for another observer: a plain response.
                    Ok(_) | Err(RespondError::Full(_)) => {}
                    Err(e) => return Err(e),
                }
                ep.respond(now, handle, &reply.builder()?).map(drop)
            }),
        };
        if let Err(e) = result {
            self.log(&format!("cannot answer: {e}"));
        }
    }

    fn send_separate(&mut self, driver: &mut Driver) {
        let now = tokio::time::Instant::now();
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.separate).into_iter().partition(|p| p.due <= now);
        self.separate = later;
        for p in due {
            if let Err(e) = driver.command(|ep, now| ep.respond(now, p.handle, &p.reply.builder()?)) {
                self.log(&format!("cannot send separate response: {e}"));
            }
        }
    }

    /// The observables change; every observer hears of it.
    fn tick(&mut self, driver: &mut Driver) {
        for (i, resource) in [(0, OBS), (1, OBS_NON)] {
            let Some(o) = self.observables.get_mut(i) else { continue };
            if !o.exists {
                continue;
            }
            o.ticks += 1;
            o.value = o.ticks.to_string().into_bytes();
            o.content_format = u32::from(ContentFormat::TEXT_PLAIN.0);
            self.notify_all(driver, resource);
        }
    }

    fn notify_all(&mut self, driver: &mut Driver, resource: u32) {
        let Some(o) = self.observables.get(observable_index(resource)) else { return };
        let reply = if o.exists { self.observable_reply(o) } else { Reply::text(Code::NOT_FOUND, "deleted") };
        let gone = !o.exists;
        let result = driver.command(|ep, now| -> Result<Vec<ObserverHandle>, RespondError> {
            let observers: Vec<ObserverHandle> = ep.observers(resource).collect();
            let b = reply.builder()?;
            for &o in &observers {
                ep.notify(now, o, &b, false)?;
            }
            Ok(observers)
        });
        match result {
            Ok(observers) => {
                if gone {
                    // RFC 7641 §4.2: a non-2.xx notification ends the observation; the endpoint
                    // keeps the observer, so remove it here. A second command, so the
                    // notification is already out: removing an observer also drops its CON
                    // notification in flight, and in the same command that would be this one.
                    for o in &observers {
                        let _ = driver.command(|ep, _| ep.remove_observer(*o));
                    }
                }
                if self.verbose && !observers.is_empty() {
                    self.log(&format!("notified {} observer(s) of {}", observers.len(), observable_path(resource)));
                }
            }
            Err(e) => self.log(&format!("cannot notify: {e}")),
        }
    }

    fn observable_reply(&self, o: &Observable) -> Reply {
        let mut r = Reply::new(Code::CONTENT)
            .uint(OptionNumber::CONTENT_FORMAT, o.content_format)
            .uint(OptionNumber::MAX_AGE, self.max_age);
        r.payload.clone_from(&o.value);
        r
    }

    /// The answer to `req`, and how it goes out.
    fn route(&mut self, req: &MessageBuf) -> (Reply, How) {
        let path = req.path();
        let method = req.code;
        let now = |r| (r, How::Now);
        match path.as_str() {
            "/test" => now(match method {
                Code::GET => Reply::text(Code::CONTENT, describe(req)),
                Code::POST => ["location1", "location2", "location3"]
                    .iter()
                    .fold(Reply::new(Code::CREATED), |r, seg| r.option(OptionNumber::LOCATION_PATH, seg.as_bytes())),
                Code::PUT => Reply::new(Code::CHANGED),
                Code::DELETE => Reply::new(Code::DELETED),
                _ => method_not_allowed(),
            }),
            "/separate" => match method {
                Code::GET => (Reply::text(Code::CONTENT, describe(req)), How::Separate),
                _ => now(method_not_allowed()),
            },
            "/seg1/seg2/seg3" => now(get_only(method, || Reply::text(Code::CONTENT, describe(req)))),
            "/query" => now(get_only(method, || Reply::text(Code::CONTENT, req.queries().join("&")))),
            "/location-query" => now(match method {
                Code::POST => Reply::new(Code::CREATED)
                    .option(OptionNumber::LOCATION_QUERY, "first=1")
                    .option(OptionNumber::LOCATION_QUERY, "second=2"),
                _ => method_not_allowed(),
            }),
            "/multi-format" => now(get_only(method, || multi_format(req))),
            "/validate" => now(self.validate(req)),
            "/create1" => now(self.create1(req)),
            "/obs" => self.observable(req, OBS),
            "/obs-non" => self.observable(req, OBS_NON),
            "/link1" | "/link2" | "/link3" | "/path/sub1" | "/path/sub2" | "/path/sub3" => {
                now(get_only(method, || Reply::text(Code::CONTENT, format!("this is {path}"))))
            }
            "/path" => now(get_only(method, || {
                Reply::new(Code::CONTENT)
                    .uint(OptionNumber::CONTENT_FORMAT, u32::from(ContentFormat::APPLICATION_LINK_FORMAT.0))
                    .payload("</path/sub1>,</path/sub2>,</path/sub3>")
            })),
            "/.well-known/core" => now(get_only(method, || self.well_known_core(req))),
            _ => now(Reply::new(Code::NOT_FOUND)),
        }
    }

    /// `/validate` (TD_COAP_CORE_21, _22): ETag validation and If-Match.
    fn validate(&mut self, req: &MessageBuf) -> Reply {
        let etag = self.validate.1.to_be_bytes();
        match req.code {
            Code::GET => {
                if req.options_of(OptionNumber::ETAG).any(|e| e == etag) {
                    // RFC 7252 §5.10.6.2: the client's stored representation is still valid.
                    return Reply::new(Code::VALID).option(OptionNumber::ETAG, etag);
                }
                Reply::new(Code::CONTENT)
                    .option(OptionNumber::ETAG, etag)
                    .uint(OptionNumber::CONTENT_FORMAT, u32::from(ContentFormat::TEXT_PLAIN.0))
                    .payload(String::from_utf8_lossy(&self.validate.0))
            }
            Code::PUT => {
                // RFC 7252 §5.10.8.1: an empty If-Match matches any current representation.
                let mut if_match = req.options_of(OptionNumber::IF_MATCH).peekable();
                if if_match.peek().is_some() && !if_match.any(|v| v.is_empty() || v == etag) {
                    return Reply::new(Code::PRECONDITION_FAILED);
                }
                self.validate = (req.payload.clone(), self.validate.1.wrapping_add(1));
                Reply::new(Code::CHANGED).option(OptionNumber::ETAG, self.validate.1.to_be_bytes())
            }
            _ => method_not_allowed(),
        }
    }

    /// `/create1` (TD_COAP_CORE_23): If-None-Match creates once.
    fn create1(&mut self, req: &MessageBuf) -> Reply {
        match req.code {
            Code::PUT => {
                let exists = self.create1.is_some();
                if exists && req.option(OptionNumber::IF_NONE_MATCH).is_some() {
                    // RFC 7252 §5.10.8.2: the target exists, so the condition fails.
                    return Reply::new(Code::PRECONDITION_FAILED);
                }
                self.create1 = Some((req.payload.clone(), req.uint_option(OptionNumber::CONTENT_FORMAT)));
                Reply::new(if exists { Code::CHANGED } else { Code::CREATED })
            }
            Code::GET => match &self.create1 {
                Some((value, format)) => {
                    let mut r = Reply::new(Code::CONTENT);
                    if let Some(f) = format {
                        r = r.uint(OptionNumber::CONTENT_FORMAT, *f);
                    }
                    r.payload.clone_from(value);
                    r
                }
                None => Reply::new(Code::NOT_FOUND),
            },
            Code::DELETE => {
                self.create1 = None;
                Reply::new(Code::DELETED)
            }
            _ => method_not_allowed(),
        }
    }

    /// `/obs` and `/obs-non` (TD_COAP_OBS_*).
    fn observable(&mut self, req: &MessageBuf, resource: u32) -> (Reply, How) {
        let i = observable_index(resource);
        let Some(o) = self.observables.get(i) else { return (Reply::new(Code::NOT_FOUND), How::Now) };
        match req.code {
            Code::GET if !o.exists => (Reply::new(Code::NOT_FOUND), How::Now),
            Code::GET => {
                // RFC 7641 §3.1: Observe 0 registers (Observe 1 deregisters: the endpoint did that).
                let registers = req.uint_option(OptionNumber::OBSERVE) == Some(0);
                (self.observable_reply(o), if registers { How::Observe(resource) } else { How::Now })
            }
            Code::PUT | Code::DELETE => {
                let Some(o) = self.observables.get_mut(i) else { return (Reply::new(Code::NOT_FOUND), How::Now) };
                let code = if req.code == Code::DELETE {
                    o.exists = false;
                    Code::DELETED
                } else {
                    let created = !o.exists;
                    o.exists = true;
                    o.value.clone_from(&req.payload);
                    o.content_format =
                        req.uint_option(OptionNumber::CONTENT_FORMAT).unwrap_or(u32::from(ContentFormat::TEXT_PLAIN.0));
                    if created {
                        Code::CREATED
                    } else {
                        Code::CHANGED
                    }
                };
                // Observers hear of it once the answer is out (RFC 7641 §4.2).
                self.changed = Some(resource);
                (Reply::new(code), How::Now)
            }
            _ => (method_not_allowed(), How::Now),
        }
    }

    /// `/.well-known/core` (TD_COAP_LINK_*): every link, or those passing each `?name=value`
    /// filter (RFC 6690 §4.1).
    fn well_known_core(&self, req: &MessageBuf) -> Reply {
        let format = u32::from(ContentFormat::APPLICATION_LINK_FORMAT.0);
        if req.uint_option(OptionNumber::ACCEPT).is_some_and(|a| a != format) {
            return Reply::new(Code::NOT_ACCEPTABLE);
        }
        let queries = req.queries();
        let filters: Vec<QueryFilter<'_>> = queries.iter().filter_map(|q| QueryFilter::parse(q)).collect();
        let links = match LinkFormat::new_checked(&self.core_links) {
            Ok(links) => links,
            Err(e) => return Reply::text(Code::INTERNAL_SERVER_ERROR, e.to_string()),
        };
        let kept: Vec<&str> =
            links.links().filter(|l| filters.iter().all(|f| f.matches(l))).map(|l| l.as_str()).collect();
        Reply::new(Code::CONTENT).uint(OptionNumber::CONTENT_FORMAT, format).payload(kept.join(","))
    }
}

/// The path of an observable resource number.
fn observable_path(resource: u32) -> &'static str {
    if resource == OBS {
        "/obs"
    } else {
        "/obs-non"
    }
}

/// The index in `Server::observables` of an observable resource number.
fn observable_index(resource: u32) -> usize {
    (resource as usize).saturating_sub(1)
}

fn method_not_allowed() -> Reply {
    Reply::new(Code::METHOD_NOT_ALLOWED)
}

/// `reply()` for a GET, 4.05 for anything else.
fn get_only(method: Code, reply: impl FnOnce() -> Reply) -> Reply {
    if method == Code::GET {
        reply()
    } else {
        method_not_allowed()
    }
}

/// What the plugtest servers answer on `/test`: the request's header, as text.
fn describe(req: &MessageBuf) -> String {
    let token: String = req.token.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "Type: {} ({})\nCode: {} ({})\nMID: {}\nToken: {}",
        req.message_type as u8,
        req.message_type,
        req.code.0,
        req.code.name().unwrap_or("?"),
        req.message_id,
        if token.is_empty() { "-" } else { &token }
    )
}

/// `/multi-format` (TD_COAP_CORE_20): the representation the Accept option asks for.
fn multi_format(req: &MessageBuf) -> Reply {
    const TEXT: u16 = ContentFormat::TEXT_PLAIN.0;
    const XML: u16 = ContentFormat::APPLICATION_XML.0;
    let text = "multi-format: the same resource as text/plain or application/xml";
    match req.uint_option(OptionNumber::ACCEPT).map(u16::try_from) {
        None | Some(Ok(TEXT)) => Reply::text(Code::CONTENT, text),
        Some(Ok(XML)) => Reply::new(Code::CONTENT)
            .uint(OptionNumber::CONTENT_FORMAT, u32::from(XML))
            .payload(format!("<msg>{text}</msg>")),
        // RFC 7252 §5.10.4: no representation of the requested format.
        Some(_) => Reply::new(Code::NOT_ACCEPTABLE),
    }
}

/// The link format of every resource (RFC 6690), with the attributes the LINK tests filter on.
/// It fits one datagram (block-wise transfer comes later).
fn core_links() -> Result<String, coap_codec::link_format::EncodeError> {
    let mut buf = [0u8; 1024];
    let mut w = LinkWriter::new(&mut buf);
    w.link("/test")?.attr("rt", "test")?.attr_uint("ct", 0)?;
    w.link("/separate")?.attr("rt", "separate")?.attr_uint("ct", 0)?;
    w.link("/seg1/seg2/seg3")?.attr("rt", "seg")?.attr_uint("ct", 0)?;
    w.link("/query")?.attr("rt", "query")?.attr_uint("ct", 0)?;
    w.link("/obs")?.attr("rt", "observe")?.attr("if", "sensor")?.flag("obs")?.attr_uint("ct", 0)?;
    w.link("/obs-non")?.attr("rt", "observe")?.attr("if", "sensor")?.flag("obs")?.attr_uint("ct", 0)?;
    w.link("/location-query")?.attr("rt", "location-query")?;
    w.link("/multi-format")?.attr("rt", "multi-format")?.attr("ct", "0 41")?;
    w.link("/validate")?.attr("rt", "validate")?.attr_uint("ct", 0)?;
    w.link("/create1")?.attr("rt", "create")?;
    w.link("/link1")?.attr("rt", "Type1 Type2")?.attr("if", "If1")?;
    w.link("/link2")?.attr("rt", "Type2 Type3")?.attr("if", "If2")?;
    w.link("/link3")?.attr("rt", "Type1 Type3")?.attr("if", "foo")?;
    w.link("/path")?.attr_uint("ct", 40)?;
    for sub in ["/path/sub1", "/path/sub2", "/path/sub3"] {
        w.link(sub)?.attr_uint("ct", 0)?;
    }
    Ok(w.as_str().to_owned())
}
