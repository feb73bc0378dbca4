//! A filter conjunct over one string column read as dictionary-encoded (keys into a
//! dictionary of values, as Parquet stores a low-cardinality column): the conjunct runs once
//! per dictionary entry a batch holds, and each row takes its entry's answer. Parquet's
//! reader hands every batch of a column chunk the same dictionary, so the answers are kept
//! per dictionary for the batches after. The conjunct itself is the one planned over the
//! string column: it sees dictionary values (as that string type), and null for null keys.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, DictionaryArray, Int32Array, RecordBatch, UInt32Array,
};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::arrow::compute::{cast, take};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int32Type, Schema, SchemaRef};
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::common::{internal_err, Result};
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::utils::collect_columns;
use datafusion::physical_expr_common::physical_expr::is_volatile;
use datafusion::physical_plan::PhysicalExpr;

/// Dictionaries whose answers are kept: one per column chunk being read by each thread.
const KEPT_DICTIONARIES: usize = 8;

#[derive(Debug)]
pub struct DictionaryPredicate {
    /// The conjunct as planned, over the filter's input (for display and the wire).
    original: Arc<dyn PhysicalExpr>,
    /// The one column it reads, in the filter's input.
    column: Arc<dyn PhysicalExpr>,
    /// The conjunct over a batch of one column: the dictionary's values.
    over_values: Arc<dyn PhysicalExpr>,
    values_schema: SchemaRef,
    /// Each dictionary's answers behind a lock of its own: the threads of a scan read
    /// different files, so they do not wait for each other.
    kept: Mutex<VecDeque<(Identity, Arc<Mutex<Kept>>)>>,
}

/// A dictionary's answers, with the values they answer (held, so that the buffers that
/// identify them are not freed and reused while the answers are kept).
#[derive(Debug)]
struct Kept {
    values: ArrayRef,
    answers: Answers,
}

/// What is known of a dictionary's entries, the last entry standing for null keys. An entry
/// is tested when a batch first holds it: a row group's dictionary may hold many more
/// entries than the rows that reach a conjunct after others. A null answer counts as false,
/// as it does in a filter, the only place this conjunct stands.
#[derive(Debug)]
struct Answers {
    state: Vec<Answer>,
    /// Entries not known yet, null's aside: once all are, a batch is answered by its keys.
    unknown: usize,
    /// The entries found to pass (null aside).
    passing: Vec<i32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Unknown,
    Asked,
    Fails,
    Passes,
}

impl Answers {
    fn new(entries: usize) -> Self {
        Answers {
            state: vec![Answer::Unknown; entries + 1],
            unknown: entries,
            passing: Vec::new(),
        }
    }

    /// The entries of `keys` not known yet, each once (`Asked` from then on); every entry
    /// not known yet when the dictionary is no longer than the batch. A null key's slot may
    /// hold any key: that entry is asked too, which costs a test and changes no answer.
    fn unknown_in(&mut self, keys: &Int32Array) -> Vec<usize> {
        let null_entry = self.state.len() - 1;
        let mut asked = Vec::new();
        let mut ask = |entry: usize| {
            if self.state[entry] == Answer::Unknown {
                self.state[entry] = Answer::Asked;
                asked.push(entry);
            }
        };
        if keys.null_count() > 0 {
            ask(null_entry);
        }
        if self.unknown > 0 && null_entry <= keys.len() {
            // A dictionary no longer than the batch: testing all of it costs at most a test a
            // row, once, and spares later batches looking for entries not known yet.
            (0..null_entry).for_each(&mut ask);
        } else if self.unknown > 0 {
            for &key in keys.values() {
                ask((key as usize).min(null_entry));
            }
        }
        asked
    }

