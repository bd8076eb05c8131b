//! Deterministic simulation (feature `sim`): a virtual clock, a datagram [`Link`] that delays,
//! loses, duplicates and reorders, a [`Pair`] that drives two machines through it and a [`Net`]
//! that drives many (one server, many clients). Same seed, same run: a failing seed replays
//! exactly. No real clock, no threads.
//!
//! The simulator drives anything that implements [`Machine`], the datagram form of the sans-IO
//! contract (STYLE §5) without events: the test polls those itself, between steps. The crate's
//! own tests use it; so can applications that want to run their loop through a bad network.
//!
//! ```
//! use core::time::Duration;
//! use std::collections::VecDeque;
//! use coap_codec::sim::{Link, LinkConfig, Machine, Pair};
//! use coap_codec::time::Instant;
//!
//! /// Sends every datagram back to where it came from.
//! struct Echo(VecDeque<(u16, Vec<u8>)>);
//!
//! impl Machine<u16> for Echo {
//!     fn handle_input(&mut self, _now: Instant, from: u16, datagram: &[u8]) {
//!         self.0.push_back((from, datagram.to_vec()));
//!     }
//!     fn handle_timeout(&mut self, _now: Instant) {}
//!     fn poll_transmit(&mut self, _now: Instant, buf: &mut [u8]) -> Option<(usize, u16)> {
//!         let (to, datagram) = self.0.pop_front()?;
//!         buf.get_mut(..datagram.len())?.copy_from_slice(&datagram);
//!         Some((datagram.len(), to))
//!     }
//!     fn poll_timeout(&self) -> Option<Instant> {
//!         None
//!     }
//! }
//!
//! /// Sends "ping" to port 5683 every 100 ms until the echo comes back.
//! struct Pinger { send: bool, next: Option<Instant>, sent: u32, answered: bool }
//!
//! impl Machine<u16> for Pinger {
//!     fn handle_input(&mut self, _now: Instant, _from: u16, datagram: &[u8]) {
//!         if datagram == b"ping" {
//!             self.answered = true;
//!             self.next = None;
//!         }
//!     }
//!     fn handle_timeout(&mut self, now: Instant) {
//!         if self.next.is_some_and(|t| t <= now) {
//!             self.send = true;
//!             self.next = Some(now + Duration::from_millis(100));
//!         }
//!     }
//!     fn poll_transmit(&mut self, _now: Instant, buf: &mut [u8]) -> Option<(usize, u16)> {
//!         if !std::mem::take(&mut self.send) {
//!             return None;
//!         }
//!         buf.get_mut(..4)?.copy_from_slice(b"ping");
//!         self.sent += 1;
//!         Some((4, 5683))
//!     }
//!     fn poll_timeout(&self) -> Option<Instant> {
//!         self.next
//!     }
//! }
//!
//! // Half of all datagrams are lost, either way.
//! let link = Link::new(LinkConfig::lossy(50), 7).with_trace();
//! let pinger = Pinger { send: false, next: Some(Instant::ZERO), sent: 0, answered: false };
//! let mut pair = Pair::new(pinger, 40000, Echo(VecDeque::new()), 5683, link);
//! let steps = pair.drive(10_000)?; // until nothing is due, in flight or scheduled
//! assert!(pair.a.answered && pair.link.lost > 0); // lost pings or echoes were sent again
//! assert_eq!(u64::from(pair.a.sent), pair.link.trace.iter().flatten().filter(|r| r.from == 40000).count() as u64);
//! println!("{steps} steps, {} ms, {} pings, {} datagrams lost", pair.now.as_millis(), pair.a.sent, pair.link.lost);
//! # Ok::<(), coap_codec::sim::Stalled>(())
//! ```

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Debug;
use core::time::Duration;

use crate::time::Instant;

#[cfg(test)]
mod tests;

