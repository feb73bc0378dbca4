//! `kql_dynamic_text(d)`: a dynamic value as text, as `tostring` and every string operator
//! read it. A string carried as a JSON string (one whose own text would read as another value,
//! see `json.rs`) becomes its content; any other value keeps its carried text. A batch holding
//! no such string, as most do, is only cast.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, StringArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use crate::json;

/// `kql_dynamic_text(value)` for a dynamic (or string) `value`.
pub fn call(value: Expr) -> Expr {
    ScalarUDF::new_from_impl(DynamicText::default()).call(vec![value])
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct DynamicText {
    signature: Signature,
}

impl Default for DynamicText {
    fn default() -> Self {
        DynamicText {
            signature: Signature::any(1, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for DynamicText {
    fn name(&self) -> &str {
        "kql_dynamic_text"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        match args.args.into_iter().next() {
            Some(ColumnarValue::Array(array)) => Ok(ColumnarValue::Array(texts(&array)?)),
            Some(ColumnarValue::Scalar(value)) => {
                let text = texts(&value.to_array()?)?;
                Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                    &text, 0,
                )?))
            }
            None => exec_err!("kql_dynamic_text needs a value"),
        }
    }
}

/// The text each carried dynamic value of `array` stands for.
pub fn texts(array: &ArrayRef) -> Result<ArrayRef> {
    let carried = cast(array, &DataType::Utf8)?;
    let strings = carried.as_string::<i32>();
    if !strings.iter().flatten().any(|s| s.starts_with('"')) {
        return Ok(carried);
    }
    let texts: StringArray = strings.iter().map(|s| s.map(json::carried_text)).collect();
    Ok(Arc::new(texts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_carried_as_json_strings_lose_their_quotes() {
        let carried: ArrayRef = Arc::new(datafusion::arrow::array::LargeStringArray::from(vec![
            Some("abc"),
            Some("\"12\""),
            Some("12"),
            None,
            Some("\"a\\\"b\""),
            Some("\"x\" \"y\""),
        ]));
        let got = texts(&carried).unwrap();
        let got: Vec<_> = got.as_string::<i32>().iter().collect();
        let want = [
            Some("abc"),
            Some("12"),
            Some("12"),
            None,
            Some("a\"b"),
            Some("\"x\" \"y\""),
        ];
        assert_eq!(got, want);
    }
}
