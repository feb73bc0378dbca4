//! Text exports read only where a query's time filter reaches: the streaming API's hour
//! folders (`y=/m=/d=/h=`), run by the `kqlite` binary twice. The first run reads every file
//! and keeps what it learnt (columns, rows, datetime bounds) in the cache; a later run reads a
//! file only when its query's time filter can reach the file's `Timestamp`s.
//!
//! To see which files a run reads, one hour's file is then damaged behind kqlite's back (same
//! size, same modification time, same first and last bytes): a query that does not reach that
//! hour answers as before without a word, and one that does reports the damage.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const HOURS: usize = 4;
const RECORDS: usize = 30;

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pruning-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch folder");
    dir
}

fn hour_file(exports: &Path, hour: usize) -> PathBuf {
    exports.join(format!(
        "insights-logs-advancedhunting-alertinfo/y=2025/m=09/d=01/h={hour:02}/m=00/PT1H.json"
    ))
}

/// Four hours of alerts, thirty a hour, each file well over the bytes its stamp reads.
fn write_exports(exports: &Path) {
    for hour in 0..HOURS {
        let lines: Vec<String> = (0..RECORDS)
            .map(|i| {
                format!(
                    r#"{{"time":"2025-09-01T{hour:02}:{:02}:00Z","tenantId":"t","category":"AdvancedHunting-AlertInfo","properties":{{"Timestamp":"2025-09-01T{hour:02}:{i:02}:00Z","AlertId":"a{hour}-{i}","Title":"{}","Severity":"High"}}}}"#,
                    i + 20,
                    "t".repeat(300)
                )
            })
            .collect();
        let path = hour_file(exports, hour);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, lines.join("\n")).unwrap();
    }
}

/// Breaks a record in the middle of the file, keeping its size, ends and modification time.
fn damage_unseen(path: &Path) {
    let modified = std::fs::metadata(path).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(path).unwrap();
    let middle = bytes.len() / 2;
    let record = middle
        - bytes[..middle]
            .iter()
            .rev()
            .position(|&b| b == b'\n')
            .unwrap();
    bytes[record..record + 4].copy_from_slice(b"@@@@");
    std::fs::write(path, bytes).unwrap();
    let file = File::options().write(true).open(path).unwrap();
    file.set_modified(modified).unwrap();
}

fn kqlite(cache: &Path, exports: &Path, query: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .env("KQLITE_CACHE", cache)
        .args(["--now", "2025-09-01T04:00:00Z", "--format", "csv", "--data"])
        .arg(exports)
        .arg(query)
        .stdin(Stdio::null())
        .output()
        .expect("kqlite runs")
}

fn answer(output: &Output) -> (String, String) {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    (String::from_utf8_lossy(&output.stdout).into_owned(), stderr)
}

#[test]
fn hour_folders_a_time_filter_cannot_reach_are_not_read() {
    let dir = scratch("hours");
    let (exports, cache) = (dir.join("exports"), dir.join("cache"));
    write_exports(&exports);
    let per_hour = "AlertInfo | summarize n = count() by h = bin(Timestamp, 1h) | order by h asc";
    let recent = "AlertInfo | where Timestamp > ago(200m) | order by Timestamp asc | take 3 | project AlertId";
    let hours: String = (0..HOURS)
        .map(|h| format!("2025-09-01T{h:02}:00:00Z,30\n"))
        .collect();
    assert_eq!(
        answer(&kqlite(&cache, &exports, per_hour)).0,
        format!("h,n\n{hours}")
    );
    let (before, _) = answer(&kqlite(&cache, &exports, recent));
    assert_eq!(before, "AlertId\na1-0\na1-1\na1-2\n");

    damage_unseen(&hour_file(&exports, 0));
    // Hour 0 ends at 00:29, before the filter's 00:40: its file is not read.
    let (after, warnings) = answer(&kqlite(&cache, &exports, recent));
    assert_eq!(after, before);
    assert_eq!(warnings, "");
    let between = "AlertInfo | where Timestamp between (datetime(2025-09-01 01:00) .. 2h) | count";
    assert_eq!(answer(&kqlite(&cache, &exports, between)).0, "Count\n61\n");

    // A query that reaches hour 0 reads it, finds it changed, and says so; the next run
    // reads it afresh, with the damaged record named.
    let reached = kqlite(&cache, &exports, per_hour);
    let stderr = String::from_utf8_lossy(&reached.stderr);
    assert!(!reached.status.success());
    assert!(stderr.contains("h=00/m=00/PT1H.json:"), "{stderr}");
    assert!(
        stderr.contains("the file changed since kqlite last read it"),
        "{stderr}"
    );
    let (again, warnings) = answer(&kqlite(&cache, &exports, per_hour));
    assert!(again.contains(",29\n"), "{again}");
    assert!(warnings.contains("h=00/m=00/PT1H.json:"), "{warnings}");
}

#[test]
fn a_changed_file_is_read_again_at_attach() {
    let dir = scratch("changed");
    let (exports, cache) = (dir.join("exports"), dir.join("cache"));
    write_exports(&exports);
    let count = "AlertInfo | count";
    assert_eq!(answer(&kqlite(&cache, &exports, count)).0, "Count\n120\n");
    let path = hour_file(&exports, 3);
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("\n{\"Timestamp\":\"2025-09-01T03:59:00Z\",\"AlertId\":\"late\"}");
    std::fs::write(&path, text).unwrap();
    assert_eq!(answer(&kqlite(&cache, &exports, count)).0, "Count\n121\n");
    let late = "AlertInfo | where Timestamp > datetime(2025-09-01 03:58) | project AlertId";
    assert_eq!(answer(&kqlite(&cache, &exports, late)).0, "AlertId\nlate\n");
}
