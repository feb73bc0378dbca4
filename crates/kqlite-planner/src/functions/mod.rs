//! The scalar function catalogue. [`Planner::call`] is the single entry: aggregates go to
//! `aggregates.rs`, everything else to one family (`strings`, `dynamic`, `datetime`, `math`),
//! each a `match` on the function name lowered onto DataFusion expressions or our kernels.

pub(crate) mod datetime;
mod dynamic;
mod math;
mod series;

pub(crate) use math::{cast_only_value, typed_value};
mod strings;

use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::common::DFSchema;
use datafusion::functions::expr_fn::coalesce;
use datafusion::logical_expr::{binary_expr, cast, lit, Expr, ExprSchemable, Operator};
use kqlite_parser::{ast, ExprKind, Literal, Span};

use crate::error::{ErrorKind, PlanError, PlanResult, WithSpan};
use crate::kernels::rowwise::{self, RowFn};
use crate::literals::string;
use crate::planner::Planner;

/// `pack_all()`'s own call: a bag of every column, not limited as `bag_pack` calls are.
pub(crate) const PACK_COLUMNS: &str = "__kql_pack_columns";

/// One call being lowered.
pub(crate) struct Call<'a> {
    pub f: &'a str,
    pub args: &'a [ast::Expr],
    pub schema: &'a DFSchema,
    pub span: Span,
}

impl Call<'_> {
    pub fn arity(&self, min: usize, max: usize) -> PlanResult<()> {
        check_arity(self.f, self.args, min, max, self.span)
    }

    /// Argument `i` when it is a string constant (a part name, a format).
    pub fn constant_text(&self, i: usize) -> PlanResult<&str> {
        match self.args.get(i).map(|a| &a.node) {
            Some(ExprKind::Literal(Literal::String(s))) => Ok(s),
            Some(ExprKind::Name(s)) => Ok(s),
            _ => Err(PlanError::user(
                self.args.get(i).map_or(self.span, |a| a.span),
                format!("{}() needs a constant string here", self.f),
            )),
        }
    }
}

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
        let call = Call {
            f: name.node.as_str(),
            args,
            schema,
            span,
        };
        if let Some(lowered) = self.datetime_call(&call) {
            return lowered;
        }
        if let Some(lowered) = self.string_call(&call) {
            return lowered;
        }
        if let Some(lowered) = self.dynamic_call(&call) {
            return lowered;
        }
        if let Some(lowered) = self.math_call(&call) {
            return lowered;
        }
        if let Some(lowered) = self.series_call(&call) {
            return lowered;
        }
        Err(unknown_function(call.f, name.span))
    }

    /// The arguments lowered, after checking their count.
    pub(crate) fn lower_args(&mut self, c: &Call, min: usize, max: usize) -> PlanResult<Vec<Expr>> {
        c.arity(min, max)?;
        c.args.iter().map(|a| self.scalar(a, c.schema)).collect()
    }

    /// The arguments lowered, those at `texts` as strings (Kusto's `tostring`).
    pub(crate) fn text_args(
        &mut self,
        c: &Call,
        min: usize,
        max: usize,
        texts: &[usize],
    ) -> PlanResult<Vec<Expr>> {
        let mut lowered = self.lower_args(c, min, max)?;
        for &i in texts {
            if let Some(e) = lowered.get_mut(i) {
                *e = self.as_text(e.clone(), c.schema, c.span)?;
            }
        }
        Ok(lowered)
    }

    /// A row kernel over the arguments (those at `texts` as strings).
    pub(crate) fn row_kernel(
        &mut self,
        c: &Call,
        (min, max): (usize, usize),
        texts: &[usize],
        f: RowFn,
    ) -> PlanResult<Expr> {
        let args = self.text_args(c, min, max, texts)?;
        Ok(rowwise::call(c.f, f, args))
    }

    /// The type of `e`; inside summarize it may name an aggregate output the input lacks.
    pub(crate) fn type_of(&self, e: &Expr, schema: &DFSchema, span: Span) -> PlanResult<DataType> {
        let direct = e.get_type(schema);
        let Some(sink) = self.aggregate_sink.as_ref().filter(|_| direct.is_err()) else {
            return direct.at(span);
        };
        let mut fields = Vec::new();
        for item in sink {
            if let Expr::Alias(alias) = item {
                let t = alias.expr.get_type(schema).at(span)?;
                fields.push(Field::new(&alias.name, t, true));
            }
        }
        let outputs = DFSchema::try_from(Schema::new(fields)).at(span)?;
        let mut extended = schema.clone();
        extended.merge(&outputs);
        e.get_type(&extended).at(span)
    }

    /// Kusto's `tostring` of `e` (strings as they are, null as "").
    pub(crate) fn as_text(&self, e: Expr, schema: &DFSchema, span: Span) -> PlanResult<Expr> {
        match self.type_of(&e, schema, span)? {
            t if is_text(&t) => Ok(e),
            t => Ok(to_string_typed(e, &t)),
        }
    }
}

