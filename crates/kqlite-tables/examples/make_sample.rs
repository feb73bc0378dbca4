//! Writes the deterministic sample export (seed 42, scale 1 unless given):
//! `cargo run -p kqlite-tables --example make_sample -- testdata/sample [seed] [scale]`

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "testdata/sample".to_string()));
    let seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(42);
    let scale = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    match kqlite_tables::generate::write_sample(&out, seed, scale) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
