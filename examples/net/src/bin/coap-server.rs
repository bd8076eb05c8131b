//! `coap-server`: a CoAP server over UDP, TCP and WebSockets with the resources of the ETSI CoAP
//! plugtests (`TD_COAP_CORE_*`, `TD_COAP_LINK_*`, `TD_COAP_OBS_*`, `TD_COAP_BLOCK_*`, see
//! `net::coap_resources`).
//! It shows coap-codec's poll-driven machines on tokio sockets: the UDP `Endpoint` through
//! `net::coap_driver`, and one RFC 8323 `Session` per TCP connection or WebSocket through
//! `net::coap_stream_driver`. They do every protocol decision (piggybacked, separate and NON
//! responses, deduplication with byte-identical answers, RST to pings and to malformed CONs,
//! 4.02 for unknown critical options, No-Response, observers and their sequence numbers,
//! block-wise transfers over UDP; CSM, Ping/Pong, Abort on reliable transports); the resources
//! only pick the answer, the same for every transport, and this file carries it.
//!
//! ```text
//! cargo run --release --bin coap-server                                  # udp://127.0.0.1:5683
//! cargo run --release --bin coap-server -- --listen 0.0.0.0:5683 -v      # log each request
//! cargo run --release --bin coap-server -- --listen 127.0.0.1:5683 \
//!     --listen coap+tcp://127.0.0.1:5683 --listen coap+ws://127.0.0.1:8080
//! cargo run --release --bin coap-server -- --block-size 64                # 64-byte blocks
//! coap-client-notls -m get coap://127.0.0.1/test                         # try it with libcoap
//! coap-client-notls -b 64 coap://127.0.0.1/large                         # in 64-byte blocks
//! coap-client-notls -m get coap+tcp://127.0.0.1/test
//! aiocoap-client coap+ws://127.0.0.1:8080/test                           # needs `websockets`
//! ```
//!
//! `--listen` takes a bare `ADDR` or `udp://ADDR` / `coap://ADDR` for UDP, `coap+tcp://ADDR` (or
//! `tcp://`) for CoAP over TCP, `coap+ws://ADDR` (or `ws://`) for CoAP over WebSockets (at
//! `/.well-known/coap`, subprotocol `coap`, RFC 8323 §4.1), and may be given more than once. For
//! each listener it prints `coap-server listening on <udp|coap+tcp|coap+ws>://ADDR` once bound
//! (with port 0, the port chosen), then runs until killed. Each TCP connection or WebSocket is one
//! session (the connection acceptor's role); an observer's notifications go to its own session.
//! With `-v` it prints one line per request, `<peer> <CON|NON|TCP|WS> <METHOD> <path> -> <code>`,
//! and per observer removed, connection opened and connection closed.
//!
//! Block-wise transfers (RFC 7959) over UDP: the endpoint reassembles a request body sent in
//! Block1 blocks (2.31 Continue to each, 4.08 for a missing block, 4.13 with Size1 for a body
//! larger than `--max-body`) and sends an answer larger than `--block-size` (default 1024
//! bytes) in Block2 blocks, or in the smaller blocks a client asks for; the resources see whole
//! bodies: `/large`, `/large-update`, `/large-create`, `/large-post` (`TD_COAP_BLOCK_01`-`_06`)
//! and the observable `/obs-large`, whose notifications go in blocks (RFC 7959 §3.4). Over TCP
//! and WebSockets there are no blocks (the sessions do not do RFC 8323 §6 block-wise): an
//! answer larger than the client's Max-Message-Size becomes 5.00 with a diagnostic.
//!
//! Other paths get 4.04, other methods 4.05. Not yet: TLS and DTLS.
//!
//! Exit status: 1 when a listener cannot be bound or the UDP socket fails; 2 for bad arguments.

