//! The rows of a `range` with constant bounds, made a batch at a time as they are read: a
//! range of billions of values costs memory only for what the query keeps, and
//! `range ... | take 2` stops after the first batch.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Int64Array};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::streaming::StreamingTable;
use datafusion::catalog::TableProvider;
use datafusion::common::Result;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::streaming::PartitionStream;

const BATCH_ROWS: u64 = 8192;

/// `count` values `start`, `start + step`, ... as 64-bit integers, read as `data_type` (a
/// long, a datetime or a timespan, all 64-bit counts).
#[derive(Debug)]
pub(crate) struct RangeRows {
    schema: SchemaRef,
    start: i64,
    step: i64,
    count: u64,
}

impl RangeRows {
    /// The scan's table name, distinct for distinct rows: plans compare scans by name, so two
    /// ranges of one name would be taken for one (`toscalar(range ...)` twice).
    pub(crate) fn table_name(&self) -> String {
        format!("range_{}_{}_{}", self.start, self.step, self.count)
    }

    /// The rows from `start` to `stop` inclusive; none when `step` leads away from `stop`.
    pub(crate) fn new(name: &str, data_type: DataType, start: i64, stop: i64, step: i64) -> Self {
        let span = i128::from(stop) - i128::from(start);
        let count = match span.signum() * i128::from(step.signum()) {
            -1 => 0,
            _ => span / i128::from(step) + 1,
        };
        let schema = Schema::new(vec![Field::new(name, data_type, false)]);
        RangeRows {
            schema: Arc::new(schema),
            start,
            step,
            count: u64::try_from(count).unwrap_or(0),
        }
    }

    pub(crate) fn into_table(self) -> Result<Arc<dyn TableProvider>> {
        let schema = Arc::clone(&self.schema);
        // The values come in order (Kusto's `range` is serialized): operators after it keep
        // that order, and the output keeps it (see `output_order.rs`).
        let column = datafusion::logical_expr::ident(self.schema.field(0).name());
        let order = column.sort(self.step > 0, false);
        let table = StreamingTable::try_new(schema, vec![Arc::new(self)])?;
        Ok(Arc::new(table.with_sort_order(vec![order])))
    }

    fn batch(&self, first: u64) -> Result<RecordBatch> {
        let rows = BATCH_ROWS.min(self.count - first);
        // Every value lies between start and stop, so none overflows.
        let at = |i: u64| self.start + (i as i64) * self.step;
        let values: ArrayRef =
            Arc::new(Int64Array::from_iter_values((first..first + rows).map(at)));
        let column = cast(&values, self.schema.field(0).data_type())?;
        Ok(RecordBatch::try_new(
            Arc::clone(&self.schema),
            vec![column],
        )?)
    }
}

impl fmt::Display for RangeRows {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "range of {} rows", self.count)
    }
}

impl PartitionStream for RangeRows {
    fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    fn execute(&self, _: Arc<TaskContext>) -> SendableRecordBatchStream {
        let rows = RangeRows {
            schema: Arc::clone(&self.schema),
            ..*self
        };
        let batches = (0..self.count)
            .step_by(BATCH_ROWS as usize)
            .map(move |first| rows.batch(first));
        let stream = futures::stream::iter(batches);
        Box::pin(RecordBatchStreamAdapter::new(
            Arc::clone(&self.schema),
            stream,
        ))
    }
}
