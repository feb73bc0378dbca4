//! Temporary probe (not to be committed): time and failures over the corpus.
fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or("/work/shared/corpus/queries".into());
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let texts: Vec<(String, String)> = paths
        .iter()
        .filter_map(|p| Some((p.display().to_string(), std::fs::read_to_string(p).ok()?)))
        .collect();
    let verbose = std::env::var_os("V").is_some();
    let mut failed = 0;
    for (p, t) in &texts {
        if let Err(e) = kqlite_parser::parse_query(t) {
            failed += 1;
            if verbose {
                println!("== {p}\n{}", e.render(t));
            }
        }
    }
    let start = std::time::Instant::now();
    let n = 5;
    for _ in 0..n {
        for (_, t) in &texts {
            let _ = std::hint::black_box(kqlite_parser::parse_query(t));
        }
    }
    let el = start.elapsed() / n;
    let bytes: usize = texts.iter().map(|t| t.1.len()).sum();
    println!(
        "{} files, {failed} failed, {:?} per corpus, {:.1} us/KB",
        texts.len(),
        el,
        el.as_secs_f64() * 1e6 / (bytes as f64 / 1024.0)
    );
}
