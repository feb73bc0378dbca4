//! kqlite's errors as the package's Python exceptions (`kqlite.QueryError`,
//! `kqlite.DataError`, defined in `python/kqlite/_errors.py`).

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

/// `error`, met running `text`, as a `kqlite.QueryError` with its line and column (1-based)
/// when it points into the query.
pub fn query_error(py: Python<'_>, text: &str, error: &kqlite::Error) -> PyErr {
    let position = error
        .span()
        .map(|span| kqlite::diagnostic::line_column(text, span.start));
    let (line, column) = position.unzip();
    let args = (error.to_string(), line, column, error.render(text));
    raise(py, "QueryError", args)
}

/// A problem with the data a session attaches or is handed, as a `kqlite.DataError`.
pub fn data_error(py: Python<'_>, message: String) -> PyErr {
    raise(py, "DataError", (message,))
}

fn raise<'py>(py: Python<'py>, class: &str, args: impl pyo3::call::PyCallArgs<'py>) -> PyErr {
    let made = py
        .import("kqlite._errors")
        .and_then(|module| module.getattr(class))
        .and_then(|class| class.call1(args));
    match made {
        Ok(instance) => PyErr::from_value(instance),
        Err(missing) => PyRuntimeError::new_err(format!("kqlite._errors: {missing}")),
    }
}
