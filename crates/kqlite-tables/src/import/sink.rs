//! Where an import's rows go: per (table, day) buffers that are written,
//! sorted by `Timestamp`, as zstd Parquet parts once they hold a row group's
//! worth of rows (or when the file's buffers together hold too many), so
//! memory stays bounded whatever the input size.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::{concat_batches, sort_to_indices, take_record_batch};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;

use super::inputs::part_names;
use crate::error::TableError;
use crate::formats::builder::TableBuilder;
use crate::formats::cell::iso_date;
use crate::formats::RowSink;
use crate::memtable::{conform, merge_schema};
use crate::schema::TableDef;

const NANOS_PER_DAY: i64 = 86_400 * 1_000_000_000;

/// The rows of one table and day not yet written.
struct Slot {
    def: &'static TableDef,
    builder: Option<TableBuilder>,
    batches: Vec<RecordBatch>,
    rows: usize,
}

pub(crate) struct ImportSink<'a> {
    out: &'a Path,
    id: &'a str,
    row_group_rows: usize,
    max_buffered: usize,
    slots: BTreeMap<(String, Option<i64>), Slot>,
    buffered: usize,
    /// Parts written (temporary names), with their final names.
    pub parts: Vec<(PathBuf, PathBuf)>,
    pub bytes_out: u64,
    pub rows_by_table: BTreeMap<String, u64>,
}

impl<'a> ImportSink<'a> {
    pub fn new(out: &'a Path, id: &'a str, row_group_rows: usize) -> ImportSink<'a> {
        ImportSink {
            out,
            id,
            row_group_rows,
            max_buffered: row_group_rows * 2,
            slots: BTreeMap::new(),
            buffered: 0,
            parts: Vec::new(),
            bytes_out: 0,
            rows_by_table: BTreeMap::new(),
        }
    }

    /// Adds rows read in bulk (Parquet input): split by day.
    pub fn push_batch(
        &mut self,
        def: &'static TableDef,
        batch: RecordBatch,
    ) -> Result<(), TableError> {
        for (day, part) in split_by_day(def, &batch)? {
            let key = self.key(def, day)?;
            let slot = self.slots.get_mut(&key).expect("key() made the slot");
            let part_rows = part.num_rows();
            slot.rows += part_rows;
            slot.batches.push(part);
            self.buffered += part_rows;
            self.flush_if_full(&key)?;
        }
        Ok(())
    }

    fn key(
        &mut self,
        def: &'static TableDef,
        day: Option<i64>,
    ) -> Result<(String, Option<i64>), TableError> {
        let key = (def.name.clone(), day);
        self.slots.entry(key.clone()).or_insert_with(|| Slot {
            def,
            builder: None,
            batches: Vec::new(),
            rows: 0,
        });
        Ok(key)
    }

    fn flush_if_full(&mut self, key: &(String, Option<i64>)) -> Result<(), TableError> {
        if self.slots[key].rows >= self.row_group_rows {
            self.flush(key)?;
        }
        if self.buffered >= self.max_buffered {
            let largest = self
                .slots
                .iter()
                .max_by_key(|(_, s)| s.rows)
                .map(|(k, _)| k.clone());
            if let Some(largest) = largest {
                self.flush(&largest)?;
            }
        }
        Ok(())
    }

    /// Writes every buffer out.
    pub fn finish(&mut self) -> Result<(), TableError> {
        let keys: Vec<_> = self.slots.keys().cloned().collect();
        keys.iter().try_for_each(|k| self.flush(k))
    }

    fn flush(&mut self, key: &(String, Option<i64>)) -> Result<(), TableError> {
        let slot = self.slots.get_mut(key).expect("flushed slots exist");
        if let Some(builder) = slot.builder.as_mut().filter(|b| b.rows() > 0) {
            slot.batches
                .push(builder.finish().map_err(TableError::from_arrow)?);
        }
        let batches = std::mem::take(&mut slot.batches);
        self.buffered -= slot.rows.min(self.buffered);
        slot.rows = 0;
        let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
        if rows == 0 {
            return Ok(());
        }
        let def = slot.def;
        let batch = sorted(def, &batches)?;
        let dir = partition_dir(self.out, def, key.1);
        std::fs::create_dir_all(&dir).map_err(|e| TableError::io(&dir, e))?;
        let (name, temp) = part_names(&dir, self.id, self.parts.len());
        self.bytes_out += write_part(&temp, &batch, self.row_group_rows)?;
        *self.rows_by_table.entry(def.name.clone()).or_default() += rows as u64;
        self.parts.push((temp, name));
        Ok(())
    }
}

