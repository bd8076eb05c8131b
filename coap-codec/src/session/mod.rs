//! CoAP over reliable transports (RFC 8323): a poll-driven [`Session`] for one TCP/TLS
//! connection or WebSocket, client and server in one machine, with no socket, clock or task of
//! its own. Applications see the same [`Event`]s, handles and errors as with the datagram
//! [`Endpoint`](crate::endpoint::Endpoint).
//!
//! # The contract (stream form)
//! | verb | shape | meaning |
//! |---|---|---|
//! | [`handle_input`](Session::handle_input) | `(now, input) -> Result<usize, CloseReason>` | bytes arrived (TCP: any number, whole frames are used and counted; WebSocket: exactly one message, all or nothing) |
//! | [`handle_timeout`](Session::handle_timeout) | `(now)` | time passed; fires every expired deadline |
//! | [`poll_transmit`](Session::poll_transmit) | `(now, buf) -> Result<Option<Transmit<()>>, BufferTooSmall>` | the next frame (TCP) or message (WebSocket), to be written in order |
//! | [`poll_event`](Session::poll_event) | `() -> Option<Event<'_, ()>>` | the next thing the application must know |
//! | [`poll_timeout`](Session::poll_timeout) | `() -> Option<Instant>` | when `handle_timeout` is next due |
//! | [`connection_lost`](Session::connection_lost) | `(now)` | the transport closed |
//!
//! Commands ([`request`](Session::request), [`respond`](Session::respond),
//! [`observe`](Session::observe), [`notify`](Session::notify), [`ping`](Session::ping),
//! [`cancel`](Session::cancel), [`deregister`](Session::deregister),
//! [`release`](Session::release), [`abort`](Session::abort)) only queue work. After any
//! `handle_*` or command, call `poll_transmit` until `None`, then `poll_event` until `None`,
//! then read `poll_timeout`.
//!
//! **Backpressure, not growth.** `handle_input` stops at a frame it has no room for (events,
//! the receive store, received requests waiting for an answer, the transmit store for a Pong or
//! 4.02) and says so by returning fewer bytes (for WebSocket, 0): drain events and transmits,
//! answer requests, then call again with the rest. Nothing is lost.
//!
//! # What RFC 8323 asks, and what this session does
//! - **CSM first** (§3.3, §4.3): `poll_transmit` always yields our CSM (Max-Message-Size,
//!   Block-Wise-Transfer) first. The peer's first message must be a CSM, else the session
//!   aborts ([`CloseReason::MissingCsm`]); Empty messages are ignored at any time (§3.4). A
//!   peer that sends no CSM within [`Config::csm_timeout`] is aborted too.
//! - **Before the peer's CSM** the [`Role::Initiator`] sends what is queued right after its
//!   CSM (§3.3 allows it), within the base Max-Message-Size 1152 (§5.3.1); the
//!   [`Role::Acceptor`] holds its own requests until the initiator's CSM arrives. A request
//!   over 1152 bytes made before the peer's CSM is *held* (whole, in the exchange store: it
//!   takes its exchange slot and store bytes, so [`RequestError::ExchangesFull`] and
//!   [`RequestError::StoreFull`] bound it) until the CSM arrives; then it goes whole if the
//!   peer's Max-Message-Size takes it, in Block1 blocks if both sides announced
//!   Block-Wise-Transfer, else it ends in [`Event::TransferFailed`] with
//!   [`TransferError::TooLarge`](crate::endpoint::TransferError::TooLarge) (what
//!   [`RequestError::TooLarge`] says at once after the CSM). A held request times out like a
//!   sent one; if the session closes first, it goes with every other handle (no event).
//! - **No message ids, no retransmission, no deduplication** (§3.3: the transport does it);
//!   responses are matched by token. [`Message::message_type`](crate::wire::Message::message_type)
//!   and [`Message::message_id`](crate::wire::Message::message_id) of a received message carry
//!   no meaning here: requests read as CON, responses as ACK, message id 0.
//! - **Max-Message-Size** (§5.3.1): a request whose frame exceeds the peer's goes block-wise
//!   when it can (below), else is refused with [`RequestError::TooLarge`] (an answer with
//!   `Encode(EncodeError::BufferTooSmall { required })`); see
//!   [`peer_max_message_size`](Session::peer_max_message_size). Every frame the session writes
//!   fits the peer's limit. An incoming frame over ours aborts the session as soon as its
//!   header is read ([`CloseReason::MessageTooLarge`]).
//! - **Block-wise transfers** (RFC 7959 as §6 adapts it), with
//!   [`Config::block_wise_transfer`]: the same application API as the endpoint's. A request
//!   over the peer's Max-Message-Size is uploaded in Block1 blocks and its answer (or any
//!   Block2 answer) downloaded whole: one [`Event::ResponseReceived`]; a Block1 body reaches
//!   the server application as one [`Event::RequestReceived`] (2.31, 4.08, 4.13 with Size1,
//!   5.03 handled by the session); an answer or notification over the peer's limit is kept and
//!   sliced into Block2 blocks, later blocks served without the application; a notification
//!   in blocks is fetched on a fresh token and delivered whole (RFC 7959 §3.4). Blocks are sent
//!   only when the peer's CSM announced Block-Wise-Transfer (§5.3.2); they are BERT (SZX 7,
//!   several 1024-byte units per message, as many as the peer's Max-Message-Size allows) when
//!   both sides announced it with a Max-Message-Size above 1152 and [`Config::block_szx`] is 7,
//!   else SZX 6 or less. Bounded by the storage's transfer table and body store
//!   ([`RequestError::TransfersFull`], [`RequestError::BodyTooLarge`],
//!   [`Event::TransferFailed`]). No retransmission is needed: the stream delivers every block
//!   once and in order. Concurrent uploads carry distinct Request-Tags (RFC 9175 §3.3): the
//!   first goes untagged, each one started while another runs gets a fresh 2-byte tag; the
//!   server keeps bodies apart by cache key, Request-Tag included. A block request that finds
//!   the transmit store full waits until `poll_transmit` makes room (backpressure, not
//!   failure). Bodies the server keeps for Block2 blocks, and reassemblies in progress,
//!   expire [`Config::block_lifetime`] after their last block (default 247 s, as the
//!   endpoint's EXCHANGE_LIFETIME).
//! - **Signals** (§5): Ping is answered by Pong with its token, with Custody (§5.4.1) once the
//!   requests received before it are answered; unknown elective signal options
//!   are ignored, an unknown critical one aborts (§5.2, Bad-CSM-Option for a CSM, §5.6);
//!   Release and Abort close the session ([`CloseReason::ReleaseReceived`],
//!   [`CloseReason::AbortReceived`]). A format error aborts (§5.6).
//! - **Requests and responses**: an unrecognised critical option in a request gets 4.02
//!   (RFC 7252 §5.4.1); a response with one is dropped (no RST here); a response for an
//!   unknown token is ignored.
//! - **Observe** (RFC 7641 as updated by §7): notifications carry counting Observe values, but
//!   a received value is ignored (§7.1): the stream keeps them in order. Cancelling an
//!   observation deregisters it with a GET with Observe 1 (§7.4). When the connection ends,
//!   observers and observations end with it (§7.4) without events. A non-2.xx notification
//!   ends the observation (RFC 7641 §4.2); one over the peer's Max-Message-Size goes with its
//!   payload (a diagnostic, RFC 7252 §5.5.2) cut to fit, so that the client still learns
//!   that the observation is over (see [`notify`](Session::notify)).
//!
//! Every handle is void once the session is closed ([`close_reason`](Session::close_reason));
//! events queued before stay valid. Commands that open something new then fail with
//! [`RequestError::Closed`] (also after [`release`](Session::release)), answers with
//! `UnknownRequest` / `UnknownObserver`.
//!
//! ```
//! use coap_codec::endpoint::{Event, RequestOptions};
//! use coap_codec::session::{Config, Role, Session};
//! use coap_codec::time::Instant;
//! use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType, OptionNumber};
//!
//! let mut client: Session = Session::new(Config { seed: 1, ..Config::default() }, Default::default());
//! let mut server: Session = Session::new(Config { role: Role::Acceptor, seed: 2, ..Config::default() }, Default::default());
//! let now = Instant::ZERO;
//!
//! /// Everything `from` has to send, appended to the byte stream `pipe`.
//! fn pump(from: &mut Session, pipe: &mut Vec<u8>) {
//!     let mut buf = [0u8; 1152];
//!     while let Some(t) = from.poll_transmit(Instant::ZERO, &mut buf).unwrap() {
//!         pipe.extend_from_slice(&buf[..t.len]);
//!     }
//! }
//!
//! // The client sends its CSM and, without waiting for the server's, a GET (RFC 8323 §3.3).
//! let mut get = MessageBuilder::<4>::new(MessageType::Confirmable, Code::GET, MessageId(0));
//! get.path("temp")?;
//! let request = client.request(now, &get, RequestOptions::default())?;
//! let (mut to_server, mut to_client) = (Vec::new(), Vec::new());
//! pump(&mut client, &mut to_server);
//! assert_eq!(to_server[1], 0xE1, "7.01 CSM first");
//! let used = server.handle_input(now, &to_server)?;
//! to_server.drain(..used);
//! assert!(to_server.is_empty() && server.peer_csm_received());
//! let Some(Event::RequestReceived { handle, request: get, .. }) = server.poll_event() else { panic!() };
//! assert_eq!(get.option(OptionNumber::URI_PATH), Some(&b"temp"[..]));
//! // The server answers; its CSM goes first.
//! let mut content = MessageBuilder::<4>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
//! content.payload(b"22.5");
//! server.respond(now, handle, &content)?;
//! pump(&mut server, &mut to_client);
//! let used = client.handle_input(now, &to_client)?;
//! to_client.drain(..used);
//! match client.poll_event() {
//!     Some(Event::ResponseReceived { request: r, response, .. }) => {
//!         assert_eq!(r, request);
//!         assert_eq!((response.code(), response.payload()), (Code::CONTENT, &b"22.5"[..]));
//!     }
//!     other => panic!("{other:?}"),
//! }
//! assert_eq!(client.poll_timeout(), None, "nothing outstanding, CSM received");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod block_client;
mod block_server;
mod bytes;
mod client;
mod config;
mod core;
mod error;
mod input;
mod output;
mod server;
mod storage;
mod transfer;

