//! A filter predicate `a and b and c` evaluated one conjunct at a time, each on the rows the
//! ones before kept. DataFusion's `AND` does the same only for a null-free left side, and then
//! copies every column of the batch for the selected rows and puts the right side's result
//! back one run of rows at a time. Here a conjunct reads only its own columns, and the result
//! is a selection bitmap in which null counts as false, as it does in a filter. So this is a
//! predicate for a filter only, never a value.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch, RecordBatchOptions};
use datafusion::arrow::buffer::{BooleanBuffer, MutableBuffer};
use datafusion::arrow::compute::FilterBuilder;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::Result;
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::utils::collect_columns;
use datafusion::physical_plan::PhysicalExpr;

/// Below this share of rows still selected, the next conjunct runs on those rows only.
const SELECTIVE_SHARE: f64 = 0.25;

#[derive(Debug)]
pub struct SelectiveAnd {
    conjuncts: Vec<Arc<dyn PhysicalExpr>>,
    input: SchemaRef,
    steps: Vec<Step>,
}

/// One conjunct over only the input columns it reads.
#[derive(Debug)]
struct Step {
    columns: Vec<usize>,
    schema: SchemaRef,
    expr: Arc<dyn PhysicalExpr>,
}

impl SelectiveAnd {
    pub fn try_new(conjuncts: Vec<Arc<dyn PhysicalExpr>>, input: SchemaRef) -> Result<Self> {
        let steps = conjuncts
            .iter()
            .map(|c| Step::try_new(c, &input))
            .collect::<Result<_>>()?;
        Ok(SelectiveAnd {
            conjuncts,
            input,
            steps,
        })
    }

    pub fn conjuncts(&self) -> &[Arc<dyn PhysicalExpr>] {
        &self.conjuncts
    }
}

impl Step {
    fn try_new(conjunct: &Arc<dyn PhysicalExpr>, input: &Schema) -> Result<Step> {
        let mut columns: Vec<usize> = collect_columns(conjunct)
            .iter()
            .map(|c| c.index())
            .collect();
        columns.sort_unstable();
        columns.dedup();
        let fields: Vec<FieldRef> = columns
            .iter()
            .map(|&i| Arc::new(input.field(i).clone()))
            .collect();
        let expr = Arc::clone(conjunct)
            .transform(|e| {
                let Some(column) = e.downcast_ref::<Column>() else {
                    return Ok(Transformed::no(e));
                };
                let at = columns.binary_search(&column.index()).unwrap_or_default();
                Ok(Transformed::yes(
                    Arc::new(Column::new(column.name(), at)) as _
                ))
            })
            .data()?;
        Ok(Step {
            columns,
            schema: Arc::new(Schema::new(fields)),
            expr,
        })
    }

    /// The rows of `batch` (all, or those `selected` holds) this conjunct keeps, as bits
    /// over the rows it ran on.
    fn keep(&self, batch: &RecordBatch, selected: Option<&BooleanBuffer>) -> Result<BooleanBuffer> {
        let columns = self.columns.iter().map(|&i| Arc::clone(batch.column(i)));
        let (columns, rows): (Vec<_>, usize) = match selected {
            None => (columns.collect(), batch.num_rows()),
            Some(mask) => {
                let filter = FilterBuilder::new(&BooleanArray::new(mask.clone(), None))
                    .optimize()
                    .build();
                let columns = columns
                    .map(|c| filter.filter(&c))
                    .collect::<std::result::Result<_, _>>()?;
                (columns, filter.count())
            }
        };
        let options = RecordBatchOptions::new().with_row_count(Some(rows));
        let part = RecordBatch::try_new_with_options(Arc::clone(&self.schema), columns, &options)?;
        let result = self.expr.evaluate(&part)?.into_array(rows)?;
        Ok(truthy(result.as_boolean()))
    }
}

/// True where the value is true; null counts as false.
fn truthy(values: &BooleanArray) -> BooleanBuffer {
    match values.nulls() {
        Some(nulls) => values.values() & nulls.inner(),
        None => values.values().clone(),
    }
}

/// `mask` with its k-th set bit kept only where `kept` has bit k.
fn narrow(mask: &BooleanBuffer, kept: &BooleanBuffer) -> BooleanBuffer {
    let positions: Vec<usize> = mask.set_indices().collect();
    let mut bits = MutableBuffer::from_len_zeroed(mask.len().div_ceil(8));
    for k in kept.set_indices() {
        let row = positions[k];
        bits.as_slice_mut()[row / 8] |= 1 << (row % 8);
    }
    BooleanBuffer::new(bits.into(), 0, mask.len())
}

impl PhysicalExpr for SelectiveAnd {
    fn data_type(&self, _input_schema: &Schema) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn nullable(&self, _input_schema: &Schema) -> Result<bool> {
        Ok(false)
    }

    fn return_field(&self, _input_schema: &Schema) -> Result<FieldRef> {
        Ok(Arc::new(Field::new("selected", DataType::Boolean, false)))
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<ColumnarValue> {
        let rows = batch.num_rows();
        let mut mask: Option<BooleanBuffer> = None;
        for step in &self.steps {
            mask = Some(match mask {
                None => step.keep(batch, None)?,
                Some(mask) => {
                    let selected = mask.count_set_bits();
                    if selected == 0 {
                        return Ok(ColumnarValue::Array(Arc::new(BooleanArray::new(
                            mask, None,
                        ))));
                    }
                    if (selected as f64) < SELECTIVE_SHARE * rows as f64 {
                        narrow(&mask, &step.keep(batch, Some(&mask))?)
                    } else {
                        &mask & &step.keep(batch, None)?
                    }
                }
            });
        }
        let mask = mask.unwrap_or_else(|| BooleanBuffer::new_set(rows));
        Ok(ColumnarValue::Array(Arc::new(BooleanArray::new(
            mask, None,
        ))))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        self.conjuncts.iter().collect()
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        Ok(Arc::new(SelectiveAnd::try_new(
            children,
            Arc::clone(&self.input),
        )?))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, conjunct) in self.conjuncts.iter().enumerate() {
            if i > 0 {
                write!(f, " AND ")?;
            }
            conjunct.fmt_sql(f)?;
        }
        Ok(())
    }
}

