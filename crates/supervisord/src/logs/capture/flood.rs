//! How a capture waits for output, and flood mode.
//!
//! Normally the reactor wakes the capture whenever the pipe has output, and it empties the pipe.
//! That costs a wake-up per `write(2)` of the child (the kernel signals a watched pipe on every
//! write), and with a fast writer each wake-up finds a few KiB: at 8 KiB per write that is 128k
//! wake-ups and 128k small page-cache writes per GiB, which cost far more than the bytes (a
//! 256 KiB write into the page cache costs a third of what 32 writes of 8 KiB do). So when output
//! arrives on two wake-ups less than [`FLOOD_WINDOW`] apart, the capture enters **flood mode**: it
//! raises the pipe's capacity to 1 MiB, stops watching the pipe and empties it on a fixed
//! [`FLOOD_TICK`] instead (a `timerfd` on a grid shared by all captures, see `logs/ticker.rs`),
//! moving hundreds of KiB per call. A tick that moves little doubles the tick (up to
//! [`FLOOD_TICK_MAX`]), one that finds the pipe half full halves it, so slower floods (many chatty
//! children) are also moved in larger pieces. Two ticks that find the pipe empty end flood mode:
//! the pipe's capacity is restored (it counts against a per-user quota) and the reactor watches it
//! again. Output is at most one tick late in the log.

use std::os::fd::OwnedFd;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tokio::io::unix::AsyncFd;

use super::pump::{drain, final_drain, shrink_scratch, Drain, CHUNK, READS_PER_WAKE};
use super::task::{watch, Shared};
use crate::logs::ticker::Ticker;

/// Output on two wake-ups less than this apart starts flood mode.
pub const FLOOD_WINDOW: Duration = Duration::from_millis(1);

/// How often a capture in flood mode empties its pipe at first, and at most. A writer at 1 GB/s
/// fills half of a 1 MiB pipe in this time, so it is never made to wait; shorter ticks cost more
/// wake-ups, longer ones stalled such a writer in measurements.
pub const FLOOD_TICK: Duration = Duration::from_micros(500);

/// The longest flood-mode tick: a slower flood (many chatty children) is emptied less often, in
/// larger pieces. Also the most that output is late in the log.
pub const FLOOD_TICK_MAX: Duration = Duration::from_millis(4);

/// A tick that moved less than this doubles the tick (up to [`FLOOD_TICK_MAX`]).
const FLOOD_SMALL_TICK: usize = 64 * 1024;

/// A tick that moved more than this halves the tick (down to [`FLOOD_TICK`]): the pipe was
/// half full, so the writer risked waiting.
const FLOOD_LARGE_TICK: usize = 512 * 1024;

/// Flood mode ends when this many ticks in a row found the pipe empty.
const FLOOD_QUIET_TICKS: u32 = 2;

/// Pipe capacity asked for in flood mode (capped by `/proc/sys/fs/pipe-max-size`).
const FLOOD_PIPE_SIZE: usize = 1 << 20;

/// Flood mode needs a pipe at least this large (what a fast writer produces in a tick), else
/// the writer would wait between ticks; with a smaller pipe (the per-user pipe quota refused to
/// raise it) the capture stays in the normal mode.
const FLOOD_MIN_PIPE_SIZE: usize = 512 * 1024;

/// After flood mode could not start, the normal mode goes on at least this long.
const FLOOD_RETRY: Duration = Duration::from_secs(1);

/// `/proc/sys/fs/pipe-max-size`, read once.
fn pipe_max_size() -> usize {
    static MAX: OnceLock<usize> = OnceLock::new();
    *MAX.get_or_init(|| {
        std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(FLOOD_PIPE_SIZE)
    })
}

/// The pipe's capacity in bytes.
pub(super) fn pipe_size(fd: &OwnedFd) -> Option<usize> {
    let size = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_GETPIPE_SZ).ok()?;
    usize::try_from(size).ok()
}

