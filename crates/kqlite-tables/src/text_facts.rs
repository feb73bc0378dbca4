//! What reading a text export file gave (its tables, their columns and row counts, and each
//! datetime column's least and greatest value), kept in the cache beside the object store
//! footers, by path, size and modification time. A later attach knows a file's schema
//! without reading it, and a query reads it only if its time filter can reach those values:
//! a text file gets the statistics a Parquet footer has.
//!
//! Each file's facts are an Arrow IPC file holding no rows: one struct field per table (the
//! table's columns), with the counts and bounds in the schema's metadata.

use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::UNIX_EPOCH;

use datafusion::arrow::array::{Array, RecordBatch, TimestampNanosecondArray};
use datafusion::arrow::compute::{max, min};
use datafusion::arrow::datatypes::{DataType, Field, Fields, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::ipc::reader::FileReader;
use datafusion::arrow::ipc::writer::FileWriter;

use crate::formats::ExportZone;

/// The least and greatest value of a datetime column, in nanoseconds.
pub(crate) type Bounds = (i64, i64);

/// What one table got from a file.
#[derive(Debug, Clone)]
pub(crate) struct TableFacts {
    pub table: String,
    pub schema: SchemaRef,
    pub rows: u64,
    pub times: HashMap<String, Bounds>,
}

impl TableFacts {
    pub(crate) fn of(table: &str, batches: &[RecordBatch], rows: u64) -> Option<TableFacts> {
        let schema = batches.first()?.schema();
        let mut times = HashMap::new();
        for (i, field) in schema.fields().iter().enumerate() {
            if !matches!(
                field.data_type(),
                DataType::Timestamp(TimeUnit::Nanosecond, _)
            ) {
                continue;
            }
            if let Some(bounds) = bounds(batches, i) {
                times.insert(field.name().clone(), bounds);
            }
        }
        Some(TableFacts {
            table: table.to_string(),
            schema,
            rows,
            times,
        })
    }
}

/// The bounds of column `i` over the batches; None when it holds no value.
fn bounds(batches: &[RecordBatch], i: usize) -> Option<Bounds> {
    let mut found: Option<Bounds> = None;
    for batch in batches {
        let column = batch.column(i);
        let values = column.as_any().downcast_ref::<TimestampNanosecondArray>()?;
        if let (Some(lo), Some(hi)) = (min(values), max(values)) {
            found = Some(found.map_or((lo, hi), |(a, b)| (a.min(lo), b.max(hi))));
        }
    }
    found
}

/// A file, as its facts know it: they hold while its size, modification time and the bytes
/// at its two ends do (a file rewritten within the clock's step keeps its time).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    size: u64,
    modified: u128,
    ends: u64,
}

/// Bytes read at each end of a file for its stamp.
const END_BYTES: u64 = 4096;

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        let mut file = File::open(path).ok()?;
        let meta = file.metadata().ok()?;
        let modified = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?;
        let mut ends = vec![0; END_BYTES.min(meta.len()) as usize];
        file.read_exact(&mut ends).ok()?;
        let tail = meta.len().saturating_sub(END_BYTES).max(END_BYTES);
        file.seek(SeekFrom::Start(tail)).ok()?;
        file.read_to_end(&mut ends).ok()?;
        Some(Stamp {
            size: meta.len(),
            modified: modified.as_nanos(),
            ends: twox_hash::XxHash64::oneshot(0, &ends),
        })
    }
}

/// Where the facts of `path`, read with `zone`, are kept. Another version of kqlite may read
/// a file into other columns: it keeps facts of its own.
fn kept_at(cache: &Path, path: &Path, zone: ExportZone) -> PathBuf {
    let version = env!("CARGO_PKG_VERSION");
    let key = format!("{}\u{0}{zone:?}\u{0}{version}", path.display());
    let hash = twox_hash::XxHash64::oneshot(0x6b71_6c69_7465, key.as_bytes());
    cache
        .join(".kqlite-text-facts")
        .join(format!("{hash:016x}.arrow"))
}

/// The kept facts of a file, if they are still its own.
pub(crate) fn recall(cache: &Path, path: &Path, zone: ExportZone) -> Option<Vec<TableFacts>> {
    let stamp = Stamp::of(path)?;
    let reader = FileReader::try_new(File::open(kept_at(cache, path, zone)).ok()?, None).ok()?;
    let schema = reader.schema();
    let meta = schema.metadata();
    let kept = Stamp {
        size: meta.get("size")?.parse().ok()?,
        modified: meta.get("modified")?.parse().ok()?,
        ends: meta.get("ends")?.parse().ok()?,
    };
    if kept != stamp || meta.get("path")? != &path.display().to_string() {
        return None;
    }
    schema
        .fields()
        .iter()
        .map(|field| table_facts(field, meta))
        .collect()
}

