//! Queries that once crashed, hung or exhausted memory (found by fuzzing): each now ends
//! with a result or a clear error, never a panic, a stack overflow or an abort.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample")
}

/// Runs `query` over the sample as CSV, from a file (some are longer than an argument may be).
fn run(query: &str) -> Output {
    let data = sample();
    let file = tempfile_for(query);
    let output = Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args(["--data", data.to_str().unwrap(), "--format", "csv", "-f"])
        .arg(&file)
        .stdin(Stdio::null())
        .output()
        .expect("kqlite runs");
    let _ = std::fs::remove_file(file);
    output
}

fn tempfile_for(query: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = format!("hostile-{}-{n}.kql", std::process::id());
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, query).expect("query file written");
    path
}

fn answers(query: &str) -> String {
    let output = run(query);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn refuses(query: &str, message: &str) {
    let output = run(query);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(message), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn top_zero_is_no_rows() {
    assert_eq!(
        answers("DataSecurityEvents | top 0 by Timestamp | count"),
        "Count\n0\n"
    );
    let through_a_parameter = "let TopN = (T:(X:long), N:long) { T | top N by X }; \
                               TopN(datatable(X:long)[1,5,3], 0)";
    assert_eq!(answers(through_a_parameter), "X\n");
    assert_eq!(
        answers("DataSecurityEvents | top-hitters 0 of AccountUpn | count"),
        "Count\n0\n"
    );
}

#[test]
fn recursion_is_an_error() {
    let calls_itself = "recursion is not allowed";
    refuses("let f = (x:long) { f(x) }; print f(1)", calls_itself);
    refuses(
        "let f = (x:long) { iff(x <= 0, 0, f(x - 1)) }; print f(3)",
        calls_itself,
    );
    refuses(
        "let g = (x:long) { h(x) }; let h = (x:long) { g(x) }; print g(1)",
        calls_itself,
    );
    refuses("let T = (n:long) { T(n) | take 1 }; T(1)", calls_itself);
    // Calling a function twice is not recursion.
    let twice = "let f = (x:long) { x + 1 }; let g = (x:long) { f(x) + f(x) }; print g(1)";
    assert_eq!(answers(twice), "print_0\n4\n");
}

#[test]
fn long_pipelines_plan_and_longer_ones_are_refused() {
    let wheres = " | where ObjectSize >= 0".repeat(2_000);
    assert_eq!(
        answers(&format!("DataSecurityEvents{wheres} | count")),
        answers("DataSecurityEvents | count")
    );
    let lets: String = (1..3_000)
        .map(|i| format!("let t{i} = t{} | take 5;\n", i - 1))
        .collect();
    let chain = format!("let t0 = DataSecurityEvents;\n{lets}t2999 | count");
    assert_eq!(answers(&chain), "Count\n5\n");
    // A scalar chain: each computed let is folded once (it took seconds, growing with the
    // square of the chain, when each use lowered the whole chain again).
    let scalars: String = (1..1_700)
        .map(|i| format!("let a{i} = a{} + 1;\n", i - 1))
        .collect();
    let scalars = format!("let a0 = 1;\n{scalars}print n = a1699");
    assert_eq!(answers(&scalars), "n\n1700\n");
    let takes = " | take 100".repeat(20_000);
    refuses(
        &format!("DataSecurityEvents{takes}"),
        "the query is too large",
    );
}

#[test]
fn wide_and_many_legged_queries_plan_quickly() {
    let columns: Vec<String> = (0..400)
        .map(|i| format!("c{i} = ObjectSize + {i}"))
        .collect();
    let wide = format!("DataSecurityEvents | extend {} | count", columns.join(", "));
    assert_eq!(answers(&wide), answers("DataSecurityEvents | count"));
    let legs = vec!["(datatable(x:long)[1])"; 2_000].join(", ");
    assert_eq!(answers(&format!("union {legs} | count")), "Count\n2000\n");
}

#[test]
fn a_huge_range_streams_and_stops_early() {
    let first_two = "range t from datetime(2000-01-01) to datetime(2025-01-01) step 1s | take 2";
    assert_eq!(
        answers(first_two),
        "t\n2000-01-01T00:00:00Z\n2000-01-01T00:00:01Z\n"
    );
    assert_eq!(
        answers("range x from 1 to 100000000 step 1 | summarize sum(x)"),
        "sum_x\n5000000050000000\n"
    );
}

#[test]
fn a_series_too_long_to_hold_is_refused() {
    refuses(
        "DataSecurityEvents | make-series count() on Timestamp \
         from datetime(2025-01-01) to datetime(2026-01-01) step 1tick",
        "bins per series",
    );
}

#[test]
fn externaldata_reads_only_below_the_data_and_the_query_file() {
    let outside = "is outside the folders it may read";
    refuses(
        r#"externaldata(x:string) [@"/etc/passwd"] with (format="txt")"#,
        outside,
    );
    refuses(
        r#"externaldata(x:string) [@"../../../../../etc/passwd"] with (format="txt")"#,
        outside,
    );
    refuses(
        r#"externaldata(x:string) [@"/proc/self/environ"] with (format="txt")"#,
        "is not a regular file",
    );
    refuses(
        r#"externaldata(x:string) [@"/dev/zero"] with (format="txt")"#,
        "is not a regular file",
    );
    let truth = sample().join("truth.json").canonicalize().unwrap();
    let below_data = format!(
        r#"externaldata(x:string) [@"{}"] with (format="txt") | count"#,
        truth.display()
    );
    assert!(answers(&below_data).starts_with("Count\n"));
    // Relative paths start at the query file's folder, which may be read.
    let beside = Path::new(env!("CARGO_TARGET_TMPDIR")).join("beside-the-query.txt");
    std::fs::write(&beside, "a\nb\n").unwrap();
    let relative =
        r#"externaldata(x:string) [@"beside-the-query.txt"] with (format="txt") | count"#;
    assert_eq!(answers(relative), "Count\n2\n");
}

/// Runs `query` with extra arguments (no data).
fn run_with(args: &[&str], query: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args(args)
        .args(["--format", "csv", query])
        .stdin(Stdio::null())
        .output()
        .expect("kqlite runs")
}

#[test]
fn results_past_kustos_limits_are_cut_with_an_error() {
    let output = run_with(&[], "range x from 1 to 500001 step 1");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stdout.lines().count(),
        500_001,
        "a header and 500,000 records"
    );
    assert!(stderr.contains("more than 500000 records"), "{stderr}");
    let whole = run_with(&[], "set notruncation; range x from 1 to 500001 step 1");
    assert_eq!(whole.status.code(), Some(0));
    assert_eq!(
        whole.stdout.iter().filter(|&&b| b == b'\n').count(),
        500_002
    );
    let three = run_with(
        &[],
        "set truncationmaxrecords = 3; range x from 1 to 5 step 1",
    );
    assert_eq!(String::from_utf8_lossy(&three.stdout), "x\n1\n2\n3\n");
    assert_eq!(three.status.code(), Some(1));
}

#[test]
fn a_query_past_its_timeout_is_cancelled() {
    let slow = "range x from 1 to 10000000000 step 1 | summarize count() by x % 7";
    let started = std::time::Instant::now();
    let output = run_with(&["--timeout", "1s"], slow);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("ran past its timeout of 00:00:01"),
        "{stderr}"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    let set = run_with(&[], &format!("set servertimeout = 1s; {slow}"));
    assert!(String::from_utf8_lossy(&set.stderr).contains("timeout"));
}

#[test]
fn ctrl_c_stops_a_query_with_exit_code_130() {
    let child = Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args(["range x from 1 to 10000000000 step 1 | summarize count() by x % 7"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kqlite starts");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let pid = child.id().to_string();
    // The shell's own `kill`: no procps needed.
    let sent = Command::new("sh")
        .args(["-c", &format!("kill -INT {pid}")])
        .status()
        .unwrap();
    assert!(sent.success());
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130));
    assert!(String::from_utf8_lossy(&output.stderr).contains("interrupted"));
}

#[test]
fn a_sort_larger_than_the_memory_limit_spills() {
    // About 100 MB of rows sorted within 64 MB.
    let sort = "range x from 1 to 3000000 step 1 | extend s = strcat('k', x) \
                | sort by s desc | extend rn = row_number() | where rn == 3000000 | project s";
    let output = run_with(&["--memory-limit", "64M"], sort);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&output.stdout), "s\nk1\n");
}

/// Found by `crates/kqlite/tests/fuzz_queries.rs`: an aggregate called without its argument.
#[test]
fn an_aggregate_without_its_argument_is_an_error() {
    for query in [
        "datatable(g:string, x:long)['a', 1] | summarize s = sum() by g",
        "datatable(x:long)[1] | summarize stdev(), variance()",
        "datatable(User:string, Bytes:long)['a', 1] | top-nested 1 of User by sum() asc",
    ] {
        refuses(query, "argument");
    }
}
