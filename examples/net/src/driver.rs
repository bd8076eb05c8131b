//! A tokio driver for [`mqtt_codec::client::Client`]: the sans-IO contract's loop over a
//! `tokio::net::TcpStream`, and nothing else.
//!
//! [`Driver`] owns the client, the socket and the buffers. It reads into an rx buffer and calls
//! `handle_input` (keeping the bytes it did not use), sleeps until `poll_timeout` and calls
//! `handle_timeout`, writes every frame `poll_transmit` gives, and turns each `poll_event` into
//! an owned [`Event`] (the client's events borrow it; these copy the topic and payload out).
//! On EOF or a socket error it calls `connection_lost`; when the client closes the connection
//! (any `Closed` event) it writes what is left and shuts the socket. It decides nothing about
//! MQTT: what to send, when to ping, what to resend is the client's.
//!
//! The application pulls events with [`Driver::next_event`] and issues commands with
//! [`Driver::command`], which hands it the client and the current time; the bytes a command
//! queues go out on the next `next_event` call.
//!
//! ```no_run
//! use mqtt_codec::client::{Client, Config, OutgoingMessage};
//! use mqtt_codec::wire::{Connect, Protocol, Qos, Version};
//! use net::driver::{Driver, Event};
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client: Client<Vec<u8>> = Client::new(Config::new(Version::V5), vec![0; 8192])?;
//! let mut driver = Driver::new(client);
//! let stream = tokio::net::TcpStream::connect("127.0.0.1:1883").await?;
//! driver.start(stream, &Connect { client_id: "sensor-7", ..Connect::new(Protocol::Mqtt5) })?;
//! while let Some(event) = driver.next_event().await {
//!     match event {
//!         Event::Connected { .. } => {
//!             let m = OutgoingMessage::new("sensors/7/temp", b"21.5").with_qos(Qos::AtLeastOnce);
//!             driver.command(|client, now| client.publish(now, &m))?;
//!         }
//!         Event::PublishAcknowledged { .. } => break,
//!         Event::Closed { reason, .. } => return Err(reason.into()),
//!         _ => {}
//!     }
//! }
//! # Ok(())
//! # }
//! ```
//!
//! `next_event` is cancel-safe (a `tokio::time::timeout` or `select!` around it loses nothing):
//! it awaits only socket reads, socket writes from a buffer it keeps, and sleeps.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

use mqtt_codec::client::{BufferTooSmall, Client, CloseReason, DropReason, PublishHandle};
use mqtt_codec::time::Instant;
use mqtt_codec::wire::{Connect, PacketId, Property, PropertyId, Qos, ReasonCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// How much one socket read asks for.
const READ_CHUNK: usize = 4096;

/// An application message the client received, copied out of the client's store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The topic (resolved when it came by topic alias).
    pub topic: String,
    /// The payload.
    pub payload: Vec<u8>,
    /// The QoS it was delivered with.
    pub qos: Qos,
    /// RETAIN: a retained message sent because of a new subscription (or, 5.0, Retain As
    /// Published).
    pub retain: bool,
    /// DUP: a resend.
    pub dup: bool,
    /// The 5.0 Topic Alias the PUBLISH carried, if any (it shows whether the server used one).
    pub topic_alias: Option<u16>,
}

/// An owned copy of a [`mqtt_codec::client::Event`]: what the application must know.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// CONNACK Success.
    Connected {
        /// Session Present: the server resumed the session.
        session_present: bool,
        /// The 5.0 Assigned Client Identifier, when the CONNECT had an empty one.
        assigned_client_id: Option<String>,
    },
    /// A PUBLISH arrived.
    MessageReceived(Message),
    /// A QoS 1 or 2 message completed (PUBACK or PUBCOMP).
    PublishAcknowledged {
        /// The handle `publish` returned.
        handle: PublishHandle,
        /// The PUBACK's or PUBCOMP's reason code (Success under 3.1.1).
        reason: ReasonCode,
    },
    /// A QoS 0 message was written to the socket's buffer.
    PublishSent {
        /// The handle `publish` returned.
        handle: PublishHandle,
    },
    /// A message will not be delivered (or may not have been).
    PublishDropped {
        /// The handle `publish` returned.
        handle: PublishHandle,
        /// Why.
        reason: DropReason,
    },
    /// SUBACK.
    Subscribed {
        /// The packet id `subscribe` returned.
        packet_id: PacketId,
        /// One per filter: the granted QoS or an error.
        reason_codes: Vec<ReasonCode>,
    },
    /// UNSUBACK.
    Unsubscribed {
        /// The packet id `unsubscribe` returned.
        packet_id: PacketId,
        /// One per filter (5.0; empty under 3.1.1).
        reason_codes: Vec<ReasonCode>,
    },
    /// A SUBSCRIBE or UNSUBSCRIBE whose answer can no longer come.
    RequestDropped {
        /// Its packet id.
        packet_id: PacketId,
    },
    /// AUTH (5.0 enhanced authentication); answer through [`Driver::command`] and `auth`.
    AuthReceived {
        /// Its reason code.
        reason: ReasonCode,
        /// Authentication Method.
        method: Option<String>,
        /// Authentication Data.
        data: Option<Vec<u8>>,
    },
    /// The connection is over; the socket is (being) closed. [`Driver::start`] may follow.
    Closed {
        /// Why, as the client saw it.
        reason: CloseReason,
        /// The Reason String of the server's DISCONNECT or CONNACK (5.0), if it sent one.
        reason_string: Option<String>,
        /// The socket error, when a read or write failed (`reason` is then `TransportClosed`).
        io_error: Option<io::Error>,
    },
    /// An event this driver does not copy (the client's events are `#[non_exhaustive]`), as
    /// its `Debug` text.
    Other(String),
}