impl fmt::Display for SelectiveAnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.conjuncts.iter().map(|c| c.to_string()).collect();
        write!(f, "{}", parts.join(" AND "))
    }
}

impl PartialEq for SelectiveAnd {
    fn eq(&self, other: &Self) -> bool {
        self.conjuncts == other.conjuncts
    }
}

impl Eq for SelectiveAnd {}

impl Hash for SelectiveAnd {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.conjuncts.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use datafusion::arrow::array::Int64Array;
    use datafusion::logical_expr::Operator;
    use datafusion::physical_expr::expressions::{lit, BinaryExpr};

    use super::*;

    /// A conjunct that keeps every row and counts the rows it was evaluated on.
    #[derive(Debug)]
    struct RowsSeen(Arc<AtomicUsize>);

    impl PhysicalExpr for RowsSeen {
        fn return_field(&self, _input_schema: &Schema) -> Result<FieldRef> {
            Ok(Arc::new(Field::new("seen", DataType::Boolean, false)))
        }
        fn evaluate(&self, batch: &RecordBatch) -> Result<ColumnarValue> {
            self.0.fetch_add(batch.num_rows(), Ordering::Relaxed);
            let all = BooleanBuffer::new_set(batch.num_rows());
            Ok(ColumnarValue::Array(Arc::new(BooleanArray::new(all, None))))
        }
        fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
            vec![]
        }
        fn with_new_children(
            self: Arc<Self>,
            _children: Vec<Arc<dyn PhysicalExpr>>,
        ) -> Result<Arc<dyn PhysicalExpr>> {
            Ok(self)
        }
        fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "seen")
        }
    }

    impl fmt::Display for RowsSeen {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "seen")
        }
    }

    impl PartialEq for RowsSeen {
        fn eq(&self, other: &Self) -> bool {
            Arc::ptr_eq(&self.0, &other.0)
        }
    }

    impl Eq for RowsSeen {}

    impl Hash for RowsSeen {
        fn hash<H: Hasher>(&self, _state: &mut H) {}
    }

    /// Columns `a` = 0..rows and `b` = a with every third value null.
    fn batch(rows: i64) -> RecordBatch {
        let a = Int64Array::from_iter_values(0..rows);
        let b: Int64Array = (0..rows).map(|i| (i % 3 != 0).then_some(i)).collect();
        let schema = Schema::new(vec![
            Field::new("a", DataType::Int64, false),
            Field::new("b", DataType::Int64, true),
        ]);
        RecordBatch::try_new(Arc::new(schema), vec![Arc::new(a), Arc::new(b)]).unwrap()
    }

    fn less_than(column: &str, index: usize, value: i64) -> Arc<dyn PhysicalExpr> {
        let column = Arc::new(Column::new(column, index));
        Arc::new(BinaryExpr::new(column, Operator::Lt, lit(value)))
    }

    /// The rows the conjunction keeps, and how many rows `RowsSeen` (last) ran on.
    fn run(rows: i64, mut conjuncts: Vec<Arc<dyn PhysicalExpr>>) -> (Vec<usize>, usize) {
        let batch = batch(rows);
        let seen = Arc::new(AtomicUsize::new(0));
        conjuncts.push(Arc::new(RowsSeen(Arc::clone(&seen))));
        let and = SelectiveAnd::try_new(conjuncts, batch.schema()).unwrap();
        let kept = and
            .evaluate(&batch)
            .unwrap()
            .into_array(batch.num_rows())
            .unwrap();
        let kept = kept.as_boolean();
        assert_eq!(kept.null_count(), 0);
        let rows = kept.values().set_indices().collect();
        (rows, seen.load(Ordering::Relaxed))
    }

    #[test]
    fn a_conjunct_after_a_selective_one_runs_on_the_rows_kept() {
        let (rows, seen) = run(100, vec![less_than("a", 0, 10)]);
        assert_eq!(rows, (0..10).collect::<Vec<_>>());
        assert_eq!(seen, 10);
    }

    #[test]
    fn after_an_unselective_one_it_runs_on_the_whole_batch() {
        let (rows, seen) = run(100, vec![less_than("a", 0, 50)]);
        assert_eq!(rows, (0..50).collect::<Vec<_>>());
        assert_eq!(seen, 100);
    }

    #[test]
    fn null_counts_as_false_and_columns_are_found_by_position() {
        // b is null where a % 3 == 0; b < 8 keeps 1, 2, 4, 5, 7; then a < 5 keeps 1, 2, 4.
        let (rows, seen) = run(100, vec![less_than("b", 1, 8), less_than("a", 0, 5)]);
        assert_eq!(rows, vec![1, 2, 4]);
        assert_eq!(seen, 3);
    }

    #[test]
    fn nothing_left_stops_the_evaluation() {
        let (rows, seen) = run(100, vec![less_than("a", 0, 0)]);
        assert!(rows.is_empty());
        assert_eq!(seen, 0);
    }
}