/// The verbs the simulator drives: the sans-IO contract of a datagram machine (STYLE §5),
/// without events and with the errors left out (`coap_codec`'s endpoint implements it).
pub trait Machine<P> {
    /// A datagram from `from` arrived (the machine's result is not the simulator's business).
    fn handle_input(&mut self, now: Instant, from: P, datagram: &[u8]);
    /// Time passed: fire every deadline at or before `now`. Early or repeated calls are
    /// harmless.
    fn handle_timeout(&mut self, now: Instant);
    /// The next datagram to send, written into `buf`: its length and destination. The
    /// simulator offers 64 KiB.
    fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<(usize, P)>;
    /// When `handle_timeout` is next due.
    fn poll_timeout(&self) -> Option<Instant>;
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

/// How a [`Link`] misbehaves. Each datagram is treated on its own: lost with probability
/// `loss_per_million`; otherwise it arrives after a delay drawn uniformly from `delay` (plus, with
/// probability `reorder_per_million`, an extra delay drawn uniformly from `0..=reorder_extra`),
/// and with probability `duplicate_per_million` a copy arrives too, after its own independent
/// delay. A wide `delay` range reorders by itself; the extra delay makes overtaking common even
/// with a narrow one. Times are whole milliseconds (finer parts of a [`Duration`] are dropped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkConfig {
    /// The delay range `(lo, hi)`, both included (`hi < lo` counts as `hi == lo`).
    pub delay: (Duration, Duration),
    /// Chance per datagram, in millionths, that it is lost (1,000,000: a partition).
    pub loss_per_million: u32,
    /// Chance per delivered datagram, in millionths, that a second copy arrives as well.
    pub duplicate_per_million: u32,
    /// Chance per arriving copy, in millionths, that it is held back by an extra delay.
    pub reorder_per_million: u32,
    /// The largest extra delay of a held-back copy.
    pub reorder_extra: Duration,
}

impl Default for LinkConfig {
    /// 1-20 ms delay; no loss, no duplicates, no extra reordering (`reorder_extra` is 100 ms,
    /// used once `reorder_per_million` is set).
    fn default() -> Self {
        Self {
            delay: (Duration::from_millis(1), Duration::from_millis(20)),
            loss_per_million: 0,
            duplicate_per_million: 0,
            reorder_per_million: 0,
            reorder_extra: Duration::from_millis(100),
        }
    }
}

impl LinkConfig {
    /// The default link losing `loss_percent` % of datagrams (capped at 100).
    pub fn lossy(loss_percent: u32) -> Self {
        Self { loss_per_million: loss_percent.min(100) * 10_000, ..Self::default() }
    }

    /// A perfect link with one fixed delay: nothing lost, duplicated or reordered, so every
    /// arrival time is exactly the send time plus `delay`.
    pub fn fixed(delay: Duration) -> Self {
        Self { delay: (delay, delay), ..Self::default() }
    }

    /// The default link at its worst common case: `loss_percent` % lost, 2 % duplicated, 10 %
    /// held back by up to 100 ms, delay 1-50 ms.
    pub fn hostile(loss_percent: u32) -> Self {
        Self {
            delay: (Duration::from_millis(1), Duration::from_millis(50)),
            duplicate_per_million: 20_000,
            reorder_per_million: 100_000,
            ..Self::lossy(loss_percent)
        }
    }
}

/// What became of one datagram handed to [`Link::send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Lost: it never arrives.
    Lost,
    /// It arrives once, at `at` ([`Link::deliver`] hands it out from then on).
    Delivered {
        /// Its arrival time.
        at: Instant,
    },
    /// It arrives twice: at `at` and, as a copy, at `copy_at` (which may be earlier).
    Duplicated {
        /// The first copy's arrival time.
        at: Instant,
        /// The second copy's arrival time.
        copy_at: Instant,
    },
}

/// One datagram in a [`Link`]'s trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record<P> {
    /// When it was sent (the virtual time `poll_transmit` produced it at).
    pub sent_at: Instant,
    /// Its sender.
    pub from: P,
    /// Its destination.
    pub to: P,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// What became of it.
    pub fate: Fate,
}

/// A simulated datagram network between addresses `P`: every datagram is lost, delayed,
/// duplicated or held back on its own, as its [`LinkConfig`] says, drawing from one seeded
/// [`Rng`]. Delivery order is deterministic: by arrival time, then by send order.
#[derive(Debug, Clone)]
pub struct Link<P> {
    /// How it misbehaves; may be changed between sends (loss 100 % partitions the network).
    pub config: LinkConfig,
    rng: Rng,
    seq: u64,
    in_flight: BTreeMap<(Instant, u64), (P, P, Vec<u8>)>,
    /// Datagrams sent so far.
    pub sent: u64,
    /// Datagrams lost so far.
    pub lost: u64,
    /// Datagrams that got a second copy so far.
    pub duplicated: u64,
    /// Copies handed out by [`Link::deliver`] so far.
    pub delivered: u64,
    /// Every datagram sent, in order, with its fate: `Some` after [`Link::with_trace`].
    pub trace: Option<Vec<Record<P>>>,
}

