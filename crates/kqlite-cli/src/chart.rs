//! `--chart FILE`: the chart a query's `render` asks for, written as SVG, PNG or an HTML page.

use std::path::Path;

use crate::results::Kept;
use crate::Failure;

/// Writes the chart of `kept` (the result of `query`) to `path`; a query without `render`,
/// or with a chart kqlite does not draw, gets a note and no file.
pub fn write(path: &Path, query: &str, kept: &Kept) -> Result<(), Failure> {
    let shown = path.display();
    let Some(form) = Form::of(path) else {
        return Err(Failure::Usage(format!(
            "--chart {shown}: charts are written as .svg, .png or .html"
        )));
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
    let contents = form
        .encode(&vis, svg)
        .map_err(|e| Failure::Usage(format!("--chart {shown}: {e}")))?;
    std::fs::write(path, contents).map_err(|e| Failure::Usage(format!("--chart {shown}: {e}")))
}

/// What a chart file holds, by its extension.
pub enum Form {
    Svg,
    Png,
    Html,
}

impl Form {
    pub fn of(path: &Path) -> Option<Form> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "svg" => Some(Form::Svg),
            "png" => Some(Form::Png),
            "html" | "htm" => Some(Form::Html),
            _ => None,
        }
    }

    /// The file's bytes for `svg`, the chart of `vis`.
    pub fn encode(
        &self,
        vis: &kqlite_chart::Visualization,
        svg: String,
    ) -> Result<Vec<u8>, String> {
        match self {
            Form::Svg => Ok(svg.into_bytes()),
            Form::Html => Ok(kqlite_chart::html(vis, &svg).into_bytes()),
            Form::Png => kqlite_chart::png(&svg),
        }
    }
}
