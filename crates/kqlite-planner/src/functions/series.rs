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
use crate::kernels::series_fns as s;
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
        use RowFn::{Dynamic, Real};
        let f = match c.f {
            "series_fill_forward" => Dynamic(s::fill_forward),
            "series_fill_backward" => Dynamic(s::fill_backward),
            "series_fill_const" => Dynamic(s::fill_const),
            "series_fill_linear" => Dynamic(s::fill_linear),
            "series_stats" | "series_stats_dynamic" => Dynamic(s::stats_bag),
            "series_fit_line" | "series_fit_line_dynamic" => Dynamic(s::fit_line_bag),
            "series_decompose" => Dynamic(s::decompose_bag),
            "series_decompose_anomalies" => Dynamic(s::anomalies_bag),
            "series_outliers" => Dynamic(s::outliers),
            "series_iir" => Dynamic(s::iir),
            "series_fir" => Dynamic(s::fir),
            "series_pearson_correlation" => Real(s::pearson),
            "series_add" => Dynamic(s::add),
            "series_subtract" => Dynamic(s::subtract),
            "series_multiply" => Dynamic(s::multiply),
            "series_divide" => Dynamic(s::divide),
            "series_pow" => Dynamic(s::pow),
            "series_greater" => Dynamic(s::greater),
            "series_greater_equals" => Dynamic(s::greater_equals),
            "series_less" => Dynamic(s::less),
            "series_less_equals" => Dynamic(s::less_equals),
            "series_equals" => Dynamic(s::equals),
            "series_not_equals" => Dynamic(s::not_equals),
            "series_abs" => Dynamic(s::abs),
            "series_sign" => Dynamic(s::sign),
            "series_floor" => Dynamic(s::floor),
            "series_ceiling" => Dynamic(s::ceiling),
            "series_exp" => Dynamic(s::exp),
            "series_log" => Dynamic(s::log),
            "series_sin" => Dynamic(s::sin),
            "series_cos" => Dynamic(s::cos),
            "series_tan" => Dynamic(s::tan),
            "series_asin" => Dynamic(s::asin),
            "series_acos" => Dynamic(s::acos),
            "series_atan" => Dynamic(s::atan),
            "series_sum" => Real(s::sum),
            "series_product" => Real(s::product),
            "series_magnitude" => Real(s::magnitude),
            "series_dot_product" => Real(s::dot_product),
            "series_cosine_similarity" => Real(s::cosine_similarity),
            _ => return None,
        };
        Some(self.row_kernel(c, (1, 8), &[], f))
    }
}
