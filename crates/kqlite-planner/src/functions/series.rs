//! The `series_*` functions (see `kqlite-functions/src/series_fns.rs`). Those that return several columns
//! (`series_stats`, `series_fit_line`, `series_decompose`, `series_decompose_anomalies`)
//! lower to a property bag here; `extend` and `project` spread it into columns
//! ([`several_columns`]).

use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::{lit, Expr};
use kqlite_parser::{ast, ExprKind, ScalarType};

use super::Call;
use crate::error::{PlanError, PlanResult};
use crate::kernels::dynamic as d;
use crate::kernels::rowwise::{self, RowFn};
use crate::planner::Planner;

/// The columns of a function that returns several, with their types.
fn several_columns(function: &str) -> Option<&'static [(&'static str, ScalarType)]> {
    use ScalarType::{Dynamic, Long, Real};
    Some(match function {
        "series_stats" => &[
            ("min", Real),
            ("min_idx", Long),
            ("max", Real),
            ("max_idx", Long),
            ("avg", Real),
            ("stdev", Real),
            ("variance", Real),
        ],
        "series_fit_line" => &[
            ("rsquare", Real),
            ("slope", Real),
            ("variance", Real),
            ("rvariance", Real),
            ("interception", Real),
            ("line_fit", Dynamic),
        ],
        "series_decompose" => &[
            ("baseline", Dynamic),
            ("seasonal", Dynamic),
            ("trend", Dynamic),
            ("residual", Dynamic),
        ],
        "series_decompose_anomalies" => &[
            ("ad_flag", Dynamic),
            ("ad_score", Dynamic),
            ("baseline", Dynamic),
        ],
        _ => return None,
    })
}

impl Planner<'_> {
    /// An `extend`/`project` item that makes several columns: `(a, b) = series_fit_line(y)`, or
    /// unnamed, `series_fit_line_y_rsquare`... Each column with its name.
    pub(crate) fn spread_columns(
        &mut self,
        item: &ast::Expr,
        schema: &DFSchema,
    ) -> Option<PlanResult<Vec<(String, Expr)>>> {
        let (names, call) = match item.tuple_assign() {
            Some((names, value)) => (Some(names), value),
            None => (None, item),
        };
        let ExprKind::Call { name, args } = &call.node else {
            return None;
        };
        let columns = several_columns(&name.node)?;
        Some(self.spread(call, &name.node, args, names, columns, schema))
    }

    fn spread(
        &mut self,
        call: &ast::Expr,
        function: &str,
        args: &[ast::Expr],
        names: Option<Vec<&ast::Ident>>,
        columns: &[(&str, ScalarType)],
        schema: &DFSchema,
    ) -> PlanResult<Vec<(String, Expr)>> {
        if names.as_ref().is_some_and(|n| n.len() > columns.len()) {
            return Err(PlanError::user(
                call.span,
                format!("{function}() makes {} columns", columns.len()),
            ));
        }
        let bag = self.scalar(call, schema)?;
        let argument = args
            .first()
            .and_then(crate::names::expression_name)
            .unwrap_or_default();
        let mut out = Vec::new();
        for (i, (field, ty)) in columns.iter().enumerate() {
            let name = match &names {
                Some(names) if i < names.len() => names[i].node.clone(),
                Some(_) => continue,
                None => format!("{function}_{argument}_{field}"),
            };
            let key = lit(ScalarValue::Utf8(Some(field.to_string())));
            let value = rowwise::call(
                "kql_json_get",
                RowFn::Dynamic(d::get),
                vec![bag.clone(), key],
            );
            out.push((name, super::typed_value(value, *ty)));
        }
        Ok(out)
    }

    pub(super) fn series_call(&mut self, c: &Call) -> Option<PlanResult<Expr>> {
        // From the catalogue, so that the kernel crosses to a cluster under its name.
        let f = crate::kernels::row_catalogue::series_function(c.f)?;
        Some(self.row_kernel(c, (1, 8), &[], f))
    }
}
