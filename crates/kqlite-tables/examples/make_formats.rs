//! Writes the sample in the other export formats (streaming JSON lines plain
//! and gzip, Graph JSON, CSV) under OUT/stream, OUT/graph and OUT/csv:
//! `cargo run -p kqlite-tables --example make_formats -- OUT [seed] [scale]`

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().unwrap_or_else(|| "formats".to_string()));
    let seed = args.next().and_then(|s| s.parse().ok()).unwrap_or(42);
    let scale = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    match kqlite_tables::generate::write_sample_formats(&out, seed, scale) {
        Ok(files) => {
            for (table, rows) in &files.rows {
                println!("{table:<24} {rows:>9} rows");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
