//! The Python package (`crates/kqlite-py`) through its pytest suite: the extension module
//! this build made (kqlite-py is a dev-dependency, so `cargo test` builds it), put beside the
//! package's Python sources and imported by the Python `KQLITE_PYTHON` names.

#[path = "support/python.rs"]
mod python;

use std::path::{Path, PathBuf};
use std::process::Command;

fn crate_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../kqlite-py")
}

/// The module `cargo test` built: beside this test's binary, or one folder up.
fn built_module() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let deps = exe.parent().expect("the test binary's folder");
    let names = ["lib_kqlite.so", "lib_kqlite.dylib"];
    let folders = [deps.to_path_buf(), deps.join("..")];
    let candidates = folders.iter().flat_map(|f| names.map(|n| f.join(n)));
    let found = candidates.filter(|p| p.exists()).max_by_key(modified);
    found.expect("cargo test builds lib_kqlite (kqlite-py) beside the test binaries")
}

fn modified(path: &PathBuf) -> std::time::SystemTime {
    let meta = std::fs::metadata(path).expect("the module's metadata");
    meta.modified().expect("the module's time")
}

/// A folder holding the package `kqlite` as `pip install` would lay it out.
fn package_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("python-package");
    let package = root.join("kqlite");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&package).expect("a package folder");
    let sources = std::fs::read_dir(crate_dir().join("python/kqlite")).expect("the sources");
    for source in sources.map(|e| e.expect("a source").path()) {
        if source.extension().is_some_and(|e| e == "py") {
            let name = source.file_name().expect("a file name");
            std::fs::copy(&source, package.join(name)).expect("a source copied");
        }
    }
    std::fs::copy(built_module(), package.join("_kqlite.abi3.so")).expect("the module copied");
    root
}

#[test]
fn the_python_package_suite_passes() {
    let tests = crate_dir().join("tests");
    let python = python::python("python-package-venv", &tests.join("requirements.txt"));
    let status = Command::new(python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "-s"])
        .arg(&tests)
        .env("PYTHONPATH", package_dir())
        .env("KQLITE_BIN", env!("CARGO_BIN_EXE_kqlite"))
        .status()
        .expect("pytest runs");
    assert!(
        status.success(),
        "the Python package suite failed (its output is above)"
    );
}
