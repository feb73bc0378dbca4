//! `kql_json_paths(value, paths)`: the values at several paths of one dynamic value, found in
//! one walk of its text, as a struct with a dynamic field per path (`"0"`, `"1"`...). `paths`
//! is a JSON array of paths, each an array of steps (a string is a property, an integer a
//! position). The planner puts it where one projection reads several properties of the same
//! value (`extend a = d.x, b = d.y`), so the value is read once, not once per property.

use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayAccessor, ArrayRef, AsArray, LargeStringBuilder, StringViewArray, StructArray,
    UInt32Array,
};
use datafusion::arrow::compute::take;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::{exec_err, plan_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ReturnFieldArgs, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};
use serde_json::Value;

use crate::json::{self, Step, MAX_PATHS};
use crate::view_memo::ViewMemo;

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct JsonPaths {
    signature: Signature,
}

impl Default for JsonPaths {
    fn default() -> Self {
        JsonPaths {
            signature: Signature::any(2, Volatility::Immutable),
        }
    }
}

/// The text of the `paths` argument for `paths`, each a list of steps.
pub fn paths_argument(paths: &[Vec<Value>]) -> String {
    Value::Array(paths.iter().cloned().map(Value::Array).collect()).to_string()
}

/// The paths of the `paths` argument; None when it is not one.
fn parse_paths(text: &str) -> Option<Vec<Vec<Value>>> {
    let Value::Array(paths) = serde_json::from_str(text).ok()? else {
        return None;
    };
    let paths: Option<Vec<Vec<Value>>> = paths
        .into_iter()
        .map(|p| match p {
            Value::Array(steps) => Some(steps),
            _ => None,
        })
        .collect();
    paths.filter(|p| !p.is_empty() && p.len() <= MAX_PATHS)
}

fn steps(path: &[Value]) -> Option<Vec<Step<'_>>> {
    path.iter()
        .map(|s| match s {
            Value::String(key) => Some(Step::Key(key)),
            Value::Number(n) => n.as_i64().map(Step::Index),
            _ => None,
        })
        .collect()
}

fn fields(count: usize) -> Fields {
    (0..count)
        .map(|i| Field::new(i.to_string(), crate::types::dynamic_type(), true))
        .collect()
}

fn paths_of(arg: Option<&ScalarValue>) -> Option<Vec<Vec<Value>>> {
    match arg? {
        ScalarValue::Utf8(Some(t))
        | ScalarValue::LargeUtf8(Some(t))
        | ScalarValue::Utf8View(Some(t)) => parse_paths(t),
        _ => None,
    }
}

impl ScalarUDFImpl for JsonPaths {
    fn name(&self) -> &str {
        "kql_json_paths"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        plan_err!("kql_json_paths needs its paths to know its type")
    }

    fn return_field_from_args(&self, args: ReturnFieldArgs) -> Result<FieldRef> {
        let Some(paths) = paths_of(args.scalar_arguments.get(1).copied().flatten()) else {
            return plan_err!("kql_json_paths needs a constant list of paths");
        };
        let fields = fields(paths.len());
        Ok(Arc::new(Field::new(
            self.name(),
            DataType::Struct(fields),
            true,
        )))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let paths = match &args.args[1] {
            ColumnarValue::Scalar(s) => paths_of(Some(s)),
            ColumnarValue::Array(_) => None,
        };
        let Some(paths) = paths else {
            return exec_err!("kql_json_paths needs a constant list of paths");
        };
        let Some(steps) = paths.iter().map(|p| steps(p)).collect::<Option<Vec<_>>>() else {
            return exec_err!("kql_json_paths: a step is neither a name nor a position");
        };
        let steps: Vec<&[Step]> = steps.iter().map(Vec::as_slice).collect();
        let values = args.args[0].clone().into_array(rows)?;
        let columns = match values.data_type() {
            DataType::Utf8View => view_values_at(&values, &steps)?,
            DataType::LargeUtf8 => values_at(values.as_string::<i64>(), &steps),
            DataType::Utf8 => values_at(values.as_string::<i32>(), &steps),
            other => return exec_err!("kql_json_paths reads text, not {other}"),
        };
        let out = StructArray::try_new(fields(steps.len()), columns, None)?;
        Ok(ColumnarValue::Array(Arc::new(out)))
    }
}

/// `kql_path_value(values, i)`: path `i`'s column of a `kql_json_paths` struct. DataFusion's
/// `get_field` would do, but its optimizer moves a field access towards the scan, copying the
/// `kql_json_paths` call into each one: this keeps the call shared.
#[derive(Debug, PartialEq, Eq, Hash)]
pub struct PathValue {
    signature: Signature,
}

impl Default for PathValue {
    fn default() -> Self {
        PathValue {
            signature: Signature::any(2, Volatility::Immutable),
        }
    }
}

fn position_of(arg: Option<&ScalarValue>) -> Option<usize> {
    match arg? {
        ScalarValue::Int64(Some(i)) => usize::try_from(*i).ok(),
        _ => None,
    }
}

