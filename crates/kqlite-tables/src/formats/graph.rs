//! The Graph security `runHuntingQuery` response:
//! `{"schema": [{"name": "Timestamp", "type": "DateTime"}, ...], "results": [{...}, ...]}`
//! (`Name`/`Type` and `Schema`/`Results` also accepted). One table per file,
//! named by the file or its folder. Documented columns keep their registry
//! types; other columns take the type the response's schema gives.

use std::collections::HashMap;
use std::io::BufRead;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::cell::{datetime_of, Cell};
use super::{read_json_document, ReadCtx, RowSink};
use crate::error::TableError;
use crate::schema::{KustoType, TableDef};
use crate::warning::Position;

#[derive(Deserialize)]
struct Response {
    #[serde(alias = "Schema", default)]
    schema: Vec<SchemaColumn>,
    #[serde(alias = "Results")]
    results: Vec<Map<String, Value>>,
}

#[derive(Deserialize)]
struct SchemaColumn {
    #[serde(alias = "Name")]
    name: String,
    #[serde(alias = "Type", default)]
    r#type: String,
}

pub(crate) fn read(
    reader: Box<dyn BufRead + '_>,
    def: &'static TableDef,
    ctx: &mut ReadCtx<'_>,
    sink: &mut dyn RowSink,
) -> Result<(), TableError> {
    let Some(response) = read_json_document::<Response>(reader, "a Graph hunting response", ctx)
    else {
        return Ok(());
    };
    let types: HashMap<&str, KustoType> = response
        .schema
        .iter()
        .filter_map(|c| Some((c.name.as_str(), graph_type(&c.r#type)?)))
        .collect();
    for (i, row) in response.results.iter().enumerate() {
        let time = row
            .get("Timestamp")
            .and_then(|v| datetime_of(Cell::Json(v)).ok());
        let builder = sink.builder(def, time)?;
        let cells = row
            .iter()
            .filter(|(k, _)| !k.starts_with("@odata"))
            .map(|(k, v)| (k.as_str(), Cell::Json(v), types.get(k.as_str()).copied()));
        let bad = builder.push_row(cells);
        ctx.bad_values(Position::Row(i as u64), bad);
        ctx.row_read();
    }
    Ok(())
}

/// A Graph schema type (.NET names such as `DateTime`, `Int64`, `Object`,
/// with or without `System.`) as a Kusto type.
fn graph_type(name: &str) -> Option<KustoType> {
    let name = name.trim().to_ascii_lowercase();
    let name = name.strip_prefix("system.").unwrap_or(&name);
    let kusto = match name {
        "datetime" | "datetimeoffset" => KustoType::Datetime,
        "int64" | "long" => KustoType::Long,
        "int32" | "int" | "int16" | "byte" | "sbyte" => KustoType::Int,
        "boolean" | "bool" => KustoType::Bool,
        "double" | "single" | "real" | "decimal" => KustoType::Real,
        "object" | "dynamic" => KustoType::Dynamic,
        "guid" => KustoType::Guid,
        "string" | "timespan" => KustoType::String,
        other => KustoType::parse(other)?,
    };
    Some(kusto)
}
