//! Parses every query of the shared corpus when it is present. Parse failures are counted, not
//! fatal; what must hold is no panic and the round-trip property for every parsed query.

use std::path::Path;

use kqlite_parser::{parse_query, printer::print_query};

#[test]
fn corpus_parses_without_panics_and_round_trips() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/queries");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("corpus not found at {}: skipped", dir.display());
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    paths.sort();
    let (mut parsed, mut failed) = (0, 0);
    let mut round_trip_failures = Vec::new();
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        match parse_query(&text) {
            Ok(q) => {
                parsed += 1;
                let printed = print_query(&q);
                match parse_query(&printed) {
                    Ok(again) if again == q => {}
                    _ => round_trip_failures.push(path.display().to_string()),
                }
            }
            Err(e) => {
                failed += 1;
                if std::env::var_os("KQLITE_CORPUS_VERBOSE").is_some() {
                    eprintln!("{}:\n{}", path.display(), e.render(&text));
                }
            }
        }
    }
    eprintln!(
        "corpus: {parsed} parsed, {failed} failed, {} files",
        paths.len()
    );
    // The failures left are not valid KQL (template placeholders, prose, `where x = true`,
    // US-format dates...): see the list in the issue-3 notes.
    assert!(parsed >= 1355, "only {parsed} corpus queries parsed");
    assert!(
        round_trip_failures.is_empty(),
        "round trip failed for: {round_trip_failures:#?}"
    );
}
