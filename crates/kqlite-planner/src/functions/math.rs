//! Conversions (`toint`, `tobool`...), conditionals (`iff`, `case`, `coalesce`), null tests,
//! and arithmetic functions.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::functions::expr_fn as f;
use datafusion::functions::expr_fn::{
    abs, ceil, coalesce, exp, floor, greatest, isnan, least, ln, log10, log2, nullif, power, round,
    signum, sqrt,
};
use datafusion::logical_expr::{binary_expr, cast, lit, try_cast, when, Expr, Operator};
use kqlite_parser::{ast, ExprKind, ScalarType};

use super::{is_text, to_string_typed, Call};
use crate::error::{PlanError, PlanResult, WithSpan};
use crate::kernels::convert::{self, Target};
use crate::literals::string;
use crate::planner::Planner;

impl Planner<'_> {
    pub(super) fn math_call(&mut self, c: &Call) -> Option<PlanResult<Expr>> {
        let real = |e: Expr| cast(e, DataType::Float64);
        let one = |planner: &mut Self, f: &dyn Fn(Expr) -> Expr| {
            planner.lower_args(c, 1, 1).map(|a| f(a[0].clone()))
        };
        Some(match c.f {
            "tostring" => self
                .lower_args(c, 1, 1)
                .and_then(|a| self.to_text(a[0].clone(), c)),
            "toint" => self.convert(c, Target::Int),
            "tolong" => self.convert(c, Target::Long),
            "todouble" | "toreal" => self.convert(c, Target::Real),
            "todecimal" | "decimal" => self.convert(c, Target::Decimal),
            "tobool" | "toboolean" => self.convert(c, Target::Bool),
            "iff" | "iif" => self.lower_args(c, 3, 3).and_then(|a| {
                let values = self.common_numeric(vec![a[1].clone(), a[2].clone()], c)?;
                when(a[0].clone(), values[0].clone())
                    .otherwise(values[1].clone())
                    .at(c.span)
            }),
            "case" => self.case(c),
            "coalesce" => self.coalesce(c),
            "not" => one(self, &|e| Expr::Not(Box::new(e))),
            "isnull" => one(self, &|e| e.is_null()),
            // `notnull` is the deprecated name of `isnotnull`.
            "isnotnull" | "notnull" => one(self, &|e| e.is_not_null()),
            "abs" => one(self, &abs),
            "ceiling" => one(self, &ceil),
            "round" => self.lower_args(c, 1, 2).map(round),
            "sign" => one(self, &signum),
            // sqrt(-1) is NaN, but the logarithm of a negative number is null (of 0, -inf).
            "sqrt" => one(self, &|e| {
                let x = real(e);
                let negative = x.clone().lt(lit(0.0));
                when(negative, lit(f64::NAN))
                    .otherwise(sqrt(x))
                    .expect("a one-branch CASE builds")
            }),
            "sin" => one(self, &|e| f::sin(real(e))),
            "cos" => one(self, &|e| f::cos(real(e))),
            "tan" => one(self, &|e| f::tan(real(e))),
            "cot" => one(self, &|e| f::cot(real(e))),
            "atan" => one(self, &|e| f::atan(real(e))),
            "asin" => one(self, &|e| unit_range(real(e), f::asin)),
            "acos" => one(self, &|e| unit_range(real(e), f::acos)),
            "atan2" => self
                .lower_args(c, 2, 2)
                .map(|a| f::atan2(real(a[0].clone()), real(a[1].clone()))),
            "degrees" => one(self, &|e| f::degrees(real(e))),
            "radians" => one(self, &|e| f::radians(real(e))),
            "pi" => self.lower_args(c, 0, 0).map(|_| f::pi()),
            "log" => one(self, &|e| not_negative(e.clone(), ln(real(e)))),
            "log10" => one(self, &|e| not_negative(e.clone(), log10(real(e)))),
            "log2" => one(self, &|e| not_negative(e.clone(), log2(real(e)))),
            "exp" => one(self, &|e| exp(real(e))),
            "exp2" => one(self, &|e| power(lit(2.0), real(e))),
            "exp10" => one(self, &|e| power(lit(10.0), real(e))),
            "pow" => self
                .lower_args(c, 2, 2)
                .map(|a| power(real(a[0].clone()), real(a[1].clone()))),
            "isnan" => one(self, &|e| isnan(real(e))),
            "isinf" => one(self, &|e| {
                let e = real(e);
                binary_expr(abs(e), Operator::Eq, lit(f64::INFINITY))
            }),
            "isfinite" => one(self, &|e| {
                let e = real(e);
                binary_expr(abs(e.clone()), Operator::Lt, lit(f64::INFINITY)).and(e.is_not_null())
            }),
            "binary_and" => self.bitwise(c, Operator::BitwiseAnd),
            "binary_or" => self.bitwise(c, Operator::BitwiseOr),
            "binary_xor" => self.bitwise(c, Operator::BitwiseXor),
            "binary_shift_left" => self.bitwise(c, Operator::BitwiseShiftLeft),
            "binary_shift_right" => self.bitwise(c, Operator::BitwiseShiftRight),
            "binary_not" => one(self, &|e| {
                binary_expr(cast(e, DataType::Int64), Operator::BitwiseXor, lit(-1i64))
            }),
            "rand" => self.rand(c),
            "new_guid" => self
                .lower_args(c, 0, 0)
                .map(|_| datafusion::functions::expr_fn::uuid()),
            "max_of" => self.extreme_of(c, greatest),
            "min_of" => self.extreme_of(c, least),
            _ => return None,
        })
    }

    /// `max_of` and `min_of`: NaN among reals makes the result NaN, as in .NET's Math.Max.
    fn extreme_of(&mut self, c: &Call, f: fn(Vec<Expr>) -> Expr) -> PlanResult<Expr> {
        let a = self.lower_args(c, 2, 64)?;
        let mut nan = None;
        for e in &a {
            if self.type_of(e, c.schema, c.span)?.is_floating() {
                let test = isnan(e.clone());
                nan = Some(match nan {
                    None => test,
                    Some(any) => test.or(any),
                });
            }
        }
        let extreme = f(a);
        Ok(match nan {
            Some(nan) => when(nan, lit(f64::NAN)).otherwise(extreme).at(c.span)?,
            None => extreme,
        })
    }

    /// `binary_and(a, b)` and the like, on longs.
    fn bitwise(&mut self, c: &Call, op: Operator) -> PlanResult<Expr> {
        let a = self.lower_args(c, 2, 2)?;
        let long = |e: &Expr| cast(e.clone(), DataType::Int64);
        Ok(binary_expr(long(&a[0]), op, long(&a[1])))
    }

    /// `rand()`: a real in [0, 1); `rand(n)`: a long in [0, n).
    fn rand(&mut self, c: &Call) -> PlanResult<Expr> {
        let a = self.lower_args(c, 0, 1)?;
        let r = datafusion::functions::expr_fn::random();
        Ok(match a.first() {
            None => r,
            Some(n) => cast(
                floor(r * cast(n.clone(), DataType::Float64)),
                DataType::Int64,
            ),
        })
    }

    fn to_text(&self, e: Expr, c: &Call) -> PlanResult<Expr> {
        let t = self.type_of(&e, c.schema, c.span)?;
        Ok(to_string_typed(e, &t))
    }

    /// `toint`, `tolong`, `todouble`, `tobool` (see `kqlite-functions/src/convert.rs`); a value already of
    /// the target type is left as it is.
    fn convert(&mut self, c: &Call, target: Target) -> PlanResult<Expr> {
        let a = self.lower_args(c, 1, 1)?;
        let e = a[0].clone();
        let same = matches!(
            (self.type_of(&e, c.schema, c.span)?, target),
            (DataType::Int32, Target::Int)
                | (DataType::Int64, Target::Long)
                | (DataType::Float64, Target::Real)
                | (DataType::Boolean, Target::Bool)
                | (DataType::Decimal128(..), Target::Decimal)
        );
        Ok(if same { e } else { convert::call(target, e) })
    }

    /// `case(p1, v1, p2, v2, ..., else)`.
    fn case(&mut self, c: &Call) -> PlanResult<Expr> {
        let a = self.lower_args(c, 3, usize::MAX)?;
        if a.len() % 2 == 0 {
            return Err(PlanError::user(
                c.span,
                "case() takes pairs of predicate and value, then an else value",
            ));
        }
        let (pairs, otherwise) = a.split_at(a.len() - 1);
        let mut values: Vec<Expr> = pairs.chunks(2).map(|p| p[1].clone()).collect();
        values.push(otherwise[0].clone());
        let values = self.common_numeric(values, c)?;
        let conditions: Vec<&Expr> = pairs.chunks(2).map(|p| &p[0]).collect();
        let mut builder = when(conditions[0].clone(), values[0].clone());
        for (condition, value) in conditions[1..].iter().zip(&values[1..]) {
            builder = builder.when((*condition).clone(), value.clone());
        }
        builder
            .otherwise(values[values.len() - 1].clone())
            .at(c.span)
    }

    /// Branch values of mixed numeric types (`int` and `long`, `long` and `real`) as one type,
    /// as Kusto widens them: `real` if any is, else `long`. Other values stay as they are.
    fn common_numeric(&self, values: Vec<Expr>, c: &Call) -> PlanResult<Vec<Expr>> {
        let mut types = Vec::with_capacity(values.len());
        for v in &values {
            types.push(self.type_of(v, c.schema, c.span)?);
        }
        let numeric = |t: &DataType| t.is_numeric() || t == &DataType::Null;
        let first_real = types.iter().find(|t| !t.is_null());
        if types
            .iter()
            .all(|t| first_real.is_none_or(|f| t == f || t.is_null()))
            || !types.iter().all(numeric)
        {
            return Ok(values);
        }
        let decimal = types.iter().find(|t| matches!(t, DataType::Decimal128(..)));
        let target = match (types.iter().any(|t| t.is_floating()), decimal) {
            (true, _) => DataType::Float64,
            // A decimal and whole numbers stay decimal (`iff(c, decimal(1.5), 2)` is 1.5).
            (false, Some(d)) => d.clone(),
            (false, None) => DataType::Int64,
        };
        Ok(values
            .into_iter()
            .map(|v| cast(v, target.clone()))
            .collect())
    }

    /// `coalesce`: the first value not null (for strings, not empty).
    fn coalesce(&mut self, c: &Call) -> PlanResult<Expr> {
        let a = self.lower_args(c, 1, 64)?;
        let t = self.type_of(&a[0], c.schema, c.span)?;
        if !is_text(&t) {
            return Ok(coalesce(a));
        }
        let mut items: Vec<Expr> = a.into_iter().map(|e| nullif(e, lit(string("")))).collect();
        items.push(lit(string("")));
        Ok(coalesce(items))
    }
}

