//! What the endpoint tells the application ([`Event`]), the handles it tracks, and the typed
//! errors of its commands and input.

use crate::wire::{DecodeError, EncodeError, Message, OptionNumber};

/// A request this endpoint sent (or queued), until its final response, timeout or cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestHandle {
    pub(crate) slot: u32,
    pub(crate) generation: u16,
}

/// A received request the application answers with [`respond`](super::Endpoint::respond).
///
/// Besides naming the request, the handle carries what the endpoint needs to answer it in
/// blocks (RFC 7959: the request's cache key and its Block1/Block2 values), so that the
/// endpoint's dedup entry stays small (60 bytes with a `SocketAddr` peer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ResponseHandle {
    pub(crate) slot: u32,
    pub(crate) generation: u16,
    pub(crate) block: BlockRequest,
}

impl ResponseHandle {
    /// A handle to dedup slot (or session request) `slot` of `generation`, with no block-wise
    /// state.
    pub(crate) const fn new(slot: u32, generation: u16) -> Self {
        Self { slot, generation, block: BlockRequest::NONE }
    }
}

/// The block-wise state of a received request (RFC 7959 §2.4), kept in its handle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct BlockRequest {
    /// The request's cache key: where a sliced answer is kept.
    pub(crate) key: u32,
    /// The request's Block2 value (`NONE`: absent).
    pub(crate) block2: u32,
    /// The Block1 value the answer carries (RFC 7959 §2.3; `NONE`: none): the last block of a
    /// reassembled request.
    pub(crate) block1: u32,
}

impl BlockRequest {
    pub(crate) const NONE: Self = Self { key: 0, block2: u32::MAX, block1: u32::MAX };
}

/// A registered observer of one of the application's resources (RFC 7641 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObserverHandle {
    pub(crate) slot: u32,
    pub(crate) generation: u16,
}

/// Why an observer was removed (RFC 7641 §3.6, §4.2, §4.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObserverRemoval {
    /// The client answered a notification with RST (RFC 7641 §3.6).
    Reset,
    /// A CON notification was never acknowledged (RFC 7641 §4.5).
    TimedOut,
    /// The client sent a GET with Observe 1 (RFC 7641 §3.6), or registered again with the same
    /// token (the new registration replaces the old, RFC 7641 §4.1).
    Deregistered,
}

/// The next thing the application must know. Borrowed data stays valid until the next
/// `&mut self` call on the endpoint.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event<'a, P> {
    /// A request to answer with [`respond`](super::Endpoint::respond) (after
    /// [`accept`](super::Endpoint::accept) for a separate response, or
    /// [`observe`](super::Endpoint::observe) to register an observer). Processed once however
    /// often it arrives (RFC 7252 §4.5).
    RequestReceived {
        /// Answer with this.
        handle: ResponseHandle,
        /// Who sent it.
        from: P,
        /// The request.
        request: Message<&'a [u8]>,
    },
    /// The response to one of our requests: final, or the first one of an Observe
    /// registration (then notifications follow until [`cancel`](super::Endpoint::cancel)).
    ResponseReceived {
        /// The request it answers.
        request: RequestHandle,
        /// Who sent it.
        from: P,
        /// The response.
        response: Message<&'a [u8]>,
        /// The observation is established: notifications follow.
        observing: bool,
    },
    /// A notification fresher than the last (RFC 7641 §3.4); stale ones are dropped.
    NotificationReceived {
        /// The registration.
        request: RequestHandle,
        /// Who sent it.
        from: P,
        /// The notification.
        notification: Message<&'a [u8]>,
    },
    /// A CON request was never acknowledged (MAX_RETRANSMIT retransmissions) or no response
    /// came within the response timeout (RFC 7252 §4.2).
    RequestTimedOut {
        /// The request.
        request: RequestHandle,
        /// Its destination.
        peer: P,
    },
    /// The peer answered our request with RST (RFC 7252 §4.2).
    RequestReset {
        /// The request.
        request: RequestHandle,
        /// The peer.
        peer: P,
    },
    /// The peer answered a CoAP ping (RFC 7252 §4.3).
    PongReceived {
        /// The ping.
        request: RequestHandle,
        /// The peer.
        peer: P,
    },
    /// An observer is gone.
    ObserverRemoved {
        /// The observer.
        observer: ObserverHandle,
        /// Its address.
        peer: P,
        /// Why.
        reason: ObserverRemoval,
    },
    /// A separate CON response was never acknowledged.
    ResponseNotAcknowledged {
        /// Its destination.
        peer: P,
    },
    /// A block-wise transfer (RFC 7959) this endpoint ran for `request` failed. For a plain
    /// request this is its end; for an Observe registration whose notification was being
    /// fetched in blocks (RFC 7959 §3.4), the registration goes on.
    TransferFailed {
        /// The request (or the registration).
        request: RequestHandle,
        /// The peer.
        peer: P,
        /// Why.
        reason: TransferError,
    },
}

