//! A filter conjunct over one string column read as dictionary-encoded (keys into a
//! dictionary of values, as Parquet stores a low-cardinality column): the conjunct runs once
//! per dictionary entry a batch holds, and each row takes its entry's answer. Parquet's
//! reader hands every batch of a column chunk the same dictionary, so the answers are kept
//! per dictionary for the batches after. The conjunct itself is the one planned over the
//! string column: it sees dictionary values (as that string type), and null for null keys.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, DictionaryArray, Int32Array, RecordBatch,
};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::compute::kernels::cmp::eq;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int32Type, Schema};
use datafusion::common::{internal_err, Result};
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_plan::PhysicalExpr;

use crate::per_dictionary::{entries_needed, reading, OverValues, PerDictionary};

#[derive(Debug)]
pub struct DictionaryPredicate {
    /// The conjunct as planned, over the filter's input (for display and the wire).
    original: Arc<dyn PhysicalExpr>,
    /// The conjunct over the dictionary's values.
    over_values: OverValues,
    kept: PerDictionary<Answers>,
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

    /// The entries of `keys` not known yet, each once (`Asked` from then on).
    fn unknown_in(&mut self, keys: &Int32Array) -> Vec<usize> {
        let entries = self.state.len() - 1;
        let state = &mut self.state;
        let all_known = self.unknown == 0;
        entries_needed(keys, entries, |entry| {
            let ask = state[entry] == Answer::Unknown && (entry == entries || !all_known);
            if ask {
                state[entry] = Answer::Asked;
            }
            ask
        })
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

impl DictionaryPredicate {
    /// `conjunct` reads exactly one column, given as `value_type` (a string type) to it;
    /// None when it reads another number of columns or draws a value per row (`rand()`).
    pub fn try_new(
        conjunct: &Arc<dyn PhysicalExpr>,
        value_type: &DataType,
    ) -> Result<Option<Self>> {
        let Some(over_values) = OverValues::try_new(conjunct, value_type)? else {
            return Ok(None);
        };
        Ok(Some(DictionaryPredicate {
            original: Arc::clone(conjunct),
            over_values,
            kept: PerDictionary::new(),
        }))
    }

    /// The conjunct as planned over the string column.
    pub fn original(&self) -> &Arc<dyn PhysicalExpr> {
        &self.original
    }

    /// Each row's answer, from the answers kept for its dictionary, completed as needed.
    fn evaluate_keys(&self, dictionary: &DictionaryArray<Int32Type>) -> Result<BooleanArray> {
        let values = dictionary.values();
        let kept = self.kept.kept_for(values, || Answers::new(values.len()));
        let mut answers = kept.lock().unwrap_or_else(|e| e.into_inner());
        let null_unknown = answers.state.last() == Some(&Answer::Unknown);
        if answers.unknown > 0 || (null_unknown && dictionary.keys().null_count() > 0) {
            let asked = answers.unknown_in(dictionary.keys());
            if !asked.is_empty() {
                let found = self.evaluate_entries(values, &asked)?;
                answers.record(&asked, &found);
            }
        }
        Ok(by_keys(&answers, dictionary))
    }

    /// The conjunct over the `entries` of `values` (the entry past the last is null).
    fn evaluate_entries(&self, values: &ArrayRef, entries: &[usize]) -> Result<BooleanArray> {
        let answers = self.over_values.of_entries(values, entries)?;
        match answers.as_boolean_opt() {
            Some(answers) => Ok(answers.clone()),
            None => internal_err!("a filter conjunct gave {}", answers.data_type()),
        }
    }

    /// The conjunct over a column that did not come as a dictionary.
    fn evaluate_plain(&self, column: &ArrayRef) -> Result<ColumnarValue> {
        let answers = self.over_values.of_rows(column)?;
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
        let column = self
            .over_values
            .column
            .evaluate(batch)?
            .into_array(batch.num_rows())?;
        let Some(dictionary) = column.as_dictionary_opt::<Int32Type>() else {
            return self.evaluate_plain(&column);
        };
        Ok(ColumnarValue::Array(Arc::new(
            self.evaluate_keys(dictionary)?,
        )))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.over_values.column]
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
        let original = reading(&self.original, column)?;
        Ok(Arc::new(DictionaryPredicate {
            original,
            over_values: self.over_values.reading(column),
            kept: PerDictionary::new(),
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

    use datafusion::physical_expr::expressions::Column;

    use super::*;

    fn rows(keys: Vec<Option<i32>>) -> RecordBatch {
        let values = StringArray::from(vec!["a", "B", "c", "d", "e", "f", "g", "h", "i", "j"]);
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
        // Only the entries batches held were tested (the dictionary is more than four times
        // as long as the batch): not "a", nor the others, nor null.
        let kept = Arc::clone(&equal.kept.all()[0]);
        assert_eq!(kept.lock().unwrap().unknown, 8);
        assert_eq!(kept.lock().unwrap().state[10], Answer::Unknown);
        assert_eq!(equal.kept.all().len(), 1);
        assert_eq!(selected(&equal, &rows(vec![Some(1)])), [true]);
        assert_eq!(equal.kept.all().len(), 2);
        // A batch at least a quarter as long as its dictionary has all of it tested at once.
        assert_eq!(selected(&equal, &rows(vec![Some(1); 3])), [true; 3]);
        let kept = Arc::clone(&equal.kept.all()[2]);
        assert_eq!(kept.lock().unwrap().unknown, 0);
    }
}
