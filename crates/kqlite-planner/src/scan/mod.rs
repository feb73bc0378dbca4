//! `scan`: steps matched against the serialized rows one by one, each step keeping the state
//! of its last match (see Kusto's `scan` documentation for the two checks a row goes
//! through). Conditions and assignments read the row, the declared columns and `step.column`
//! of any step's state; they lower to ordinary expressions over one row ([`node::ScanNode`])
//! and run in [`exec::ScanExec`].

mod exec;
mod node;

use std::sync::Arc;

use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::{Expr, Extension, LogicalPlan};
use kqlite_parser::{ast, ExprKind, ParamType, ScalarType, Scan, Span};

pub use exec::ScanPlanner;
pub(crate) use node::{Output, ScanNode, ScanStepPlan};

use crate::error::{PlanError, PlanResult, WithSpan};
use crate::join::option_word;
use crate::planner::Planner;

/// The column of step `step`'s state holding `name`, in the one-row schema steps read.
pub(crate) fn state_column(step: usize, name: &str) -> String {
    format!("__kql_scan_{step}_{name}")
}

impl Planner<'_> {
    pub(crate) fn scan(
        &mut self,
        plan: LogicalPlan,
        scan: &Scan,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        if !crate::serial::is_serialized(&plan) {
            return Err(PlanError::user(
                span,
                "scan needs a serialized row set: add | serialize or | sort by ... before it",
            ));
        }
        let declared = self.scan_declared(scan)?;
        let step_names: Vec<&str> = scan.steps.iter().map(|s| s.name.node.as_str()).collect();
        let row = row_schema(&plan, &declared, step_names.len(), span)?;
        let mut steps = Vec::with_capacity(scan.steps.len());
        for step in &scan.steps {
            steps.push(self.scan_step(step, &step_names, &declared, &row)?);
        }
        let match_id = option_word(&scan.options, "with_match_id");
        let order = crate::serial::serial_order(&plan);
        let node = ScanNode::new(plan, declared, steps, match_id, order, Arc::new(row)).at(span)?;
        Ok(LogicalPlan::Extension(Extension {
            node: Arc::new(node),
        }))
    }

    /// `declare (name:type [= default], ...)`: each column with its default (null if none).
    fn scan_declared(&mut self, scan: &Scan) -> PlanResult<Vec<(String, ScalarValue)>> {
        let mut declared = Vec::with_capacity(scan.declare.len());
        for param in &scan.declare {
            let ParamType::Scalar(ty) = &param.ty else {
                return Err(PlanError::user(
                    param.name.span,
                    "scan declares scalar columns",
                ));
            };
            let Some(scalar_type) = ScalarType::from_name(&ty.node) else {
                return Err(PlanError::user(
                    ty.span,
                    format!("unknown type '{}'", ty.node),
                ));
            };
            let arrow_type = crate::literals::arrow_type(scalar_type);
            let default = match &param.default {
                Some(d) => self.constant(d)?.cast_to(&arrow_type).at(d.span)?,
                None => ScalarValue::try_from(&arrow_type).at(param.name.span)?,
            };
            declared.push((param.name.node.clone(), default));
        }
        Ok(declared)
    }

    fn scan_step(
        &mut self,
        step: &kqlite_parser::ScanStep,
        steps: &[&str],
        declared: &[(String, ScalarValue)],
        row: &DFSchema,
    ) -> PlanResult<ScanStepPlan> {
        let condition = self.scan_expr(&step.condition, steps, row)?;
        let mut assignments = Vec::new();
        for item in &step.assignments {
            let ExprKind::Assign { name, value } = &item.node else {
                return Err(PlanError::user(
                    item.span,
                    "a scan step assigns: Column = value",
                ));
            };
            let Some(target) = declared.iter().position(|(n, _)| *n == name.node) else {
                return Err(PlanError::user(
                    name.span,
                    format!("scan assigns only declared columns, not '{}'", name.node),
                ));
            };
            assignments.push((target, self.scan_expr(value, steps, row)?));
        }
        let output = match option_word(&step.options, "output").as_deref() {
            None | Some("all") => Output::All,
            Some("none") => Output::None,
            Some(other) => {
                return Err(PlanError::not_supported(
                    step.name.span,
                    format!("scan step output={other}"),
                ))
            }
        };
        Ok(ScanStepPlan {
            condition,
            assignments,
            output,
        })
    }

    /// A step's expression over the one-row schema: `s.x` reads step `s`'s state.
    fn scan_expr(&mut self, expr: &ast::Expr, steps: &[&str], row: &DFSchema) -> PlanResult<Expr> {
        let rewritten = state_references(expr, steps);
        let lowered = self.scalar(&rewritten, row)?;
        if !datafusion::logical_expr::utils::find_window_exprs([&lowered]).is_empty() {
            return Err(PlanError::user(
                expr.span,
                "scan steps cannot use row_number(), prev() or next(): the state holds the rows before",
            ));
        }
        // Typed and simplified as DataFusion's optimizer would (it never sees them).
        let context = datafusion::logical_expr::simplify::SimplifyContextBuilder::default()
            .with_schema(Arc::new(row.clone()))
            .build();
        let simplifier = datafusion::optimizer::simplify_expressions::ExprSimplifier::new(context);
        let coerced = simplifier.coerce(lowered, row).at(expr.span)?;
        simplifier.simplify(coerced).at(expr.span)
    }
}

/// The row a step reads: the input's columns, the declared ones, then each step's state.
fn row_schema(
    plan: &LogicalPlan,
    declared: &[(String, ScalarValue)],
    steps: usize,
    span: Span,
) -> PlanResult<DFSchema> {
    let own: Vec<Field> = plan
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone().with_nullable(true))
        .chain(
            declared
                .iter()
                .map(|(n, v)| Field::new(n, v.data_type(), true)),
        )
        .collect();
    let mut fields = own.clone();
    for step in 0..steps {
        fields.extend(
            own.iter()
                .map(|f| f.clone().with_name(state_column(step, f.name()))),
        );
    }
    DFSchema::try_from(Schema::new(fields)).at(span)
}

/// `expr` with each `step.column` (a step's name) turned into that state column's name.
fn state_references(expr: &ast::Expr, steps: &[&str]) -> ast::Expr {
    let mut out = expr.clone();
    rewrite(&mut out, steps);
    out
}

fn rewrite(expr: &mut ast::Expr, steps: &[&str]) {
    if let ExprKind::Member { target, name } = &expr.node {
        if let ExprKind::Name(step) = &target.node {
            if let Some(i) = steps.iter().position(|s| s == step) {
                expr.node = ExprKind::Name(state_column(i, &name.node));
                return;
            }
        }
    }
    expr.for_each_child_mut(&mut |child| rewrite(child, steps));
}
