//! `externaldata` from a local file: the rows of one file, typed by the
//! columns the query declares. Formats as Kusto names them: `csv` (the
//! default), `tsv`, `txt` (one line, one value), `json`/`multijson` (objects
//! matched by column name) and `parquet`. A value that cannot be read as its
//! declared type is an error naming the file, line and column: a query over
//! a list of indicators must not lose one silently.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{RecordBatch, RecordBatchReader};
use datafusion::arrow::datatypes::{Field, Schema, SchemaRef};
use datafusion::catalog::TableProvider;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use serde_json::Value;

use crate::error::TableError;
use crate::formats::cell::{Cell, ColumnBuilder};
use crate::memtable::{conform, mem_table};
use crate::schema::KustoType;
use crate::warning::{Position, Warning, WarningKind};

/// The file formats `externaldata` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalFormat {
    Csv,
    Tsv,
    Txt,
    Json,
    Parquet,
}

impl ExternalFormat {
    /// A Kusto `format=` name.
    pub fn from_name(name: &str) -> Option<ExternalFormat> {
        let format = match name.to_ascii_lowercase().as_str() {
            "csv" | "scsv" => ExternalFormat::Csv,
            "tsv" | "tsve" => ExternalFormat::Tsv,
            "txt" | "raw" => ExternalFormat::Txt,
            "json" | "multijson" | "singlejson" => ExternalFormat::Json,
            "parquet" => ExternalFormat::Parquet,
            _ => return None,
        };
        Some(format)
    }

    /// The format a file's extension implies (`.csv.gz` counts as `.csv`); CSV when unknown.
    pub fn from_path(path: &Path) -> ExternalFormat {
        let name = path.to_string_lossy().to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        let extension = name.rsplit_once('.').map_or("", |(_, e)| e);
        ExternalFormat::from_name(extension).unwrap_or(ExternalFormat::Csv)
    }
}

/// What an `externaldata` operator asks for.
pub struct ExternalRequest<'a> {
    pub paths: &'a [PathBuf],
    pub columns: &'a [(String, KustoType)],
    pub format: ExternalFormat,
    /// `ignoreFirstRecord=true`: skip a header line.
    pub skip_first: bool,
}

/// The rows of the files as an in-memory table with the declared columns.
pub fn external_table(request: &ExternalRequest<'_>) -> Result<Arc<dyn TableProvider>, TableError> {
    let schema: SchemaRef = Arc::new(Schema::new(
        request
            .columns
            .iter()
            .map(|(name, kusto)| Field::new(name, kusto.arrow_type(), true))
            .collect::<Vec<_>>(),
    ));
    let batches = request
        .paths
        .iter()
        .map(|path| read_file(path, request, &schema))
        .collect::<Result<Vec<_>, _>>()?;
    mem_table(&schema, &batches)
}

fn read_file(
    path: &Path,
    request: &ExternalRequest<'_>,
    schema: &SchemaRef,
) -> Result<RecordBatch, TableError> {
    if request.format == ExternalFormat::Parquet {
        return read_parquet(path, schema);
    }
    let mut columns = Columns::new(path, request);
    let reader = open(path)?;
    match request.format {
        ExternalFormat::Json => read_json(reader, &mut columns)?,
        ExternalFormat::Txt => read_lines(reader, &mut columns)?,
        format => read_delimited(reader, format, &mut columns)?,
    }
    columns.finish(schema)
}

fn open(path: &Path) -> Result<Box<dyn BufRead>, TableError> {
    let file = File::open(path).map_err(|e| TableError::io(path, e))?;
    let is_gzip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    Ok(if is_gzip {
        Box::new(BufReader::new(flate2::read::MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::new(file))
    })
}

/// The declared columns being filled, and where in the file we are.
struct Columns<'a> {
    path: PathBuf,
    names: Vec<&'a str>,
    builders: Vec<ColumnBuilder>,
    skip_first: bool,
    line: u64,
}

impl<'a> Columns<'a> {
    fn new(path: &Path, request: &ExternalRequest<'a>) -> Columns<'a> {
        Columns {
            path: path.to_path_buf(),
            names: request.columns.iter().map(|(n, _)| n.as_str()).collect(),
            builders: request
                .columns
                .iter()
                .map(|(_, kusto)| ColumnBuilder::new(*kusto))
                .collect(),
            skip_first: request.skip_first,
            line: 0,
        }
    }

    /// Moves to the next record; false when it is the header to skip.
    fn next_record(&mut self, line: u64) -> bool {
        self.line = line;
        !std::mem::take(&mut self.skip_first)
    }

    /// One record by position: missing trailing values are null, extra ones an error.
    fn push_fields<'c>(&mut self, fields: &[Cell<'c>]) -> Result<(), TableError> {
        if fields.len() > self.names.len() {
            let message = format!(
                "{} values, but externaldata declares {} columns",
                fields.len(),
                self.names.len()
            );
            return Err(self.error(None, message));
        }
        let given = fields.len();
        for (i, cell) in fields.iter().copied().enumerate() {
            self.push(i, cell)?;
        }
        self.builders[given..]
            .iter_mut()
            .for_each(ColumnBuilder::push_null);
        Ok(())
    }

    fn push(&mut self, i: usize, cell: Cell<'_>) -> Result<(), TableError> {
        self.builders[i]
            .push(cell)
            .map_err(|reason| self.error(Some(self.names[i]), reason))
    }

    fn error(&self, column: Option<&str>, message: String) -> TableError {
        unreadable(&self.path, Position::Line(self.line), column, message)
    }

    fn finish(mut self, schema: &SchemaRef) -> Result<RecordBatch, TableError> {
        let arrays = self
            .builders
            .iter_mut()
            .map(ColumnBuilder::finish)
            .collect();
        RecordBatch::try_new(Arc::clone(schema), arrays).map_err(TableError::from_arrow)
    }
}

