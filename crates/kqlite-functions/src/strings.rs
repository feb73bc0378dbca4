//! Evaluating a predicate over any Arrow string array.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArrayType};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result};

/// Applies `predicate` to every value; nulls stay null. Dictionaries are evaluated once per
/// distinct value.
pub fn eval_strings<F: Fn(&str) -> bool>(array: &ArrayRef, predicate: &F) -> Result<BooleanArray> {
    match array.data_type() {
        DataType::Utf8 => Ok(eval_typed(array.as_string::<i32>(), predicate)),
        DataType::LargeUtf8 => Ok(eval_typed(array.as_string::<i64>(), predicate)),
        DataType::Utf8View => Ok(eval_typed(array.as_string_view(), predicate)),
        DataType::Dictionary(_, _) => {
            let dictionary = array.as_any_dictionary();
            let values = eval_strings(dictionary.values(), predicate)?;
            let taken = take(&values, dictionary.keys(), None)?;
            let taken = taken.as_boolean();
            if taken.null_count() == 0 {
                return Ok(taken.clone());
            }
            let empty = predicate("");
            Ok(taken.iter().map(|b| Some(b.unwrap_or(empty))).collect())
        }
        other => exec_err!("expected a string column, found {other}"),
    }
}

/// A null string is Kusto's empty string: it gets the predicate's answer for "", never null,
/// so that `!has` and `!in~` keep it.
fn eval_typed<'a, A, F>(array: A, predicate: &F) -> BooleanArray
where
    A: StringArrayType<'a> + Array,
    F: Fn(&str) -> bool,
{
    let values = match array.logical_nulls().filter(|n| n.null_count() > 0) {
        None => BooleanBuffer::collect_bool(array.len(), |i| predicate(array.value(i))),
        Some(nulls) => {
            let empty = predicate("");
            BooleanBuffer::collect_bool(array.len(), |i| {
                if nulls.is_valid(i) {
                    predicate(array.value(i))
                } else {
                    empty
                }
            })
        }
    };
    BooleanArray::new(values, None)
}

/// Kusto terms are maximal runs of alphanumeric characters; non-ASCII letters count too.
pub fn is_term_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80
}

/// Whether `value` equals one of the ASCII `needles` ignoring case, as `eq_ignore_case` would
/// say, testing the length first: most values fail on it without reading a byte.
pub fn eq_any_ascii_ignore_case<S: AsRef<str>>(value: &str, needles: &[S]) -> bool {
    let same = |n: &S| {
        let n = n.as_ref();
        n.len() == value.len() && n.as_bytes().eq_ignore_ascii_case(value.as_bytes())
    };
    if needles.iter().any(same) {
        return true;
    }
    // Non-ASCII text folds onto ASCII only through the Kelvin sign (three bytes to `k`), so
    // it is then longer than the needle.
    needles.iter().any(|n| value.len() > n.as_ref().len())
        && !value.is_ascii()
        && needles.iter().any(|n| eq_ignore_case(value, n.as_ref()))
}

/// Case-insensitive equality without allocating: ASCII folds bytewise, the rest by Unicode.
pub fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.is_ascii() && b.is_ascii() {
        return a.eq_ignore_ascii_case(b);
    }
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}
