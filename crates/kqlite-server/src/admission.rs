//! How many queries run at once, and how many may wait for a turn: past both, a request is
//! refused with Kusto's throttling answer (429) rather than queued without bound.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::http::StatusCode;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::errors::KustoError;

pub struct Admission {
    running: Arc<Semaphore>,
    max_running: usize,
    waiting: AtomicUsize,
    max_waiting: usize,
}

/// Counts a request as waiting while it lives (a client that leaves stops waiting).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Admission {
    pub fn new(max_running: usize, max_waiting: usize) -> Admission {
        Admission {
            running: Arc::new(Semaphore::new(max_running.max(1))),
            max_running: max_running.max(1),
            waiting: AtomicUsize::new(0),
            max_waiting,
        }
    }

    /// A turn to run a query, held until the permit is dropped.
    pub async fn admit(&self) -> Result<OwnedSemaphorePermit, KustoError> {
        if let Ok(permit) = Arc::clone(&self.running).try_acquire_owned() {
            return Ok(permit);
        }
        if self.waiting.fetch_add(1, Ordering::Relaxed) >= self.max_waiting {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(KustoError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "TooManyRequests",
                format!(
                    "the server runs {} queries and {} more wait for a turn; try again later",
                    self.max_running, self.max_waiting
                ),
            ));
        }
        let _waiting = Waiting(&self.waiting);
        Arc::clone(&self.running)
            .acquire_owned()
            .await
            .map_err(|_| {
                KustoError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "ServiceUnavailable",
                    "the server is stopping",
                )
            })
    }
}
