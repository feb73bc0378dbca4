//! The four insider-risk tables of a generated export as in-memory batches,
//! for writers of other export formats (`formats.rs`): exactly the rows
//! [`super::write_sample`] writes, read back from a scratch folder.

use std::fs::File;
use std::sync::atomic::{AtomicUsize, Ordering};

use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::TABLES;
use crate::schema::defender_schema;

/// One table of a [`Sample`].
pub(crate) struct SampleTable {
    pub table: &'static str,
    batch: RecordBatch,
}

impl SampleTable {
    pub fn to_batch(&self) -> Result<RecordBatch, ArrowError> {
        Ok(self.batch.clone())
    }
}

pub(crate) struct Sample {
    tables: Vec<SampleTable>,
}

static SCRATCH: AtomicUsize = AtomicUsize::new(0);

impl Sample {
    /// Generates seed and scale into a scratch folder and reads the insider-risk tables back.
    pub fn build(seed: u64, scale: usize) -> Sample {
        let n = SCRATCH.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("kqlite-sample-{}-{n}", std::process::id()));
        super::write_sample(&dir, seed, scale).expect("the sample generates in a scratch folder");
        let tables = TABLES[..4]
            .iter()
            .map(|&table| SampleTable {
                table,
                batch: read_table(&dir, table),
            })
            .collect();
        std::fs::remove_dir_all(&dir).ok();
        Sample { tables }
    }

    pub fn tables(&self) -> &[SampleTable] {
        &self.tables
    }
}

fn read_table(dir: &std::path::Path, table: &'static str) -> RecordBatch {
    let schema = defender_schema(table).expect("generated tables are registry tables");
    let mut paths: Vec<_> = std::fs::read_dir(dir.join(table))
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.sort();
    let mut batches = Vec::new();
    for path in paths {
        let file = File::open(&path).expect("a part file just written opens");
        let reader = ParquetRecordBatchReaderBuilder::try_new(file)
            .and_then(|b| b.build())
            .expect("a part file just written reads");
        batches.extend(reader.map(|b| b.expect("a part file just written decodes")));
    }
    let batches: Vec<RecordBatch> = batches
        .into_iter()
        .map(|b| {
            b.with_schema(schema.clone())
                .expect("written with the registry schema")
        })
        .collect();
    concat_batches(&schema, &batches).expect("batches share the registry schema")
}
