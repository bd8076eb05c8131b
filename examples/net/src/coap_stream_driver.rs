//! A tokio driver for [`coap_codec::session::Session`]: the stream form of the sans-IO contract
//! over a `tokio::net::TcpStream` (CoAP over TCP, RFC 8323 §3) or a WebSocket on one
//! (RFC 8323 §4, through `tokio-tungstenite`), and nothing else.
//!
//! [`StreamDriver`] owns the connection, the session, its clock origin and the buffers. It
//! waits for input, for the transport to take more output, or until `poll_timeout`; calls
//! `handle_input(now, bytes)` or `handle_timeout(now)`; writes every frame `poll_transmit`
//! gives, in order; and turns each `poll_event` into the same owned [`Event`] as the UDP driver
//! ([`crate::coap_driver`]), with the connection's peer as `from`, so that one application
//! serves both. It decides nothing about CoAP: CSM, Ping/Pong, Release, Abort, token matching
//! and Observe are the session's.
//!
//! - **TCP**: bytes are read into a buffer; `handle_input` returns how many it used (whole
//!   frames only) and the rest is kept for the next call. **Backpressure**: the buffer has a
//!   fixed size (at least the session's Max-Message-Size); when the session uses nothing
//!   (its table of received requests waiting for an answer is full) and the buffer is full,
//!   nothing more is read from the socket until the application answers through
//!   [`command`](StreamDriver::command), which feeds the buffered bytes again. The other
//!   way, at most 64 KiB of frames wait in the driver for a slow peer; beyond that they stay in
//!   the session's transmit store (its commands then fail with `Full`) and nothing is read
//!   until the peer takes some: a client that sends requests but reads no answers is not
//!   buffered without end.
//! - **WebSocket**: each binary message is one CoAP message (RFC 8323 §4.2); a message the
//!   session has no room for is held (and nothing more read) until it does. A text message is a
//!   protocol error: the session is aborted. The handshake asks for (client) or requires
//!   (server) the subprotocol `coap` (§4.1) at [`WS_PATH`], `/.well-known/coap` (§8.3: a
//!   `coap+ws` URI's WebSocket endpoint is its authority plus that well-known path).
//! - **The end**: when the session closes (the peer's Release or Abort, an Abort it sent for a
//!   protocol error, the CSM timeout) or the transport does, whatever the session still had to
//!   send is written, the transport is shut down, and [`Event::Closed`] is the last event;
//!   `next_event` then fails with `NotConnected`.
//!
//! ```no_run
//! use coap_codec::endpoint::RequestOptions;
//! use coap_codec::session::{Config, Limits};
//! use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType};
//! use net::coap_driver::Event;
//! use net::coap_stream_driver::StreamDriver;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let server = "127.0.0.1:5683".parse()?;
//! let mut driver = StreamDriver::connect_tcp(server, Config::default(), &Limits::default()).await?;
//! let mut get = MessageBuilder::<4>::new(MessageType::Confirmable, Code::GET, MessageId(0));
//! get.path("temp")?;
//! driver.command(|session, now| session.request(now, &get, RequestOptions::default()))?;
//! loop {
//!     match driver.next_event().await? {
//!         Event::ResponseReceived { response, .. } => {
//!             println!("{} {}", response.code, String::from_utf8_lossy(&response.payload));
//!             break;
//!         }
//!         Event::Closed { reason, .. } => return Err(reason.to_string().into()),
//!         _ => {}
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! `next_event` is cancel-safe (a `tokio::time::timeout` or `select!` around it loses nothing):
//! it awaits only a read (TCP `read`, WebSocket `next`), one write step (TCP `write`, which
//! reports what it wrote; WebSocket `poll_ready`/`poll_flush`, a message being handed over
//! synchronously) and sleeps.

