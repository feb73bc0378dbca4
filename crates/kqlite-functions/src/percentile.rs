//! `kql_percentile(list, p [, weights])`: the nearest-rank percentile of each list (nulls left
//! out), as a value of the list's own type; with a list of weights (`percentilew`), each value
//! counts as many times as its weight.

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
    let percent = datafusion::logical_expr::cast(percent, DataType::Float64);
    udf().call(vec![list, percent])
}

/// The percentile of `list` where each item counts `weights` times (the same rows, in order).
pub fn weighted(list: Expr, weights: Expr, percent: Expr) -> Expr {
    let percent = datafusion::logical_expr::cast(percent, DataType::Float64);
    udf().call(vec![list, percent, weights])
}

fn udf() -> Arc<ScalarUDF> {
    let udf = Percentile {
        signature: Signature::variadic_any(Volatility::Immutable),
    };
    Arc::new(ScalarUDF::new_from_impl(udf))
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
        let weights = match args.args.get(2) {
            Some(w) => Some(w.to_array(rows)?),
            None => None,
        };
        let item_type = self.return_type(&[lists.data_type().clone()])?;
        let mut out = Vec::with_capacity(rows);
        for row in 0..rows {
            let items = list_at(&lists, row).filter(|_| !percents.is_null(row));
            let value = match (items, &weights) {
                (Some(items), None) => nearest_rank(&items, percents.value(row))?,
                (Some(items), Some(w)) => match list_at(w, row) {
                    Some(w) => weighted_rank(&items, &w, percents.value(row))?,
                    None => None,
                },
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

/// The places of `items` in ascending order, nulls last.
fn ascending(items: &ArrayRef) -> Result<datafusion::arrow::array::UInt32Array> {
    let options = SortOptions {
        descending: false,
        nulls_first: false,
    };
    Ok(sort_to_indices(items, Some(options), None)?)
}

/// The value at rank `ceil(p/100 * n)` of the sorted non-null items.
fn nearest_rank(items: &ArrayRef, percent: f64) -> Result<Option<ScalarValue>> {
    let n = items.len() - items.null_count();
    if n == 0 {
        return Ok(None);
    }
    let order = ascending(items)?;
    let rank = ((percent.clamp(0.0, 100.0) / 100.0) * n as f64).ceil() as usize;
    let index = order.value(rank.clamp(1, n) - 1) as usize;
    Ok(Some(ScalarValue::try_from_array(items, index)?))
}

/// The smallest value whose cumulative weight reaches `p` percent of the total weight (items
/// with a null value or a weight under 1 left out).
fn weighted_rank(
    items: &ArrayRef,
    weights: &ArrayRef,
    percent: f64,
) -> Result<Option<ScalarValue>> {
    let weights = datafusion::arrow::compute::cast(weights, &DataType::Int64)?;
    let weights = weights.as_primitive::<datafusion::arrow::datatypes::Int64Type>();
    let weight = |i: usize| match items.is_null(i) || weights.is_null(i) {
        true => 0,
        false => weights.value(i).max(0),
    };
    let total: i64 = (0..items.len()).map(weight).sum();
    if total == 0 {
        return Ok(None);
    }
    let order = ascending(items)?;
    let rank = ((percent.clamp(0.0, 100.0) / 100.0) * total as f64)
        .ceil()
        .max(1.0) as i64;
    let mut reached = 0;
    for index in order.values().iter().map(|&i| i as usize) {
        reached += weight(index);
        if weight(index) > 0 && reached >= rank {
            return Ok(Some(ScalarValue::try_from_array(items, index)?));
        }
    }
    Ok(None)
}
