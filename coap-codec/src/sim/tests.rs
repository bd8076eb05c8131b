#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing, clippy::panic)]

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use super::*;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn at(n: u64) -> Instant {
    Instant::from_millis(n)
}

/// Sends `n` datagrams, one every `every` ms, each carrying its index, and drains the link as it
/// goes: the indices in delivery order.
fn run_link(link: &mut Link<u16>, n: u32, every: u64) -> Vec<u32> {
    let mut out = Vec::new();
    let mut now = Instant::ZERO;
    let drain = |link: &mut Link<u16>, now: Instant, out: &mut Vec<u32>| {
        while let Some((from, to, bytes)) = link.deliver(now) {
            assert_eq!((from, to), (1, 2));
            out.push(u32::from_be_bytes(bytes[..].try_into().unwrap()));
        }
    };
    for i in 0..n {
        drain(link, now, &mut out);
        link.send(now, 1, 2, &i.to_be_bytes());
        now += ms(every);
    }
    drain(link, Instant::from_millis(u64::MAX), &mut out);
    assert_eq!(link.in_flight(), 0);
    out
}

fn reordered(order: &[u32]) -> usize {
    order.windows(2).filter(|w| w[1] < w[0]).count()
}

#[test]
fn rng_same_seed_same_stream_and_ranges_hold() {
    let (mut x, mut y, mut z) = (Rng::new(5), Rng::new(5), Rng::new(6));
    let xs: Vec<u64> = (0..100).map(|_| x.next_u64()).collect();
    let ys: Vec<u64> = (0..100).map(|_| y.next_u64()).collect();
    let zs: Vec<u64> = (0..100).map(|_| z.next_u64()).collect();
    assert_eq!(xs, ys);
    assert_ne!(xs, zs);
    let mut r = Rng::new(0);
    assert_ne!(r.next_u64(), 0, "seed 0 is usable");
    assert_eq!(r.below(0), 0);
    assert!((0..10_000).all(|_| r.below(7) < 7));
    assert!((0..10_000).all(|_| !r.chance(0) && r.chance(1_000_000)));
}

#[test]
fn same_seed_same_delivery_sequence() {
    let config = LinkConfig { duplicate_per_million: 50_000, ..LinkConfig::hostile(10) };
    let first = run_link(&mut Link::new(config, 42), 5_000, 3);
    let again = run_link(&mut Link::new(config, 42), 5_000, 3);
    let other = run_link(&mut Link::new(config, 43), 5_000, 3);
    assert_eq!(first, again);
    assert_ne!(first, other);
    // And the traces agree to the millisecond.
    let mut t1 = Link::new(config, 9).with_trace();
    let mut t2 = Link::new(config, 9).with_trace();
    run_link(&mut t1, 1_000, 1);
    run_link(&mut t2, 1_000, 1);
    assert_eq!(t1.trace, t2.trace);
    assert_eq!(t1.trace.as_ref().map(Vec::len), Some(1_000));
}

#[test]
fn loss_rate_is_near_the_configured_one() {
    let mut link = Link::new(LinkConfig::lossy(10), 1);
    let got = run_link(&mut link, 100_000, 1);
    assert_eq!(link.sent, 100_000);
    // 10 % of 100,000: sigma is about 95, so +-500 is over 5 sigma.
    assert!((9_500..=10_500).contains(&link.lost), "lost {}", link.lost);
    assert_eq!(link.delivered, link.sent - link.lost);
    assert_eq!(got.len() as u64, link.delivered);
    assert_eq!(link.duplicated, 0);
    // Nothing lost without loss, everything with 100 %.
    let mut clean = Link::new(LinkConfig::default(), 1);
    assert_eq!(run_link(&mut clean, 10_000, 1).len(), 10_000);
    let mut cut = Link::new(LinkConfig::lossy(100), 1);
    assert!(run_link(&mut cut, 10_000, 1).is_empty());
    assert_eq!(cut.lost, 10_000);
}

#[test]
fn duplicates_appear_with_their_own_delay() {
    let config = LinkConfig { duplicate_per_million: 50_000, delay: (ms(1), ms(100)), ..LinkConfig::default() };
    let mut link = Link::new(config, 3).with_trace();
    let got = run_link(&mut link, 100_000, 1);
    assert!((4_500..=5_500).contains(&link.duplicated), "duplicated {}", link.duplicated);
    assert_eq!(got.len() as u64, link.sent + link.duplicated);
    let mut seen = vec![0u32; 100_000];
    got.iter().for_each(|&i| seen[i as usize] += 1);
    assert_eq!(seen.iter().filter(|&&c| c == 2).count() as u64, link.duplicated);
    assert!(seen.iter().all(|&c| c == 1 || c == 2));
    // Each copy drew its own delay: most pairs arrive at different times.
    let trace = link.trace.as_ref().unwrap();
    let dups: Vec<(Instant, Instant)> = trace
        .iter()
        .filter_map(|r| match r.fate {
            Fate::Duplicated { at, copy_at } => Some((at, copy_at)),
            _ => None,
        })
        .collect();
    assert_eq!(dups.len() as u64, link.duplicated);
    assert!(dups.iter().filter(|(a, b)| a != b).count() > dups.len() * 9 / 10);
    assert!(dups.iter().any(|(a, b)| b < a), "a copy can arrive first");
}

