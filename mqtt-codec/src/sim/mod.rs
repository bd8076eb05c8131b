//! Deterministic simulation (feature `sim`): a virtual clock, a [`Link`] that carries a byte
//! stream with delays and cuts it at random points, and a [`Pair`] that drives two machines
//! through it. Same seed, same run: a failing seed replays exactly.
//!
//! The crate's own tests use it; so can applications that want to run their loop through a bad
//! network.
//!
//! ```
//! use mqtt_codec::client::{Client, Config, Event};
//! use mqtt_codec::sim::{Link, LinkConfig, Pair, Scripted};
//! use mqtt_codec::time::Instant;
//! use mqtt_codec::wire::{Connect, Protocol, Version};
//!
//! // A client against a scripted peer that answers CONNECT with CONNACK.
//! let client: Client<Vec<u8>> = Client::new(Config::new(Version::V311), vec![0; 8192]).unwrap();
//! let peer = Scripted::new(vec![(0x10, vec![0x20, 0x02, 0x00, 0x00])]);
//! let mut pair = Pair::new(client, peer, Link::new(LinkConfig::default(), 7));
//! pair.a.connect(Instant::ZERO, &Connect::new(Protocol::Mqtt311)).unwrap();
//! let mut connected = false;
//! for _ in 0..100 {
//!     pair.step();
//!     while let Some(ev) = pair.a.poll_event() {
//!         connected |= matches!(ev, Event::Connected { .. });
//!     }
//! }
//! assert!(connected);
//! ```

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use crate::client::Client;
use crate::session::{BufferTooSmall, CloseReason, Transmit};
use crate::time::Instant;

/// The verbs [`Pair`] drives: the sans-IO contract of a stream machine, without events (the
/// test polls those itself, between steps).
pub trait Machine {
    /// See `Client::handle_input`.
    ///
    /// # Errors
    /// The machine's [`CloseReason`].
    fn handle_input(&mut self, now: Instant, input: &[u8]) -> Result<usize, CloseReason>;
    /// See `Client::handle_timeout`.
    fn handle_timeout(&mut self, now: Instant);
    /// See `Client::poll_transmit`.
    ///
    /// # Errors
    /// [`BufferTooSmall`].
    fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Result<Option<Transmit>, BufferTooSmall>;
    /// See `Client::poll_timeout`.
    fn poll_timeout(&self) -> Option<Instant>;
    /// See `Client::connection_lost`.
    fn connection_lost(&mut self, now: Instant);
}

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize, const A: usize> Machine for Client<B, N, A> {
    fn handle_input(&mut self, now: Instant, input: &[u8]) -> Result<usize, CloseReason> {
        Client::handle_input(self, now, input)
    }
    fn handle_timeout(&mut self, now: Instant) {
        Client::handle_timeout(self, now);
    }
    fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Result<Option<Transmit>, BufferTooSmall> {
        Client::poll_transmit(self, now, buf)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Client::poll_timeout(self)
    }
    fn connection_lost(&mut self, now: Instant) {
        Client::connection_lost(self, now);
    }
}

impl<B: AsRef<[u8]> + AsMut<[u8]>, const N: usize, const A: usize> Machine
    for crate::server::ServerConnection<B, N, A>
{
    fn handle_input(&mut self, now: Instant, input: &[u8]) -> Result<usize, CloseReason> {
        crate::server::ServerConnection::handle_input(self, now, input)
    }
    fn handle_timeout(&mut self, now: Instant) {
        crate::server::ServerConnection::handle_timeout(self, now);
    }
    fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Result<Option<Transmit>, BufferTooSmall> {
        crate::server::ServerConnection::poll_transmit(self, now, buf)
    }
    fn poll_timeout(&self) -> Option<Instant> {
        crate::server::ServerConnection::poll_timeout(self)
    }
    fn connection_lost(&mut self, now: Instant) {
        crate::server::ServerConnection::connection_lost(self, now);
    }
}

