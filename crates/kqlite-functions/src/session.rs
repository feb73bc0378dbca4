//! `row_window_session(expr, max_from_first, max_between_neighbours [, restart])`: the value
//! at the start of each row's session, in one pass over a serialized partition.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int64Builder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int64Type};
use datafusion::common::Result;
use datafusion::logical_expr::function::{PartitionEvaluatorArgs, WindowUDFFieldArgs};
use datafusion::logical_expr::{
    Expr, PartitionEvaluator, Signature, Volatility, WindowUDF, WindowUDFImpl,
};

pub const NAME: &str = "kql_row_window_session";

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct RowWindowSession {
    signature: Signature,
}

impl Default for RowWindowSession {
    fn default() -> Self {
        RowWindowSession {
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }
}

/// The window expression (its order and partition are set by the caller).
pub fn call(args: Vec<Expr>) -> Expr {
    udwf().call(args)
}

pub fn udwf() -> Arc<WindowUDF> {
    Arc::new(WindowUDF::new_from_impl(RowWindowSession::default()))
}

impl WindowUDFImpl for RowWindowSession {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn partition_evaluator(
        &self,
        _args: PartitionEvaluatorArgs,
    ) -> Result<Box<dyn PartitionEvaluator>> {
        Ok(Box::new(Sessions))
    }
    fn field(&self, args: WindowUDFFieldArgs) -> Result<FieldRef> {
        let data_type = args
            .get_input_field(0)
            .map(|f| f.data_type().clone())
            .unwrap_or(DataType::Null);
        Ok(Arc::new(Field::new(args.name(), data_type, true)))
    }
}

#[derive(Debug)]
struct Sessions;

impl PartitionEvaluator for Sessions {
    /// Kusto's rule: a value starts a session when there is no session (first row, or after a
    /// null), when it reaches the session's first value plus the first distance or the previous
    /// value plus the second, or when the restart is true.
    fn evaluate_all(&mut self, values: &[ArrayRef], rows: usize) -> Result<ArrayRef> {
        let numbers = |i: usize| cast(&values[i], &DataType::Int64);
        let (x, first, near) = (numbers(0)?, numbers(1)?, numbers(2)?);
        let (x, first, near) = (
            x.as_primitive::<Int64Type>(),
            first.as_primitive::<Int64Type>(),
            near.as_primitive::<Int64Type>(),
        );
        let restart = match values.get(3) {
            Some(r) => Some(cast(r, &DataType::Boolean)?),
            None => None,
        };
        let restarts = |row: usize| {
            let r: Option<&BooleanArray> = restart.as_ref().map(|r| r.as_boolean());
            r.is_some_and(|r| r.is_valid(row) && r.value(row))
        };
        let reaches =
            |value: i64, base: i64, distance: &datafusion::arrow::array::Int64Array, row| {
                distance.is_valid(row)
                    && value as i128 >= base as i128 + distance.value(row) as i128
            };
        let mut out = Int64Builder::with_capacity(rows);
        let mut state: Option<(i64, i64)> = None; // (session start, previous value)
        for row in 0..rows {
            if x.is_null(row) {
                out.append_null();
                state = None;
                continue;
            }
            let value = x.value(row);
            let start = match state {
                Some((start, previous))
                    if !restarts(row)
                        && !reaches(value, start, first, row)
                        && !reaches(value, previous, near, row) =>
                {
                    start
                }
                _ => value,
            };
            state = Some((start, value));
            out.append_value(start);
        }
        let starts: ArrayRef = Arc::new(out.finish());
        Ok(cast(&starts, values[0].data_type())?)
    }
}
