//! A tokio TCP loop around the sans-IO broker core [`mqtt_codec::broker::Broker`]: accept,
//! read, write, sleep until the next deadline, and nothing else. The `mqtt-broker` binary
//! parses flags and runs it; tests start it on port 0 with [`Background`] and learn the port.
//!
//! One task owns the `Broker<u64>` (connection ids are never reused). Around it:
//!
//! - an accept task per listener hands each new socket to the owner;
//! - per connection, a reader task sends what it reads (then EOF or the error) to the owner
//!   over one bounded channel, so a client that floods waits in its socket, and a writer task
//!   writes what the owner gives it, in order; when the owner drops the writer's sender, the
//!   writer writes what is left and shuts the socket.
//!
//! The owner waits for the channel or for `poll_timeout`. After each wake it calls the
//! broker (`connection_opened`, `handle_input` with the bytes a connection has not had used
//! yet, `connection_lost`, or `handle_timeout`), then drains `poll_transmit` (each frame to
//! its connection's writer) and `poll_event`: a `Connected` logs one `connect` line; a
//! `Closed` logs one `disconnect` line, drops the writer (which flushes and shuts the
//! socket), stops the reader and calls `connection_lost`. Bytes `handle_input` did not use
//! stay with their connection and are offered again after each round (the broker uses fewer
//! while it answers a CONNECT, or when a connection's store is full).
//!
//! It decides nothing about MQTT. Three transport rules are its own: a connection whose
//! writer falls more than [`MAX_UNWRITTEN`] bytes behind (a client that stops reading) is
//! treated as lost; a closed connection's writer gets 10 s to write what is left; an `accept`
//! error is logged and retried after a pause.
//!
//! ```no_run
//! use mqtt_codec::broker::Config;
//! use net::broker_loop::Server;
//!
//! # async fn run() -> Result<(), net::broker_loop::ListenError> {
//! let server = Server::bind(&["127.0.0.1:1883".parse().unwrap()], Config::new()).await?;
//! server.run(|line| println!("{line}"), std::future::pending()).await;
//! # Ok(())
//! # }
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mqtt_codec::broker::{Broker, BrokerEvent, Config};
use mqtt_codec::server;
use mqtt_codec::session::BufferTooSmall;
use mqtt_codec::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

/// The largest packet a client may send, by default (`mqtt-broker --max-packet-size`).
pub const DEFAULT_MAX_PACKET_SIZE: u32 = 16 * 1024;

/// The 5.0 Topic Alias Maximum announced by default: all the core's connections hold
/// ([`mqtt_codec::broker::Connection`] has 8; the core's own default announces none).
pub const DEFAULT_TOPIC_ALIAS_MAXIMUM: u16 = 8;

/// Each connection's configuration and store size for a Maximum Packet Size and a Topic Alias
/// Maximum: the store holds received packets (one of the largest, with room for an aliased
/// topic beside it), alias names, control packets, the will, and messages on their way to the
/// client (at least two of the largest).
///
/// ```
/// use mqtt_codec::broker::Config;
/// let (connection, store) = net::broker_loop::connection_config(64 * 1024, 8);
/// assert_eq!(connection.maximum_packet_size, 64 * 1024);
/// let config = Config::new().with_connection(connection, store);
/// # let _ = config;
/// ```
pub fn connection_config(max_packet_size: u32, topic_alias_maximum: u16) -> (server::Config, usize) {
    let d = server::Config::new();
    let packet = max_packet_size as usize;
    let inbound = packet + d.alias_bytes;
    let outbound = (2 * packet).max(16 * 1024);
    let store = inbound + d.alias_bytes + d.control_bytes + d.will_bytes + outbound;
    let connection = d
        .with_store_split(inbound, d.alias_bytes, d.control_bytes, d.will_bytes)
        .with_maximum_packet_size(max_packet_size)
        .with_topic_alias_maximum(topic_alias_maximum);
    (connection, store)
}

/// The core's default limits with [`DEFAULT_MAX_PACKET_SIZE`] and
/// [`DEFAULT_TOPIC_ALIAS_MAXIMUM`]: what `mqtt-broker` runs with when no flag is given.
pub fn default_config() -> Config {
    let (connection, store) = connection_config(DEFAULT_MAX_PACKET_SIZE, DEFAULT_TOPIC_ALIAS_MAXIMUM);
    Config::new().with_connection(connection, store)
}

