//! `kqlite tables --data DIR...`: the tables found, their row counts and
//! where their rows came from.

use std::io::{self, Write};
use std::path::PathBuf;

use kqlite::{Engine, RegisteredTable};
use kqlite_tables::ExportZone;

/// Lists the tables; false when it failed (already reported).
pub async fn run(data: &[PathBuf], strict: bool, zone: ExportZone) -> bool {
    let mut engine = match Engine::with_env_settings() {
        Ok(engine) => engine,
        Err(e) => {
            eprintln!("error: {e}");
            return false;
        }
    };
    engine.set_strict(strict);
    engine.set_export_zone(zone);
    for dir in data {
        if let Err(e) = engine.attach(dir).await {
            eprintln!("error: {e}");
            return false;
        }
    }
    print_warnings(&engine);
    let stdout = io::stdout();
    match print(engine.tables(), &mut stdout.lock()) {
        Ok(()) => true,
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => true,
        Err(e) => {
            eprintln!("error: {e}");
            false
        }
    }
}

fn print(tables: &[RegisteredTable], out: &mut dyn Write) -> io::Result<()> {
    let width = tables
        .iter()
        .map(|t| t.name.len())
        .max()
        .unwrap_or(5)
        .max(5);
    writeln!(out, "{:<width$}  {:>12}  sources", "table", "rows")?;
    for table in tables {
        let mut sources = table.sources.iter();
        let first = sources.next().map_or("", String::as_str);
        writeln!(out, "{:<width$}  {:>12}  {first}", table.name, table.rows)?;
        for source in sources {
            writeln!(out, "{:<width$}  {:>12}  {source}", "", "")?;
        }
    }
    Ok(())
}

/// The problems found in the input files, then their totals, on stderr.
pub fn print_warnings(engine: &Engine) {
    const SHOWN: usize = 20;
    for note in engine.notes() {
        eprintln!("note: {note}");
    }
    let warnings = engine.warnings();
    if warnings.is_empty() {
        return;
    }
    let (problems, notes): (Vec<_>, Vec<_>) = warnings.iter().partition(|w| w.is_problem());
    for note in notes {
        eprintln!("note: {note}");
    }
    if problems.is_empty() {
        return;
    }
    for w in problems.iter().take(SHOWN) {
        eprintln!("warning: {w}");
    }
    if problems.len() > SHOWN {
        eprintln!("warning: ... {} more", problems.len() - SHOWN);
    }
    let totals = kqlite_tables::WarningTotals::of(warnings);
    eprintln!("warning: problems in the input: {totals} (--strict makes them errors)");
}
