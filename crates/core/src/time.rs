//! Time as plain values: the state machine never reads a clock, the caller passes `now`.
//!
//! Timers (startsecs, backoff, stopwaitsecs) run on a monotonic clock ([`Mono`]) so that a
//! wall-clock jump cannot stretch or shorten them (spec §2.8: this replaces Python's
//! `_check_and_adjust_for_system_clock_rollback`). The wall clock (`Now::wall`) is kept only for
//! what clients see: `laststart`/`laststop` in `getProcessInfo`.

use std::ops::Add;
use std::time::Duration;

/// An instant on a monotonic clock, in nanoseconds from an arbitrary origin chosen by the caller
/// (the daemon uses the time since it started; tests start at zero).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Mono(u64);

impl Mono {
    /// The origin of the clock.
    pub const ZERO: Mono = Mono(0);

    /// The instant `nanos` nanoseconds after the origin.
    #[must_use]
    pub const fn from_nanos(nanos: u64) -> Mono {
        Mono(nanos)
    }

    /// The instant `secs` whole seconds after the origin.
    #[must_use]
    pub const fn from_secs(secs: u64) -> Mono {
        Mono(secs.saturating_mul(1_000_000_000))
    }

    /// The instant `millis` milliseconds after the origin.
    #[must_use]
    pub const fn from_millis(millis: u64) -> Mono {
        Mono(millis.saturating_mul(1_000_000))
    }

    /// The instant `since_origin` after the origin (saturating at `u64::MAX` nanoseconds).
    #[must_use]
    pub fn from_duration(since_origin: Duration) -> Mono {
        Mono(u64::try_from(since_origin.as_nanos()).unwrap_or(u64::MAX))
    }

    /// Nanoseconds since the origin.
    #[must_use]
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// The time since the origin.
    #[must_use]
    pub const fn as_duration(self) -> Duration {
        Duration::from_nanos(self.0)
    }

    /// The time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    #[must_use]
    pub const fn saturating_since(self, earlier: Mono) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }

    /// `self + d`, saturating at the end of time.
    #[must_use]
    pub fn saturating_add(self, d: Duration) -> Mono {
        let d = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        Mono(self.0.saturating_add(d))
    }
}

impl Add<Duration> for Mono {
    type Output = Mono;

    fn add(self, rhs: Duration) -> Mono {
        self.saturating_add(rhs)
    }
}

/// The current time as the caller sees it: a monotonic instant for timers and the wall clock
/// (seconds since the Unix epoch, as Python's `time.time()`) for reported timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Now {
    /// Monotonic time, used for every timer and for "exited too quickly".
    pub mono: Mono,
    /// Wall-clock seconds since the epoch, recorded as `laststart` / `laststop`.
    pub wall: f64,
}

impl Now {
    /// A `Now` from its two readings.
    #[must_use]
    pub const fn new(mono: Mono, wall: f64) -> Now {
        Now { mono, wall }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_agree() {
        assert_eq!(Mono::from_secs(2), Mono::from_millis(2000));
        assert_eq!(Mono::from_millis(3), Mono::from_nanos(3_000_000));
        assert_eq!(
            Mono::from_duration(Duration::from_millis(1500)),
            Mono::from_millis(1500)
        );
        assert_eq!(Mono::from_secs(u64::MAX), Mono::from_nanos(u64::MAX));
        assert_eq!(Mono::from_secs(1).as_duration(), Duration::from_secs(1));
        assert_eq!(Mono::from_secs(1).as_nanos(), 1_000_000_000);
        assert_eq!(Mono::default(), Mono::ZERO);
    }

    #[test]
    fn arithmetic_saturates() {
        let t = Mono::from_secs(5);
        assert_eq!(t + Duration::from_secs(2), Mono::from_secs(7));
        assert_eq!(
            t.saturating_since(Mono::from_secs(2)),
            Duration::from_secs(3)
        );
        assert_eq!(Mono::from_secs(2).saturating_since(t), Duration::ZERO);
        assert_eq!(
            Mono::from_nanos(u64::MAX - 1) + Duration::from_secs(1),
            Mono::from_nanos(u64::MAX)
        );
        assert_eq!(
            Mono::from_duration(Duration::MAX),
            Mono::from_nanos(u64::MAX)
        );
    }

    #[test]
    fn now_holds_both_readings() {
        let now = Now::new(Mono::from_secs(1), 1_700_000_000.5);
        assert_eq!(now.mono, Mono::from_secs(1));
        assert!((now.wall - 1_700_000_000.5).abs() < f64::EPSILON);
    }
}
