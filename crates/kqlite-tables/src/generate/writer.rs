//! One Parquet file of one table, written as rows arrive: a row group every
//! [`ROW_GROUP`] rows, so memory stays bounded whatever the file's size.

use std::fs::File;
use std::path::{Path, PathBuf};

use datafusion::arrow::compute::concat_batches;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;

use super::rows::{Row, Rows};
use crate::error::TableError;

/// Rows per Parquet row group.
pub(crate) const ROW_GROUP: usize = 128 * 1024;
/// Rows kept as maps before they become Arrow columns (maps are ten times larger).
const CHUNK: usize = 8 * 1024;

pub(crate) struct PartWriter {
    buffer: Rows,
    /// Columnar chunks of the row group being filled.
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    writer: Option<ArrowWriter<File>>,
    path: PathBuf,
    rows: usize,
}

/// What one part file holds.
pub(crate) struct Written {
    pub table: &'static str,
    pub rows: usize,
    pub bytes: u64,
}

impl PartWriter {
    /// `out/<table>/part-NNNN.parquet`; the file is created on the first rows.
    pub fn new(out: &Path, table: &'static str, part: usize) -> PartWriter {
        PartWriter {
            buffer: Rows::new(table),
            pending: Vec::new(),
            pending_rows: 0,
            writer: None,
            path: out.join(table).join(format!("part-{part:04}.parquet")),
            rows: 0,
        }
    }

    pub fn push(&mut self, row: Row) -> Result<(), TableError> {
        self.buffer.push(row);
        if self.buffer.rows.len() >= CHUNK {
            self.chunk()?;
        }
        if self.pending_rows >= ROW_GROUP {
            self.flush()?;
        }
        Ok(())
    }

    pub fn extend(&mut self, rows: impl IntoIterator<Item = Row>) -> Result<(), TableError> {
        rows.into_iter().try_for_each(|row| self.push(row))
    }

    /// Turns the buffered rows into Arrow columns.
    fn chunk(&mut self) -> Result<(), TableError> {
        if self.buffer.rows.is_empty() {
            return Ok(());
        }
        let path = &self.path;
        let batch = self
            .buffer
            .to_batch()
            .map_err(|e| TableError::write(path, e))?;
        self.pending_rows += batch.num_rows();
        self.pending.push(batch);
        self.buffer.rows.clear();
        Ok(())
    }

    /// Writes the pending chunks as one row group.
    fn flush(&mut self) -> Result<(), TableError> {
        self.chunk()?;
        if self.pending.is_empty() {
            return Ok(());
        }
        let path = &self.path;
        let batch = concat_batches(&self.buffer.schema, &self.pending)
            .map_err(|e| TableError::write(path, e))?;
        self.pending.clear();
        self.pending_rows = 0;
        if self.writer.is_none() {
            self.writer = Some(self.open(&batch)?);
        }
        let writer = self.writer.as_mut().expect("opened above");
        writer
            .write(&batch)
            .map_err(|e| TableError::write(path, e))?;
        writer.flush().map_err(|e| TableError::write(path, e))?;
        self.rows += batch.num_rows();
        Ok(())
    }

    fn open(&self, batch: &RecordBatch) -> Result<ArrowWriter<File>, TableError> {
        let path = &self.path;
        let dir = path.parent().expect("part files live in a table folder");
        std::fs::create_dir_all(dir).map_err(|e| TableError::io(dir, e))?;
        let file = File::create(path).map_err(|e| TableError::io(path, e))?;
        let level = ZstdLevel::try_new(3).map_err(|e| TableError::write(path, e))?;
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(level))
            .set_max_row_group_row_count(Some(ROW_GROUP))
            .build();
        ArrowWriter::try_new(file, batch.schema(), Some(props))
            .map_err(|e| TableError::write(path, e))
    }

    /// Closes the file; a part that got no rows writes no file.
    pub fn finish(mut self) -> Result<Option<Written>, TableError> {
        self.flush()?;
        let Some(writer) = self.writer.take() else {
            return Ok(None);
        };
        let path = self.path;
        writer.close().map_err(|e| TableError::write(&path, e))?;
        let bytes = std::fs::metadata(&path)
            .map_err(|e| TableError::io(&path, e))?
            .len();
        Ok(Some(Written {
            table: self.buffer.table,
            rows: self.rows,
            bytes,
        }))
    }
}
