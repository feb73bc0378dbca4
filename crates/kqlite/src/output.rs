//! Result formats. Datetimes print as ISO 8601 UTC with a `Z`, timespans as Kusto's
//! `[d.]hh:mm:ss[.fffffff]`, nulls as empty fields.

use std::io::Write;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, StringArray};
use arrow::datatypes::{DataType, DurationNanosecondType, Field, Schema, SchemaRef, TimeUnit};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;
use arrow::util::display::FormatOptions;

use crate::QueryResult;

/// How results are written.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns for a terminal, with a row count.
    Table,
    Csv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
}

const DATETIME_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.fZ";

/// Writes `result` in `format`. Write errors keep their kind (a closed pipe stays `BrokenPipe`).
pub fn print(result: &QueryResult, format: Format, out: &mut dyn Write) -> std::io::Result<()> {
    print_with(result, format, true, out)
}

/// [`print`], with the CSV header row or not.
fn print_with(
    result: &QueryResult,
    format: Format,
    header: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut tracked = Tracked {
        inner: out,
        failure: None,
    };
    let written = print_to(result, format, header, &mut tracked);
    match (written, tracked.failure) {
        (Err(_), Some(kind)) => Err(std::io::Error::from(kind)),
        (written, _) => written,
    }
}

/// A result written as its batches arrive: CSV and NDJSON row by row; a table (whose
/// column widths need every row) and a JSON array are written whole by [`ResultWriter::finish`].
pub struct ResultWriter {
    format: Format,
    schema: SchemaRef,
    held: Vec<RecordBatch>,
    header_written: bool,
}

impl ResultWriter {
    pub fn new(format: Format, schema: SchemaRef) -> ResultWriter {
        ResultWriter {
            format,
            schema,
            held: Vec::new(),
            header_written: false,
        }
    }

    /// Writes `batch` now, or holds it for [`ResultWriter::finish`].
    pub fn write(&mut self, batch: &RecordBatch, out: &mut dyn Write) -> std::io::Result<()> {
        if batch.num_rows() == 0 {
            return Ok(());
        }
        match self.format {
            Format::Csv | Format::Ndjson => {
                let result = QueryResult {
                    schema: Arc::clone(&self.schema),
                    batches: vec![batch.clone()],
                };
                let header = !self.header_written;
                self.header_written = true;
                print_with(&result, self.format, header, out)
            }
            Format::Table | Format::Json => {
                self.held.push(batch.clone());
                Ok(())
            }
        }
    }

    /// Writes what is held, or the header of an empty result.
    pub fn finish(self, out: &mut dyn Write) -> std::io::Result<()> {
        if self.header_written {
            return Ok(());
        }
        let result = QueryResult {
            schema: self.schema,
            batches: self.held,
        };
        print(&result, self.format, out)
    }
}

/// The first `limit` rows as display text, for callers that lay out their own table (the
/// REPL): datetimes and timespans as Kusto writes them, nulls as empty text.
pub fn text_rows(result: &QueryResult, limit: usize) -> Result<Vec<Vec<String>>, ArrowError> {
    let options = FormatOptions::default().with_null("");
    let mut rows = Vec::new();
    for batch in &result.batches {
        let wanted = limit.saturating_sub(rows.len()).min(batch.num_rows());
        if wanted == 0 {
            break;
        }
        let batch = kusto_text_columns(&batch.slice(0, wanted))?;
        let batch = decimal_text_columns(&dynamic_text_columns(&batch)?)?;
        let formatters = batch
            .columns()
            .iter()
            .map(|c| arrow::util::display::ArrayFormatter::try_new(c.as_ref(), &options))
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..wanted {
            rows.push(
                formatters
                    .iter()
                    .map(|f| f.value(row).to_string())
                    .collect(),
            );
        }
    }
    Ok(rows)
}

/// Remembers the kind of the first write failure, which Arrow's writers turn into text.
struct Tracked<'a> {
    inner: &'a mut dyn Write,
    failure: Option<std::io::ErrorKind>,
}

impl Write for Tracked<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf);
        if let Err(e) = &written {
            self.failure.get_or_insert(e.kind());
        }
        written
    }
    fn flush(&mut self) -> std::io::Result<()> {
        let flushed = self.inner.flush();
        if let Err(e) = &flushed {
            self.failure.get_or_insert(e.kind());
        }
        flushed
    }
}