/// `f(x)` for `x` in [-1, 1], null elsewhere (`asin`, `acos`).
fn unit_range(x: Expr, f: fn(Expr) -> Expr) -> Expr {
    let inside = abs(x.clone()).lt_eq(lit(1.0));
    when(inside, f(x))
        .otherwise(lit(ScalarValue::Float64(None)))
        .expect("a one-branch CASE builds")
}

/// `f` where `x` is not negative, null elsewhere.
fn not_negative(x: Expr, f: Expr) -> Expr {
    let ok = binary_expr(cast(x, DataType::Float64), Operator::GtEq, lit(0.0));
    when(ok, f)
        .otherwise(lit(ScalarValue::Float64(None)))
        .expect("a one-branch CASE builds")
}

/// The `typeof(T)` argument of `extract` or `extract_json`: converts the found text.
pub(super) fn convert_to(found: Expr, ty: &ast::Expr, c: &Call) -> PlanResult<Expr> {
    let name = match &ty.node {
        ExprKind::Call { name, args } if name.node == "typeof" && args.len() == 1 => {
            match &args[0].node {
                ExprKind::Name(t) => Some(t.clone()),
                _ => None,
            }
        }
        _ => None,
    };
    let Some(scalar_type) = name.as_deref().and_then(ScalarType::from_name) else {
        return Err(PlanError::user(
            ty.span,
            format!("{}() expects typeof(T) here", c.f),
        ));
    };
    let time = |op| crate::kernels::time::call(op, vec![found.clone()]);
    match scalar_type {
        ScalarType::Datetime => return Ok(time(crate::kernels::time::TimeOp::ToDatetime)),
        ScalarType::Timespan => return Ok(time(crate::kernels::time::TimeOp::ParseSpan)),
        _ => {}
    }
    let target = crate::literals::arrow_type(scalar_type);
    if is_text(&target) {
        return Ok(found);
    }
    Ok(try_cast(found, target))
}