#[test]
fn wide_delay_range_reorders_and_zero_width_never_does() {
    let wide = LinkConfig { delay: (ms(1), ms(200)), ..LinkConfig::default() };
    assert!(reordered(&run_link(&mut Link::new(wide, 4), 10_000, 1)) > 1_000);
    // Zero width, no extra delay: the send order, whatever the spacing, ties included.
    for every in [0, 1, 5] {
        let fixed = LinkConfig { loss_per_million: 200_000, ..LinkConfig::fixed(ms(10)) };
        let order = run_link(&mut Link::new(fixed, 4), 10_000, every);
        assert!(order.len() > 7_000);
        assert_eq!(reordered(&order), 0, "every {every} ms");
    }
    // Zero width, duplicates on: copies come right after their original, still in order.
    let dup = LinkConfig { duplicate_per_million: 300_000, ..LinkConfig::fixed(ms(10)) };
    let order = run_link(&mut Link::new(dup, 4), 10_000, 1);
    assert!(order.windows(2).all(|w| w[0] <= w[1]));
    // A narrow range plus held-back datagrams: overtaking is common.
    let held = LinkConfig { reorder_per_million: 100_000, ..LinkConfig::fixed(ms(10)) };
    let order = run_link(&mut Link::new(held, 4), 10_000, 1);
    assert!(reordered(&order) > 500, "{}", reordered(&order));
}

#[test]
fn trace_records_exact_send_and_arrival_times() {
    let mut link = Link::new(LinkConfig::fixed(ms(25)), 0).with_trace();
    link.send(at(1_000), 1, 2, b"a");
    link.send(at(1_000), 2, 1, b"b");
    link.send(at(3_500), 1, 2, b"c");
    assert_eq!(link.next_delivery(), Some(at(1_025)));
    assert_eq!(link.deliver(at(1_024)), None);
    assert_eq!(link.deliver(at(1_025)), Some((1, 2, b"a".to_vec())));
    assert_eq!(link.deliver(at(1_025)), Some((2, 1, b"b".to_vec())));
    assert_eq!(link.deliver(at(2_000)), None);
    let trace = link.trace.as_ref().unwrap();
    let times: Vec<(u64, Fate)> = trace.iter().map(|r| (r.sent_at.as_millis(), r.fate)).collect();
    assert_eq!(
        times,
        vec![
            (1_000, Fate::Delivered { at: at(1_025) }),
            (1_000, Fate::Delivered { at: at(1_025) }),
            (3_500, Fate::Delivered { at: at(3_525) }),
        ]
    );
    assert_eq!(trace[2].bytes, b"c");
    assert_eq!((link.sent, link.delivered, link.in_flight()), (3, 2, 1));
}

/// Echoes each datagram back until its budget runs out; counts what it saw and its timeouts.
#[derive(Debug, Default)]
struct Echo {
    budget: u32,
    out: VecDeque<(u16, Vec<u8>)>,
    received: u32,
    timeouts: u32,
}

impl Echo {
    fn new(budget: u32) -> Self {
        Self { budget, ..Self::default() }
    }
}

impl Machine<u16> for Echo {
    fn handle_input(&mut self, _now: Instant, from: u16, datagram: &[u8]) {
        self.received += 1;
        if self.budget > 0 {
            self.budget -= 1;
            self.out.push_back((from, datagram.to_vec()));
        }
    }
    fn handle_timeout(&mut self, _now: Instant) {
        self.timeouts += 1;
    }
    fn poll_transmit(&mut self, _now: Instant, buf: &mut [u8]) -> Option<(usize, u16)> {
        let (to, d) = self.out.pop_front()?;
        buf[..d.len()].copy_from_slice(&d);
        Some((d.len(), to))
    }
    fn poll_timeout(&self) -> Option<Instant> {
        None
    }
}

