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

#[path = "support/blocks.rs"]
mod blocks;

use std::path::Path;

use blocks::{matches_error, parse_blocks, run_block, test_files, Block};

#[test]
fn query_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let engine = blocks::sample_engine(&runtime, &root);

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