    fn record(&mut self, entries: &[usize], answers: &BooleanArray) {
        let null_entry = self.state.len() - 1;
        for (i, &entry) in entries.iter().enumerate() {
            let passes = answers.is_valid(i) && answers.value(i);
            self.state[entry] = if passes {
                Answer::Passes
            } else {
                Answer::Fails
            };
            if entry != null_entry {
                self.unknown -= 1;
                if passes {
                    self.passing.push(entry as i32);
                }
            }
        }
    }
}

/// An array's buffers, offset and length.
type Identity = (Vec<usize>, usize, usize);

fn identity(values: &ArrayRef) -> Identity {
    let data = values.to_data();
    let buffers = data.buffers().iter().map(|b| b.as_ptr() as usize).collect();
    (buffers, data.offset(), data.len())
}

impl DictionaryPredicate {
    /// `conjunct` reads exactly one column, given as `value_type` (a string type) to it;
    /// None when it reads another number of columns or draws a value per row (`rand()`).
    pub fn try_new(
        conjunct: &Arc<dyn PhysicalExpr>,
        value_type: &DataType,
    ) -> Result<Option<Self>> {
        if is_volatile(conjunct) {
            return Ok(None);
        }
        let columns = collect_columns(conjunct);
        let [column] = columns.iter().collect::<Vec<_>>()[..] else {
            return Ok(None);
        };
        let field = Field::new(column.name(), value_type.clone(), true);
        let over_values = Arc::clone(conjunct)
            .transform(|e| match e.downcast_ref::<Column>() {
                Some(c) => Ok(Transformed::yes(Arc::new(Column::new(c.name(), 0)) as _)),
                None => Ok(Transformed::no(e)),
            })
            .data()?;
        Ok(Some(DictionaryPredicate {
            original: Arc::clone(conjunct),
            column: Arc::new(column.clone()),
            over_values,
            values_schema: Arc::new(Schema::new(vec![field])),
            kept: Mutex::new(VecDeque::new()),
        }))
    }

    /// The conjunct as planned over the string column.
    pub fn original(&self) -> &Arc<dyn PhysicalExpr> {
        &self.original
    }

    /// Each row's answer, from the answers kept for its dictionary, completed as needed.
    fn evaluate_keys(&self, dictionary: &DictionaryArray<Int32Type>) -> Result<BooleanArray> {
        let kept = self.kept_for(dictionary.values());
        let mut kept = kept.lock().unwrap_or_else(|e| e.into_inner());
        let null_unknown = kept.answers.state.last() == Some(&Answer::Unknown);
        if kept.answers.unknown > 0 || (null_unknown && dictionary.keys().null_count() > 0) {
            let asked = kept.answers.unknown_in(dictionary.keys());
            if !asked.is_empty() {
                let answers = self.evaluate_entries(&kept.values, &asked)?;
                kept.answers.record(&asked, &answers);
            }
        }
        Ok(by_keys(&kept.answers, dictionary))
    }