fn table_facts(field: &Field, meta: &HashMap<String, String>) -> Option<TableFacts> {
    let DataType::Struct(fields) = field.data_type() else {
        return None;
    };
    let name = field.name();
    let times: Vec<(String, i64, i64)> =
        serde_json::from_str(meta.get(&format!("times:{name}"))?).ok()?;
    Some(TableFacts {
        table: name.clone(),
        schema: Arc::new(Schema::new(fields.clone())),
        rows: meta.get(&format!("rows:{name}"))?.parse().ok()?,
        times: times.into_iter().map(|(c, lo, hi)| (c, (lo, hi))).collect(),
    })
}

/// Drops the kept facts of a file that no longer reads as they say.
pub(crate) fn forget(cache: &Path, path: &Path, zone: ExportZone) {
    let _ = std::fs::remove_file(kept_at(cache, path, zone));
}

/// Keeps the facts of a file read without a problem; a failure to keep them only means the
/// file is read again next time.
pub(crate) fn keep(cache: &Path, path: &Path, zone: ExportZone, tables: &[TableFacts]) {
    let Some(stamp) = Stamp::of(path) else { return };
    let mut meta = HashMap::from([
        ("path".to_string(), path.display().to_string()),
        ("size".to_string(), stamp.size.to_string()),
        ("modified".to_string(), stamp.modified.to_string()),
        ("ends".to_string(), stamp.ends.to_string()),
    ]);
    let mut fields = Vec::new();
    for t in tables {
        let times: Vec<_> = t.times.iter().map(|(c, (lo, hi))| (c, lo, hi)).collect();
        let times = serde_json::to_string(&times).unwrap_or_default();
        meta.insert(format!("times:{}", t.table), times);
        meta.insert(format!("rows:{}", t.table), t.rows.to_string());
        let columns = Fields::from(t.schema.fields().to_vec());
        fields.push(Field::new(&t.table, DataType::Struct(columns), true));
    }
    let schema = Schema::new(fields).with_metadata(meta);
    let _ = write(&kept_at(cache, path, zone), &schema);
}

fn write(at: &Path, schema: &Schema) -> Option<()> {
    std::fs::create_dir_all(at.parent()?).ok()?;
    let partial = at.with_extension(format!("{}.partial", std::process::id()));
    let mut writer = FileWriter::try_new(File::create(&partial).ok()?, schema).ok()?;
    writer.finish().ok()?;
    std::fs::rename(&partial, at).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, StringArray};

    fn batch() -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new(
                "Timestamp",
                DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                true,
            ),
            Field::new("Name", DataType::Utf8, true),
            Field::new("Size", DataType::Int64, true),
        ]);
        let times =
            TimestampNanosecondArray::from(vec![Some(30), None, Some(10)]).with_timezone("UTC");
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(times),
                Arc::new(StringArray::from(vec!["a", "b", "c"])),
                Arc::new(Int64Array::from(vec![1, 2, 3])),
            ],
        )
        .unwrap()
    }

    #[test]
    fn facts_are_recalled_while_the_file_is_unchanged() {
        let dir = std::env::temp_dir().join(format!("kqlite-facts-{}", std::process::id()));
        let file = dir.join("PT1H.json");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&file, "{}").unwrap();
        let facts = TableFacts::of("DeviceEvents", &[batch()], 3).unwrap();
        assert_eq!(facts.times.get("Timestamp"), Some(&(10, 30)));
        keep(
            &dir,
            &file,
            ExportZone::AssumedUtc,
            std::slice::from_ref(&facts),
        );
        let recalled = recall(&dir, &file, ExportZone::AssumedUtc).unwrap();
        assert_eq!(recalled[0].table, "DeviceEvents");
        assert_eq!(recalled[0].rows, 3);
        assert_eq!(recalled[0].schema, facts.schema);
        assert_eq!(recalled[0].times, facts.times);
        let other_zone = ExportZone::Fixed(chrono::FixedOffset::east_opt(3600).unwrap());
        assert!(recall(&dir, &file, other_zone).is_none());
        std::fs::write(&file, "{ }").unwrap();
        assert!(recall(&dir, &file, ExportZone::AssumedUtc).is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
