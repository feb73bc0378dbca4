//! Dynamic values (carried as text, see `kernels/json.rs`): `parse_json`, property and element
//! access, the array and bag functions, `pack` and `pack_array`, `split`, `extract_json`.

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{lit, Expr};
use kqlite_parser::{ast, ExprKind, Literal};

use super::Call;
use crate::error::PlanResult;
use crate::kernels::dynamic as d;
use crate::kernels::pack::{pack, PackKind};
use crate::kernels::rowwise::{self, RowFn};
use crate::planner::Planner;

impl Planner<'_> {
    pub(super) fn dynamic_call(&mut self, c: &Call) -> Option<PlanResult<Expr>> {
        use RowFn::{Bool, Long, Text};
        Some(match c.f {
            "parse_json" | "todynamic" | "parsejson" | "toobject" => {
                self.row_kernel(c, (1, 1), &[0], Text(d::parse))
            }
            "array_length" => self.row_kernel(c, (1, 1), &[], Long(d::array_length)),
            "bag_keys" => self.row_kernel(c, (1, 1), &[], Text(d::bag_keys)),
            "bag_has_key" => self.row_kernel(c, (2, 2), &[1], Bool(d::bag_has_key)),
            "set_has_element" => self.row_kernel(c, (2, 2), &[1], Bool(d::set_has_element)),
            "array_index_of" => self.row_kernel(c, (2, 2), &[1], Long(d::array_index_of)),
            "array_concat" => self.row_kernel(c, (1, 64), &[], Text(d::array_concat)),
            "array_slice" => self.row_kernel(c, (3, 3), &[], Text(d::array_slice)),
            "strcat_array" => self.row_kernel(c, (2, 2), &[1], Text(d::strcat_array)),
            "split" => self.row_kernel(c, (2, 3), &[0, 1], Text(d::split)),
            "extract_json" | "extractjson" => self.extract_json(c),
            "pack_array" => self.lower_args(c, 1, 64).map(|a| pack(PackKind::Array, a)),
            "pack" | "bag_pack" | "pack_dictionary" => {
                self.lower_args(c, 2, 128).map(|a| pack(PackKind::Bag, a))
            }
            "set_union" => self.row_kernel(c, (2, 64), &[], Text(d::set_union)),
            "set_intersect" => self.row_kernel(c, (2, 64), &[], Text(d::set_intersect)),
            "set_difference" => self.row_kernel(c, (2, 64), &[], Text(d::set_difference)),
            _ => return None,
        })
    }

    /// `extract_json(path, json [, typeof(T)])`.
    fn extract_json(&mut self, c: &Call) -> PlanResult<Expr> {
        c.arity(2, 3)?;
        let args = self.text_args(&c.prefix(2), 2, 2, &[0])?;
        let found = rowwise::call(c.f, RowFn::Text(d::extract_json), args);
        match c.args.get(2) {
            Some(ty) => super::math::convert_to(found, ty, c),
            None => Ok(found),
        }
    }

    /// `x.a.b`, `x["a"]`, `x[0]`, `x[-1]`: one kernel call walks the whole path.
    pub(crate) fn dynamic_access(
        &mut self,
        expr: &ast::Expr,
        schema: &datafusion::common::DFSchema,
    ) -> PlanResult<Expr> {
        let mut steps = Vec::new();
        let mut base = expr;
        loop {
            match &base.node {
                ExprKind::Member { target, name } => {
                    steps.push(lit(ScalarValue::Utf8(Some(name.node.clone()))));
                    base = target;
                }
                ExprKind::Index { target, index } => {
                    steps.push(self.index_step(index, schema)?);
                    base = target;
                }
                _ => break,
            }
        }
        steps.reverse();
        let mut args = vec![self.scalar(base, schema)?];
        args.extend(steps);
        Ok(rowwise::call("kql_json_get", RowFn::Text(d::get), args))
    }

    /// A constant position or name, or any expression (integers are positions).
    fn index_step(
        &mut self,
        index: &ast::Expr,
        schema: &datafusion::common::DFSchema,
    ) -> PlanResult<Expr> {
        Ok(match &index.node {
            ExprKind::Literal(Literal::String(s)) => lit(ScalarValue::Utf8(Some(s.clone()))),
            ExprKind::Literal(Literal::Long(n)) => lit(*n),
            ExprKind::Literal(Literal::Int(n)) => lit(*n as i64),
            _ => self.scalar(index, schema)?,
        })
    }
}
