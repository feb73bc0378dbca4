//! kqlite for Python: the extension module `kqlite._kqlite` under the pure-Python package
//! `kqlite` (`python/kqlite`). A session runs KQL on its own tokio runtime with the GIL
//! released; results leave as Arrow through the C stream interface, without a copy.

mod arrow_stream;
mod errors;
mod result;
mod session;
mod wait;

use pyo3::prelude::*;

#[pymodule]
fn _kqlite(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<session::Session>()?;
    module.add_class::<result::ResultSet>()?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
