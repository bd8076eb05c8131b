//! Reconnect delays: exponential backoff with full jitter and a cap, from randomness the caller
//! supplies, so that a fleet of devices cut off together does not reconnect together.

use core::time::Duration;

/// The delays between reconnect attempts: attempt `n` (from 0) waits a uniformly random time in
/// `[0, min(cap, base * 2^n)]` ("full jitter"). The machine owns no RNG: each call takes a
/// random `u64` from the caller (a hardware RNG, or a PRNG seeded per device).
///
/// ```
/// use core::time::Duration;
/// use mqtt_codec::client::Backoff;
/// let mut b = Backoff::new(Duration::from_millis(500), Duration::from_secs(60));
/// // Attempt 0 waits up to 500 ms, attempt 1 up to 1 s, then 2 s, ... never more than 60 s.
/// assert!(b.next_delay(0xDEAD_BEEF) <= Duration::from_millis(500));
/// assert!(b.next_delay(0x1234_5678) <= Duration::from_secs(1));
/// assert_eq!(b.attempt(), 2);
/// b.reset(); // connected: the next outage starts again at `base`
/// assert_eq!(b.attempt(), 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backoff {
    base_ms: u64,
    cap_ms: u64,
    attempt: u32,
}

impl Backoff {
    /// Backoff starting at `base` and never above `cap` (a `cap` below `base` caps at `cap`).
    pub const fn new(base: Duration, cap: Duration) -> Self {
        Self { base_ms: base.as_millis() as u64, cap_ms: cap.as_millis() as u64, attempt: 0 }
    }

    /// The upper bound of the next delay: `min(cap, base * 2^attempt)`.
    pub const fn ceiling(&self) -> Duration {
        let shifted = if self.attempt >= 63 { u64::MAX } else { self.base_ms.saturating_mul(1 << self.attempt) };
        let ms = if shifted < self.cap_ms { shifted } else { self.cap_ms };
        Duration::from_millis(ms)
    }

    /// The delay before the next attempt, drawn from `random` uniformly in `[0, ceiling]`, and
    /// counts the attempt.
    pub fn next_delay(&mut self, random: u64) -> Duration {
        let ceiling = self.ceiling().as_millis() as u64;
        self.attempt = self.attempt.saturating_add(1);
        // `ceiling + 1` values; the modulo bias is below 2^-40 for ceilings under 2^24 ms (4.6 h).
        Duration::from_millis(random % ceiling.saturating_add(1))
    }

    /// Attempts counted since the last [`reset`](Self::reset).
    pub const fn attempt(&self) -> u32 {
        self.attempt
    }

    /// Starts over at `base` (call once connected).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    /// A tiny xorshift PRNG standing in for the caller's randomness.
    fn rng(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn ceilings_double_then_cap_and_delays_stay_below_them() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_millis(1500));
        let mut s = 7u64;
        for want in [100u64, 200, 400, 800, 1500, 1500, 1500] {
            assert_eq!(b.ceiling(), Duration::from_millis(want));
            let d = b.next_delay(rng(&mut s));
            assert!(d <= Duration::from_millis(want), "{d:?} > {want} ms");
        }
        assert_eq!(b.attempt(), 7);
        b.reset();
        assert_eq!(b.ceiling(), Duration::from_millis(100));
        // Extremes: the largest random value, and an attempt count past any shift.
        let mut far = Backoff { base_ms: 1, cap_ms: u64::MAX, attempt: 200 };
        assert_eq!(far.ceiling(), Duration::from_millis(u64::MAX));
        let _ = far.next_delay(u64::MAX);
        let mut zero = Backoff::new(Duration::ZERO, Duration::from_secs(1));
        assert_eq!(zero.next_delay(u64::MAX), Duration::ZERO);
    }

    #[test]
    fn a_fleet_spreads_over_the_whole_window() {
        // 10,000 devices cut off at once, each with its own random stream: their first retry
        // delays fill [0, base] evenly (every tenth of the window holds 8-12 % of them).
        let mut buckets = [0u32; 10];
        for device in 0..10_000u64 {
            let mut s = device.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
            let mut b = Backoff::new(Duration::from_millis(1000), Duration::from_secs(60));
            let d = b.next_delay(rng(&mut s)).as_millis() as usize;
            buckets[(d * 10 / 1001).min(9)] += 1;
        }
        for (i, n) in buckets.iter().enumerate() {
            assert!((800..=1200).contains(n), "bucket {i}: {n} of 10000");
        }
    }
}
