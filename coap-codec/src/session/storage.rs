//! Where a [`Session`](super::Session) keeps its tables: [`Storage`], with fixed arrays
//! ([`ArrayStorage`], no allocator) or vectors sized at run time ([`VecStorage`], feature
//! `alloc`). Every table is bounded by its length; nothing grows. There is no deduplication
//! table and no retransmission store: the transport is reliable (RFC 8323 §3.3).

pub use super::transfer::TransferSlot;
use super::transfer::NO_TRANSFER;
use crate::endpoint::{ObserverRemoval, TransferError};
use crate::time::Instant;
use crate::wire::Layout;

/// No chunk.
pub(crate) const NONE: u32 = u32::MAX;

/// One of our requests or pings, until its response, Pong or timeout. Fields are private: the
/// type is public so that storage can be declared.
#[derive(Debug, Clone, Copy)]
pub struct ExchangeSlot {
    pub(crate) state: XState,
    pub(crate) kind: XKind,
    pub(crate) generation: u16,
    pub(crate) token: [u8; 8],
    pub(crate) token_len: u8,
    /// Observe (client): 0 none, 1 registration sent, 2 established.
    pub(crate) observe: u8,
    /// When the response or Pong is overdue.
    pub(crate) due: Instant,
    /// The request (UDP form) in the arena: a registration's (for the deregistration), or,
    /// with block-wise on, every request's (its next Block2 request copies it, RFC 7959 §2.4).
    pub(crate) offset: u32,
    pub(crate) len: u32,
    /// The block-wise transfer this exchange carries, or [`NO_TRANSFER`].
    pub(crate) transfer: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum XState {
    Free,
    /// A request over the base Max-Message-Size, queued before the peer's CSM: kept whole
    /// (UDP form) in the exchange store until the CSM says whether it goes whole, in blocks,
    /// or not at all (RFC 8323 §5.3.1); times out at `due` like a sent one.
    Held,
    /// Sent (or queued); waiting for the response or Pong until `due`.
    Awaiting,
    /// An established observation: notifications until deregistered (no timeout).
    Observing,
    /// Cancelled by the application while its deregistration is on its way: whatever answers
    /// it is dropped silently.
    Cancelling,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum XKind {
    Request,
    /// A 7.02 Ping (RFC 8323 §5.4).
    Ping,
}

impl ExchangeSlot {
    /// An unused slot.
    pub const EMPTY: Self = Self {
        state: XState::Free,
        kind: XKind::Request,
        generation: 0,
        token: [0; 8],
        token_len: 0,
        observe: 0,
        due: Instant::ZERO,
        offset: 0,
        len: 0,
        transfer: NO_TRANSFER,
    };

    pub(crate) fn token(&self) -> &[u8] {
        self.token.get(..usize::from(self.token_len)).unwrap_or(&[])
    }
}

/// A received request waiting for the application's answer.
#[derive(Debug, Clone, Copy)]
pub struct RequestSlot {
    pub(crate) used: bool,
    pub(crate) generation: u16,
    pub(crate) token: [u8; 8],
    pub(crate) token_len: u8,
    /// Arrival order (a Pong with Custody waits for the requests before its Ping).
    pub(crate) seq: u64,
    pub(crate) flags: u8,
    /// The request's No-Response value (RFC 7967), 0 when absent.
    pub(crate) no_response: u8,
    /// The request's cache key ([`cache_key`](crate::blockwise::cache_key)): a body sliced
    /// for its answer is kept under it.
    pub(crate) key: u32,
    /// The last Block1 of a reassembled body, echoed in the answer (RFC 7959 §2.5), or NONE.
    pub(crate) block1: u32,
    /// The request's Block2 (RFC 7959 §2.4: which block of the answer), or NONE.
    pub(crate) block2: u32,
}

/// `RequestSlot::flags`: a GET or FETCH with Observe 0 (RFC 7641 §3.1).
pub(crate) const F_REGISTRATION: u8 = 1;
/// The application registered the requester as an observer ([`Session::observe`](super::Session::observe)).
pub(crate) const F_OBSERVE: u8 = 2;

impl RequestSlot {
    /// An unused slot.
    pub const EMPTY: Self = Self {
        used: false,
        generation: 0,
        token: [0; 8],
        token_len: 0,
        seq: 0,
        flags: 0,
        no_response: 0,
        key: 0,
        block1: NONE,
        block2: NONE,
    };

    pub(crate) fn token(&self) -> &[u8] {
        self.token.get(..usize::from(self.token_len)).unwrap_or(&[])
    }
}

/// An observer of one of the application's resources (RFC 7641 §4.1).
#[derive(Debug, Clone, Copy)]
pub struct ObserverSlot {
    pub(crate) used: bool,
    pub(crate) resource: u32,
    pub(crate) sequence: u32,
    pub(crate) generation: u16,
    pub(crate) token: [u8; 8],
    pub(crate) token_len: u8,
    /// The registration's cache key: a notification sliced into blocks is kept under it, and
    /// the client's GETs for its later blocks find it (RFC 7959 §3.4).
    pub(crate) key: u32,
}

impl ObserverSlot {
    /// An unused slot.
    pub const EMPTY: Self =
        Self { used: false, resource: 0, sequence: 0, generation: 0, token: [0; 8], token_len: 0, key: 0 };

    pub(crate) fn token(&self) -> &[u8] {
        self.token.get(..usize::from(self.token_len)).unwrap_or(&[])
    }
}

/// An event waiting for `poll_event`.
#[derive(Debug, Clone, Copy)]
pub struct EventSlot {
    pub(crate) kind: EKind,
    /// The handle's slot and generation.
    pub(crate) slot: u32,
    pub(crate) generation: u16,
    /// The message in the receive store, or [`NONE`].
    pub(crate) message: u32,
    /// Where its parts are (checked on arrival, not again).
    pub(crate) layout: Layout,
    /// The message is the body region of this transfer instead (a reassembled request or a
    /// downloaded response, RFC 7959), or [`NO_TRANSFER`].
    pub(crate) transfer: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum EKind {
    RequestReceived,
    ResponseReceived { observing: bool },
    NotificationReceived,
    RequestTimedOut,
    PongReceived,
    ObserverRemoved(ObserverRemoval),
    TransferFailed(TransferError),
}

impl EventSlot {
    /// An unused slot.
    pub const EMPTY: Self = Self {
        kind: EKind::RequestTimedOut,
        slot: 0,
        generation: 0,
        message: NONE,
        layout: Layout { token_start: 0, options_start: 0, options_end: 0, problem_free: true },
        transfer: NO_TRANSFER,
    };
}

/// The tables and byte stores of one session, borrowed for one call.
#[derive(Debug)]
pub struct Parts<'a> {
    /// Our requests and pings.
    pub exchanges: &'a mut [ExchangeSlot],
    /// Received requests waiting for an answer.
    pub requests: &'a mut [RequestSlot],
    /// Observers of our resources.
    pub observers: &'a mut [ObserverSlot],
    /// Events waiting for the application.
    pub events: &'a mut [EventSlot],
    /// Observe registrations, kept for their deregistration (RFC 8323 §7.4).
    pub store: &'a mut [u8],
    /// Frames waiting to go out, in order.
    pub transmit: &'a mut [u8],
    /// Received messages waiting in events.
    pub receive: &'a mut [u8],
    /// Block-wise transfers (RFC 7959, RFC 8323 §6) in progress, and bodies kept for Block2
    /// requests.
    pub transfers: &'a mut [TransferSlot],
    /// The bodies of block-wise transfers.
    pub body: &'a mut [u8],
}

/// The tables of a [`Session`](super::Session): implemented by [`ArrayStorage`] and
/// [`VecStorage`]; implement it for your own layout (a static, a memory pool).
pub trait Storage {
    /// Borrows every table at once.
    fn parts(&mut self) -> Parts<'_>;
    /// The exchange table, read-only (for `poll_timeout`).
    fn exchanges(&self) -> &[ExchangeSlot];
    /// The observer table, read-only.
    fn observers(&self) -> &[ObserverSlot];
    /// The receive store, read-only (for the peer's Release and Abort details).
    fn receive(&self) -> &[u8];
    /// The transfer table, read-only.
    fn transfers(&self) -> &[TransferSlot];
    /// The body store, read-only (for events whose message is a body).
    fn body(&self) -> &[u8];
}

/// The `Storage` methods of a struct whose fields are the tables themselves (arrays or vectors).
macro_rules! storage_methods {
    () => {
        fn parts(&mut self) -> Parts<'_> {
            Parts {
                exchanges: &mut self.exchanges,
                requests: &mut self.requests,
                observers: &mut self.observers,
                events: &mut self.events,
                store: &mut self.store,
                transmit: &mut self.transmit,
                receive: &mut self.receive,
                transfers: &mut self.transfers,
                body: &mut self.body,
            }
        }
        fn exchanges(&self) -> &[ExchangeSlot] {
            &self.exchanges
        }
        fn observers(&self) -> &[ObserverSlot] {
            &self.observers
        }
        fn receive(&self) -> &[u8] {
            &self.receive
        }
        fn transfers(&self) -> &[TransferSlot] {
            &self.transfers
        }
        fn body(&self) -> &[u8] {
            &self.body
        }
    };
}

/// Fixed-size tables, no allocator: `X` exchanges (our requests and pings), `R` received
/// requests waiting for an answer, `O` observers, `E` queued events, and the byte stores:
/// `STORE` for Observe registrations (and, with block-wise on, every open request), `TX` for
/// frames waiting to go out, `RX` for received messages in events; `T` block-wise transfers
/// sharing `BODY` bytes of bodies (RFC 7959: the largest body the session reassembles,
/// downloads or sends in blocks, plus its header and options). The Max-Message-Size a session
/// announces is capped at `RX - 6`.
///
/// ```
/// use coap_codec::session::{ArrayStorage, Config, Session};
/// // A small device: 2 requests each way, 1 observer, 4 events, 512-byte stores.
/// // No block-wise transfers (0 slots, 0 body bytes).
/// type Small = ArrayStorage<2, 2, 1, 4, 128, 512, 512, 0, 0>;
/// let s: Session<Small> = Session::new(Config::default(), Small::new());
/// assert_eq!(s.max_message_size(), 506);
/// assert!(core::mem::size_of_val(&s) < 2 * 1024);
/// ```
#[derive(Debug, Clone)]
pub struct ArrayStorage<
    const X: usize = 8,
    const R: usize = 8,
    const O: usize = 4,
    const E: usize = 16,
    const STORE: usize = 512,
    const TX: usize = 2048,
    const RX: usize = 2048,
    const T: usize = 2,
    const BODY: usize = 4096,
> {
    exchanges: [ExchangeSlot; X],
    requests: [RequestSlot; R],
    observers: [ObserverSlot; O],
    events: [EventSlot; E],
    store: [u8; STORE],
    transmit: [u8; TX],
    receive: [u8; RX],
    transfers: [TransferSlot; T],
    body: [u8; BODY],
}

impl<
        const X: usize,
        const R: usize,
        const O: usize,
        const E: usize,
        const STORE: usize,
        const TX: usize,
        const RX: usize,
        const T: usize,
        const BODY: usize,
    > ArrayStorage<X, R, O, E, STORE, TX, RX, T, BODY>
{
    /// Empty tables.
    pub const fn new() -> Self {
        Self {
            exchanges: [ExchangeSlot::EMPTY; X],
            requests: [RequestSlot::EMPTY; R],
            observers: [ObserverSlot::EMPTY; O],
            events: [EventSlot::EMPTY; E],
            store: [0; STORE],
            transmit: [0; TX],
            receive: [0; RX],
            transfers: [TransferSlot::EMPTY; T],
            body: [0; BODY],
        }
    }
}

impl<
        const X: usize,
        const R: usize,
        const O: usize,
        const E: usize,
        const STORE: usize,
        const TX: usize,
        const RX: usize,
        const T: usize,
        const BODY: usize,
    > Default for ArrayStorage<X, R, O, E, STORE, TX, RX, T, BODY>
{
    fn default() -> Self {
        Self::new()
    }
}

impl<
        const X: usize,
        const R: usize,
        const O: usize,
        const E: usize,
        const STORE: usize,
        const TX: usize,
        const RX: usize,
        const T: usize,
        const BODY: usize,
    > Storage for ArrayStorage<X, R, O, E, STORE, TX, RX, T, BODY>
{
    storage_methods!();
}

/// Table sizes for [`VecStorage`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Our requests and pings in flight.
    pub exchanges: usize,
    /// Received requests waiting for an answer.
    pub requests: usize,
    /// Observers of our resources.
    pub observers: usize,
    /// Events waiting for the application.
    pub events: usize,
    /// Bytes for Observe registrations.
    pub store_bytes: usize,
    /// Bytes for frames waiting to go out.
    pub transmit_bytes: usize,
    /// Bytes for received messages waiting in events.
    pub receive_bytes: usize,
    /// Block-wise transfers at once (RFC 7959, RFC 8323 §6): downloads, uploads, reassemblies
    /// and bodies kept for Block2 requests.
    pub transfers: usize,
    /// Bytes for the bodies of block-wise transfers (the largest body one transfer moves, plus
    /// its header and options; all transfers share it).
    pub body_bytes: usize,
}