/// Bytes a connection's writer may have waiting before the connection counts as lost.
pub const MAX_UNWRITTEN: usize = 8 << 20;

/// How long a closed connection's writer may take to write what is left.
const CLOSE_GRACE: Duration = Duration::from_secs(10);

/// How much one socket read asks for.
const READ_CHUNK: usize = 8192;

/// Messages to the owner that may wait in the channel (readers then wait in their sockets).
const CHANNEL: usize = 256;

/// How long an accept task pauses after an error (out of file descriptors, say).
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// A listener could not be opened.
#[derive(Debug)]
pub struct ListenError {
    /// The address asked for.
    pub addr: SocketAddr,
    /// What the OS said.
    pub error: io::Error,
}

impl fmt::Display for ListenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.error.kind() == io::ErrorKind::AddrInUse {
            write!(f, "cannot listen on {}: address in use", self.addr)
        } else {
            write!(f, "cannot listen on {}: {}", self.addr, self.error)
        }
    }
}

impl std::error::Error for ListenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Bound listeners and the broker's configuration, ready to [`run`](Self::run).
#[derive(Debug)]
pub struct Server {
    listeners: Vec<TcpListener>,
    config: Config,
    /// Sessions to import when the broker starts ([`with_sessions`](Self::with_sessions)).
    sessions: Option<Vec<u8>>,
}

impl Server {
    /// Binds every address (port 0: the OS picks one; see [`local_addrs`](Self::local_addrs)).
    ///
    /// # Errors
    /// The first address that could not be bound, with the OS error.
    pub async fn bind(addrs: &[SocketAddr], config: Config) -> Result<Self, ListenError> {
        let mut listeners = Vec::with_capacity(addrs.len());
        for &addr in addrs {
            listeners.push(TcpListener::bind(addr).await.map_err(|error| ListenError { addr, error })?);
        }
        Ok(Self { listeners, config, sessions: None })
    }

    /// Starts the broker with the sessions and retained messages of an earlier run: the bytes
    /// [`run`](Self::run) returned when it stopped ([`Broker::export`], imported with
    /// [`Broker::import`]; an `import failed: ...` line is logged if they are refused).
    #[must_use]
    pub fn with_sessions(mut self, bytes: Vec<u8>) -> Self {
        self.sessions = Some(bytes);
        self
    }

    /// The addresses the listeners are bound to, in the order given to [`bind`](Self::bind).
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.listeners.iter().filter_map(|l| l.local_addr().ok()).collect()
    }

    /// Runs the broker until `shutdown` completes, calling `log` with one line per event
    /// worth a line: `listening on ADDR`, `connect ADDR CLIENT_ID session_present=BOOL`,
    /// `disconnect ADDR REASON`, `refused ADDR REASON` (over `--max-connections`), and
    /// `accept error: ...`. Must run inside a tokio runtime (it spawns tasks); they end with it.
    ///
    /// Returns the broker's sessions and retained messages as it stopped ([`Broker::export`]):
    /// give them to [`with_sessions`](Self::with_sessions) to start again where it left off.
    pub async fn run(self, mut log: impl FnMut(&str), shutdown: impl Future<Output = ()>) -> Vec<u8> {
        let (to_owner, inbox) = mpsc::channel(CHANNEL);
        let mut acceptors = Vec::new();
        for listener in self.listeners {
            if let Ok(addr) = listener.local_addr() {
                log(&format!("listening on {addr}"));
            }
            acceptors.push(tokio::spawn(accept(listener, to_owner.clone())));
        }
        let mut owner = Owner::new(self.config, to_owner);
        if let Some(bytes) = self.sessions {
            match owner.broker.import(owner.now(), &bytes) {
                Ok(n) => log(&format!("imported {n} sessions")),
                Err(e) => log(&format!("import failed: {e}")),
            }
        }
        tokio::select! {
            () = owner.run(inbox, &mut log) => {}
            () = shutdown => {}
        }
        for a in acceptors {
            a.abort();
        }
        let saved = owner.broker.export(owner.now());
        // Dropping the owner drops every writer's sender: each writes what it has and shuts
        // its socket; the readers are stopped.
        owner.close_all();
        saved
    }
}

