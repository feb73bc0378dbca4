//! `kql_mv_items(value, kind)`: the items `mv-expand` makes of a dynamic value (JSON text), as
//! a list: array elements, bag entries (`{"key": value}`, or `["key", value]` for
//! `kind=array`), a scalar as itself, null as one null item. Strings come out as plain text,
//! other items as JSON text.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayAccessor, ArrayRef, AsArray, ByteView, ListArray, ListBuilder, StringViewArray,
    StringViewBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use serde_json::Value;

use crate::{json, json_scan};

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

/// A list of item texts. The items are views into the values they come from where they stand
/// there as they print (no copy of the text); the planner marks them dynamic after `unnest`.
pub fn item_list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8View, true)))
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
            DataType::Utf8View => items_of_views(values.as_string_view(), bag_as_array),
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

/// The items of each value, as a list per row, copied.
fn items_of<'a>(strings: impl ArrayAccessor<Item = &'a str>, bag_as_array: bool) -> ListArray {
    let mut builder = ListBuilder::new(StringViewBuilder::new());
    let mut scratch = Vec::new();
    for i in 0..strings.len() {
        let mut out = Items {
            out: builder.values(),
            source: None,
        };
        match strings.is_null(i) {
            true => out.out.append_null(),
            false => out.append_all(strings.value(i), bag_as_array, &mut scratch),
        }
        builder.append(true);
    }
    builder.finish()
}

/// [`items_of`] over views: the items are views into the values' own buffers.
fn items_of_views(strings: &StringViewArray, bag_as_array: bool) -> ListArray {
    let mut builder = ListBuilder::new(StringViewBuilder::new());
    let blocks: Vec<u32> = strings
        .data_buffers()
        .iter()
        .map(|buffer| builder.values().append_block(buffer.clone()))
        .collect();
    let mut scratch = Vec::new();
    for (i, view) in strings.views().iter().enumerate() {
        if strings.is_null(i) {
            builder.values().append_null();
            builder.append(true);
            continue;
        }
        let text = strings.value(i);
        let view = ByteView::from(*view);
        let source = (text.len() > MAX_INLINE).then(|| Source {
            block: blocks[view.buffer_index as usize],
            offset: view.offset,
            text: text.as_ptr() as usize,
        });
        let mut out = Items {
            out: builder.values(),
            source,
        };
        out.append_all(text, bag_as_array, &mut scratch);
        builder.append(true);
    }
    builder.finish()
}

/// Texts longer than this are held in a buffer, shorter ones in their view.
const MAX_INLINE: usize = 12;

/// Where a row's text lies among the builder's blocks.
#[derive(Clone, Copy)]
struct Source {
    block: u32,
    offset: u32,
    /// The address of the row's text.
    text: usize,
}

/// The items of one row going into the builder.
struct Items<'b> {
    out: &'b mut StringViewBuilder,
    source: Option<Source>,
}

impl Items<'_> {
    fn append_all<'a>(
        &mut self,
        text: &'a str,
        bag_as_array: bool,
        items: &mut Vec<json_scan::Item<'a>>,
    ) {
        // An array's items as they stand where that is how they print: no document is built.
        if json_scan::array_items_into(text, items) && items.iter().all(|i| i.canonical) {
            for item in items.iter() {
                match json_scan::plain_string(item) {
                    Some(plain) if !json::reads_as_json(plain) => self.part(plain),
                    None if item.text == "null" => self.out.append_null(),
                    _ => self.part(item.text),
                }
            }
            return;
        }
        append_parsed_items(text, bag_as_array, self.out);
    }

    /// Appends a slice of the row's text, as a view into its block where it has one.
    fn part(&mut self, part: &str) {
        match self.source {
            Some(source) if part.len() > MAX_INLINE => {
                let offset = source.offset + (part.as_ptr() as usize - source.text) as u32;
                // SAFETY: `part` is a slice of the row's text, which is the bytes from
                // `source.offset` of block `source.block` (added by `append_block`), so
                // `offset..offset + len` lies in the block and is UTF-8.
                unsafe {
                    self.out
                        .append_view_unchecked(source.block, offset, part.len() as u32)
                };
            }
            _ => self.out.append_value(part),
        }
    }
}

fn append_parsed_items(text: &str, bag_as_array: bool, out: &mut StringViewBuilder) {
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

fn append_value(value: &Value, out: &mut StringViewBuilder) {
    match value {
        Value::Null => out.append_null(),
        Value::String(s) if !json::reads_as_json(s) => out.append_value(s),
        other => out.append_value(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::LargeStringArray;

    fn lists(items: &ListArray) -> Vec<Vec<Option<String>>> {
        (0..items.len())
            .map(|row| {
                let list = items.value(row);
                let texts = list.as_string_view();
                texts.iter().map(|t| t.map(str::to_string)).collect()
            })
            .collect()
    }

    #[test]
    fn items_viewed_in_place_are_the_items_copied() {
        let values = vec![
            Some(
                r#"[{"Confidence":65,"Name":"Credit Card Number"},{"Confidence":75,"Name":"IBAN"}]"#,
            ),
            Some(r#"["a string longer than twelve bytes","short",null,12345678901234]"#),
            Some(r#"[ {"b":1, "a":2}, "spaced out and re-printed" ]"#),
            Some(r#"{"key":"a bag's value, long enough"}"#),
            Some("[1,2]"),
            Some("not json at all, but long"),
            None,
            Some("[]"),
        ];
        let views = StringViewArray::from(values.clone());
        let copied = items_of(&LargeStringArray::from(values), false);
        let viewed = items_of_views(&views, false);
        assert_eq!(lists(&viewed), lists(&copied));
        assert_eq!(
            lists(&viewed)[0][1].as_deref(),
            Some(r#"{"Confidence":75,"Name":"IBAN"}"#)
        );
        // The long canonical items point into the values' buffer: no new buffer holds them.
        let items = viewed.values().as_string_view();
        let buffers: Vec<_> = items.data_buffers().iter().map(|b| b.as_ptr()).collect();
        assert!(buffers.contains(&views.data_buffers()[0].as_ptr()));
    }
}
