//! The output a capture notice carries, charged to its capture's [`Backlog`] until the owner
//! takes it.

use std::sync::Arc;

use super::backlog::Backlog;

/// Output carried by a [`CaptureNotice`](super::CaptureNotice): until it is taken
/// ([`into_vec`](Payload::into_vec)) or dropped, its bytes count against the backlog of the
/// capture that sent it, which stops reading its pipe while the backlog is full.
#[derive(Debug)]
pub struct Payload {
    data: Vec<u8>,
    /// The backlog charged for `data`, once the capture has sent it.
    charged: Option<Arc<Backlog>>,
}

impl Payload {
    /// Output not yet charged to any capture.
    pub fn new(data: Vec<u8>) -> Payload {
        Payload {
            data,
            charged: None,
        }
    }

    /// Charges the bytes to `backlog` (once; a charged payload stays with its first backlog).
    pub(super) fn charge(&mut self, backlog: &Arc<Backlog>) {
        if self.charged.is_none() {
            backlog.charge(self.data.len());
            self.charged = Some(Arc::clone(backlog));
        }
    }

    /// The bytes, releasing the charge: the owner has taken them.
    pub fn into_vec(mut self) -> Vec<u8> {
        self.release();
        std::mem::take(&mut self.data)
    }

    fn release(&mut self) {
        if let Some(backlog) = self.charged.take() {
            backlog.release(self.data.len());
        }
    }
}

impl std::ops::Deref for Payload {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.data
    }
}

impl Drop for Payload {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logs::capture::BACKLOG_LIMIT;

    #[tokio::test]
    async fn a_capture_waits_until_the_owner_takes_its_output() {
        let backlog = Arc::new(Backlog::default());
        let mut sent: Vec<Payload> = (0..=BACKLOG_LIMIT / 1024)
            .map(|_| {
                let mut p = Payload::new(vec![0; 1024]);
                p.charge(&backlog);
                p
            })
            .collect();
        assert!(backlog.is_full(), "one KiB over the limit");
        let waiting = tokio::spawn({
            let backlog = Arc::clone(&backlog);
            async move { backlog.room().await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        let taken = sent.pop().map(Payload::into_vec);
        assert_eq!(taken.map(|v| v.len()), Some(1024));
        waiting.await.unwrap();
        assert!(!backlog.is_full());
        drop(sent);
        let mut again = Payload::new(vec![0; BACKLOG_LIMIT + 1]);
        again.charge(&backlog);
        again.charge(&backlog);
        assert!(backlog.is_full(), "charged once however often asked");
        drop(again);
        assert!(!backlog.is_full(), "dropping releases too");
    }
}