/// Runs one [`Client`] over a `TcpStream` (see the [module docs](self)).
pub struct Driver<B = Vec<u8>, const N: usize = 32, const A: usize = 4> {
    client: Client<B, N, A>,
    stream: Option<TcpStream>,
    /// The epoch of the client's [`Instant`]s.
    origin: std::time::Instant,
    /// Bytes read and not yet used by `handle_input`.
    rx: Vec<u8>,
    /// `poll_transmit`'s buffer, grown when a frame needs more.
    tx: Vec<u8>,
    /// Frames waiting for the socket.
    out: Vec<u8>,
    events: VecDeque<Event>,
    /// The client closed the connection: shut the socket once `out` is written.
    closing: bool,
    /// The socket error behind a `connection_lost`, for the `Closed` event.
    io_error: Option<io::Error>,
}

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize, const A: usize> Driver<B, N, A> {
    /// A driver for `client`, with no connection yet; its clock starts now.
    pub fn new(client: Client<B, N, A>) -> Self {
        Self {
            client,
            stream: None,
            origin: std::time::Instant::now(),
            rx: Vec::with_capacity(READ_CHUNK),
            tx: vec![0; 1024],
            out: Vec::new(),
            events: VecDeque::new(),
            closing: false,
            io_error: None,
        }
    }

    /// Now, in the client's time.
    pub fn now(&self) -> Instant {
        Instant::from_std(std::time::Instant::now(), self.origin)
    }

    /// The client, to read (`server_limits`, `is_connected`, ...).
    pub fn client(&self) -> &Client<B, N, A> {
        &self.client
    }

    /// Whether a socket is attached (from [`start`](Self::start) until the connection closes).
    pub fn has_transport(&self) -> bool {
        self.stream.is_some()
    }

    /// Attaches a new connection to `stream` and queues `connect` on the client (see
    /// [`Client::connect`]). A socket still attached is dropped, so call it after
    /// [`Event::Closed`] (the way to resume a session: same client, new stream).
    ///
    /// # Errors
    /// The client's [`mqtt_codec::client::CommandError`]; the stream is dropped then.
    pub fn start(&mut self, stream: TcpStream, connect: &Connect<'_>) -> Result<(), mqtt_codec::client::CommandError> {
        let now = self.now();
        self.client.connect(now, connect)?;
        // MQTT packets are small and each one is a complete message: do not hold them back.
        let _ = stream.set_nodelay(true);
        self.stream = Some(stream);
        self.rx.clear();
        self.out.clear();
        self.closing = false;
        self.io_error = None;
        self.pump(now);
        Ok(())
    }

    /// Runs `f` with the client and the current time, for a command (`publish`, `subscribe`,
    /// `disconnect`, ...); what it queues is written on the next [`next_event`](Self::next_event).
    pub fn command<R>(&mut self, f: impl FnOnce(&mut Client<B, N, A>, Instant) -> R) -> R {
        let now = self.now();
        let r = f(&mut self.client, now);
        self.pump(now);
        r
    }

    /// Drops the socket without a DISCONNECT (as a crash or a cut cable would) and tells the
    /// client: [`Event::Closed`] with `TransportClosed` follows.
    pub fn abort(&mut self) {
        self.lost(None);
    }

    /// The next event, running the connection until there is one. `None` when there is no
    /// connection and no event left.
    pub async fn next_event(&mut self) -> Option<Event> {
        loop {
            self.write_out().await;
            if self.closing && self.out.is_empty() {
                self.closing = false;
                if let Some(mut stream) = self.stream.take() {
                    // Errors mean the peer is gone already; the connection is over either way.
                    let _ = stream.shutdown().await;
                }
                self.rx.clear();
            }
            if let Some(event) = self.events.pop_front() {
                return Some(event);
            }
            let stream = self.stream.as_mut()?;
            let deadline = self
                .client
                .poll_timeout()
                .and_then(|t| self.origin.checked_add(Duration::from_millis(t.as_millis())))
                .map(tokio::time::Instant::from_std);
            let mut chunk = [0u8; READ_CHUNK];
            let woke = tokio::select! {
                read = stream.read(&mut chunk) => Some(read),
                () = tokio::time::sleep_until(deadline.unwrap_or_else(tokio::time::Instant::now)),
                    if deadline.is_some() => None,
            };
            match woke {
                Some(Ok(0)) => self.lost(None),
                Some(Ok(n)) => {
                    self.rx.extend_from_slice(chunk.get(..n).unwrap_or(&[]));
                    self.feed();
                }
                Some(Err(e)) => self.lost(Some(e)),
                None => {
                    let now = self.now();
                    self.client.handle_timeout(now);
                    self.pump(now);
                }
            }
        }
    }

    /// Gives the client what `rx` holds, again after each round of output while that makes
    /// progress (the client takes fewer bytes when its store for events is full).
    fn feed(&mut self) {
        loop {
            let now = self.now();
            // An error closes the connection; the `Closed` event carries the reason.
            let used = self.client.handle_input(now, &self.rx).unwrap_or(0);
            self.rx.drain(..used.min(self.rx.len()));
            let progress = self.pump(now);
            if self.rx.is_empty() || (used == 0 && !progress) {
                break;
            }
        }
    }

    /// `poll_transmit` until `None` into `out`, then `poll_event` until `None` into `events`.
    /// Returns whether anything came out.
    fn pump(&mut self, now: Instant) -> bool {
        let mut progress = false;
        loop {
            match self.client.poll_transmit(now, &mut self.tx) {
                Ok(Some(t)) => {
                    self.out.extend_from_slice(self.tx.get(..t.len).unwrap_or(&[]));
                    progress = true;
                }
                Ok(None) => break,
                Err(BufferTooSmall { required }) => self.tx.resize(required, 0),
            }
        }
        while let Some(event) = self.client.poll_event() {
            progress = true;
            let event = Event::copy(event, &mut self.io_error);
            self.closing |= matches!(event, Event::Closed { .. });
            self.events.push_back(event);
        }
        progress
    }

    /// Writes `out` to the socket; on error the connection is lost.
    async fn write_out(&mut self) {
        while !self.out.is_empty() {
            let Some(stream) = self.stream.as_mut() else {
                self.out.clear();
                return;
            };
            match stream.write(&self.out).await {
                Ok(0) => self.lost(Some(io::ErrorKind::WriteZero.into())),
                Ok(n) => {
                    self.out.drain(..n.min(self.out.len()));
                }
                Err(e) => self.lost(Some(e)),
            }
        }
    }

    /// The socket is gone (EOF, an error, or [`abort`](Self::abort)).
    fn lost(&mut self, error: Option<io::Error>) {
        self.stream = None;
        self.rx.clear();
        self.out.clear();
        self.io_error = error;
        let now = self.now();
        self.client.connection_lost(now);
        self.pump(now);
    }
}

