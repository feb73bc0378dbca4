//! `kql_series_fill(positions, values, length, default)`: the dense JSON array `make-series`
//! returns for one group: `length` elements, the value at each position that has one and
//! `default` elsewhere. Positions and values are lists of the same length per row.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, LargeStringBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct SeriesFill {
    signature: Signature,
}

impl Default for SeriesFill {
    fn default() -> Self {
        SeriesFill {
            signature: Signature::any(4, Volatility::Immutable),
        }
    }
}

impl ScalarUDFImpl for SeriesFill {
    fn name(&self) -> &str {
        "kql_series_fill"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(crate::types::dynamic_type())
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let [positions, values, length, default] = args.args.as_slice() else {
            return exec_err!("kql_series_fill takes 4 arguments");
        };
        let (ColumnarValue::Scalar(length), ColumnarValue::Scalar(default)) = (length, default)
        else {
            return exec_err!("kql_series_fill needs a constant length and default");
        };
        let ScalarValue::Int64(Some(length)) = length else {
            return exec_err!("kql_series_fill needs a long length");
        };
        let length = usize::try_from(*length).unwrap_or(0);
        let positions = positions.clone().into_array(rows)?;
        let values = values.clone().into_array(rows)?;
        let (positions, values) = (positions.as_list::<i32>(), values.as_list::<i32>());
        let numbers = Numbers::of(values.values())?;
        let default = numbers.default_json(default);
        let position_values = cast(positions.values(), &DataType::Int64)?;
        let position_values = position_values.as_primitive::<Int64Type>();
        let mut out = LargeStringBuilder::new();
        let mut slots: Vec<Option<String>> = vec![None; length];
        let mut text = String::new();
        for row in 0..rows {
            slots.iter_mut().for_each(|s| *s = None);
            if !positions.is_null(row) {
                let (start, end) = (
                    positions.value_offsets()[row],
                    positions.value_offsets()[row + 1],
                );
                let value_start = values.value_offsets()[row];
                for (k, at) in (start..end).enumerate() {
                    let at = at as usize;
                    let slot = position_values.value(at);
                    if let Some(slot) = usize::try_from(slot).ok().filter(|s| *s < length) {
                        slots[slot] = numbers.json(value_start as usize + k);
                    }
                }
            }
            text.clear();
            text.push('[');
            for (i, slot) in slots.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                text.push_str(slot.as_deref().unwrap_or(&default));
            }
            text.push(']');
            out.append_value(&text);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// The values of all groups, read as whole numbers or reals.
enum Numbers {
    Long(Arc<dyn Array>),
    Real(Arc<dyn Array>),
}

impl Numbers {
    fn of(values: &Arc<dyn Array>) -> Result<Numbers> {
        let t = values.data_type();
        if t.is_integer() || t == &DataType::Boolean {
            Ok(Numbers::Long(cast(values, &DataType::Int64)?))
        } else if t.is_numeric() {
            Ok(Numbers::Real(cast(values, &DataType::Float64)?))
        } else {
            exec_err!("not supported yet: make-series of {t} values")
        }
    }

    /// JSON text of the default: a whole number is a real in a series of reals (`0.0`).
    fn default_json(&self, default: &ScalarValue) -> String {
        match (self, default) {
            (Numbers::Real(_), ScalarValue::Int64(Some(v))) => real_json(*v as f64),
            (Numbers::Real(_), ScalarValue::Int32(Some(v))) => real_json(f64::from(*v)),
            _ => json_of_scalar(default),
        }
    }

    /// JSON text of the value at `i`, or None for null.
    fn json(&self, i: usize) -> Option<String> {
        match self {
            Numbers::Long(a) => {
                let a = a.as_primitive::<Int64Type>();
                a.is_valid(i).then(|| a.value(i).to_string())
            }
            Numbers::Real(a) => {
                let a = a.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
                a.is_valid(i).then(|| real_json(a.value(i)))
            }
        }
    }
}

fn real_json(v: f64) -> String {
    serde_json::Number::from_f64(v).map_or_else(|| "null".to_string(), |n| n.to_string())
}

fn json_of_scalar(value: &ScalarValue) -> String {
    match value {
        ScalarValue::Int64(Some(v)) => v.to_string(),
        ScalarValue::Int32(Some(v)) => v.to_string(),
        ScalarValue::Float64(Some(v)) => real_json(*v),
        ScalarValue::Boolean(Some(b)) => b.to_string(),
        ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) => {
            serde_json::Value::String(s.clone()).to_string()
        }
        _ => "null".to_string(),
    }
}
