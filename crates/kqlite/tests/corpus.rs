//! How much of the public Defender hunting corpus (`../shared/corpus/queries`, when present)
//! parses, plans and runs: over the bundled sample, with every other Defender table registered
//! empty. Prints the figures; fails only on a panic or an internal error.

use std::path::Path;

use kqlite::{Engine, Error};

#[test]
fn corpus_queries_run() {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/queries");
    let Ok(entries) = std::fs::read_dir(&corpus) else {
        println!("no corpus at {}: skipped", corpus.display());
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let mut engine = Engine::new();
    let sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample");
    runtime.block_on(engine.attach(&sample)).unwrap();
    engine.attach_empty_schemas();
    engine.set_now(Some(1_759_276_800_000_000_000));

    let mut files: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    files.sort();
    let (mut ran, mut parse_failed, mut internal) = (0, 0, Vec::new());
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    for file in &files {
        let Ok(text) = std::fs::read_to_string(file) else {
            continue;
        };
        match runtime.block_on(engine.run(&text)) {
            Ok(_) => ran += 1,
            Err(Error::Parse(_)) => parse_failed += 1,
            Err(e) if e.is_internal() => internal.push(format!("{}: {e}", file.display())),
            Err(e) => {
                let why = reason(&e.to_string());
                if std::env::var("KQLITE_CORPUS_SHOW").is_ok_and(|s| why.contains(&s)) {
                    println!("{}:\n{}", file.display(), e.render(&text));
                }
                *reasons.entry(why).or_default() += 1;
            }
        }
    }
    let total = files.len();
    println!(
        "corpus: {ran} of {total} run ({:.1}%), {parse_failed} do not parse",
        100.0 * ran as f64 / total as f64
    );
    let mut common: Vec<_> = reasons.into_iter().collect();
    common.sort_by_key(|c| std::cmp::Reverse(c.1));
    for (why, count) in common.iter().take(40) {
        println!("{count:5}  {why}");
    }
    assert!(
        internal.is_empty(),
        "internal errors:\n{}",
        internal.join("\n")
    );
}

/// The error message without its specifics after the first line.
fn reason(message: &str) -> String {
    let first = message.lines().next().unwrap_or("");
    first.chars().take(90).collect()
}