/// Asks for a pipe capacity of `size` bytes; the kernel may refuse (per-user pipe quota) or, when
/// shrinking, keep a pipe that holds more than `size` (EBUSY). Returns the capacity afterwards.
fn set_pipe_size(fd: &OwnedFd, size: usize) -> Option<usize> {
    let size = i32::try_from(size).unwrap_or(i32::MAX);
    let _ = nix::fcntl::fcntl(fd, nix::fcntl::FcntlArg::F_SETPIPE_SZ(size));
    pipe_size(fd)
}

/// How a capture waits for output.
pub(super) enum Mode {
    /// Woken by the reactor whenever the pipe has output.
    Woken(AsyncFd<OwnedFd>),
    /// Flood mode: the pipe is not watched but emptied on every tick.
    Ticking(Flood),
}

/// A capture in flood mode.
pub(super) struct Flood {
    pipe: OwnedFd,
    ticker: Ticker,
    /// The ticker's current period, between [`FLOOD_TICK`] and [`FLOOD_TICK_MAX`].
    period: Duration,
    /// The capacity the pipe had before flood mode raised it, restored afterwards.
    normal_size: Option<usize>,
    /// Ticks in a row that found the pipe empty.
    quiet_ticks: u32,
    /// Bytes per read: the whole (raised) pipe.
    read_size: usize,
}

/// What one turn of a mode decided.
pub(super) enum Turn {
    /// Keep waiting in the same mode.
    Again,
    /// Output comes fast: switch to flood mode.
    Flood,
    /// Output is still waiting after a full budget: flood mode, or else let others run first.
    Busy,
    /// Flood mode is over: watch the pipe again.
    Calm,
    /// The capture ends; true at end of stream.
    Ended(bool),
}

/// Flood detection for one capture.
#[derive(Debug, Default)]
pub(super) struct Pacing {
    /// When the last wake-up found output.
    last_output: Option<Instant>,
    /// Flood mode could not start; do not try again before this.
    retry_at: Option<Instant>,
}

impl Pacing {
    /// A wake-up found output at `now`: is it the second within [`FLOOD_WINDOW`]?
    fn output_at(&mut self, now: Instant) -> bool {
        let rapid = self
            .last_output
            .is_some_and(|last| now.duration_since(last) < FLOOD_WINDOW);
        self.last_output = Some(now);
        rapid
    }

    /// Whether flood mode may be tried at `now` (not within [`FLOOD_RETRY`] of a failed start).
    pub(super) fn may_flood(&self, now: Instant) -> bool {
        self.retry_at.is_none_or(|at| now >= at)
    }
}

/// One wait of the normal mode: the reactor says the pipe has output, and it is drained.
pub(super) async fn woken_turn(
    fd: &AsyncFd<OwnedFd>,
    shared: &Shared,
    pacing: &mut Pacing,
    read_size: usize,
) -> Turn {
    tokio::select! {
        biased;
        () = shared.close.notified() => Turn::Ended(final_drain(fd.get_ref(), shared, read_size).await),
        ready = fd.readable() => {
            let Ok(mut guard) = ready else { return Turn::Ended(true) };
            match drain(fd.get_ref(), shared, READS_PER_WAKE, read_size) {
                Drain::Eof => Turn::Ended(true),
                Drain::Empty(moved) => {
                    guard.clear_ready();
                    if moved > 0 && pacing.output_at(Instant::now()) {
                        Turn::Flood
                    } else {
                        Turn::Again
                    }
                }
                Drain::More => {
                    pacing.output_at(Instant::now());
                    Turn::Busy
                }
                // Readiness is kept: the pipe is read again once the owner catches up.
                Drain::Held => Turn::Again,
            }
        }
    }
}