use std::collections::VecDeque;
use std::future::poll_fn;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use coap_codec::endpoint::BufferTooSmall;
use coap_codec::session::{CloseReason, Config, Limits, Role, Session, Storage, Transport, VecStorage};
use coap_codec::time::Instant;
use coap_codec::wire::tcp;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{Sink, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::{HeaderValue, StatusCode};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};
use tokio_tungstenite::WebSocketStream;

use crate::coap_driver::Event;

/// The session type the binaries use: tables sized at run time.
pub type StreamSession = Session<VecStorage>;

/// The WebSocket resource of a CoAP endpoint (RFC 8323 §8.3, §4.1).
pub const WS_PATH: &str = "/.well-known/coap";
/// The WebSocket subprotocol of CoAP (RFC 8323 §4.1, §11.6).
pub const WS_SUBPROTOCOL: &str = "coap";

/// The smallest TCP receive buffer (it is at least the session's Max-Message-Size).
const RX_MIN: usize = 4096;
/// How many bytes of frames the driver holds for the transport before it leaves them in the
/// session and stops reading (see [`Outbox`]).
const OUTBOX_HIGH: usize = 64 << 10;
/// How long shutting the transport down may take once the session is over.
const SHUTDOWN: Duration = Duration::from_secs(1);
/// How long a WebSocket opening handshake may take.
const HANDSHAKE: Duration = Duration::from_secs(10);

type Ws = WebSocketStream<TcpStream>;

/// The reading half of the connection.
enum Reader {
    Tcp(OwnedReadHalf),
    Ws(SplitStream<Ws>),
}

/// The writing half of the connection.
enum Writer {
    Tcp(OwnedWriteHalf),
    Ws(SplitSink<Ws, WsMessage>),
}

/// What one read gave.
enum Input {
    /// TCP bytes appended to the buffer (0: end of stream).
    Bytes(usize),
    /// A binary WebSocket message.
    Message(Vec<u8>),
    /// A text WebSocket message (not CoAP, RFC 8323 §4.2).
    Text,
    /// The WebSocket was closed.
    Closed,
    /// A WebSocket control frame: nothing for the session.
    Control,
}

/// What woke `next_event`.
enum Wake {
    Read(io::Result<Input>),
    Wrote(io::Result<()>),
    Timeout,
}

/// What went over the connection, for logging and `-v` output ([`StreamDriver::set_trace`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum Trace<'a> {
    /// A frame (TCP) or message (WebSocket) was written.
    Sent {
        /// Its bytes.
        frame: &'a [u8],
    },
    /// A frame or message was taken by the session.
    Received {
        /// Its bytes.
        frame: &'a [u8],
    },
    /// The transport failed; the session is over.
    Failed {
        /// The error.
        error: &'a io::Error,
    },
}

/// A trace callback.
type TraceFn = Box<dyn FnMut(&Trace<'_>) + Send>;

/// Frames taken from the session and waiting for the transport, and how far the first one is
/// written (TCP). Bounded by [`OUTBOX_HIGH`]: beyond it frames stay in the session's transmit
/// store (whose commands then fail with `Full`) and no input is read, so a peer that does not
/// read cannot make us buffer without end.
#[derive(Default)]
struct Outbox {
    frames: VecDeque<Vec<u8>>,
    /// Bytes in `frames`.
    bytes: usize,
    written: usize,
    /// WebSocket: messages handed to the sink but not yet flushed.
    unflushed: bool,
}

impl Outbox {
    fn is_idle(&self) -> bool {
        self.frames.is_empty() && !self.unflushed
    }

    fn has_room(&self) -> bool {
        self.bytes < OUTBOX_HIGH
    }

    fn pop(&mut self) -> Option<Vec<u8>> {
        let frame = self.frames.pop_front()?;
        self.bytes -= frame.len();
        self.written = 0;
        Some(frame)
    }
}

/// Runs one [`Session`] over a TCP connection or a WebSocket (see the [module docs](self)).
pub struct StreamDriver<S: Storage = VecStorage> {
    reader: Reader,
    writer: Writer,
    session: Session<S>,
    peer: SocketAddr,
    /// The epoch of the session's [`Instant`]s.
    origin: std::time::Instant,
    /// TCP: received bytes, `have` of them valid.
    rx: Vec<u8>,
    have: usize,
    /// WebSocket: a received message the session had no room for yet.
    held: Option<Vec<u8>>,
    /// `poll_transmit`'s buffer, grown when a frame needs more.
    tx: Vec<u8>,
    out: Outbox,
    events: VecDeque<Event>,
    /// The transport ended (EOF, WebSocket close, an error): nothing more is read.
    eof: bool,
    /// Why the session is over, once it is: write what is queued, shut down, report.
    closing: Option<CloseReason>,
    /// [`Event::Closed`] was returned.
    done: bool,
    trace: Option<TraceFn>,
}

impl<S: Storage> std::fmt::Debug for StreamDriver<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamDriver")
            .field("peer", &self.peer)
            .field("transport", &self.transport())
            .field("buffered", &self.have)
            .field("queued_frames", &self.out.frames.len())
            .field("queued_events", &self.events.len())
            .field("closing", &self.closing)
            .finish_non_exhaustive()
    }
}