/// A `string` column (a `dynamic` one is `LargeUtf8`, see `literals::dynamic_type`).
pub(crate) fn is_text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8 | DataType::Utf8View)
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
    } else if max == usize::MAX {
        format!("at least {min}")
    } else {
        format!("{min} to {max}")
    };
    Err(PlanError::user(
        span,
        format!("{f}() takes {wanted} argument(s), got {}", args.len()),
    ))
}

fn unknown_function(name: &str, span: Span) -> PlanError {
    if name == "geo_info_from_ip_address" {
        return PlanError {
            kind: ErrorKind::NotSupported,
            span,
            message: format!("needs online enrichment: {name}"),
            help: None,
        };
    }
    PlanError::not_supported(span, format!("function '{name}'"))
}

/// Kusto's `isempty`: an empty string, or a null of any type.
fn is_empty(e: Expr, t: &DataType) -> Expr {
    if is_text(t) || crate::literals::is_dynamic(t) {
        return e
            .clone()
            .is_null()
            .or(binary_expr(e, Operator::Eq, lit(string(""))));
    }
    e.is_null()
}

/// Kusto's `tostring`: text of the value, and an empty string for null.
pub(crate) fn to_string(e: Expr, schema: &DFSchema, span: Span) -> PlanResult<Expr> {
    let t = e.get_type(schema).at(span)?;
    Ok(to_string_typed(e, &t))
}

pub(crate) fn to_string_typed(e: Expr, t: &DataType) -> Expr {
    let text = match t {
        t if is_text(t) => e,
        DataType::Timestamp(..) => {
            crate::kernels::time::call(crate::kernels::time::TimeOp::DateText, vec![e])
        }
        DataType::Duration(_) => {
            crate::kernels::time::call(crate::kernels::time::TimeOp::SpanText, vec![e])
        }
        // A decimal without the zeros its fixed scale adds: `100`, `0.5`.
        DataType::Decimal128(..) => {
            let f = datafusion::functions::expr_fn::rtrim;
            f(vec![f(vec![cast(e, DataType::Utf8), lit("0")]), lit(".")])
        }
        t if crate::literals::is_dynamic(t) => crate::kernels::dynamic_text::call(e),
        // .NET's names: `True`, `False`.
        DataType::Boolean => datafusion::logical_expr::when(e.clone(), lit("True"))
            .when(!e, lit("False"))
            .end()
            .expect("a CASE with branches builds"),
        // .NET's names of the infinities (Arrow writes `inf`).
        DataType::Float64 | DataType::Float32 => {
            datafusion::logical_expr::when(e.clone().eq(lit(f64::INFINITY)), lit("Infinity"))
                .when(e.clone().eq(lit(f64::NEG_INFINITY)), lit("-Infinity"))
                .otherwise(cast(e, DataType::Utf8))
                .expect("a CASE with branches builds")
        }
        _ => cast(e, DataType::Utf8),
    };
    coalesce(vec![text, lit(string(""))])
}