impl<P: Copy> Link<P> {
    /// A link with `config`, its randomness from `seed`, and no trace.
    pub fn new(config: LinkConfig, seed: u64) -> Self {
        Self {
            config,
            rng: Rng::new(seed),
            seq: 0,
            in_flight: BTreeMap::new(),
            sent: 0,
            lost: 0,
            duplicated: 0,
            delivered: 0,
            trace: None,
        }
    }

    /// The same link, recording every datagram sent from now on in [`Link::trace`].
    pub fn with_trace(mut self) -> Self {
        self.trace = Some(Vec::new());
        self
    }

    /// Sends `bytes` from `from` to `to` at `now`: decides its fate at once.
    pub fn send(&mut self, now: Instant, from: P, to: P, bytes: &[u8]) {
        self.sent += 1;
        let fate = if self.rng.chance(self.config.loss_per_million) {
            self.lost += 1;
            Fate::Lost
        } else {
            let at = self.arrival(now);
            self.schedule(at, from, to, bytes);
            if self.rng.chance(self.config.duplicate_per_million) {
                self.duplicated += 1;
                let copy_at = self.arrival(now);
                self.schedule(copy_at, from, to, bytes);
                Fate::Duplicated { at, copy_at }
            } else {
                Fate::Delivered { at }
            }
        };
        if let Some(trace) = &mut self.trace {
            trace.push(Record { sent_at: now, from, to, bytes: bytes.to_vec(), fate });
        }
    }

    fn arrival(&mut self, now: Instant) -> Instant {
        let (lo, hi) = self.config.delay;
        let span = millis(hi.saturating_sub(lo));
        let mut delay = millis(lo).saturating_add(self.rng.below(span.saturating_add(1)));
        if self.rng.chance(self.config.reorder_per_million) {
            let extra = self.rng.below(millis(self.config.reorder_extra).saturating_add(1));
            delay = delay.saturating_add(extra);
        }
        now + Duration::from_millis(delay)
    }

    fn schedule(&mut self, at: Instant, from: P, to: P, bytes: &[u8]) {
        self.in_flight.insert((at, self.seq), (from, to, bytes.to_vec()));
        self.seq += 1;
    }

    /// The earliest arrival still in flight.
    pub fn next_delivery(&self) -> Option<Instant> {
        self.in_flight.keys().next().map(|&(at, _)| at)
    }

    /// Copies in flight (sent, not lost, not yet delivered).
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// The earliest datagram due by `now` (ties: the one sent first), as `(from, to, bytes)`.
    pub fn deliver(&mut self, now: Instant) -> Option<(P, P, Vec<u8>)> {
        if self.next_delivery()? > now {
            return None;
        }
        let (_, datagram) = self.in_flight.pop_first()?;
        self.delivered += 1;
        Some(datagram)
    }
}

/// `d` in whole milliseconds, saturating.
fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// What one [`Pair::step`] or [`Net::step`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Step {
    /// A datagram was sent or delivered, or the clock moved and timers fired.
    pub progressed: bool,
    /// Nothing is due, nothing is in flight and no machine has a deadline: the run is over.
    pub idle: bool,
    /// The run cannot go on ([`StallReason::DeadlineStuck`], then `progressed` is false) or
    /// has run too long at one instant ([`StallReason::TimeStopped`]). `drive` and `run_until`
    /// stop with [`Stalled`].
    pub stalled: Option<StallReason>,
}

/// Why a simulation gave up instead of hanging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StallReason {
    /// `drive` took its `max_steps` without the machines going idle.
    #[error("the step bound was reached before the machines went idle")]
    StepLimit,
    /// A machine's deadline stayed at or before `now` through 3 `handle_timeout(now)` calls in
    /// a row with nothing sent or delivered in between, so the clock cannot advance (the
    /// machine breaks the contract: `handle_timeout` fires every expired deadline).
    #[error("a deadline stayed in the past after handle_timeout")]
    DeadlineStuck,
    /// More than 100,000 steps sent or delivered datagrams without the clock moving (machines
    /// answering each other forever over a zero-delay link).
    #[error("100,000 steps passed without the clock moving")]
    TimeStopped,
}

