//! Binary operators with Kusto's rules, which differ from SQL's:
//! - equality never yields null: a null operand makes `==` false and `!=` true (the ordering
//!   comparisons stay null, so `not(x > 0)` drops a null `x` as Kusto does);
//! - reals compare as IEEE numbers: NaN equals nothing and is neither less nor greater;
//! - `int` arithmetic is done in `long`; integer division or remainder by zero is null;
//! - `%` is never negative: `-7 % 3` is 2;
//! - bools compare with numbers as 0/1; dynamic values compare with numbers as numbers;
//! - timespans scale by numbers and divide into ratios.

use datafusion::arrow::datatypes::{DataType, TimeUnit};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::functions::expr_fn::{abs, coalesce, isnan, lower, nullif, regexp_like};
use datafusion::logical_expr::{
    binary_expr, cast, lit, try_cast, when, Expr, ExprSchemable, Operator,
};
use kqlite_parser::{ast, BinaryOp, ExprKind, Span};

use crate::error::{PlanError, PlanResult};
use crate::expr::{string_match, string_predicate};
use crate::functions::is_text;
use crate::literals::is_dynamic;
use crate::planner::Planner;

impl Planner<'_> {
    pub(crate) fn binary(
        &mut self,
        op: BinaryOp,
        left: &ast::Expr,
        right: &ast::Expr,
        schema: &DFSchema,
        span: Span,
    ) -> PlanResult<Expr> {
        if let (ExprKind::Star, Some((match_op, case_sensitive, negated))) =
            (&left.node, string_predicate(op))
        {
            let needle = self.scalar(right, schema)?;
            let any = any_column(schema, |column| {
                string_match(
                    match_op,
                    case_sensitive,
                    false,
                    vec![column, needle.clone()],
                )
            });
            return Ok(if negated { !any } else { any });
        }
        let l = self.scalar(left, schema)?;
        let r = self.scalar(right, schema)?;
        if let Some((match_op, case_sensitive, negated)) = string_predicate(op) {
            let l = self.as_string(l, schema, left.span)?;
            let r = self.as_string(r, schema, right.span)?;
            let call = string_match(match_op, case_sensitive, false, vec![l, r]);
            return Ok(if negated { !call } else { call });
        }
        let sql_op = sql_operator(op, span)?;
        if op == BinaryOp::MatchesRegex {
            return self.matches_regex(l, r, schema, span);
        }
        if matches!(sql_op, Operator::And | Operator::Or) {
            return Ok(binary_expr(l, sql_op, r));
        }
        let lt = self.type_of(&l, schema, span)?;
        let rt = self.type_of(&r, schema, span)?;
        // Kusto's arithmetic takes no string (`"1" + 1` is an error, not 2).
        let text = |t: &DataType| matches!(t, DataType::Utf8 | DataType::Utf8View);
        if !is_comparison(sql_op) && (text(&lt) || text(&rt)) {
            return Err(mismatched_operands(op, &lt, &rt, span));
        }
        let (l, r, lt, rt) = operands(sql_op, l, r, lt, rt);
        let expr = if is_comparison(sql_op) {
            compare(l, sql_op, r, &lt, &rt)
        } else {
            arithmetic(l, sql_op, r, &lt, &rt)
        };
        // Inside summarize, operands may name aggregate outputs that the input lacks.
        if self.aggregate_sink.is_none() && expr.get_type(schema).is_err() {
            return Err(mismatched_operands(op, &lt, &rt, span));
        }
        Ok(expr)
    }

    /// `matches regex` with a constant pattern over a string: kqlite's kernel, which runs the
    /// pattern once per distinct value; otherwise DataFusion's `regexp_like`.
    fn matches_regex(&self, l: Expr, r: Expr, schema: &DFSchema, span: Span) -> PlanResult<Expr> {
        let pattern = match &r {
            Expr::Literal(ScalarValue::Utf8(Some(p)) | ScalarValue::Utf8View(Some(p)), _) => {
                Some(p.clone())
            }
            _ => None,
        };
        let string = matches!(
            self.type_of(&l, schema, span)?,
            DataType::Utf8 | DataType::Utf8View | DataType::LargeUtf8
        );
        let kernel = pattern
            .filter(|_| string)
            .and_then(|p| kqlite_functions::regex_match::call(l.clone(), &p));
        Ok(kernel.unwrap_or_else(|| regexp_like(l, r, None)))
    }
}

/// `* has "x"`: the test over the text of every column, true when any passes (so `* !has "x"`
/// is true when none has it).
pub(crate) fn any_column(schema: &DFSchema, test: impl Fn(Expr) -> Expr) -> Expr {
    schema
        .iter()
        .filter(|(_, f)| !matches!(f.name().as_str(), "$table" | "source_"))
        .map(|(q, f)| {
            let column = Expr::Column((q, f).into());
            let text = if crate::functions::is_text(f.data_type()) {
                column
            } else {
                crate::functions::to_string_typed(column, f.data_type())
            };
            test(text)
        })
        .reduce(Expr::or)
        .unwrap_or_else(|| lit(false))
}