#[test]
fn pair_drive_with_echo_limited_machines_terminates() {
    let mut a = Echo::new(100);
    a.out.push_back((2, b"hello".to_vec()));
    let mut pair = Pair::new(a, 1, Echo::new(100), 2, Link::new(LinkConfig::default(), 11));
    let steps = pair.drive(10_000).unwrap();
    assert!(steps > 200);
    // 1 + 100 from a, 100 from b: 201 datagrams, a hears the last one.
    assert_eq!((pair.link.sent, pair.a.received, pair.b.received), (201, 100, 101));
    assert_eq!((pair.a.budget, pair.b.budget), (0, 0));
    assert_eq!(pair.link.in_flight(), 0);
    assert!(pair.step().idle, "idle stays idle");
    // Over a lossy, duplicating link it also ends, with the counters adding up.
    let mut a = Echo::new(1_000);
    a.out.extend((0..50).map(|i| (2, vec![i])));
    let link = Link::new(LinkConfig { duplicate_per_million: 50_000, ..LinkConfig::hostile(20) }, 12);
    let mut pair = Pair::new(a, 1, Echo::new(1_000), 2, link);
    pair.drive(100_000).unwrap();
    let l = &pair.link;
    assert_eq!(l.delivered, l.sent - l.lost + l.duplicated);
    assert_eq!(u64::from(pair.a.received + pair.b.received), l.delivered);
}

/// Retransmits on a doubling timer (2 s, 4 s, 8 s), as a CoAP CON without an answer.
#[derive(Debug)]
struct Retransmitter {
    next: Option<Instant>,
    timeout: Duration,
    left: u32,
    send: bool,
    fired_at: Vec<Instant>,
}

impl Machine<u16> for Retransmitter {
    fn handle_input(&mut self, _now: Instant, _from: u16, _datagram: &[u8]) {
        self.next = None;
    }
    fn handle_timeout(&mut self, now: Instant) {
        let Some(t) = self.next else { return };
        if t > now {
            return;
        }
        self.fired_at.push(now);
        if self.left == 0 {
            self.next = None;
            return;
        }
        self.left -= 1;
        self.send = true;
        self.timeout *= 2;
        self.next = Some(now + self.timeout);
    }
    fn poll_transmit(&mut self, _now: Instant, buf: &mut [u8]) -> Option<(usize, u16)> {
        if !core::mem::take(&mut self.send) {
            return None;
        }
        buf[0] = 0x40;
        Some((1, 2))
    }
    fn poll_timeout(&self) -> Option<Instant> {
        self.next
    }
}

#[test]
fn timers_fire_exactly_at_their_deadlines_and_sends_are_traced_then() {
    let r = Retransmitter { next: Some(Instant::ZERO), timeout: ms(1_000), left: 4, send: false, fired_at: vec![] };
    let mut pair = Pair::new(r, 1, Echo::new(0), 2, Link::new(LinkConfig::lossy(100), 0).with_trace());
    pair.drive(1_000).unwrap();
    let sent: Vec<u64> = pair.link.trace.iter().flatten().map(|r| r.sent_at.as_millis()).collect();
    assert_eq!(sent, vec![0, 2_000, 6_000, 14_000]);
    assert_eq!(pair.a.fired_at, vec![at(0), at(2_000), at(6_000), at(14_000), at(30_000)]);
    assert_eq!(pair.now, at(30_000));
    assert_eq!(pair.b.timeouts, 0, "b has no deadline, so it is never woken");
}

#[test]
fn run_until_stops_at_the_time_and_leaves_later_work() {
    let r = Retransmitter { next: Some(Instant::ZERO), timeout: ms(1_000), left: 4, send: false, fired_at: vec![] };
    let mut pair = Pair::new(r, 1, Echo::new(0), 2, Link::new(LinkConfig::fixed(ms(10)), 0));
    pair.run_until(at(5_000)).unwrap();
    assert_eq!(pair.now, at(5_000));
    assert_eq!(pair.a.fired_at, vec![at(0), at(2_000)]);
    assert_eq!((pair.link.sent, pair.b.received), (2, 2));
    // An earlier time does nothing and leaves the clock alone.
    pair.run_until(at(100)).unwrap();
    assert_eq!(pair.now, at(5_000));
    pair.run_until(at(6_005)).unwrap();
    assert_eq!((pair.now, pair.link.sent, pair.b.received, pair.link.in_flight()), (at(6_005), 3, 2, 1));
    // Idle with nothing due: the clock still moves to the time asked for.
    pair.drive(100).unwrap();
    assert_eq!(pair.now, at(30_000));
    pair.run_until(at(90_000)).unwrap();
    assert_eq!(pair.now, at(90_000));
}

/// A machine that never moves its deadline off `at`.
#[derive(Debug)]
struct Stuck {
    at: Instant,
    timeouts: u32,
}

impl Machine<u16> for Stuck {
    fn handle_input(&mut self, _now: Instant, _from: u16, _datagram: &[u8]) {}
    fn handle_timeout(&mut self, _now: Instant) {
        self.timeouts += 1;
    }
    fn poll_transmit(&mut self, _now: Instant, _buf: &mut [u8]) -> Option<(usize, u16)> {
        None
    }
    fn poll_timeout(&self) -> Option<Instant> {
        Some(self.at)
    }
}

