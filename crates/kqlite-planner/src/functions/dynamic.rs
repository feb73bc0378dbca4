//! Dynamic values (carried as text, see `kqlite-functions/src/json.rs`): `parse_json`, property and element
//! access, the array and bag functions, `pack` and `pack_array`, `split`, `extract_json`,
//! `parse_csv`, `replace_strings` and the code points of strings.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::logical_expr::{cast, lit, Expr};
use kqlite_parser::{ast, ExprKind, Literal};

use super::Call;
use crate::error::{PlanError, PlanResult};
use crate::kernels::arrays as a;
use crate::kernels::dynamic as d;
use crate::kernels::pack::{pack, PackKind};
use crate::kernels::rowwise::{self, RowFn};
use crate::kernels::string_lists as l;
use crate::planner::Planner;

impl Planner<'_> {
    pub(super) fn dynamic_call(&mut self, c: &Call) -> Option<PlanResult<Expr>> {
        use RowFn::{Bool, Dynamic, Long, Real, Text};
        Some(match c.f {
            "parse_json" | "todynamic" | "parsejson" | "toobject" => {
                self.row_kernel(c, (1, 1), &[0], Dynamic(d::parse))
            }
            "array_length" => self.row_kernel(c, (1, 1), &[], Long(d::array_length)),
            "bag_keys" => self.row_kernel(c, (1, 1), &[], Dynamic(d::bag_keys)),
            "bag_has_key" => self.row_kernel(c, (2, 2), &[1], Bool(d::bag_has_key)),
            "set_has_element" => self.row_kernel(c, (2, 2), &[], Bool(d::set_has_element)),
            "array_index_of" => self.row_kernel(c, (2, 5), &[], Long(d::array_index_of)),
            "array_concat" => self.row_kernel(c, (1, 64), &[], Dynamic(d::array_concat)),
            "array_slice" => self.row_kernel(c, (3, 3), &[], Dynamic(d::array_slice)),
            "strcat_array" => self.row_kernel(c, (2, 2), &[1], Text(d::strcat_array)),
            "split" => self.row_kernel(c, (2, 3), &[0, 1], Dynamic(d::split)),
            "extract_json" | "extractjson" => self.extract_json(c),
            "pack_array" => self.lower_args(c, 1, 64).map(|a| pack(PackKind::Array, a)),
            "pack" | "bag_pack" | "pack_dictionary" => {
                self.lower_args(c, 2, 128).map(|a| pack(PackKind::Bag, a))
            }
            super::PACK_COLUMNS => self
                .lower_args(c, 0, usize::MAX)
                .map(|a| pack(PackKind::Bag, a)),
            "gettype" => self.gettype(c),
            "array_sum" => self.row_kernel(c, (1, 1), &[], Real(a::sum)),
            "array_sort_asc" => self.array_sort(c, a::sort_asc),
            "array_sort_desc" => self.array_sort(c, a::sort_desc),
            "array_reverse" => self.row_kernel(c, (1, 1), &[], Dynamic(a::reverse)),
            "array_rotate_left" => self.row_kernel(c, (2, 2), &[], Dynamic(a::rotate_left)),
            "array_rotate_right" => self.row_kernel(c, (2, 2), &[], Dynamic(a::rotate_right)),
            "array_shift_left" => self.row_kernel(c, (2, 3), &[], Dynamic(a::shift_left)),
            "array_shift_right" => self.row_kernel(c, (2, 3), &[], Dynamic(a::shift_right)),
            "array_split" => self.row_kernel(c, (2, 2), &[], Dynamic(a::split)),
            "array_iff" | "array_iif" => self.row_kernel(c, (3, 3), &[], Dynamic(a::iff)),
            "zip" => self.row_kernel(c, (2, 64), &[], Dynamic(a::zip)),
            "range" => self.range_function(c),
            "repeat" => self.row_kernel(c, (2, 2), &[], Dynamic(a::repeat)),
            "bag_merge" => self.row_kernel(c, (2, 64), &[], Dynamic(a::bag_merge)),
            "bag_zip" => self.row_kernel(c, (2, 2), &[], Dynamic(a::bag_zip)),
            "parse_csv" => self.row_kernel(c, (1, 1), &[0], Dynamic(l::parse_csv)),
            "replace_strings" => self.row_kernel(c, (3, 3), &[0], Text(l::replace_strings)),
            "unicode_codepoints_from_string" => {
                self.row_kernel(c, (1, 1), &[0], Dynamic(l::codepoints_from_string))
            }
            "unicode_codepoints_to_string" => {
                self.row_kernel(c, (1, 64), &[], Text(l::codepoints_to_string))
            }
            "bag_remove_keys" => self.row_kernel(c, (2, 2), &[], Dynamic(a::bag_remove_keys)),
            "bag_set_key" => self.row_kernel(c, (3, 3), &[1], Dynamic(a::bag_set_key)),
            "jaccard_index" => self.row_kernel(c, (2, 2), &[], Real(a::jaccard_index)),
            "dynamic_to_json" => self.row_kernel(c, (1, 1), &[], Text(a::to_json)),
            "set_union" => self.row_kernel(c, (2, 64), &[], Dynamic(d::set_union)),
            "set_intersect" => self.row_kernel(c, (2, 64), &[], Dynamic(d::set_intersect)),
            "set_difference" => self.row_kernel(c, (2, 64), &[], Dynamic(d::set_difference)),
            _ => return None,
        })
    }

    /// `gettype(v)`: the Kusto type of `v`, or for a dynamic value, of what it holds.
    /// `array_sort_asc(a [, nulls_last])`; sorting several arrays together makes several
    /// columns, which is not done yet.
    fn array_sort(&mut self, c: &Call, f: rowwise::TextFn) -> PlanResult<Expr> {
        let args = self.lower_args(c, 1, 64)?;
        let second = args.get(1).map(|e| self.type_of(e, c.schema, c.span));
        if args.len() > 2 || second.transpose()?.is_some_and(|t| t != DataType::Boolean) {
            let feature = format!("{}() of several arrays", c.f);
            return Err(PlanError::not_supported(c.span, feature));
        }
        Ok(rowwise::call(c.f, RowFn::Dynamic(f), args))
    }

    /// `range()`; over datetimes and timespans the row function sees nanoseconds, and the step
    /// is an hour unless given.
    fn range_function(&mut self, c: &Call) -> PlanResult<Expr> {
        let mut args = self.lower_args(c, 2, 3)?;
        let (name, f): (_, rowwise::TextFn) = match self.type_of(&args[0], c.schema, c.span)? {
            DataType::Timestamp(..) => ("range_of_datetimes", a::datetime_range),
            DataType::Duration(..) => ("range_of_timespans", a::timespan_range),
            _ => return Ok(rowwise::call(c.f, RowFn::Dynamic(a::range), args)),
        };
        if args.len() == 2 {
            args.push(lit(ScalarValue::DurationNanosecond(Some(
                3_600_000_000_000,
            ))));
        }
        let nanos = args.into_iter().map(|e| cast(e, DataType::Int64)).collect();
        Ok(rowwise::call(name, RowFn::Dynamic(f), nanos))
    }

    fn gettype(&mut self, c: &Call) -> PlanResult<Expr> {
        let a = self.lower_args(c, 1, 1)?;
        let t = self.type_of(&a[0], c.schema, c.span)?;
        if crate::literals::is_dynamic(&t) {
            return Ok(rowwise::call("gettype", RowFn::Text(d::type_name), a));
        }
        let name = match t {
            DataType::Int8 | DataType::Int16 | DataType::Int32 => "int",
            DataType::Float32 | DataType::Float64 => "real",
            DataType::Decimal128(..) => "decimal",
            DataType::Null => "null",
            ref other => crate::operators::kusto_type_name(other),
        };
        Ok(lit(name))
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
        Ok(rowwise::call("kql_json_get", RowFn::Dynamic(d::get), args))
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
