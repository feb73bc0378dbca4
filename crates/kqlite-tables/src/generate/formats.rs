//! The sample in the other export formats, for tests of the loaders:
//! streaming API JSON lines (one plain file and one gzip file, the four
//! tables mixed in each), Graph `runHuntingQuery` responses and portal CSV
//! exports (one file per table). The rows are the Parquet sample's.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{
    DataType, Float64Type, Int32Type, Int64Type, TimestampNanosecondType,
};
use flate2::write::GzEncoder;
use serde_json::{json, Map, Value};

use super::Sample;
use crate::error::TableError;
use crate::formats::cell::iso_datetime;
use crate::schema::{table_def, KustoType};

/// The files [`write_sample_formats`] wrote.
#[derive(Debug, Clone)]
pub struct FormatFiles {
    /// `stream/PT1H-0.json` and `stream/PT1H-1.json.gz`.
    pub stream: Vec<PathBuf>,
    /// `graph/<Table>.json`.
    pub graph: Vec<PathBuf>,
    /// `csv/<Table>_2025-09.csv`.
    pub csv: Vec<PathBuf>,
    /// Rows per table, in every format alike.
    pub rows: Vec<(String, usize)>,
}

/// Writes the sample of [`super::write_sample`] (same seed and scale, same
/// rows) under `out/stream`, `out/graph` and `out/csv`.
pub fn write_sample_formats(
    out: &Path,
    seed: u64,
    scale: usize,
) -> Result<FormatFiles, TableError> {
    let sample = Sample::build(seed, scale.max(1));
    let mut batches = Vec::new();
    for rows in sample.tables() {
        let batch = rows.to_batch().map_err(|e| TableError::write(out, e))?;
        batches.push((rows.table, batch));
    }
    let files = FormatFiles {
        stream: write_stream(&out.join("stream"), &batches)?,
        graph: write_each(&out.join("graph"), &batches, "json", write_graph)?,
        csv: write_each(&out.join("csv"), &batches, "csv", write_csv)?,
        rows: batches
            .iter()
            .map(|(t, b)| (t.to_string(), b.num_rows()))
            .collect(),
    };
    Ok(files)
}

type Tables<'a> = [(&'static str, RecordBatch)];

/// Every row of every table as a streaming record, alternating between two
/// files (the second gzip-compressed), so each file mixes the tables.
fn write_stream(dir: &Path, batches: &Tables<'_>) -> Result<Vec<PathBuf>, TableError> {
    std::fs::create_dir_all(dir).map_err(|e| TableError::io(dir, e))?;
    let paths = [dir.join("PT1H-0.json"), dir.join("PT1H-1.json.gz")];
    let plain = create(&paths[0])?;
    let gz = GzEncoder::new(create(&paths[1])?, flate2::Compression::fast());
    let mut outs: [Box<dyn Write>; 2] = [Box::new(plain), Box::new(gz)];
    let mut n = 0usize;
    for (table, batch) in batches {
        for row in 0..batch.num_rows() {
            let properties = row_json(table, batch, row, false);
            let record = json!({
                "time": properties.get("Timestamp").cloned().unwrap_or(Value::Null),
                "tenantId": "4f1c2a9e-0000-4000-8000-000000000042",
                "operationName": "Publish",
                "category": format!("AdvancedHunting-{table}"),
                "properties": properties,
            });
            let out = &mut outs[n % 2];
            writeln!(out, "{record}").map_err(|e| TableError::io(&paths[n % 2], e))?;
            n += 1;
        }
    }
    for (out, path) in outs.iter_mut().zip(&paths) {
        out.flush().map_err(|e| TableError::io(path, e))?;
    }
    drop(outs);
    Ok(paths.to_vec())
}

type Writer = fn(&mut dyn Write, &str, &RecordBatch) -> std::io::Result<()>;

