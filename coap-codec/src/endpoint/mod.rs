//! The poll-driven CoAP endpoint over datagrams (RFC 7252 §4, §5; RFC 7641; RFC 7967; RFC 9175
//! §2): client and server in one machine, with no socket, clock or task of its own.
//!
//! # The contract
//! | verb | meaning |
//! |---|---|
//! | [`handle_input`](Endpoint::handle_input)`(now, from, datagram)` | a datagram arrived |
//! | [`handle_timeout`](Endpoint::handle_timeout)`(now)` | time passed; fires every expired deadline |
//! | [`poll_transmit`](Endpoint::poll_transmit)`(now, buf)` | the next datagram to send, and where |
//! | [`poll_event`](Endpoint::poll_event)`()` | the next thing the application must know |
//! | [`poll_timeout`](Endpoint::poll_timeout)`()` | when `handle_timeout` is next due |
//!
//! Commands ([`request`](Endpoint::request), [`respond`](Endpoint::respond),
//! [`accept`](Endpoint::accept), [`observe`](Endpoint::observe), [`notify`](Endpoint::notify),
//! [`ping`](Endpoint::ping), [`cancel`](Endpoint::cancel)) only queue work. After any
//! `handle_*` or command, call `poll_transmit` until `None`, then `poll_event` until `None`,
//! then read `poll_timeout`.
//!
//! # What it does for you
//! - **Reliability** (RFC 7252 §4.2): CONs are retransmitted after a timeout drawn from
//!   `[ACK_TIMEOUT, ACK_TIMEOUT × ACK_RANDOM_FACTOR]`, doubled each time, at most
//!   MAX_RETRANSMIT times; then [`Event::RequestTimedOut`].
//! - **Deduplication** (RFC 7252 §4.5): every CON and NON is remembered by (peer, message id)
//!   for EXCHANGE_LIFETIME / NON_LIFETIME; a duplicate CON gets the same cached answer, byte
//!   for byte, and the application sees the request once.
//! - **Matching** (§5.3.2): ACK and RST by (peer, message id), responses by (peer, token);
//!   tokens are random ([`Config::token_len`]); message ids come from one counter that never
//!   reuses an id within EXCHANGE_LIFETIME (§4.4).
//! - **NSTART** (§4.7): at most NSTART outstanding interactions per peer; more requests wait in
//!   a bounded queue.
//! - **Format errors** (§4.2, §4.3, §5.4.1): RST to a malformed CON, silence to the rest; 4.02
//!   to a CON request with an unrecognised critical option; a CoAP ping (empty CON) gets RST.
//! - **Observe** (RFC 7641): a client registration stays open and yields
//!   [`Event::NotificationReceived`] in freshness order (stale ones dropped, §3.4); a server
//!   keeps observers with sequence numbers, sends NON notifications with a CON at least every
//!   [`Config::observe_con_interval`], and removes an observer on RST or when a CON
//!   notification times out.
//! - **No-Response** (RFC 7967), **Echo** (RFC 9175 §2, [`Config::echo`]), **Hop-Limit**
//!   (RFC 8768, [`next_hop_limit`]).
//! - **Block-wise transfers** (RFC 7959, [`Config::block_szx`], default 1024-byte blocks): the
//!   application sends and receives whole bodies. A client sends a larger request body in
//!   Block1 blocks (§2.5, waiting for each 2.31 Continue, following a server that asks for
//!   smaller blocks or answers 4.13 with one) and fetches the rest of a response that carries
//!   Block2 with M set (§2.4; the server's block size or ours when smaller, one ETag throughout,
//!   a late or duplicated answer never advancing the transfer, a block whose CON was given up
//!   asked for again [`Config::block_retries`] times); for an Observe notification it fetches
//!   the rest with plain GETs on a fresh token (§3.4). With a block size below 1024 bytes a
//!   client asks for it up front (early negotiation, §2.4): `Block2 0/0/SZX` in a GET or FETCH
//!   without Block options, and in the last Block1 block of a POST or FETCH (§3.3), so answers
//!   come in its size from block 0 on (at SZX 6 the request goes exactly as built). A server reassembles Block1 requests
//!   (2.31 Continue, 4.08 for a missing block, 4.13 with Size1 for a body that does not fit),
//!   keys them by (peer, request cache key with Request-Tag, RFC 9175 §3), and slices a larger
//!   answer (or notification) into Block2 blocks with an ETag and Size2, keeping the body for
//!   [`Config::block_lifetime`] to serve later blocks, random access included, without an event.
//!   [`Event::TransferFailed`] says why a transfer could not finish.
//!
//! # Memory
//! Every table is bounded by the [`Storage`]: [`ArrayStorage`] (const sizes, no allocator) or
//! [`VecStorage`] (feature `alloc`). A full table is a typed outcome ([`Discarded::Full`],
//! [`RequestError::ExchangesFull`], [`RespondError::Full`]), never growth. Block-wise bodies live
//! in a body store of their own ([`Limits::body_bytes`], the `BODY` parameter of
//! [`ArrayStorage`]) with a bounded transfer table: a body larger than it is refused, typed
//! ([`RequestError::BodyTooLarge`], [`TransferError::BodyTooLarge`], 4.13 to a peer). Answers to
//! duplicates of block requests are made again from the kept body rather than cached, so a
//! 1 MiB transfer costs a dedup entry per block, not a cached copy of it.
//!
//! ```
//! use coap_codec::endpoint::{ArrayStorage, Config, Endpoint, Event, RequestOptions};
//! use coap_codec::time::Instant;
//! use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType};
//!
//! type Ep = Endpoint<u8, ArrayStorage<u8>>;
//! let mut client = Ep::new(Config { seed: 1, ..Config::default() }, ArrayStorage::new());
//! let mut server = Ep::new(Config { seed: 2, ..Config::default() }, ArrayStorage::new());
//! let now = Instant::ZERO;
//! let mut get = MessageBuilder::<4>::new(MessageType::Confirmable, Code::GET, MessageId(0));
//! get.path("temp")?;
//! let request = client.request(now, 2, &get, RequestOptions::default())?;
//! let mut buf = [0u8; 1280];
//! // Client (address 1) to server (address 2).
//! let t = client.poll_transmit(now, &mut buf)?.unwrap();
//! server.handle_input(now, 1, &buf[..t.len]).unwrap();
//! let Some(Event::RequestReceived { handle, .. }) = server.poll_event() else { panic!() };
//! let mut content = MessageBuilder::<4>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
//! content.payload(b"22.5");
//! server.respond(now, handle, &content)?;
//! // The piggybacked response goes back.
//! let t = server.poll_transmit(now, &mut buf)?.unwrap();
//! client.handle_input(now, 2, &buf[..t.len]).unwrap();
//! match client.poll_event() {
//!     Some(Event::ResponseReceived { request: r, response, .. }) => {
//!         assert_eq!(r, request);
//!         assert_eq!(response.payload(), b"22.5");
//!     }
//!     other => panic!("{other:?}"),
//! }
//! assert_eq!(client.poll_timeout(), None, "nothing left to retransmit");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! A body larger than a block, both ways: the applications see it whole.
//!
//! ```
//! use coap_codec::endpoint::{ArrayStorage, Config, Endpoint, Event, RequestOptions};
//! use coap_codec::time::Instant;
//! use coap_codec::wire::{Code, MessageBuilder, MessageId, MessageType};
//!
//! // 256-byte blocks (SZX 4), bodies of up to 8 KiB.
//! type Ep = Endpoint<u8, ArrayStorage<u8, 8, 32, 4, 16, 16, 2048, 2048, 2048, 4, 8192>>;
//! let config = |seed| Config { seed, block_szx: Some(4), ..Config::default() };
//! let (mut client, mut server) = (Ep::new(config(1), ArrayStorage::new()), Ep::new(config(2), ArrayStorage::new()));
//! let now = Instant::ZERO;
//! let firmware = vec![0xA5; 3000];
//! let mut put = MessageBuilder::<4>::new(MessageType::Confirmable, Code::PUT, MessageId(0));
//! put.path("fw")?.payload(&firmware);
//! client.request(now, 2, &put, RequestOptions::default())?;
//! let (mut buf, mut datagrams, mut received) = ([0u8; 1280], 0, None);
//! loop {
//!     let mut moved = false;
//!     while let Some(t) = client.poll_transmit(now, &mut buf)? {
//!         let _ = server.handle_input(now, 1, &buf[..t.len]);
//!         (moved, datagrams) = (true, datagrams + 1);
//!     }
//!     while let Some(ev) = server.poll_event() {
//!         let Event::RequestReceived { handle, request, .. } = ev else { panic!() };
//!         received = Some(request.payload().len()); // the whole body, once
//!         let changed = MessageBuilder::<1>::new(MessageType::Acknowledgement, Code::CHANGED, MessageId(0));
//!         server.respond(now, handle, &changed)?;
//!     }
//!     while let Some(t) = server.poll_transmit(now, &mut buf)? {
//!         let _ = client.handle_input(now, 2, &buf[..t.len]);
//!         (moved, datagrams) = (true, datagrams + 1);
//!     }
//!     if let Some(Event::ResponseReceived { response, .. }) = client.poll_event() {
//!         assert_eq!(response.code(), Code::CHANGED); // after 12 blocks and 11 2.31 Continue
//!         break;
//!     }
//!     assert!(moved);
//! }
//! assert_eq!((received, datagrams), (Some(3000), 24));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod block;
mod block_client;
mod block_server;
mod block_upload;
mod bytes;
mod client;
mod config;
mod core;
mod event;
mod input;
mod output;
mod server;
mod storage;
mod transfer;

