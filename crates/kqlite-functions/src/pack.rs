//! Building dynamic values from typed columns: `pack_array`, `pack`/`bag_pack`, and the JSON
//! text of the lists that `make_list`, `make_set` and `make_bag` aggregate.
//!
//! A dynamic value is embedded as the JSON value it holds, a string becomes a JSON string.
//! Numbers and bools are JSON numbers and bools, datetimes and timespans strings in Kusto's
//! formats. `make_list` and `make_set` take the elements of a dynamic array, not the array.

use std::collections::HashSet;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, LargeStringArray, LargeStringBuilder, StringArray,
};
use datafusion::arrow::compute::{cast, sort_to_indices};
use datafusion::arrow::datatypes::{
    DataType, DurationNanosecondType, TimeUnit, TimestampNanosecondType,
};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

use super::json;
use super::time::{push_datetime, push_timespan};

/// A column ready to be written as JSON values.
enum JsonColumn {
    Text(ArrayRef),
    Dynamic(ArrayRef),
    Raw(StringArray),
    Time(ArrayRef),
    Span(ArrayRef),
}

impl JsonColumn {
    fn new(array: &ArrayRef) -> Result<Self> {
        Ok(match array.data_type() {
            DataType::Utf8 | DataType::Utf8View => JsonColumn::Text(cast(array, &DataType::Utf8)?),
            DataType::LargeUtf8 => JsonColumn::Dynamic(cast(array, &DataType::Utf8)?),
            DataType::Timestamp(..) => JsonColumn::Time(cast(
                array,
                &DataType::Timestamp(TimeUnit::Nanosecond, None),
            )?),
            DataType::Duration(_) => {
                JsonColumn::Span(cast(array, &DataType::Duration(TimeUnit::Nanosecond))?)
            }
            DataType::Null => JsonColumn::Raw(StringArray::new_null(array.len())),
            _ => JsonColumn::Raw(cast(array, &DataType::Utf8)?.as_string::<i32>().clone()),
        })
    }

    fn is_null(&self, i: usize) -> bool {
        match self {
            JsonColumn::Text(a)
            | JsonColumn::Dynamic(a)
            | JsonColumn::Time(a)
            | JsonColumn::Span(a) => a.is_null(i),
            JsonColumn::Raw(a) => a.is_null(i),
        }
    }

    /// Appends value `i` as JSON (`null` for null).
    fn write(&self, i: usize, out: &mut String) {
        if self.is_null(i) {
            out.push_str("null");
            return;
        }
        match self {
            JsonColumn::Text(a) => json::push_string(a.as_string::<i32>().value(i), out),
            JsonColumn::Dynamic(a) => json::push_as_json(a.as_string::<i32>().value(i), out),
            JsonColumn::Raw(a) => out.push_str(a.value(i)),
            JsonColumn::Time(a) => {
                out.push('"');
                push_datetime(a.as_primitive::<TimestampNanosecondType>().value(i), out);
                out.push('"');
            }
            JsonColumn::Span(a) => {
                out.push('"');
                push_timespan(a.as_primitive::<DurationNanosecondType>().value(i), out);
                out.push('"');
            }
        }
    }
}

/// What a [`Pack`] call builds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PackKind {
    /// `pack_array(v, ...)`.
    Array,
    /// `bag_pack(k, v, ...)`.
    Bag,
    /// `make_list`'s list of values: nulls left out, but for dynamic values.
    List,
    /// `make_list_with_nulls`'s list of values, nulls as JSON nulls.
    ListWithNulls,
    /// `make_set`'s list of distinct values, sorted.
    Set,
    /// `make_bag`'s list of bags, merged (the first value of a key wins).
    MergeBags,
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Pack {
    kind: PackKind,
    signature: Signature,
}

pub fn pack(kind: PackKind, args: Vec<Expr>) -> Expr {
    let udf = Pack {
        kind,
        signature: Signature::variadic_any(Volatility::Immutable),
    };
    Arc::new(ScalarUDF::new_from_impl(udf)).call(args)
}

