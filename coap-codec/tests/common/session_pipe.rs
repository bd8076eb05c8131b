//! The harness of the session block-wise tests: two sessions through an in-memory byte pipe
//! cut at seeded random boundaries; every frame is checked against the receiver's
//! Max-Message-Size on the way.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use coap_codec::endpoint::{Event, RequestHandle, ResponseHandle, TransferError};
use coap_codec::session::{Config, Limits, Role, Session, VecStorage};
use coap_codec::time::Instant;
use coap_codec::wire::tcp::{self, Status};
use coap_codec::wire::{Block, Code, MessageBuilder, MessageId, MessageType, OptionNumber};
pub(crate) const NOW: Instant = Instant::ZERO;

/// What an event said, owned.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Ev {
    Request { handle: ResponseHandle, code: Code, payload: Vec<u8>, block1: Option<Block>, observe: Option<u32> },
    Response { request: RequestHandle, code: Code, payload: Vec<u8>, observing: bool, block1: Option<Block> },
    Notification { request: RequestHandle, payload: Vec<u8> },
    Failed { request: RequestHandle, reason: TransferError },
    Other,
}

/// The Block options and payload sizes of every frame one side sent.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    pub(crate) block_szx: Vec<u8>,
    pub(crate) largest_frame: usize,
    pub(crate) frames: usize,
    /// The Request-Tag of every request that carried one (RFC 9175 §3).
    pub(crate) tags: Vec<Vec<u8>>,
}

pub(crate) struct Side {
    pub(crate) s: Session<VecStorage>,
    /// Bytes on their way to this side.
    pub(crate) inbox: Vec<u8>,
    /// How many of them have arrived (the rest come in random chunks).
    pub(crate) arrived: usize,
    pub(crate) events: Vec<Ev>,
    /// What this side sent.
    pub(crate) seen: Seen,
}

pub(crate) fn limits(transfers: usize, body: usize) -> Limits {
    Limits { transfers, body_bytes: body, receive_bytes: 70_000, transmit_bytes: 140_000, ..Limits::default() }
}

pub(crate) fn side(role: Role, seed: u64, max: u32, bwt: bool, szx: u8, l: Limits) -> Side {
    let config =
        Config { role, seed, max_message_size: max, block_wise_transfer: bwt, block_szx: szx, ..Config::default() };
    Side {
        s: Session::new(config, VecStorage::new(&l)),
        inbox: Vec::new(),
        arrived: 0,
        events: Vec::new(),
        seen: Seen::default(),
    }
}

/// A seeded xorshift for the pipe's cuts and the bodies.
pub(crate) struct Rng(pub(crate) u64);
impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub(crate) fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

pub(crate) fn own(ev: Event<'_, ()>) -> Ev {
    let block = |m: &coap_codec::wire::Message<&[u8]>, n| m.option(n).and_then(Block::decode);
    match ev {
        Event::RequestReceived { handle, request, .. } => Ev::Request {
            handle,
            code: request.code(),
            payload: request.payload().to_vec(),
            block1: block(&request, OptionNumber::BLOCK1),
            observe: request.uint_option(OptionNumber::OBSERVE),
        },
        Event::ResponseReceived { request, response, observing, .. } => Ev::Response {
            request,
            code: response.code(),
            payload: response.payload().to_vec(),
            observing,
            block1: block(&response, OptionNumber::BLOCK1),
        },
        Event::NotificationReceived { request, notification, .. } => {
            Ev::Notification { request, payload: notification.payload().to_vec() }
        }
        Event::TransferFailed { request, reason, .. } => Ev::Failed { request, reason },
        _ => Ev::Other,
    }
}

/// Moves what `from` sends to `to`'s inbox, checking each frame against the Max-Message-Size
/// `to` announced (RFC 8323 §5.3.1) and recording its Block options.
pub(crate) fn send(from: &mut Side, to_max: u32) -> bool {
    let mut buf = vec![0u8; 1 << 17];
    let mut any = false;
    while let Some(t) = from.s.poll_transmit(NOW, &mut buf).unwrap() {
        let frame = &buf[..t.len];
        assert!(t.len <= to_max as usize, "a frame of {} bytes over the peer's Max-Message-Size {to_max}", t.len);
        let Status::Complete { item, consumed } = tcp::decode_frame(frame).unwrap() else { panic!("partial") };
        assert_eq!(consumed, t.len);
        for o in item.options().filter(|o| matches!(o.number, OptionNumber::BLOCK1 | OptionNumber::BLOCK2)) {
            if !item.code().is_signal() {
                from.seen.block_szx.push(Block::decode(o.value).unwrap().szx);
            }
        }
        if let Some(o) = item.options().find(|o| o.number == OptionNumber::REQUEST_TAG) {
            from.seen.tags.push(o.value.to_vec());
        }
        from.seen.largest_frame = from.seen.largest_frame.max(t.len);
        from.seen.frames += 1;
        any = true;
        // `to`'s inbox is appended by the caller.
        from.inbox_out(frame);
    }
    any
}