use ::core::hash::Hash;

pub use client::RequestOptions;
pub use config::{Config, EchoConfig, TransmissionParameters};
pub use event::{
    BufferTooSmall, Discarded, Event, ObserverHandle, ObserverRemoval, RequestError, RequestHandle, RespondError,
    Responded, ResponseHandle, Table, TransferError, Transmit,
};
#[cfg(feature = "alloc")]
pub use storage::VecStorage;
pub use storage::{
    ArrayStorage, DedupSlot, EventSlot, ExchangeSlot, Limits, ObserverSlot, Parts, Storage, TransferSlot, TxSlot,
};

use self::core::Core;
use crate::time::Instant;
use crate::wire::{Message, MessageBuilder, MessageId, MessageType, OptionNumber};
use storage::{EKind, XKind, NONE};

/// A CoAP endpoint: client and server over one datagram socket, generic over the peer address
/// `P` (`std::net::SocketAddr`, a radio address, an index) and its [`Storage`].
///
/// See the [module docs](self) for the contract and a complete exchange.
pub struct Endpoint<P, S = ArrayStorage<P>> {
    core: Core,
    storage: S,
    _peer: ::core::marker::PhantomData<fn(P)>,
}

impl<P, S: ::core::fmt::Debug> ::core::fmt::Debug for Endpoint<P, S> {
    fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
        f.debug_struct("Endpoint").field("core", &self.core).field("storage", &self.storage).finish()
    }
}

