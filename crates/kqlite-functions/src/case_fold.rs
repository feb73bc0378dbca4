//! `tolower` and `toupper`. DataFusion's `lower` and `upper` copy every value of a `Utf8View`
//! array (about 30 ns a row); most values of a column are already in the case asked for, so
//! here they keep their view and only the others are written to a new buffer. An ASCII `Utf8`
//! array goes to DataFusion's functions, which fold its buffer in one pass; any other text goes
//! through a view array, so that it folds as .NET does.

use std::sync::Arc;

use datafusion::arrow::array::builder::make_view;
use datafusion::arrow::array::{Array, AsArray, StringViewArray};
use datafusion::arrow::buffer::{Buffer, ScalarBuffer};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature,
};

use crate::view_memo::ViewMemo;

/// `tolower(value)` (`upper` false) or `toupper(value)`.
pub fn call(value: Expr, upper: bool) -> Expr {
    let signature = generic(upper).signature().clone();
    ScalarUDF::new_from_impl(CaseFold { upper, signature }).call(vec![value])
}

fn generic(upper: bool) -> Arc<ScalarUDF> {
    if upper {
        datafusion::functions::string::upper()
    } else {
        datafusion::functions::string::lower()
    }
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct CaseFold {
    upper: bool,
    signature: Signature,
}

impl ScalarUDFImpl for CaseFold {
    fn name(&self) -> &str {
        if self.upper {
            "kql_toupper"
        } else {
            "kql_tolower"
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        generic(self.upper).return_type(arg_types)
    }

    /// Every string type folds here, through a view array, so that each value folds as .NET
    /// does (DataFusion's functions use Rust's full mappings and the final-sigma rule).
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            return generic(self.upper).invoke_with_args(args);
        };
        if matches!(value, ColumnarValue::Array(a) if ascii_buffer(a)) {
            return generic(self.upper).invoke_with_args(args);
        }
        let array = value.to_array(1)?;
        let views = cast(&array, &DataType::Utf8View)?;
        let Some(folded) = fold_views(views.as_string_view(), self.upper) else {
            return generic(self.upper).invoke_with_args(args);
        };
        let folded = cast(&folded, array.data_type())?;
        Ok(match value {
            ColumnarValue::Array(_) => ColumnarValue::Array(folded),
            ColumnarValue::Scalar(_) => {
                ColumnarValue::Scalar(ScalarValue::try_from_array(&folded, 0)?)
            }
        })
    }
}

fn ascii_buffer(array: &dyn Array) -> bool {
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().values().is_ascii(),
        DataType::LargeUtf8 => array.as_string::<i64>().values().is_ascii(),
        _ => false,
    }
}

/// The array with each value folded; values already folded keep their view, and a repeated
/// view is folded once (see [`ViewMemo`]). None if the new values outgrow a view's 32-bit offset.
fn fold_views(array: &StringViewArray, upper: bool) -> Option<StringViewArray> {
    let block = u32::try_from(array.data_buffers().len()).ok()?;
    let mut views = array.views().to_vec();
    let mut written: Vec<u8> = Vec::new();
    let mut memo = ViewMemo::for_rows(array.len());
    for (row, view) in views.iter_mut().enumerate() {
        if array.is_null(row) {
            continue;
        }
        let original = *view;
        let mut fold = || fold_one(array.value(row), original, upper, block, &mut written);
        *view = match memo.as_mut().filter(|m| !m.full()) {
            Some(memo) => memo.get_or_insert_with(original, fold)?,
            None => fold()?,
        };
    }
    let mut buffers = array.data_buffers().to_vec();
    if !written.is_empty() {
        buffers.push(Buffer::from_vec(written));
    }
    let nulls = array.nulls().cloned();
    // SAFETY: each view is the input's or was made from valid UTF-8 written to `buffers`.
    Some(unsafe { StringViewArray::new_unchecked(ScalarBuffer::from(views), buffers, nulls) })
}

/// The view of `value` folded: `view` itself when folding changes nothing, else a view of
/// the folded bytes appended to `written` (buffer `block`). None past 4 GiB of new bytes.
fn fold_one(
    value: &str,
    view: u128,
    upper: bool,
    block: u32,
    written: &mut Vec<u8>,
) -> Option<u128> {
    let offset = u32::try_from(written.len()).ok()?;
    if value.is_ascii() {
        let to_change = |b: &u8| {
            if upper {
                b.is_ascii_lowercase()
            } else {
                b.is_ascii_uppercase()
            }
        };
        if !value.as_bytes().iter().any(to_change) {
            return Some(view);
        }
        written.extend_from_slice(value.as_bytes());
        let folded = &mut written[offset as usize..];
        if upper {
            folded.make_ascii_uppercase();
        } else {
            folded.make_ascii_lowercase();
        }
    } else {
        let mut utf8 = [0u8; 4];
        for c in value.chars() {
            let folded = simple_case(c, upper);
            written.extend_from_slice(folded.encode_utf8(&mut utf8).as_bytes());
        }
        if &written[offset as usize..] == value.as_bytes() {
            written.truncate(offset as usize);
            return Some(view);
        }
    }
    let folded = make_view(&written[offset as usize..], block, offset);
    if written.len() - offset as usize <= 12 {
        written.truncate(offset as usize); // inline: the view holds the bytes
    }
    Some(folded)
}

/// `c` in the case asked for by .NET's rule: char by char (no final sigma), one char for one
/// (Unicode's simple mappings: `ß` stays `ß` in upper case, `İ` is `i` in lower case).
fn simple_case(c: char, upper: bool) -> char {
    if upper {
        let mut upper = c.to_uppercase();
        match (upper.next(), upper.next()) {
            (Some(one), None) => one,
            _ => c,
        }
    } else {
        c.to_lowercase().next().unwrap_or(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALUES: [Option<&str>; 8] = [
        Some("contoso.sharepoint.com"),
        Some("Contoso.SharePoint.com"),
        Some("ABC"),
        None,
        Some(""),
        Some("ÀBC défini"),
        Some("straße"),
        Some("Ω"),
    ];

    #[test]
    fn folds_each_value_as_dotnet_does_and_keeps_the_nulls() {
        let array = StringViewArray::from(VALUES.to_vec());
        for upper in [false, true] {
            let folded = fold_views(&array, upper).unwrap();
            let expected: Vec<Option<String>> = VALUES
                .iter()
                .map(|v| v.map(|s| s.chars().map(|c| simple_case(c, upper)).collect()))
                .collect();
            let got: Vec<Option<String>> = folded.iter().map(|v| v.map(str::to_string)).collect();
            assert_eq!(got, expected, "upper: {upper}");
        }
    }

    #[test]
    fn one_char_folds_to_one_char() {
        let array = StringViewArray::from(vec!["straße ǰ", "İSTANBUL ΟΔΟΣ"]);
        let upper = fold_views(&array, true).unwrap();
        assert_eq!(upper.value(0), "STRAßE ǰ");
        let lower = fold_views(&array, false).unwrap();
        assert_eq!(lower.value(1), "istanbul οδοσ");
    }

    #[test]
    fn values_already_folded_share_the_input_buffer() {
        let lower = "already in lower case";
        let array = StringViewArray::from(vec![lower, "NOT IN LOWER CASE"]);
        let folded = fold_views(&array, false).unwrap();
        assert_eq!(folded.views()[0], array.views()[0]);
        assert_eq!(folded.data_buffers().len(), array.data_buffers().len() + 1);
        assert_eq!(folded.value(1), "not in lower case");
    }
}
