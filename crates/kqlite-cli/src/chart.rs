//! `--chart FILE`: the chart a query's `render` asks for, written as SVG or as an HTML page.

use std::path::Path;

use crate::results::Kept;
use crate::Failure;

/// Writes the chart of `kept` (the result of `query`) to `path`; a query without `render`,
/// or with a chart kqlite does not draw, gets a note and no file.
pub fn write(path: &Path, query: &str, kept: &Kept) -> Result<(), Failure> {
    let shown = path.display();
    let html = match path.extension().and_then(|e| e.to_str()) {
        Some("svg") => false,
        Some("html" | "htm") => true,
        _ => {
            return Err(Failure::Usage(format!(
                "--chart {shown}: charts are written as .svg or .html"
            )))
        }
    };
    let parsed = kqlite_parser::parse_query(query).ok();
    let Some(vis) = parsed.as_ref().and_then(kqlite_chart::from_query) else {
        eprintln!("note: --chart {shown}: the query has no render operator; no chart written");
        return Ok(());
    };
    let Some(schema) = &kept.schema else {
        return Ok(());
    };
    let svg = match kqlite_chart::svg(&vis, schema, &kept.batches) {
        Ok(svg) => svg,
        Err(why) => {
            eprintln!("note: --chart {shown}: {why}; no chart written");
            return Ok(());
        }
    };
    let contents = if html {
        kqlite_chart::html(&vis, &svg)
    } else {
        svg
    };
    std::fs::write(path, contents).map_err(|e| Failure::Usage(format!("--chart {shown}: {e}")))
}