/// Why a block-wise transfer failed ([`Event::TransferFailed`]).
///
/// Spec: RFC 7959 §2.2-§2.5, §3.4.
///
/// ```
/// use coap_codec::endpoint::{Event, TransferError};
/// fn on_event(ev: Event<'_, u8>) {
///     if let Event::TransferFailed { reason: TransferError::EtagChanged, .. } = ev {
///         // The resource changed while it was being fetched, twice: ask again later.
///     }
/// }
/// # let _ = on_event;
/// assert_eq!(TransferError::BodyTooLarge.to_string(), "the body does not fit in the body store");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// The representation changed during the transfer (another ETag, RFC 7959 §2.4) again
    /// after one restart from block 0.
    #[error("the representation changed during the block-wise transfer twice (RFC 7959 §2.4)")]
    EtagChanged,
    /// The body does not fit in the body store ([`Table::Body`]) or the transfer table (for a
    /// session's request held until the peer's CSM: or in the exchange or transmit store).
    #[error("the body does not fit in the body store")]
    BodyTooLarge,
    /// The server answered a later block with this (non-2.xx) code.
    #[error("the server answered a block with {0}")]
    Rejected(crate::wire::Code),
    /// A block with M set that is not of its SZX's size, or a block number past 2^20
    /// (RFC 7959 §2.2, §2.3).
    #[error("a block breaks RFC 7959 §2.2/§2.3")]
    InvalidBlock,
    /// A block request was given up [`Config::block_retries`](super::Config::block_retries)
    /// more times (for a notification's blocks; a plain request ends in
    /// [`Event::RequestTimedOut`] instead).
    #[error("a block request was never answered")]
    TimedOut,
    /// The server answered a block request with RST (RFC 7252 §4.2; for a notification's
    /// blocks, a plain request ends in [`Event::RequestReset`]).
    #[error("the server rejected a block request")]
    Reset,
    /// Sessions only (RFC 8323): a request made before the peer's CSM arrived, larger than the
    /// base Max-Message-Size 1152 and so held, turned out larger than the Max-Message-Size the
    /// CSM announced and could not go in blocks (the peer, or this session, has no
    /// Block-Wise-Transfer, or the request has no payload or is an Observe registration): RFC
    /// 8323 §5.3.1, §6. The request is over. `required` is its frame's size, `max` the peer's
    /// limit, as in [`RequestError::TooLarge`], which the same request made after the CSM
    /// gets at once.
    #[error("message of {required} bytes exceeds the peer's Max-Message-Size {max} (RFC 8323 §5.3.1)")]
    TooLarge {
        /// The frame's size in bytes.
        required: usize,
        /// The peer's Max-Message-Size.
        max: u32,
    },
}

/// Which bounded table or store refused something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Table {
    /// Open exchanges.
    Exchanges,
    /// Deduplication entries.
    Dedup,
    /// Observers.
    Observers,
    /// Datagrams waiting to go out.
    Transmit,
    /// Events waiting for the application.
    Events,
    /// Bytes for open exchanges' messages.
    Store,
    /// Bytes for cached answers.
    Cache,
    /// Bytes for received messages in events.
    Receive,
    /// Block-wise transfers (RFC 7959).
    Transfers,
    /// Bytes for the bodies of block-wise transfers.
    Body,
}

/// Why a datagram led to no event. Where RFC 7252 prescribes an answer (RST, a cached
/// response, 4.02) it is already queued for `poll_transmit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Discarded {
    /// Not a well-formed message; a CON got RST (RFC 7252 §4.2), the rest silence (§4.3).
    #[error("malformed: {0}")]
    Malformed(DecodeError),
    /// A duplicate (RFC 7252 §4.5): a CON got the cached answer again, a NON was ignored.
    #[error("duplicate of a message already processed (RFC 7252 §4.5)")]
    Duplicate,
    /// An ACK, RST or response that matches nothing we sent: silence, except a CON or NON
    /// response, which gets RST (RFC 7252 §4.2, §4.3, §5.3.2).
    #[error("matches no open exchange")]
    Unmatched,
    /// A request with an unrecognised or malformed critical option: 4.02 Bad Option to a CON,
    /// silence to a NON (RFC 7252 §5.4.1).
    #[error("unrecognised critical option {0} (RFC 7252 §5.4.1)")]
    BadOption(OptionNumber),
    /// A message of a type that cannot carry it (an ACK or RST with a request, a NON Empty
    /// message): silently rejected (RFC 7252 §4.2, §4.3).
    #[error("message type cannot carry this code (RFC 7252 §4.2, §4.3)")]
    Rejected,
    /// A token longer than 8 bytes (RFC 8974 extended tokens), which this endpoint does not
    /// support: handled as a format error, RST to a CON (RFC 8974 §2.2.1).
    #[error("extended token not supported (RFC 8974 §2.2.1)")]
    ExtendedToken,
    /// An Observe notification older than the last one (RFC 7641 §3.4); a CON one is still
    /// acknowledged.
    #[error("stale notification (RFC 7641 §3.4)")]
    StaleNotification,
    /// A block (RFC 7959) that is not the one the transfer waits for: a late or duplicated
    /// response to an earlier block request never advances a transfer (a CON one is still
    /// acknowledged).
    #[error("a block the transfer does not wait for (RFC 7959 §2.4)")]
    StaleBlock,
    /// A table or store is full: nothing was recorded and nothing answered, so the peer's
    /// retransmission gets another chance once the application drains events.
    #[error("{0:?} full")]
    Full(Table),
}