use std::cell::RefCell;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use clap::{ArgAction, Parser};
use coap_codec::endpoint::{Config, Limits, ObserverHandle, RespondError, ResponseHandle};
use coap_codec::session::{self, Transport};
use coap_codec::wire::{Code, EncodeError, MessageType};
use net::coap_driver::{Driver, Event, MessageBuf};
use net::coap_resources::{observable_path, How, Notification, Reply, Resources};
use net::coap_stream_driver::{StreamDriver, StreamSession};
use tokio::net::TcpListener;
use tokio::sync::broadcast;

/// A CoAP server over UDP, TCP and WebSockets with the ETSI plugtest resources.
#[derive(Debug, Parser)]
#[command(name = "coap-server", disable_help_flag = true)]
struct Args {
    /// Where to listen: `ADDR` or `udp://ADDR` (UDP), `coap+tcp://ADDR` (TCP), `coap+ws://ADDR`
    /// (WebSockets); repeat for more.
    #[arg(short, long = "listen", value_name = "[SCHEME://]ADDR", default_value = "127.0.0.1:5683", value_parser = listen)]
    listen: Vec<Listen>,
    /// How often the value of /obs and /obs-non changes (and observers are notified).
    #[arg(long, value_name = "MS", default_value_t = 5000, value_parser = clap::value_parser!(u64).range(1..))]
    obs_interval_ms: u64,
    /// How long /separate takes before its separate response.
    #[arg(long, value_name = "MS", default_value_t = 1000)]
    separate_delay_ms: u64,
    /// Log one line per request and per observer or connection change to stdout.
    #[arg(short, long)]
    verbose: bool,
    /// Seed for message ids and tokens (default: from the clock).
    #[arg(long)]
    seed: Option<u64>,
    /// The largest block of a block-wise transfer over UDP (RFC 7959): 16, 32, 64, 128, 256,
    /// 512 or 1024 bytes. A client may ask for smaller blocks.
    #[arg(long, value_name = "BYTES", default_value = "1024", value_parser = block_size)]
    block_size: u8,
    /// The bytes for block-wise bodies over UDP (those being reassembled and those being sent
    /// in blocks, together); a request body that does not fit gets 4.13 with Size1.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20, value_parser = clap::value_parser!(u32).range(1024..))]
    max_body: u32,
    /// Print help.
    #[arg(long, action = ArgAction::Help)]
    help: Option<bool>,
}

/// A `--listen` value.
#[derive(Debug, Clone, Copy)]
enum Listen {
    Udp(SocketAddr),
    Tcp(SocketAddr),
    WebSocket(SocketAddr),
}

/// A block size in bytes as its SZX (RFC 7959 §2.2: 2^(SZX+4) bytes).
fn block_size(s: &str) -> Result<u8, String> {
    let bytes: u32 = s.parse().map_err(|_| format!("{s:?} is not a number"))?;
    (0u8..=6).find(|szx| 16u32 << szx == bytes).ok_or_else(|| "expected 16, 32, 64, 128, 256, 512 or 1024".into())
}

