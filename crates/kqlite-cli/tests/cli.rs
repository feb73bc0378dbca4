//! The `kqlite` binary as a user runs it: outputs, exit codes and error messages.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample")
}

fn kqlite(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("kqlite runs")
}

fn with_sample(args: &[&str]) -> Output {
    let data = sample();
    let mut all = vec!["--data", data.to_str().unwrap(), "--now", "2025-10-01"];
    all.extend_from_slice(args);
    kqlite(&all)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_hunt_prints_csv() {
    let output = with_sample(&[
        "--format",
        "csv",
        "DataSecurityEvents | where ActionType == 'FileUploadedToCloud' and ObjectName endswith '.zip' \
         | where Timestamp > ago(7d) | summarize Files = count() by AccountUpn | top 1 by Files",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        "AccountUpn,Files\nmegan.bowen@contoso.com,46\n"
    );
}

#[test]
fn table_output_counts_rows() {
    let output = with_sample(&["AlertInfo | take 2 | project AlertId"]);
    assert!(output.status.success());
    assert!(
        stdout(&output).ends_with("(2 rows)\n"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn json_and_ndjson() {
    let json = with_sample(&["--format", "json", "print a = 1, b = 'x'"]);
    assert_eq!(stdout(&json).trim(), r#"[{"a":1,"b":"x"}]"#);
    let ndjson = with_sample(&["--format", "ndjson", "datatable(a:long) [1, 2]"]);
    assert_eq!(stdout(&ndjson), "{\"a\":1}\n{\"a\":2}\n");
}

#[test]
fn a_syntax_error_points_at_line_and_column() {
    let output = with_sample(&["DataSecurityEvents\n| where ActionType == "]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("--> 2:"), "{err}");
    assert!(err.contains("expected"), "{err}");
    assert!(err.contains('^'), "{err}");
}

#[test]
fn an_unknown_table_lists_the_tables() {
    let output = with_sample(&["DataSecurityEvent | take 1"]);
    assert_eq!(output.status.code(), Some(1));
    let err = stderr(&output);
    assert!(err.contains("unknown table 'DataSecurityEvent'"), "{err}");
    assert!(err.contains("did you mean 'DataSecurityEvents'"), "{err}");
    assert!(err.contains("AlertInfo"), "{err}");
}

#[test]
fn unsupported_kql_says_so() {
    let output = with_sample(&["AlertInfo | evaluate autocluster()"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("not supported yet: evaluate autocluster"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(kqlite(&["--no-such-flag"]).status.code(), Some(2));
    let missing = kqlite(&["--data", "/no/such/folder", "print 1"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("/no/such/folder"));
    assert_eq!(
        kqlite(&["--now", "yesterday", "print 1"]).status.code(),
        Some(2)
    );
}

#[test]
fn a_query_file_runs_each_query_and_reports_file_lines() {
    let dir = std::env::temp_dir().join(format!("kqlite-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hunts.kql");
    std::fs::write(
        &file,
        "// first\nprint a = 1\n\nprint b = 2\n\n\nprint c = nope\n",
    )
    .unwrap();
    let output = with_sample(&["--format", "csv", "-f", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(stdout(&output), "a\n1\nb\n2\n");
    let err = stderr(&output);
    assert!(err.contains("--> 7:11"), "{err}");
    assert!(err.contains("7 | print c = nope"), "{err}");
    assert!(err.contains("  |           ^^^^"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn explain_prints_the_plans() {
    let output = with_sample(&[
        "--explain",
        "DataSecurityEvents | where AccountUpn has 'megan' | count",
    ]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(
        text.contains("logical plan:") && text.contains("physical plan:"),
        "{text}"
    );
    assert!(
        text.contains("projection=[AccountUpn]"),
        "the scan reads one column: {text}"
    );
}

/// The first line of `--explain` output for `query` that names the plan node `node`.
fn plan_line(query: &str, node: &str) -> String {
    let text = stdout(&with_sample(&["--explain", query]));
    let line = text.lines().find(|l| l.contains(node)).unwrap_or_default();
    line.to_string()
}

#[test]
fn filters_on_nullable_strings_reach_parquet_pruning() {
    // SensitivityLabelId has nulls in the sample, so it is read as coalesce(col, ""); an
    // equality with a non-empty string needs no coalesce and prunes on min/max statistics.
    let scan = plan_line(
        "DataSecurityEvents | where SensitivityLabelId == 'x' and ActionType == 'FilePrinted' | count",
        "DataSourceExec",
    );
    assert!(scan.contains("pruning_predicate="), "{scan}");
    assert!(scan.contains("SensitivityLabelId_min"), "{scan}");
    assert!(!scan.contains("CASE"), "{scan}");
}

#[test]
fn timing_goes_to_stderr() {
    let output = with_sample(&["--timing", "--format", "csv", "print x = 1"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "x\n1\n");
    let err = stderr(&output);
    assert!(
        err.contains("timing: attach ") && err.contains("timing: query "),
        "{err}"
    );
}

#[test]
fn analyze_runs_the_query_and_shows_each_operators_rows() {
    let query = "DataSecurityEvents | where ActionType == 'FilePrinted' | count";
    let count = stdout(&with_sample(&["--format", "csv", query]));
    let printed = count.lines().nth(1).expect("a count");

    let output = with_sample(&["--analyze", query]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("1 row in "), "{text}");
    let filter = text
        .lines()
        .find(|l| l.contains("FilterExec"))
        .unwrap_or_default();
    assert!(
        filter.contains(&format!("output_rows={printed},")),
        "{printed}: {text}"
    );
}

#[test]
fn datafusion_settings_come_from_the_environment() {
    let data = sample();
    let explain = |partitions: &str| {
        Command::new(env!("CARGO_BIN_EXE_kqlite"))
            .args(["--data", data.to_str().unwrap(), "--explain"])
            .arg("DataSecurityEvents | summarize count() by ActionType")
            .env("DATAFUSION_EXECUTION_TARGET_PARTITIONS", partitions)
            .stdin(Stdio::null())
            .output()
            .expect("kqlite runs")
    };
    let three = explain("3");
    assert!(three.status.success(), "{}", stderr(&three));
    assert!(
        stdout(&three).contains("Hash([ActionType@0], 3)"),
        "{}",
        stdout(&three)
    );

    let bad = explain("many");
    assert_eq!(bad.status.code(), Some(1));
    let err = stderr(&bad);
    assert!(
        err.contains("DATAFUSION_EXECUTION_TARGET_PARTITIONS=many"),
        "{err}"
    );
}

#[test]
fn string_kernels_run_after_comparisons_on_the_rows_they_keep() {
    // The comparison goes first, and the conjunction (kqlite's SelectiveAnd, unit-tested in
    // conjunction.rs) runs the `=~` kernel only on the rows it kept.
    let filter = plan_line(
        "DataSecurityEvents | where ExternalUrlDomains =~ 'mail.google.com' and SensitivityLabelId == 'x' | count",
        "FilterExec",
    );
    let comparison = filter.find("SensitivityLabelId@");
    let kernel = filter.find("kql_equals(");
    assert!(
        comparison.is_some() && kernel.is_some() && comparison < kernel,
        "{filter}"
    );
}

#[test]
fn columns_without_nulls_are_read_as_they_are() {
    // ActionType has no null in the sample's footers: no kql_empty_if_null(col) on it.
    let output = with_sample(&[
        "--explain",
        "DataSecurityEvents | project ActionType, SensitivityLabelId",
    ]);
    let text = stdout(&output);
    assert!(
        !text.contains("kql_empty_if_null(datasecurityevents.ActionType)"),
        "{text}"
    );
    assert!(
        text.contains("kql_empty_if_null(datasecurityevents.SensitivityLabelId)"),
        "{text}"
    );
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let data = sample();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args([
            "--data",
            data.to_str().unwrap(),
            "--format",
            "csv",
            "DataSecurityEvents",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).is_empty(), "{}", stderr(&output));
}

#[test]
fn queries_never_write_to_the_data() {
    let listing = |dir: &Path| -> Vec<(PathBuf, std::time::SystemTime, u64)> {
        let mut files = Vec::new();
        for table in std::fs::read_dir(dir).unwrap() {
            let path = table.unwrap().path();
            let entries: Vec<PathBuf> = if path.is_dir() {
                std::fs::read_dir(&path)
                    .unwrap()
                    .map(|e| e.unwrap().path())
                    .collect()
            } else {
                vec![path]
            };
            for file in entries {
                let meta = std::fs::metadata(&file).unwrap();
                files.push((file, meta.modified().unwrap(), meta.len()));
            }
        }
        files.sort();
        files
    };
    let before = listing(&sample());
    assert!(
        with_sample(&["DataSecurityEvents | summarize count() by AccountUpn"])
            .status
            .success()
    );
    assert_eq!(before, listing(&sample()));
}

#[test]
fn check_reports_each_failure_with_file_line_and_column() {
    let dir = std::env::temp_dir().join(format!("kqlite-check-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("nested")).unwrap();
    std::fs::write(dir.join("good.kql"), "AlertInfo\n| take 1\n\nprint 1\n").unwrap();
    std::fs::write(dir.join("nested/bad.kql"), "AlertInfo\n| wherre x == 1\n").unwrap();
    let output = kqlite(&["check", dir.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output) + &stderr(&output);
    assert!(
        text.contains("bad.kql:2:3: unknown operator 'wherre'; did you mean 'where'?"),
        "{text}"
    );
    assert!(text.contains("2 parsed, 1 failed"), "{text}");
    std::fs::remove_file(dir.join("nested/bad.kql")).unwrap();
    assert!(kqlite(&["check", dir.to_str().unwrap()]).status.success());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The first column of a CSV answer, as numbers.
fn first_column(output: &Output) -> Vec<i64> {
    let text = stdout(output);
    let rows = text.lines().skip(1);
    rows.map(|row| row.split(',').next().unwrap().parse().unwrap())
        .collect()
}

#[test]
fn sorted_and_ranged_rows_keep_their_order_through_the_operators_after() {
    // Many batches: DataFusion spreads them over partitions above the sort or the range.
    let descending = "set notruncation; range x from 1 to 100000 step 1 | sort by x desc \
                      | extend y = x * 2 | where y % 3 != 0";
    let values = first_column(&kqlite(&["--format", "csv", descending]));
    assert_eq!(values.len(), 66_667);
    assert!(
        values.windows(2).all(|w| w[0] > w[1]),
        "sort, then extend and where"
    );
    let ranged = "set notruncation; range x from 1 to 100000 step 1 | extend y = x * 2";
    let values = first_column(&kqlite(&["--format", "csv", ranged]));
    assert!(values.windows(2).all(|w| w[0] < w[1]), "range, then extend");
    let down = "set notruncation; range x from 100000 to 1 step -1 | project x";
    let values = first_column(&kqlite(&["--format", "csv", down]));
    assert!(
        values.windows(2).all(|w| w[0] > w[1]),
        "a range stepping down"
    );
}