fn print_to(
    result: &QueryResult,
    format: Format,
    header: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let as_text = |b: &RecordBatch| {
        let b = kusto_text_columns(b)?;
        if matches!(format, Format::Json | Format::Ndjson) {
            Ok(b)
        } else {
            decimal_text_columns(&dynamic_text_columns(&b)?)
        }
    };
    let batches = result
        .batches
        .iter()
        .map(as_text)
        .collect::<Result<Vec<_>, arrow::error::ArrowError>>()
        .map_err(std::io::Error::other)?;
    match format {
        Format::Table => table(&result.schema, &batches, out),
        Format::Csv => csv(&batches, &result.schema, header, out),
        Format::Json => json(&batches, out, true),
        Format::Ndjson => json(&batches, out, false),
    }
}

fn table(schema: &Schema, batches: &[RecordBatch], out: &mut dyn Write) -> std::io::Result<()> {
    let options = FormatOptions::default()
        .with_timestamp_tz_format(Some(DATETIME_FORMAT))
        .with_null("");
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    if batches.is_empty() {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        writeln!(out, "{}", names.join(" | "))?;
    } else {
        let text = arrow::util::pretty::pretty_format_batches_with_options(batches, &options)
            .map_err(std::io::Error::other)?;
        writeln!(out, "{text}")?;
    }
    writeln!(out, "({rows} row{})", if rows == 1 { "" } else { "s" })
}

fn csv(
    batches: &[RecordBatch],
    schema: &Schema,
    header: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if batches.is_empty() {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        return writeln!(out, "{}", names.join(","));
    }
    let mut writer = arrow::csv::WriterBuilder::new()
        .with_header(header)
        .with_timestamp_tz_format(DATETIME_FORMAT.to_string())
        .with_timestamp_format(DATETIME_FORMAT.to_string())
        .build(out);
    for batch in batches {
        writer.write(batch).map_err(std::io::Error::other)?;
    }
    Ok(())
}

fn json(batches: &[RecordBatch], out: &mut dyn Write, array: bool) -> std::io::Result<()> {
    let refs: Vec<&RecordBatch> = batches.iter().collect();
    let result = if array {
        let mut writer = arrow::json::ArrayWriter::new(&mut *out);
        writer.write_batches(&refs).and_then(|_| writer.finish())
    } else {
        let mut writer = arrow::json::LineDelimitedWriter::new(&mut *out);
        writer.write_batches(&refs).and_then(|_| writer.finish())
    };
    result.map_err(std::io::Error::other)?;
    if array {
        writeln!(out)?;
    }
    Ok(())
}

/// `batch` with its datetimes, timespans and decimals as the text Kusto writes for them,
/// for writers of other formats (Kusto's REST API).
pub fn kusto_text(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    decimal_text_columns(&kusto_text_columns(batch)?)
}

