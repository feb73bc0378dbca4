//! An optimizer rule for dynamic values read at several paths. Each `d.x` is a
//! `kql_json_get(d, "x")` that walks `d`'s text; where one projection or aggregation reads two
//! or more constant paths of the same value (`extend a = d.x, b = d.y`), they become the
//! columns (`kql_path_value`) of one `kql_json_paths(d, [["x"], ["y"]])`, which common
//! subexpression elimination (run after this rule) computes once: the value is read once per
//! row, not once per path.

use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::expr::ScalarFunction;
use datafusion::logical_expr::expr_rewriter::NamePreserver;
use datafusion::logical_expr::{lit, Expr, LogicalPlan, ScalarUDF};
use datafusion::optimizer::optimizer::ApplyOrder;
use datafusion::optimizer::{OptimizerConfig, OptimizerRule};
use kqlite_functions::json::MAX_PATHS;
use kqlite_functions::json_paths::{paths_argument, JsonPaths, PathValue};
use serde_json::Value;

#[derive(Debug, Default)]
pub struct ReadPathsTogether;

/// A dynamic value and the constant paths read from it.
type Shared = Vec<(Expr, Vec<Vec<Value>>)>;

impl OptimizerRule for ReadPathsTogether {
    fn name(&self) -> &str {
        "kql_read_paths_together"
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
        if !matches!(plan, LogicalPlan::Projection(_) | LogicalPlan::Aggregate(_)) {
            return Ok(Transformed::no(plan));
        }
        let shared = shared_paths(&plan)?;
        if shared.is_empty() {
            return Ok(Transformed::no(plan));
        }
        let names = NamePreserver::new(&plan);
        plan.map_expressions(|e| {
            let name = names.save(&e);
            let rewritten = e.transform_down(|e| Ok(read_together(e, &shared)))?;
            Ok(rewritten.update_data(|e| name.restore(e)))
        })
    }
}

/// The values of `plan`'s expressions read at two or more constant paths, with the paths.
fn shared_paths(plan: &LogicalPlan) -> Result<Shared> {
    let mut found: Shared = Vec::new();
    plan.apply_expressions(|e| {
        e.apply(|e| {
            if let Some((value, path)) = path_read(e) {
                match found.iter_mut().find(|(v, _)| v == value) {
                    Some((_, paths)) if !paths.contains(&path) => paths.push(path),
                    Some(_) => {}
                    None => found.push((value.clone(), vec![path])),
                }
            }
            Ok(TreeNodeRecursion::Continue)
        })
    })?;
    found.retain(|(_, paths)| (2..=MAX_PATHS).contains(&paths.len()));
    Ok(found)
}

/// `(d, path)` when `expr` is `kql_json_get(d, step...)` with constant steps.
fn path_read(expr: &Expr) -> Option<(&Expr, Vec<Value>)> {
    let Expr::ScalarFunction(ScalarFunction { func, args }) = expr else {
        return None;
    };
    if func.name() != "kql_json_get" || args.len() < 2 {
        return None;
    }
    let steps = args[1..].iter().map(step).collect::<Option<Vec<_>>>()?;
    Some((&args[0], steps))
}

/// A constant step: a name as a string, a position as an integer.
fn step(arg: &Expr) -> Option<Value> {
    let Expr::Literal(value, _) = arg else {
        return None;
    };
    match value {
        ScalarValue::Utf8(Some(s))
        | ScalarValue::LargeUtf8(Some(s))
        | ScalarValue::Utf8View(Some(s)) => Some(Value::from(s.as_str())),
        ScalarValue::Int64(Some(n)) => Some(Value::from(*n)),
        ScalarValue::Int32(Some(n)) => Some(Value::from(*n)),
        _ => None,
    }
}

/// A shared path read as its field of the value's `kql_json_paths`.
fn read_together(expr: Expr, shared: &Shared) -> Transformed<Expr> {
    let field = path_read(&expr).and_then(|(value, path)| {
        let (value, paths) = shared.iter().find(|(v, _)| v == value)?;
        let position = paths.iter().position(|p| *p == path)?;
        let all = ScalarUDF::new_from_impl(JsonPaths::default());
        let all = all.call(vec![value.clone(), lit(paths_argument(paths))]);
        let one = ScalarUDF::new_from_impl(PathValue::default());
        Some(one.call(vec![all, lit(position as i64)]))
    });
    match field {
        Some(field) => Transformed::new(field, true, TreeNodeRecursion::Jump),
        None => Transformed::no(expr),
    }
}
