//! What an expression over a dictionary-encoded column works out for the dictionary's
//! entries, kept per dictionary: Parquet's reader hands every batch of a column chunk the
//! same dictionary, so the chunk's later batches reuse it. Each dictionary's part has a lock
//! of its own: the threads of a scan read different files, so they do not wait for each other.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{Array, ArrayRef, Int32Array, RecordBatch, UInt32Array};
use datafusion::arrow::compute::{cast, concat, take};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::Result;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::utils::collect_columns;
use datafusion::physical_expr_common::physical_expr::is_volatile;
use datafusion::physical_plan::PhysicalExpr;

/// Dictionaries kept: one per column chunk being read by each thread, and some to spare.
const KEPT_DICTIONARIES: usize = 8;

pub(crate) struct PerDictionary<T> {
    /// Each dictionary's values (held, so that the buffers that identify them are not freed
    /// and reused while kept) and what is known of them.
    kept: Mutex<VecDeque<Kept<T>>>,
}

type Kept<T> = (Identity, ArrayRef, Arc<Mutex<T>>);

/// An array's buffers, offset and length.
type Identity = (Vec<usize>, usize, usize);

fn identity(values: &ArrayRef) -> Identity {
    let data = values.to_data();
    let buffers = data.buffers().iter().map(|b| b.as_ptr() as usize).collect();
    (buffers, data.offset(), data.len())
}

impl<T> PerDictionary<T> {
    pub(crate) fn new() -> Self {
        PerDictionary {
            kept: Mutex::new(VecDeque::new()),
        }
    }

    /// What is kept for the dictionary `values`, `new()` if nothing is.
    pub(crate) fn kept_for(&self, values: &ArrayRef, new: impl FnOnce() -> T) -> Arc<Mutex<T>> {
        let identity = identity(values);
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, _, found)) = kept.iter().find(|(i, _, _)| *i == identity) {
            return Arc::clone(found);
        }
        if kept.len() == KEPT_DICTIONARIES {
            kept.pop_front();
        }
        let fresh = Arc::new(Mutex::new(new()));
        kept.push_back((identity, Arc::clone(values), Arc::clone(&fresh)));
        fresh
    }

    /// What is kept, oldest dictionary first.
    #[cfg(test)]
    pub(crate) fn all(&self) -> Vec<Arc<Mutex<T>>> {
        let kept = self.kept.lock().unwrap();
        kept.iter().map(|(_, _, t)| Arc::clone(t)).collect()
    }
}

impl<T> fmt::Debug for PerDictionary<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kept = self.kept.lock().map(|k| k.len()).unwrap_or(0);
        write!(f, "PerDictionary({kept} kept)")
    }
}

/// The entries of a dictionary of `entries` values that a batch with `keys` needs and
/// `unknown` (which marks each entry it answers true for as asked) does not know yet, each
/// once; the entry past the last (asked last) stands for null keys. Every entry when the
/// dictionary is at most four times as long as the batch: a column chunk's dictionary holds
/// only values its rows use, so its later batches would ask for the rest anyway, and the
/// whole dictionary goes to the kernels as it is (one search through its bytes, no gather).
/// A null key's slot may hold any key: that entry is asked too, which costs some work and
/// changes no answer.
const WHOLE_DICTIONARY_BATCHES: usize = 4;

pub(crate) fn entries_needed(
    keys: &Int32Array,
    entries: usize,
    mut unknown: impl FnMut(usize) -> bool,
) -> Vec<usize> {
    let mut asked = Vec::new();
    let mut ask = |entry: usize| {
        if unknown(entry) {
            asked.push(entry);
        }
    };
    if entries <= WHOLE_DICTIONARY_BATCHES * keys.len() {
        (0..entries).for_each(&mut ask);
    } else {
        for &key in keys.values() {
            ask((key as usize).min(entries));
        }
    }
    if keys.null_count() > 0 {
        ask(entries);
    }
    asked
}

/// An expression of one column, run over a dictionary's values (or a column's rows when it
/// did not come as a dictionary) given as a string type.
#[derive(Debug, Clone)]
pub(crate) struct OverValues {
    /// The column it reads, where the expression as planned reads it.
    pub(crate) column: Arc<dyn PhysicalExpr>,
    /// The expression over a batch of that one column.
    expr: Arc<dyn PhysicalExpr>,
    schema: SchemaRef,
}

impl OverValues {
    /// `expr` over the values of its one column, given to it as `value_type`; None when it
    /// reads another number of columns or draws a value per row (`rand()`).
    pub(crate) fn try_new(
        expr: &Arc<dyn PhysicalExpr>,
        value_type: &DataType,
    ) -> Result<Option<Self>> {
        if is_volatile(expr) {
            return Ok(None);
        }
        let columns = collect_columns(expr);
        let [column] = columns.iter().collect::<Vec<_>>()[..] else {
            return Ok(None);
        };
        let field = Field::new(column.name(), value_type.clone(), true);
        let over_values = Arc::clone(expr)
            .transform(|e| match e.downcast_ref::<Column>() {
                Some(c) => Ok(Transformed::yes(Arc::new(Column::new(c.name(), 0)) as _)),
                None => Ok(Transformed::no(e)),
            })
            .data()?;
        Ok(Some(OverValues {
            column: Arc::new(column.clone()),
            expr: over_values,
            schema: Arc::new(Schema::new(vec![field])),
        }))
    }

    /// Whether the expression is the column itself.
    pub(crate) fn is_column(&self) -> bool {
        self.expr.is::<Column>()
    }

    /// The same over `column` (where a rule moved it).
    pub(crate) fn reading(&self, column: &Arc<dyn PhysicalExpr>) -> Self {
        OverValues {
            column: Arc::clone(column),
            ..self.clone()
        }
    }

    /// The expression over the `entries` of `values` (the entry past the last is null).
    pub(crate) fn of_entries(&self, values: &ArrayRef, entries: &[usize]) -> Result<ArrayRef> {
        let every = values.len();
        let in_order = entries.len() >= every && (0..every).eq(entries[..every].iter().copied());
        if in_order && every > 0 {
            let whole = self.of_rows(values)?;
            return match &entries[every..] {
                [] => Ok(whole),
                rest => concat(&[&whole, &self.of_entries(values, rest)?]).map_err(Into::into),
            };
        }
        let indices: UInt32Array = (entries.iter())
            .map(|&e| (e < values.len()).then_some(e as u32))
            .collect();
        self.of_rows(&take(values, &indices, None)?)
    }

    /// The expression over each of `values`.
    pub(crate) fn of_rows(&self, values: &ArrayRef) -> Result<ArrayRef> {
        let values = cast(values, self.schema.field(0).data_type())?;
        let rows = values.len();
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), vec![values])?;
        self.expr.evaluate(&batch)?.into_array(rows)
    }
}

/// `expr`, which reads one column, reading `column` instead (where a rule moved it).
pub(crate) fn reading(
    expr: &Arc<dyn PhysicalExpr>,
    column: &Arc<dyn PhysicalExpr>,
) -> Result<Arc<dyn PhysicalExpr>> {
    Arc::clone(expr)
        .transform(|e| match e.is::<Column>() {
            true => Ok(Transformed::yes(Arc::clone(column))),
            false => Ok(Transformed::no(e)),
        })
        .data()
}
