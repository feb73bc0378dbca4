//! Parquet input to an import: the footer checked against the registry as
//! for queries, then the file read batch by batch, each batch cast to the
//! table's types (value by value for a foreign file, see [`crate::parquet_adapt`]).

use std::fs::File;
use std::sync::Arc;

use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::inputs::Input;
use super::sink::ImportSink;
use crate::error::TableError;
use crate::formats::ReadCtx;
use crate::listing::read_footer;
use crate::memtable::conform;
use crate::parquet_adapt::{adapt_batch, needs_adapting};
use crate::validate::table_schema;
use crate::warning::{Position, WarningKind};

const BATCH_ROWS: usize = 16 * 1024;

pub(crate) fn read(
    input: &Input,
    ctx: &mut ReadCtx<'_>,
    sink: &mut ImportSink<'_>,
) -> Result<(), TableError> {
    let def = input.hint.expect("Parquet inputs are found by table");
    let facts = read_footer(&input.path);
    let foreign = facts.as_ref().is_ok_and(|f| needs_adapting(def, f));
    let schema = match facts.and_then(|facts| match foreign {
        true => Ok(Arc::clone(&def.schema)),
        false => table_schema(def, &[facts]),
    }) {
        Ok(schema) => schema,
        Err(e) => {
            ctx.warn(Position::File, WarningKind::FailedFile, e.to_string());
            return Ok(());
        }
    };
    let reader = File::open(&input.path)
        .map_err(|e| e.to_string())
        .and_then(|file| {
            crate::embedded_schema::check_file(&file)?;
            let builder =
                ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| e.to_string())?;
            builder
                .with_batch_size(BATCH_ROWS)
                .build()
                .map_err(|e| e.to_string())
        });
    let reader = match reader {
        Ok(reader) => reader,
        Err(e) => {
            ctx.warn(Position::File, WarningKind::FailedFile, e);
            return Ok(());
        }
    };
    ctx.progress.bytes(input.bytes);
    let mut lost = Vec::new();
    for batch in reader {
        let batch = match batch {
            Ok(batch) => batch,
            Err(e) => {
                let message = format!("{e} (the {} rows before were read)", ctx.rows);
                ctx.warn(Position::File, WarningKind::Truncated, message);
                return Ok(());
            }
        };
        let rows = batch.num_rows() as u64;
        let batch = match foreign {
            true => adapt_batch(def, &batch, ctx.zone, &mut lost)?,
            false => conform(&batch, &schema)?,
        };
        sink.push_batch(def, batch)?;
        ctx.rows_read(rows);
    }
    for l in lost {
        ctx.warnings.push(l.warning(&input.path));
    }
    Ok(())
}