/// What the tasks tell the owner.
enum Msg {
    Accepted(TcpStream, SocketAddr),
    /// Accepting failed; the acceptor pauses and tries again.
    AcceptError(io::Error),
    Input(u64, Vec<u8>),
    /// EOF (`None`) or a read or write error.
    Lost(u64, Option<io::Error>),
}

async fn accept(listener: TcpListener, to_owner: mpsc::Sender<Msg>) {
    loop {
        let msg = match listener.accept().await {
            Ok((stream, addr)) => Msg::Accepted(stream, addr),
            Err(e) => Msg::AcceptError(e),
        };
        let pause = matches!(msg, Msg::AcceptError(_));
        if to_owner.send(msg).await.is_err() {
            return;
        }
        if pause {
            tokio::time::sleep(ACCEPT_PAUSE).await;
        }
    }
}

async fn read(id: u64, mut rd: OwnedReadHalf, to_owner: mpsc::Sender<Msg>) {
    loop {
        let mut buf = vec![0u8; READ_CHUNK];
        let msg = match rd.read(&mut buf).await {
            Ok(0) => Msg::Lost(id, None),
            Ok(n) => {
                buf.truncate(n);
                Msg::Input(id, buf)
            }
            Err(e) => Msg::Lost(id, Some(e)),
        };
        let last = matches!(msg, Msg::Lost(..));
        if to_owner.send(msg).await.is_err() || last {
            return;
        }
    }
}

async fn write(
    id: u64,
    mut wr: OwnedWriteHalf,
    mut frames: mpsc::UnboundedReceiver<Vec<u8>>,
    unwritten: Arc<AtomicUsize>,
    to_owner: mpsc::Sender<Msg>,
) {
    // `None` once the owner dropped the sender: everything it sent has been received.
    while let Some(bytes) = frames.recv().await {
        if let Err(e) = wr.write_all(&bytes).await {
            let _ = to_owner.send(Msg::Lost(id, Some(e))).await;
            return;
        }
        unwritten.fetch_sub(bytes.len(), Ordering::Relaxed);
    }
    // The peer may be gone already; the connection is over either way.
    let _ = wr.shutdown().await;
}

/// One accepted socket as the owner sees it.
struct Link {
    addr: SocketAddr,
    /// Read and not yet used by `handle_input`.
    rx: Vec<u8>,
    /// Frames for the writer, gathered during one round and sent as one buffer.
    out: Vec<u8>,
    writer: mpsc::UnboundedSender<Vec<u8>>,
    unwritten: Arc<AtomicUsize>,
    reader: AbortHandle,
    writer_task: AbortHandle,
    /// The socket error behind a `connection_lost`, for the `disconnect` line.
    io_error: Option<String>,
}

impl Link {
    /// Ends the tasks: the reader now; the writer once it has written what it was given (it
    /// sees the channel close when `self.writer` drops), or after [`CLOSE_GRACE`] if the
    /// client does not read.
    fn close(self) {
        self.reader.abort();
        let writer = self.writer_task;
        tokio::spawn(async move {
            tokio::time::sleep(CLOSE_GRACE).await;
            writer.abort();
        });
    }
}

/// The task that owns the broker.
struct Owner {
    broker: Broker<u64>,
    /// The epoch of the broker's [`Instant`]s.
    origin: std::time::Instant,
    links: BTreeMap<u64, Link>,
    next_id: u64,
    /// `poll_transmit`'s buffer, grown when a frame needs more.
    tx: Vec<u8>,
    /// For the reader and writer tasks of new connections.
    to_owner: mpsc::Sender<Msg>,
}

impl Owner {
    fn new(config: Config, to_owner: mpsc::Sender<Msg>) -> Self {
        Self {
            broker: Broker::new(config),
            origin: std::time::Instant::now(),
            links: BTreeMap::new(),
            next_id: 1,
            tx: vec![0; 4096],
            to_owner,
        }
    }

    fn now(&self) -> Instant {
        Instant::from_std(std::time::Instant::now(), self.origin)
    }

