//! The scalar function catalogue: one arm per KQL function, lowered onto DataFusion
//! expressions or our kernels.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::functions::expr_fn::{
    abs, ceil, character_length, coalesce, concat, date_bin, floor, lower, round, upper,
};
use datafusion::logical_expr::{
    binary_expr, cast, lit, try_cast, when, Expr, ExprSchemable, Operator,
};
use kqlite_parser::{ast, Span};

use crate::error::{PlanError, PlanResult, WithSpan};
use crate::literals::{datetime, string};
use crate::planner::Planner;

impl Planner<'_> {
    pub(crate) fn call(
        &mut self,
        name: &ast::Ident,
        args: &[ast::Expr],
        schema: &DFSchema,
        span: Span,
    ) -> PlanResult<Expr> {
        if crate::aggregates::is_aggregate(&name.node) {
            return self.aggregate_call(name, args, schema, span);
        }
        let f = name.node.as_str();
        let arity = |min: usize, max: usize| check_arity(f, args, min, max, span);
        let lowered = |planner: &mut Self| -> PlanResult<Vec<Expr>> {
            args.iter().map(|a| planner.scalar(a, schema)).collect()
        };
        match f {
            "now" => {
                arity(0, 1)?;
                let now = lit(datetime(Some(self.now)));
                match args.first() {
                    Some(offset) => Ok(binary_expr(
                        now,
                        Operator::Plus,
                        self.scalar(offset, schema)?,
                    )),
                    None => Ok(now),
                }
            }
            "ago" => {
                arity(1, 1)?;
                let span_arg = self.scalar(&args[0], schema)?;
                Ok(binary_expr(
                    lit(datetime(Some(self.now))),
                    Operator::Minus,
                    span_arg,
                ))
            }
            "bin" | "floor" if args.len() == 2 => {
                let a = lowered(self)?;
                bin(a[0].clone(), a[1].clone(), schema, span)
            }
            "tolower" => unary(arity(1, 1), lowered(self)?, |e| lower(e)),
            "toupper" => unary(arity(1, 1), lowered(self)?, |e| upper(e)),
            "strlen" => {
                arity(1, 1)?;
                let value = self.scalar(&args[0], schema)?;
                let s = self.as_string(value, schema, span)?;
                Ok(cast(character_length(s), DataType::Int64))
            }
            "isempty" | "isnotempty" => {
                arity(1, 1)?;
                let e = self.scalar(&args[0], schema)?;
                let empty = is_empty(e, schema, span)?;
                Ok(if f == "isempty" {
                    empty
                } else {
                    Expr::Not(Box::new(empty))
                })
            }
            "isnull" => unary(arity(1, 1), lowered(self)?, |e| e.is_null()),
            "isnotnull" => unary(arity(1, 1), lowered(self)?, |e| e.is_not_null()),
            "not" => unary(arity(1, 1), lowered(self)?, |e| Expr::Not(Box::new(e))),
            "tostring" => {
                arity(1, 1)?;
                let e = self.scalar(&args[0], schema)?;
                to_string(e, schema, span)
            }
            "toint" => unary(arity(1, 1), lowered(self)?, |e| {
                try_cast(e, DataType::Int32)
            }),
            "tolong" => unary(arity(1, 1), lowered(self)?, |e| {
                try_cast(e, DataType::Int64)
            }),
            "todouble" | "toreal" => unary(arity(1, 1), lowered(self)?, |e| {
                try_cast(e, DataType::Float64)
            }),
            "iff" | "iif" => {
                arity(3, 3)?;
                let a = lowered(self)?;
                when(a[0].clone(), a[1].clone())
                    .otherwise(a[2].clone())
                    .at(span)
            }
            "strcat" => {
                arity(1, 64)?;
                let parts = lowered(self)?
                    .into_iter()
                    .map(|e| to_string(e, schema, span))
                    .collect::<PlanResult<Vec<_>>>()?;
                Ok(concat(parts))
            }
            "coalesce" => Ok(coalesce(lowered(self)?)),
            "abs" => unary(arity(1, 1), lowered(self)?, abs),
            "ceiling" => unary(arity(1, 1), lowered(self)?, ceil),
            "floor" => unary(arity(1, 1), lowered(self)?, floor),
            "round" => {
                arity(1, 2)?;
                Ok(round(lowered(self)?))
            }
            "datetime" | "todatetime" => {
                arity(1, 1)?;
                let e = self.scalar(&args[0], schema)?;
                Ok(try_cast(e, crate::literals::datetime_type()))
            }
            _ => Err(unknown_function(f, name.span)),
        }
    }
}

