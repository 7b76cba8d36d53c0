//! A periodic timer with sub-millisecond resolution, for reading a flooding pipe on a schedule.
//!
//! tokio's timers have a resolution of one millisecond, and a millisecond is about as long as a
//! 1 MiB pipe lasts under a fast writer, so a capture in flood mode ([`super::capture`]) uses a
//! `timerfd` instead. Every ticker's expirations lie on one grid of multiples of the period on
//! `CLOCK_MONOTONIC` (absolute, periodic timers), so any number of flooding captures share the
//! same wake-ups of the daemon instead of each adding its own.

use std::io;
use std::os::fd::{AsFd, AsRawFd, RawFd};
use std::time::Duration;

use nix::sys::time::TimeSpec;
use nix::sys::timer::{Expiration, TimerSetTimeFlags};
use nix::sys::timerfd::{ClockId, TimerFd, TimerFlags};
use nix::time::clock_gettime;
use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// A periodic `timerfd` registered with the current tokio runtime; disarmed when dropped.
#[derive(Debug)]
pub(crate) struct Ticker {
    fd: AsyncFd<Timer>,
}

/// A [`TimerFd`] as tokio's `AsyncFd` wants it (nix's type has `AsFd` but not `AsRawFd`).
#[derive(Debug)]
struct Timer(TimerFd);

impl AsRawFd for Timer {
    fn as_raw_fd(&self) -> RawFd {
        self.0.as_fd().as_raw_fd()
    }
}

impl Ticker {
    /// Starts ticking every `period` (at least one microsecond), first at the next multiple of
    /// `period` on the monotonic clock. Must be called within a tokio runtime.
    pub(crate) fn start(period: Duration) -> io::Result<Ticker> {
        let timer = TimerFd::new(
            ClockId::CLOCK_MONOTONIC,
            TimerFlags::TFD_NONBLOCK | TimerFlags::TFD_CLOEXEC,
        )?;
        arm(&timer, period)?;
        // SAFETY: the `AsyncFd` owns the timer, so the descriptor stays open and unchanged for
        // the registration's whole life.
        let fd = unsafe { AsyncFd::register_with_interest(Timer(timer), Interest::READABLE) }
            .map_err(io::Error::from)?;
        Ok(Ticker { fd })
    }

    /// Ticks every `period` from now on, first at the next multiple of `period`; when periods
    /// are multiples of each other, the ticks of all tickers still coincide.
    pub(crate) fn set_period(&self, period: Duration) -> io::Result<()> {
        arm(&self.fd.get_ref().0, period)
    }

    /// Waits for the next expiration (returns at once if one passed since the last call).
    pub(crate) async fn tick(&self) -> io::Result<()> {
        loop {
            let mut guard = self.fd.readable().await?;
            let mut expirations = [0u8; 8];
            match nix::unistd::read(&self.fd.get_ref().0, &mut expirations) {
                Ok(_) => return Ok(()),
                Err(nix::errno::Errno::EAGAIN) => guard.clear_ready(),
                Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Arms the timerfd to expire every `period` on the grid of its multiples.
fn arm(timer: &TimerFd, period: Duration) -> io::Result<()> {
    let period = period.max(Duration::from_micros(1));
    let first = next_grid_point(monotonic_now()?, period);
    timer.set(
        Expiration::IntervalDelayed(timespec(first), timespec(period)),
        TimerSetTimeFlags::TFD_TIMER_ABSTIME,
    )?;
    Ok(())
}

fn monotonic_now() -> io::Result<Duration> {
    let now = clock_gettime(nix::time::ClockId::CLOCK_MONOTONIC)?;
    Ok(Duration::new(
        u64::try_from(now.tv_sec()).unwrap_or(0),
        u32::try_from(now.tv_nsec()).unwrap_or(0),
    ))
}

/// The first multiple of `period` strictly after `now`.
fn next_grid_point(now: Duration, period: Duration) -> Duration {
    let period_ns = period.as_nanos().max(1);
    let next = (now.as_nanos() / period_ns + 1) * period_ns;
    Duration::from_nanos(u64::try_from(next).unwrap_or(u64::MAX))
}

fn timespec(d: Duration) -> TimeSpec {
    TimeSpec::from(libc::timespec {
        tv_sec: libc::time_t::try_from(d.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: d.subsec_nanos().into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_points_are_the_next_multiple() {
        let p = Duration::from_micros(500);
        assert_eq!(
            next_grid_point(Duration::from_micros(1_250), p),
            Duration::from_micros(1_500)
        );
        // Exactly on the grid: the next point, never now.
        assert_eq!(
            next_grid_point(Duration::from_micros(1_500), p),
            Duration::from_micros(2_000)
        );
        assert_eq!(next_grid_point(Duration::ZERO, p), p);
    }

    #[tokio::test]
    async fn ticks_repeat_at_the_period() {
        // The clock is read before the timer is armed: its first expiration is then after it,
        // and n ticks take at least n - 1 periods however late this thread gets to run.
        let started = std::time::Instant::now();
        let ticker = Ticker::start(Duration::from_micros(200)).unwrap();
        for _ in 0..5 {
            ticker.tick().await.unwrap();
        }
        assert!(started.elapsed() >= Duration::from_micros(800));
        let started = std::time::Instant::now();
        ticker.set_period(Duration::from_millis(2)).unwrap();
        for _ in 0..4 {
            ticker.tick().await.unwrap();
        }
        assert!(started.elapsed() >= Duration::from_millis(6));
    }
}
