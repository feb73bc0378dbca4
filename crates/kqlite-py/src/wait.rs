//! Waiting for a query without holding the GIL, and stopping it on Ctrl-C.

use std::future::Future;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use tokio::runtime::Runtime;

/// How often a waiting query looks for a signal: Ctrl-C stops it within this.
const TICK: Duration = Duration::from_millis(100);

/// Runs `work` on `runtime` with the GIL released (other Python threads run meanwhile).
/// A signal handler that raises (Ctrl-C's KeyboardInterrupt) cancels `work` and raises.
pub fn wait<T: Send + 'static>(
    py: Python<'_>,
    runtime: &Runtime,
    work: impl Future<Output = T> + Send + 'static,
) -> PyResult<T> {
    let mut task = runtime.spawn(work);
    loop {
        let tick = async { tokio::time::timeout(TICK, &mut task).await };
        let ticked = py.detach(|| runtime.block_on(tick));
        match ticked {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(failed)) => {
                return Err(PyRuntimeError::new_err(format!(
                    "the query stopped: {failed}"
                )))
            }
            Err(_) => {
                if let Err(interrupted) = py.check_signals() {
                    task.abort();
                    return Err(interrupted);
                }
            }
        }
    }
}