/// Operands the operator does not combine (`"a" + "b"`, `dynamic * dynamic`), in Kusto's
/// types rather than Arrow's.
fn mismatched_operands(op: BinaryOp, lt: &DataType, rt: &DataType, span: Span) -> PlanError {
    let name = crate::operators::kusto_type_name;
    PlanError::user(
        span,
        format!(
            "the operator '{}' cannot combine {} and {}",
            op.spelling(),
            name(lt),
            name(rt)
        ),
    )
    .with_help("convert the operands first, as with tolong(), todouble() or strcat()")
}

pub(crate) fn is_comparison(op: Operator) -> bool {
    matches!(
        op,
        Operator::Eq
            | Operator::NotEq
            | Operator::Lt
            | Operator::LtEq
            | Operator::Gt
            | Operator::GtEq
    )
}

fn sql_operator(op: BinaryOp, span: Span) -> PlanResult<Operator> {
    Ok(match op {
        BinaryOp::Or => Operator::Or,
        BinaryOp::And => Operator::And,
        BinaryOp::Eq => Operator::Eq,
        BinaryOp::NotEq => Operator::NotEq,
        BinaryOp::Lt => Operator::Lt,
        BinaryOp::LtEq => Operator::LtEq,
        BinaryOp::Gt => Operator::Gt,
        BinaryOp::GtEq => Operator::GtEq,
        BinaryOp::Add => Operator::Plus,
        BinaryOp::Sub => Operator::Minus,
        BinaryOp::Mul => Operator::Multiply,
        BinaryOp::Div => Operator::Divide,
        BinaryOp::Mod => Operator::Modulo,
        BinaryOp::MatchesRegex => Operator::RegexMatch,
        other => {
            return Err(PlanError::not_supported(
                span,
                format!("the operator '{}'", other.spelling()),
            ))
        }
    })
}

/// Operands brought to types that combine as Kusto combines them: a dynamic value (JSON text)
/// with a number as a number (null when it is not one) rather than the number's digits as
/// text; in comparisons, a bool with a number as 0/1 and a bool with text as its name.
fn operands(
    op: Operator,
    l: Expr,
    r: Expr,
    lt: DataType,
    rt: DataType,
) -> (Expr, Expr, DataType, DataType) {
    let long = |e: Expr| cast(e, DataType::Int64);
    let text = |e: Expr| cast(e, DataType::Utf8);
    let as_text = crate::kernels::dynamic_text::call;
    let number = |e: Expr, t: &DataType| match is_dynamic(t) {
        true => try_cast(as_text(e), DataType::Float64),
        false => try_cast(e, DataType::Float64),
    };
    let comparison = is_comparison(op);
    match (&lt, &rt) {
        (d, t) if comparison && is_dynamic(d) && is_text(t) => (as_text(l), r, DataType::Utf8, rt),
        (t, d) if comparison && is_dynamic(d) && is_text(t) => (l, as_text(r), lt, DataType::Utf8),
        (t, n) if t.is_string() && n.is_numeric() => (number(l, t), r, DataType::Float64, rt),
        (n, t) if t.is_string() && n.is_numeric() => (l, number(r, t), lt, DataType::Float64),
        _ if !comparison => (l, r, lt, rt),
        (DataType::Boolean, t) if t.is_integer() => (long(l), r, DataType::Int64, rt),
        (t, DataType::Boolean) if t.is_integer() => (l, long(r), lt, DataType::Int64),
        (DataType::Boolean, t) if t.is_string() => (text(l), lower(r), DataType::Utf8, rt),
        (t, DataType::Boolean) if t.is_string() => (lower(l), text(r), lt, DataType::Utf8),
        _ => (l, r, lt, rt),
    }
}

fn compare(l: Expr, op: Operator, r: Expr, lt: &DataType, rt: &DataType) -> Expr {
    let mut expr = binary_expr(l.clone(), op, r.clone());
    // Arrow orders reals totally (NaN above everything); Kusto compares them as IEEE does.
    for (operand, t) in [(l.clone(), lt), (r.clone(), rt)] {
        if t.is_floating() {
            let nan = isnan(operand);
            expr = if op == Operator::NotEq {
                expr.or(nan)
            } else {
                expr.and(!nan)
            };
        }
    }
    match op {
        Operator::Eq | Operator::NotEq => null_equality(expr, op, l, r),
        _ => expr,
    }
}

