//! The blocks of `testdata/queries/*.test` files (see `tests/queries.rs`), read and run: shared
//! by the local test and the cluster test (`kqlite-cli/tests/cluster.rs`), so both hold kqlite
//! to the same expectations.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use kqlite::output::{print, Format};
use kqlite::Engine;

pub const NOW: i64 = 1_759_276_800_000_000_000; // 2025-10-01T00:00:00Z

/// An engine over `testdata/sample` (`root` is `testdata`), at the tests' clock.
pub fn sample_engine(runtime: &tokio::runtime::Runtime, root: &Path) -> Engine {
    let mut engine = Engine::new();
    runtime
        .block_on(engine.attach(&root.join("sample")))
        .expect("sample data attaches");
    engine.set_now(Some(NOW));
    engine.set_base_dir(Some(root.to_path_buf()));
    engine
}

pub struct Block {
    pub kind: String,
    pub query: String,
    pub expected: String,
    pub line: usize,
}

pub fn matches_error(block: &Block, actual: &str) -> bool {
    block.kind == "error" && actual.starts_with("error") && actual.contains(block.expected.trim())
}

pub async fn run_block(engine: &Engine, block: &Block) -> String {
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

/// Runs every block of `testdata/queries` (`root` is `testdata`) on `engine`, showing each to
/// `seen`: how many ran, and a report of each that did not answer as expected.
pub fn differing_blocks(
    runtime: &tokio::runtime::Runtime,
    engine: &Engine,
    root: &Path,
    mut seen: impl FnMut(&Block),
) -> (usize, Vec<String>) {
    let (mut count, mut failures) = (0, Vec::new());
    for file in test_files(&root.join("queries")) {
        for block in parse_blocks(&std::fs::read_to_string(&file).unwrap()) {
            count += 1;
            seen(&block);
            let actual = runtime.block_on(run_block(engine, &block));
            let same = actual.trim_end() == block.expected.trim_end();
            if !same && !matches_error(&block, &actual) {
                let place = format!("{}:{}", file.display(), block.line);
                failures.push(format!(
                    "{place}\n{}\n--- expected\n{}\n--- got\n{actual}",
                    block.query, block.expected
                ));
            }
        }
    }
    (count, failures)
}

pub fn test_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "test"))
        .collect();
    files.sort();
    files
}

pub fn parse_blocks(text: &str) -> Vec<Block> {
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