fn listen(s: &str) -> Result<Listen, String> {
    let (kind, addr): (fn(SocketAddr) -> Listen, &str) = match s.split_once("://") {
        None => (Listen::Udp, s),
        Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
            "udp" | "coap" => (Listen::Udp, rest),
            "tcp" | "coap+tcp" => (Listen::Tcp, rest),
            "ws" | "coap+ws" => (Listen::WebSocket, rest),
            "tls" | "wss" | "coaps+tcp" | "coaps+ws" => {
                return Err(format!("{scheme}: TLS is not supported; listen on coap+tcp://ADDR or coap+ws://ADDR"))
            }
            "coaps" | "dtls" => return Err(format!("{scheme}: DTLS is not supported; listen on udp://ADDR")),
            _ => return Err(format!("unknown scheme {scheme:?}; listen on udp://, coap+tcp:// or coap+ws://ADDR")),
        },
    };
    let addr = addr.strip_suffix("/.well-known/coap").unwrap_or(addr).trim_end_matches('/');
    addr.parse().map(kind).map_err(|e| format!("{addr:?}: {e} (expected e.g. 127.0.0.1:5683)"))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args = Args::parse();
    // One thread: the carriers share the resources through an `Rc<RefCell<_>>`.
    match tokio::task::LocalSet::new().run_until(run(&args)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("coap-server: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What every carrier shares.
struct Shared {
    resources: RefCell<Resources>,
    /// Notifications for every carrier; each sends them to its own observers.
    notifications: broadcast::Sender<Notification>,
    verbose: bool,
    separate_delay: Duration,
    /// The body store of each carrier (`--max-body`).
    max_body: usize,
}

/// The Max-Message-Size the sessions announce (RFC 8323 §5.3.1): 16 KiB of BERT payload
/// (RFC 8323 §6) plus room for the header and options.
const STREAM_MAX_MESSAGE_SIZE: u32 = 16 * 1024 + 256;

impl Shared {
    fn log(&self, line: &str) {
        let mut stdout = io::stdout();
        // A closed stdout is no reason to stop serving.
        let _ = writeln!(stdout, "{line}").and_then(|()| stdout.flush());
    }

    /// Tells every carrier's observers of `resource` (RFC 7641 §4.2).
    fn changed(&self, resource: u32) {
        if let Some(n) = self.resources.borrow().notification(resource) {
            // An error means no carrier listens, which cannot be: each holds a receiver.
            let _ = self.notifications.send(n);
        }
    }
}

async fn run(args: &Args) -> Result<(), String> {
    let seed = args.seed.unwrap_or_else(clock_seed);
    let shared = Rc::new(Shared {
        resources: RefCell::new(Resources::new(Duration::from_millis(args.obs_interval_ms))?),
        notifications: broadcast::channel(64).0,
        verbose: args.verbose,
        separate_delay: Duration::from_millis(args.separate_delay_ms),
        max_body: args.max_body as usize,
    });
    let mut tasks = tokio::task::JoinSet::new();
    for (i, listen) in args.listen.iter().enumerate() {
        // Each listener and each connection draws from its own seed.
        let seed = seed ^ (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        match *listen {
            Listen::Udp(addr) => {
                let config = Config { seed, block_szx: Some(args.block_size), ..Config::default() };
                let limits = Limits { body_bytes: args.max_body as usize, ..Limits::default() };
                let driver = Driver::bind(addr, config, &limits)
                    .await
                    .map_err(|e| format!("cannot listen on udp://{addr}: {e}"))?;
                let local = driver.local_addr().map_err(|e| e.to_string())?;
                shared.log(&format!("coap-server listening on udp://{local}"));
                tasks.spawn_local(serve(Udp(driver), shared.clone()));
            }
            Listen::Tcp(addr) | Listen::WebSocket(addr) => {
                let transport = if matches!(listen, Listen::Tcp(_)) { Transport::Tcp } else { Transport::WebSocket };
                let scheme = scheme(transport);
                let listener =
                    TcpListener::bind(addr).await.map_err(|e| format!("cannot listen on {scheme}://{addr}: {e}"))?;
                let local = listener.local_addr().map_err(|e| e.to_string())?;
                shared.log(&format!("coap-server listening on {scheme}://{local}"));
                tasks.spawn_local(accept(listener, transport, seed, shared.clone()));
            }
        }
    }

    let interval = Duration::from_millis(args.obs_interval_ms);
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + interval, interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let notifications = shared.resources.borrow_mut().tick();
                for n in notifications {
                    let _ = shared.notifications.send(n);
                }
            }
            Some(ended) = tasks.join_next() => {
                // Carriers and accept loops run until the process ends, or fail.
                ended.map_err(|e| e.to_string())??;
            }
        }
    }
}

fn scheme(transport: Transport) -> &'static str {
    match transport {
        Transport::Tcp => "coap+tcp",
        _ => "coap+ws",
    }
}