use ::core::time::Duration;

pub use config::{Config, Role, Transport};
pub use error::CloseReason;
#[cfg(feature = "alloc")]
pub use storage::VecStorage;
pub use storage::{
    ArrayStorage, EventSlot, ExchangeSlot, Limits, ObserverSlot, Parts, RequestSlot, Storage, TransferSlot,
};

use self::core::Core;
use crate::endpoint::{
    BufferTooSmall, Event, ObserverHandle, RequestError, RequestHandle, RequestOptions, RespondError, Responded,
    ResponseHandle, Transmit,
};
use crate::time::Instant;
use crate::wire::{Message, MessageBuilder, Options};
use storage::{EKind, XKind, XState, NONE};

/// One CoAP connection over TCP, TLS or WebSockets (RFC 8323), generic over its [`Storage`].
///
/// See the [module docs](self) for the contract and a complete exchange.
pub struct Session<S = ArrayStorage> {
    core: Core,
    storage: S,
}

impl<S: ::core::fmt::Debug> ::core::fmt::Debug for Session<S> {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("Session").field("core", &self.core).field("storage", &self.storage).finish()
    }
}

impl<S: Storage> Session<S> {
    /// A session with `config` over `storage` (whose tables must be empty), for a connection
    /// that has just been established.
    pub fn new(config: Config, storage: S) -> Self {
        let receive = storage.receive().len();
        Self { core: Core::new(config, receive), storage }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.core.config
    }

