//! A periodic timer with sub-millisecond resolution, for reading a flooding pipe on a schedule.
//!
//! tokio's timers have a resolution of one millisecond, and a millisecond is about as long as a
//! 1 MiB pipe lasts under a fast writer, so a capture in flood mode ([`super::capture`]) uses a
//! `timerfd` instead. Every ticker's expirations lie on one grid of multiples of the period on
//! `CLOCK_MONOTONIC` (absolute, periodic timers), so any number of flooding captures share the
//! same wake-ups of the daemon instead of each adding its own.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::Duration;

use tokio::io::unix::AsyncFd;
use tokio::io::Interest;

/// A periodic `timerfd` registered with the current tokio runtime; disarmed when dropped.
#[derive(Debug)]
pub(crate) struct Ticker {
    fd: AsyncFd<OwnedFd>,
}

impl Ticker {
    /// Starts ticking every `period` (at least one microsecond), first at the next multiple of
    /// `period` on the monotonic clock. Must be called within a tokio runtime.
    pub(crate) fn start(period: Duration) -> io::Result<Ticker> {
        // SAFETY: plain system call; the result is checked before use.
        let raw = unsafe {
            libc::timerfd_create(
                libc::CLOCK_MONOTONIC,
                libc::TFD_NONBLOCK | libc::TFD_CLOEXEC,
            )
        };
        if raw < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: `raw` is a new descriptor that nothing else owns.
        let owned = unsafe { OwnedFd::from_raw_fd(raw) };
        arm(&owned, period)?;
        // SAFETY: the `AsyncFd` owns `owned`, so the descriptor stays open and unchanged for the
        // registration's whole life.
        let fd = unsafe { AsyncFd::register_with_interest(owned, Interest::READABLE) }
            .map_err(io::Error::from)?;
        Ok(Ticker { fd })
    }

    /// Ticks every `period` from now on, first at the next multiple of `period`; when periods
    /// are multiples of each other, the ticks of all tickers still coincide.
    pub(crate) fn set_period(&self, period: Duration) -> io::Result<()> {
        arm(self.fd.get_ref(), period)
    }

    /// Waits for the next expiration (returns at once if one passed since the last call).
    pub(crate) async fn tick(&self) -> io::Result<()> {
        loop {
            let mut guard = self.fd.readable().await?;
            let mut expirations = [0u8; 8];
            match nix::unistd::read(self.fd.get_ref(), &mut expirations) {
                Ok(_) => return Ok(()),
                Err(nix::errno::Errno::EAGAIN) => guard.clear_ready(),
                Err(nix::errno::Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Arms the timerfd to expire every `period` on the grid of its multiples.
fn arm(fd: &OwnedFd, period: Duration) -> io::Result<()> {
    let period = period.max(Duration::from_micros(1));
    let first = next_grid_point(monotonic_now()?, period);
    let spec = libc::itimerspec {
        it_interval: timespec(period),
        it_value: timespec(first),
    };
    // SAFETY: `fd` is a timerfd and `spec` outlives the call.
    let rc = unsafe {
        libc::timerfd_settime(
            fd.as_raw_fd(),
            libc::TFD_TIMER_ABSTIME,
            &spec,
            std::ptr::null_mut(),
        )
    };
    if rc != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

fn monotonic_now() -> io::Result<Duration> {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid out-parameter.
    if unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut now) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    ))
}

/// The first multiple of `period` strictly after `now`.
fn next_grid_point(now: Duration, period: Duration) -> Duration {
    let period_ns = period.as_nanos().max(1);
    let next = (now.as_nanos() / period_ns + 1) * period_ns;
    Duration::from_nanos(u64::try_from(next).unwrap_or(u64::MAX))
}

fn timespec(d: Duration) -> libc::timespec {
    libc::timespec {
        tv_sec: libc::time_t::try_from(d.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: d.subsec_nanos().into(),
    }
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