/// `config` with the role and framing of this end of a connection.
fn configured(config: Config, role: Role, transport: Transport) -> Config {
    Config { role, transport, ..config }
}

/// The handshake settings: no message larger than a session could take.
fn ws_config(limits: &Limits) -> WebSocketConfig {
    let max = limits.receive_bytes.max(RX_MIN);
    WebSocketConfig::default().max_message_size(Some(max)).max_frame_size(Some(max))
}

fn ws_error(e: tungstenite::Error) -> io::Error {
    match e {
        tungstenite::Error::Io(e) => e,
        e => io::Error::other(e),
    }
}

impl StreamDriver<VecStorage> {
    /// Connects to `addr` over TCP and starts a session as the connection initiator (the
    /// `role` and `transport` of `config` are set here).
    ///
    /// # Errors
    /// The connect error.
    pub async fn connect_tcp(addr: SocketAddr, config: Config, limits: &Limits) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        let session = Session::new(configured(config, Role::Initiator, Transport::Tcp), VecStorage::new(limits));
        Self::from_tcp(stream, session)
    }

    /// Connects to `addr` over TCP, opens a WebSocket at `ws://host/.well-known/coap` with the
    /// subprotocol `coap` (RFC 8323 §4.1; `host` is the URI's authority, for the `Host` header),
    /// and starts a session as the connection initiator.
    ///
    /// # Errors
    /// The connect error, or the handshake's (a server that does not select `coap` fails it).
    pub async fn connect_ws(addr: SocketAddr, host: &str, config: Config, limits: &Limits) -> io::Result<Self> {
        let stream = TcpStream::connect(addr).await?;
        let mut request = format!("ws://{host}{WS_PATH}").into_client_request().map_err(ws_error)?;
        request.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static(WS_SUBPROTOCOL));
        let handshake = tokio_tungstenite::client_async_with_config(request, stream, Some(ws_config(limits)));
        let (ws, _response) = tokio::time::timeout(HANDSHAKE, handshake)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "WebSocket handshake timed out"))?
            .map_err(ws_error)?;
        let session = Session::new(configured(config, Role::Initiator, Transport::WebSocket), VecStorage::new(limits));
        Self::from_websocket(ws, session)
    }

    /// Starts a session as the connection acceptor on a stream a `TcpListener` accepted.
    ///
    /// # Errors
    /// The stream's error reading its peer address.
    pub fn accept_tcp(stream: TcpStream, config: Config, limits: &Limits) -> io::Result<Self> {
        let session = Session::new(configured(config, Role::Acceptor, Transport::Tcp), VecStorage::new(limits));
        Self::from_tcp(stream, session)
    }

    /// Answers the WebSocket opening handshake on a stream a `TcpListener` accepted, and starts a
    /// session as the connection acceptor. The request must be for [`WS_PATH`] (else 404) and
    /// offer the subprotocol `coap` (else 400: RFC 8323 §4.1 makes the client offer it).
    ///
    /// # Errors
    /// The handshake's error (a refused request included), or a timeout after 10 s.
    pub async fn accept_ws(stream: TcpStream, config: Config, limits: &Limits) -> io::Result<Self> {
        let handshake =
            tokio_tungstenite::accept_hdr_async_with_config(stream, check_ws_request, Some(ws_config(limits)));
        let ws = tokio::time::timeout(HANDSHAKE, handshake)
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "WebSocket handshake timed out"))?
            .map_err(ws_error)?;
        let session = Session::new(configured(config, Role::Acceptor, Transport::WebSocket), VecStorage::new(limits));
        Self::from_websocket(ws, session)
    }
}