/// One tick of flood mode: wait for the tick, then empty the pipe.
pub(super) async fn flood_turn(flood: &mut Flood, shared: &Shared) -> Turn {
    tokio::select! {
        biased;
        () = shared.close.notified() => {
            return Turn::Ended(final_drain(&flood.pipe, shared, flood.read_size).await);
        }
        tick = flood.ticker.tick() => {
            if tick.is_err() {
                return Turn::Calm;
            }
        }
    }
    match drain(&flood.pipe, shared, READS_PER_WAKE, flood.read_size) {
        Drain::Eof => Turn::Ended(true),
        Drain::Empty(0) => {
            flood.quiet_ticks += 1;
            if flood.quiet_ticks >= FLOOD_QUIET_TICKS {
                Turn::Calm
            } else {
                Turn::Again
            }
        }
        Drain::Empty(moved) => {
            flood.quiet_ticks = 0;
            if moved < FLOOD_SMALL_TICK && flood.period < FLOOD_TICK_MAX {
                flood.set_period(flood.period * 2);
            } else if moved > FLOOD_LARGE_TICK && flood.period > FLOOD_TICK {
                flood.set_period(flood.period / 2);
            }
            Turn::Again
        }
        Drain::More => {
            flood.quiet_ticks = 0;
            if flood.period > FLOOD_TICK {
                flood.set_period(FLOOD_TICK);
            }
            Turn::Again
        }
        // The owner sets the pace, not the writer: the tick stays as it is.
        Drain::Held => {
            flood.quiet_ticks = 0;
            Turn::Again
        }
    }
}

impl Flood {
    /// Changes the tick; if the timer refuses, the old tick goes on.
    fn set_period(&mut self, period: Duration) {
        let period = period.clamp(FLOOD_TICK, FLOOD_TICK_MAX);
        if self.ticker.set_period(period).is_ok() {
            self.period = period;
        }
    }
}

/// Enters flood mode if the pipe can be made large enough and a ticker started; otherwise
/// stays in the normal mode and does not try again for [`FLOOD_RETRY`].
pub(super) fn start_flood(fd: AsyncFd<OwnedFd>, pacing: &mut Pacing) -> Mode {
    let before = pipe_size(fd.get_ref()).unwrap_or(0);
    let mut normal_size = None;
    let mut size = before;
    if before < FLOOD_PIPE_SIZE.min(pipe_max_size()) {
        size = set_pipe_size(fd.get_ref(), FLOOD_PIPE_SIZE.min(pipe_max_size())).unwrap_or(0);
        if size != before {
            normal_size = Some(before);
        }
    }
    let ticker = if size >= FLOOD_MIN_PIPE_SIZE {
        Ticker::start(FLOOD_TICK).ok()
    } else {
        None
    };
    let Some(ticker) = ticker else {
        if let Some(normal) = normal_size {
            set_pipe_size(fd.get_ref(), normal);
        }
        pacing.retry_at = Some(Instant::now() + FLOOD_RETRY);
        return Mode::Woken(fd);
    };
    pacing.last_output = None;
    Mode::Ticking(Flood {
        pipe: fd.into_inner(),
        ticker,
        period: FLOOD_TICK,
        normal_size,
        quiet_ticks: 0,
        read_size: size.max(CHUNK),
    })
}

/// Leaves flood mode: restores the pipe's capacity and watches it again. If the reactor
/// refuses the pipe, flood mode simply goes on.
pub(super) fn end_flood(mut flood: Flood) -> Mode {
    if let Some(normal) = flood.normal_size {
        // Fails (EBUSY) if the pipe holds more than that by now; then it stays large.
        if set_pipe_size(&flood.pipe, normal) == Some(normal) {
            flood.normal_size = None;
            shrink_scratch();
        }
    }
    match watch(flood.pipe) {
        Ok(fd) => Mode::Woken(fd),
        Err(e) => {
            flood.pipe = e.into_parts().0;
            flood.quiet_ticks = 0;
            Mode::Ticking(flood)
        }
    }
}