impl ScalarUDFImpl for Pack {
    fn name(&self) -> &str {
        match self.kind {
            PackKind::Array => "pack_array",
            PackKind::Bag => "bag_pack",
            PackKind::List => "kql_list_json",
            PackKind::ListWithNulls => "kql_list_with_nulls_json",
            PackKind::Set => "kql_set_json",
            PackKind::MergeBags => "kql_bag_json",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(crate::types::dynamic_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let arrays = ColumnarValue::values_to_arrays(&args.args)?;
        let out = match self.kind {
            PackKind::Array | PackKind::Bag => pack_rows(self.kind, &arrays, rows)?,
            kind => {
                let limit = match args.args.get(1) {
                    Some(ColumnarValue::Scalar(ScalarValue::Int64(Some(n)))) => *n as usize,
                    _ => usize::MAX,
                };
                list_rows(kind, &arrays[0], limit)?
            }
        };
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

fn pack_rows(kind: PackKind, arrays: &[ArrayRef], rows: usize) -> Result<LargeStringArray> {
    let columns = arrays
        .iter()
        .map(JsonColumn::new)
        .collect::<Result<Vec<_>>>()?;
    if kind == PackKind::Bag && columns.len() % 2 != 0 {
        return exec_err!("bag_pack() needs key and value pairs");
    }
    let mut out = LargeStringBuilder::with_capacity(rows, rows * 16);
    let mut buffer = String::new();
    for i in 0..rows {
        buffer.clear();
        if kind == PackKind::Array {
            buffer.push('[');
            for (k, column) in columns.iter().enumerate() {
                if k > 0 {
                    buffer.push(',');
                }
                column.write(i, &mut buffer);
            }
            buffer.push(']');
        } else {
            buffer.push('{');
            for (k, pair) in columns.chunks(2).enumerate() {
                if k > 0 {
                    buffer.push(',');
                }
                let key = match &pair[0] {
                    JsonColumn::Text(a) | JsonColumn::Dynamic(a) if !a.is_null(i) => {
                        a.as_string::<i32>().value(i).to_string()
                    }
                    _ => String::new(),
                };
                json::push_string(&key, &mut buffer);
                buffer.push(':');
                pair[1].write(i, &mut buffer);
            }
            buffer.push('}');
        }
        out.append_value(&buffer);
    }
    Ok(out.finish())
}

/// Renders each list of an aggregate's output as a JSON array (or merged bag).
fn list_rows(kind: PackKind, lists: &ArrayRef, limit: usize) -> Result<LargeStringArray> {
    let (values, offsets): (ArrayRef, Vec<usize>) = match lists.data_type() {
        DataType::List(_) => {
            let l = lists.as_list::<i32>();
            (
                l.values().clone(),
                l.offsets().iter().map(|o| *o as usize).collect(),
            )
        }
        DataType::LargeList(_) => {
            let l = lists.as_list::<i64>();
            (
                l.values().clone(),
                l.offsets().iter().map(|o| *o as usize).collect(),
            )
        }
        other => return exec_err!("expected a list, found {other}"),
    };
    let values = match kind {
        PackKind::MergeBags => cast(&values, &DataType::Utf8)?,
        _ => values,
    };
    let column = JsonColumn::new(&values)?;
    let mut out = LargeStringBuilder::with_capacity(lists.len(), lists.len() * 16);
    let mut buffer = String::new();
    for row in 0..lists.len() {
        buffer.clear();
        let (start, end) = (offsets[row], offsets[row + 1]);
        if lists.is_null(row) {
            out.append_value(if kind == PackKind::MergeBags {
                "{}"
            } else {
                "[]"
            });
            continue;
        }
        let order: Vec<usize> = if kind == PackKind::Set {
            let slice = values.slice(start, end - start);
            sort_to_indices(&slice, None, None)?
                .values()
                .iter()
                .map(|i| start + *i as usize)
                .collect()
        } else {
            (start..end).collect()
        };
        let keep_nulls = kind == PackKind::ListWithNulls
            || (kind == PackKind::List && matches!(column, JsonColumn::Dynamic(_)));
        let present = order
            .into_iter()
            .filter(|i| keep_nulls || !column.is_null(*i));
        if kind == PackKind::MergeBags {
            merge_bags(&values, present, limit, &mut buffer);
        } else {
            write_elements(&column, present, limit, kind == PackKind::Set, &mut buffer);
        }
        out.append_value(&buffer);
    }
    Ok(out.finish())
}

/// `[v, ...]` of at most `limit` values; a dynamic array contributes its elements, each once
/// when `distinct` (a set of arrays is the set of their elements).
fn write_elements(
    column: &JsonColumn,
    rows: impl Iterator<Item = usize>,
    limit: usize,
    distinct: bool,
    out: &mut String,
) {
    let mut element = String::new();
    let mut seen = HashSet::new();
    let mut count = 0;
    out.push('[');
    for i in rows {
        element.clear();
        column.write(i, &mut element);
        let items = match column {
            JsonColumn::Dynamic(_) => json::elements(&element).filter(|_| element.starts_with('[')),
            _ => None,
        };
        for item in items.unwrap_or_else(|| vec![element.as_str()]) {
            if count == limit {
                break;
            }
            if distinct && !seen.insert(item.trim().to_string()) {
                continue;
            }
            if count > 0 {
                out.push(',');
            }
            out.push_str(item.trim());
            count += 1;
        }
    }
    out.push(']');
}

/// The bags' entries, the first of each key, at most `limit` keys.
fn merge_bags(
    values: &ArrayRef,
    rows: impl Iterator<Item = usize>,
    limit: usize,
    out: &mut String,
) {
    let Some(text) = values.as_string_opt::<i32>() else {
        out.push_str("{}");
        return;
    };
    let mut seen = HashSet::new();
    out.push('{');
    for i in rows {
        for (key, value) in json::entries(text.value(i)).unwrap_or_default() {
            if seen.len() < limit && seen.insert(key) {
                if seen.len() > 1 {
                    out.push(',');
                }
                out.push_str(key);
                out.push(':');
                json::push_compact(value, out);
            }
        }
    }
    out.push('}');
}