impl ScalarUDFImpl for PathValue {
    fn name(&self) -> &str {
        "kql_path_value"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(crate::types::dynamic_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let position = match &args.args[1] {
            ColumnarValue::Scalar(s) => position_of(Some(s)),
            ColumnarValue::Array(_) => None,
        };
        let values = args.args[0].clone().into_array(args.number_rows)?;
        match (values.as_struct_opt(), position) {
            (Some(all), Some(i)) if i < all.num_columns() => {
                Ok(ColumnarValue::Array(Arc::clone(all.column(i))))
            }
            _ => exec_err!("kql_path_value needs a kql_json_paths value and a position"),
        }
    }
}

/// [`values_at`] of a view array, once per distinct value where values repeat.
fn view_values_at(values: &ArrayRef, paths: &[&[Step]]) -> Result<Vec<ArrayRef>> {
    let Some((rows, of_row)) = representatives(values.as_string_view()) else {
        return Ok(values_at(values.as_string_view(), paths));
    };
    let distinct = take(values, &rows, None)?;
    let columns = values_at(distinct.as_string_view(), paths);
    let each = columns.iter().map(|c| take(c, &of_row, None));
    Ok(each.collect::<std::result::Result<Vec<_>, _>>()?)
}

/// When a batch repeats its values (a dictionary-encoded column decodes to repeated views):
/// one row for each distinct value, and the position among those of each row's value. None
/// when too few repeat to pay.
fn representatives(views: &StringViewArray) -> Option<(UInt32Array, UInt32Array)> {
    let mut memo = ViewMemo::<u32>::for_rows(views.len())?;
    let mut rows: Vec<u32> = Vec::new();
    let mut null_row = None;
    let mut of_row = Vec::with_capacity(views.len());
    for (row, &view) in views.views().iter().enumerate() {
        let new_row = || {
            rows.push(row as u32);
            rows.len() as u32 - 1
        };
        // A null and "" share a view: nulls share a row of their own.
        let position = match views.is_null(row) {
            true => *null_row.get_or_insert_with(new_row),
            false if memo.full() => return None,
            false => memo.get_or_insert_with(view, new_row),
        };
        of_row.push(position);
    }
    (rows.len() * 2 <= views.len()).then(|| (UInt32Array::from(rows), UInt32Array::from(of_row)))
}

/// One column per path: the value each row holds there, as `kql_json_get` gives it.
fn values_at<'a>(texts: impl ArrayAccessor<Item = &'a str>, paths: &[&[Step]]) -> Vec<ArrayRef> {
    let mut builders: Vec<LargeStringBuilder> = paths
        .iter()
        .map(|_| LargeStringBuilder::with_capacity(texts.len(), texts.len() * 8))
        .collect();
    let mut found = vec![None; paths.len()];
    let mut buffer = String::new();
    for i in 0..texts.len() {
        match texts.is_null(i) {
            true => found.iter_mut().for_each(|f| *f = None),
            false => json::at_paths(texts.value(i), paths, &mut found),
        }
        for (builder, value) in builders.iter_mut().zip(&found) {
            buffer.clear();
            let kept = value.is_some_and(|v| json::push_value(v, &mut buffer));
            builder.append_option(kept.then_some(buffer.as_str()));
        }
    }
    builders
        .into_iter()
        .map(|mut b| Arc::new(b.finish()) as ArrayRef)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::StringArray;
    use serde_json::json;

    #[test]
    fn repeated_values_are_walked_once_with_the_same_answers() {
        let values = [
            Some(r#"{"a": {"b": "a long enough value"}, "n": [1, 2]}"#),
            Some(r#"{"a": 1}"#),
            None,
            Some(""),
            Some("[]"),
        ];
        let rows: Vec<Option<&str>> = (0..100).map(|i| values[i * 7 % values.len()]).collect();
        let views: ArrayRef = Arc::new(StringViewArray::from(rows.clone()));
        assert!(representatives(views.as_string_view()).is_some());
        let steps: [&[Step]; 3] = [
            &[Step::Key("a"), Step::Key("b")],
            &[Step::Key("n"), Step::Index(-1)],
            &[Step::Key("a")],
        ];
        let once = view_values_at(&views, &steps).unwrap();
        let each = values_at(&StringArray::from(rows), &steps);
        assert_eq!(once, each);
    }

    #[test]
    fn each_path_gets_its_own_column() {
        let texts = StringArray::from(vec![
            Some(r#"{"a": {"b": "x"}, "n": [1, 2]}"#),
            None,
            Some("not json"),
        ]);
        let paths = parse_paths(&paths_argument(&[
            vec![json!("a"), json!("b")],
            vec![json!("n"), json!(-1)],
            vec![json!("a")],
        ]))
        .unwrap();
        let steps: Vec<Vec<Step>> = paths.iter().map(|p| steps(p).unwrap()).collect();
        let steps: Vec<&[Step]> = steps.iter().map(Vec::as_slice).collect();
        let columns = values_at(&texts, &steps);
        let text = |c: usize, r: usize| {
            let column = columns[c].as_string::<i64>();
            column.is_valid(r).then(|| column.value(r).to_string())
        };
        assert_eq!(text(0, 0).as_deref(), Some("x"));
        assert_eq!(text(1, 0).as_deref(), Some("2"));
        assert_eq!(text(2, 0).as_deref(), Some(r#"{"b":"x"}"#));
        assert!((0..3).all(|c| text(c, 1).is_none() && text(c, 2).is_none()));
    }
}
