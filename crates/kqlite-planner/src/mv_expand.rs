//! `mv-expand`: one row per item of dynamic arrays and bags, several columns in parallel.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Column, UnnestOptions};
use datafusion::functions::expr_fn::{coalesce, greatest};
use datafusion::functions_nested::expr_fn::{cardinality, range};
use datafusion::logical_expr::{cast, col, lit, Expr, LogicalPlan, LogicalPlanBuilder, ScalarUDF};
use kqlite_parser::{ExprKind, MvExpand, ScalarType, Span};

use crate::error::{build, PlanError, PlanResult};
use crate::join::option_word;
use crate::kernels::MvItems;
use crate::names::column_names;
use crate::planner::Planner;

/// One expanded column: its output name, temporary list column and target type.
struct Expansion {
    name: String,
    list: String,
    to_type: Option<ScalarType>,
}

impl Planner<'_> {
    pub(crate) fn mv_expand(
        &mut self,
        plan: LogicalPlan,
        mv: &MvExpand,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let schema = plan.schema().clone();
        let kind =
            option_word(&mv.options, "bagexpansion").or_else(|| option_word(&mv.options, "kind"));
        let kind = lit(kind.unwrap_or_else(|| "bag".to_string()));
        let index_column = option_word(&mv.options, "with_itemindex");
        let items = Arc::new(ScalarUDF::new_from_impl(MvItems::default()));

        let mut exprs: Vec<Expr> = schema
            .iter()
            .map(|(q, f)| Expr::Column((q, f).into()))
            .collect();
        let mut expansions = Vec::new();
        let mut lists_made: Vec<Expr> = Vec::new();
        for (i, column) in mv.columns.iter().enumerate() {
            let (name, value) = expansion_name(&column.expr, &schema);
            let lowered = self.scalar(value, &schema)?;
            let found = self.type_of(&lowered, &schema, value.span)?;
            if !(crate::literals::is_dynamic(&found) || crate::functions::is_text(&found)) {
                return Err(PlanError::user(
                    value.span,
                    format!(
                        "mv-expand needs a dynamic array, found {}",
                        crate::operators::kusto_type_name(&found)
                    ),
                ));
            }
            let list = format!("__kql_mv_{i}");
            let call = items.call(vec![lowered, kind.clone()]);
            lists_made.push(call.clone());
            exprs.push(call.alias(&list));
            let to_type = column
                .to_type
                .as_ref()
                .map(|t| scalar_type(&t.node, t.span))
                .transpose()?;
            expansions.push(Expansion {
                name,
                list,
                to_type,
            });
        }
        let limit = mv.limit.as_ref().map(|n| self.row_count(n)).transpose()?;
        let index =
            (index_column.is_some() || limit.is_some()).then(|| "__kql_mv_index".to_string());
        if let Some(index) = &index {
            // The arrays expand in parallel: the index runs over the longest one.
            let lengths = lists_made.iter().map(|l| {
                coalesce(vec![
                    cast(cardinality(l.clone()), DataType::Int64),
                    lit(0i64),
                ])
            });
            let count = greatest(lengths.collect());
            exprs.push(range(lit(0i64), count, lit(1i64)).alias(index));
        }
        let lists = crate::projection::project(plan, exprs, span)?;
        let mut unnest: Vec<Column> = expansions
            .iter()
            .map(|e| Column::from_name(e.list.clone()))
            .collect();
        unnest.extend(index.iter().map(|i| Column::from_name(i.clone())));
        let expanded = build(
            LogicalPlanBuilder::from(lists)
                .unnest_columns_with_options(unnest, UnnestOptions::default()),
            span,
        )?;
        let expanded = match (limit, &index) {
            (Some(n), Some(index)) => {
                let keep = col(Column::from_name(index.clone())).lt(lit(n as i64));
                build(LogicalPlanBuilder::from(expanded).filter(keep), span)?
            }
            _ => expanded,
        };
        let output = output_columns(
            &column_names(&schema),
            &expansions,
            index.as_deref(),
            index_column.as_deref(),
        );
        crate::projection::project(expanded, output, span)
    }
}

/// The input's columns with expanded ones in place, then new ones, then the item index.
fn output_columns(
    input: &[String],
    expansions: &[Expansion],
    index: Option<&str>,
    index_name: Option<&str>,
) -> Vec<Expr> {
    let item = |e: &Expansion| {
        // The items are text: the cast marks them dynamic.
        let value = cast(
            col(Column::from_name(e.list.clone())),
            crate::literals::dynamic_type(),
        );
        let value = match e.to_type {
            Some(t) => crate::functions::cast_only_value(value, t),
            None => value,
        };
        value.alias(&e.name)
    };
    let mut exprs: Vec<Expr> = input
        .iter()
        .map(|name| match expansions.iter().find(|e| &e.name == name) {
            Some(e) => item(e),
            None => col(Column::from_name(name.clone())),
        })
        .collect();
    exprs.extend(
        expansions
            .iter()
            .filter(|e| !input.contains(&e.name))
            .map(item),
    );
    if let (Some(index), Some(name)) = (index, index_name) {
        exprs.push(col(Column::from_name(index)).alias(name));
    }
    exprs
}

fn scalar_type(name: &str, span: Span) -> PlanResult<ScalarType> {
    match ScalarType::from_name(name) {
        Some(t) => Ok(t),
        None => Err(PlanError::user(span, format!("unknown type '{name}'"))),
    }
}

/// The output name of an expanded expression, and the expression to expand.
pub(crate) fn expansion_name<'e>(
    expr: &'e kqlite_parser::ast::Expr,
    schema: &datafusion::common::DFSchema,
) -> (String, &'e kqlite_parser::ast::Expr) {
    match &expr.node {
        ExprKind::Assign { name, value } => (name.node.clone(), value.as_ref()),
        ExprKind::Name(name) => (name.clone(), expr),
        _ => match path_name(expr) {
            Some(name) => (name, expr),
            None => (crate::names::fresh_column_name(&column_names(schema)), expr),
        },
    }
}

/// Kusto names an expanded expression after the path it reads: `parse_json(A).b` is `A_b`.
fn path_name(expr: &kqlite_parser::ast::Expr) -> Option<String> {
    match &expr.node {
        ExprKind::Name(name) => Some(name.clone()),
        ExprKind::Member { target, name } => Some(format!("{}_{}", path_name(target)?, name.node)),
        ExprKind::Index { target, index } => match &index.node {
            ExprKind::Literal(kqlite_parser::Literal::String(key)) => {
                Some(format!("{}_{key}", path_name(target)?))
            }
            _ => path_name(target),
        },
        ExprKind::Call { name, args }
            if args.len() == 1
                && matches!(name.node.as_str(), "parse_json" | "todynamic" | "parsejson") =>
        {
            path_name(&args[0])
        }
        _ => None,
    }
}
