//! Microsoft's Kusto client (azure-kusto-data, from PyPI) against `kqlite serve`: runs the
//! pytest suite in `tests/kusto_client/` with the Python that `KQLITE_PYTHON` names, or
//! with a virtual environment made for it in the build folder on first run.

#[path = "support/python.rs"]
mod python;

use std::path::{Path, PathBuf};
use std::process::Command;

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kusto_client")
}

#[test]
fn microsofts_kusto_client_queries_kqlite_serve() {
    let status = Command::new(python::python(
        "kusto-client-venv",
        &suite().join("requirements.txt"),
    ))
    .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-s"])
    .arg(suite())
    .env("KQLITE_BIN", env!("CARGO_BIN_EXE_kqlite"))
    .status()
    .expect("pytest runs");
    assert!(
        status.success(),
        "the Kusto client suite failed (its output is above)"
    );
}
