//! Evaluating a predicate over any Arrow string array.

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, StringArrayType, StringViewArray,
};
use datafusion::arrow::buffer::BooleanBuffer;
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result};

use crate::view_memo::ViewMemo;

/// Applies `predicate` to every value; a null is Kusto's empty string. `predicate` must
/// answer from the value alone: dictionaries and repeated views are evaluated once per
/// distinct value.
pub fn eval_strings<F: Fn(&str) -> bool>(array: &ArrayRef, predicate: &F) -> Result<BooleanArray> {
    eval_strings_quick(array, &|_| None, predicate)
}

/// [`eval_strings`], asking `quick` first for an answer from a view alone (its length and its
/// first four bytes, which every view holds) before reading the value's bytes.
pub fn eval_strings_quick<Q, F>(array: &ArrayRef, quick: &Q, predicate: &F) -> Result<BooleanArray>
where
    Q: Fn(u128) -> Option<bool>,
    F: Fn(&str) -> bool,
{
    match array.data_type() {
        DataType::Utf8View => Ok(eval_views(array.as_string_view(), quick, predicate)),
        DataType::Dictionary(_, _) => {
            let dictionary = array.as_any_dictionary();
            let values = eval_strings_quick(dictionary.values(), quick, predicate)?;
            let taken = take(&values, dictionary.keys(), None)?;
            let taken = taken.as_boolean();
            if taken.null_count() == 0 {
                return Ok(taken.clone());
            }
            let empty = predicate("");
            Ok(taken.iter().map(|b| Some(b.unwrap_or(empty))).collect())
        }
        _ => eval_strings_each(array, predicate),
    }
}

/// [`eval_strings`] calling `predicate` on every row in order, for predicates that read more
/// than the value (such as the row's own needle).
pub fn eval_strings_each<F: Fn(&str) -> bool>(
    array: &ArrayRef,
    predicate: &F,
) -> Result<BooleanArray> {
    match array.data_type() {
        DataType::Utf8 => Ok(eval_typed(array.as_string::<i32>(), predicate)),
        DataType::LargeUtf8 => Ok(eval_typed(array.as_string::<i64>(), predicate)),
        DataType::Utf8View => Ok(eval_typed(array.as_string_view(), predicate)),
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

/// [`eval_typed`] over views, remembering the answer per view (see [`ViewMemo`]) where `quick`
/// gives none.
fn eval_views<Q, F>(array: &StringViewArray, quick: &Q, predicate: &F) -> BooleanArray
where
    Q: Fn(u128) -> Option<bool>,
    F: Fn(&str) -> bool,
{
    let Some(mut memo) = ViewMemo::for_rows(array.len()) else {
        return eval_typed(array, predicate);
    };
    let views = array.views();
    let nulls = array.logical_nulls().filter(|n| n.null_count() > 0);
    let empty = nulls.is_some() && predicate("");
    let values = BooleanBuffer::collect_bool(array.len(), |i| {
        if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
            empty
        } else if let Some(answer) = quick(views[i]) {
            answer
        } else if memo.full() {
            predicate(array.value(i))
        } else {
            memo.get_or_insert_with(views[i], || predicate(array.value(i)))
        }
    });
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
    // it is then longer than the needle by two bytes a sign.
    let kelvin_reach = |n: &S| {
        let (v, n) = (value.len(), n.as_ref().len());
        v > n && v <= 3 * n && (v - n) % 2 == 0
    };
    needles.iter().any(kelvin_reach)
        && !value.is_ascii()
        && needles.iter().any(|n| eq_ignore_case(value, n.as_ref()))
}

/// The lengths at which a value can equal one of the ASCII `needles` ignoring case, bit `n` for
/// `n` bytes (below 64; a longer value is always read): each needle's own, and two bytes more
/// for each `k` a Kelvin sign may stand for.
pub fn folded_lengths<S: AsRef<str>>(needles: &[S]) -> u64 {
    let mut lengths = 0u64;
    for needle in needles {
        let needle = needle.as_ref();
        let ks = needle
            .bytes()
            .filter(|b| b.eq_ignore_ascii_case(&b'k'))
            .count();
        for len in (0..=ks).map(|signs| needle.len() + 2 * signs) {
            lengths |= 1u64.checked_shl(len as u32).unwrap_or(0);
        }
    }
    lengths
}

/// False for a view whose length is not among `lengths` (see [`folded_lengths`]).
pub fn ruled_out_by_length(lengths: u64, view: u128) -> Option<bool> {
    let len = view as u32;
    (len < 64 && lengths >> len & 1 == 0).then_some(false)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_needles_meet_the_kelvin_sign_only_at_its_length() {
        let kelvin = "\u{212A}";
        assert!(eq_any_ascii_ignore_case(&format!("{kelvin}B"), &["kb"]));
        assert!(eq_any_ascii_ignore_case(
            &format!("{kelvin}{kelvin}"),
            &["KK"]
        ));
        assert!(!eq_any_ascii_ignore_case(&format!("{kelvin}b "), &["kb"]));
        assert!(!eq_any_ascii_ignore_case("é", &["e"]));
        assert!(eq_any_ascii_ignore_case(
            "FilePrinted",
            &["x", "fileprinted"]
        ));
    }

    #[test]
    fn repeated_views_and_nulls_answer_as_each_row_would() {
        let values: Vec<Option<&str>> = (0..100)
            .map(|i| {
                [
                    Some("FilePrinted"),
                    None,
                    Some("a much longer value than twelve"),
                ][i % 3]
            })
            .collect();
        let array: ArrayRef = std::sync::Arc::new(StringViewArray::from(values.clone()));
        let got = eval_strings(&array, &|v| v.len() > 5).unwrap();
        let expected: Vec<bool> = values.iter().map(|v| v.unwrap_or("").len() > 5).collect();
        assert_eq!(got.iter().map(Option::unwrap).collect::<Vec<_>>(), expected);
    }
}
