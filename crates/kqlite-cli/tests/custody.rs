//! Chain of custody: the audit log finds an edited entry, an evidence package finds a changed
//! input, each through the `kqlite` binary as an analyst runs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("custody-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn kqlite(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("kqlite runs")
}

/// A copy of the sample, which a test may change.
fn sample_copy(into: &Path) -> PathBuf {
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample");
    let data = into.join("data");
    for table in ["AlertInfo", "AlertEvidence"] {
        let from = sample.join(table).join("part-0000.parquet");
        std::fs::create_dir_all(data.join(table)).unwrap();
        std::fs::copy(from, data.join(table).join("part-0000.parquet")).unwrap();
    }
    data
}

#[test]
fn an_edited_audit_entry_fails_verify() {
    let dir = scratch("audit");
    let data = sample_copy(&dir);
    let log = dir.join("audit.jsonl");
    for query in ["AlertInfo | count", "AlertInfo | take 3", "Nope"] {
        kqlite(&[
            "--data",
            data.to_str().unwrap(),
            "--audit",
            log.to_str().unwrap(),
            query,
        ]);
    }
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(text
        .lines()
        .nth(2)
        .unwrap()
        .contains(r#""outcome":"failed""#));
    let verify = kqlite(&["audit", "verify", log.to_str().unwrap()]);
    assert_eq!(verify.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("3 entries, intact"));

    let edited = text.replacen(r#""rows":3"#, r#""rows":2"#, 1);
    assert_ne!(edited, text);
    std::fs::write(&log, &edited).unwrap();
    let verify = kqlite(&["audit", "verify", log.to_str().unwrap()]);
    assert_eq!(verify.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&verify.stderr).contains(":2: the entry was changed"));

    let removed: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i != 1)
        .map(|(_, l)| l)
        .collect();
    std::fs::write(&log, removed.join("\n") + "\n").unwrap();
    let verify = kqlite(&["audit", "verify", log.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&verify.stderr).contains(":2: the entry before it was removed"));
}

#[test]
fn an_evidence_package_over_a_changed_input_fails_verify() {
    let dir = scratch("evidence");
    let data = sample_copy(&dir);
    let package = dir.join("case-17");
    let hunt = "AlertInfo | summarize n = count() by Severity | sort by Severity asc";
    let made = kqlite(&[
        "--data",
        data.to_str().unwrap(),
        "--evidence",
        package.to_str().unwrap(),
        "--format",
        "csv",
        hunt,
    ]);
    assert_eq!(
        made.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let csv = std::fs::read_to_string(package.join("result-1.csv")).unwrap();
    assert_eq!(csv, String::from_utf8_lossy(&made.stdout));
    for file in ["manifest.json", "query.kql", "result-1.parquet"] {
        assert!(package.join(file).exists(), "{file}");
    }
    let verify = kqlite(&["evidence", "verify", package.to_str().unwrap()]);
    assert_eq!(
        verify.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );

    // Another export put in place of the one the finding rests on.
    let evidence_file = data.join("AlertEvidence").join("part-0000.parquet");
    std::fs::copy(
        data.join("AlertInfo").join("part-0000.parquet"),
        &evidence_file,
    )
    .unwrap();
    let verify = kqlite(&["evidence", "verify", package.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&verify.stderr);
    assert_eq!(verify.status.code(), Some(1), "{err}");
    assert!(
        err.contains("AlertEvidence/part-0000.parquet: changed"),
        "{err}"
    );

    // A package is never written over.
    let again = kqlite(&[
        "--data",
        data.to_str().unwrap(),
        "--evidence",
        package.to_str().unwrap(),
        hunt,
    ]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn pseudonymised_output_holds_no_identity_and_labels_reveal() {
    let dir = scratch("pseudonyms");
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample");
    let data = data.to_str().unwrap();
    let key = dir.join("key");
    std::fs::write(&key, b"a secret of at least sixteen bytes").unwrap();
    let key = key.to_str().unwrap();
    let hunt = "DataSecurityEvents | summarize n = count() by AccountUpn | top 1 by n | project AccountUpn";
    let real = kqlite(&["--data", data, "--format", "csv", hunt]);
    let upn = String::from_utf8_lossy(&real.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    assert!(upn.contains('@'), "{upn}");

    let masked = kqlite(&[
        "--data",
        data,
        "--pseudonymize",
        key,
        "--format",
        "csv",
        hunt,
    ]);
    let label = String::from_utf8_lossy(&masked.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .to_string();
    assert!(label.starts_with("User-") && label.len() == 17, "{label}");

    // The same label in another table, in other text, and in a second run: joins hold.
    let everything =
        "union withsource=T DataSecurityEvents, DeviceFileEvents, AlertEvidence, EmailEvents";
    let all = kqlite(&[
        "--data",
        data,
        "--pseudonymize",
        key,
        "--notruncation",
        "--format",
        "csv",
        everything,
    ]);
    let text = String::from_utf8_lossy(&all.stdout).to_lowercase();
    let account = upn.split('@').next().unwrap().to_lowercase();
    assert!(
        !text.contains(&upn.to_lowercase()) && !text.contains(&account),
        "an identity leaked"
    );
    assert!(text.contains(&label.to_lowercase()));

    let log = dir.join("audit.jsonl");
    let revealed = kqlite(&[
        "reveal",
        &label,
        "--pseudonymize",
        key,
        "--data",
        data,
        "--audit",
        log.to_str().unwrap(),
    ]);
    assert_eq!(String::from_utf8_lossy(&revealed.stdout).trim(), upn);
    let entry = std::fs::read_to_string(&log).unwrap();
    assert!(entry.contains(&format!("reveal {label}")), "{entry}");
}