impl<P: Copy + Eq + Hash, S: Storage<P>> Endpoint<P, S> {
    /// An endpoint with `config` over `storage` (whose tables must be empty).
    pub fn new(config: Config, storage: S) -> Self {
        Self { core: Core::new(config), storage, _peer: ::core::marker::PhantomData }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.core.config
    }

    /// Mixes fresh entropy (a hardware RNG, the OS) into the PRNG that draws tokens,
    /// retransmission timeouts and the Echo key (Echo values handed out before no longer verify);
    /// without it they follow [`Config::seed`] alone. Call it once at start-up.
    ///
    /// ```
    /// use coap_codec::endpoint::{ArrayStorage, Config, Endpoint};
    /// let mut ep: Endpoint<u8> = Endpoint::new(Config::default(), ArrayStorage::new());
    /// ep.reseed(0x5eed_1234_abcd_0042);
    /// ```
    pub fn reseed(&mut self, entropy: u64) {
        self.core.rand = crate::rand::Rand::new(self.core.rand.next_u64() ^ entropy);
        self.core.echo_key = self.core.rand.next_u64();
    }

    /// Feeds a received datagram. `Ok` means it produced an event or a prescribed answer (a
    /// CoAP ping's RST); `Err` says why it produced no event, and any answer RFC 7252
    /// prescribes (RST, the cached response of a duplicate, 4.02) is already queued.
    ///
    /// # Errors
    /// [`Discarded`]: malformed, duplicate, unmatched, bad option, stale notification, or a
    /// full table (then nothing was recorded: the peer's retransmission retries).
    pub fn handle_input(&mut self, now: Instant, from: P, datagram: &[u8]) -> Result<(), Discarded> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.handle_input(&mut p, now, from, datagram)
    }

    /// Fires every deadline at or before `now`: retransmissions, give-ups, response timeouts,
    /// automatic empty ACKs. Early or repeated calls are harmless.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.handle_timeout(&mut p, now);
    }

    /// Writes the next datagram into `buf` and says where it goes; `None` when nothing is due.
    ///
    /// # Errors
    /// [`BufferTooSmall`] (nothing changed; 1,280 bytes always suffice for messages this
    /// endpoint builds within the RFC 7252 §4.6 size).
    pub fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Result<Option<Transmit<P>>, BufferTooSmall> {
        let _ = now;
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.poll_transmit(&mut p, buf)
    }

    /// The next event; its borrowed message stays valid until the next `&mut self` call.
    pub fn poll_event(&mut self) -> Option<Event<'_, P>> {
        let mut p = self.storage.parts();
        self.core.release_shown(&mut p);
        if self.core.ev_len == 0 {
            return None;
        }
        let Parts { receive, body, transfers, events, .. } = p;
        let cap = events.len() as u32;
        // Read in place: the slot is not copied out whole.
        let e: &EventSlot<P> = events.get(self.core.ev_head as usize)?;
        self.core.ev_head = core::wrap(self.core.ev_head + 1, cap);
        self.core.ev_len -= 1;
        self.core.shown = e.message;
        self.core.shown_transfer = e.transfer;
        let (receive, body): (&[u8], &[u8]) = (receive, body);
        let message = if e.transfer != transfer::NO_TRANSFER {
            // A body reassembled in the body store (RFC 7959): header, options and payload.
            let t = transfers.get(usize::from(e.transfer));
            let bytes = t.and_then(|t| body.get(t.offset as usize..(t.offset + t.len) as usize)).unwrap_or(&[]);
            Some(Message::from_layout(bytes, e.layout))
        } else {
            (e.message != NONE).then(|| Message::from_layout(self.core.rx.get(receive, e.message), e.layout))
        };
        let from = e.from?;
        let request = RequestHandle { slot: e.slot, generation: e.generation };
        Some(match e.kind {
            EKind::RequestReceived => Event::RequestReceived {
                handle: ResponseHandle { slot: e.slot, generation: e.generation, block: e.block },
                from,
                request: message?,
            },
            EKind::ResponseReceived { observing } => {
                Event::ResponseReceived { request, from, response: message?, observing }
            }
            EKind::NotificationReceived => Event::NotificationReceived { request, from, notification: message? },
            EKind::RequestTimedOut => Event::RequestTimedOut { request, peer: from },
            EKind::RequestReset => Event::RequestReset { request, peer: from },
            EKind::PongReceived => Event::PongReceived { request, peer: from },
            EKind::ObserverRemoved(reason) => Event::ObserverRemoved {
                observer: ObserverHandle { slot: e.slot, generation: e.generation },
                peer: from,
                reason,
            },
            EKind::ResponseNotAcknowledged => Event::ResponseNotAcknowledged { peer: from },
            EKind::TransferFailed(reason) => Event::TransferFailed { request, peer: from, reason },
        })
    }

    /// When [`handle_timeout`](Self::handle_timeout) is next due.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let transfers = Core::transfer_expiry(self.storage.transfers());
        [self.core.poll_timeout(self.storage.exchanges(), self.storage.dedup()), transfers].into_iter().flatten().min()
    }

    /// Sends a request to `to`: the builder's code, options and payload; the endpoint sets the
    /// type (CON or NON per `opts`), message id and token. A GET or FETCH with Observe 0
    /// registers an observation (RFC 7641 §3.1). Waits in the NSTART queue when `to` already
    /// has NSTART outstanding interactions (RFC 7252 §4.7).
    ///
    /// With [`Config::block_szx`] on, a payload larger than a block goes in Block1 blocks
    /// (RFC 7959 §2.5; Size1 in the first, a Request-Tag when another upload to `to` is under
    /// way, RFC 9175 §3.3), and a response that comes in Block2 blocks is fetched whole (§2.4):
    /// either way one [`Event::ResponseReceived`] (or [`Event::TransferFailed`]) ends it. A
    /// request that carries Block1, or Block2 with NUM above 0, is the application's own
    /// block-wise step and passes through as it is.
    ///
    /// # Errors
    /// [`RequestError`]: tables full, NSTART queue full, message ids exhausted, not a request
    /// code, encoding; for a body sent in blocks, [`RequestError::TransfersFull`] and
    /// [`RequestError::BodyTooLarge`].
    pub fn request<const N: usize>(
        &mut self,
        now: Instant,
        to: P,
        request: &MessageBuilder<'_, N>,
        opts: RequestOptions,
    ) -> Result<RequestHandle, RequestError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.request(&mut p, now, to, request, opts, XKind::Request)
    }

    /// Sends a CoAP ping (an empty CON, RFC 7252 §4.3): [`Event::PongReceived`] when the peer
    /// answers (with RST), [`Event::RequestTimedOut`] after MAX_TRANSMIT_WAIT.
    ///
    /// # Errors
    /// As [`request`](Self::request).
    pub fn ping(&mut self, now: Instant, to: P) -> Result<RequestHandle, RequestError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        let empty = MessageBuilder::<0>::new(MessageType::Confirmable, crate::wire::Code::EMPTY, MessageId(0));
        self.core.request(&mut p, now, to, &empty, RequestOptions::default(), XKind::Ping)
    }

    /// Forgets a request or an Observe registration: no more events for it; a later response
    /// or notification gets RST, which ends the observation on the server (RFC 7641 §3.6).
    ///
    /// # Errors
    /// [`RequestError::UnknownRequest`].
    pub fn cancel(&mut self, now: Instant, request: RequestHandle) -> Result<(), RequestError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.cancel(&mut p, now, request)
    }

    /// Ends an observation explicitly: the registration is sent again with Observe 1 and the
    /// same token (RFC 7641 §3.6); its response arrives as the final
    /// [`Event::ResponseReceived`].
    ///
    /// # Errors
    /// [`RequestError::UnknownRequest`] (not an observation), [`RequestError::StoreFull`].
    pub fn deregister(&mut self, now: Instant, request: RequestHandle) -> Result<(), RequestError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.reobserve(&mut p, now, request, 1)
    }

    /// Sends an Observe registration again (same token, new message id; RFC 7641 §3.3.1), for
    /// example when Max-Age ran out without a notification.
    ///
    /// # Errors
    /// As [`deregister`](Self::deregister).
    pub fn reregister(&mut self, now: Instant, request: RequestHandle) -> Result<(), RequestError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.reobserve(&mut p, now, request, 0)
    }

    /// Answers a received request: piggybacked on the ACK of a CON, as a NON to a NON, or as a
    /// separate CON after [`accept`](Self::accept) (or the automatic empty ACK,
    /// [`Config::auto_ack`]). The endpoint sets type, message id and token (and Observe for an
    /// accepted registration); the builder gives code, options and payload. The answer is
    /// cached: a duplicate of the request gets it again.
    ///
    /// With [`Config::block_szx`] on, a payload larger than a block (or than the block size the
    /// request asked for, or any answer to a request for a block past the first) is kept in the
    /// body store and sent in Block2 blocks (RFC 7959 §2.4): this request gets the block it asked
    /// for (block 0 with Size2 when it asked for none), every block the application's ETag or
    /// one derived from the body, and later blocks are served from the kept body without an
    /// event, for [`Config::block_lifetime`] after the last. The answer to a request whose body
    /// came in blocks carries its last Block1 (§2.3).
    ///
    /// # Errors
    /// [`RespondError`]: unknown or answered handle, not a response code, a full table,
    /// encoding; [`RespondError::Full`]`(`[`Table::Body`]`)` or `(`[`Table::Transfers`]`)` when
    /// a body to send in blocks does not fit.
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

    /// Sends the empty ACK of a CON request now; the response follows as a separate CON
    /// (RFC 7252 §5.2.2). Harmless for a NON request.
    ///
    /// # Errors
    /// [`RespondError::UnknownRequest`], [`RespondError::Full`].
    pub fn accept(&mut self, now: Instant, handle: ResponseHandle) -> Result<(), RespondError> {
        let _ = now;
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.accept(&mut p, handle)
    }

    /// Registers the sender of a GET/FETCH with Observe 0 as an observer of `resource` (a
    /// number of the application's choosing), before answering it (RFC 7641 §4.1). The same
    /// client and token again update the existing entry.
    ///
    /// # Errors
    /// [`RespondError::NotARegistration`], [`RespondError::UnknownRequest`],
    /// [`RespondError::Full`]`(`[`Table::Observers`]`)`.
    pub fn observe(
        &mut self,
        now: Instant,
        handle: ResponseHandle,
        resource: u32,
    ) -> Result<ObserverHandle, RespondError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.observe(&mut p, now, handle, resource)
    }

    /// Sends a notification to an observer (RFC 7641 §4.2): NON unless `confirmable`, but CON
    /// at least every [`Config::observe_con_interval`]; the endpoint adds Observe and the
    /// token. A CON still in flight is replaced (§4.5.2). A payload larger than a block goes
    /// as block 0 with Block2, the rest kept for the client's GETs (RFC 7959 §3.4).
    ///
    /// # Errors
    /// [`RespondError::UnknownObserver`], [`RespondError::Full`], encoding.
    pub fn notify<const N: usize>(
        &mut self,
        now: Instant,
        observer: ObserverHandle,
        notification: &MessageBuilder<'_, N>,
        confirmable: bool,
    ) -> Result<(), RespondError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        self.core.notify(&mut p, now, observer, notification, confirmable)
    }

    /// Removes an observer without telling it (send a final notification first to be polite).
    ///
    /// # Errors
    /// [`RespondError::UnknownObserver`].
    pub fn remove_observer(&mut self, observer: ObserverHandle) -> Result<(), RespondError> {
        let mut p = self.storage.parts();
        self.core.cancel_observer(&mut p, observer)
    }

    /// The observers of `resource`, for [`notify`](Self::notify).
    pub fn observers(&self, resource: u32) -> impl Iterator<Item = ObserverHandle> + '_ {
        self.storage
            .observers()
            .iter()
            .enumerate()
            .filter(move |(_, o)| o.peer.is_some() && o.resource == resource)
            .map(|(i, o)| ObserverHandle { slot: i as u32, generation: o.generation })
    }

    /// Whether the request `handle` carried a valid Echo value (RFC 9175 §2.3): its sender's
    /// address is verified and the request is fresh (within [`EchoConfig::lifetime`]).
    pub fn is_fresh(&self, handle: ResponseHandle) -> bool {
        self.storage
            .dedup()
            .get(handle.slot as usize)
            .is_some_and(|s| s.generation == handle.generation && s.flags & storage::F_ECHO_OK != 0)
    }

    /// Answers `handle` with 4.01 Unauthorized carrying a fresh Echo value (RFC 9175 §2.4), for
    /// an application that requires a fresh request ([`is_fresh`](Self::is_fresh) is false).
    ///
    /// # Errors
    /// As [`respond`](Self::respond).
    pub fn respond_echo_challenge(&mut self, now: Instant, handle: ResponseHandle) -> Result<Responded, RespondError> {
        self.core.last_now = self.core.last_now.max(now);
        let mut p = self.storage.parts();
        let peer = p.dedup.get(handle.slot as usize).and_then(|s| s.peer).ok_or(RespondError::UnknownRequest)?;
        let value = self.core.echo_value(&peer, now);
        let mut b =
            MessageBuilder::<1>::new(MessageType::Acknowledgement, crate::wire::Code::UNAUTHORIZED, MessageId(0));
        b.option(OptionNumber::ECHO, &value).map_err(RespondError::Encode)?;
        self.core.respond(&mut p, now, handle, &b)
    }

    /// Open exchanges (requests, queued requests, CON responses and notifications in flight).
    pub fn open_exchanges(&self) -> usize {
        self.storage.exchanges().iter().filter(|e| e.state != storage::XState::Free).count()
    }

    /// Entries in the deduplication table (expired ones included until they are reclaimed).
    pub fn dedup_entries(&self) -> usize {
        self.core.dedup_len as usize
    }

    /// Block-wise transfers in the transfer table (RFC 7959): client downloads and uploads,
    /// server reassemblies, records of finished ones and bodies kept for Block2 requests.
    ///
    /// ```
    /// use coap_codec::endpoint::{ArrayStorage, Config, Endpoint};
    /// let ep: Endpoint<u8> = Endpoint::new(Config::default(), ArrayStorage::new());
    /// assert_eq!((ep.open_transfers(), ep.body_bytes_in_use()), (0, 0));
    /// ```
    pub fn open_transfers(&self) -> usize {
        self.storage.transfers().iter().filter(|t| t.role != transfer::Role::Free).count()
    }

    /// Bytes of the body store in use (RFC 7959 bodies being reassembled, delivered or kept).
    pub fn body_bytes_in_use(&self) -> usize {
        self.core.body_arena.used as usize
    }
}

/// The Hop-Limit a proxy puts on the request it forwards (RFC 8768 §3): the received value
/// (16 when absent) minus one.
///
/// # Errors
/// `Err(())` when that reaches 0: answer 5.08 Hop Limit Reached instead of forwarding.
///
/// ```
/// use coap_codec::endpoint::next_hop_limit;
/// use coap_codec::wire::Message;
/// // CON GET with Hop-Limit 1 (option 16, length 1).
/// let m = Message::new_checked(&[0x40u8, 0x01, 0, 1, 0xD1, 0x03, 0x01][..]).unwrap();
/// assert_eq!(next_hop_limit(&m), Err(()));
/// let m = Message::new_checked(&[0x40u8, 0x01, 0, 1][..]).unwrap();
/// assert_eq!(next_hop_limit(&m), Ok(15));
/// ```
#[allow(clippy::result_unit_err)]
pub fn next_hop_limit<B: AsRef<[u8]>>(request: &Message<B>) -> Result<u8, ()> {
    let received = request.uint_option(OptionNumber::HOP_LIMIT).unwrap_or(16);
    match received.saturating_sub(1) {
        0 => Err(()),
        n => Ok(u8::try_from(n).unwrap_or(u8::MAX)),
    }
}
