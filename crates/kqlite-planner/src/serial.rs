//! The order of a serialized row set. Kusto numbers rows (`row_number`, `prev`, `next`,
//! `row_cumsum`) and builds lists (`make_list`) in the order the last `sort` left them.
//! DataFusion may split a stream into partitions between two operators and merge them in any
//! order, so that order is restated where it is needed: as the keys of the nearest sort below,
//! carried up through the nodes that keep row order.

use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, HashMap};
use datafusion::logical_expr::{Expr, LogicalPlan, SortExpr};

/// The sort keys `plan`'s rows are in, over its output columns; empty when none is known.
/// Keys lost on the way (a column projected away or recomputed) end the list there.
pub(crate) fn serial_order(plan: &LogicalPlan) -> Vec<SortExpr> {
    match plan {
        LogicalPlan::Sort(sort) => sort.expr.iter().map_while(unqualified).collect(),
        LogicalPlan::Filter(f) => serial_order(&f.input),
        LogicalPlan::Limit(l) => serial_order(&l.input),
        LogicalPlan::Window(w) => serial_order(&w.input),
        LogicalPlan::SubqueryAlias(a) => serial_order(&a.input),
        // Kusto leaves the order of `summarize` groups open; reading them by key keeps what
        // follows (a `make_list` of them) from depending on thread timing.
        LogicalPlan::Aggregate(a) => a
            .schema
            .fields()
            .iter()
            .take(a.group_expr.len())
            .map(|f| Expr::Column(Column::from_name(f.name())).sort(true, true))
            .collect(),
        LogicalPlan::Projection(p) => {
            let renamed = pass_through(&p.expr);
            serial_order(&p.input)
                .into_iter()
                .map_while(|key| rename(key, &renamed))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Input column name -> output name, for the expressions that only pass a column on.
fn pass_through(exprs: &[Expr]) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for expr in exprs {
        match expr {
            Expr::Column(c) => {
                names.insert(c.name.clone(), c.name.clone());
            }
            Expr::Alias(alias) => {
                if let Expr::Column(c) = alias.expr.as_ref() {
                    names.insert(c.name.clone(), alias.name.clone());
                }
            }
            _ => {}
        }
    }
    names
}

fn unqualified(key: &SortExpr) -> Option<SortExpr> {
    let expr = key
        .expr
        .clone()
        .transform_up(|e| match e {
            Expr::Column(c) => Ok(Transformed::yes(Expr::Column(Column::from_name(c.name)))),
            other => Ok(Transformed::no(other)),
        })
        .ok()?
        .data;
    Some(SortExpr {
        expr,
        ..key.clone()
    })
}

/// The key over a projection's output, when each column it reads is passed on.
fn rename(key: SortExpr, renamed: &HashMap<String, String>) -> Option<SortExpr> {
    let mut lost = false;
    let expr = key
        .expr
        .transform_up(|e| match e {
            Expr::Column(c) => match renamed.get(&c.name) {
                Some(name) => Ok(Transformed::yes(Expr::Column(Column::from_name(name)))),
                None => {
                    lost = true;
                    Ok(Transformed::no(Expr::Column(c)))
                }
            },
            other => Ok(Transformed::no(other)),
        })
        .ok()?
        .data;
    (!lost).then_some(SortExpr { expr, ..key })
}

/// Whether `plan`'s rows are a serialized row set, as Kusto's window functions require: the
/// output of `sort`, `top`, `serialize` (a limit with no bound, see [`serialized`]), `print`
/// and `range`, through the operators that keep row order.
pub(crate) fn is_serialized(plan: &LogicalPlan) -> bool {
    match plan {
        LogicalPlan::Sort(_) | LogicalPlan::EmptyRelation(_) => true,
        LogicalPlan::Limit(l) if is_marker(l) => true,
        LogicalPlan::Filter(f) => is_serialized(&f.input),
        LogicalPlan::Limit(l) => is_serialized(&l.input),
        LogicalPlan::Window(w) => is_serialized(&w.input),
        LogicalPlan::SubqueryAlias(a) => is_serialized(&a.input),
        LogicalPlan::Projection(p) => is_serialized(&p.input),
        LogicalPlan::Unnest(u) => is_serialized(&u.input),
        _ => false,
    }
}

fn is_marker(limit: &datafusion::logical_expr::Limit) -> bool {
    use datafusion::logical_expr::{FetchType, SkipType};
    matches!(limit.get_skip_type(), Ok(SkipType::Literal(0)))
        && matches!(limit.get_fetch_type(), Ok(FetchType::Literal(None)))
}

/// `plan` marked as serialized: a limit with no bound, which DataFusion's optimizer removes.
pub(crate) fn serialized(plan: LogicalPlan) -> datafusion::error::Result<LogicalPlan> {
    datafusion::logical_expr::LogicalPlanBuilder::from(plan)
        .limit(0, None)?
        .build()
}