    async fn run(&mut self, mut inbox: mpsc::Receiver<Msg>, log: &mut impl FnMut(&str)) {
        loop {
            let deadline = self
                .broker
                .poll_timeout()
                .and_then(|t| self.origin.checked_add(Duration::from_millis(t.as_millis())))
                .map(tokio::time::Instant::from_std);
            tokio::select! {
                msg = inbox.recv() => match msg {
                    Some(msg) => self.on_msg(msg, log),
                    // Cannot happen while `self.to_owner` lives; stop rather than spin.
                    None => return,
                },
                () = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)),
                    if deadline.is_some() => {
                    let now = self.now();
                    self.broker.handle_timeout(now);
                    self.flush(now, log);
                }
            }
            self.retry_unused(log);
            self.send_out(log);
        }
    }

    fn on_msg(&mut self, msg: Msg, log: &mut impl FnMut(&str)) {
        match msg {
            Msg::Accepted(stream, addr) => self.open(stream, addr, log),
            Msg::AcceptError(e) => log(&format!("accept error: {e}")),
            Msg::Input(id, bytes) => {
                if let Some(link) = self.links.get_mut(&id) {
                    link.rx.extend_from_slice(&bytes);
                    self.feed(id, log);
                }
            }
            Msg::Lost(id, error) => self.lost(id, error.map(|e| e.to_string()), log),
        }
    }

    fn open(&mut self, stream: TcpStream, addr: SocketAddr, log: &mut impl FnMut(&str)) {
        let id = self.next_id;
        self.next_id += 1;
        let now = self.now();
        if let Err(e) = self.broker.connection_opened(now, id) {
            // Dropping the stream closes it.
            log(&format!("refused {addr} {e}"));
            return;
        }
        // MQTT packets are small and each one is a complete message: do not hold them back.
        let _ = stream.set_nodelay(true);
        let (rd, wr) = stream.into_split();
        let (writer, frames) = mpsc::unbounded_channel();
        let unwritten = Arc::new(AtomicUsize::new(0));
        let writer_task =
            tokio::spawn(write(id, wr, frames, Arc::clone(&unwritten), self.to_owner.clone())).abort_handle();
        let reader = tokio::spawn(read(id, rd, self.to_owner.clone())).abort_handle();
        let link =
            Link { addr, rx: Vec::new(), out: Vec::new(), writer, unwritten, reader, writer_task, io_error: None };
        self.links.insert(id, link);
        // The connection's CONNECT timeout is running: `poll_timeout` now includes it.
        self.flush(now, log);
    }

    /// Gives connection `id` the bytes it has not used, again after each round of output
    /// while that makes progress.
    fn feed(&mut self, id: u64, log: &mut impl FnMut(&str)) {
        loop {
            let now = self.now();
            let Some(link) = self.links.get_mut(&id) else { return };
            if link.rx.is_empty() {
                return;
            }
            let used = match self.broker.handle_input(now, id, &link.rx) {
                Ok(n) => n.min(link.rx.len()),
                // The connection is over; `poll_event` gives its `Closed`.
                Err(_) => link.rx.len(),
            };
            link.rx.drain(..used);
            let progress = self.flush(now, log);
            if used == 0 && !progress {
                return;
            }
        }
    }

    /// Connections keep the bytes the broker did not use; this offers them again.
    fn retry_unused(&mut self, log: &mut impl FnMut(&str)) {
        let waiting: Vec<u64> = self.links.iter().filter(|(_, l)| !l.rx.is_empty()).map(|(&id, _)| id).collect();
        for id in waiting {
            self.feed(id, log);
        }
    }

    /// The transport of `id` closed (EOF, an error, or its writer fell too far behind).
    fn lost(&mut self, id: u64, why: Option<String>, log: &mut impl FnMut(&str)) {
        let Some(link) = self.links.get_mut(&id) else { return };
        link.io_error = why;
        let addr = link.addr;
        let now = self.now();
        self.broker.connection_lost(now, id);
        // Normally its `Closed` event has just removed the link.
        self.flush(now, log);
        if let Some(link) = self.links.remove(&id) {
            log(&format!("disconnect {addr} transport closed{}", detail(&link.io_error)));
            link.close();
        }
    }

    /// Drains `poll_transmit` and `poll_event` until both are empty; returns whether anything
    /// came out.
    fn flush(&mut self, now: Instant, log: &mut impl FnMut(&str)) -> bool {
        let mut progress = false;
        loop {
            let mut more = false;
            loop {
                match self.broker.poll_transmit(now, &mut self.tx) {
                    Ok(Some((id, t))) => {
                        more = true;
                        if let Some(link) = self.links.get_mut(&id) {
                            link.out.extend_from_slice(self.tx.get(..t.len).unwrap_or(&[]));
                        }
                    }
                    Ok(None) => break,
                    Err(BufferTooSmall { required }) => self.tx.resize(required, 0),
                }
            }
            while let Some(event) = self.broker.poll_event() {
                more = true;
                match event {
                    BrokerEvent::Connected { conn, client_id, session_present } => {
                        let addr = self.links.get(&conn).map(|l| l.addr.to_string()).unwrap_or_default();
                        log(&format!("connect {addr} {client_id} session_present={session_present}"));
                    }
                    BrokerEvent::Closed { conn, reason } => {
                        // What the broker still has for it (a DISCONNECT, a CONNACK refusal).
                        while let Ok(Some((id, t))) = self.broker.poll_transmit(now, &mut self.tx) {
                            if let Some(link) = self.links.get_mut(&id) {
                                link.out.extend_from_slice(self.tx.get(..t.len).unwrap_or(&[]));
                            }
                        }
                        if let Some(mut link) = self.links.remove(&conn) {
                            log(&format!("disconnect {} {reason}{}", link.addr, detail(&link.io_error)));
                            Self::send(&mut link);
                            // Dropping `link.writer` lets the writer flush and shut the socket.
                            link.close();
                        }
                        self.broker.connection_lost(now, conn);
                    }
                    _ => {}
                }
            }
            if !more {
                return progress;
            }
            progress = true;
        }
    }

    /// Hands each connection's gathered frames to its writer.
    fn send_out(&mut self, log: &mut impl FnMut(&str)) {
        let mut behind = Vec::new();
        for (&id, link) in &mut self.links {
            if !Self::send(link) {
                behind.push(id);
            }
        }
        for id in behind {
            self.lost(id, Some(format!("more than {MAX_UNWRITTEN} bytes unwritten")), log);
        }
    }

    /// Sends `link.out` to the writer; `false` when the writer is too far behind.
    fn send(link: &mut Link) -> bool {
        if link.out.is_empty() {
            return true;
        }
        let bytes = std::mem::take(&mut link.out);
        let n = bytes.len();
        // A closed channel means the writer failed; its `Lost` is on the way.
        if link.writer.send(bytes).is_ok() {
            return link.unwritten.fetch_add(n, Ordering::Relaxed) + n <= MAX_UNWRITTEN;
        }
        true
    }

    fn close_all(&mut self) {
        for (_, mut link) in std::mem::take(&mut self.links) {
            Self::send(&mut link);
            link.close();
        }
    }
}

