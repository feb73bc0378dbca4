//! File-driven end-to-end tests: every `testdata/queries/*.test` file holds blocks of
//!
//! ```text
//! query                      error
//! <KQL>                      <KQL>
//! ----                       ----
//! <expected CSV>             <text the rendered error must contain>
//! ```
//!
//! separated by blank lines; `#` starts a comment line. Queries run over `testdata/sample`
//! with the clock at 2025-10-01T00:00:00Z; relative `externaldata` paths start at `testdata`. `KQLITE_BLESS=1` rewrites the expectations of
//! `query` blocks from the actual results.

use std::path::{Path, PathBuf};

use kqlite::output::{print, Format};
use kqlite::Engine;

const NOW: i64 = 1_759_276_800_000_000_000; // 2025-10-01T00:00:00Z

struct Block {
    kind: String,
    query: String,
    expected: String,
    line: usize,
}

#[test]
fn query_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut engine = Engine::new();
    runtime
        .block_on(engine.attach(&root.join("sample")))
        .expect("sample data attaches");
    engine.set_now(Some(NOW));
    engine.set_base_dir(Some(root.clone()));

    let bless = std::env::var_os("KQLITE_BLESS").is_some();
    let mut failures = Vec::new();
    let mut count = 0;
    for file in test_files(&root.join("queries")) {
        let text = std::fs::read_to_string(&file).unwrap();
        let mut blocks = parse_blocks(&text);
        for block in &mut blocks {
            count += 1;
            let actual = runtime.block_on(run_block(&engine, block));
            if actual.trim_end() == block.expected.trim_end() || matches_error(block, &actual) {
                continue;
            }
            if bless && block.kind == "query" {
                block.expected = actual;
                continue;
            }
            failures.push(format!(
                "{}:{}: {}\n--- query\n{}\n--- expected\n{}\n--- actual\n{}",
                file.display(),
                block.line,
                block.kind,
                block.query,
                block.expected.trim_end(),
                actual.trim_end()
            ));
        }
        if bless {
            std::fs::write(&file, render_blocks(&text, &blocks)).unwrap();
        }
    }
    assert!(count > 0, "no test blocks found");
    assert!(
        failures.is_empty(),
        "{} of {count} blocks failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    println!("{count} query blocks passed");
}

fn matches_error(block: &Block, actual: &str) -> bool {
    block.kind == "error" && actual.starts_with("error") && actual.contains(block.expected.trim())
}

async fn run_block(engine: &Engine, block: &Block) -> String {
    match engine.run(&block.query).await {
        Ok(results) if block.kind == "query" => {
            let mut out = Vec::new();
            for result in &results {
                print(result, Format::Csv, &mut out).unwrap();
            }
            String::from_utf8(out).unwrap()
        }
        Ok(_) => "(no error)".to_string(),
        Err(e) => e.render(&block.query),
    }
}

fn test_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "test"))
        .collect();
    files.sort();
    files
}

fn parse_blocks(text: &str) -> Vec<Block> {
    let lines: Vec<&str> = text.lines().collect();
    let mut blocks = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let kind = lines[i].trim();
        if kind != "query" && kind != "error" {
            i += 1;
            continue;
        }
        let line = i + 1;
        let mut query = Vec::new();
        i += 1;
        while i < lines.len() && lines[i] != "----" {
            query.push(lines[i]);
            i += 1;
        }
        i += 1;
        let mut expected = Vec::new();
        while i < lines.len() && !lines[i].trim().is_empty() {
            expected.push(lines[i]);
            i += 1;
        }
        blocks.push(Block {
            kind: kind.to_string(),
            query: query.join("\n"),
            expected: expected.join("\n") + "\n",
            line,
        });
    }
    blocks
}

/// The file with each block's expectation replaced, for `KQLITE_BLESS`.
fn render_blocks(text: &str, blocks: &[Block]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut i = 0;
    for block in blocks {
        let start = block.line - 1;
        while i < start {
            out.push_str(lines[i]);
            out.push('\n');
            i += 1;
        }
        out.push_str(&format!(
            "{}\n{}\n----\n{}",
            block.kind, block.query, block.expected
        ));
        if !block.expected.ends_with('\n') {
            out.push('\n');
        }
        i = start + 1 + block.query.lines().count() + 1;
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
    }
    while i < lines.len() {
        out.push_str(lines[i]);
        out.push('\n');
        i += 1;
    }
    out
}
