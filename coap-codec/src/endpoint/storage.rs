//! Where an [`Endpoint`](super::Endpoint) keeps its tables: [`Storage`], with fixed arrays
//! ([`ArrayStorage`], no allocator) or vectors sized at run time ([`VecStorage`], feature
//! `alloc`). Every table is bounded by its length; nothing grows.

use crate::time::Instant;

pub use super::transfer::TransferSlot;

/// An outgoing request, or a CON response or notification we retransmit until it is
/// acknowledged. Fields are private: the type is public so that storage can be declared.
#[derive(Debug, Clone, Copy)]
pub struct ExchangeSlot<P> {
    pub(crate) peer: Option<P>,
    pub(crate) state: XState,
    pub(crate) kind: XKind,
    pub(crate) generation: u16,
    pub(crate) message_id: u16,
    pub(crate) token: [u8; 8],
    pub(crate) token_len: u8,
    /// Retransmissions so far.
    pub(crate) retries: u8,
    pub(crate) max_retransmit: u8,
    pub(crate) nstart: u8,
    /// The current retransmission timeout (doubled on each retry).
    pub(crate) timeout_ms: u32,
    /// When the next retransmission, or the response timeout, is due.
    pub(crate) due: Instant,
    /// The response timeout once the CON is acknowledged (or from the start for a NON).
    pub(crate) response_timeout_ms: u32,
    /// The message in the arena.
    pub(crate) offset: u32,
    pub(crate) len: u32,
    /// Order of submission (NSTART queue).
    pub(crate) seq: u32,
    /// Client Observe: 0 none, 1 registration sent, 2 established.
    pub(crate) observe: u8,
    /// Client Observe: the last notification's sequence number and arrival.
    pub(crate) observe_seq: u32,
    pub(crate) observe_at: Instant,
    /// Set when the message must be (re)sent by the next `poll_transmit`.
    pub(crate) send: bool,
    pub(crate) confirmable: bool,
    /// Server observer this notification belongs to (`kind == Notification`).
    pub(crate) observer: u16,
    /// The block-wise transfer this exchange carries (RFC 7959), or `NO_TRANSFER`.
    pub(crate) transfer: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum XState {
    Free,
    /// Waiting for NSTART.
    Queued,
    /// CON sent, waiting for ACK or RST.
    AwaitingAck,
    /// Waiting for the response (NON request, or CON request after an empty ACK).
    AwaitingResponse,
    /// Nothing to wait for: an established Observe registration (client).
    Established,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum XKind {
    Request,
    /// A CoAP ping: an empty CON answered by RST (RFC 7252 §4.3).
    Ping,
    /// A separate CON response (server).
    Response,
    /// A CON notification (server).
    Notification,
}

impl<P> ExchangeSlot<P> {
    /// An unused slot.
    pub const EMPTY: Self = Self {
        peer: None,
        state: XState::Free,
        kind: XKind::Request,
        generation: 0,
        message_id: 0,
        token: [0; 8],
        token_len: 0,
        retries: 0,
        max_retransmit: 0,
        nstart: 1,
        timeout_ms: 0,
        due: Instant::ZERO,
        response_timeout_ms: 0,
        offset: 0,
        len: 0,
        seq: 0,
        observe: 0,
        observe_seq: 0,
        observe_at: Instant::ZERO,
        send: false,
        confirmable: false,
        observer: 0,
        transfer: super::transfer::NO_TRANSFER,
    };

    pub(crate) fn token(&self) -> &[u8] {
        self.token.get(..usize::from(self.token_len)).unwrap_or(&[])
    }

    /// Counts towards NSTART (RFC 7252 §4.7): a CON not yet acknowledged, or a request still
    /// waiting for its response.
    pub(crate) fn is_outstanding(&self) -> bool {
        match self.state {
            XState::AwaitingAck => true,
            XState::AwaitingResponse => self.kind == XKind::Request && !self.confirmable,
            _ => false,
        }
    }
}

/// A received CON or NON remembered for deduplication (RFC 7252 §4.5), with where its cached
/// answer is. 60 bytes with a `std::net::SocketAddr` peer, plus 4 in the hash index.
#[derive(Debug, Clone, Copy)]
pub struct DedupSlot<P> {
    pub(crate) peer: Option<P>,
    /// Next slot in the same bucket.
    pub(crate) next: u32,
    /// Arrival, in milliseconds wrapping at 2^32: entries are reclaimed at their expiry (a
    /// deadline of `poll_timeout`), and lifetimes are capped far below 49 days.
    pub(crate) received: u32,
    /// `Done`: the cached answer's chunk in bytes 0..4 (`NONE`: nothing cached). `Pending`,
    /// `Accepted` and `Done` with `F_REGEN`: the request's token (0..8) and its length (8);
    /// then the request's length (9..11) while `Pending`/`Accepted`, or the generation of the
    /// kept body an `F_REGEN` answer is a block of (9..11).
    pub(crate) data: [u8; 11],
    /// `Pending`/`Accepted`: the request's No-Response value (RFC 7967) in byte 0. `Done`
    /// with `F_REGEN`: the Block option value of the answer (24 bits): Block1 of a 2.31
    /// Continue (`F_CONTINUE`), else Block2 of a block of a kept body (RFC 7959).
    pub(crate) aux: [u8; 3],
    pub(crate) message_id: u16,
    pub(crate) generation: u16,
    pub(crate) state: DState,
    pub(crate) flags: u8,
}

/// No slot / no cache chunk.
pub(crate) const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DState {
    Free,
    /// A request waiting for the application's answer.
    Pending,
    /// A CON request whose empty ACK went out; the answer follows separately.
    Accepted,
    /// Answered (or a NON, or a response we acknowledged): the cached chunk is what a duplicate
    /// gets; with `F_EMPTY_ACK` an empty ACK; otherwise silence.
    Done,
}

/// `DedupSlot::flags`: the message was a CON.
pub(crate) const F_CON: u8 = 1;
/// The request carried a valid Echo (RFC 9175): its source address is verified and it is fresh.
pub(crate) const F_ECHO_OK: u8 = 2;
/// The requester was registered as an observer before the answer.
pub(crate) const F_OBSERVE: u8 = 4;
/// The request is an Observe registration (GET or FETCH with Observe 0, RFC 7641 §3.1).
pub(crate) const F_REGISTRATION: u8 = 8;
/// A duplicate gets an empty ACK (separate response, No-Response, a CON response we acked).
pub(crate) const F_EMPTY_ACK: u8 = 16;
/// `Done`: the answer is not cached but made again when needed (a 2.31 Continue, or a block of
/// a kept body, RFC 7959): `data` keeps the request's token, `aux` the Block value.
pub(crate) const F_REGEN: u8 = 32;
/// With `F_REGEN`: the answer is a 2.31 Continue (else a block of a kept body).
pub(crate) const F_CONTINUE: u8 = 64;

impl<P> DedupSlot<P> {
    /// An unused slot.
    pub const EMPTY: Self = Self {
        peer: None,
        next: NONE,
        received: 0,
        data: [0xFF; 11],
        message_id: 0,
        generation: 0,
        state: DState::Free,
        flags: 0,
        aux: [0; 3],
    };

    /// The cached answer's chunk (`NONE` unless `Done` with one).
    pub(crate) fn cache(&self) -> u32 {
        match (self.state, self.data.first_chunk::<4>()) {
            (DState::Done, Some(c)) if self.flags & F_REGEN == 0 => u32::from_be_bytes(*c),
            _ => NONE,
        }
    }

    pub(crate) fn set_cache(&mut self, chunk: u32) {
        if let Some(c) = self.data.first_chunk_mut::<4>() {
            *c = chunk.to_be_bytes();
        }
    }

    /// The request's token and length, while `Pending` or `Accepted`.
    pub(crate) fn pending(&self) -> super::server::Pending {
        let [t0, t1, t2, t3, t4, t5, t6, t7, tl, hi, lo] = self.data;
        super::server::Pending {
            token: [t0, t1, t2, t3, t4, t5, t6, t7],
            token_len: tl.min(8),
            request_len: usize::from(u16::from_be_bytes([hi, lo])),
        }
    }

    /// The request's No-Response value (RFC 7967), while `Pending` or `Accepted`.
    pub(crate) fn no_response(&self) -> u8 {
        self.aux[0]
    }

    /// The Block value of an `F_REGEN` answer (24 bits).
    pub(crate) fn regen_block(&self) -> u32 {
        let [a, b, c] = self.aux;
        u32::from_be_bytes([0, a, b, c])
    }

    /// The generation of the kept body an `F_REGEN` block answer comes from.
    pub(crate) fn regen_body_generation(&self) -> u16 {
        let [.., hi, lo] = self.data;
        u16::from_be_bytes([hi, lo])
    }

    /// Records an `F_REGEN` answer: its Block value and, for a block of a kept body, that
    /// body's generation (the token stays where `set_pending` put it).
    pub(crate) fn set_regen(&mut self, block: u32, body_generation: u16) {
        let [_, a, b, c] = block.to_be_bytes();
        self.aux = [a, b, c];
        let [hi, lo] = body_generation.to_be_bytes();
        if let Some(d) = self.data.get_mut(9..11) {
            d.copy_from_slice(&[hi, lo]);
        }
    }

    pub(crate) fn set_pending(&mut self, p: &super::server::Pending) {
        let [t0, t1, t2, t3, t4, t5, t6, t7] = p.token;
        let [hi, lo] = u16::try_from(p.request_len).unwrap_or(u16::MAX).to_be_bytes();
        self.data = [t0, t1, t2, t3, t4, t5, t6, t7, p.token_len, hi, lo];
    }
}

/// A server-side observer (RFC 7641 §4.1).
#[derive(Debug, Clone, Copy)]
pub struct ObserverSlot<P> {
    pub(crate) peer: Option<P>,
    pub(crate) resource: u32,
    pub(crate) sequence: u32,
    pub(crate) last_con: Instant,
    pub(crate) generation: u16,
    /// Message ids of the last NON notifications (an RST to one removes the observer).
    pub(crate) recent_ids: [u16; 4],
    /// Exchange slot of the CON notification in flight, or `u16::MAX`.
    pub(crate) in_flight: u16,
    pub(crate) token: [u8; 8],
    pub(crate) token_len: u8,
    /// The registration's cache key: where a notification sent in blocks is kept (RFC 7959
    /// §3.4).
    pub(crate) key: u32,
    /// The block size the registration asked for (6 when it asked for none).
    pub(crate) szx: u8,
}

impl<P> ObserverSlot<P> {
    /// An unused slot.
    pub const EMPTY: Self = Self {
        peer: None,
        resource: 0,
        sequence: 0,
        last_con: Instant::ZERO,
        generation: 0,
        recent_ids: [u16::MAX; 4],
        in_flight: u16::MAX,
        token: [0; 8],
        token_len: 0,
        key: 0,
        szx: 6,
    };

    pub(crate) fn token(&self) -> &[u8] {
        self.token.get(..usize::from(self.token_len)).unwrap_or(&[])
    }
}

/// A datagram waiting for `poll_transmit`.
#[derive(Debug, Clone, Copy)]
pub struct TxSlot<P> {
    pub(crate) to: Option<P>,
    pub(crate) what: Tx,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tx {
    /// An RST for this message id.
    Reset(u16),
    /// An empty ACK for this message id.
    EmptyAck(u16),
    /// The first `len` bytes of a chunk of the cache ring.
    Cached { offset: u32, len: u16 },
    /// The answer a dedup entry with `F_REGEN` describes, made at `poll_transmit`; `body`:
    /// the transfer slot of the kept body it is a block of (`NO_TRANSFER` for a 2.31).
    Regen { slot: u32, generation: u16, body: u16 },
}

impl<P> TxSlot<P> {
    /// An unused slot.
    pub const EMPTY: Self = Self { to: None, what: Tx::Reset(0) };
}

/// An event waiting for `poll_event`.
#[derive(Debug, Clone, Copy)]
pub struct EventSlot<P> {
    pub(crate) from: Option<P>,
    pub(crate) kind: EKind,
    /// The handle's slot and generation.
    pub(crate) slot: u32,
    pub(crate) generation: u16,
    /// The message in the receive ring, or `NONE`.
    pub(crate) message: u32,
    /// Where its parts are (checked on arrival, not again).
    pub(crate) layout: crate::wire::Layout,
    /// The message is the body of this transfer instead (a reassembled body, RFC 7959).
    pub(crate) transfer: u16,
    /// `RequestReceived`: the block-wise state its handle carries.
    pub(crate) block: super::event::BlockRequest,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EKind {
    RequestReceived,
    /// `observing`: the response established an observation (RFC 7641 §3.2), as the input
    /// path decided it (a registration answered 2.xx with Observe).
    ResponseReceived {
        observing: bool,
    },
    NotificationReceived,
    RequestTimedOut,
    RequestReset,
    PongReceived,
    ObserverRemoved(super::ObserverRemoval),
    ResponseNotAcknowledged,
    TransferFailed(super::TransferError),
}

impl<P> EventSlot<P> {
    /// An unused slot.
    pub const EMPTY: Self = Self {
        from: None,
        kind: EKind::RequestTimedOut,
        slot: 0,
        generation: 0,
        message: NONE,
        layout: crate::wire::Layout { token_start: 0, options_start: 0, options_end: 0, problem_free: true },
        transfer: super::transfer::NO_TRANSFER,
        block: super::event::BlockRequest::NONE,
    };
}

/// The tables and byte stores of one endpoint, borrowed for one call.
#[derive(Debug)]
pub struct Parts<'a, P> {
    /// Open exchanges: our requests, CON responses and notifications.
    pub exchanges: &'a mut [ExchangeSlot<P>],
    /// Received messages remembered for deduplication.
    pub dedup: &'a mut [DedupSlot<P>],
    /// The dedup table's hash buckets: the first entry of each chain (`u32::MAX`: none), as
    /// many as dedup entries.
    pub dedup_index: &'a mut [u32],
    /// Server-side observers.
    pub observers: &'a mut [ObserverSlot<P>],
    /// Datagrams waiting to go out.
    pub transmit: &'a mut [TxSlot<P>],
    /// Events waiting for the application.
    pub events: &'a mut [EventSlot<P>],
    /// The messages of open exchanges (for retransmission, re-registration).
    pub store: &'a mut [u8],
    /// Cached answers for duplicates, and datagrams waiting to go out.
    pub cache: &'a mut [u8],
    /// Received messages waiting in events.
    pub receive: &'a mut [u8],
    /// Block-wise transfers (RFC 7959) in progress, and bodies kept for Block2 requests.
    pub transfers: &'a mut [TransferSlot<P>],
    /// The bodies of block-wise transfers: reassembled, or kept to be sent in blocks.
    pub body: &'a mut [u8],
}

/// The tables of an [`Endpoint`](super::Endpoint): implemented by [`ArrayStorage`] and
/// [`VecStorage`]; implement it for your own layout (a static, a memory pool).
pub trait Storage<P> {
    /// Borrows every table at once.
    fn parts(&mut self) -> Parts<'_, P>;
    /// The exchange table, read-only (for `poll_timeout`).
    fn exchanges(&self) -> &[ExchangeSlot<P>];
    /// The dedup table, read-only (for `poll_timeout`).
    fn dedup(&self) -> &[DedupSlot<P>];
    /// The observer table, read-only.
    fn observers(&self) -> &[ObserverSlot<P>];
    /// The transfer table, read-only (for `poll_timeout`).
    fn transfers(&self) -> &[TransferSlot<P>];
}

/// The `Storage` methods of a struct whose fields are the tables themselves (arrays or vectors).
macro_rules! storage_methods {
    () => {
        fn parts(&mut self) -> Parts<'_, P> {
            Parts {
                exchanges: &mut self.exchanges,
                dedup: &mut self.dedup,
                dedup_index: &mut self.dedup_index,
                observers: &mut self.observers,
                transmit: &mut self.transmit,
                events: &mut self.events,
                store: &mut self.store,
                cache: &mut self.cache,
                receive: &mut self.receive,
                transfers: &mut self.transfers,
                body: &mut self.body,
            }
        }
        fn exchanges(&self) -> &[ExchangeSlot<P>] {
            &self.exchanges
        }
        fn dedup(&self) -> &[DedupSlot<P>] {
            &self.dedup
        }
        fn observers(&self) -> &[ObserverSlot<P>] {
            &self.observers
        }
        fn transfers(&self) -> &[TransferSlot<P>] {
            &self.transfers
        }
    };
}

/// Fixed-size tables, no allocator: `X` exchanges, `D` dedup entries, `O` observers, `T`
/// queued datagrams, `E` queued events, and the byte stores (`STORE` for open exchanges'
/// messages, `CACHE` for cached answers, `RX` for received messages in events; each must hold
/// the largest message plus 3 bytes); `TR` block-wise transfers sharing `BODY` bytes of bodies
/// (RFC 7959: the largest body the endpoint reassembles or sends in blocks, plus its header
/// and options).
///
/// ```
/// use coap_codec::endpoint::{ArrayStorage, Config, Endpoint};
/// // A small device: 4 exchanges, 8 dedup entries, 1 observer, 1 KiB stores, one block-wise
/// // transfer of at most 2 KiB.
/// type Storage = ArrayStorage<u8, 4, 8, 1, 8, 8, 1024, 1024, 1024, 1, 2048>;
/// let ep: Endpoint<u8, Storage> = Endpoint::new(Config::default(), Storage::new());
/// assert!(core::mem::size_of_val(&ep) < 7 * 1024);
/// ```
#[derive(Debug, Clone)]
pub struct ArrayStorage<
    P,
    const X: usize = 8,
    const D: usize = 32,
    const O: usize = 4,
    const T: usize = 16,
    const E: usize = 16,
    const STORE: usize = 2048,
    const CACHE: usize = 2048,
    const RX: usize = 2048,
    const TR: usize = 4,
    const BODY: usize = 4096,
> {
    exchanges: [ExchangeSlot<P>; X],
    dedup: [DedupSlot<P>; D],
    dedup_index: [u32; D],
    observers: [ObserverSlot<P>; O],
    transmit: [TxSlot<P>; T],
    events: [EventSlot<P>; E],
    store: [u8; STORE],
    cache: [u8; CACHE],
    receive: [u8; RX],
    transfers: [TransferSlot<P>; TR],
    body: [u8; BODY],
}

impl<
        P,
        const X: usize,
        const D: usize,
        const O: usize,
        const T: usize,
        const E: usize,
        const STORE: usize,
        const CACHE: usize,
        const RX: usize,
        const TR: usize,
        const BODY: usize,
    > ArrayStorage<P, X, D, O, T, E, STORE, CACHE, RX, TR, BODY>
{
    /// Empty tables.
    pub const fn new() -> Self {
        Self {
            exchanges: [ExchangeSlot::EMPTY; X],
            dedup: [DedupSlot::EMPTY; D],
            dedup_index: [NONE; D],
            observers: [ObserverSlot::EMPTY; O],
            transmit: [TxSlot::EMPTY; T],
            events: [EventSlot::EMPTY; E],
            store: [0; STORE],
            cache: [0; CACHE],
            receive: [0; RX],
            transfers: [TransferSlot::EMPTY; TR],
            body: [0; BODY],
        }
    }
}

impl<
        P,
        const X: usize,
        const D: usize,
        const O: usize,
        const T: usize,
        const E: usize,
        const STORE: usize,
        const CACHE: usize,
        const RX: usize,
        const TR: usize,
        const BODY: usize,
    > Default for ArrayStorage<P, X, D, O, T, E, STORE, CACHE, RX, TR, BODY>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<
        P,
        const X: usize,
        const D: usize,
        const O: usize,
        const T: usize,
        const E: usize,
        const STORE: usize,
        const CACHE: usize,
        const RX: usize,
        const TR: usize,
        const BODY: usize,
    > Storage<P> for ArrayStorage<P, X, D, O, T, E, STORE, CACHE, RX, TR, BODY>
{
    storage_methods!();
}

/// Table sizes for [`VecStorage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Open exchanges (our requests, CON responses and notifications in flight).
    pub exchanges: usize,
    /// Received messages remembered for deduplication.
    pub dedup: usize,
    /// Server-side observers.
    pub observers: usize,
    /// Datagrams waiting to go out.
    pub transmit: usize,
    /// Events waiting for the application.
    pub events: usize,
    /// Bytes for open exchanges' messages.
    pub store_bytes: usize,
    /// Bytes for cached answers and datagrams waiting to go out.
    pub cache_bytes: usize,
    /// Bytes for received messages waiting in events.
    pub receive_bytes: usize,
    /// Block-wise transfers (RFC 7959) at once: client downloads and uploads, server
    /// reassemblies and bodies kept for Block2 requests.
    pub transfers: usize,
    /// Bytes for the bodies of block-wise transfers (the largest body one transfer can move,
    /// plus its header and options; all transfers share it).
    pub body_bytes: usize,
}

impl Default for Limits {
    /// A gateway-sized endpoint: 64 exchanges, 4,096 dedup entries, 256 observers, 64 queued
    /// datagrams and events, 64 KiB for exchanges, 256 KiB of cache, 64 KiB for events, 32
    /// block-wise transfers sharing 1 MiB of bodies.
    fn default() -> Self {
        Self {
            exchanges: 64,
            dedup: 4096,
            observers: 256,
            transmit: 64,
            events: 64,
            store_bytes: 64 << 10,
            cache_bytes: 256 << 10,
            receive_bytes: 64 << 10,
            transfers: 32,
            body_bytes: 1 << 20,
        }
    }
}

/// Tables sized at run time (feature `alloc`), allocated once in [`VecStorage::new`].
///
/// ```
/// use coap_codec::endpoint::{Config, Endpoint, Limits, VecStorage};
/// let limits = Limits { dedup: 65_536, ..Limits::default() };
/// let ep: Endpoint<std::net::SocketAddr, _> = Endpoint::new(Config::default(), VecStorage::new(&limits));
/// # let _ = ep;
/// ```
#[cfg(feature = "alloc")]
#[derive(Debug, Clone)]
pub struct VecStorage<P> {
    exchanges: alloc::vec::Vec<ExchangeSlot<P>>,
    dedup: alloc::vec::Vec<DedupSlot<P>>,
    dedup_index: alloc::vec::Vec<u32>,
    observers: alloc::vec::Vec<ObserverSlot<P>>,
    transmit: alloc::vec::Vec<TxSlot<P>>,
    events: alloc::vec::Vec<EventSlot<P>>,
    store: alloc::vec::Vec<u8>,
    cache: alloc::vec::Vec<u8>,
    receive: alloc::vec::Vec<u8>,
    transfers: alloc::vec::Vec<TransferSlot<P>>,
    body: alloc::vec::Vec<u8>,
}

#[cfg(feature = "alloc")]
impl<P: Clone> VecStorage<P> {
    /// Allocates every table at its limit.
    pub fn new(limits: &Limits) -> Self {
        use alloc::vec;
        Self {
            exchanges: vec![ExchangeSlot::EMPTY; limits.exchanges],
            dedup: vec![DedupSlot::EMPTY; limits.dedup],
            dedup_index: vec![NONE; limits.dedup],
            observers: vec![ObserverSlot::EMPTY; limits.observers],
            transmit: vec![TxSlot::EMPTY; limits.transmit],
            events: vec![EventSlot::EMPTY; limits.events],
            store: vec![0; limits.store_bytes],
            cache: vec![0; limits.cache_bytes],
            receive: vec![0; limits.receive_bytes],
            transfers: vec![TransferSlot::EMPTY; limits.transfers],
            body: vec![0; limits.body_bytes],
        }
    }
}

#[cfg(feature = "alloc")]
impl<P> Storage<P> for VecStorage<P> {
    storage_methods!();
}
