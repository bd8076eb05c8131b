//! A tokio driver for [`coap_codec::endpoint::Endpoint`]: the sans-IO contract's loop over a
//! `tokio::net::UdpSocket`, and nothing else.
//!
//! [`Driver`] owns the socket, the endpoint, its clock origin and the buffers. It waits for a
//! datagram or until `poll_timeout`, calls `handle_input(now, from, datagram)` or
//! `handle_timeout(now)`, sends every datagram `poll_transmit` gives with `send_to`, and turns
//! each `poll_event` into an owned [`Event`] (the endpoint's events borrow it; these copy the
//! message out as a [`MessageBuf`]). It decides nothing about CoAP: retransmission,
//! deduplication, matching, RST and 4.02 answers, Observe bookkeeping are the endpoint's.
//!
//! The application pulls events with [`Driver::next_event`] and issues commands (`request`,
//! `respond`, `accept`, `observe`, `notify`, `deregister`, ...) with [`Driver::command`], which
//! hands it the endpoint and the current time. What a command queues is sent on the next
//! `next_event` (or [`flush`](Driver::flush)) call.
//!
//! ```no_run
//! use coap_codec::endpoint::{Config, Limits, RequestOptions};
//! use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType};
//! use net::coap_driver::{Driver, Event};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let mut driver = Driver::bind("0.0.0.0:0".parse()?, Config::default(), &Limits::default()).await?;
//! let mut get = MessageBuilder::<4>::new(MessageType::Confirmable, Code::GET, MessageId(0));
//! get.path("temp")?;
//! let server = "127.0.0.1:5683".parse()?;
//! driver.command(|ep, now| ep.request(now, server, &get, RequestOptions::default()))?;
//! loop {
//!     match driver.next_event().await? {
//!         Event::ResponseReceived { response, .. } => {
//!             println!("{} {}", response.code, String::from_utf8_lossy(&response.payload));
//!             break;
//!         }
//!         Event::RequestTimedOut { .. } => return Err("no answer".into()),
//!         _ => {}
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! `next_event` is cancel-safe (a `tokio::time::timeout` or `select!` around it loses
//! nothing): it awaits only `recv_from`, socket writability (datagrams are sent with
//! `try_send_to`, so none is sent twice or lost by cancellation) and sleeps.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use coap_codec::endpoint::{
    BufferTooSmall, Config, Discarded, Endpoint, Limits, ObserverHandle, ObserverRemoval, RequestHandle,
    ResponseHandle, Storage, TransferError, VecStorage,
};
use coap_codec::session::CloseReason;
use coap_codec::time::Instant;
use coap_codec::wire::{decode_uint, Code, Message, MessageId, MessageType, OptionNumber};
use tokio::net::UdpSocket;

/// The endpoint type the binaries use: socket addresses as peers, tables sized at run time.
pub type UdpEndpoint = Endpoint<SocketAddr, VecStorage<SocketAddr>>;

/// Receive buffer: the largest UDP payload, so an oversized datagram reaches the endpoint
/// whole (and is judged by it) rather than silently truncated.
const RX_LEN: usize = 65_535;

/// An owned copy of a received CoAP message (the endpoint's events borrow its buffers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageBuf {
    /// CON, NON, ACK or RST.
    pub message_type: MessageType,
    /// Request method or response code.
    pub code: Code,
    /// The message id.
    pub message_id: MessageId,
    /// The token.
    pub token: Vec<u8>,
    /// The options in order: (number, raw value).
    pub options: Vec<(OptionNumber, Vec<u8>)>,
    /// The payload (empty when there is none).
    pub payload: Vec<u8>,
}

impl MessageBuf {
    /// Copies a checked message.
    pub fn copy<B: AsRef<[u8]>>(m: &Message<B>) -> Self {
        Self {
            message_type: m.message_type(),
            code: m.code(),
            message_id: m.message_id(),
            token: m.token().to_vec(),
            options: m.options().map(|o| (o.number, o.value.to_vec())).collect(),
            payload: m.payload().to_vec(),
        }
    }

    /// The first value of option `number`.
    pub fn option(&self, number: OptionNumber) -> Option<&[u8]> {
        self.options.iter().find(|(n, _)| *n == number).map(|(_, v)| v.as_slice())
    }

