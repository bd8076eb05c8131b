//! [`DatagramLink`]: datagrams in flight between addresses, lost and delayed by a seeded PRNG.

use core::time::Duration;

use crate::rand::SplitMix64;
use crate::{Address, Instant};

/// The largest datagram the link carries (the sensor's are under 64 bytes).
pub const MTU: usize = 256;
/// Datagrams in flight at most; more are lost (counted in [`DatagramStats::overflowed`]).
pub const IN_FLIGHT: usize = 16;

/// Loss and delay of a [`DatagramLink`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatagramConfig {
    /// Each datagram is lost with this probability, in thousandths.
    pub loss_per_mille: u16,
    /// Delay of each datagram, uniform in `[min_delay, max_delay]` (so they may reorder).
    pub min_delay: Duration,
    /// See `min_delay`.
    pub max_delay: Duration,
}

/// Counters of a [`DatagramLink`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DatagramStats {
    /// Datagrams given to [`DatagramLink::send`].
    pub sent: u32,
    /// Lost at random.
    pub lost: u32,
    /// Lost because the link was down ([`DatagramLink::set_down_until`]).
    pub lost_down: u32,
    /// Lost because [`IN_FLIGHT`] were already in flight or it was over [`MTU`].
    pub overflowed: u32,
    /// Delivered.
    pub delivered: u32,
}

/// One delivered datagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Datagram {
    /// When it arrives.
    pub at: Instant,
    /// Sender.
    pub from: Address,
    /// Receiver.
    pub to: Address,
    len: usize,
    bytes: [u8; MTU],
}

impl Datagram {
    /// Its bytes.
    pub fn bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or(&[])
    }
}

/// A fixed-capacity datagram network: [`send`](Self::send) decides loss and delay at once,
/// [`recv`](Self::recv) hands out what has arrived, earliest first.
#[derive(Debug, Clone)]
pub struct DatagramLink {
    config: DatagramConfig,
    rng: SplitMix64,
    slots: [Option<Datagram>; IN_FLIGHT],
    down_until: Instant,
    /// Datagrams to this address are lost until this time (a one-way outage).
    down_to: Option<(Address, Instant)>,
    stats: DatagramStats,
}

impl DatagramLink {
    /// A link with `config`, its losses and delays drawn from `seed`.
    pub const fn new(config: DatagramConfig, seed: u64) -> Self {
        Self {
            config,
            rng: SplitMix64::new(seed),
            slots: [None; IN_FLIGHT],
            down_until: Instant::ZERO,
            down_to: None,
            stats: DatagramStats { sent: 0, lost: 0, lost_down: 0, overflowed: 0, delivered: 0 },
        }
    }

    /// Every datagram sent before `t` is lost (an outage).
    pub fn set_down_until(&mut self, t: Instant) {
        self.down_until = t;
    }

    /// Every datagram to `to` sent before `t` is lost (a one-way outage).
    pub fn set_down_to_until(&mut self, to: Address, t: Instant) {
        self.down_to = Some((to, t));
    }

    /// Counters so far.
    pub fn stats(&self) -> &DatagramStats {
        &self.stats
    }

    /// Sends `bytes` from `from` to `to` at `now`; false when it was lost.
    pub fn send(&mut self, now: Instant, from: Address, to: Address, bytes: &[u8]) -> bool {
        self.stats.sent += 1;
        // Draw both numbers every time, so the loss pattern does not depend on outages.
        let lost = self.rng.chance(self.config.loss_per_mille);
        let span = self.config.max_delay.saturating_sub(self.config.min_delay).as_millis() as u64;
        let delay = self.config.min_delay + Duration::from_millis(self.rng.below(span + 1));
        if now < self.down_until || self.down_to.is_some_and(|(a, t)| a == to && now < t) {
            self.stats.lost_down += 1;
            return false;
        }
        if lost {
            self.stats.lost += 1;
            return false;
        }
        let (Some(slot), true) = (self.slots.iter_mut().find(|s| s.is_none()), bytes.len() <= MTU) else {
            self.stats.overflowed += 1;
            return false;
        };
        let mut d = Datagram { at: now + delay, from, to, len: bytes.len(), bytes: [0; MTU] };
        if let Some(dst) = d.bytes.get_mut(..bytes.len()) {
            dst.copy_from_slice(bytes);
        }
        *slot = Some(d);
        true
    }

    /// The earliest datagram that has arrived by `now`.
    pub fn recv(&mut self, now: Instant) -> Option<Datagram> {
        let i = self
            .slots
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.filter(|d| d.at <= now).map(|d| (d.at, i)))
            .min()
            .map(|(_, i)| i)?;
        let d = self.slots.get_mut(i).and_then(Option::take)?;
        self.stats.delivered += 1;
        Some(d)
    }

    /// When the next datagram arrives.
    pub fn next_delivery(&self) -> Option<Instant> {
        self.slots.iter().flatten().map(|d| d.at).min()
    }
}
