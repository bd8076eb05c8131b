//! Every assumption of the simulation, with its default, and the four reconnect policies.

use core::fmt;

/// The simulation's parameters. Each is printed next to what it feeds (see `report`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Params {
    /// Devices in the fleet.
    pub devices: u32,
    /// Seed of every random choice (link delays, jitter, full-jitter delays).
    pub seed: u64,
    /// How long the broker is away, in ms.
    pub outage_ms: u64,
    /// CONNECTs per second the broker front admits (a token bucket); more get a CONNACK refusal.
    pub accept_rate: u32,
    /// The token bucket's depth: CONNECTs admitted at once after a quiet spell.
    pub accept_burst: u32,
    /// Each device's round-trip time is drawn uniformly from this range, in ms.
    pub rtt_ms: (u32, u32),
    /// Each packet's one-way delay adds up to this much, in ms (uniform, per packet).
    pub jitter_ms: u32,
    /// The fixed policy's delay, in ms.
    pub fixed_delay_ms: u64,
    /// The back-off policies' base and cap, in ms (`Backoff::new(base, cap)`).
    pub backoff_ms: (u64, u64),
    /// How long after the broker's return the run may go on before it gives up, in ms.
    pub limit_ms: u64,
    /// Bytes of each broker connection's store (`broker::Config::connection_store_bytes`).
    pub connection_store: usize,
    /// How often the broker's `handle_timeout` runs, in ms (nothing in it is due: no keep-alive,
    /// no wills, sessions expire after a day).
    pub broker_tick_ms: u64,
    /// Run the resets of attempts made during the outage inline instead of as events on the
    /// wheel (the same counts with far fewer events; see `sim`). `false` runs every one through
    /// the wheel, to check that.
    pub inline_outage: bool,
}

impl Params {
    /// The defaults for a fleet of `devices`.
    pub fn new(devices: u32) -> Self {
        Self {
            devices,
            seed: 1,
            outage_ms: 30_000,
            accept_rate: 10_000,
            accept_burst: 1_000,
            rtt_ms: (20, 50),
            jitter_ms: 5,
            fixed_delay_ms: 1_000,
            backoff_ms: (1_000, 60_000),
            limit_ms: 600_000,
            connection_store: 1024,
            broker_tick_ms: 10_000,
            inline_outage: true,
        }
    }

    /// The warm-up: device `i` first connects at `i * 1000 / (accept_rate / 2)` ms (half the
    /// accept rate, so none is refused).
    pub fn warmup_ms(&self) -> u64 {
        u64::from(self.devices) * 1000 / u64::from((self.accept_rate / 2).max(1))
    }

    /// When the broker goes away: 5 s after the warm-up, on a whole second.
    pub fn outage_at_ms(&self) -> u64 {
        (self.warmup_ms() / 1000 + 5) * 1000
    }

    /// When the broker is back.
    pub fn return_at_ms(&self) -> u64 {
        self.outage_at_ms() + self.outage_ms
    }
}

/// What a device does after a failed attempt (a TCP reset, a CONNACK refusal) or a lost
/// connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Policy {
    /// Retry at once.
    None,
    /// Wait a constant delay.
    Fixed,
    /// Wait `min(cap, base * 2^n)`: `Backoff`'s ceiling, no jitter.
    Exponential,
    /// Wait a uniformly random time in `[0, min(cap, base * 2^n)]`: `Backoff` as made.
    FullJitter,
}

impl Policy {
    /// The four, in the order reported.
    pub const ALL: [Self; 4] = [Self::None, Self::Fixed, Self::Exponential, Self::FullJitter];

    /// The name on the command line.
    pub const fn key(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Fixed => "fixed",
            Self::Exponential => "exponential",
            Self::FullJitter => "full-jitter",
        }
    }

    /// The policy named `key`.
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }
}

impl fmt::Display for Policy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::None => "none (retry at once)",
            Self::Fixed => "fixed delay",
            Self::Exponential => "exponential back-off",
            Self::FullJitter => "exponential back-off, full jitter",
        })
    }
}
