//! The simulation: a fleet of [`Client`]s, simulated links, a broker front with an accept-rate
//! cap, and the broker core, on a virtual clock (a [`Wheel`] of 1 ms slots).
//!
//! One attempt, as the sim runs it (each arrow a link delay, half the device's RTT plus jitter):
//! the device sends SYN; if the broker is away when it arrives, a reset comes back after the
//! RTT (a failure); otherwise the SYN-ACK does, the device calls `connect` and writes CONNECT;
//! the front takes a token and hands the CONNECT to `Broker::handle_input` (whose CONNACK goes
//! back), or, with the bucket empty, answers CONNACK 3 Server unavailable itself (MQTT 3.1.1
//! §3.2.2.3; 0x89 Server busy under 5.0) without the core (a refusal). The device's `Client`
//! reports `Connected` (a success) or `Closed { Refused }`.

use core::time::Duration;

use mqtt_codec::broker::{self, Broker, BrokerEvent};
use mqtt_codec::client::{Backoff, Client, CloseReason, Config, Event};
use mqtt_codec::server;
use mqtt_codec::time::Instant;
use mqtt_codec::wire::{decode_packet, ConnAck, Connect, DecodeOptions, Packet, Protocol, ReasonCode, Status, Version};

use super::meter;
use super::params::{Params, Policy};
use super::rng::Rng;
use super::wheel::Wheel;

/// Bytes of each device's client store: 64 inbound, 64 for CONNECT, 64 of outbound records, the
/// rest for messages (none are sent here).
pub const CLIENT_STORE: usize = 256;

/// The device's client: a 256-byte store, 2 message slots, no topic aliases.
pub type DeviceClient = Client<[u8; CLIENT_STORE], 2, 0>;

/// The largest frame a link carries in one event (a CONNECT with a 10-byte client id is 24).
const FRAME: usize = 46;

/// Bytes on their way over a link.
#[derive(Debug, Clone, Copy)]
struct Frame {
    len: u8,
    bytes: [u8; FRAME],
}

impl Frame {
    fn new(b: &[u8]) -> Option<Self> {
        let mut bytes = [0u8; FRAME];
        bytes.get_mut(..b.len())?.copy_from_slice(b);
        Some(Self { len: b.len() as u8, bytes })
    }

    fn as_slice(&self) -> &[u8] {
        self.bytes.get(..usize::from(self.len)).unwrap_or(&[])
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    /// The device starts an attempt (sends SYN).
    Attempt,
    /// The SYN-ACK arrives: the transport is open.
    Opened,
    /// A reset arrives: nothing listens.
    Reset,
    /// Bytes arrive at the broker front.
    ToBroker(Frame),
    /// Bytes arrive at the device.
    ToDevice(Frame),
    /// The front closed the transport.
    Closed,
}

/// An event of one device's attempt; `epoch` tells stale ones (of an earlier attempt) apart.
#[derive(Debug, Clone, Copy)]
struct Ev {
    device: u32,
    epoch: u32,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for the policy's delay.
    Waiting,
    /// SYN sent.
    Opening,
    /// Transport open, CONNECT sent.
    Connecting,
    /// CONNACK Success received.
    Connected,
}

struct Device {
    client: DeviceClient,
    backoff: Backoff,
    rng: Rng,
    rtt_ms: u32,
    epoch: u32,
    state: State,
    /// The current attempt started at or after the outage (it is in the counts).
    counted: bool,
    /// The current transport has a connection in the broker core.
    at_core: bool,
    /// The core reported it connected and it has not been lost since.
    core_connected: bool,
    /// When the last frame each way arrives (a stream keeps its order).
    up_last: u64,
    down_last: u64,
}

/// What one policy's run gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The policy.
    pub policy: Policy,
    /// Connection attempts (SYNs) from the outage on.
    pub attempts: u64,
    /// Attempts that ended with CONNACK Success.
    pub successes: u64,
    /// Attempts the front refused with a CONNACK (the accept-rate cap).
    pub refusals: u64,
    /// Attempts that failed otherwise (a reset while the broker was away, a lost transport).
    pub failures: u64,
    /// Attempts still going when the run stopped.
    pub unfinished: u64,
    /// Attempts per second, second by second from the outage.
    pub per_second: Vec<u32>,
    /// ms from the broker's return until every device was connected; `None`: not within the
    /// limit.
    pub all_connected_after_ms: Option<u64>,
    /// Devices connected when the run stopped.
    pub connected_at_end: u32,
    /// The broker core's peak heap bytes over the run (0 without the [`meter::Meter`]).
    pub broker_peak_bytes: usize,
    /// Its heap bytes with the whole fleet connected, just before the outage.
    pub broker_steady_bytes: usize,
    /// Bytes of `Broker::export` taken at the outage, and sessions `import` restored.
    pub export_bytes: usize,
    /// Sessions restored by `Broker::import` when the broker came back.
    pub sessions_imported: usize,
    /// Times the core reported a device connected while it already was (must be 0).
    pub double_connects: u64,
    /// Events the virtual clock ran.
    pub events: u64,
}

