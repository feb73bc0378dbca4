//! Group keys from a dictionary-encoded string column, as integer codes: the key expression
//! (`tolower(ActionType)`, or the column itself) runs once per dictionary entry, each value
//! it gives is numbered in a [`CodeBook`] that the aggregation's threads share, and each row
//! takes its entry's code. DataFusion then groups integers instead of hashing a string a row;
//! [`CodedValues`], right above the aggregation, turns the codes back into the values.

use std::fmt;
use std::sync::{Arc, Mutex};

use datafusion::arrow::array::StringArrayType;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, DictionaryArray, Int32Array, RecordBatch, StringViewBuilder,
    UInt32Array,
};
use datafusion::arrow::buffer::NullBuffer;
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int32Type, Schema};
use datafusion::common::{internal_err, HashMap, Result};
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_plan::PhysicalExpr;

use crate::per_dictionary::{entries_needed, reading, OverValues, PerDictionary};

/// The values group keys took, each numbered once, in the order first met.
#[derive(Debug, Default)]
pub struct CodeBook {
    book: Mutex<Book>,
}

#[derive(Debug, Default)]
struct Book {
    codes: HashMap<Arc<str>, u32>,
    values: Vec<Arc<str>>,
}

impl CodeBook {
    /// The codes of the `entries` of the string array `values` (null for null, and for the
    /// entry past the last), numbering the values not met before.
    fn codes_at(&self, values: &dyn Array, entries: &[usize]) -> Result<Vec<Option<u32>>> {
        let value = strings(values)?;
        let mut book = self.book.lock().unwrap_or_else(|e| e.into_inner());
        let book = &mut *book;
        let mut code_of = |value: &str| match book.codes.get(value) {
            Some(&code) => code,
            None => {
                let code = book.values.len() as u32;
                let value: Arc<str> = value.into();
                book.values.push(Arc::clone(&value));
                book.codes.insert(value, code);
                code
            }
        };
        Ok(entries
            .iter()
            .map(|&e| value(e).map(&mut code_of))
            .collect())
    }

    /// The codes of all of the string array `values`.
    fn codes_of(&self, values: &dyn Array) -> Result<Vec<Option<u32>>> {
        let all: Vec<usize> = (0..values.len()).collect();
        self.codes_at(values, &all)
    }

    /// The values the `codes` stand for, as `data_type`.
    fn values_of(&self, codes: &UInt32Array, data_type: &DataType) -> Result<ArrayRef> {
        let book = self.book.lock().unwrap_or_else(|e| e.into_inner());
        let mut values = StringViewBuilder::with_capacity(codes.len());
        for code in codes.iter() {
            match code.and_then(|c| book.values.get(c as usize)) {
                Some(value) => values.append_value(value),
                None => values.append_null(),
            }
        }
        Ok(cast(&values.finish(), data_type)?)
    }
}

/// The value at each position of a string array, None when null or past its end.
type ValueAt<'a> = Box<dyn Fn(usize) -> Option<&'a str> + 'a>;

fn strings(values: &dyn Array) -> Result<ValueAt<'_>> {
    fn at<'a, T: StringArrayType<'a> + Copy + 'a>(values: T) -> ValueAt<'a> {
        Box::new(move |i| (i < values.len() && values.is_valid(i)).then(|| values.value(i)))
    }
    Ok(match values.data_type() {
        DataType::Utf8 => at(values.as_string::<i32>()),
        DataType::LargeUtf8 => at(values.as_string::<i64>()),
        DataType::Utf8View => at(values.as_string_view()),
        other => return internal_err!("a group key gave {other}"),
    })
}

/// A group key over one dictionary column, as the codes of its values.
#[derive(Debug)]
pub struct GroupCodes {
    /// The key as planned over the string column (for display).
    original: Arc<dyn PhysicalExpr>,
    over_values: OverValues,
    book: Arc<CodeBook>,
    /// Each dictionary's entries' codes: `UNKNOWN` until worked out, the last entry standing
    /// for null keys.
    kept: PerDictionary<Vec<u32>>,
}

const UNKNOWN: u32 = u32::MAX;
const NULL: u32 = u32::MAX - 1;