impl RowSink for ImportSink<'_> {
    fn builder(
        &mut self,
        def: &'static TableDef,
        time: Option<i64>,
    ) -> Result<&mut TableBuilder, TableError> {
        let day = day_of(def, time);
        let key = self.key(def, day)?;
        self.flush_if_full(&key)?;
        self.buffered += 1;
        let slot = self.slots.get_mut(&key).expect("key() made the slot");
        slot.rows += 1;
        Ok(slot.builder.get_or_insert_with(|| TableBuilder::new(def)))
    }
}

/// The day a row goes to: None for tables without a time column; `Some(i64::MIN)`
/// for rows whose time is null.
fn day_of(def: &TableDef, time: Option<i64>) -> Option<i64> {
    def.time_column()?;
    Some(time.map_or(i64::MIN, |t| t.div_euclid(NANOS_PER_DAY)))
}

fn partition_dir(out: &Path, def: &TableDef, day: Option<i64>) -> PathBuf {
    let table = out.join(&def.name);
    match day {
        None => table,
        Some(i64::MIN) => table.join("date=unknown"),
        Some(day) => table.join(format!("date={}", iso_date(day))),
    }
}

/// The batches as one, in one schema, sorted by their time (nulls last).
fn sorted(def: &TableDef, batches: &[RecordBatch]) -> Result<RecordBatch, TableError> {
    let schema = merge_schema(&def.schema, batches);
    let conformed = batches
        .iter()
        .map(|b| conform(b, &schema))
        .collect::<Result<Vec<_>, _>>()?;
    let batch = concat_batches(&schema, &conformed).map_err(TableError::from_arrow)?;
    let Some(time) = def.time_column().and_then(|c| batch.column_by_name(c)) else {
        return Ok(batch);
    };
    let indices = sort_to_indices(time, None, None).map_err(TableError::from_arrow)?;
    take_record_batch(&batch, &indices).map_err(TableError::from_arrow)
}

/// Rows of `batch` grouped by the day of their `Timestamp` (None when the
/// table has none), in order of first appearance.
fn split_by_day(
    def: &TableDef,
    batch: &RecordBatch,
) -> Result<Vec<(Option<i64>, RecordBatch)>, TableError> {
    use datafusion::arrow::array::{Array, AsArray, UInt32Array};
    use datafusion::arrow::datatypes::TimestampNanosecondType;
    let Some(time) = def.time_column().and_then(|c| batch.column_by_name(c)) else {
        return Ok(vec![(None, batch.clone())]);
    };
    let time = time.as_primitive::<TimestampNanosecondType>();
    let mut groups: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
    for i in 0..time.len() {
        let day = if time.is_null(i) {
            i64::MIN
        } else {
            time.value(i).div_euclid(NANOS_PER_DAY)
        };
        groups.entry(day).or_default().push(i as u32);
    }
    if groups.len() == 1 {
        let day = *groups.keys().next().expect("one group");
        return Ok(vec![(Some(day), batch.clone())]);
    }
    groups
        .into_iter()
        .map(|(day, rows)| {
            let part = take_record_batch(batch, &UInt32Array::from(rows))
                .map_err(TableError::from_arrow)?;
            Ok((Some(day), part))
        })
        .collect()
}

/// Writes `batch` as zstd Parquet at `path`; returns its size.
pub(super) fn write_part(
    path: &Path,
    batch: &RecordBatch,
    row_group_rows: usize,
) -> Result<u64, TableError> {
    let level = ZstdLevel::try_new(3).map_err(|e| TableError::write(path, e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .set_max_row_group_row_count(Some(row_group_rows))
        .build();
    let file = File::create(path).map_err(|e| TableError::io(path, e))?;
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props))
        .map_err(|e| TableError::write(path, e))?;
    writer
        .write(batch)
        .map_err(|e| TableError::write(path, e))?;
    writer.close().map_err(|e| TableError::write(path, e))?;
    let bytes = std::fs::metadata(path)
        .map_err(|e| TableError::io(path, e))?
        .len();
    Ok(bytes)
}