impl Outcome {
    /// The highest attempts per second, and the second (from the outage) it happened in.
    pub fn peak(&self) -> (u32, usize) {
        self.per_second.iter().enumerate().fold((0, 0), |best, (i, &n)| if n > best.0 { (n, i) } else { best })
    }
}

struct Sim<'p> {
    p: &'p Params,
    policy: Policy,
    wheel: Wheel<Ev>,
    devices: Vec<Device>,
    broker: Option<Box<Broker<u64>>>,
    link_rng: Rng,
    /// Token bucket in thousandths of a CONNECT.
    tokens: u64,
    tokens_at: u64,
    refusal: [Frame; 2],
    tx: [u8; 256],
    connected: u32,
    out: Outcome,
    saved: Option<Vec<u8>>,
}

/// Runs `policy` with `p`.
///
/// # Errors
/// A message when the library refuses a set-up the sim relies on (a store too small, a
/// CONNECT that does not fit a frame).
pub fn run(p: &Params, policy: Policy) -> Result<Outcome, String> {
    meter::reset();
    let mut sim = Sim::new(p, policy)?;
    sim.run()?;
    sim.broker = None;
    meter::measured(|| drop(sim.saved.take()));
    Ok(sim.out)
}

fn refusal(v: Version, code: ReasonCode) -> Result<Frame, String> {
    let ack = ConnAck::new(code);
    let mut b = [0u8; 8];
    let n = ack.encode(v, &mut b).map_err(|e| e.to_string())?;
    Frame::new(b.get(..n).unwrap_or(&[])).ok_or_else(|| "CONNACK does not fit a frame".to_owned())
}

fn broker_config(p: &Params) -> broker::Config {
    let n = p.devices as usize + 16;
    // A connection holds one idle device: 256 bytes for packets received, 128 for CONNECT, no
    // aliases, no will; the rest of the store for messages sent.
    let conn = server::Config::new().with_store_split(256, 0, 128, 0);
    broker::Config::new().with_max_connections(n).with_max_sessions(n).with_connection(conn, p.connection_store)
}

/// `dev-000042`: the client id, written into `buf` without allocating.
fn client_id(i: u32, buf: &mut [u8; 16]) -> &str {
    use std::io::Write;
    let mut w = &mut buf[..];
    let _ = write!(w, "dev-{i:06}");
    let left = w.len();
    let end = 16 - left;
    core::str::from_utf8(buf.get(..end).unwrap_or(&[])).unwrap_or("dev")
}

