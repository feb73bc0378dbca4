//! Types for the tables an import wrote that no registry documents: each text column takes
//! the Kusto type every value of the whole table reads as (as `--data` types such a table's
//! text), and each part is rewritten with those types. A `dynamic` column says so in the
//! Parquet schema, so that reading the parts back knows it. Parts are read one at a time:
//! memory stays bounded by a part.

use std::fs::File;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::concat_batches;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::inputs::existing_parts;
use super::sink::write_part;
use crate::error::TableError;
use crate::infer::{cast_batch, typed_schema, ColumnTypes};
use crate::schema::KustoType;

/// Types the text columns of the table in `dir` (every part, earlier runs' included).
pub(crate) fn retype_table(dir: &Path, row_group_rows: usize) -> Result<(), TableError> {
    let mut parts: Vec<PathBuf> = existing_parts(dir)?.into_values().flatten().collect();
    parts.sort();
    let mut types = ColumnTypes::default();
    for part in &parts {
        read_part(part)?.iter().for_each(|b| types.observe(b));
    }
    let found = types.found();
    for part in &parts {
        rewrite(part, &found, row_group_rows)?;
    }
    Ok(())
}

fn read_part(path: &Path) -> Result<Vec<RecordBatch>, TableError> {
    let file = File::open(path).map_err(|e| TableError::io(path, e))?;
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| TableError::InvalidParquet {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    reader
        .collect::<Result<Vec<_>, _>>()
        .map_err(TableError::from_arrow)
}

/// The part at `path` with its columns as `found` types them, unless it has them already.
fn rewrite(
    path: &Path,
    found: &[(String, KustoType)],
    row_group_rows: usize,
) -> Result<(), TableError> {
    let batches = read_part(path)?;
    let Some(first) = batches.first() else {
        return Ok(());
    };
    let schema = typed_schema(&first.schema(), found);
    if schema.as_ref() == first.schema().as_ref() {
        return Ok(());
    }
    let whole = concat_batches(&first.schema(), &batches).map_err(TableError::from_arrow)?;
    let typed = cast_batch(&whole, &schema)?;
    let temp = path.with_extension("parquet.retyped");
    write_part(&temp, &typed, row_group_rows)?;
    std::fs::rename(&temp, path).map_err(|e| TableError::io(path, e))
}