    /// The answers kept for the dictionary `values`, new ones if none are.
    fn kept_for(&self, values: &ArrayRef) -> Arc<Mutex<Kept>> {
        let identity = identity(values);
        let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, found)) = kept.iter().find(|(i, _)| *i == identity) {
            return Arc::clone(found);
        }
        if kept.len() == KEPT_DICTIONARIES {
            kept.pop_front();
        }
        let new = Arc::new(Mutex::new(Kept {
            values: Arc::clone(values),
            answers: Answers::new(values.len()),
        }));
        kept.push_back((identity, Arc::clone(&new)));
        new
    }

    /// The conjunct over the `entries` of `values` (the entry past the last is null).
    fn evaluate_entries(&self, values: &ArrayRef, entries: &[usize]) -> Result<BooleanArray> {
        let indices: UInt32Array = (entries.iter())
            .map(|&e| (e < values.len()).then_some(e as u32))
            .collect();
        let value_type = self.values_schema.field(0).data_type();
        let asked = cast(&take(values, &indices, None)?, value_type)?;
        let batch = RecordBatch::try_new(Arc::clone(&self.values_schema), vec![asked])?;
        let answers = self
            .over_values
            .evaluate(&batch)?
            .into_array(entries.len())?;
        match answers.as_boolean_opt() {
            Some(answers) => Ok(answers.clone()),
            None => internal_err!("a filter conjunct gave {}", answers.data_type()),
        }
    }

    /// The conjunct over a column that did not come as a dictionary.
    fn evaluate_plain(&self, column: &ArrayRef) -> Result<ColumnarValue> {
        let value_type = self.values_schema.field(0).data_type();
        let values = cast(column, value_type)?;
        let rows = values.len();
        let batch = RecordBatch::try_new(Arc::clone(&self.values_schema), vec![values])?;
        let answers = self.over_values.evaluate(&batch)?.into_array(rows)?;
        let Some(answers) = answers.as_boolean_opt() else {
            return internal_err!("a filter conjunct gave {}", answers.data_type());
        };
        let bits = match answers.nulls() {
            Some(nulls) => answers.values() & nulls.inner(),
            None => answers.values().clone(),
        };
        Ok(ColumnarValue::Array(Arc::new(BooleanArray::new(
            bits, None,
        ))))
    }
}

/// Each row's answer: its key's, or the null entry's for a null key (every one known). A key
/// past the dictionary (never from Parquet's reader, which checks them) takes the null
/// entry's.
fn by_keys(answers: &Answers, dictionary: &DictionaryArray<Int32Type>) -> BooleanArray {
    let keys = dictionary.keys();
    let (at, rows) = (keys.values(), keys.len());
    let state = &answers.state;
    let last = state.len() - 1;
    let bits = match (answers.unknown, answers.passing.as_slice()) {
        (0, []) => BooleanBuffer::new_unset(rows),
        // Arrow's comparison kernel, vectorised; its nulls are the keys', handled below.
        (0, [only]) => match eq(keys, &Int32Array::new_scalar(*only)) {
            Ok(equal) => equal.values().clone(),
            Err(_) => BooleanBuffer::collect_bool(rows, move |row| at[row] == *only),
        },
        _ => BooleanBuffer::collect_bool(rows, move |row| {
            state[(at[row] as usize).min(last)] == Answer::Passes
        }),
    };
    let bits = match keys.nulls() {
        None => bits,
        Some(nulls) if state[last] == Answer::Passes => &bits | &!nulls.inner(),
        Some(nulls) => &bits & nulls.inner(),
    };
    BooleanArray::new(bits, None)
}

impl PhysicalExpr for DictionaryPredicate {
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
        let column = self.column.evaluate(batch)?.into_array(batch.num_rows())?;
        let Some(dictionary) = column.as_dictionary_opt::<Int32Type>() else {
            return self.evaluate_plain(&column);
        };
        Ok(ColumnarValue::Array(Arc::new(
            self.evaluate_keys(dictionary)?,
        )))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.column]
    }

    /// The same conjunct over the column at another position (as [`crate::SelectiveAnd`]
    /// moves it).
    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        let [column] = &children[..] else {
            return internal_err!("a dictionary conjunct reads one column");
        };
        let original = Arc::clone(&self.original)
            .transform(|e| match e.is::<Column>() {
                true => Ok(Transformed::yes(Arc::clone(column))),
                false => Ok(Transformed::no(e)),
            })
            .data()?;
        Ok(Arc::new(DictionaryPredicate {
            original,
            column: Arc::clone(column),
            over_values: Arc::clone(&self.over_values),
            values_schema: Arc::clone(&self.values_schema),
            kept: Mutex::new(VecDeque::new()),
        }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.original.fmt_sql(f)
    }
}

impl fmt::Display for DictionaryPredicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "per_dictionary_entry({})", self.original)
    }
}