#[test]
fn a_deadline_that_never_advances_stalls_instead_of_hanging() {
    let mut pair =
        Pair::new(Stuck { at: at(50), timeouts: 0 }, 1, Echo::new(10), 2, Link::new(LinkConfig::default(), 0));
    let err = pair.drive(1_000_000).unwrap_err();
    assert_eq!(err.reason, StallReason::DeadlineStuck);
    assert!(err.steps < 10, "{err}");
    assert_eq!(err.now, at(50));
    assert!(pair.a.timeouts <= 5);
    let st = pair.step();
    assert!(!st.progressed && !st.idle && st.stalled == Some(StallReason::DeadlineStuck));
    assert_eq!(pair.run_until(at(1_000)).unwrap_err().reason, StallReason::DeadlineStuck);
    // A deadline set in the past once (by a command at an older `now`) is fine: fired once.
    let r = Retransmitter { next: Some(Instant::ZERO), timeout: ms(1_000), left: 1, send: false, fired_at: vec![] };
    let mut pair = Pair::new(r, 1, Echo::new(0), 2, Link::new(LinkConfig::default(), 0));
    pair.now = at(700);
    pair.drive(100).unwrap();
    assert_eq!(pair.a.fired_at, vec![at(700), at(2_700)]);
}

#[test]
fn endless_traffic_stops_at_the_bound_or_when_time_stands_still() {
    let mut a = Echo::new(u32::MAX);
    a.out.push_back((2, b"x".to_vec()));
    let mut pair = Pair::new(a, 1, Echo::new(u32::MAX), 2, Link::new(LinkConfig::default(), 0));
    let err = pair.drive(1_000).unwrap_err();
    assert_eq!((err.steps, err.reason), (1_000, StallReason::StepLimit));
    // Over a zero-delay link, ping-pong never moves the clock.
    let mut a = Echo::new(u32::MAX);
    a.out.push_back((2, b"x".to_vec()));
    let mut pair = Pair::new(a, 1, Echo::new(u32::MAX), 2, Link::new(LinkConfig::fixed(Duration::ZERO), 0));
    let err = pair.drive(1_000_000).unwrap_err();
    assert_eq!((err.reason, err.now), (StallReason::TimeStopped, Instant::ZERO));
    assert_eq!(pair.run_until(at(10)).unwrap_err().reason, StallReason::TimeStopped);
}

#[test]
fn net_serves_many_clients_and_counts_unroutable_datagrams() {
    let mut nodes = vec![(100u16, Echo::new(1_000))];
    for c in 1..=20u16 {
        let mut client = Echo::new(0);
        client.out.push_back((100, c.to_be_bytes().to_vec()));
        nodes.push((c, client));
    }
    nodes[5].1.out.push_back((999, b"nobody".to_vec()));
    let mut net = Net::new(nodes, Link::new(LinkConfig::hostile(0), 5).with_trace());
    net.drive(10_000).unwrap();
    assert_eq!(net.unroutable, 1);
    assert!(net.link.duplicated > 0);
    // Every node heard exactly the copies the trace says reached its address.
    let copies = |net: &Net<Echo, u16>, to: u16| -> u32 {
        let trace = net.link.trace.iter().flatten().filter(|r| r.to == to);
        trace
            .map(|r| match r.fate {
                Fate::Lost => 0,
                Fate::Delivered { .. } => 1,
                Fate::Duplicated { .. } => 2,
            })
            .sum()
    };
    for addr in [100].into_iter().chain(1..=20u16) {
        let heard = copies(&net, addr);
        assert_eq!(net.node(addr).unwrap().received, heard, "node {addr}");
        assert!(heard >= if addr == 100 { 20 } else { 1 });
    }
    assert_eq!(copies(&net, 999), 1);
    assert!(net.node(999).is_none());
    // run_until on a net with nothing to do just moves the clock.
    net.run_until(at(1_000_000)).unwrap();
    assert_eq!(net.now, at(1_000_000));
}

#[test]
fn pair_and_net_runs_replay_from_the_seed() {
    let run = |seed: u64| {
        let mut a = Echo::new(500);
        a.out.extend((0..20u8).map(|i| (2, vec![i; 30])));
        let link = Link::new(LinkConfig::hostile(15), seed).with_trace();
        let mut pair = Pair::new(a, 1, Echo::new(500), 2, link);
        let steps = pair.drive(1_000_000).unwrap();
        (steps, pair.now, pair.link.trace)
    };
    assert_eq!(run(77), run(77));
    assert_ne!(run(77).2, run(78).2);
}
