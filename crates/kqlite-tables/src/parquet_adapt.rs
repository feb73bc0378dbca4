//! Parquet files written by other tools (pandas, Spark, hand-made exports): a documented
//! column spelled in another case (`ISP` for `Isp`) or stored as a type that DataFusion
//! would not read as the documented one without loss (`FileSize` as float64, `Timestamp`
//! as text). Such a file is read here, batch by batch: each column renamed to its
//! documented name and converted value by value. A value that does not convert is null,
//! counted in one warning per file and column; a file never stops the others.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, Float64Array, RecordBatch, StringArray,
    StringViewArray, TimestampNanosecondArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Schema};
use datafusion::parquet::arrow::arrow_reader::{
    ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder,
};
use datafusion::parquet::errors::Result as ParquetResult;
use datafusion::parquet::file::reader::ChunkReader;

use crate::error::TableError;
use crate::formats::export_time::{parse_export_time, TextTime};
use crate::formats::ExportZone;
use crate::schema::{KustoType, TableDef};
use crate::validate::{normalise_extra, readable_as, FileFacts};
use crate::warning::{Position, Warning, WarningKind};

const BATCH_ROWS: usize = 16 * 1024;

/// Whether a file's footer has a documented column (under any spelling) of a type that
/// only a value-by-value conversion reads. (A column only spelled otherwise is read as it
/// is and renamed over the whole table: [`crate::memtable::as_documented`].)
pub(crate) fn needs_adapting(def: &TableDef, facts: &FileFacts) -> bool {
    facts.schema.fields().iter().any(|found| {
        def.resolve(found.name())
            .is_some_and(|column| !readable_as(column.kusto, found.data_type()))
    }) || has_times_past_nanoseconds(facts)
}

/// Whether a timestamp column stored in a coarser unit holds, by its statistics, a time
/// that nanoseconds since 1970 cannot (before 1677 or after 2262: `9999-12-31` as "never"):
/// read by value, so that such a value is counted and named, not lost in a cast.
fn has_times_past_nanoseconds(facts: &FileFacts) -> bool {
    use datafusion::arrow::datatypes::TimeUnit;
    use datafusion::parquet::file::statistics::Statistics;
    let metadata = &facts.footer.metadata;
    let leaves = metadata.file_metadata().schema_descr();
    facts.schema.fields().iter().any(|field| {
        let per = match field.data_type() {
            DataType::Timestamp(TimeUnit::Second, _) => 1_000_000_000,
            DataType::Timestamp(TimeUnit::Millisecond, _) => 1_000_000,
            DataType::Timestamp(TimeUnit::Microsecond, _) => 1_000,
            _ => return false,
        };
        let Some(leaf) = leaves
            .columns()
            .iter()
            .position(|c| c.name() == field.name())
        else {
            return false;
        };
        let limit = i64::MAX / per;
        metadata
            .row_groups()
            .iter()
            .any(|group| match group.column(leaf).statistics() {
                Some(Statistics::Int64(s)) => [s.min_opt(), s.max_opt()]
                    .into_iter()
                    .flatten()
                    .any(|v| *v > limit || *v < -limit),
                _ => false,
            })
    })
}

/// A file's rows, adapted to `def`, and the warnings of the values that did not convert.
pub(crate) struct Adapted {
    pub batches: Vec<RecordBatch>,
    pub rows: u64,
    pub warnings: Vec<Warning>,
}

/// Reads and adapts the whole file at `path`.
pub(crate) fn read_adapted(
    def: &TableDef,
    path: &Path,
    zone: ExportZone,
) -> Result<Adapted, TableError> {
    let invalid = |e: &dyn std::fmt::Display| TableError::InvalidParquet {
        path: path.to_path_buf(),
        detail: e.to_string(),
    };
    let reader = match crate::remote::is_remote(path) {
        true => batches_of(crate::remote::fetch_whole(path)?),
        false => batches_of(File::open(path).map_err(|e| TableError::io(path, e))?),
    };
    let reader = reader.map_err(|e| invalid(&e))?;
    let mut adapted = Adapted {
        batches: Vec::new(),
        rows: 0,
        warnings: Vec::new(),
    };
    let mut lost = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| invalid(&e))?;
        adapted.rows += batch.num_rows() as u64;
        adapted
            .batches
            .push(adapt_batch(def, &batch, zone, &mut lost)?);
    }
    adapted.warnings = lost.into_iter().map(|l| l.warning(path)).collect();
    Ok(adapted)
}

/// The record batches of a whole Parquet file.
fn batches_of<T: ChunkReader + 'static>(input: T) -> ParquetResult<ParquetRecordBatchReader> {
    ParquetRecordBatchReaderBuilder::try_new(input)
        .and_then(|b| b.with_batch_size(BATCH_ROWS).build())
}

/// The values of one column that did not convert.
pub(crate) struct Lost {
    column: String,
    from: DataType,
    to: KustoType,
    count: u64,
}

impl Lost {
    pub(crate) fn warning(self, path: &Path) -> Warning {
        Warning {
            path: path.to_path_buf(),
            position: Position::File,
            message: format!(
                "{} values stored as {} cannot be read as {} without loss",
                self.count,
                self.from,
                self.to.as_str()
            ),
            column: Some(self.column),
            kind: WarningKind::NullValue,
            count: self.count,
        }
    }
}

