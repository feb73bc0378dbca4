//! An optimizer rule for dynamic columns. A `dynamic` column is marked by its type: the
//! scanned string is cast to `LargeUtf8` (see `planner::kusto_columns`), a copy of every value.
//! Where only the text matters, the cast is dropped and the scanned column read as it is: the
//! first argument of the JSON readers, and comparisons with a string literal (`isnotempty`),
//! whose answers a string cast does not change. Read straight from a dictionary-encoded scan,
//! the readers also meet each distinct value once (see `rowwise::run`).

use datafusion::arrow::datatypes::DataType;
use std::sync::Arc;

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Column, DFSchema, ExprSchema, Result};
use datafusion::logical_expr::expr::{Cast, ScalarFunction};
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{BinaryExpr, Expr, ExprSchemable, LogicalPlan, Projection};
use datafusion::optimizer::optimizer::ApplyOrder;
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};

use crate::binary::is_comparison;

/// The functions whose first argument is read as JSON text whatever its type.
const JSON_READERS: [&str; 4] = [
    "kql_json_get",
    "kql_json_paths",
    "kql_mv_items",
    "array_length",
];

#[derive(Debug, Default)]
pub struct ReadDynamicDirectly;

impl OptimizerRule for ReadDynamicDirectly {
    fn name(&self) -> &str {
        "kql_read_dynamic_directly"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::BottomUp)
    }

    fn supports_rewrite(&self) -> bool {
        true
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        let plan = read_through_projection(plan)?;
        if plan.transformed {
            return Ok(plan);
        }
        let plan = plan.data;
        let schema = match &plan {
            LogicalPlan::TableScan(_) => return Ok(Transformed::no(plan)),
            other => match other.inputs().as_slice() {
                [input] => input.schema().clone(),
                _ => return Ok(Transformed::no(plan)),
            },
        };
        let names = NamePreserver::new(&plan);
        plan.map_expressions(|e| {
            let name = names.save(&e);
            let rewritten = e.transform_up(|e| uncast(e, &schema))?;
            Ok(rewritten.update_data(|e| name.restore(e)))
        })
    }
}

/// An aggregate or projection over a projection that marks dynamic columns
/// (`CAST(c AS LargeUtf8) AS n`): where the one above reads `n` only as the JSON readers' first
/// argument, the projection passes `c` as it is (`summarize sum(array_length(d))`).
fn read_through_projection(plan: LogicalPlan) -> Result<Transformed<LogicalPlan>> {
    if !matches!(plan, LogicalPlan::Aggregate(_) | LogicalPlan::Projection(_)) {
        return Ok(Transformed::no(plan));
    }
    let [LogicalPlan::Projection(below)] = plan.inputs().as_slice() else {
        return Ok(Transformed::no(plan));
    };
    let exprs = plan.expressions();
    let mut changed = false;
    let mut passed = below.expr.clone();
    for (k, expr) in passed.iter_mut().enumerate() {
        let Expr::Alias(alias) = expr else { continue };
        let Some(text) = scanned_text(&alias.expr, below.input.schema()) else {
            continue;
        };
        let column = Column::from(below.schema.qualified_field(k));
        if exprs.iter().all(|e| read_as_text_only(e, &column)) {
            *alias.expr = text;
            changed = true;
        }
    }
    if !changed {
        return Ok(Transformed::no(plan));
    }
    let below = Projection::try_new(passed, Arc::clone(&below.input))?;
    let plan = plan.with_new_exprs(exprs, vec![LogicalPlan::Projection(below)])?;
    Ok(Transformed::yes(plan))
}

/// Whether every use of `column` in `expr` is a JSON reader's first argument.
fn read_as_text_only(expr: &Expr, column: &Column) -> bool {
    let (mut uses, mut as_text) = (0, 0);
    expr.apply(|e| {
        match e {
            Expr::Column(c) if c == column => uses += 1,
            Expr::ScalarFunction(call) if reads_json(call) => {
                as_text += usize::from(matches!(&call.args[0], Expr::Column(c) if c == column));
            }
            _ => {}
        }
        Ok(TreeNodeRecursion::Continue)
    })
    .expect("visiting an expression cannot fail");
    uses == as_text
}

fn uncast(expr: Expr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    Ok(match expr {
        Expr::ScalarFunction(mut call) if reads_json(&call) => {
            match scanned_text(&call.args[0], schema) {
                Some(text) => {
                    call.args[0] = text;
                    Transformed::yes(Expr::ScalarFunction(call))
                }
                None => Transformed::no(Expr::ScalarFunction(call)),
            }
        }
        Expr::IsNotNull(inner) => match scanned_text(&inner, schema) {
            Some(text) => Transformed::yes(text.is_not_null()),
            None => Transformed::no(Expr::IsNotNull(inner)),
        },
        Expr::IsNull(inner) => match scanned_text(&inner, schema) {
            Some(text) => Transformed::yes(text.is_null()),
            None => Transformed::no(Expr::IsNull(inner)),
        },
        Expr::BinaryExpr(binary) => compared(binary, schema)?,
        other => Transformed::no(other),
    })
}

fn reads_json(call: &ScalarFunction) -> bool {
    JSON_READERS.contains(&call.func.name()) && !call.args.is_empty()
}

/// `x` when `expr` is `CAST(x AS LargeUtf8)` and `x` is already text.
fn scanned_text(expr: &Expr, schema: &DFSchema) -> Option<Expr> {
    let Expr::Cast(Cast { expr, field }) = expr else {
        return None;
    };
    let found = schema.data_type(&column_of(expr)?).ok()?;
    let is_text = matches!(found, DataType::Utf8 | DataType::Utf8View);
    (*field.data_type() == DataType::LargeUtf8 && is_text).then(|| expr.as_ref().clone())
}

fn column_of(expr: &Expr) -> Option<datafusion::common::Column> {
    match expr {
        Expr::Column(c) => Some(c.clone()),
        _ => None,
    }
}

/// `CAST(x AS LargeUtf8) == "lit"` (or `!=`, `<`...) as `x == "lit"`, the literal in x's type.
fn compared(binary: BinaryExpr, schema: &DFSchema) -> Result<Transformed<Expr>> {
    let BinaryExpr { left, op, right } = binary;
    let literal = match right.as_ref() {
        Expr::Literal(value, _) if value.data_type() == DataType::LargeUtf8 => Some(value),
        _ => None,
    };
    let text = scanned_text(&left, schema);
    match (text, literal, is_comparison(op)) {
        (Some(text), Some(value), true) => {
            let wanted = text.get_type(schema)?;
            let value = value.cast_to(&wanted)?;
            let right = Expr::Literal(value, None);
            Ok(Transformed::yes(Expr::BinaryExpr(BinaryExpr::new(
                Box::new(text),
                op,
                Box::new(right),
            ))))
        }
        _ => Ok(Transformed::no(Expr::BinaryExpr(BinaryExpr::new(
            left, op, right,
        )))),
    }
}