    /// Every value of option `number`, in order.
    pub fn options_of(&self, number: OptionNumber) -> impl Iterator<Item = &[u8]> + '_ {
        self.options.iter().filter(move |(n, _)| *n == number).map(|(_, v)| v.as_slice())
    }

    /// The first value of a uint option (RFC 7252 §3.2).
    pub fn uint_option(&self, number: OptionNumber) -> Option<u32> {
        self.option(number).and_then(decode_uint)
    }

    /// The Uri-Path segments joined with `/`, with a leading `/` (`"/"` for none).
    pub fn path(&self) -> String {
        let mut path = String::new();
        for seg in self.options_of(OptionNumber::URI_PATH) {
            path.push('/');
            path.push_str(&String::from_utf8_lossy(seg));
        }
        if path.is_empty() {
            path.push('/');
        }
        path
    }

    /// The Uri-Query values, as text.
    pub fn queries(&self) -> Vec<String> {
        self.options_of(OptionNumber::URI_QUERY).map(|q| String::from_utf8_lossy(q).into_owned()).collect()
    }
}

/// An owned copy of a [`coap_codec::endpoint::Event`]: what the application must know. The
/// stream driver ([`crate::coap_stream_driver`]) gives the same events for a
/// [`Session`](coap_codec::session::Session), with the connection's peer as `from`/`peer`, so
/// that one application serves both (`RequestReset` and `ResponseNotAcknowledged` then never
/// come: there is no RST or ACK on a reliable transport), and [`Event::Closed`] at its end.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// A request to answer through [`Driver::command`] (`respond`, after `accept` or `observe`).
    RequestReceived {
        /// Answer with this.
        handle: ResponseHandle,
        /// Who sent it.
        from: SocketAddr,
        /// The request.
        request: MessageBuf,
    },
    /// The response to one of our requests (final, or the first of an Observe registration).
    ResponseReceived {
        /// The request it answers.
        request: RequestHandle,
        /// Who sent it.
        from: SocketAddr,
        /// The response.
        response: MessageBuf,
        /// The observation is established: notifications follow.
        observing: bool,
    },
    /// A notification fresher than the last (RFC 7641 §3.4).
    NotificationReceived {
        /// The registration.
        request: RequestHandle,
        /// Who sent it.
        from: SocketAddr,
        /// The notification.
        notification: MessageBuf,
    },
    /// A request was never acknowledged, or no response came in time.
    RequestTimedOut {
        /// The request.
        request: RequestHandle,
        /// Its destination.
        peer: SocketAddr,
    },
    /// The peer answered our request with RST.
    RequestReset {
        /// The request.
        request: RequestHandle,
        /// The peer.
        peer: SocketAddr,
    },
    /// The peer answered a CoAP ping.
    PongReceived {
        /// The ping.
        request: RequestHandle,
        /// The peer.
        peer: SocketAddr,
    },
    /// An observer of one of our resources is gone.
    ObserverRemoved {
        /// The observer.
        observer: ObserverHandle,
        /// Its address.
        peer: SocketAddr,
        /// Why.
        reason: ObserverRemoval,
    },
    /// A separate CON response was never acknowledged.
    ResponseNotAcknowledged {
        /// Its destination.
        peer: SocketAddr,
    },
    /// A block-wise transfer (RFC 7959) the endpoint ran for `request` failed: the end of a
    /// plain request; for an Observe registration whose notification was being fetched in
    /// blocks (§3.4), the registration goes on.
    TransferFailed {
        /// The request (or the registration).
        request: RequestHandle,
        /// The peer.
        peer: SocketAddr,
        /// Why.
        reason: TransferError,
    },
    /// The connection is over (stream drivers only, [`crate::coap_stream_driver`]): the
    /// session's [`CloseReason`]; anything it had to send (an Abort) was written first. The
    /// last event of a connection.
    Closed {
        /// The peer of the connection.
        peer: SocketAddr,
        /// Why.
        reason: CloseReason,
    },
    /// An event this driver does not copy (the endpoint's events are `#[non_exhaustive]`), as
    /// its `Debug` text.
    Other(String),
}

