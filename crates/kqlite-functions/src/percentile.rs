//! `kql_percentile(list, p)`: the nearest-rank percentile of each list (nulls left out), as a
//! value of the list's own type.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::{sort_to_indices, SortOptions};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Percentile {
    signature: Signature,
}

pub fn call(list: Expr, percent: Expr) -> Expr {
    let udf = Percentile {
        signature: Signature::any(2, Volatility::Immutable),
    };
    let percent = datafusion::logical_expr::cast(percent, DataType::Float64);
    Arc::new(ScalarUDF::new_from_impl(udf)).call(vec![list, percent])
}

impl ScalarUDFImpl for Percentile {
    fn name(&self) -> &str {
        "kql_percentile"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, arg_types: &[DataType]) -> Result<DataType> {
        match &arg_types[0] {
            DataType::List(f) | DataType::LargeList(f) => Ok(f.data_type().clone()),
            other => exec_err!("percentile needs a list, found {other}"),
        }
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let lists = args.args[0].to_array(rows)?;
        let percents = args.args[1].to_array(rows)?;
        let percents = percents.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
        let item_type = self.return_type(&[lists.data_type().clone()])?;
        let mut out = Vec::with_capacity(rows);
        for row in 0..rows {
            let value = match list_at(&lists, row) {
                Some(items) if !percents.is_null(row) => nearest_rank(&items, percents.value(row))?,
                _ => None,
            };
            out.push(value.unwrap_or(ScalarValue::try_from(&item_type)?));
        }
        Ok(ColumnarValue::Array(ScalarValue::iter_to_array(out)?))
    }
}

fn list_at(lists: &ArrayRef, row: usize) -> Option<ArrayRef> {
    if lists.is_null(row) {
        return None;
    }
    match lists.data_type() {
        DataType::List(_) => Some(lists.as_list::<i32>().value(row)),
        DataType::LargeList(_) => Some(lists.as_list::<i64>().value(row)),
        _ => None,
    }
}

/// The value at rank `ceil(p/100 * n)` of the sorted non-null items.
fn nearest_rank(items: &ArrayRef, percent: f64) -> Result<Option<ScalarValue>> {
    let n = items.len() - items.null_count();
    if n == 0 {
        return Ok(None);
    }
    let options = SortOptions {
        descending: false,
        nulls_first: false,
    };
    let order = sort_to_indices(items, Some(options), None)?;
    let rank = ((percent.clamp(0.0, 100.0) / 100.0) * n as f64).ceil() as usize;
    let index = order.value(rank.clamp(1, n) - 1) as usize;
    Ok(Some(ScalarValue::try_from_array(items, index)?))
}