impl<'p> Sim<'p> {
    fn new(p: &'p Params, policy: Policy) -> Result<Self, String> {
        let mut seeder = Rng::new(p.seed);
        let (lo, hi) = (p.rtt_ms.0.min(p.rtt_ms.1), p.rtt_ms.0.max(p.rtt_ms.1));
        let config = Config::new(Version::V311).with_store_split(64, 0, 64);
        let base = Duration::from_millis(p.backoff_ms.0);
        let cap = Duration::from_millis(p.backoff_ms.1);
        let mut devices = Vec::with_capacity(p.devices as usize);
        for _ in 0..p.devices {
            let client = Client::new(config, [0u8; CLIENT_STORE]).map_err(|e| e.to_string())?;
            let rtt_ms = lo + seeder.below(u64::from(hi - lo) + 1) as u32;
            devices.push(Device {
                client,
                backoff: Backoff::new(base, cap),
                rng: Rng::new(seeder.next_u64()),
                rtt_ms,
                epoch: 0,
                state: State::Waiting,
                counted: false,
                at_core: false,
                core_connected: false,
                up_last: 0,
                down_last: 0,
            });
        }
        let broker = meter::measured(|| Box::new(Broker::new(broker_config(p))));
        let burst = u64::from(p.accept_burst.max(1)) * 1000;
        Ok(Self {
            p,
            policy,
            wheel: Wheel::new(),
            devices,
            broker: Some(broker),
            link_rng: Rng::new(seeder.next_u64()),
            tokens: burst,
            tokens_at: 0,
            // 3.1.1 §3.2.2.3 return code 3; 5.0 §3.2.2.2 0x89 Server busy.
            refusal: [
                refusal(Version::V311, ReasonCode::ServerUnavailable)?,
                refusal(Version::V5, ReasonCode::ServerBusy)?,
            ],
            tx: [0u8; 256],
            connected: 0,
            out: Outcome {
                policy,
                attempts: 0,
                successes: 0,
                refusals: 0,
                failures: 0,
                unfinished: 0,
                per_second: Vec::new(),
                all_connected_after_ms: None,
                connected_at_end: 0,
                broker_peak_bytes: 0,
                broker_steady_bytes: 0,
                export_bytes: 0,
                sessions_imported: 0,
                double_connects: 0,
                events: 0,
            },
            saved: None,
        })
    }

    fn run(&mut self) -> Result<(), String> {
        // The warm-up (see `Params::warmup_ms`): every device connects once, at half the accept
        // rate, before the outage.
        let rate = u64::from((self.p.accept_rate / 2).max(1));
        for i in 0..self.p.devices {
            self.wheel.schedule(u64::from(i) * 1000 / rate, Ev { device: i, epoch: 0, kind: Kind::Attempt });
        }
        let (t0, back) = (self.p.outage_at_ms(), self.p.return_at_ms());
        let end = back + self.p.limit_ms;
        loop {
            let now = self.wheel.now();
            if now == t0 {
                self.outage(now);
            }
            if now == back {
                self.restart(now)?;
            }
            if now % self.p.broker_tick_ms.max(1) == 0 {
                if let Some(b) = self.broker.as_mut() {
                    meter::measured(|| b.handle_timeout(Instant::from_millis(now)));
                }
            }
            let mut i = 0;
            while let Some(ev) = self.wheel.get(i) {
                i += 1;
                self.handle(now, ev)?;
            }
            self.wheel.advance(i);
            self.out.events += i as u64;
            if now >= back && self.connected == self.p.devices {
                self.out.all_connected_after_ms = Some(now - back);
                break;
            }
            if now >= end {
                break;
            }
        }
        self.out.broker_peak_bytes = meter::peak();
        self.out.connected_at_end = self.connected;
        self.out.unfinished = self
            .devices
            .iter()
            .filter(|d| d.counted && d.state != State::Waiting && d.state != State::Connected)
            .count() as u64;
        Ok(())
    }

    /// One-way delay for `device` now: half its RTT, jitter, and never ahead of the previous
    /// frame the same way.
    fn deliver(&mut self, now: u64, device: u32, up: bool) -> u64 {
        let jitter = self.link_rng.below(u64::from(self.p.jitter_ms) + 1);
        let Some(d) = self.devices.get_mut(device as usize) else { return now };
        let at = now + u64::from(d.rtt_ms / 2) + jitter;
        let last = if up { &mut d.up_last } else { &mut d.down_last };
        *last = (*last).max(at);
        *last
    }

    fn conn_id(device: u32, epoch: u32) -> u64 {
        (u64::from(device) << 32) | u64::from(epoch)
    }

    fn handle(&mut self, now: u64, ev: Ev) -> Result<(), String> {
        let Some(d) = self.devices.get(ev.device as usize) else { return Ok(()) };
        if d.epoch != ev.epoch {
            return Ok(()); // of an attempt that is over
        }
        match ev.kind {
            Kind::Attempt => self.attempt(now, ev),
            Kind::Opened => self.opened(now, ev)?,
            Kind::Reset => self.failed(now, ev.device, Outcomes::Failure),
            Kind::ToBroker(f) => self.at_front(now, ev, &f),
            Kind::ToDevice(f) => self.at_device(now, ev, &f),
            Kind::Closed => self.failed(now, ev.device, Outcomes::Failure),
        }
        Ok(())
    }