impl Event {
    /// Copies a borrowed event of the endpoint (`P = SocketAddr`) or of a session (`P = ()`,
    /// one peer per connection), naming the peer with `addr`.
    pub(crate) fn copy<P: std::fmt::Debug>(
        event: coap_codec::endpoint::Event<'_, P>,
        addr: impl Fn(P) -> SocketAddr,
    ) -> Self {
        use coap_codec::endpoint::Event as E;
        match event {
            E::RequestReceived { handle, from, request } => {
                Self::RequestReceived { handle, from: addr(from), request: MessageBuf::copy(&request) }
            }
            E::ResponseReceived { request, from, response, observing } => {
                Self::ResponseReceived { request, from: addr(from), response: MessageBuf::copy(&response), observing }
            }
            E::NotificationReceived { request, from, notification } => {
                Self::NotificationReceived { request, from: addr(from), notification: MessageBuf::copy(&notification) }
            }
            E::RequestTimedOut { request, peer } => Self::RequestTimedOut { request, peer: addr(peer) },
            E::RequestReset { request, peer } => Self::RequestReset { request, peer: addr(peer) },
            E::PongReceived { request, peer } => Self::PongReceived { request, peer: addr(peer) },
            E::ObserverRemoved { observer, peer, reason } => {
                Self::ObserverRemoved { observer, peer: addr(peer), reason }
            }
            E::ResponseNotAcknowledged { peer } => Self::ResponseNotAcknowledged { peer: addr(peer) },
            E::TransferFailed { request, peer, reason } => Self::TransferFailed { request, peer: addr(peer), reason },
            other => Self::Other(format!("{other:?}")),
        }
    }
}

/// What went over the socket, for logging and `-v` output ([`Driver::set_trace`]).
#[derive(Debug)]
#[non_exhaustive]
pub enum Trace<'a> {
    /// A datagram was sent.
    Sent {
        /// Its destination.
        to: SocketAddr,
        /// Its bytes.
        datagram: &'a [u8],
    },
    /// Sending failed; the datagram is dropped (to CoAP, a lost datagram).
    SendFailed {
        /// Its destination.
        to: SocketAddr,
        /// Its bytes.
        datagram: &'a [u8],
        /// The socket error.
        error: &'a io::Error,
    },
    /// A datagram arrived; `outcome` is what `handle_input` said (`Err`: why it produced no
    /// event, any prescribed answer already queued).
    Received {
        /// Its source.
        from: SocketAddr,
        /// Its bytes.
        datagram: &'a [u8],
        /// `handle_input`'s result.
        outcome: Result<(), Discarded>,
    },
}

/// A trace callback.
type TraceFn = Box<dyn FnMut(&Trace<'_>) + Send>;

/// Runs one [`Endpoint`] over a `UdpSocket` (see the [module docs](self)).
pub struct Driver<S: Storage<SocketAddr> = VecStorage<SocketAddr>> {
    socket: UdpSocket,
    endpoint: Endpoint<SocketAddr, S>,
    /// The epoch of the endpoint's [`Instant`]s.
    origin: std::time::Instant,
    rx: Vec<u8>,
    /// `poll_transmit`'s buffer, grown when a datagram needs more.
    tx: Vec<u8>,
    /// Datagrams waiting for the socket.
    out: VecDeque<(SocketAddr, Vec<u8>)>,
    events: VecDeque<Event>,
    trace: Option<TraceFn>,
}

impl<S: Storage<SocketAddr>> std::fmt::Debug for Driver<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("socket", &self.socket)
            .field("queued_datagrams", &self.out.len())
            .field("queued_events", &self.events.len())
            .finish_non_exhaustive()
    }
}

impl Driver<VecStorage<SocketAddr>> {
    /// Binds a UDP socket at `addr` and runs a new endpoint with `config` and tables of
    /// `limits` on it.
    ///
    /// # Errors
    /// The socket's bind error.
    pub async fn bind(addr: SocketAddr, config: Config, limits: &Limits) -> io::Result<Self> {
        let socket = UdpSocket::bind(addr).await?;
        Ok(Self::new(socket, Endpoint::new(config, VecStorage::new(limits))))
    }
}

impl<S: Storage<SocketAddr>> Driver<S> {
    /// A driver for `endpoint` on `socket`; its clock starts now.
    pub fn new(socket: UdpSocket, endpoint: Endpoint<SocketAddr, S>) -> Self {
        Self {
            socket,
            endpoint,
            origin: std::time::Instant::now(),
            rx: vec![0; RX_LEN],
            tx: vec![0; 1280],
            out: VecDeque::new(),
            events: VecDeque::new(),
            trace: None,
        }
    }