impl GroupCodes {
    /// `key` (a string-valued expression reading one column, not `rand()`) over that column
    /// read as a dictionary of strings, numbered in `book`.
    pub fn try_new(key: &Arc<dyn PhysicalExpr>, book: &Arc<CodeBook>) -> Result<Option<Self>> {
        let Some(over_values) = OverValues::try_new(key, &DataType::Utf8View)? else {
            return Ok(None);
        };
        Ok(Some(GroupCodes {
            original: Arc::clone(key),
            over_values,
            book: Arc::clone(book),
            kept: PerDictionary::new(),
        }))
    }

    fn evaluate_keys(&self, dictionary: &DictionaryArray<Int32Type>) -> Result<UInt32Array> {
        let values = dictionary.values();
        let kept = self
            .kept
            .kept_for(values, || vec![UNKNOWN; values.len() + 1]);
        let mut codes = kept.lock().unwrap_or_else(|e| e.into_inner());
        let keys = dictionary.keys();
        let asked = entries_needed(keys, values.len(), |entry| codes[entry] == UNKNOWN);
        if !asked.is_empty() {
            // A key that is the column itself numbers the dictionary's own values.
            let found = match self.over_values.is_column() {
                true => self.book.codes_at(values, &asked)?,
                false => (self.book).codes_of(&self.over_values.of_entries(values, &asked)?)?,
            };
            for (entry, code) in asked.into_iter().zip(found) {
                codes[entry] = code.unwrap_or(NULL);
            }
        }
        Ok(by_keys(&codes, keys))
    }
}

/// Each row's code: its key's entry's, the null entry's for a null key. A key past the
/// dictionary (never from Parquet's reader, which checks them) takes the null entry's.
fn by_keys(codes: &[u32], keys: &Int32Array) -> UInt32Array {
    let null_entry = codes.len() - 1;
    let mut at: Vec<u32> = (keys.values().iter())
        .map(|&key| codes[(key as usize).min(null_entry)])
        .collect();
    if let Some(nulls) = keys.nulls() {
        for (row, code) in at.iter_mut().enumerate() {
            if nulls.is_null(row) {
                *code = codes[null_entry];
            }
        }
    }
    let nulls = (at.iter().any(|&c| c >= NULL))
        .then(|| NullBuffer::from_iter(at.iter().map(|&c| c < NULL)));
    UInt32Array::new(at.into(), nulls)
}

impl PhysicalExpr for GroupCodes {
    fn data_type(&self, _input_schema: &Schema) -> Result<DataType> {
        Ok(DataType::UInt32)
    }

    fn nullable(&self, _input_schema: &Schema) -> Result<bool> {
        Ok(true)
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<ColumnarValue> {
        let rows = batch.num_rows();
        let column = self.over_values.column.evaluate(batch)?.into_array(rows)?;
        let codes = match column.as_dictionary_opt::<Int32Type>() {
            Some(dictionary) => self.evaluate_keys(dictionary)?,
            None => UInt32Array::from(self.book.codes_of(&self.over_values.of_rows(&column)?)?),
        };
        Ok(ColumnarValue::Array(Arc::new(codes)))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.over_values.column]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        let [column] = &children[..] else {
            return internal_err!("a group key's codes read one column");
        };
        let original = reading(&self.original, column)?;
        Ok(Arc::new(GroupCodes {
            original,
            over_values: self.over_values.reading(column),
            book: Arc::clone(&self.book),
            kept: PerDictionary::new(),
        }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.original.fmt_sql(f)
    }
}

impl fmt::Display for GroupCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "codes_per_dictionary_entry({})", self.original)
    }
}

crate::stands_for::same_as_original!(GroupCodes);

/// The values a column of [`GroupCodes`] stands for.
#[derive(Debug)]
pub struct CodedValues {
    codes: Arc<dyn PhysicalExpr>,
    book: Arc<CodeBook>,
    /// The type the key had before it was coded.
    data_type: DataType,
}

impl CodedValues {
    pub fn new(codes: Arc<dyn PhysicalExpr>, book: &Arc<CodeBook>, data_type: DataType) -> Self {
        CodedValues {
            codes,
            book: Arc::clone(book),
            data_type,
        }
    }
}

impl PhysicalExpr for CodedValues {
    fn data_type(&self, _input_schema: &Schema) -> Result<DataType> {
        Ok(self.data_type.clone())
    }

    fn nullable(&self, _input_schema: &Schema) -> Result<bool> {
        Ok(true)
    }