fn unary(arity: PlanResult<()>, args: Vec<Expr>, f: impl FnOnce(Expr) -> Expr) -> PlanResult<Expr> {
    arity?;
    Ok(f(args.into_iter().next().expect("arity checked")))
}

pub(crate) fn check_arity(
    f: &str,
    args: &[ast::Expr],
    min: usize,
    max: usize,
    span: Span,
) -> PlanResult<()> {
    if (min..=max).contains(&args.len()) {
        return Ok(());
    }
    let wanted = if min == max {
        format!("{min}")
    } else {
        format!("{min} to {max}")
    };
    Err(PlanError::user(
        span,
        format!("{f}() takes {wanted} argument(s), got {}", args.len()),
    ))
}

fn unknown_function(name: &str, span: Span) -> PlanError {
    PlanError::not_supported(span, format!("function '{name}'"))
}

/// `bin(value, size)`: rounds down to a multiple of `size`; datetimes from the Unix epoch.
fn bin(value: Expr, size: Expr, schema: &DFSchema, span: Span) -> PlanResult<Expr> {
    match value.get_type(schema).at(span)? {
        DataType::Timestamp(..) => {
            let size = duration_to_interval(size, span)?;
            let origin = lit(datetime(Some(0)));
            Ok(date_bin(size, value, origin))
        }
        DataType::Duration(_) => {
            let ns = |e: Expr| cast(e, DataType::Int64);
            let binned = binary_expr(
                binary_expr(ns(value.clone()), Operator::Divide, ns(size.clone())),
                Operator::Multiply,
                ns(size),
            );
            Ok(cast(
                binned,
                DataType::Duration(datafusion::arrow::datatypes::TimeUnit::Nanosecond),
            ))
        }
        t if t.is_integer() => {
            let real = |e: Expr| cast(e, DataType::Float64);
            let quotient = floor(binary_expr(
                real(value),
                Operator::Divide,
                real(size.clone()),
            ));
            Ok(cast(
                binary_expr(quotient, Operator::Multiply, real(size)),
                DataType::Int64,
            ))
        }
        t if t.is_numeric() => {
            let quotient = floor(binary_expr(value.clone(), Operator::Divide, size.clone()));
            Ok(binary_expr(quotient, Operator::Multiply, size))
        }
        other => Err(PlanError::user(
            span,
            format!("bin() needs a number, datetime or timespan, found {other}"),
        )),
    }
}

/// `date_bin` wants an interval; KQL sizes are timespans.
fn duration_to_interval(size: Expr, span: Span) -> PlanResult<Expr> {
    use datafusion::arrow::datatypes::IntervalMonthDayNano;
    match size {
        Expr::Literal(ScalarValue::DurationNanosecond(Some(ns)), _) if ns > 0 => Ok(lit(
            ScalarValue::IntervalMonthDayNano(Some(IntervalMonthDayNano::new(0, 0, ns))),
        )),
        _ => Err(PlanError::user(
            span,
            "bin() on a datetime needs a positive constant timespan such as 1h",
        )),
    }
}

/// Kusto's `isempty`: an empty string, or a null of any type.
fn is_empty(e: Expr, schema: &DFSchema, span: Span) -> PlanResult<Expr> {
    let t = e.get_type(schema).at(span)?;
    if matches!(t, DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8) {
        return Ok(e
            .clone()
            .is_null()
            .or(binary_expr(e, Operator::Eq, lit(string("")))));
    }
    Ok(e.is_null())
}

/// Kusto's `tostring`: text of the value, and an empty string for null.
pub(crate) fn to_string(e: Expr, schema: &DFSchema, span: Span) -> PlanResult<Expr> {
    let text = match e.get_type(schema).at(span)? {
        DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8 => e,
        DataType::Timestamp(..) => {
            let formatted =
                datafusion::functions::expr_fn::to_char(e, lit("%Y-%m-%dT%H:%M:%S%.fZ"));
            formatted
        }
        _ => cast(e, DataType::Utf8),
    };
    Ok(coalesce(vec![text, lit(string(""))]))
}