/// The server's side of the opening handshake (RFC 8323 §4.1): the path and the subprotocol.
#[allow(clippy::result_large_err)] // tungstenite's callback signature
fn check_ws_request(request: &Request, mut response: Response) -> Result<Response, ErrorResponse> {
    let refuse = |status: StatusCode, why: &str| {
        let mut r = ErrorResponse::new(Some(why.to_owned()));
        *r.status_mut() = status;
        r
    };
    if request.uri().path() != WS_PATH {
        return Err(refuse(StatusCode::NOT_FOUND, "CoAP over WebSockets is at /.well-known/coap (RFC 8323 §8.3)"));
    }
    let offered = request
        .headers()
        .get_all("Sec-WebSocket-Protocol")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|p| p.trim() == WS_SUBPROTOCOL);
    if !offered {
        return Err(refuse(StatusCode::BAD_REQUEST, "the subprotocol \"coap\" must be offered (RFC 8323 §4.1)"));
    }
    response.headers_mut().insert("Sec-WebSocket-Protocol", HeaderValue::from_static(WS_SUBPROTOCOL));
    Ok(response)
}

impl<S: Storage> StreamDriver<S> {
    /// A driver for `session` on a TCP `stream`; its clock starts now. The session's config
    /// must have [`Transport::Tcp`].
    ///
    /// # Errors
    /// The stream's error reading its peer address.
    pub fn from_tcp(stream: TcpStream, session: Session<S>) -> io::Result<Self> {
        let peer = stream.peer_addr()?;
        // Frames are written whole and small; Nagle would hold a response behind an unacknowledged one.
        stream.set_nodelay(true)?;
        let rx_len = (session.max_message_size() as usize).max(RX_MIN);
        let (r, w) = stream.into_split();
        Ok(Self::new(Reader::Tcp(r), Writer::Tcp(w), session, peer, rx_len))
    }

    /// A driver for `session` on an open WebSocket; its clock starts now. The session's config
    /// must have [`Transport::WebSocket`].
    ///
    /// # Errors
    /// The stream's error reading its peer address.
    pub fn from_websocket(ws: WebSocketStream<TcpStream>, session: Session<S>) -> io::Result<Self> {
        let peer = ws.get_ref().peer_addr()?;
        ws.get_ref().set_nodelay(true)?;
        let (w, r) = ws.split();
        Ok(Self::new(Reader::Ws(r), Writer::Ws(w), session, peer, 0))
    }

    fn new(reader: Reader, writer: Writer, session: Session<S>, peer: SocketAddr, rx_len: usize) -> Self {
        let tx_len = session.peer_max_message_size() as usize;
        Self {
            reader,
            writer,
            session,
            peer,
            origin: std::time::Instant::now(),
            rx: vec![0; rx_len],
            have: 0,
            held: None,
            tx: vec![0; tx_len],
            out: Outbox::default(),
            events: VecDeque::new(),
            eof: false,
            closing: None,
            done: false,
            trace: None,
        }
    }

