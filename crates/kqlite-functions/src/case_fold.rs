//! `tolower` and `toupper`. DataFusion's `lower` and `upper` copy every value of a `Utf8View`
//! array (about 30 ns a row); most values of a column are already in the case asked for, so
//! here they keep their view and only the others are written to a new buffer. Other string
//! types go to DataFusion's functions, which fold an ASCII `Utf8` buffer in one pass.

use std::sync::Arc;

use datafusion::arrow::array::builder::make_view;
use datafusion::arrow::array::{Array, AsArray, StringViewArray};
use datafusion::arrow::buffer::{Buffer, ScalarBuffer};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::Result;
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

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        if let [ColumnarValue::Array(array)] = args.args.as_slice() {
            if let Some(views) = array.as_string_view_opt() {
                if let Some(folded) = fold_views(views, self.upper) {
                    return Ok(ColumnarValue::Array(Arc::new(folded)));
                }
            }
        }
        generic(self.upper).invoke_with_args(args)
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
        // Char by char, as .NET folds: no final-sigma rule.
        let mut utf8 = [0u8; 4];
        for c in value.chars() {
            let mut push = |c: char| written.extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            if upper {
                c.to_uppercase().for_each(&mut push);
            } else {
                c.to_lowercase().for_each(&mut push);
            }
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
    fn folds_each_value_as_rust_does_and_keeps_the_nulls() {
        let array = StringViewArray::from(VALUES.to_vec());
        for upper in [false, true] {
            let folded = fold_views(&array, upper).unwrap();
            let expected: Vec<Option<String>> = VALUES
                .iter()
                .map(|v| {
                    v.map(|s| {
                        if upper {
                            s.to_uppercase()
                        } else {
                            s.to_lowercase()
                        }
                    })
                })
                .collect();
            let got: Vec<Option<String>> = folded.iter().map(|v| v.map(str::to_string)).collect();
            assert_eq!(got, expected, "upper: {upper}");
        }
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
