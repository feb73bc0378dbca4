//! `kql_mv_items(value, kind)`: the items `mv-expand` makes of a dynamic value (JSON text), as
//! a list: array elements, bag entries (`{"key": value}`, or `["key", value]` for
//! `kind=array`), a scalar as itself, null as one null item. Strings come out as plain text,
//! other items as JSON text.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayAccessor, ArrayRef, AsArray, LargeStringBuilder, ListArray, ListBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use serde_json::Value;

use crate::json_scan;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MvItems {
    signature: Signature,
}

impl Default for MvItems {
    fn default() -> Self {
        MvItems {
            signature: Signature::any(2, Volatility::Immutable),
        }
    }
}

pub fn item_list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(
        crate::types::dynamic_type(),
        true,
    )))
}

impl ScalarUDFImpl for MvItems {
    fn name(&self) -> &str {
        "kql_mv_items"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(item_list_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let bag_as_array = matches!(&args.args[1], ColumnarValue::Scalar(ScalarValue::Utf8(Some(k))) if k == "array");
        let values = args.args[0].clone().into_array(rows)?;
        let items = match values.data_type() {
            DataType::LargeUtf8 => items_of(values.as_string::<i64>(), bag_as_array),
            DataType::Utf8View => items_of(values.as_string_view(), bag_as_array),
            _ => {
                let values = datafusion::arrow::compute::cast(&values, &DataType::Utf8)?;
                let Some(strings) = values.as_string_opt::<i32>() else {
                    return exec_err!("mv-expand needs a dynamic value");
                };
                items_of(strings, bag_as_array)
            }
        };
        Ok(ColumnarValue::Array(Arc::new(items) as ArrayRef))
    }
}

/// The items of each value, as a list per row.
fn items_of<'a>(strings: impl ArrayAccessor<Item = &'a str>, bag_as_array: bool) -> ListArray {
    let mut builder = ListBuilder::new(LargeStringBuilder::new());
    let mut scratch = Vec::new();
    for i in 0..strings.len() {
        if strings.is_null(i) {
            builder.values().append_null();
        } else {
            let text = strings.value(i);
            append_items(text, bag_as_array, builder.values(), &mut scratch);
        }
        builder.append(true);
    }
    builder.finish()
}

fn append_items<'a>(
    text: &'a str,
    bag_as_array: bool,
    out: &mut LargeStringBuilder,
    items: &mut Vec<json_scan::Item<'a>>,
) {
    // An array's items as they stand where that is how they print: no document is built.
    if json_scan::array_items_into(text, items) && items.iter().all(|i| i.canonical) {
        for item in items.iter() {
            append_item(item, out);
        }
        return;
    }
    append_parsed_items(text, bag_as_array, out);
}

fn append_item(item: &json_scan::Item<'_>, out: &mut LargeStringBuilder) {
    match json_scan::plain_string(item) {
        Some(plain) => out.append_value(plain),
        None if item.text == "null" => out.append_null(),
        None => out.append_value(item.text),
    }
}

fn append_parsed_items(text: &str, bag_as_array: bool, out: &mut LargeStringBuilder) {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Array(items)) => items.iter().for_each(|item| append_value(item, out)),
        Ok(Value::Object(fields)) => {
            for (key, value) in fields {
                let entry = if bag_as_array {
                    Value::Array(vec![Value::String(key), value])
                } else {
                    Value::Object([(key, value)].into_iter().collect())
                };
                out.append_value(entry.to_string());
            }
        }
        Ok(Value::Null) => out.append_null(),
        Ok(scalar) => append_value(&scalar, out),
        // Not JSON: a plain string is a single item.
        Err(_) => out.append_value(text),
    }
}

fn append_value(value: &Value, out: &mut LargeStringBuilder) {
    match value {
        Value::Null => out.append_null(),
        Value::String(s) => out.append_value(s),
        other => out.append_value(other.to_string()),
    }
}