    /// Calls `f` for every frame sent or received and for a transport failure.
    pub fn set_trace(&mut self, f: impl FnMut(&Trace<'_>) + Send + 'static) {
        self.trace = Some(Box::new(f));
    }

    /// The peer's address (for a WebSocket, of its TCP connection).
    pub fn peer_addr(&self) -> SocketAddr {
        self.peer
    }

    /// TCP or WebSocket.
    pub fn transport(&self) -> Transport {
        match self.reader {
            Reader::Tcp(_) => Transport::Tcp,
            Reader::Ws(_) => Transport::WebSocket,
        }
    }

    /// Now, in the session's time.
    pub fn now(&self) -> Instant {
        Instant::from_std(std::time::Instant::now(), self.origin)
    }

    /// The session, to read (`peer_csm_received`, `peer_max_message_size`, `close_reason`, ...).
    pub fn session(&self) -> &Session<S> {
        &self.session
    }

    /// Runs `f` with the session and the current time, for a command (`request`, `respond`,
    /// `observe`, `notify`, `cancel`, `deregister`, `ping`, `release`, `abort`, ...); what it
    /// queues is written on the next [`next_event`](Self::next_event) or
    /// [`flush`](Self::flush). Input held back for want of room is fed again afterwards.
    pub fn command<R>(&mut self, f: impl FnOnce(&mut Session<S>, Instant) -> R) -> R {
        let now = self.now();
        let r = f(&mut self.session, now);
        self.pump(now);
        self.feed(now);
        r
    }

    /// Writes every queued frame.
    ///
    /// # Errors
    /// The transport's error (the session is then over: [`Event::Closed`] follows).
    pub async fn flush(&mut self) -> io::Result<()> {
        loop {
            self.pump(self.now());
            if self.out.is_idle() {
                return Ok(());
            }
            if let Err(e) = write_step(&mut self.writer, &mut self.out, &mut self.trace).await {
                self.failed(&e);
                return Err(e);
            }
        }
    }

    /// Writes every queued frame and shuts the transport down (TCP: FIN; WebSocket: a Close
    /// frame), without a Release: for a client that is done.
    pub async fn close(&mut self) {
        let _ = self.flush().await;
        let _ = tokio::time::timeout(SHUTDOWN, shutdown(&mut self.writer)).await;
        self.eof = true;
    }

    /// The next event, running the session until there is one; [`Event::Closed`] last.
    ///
    /// # Errors
    /// `NotConnected` once [`Event::Closed`] has been returned.
    pub async fn next_event(&mut self) -> io::Result<Event> {
        loop {
            if let Some(event) = self.events.pop_front() {
                return Ok(event);
            }
            if self.done {
                return Err(io::Error::new(io::ErrorKind::NotConnected, "the CoAP session is over"));
            }
            if let Some(reason) = self.closing {
                // What the session still holds (an Abort) goes out before the end.
                self.pump(self.now());
                if self.out.is_idle() || self.eof {
                    // Bounded: a peer that stopped reading must not keep us here.
                    let _ = tokio::time::timeout(SHUTDOWN, shutdown(&mut self.writer)).await;
                    self.done = true;
                    return Ok(Event::Closed { peer: self.peer, reason });
                }
            }
            self.turn().await;
        }
    }

    /// Waits until the peer's CSM has arrived (RFC 8323 §3.3), so that the first requests may use
    /// what it announced (its Max-Message-Size, Block-Wise-Transfer). `Ok(false)` when an event
    /// or the end came first (read them with [`next_event`](Self::next_event)).
    ///
    /// # Errors
    /// `NotConnected` once [`Event::Closed`] has been returned.
    pub async fn wait_for_csm(&mut self) -> io::Result<bool> {
        loop {
            if self.session.peer_csm_received() {
                return Ok(true);
            }
            if self.done {
                return Err(io::Error::new(io::ErrorKind::NotConnected, "the CoAP session is over"));
            }
            if !self.events.is_empty() || self.closing.is_some() {
                return Ok(false);
            }
            self.turn().await;
        }
    }

    /// One turn of the session: reads, writes or waits for its next deadline, whichever comes.
    async fn turn(&mut self) {
        let deadline = self
            .session
            .poll_timeout()
            .and_then(|t| self.origin.checked_add(Duration::from_millis(t.as_millis())))
            .map(tokio::time::Instant::from_std);
        let can_read = !self.eof
            && self.closing.is_none()
            && self.out.has_room()
            && match self.reader {
                Reader::Tcp(_) => self.have < self.rx.len(),
                Reader::Ws(_) => self.held.is_none(),
            };
        let can_write = !self.out.is_idle() && !self.eof;
        let woke = tokio::select! {
            r = read(&mut self.reader, self.rx.get_mut(self.have..).unwrap_or_default()), if can_read => Wake::Read(r),
            r = write_step(&mut self.writer, &mut self.out, &mut self.trace), if can_write => Wake::Wrote(r),
            () = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)),
                if deadline.is_some() => Wake::Timeout,
            // Nothing to read (the buffer is full until the application answers), write or
            // wait for: only a command can change that, so wait to be cancelled.
            else => std::future::pending().await,
        };
        let now = self.now();
        match woke {
            Wake::Read(Ok(Input::Bytes(0) | Input::Closed)) => self.lost(now),
            Wake::Read(Ok(Input::Bytes(n))) => {
                self.have += n;
                self.feed(now);
            }
            Wake::Read(Ok(Input::Message(m))) => {
                self.held = Some(m);
                self.feed(now);
            }
            Wake::Read(Ok(Input::Text)) => {
                self.session.abort(now, "text message (RFC 8323 §4.2: binary messages only)");
                self.pump(now);
            }
            Wake::Read(Ok(Input::Control)) => {}
            Wake::Read(Err(e)) | Wake::Wrote(Err(e)) => {
                self.failed(&e);
                self.lost(now);
            }
            Wake::Wrote(Ok(())) => {
                // Room in the outbox: frames the session kept, and input that waited for them.
                self.pump(now);
                self.feed(now);
            }
            Wake::Timeout => {
                self.session.handle_timeout(now);
                self.pump(now);
            }
        }
    }

    /// The transport is gone: the session hears of it.
    fn lost(&mut self, now: Instant) {
        self.eof = true;
        self.session.connection_lost(now);
        self.pump(now);
        self.closing.get_or_insert(CloseReason::TransportClosed);
    }

    fn failed(&mut self, error: &io::Error) {
        if let Some(trace) = self.trace.as_mut() {
            trace(&Trace::Failed { error });
        }
    }

    /// Gives the session the buffered input until it takes no more.
    fn feed(&mut self, now: Instant) {
        // Backpressure: no new requests while the answers to earlier ones wait to be written
        // (each fed frame may make an answer the session must be able to hold).
        while self.closing.is_none() && self.out.has_room() {
            let input: &[u8] = match (&self.reader, &self.held) {
                (Reader::Tcp(_), _) if self.have > 0 => self.rx.get(..self.have).unwrap_or_default(),
                (Reader::Ws(_), Some(message)) => message,
                _ => return,
            };
            let result = self.session.handle_input(now, input);
            let used = match result {
                Ok(used) => used,
                // The session is over; an Abort is queued where RFC 8323 asks for one.
                Err(_) => input.len(),
            };
            if let Some(trace) = self.trace.as_mut() {
                trace_frames(trace, input.get(..used).unwrap_or_default(), matches!(self.reader, Reader::Ws(_)));
            }
            match self.reader {
                Reader::Tcp(_) => {
                    self.rx.copy_within(used..self.have, 0);
                    self.have -= used;
                }
                Reader::Ws(_) if used > 0 => self.held = None,
                Reader::Ws(_) => {}
            }
            self.pump(now);
            if used == 0 || result.is_err() {
                return;
            }
        }
    }

    /// `poll_transmit` until `None` (or the outbox is full) into the outbox, then `poll_event`
    /// until `None` into `events`; notes the session's end.
    fn pump(&mut self, now: Instant) {
        while self.out.has_room() {
            match self.session.poll_transmit(now, &mut self.tx) {
                Ok(Some(t)) => {
                    self.out.frames.push_back(self.tx.get(..t.len).unwrap_or_default().to_vec());
                    self.out.bytes += t.len;
                }
                Ok(None) => break,
                Err(BufferTooSmall { required }) => self.tx.resize(required, 0),
            }
        }
        let peer = self.peer;
        while let Some(event) = self.session.poll_event() {
            self.events.push_back(Event::copy(event, |()| peer));
        }
        if self.closing.is_none() {
            self.closing = self.session.close_reason();
        }
    }
}

