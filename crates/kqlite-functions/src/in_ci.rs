//! `in~` and `!in~`: case-insensitive membership in a list of literals.

use std::cell::RefCell;
use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::strings::{
    eq_any_ascii_ignore_case, eval_strings, eval_strings_quick, folded_lengths, ruled_out_by_length,
};

/// `kql_in_ci(value, 'a', 'b', ...)`.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct InCi {
    signature: Signature,
}

impl Default for InCi {
    fn default() -> Self {
        InCi {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for InCi {
    fn name(&self) -> &str {
        "kql_in_ci"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let mut values = args.args.into_iter();
        let Some(haystack) = values.next() else {
            return exec_err!("in~ needs a value and a list");
        };
        let haystack = haystack.into_array(rows)?;
        let mut set = HashSet::new();
        for value in values {
            let ColumnarValue::Scalar(scalar) = value else {
                return exec_err!("in~ needs a list of constants");
            };
            if let Some(text) = string_of(&scalar) {
                set.insert(text.to_lowercase());
            }
        }
        // A short ASCII list: compare in place.
        let few: Vec<&str> = set.iter().map(String::as_str).collect();
        if few.len() <= 16 && few.iter().all(|n| n.is_ascii()) {
            let lengths = folded_lengths(&few);
            let result = eval_strings_quick(
                &haystack,
                &|view| ruled_out_by_length(lengths, view),
                &|value| eq_any_ascii_ignore_case(value, &few),
            )?;
            return Ok(ColumnarValue::Array(Arc::new(result)));
        }
        // One reused buffer: no allocation per row.
        let buffer = RefCell::new(String::new());
        let result = eval_strings(&haystack, &|value| {
            let mut lowered = buffer.borrow_mut();
            lowered.clear();
            if value.is_ascii() {
                lowered.push_str(value);
                lowered.make_ascii_lowercase();
            } else {
                lowered.extend(value.chars().flat_map(char::to_lowercase));
            }
            set.contains(lowered.as_str())
        })?;
        Ok(ColumnarValue::Array(Arc::new(result)))
    }
}

fn string_of(value: &ScalarValue) -> Option<String> {
    if value.is_null() {
        return None;
    }
    match value {
        ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s) => s.clone(),
        other => Some(other.to_string()),
    }
}