    /// Starts an attempt (sends SYN) at `now`.
    ///
    /// An attempt made after the outage began whose SYN arrives while the broker is away fails
    /// after the RTT whatever else happens: the outage is scripted, and a device whose SYN goes
    /// nowhere shares nothing with the rest of the sim. So its reset, and the attempts that
    /// follow as long as they meet the same fate, run here at their own times instead of as
    /// events on the wheel; the first attempt whose SYN can reach a running broker is scheduled
    /// as usual. The counts are the same as through the wheel (every such step touches only the
    /// device and commutative totals); it saves about 2 events per attempt, 170 million of
    /// them for "retry at once" with 100,000 devices and a 30 s outage.
    fn attempt(&mut self, mut now: u64, ev: Ev) {
        let (t0, back) = (self.p.outage_at_ms(), self.p.return_at_ms());
        loop {
            let counting = now >= t0;
            let Some(d) = self.devices.get_mut(ev.device as usize) else { return };
            d.state = State::Opening;
            d.counted = counting;
            let rtt = u64::from(d.rtt_ms);
            if counting {
                self.out.attempts += 1;
                let s = ((now - t0) / 1000) as usize;
                if self.out.per_second.len() <= s {
                    self.out.per_second.resize(s + 1, 0);
                }
                if let Some(c) = self.out.per_second.get_mut(s) {
                    *c += 1;
                }
            }
            // Whether anything listens when the SYN arrives (half an RTT on): the outage is
            // scripted, so the front's answer is known now; it arrives after the full RTT.
            let arrives = now + rtt / 2;
            let away = arrives >= t0 && arrives < back;
            if !(away && counting && self.p.inline_outage) {
                // Before the outage a device still in this attempt fails with every transport
                // at t0 (`outage`), so its reset goes through the wheel and finds it stale.
                // (With `inline_outage` off every reset does.)
                let kind = if away { Kind::Reset } else { Kind::Opened };
                self.wheel.schedule(now + rtt, Ev { kind, epoch: d.epoch, ..ev });
                return;
            }
            let Some(next) = self.fail(now + rtt, ev.device, Outcomes::Failure) else { return };
            let Some(d) = self.devices.get(ev.device as usize) else { return };
            let next_arrives = next + u64::from(d.rtt_ms / 2);
            if next_arrives >= back {
                self.wheel.schedule(next, Ev { epoch: d.epoch, kind: Kind::Attempt, ..ev });
                return;
            }
            now = next;
        }
    }

    fn opened(&mut self, now: u64, ev: Ev) -> Result<(), String> {
        let t = Instant::from_millis(now);
        let Some(d) = self.devices.get_mut(ev.device as usize) else { return Ok(()) };
        let mut id = [0u8; 16];
        let connect = Connect {
            client_id: client_id(ev.device, &mut id),
            // A persistent session (3.1.1 CleanSession = 0): the broker keeps it across the
            // outage through export/import. Keep Alive off: the outage is the only loss.
            clean_start: false,
            keep_alive: 0,
            ..Connect::new(Protocol::Mqtt311)
        };
        d.client.connect(t, &connect).map_err(|e| format!("connect: {e}"))?;
        d.state = State::Connecting;
        // Only CONNECT is queued: one frame.
        let mut frames = [None; 2];
        for slot in &mut frames {
            let Some(tx) = d.client.poll_transmit(t, &mut self.tx).map_err(|e| e.to_string())? else { break };
            *slot = Some(Frame::new(self.tx.get(..tx.len).unwrap_or(&[])).ok_or("CONNECT larger than a frame")?);
        }
        for f in frames.into_iter().flatten() {
            let at = self.deliver(now, ev.device, true);
            self.wheel.schedule(at, Ev { kind: Kind::ToBroker(f), ..ev });
        }
        Ok(())
    }