/// Reports each frame of `bytes` (whole frames, as the session used them) to `trace`.
fn trace_frames(trace: &mut TraceFn, mut bytes: &[u8], websocket: bool) {
    if websocket {
        if !bytes.is_empty() {
            trace(&Trace::Received { frame: bytes });
        }
        return;
    }
    while !bytes.is_empty() {
        let len = match tcp::decode_frame(bytes) {
            Ok(tcp::Status::Complete { consumed, .. }) => consumed,
            _ => bytes.len(),
        };
        let (frame, rest) = bytes.split_at(len.min(bytes.len()));
        trace(&Trace::Received { frame });
        bytes = rest;
    }
}

/// One read from the connection.
async fn read(reader: &mut Reader, buf: &mut [u8]) -> io::Result<Input> {
    match reader {
        Reader::Tcp(r) => r.read(buf).await.map(Input::Bytes),
        Reader::Ws(r) => match r.next().await {
            None => Ok(Input::Closed),
            Some(Ok(WsMessage::Binary(b))) => Ok(Input::Message(b.to_vec())),
            Some(Ok(WsMessage::Text(_))) => Ok(Input::Text),
            Some(Ok(WsMessage::Close(_))) => Ok(Input::Closed),
            // Ping and Pong frames: tungstenite answers a Ping itself.
            Some(Ok(_)) => Ok(Input::Control),
            Some(Err(tungstenite::Error::ConnectionClosed | tungstenite::Error::AlreadyClosed)) => Ok(Input::Closed),
            Some(Err(e)) => Err(ws_error(e)),
        },
    }
}

