//! Lowering scalar expressions against the input's schema.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::logical_expr::{
    binary_expr, col, in_subquery, lit, not_in_subquery, scalar_subquery, Expr, ExprSchemable,
    LogicalPlan, LogicalPlanBuilder, Operator, ScalarUDF,
};
use kqlite_parser::{ast, BinaryOp, ExprKind, ListOp, Span, UnaryOp};

use crate::binary::null_as;
use crate::error::{PlanError, PlanResult, WithSpan};
use crate::functions::PACK_COLUMNS;
use crate::kernels::{InCi, MatchOp, StringMatch};
use crate::literals::scalar_of;
use crate::names::resolve_column;
use crate::planner::{Binding, Planner};

impl Planner<'_> {
    pub(crate) fn scalar(&mut self, expr: &ast::Expr, schema: &DFSchema) -> PlanResult<Expr> {
        let span = expr.span;
        match &expr.node {
            ExprKind::Literal(literal) => Ok(lit(scalar_of(literal))),
            ExprKind::Name(name) => self.name(name, schema, span),
            ExprKind::Call { name, args } => self.call_any(name, args, schema, span),
            ExprKind::Unary { op, operand } => {
                let operand = self.scalar(operand, schema)?;
                Ok(match op {
                    UnaryOp::Neg => self.negative(operand, schema, span)?,
                    UnaryOp::Plus => operand,
                })
            }
            ExprKind::Binary { op, left, right } => self.binary(*op, left, right, schema, span),
            ExprKind::List { op, left, items } => self.list(*op, left, items, schema),
            ExprKind::Between {
                negated,
                value,
                low,
                high,
            } => {
                let value = self.scalar(value, schema)?;
                let low = self.scalar(low, schema)?;
                let high = self.scalar(high, schema)?;
                let high = self.range_end(&low, high, schema, span)?;
                Ok(Expr::Between(datafusion::logical_expr::Between::new(
                    Box::new(value),
                    *negated,
                    Box::new(low),
                    Box::new(high),
                )))
            }
            ExprKind::Assign { .. } => Err(PlanError::user(
                span,
                "a named expression (x = ...) is not allowed here",
            )),
            ExprKind::Star => Err(PlanError::user(span, "'*' is not allowed here")),
            ExprKind::Member { .. } | ExprKind::Index { .. } => self.dynamic_access(expr, schema),
            ExprKind::Pipe { .. } | ExprKind::Source(_) => Err(PlanError::not_supported(
                span,
                "a tabular expression used as a scalar",
            )),
        }
    }

    /// User functions, table-to-scalar forms and window functions, then the catalogue.
    fn call_any(
        &mut self,
        name: &ast::Ident,
        args: &[ast::Expr],
        schema: &DFSchema,
        span: Span,
    ) -> PlanResult<Expr> {
        if let Some(Binding::Function(_)) = self.binding(&name.node) {
            return self.call_scalar_function(name, args, schema, span);
        }
        if let Some(error) = crate::user_functions::needs_online(&name.node, span) {
            return Err(error);
        }
        match name.node.as_str() {
            "toscalar" if args.len() == 1 && self.is_tabular(&args[0]) => {
                let plan = first_value_of(self.tabular(&args[0])?, span)?;
                Ok(scalar_subquery(std::sync::Arc::new(plan)))
            }
            "toscalar" if args.len() == 1 => self.scalar(&args[0], schema),
            "row_number" | "prev" | "next" | "row_cumsum" | "row_rank_dense" | "row_rank_min"
            | "row_window_session" => self.window_call(&name.node, args, schema, span),
            "column_ifexists" if args.len() == 2 => {
                let name = self.constant(&args[0])?;
                let Some(Some(column)) = name.try_as_str() else {
                    return Err(PlanError::user(
                        args[0].span,
                        "expected a column name string",
                    ));
                };
                match resolve_column(schema, column, span) {
                    Ok(found) => Ok(Expr::Column(found)),
                    Err(_) => self.scalar(&args[1], schema),
                }
            }
            "pack_all" if args.is_empty() => {
                let mut pairs = Vec::new();
                for field in schema.fields() {
                    let column = field.name();
                    if column.starts_with("__kql") {
                        continue;
                    }
                    let key = kqlite_parser::Literal::String(column.clone());
                    pairs.push(ast::Spanned::new(ExprKind::Literal(key), span));
                    pairs.push(ast::Spanned::new(ExprKind::Name(column.clone()), span));
                }
                // Every column, however many: not `bag_pack`, whose calls Kusto limits to 64 pairs.
                let pack_columns = ast::Spanned::new(PACK_COLUMNS.to_string(), span);
                self.call(&pack_columns, &pairs, schema, span)
            }
            // A bag of the named columns, each under its own name.
            "bag_pack_columns" if !args.is_empty() => {
                let mut pairs = Vec::new();
                for arg in args {
                    let Some(name) = crate::names::expression_name(arg) else {
                        return Err(PlanError::user(
                            arg.span,
                            "bag_pack_columns() takes columns",
                        ));
                    };
                    let key = kqlite_parser::Literal::String(name);
                    pairs.push(ast::Spanned::new(ExprKind::Literal(key), arg.span));
                    pairs.push(arg.clone());
                }
                let pack_columns = ast::Spanned::new(PACK_COLUMNS.to_string(), span);
                self.call(&pack_columns, &pairs, schema, span)
            }
            "abs" if args.len() == 1 => {
                let value = self.scalar(&args[0], schema)?;
                let abs = datafusion::functions::expr_fn::abs;
                match self.type_of(&value, schema, span)? {
                    // |timespan|: on nanoseconds, as Arrow has no abs for durations.
                    t @ DataType::Duration(_) => {
                        let nanos = datafusion::logical_expr::cast(value, DataType::Int64);
                        Ok(datafusion::logical_expr::cast(abs(nanos), t))
                    }
                    // In long, as all int arithmetic: |int.MinValue| fits.
                    t if t.is_integer() => {
                        Ok(abs(datafusion::logical_expr::cast(value, DataType::Int64)))
                    }
                    _ => self.call(name, args, schema, span),
                }
            }
            // Null where the export kept no ingestion time (only the streaming API's does).
            "ingestion_time" => Ok(
                match schema.has_column_with_unqualified_name(crate::INGESTION_TIME) {
                    true => col(datafusion::common::Column::from_name(crate::INGESTION_TIME)),
                    false => lit(ScalarValue::TimestampNanosecond(None, Some("UTC".into()))),
                },
            ),
            _ => self.call(name, args, schema, span),
        }
    }

    /// `-x`: an int negates in long (as all int arithmetic), a timespan on its nanoseconds.
    fn negative(&self, operand: Expr, schema: &DFSchema, span: Span) -> PlanResult<Expr> {
        let cast = datafusion::logical_expr::cast;
        Ok(match self.type_of(&operand, schema, span)? {
            t @ DataType::Duration(_) => {
                cast(Expr::Negative(Box::new(cast(operand, DataType::Int64))), t)
            }
            t if t.is_integer() => Expr::Negative(Box::new(cast(operand, DataType::Int64))),
            _ => Expr::Negative(Box::new(operand)),
        })
    }

    fn name(&mut self, name: &str, schema: &DFSchema, span: Span) -> PlanResult<Expr> {
        // A function's parameter hides the caller's column of that name.
        if let Some(Binding::Lowered(value)) = self.binding(name) {
            return Ok(value.clone());
        }
        if let Some(column) = crate::names::find_column(schema, name) {
            return Ok(Expr::Column(column));
        }
        match self.binding(name).cloned() {
            Some(Binding::Scalar(value)) => {
                self.step(span)?;
                self.scalar(&value, schema)
            }
            Some(Binding::Lowered(value)) => Ok(value),
            Some(Binding::Tabular(plan)) => Ok(scalar_subquery(std::sync::Arc::new(plan))),
            // Kusto calls a function of no parameters by its bare name too.
            Some(Binding::Function(lambda)) if lambda.params.is_empty() => {
                let ident = ast::Spanned::new(name.to_string(), span);
                self.call_scalar_function(&ident, &[], schema, span)
            }
            Some(Binding::Function(_)) => Err(PlanError::user(
                span,
                format!("the function '{name}' needs ()"),
            )),
            Some(Binding::SameExtend) => Err(PlanError::user(
                span,
                format!(
                    "'{name}' is made by this same extend, and KQL shows it only to the \
                     operators after it: read it in a second '| extend'"
                ),
            )),
            None if name == "null" => Err(PlanError::user(
                span,
                "a null needs a type in KQL: long(null), string(null), dynamic(null)...",
            )),
            // Defender tables in the unified portal also answer to Sentinel's TimeGenerated.
            None if name == "TimeGenerated"
                && crate::names::find_column(schema, "Timestamp").is_some() =>
            {
                self.name("Timestamp", schema, span)
            }
            None => resolve_column(schema, name, span).map(Expr::Column),
        }
    }

    /// `x between (start .. 1d)`: a timespan end counts from a datetime start.
    fn range_end(&self, low: &Expr, high: Expr, schema: &DFSchema, span: Span) -> PlanResult<Expr> {
        let low_type = low.get_type(schema).at(span)?;
        let high_type = high.get_type(schema).at(span)?;
        if matches!(low_type, DataType::Timestamp(..)) && matches!(high_type, DataType::Duration(_))
        {
            return Ok(binary_expr(low.clone(), Operator::Plus, high));
        }
        Ok(high)
    }

    fn list(
        &mut self,
        op: ListOp,
        left: &ast::Expr,
        items: &[ast::Expr],
        schema: &DFSchema,
    ) -> PlanResult<Expr> {
        let value = self.scalar(left, schema)?;
        if let [item] = items {
            if self.is_tabular(item) && matches!(op, ListOp::HasAny | ListOp::HasAll) {
                let terms = self.table_terms(item)?;
                let value = self.as_string(value, schema, left.span)?;
                let mut args = vec![value];
                args.extend(terms.into_iter().map(lit));
                return Ok(string_match(
                    MatchOp::Has,
                    false,
                    op == ListOp::HasAll,
                    args,
                ));
            }
            // Outside a filter DataFusion cannot run the subquery: the values are read now.
            if self.is_tabular(item) && !self.in_filter {
                let values = self.table_values(item)?.into_iter().map(lit).collect();
                return self.in_values(op, value, values, schema, left.span);
            }
            if self.is_tabular(item) {
                return self.list_subquery(op, value, item);
            }
        }
        let mut list = Vec::with_capacity(items.len());
        for item in items {
            match self.constant_array(item) {
                Some(elements) => list.extend(elements.into_iter().map(lit)),
                None => list.push(self.scalar(item, schema)?),
            }
        }
        self.in_values(op, value, list, schema, left.span)
    }

    /// `value op (list)` for the list operators.
    fn in_values(
        &mut self,
        op: ListOp,
        value: Expr,
        list: Vec<Expr>,
        schema: &DFSchema,
        span: Span,
    ) -> PlanResult<Expr> {
        // A dynamic value among strings is compared as the text it stands for.
        let strings = list.first().is_some_and(|item| {
            self.type_of(item, schema, span)
                .is_ok_and(|t| crate::functions::is_text(&t))
        });
        let dynamic = crate::literals::is_dynamic(&self.type_of(&value, schema, span)?);
        let value = match dynamic && strings {
            true => self.as_string(value, schema, span)?,
            false => value,
        };
        // As ORs of `==` and ANDs of `!=`: a null value is in no list, but against a null in
        // the list (null == null is null in Kusto) the answer is null.
        let null_listed = list
            .iter()
            .any(|e| matches!(e, Expr::Literal(v, _) if v.is_null()));
        let null_if_listed = |answer: Expr| match null_listed {
            true => datafusion::logical_expr::when(
                value.clone().is_null(),
                lit(ScalarValue::Boolean(None)),
            )
            .otherwise(answer)
            .expect("a CASE with a branch builds"),
            false => answer,
        };
        Ok(match op {
            ListOp::In => null_if_listed(null_as(value.clone().in_list(list, false), false)),
            ListOp::NotIn => null_if_listed(null_as(value.clone().in_list(list, true), true)),
            ListOp::InCi | ListOp::NotInCi => {
                let value = self.as_string(value, schema, span)?;
                let mut args = vec![value];
                args.extend(list);
                let call = ScalarUDF::new_from_impl(InCi::default()).call(args);
                if op == ListOp::NotInCi {
                    Expr::Not(Box::new(call))
                } else {
                    call
                }
            }
            ListOp::HasAny | ListOp::HasAll => {
                let value = self.as_string(value, schema, span)?;
                let mut args = vec![value];
                // Terms are text: a number is its digits (`has_any (22, 3389)`), a null no
                // term at all (it would be "", which every value has).
                for item in list {
                    if !matches!(&item, Expr::Literal(v, _) if v.is_null()) {
                        args.push(self.as_text(item, schema, span)?);
                    }
                }
                string_match(MatchOp::Has, false, op == ListOp::HasAll, args)
            }
        })
    }

    /// `x in (T | project c)`: the first column of a table.
    fn list_subquery(&mut self, op: ListOp, value: Expr, item: &ast::Expr) -> PlanResult<Expr> {
        // Its own alias keeps the subquery's column apart from the outer one of the same name.
        let plan = self.tabular(item)?;
        let first = crate::names::first_column(plan.schema(), item.span)?.name;
        let alias = format!("__kql_in_{}", item.span.start);
        let plan = LogicalPlanBuilder::from(plan)
            .project(vec![
                col(datafusion::common::Column::from_name(first)).alias("__kql_in_value")
            ])
            .and_then(|b| b.alias(alias))
            .and_then(|b| b.build())
            .at(item.span)?;
        let plan = std::sync::Arc::new(plan);
        let lower = datafusion::functions::expr_fn::lower;
        match op {
            ListOp::In => Ok(null_as(in_subquery(value, plan), false)),
            ListOp::NotIn => Ok(null_as(not_in_subquery(value, plan), true)),
            ListOp::InCi => Ok(in_subquery(lower(value), lowered_column(plan, item.span)?)),
            ListOp::NotInCi => Ok(not_in_subquery(
                lower(value),
                lowered_column(plan, item.span)?,
            )),
            _ => Err(PlanError::not_supported(
                item.span,
                format!("'{}' over a table", op.spelling()),
            )),
        }
    }

    /// The values of a table's first column, as text, read while planning: `has_any` builds
    /// one matcher for all of them, as it does for a written list.
    fn table_terms(&mut self, item: &ast::Expr) -> PlanResult<Vec<String>> {
        let plan = self.tabular(item)?;
        let first = crate::names::first_column(plan.schema(), item.span)?.name;
        self.column_values(plan, &first, false, item.span)
    }

    /// A `dynamic([...])` array, written in place or through `let`: its elements.
    fn constant_array(&self, item: &ast::Expr) -> Option<Vec<datafusion::common::ScalarValue>> {
        let literal = match &item.node {
            ExprKind::Literal(literal) => literal,
            ExprKind::Name(name) => match self.binding(name) {
                Some(Binding::Scalar(ast::Spanned {
                    node: ExprKind::Literal(literal),
                    ..
                })) => literal,
                // A function's dynamic parameter, given a literal array.
                Some(Binding::Lowered(Expr::Literal(ScalarValue::LargeUtf8(Some(json)), _))) => {
                    return json_elements(json);
                }
                _ => return None,
            },
            _ => return None,
        };
        let kqlite_parser::Literal::Dynamic(kqlite_parser::Dynamic::Array(elements)) = literal
        else {
            return None;
        };
        elements
            .iter()
            .map(crate::literals::dynamic_scalar)
            .collect()
    }

    /// Non-string operands of string operators are compared as their text.
    pub(crate) fn as_string(&self, expr: Expr, schema: &DFSchema, span: Span) -> PlanResult<Expr> {
        match self.type_of(&expr, schema, span)? {
            DataType::Utf8 | DataType::Utf8View => Ok(expr),
            DataType::LargeUtf8 => Ok(crate::kernels::dynamic_text::call(expr)),
            DataType::Dictionary(_, value) if value.is_string() => Ok(expr),
            _ => Ok(crate::functions::to_string(expr, schema, span)?),
        }
    }
}

