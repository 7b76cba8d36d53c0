//! The owner's job queue: how other tasks get work run on the owner, in order.
//!
//! Front ends do not use it directly: they call [`Owner`](super::Owner), whose methods are the
//! typed operations. The event system's TICK timer is the one other user (it runs a hook).

use tokio::sync::{mpsc, oneshot};

use super::Supervisor;

/// A unit of work run on the owner with exclusive access to the state.
pub(crate) type Job = Box<dyn FnOnce(&mut Supervisor) + Send>;

/// A cheap, cloneable way for other tasks to run jobs on the owner.
#[derive(Clone)]
pub(crate) struct Handle {
    pub(super) tx: mpsc::UnboundedSender<Job>,
}

/// The owner has stopped (the daemon is shutting down or reloading).
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("supervisord is shutting down")]
pub struct Gone;

impl Handle {
    /// Runs `f` on the owner and returns its result.
    pub(crate) async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Supervisor) -> R + Send + 'static,
    ) -> Result<R, Gone> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |sup| {
            let _ = tx.send(f(sup));
        });
        self.tx.send(job).map_err(|_| Gone)?;
        rx.await.map_err(|_| Gone)
    }

    /// Runs `f` on the owner; `f` may register a watcher that answers later, so the result is
    /// whatever `f` eventually sends on the given channel.
    pub(crate) async fn call_deferred<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Supervisor, oneshot::Sender<R>) + Send + 'static,
    ) -> Result<R, Gone> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |sup| f(sup, tx));
        self.tx.send(job).map_err(|_| Gone)?;
        rx.await.map_err(|_| Gone)
    }
}
