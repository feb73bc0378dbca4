//! Exports as analysts download them (the quirks of real portal CSV, streaming-API
//! records, foreign Parquet, several folders), each built as a small fixture here and
//! read end to end by the `kqlite` binary: no value a file holds comes out null, no row is
//! dropped, and what cannot be read is an error or warning naming file, line and column.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("exports-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

fn kqlite(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("kqlite runs")
}

/// Runs `query` as CSV over `data` (with `extra` arguments); stdout and stderr.
fn query(data: &[&Path], extra: &[&str], query: &str) -> (String, String) {
    let mut args: Vec<String> = Vec::new();
    for dir in data {
        args.extend(["--data".to_string(), dir.display().to_string()]);
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    args.extend(["--format".into(), "csv".into(), query.into()]);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = kqlite(&refs);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    (String::from_utf8_lossy(&output.stdout).into_owned(), stderr)
}

/// A portal download: BOM, CRLF, US local times, `Invalid date`, booleans as 1/0.
const PORTAL_CSV: &str =
    "\u{feff}Timestamp,ActionType,IsAdminOperation,Isp,IPAddress,AccountObjectId\r\n\
\"Oct 9, 2024 2:41:10 PM\",FileDownloaded,1,Contoso,10.0.0.1,u1\r\n\
Invalid date,FileUploaded,0,Fabrikam,10.0.0.2,u2\r\n\
\"Dec 31, 2024 11:59:59 PM\",FileDeleted,0,Contoso,10.0.0.3,\"u3\"\r\n";

fn portal_folder(name: &str) -> PathBuf {
    let dir = scratch(name);
    write(&dir.join("CloudAppEvents.csv"), PORTAL_CSV.as_bytes());
    dir
}

#[test]
fn portal_csv_dates_booleans_and_names_are_read() {
    let dir = portal_folder("portal");
    let (out, err) = query(
        &[&dir],
        &[],
        "CloudAppEvents | project Timestamp, ActionType, IsAdminOperation, ISP, IPAddress",
    );
    assert_eq!(
        out,
        "Timestamp,ActionType,IsAdminOperation,ISP,IPAddress\n\
         2024-10-09T14:41:10Z,FileDownloaded,true,Contoso,10.0.0.1\n\
         ,FileUploaded,false,Fabrikam,10.0.0.2\n\
         2024-12-31T23:59:59Z,FileDeleted,false,Contoso,10.0.0.3\n"
    );
    assert!(
        err.contains("note:") && err.contains("read as UTC"),
        "{err}"
    );
    assert!(!err.contains("warning:"), "{err}");
    // One name, one column: `Isp` is the service's `ISP`.
    let (schema, _) = query(
        &[&dir],
        &[],
        "CloudAppEvents | getschema | where ColumnName =~ 'isp' | project ColumnName",
    );
    assert_eq!(schema, "ColumnName\nISP\n");
}

#[test]
fn export_tz_places_portal_times_in_the_browser_zone() {
    let dir = portal_folder("portal-tz");
    let hunt =
        "CloudAppEvents | where Timestamp between (datetime(2024-10-09) .. 1d) | project Timestamp";
    let (out, err) = query(&[&dir], &["--export-tz", "Europe/Paris"], hunt);
    assert_eq!(out, "Timestamp\n2024-10-09T12:41:10Z\n");
    assert!(!err.contains("read as UTC"), "{err}");
    let (out, _) = query(&[&dir], &["--export-tz=-05:00"], hunt);
    assert_eq!(out, "Timestamp\n2024-10-09T19:41:10Z\n");
    let bad = kqlite(&[
        "--export-tz",
        "Mars/Olympus",
        "--data",
        dir.to_str().unwrap(),
        "print 1",
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown time zone"));
}

#[test]
fn a_column_of_unreadable_values_is_an_error_not_nulls() {
    let dir = scratch("unreadable");
    let csv = "Timestamp,AlertId,Title\r\n9 Oct 2024 14h41,a1,t\r\n10 Oct 2024 09h00,a2,t\r\n";
    write(&dir.join("AlertInfo.csv"), csv.as_bytes());
    let output = kqlite(&["--data", dir.to_str().unwrap(), "AlertInfo | count"]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(
        err.contains("AlertInfo.csv") && err.contains("column Timestamp"),
        "{err}"
    );
    assert!(err.contains("none of its 2 values"), "{err}");
}

#[test]
fn crlf_csv_warnings_name_the_right_line() {
    let dir = scratch("crlf");
    let csv = "Timestamp,AlertId,Title\r\n2024-10-09T00:00:00Z,a1,t\r\n2024-10-09T00:00:00Z,a2\r\nnot a time,a3,t\r\n";
    write(&dir.join("AlertInfo.csv"), csv.as_bytes());
    let (out, err) = query(&[&dir], &[], "AlertInfo | count");
    assert_eq!(out, "Count\n2\n");
    assert!(err.contains("AlertInfo.csv:3: row skipped"), "{err}");
    assert!(err.contains("AlertInfo.csv:4: column Timestamp"), "{err}");
    assert!(err.contains("1 row skipped, 1 value read as null"), "{err}");
}

#[test]
fn two_folders_holding_one_table_are_one_table() {
    let a = scratch("root-a");
    let b = scratch("root-b");
    write(
        &a.join("AlertInfo.csv"),
        b"Timestamp,AlertId,Title\n2024-10-09T00:00:00Z,a1,t\n",
    );
    let record = r#"{"time":"2024-10-10T00:00:00Z","category":"AdvancedHunting-AlertInfo","properties":{"Timestamp":"2024-10-10T00:00:00Z","AlertId":"a2","Title":"u","Extra":"x"}}"#;
    write(&b.join("stream").join("PT1H.json"), record.as_bytes());
    let (out, _) = query(
        &[&a, &b],
        &[],
        "AlertInfo | sort by AlertId asc | project AlertId, Title, Extra",
    );
    assert_eq!(out, "AlertId,Title,Extra\na1,t,\na2,u,x\n");
    let tables = kqlite(&[
        "tables",
        "--data",
        a.to_str().unwrap(),
        "--data",
        b.to_str().unwrap(),
    ]);
    let listing = String::from_utf8_lossy(&tables.stdout);
    assert_eq!(tables.status.code(), Some(0));
    let rows: Vec<&str> = listing
        .lines()
        .filter(|l| l.starts_with("AlertInfo"))
        .collect();
    assert_eq!(rows.len(), 1, "{listing}");
    assert_eq!(rows[0].split_whitespace().nth(1), Some("2"), "{listing}");
    assert_eq!(listing.lines().count(), 3, "{listing}"); // header, CSV, streaming JSON
}

#[test]
fn damaged_parquet_is_an_error_naming_the_file() {
    let dir = scratch("damaged");
    let sample = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/sample/DataSecurityEvents/part-0000.parquet");
    let mut bytes = std::fs::read(sample).unwrap();
    let start = bytes.len() / 3;
    for i in (start..start + 4000).step_by(7) {
        bytes[i] ^= 0x5A;
    }
    let damaged = dir.join("DataSecurityEvents.parquet");
    write(&damaged, &bytes);
    let output = kqlite(&[
        "--data",
        dir.to_str().unwrap(),
        "--format",
        "csv",
        "DataSecurityEvents",
    ]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{err}");
    assert!(err.contains(damaged.to_str().unwrap()), "{err}");
}

#[test]
fn a_blank_csv_file_is_named_in_a_warning() {
    let dir = scratch("blank");
    write(&dir.join("AlertInfo.csv"), b"\n\n\n");
    let output = kqlite(&["--data", dir.to_str().unwrap(), "print 1"]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(
        err.contains("AlertInfo.csv:1: file not read: no header row"),
        "{err}"
    );
}