impl Side {
    fn inbox_out(&mut self, frame: &[u8]) {
        // Frames leaving this side, parked in `events`' neighbour: see `pipe`.
        OUT.with(|o| o.borrow_mut().extend_from_slice(frame));
        let _ = self;
    }

    /// Feeds the inbox in random cuts (whole frames are used, the rest stays), then drains
    /// events.
    pub(crate) fn receive(&mut self, rng: &mut Rng) -> bool {
        let mut any = false;
        loop {
            let left = self.inbox.len() - self.arrived;
            if left > 0 {
                // The transport hands over a random number of bytes, cutting frames anywhere.
                self.arrived += 1 + (rng.next() as usize) % left.min(5000);
            }
            let used = self.s.handle_input(NOW, &self.inbox[..self.arrived]).unwrap();
            self.inbox.drain(..used);
            self.arrived -= used;
            while let Some(ev) = self.s.poll_event() {
                self.events.push(own(ev));
                any = true;
            }
            any |= used > 0;
            if used == 0 && self.arrived == self.inbox.len() {
                break;
            }
        }
        any
    }
}

thread_local! {
    static OUT: core::cell::RefCell<Vec<u8>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// What `send` wrote, taken.
pub(crate) fn take_out() -> Vec<u8> {
    OUT.with(|o| core::mem::take(&mut *o.borrow_mut()))
}

/// One round both ways: sends, cuts, receives.
pub(crate) fn pipe(a: &mut Side, b: &mut Side, rng: &mut Rng) -> bool {
    let (amax, bmax) = (a.s.max_message_size(), b.s.max_message_size());
    let mut any = send(a, bmax);
    b.inbox.extend(OUT.with(|o| core::mem::take(&mut *o.borrow_mut())));
    any |= send(b, amax);
    a.inbox.extend(OUT.with(|o| core::mem::take(&mut *o.borrow_mut())));
    any |= b.receive(rng);
    any |= a.receive(rng);
    any
}

/// Runs the pipe until both sides are idle; `serve` answers each request the server sees.
pub(crate) fn run(a: &mut Side, b: &mut Side, rng: &mut Rng, mut serve: impl FnMut(&mut Session<VecStorage>, Ev)) {
    for _ in 0..100_000 {
        let moved = pipe(a, b, rng);
        let requests: Vec<Ev> = b.events.drain(..).collect();
        let had = !requests.is_empty();
        for ev in requests {
            serve(&mut b.s, ev);
        }
        if !moved && !had && a.inbox.is_empty() && b.inbox.is_empty() {
            return;
        }
    }
    panic!("the pipe does not settle");
}

pub(crate) fn get(path: &str) -> MessageBuilder<'_, 4> {
    let mut b = MessageBuilder::<4>::new(MessageType::Confirmable, Code::GET, MessageId(0));
    b.path(path).unwrap();
    b
}

pub(crate) fn content(payload: &[u8]) -> MessageBuilder<'_, 4> {
    let mut b = MessageBuilder::<4>::new(MessageType::Acknowledgement, Code::CONTENT, MessageId(0));
    b.payload(payload);
    b
}

pub(crate) fn connected(client: (u32, bool, u8), server: (u32, bool, u8), l: Limits) -> (Side, Side, Rng) {
    let mut a = side(Role::Initiator, 1, client.0, client.1, client.2, l);
    let mut b = side(Role::Acceptor, 2, server.0, server.1, server.2, l);
    let mut rng = Rng(0x5eed_0000_1234_5678);
    run(&mut a, &mut b, &mut rng, |_, _| {});
    assert!(a.s.peer_csm_received() && b.s.peer_csm_received());
    (a, b, rng)
}