impl Event {
    /// Copies the client's borrowed event; a `Closed` takes the pending socket error.
    fn copy(event: mqtt_codec::client::Event<'_>, io_error: &mut Option<io::Error>) -> Self {
        use mqtt_codec::client::Event as E;
        let string = |props: &mqtt_codec::wire::Properties<'_>, id| match props.get(id) {
            Some(Property::ReasonString(s) | Property::AssignedClientIdentifier(s)) => Some(s.to_owned()),
            _ => None,
        };
        match event {
            E::Connected { session_present, properties } => Self::Connected {
                session_present,
                assigned_client_id: string(&properties, PropertyId::AssignedClientIdentifier),
            },
            E::MessageReceived(p) => Self::MessageReceived(Message {
                topic: p.topic.as_str().to_owned(),
                payload: p.payload.to_vec(),
                qos: p.qos.qos(),
                retain: p.retain,
                dup: p.dup,
                topic_alias: p.properties.topic_alias(),
            }),
            E::PublishAcknowledged { handle, reason } => Self::PublishAcknowledged { handle, reason },
            E::PublishSent { handle } => Self::PublishSent { handle },
            E::PublishDropped { handle, reason } => Self::PublishDropped { handle, reason },
            E::Subscribed { packet_id, reason_codes } => {
                Self::Subscribed { packet_id, reason_codes: reason_codes.iter().collect() }
            }
            E::Unsubscribed { packet_id, reason_codes } => {
                Self::Unsubscribed { packet_id, reason_codes: reason_codes.iter().collect() }
            }
            E::RequestDropped { packet_id } => Self::RequestDropped { packet_id },
            E::AuthReceived(auth) => Self::AuthReceived {
                reason: auth.reason_code,
                method: match auth.properties.get(PropertyId::AuthenticationMethod) {
                    Some(Property::AuthenticationMethod(m)) => Some(m.to_owned()),
                    _ => None,
                },
                data: match auth.properties.get(PropertyId::AuthenticationData) {
                    Some(Property::AuthenticationData(d)) => Some(d.to_vec()),
                    _ => None,
                },
            },
            E::Closed { reason, properties } => Self::Closed {
                reason,
                reason_string: string(&properties, PropertyId::ReasonString),
                io_error: io_error.take(),
            },
            other => Self::Other(format!("{other:?}")),
        }
    }
}