    /// The broker front: CONNECTs of new connections pass the token bucket or are refused;
    /// everything else goes to the core.
    fn at_front(&mut self, now: u64, ev: Ev, f: &Frame) {
        let t = Instant::from_millis(now);
        let Some(d) = self.devices.get(ev.device as usize) else { return };
        if self.broker.is_none() {
            return;
        }
        let conn = Self::conn_id(ev.device, ev.epoch);
        if !d.at_core {
            // The front reads the first packet of a new connection to answer in its version.
            let version = match decode_packet(f.as_slice(), &DecodeOptions::new(Version::V311)) {
                Ok(Status::Complete { item: Packet::Connect(c), .. }) => c.protocol.version(),
                _ => Version::V311,
            };
            if !self.take_token(now) {
                let refusal = if version == Version::V5 { self.refusal[1] } else { self.refusal[0] };
                let at = self.deliver(now, ev.device, false);
                self.wheel.schedule(at, Ev { kind: Kind::ToDevice(refusal), ..ev });
                return;
            }
            let opened = match self.broker.as_mut() {
                Some(b) => meter::measured(|| b.connection_opened(t, conn)).is_ok(),
                None => false,
            };
            if !opened {
                let at = self.deliver(now, ev.device, false);
                self.wheel.schedule(at, Ev { kind: Kind::Closed, ..ev });
                return;
            }
            if let Some(d) = self.devices.get_mut(ev.device as usize) {
                d.at_core = true;
            }
        }
        if let Some(b) = self.broker.as_mut() {
            let _ = meter::measured(|| b.handle_input(t, conn, f.as_slice()));
        }
        self.flush_broker(now);
    }

    /// A token bucket refilled at `accept_rate` per second, `accept_burst` deep.
    fn take_token(&mut self, now: u64) -> bool {
        let cap = u64::from(self.p.accept_burst.max(1)) * 1000;
        let refill = (now - self.tokens_at) * u64::from(self.p.accept_rate);
        self.tokens = (self.tokens + refill).min(cap);
        self.tokens_at = now;
        if self.tokens >= 1000 {
            self.tokens -= 1000;
            true
        } else {
            false
        }
    }

    /// Everything the core has to write goes onto the links; its events update the books.
    fn flush_broker(&mut self, now: u64) {
        let t = Instant::from_millis(now);
        let mut buf = [0u8; 256];
        loop {
            let Some(b) = self.broker.as_mut() else { return };
            let Ok(Some((conn, tx))) = meter::measured(|| b.poll_transmit(t, &mut buf)) else { break };
            let (device, epoch) = ((conn >> 32) as u32, conn as u32);
            if let Some(f) = Frame::new(buf.get(..tx.len).unwrap_or(&[])) {
                let at = self.deliver(now, device, false);
                self.wheel.schedule(at, Ev { device, epoch, kind: Kind::ToDevice(f) });
            }
        }
        loop {
            let Some(b) = self.broker.as_mut() else { return };
            // The event (and the client id it owns) is dropped inside the measured scope.
            let Some((conn, closed)) = meter::measured(|| {
                b.poll_event().map(|e| match e {
                    BrokerEvent::Connected { conn, .. } => (conn, false),
                    BrokerEvent::Closed { conn, .. } => (conn, true),
                    _ => (0, false),
                })
            }) else {
                break;
            };
            let Some(d) = self.devices.get_mut((conn >> 32) as usize) else { continue };
            if closed {
                // The core ended it (a takeover): the front closes the transport.
                if let Some(b) = self.broker.as_mut() {
                    meter::measured(|| b.connection_lost(t, conn));
                }
                d.at_core = false;
                d.core_connected = false;
                let ev = Ev { device: (conn >> 32) as u32, epoch: conn as u32, kind: Kind::Closed };
                let at = self.deliver(now, ev.device, false);
                self.wheel.schedule(at, ev);
            } else {
                if d.core_connected {
                    self.out.double_connects += 1;
                }
                d.core_connected = true;
            }
        }
    }