impl Default for Limits {
    /// A gateway-sized session: 64 exchanges and requests, 64 observers, 64 events, 8 KiB for
    /// registrations, 64 KiB each way, 4 block-wise transfers sharing 64 KiB of bodies (a
    /// session is one connection: raise `body_bytes` for larger bodies).
    fn default() -> Self {
        Self {
            exchanges: 64,
            requests: 64,
            observers: 64,
            events: 64,
            store_bytes: 8 << 10,
            transmit_bytes: 64 << 10,
            receive_bytes: 64 << 10,
            transfers: 4,
            body_bytes: 64 << 10,
        }
    }
}

/// Tables sized at run time (feature `alloc`), allocated once in [`VecStorage::new`].
///
/// ```
/// use coap_codec::session::{Config, Limits, Session, VecStorage};
/// let s = Session::new(Config { max_message_size: 16_384, ..Config::default() }, VecStorage::new(&Limits::default()));
/// assert_eq!(s.max_message_size(), 16_384);
/// ```
#[cfg(feature = "alloc")]
#[derive(Debug, Clone)]
pub struct VecStorage {
    exchanges: alloc::vec::Vec<ExchangeSlot>,
    requests: alloc::vec::Vec<RequestSlot>,
    observers: alloc::vec::Vec<ObserverSlot>,
    events: alloc::vec::Vec<EventSlot>,
    store: alloc::vec::Vec<u8>,
    transmit: alloc::vec::Vec<u8>,
    receive: alloc::vec::Vec<u8>,
    transfers: alloc::vec::Vec<TransferSlot>,
    body: alloc::vec::Vec<u8>,
}

#[cfg(feature = "alloc")]
impl VecStorage {
    /// Allocates every table at its limit.
    pub fn new(limits: &Limits) -> Self {
        use alloc::vec;
        Self {
            exchanges: vec![ExchangeSlot::EMPTY; limits.exchanges],
            requests: vec![RequestSlot::EMPTY; limits.requests],
            observers: vec![ObserverSlot::EMPTY; limits.observers],
            events: vec![EventSlot::EMPTY; limits.events],
            store: vec![0; limits.store_bytes],
            transmit: vec![0; limits.transmit_bytes],
            receive: vec![0; limits.receive_bytes],
            transfers: vec![TransferSlot::EMPTY; limits.transfers],
            body: vec![0; limits.body_bytes],
        }
    }
}

#[cfg(feature = "alloc")]
impl Storage for VecStorage {
    storage_methods!();
}