/// Kusto's `==` and `!=` with a null: `false` and `true` against a value, null between two
/// nulls. Against a literal only the first can happen.
fn null_equality(test: Expr, op: Operator, l: Expr, r: Expr) -> Expr {
    let equal = op == Operator::Eq;
    let literal = |e: &Expr| matches!(e, Expr::Literal(v, _) if !v.is_null());
    if literal(&l) || literal(&r) {
        return null_as(test, !equal);
    }
    // nullif(x, v): null where x is v, so the fallback is null only when both are null.
    let fallback = match equal {
        true => nullif(l.is_null().and(r.is_null()), lit(true)),
        false => nullif(l.is_not_null().or(r.is_not_null()), lit(false)),
    };
    coalesce(vec![test, fallback])
}

/// `coalesce(test, value)`: Kusto's answer where SQL's would be null. (Not `IS TRUE`, whose
/// nullability DataFusion states differently in logical and physical plans.)
pub(crate) fn null_as(test: Expr, value: bool) -> Expr {
    coalesce(vec![test, lit(value)])
}

fn arithmetic(l: Expr, op: Operator, r: Expr, lt: &DataType, rt: &DataType) -> Expr {
    if let Some(expr) = timespan_arithmetic(op, &l, &r, lt, rt) {
        return expr;
    }
    let decimal = |t: &DataType| matches!(t, DataType::Decimal128(..));
    if decimal(lt) || decimal(rt) {
        return decimal_arithmetic(l, op, r);
    }
    if !(lt.is_integer() && rt.is_integer()) {
        return match op {
            Operator::Modulo if lt.is_numeric() && rt.is_numeric() => non_negative(l, r, 0.0),
            _ => binary_expr(l, op, r),
        };
    }
    let long = |e: Expr, t: &DataType| {
        if *t == DataType::Int64 {
            e
        } else {
            cast(e, DataType::Int64)
        }
    };
    let (l, r) = (long(l, lt), long(r, rt));
    match op {
        Operator::Divide => binary_expr(l, op, nullif(r, lit(0i64))),
        Operator::Modulo => non_negative(l, nullif(r, lit(0i64)), 0i64),
        _ => binary_expr(l, op, r),
    }
}

/// A decimal with anything numeric is a decimal: exact sums and differences; products and
/// quotients through reals (what an `i128` at 18 digits of scale cannot hold).
fn decimal_arithmetic(l: Expr, op: Operator, r: Expr) -> Expr {
    let decimal = |e: Expr| cast(e, crate::literals::decimal_type());
    let real = |e: Expr| cast(e, DataType::Float64);
    match op {
        Operator::Plus | Operator::Minus => decimal(binary_expr(decimal(l), op, decimal(r))),
        Operator::Modulo => decimal(non_negative(real(l), real(r), 0.0)),
        _ => decimal(binary_expr(real(l), op, real(r))),
    }
}

/// `l % r` moved into `[0, |r|)`.
fn non_negative<Z: datafusion::logical_expr::Literal>(l: Expr, r: Expr, zero: Z) -> Expr {
    let remainder = binary_expr(l, Operator::Modulo, r.clone());
    when(remainder.clone().lt(lit(zero)), remainder.clone() + abs(r))
        .otherwise(remainder)
        .expect("a one-branch CASE builds")
}

/// Timespans scale by numbers (`2 * 1h`, `1d / 4`), divide into ratios (`1d / 1h`) and
/// leave remainders (`1h % 25m`), which Arrow's duration arithmetic lacks: computed on
/// nanoseconds.
fn timespan_arithmetic(
    op: Operator,
    l: &Expr,
    r: &Expr,
    lt: &DataType,
    rt: &DataType,
) -> Option<Expr> {
    if !matches!(op, Operator::Multiply | Operator::Divide | Operator::Modulo) {
        return None;
    }
    let is_span = |t: &DataType| matches!(t, DataType::Duration(_));
    let nanos = |e: &Expr| cast(e.clone(), DataType::Int64);
    let real = |e: Expr| cast(e, DataType::Float64);
    let span_of = |e: Expr| {
        let whole = cast(e, DataType::Int64);
        cast(whole, DataType::Duration(TimeUnit::Nanosecond))
    };
    match (is_span(lt), is_span(rt)) {
        // A remainder of timespans is a timespan, by the rule of longs' remainders.
        (true, true) if op == Operator::Modulo => Some(span_of(non_negative(
            nanos(l),
            nullif(nanos(r), lit(0i64)),
            0i64,
        ))),
        (true, _) | (_, true) if op == Operator::Modulo => None,
        (true, true) if op == Operator::Divide => {
            Some(binary_expr(real(nanos(l)), op, real(nanos(r))))
        }
        (true, false) if rt.is_numeric() => {
            Some(span_of(binary_expr(real(nanos(l)), op, real(r.clone()))))
        }
        (false, true) if lt.is_numeric() && op == Operator::Multiply => {
            Some(span_of(binary_expr(real(l.clone()), op, real(nanos(r)))))
        }
        _ => None,
    }
}
