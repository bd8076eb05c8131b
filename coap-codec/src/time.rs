//! [`Instant`]: the machines' notion of time. The caller owns the clock and passes `now` in;
//! nothing here reads a clock.

use core::ops::{Add, AddAssign, Sub};
use core::time::Duration;

/// A point in time: milliseconds since an epoch the caller chooses (boot, the Unix epoch, the
/// start of a simulation). `Copy + Ord`, works without `std`; spans are [`Duration`]s.
///
/// ```
/// use core::time::Duration;
/// use coap_codec::time::Instant;
/// let t0 = Instant::from_millis(1_000);
/// let t1 = t0 + Duration::from_secs(30);
/// assert_eq!(t1.as_millis(), 31_000);
/// assert_eq!(t1 - t0, Duration::from_secs(30));
/// assert_eq!(t0.saturating_duration_since(t1), Duration::ZERO);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Instant(u64);

impl Instant {
    /// The epoch itself.
    pub const ZERO: Self = Self(0);

    /// `ms` milliseconds after the epoch.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// `self + d`, or `None` on overflow.
    pub fn checked_add(self, d: Duration) -> Option<Self> {
        u64::try_from(d.as_millis()).ok().and_then(|ms| self.0.checked_add(ms)).map(Self)
    }

    /// `self + d`, saturating at the far future.
    pub fn saturating_add(self, d: Duration) -> Self {
        self.checked_add(d).unwrap_or(Self(u64::MAX))
    }

    /// Time from `earlier` to `self`, or zero if `earlier` is later.
    pub const fn saturating_duration_since(self, earlier: Self) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }

    /// Converts a `std::time::Instant` to milliseconds since `origin` (0 if it is before it).
    ///
    /// ```
    /// use coap_codec::time::Instant;
    /// let origin = std::time::Instant::now();
    /// assert_eq!(Instant::from_std(origin, origin), Instant::ZERO);
    /// ```
    #[cfg(feature = "std")]
    pub fn from_std(t: std::time::Instant, origin: std::time::Instant) -> Self {
        Self(u64::try_from(t.saturating_duration_since(origin).as_millis()).unwrap_or(u64::MAX))
    }
}

impl Add<Duration> for Instant {
    type Output = Self;
    /// Saturates at the far future rather than overflowing.
    fn add(self, d: Duration) -> Self {
        self.saturating_add(d)
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Sub for Instant {
    type Output = Duration;
    /// Saturates at zero: time never goes backwards.
    fn sub(self, earlier: Self) -> Duration {
        self.saturating_duration_since(earlier)
    }
}