    /// Calls `f` for every datagram sent or received (hex dumps, logs).
    pub fn set_trace(&mut self, f: impl FnMut(&Trace<'_>) + Send + 'static) {
        self.trace = Some(Box::new(f));
    }

    /// The socket's local address.
    ///
    /// # Errors
    /// The socket's error.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// Now, in the endpoint's time.
    pub fn now(&self) -> Instant {
        Instant::from_std(std::time::Instant::now(), self.origin)
    }

    /// The endpoint, to read (`config`, `open_exchanges`, `is_fresh`, ...).
    pub fn endpoint(&self) -> &Endpoint<SocketAddr, S> {
        &self.endpoint
    }

    /// Runs `f` with the endpoint and the current time, for a command (`request`, `respond`,
    /// `accept`, `observe`, `notify`, `cancel`, `deregister`, `ping`, ...); what it queues is
    /// sent on the next [`next_event`](Self::next_event) or [`flush`](Self::flush).
    pub fn command<R>(&mut self, f: impl FnOnce(&mut Endpoint<SocketAddr, S>, Instant) -> R) -> R {
        let now = self.now();
        let r = f(&mut self.endpoint, now);
        self.pump(now);
        r
    }

    /// Sends every queued datagram. A datagram the socket refuses (other than "would block")
    /// is dropped and reported to the trace: to CoAP that is loss, which the endpoint's
    /// retransmissions cover.
    ///
    /// # Errors
    /// Only the error of waiting for the socket to become writable.
    pub async fn flush(&mut self) -> io::Result<()> {
        while let Some((to, datagram)) = self.out.front() {
            match self.socket.try_send_to(datagram, *to) {
                Ok(_) => {
                    if let Some(trace) = self.trace.as_mut() {
                        trace(&Trace::Sent { to: *to, datagram });
                    }
                    self.out.pop_front();
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.socket.writable().await?,
                Err(error) => {
                    if let Some(trace) = self.trace.as_mut() {
                        trace(&Trace::SendFailed { to: *to, datagram, error: &error });
                    }
                    self.out.pop_front();
                }
            }
        }
        Ok(())
    }

    /// The next event, running the endpoint until there is one.
    ///
    /// # Errors
    /// A socket error other than the ICMP-induced ones a UDP socket reports for an earlier
    /// datagram (connection refused or reset), which are skipped.
    pub async fn next_event(&mut self) -> io::Result<Event> {
        loop {
            self.flush().await?;
            if let Some(event) = self.events.pop_front() {
                return Ok(event);
            }
            let deadline = self
                .endpoint
                .poll_timeout()
                .and_then(|t| self.origin.checked_add(Duration::from_millis(t.as_millis())))
                .map(tokio::time::Instant::from_std);
            let woke = tokio::select! {
                r = self.socket.recv_from(&mut self.rx) => Some(r),
                () = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)),
                    if deadline.is_some() => None,
            };
            let now = self.now();
            match woke {
                Some(Ok((n, from))) => {
                    let datagram = self.rx.get(..n).unwrap_or(&[]);
                    let outcome = self.endpoint.handle_input(now, from, datagram);
                    if let Some(trace) = self.trace.as_mut() {
                        trace(&Trace::Received { from, datagram, outcome });
                    }
                }
                Some(Err(e))
                    if matches!(e.kind(), io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset) => {}
                Some(Err(e)) => return Err(e),
                None => self.endpoint.handle_timeout(now),
            }
            self.pump(now);
        }
    }

    /// `poll_transmit` until `None` into `out`, then `poll_event` until `None` into `events`.
    fn pump(&mut self, now: Instant) {
        loop {
            match self.endpoint.poll_transmit(now, &mut self.tx) {
                Ok(Some(t)) => self.out.push_back((t.to, self.tx.get(..t.len).unwrap_or(&[]).to_vec())),
                Ok(None) => break,
                Err(BufferTooSmall { required }) => self.tx.resize(required, 0),
            }
        }
        while let Some(event) = self.endpoint.poll_event() {
            self.events.push_back(Event::copy(event, |from| from));
        }
    }
}

/// `bytes` as lowercase hex pairs separated by spaces (`40 01 12 34`), for `-v` output.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 3);
    for (i, b) in bytes.iter().enumerate() {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(&format!("{b:02x}"));
    }
    s
}