/// A small deterministic PRNG (xorshift64*), for links and for tests' own choices.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded; every seed (0 included) gives a usable stream.
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (0 when `n == 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// True with probability `per_million / 1_000_000`.
    pub fn chance(&mut self, per_million: u32) -> bool {
        self.below(1_000_000) < u64::from(per_million)
    }
}

/// How a [`Link`] misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkConfig {
    /// Each write arrives after a delay drawn uniformly from this range (in order: a stream).
    pub delay: (Duration, Duration),
    /// Writes are delivered in pieces of 1 to this many bytes (partial reads).
    pub max_segment: usize,
    /// Chance per delivered piece, in millionths, that the connection is cut there: every byte
    /// still in flight either way is lost.
    pub cut_per_million: u32,
}

impl Default for LinkConfig {
    /// 1-20 ms delay, pieces of up to 1460 bytes, no cuts.
    fn default() -> Self {
        Self { delay: (Duration::from_millis(1), Duration::from_millis(20)), max_segment: 1460, cut_per_million: 0 }
    }
}

/// One direction of a [`Link`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// From `a` to `b`.
    AtoB,
    /// From `b` to `a`.
    BtoA,
}

/// A simulated TCP connection: ordered, delayed, cut at random points.
#[derive(Debug, Clone)]
pub struct Link {
    config: LinkConfig,
    rng: Rng,
    queues: [VecDeque<(Instant, Vec<u8>)>; 2],
    /// Cuts so far.
    pub cuts: u64,
    /// Bytes delivered so far (both directions).
    pub delivered: u64,
}

impl Link {
    /// A link with `config`, its randomness from `seed`.
    pub fn new(config: LinkConfig, seed: u64) -> Self {
        Self { config, rng: Rng::new(seed), queues: [VecDeque::new(), VecDeque::new()], cuts: 0, delivered: 0 }
    }

    fn queue(&mut self, dir: Dir) -> &mut VecDeque<(Instant, Vec<u8>)> {
        let [ab, ba] = &mut self.queues;
        match dir {
            Dir::AtoB => ab,
            Dir::BtoA => ba,
        }
    }

    /// Writes `bytes` into one direction at `now`.
    pub fn send(&mut self, dir: Dir, now: Instant, bytes: &[u8]) {
        let (lo, hi) = self.config.delay;
        let span = hi.saturating_sub(lo).as_millis() as u64;
        let mut at = now + lo + Duration::from_millis(self.rng.below(span + 1));
        // A stream keeps its order: nothing overtakes what was written before.
        if let Some(&(last, _)) = self.queue(dir).back() {
            at = at.max(last);
        }
        let max = self.config.max_segment.max(1);
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = (1 + self.rng.below(max as u64) as usize).min(rest.len());
            let (piece, tail) = rest.split_at(n);
            self.queue(dir).push_back((at, piece.to_vec()));
            rest = tail;
        }
    }

    /// The earliest time something is due.
    pub fn next_delivery(&self) -> Option<Instant> {
        self.queues.iter().filter_map(|q| q.front().map(|&(t, _)| t)).min()
    }

    /// The next piece due by `now` in `dir`, or `None`. May cut the link instead (then it
    /// returns `None` and `cuts` grew).
    pub fn deliver(&mut self, dir: Dir, now: Instant) -> Option<Vec<u8>> {
        if !self.queue(dir).front().is_some_and(|&(t, _)| t <= now) {
            return None;
        }
        if self.rng.chance(self.config.cut_per_million) {
            self.cut();
            return None;
        }
        let (_, piece) = self.queue(dir).pop_front()?;
        self.delivered += piece.len() as u64;
        Some(piece)
    }

    /// Cuts the connection: everything in flight is lost.
    pub fn cut(&mut self) {
        self.queues.iter_mut().for_each(VecDeque::clear);
        self.cuts += 1;
    }
}

/// What one [`Pair::step`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Step {
    /// Bytes written, delivered or consumed, or a timer fired.
    pub progressed: bool,
    /// The link was cut in this step (both machines were told `connection_lost`).
    pub cut: bool,
    /// `a` closed the connection from its input (its reason).
    pub a_closed: Option<CloseReason>,
    /// `b` closed the connection from its input.
    pub b_closed: Option<CloseReason>,
    /// Nothing is due and nothing is in flight: the pair is idle.
    pub idle: bool,
}

/// Two machines over a [`Link`], with a virtual clock. Between steps, the test polls each
/// machine's events and issues commands through the public fields.
pub struct Pair<A, B> {
    /// The first machine (usually the client).
    pub a: A,
    /// The second machine (usually the server side).
    pub b: B,
    /// The virtual clock.
    pub now: Instant,
    /// The link between them.
    pub link: Link,
    /// Whether the transport is up (a cut or a close takes it down; [`Pair::reconnect`]
    /// brings it back).
    pub up: bool,
    rx: [Vec<u8>; 2],
    tx: Vec<u8>,
}

impl<A: Machine, B: Machine> Pair<A, B> {
    /// A pair at time zero with the transport up.
    pub fn new(a: A, b: B, link: Link) -> Self {
        Self { a, b, now: Instant::ZERO, link, up: true, rx: [Vec::new(), Vec::new()], tx: vec![0; 1 << 17] }
    }

    /// Brings the transport back up after a cut or close (the machines start a new connection
    /// through their own commands).
    pub fn reconnect(&mut self) {
        self.up = true;
        self.rx.iter_mut().for_each(Vec::clear);
    }

    /// Takes the transport down: both machines are told, nothing in flight arrives.
    pub fn cut(&mut self) {
        self.link.cut();
        self.take_down();
    }

    fn take_down(&mut self) {
        self.up = false;
        self.link.queues.iter_mut().for_each(VecDeque::clear);
        self.rx.iter_mut().for_each(Vec::clear);
        self.a.connection_lost(self.now);
        self.b.connection_lost(self.now);
    }

    /// One step: write what both machines have to send, deliver what is due, feed the input,
    /// and when none of that moved anything, advance the clock to the next deadline or
    /// delivery and fire timers.
    pub fn step(&mut self) -> Step {
        let mut st = Step::default();
        let now = self.now;
        // Transmit.
        for dir in [Dir::AtoB, Dir::BtoA] {
            loop {
                let r = match dir {
                    Dir::AtoB => self.a.poll_transmit(now, &mut self.tx),
                    Dir::BtoA => self.b.poll_transmit(now, &mut self.tx),
                };
                match r {
                    Ok(Some(t)) => {
                        st.progressed = true;
                        if self.up {
                            let bytes = self.tx.get(..t.len).unwrap_or(&[]);
                            self.link.send(dir, now, bytes);
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        self.tx.resize(e.required.max(self.tx.len() * 2), 0);
                    }
                }
            }
        }
        // Deliver and consume.
        let cuts = self.link.cuts;
        for dir in [Dir::AtoB, Dir::BtoA] {
            let i = usize::from(dir == Dir::BtoA);
            while let Some(piece) = self.link.deliver(dir, now) {
                st.progressed = true;
                if let Some(rx) = self.rx.get_mut(i) {
                    rx.extend_from_slice(&piece);
                }
            }
        }
        if self.link.cuts != cuts {
            st.cut = true;
            st.progressed = true;
            self.take_down();
            return st;
        }
        for dir in [Dir::AtoB, Dir::BtoA] {
            let i = usize::from(dir == Dir::BtoA);
            let Some(rx) = self.rx.get_mut(i) else { continue };
            if rx.is_empty() || !self.up {
                continue;
            }
            // `AtoB` bytes are input for `b`.
            let r = match dir {
                Dir::AtoB => self.b.handle_input(now, rx),
                Dir::BtoA => self.a.handle_input(now, rx),
            };
            match r {
                Ok(used) => {
                    if used > 0 {
                        st.progressed = true;
                        rx.drain(..used.min(rx.len()));
                    }
                }
                Err(reason) => {
                    st.progressed = true;
                    match dir {
                        Dir::AtoB => st.b_closed = Some(reason),
                        Dir::BtoA => st.a_closed = Some(reason),
                    }
                    self.flush_then_close();
                    return st;
                }
            }
        }
        if st.progressed {
            return st;
        }
        // Idle: advance to the next deadline.
        let next =
            [self.link.next_delivery(), self.a.poll_timeout(), self.b.poll_timeout()].into_iter().flatten().min();
        match next {
            Some(t) => {
                self.now = self.now.max(t);
                self.a.handle_timeout(self.now);
                self.b.handle_timeout(self.now);
                st.progressed = true;
            }
            None => st.idle = true,
        }
        st
    }

    /// A side closed the connection: it writes what it staged (a DISCONNECT), which the other
    /// side may or may not read before the transport goes down (it does not, here: a closing
    /// peer's last bytes are not guaranteed to arrive).
    fn flush_then_close(&mut self) {
        let now = self.now;
        while let Ok(Some(_)) = self.a.poll_transmit(now, &mut self.tx) {}
        while let Ok(Some(_)) = self.b.poll_transmit(now, &mut self.tx) {}
        self.take_down();
    }
}

/// A scripted peer for tests: for each packet type byte (`0x10` CONNECT, ...) the first script
/// entry with that first byte (high nibble compared) answers with the given bytes, once.
#[derive(Debug, Clone, Default)]
pub struct Scripted {
    script: Vec<(u8, Vec<u8>)>,
    out: VecDeque<Vec<u8>>,
    /// Every packet received, in order.
    pub received: Vec<Vec<u8>>,
}

impl Scripted {
    /// A peer answering with `script`.
    pub fn new(script: Vec<(u8, Vec<u8>)>) -> Self {
        Self { script, out: VecDeque::new(), received: Vec::new() }
    }
}

impl Machine for Scripted {
    fn handle_input(&mut self, _now: Instant, input: &[u8]) -> Result<usize, CloseReason> {
        // Whole packets by their Remaining Length.
        let mut used = 0;
        while let Some(rest) = input.get(used..) {
            let Some(len) = packet_len(rest) else { break };
            let Some(pkt) = rest.get(..len) else { break };
            self.received.push(pkt.to_vec());
            let kind = pkt.first().copied().unwrap_or(0) & 0xF0;
            if let Some(i) = self.script.iter().position(|(k, _)| k & 0xF0 == kind) {
                let (_, answer) = self.script.remove(i);
                self.out.push_back(answer);
            }
            used += len;
        }
        Ok(used)
    }
    fn handle_timeout(&mut self, _now: Instant) {}
    fn poll_transmit(&mut self, _now: Instant, buf: &mut [u8]) -> Result<Option<Transmit>, BufferTooSmall> {
        let Some(next) = self.out.front() else { return Ok(None) };
        let dst = buf.get_mut(..next.len()).ok_or(BufferTooSmall { required: next.len() })?;
        dst.copy_from_slice(next);
        let len = next.len();
        self.out.pop_front();
        Ok(Some(Transmit { len }))
    }
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
    fn connection_lost(&mut self, _now: Instant) {
        self.out.clear();
    }
}

/// The length of the packet at the front of `b`, once its fixed header is complete.
fn packet_len(b: &[u8]) -> Option<usize> {
    let mut value = 0usize;
    for i in 0..4 {
        let byte = *b.get(1 + i)?;
        value |= usize::from(byte & 0x7F) << (7 * i);
        if byte & 0x80 == 0 {
            return Some(2 + i + value);
        }
    }
    None
}