crate::stands_for::same_as_original!(DictionaryPredicate);

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Int32Array, StringArray};
    use datafusion::logical_expr::Operator;
    use datafusion::physical_expr::expressions::{binary, is_null, lit};

    use super::*;

    fn rows(keys: Vec<Option<i32>>) -> RecordBatch {
        let values = StringArray::from(vec!["a", "B", "c"]);
        let column = DictionaryArray::new(Int32Array::from(keys), Arc::new(values));
        let field = Field::new("c", column.data_type().clone(), true);
        RecordBatch::try_new(Arc::new(Schema::new(vec![field])), vec![Arc::new(column)]).unwrap()
    }

    /// The conjunct `op(c, literal)` (or `c IS NULL or ...`) over string views, per entry.
    fn per_entry(conjunct: Arc<dyn PhysicalExpr>) -> DictionaryPredicate {
        DictionaryPredicate::try_new(&conjunct, &DataType::Utf8View)
            .unwrap()
            .unwrap()
    }

    fn compare(op: Operator, value: &str) -> Arc<dyn PhysicalExpr> {
        let schema = Schema::new(vec![Field::new("c", DataType::Utf8View, true)]);
        let column = Arc::new(Column::new("c", 0));
        let value = lit(datafusion::common::ScalarValue::Utf8View(Some(
            value.into(),
        )));
        binary(column, op, value, &schema).unwrap()
    }

    fn selected(predicate: &DictionaryPredicate, batch: &RecordBatch) -> Vec<bool> {
        let answers = predicate
            .evaluate(batch)
            .unwrap()
            .into_array(batch.num_rows())
            .unwrap();
        let answers = answers.as_boolean();
        assert_eq!(answers.null_count(), 0);
        (0..answers.len()).map(|i| answers.value(i)).collect()
    }

    #[test]
    fn each_row_takes_its_entry_answer() {
        let batch = rows(vec![Some(0), Some(1), None, Some(1), Some(2)]);
        let equal = per_entry(compare(Operator::Eq, "B"));
        assert_eq!(selected(&equal, &batch), [false, true, false, true, false]);
        // A null key has a null answer here, which a filter counts as false.
        let unequal = per_entry(compare(Operator::NotEq, "a"));
        assert_eq!(selected(&unequal, &batch), [false, true, false, true, true]);
        let column: Arc<dyn PhysicalExpr> = Arc::new(Column::new("c", 0));
        let or_null = binary(
            is_null(column).unwrap(),
            Operator::Or,
            compare(Operator::Eq, "c"),
            &Schema::new(vec![Field::new("c", DataType::Utf8View, true)]),
        )
        .unwrap();
        assert_eq!(
            selected(&per_entry(or_null), &batch),
            [false, false, true, false, true]
        );
    }

    #[test]
    fn answers_are_kept_per_dictionary() {
        let equal = per_entry(compare(Operator::Eq, "B"));
        let batch = rows(vec![Some(1), Some(2)]);
        let same_dictionary = batch.slice(1, 1);
        assert_eq!(selected(&equal, &batch), [true, false]);
        assert_eq!(selected(&equal, &same_dictionary), [false]);
        // Only the entries batches held were tested: not "a", nor null.
        let kept = Arc::clone(&equal.kept.lock().unwrap()[0].1);
        assert_eq!(kept.lock().unwrap().answers.unknown, 1);
        assert_eq!(kept.lock().unwrap().answers.state[3], Answer::Unknown);
        assert_eq!(equal.kept.lock().unwrap().len(), 1);
        assert_eq!(selected(&equal, &rows(vec![Some(1)])), [true]);
        assert_eq!(equal.kept.lock().unwrap().len(), 2);
        // A batch at least as long as its dictionary has all of it tested at once.
        assert_eq!(selected(&equal, &rows(vec![Some(1); 3])), [true; 3]);
        let kept = Arc::clone(&equal.kept.lock().unwrap()[2].1);
        assert_eq!(kept.lock().unwrap().answers.unknown, 0);
    }
}