/// `batch` with documented columns renamed and converted; other columns kept as extras.
pub(crate) fn adapt_batch(
    def: &TableDef,
    batch: &RecordBatch,
    zone: ExportZone,
    lost: &mut Vec<Lost>,
) -> Result<RecordBatch, TableError> {
    let mut fields = Vec::new();
    let mut arrays = Vec::new();
    for (found, array) in batch.schema().fields().iter().zip(batch.columns()) {
        let (name, array) = match def.resolve(found.name()) {
            Some(column) => {
                let (converted, failed) = convert(array, column.kusto, zone)?;
                count_lost(lost, &column.name, array, failed, column.kusto);
                (column.name.clone(), converted)
            }
            None => (found.name().clone(), extra(array)?),
        };
        if fields.iter().any(|f: &Field| f.name() == &name) {
            continue; // two spellings of one column: the first wins
        }
        fields.push(Field::new(name, array.data_type().clone(), true));
        arrays.push(array);
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(TableError::from_arrow)
}

fn extra(array: &ArrayRef) -> Result<ArrayRef, TableError> {
    let target = normalise_extra(array.data_type());
    cast(array, &target).map_err(TableError::from_arrow)
}

fn count_lost(lost: &mut Vec<Lost>, column: &str, from: &ArrayRef, count: u64, kusto: KustoType) {
    if count == 0 {
        return;
    }
    match lost.iter_mut().find(|l| l.column == column) {
        Some(l) => l.count += count,
        None => lost.push(Lost {
            column: column.to_string(),
            from: from.data_type().clone(),
            to: kusto,
            count,
        }),
    }
}

/// `array` as the Arrow type of `kusto`, and how many of its values did not convert (null).
fn convert(
    array: &ArrayRef,
    kusto: KustoType,
    zone: ExportZone,
) -> Result<(ArrayRef, u64), TableError> {
    let target = kusto.arrow_type();
    let from = array.data_type();
    if kusto == KustoType::Datetime && is_text(from) {
        return text_to_datetime(array, zone);
    }
    if kusto == KustoType::Dynamic && from.is_nested() {
        return Ok((json_text(array)?, 0));
    }
    let converted = if from.is_floating() && matches!(kusto, KustoType::Int | KustoType::Long) {
        whole_numbers(array, &target)?
    } else {
        cast(array, &target).unwrap_or_else(|_| new_null_array(&target, array.len()))
    };
    let failed = converted.null_count().saturating_sub(array.null_count());
    Ok((converted, failed as u64))
}

fn is_text(found: &DataType) -> bool {
    matches!(
        found,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    ) || matches!(found, DataType::Dictionary(_, v) if v.as_ref() == &DataType::Utf8)
}

/// Floats that hold whole numbers, as integers; a fraction or a value out of range is null.
fn whole_numbers(array: &ArrayRef, target: &DataType) -> Result<ArrayRef, TableError> {
    let floats = cast(array, &DataType::Float64).map_err(TableError::from_arrow)?;
    let floats = floats.as_primitive::<Float64Type>();
    let limit = if target == &DataType::Int32 {
        2f64.powi(31)
    } else {
        2f64.powi(63)
    };
    let kept: Float64Array =
        floats.unary_opt(|v| (v.fract() == 0.0 && v >= -limit && v < limit).then_some(v));
    let kept: ArrayRef = Arc::new(kept);
    cast(&kept, target).map_err(TableError::from_arrow)
}

/// Text as datetimes (ISO, or the portal's local form in `zone`); empty text is null, and
/// text that is no datetime is null and counted.
fn text_to_datetime(array: &ArrayRef, zone: ExportZone) -> Result<(ArrayRef, u64), TableError> {
    let text = cast(array, &DataType::Utf8).map_err(TableError::from_arrow)?;
    let text: &StringArray = text.as_string();
    let mut failed = 0;
    let times: TimestampNanosecondArray = text
        .iter()
        .map(|v| match parse_export_time(v?, zone) {
            Some(TextTime::Null) => None,
            Some(TextTime::Absolute(ns) | TextTime::Local(ns)) => Some(ns),
            None => {
                failed += 1;
                None
            }
        })
        .collect();
    Ok((Arc::new(times.with_timezone("UTC")), failed))
}

/// Nested values (lists, structs, maps) as the JSON text of `dynamic` values.
pub(crate) fn json_text(array: &ArrayRef) -> Result<ArrayRef, TableError> {
    let field = Field::new("v", array.data_type().clone(), true);
    let batch = RecordBatch::try_new(Arc::new(Schema::new(vec![field])), vec![Arc::clone(array)])
        .map_err(TableError::from_arrow)?;
    let mut lines = Vec::new();
    let mut writer = arrow::json::LineDelimitedWriter::new(&mut lines);
    writer.write(&batch).map_err(TableError::from_arrow)?;
    writer.finish().map_err(TableError::from_arrow)?;
    let text = String::from_utf8_lossy(&lines);
    // Each line is `{"v": value}`, or `{}` where the value is null.
    let values: StringViewArray = text
        .lines()
        .map(|line| {
            let mut object: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(line).ok()?;
            object.remove("v").map(|v| v.to_string())
        })
        .collect();
    Ok(Arc::new(values))
}