/// `mv-expand ... to typeof(T)`: Kusto casts without parsing (its docs: "cast-only and doesn't
/// include parsing or type-conversion"), so a string element is no number or bool: null. A
/// string that reads as another value is carried quoted (`"1"`), which tells it from the
/// number. Datetimes and timespans are carried as text and read as [`typed_value`] does.
pub(crate) fn cast_only_value(value: Expr, ty: ScalarType) -> Expr {
    use ScalarType::{Bool, Decimal, Int, Long, Real};
    let converted = match ty {
        Int => int_in_range(typed_value(value.clone(), Long)),
        _ => typed_value(value.clone(), ty),
    };
    if !matches!(ty, Int | Long | Real | Decimal | Bool) {
        return converted;
    }
    let text = cast(value, DataType::Utf8);
    let string = datafusion::functions::string::expr_fn::starts_with(text, lit("\""));
    let null = ScalarValue::try_from(crate::literals::arrow_type(ty)).unwrap_or(ScalarValue::Null);
    when(string, lit(null))
        .otherwise(converted.clone())
        .unwrap_or(converted)
}

/// A long as an int, null past an int's range (never a wrapped value).
fn int_in_range(long: Expr) -> Expr {
    let fits = long
        .clone()
        .between(lit(i64::from(i32::MIN)), lit(i64::from(i32::MAX)));
    when(fits, cast(long, DataType::Int32))
        .otherwise(lit(ScalarValue::Int32(None)))
        .expect("a one-branch CASE builds")
}

/// A dynamic value as the scalar type `ty` (what `parse-kv` and `to typeof(T)` convert to):
/// text for strings (empty for null), Kusto's conversions for the rest.
pub(crate) fn typed_value(value: Expr, ty: ScalarType) -> Expr {
    let text = || cast(value.clone(), DataType::Utf8);
    match ty {
        ScalarType::String | ScalarType::Guid => {
            to_string_typed(value, &crate::literals::dynamic_type())
        }
        ScalarType::Int => convert::call(Target::Int, value),
        ScalarType::Long => convert::call(Target::Long, value),
        ScalarType::Real => convert::call(Target::Real, value),
        ScalarType::Decimal => convert::call(Target::Decimal, value),
        ScalarType::Bool => convert::call(Target::Bool, value),
        // Datetimes and timespans read as `todatetime` and `totimespan` read text.
        ScalarType::Datetime => {
            crate::kernels::time::call(crate::kernels::time::TimeOp::ToDatetime, vec![text()])
        }
        ScalarType::Timespan => {
            crate::kernels::time::call(crate::kernels::time::TimeOp::ParseSpan, vec![text()])
        }
        ScalarType::Dynamic => value,
    }
}