/// `drive` or `run_until` gave up: the machines would not settle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("simulation stalled after {steps} steps at {} ms: {reason}", .now.as_millis())]
pub struct Stalled {
    /// Steps taken by the call that gave up.
    pub steps: usize,
    /// The virtual time then.
    pub now: Instant,
    /// Why.
    pub reason: StallReason,
}

/// How many `handle_timeout` calls a deadline may stay in the past through, with nothing sent
/// or delivered in between, before the step reports [`StallReason::DeadlineStuck`].
const STUCK_DEADLINE_STEPS: u32 = 3;
/// How many sending or delivering steps may run at one instant before
/// [`StallReason::TimeStopped`].
const SAME_INSTANT_STEPS: u32 = 100_000;
/// Datagrams taken from one machine per step (the rest wait for the next step, same instant).
const TRANSMITS_PER_STEP: usize = 1 << 16;

/// The machines a driver steps, by index.
trait Nodes<P> {
    fn count(&self) -> usize;
    fn node(&mut self, i: usize) -> Option<(P, &mut dyn Machine<P>)>;
    fn find(&mut self, addr: P) -> Option<&mut dyn Machine<P>>;
}

/// The two machines of a [`Pair`], borrowed.
struct PairNodes<'x, A, B, P> {
    a: &'x mut A,
    a_addr: P,
    b: &'x mut B,
    b_addr: P,
}

impl<A: Machine<P>, B: Machine<P>, P: Copy + Eq> Nodes<P> for PairNodes<'_, A, B, P> {
    fn count(&self) -> usize {
        2
    }
    fn node(&mut self, i: usize) -> Option<(P, &mut dyn Machine<P>)> {
        match i {
            0 => Some((self.a_addr, &mut *self.a)),
            1 => Some((self.b_addr, &mut *self.b)),
            _ => None,
        }
    }
    fn find(&mut self, addr: P) -> Option<&mut dyn Machine<P>> {
        if addr == self.a_addr {
            Some(&mut *self.a)
        } else if addr == self.b_addr {
            Some(&mut *self.b)
        } else {
            None
        }
    }
}

impl<M: Machine<P>, P: Copy + Eq> Nodes<P> for Vec<(P, M)> {
    fn count(&self) -> usize {
        self.len()
    }
    fn node(&mut self, i: usize) -> Option<(P, &mut dyn Machine<P>)> {
        self.get_mut(i).map(|(p, m)| (*p, m as &mut dyn Machine<P>))
    }
    fn find(&mut self, addr: P) -> Option<&mut dyn Machine<P>> {
        self.iter_mut().find(|(p, _)| *p == addr).map(|(_, m)| m as &mut dyn Machine<P>)
    }
}

/// The stepping logic [`Pair`] and [`Net`] share: the transmit buffer and the stall detectors.
#[derive(Debug, Clone)]
struct Engine {
    tx: Vec<u8>,
    overdue: u32,
    instant: Instant,
    at_instant: u32,
}

impl Engine {
    fn new() -> Self {
        Self { tx: vec![0; 1 << 16], overdue: 0, instant: Instant::ZERO, at_instant: 0 }
    }