/// The string operators and their kernel: (operation, case-sensitive, negated).
pub(crate) fn string_predicate(op: BinaryOp) -> Option<(MatchOp, bool, bool)> {
    use BinaryOp::*;
    use MatchOp as M;
    Some(match op {
        EqCi => (M::Equals, false, false),
        NotEqCi => (M::Equals, false, true),
        Has => (M::Has, false, false),
        NotHas => (M::Has, false, true),
        HasCs => (M::Has, true, false),
        NotHasCs => (M::Has, true, true),
        HasPrefix => (M::HasPrefix, false, false),
        NotHasPrefix => (M::HasPrefix, false, true),
        HasPrefixCs => (M::HasPrefix, true, false),
        NotHasPrefixCs => (M::HasPrefix, true, true),
        HasSuffix => (M::HasSuffix, false, false),
        NotHasSuffix => (M::HasSuffix, false, true),
        HasSuffixCs => (M::HasSuffix, true, false),
        NotHasSuffixCs => (M::HasSuffix, true, true),
        Contains => (M::Contains, false, false),
        NotContains => (M::Contains, false, true),
        ContainsCs => (M::Contains, true, false),
        NotContainsCs => (M::Contains, true, true),
        StartsWith => (M::StartsWith, false, false),
        NotStartsWith => (M::StartsWith, false, true),
        StartsWithCs => (M::StartsWith, true, false),
        NotStartsWithCs => (M::StartsWith, true, true),
        EndsWith => (M::EndsWith, false, false),
        NotEndsWith => (M::EndsWith, false, true),
        EndsWithCs => (M::EndsWith, true, false),
        NotEndsWithCs => (M::EndsWith, true, true),
        _ => return None,
    })
}