/// Why [`request`](super::Endpoint::request) or [`ping`](super::Endpoint::ping) refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RequestError {
    /// Every exchange slot is in use.
    #[error("exchange table full")]
    ExchangesFull,
    /// The message does not fit in the exchange store.
    #[error("exchange store full")]
    StoreFull,
    /// [`Config::nstart_queue`](super::Config::nstart_queue) requests already wait for this
    /// peer (RFC 7252 §4.7).
    #[error("NSTART queue for this peer full (RFC 7252 §4.7)")]
    NstartQueueFull,
    /// All 65,536 message ids were used within EXCHANGE_LIFETIME (RFC 7252 §4.4); try later.
    #[error("message ids exhausted within EXCHANGE_LIFETIME (RFC 7252 §4.4)")]
    MessageIdsExhausted,
    /// The builder's code is not a request code.
    #[error("not a request code")]
    NotARequest,
    /// The handle is not (or no longer) an open request.
    #[error("unknown request handle")]
    UnknownRequest,
    /// The request could not be encoded.
    #[error("encoding: {0}")]
    Encode(EncodeError),
    /// Every block-wise transfer slot is in use (a request larger than a block needs one,
    /// RFC 7959 §2.5).
    #[error("block-wise transfer table full")]
    TransfersFull,
    /// The request is larger than a block and does not fit in the body store (RFC 7959 §2.5).
    #[error("request body does not fit in the body store")]
    BodyTooLarge,
    /// The session is over or releasing ([`Session::release`](crate::session::Session::release),
    /// [`abort`](crate::session::Session::abort), the peer's Release or Abort, the transport
    /// closed): it takes no new requests (RFC 8323 §5.5, §5.6).
    #[error("session released or closed (RFC 8323 §5.5, §5.6)")]
    Closed,
    /// The message exceeds the peer's Max-Message-Size and cannot go block-wise (the peer did
    /// not announce Block-Wise-Transfer, or the options alone do not fit): `required` is the
    /// frame's size, `max` the peer's limit (RFC 8323 §5.3.1, §6).
    #[error("message of {required} bytes exceeds the peer's Max-Message-Size {max} (RFC 8323 §5.3.1)")]
    TooLarge {
        /// The frame's size in bytes.
        required: usize,
        /// The peer's Max-Message-Size.
        max: u32,
    },
}

/// Why [`respond`](super::Endpoint::respond), [`accept`](super::Endpoint::accept),
/// [`observe`](super::Endpoint::observe) or [`notify`](super::Endpoint::notify) refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RespondError {
    /// The handle was answered already, or its entry expired.
    #[error("unknown or already answered request")]
    UnknownRequest,
    /// The builder's code is not a response code.
    #[error("not a response code")]
    NotAResponse,
    /// The request is not an Observe registration (GET or FETCH with Observe 0).
    #[error("not an Observe registration")]
    NotARegistration,
    /// The observer handle is stale.
    #[error("unknown observer")]
    UnknownObserver,
    /// A table or store is full.
    #[error("{0:?} full")]
    Full(Table),
    /// All message ids were used within EXCHANGE_LIFETIME (RFC 7252 §4.4).
    #[error("message ids exhausted within EXCHANGE_LIFETIME (RFC 7252 §4.4)")]
    MessageIdsExhausted,
    /// The response could not be encoded.
    #[error("encoding: {0}")]
    Encode(EncodeError),
}

/// What [`respond`](super::Endpoint::respond) sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Responded {
    /// The response, piggybacked on the ACK, as a separate response, or as a NON.
    Sent,
    /// Nothing, or only an empty ACK: the request's No-Response option asked for no answer of
    /// this class (RFC 7967 §2).
    Suppressed,
    /// A 4.01 Unauthorized with an Echo option instead: the response would exceed the
    /// amplification limit for an address not yet verified (RFC 9175 §2.4).
    EchoChallenge,
}

/// A datagram written by `poll_transmit`: its length and destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transmit<P> {
    /// Bytes written at the start of the buffer.
    pub len: usize,
    /// Where to send them.
    pub to: P,
}

/// The buffer given to `poll_transmit` is smaller than the next datagram; nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("transmit buffer too small: {required} bytes required")]
pub struct BufferTooSmall {
    /// Bytes the next datagram needs.
    pub required: usize,
}
