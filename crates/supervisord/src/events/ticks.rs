//! The TICK timer: a task that exists only while some pool subscribes to a TICK type.
//!
//! It sleeps until the next wall-clock boundary of a subscribed period, then runs
//! `Supervisor::events_tick` on the owner, which evaluates the [`TickClock`] and publishes the
//! events due. The boundary is recomputed from the wall clock after every wake, so a sleep that
//! ends early (a wall clock slewing behind the monotonic one) only causes a short extra sleep,
//! and a clock jump does not replay missed slices (as in Python).

use std::time::Duration;

use supervisor_core::events::{Subscription, TickClock, TickPeriod};
use tokio::task::AbortHandle;

use crate::owner::{wall_now, Handle};

/// Which TICK periods a subscription covers, indexed like [`TickPeriod::ALL`].
pub(crate) type Wanted = [bool; 3];

/// The TICK periods `subscription` receives.
pub(crate) fn wanted(subscription: Subscription) -> Wanted {
    TickPeriod::ALL.map(|p| subscription.matches(p.event_type()))
}

/// Whether `period` is in `wanted`.
pub(crate) fn is_wanted(wanted: Wanted, period: TickPeriod) -> bool {
    let index = TickPeriod::ALL
        .iter()
        .position(|p| *p == period)
        .unwrap_or(0);
    wanted[index]
}

/// The running timer task, if any, and the periods it serves.
#[derive(Debug, Default)]
pub(crate) struct TickTimer {
    task: Option<AbortHandle>,
    serving: Wanted,
}

impl Drop for TickTimer {
    fn drop(&mut self) {
        self.stop();
    }
}

impl TickTimer {
    /// The periods the timer currently serves.
    pub(crate) fn serving(&self) -> Wanted {
        self.serving
    }

    fn stop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        self.serving = [false; 3];
    }

    /// Makes the timer serve `wanted`: restarts it if the set changed, stops it if empty.
    /// Without a tokio runtime (unit tests of the owner) there is no timer.
    pub(crate) fn serve(&mut self, wanted: Wanted, handle: &Handle) {
        if wanted == self.serving && (self.task.is_some() || wanted == [false; 3]) {
            return;
        }
        self.stop();
        if wanted == [false; 3] || tokio::runtime::Handle::try_current().is_err() {
            return;
        }
        self.serving = wanted;
        let handle = handle.clone();
        self.task = Some(tokio::spawn(run(wanted, handle)).abort_handle());
    }
}

async fn run(wanted: Wanted, handle: Handle) {
    loop {
        let now = wall_now();
        let Some(due) = TickClock::next_due(now, |p| is_wanted(wanted, p)) else {
            return;
        };
        // A millisecond past the boundary, so the owner's clock reading is in the new slice.
        let wait = Duration::from_secs_f64((due - now).max(0.0)) + Duration::from_millis(1);
        tokio::time::sleep(wait).await;
        if handle.call(|sup| sup.events_tick()).await.is_err() {
            return;
        }
    }
}