/// Accepts connections on `listener`; each runs one session (the acceptor's role) in its own
/// task until it closes.
async fn accept(listener: TcpListener, transport: Transport, seed: u64, shared: Rc<Shared>) -> Result<(), String> {
    // RFC 8323 §6: block-wise over the session (BERT when the client announces it too), with
    // the same body store as over UDP.
    let limits = session::Limits { body_bytes: shared.max_body, ..session::Limits::default() };
    for n in 1u64.. {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, say: not the listener's end; try again shortly.
                shared.log(&format!("accept: {e}"));
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let config = session::Config {
            seed: seed ^ n.wrapping_mul(0xBF58_476D_1CE4_E5B9),
            block_wise_transfer: true,
            max_message_size: STREAM_MAX_MESSAGE_SIZE,
            ..session::Config::default()
        };
        let shared = shared.clone();
        tokio::task::spawn_local(async move {
            let driver = match transport {
                Transport::Tcp => StreamDriver::accept_tcp(stream, config, &limits),
                _ => StreamDriver::accept_ws(stream, config, &limits).await,
            };
            match driver {
                Ok(driver) => {
                    if shared.verbose {
                        shared.log(&format!("{peer} {} connection opened", label(transport)));
                    }
                    let _ = serve(Stream(driver), shared).await;
                }
                Err(e) if shared.verbose => shared.log(&format!("{peer} {} handshake failed: {e}", label(transport))),
                Err(_) => {}
            }
        });
    }
    Ok(())
}

fn label(transport: Transport) -> &'static str {
    match transport {
        Transport::Tcp => "TCP",
        _ => "WS",
    }
}

/// What woke a carrier.
enum Wake {
    Event(io::Result<Event>),
    Notify(Result<Notification, broadcast::error::RecvError>),
    Separate,
}

/// A separate response waiting for its time.
struct Pending {
    due: tokio::time::Instant,
    handle: ResponseHandle,
    reply: Reply,
}

/// Runs one carrier: answers its requests from the shared resources, sends the notifications
/// to its own observers, and its separate responses when due. Returns when its connection
/// closes (TCP, WebSocket) or its socket fails (UDP).
async fn serve<C: Carrier>(mut carrier: C, shared: Rc<Shared>) -> Result<(), String> {
    let mut notifications = shared.notifications.subscribe();
    let mut separate: Vec<Pending> = Vec::new();
    loop {
        let due = separate.iter().map(|p| p.due).min();
        let woke = tokio::select! {
            ev = carrier.next_event() => Wake::Event(ev),
            n = notifications.recv() => Wake::Notify(n),
            () = tokio::time::sleep_until(due.unwrap_or_else(tokio::time::Instant::now)), if due.is_some() => {
                Wake::Separate
            }
        };
        let log = |line: String| {
            if shared.verbose {
                shared.log(&line);
            }
        };
        match woke {
            Wake::Event(Err(e)) => return carrier.failed(e),
            Wake::Event(Ok(Event::RequestReceived { handle, from, request })) => {
                let answer = shared.resources.borrow_mut().handle(&request);
                let method = request.code.name().map_or_else(|| request.code.to_string(), str::to_owned);
                log(format!("{from} {} {method} {} -> {}", carrier.label(&request), request.path(), answer.reply.code));
                let reply = answer.reply;
                let result = match answer.how {
                    How::Now => carrier.respond(handle, &reply),
                    How::Separate => {
                        let due = tokio::time::Instant::now() + shared.separate_delay;
                        separate.push(Pending { due, handle, reply });
                        carrier.accept(handle)
                    }
                    How::Observe(resource) => carrier.observe(handle, resource, &reply),
                };
                if let Err(e) = result {
                    shared.log(&format!("cannot answer: {e}"));
                }
                if let Some(resource) = answer.changed {
                    shared.changed(resource);
                }
            }
            Wake::Event(Ok(Event::ObserverRemoved { peer, reason, .. })) => {
                log(format!("{peer} observer removed: {reason:?}"));
            }
            Wake::Event(Ok(Event::ResponseNotAcknowledged { peer })) => {
                log(format!("{peer} separate response not acknowledged"));
            }
            Wake::Event(Ok(Event::Closed { peer, reason })) => {
                log(format!("{peer} {} connection closed: {reason}", carrier.label_transport()));
                return Ok(());
            }
            Wake::Event(Ok(_)) => {}
            Wake::Notify(Ok(n)) => match carrier.notify(&n) {
                Ok(0) => {}
                Ok(count) => log(format!("notified {count} observer(s) of {}", observable_path(n.resource))),
                Err(e) => shared.log(&format!("cannot notify: {e}")),
            },
            Wake::Notify(Err(broadcast::error::RecvError::Lagged(missed))) => {
                log(format!("{missed} notification(s) skipped: this carrier fell behind"));
            }
            // `shared` holds the sender.
            Wake::Notify(Err(broadcast::error::RecvError::Closed)) => return Ok(()),
            Wake::Separate => {
                let now = tokio::time::Instant::now();
                let (due, later): (Vec<_>, Vec<_>) =
                    std::mem::take(&mut separate).into_iter().partition(|p| p.due <= now);
                separate = later;
                for p in due {
                    if let Err(e) = carrier.respond(p.handle, &p.reply) {
                        shared.log(&format!("cannot send separate response: {e}"));
                    }
                }
            }
        }
    }
}

