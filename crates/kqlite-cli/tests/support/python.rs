//! A Python for the suites written in Python: `KQLITE_PYTHON`, or a virtual environment made
//! once in the build folder with a suite's requirements.

use std::path::{Path, PathBuf};
use std::process::Command;

/// `KQLITE_PYTHON`, or the Python of the venv `name` holding `requirements`.
pub fn python(name: &str, requirements: &Path) -> PathBuf {
    if let Some(python) = std::env::var_os("KQLITE_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
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
    let installed = Command::new(&python)
        .args(["-m", "pip", "install", "--quiet", "-r"])
        .arg(requirements)
        .status();
    if !installed.is_ok_and(|s| s.success()) {
        let _ = std::fs::remove_dir_all(&venv);
        panic!(
            "pip could not install {} from PyPI (or set KQLITE_PYTHON)",
            requirements.display()
        );
    }
    python
}