    fn at_device(&mut self, now: u64, ev: Ev, f: &Frame) {
        let t = Instant::from_millis(now);
        let Some(d) = self.devices.get_mut(ev.device as usize) else { return };
        let r = d.client.handle_input(t, f.as_slice());
        let mut connected = false;
        while let Some(e) = d.client.poll_event() {
            connected |= matches!(e, Event::Connected { .. });
        }
        match r {
            Ok(_) if connected => {
                d.state = State::Connected;
                d.backoff.reset();
                self.connected += 1;
                if d.counted {
                    self.out.successes += 1;
                }
            }
            Ok(_) => {}
            Err(CloseReason::Refused(_)) => self.failed(now, ev.device, Outcomes::Refusal),
            Err(_) => self.failed(now, ev.device, Outcomes::Failure),
        }
    }

    /// The attempt is over without a connection (or the connection is lost): close the
    /// transport on both sides and wait as the policy says.
    fn failed(&mut self, now: u64, device: u32, how: Outcomes) {
        if let Some(at) = self.fail(now, device, how) {
            let epoch = self.devices.get(device as usize).map_or(0, |d| d.epoch);
            self.wheel.schedule(at, Ev { device, epoch, kind: Kind::Attempt });
        }
    }

    /// [`Self::failed`] without the scheduling: returns when the device's next attempt is due.
    fn fail(&mut self, now: u64, device: u32, how: Outcomes) -> Option<u64> {
        let t = Instant::from_millis(now);
        let policy = self.policy;
        let fixed = self.p.fixed_delay_ms;
        let d = self.devices.get_mut(device as usize)?;
        if d.counted && d.state != State::Connected && d.state != State::Waiting {
            match how {
                Outcomes::Refusal => self.out.refusals += 1,
                Outcomes::Failure => self.out.failures += 1,
            }
        }
        if d.state == State::Connected {
            self.connected -= 1;
        }
        d.client.connection_lost(t);
        while d.client.poll_event().is_some() {}
        if d.at_core {
            let conn = Self::conn_id(device, d.epoch);
            if let Some(b) = self.broker.as_mut() {
                meter::measured(|| b.connection_lost(t, conn));
            }
        }
        d.at_core = false;
        d.core_connected = false;
        d.epoch = d.epoch.wrapping_add(1);
        d.state = State::Waiting;
        let delay = match policy {
            Policy::None => 0,
            Policy::Fixed => fixed,
            // `Backoff` always draws in [0, ceiling]; given the ceiling itself as its random
            // value it returns the ceiling: plain doubling from the same helper.
            Policy::Exponential => {
                let c = d.backoff.ceiling().as_millis() as u64;
                d.backoff.next_delay(c).as_millis() as u64
            }
            Policy::FullJitter => {
                let r = d.rng.next_u64();
                d.backoff.next_delay(r).as_millis() as u64
            }
        };
        Some(now + delay)
    }

    /// The broker goes away: every transport drops at once (devices see it at once), its
    /// sessions are exported and the core is dropped.
    fn outage(&mut self, now: u64) {
        self.out.broker_steady_bytes = meter::live();
        for i in 0..self.p.devices {
            let busy = self.devices.get(i as usize).is_some_and(|d| d.state != State::Waiting);
            if busy {
                self.failed(now, i, Outcomes::Failure);
            }
        }
        if let Some(b) = self.broker.take() {
            let t = Instant::from_millis(now);
            let saved = meter::measured(move || {
                let saved = b.export(t);
                drop(b);
                saved
            });
            self.out.export_bytes = saved.len();
            self.saved = Some(saved);
        }
        // Stale timers of the old core are gone with it.
        self.tokens = u64::from(self.p.accept_burst.max(1)) * 1000;
    }

    /// The broker is back: a fresh core imports the sessions exported at the outage.
    fn restart(&mut self, now: u64) -> Result<(), String> {
        let t = Instant::from_millis(now);
        let saved = self.saved.take().unwrap_or_default();
        let p = self.p;
        let (broker, imported) = meter::measured(move || {
            let mut b = Box::new(Broker::new(broker_config(p)));
            let n = b.import(t, &saved);
            drop(saved);
            (b, n)
        });
        self.out.sessions_imported = imported.map_err(|e| format!("import: {e}"))?;
        self.broker = Some(broker);
        self.tokens = u64::from(self.p.accept_burst.max(1)) * 1000;
        self.tokens_at = now;
        Ok(())
    }
}

#[derive(Debug, Clone, Copy)]
enum Outcomes {
    Refusal,
    Failure,
}