/// One way to the clients: the UDP endpoint, or one TCP or WebSocket session. The resources'
/// answers are the same for each; only how they are carried differs.
trait Carrier {
    /// How a request came, for `-v` lines: its message type (UDP) or the transport.
    fn label(&self, request: &MessageBuf) -> &'static str;
    /// The transport, for `-v` lines about the connection.
    fn label_transport(&self) -> &'static str;
    /// The next event.
    async fn next_event(&mut self) -> io::Result<Event>;
    /// Answers at once.
    fn respond(&mut self, handle: ResponseHandle, reply: &Reply) -> Result<(), RespondError>;
    /// The answer comes later (UDP: an empty ACK now; a reliable transport has none).
    fn accept(&mut self, handle: ResponseHandle) -> Result<(), RespondError>;
    /// Registers the requester as an observer of `resource` (unless the table is full, RFC 7641
    /// §4.1: then a plain response), and answers.
    fn observe(&mut self, handle: ResponseHandle, resource: u32, reply: &Reply) -> Result<(), RespondError>;
    /// Sends `n` to this carrier's observers of its resource; how many there were.
    fn notify(&mut self, n: &Notification) -> Result<usize, RespondError>;
    /// What a transport error means: the server's end (UDP) or this connection's.
    fn failed(&self, e: io::Error) -> Result<(), String>;
}

/// The UDP endpoint.
struct Udp(Driver);

impl Carrier for Udp {
    fn label(&self, request: &MessageBuf) -> &'static str {
        match request.message_type {
            MessageType::NonConfirmable => "NON",
            _ => "CON",
        }
    }

    fn label_transport(&self) -> &'static str {
        "UDP"
    }

    async fn next_event(&mut self) -> io::Result<Event> {
        self.0.next_event().await
    }

    fn respond(&mut self, handle: ResponseHandle, reply: &Reply) -> Result<(), RespondError> {
        self.0.command(|ep, now| ep.respond(now, handle, &reply.builder()?).map(drop))
    }

    fn accept(&mut self, handle: ResponseHandle) -> Result<(), RespondError> {
        self.0.command(|ep, now| ep.accept(now, handle))
    }

    fn observe(&mut self, handle: ResponseHandle, resource: u32, reply: &Reply) -> Result<(), RespondError> {
        self.0.command(|ep, now| {
            match ep.observe(now, handle, resource) {
                Ok(_) | Err(RespondError::Full(_)) => {}
                Err(e) => return Err(e),
            }
            ep.respond(now, handle, &reply.builder()?).map(drop)
        })
    }

    fn notify(&mut self, n: &Notification) -> Result<usize, RespondError> {
        let observers = self.0.command(|ep, now| -> Result<Vec<ObserverHandle>, RespondError> {
            let observers: Vec<ObserverHandle> = ep.observers(n.resource).collect();
            let b = n.reply.builder()?;
            for &o in &observers {
                ep.notify(now, o, &b, false)?;
            }
            Ok(observers)
        })?;
        if n.ends {
            // RFC 7641 §4.2: a non-2.xx notification ends the observation; the endpoint keeps
            // the observer, so remove it here. A second command, so the notification is already
            // out: removing an observer also drops its CON notification in flight, and in the
            // same command that would be this one.
            for o in &observers {
                let _ = self.0.command(|ep, _| ep.remove_observer(*o));
            }
        }
        Ok(observers.len())
    }

    fn failed(&self, e: io::Error) -> Result<(), String> {
        Err(format!("socket: {e}"))
    }
}

