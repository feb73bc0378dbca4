//! `top-nested`: level by level, the top N values of a key by an aggregate, each level
//! within the values kept by the levels above. Level i is `summarize` by the first i+1 keys,
//! ranked within the first i keys and cut at N, then joined to the levels above on those keys.

use datafusion::common::{Column, JoinType};
use datafusion::logical_expr::{cast, col, Expr, LogicalPlan, LogicalPlanBuilder};
use kqlite_parser::{ast, ExprKind, SortOrder, Span, Summarize, TopNestedLevel};

use crate::error::{build, PlanError, PlanResult, WithSpan};
use crate::planner::Planner;
use crate::window::first_rows_per_group;

impl Planner<'_> {
    pub(crate) fn top_nested(
        &mut self,
        plan: LogicalPlan,
        levels: &[TopNestedLevel],
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let mut keys: Vec<String> = Vec::new();
        let mut outputs: Vec<(String, String)> = Vec::new();
        let mut joined: Option<LogicalPlan> = None;
        for (i, level) in levels.iter().enumerate() {
            if level.others.is_some() && levels.len() > 1 {
                return Err(PlanError::not_supported(
                    span,
                    "top-nested with others over several levels",
                ));
            }
            let key = key_name(&level.of, span)?;
            let aggregate = match &level.by.node {
                ExprKind::Assign { name, .. } => name.node.clone(),
                _ => format!("aggregated_{key}"),
            };
            let by: Vec<ast::Expr> = levels[..=i].iter().map(|l| l.of.clone()).collect();
            let summarize = Summarize {
                hints: Vec::new(),
                aggregates: vec![named(&aggregate, &level.by, span)],
                by,
            };
            let grouped = self.summarize(plan.clone(), &summarize, span)?;
            let count = level
                .count
                .as_ref()
                .map(|n| self.row_count(n))
                .transpose()?;
            let ascending = level.order == Some(SortOrder::Asc);
            let mut ranked = top_within(grouped, &keys, &aggregate, count, ascending, span)?;
            if let Some(others) = &level.others {
                ranked =
                    self.with_others(plan.clone(), ranked, level, others, (&key, &aggregate))?;
            }
            let alias = format!("__kql_top_nested_{i}");
            let ranked = build(LogicalPlanBuilder::from(ranked).alias(&alias), span)?;
            joined = Some(match joined {
                None => ranked,
                Some(above) => {
                    let left: Vec<Column> = keys
                        .iter()
                        .enumerate()
                        .map(|(j, k)| Column::new(Some(format!("__kql_top_nested_{j}")), k))
                        .collect();
                    let right: Vec<Column> = keys
                        .iter()
                        .map(|k| Column::new(Some(alias.clone()), k))
                        .collect();
                    build(
                        LogicalPlanBuilder::from(above).join(
                            ranked,
                            JoinType::Inner,
                            (left, right),
                            None,
                        ),
                        span,
                    )?
                }
            });
            keys.push(key.clone());
            outputs.push((key, aggregate));
        }
        let Some(joined) = joined else {
            return Err(PlanError::user(span, "top-nested needs a level"));
        };
        let columns: Vec<Expr> = outputs
            .iter()
            .enumerate()
            .flat_map(|(i, (key, aggregate))| {
                let q = format!("__kql_top_nested_{i}");
                [
                    col(Column::new(Some(q.clone()), key)).alias(key),
                    col(Column::new(Some(q), aggregate)).alias(aggregate),
                ]
            })
            .collect();
        crate::projection::project(joined, columns, span)
    }
}

impl Planner<'_> {
    /// `with others = v`: the top rows and one more, `v` as the key and the aggregate over
    /// every row whose key did not make the top.
    fn with_others(
        &mut self,
        plan: LogicalPlan,
        ranked: LogicalPlan,
        level: &TopNestedLevel,
        others: &ast::Expr,
        (key, aggregate): (&str, &str),
    ) -> PlanResult<LogicalPlan> {
        const ROW_KEY: &str = "__kql_top_nested_key";
        let span = others.span;
        let value = match &level.of.node {
            ExprKind::Assign { value, .. } => value.as_ref(),
            _ => &level.of,
        };
        let row_key = self.scalar(value, plan.schema())?.alias(ROW_KEY);
        let keyed = crate::projection::with_column(plan, row_key, span)?;
        let top = build(
            LogicalPlanBuilder::from(ranked.clone()).project(vec![col(Column::from_name(key))]),
            span,
        )?;
        let rest = build(
            LogicalPlanBuilder::from(keyed).join(
                top,
                JoinType::LeftAnti,
                (
                    vec![Column::from_name(ROW_KEY)],
                    vec![Column::from_name(key)],
                ),
                None,
            ),
            span,
        )?;
        let summarize = Summarize {
            hints: Vec::new(),
            aggregates: vec![named(aggregate, &level.by, span)],
            by: Vec::new(),
        };
        let rest = self.summarize(rest, &summarize, span)?;
        let key_type = ranked
            .schema()
            .field_with_unqualified_name(key)
            .map(|f| f.data_type().clone());
        let other_key = cast(self.scalar(others, rest.schema())?, key_type.at(span)?);
        let other = build(
            LogicalPlanBuilder::from(rest).project(vec![
                other_key.alias(key),
                col(Column::from_name(aggregate)),
            ]),
            span,
        )?;
        build(LogicalPlanBuilder::from(ranked).union(other), span)
    }
}

/// The column a level's `of` names: `Col` or `Name = expr`.
fn key_name(of: &ast::Expr, span: Span) -> PlanResult<String> {
    match &of.node {
        ExprKind::Name(name) => Ok(name.clone()),
        ExprKind::Assign { name, .. } => Ok(name.node.clone()),
        _ => Err(PlanError::user(
            span,
            "top-nested needs a column or Name = expression after 'of'",
        )),
    }
}

/// `name = value`, unless `value` is already named.
fn named(name: &str, value: &ast::Expr, span: Span) -> ast::Expr {
    match &value.node {
        ExprKind::Assign { .. } => value.clone(),
        _ => ast::Spanned::new(
            ExprKind::Assign {
                name: ast::Spanned::new(name.to_string(), span),
                value: Box::new(value.clone()),
            },
            span,
        ),
    }
}

/// The first `count` rows of each group of `within` (all rows when None), by `aggregate`.
fn top_within(
    plan: LogicalPlan,
    within: &[String],
    aggregate: &str,
    count: Option<usize>,
    ascending: bool,
    span: Span,
) -> PlanResult<LogicalPlan> {
    let Some(count) = count else {
        return Ok(plan);
    };
    let partition = within
        .iter()
        .map(|k| col(Column::from_name(k.clone())))
        .collect();
    let order = col(Column::from_name(aggregate)).sort(ascending, !ascending);
    first_rows_per_group(plan, partition, vec![order], count, span)
}