    /// One step; with `limit`, the clock does not move past it (nothing more happens then).
    fn step<P: Copy + Eq>(
        &mut self,
        nodes: &mut impl Nodes<P>,
        clock: &mut Instant,
        link: &mut Link<P>,
        unroutable: &mut u64,
        limit: Option<Instant>,
    ) -> Step {
        let now = *clock;
        let mut moved = false;
        for i in 0..nodes.count() {
            let Some((from, machine)) = nodes.node(i) else { continue };
            for _ in 0..TRANSMITS_PER_STEP {
                let Some((len, to)) = machine.poll_transmit(now, &mut self.tx) else { break };
                let bytes = self.tx.get(..len).unwrap_or(self.tx.as_slice());
                link.send(now, from, to, bytes);
                moved = true;
            }
        }
        while let Some((from, to, bytes)) = link.deliver(now) {
            moved = true;
            match nodes.find(to) {
                Some(machine) => machine.handle_input(now, from, &bytes),
                None => *unroutable += 1,
            }
        }
        if moved {
            self.overdue = 0;
            if now == self.instant {
                self.at_instant = self.at_instant.saturating_add(1);
            } else {
                self.instant = now;
                self.at_instant = 1;
            }
            let stalled = (self.at_instant > SAME_INSTANT_STEPS).then_some(StallReason::TimeStopped);
            return Step { progressed: true, idle: false, stalled };
        }
        // Nothing to send or deliver: advance to the next deadline or arrival.
        let deadline = (0..nodes.count()).filter_map(|i| nodes.node(i).and_then(|(_, m)| m.poll_timeout())).min();
        let Some(next) = deadline.into_iter().chain(link.next_delivery()).min() else {
            return Step { progressed: false, idle: true, stalled: None };
        };
        if limit.is_some_and(|limit| next > limit) {
            return Step::default();
        }
        if next <= now {
            self.overdue = self.overdue.saturating_add(1);
        } else {
            self.overdue = 0;
        }
        let now = now.max(next);
        *clock = now;
        for i in 0..nodes.count() {
            if let Some((_, machine)) = nodes.node(i) {
                if machine.poll_timeout().is_some_and(|t| t <= now) {
                    machine.handle_timeout(now);
                }
            }
        }
        if self.overdue > STUCK_DEADLINE_STEPS {
            return Step { progressed: false, idle: false, stalled: Some(StallReason::DeadlineStuck) };
        }
        Step { progressed: true, idle: false, stalled: None }
    }
}

/// [`Pair`] and [`Net`] as `drive` and `run_until` see them.
trait Driven {
    fn step_limited(&mut self, limit: Option<Instant>) -> Step;
    fn clock(&mut self) -> &mut Instant;

    fn drive_impl(&mut self, max_steps: usize) -> Result<usize, Stalled> {
        for steps in 1..=max_steps {
            let st = self.step_limited(None);
            if st.idle {
                return Ok(steps);
            }
            if let Some(reason) = st.stalled {
                return Err(Stalled { steps, now: *self.clock(), reason });
            }
        }
        Err(Stalled { steps: max_steps, now: *self.clock(), reason: StallReason::StepLimit })
    }

    fn run_until_impl(&mut self, t: Instant) -> Result<usize, Stalled> {
        let mut steps = 0;
        loop {
            let st = self.step_limited(Some(t));
            steps += 1;
            if let Some(reason) = st.stalled {
                return Err(Stalled { steps, now: *self.clock(), reason });
            }
            if !st.progressed {
                let clock = self.clock();
                *clock = (*clock).max(t);
                return Ok(steps);
            }
        }
    }
}

/// Two machines at addresses `a_addr` and `b_addr` over a [`Link`], with a virtual clock.
/// Between steps, the test polls each machine's events and issues commands through the public
/// fields.
///
/// A datagram to an address that is neither is carried by the link (and traced) like any other,
/// then dropped on arrival and counted in `unroutable`. If `a_addr == b_addr`, `a` gets it.
#[derive(Debug, Clone)]
pub struct Pair<A, B, P> {
    /// The first machine (usually the client).
    pub a: A,
    /// `a`'s address.
    pub a_addr: P,
    /// The second machine (usually the server).
    pub b: B,
    /// `b`'s address.
    pub b_addr: P,
    /// The virtual clock.
    pub now: Instant,
    /// The network between them.
    pub link: Link<P>,
    /// Datagrams that arrived for an address that is neither `a_addr` nor `b_addr`.
    pub unroutable: u64,
    engine: Engine,
}

impl<A: Machine<P>, B: Machine<P>, P: Copy + Eq + Debug> Pair<A, B, P> {
    /// A pair at time zero.
    pub fn new(a: A, a_addr: P, b: B, b_addr: P, link: Link<P>) -> Self {
        Self { a, a_addr, b, b_addr, now: Instant::ZERO, link, unroutable: 0, engine: Engine::new() }
    }

    /// One step: send what both machines have (`poll_transmit` until `None`), deliver every
    /// datagram due at `now`, and when none of that happened, advance the clock to the earliest
    /// deadline or arrival and call `handle_timeout` on each machine whose deadline has come.
    pub fn step(&mut self) -> Step {
        self.step_limited(None)
    }

    /// Steps until idle (the number of steps, the idle one included).
    ///
    /// # Errors
    /// [`Stalled`] after `max_steps` steps, or earlier when a deadline is stuck in the past or
    /// the clock stops.
    pub fn drive(&mut self, max_steps: usize) -> Result<usize, Stalled> {
        self.drive_impl(max_steps)
    }