/// One TCP connection or WebSocket.
struct Stream(StreamDriver);

impl Carrier for Stream {
    fn label(&self, _: &MessageBuf) -> &'static str {
        self.label_transport()
    }

    fn label_transport(&self) -> &'static str {
        label(self.0.transport())
    }

    async fn next_event(&mut self) -> io::Result<Event> {
        self.0.next_event().await
    }

    fn respond(&mut self, handle: ResponseHandle, reply: &Reply) -> Result<(), RespondError> {
        self.0.command(|s, now| stream_respond(s, now, handle, reply))
    }

    fn accept(&mut self, _: ResponseHandle) -> Result<(), RespondError> {
        Ok(())
    }

    fn observe(&mut self, handle: ResponseHandle, resource: u32, reply: &Reply) -> Result<(), RespondError> {
        self.0.command(|s, now| {
            match s.observe(now, handle, resource) {
                Ok(_) | Err(RespondError::Full(_)) => {}
                Err(e) => return Err(e),
            }
            stream_respond(s, now, handle, reply)
        })
    }

    fn notify(&mut self, n: &Notification) -> Result<usize, RespondError> {
        // A non-2.xx notification ends the observation in the session itself.
        self.0.command(|s, now| {
            let observers: Vec<ObserverHandle> = s.observers(n.resource).collect();
            let b = n.reply.builder()?;
            for &o in &observers {
                s.notify(now, o, &b, false)?;
            }
            Ok(observers.len())
        })
    }

    fn failed(&self, _: io::Error) -> Result<(), String> {
        // After `Event::Closed`: this connection is over, the server goes on.
        Ok(())
    }
}

/// Answers `handle` on a session. An answer larger than the client's Max-Message-Size (RFC 8323
/// §5.3.1) goes in Block2 blocks when the client announced Block-Wise-Transfer (§6); to a client
/// that did not, it cannot go: 5.00 with a diagnostic instead, so that the client is not left
/// waiting.
fn stream_respond(
    s: &mut StreamSession,
    now: coap_codec::time::Instant,
    handle: ResponseHandle,
    reply: &Reply,
) -> Result<(), RespondError> {
    match s.respond(now, handle, &reply.builder()?) {
        Err(RespondError::Encode(EncodeError::BufferTooSmall { required })) => {
            let why = format!(
                "the answer ({required} bytes) exceeds this connection's Max-Message-Size ({}); \
                 and the client did not announce Block-Wise-Transfer (RFC 8323 §6)",
                s.peer_max_message_size()
            );
            s.respond(now, handle, &Reply::text(Code::INTERNAL_SERVER_ERROR, why).builder()?).map(drop)
        }
        other => other.map(drop),
    }
}

/// A seed that differs between runs (message ids and tokens should not repeat across
/// restarts, RFC 7252 §4.4).
fn clock_seed() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    (t.as_nanos() as u64) ^ (u64::from(std::process::id()) << 32)
}
