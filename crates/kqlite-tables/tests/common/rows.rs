//! Tables as sorted lists of rows of text, to compare what two loaders give.

use std::path::Path;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::prelude::{ident, SessionContext};
use kqlite_tables::{defender_schema, register_dir_with_report, RegisterOptions, Warning};

use super::{collect, context, table};

/// Registers `dir` (not strict) and returns the context and the warnings.
pub fn open(dir: &Path) -> (SessionContext, Vec<Warning>) {
    let ctx = context();
    let (_, warnings) = register_dir_with_report(&ctx, dir, RegisterOptions::default()).unwrap();
    (ctx, warnings)
}

/// The documented columns of `name`, every row as text (nulls and empty
/// strings alike as empty), sorted.
pub async fn rows(ctx: &SessionContext, name: &str) -> Vec<String> {
    let schema = defender_schema(name).unwrap();
    let columns: Vec<_> = schema.fields().iter().map(|f| ident(f.name())).collect();
    let df = table(ctx, name).await.select(columns).unwrap();
    let mut rows = text_rows(&collect(df).await);
    rows.sort();
    rows
}

pub fn text_rows(batch: &RecordBatch) -> Vec<String> {
    let columns: Vec<_> = batch
        .columns()
        .iter()
        .map(|c| cast(c, &DataType::Utf8).unwrap())
        .collect();
    (0..batch.num_rows())
        .map(|row| {
            let cells: Vec<&str> = columns
                .iter()
                .map(|c| match c.is_null(row) {
                    true => "",
                    false => c.as_string::<i32>().value(row),
                })
                .collect();
            cells.join("\u{1f}")
        })
        .collect()
}
