//! Microsoft's Kusto client (azure-kusto-data, from PyPI) against `kqlite serve`: runs the
//! pytest suite in `tests/kusto_client/` with the Python that `KQLITE_PYTHON` names, or
//! with a virtual environment made for it in the build folder on first run.

use std::path::{Path, PathBuf};
use std::process::Command;

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kusto_client")
}

/// A Python with the suite's requirements: `KQLITE_PYTHON`, or a venv made once here.
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("KQLITE_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kusto-client-venv");
    let python = venv.join("bin/python");
    if python.exists() {
        return python;
    }
    let made = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status();
    assert!(
        made.is_ok_and(|s| s.success()),
        "python3 -m venv failed: Python 3.9+ is needed (or set KQLITE_PYTHON)"
    );
    let requirements = suite().join("requirements.txt");
    let installed = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "-r"])
        .arg(requirements)
        .status();
    if !installed.is_ok_and(|s| s.success()) {
        let _ = std::fs::remove_dir_all(&venv);
        panic!("pip could not install the Kusto client from PyPI (or set KQLITE_PYTHON)");
    }
    python
}

#[test]
fn microsofts_kusto_client_queries_kqlite_serve() {
    let status = Command::new(python())
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