    /// Steps through everything due at or before `t`, then sets the clock to `t` (if it is
    /// not past it already); deadlines and arrivals after `t` wait. Returns the steps taken.
    ///
    /// # Errors
    /// [`Stalled`] when a deadline is stuck in the past or the clock stops.
    pub fn run_until(&mut self, t: Instant) -> Result<usize, Stalled> {
        self.run_until_impl(t)
    }
}

impl<A: Machine<P>, B: Machine<P>, P: Copy + Eq + Debug> Driven for Pair<A, B, P> {
    fn step_limited(&mut self, limit: Option<Instant>) -> Step {
        let mut nodes = PairNodes { a: &mut self.a, a_addr: self.a_addr, b: &mut self.b, b_addr: self.b_addr };
        self.engine.step(&mut nodes, &mut self.now, &mut self.link, &mut self.unroutable, limit)
    }
    fn clock(&mut self) -> &mut Instant {
        &mut self.now
    }
}

/// Many machines of one type (one server and its clients; an enum when the types differ), each
/// at its address, sharing one [`Link`] and one virtual clock. Steps like [`Pair`]: nodes
/// transmit in `nodes` order; a datagram goes to the first node with its address (a linear
/// search), or is counted in `unroutable`.
#[derive(Debug, Clone)]
pub struct Net<M, P> {
    /// The machines and their addresses.
    pub nodes: Vec<(P, M)>,
    /// The virtual clock.
    pub now: Instant,
    /// The network between them.
    pub link: Link<P>,
    /// Datagrams that arrived for an address no node has.
    pub unroutable: u64,
    engine: Engine,
}

impl<M: Machine<P>, P: Copy + Eq + Debug> Net<M, P> {
    /// A network of `nodes` at time zero.
    pub fn new(nodes: Vec<(P, M)>, link: Link<P>) -> Self {
        Self { nodes, now: Instant::ZERO, link, unroutable: 0, engine: Engine::new() }
    }

    /// The machine at `addr` (the first, if several share it).
    pub fn node(&mut self, addr: P) -> Option<&mut M> {
        self.nodes.iter_mut().find(|(p, _)| *p == addr).map(|(_, m)| m)
    }

    /// One step, as [`Pair::step`], over every node.
    pub fn step(&mut self) -> Step {
        self.step_limited(None)
    }

    /// Steps until idle, as [`Pair::drive`].
    ///
    /// # Errors
    /// [`Stalled`], as [`Pair::drive`].
    pub fn drive(&mut self, max_steps: usize) -> Result<usize, Stalled> {
        self.drive_impl(max_steps)
    }

    /// Steps through everything due at or before `t`, as [`Pair::run_until`].
    ///
    /// # Errors
    /// [`Stalled`], as [`Pair::run_until`].
    pub fn run_until(&mut self, t: Instant) -> Result<usize, Stalled> {
        self.run_until_impl(t)
    }
}

impl<M: Machine<P>, P: Copy + Eq + Debug> Driven for Net<M, P> {
    fn step_limited(&mut self, limit: Option<Instant>) -> Step {
        self.engine.step(&mut self.nodes, &mut self.now, &mut self.link, &mut self.unroutable, limit)
    }
    fn clock(&mut self) -> &mut Instant {
        &mut self.now
    }
}

impl<P: Copy + Eq + core::hash::Hash, S: crate::endpoint::Storage<P>> Machine<P> for crate::endpoint::Endpoint<P, S> {
    fn handle_input(&mut self, now: Instant, from: P, datagram: &[u8]) {
        // Discarded datagrams are the endpoint's business; tests read its events.
        let _ = crate::endpoint::Endpoint::handle_input(self, now, from, datagram);
    }
    fn handle_timeout(&mut self, now: Instant) {
        crate::endpoint::Endpoint::handle_timeout(self, now);
    }
    fn poll_transmit(&mut self, now: Instant, buf: &mut [u8]) -> Option<(usize, P)> {
        crate::endpoint::Endpoint::poll_transmit(self, now, buf).ok().flatten().map(|t| (t.len, t.to))
    }
    fn poll_timeout(&self) -> Option<Instant> {
        crate::endpoint::Endpoint::poll_timeout(self)
    }
}
