//! Aggregation functions inside `summarize`, and Kusto's default names for their columns.

use datafusion::common::DFSchema;
use datafusion::functions::expr_fn::coalesce;
use datafusion::functions_aggregate::expr_fn::{avg, count, count_distinct, max, min, sum};
use datafusion::logical_expr::{lit, Expr, ExprFunctionExt};
use kqlite_parser::{ast, ExprKind, Span};

use crate::error::{PlanError, PlanResult, WithSpan};
use crate::functions::check_arity;
use crate::planner::{column, Planner};

/// Aggregates we lower, with the prefix of their default column name.
const AGGREGATES: &[(&str, &str)] = &[
    ("count", "count_"),
    ("countif", "countif_"),
    ("dcount", "dcount_"),
    ("sum", "sum_"),
    ("avg", "avg_"),
    ("min", "min_"),
    ("max", "max_"),
];

pub(crate) fn is_aggregate(name: &str) -> bool {
    AGGREGATES.iter().any(|(n, _)| *n == name)
}

/// Kusto's name for an unnamed aggregate column: `count_`, `sum_X`, `dcount_X`.
pub(crate) fn default_name(call: &ast::Expr) -> Option<String> {
    let ExprKind::Call { name, args } = &call.node else {
        return None;
    };
    let (_, prefix) = AGGREGATES.iter().find(|(n, _)| *n == name.node)?;
    if matches!(name.node.as_str(), "count" | "countif") {
        return Some(prefix.to_string());
    }
    match args.first().map(|a| &a.node) {
        Some(ExprKind::Name(column)) => Some(format!("{prefix}{column}")),
        _ => Some(prefix.to_string()),
    }
}

impl Planner<'_> {
    /// Lowers an aggregate call into the summarize sink; returns a reference to its output.
    pub(crate) fn aggregate_call(
        &mut self,
        name: &ast::Ident,
        args: &[ast::Expr],
        schema: &DFSchema,
        span: Span,
    ) -> PlanResult<Expr> {
        let Some(mut sink) = self.aggregate_sink.take() else {
            return Err(PlanError::user(
                span,
                format!(
                    "the aggregate {}() can only be used in summarize",
                    name.node
                ),
            ));
        };
        let lowered = self.lower_aggregate(&name.node, args, schema, span);
        let result = lowered.map(|aggregate| {
            let alias = format!("__kql_agg_{}", sink.len());
            sink.push(aggregate.alias(&alias));
            column(&alias)
        });
        self.aggregate_sink = Some(sink);
        result.map(|reference| self.aggregate_default(&name.node, reference))
    }

    /// Kusto's value for an empty group: 0 for counts and sums.
    fn aggregate_default(&self, name: &str, reference: Expr) -> Expr {
        match name {
            "sum" => coalesce(vec![reference, lit(0i64)]),
            _ => reference,
        }
    }

    fn lower_aggregate(
        &mut self,
        name: &str,
        args: &[ast::Expr],
        schema: &DFSchema,
        span: Span,
    ) -> PlanResult<Expr> {
        let mut lowered = Vec::with_capacity(args.len());
        for arg in args {
            lowered.push(self.scalar(arg, schema)?);
        }
        let one = |n: usize| check_arity(name, args, n, n, span);
        let first = || lowered[0].clone();
        Ok(match name {
            "count" => {
                check_arity(name, args, 0, 1, span)?;
                count(lit(1i64))
            }
            "countif" => {
                one(1)?;
                count(lit(1i64)).filter(first()).build().at(span)?
            }
            "dcount" => {
                check_arity(name, args, 1, 2, span)?;
                count_distinct(first())
            }
            "sum" => {
                one(1)?;
                sum(first())
            }
            "avg" => {
                one(1)?;
                avg(first())
            }
            "min" => {
                one(1)?;
                min(first())
            }
            "max" => {
                one(1)?;
                max(first())
            }
            other => {
                return Err(PlanError::not_supported(
                    span,
                    format!("aggregate '{other}'"),
                ))
            }
        })
    }
}