fn write_each(
    dir: &Path,
    batches: &Tables<'_>,
    ext: &str,
    write: Writer,
) -> Result<Vec<PathBuf>, TableError> {
    std::fs::create_dir_all(dir).map_err(|e| TableError::io(dir, e))?;
    let mut paths = Vec::new();
    for (table, batch) in batches {
        let path = match ext {
            "csv" => dir.join(format!("{table}_2025-09.csv")),
            _ => dir.join(format!("{table}.{ext}")),
        };
        let mut out = create(&path)?;
        write(&mut out, table, batch)
            .and_then(|()| out.flush())
            .map_err(|e| TableError::io(&path, e))?;
        paths.push(path);
    }
    Ok(paths)
}

fn create(path: &Path) -> Result<BufWriter<File>, TableError> {
    Ok(BufWriter::new(
        File::create(path).map_err(|e| TableError::io(path, e))?,
    ))
}

/// A Graph response: the schema with .NET type names, then every row.
fn write_graph(out: &mut dyn Write, table: &str, batch: &RecordBatch) -> std::io::Result<()> {
    let schema: Vec<Value> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| json!({"name": f.name(), "type": graph_type(f.data_type())}))
        .collect();
    let results: Vec<Value> = (0..batch.num_rows())
        .map(|row| Value::Object(row_json(table, batch, row, true)))
        .collect();
    // Keys in the order Graph sends them (a JSON map would sort them).
    let context =
        "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults";
    writeln!(out, "{{\n  \"@odata.context\": {},", json!(context))?;
    writeln!(out, "  \"schema\": {},", Value::Array(schema))?;
    writeln!(out, "  \"results\": [")?;
    for (i, row) in results.iter().enumerate() {
        let comma = if i + 1 < results.len() { "," } else { "" };
        writeln!(out, "    {row}{comma}")?;
    }
    writeln!(out, "  ]\n}}")
}

fn graph_type(data_type: &DataType) -> &'static str {
    match data_type {
        DataType::Timestamp(_, _) => "DateTime",
        DataType::Int32 => "Int32",
        DataType::Int64 => "Int64",
        DataType::Boolean => "Boolean",
        DataType::Float64 => "Double",
        _ => "String",
    }
}

/// A portal CSV export: a header row, then one row per record; nulls empty.
fn write_csv(out: &mut dyn Write, _table: &str, batch: &RecordBatch) -> std::io::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    let names: Vec<&str> = batch
        .schema_ref()
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect();
    csv.write_record(&names)?;
    for row in 0..batch.num_rows() {
        let fields: Vec<String> = batch
            .columns()
            .iter()
            .map(|c| text(c.as_ref(), row))
            .collect();
        csv.write_record(&fields)?;
    }
    csv.flush()
}

/// One row as a JSON object: dynamic columns as JSON values, datetimes as
/// ISO 8601 with 7 fractional digits as Defender writes them. Nulls are left
/// out unless `nulls`.
fn row_json(table: &str, batch: &RecordBatch, row: usize, nulls: bool) -> Map<String, Value> {
    let def = table_def(table);
    let mut object = Map::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        if column.is_null(row) {
            if nulls {
                object.insert(field.name().clone(), Value::Null);
            }
            continue;
        }
        let dynamic = def
            .and_then(|d| d.column(field.name()))
            .is_some_and(|c| c.kusto == KustoType::Dynamic);
        object.insert(field.name().clone(), value(column.as_ref(), row, dynamic));
    }
    object
}

fn value(column: &dyn Array, row: usize, dynamic: bool) -> Value {
    match column.data_type() {
        DataType::Utf8View => {
            let s = column.as_string_view().value(row);
            match dynamic {
                true => serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.into())),
                false => Value::String(s.into()),
            }
        }
        DataType::Int32 => json!(column.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => json!(column.as_primitive::<Int64Type>().value(row)),
        DataType::Float64 => json!(column.as_primitive::<Float64Type>().value(row)),
        DataType::Boolean => json!(column.as_boolean().value(row)),
        DataType::Timestamp(_, _) => {
            json!(iso_datetime(
                column.as_primitive::<TimestampNanosecondType>().value(row)
            ))
        }
        other => panic!("generator bug: no JSON for {other}"),
    }
}

fn text(column: &dyn Array, row: usize) -> String {
    if column.is_null(row) {
        return String::new();
    }
    match value(column, row, false) {
        Value::String(s) => s,
        v => v.to_string(),
    }
}
