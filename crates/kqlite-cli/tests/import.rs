//! `kqlite import` and `kqlite tables` as a user runs them, and queries over
//! the export formats: the same answer before and after import, bad input
//! reported, `--strict` failing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use kqlite_tables::generate::write_sample_formats;

fn kqlite(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("kqlite runs")
}

/// A fresh folder in the target's scratch space (emptied again by the next run).
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("import-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const HUNT: &str = "DataSecurityEvents | where ActionType == 'FileUploadedToCloud' \
    | summarize Files = count() by AccountUpn | order by Files desc, AccountUpn asc";

fn hunt(data: &Path) -> Output {
    kqlite(&["--data", data.to_str().unwrap(), "--format", "csv", HUNT])
}

#[test]
fn import_gives_the_answer_the_exports_give() {
    let dir = scratch("import");
    write_sample_formats(&dir.join("in"), 42, 1).unwrap();
    let direct = hunt(&dir.join("in/stream"));
    assert!(direct.status.success(), "{}", text(&direct.stderr));
    let out = dir.join("out");
    let import = kqlite(&[
        "import",
        dir.join("in/stream").to_str().unwrap(),
        "--to",
        out.to_str().unwrap(),
    ]);
    assert!(import.status.success(), "{}", text(&import.stderr));
    assert!(
        text(&import.stdout).contains("rows/s"),
        "{}",
        text(&import.stdout)
    );
    let imported = hunt(&out);
    assert_eq!(text(&imported.stdout), text(&direct.stdout));
    for format in ["graph", "csv"] {
        assert_eq!(
            text(&hunt(&dir.join("in").join(format)).stdout),
            text(&direct.stdout),
            "{format}"
        );
    }
    let tables = kqlite(&["tables", "--data", dir.join("in").to_str().unwrap()]);
    let listing = text(&tables.stdout);
    assert!(listing.contains("streaming JSON: 2 files"), "{listing}");
    assert!(listing.contains("CSV: "), "{listing}");
}

#[test]
fn bad_input_is_reported_and_strict_fails() {
    let dir = scratch("bad-input");
    let good = r#"{"category":"AdvancedHunting-AlertInfo","properties":{"Timestamp":"2025-09-01T10:00:00Z","AlertId":"a1"}}"#;
    std::fs::write(dir.join("PT1H.json"), format!("{good}\n{{broken\n")).unwrap();
    let data = dir.to_str().unwrap();
    let lenient = kqlite(&["--data", data, "--format", "csv", "AlertInfo | count"]);
    assert!(lenient.status.success());
    assert_eq!(text(&lenient.stdout), "Count\n1\n");
    assert!(
        text(&lenient.stderr).contains("PT1H.json:2"),
        "{}",
        text(&lenient.stderr)
    );
    assert!(
        text(&lenient.stderr).contains("1 row skipped"),
        "{}",
        text(&lenient.stderr)
    );
    let strict = kqlite(&["--data", data, "--strict", "AlertInfo | count"]);
    assert_eq!(strict.status.code(), Some(1));
    let out = dir.join("out");
    let import = kqlite(&["import", data, "--to", out.to_str().unwrap(), "--strict"]);
    assert_eq!(import.status.code(), Some(1));
    assert!(text(&import.stderr).contains("PT1H.json:2"));
}

#[test]
fn an_undocumented_table_keeps_the_types_its_text_reads_as() {
    let dir = scratch("undocumented");
    let source = dir.join("in");
    std::fs::create_dir_all(&source).unwrap();
    let csv = "TimeGenerated,UserPrincipalName,ResultType,Score,Props,Code\n\
               2025-09-01T10:00:00Z,a@x.com,0,1.5,\"{\"\"k\"\":1}\",007\n\
               2025-09-02T11:00:00Z,b@x.com,50126,2.5,\"{\"\"k\"\":2}\",042\n";
    std::fs::write(source.join("MyCustomTable.csv"), csv).unwrap();
    let out = dir.join("out");
    let imported = kqlite(&[
        "import",
        source.to_str().unwrap(),
        "--to",
        out.to_str().unwrap(),
    ]);
    assert!(imported.status.success(), "{}", text(&imported.stderr));
    let ask = |data: &Path, query: &str| {
        let output = kqlite(&["--data", data.to_str().unwrap(), "--format", "csv", query]);
        assert!(output.status.success(), "{}", text(&output.stderr));
        text(&output.stdout)
    };
    let schema = "MyCustomTable | getschema | project ColumnName, ColumnType";
    let types = ask(&out, schema);
    assert_eq!(types, ask(&source, schema));
    assert!(
        types.contains("TimeGenerated,datetime") && types.contains("Props,dynamic"),
        "{types}"
    );
    assert!(types.contains("Code,string"), "codes stay text: {types}");
    let hunt = "MyCustomTable | where TimeGenerated > datetime(2025-09-02) and ResultType > 100 \
                | project UserPrincipalName, k = toint(Props.k), Score, Code";
    assert_eq!(ask(&out, hunt), ask(&source, hunt));
    assert!(ask(&out, hunt).contains("b@x.com,2,2.5,042"));
}
