//! kqlite against results recorded on the real Kusto engine: the cases and their scorer live
//! in `../shared/conformance/kusto-oracle` (not in this repository). When they are there, this
//! runs the scorer over this build's binary and holds the counts to floors that only rise, so
//! no change can lose a match silently. Without them (or without python3) it says so and
//! passes.

use std::path::Path;
use std::process::Command;

/// Cases whose values match Kusto's (of 1,146; 1,025 have a Kusto result and are not skipped).
const MATCHES_AT_LEAST: usize = 1008;
/// Cases Kusto rejects that kqlite runs anyway.
const REJECTED_BUT_RUN: usize = 0;

#[test]
fn conformance_cases_match_kusto() {
    let oracle =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/kusto-oracle");
    if !oracle.join("score.py").exists() {
        println!("no conformance cases at {}: skipped", oracle.display());
        return;
    }
    let work = std::env::temp_dir().join(format!("kqlite-conformance-{}", std::process::id()));
    std::fs::create_dir_all(&work).unwrap();
    let run = Command::new("python3")
        .arg(oracle.join("score.py"))
        .args([
            "--kqlite",
            env!("CARGO_BIN_EXE_kqlite"),
            "--jobs",
            "2",
            "--recheck",
            "1",
        ])
        .args(["--cache-dir", ""])
        .arg("--out")
        .arg(work.join("results.jsonl"))
        .arg("--summary")
        .arg(work.join("summary.md"))
        .output();
    let Ok(run) = run else {
        println!("python3 not found: conformance skipped");
        return;
    };
    let report = String::from_utf8_lossy(&run.stdout).to_string();
    assert!(
        run.status.success(),
        "the scorer failed:\n{report}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    println!("{report}");
    let matches = count(&report, "peer-comparable match");
    assert!(
        matches >= MATCHES_AT_LEAST,
        "{matches} cases match Kusto, fewer than {MATCHES_AT_LEAST}: see {}",
        work.join("summary.md").display()
    );
    assert_eq!(count(&report, "flaky"), 0, "some cases change between runs");
    assert_eq!(count(&report, "crash"), 0, "kqlite crashed on some cases");
    let accepted = count(&report, "kusto_rejected_we_accepted");
    assert_eq!(
        accepted, REJECTED_BUT_RUN,
        "{accepted} queries Kusto rejects now run"
    );
    let _ = std::fs::remove_dir_all(&work);
}

/// The number after `label` in the scorer's report (0 when the line is absent).
fn count(report: &str, label: &str) -> usize {
    report
        .lines()
        .map(str::trim)
        .find_map(|line| line.strip_prefix(label))
        .and_then(|rest| rest.split(['/', ' ']).find(|w| !w.is_empty()))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}