    /// Mixes fresh entropy into the PRNG that draws tokens; without it they follow
    /// [`Config::seed`] alone.
    ///
    /// ```
    /// use coap_codec::session::Session;
    /// let mut s: Session = Session::new(Default::default(), Default::default());
    /// s.reseed(0x5eed_1234_abcd_0042);
    /// ```
    pub fn reseed(&mut self, entropy: u64) {
        self.core.rand = crate::rand::Rand::new(self.core.rand.next_u64() ^ entropy);
    }

    /// Takes bytes from the transport and returns how many were used. TCP/TLS: whole frames
    /// from the front of `input`; keep the rest and call again with more appended. WebSocket:
    /// `input` is one binary message, used whole or (when there is no room) not at all.
    /// Fewer bytes than given, with nothing malformed, means backpressure: drain events and
    /// transmits, answer requests, and call again.
    ///
    /// # Errors
    /// [`CloseReason`] when this input ended the session (a format error, no CSM first, a
    /// message over our Max-Message-Size, an unprocessable signal option, the peer's Release or
    /// Abort), or it was over already. Where RFC 8323 prescribes an Abort, it is queued.
    pub fn handle_input(&mut self, now: Instant, input: &[u8]) -> Result<usize, CloseReason> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.handle_input(&mut p, input)
    }

    /// Fires every deadline at or before `now`: response and Pong timeouts
    /// ([`Event::RequestTimedOut`]), the wait for the peer's CSM, and the lifetime of kept
    /// bodies ([`Config::block_lifetime`], no event). Early or repeated calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.handle_timeout(&mut p, now);
    }

    /// Writes the next frame (TCP) or message (WebSocket) into `buf`; `None` when nothing is
    /// due. Our CSM comes first. Frames are written in the order they must be sent.
    ///
    /// # Errors
    /// [`BufferTooSmall`] (nothing changed): a buffer of the peer's Max-Message-Size (at least
    /// 1152 bytes) holds every frame this session queues, except a Release or Abort built for
    /// a peer that announced less.
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Result<Option<Transmit<()>>, BufferTooSmall> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.poll_transmit(&mut p, now, buf)
    }

    /// The next event; its borrowed message stays valid until the next `&mut self` call.
    /// `from` and `peer` are `()`: a session has one peer.
    pub fn poll_event(&mut self) -> Option<Event<'_, ()>> {
        let mut p = self.storage.parts();
        self.core.release_shown(&mut p);
        if self.core.ev_len == 0 {
            return None;
        }
        let cap = p.events.len() as u32;
        let e = *p.events.get(self.core.ev_head as usize)?;
        self.core.ev_head = core::wrap(self.core.ev_head + 1, cap);
        self.core.ev_len -= 1;
        self.core.shown = e.message;
        self.core.shown_transfer = e.transfer;
        let (receive, body): (&[u8], &[u8]) = (p.receive, p.body);
        let message = if e.transfer != transfer::NO_TRANSFER {
            let s = p.transfers.get(usize::from(e.transfer))?;
            let region = body.get(s.offset as usize..(s.offset + s.len) as usize)?;
            Some(Message::from_layout(region, e.layout))
        } else {
            (e.message != NONE).then(|| Message::from_layout(bytes::Fifo::get(receive, e.message), e.layout))
        };
        let request = RequestHandle { slot: e.slot, generation: e.generation };
        Some(match e.kind {
            EKind::RequestReceived => Event::RequestReceived {
                handle: ResponseHandle::new(e.slot, e.generation),
                from: (),
                request: message?,
            },
            EKind::ResponseReceived { observing } => {
                Event::ResponseReceived { request, from: (), response: message?, observing }
            }
            EKind::NotificationReceived => Event::NotificationReceived { request, from: (), notification: message? },
            EKind::RequestTimedOut => Event::RequestTimedOut { request, peer: () },
            EKind::PongReceived => Event::PongReceived { request, peer: () },
            EKind::ObserverRemoved(reason) => Event::ObserverRemoved {
                observer: ObserverHandle { slot: e.slot, generation: e.generation },
                peer: (),
                reason,
            },
            EKind::TransferFailed(reason) => Event::TransferFailed { request, peer: (), reason },
        })
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due: the earliest response or Pong
    /// deadline, the end of the wait for the peer's CSM, or the end of a kept body's or
    /// reassembly's [`Config::block_lifetime`].
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.core.poll_timeout(self.storage.exchanges(), self.storage.transfers())
    }

    /// The transport closed (EOF, reset, WebSocket close): the session is over; nothing more
    /// is written; every handle is void (RFC 8323 §3.4: the connection's signalling and
    /// observation state goes with it). After [`release`](Self::release) the reason is
    /// [`CloseReason::Released`], otherwise (unless it was over already)
    /// [`CloseReason::TransportClosed`].
    pub fn connection_lost(&mut self, now: Instant) {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.connection_lost(&mut p);
    }

    // ---- commands ----

    /// Sends a request: the builder's code, options and payload; the session sets the token
    /// (type and message id are not sent on a reliable transport, so
    /// [`RequestOptions::confirmable`] and its parameters do not apply). A GET or FETCH with
    /// Observe 0 registers an observation (RFC 7641 §3.1).
    ///
    /// # Errors
    /// [`RequestError::NotARequest`]; [`RequestError::ExchangesFull`];
    /// [`RequestError::Closed`] once the session is released or closed (RFC 8323 §5.5, §5.6);
    /// [`RequestError::StoreFull`] (the transmit store, or the store for kept requests; retry
    /// after `poll_transmit`, though a frame larger than the transmit store never fits);
    /// [`RequestError::TooLarge`] when the frame exceeds the peer's Max-Message-Size and cannot
    /// go block-wise (RFC 8323 §5.3.1, §6; before the peer's CSM such a request is held
    /// instead, see the [module docs](self)); [`RequestError::TransfersFull`] and
    /// [`RequestError::BodyTooLarge`] when it would go block-wise but the transfer table or body
    /// store has no room (RFC 7959 §2.5).
    ///
    /// ```
    /// use coap_codec::endpoint::{Event, RequestError, RequestOptions, TransferError};
    /// use coap_codec::session::{Config, Limits, Session, VecStorage};
    /// use coap_codec::time::Instant;
    /// use coap_codec::wire::{Code, EncodeError, MessageBuilder, MessageId, MessageType};
    /// use coap_codec::wire::{signal::Signal, tcp};
    /// // Block-wise transfers are off by default (`Config::block_wise_transfer`). A held
    /// // request waits in the request store: 8 KiB here.
    /// let mut s = Session::new(Config::default(), VecStorage::new(&Limits::default()));
    /// let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
    /// let big = [0u8; 2000];
    /// put.path("fw")?.payload(&big);
    /// // Until the peer's CSM says more, it accepts 1152 bytes (RFC 8323 §5.3.1): the request
    /// // is held for the CSM.
    /// let held = s.request(Instant::ZERO, &put, RequestOptions::default()).unwrap();
    /// // The peer's CSM announces 1500 bytes and no Block-Wise-Transfer.
    /// let csm = Signal::Csm { max_message_size: 1500, block_wise_transfer: false }.builder()?;
    /// let mut frame = [0u8; 16];
    /// let n = tcp::encode(&csm, &mut frame)?;
    /// s.handle_input(Instant::ZERO, &frame[..n]).unwrap();
    /// match s.poll_event() {
    ///     Some(Event::TransferFailed { request, reason: TransferError::TooLarge { required: 2012, max: 1500 }, .. }) => {
    ///         assert_eq!(request, held)
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// // After the CSM, the same request is refused at once.
    /// let e = s.request(Instant::ZERO, &put, RequestOptions::default()).unwrap_err();
    /// assert_eq!(e, RequestError::TooLarge { required: 2012, max: 1500 });
    /// # Ok::<(), EncodeError>(())
    /// ```
    pub fn request<const N: usize>(
        &mut self,
        now: Instant,
        request: &MessageBuilder<'_, N>,
        opts: RequestOptions,
    ) -> Result<RequestHandle, RequestError> {
        let _ = opts;
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.request(&mut p, now, request, XKind::Request)
    }

    /// Sends a 7.02 Ping (RFC 8323 §5.4): [`Event::PongReceived`] when the Pong comes,
    /// [`Event::RequestTimedOut`] after [`Config::ping_timeout`].
    ///
    /// # Errors
    /// As [`request`](Self::request).
    pub fn ping(&mut self, now: Instant) -> Result<RequestHandle, RequestError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.ping(&mut p, now, false)
    }

    /// [`ping`](Self::ping) with Custody (RFC 8323 §5.4.1): the peer answers once it has
    /// processed every request and response it received before the Ping (this session, as the
    /// peer, once it has answered every request received before it).
    ///
    /// # Errors
    /// As [`request`](Self::request).
    pub fn ping_with_custody(&mut self, now: Instant) -> Result<RequestHandle, RequestError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.ping(&mut p, now, true)
    }

    /// Forgets a request: no more events for it. An observation is deregistered on the way
    /// (RFC 8323 §7.4: a client MUST deregister explicitly; there is no RST to end it); what
    /// answers that is dropped.
    ///
    /// # Errors
    /// [`RequestError::UnknownRequest`]; for an observation, as [`deregister`](Self::deregister).
    pub fn cancel(&mut self, now: Instant, request: RequestHandle) -> Result<(), RequestError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.cancel(&mut p, now, request)
    }

    /// Ends an observation: the registration is sent again with Observe 1 and the same token
    /// (RFC 7641 §3.6, RFC 8323 §7.4); its response arrives as the final
    /// [`Event::ResponseReceived`].
    ///
    /// # Errors
    /// [`RequestError::UnknownRequest`] (not an observation), [`RequestError::StoreFull`],
    /// [`RequestError::Encode`] as for [`request`](Self::request).
    pub fn deregister(&mut self, now: Instant, request: RequestHandle) -> Result<(), RequestError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.deregister(&mut p, now, request)
    }

    /// Answers a received request with the same token; the builder gives code, options and
    /// payload. A registration accepted with [`observe`](Self::observe) gets Observe in a 2.xx
    /// answer (RFC 7641 §4.2).
    ///
    /// # Errors
    /// [`RespondError::UnknownRequest`] (answered, or the session closed),
    /// [`RespondError::NotAResponse`], [`RespondError::Full`]`(`[`Table::Transmit`](crate::endpoint::Table::Transmit)`)`
    /// (retry after `poll_transmit`), [`RespondError::Encode`] (with
    /// [`EncodeError::BufferTooSmall`](crate::wire::EncodeError::BufferTooSmall) over the peer's
    /// Max-Message-Size when it cannot go block-wise); with block-wise on, an answer over the
    /// peer's Max-Message-Size (or asked for in smaller blocks) is kept and sent in Block2
    /// blocks (RFC 7959 §2.4, RFC 8323 §6), or refused with
    /// [`RespondError::Full`]`(`[`Table::Transfers`](crate::endpoint::Table::Transfers)`)` /
    /// `Full(Table::Body)` when there is no room to keep it.
    pub fn respond<const N: usize>(
        &mut self,
        now: Instant,
        handle: ResponseHandle,
        response: &MessageBuilder<'_, N>,
    ) -> Result<Responded, RespondError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.respond(&mut p, now, handle, response)
    }

    /// Registers the sender of a GET/FETCH with Observe 0 as an observer of `resource` (a
    /// number of the application's choosing), before answering it (RFC 7641 §4.1). The same
    /// token again updates the existing entry.
    ///
    /// # Errors
    /// [`RespondError::NotARegistration`], [`RespondError::UnknownRequest`],
    /// [`RespondError::Full`]`(`[`Table::Observers`](crate::endpoint::Table::Observers)`)`.
    pub fn observe(
        &mut self,
        now: Instant,
        handle: ResponseHandle,
        resource: u32,
    ) -> Result<ObserverHandle, RespondError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.observe(&mut p, handle, resource)
    }

    /// Sends a notification to an observer (RFC 7641 §4.2); the session adds Observe and the
    /// token. `confirmable` has no meaning on a reliable transport (RFC 8323 §7.2): every
    /// notification is delivered by the transport. A 2.xx notification over the peer's
    /// Max-Message-Size goes in Block2 blocks when both sides do block-wise (RFC 7959 §3.4). A
    /// non-2.xx notification ends the observation (RFC 7641 §4.2) and carries no Observe; one
    /// over the peer's Max-Message-Size goes with its payload cut to fit (at a UTF-8 boundary
    /// when it is text), so that the client still learns that the observation is over. Only
    /// when its options alone do not fit is it refused ([`RespondError::Encode`]), and the
    /// observer then stays.
    ///
    /// # Errors
    /// [`RespondError::UnknownObserver`], [`RespondError::NotAResponse`],
    /// [`RespondError::Full`], [`RespondError::Encode`] as for [`respond`](Self::respond).
    pub fn notify<const N: usize>(
        &mut self,
        now: Instant,
        observer: ObserverHandle,
        notification: &MessageBuilder<'_, N>,
        confirmable: bool,
    ) -> Result<(), RespondError> {
        let _ = confirmable;
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.notify(&mut p, observer, notification)
    }

    /// Removes an observer without telling it (send a final notification first to be polite).
    ///
    /// # Errors
    /// [`RespondError::UnknownObserver`].
    pub fn remove_observer(&mut self, observer: ObserverHandle) -> Result<(), RespondError> {
        let mut p = self.storage.parts();
        Core::remove_observer(&mut p, observer)
    }

    /// The observers of `resource`, for [`notify`](Self::notify).
    pub fn observers(&self, resource: u32) -> impl Iterator<Item = ObserverHandle> + '_ {
        self.storage
            .observers()
            .iter()
            .enumerate()
            .filter(move |(_, o)| o.used && o.resource == resource)
            .map(|(i, o)| ObserverHandle { slot: i as u32, generation: o.generation })
    }

    /// Queues a 7.04 Release after what is already queued (RFC 8323 §5.5): this session wants
    /// the connection closed, optionally naming another address (an "authority", host and
    /// port) to reconnect to and a time to wait first (whole seconds, at most 2^24 - 1). No
    /// new requests afterwards; input is still processed (answers in flight) until the peer
    /// closes the transport ([`connection_lost`](Self::connection_lost), then
    /// [`CloseReason::Released`]). A second call does nothing.
    ///
    /// # Errors
    /// [`RequestError::Encode`] for an address of 0 or over 255 bytes (§5.5),
    /// [`RequestError::StoreFull`], [`RequestError::Closed`] when already closed.
    ///
    /// ```
    /// use core::time::Duration;
    /// use coap_codec::session::Session;
    /// use coap_codec::time::Instant;
    /// let mut s: Session = Session::new(Default::default(), Default::default());
    /// s.release(Instant::ZERO, Some("backup.example:5683"), Some(Duration::from_secs(30)))?;
    /// let mut buf = [0u8; 64];
    /// let _csm = s.poll_transmit(Instant::ZERO, &mut buf)?;
    /// let t = s.poll_transmit(Instant::ZERO, &mut buf)?.unwrap();
    /// assert_eq!(buf[2], 0xE4, "7.04 Release, after Len 13 and its extension byte");
    /// assert!(buf[..t.len].ends_with(&[0x21, 30]), "Hold-Off 30 s");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn release(
        &mut self,
        now: Instant,
        alternative_address: Option<&str>,
        hold_off: Option<Duration>,
    ) -> Result<(), RequestError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.release(&mut p, alternative_address, hold_off)
    }

    /// Aborts the connection (RFC 8323 §5.6): whatever is still queued is dropped and a 7.05
    /// Abort with `diagnostic` (cut to fit the peer's Max-Message-Size) is all that
    /// `poll_transmit` yields; then close the transport. The session is over
    /// ([`CloseReason::Aborted`]). Nothing happens on a closed session.
    ///
    /// ```
    /// use coap_codec::session::{CloseReason, Session};
    /// use coap_codec::time::Instant;
    /// let mut s: Session = Session::new(Default::default(), Default::default());
    /// s.abort(Instant::ZERO, "shutting down");
    /// assert_eq!(s.close_reason(), Some(CloseReason::Aborted));
    /// let mut buf = [0u8; 64];
    /// let _csm = s.poll_transmit(Instant::ZERO, &mut buf).unwrap();
    /// let t = s.poll_transmit(Instant::ZERO, &mut buf).unwrap().unwrap();
    /// assert_eq!(&buf[..t.len], b"\xD0\x01\xE5\xFFshutting down");
    /// ```
    pub fn abort(&mut self, now: Instant, diagnostic: &str) {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.abort(&mut p, diagnostic);
    }

    // ---- state ----

    /// Whether the session is over (input and commands are refused; queued frames may still be
    /// written).
    pub fn is_closed(&self) -> bool {
        self.core.reason.is_some()
    }

    /// Why the session is over, once it is.
    pub fn close_reason(&self) -> Option<CloseReason> {
        self.core.reason
    }

    /// Whether the peer's CSM has arrived.
    pub fn peer_csm_received(&self) -> bool {
        self.core.peer_csm
    }

    /// The Max-Message-Size this session announces: [`Config::max_message_size`], capped so
    /// that a message of that size fits the receive store.
    pub fn max_message_size(&self) -> u32 {
        self.core.own_max
    }

    /// The peer's Max-Message-Size: 1152 until its CSM says otherwise (RFC 8323 §5.3.1).
    pub fn peer_max_message_size(&self) -> u32 {
        self.core.peer_max
    }

    /// Whether the peer announced Block-Wise-Transfer (RFC 8323 §5.3.2).
    pub fn peer_block_wise_transfer(&self) -> bool {
        self.core.peer_block_wise
    }

    /// Whether BERT (RFC 8323 §6) may be used: both sides announced Block-Wise-Transfer with a
    /// Max-Message-Size above 1152 (§5.3.2).
    pub fn bert_usable(&self) -> bool {
        let base = crate::wire::signal::DEFAULT_MAX_MESSAGE_SIZE;
        self.core.config.block_wise_transfer
            && self.core.own_max > base
            && self.core.peer_block_wise
            && self.core.peer_max > base
    }

    /// The first Alternative-Address of the peer's Release (RFC 8323 §5.5), once
    /// [`CloseReason::ReleaseReceived`] (and if the receive store had room to keep it).
    pub fn alternative_address(&self) -> Option<&[u8]> {
        if !matches!(self.core.reason, Some(CloseReason::ReleaseReceived { .. })) {
            return None;
        }
        self.details_options()?.find(|o| o.number.0 == 2).map(|o| o.value)
    }

    /// The diagnostic payload of the peer's Release or Abort (RFC 8323 §5.5, §5.6), once the
    /// session closed on one (and if the receive store had room to keep it).
    pub fn peer_diagnostic(&self) -> Option<&[u8]> {
        if !matches!(self.core.reason, Some(CloseReason::ReleaseReceived { .. } | CloseReason::AbortReceived { .. })) {
            return None;
        }
        let body = self.details()?;
        Some(body.get(self.core.details_options as usize + 1..).unwrap_or(&[]))
    }

    fn details(&self) -> Option<&[u8]> {
        (self.core.details != NONE).then(|| bytes::Fifo::get(self.storage.receive(), self.core.details))
    }

    fn details_options(&self) -> Option<Options<'_>> {
        let body = self.details()?;
        Some(Options::new(body.get(..self.core.details_options as usize).unwrap_or(&[])))
    }

    /// Block-wise transfers in progress (RFC 7959 over RFC 8323 §6: downloads, uploads,
    /// reassemblies) and bodies kept for Block2 requests.
    pub fn open_transfers(&self) -> usize {
        self.storage.transfers().iter().filter(|t| t.role != transfer::Role::Free).count()
    }

    /// Bytes of the body store in use (at most its size: the store never grows).
    pub fn body_bytes_in_use(&self) -> usize {
        self.core.body_arena.used as usize
    }

    /// Our requests and pings still open (observations included).
    pub fn open_exchanges(&self) -> usize {
        self.storage.exchanges().iter().filter(|e| e.state != XState::Free).count()
    }
}
