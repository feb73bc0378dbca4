//! Helpers shared by the integration tests: scratch directories, Parquet
//! fixtures written from record batches, and small DataFrame queries.
#![allow(dead_code)]

pub mod rows;

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::common::TableReference;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{DataFrame, Expr, SessionContext};
use kqlite_tables::session_config;

/// A fresh, empty directory under the system temp dir, removed with what it holds when the
/// test drops it (also when the test fails).
pub struct Scratch(PathBuf);

impl std::ops::Deref for Scratch {
    type Target = PathBuf;
    fn deref(&self) -> &PathBuf {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn scratch(name: &str) -> Scratch {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("kqlite-tables-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Scratch(dir)
}

/// A batch from (column name, array) pairs; every field nullable.
pub fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(name, array)| Field::new(*name, array.data_type().clone(), true))
        .collect();
    let arrays = columns.into_iter().map(|(_, a)| a).collect();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).unwrap()
}

/// Writes `batch` as a Parquet file at `path`, creating parent folders.
pub fn write_parquet(path: &Path, batch: &RecordBatch) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let file = File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), None).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
}

pub fn context() -> SessionContext {
    SessionContext::new_with_config(session_config())
}

pub async fn table(ctx: &SessionContext, name: &str) -> DataFrame {
    ctx.table(TableReference::bare(name)).await.unwrap()
}

/// All rows of `df` as one batch.
pub async fn collect(df: DataFrame) -> RecordBatch {
    let schema = Arc::new(df.schema().as_arrow().clone());
    let batches = df.collect().await.unwrap();
    datafusion::arrow::compute::concat_batches(&schema, &batches).unwrap()
}

pub async fn count_where(ctx: &SessionContext, name: &str, filter: Expr) -> usize {
    let df = table(ctx, name).await.filter(filter).unwrap();
    df.count().await.unwrap()
}

pub fn null_count(array: &dyn Array) -> usize {
    array.logical_null_count()
}