    fn return_field(&self, input_schema: &Schema) -> Result<FieldRef> {
        let name = self.codes.return_field(input_schema)?.name().clone();
        Ok(Arc::new(Field::new(name, self.data_type.clone(), true)))
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<ColumnarValue> {
        let codes = self.codes.evaluate(batch)?.into_array(batch.num_rows())?;
        let Some(codes) = codes.as_primitive_opt() else {
            return internal_err!("group codes came as {}", codes.data_type());
        };
        let values = self.book.values_of(codes, &self.data_type)?;
        Ok(ColumnarValue::Array(values))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.codes]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        let [codes] = &children[..] else {
            return internal_err!("coded values read one column");
        };
        Ok(Arc::new(CodedValues::new(
            Arc::clone(codes),
            &self.book,
            self.data_type.clone(),
        )))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.codes.fmt_sql(f)
    }
}

impl fmt::Display for CodedValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "coded_values({})", self.codes)
    }
}

impl PartialEq for CodedValues {
    fn eq(&self, other: &Self) -> bool {
        self.codes.eq(&other.codes) && Arc::ptr_eq(&self.book, &other.book)
    }
}

impl Eq for CodedValues {}

impl std::hash::Hash for CodedValues {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.codes.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::StringArray;
    use datafusion::arrow::datatypes::Field;

    use datafusion::physical_expr::expressions::Column;

    use super::*;

    fn rows(values: Vec<&str>, keys: Vec<Option<i32>>) -> RecordBatch {
        let values = StringArray::from(values);
        let column = DictionaryArray::new(Int32Array::from(keys), Arc::new(values));
        let field = Field::new("c", column.data_type().clone(), true);
        RecordBatch::try_new(Arc::new(Schema::new(vec![field])), vec![Arc::new(column)]).unwrap()
    }

    fn codes(key: &GroupCodes, batch: &RecordBatch) -> Vec<Option<u32>> {
        let codes = key.evaluate(batch).unwrap().into_array(batch.num_rows());
        codes
            .unwrap()
            .as_primitive::<datafusion::arrow::datatypes::UInt32Type>()
            .iter()
            .collect()
    }

    fn values(book: &Arc<CodeBook>, codes: Vec<Option<u32>>) -> Vec<Option<String>> {
        let values = book
            .values_of(&UInt32Array::from(codes), &DataType::Utf8)
            .unwrap();
        let values = values.as_string::<i32>();
        values.iter().map(|v| v.map(str::to_string)).collect()
    }

    #[test]
    fn rows_of_equal_values_share_a_code_across_dictionaries() {
        let book = Arc::new(CodeBook::default());
        let column: Arc<dyn PhysicalExpr> = Arc::new(Column::new("c", 0));
        let key = GroupCodes::try_new(&column, &book).unwrap().unwrap();
        let first = rows(vec!["a", "b", "c"], vec![Some(1), None, Some(1), Some(2)]);
        let second = rows(vec!["c", "a"], vec![Some(1), Some(0), None]);
        let (first, second) = (codes(&key, &first), codes(&key, &second));
        // All of a dictionary no longer than the batch is numbered, in its order.
        assert_eq!(first, [Some(1), None, Some(1), Some(2)]);
        assert_eq!(second, [Some(0), Some(2), None]);
        let got = values(&book, second);
        assert_eq!(got, [Some("a".into()), Some("c".into()), None]);
    }

    #[test]
    fn a_key_of_the_column_runs_once_per_entry() {
        let book = Arc::new(CodeBook::default());
        let schema = Schema::new(vec![Field::new("c", DataType::Utf8View, true)]);
        let column: Arc<dyn PhysicalExpr> = Arc::new(Column::new("c", 0));
        let lowered = datafusion::physical_expr::ScalarFunctionExpr::try_new(
            datafusion::functions::string::lower(),
            vec![column],
            &schema,
            Arc::new(datafusion::common::config::ConfigOptions::default()),
        )
        .unwrap();
        let key = Arc::new(lowered) as Arc<dyn PhysicalExpr>;
        let key = GroupCodes::try_new(&key, &book).unwrap().unwrap();
        let batch = rows(
            vec!["A", "a", "B"],
            vec![Some(0), Some(1), Some(2), Some(0)],
        );
        assert_eq!(codes(&key, &batch), [Some(0), Some(0), Some(1), Some(0)]);
        // The entries were each worked out once; null keys did not occur.
        let kept = key.kept.all();
        assert_eq!(*kept[0].lock().unwrap(), [0, 0, 1, UNKNOWN]);
    }
}