fn read_delimited(
    reader: Box<dyn BufRead>,
    format: ExternalFormat,
    columns: &mut Columns<'_>,
) -> Result<(), TableError> {
    let delimiter = if format == ExternalFormat::Tsv {
        b'\t'
    } else {
        b','
    };
    let mut csv = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(reader);
    let mut record = csv::StringRecord::new();
    loop {
        match csv.read_record(&mut record) {
            Ok(false) => return Ok(()),
            Ok(true) => {
                if columns.next_record(record.position().map_or(0, |p| p.line())) {
                    let fields: Vec<Cell<'_>> = record.iter().map(Cell::Text).collect();
                    columns.push_fields(&fields)?;
                }
            }
            Err(e) => {
                let line = e.position().map_or(columns.line + 1, |p| p.line());
                return Err(columns.error(None, e.to_string()).at_line(line));
            }
        }
    }
}

/// `txt`: each line is one record holding one value, the whole line.
fn read_lines(reader: Box<dyn BufRead>, columns: &mut Columns<'_>) -> Result<(), TableError> {
    for (n, line) in reader.lines().enumerate() {
        let number = n as u64 + 1;
        let line = line.map_err(|e| columns.error(None, e.to_string()).at_line(number))?;
        if columns.next_record(number) {
            let line = line.strip_suffix('\r').unwrap_or(&line);
            columns.push_fields(&[Cell::Text(line)])?;
        }
    }
    Ok(())
}

/// `json`/`multijson`: objects one after another (one per line or spread over
/// lines), or one array of objects; values matched to columns by name.
fn read_json(mut reader: Box<dyn BufRead>, columns: &mut Columns<'_>) -> Result<(), TableError> {
    let mut text = String::new();
    reader
        .read_to_string(&mut text)
        .map_err(|e| TableError::io(&columns.path, e))?;
    let stream = serde_json::Deserializer::from_str(&text).into_iter::<Value>();
    let mut record = 0;
    for value in stream {
        let value =
            value.map_err(|e| columns.error(None, e.to_string()).at_line(e.line() as u64))?;
        let objects = match value {
            Value::Array(items) => items,
            other => vec![other],
        };
        for object in &objects {
            record += 1;
            if columns.next_record(record) {
                push_object(object, columns)?;
            }
        }
    }
    Ok(())
}

fn push_object(object: &Value, columns: &mut Columns<'_>) -> Result<(), TableError> {
    let Value::Object(fields) = object else {
        return Err(columns.error(
            None,
            format!("record {} is not a JSON object", columns.line),
        ));
    };
    for i in 0..columns.names.len() {
        match fields.get(columns.names[i]) {
            Some(value) => columns.push(i, Cell::Json(value))?,
            None => columns.builders[i].push_null(),
        }
    }
    Ok(())
}

/// Parquet: the declared columns by name, cast to the declared types.
fn read_parquet(path: &Path, schema: &SchemaRef) -> Result<RecordBatch, TableError> {
    let file = File::open(path).map_err(|e| TableError::io(path, e))?;
    let invalid = |e: parquet::errors::ParquetError| TableError::InvalidParquet {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    crate::embedded_schema::check_file(&file).map_err(|detail| TableError::InvalidParquet {
        path: path.to_path_buf(),
        detail,
    })?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(invalid)?
        .build()
        .map_err(invalid)?;
    let found = reader.schema();
    if let Some(missing) = schema
        .fields()
        .iter()
        .find(|f| found.field_with_name(f.name()).is_err())
    {
        let names: Vec<&str> = found.fields().iter().map(|f| f.name().as_str()).collect();
        let message = format!(
            "no column {} in the file (it has {})",
            missing.name(),
            names.join(", ")
        );
        return Err(unreadable(path, Position::File, None, message));
    }
    let mut batches = Vec::new();
    for batch in reader {
        let batch = batch.map_err(TableError::from_arrow)?;
        batches.push(conform(&batch, schema)?);
    }
    datafusion::arrow::compute::concat_batches(schema, &batches).map_err(TableError::from_arrow)
}

impl TableError {
    /// The error placed at `line` of its file, when it is a one-warning `BadInput`.
    fn at_line(mut self, line: u64) -> TableError {
        if let TableError::BadInput(warnings) = &mut self {
            warnings
                .iter_mut()
                .for_each(|w| w.position = Position::Line(line));
        }
        self
    }
}

/// The error for a file `externaldata` cannot read, at `position` (and `column`).
fn unreadable(
    path: &Path,
    position: Position,
    column: Option<&str>,
    message: String,
) -> TableError {
    TableError::BadInput(vec![Warning {
        path: path.to_path_buf(),
        position,
        column: column.map(str::to_string),
        kind: WarningKind::FailedFile,
        message,
        count: 1,
    }])
}