/// One step of writing the outbox: some bytes of the first frame (TCP), handing one message to
/// the WebSocket, or flushing it. Cancel-safe: nothing is lost or written twice when dropped.
async fn write_step(writer: &mut Writer, out: &mut Outbox, trace: &mut Option<TraceFn>) -> io::Result<()> {
    match writer {
        Writer::Tcp(w) => {
            let Some(frame) = out.frames.front() else { return Ok(()) };
            let n = w.write(frame.get(out.written..).unwrap_or_default()).await?;
            if n == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            out.written += n;
            if out.written >= frame.len() {
                if let Some(trace) = trace.as_mut() {
                    trace(&Trace::Sent { frame });
                }
                out.pop();
            }
        }
        Writer::Ws(w) => {
            if out.frames.is_empty() {
                poll_fn(|cx| Pin::new(&mut *w).poll_flush(cx)).await.map_err(ws_error)?;
                out.unflushed = false;
                return Ok(());
            }
            poll_fn(|cx| Pin::new(&mut *w).poll_ready(cx)).await.map_err(ws_error)?;
            let Some(frame) = out.pop() else { return Ok(()) };
            if let Some(trace) = trace.as_mut() {
                trace(&Trace::Sent { frame: &frame });
            }
            Pin::new(&mut *w).start_send(WsMessage::Binary(frame.into())).map_err(ws_error)?;
            out.unflushed = true;
        }
    }
    Ok(())
}

/// Shuts the writing side down: FIN for TCP, a Close frame for a WebSocket.
async fn shutdown(writer: &mut Writer) {
    match writer {
        Writer::Tcp(w) => {
            let _ = w.shutdown().await;
        }
        Writer::Ws(w) => {
            let _ = poll_fn(|cx| Pin::new(&mut *w).poll_close(cx)).await;
        }
    }
}