/// Datetimes and timespans as Kusto writes them (JSON would otherwise print raw numbers).
fn kusto_text_columns(batch: &RecordBatch) -> Result<RecordBatch, arrow::error::ArrowError> {
    let schema = batch.schema();
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        let converted = match field.data_type() {
            DataType::Duration(_) => Some(timespan_text(column)?),
            DataType::Timestamp(_, _) => Some(datetime_text(column)?),
            _ => None,
        };
        match converted {
            Some(text) => {
                fields.push(Arc::new(Field::new(field.name(), DataType::Utf8, true)));
                columns.push(text);
            }
            None => {
                fields.push(field.clone());
                columns.push(column.clone());
            }
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

/// Dynamic values shown as text: a string as itself, though kqlite carries one whose text
/// would read as another value (`"12"`) as a JSON string. (JSON output keeps what is carried,
/// so that a reader tells the string `"12"` from the number `12`.)
fn dynamic_text_columns(batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let dynamic = |f: &Field| kqlite_functions::types::is_dynamic(f.data_type());
    if !batch.schema().fields().iter().any(|f| dynamic(f)) {
        return Ok(batch.clone());
    }
    let (mut fields, mut columns) = (Vec::new(), Vec::new());
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        match dynamic(field) {
            true => {
                let text = kqlite_functions::dynamic_text::texts(column)
                    .map_err(|e| ArrowError::ComputeError(e.to_string()))?;
                fields.push(Arc::new(Field::new(field.name(), DataType::Utf8, true)));
                columns.push(text);
            }
            false => {
                fields.push(field.clone());
                columns.push(column.clone());
            }
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

/// Decimals as text without the zeros of their fixed scale (`100`, not `100.000...`); JSON
/// keeps them as numbers.
fn decimal_text_columns(batch: &RecordBatch) -> Result<RecordBatch, arrow::error::ArrowError> {
    let schema = batch.schema();
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        if !matches!(field.data_type(), DataType::Decimal128(..)) {
            fields.push(field.clone());
            columns.push(column.clone());
            continue;
        }
        let text = arrow::compute::cast(column, &DataType::Utf8)?;
        let trimmed: StringArray = text
            .as_string::<i32>()
            .iter()
            .map(|v| v.map(|t| t.trim_end_matches('0').trim_end_matches('.').to_string()))
            .collect();
        fields.push(Arc::new(Field::new(field.name(), DataType::Utf8, true)));
        columns.push(Arc::new(trimmed));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

/// Kusto's text of one datetime (nanoseconds since the epoch): `2025-10-01T12:00:00Z`.
pub fn format_datetime(nanos: i64) -> String {
    let one: ArrayRef = Arc::new(arrow::array::TimestampNanosecondArray::from(vec![nanos]));
    datetime_text(&one)
        .ok()
        .and_then(|t| {
            t.as_string::<i32>()
                .iter()
                .next()
                .flatten()
                .map(str::to_string)
        })
        .unwrap_or_default()
}

fn datetime_text(column: &ArrayRef) -> Result<ArrayRef, arrow::error::ArrowError> {
    let utc = DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()));
    let column = arrow::compute::cast(column, &utc)?;
    let options = FormatOptions::default().with_timestamp_tz_format(Some(DATETIME_FORMAT));
    let formatter = arrow::util::display::ArrayFormatter::try_new(column.as_ref(), &options)?;
    let text: StringArray = (0..column.len())
        .map(|i| {
            column
                .is_valid(i)
                .then(|| ticks(formatter.value(i).to_string()))
        })
        .collect();
    Ok(Arc::new(text))
}

/// Kusto's datetimes count 100 ns ticks: nine fraction digits ending in `00` print as seven
/// (`23:59:59.9999999Z`).
fn ticks(mut text: String) -> String {
    let digits = text.rfind('.').map_or(0, |dot| text.len() - dot - 2);
    if digits == 9 && text.ends_with("00Z") {
        text.truncate(text.len() - 3);
        text.push('Z');
    }
    text
}

fn timespan_text(column: &ArrayRef) -> Result<ArrayRef, arrow::error::ArrowError> {
    let nanos = arrow::compute::cast(column, &DataType::Duration(TimeUnit::Nanosecond))?;
    let nanos = nanos.as_primitive::<DurationNanosecondType>();
    let text: StringArray = nanos.iter().map(|v| v.map(format_timespan)).collect();
    Ok(Arc::new(text))
}

/// Kusto's timespan text: `[-][d.]hh:mm:ss[.fffffff]`.
pub fn format_timespan(nanos: i64) -> String {
    let sign = if nanos < 0 { "-" } else { "" };
    let total = nanos.unsigned_abs();
    let ticks = (total % 1_000_000_000) / 100;
    let seconds = total / 1_000_000_000;
    let (days, hours, minutes, secs) = (
        seconds / 86_400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    let mut text = String::from(sign);
    if days > 0 {
        text.push_str(&format!("{days}."));
    }
    text.push_str(&format!("{hours:02}:{minutes:02}:{secs:02}"));
    if ticks > 0 {
        text.push_str(&format!(".{ticks:07}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::format_timespan;

    #[test]
    fn timespans_read_like_kusto() {
        assert_eq!(format_timespan(90 * 60 * 1_000_000_000), "01:30:00");
        assert_eq!(
            format_timespan(86_400_000_000_000 + 1_000_000),
            "1.00:00:00.0010000"
        );
        assert_eq!(format_timespan(-1_000_000_000), "-00:00:01");
    }
}