/// ` (the socket error)` for a `disconnect` line, when there was one.
fn detail(io_error: &Option<String>) -> String {
    io_error.as_ref().map(|e| format!(" ({e})")).unwrap_or_default()
}

/// A broker on its own thread and tokio runtime, for tests and embedding: started on bound
/// listeners, it collects the log lines; dropping it stops the broker and joins the thread.
///
/// ```
/// use mqtt_codec::broker::Config;
/// let broker = net::broker_loop::Background::start(Config::new())?;
/// assert!(broker.addr().ip().is_loopback());
/// let stream = std::net::TcpStream::connect(broker.addr())?;
/// # drop(stream);
/// // `broker.log()`: `listening on 127.0.0.1:<port>`, then a line per connect and disconnect.
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Background {
    addr: SocketAddr,
    log: Arc<Mutex<Vec<String>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Background {
    /// Starts a broker on a free `127.0.0.1` port.
    ///
    /// # Errors
    /// The runtime or the listener could not be created.
    pub fn start(config: Config) -> io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let local = SocketAddr::from(([127, 0, 0, 1], 0));
        let server = runtime.block_on(Server::bind(&[local], config)).map_err(|e| e.error)?;
        let addr = server.local_addrs().first().copied().ok_or_else(|| io::Error::other("no listener"))?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = Arc::clone(&log);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::Builder::new().name(format!("mqtt-broker {addr}")).spawn(move || {
            let push = move |line: &str| {
                if let Ok(mut lines) = lines.lock() {
                    lines.push(line.to_owned());
                }
            };
            runtime.block_on(server.run(push, async {
                let _ = stopped.await;
            }));
        })?;
        Ok(Self { addr, log, stop: Some(stop), thread: Some(thread) })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The log lines so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().map(|l| l.clone()).unwrap_or_default()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl fmt::Debug for Background {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Background").field("addr", &self.addr).finish_non_exhaustive()
    }
}