pub(crate) fn string_match(op: MatchOp, case_sensitive: bool, all: bool, args: Vec<Expr>) -> Expr {
    Arc::new(ScalarUDF::new_from_impl(StringMatch::new(
        op,
        case_sensitive,
        all,
    )))
    .call(args)
}

/// The subquery's only column in lower case, for `in~` over a table.
fn lowered_column(
    plan: std::sync::Arc<datafusion::logical_expr::LogicalPlan>,
    span: Span,
) -> PlanResult<std::sync::Arc<datafusion::logical_expr::LogicalPlan>> {
    let value = col(datafusion::common::Column::from_name("__kql_in_value"));
    let lowered = LogicalPlanBuilder::from(std::sync::Arc::unwrap_or_clone(plan))
        .project(vec![
            datafusion::functions::expr_fn::lower(value).alias("__kql_in_value")
        ])
        .and_then(|b| b.build())
        .at(span)?;
    Ok(std::sync::Arc::new(lowered))
}

/// `toscalar(T)`: the first column of `T`'s first row.
fn first_value_of(plan: LogicalPlan, span: Span) -> PlanResult<LogicalPlan> {
    let Some(first) = plan.schema().columns().into_iter().next() else {
        return Err(PlanError::user(
            span,
            "toscalar() needs a table with a column",
        ));
    };
    let builder = LogicalPlanBuilder::from(plan).project(vec![Expr::Column(first)]);
    crate::error::build(builder.and_then(|b| b.limit(0, Some(1))), span)
}

/// The elements of a JSON array as scalars: numbers, strings and bools (None for anything else).
fn json_elements(json: &str) -> Option<Vec<ScalarValue>> {
    let serde_json::Value::Array(items) = serde_json::from_str(json).ok()? else {
        return None;
    };
    items
        .into_iter()
        .map(|item| match item {
            serde_json::Value::String(s) => Some(ScalarValue::Utf8(Some(s))),
            serde_json::Value::Bool(b) => Some(ScalarValue::Boolean(Some(b))),
            serde_json::Value::Number(n) => Some(match n.as_i64() {
                Some(i) => ScalarValue::Int64(Some(i)),
                None => ScalarValue::Float64(n.as_f64()),
            }),
            _ => None,
        })
        .collect()
}
