//! `evaluate` plugins. `bag_unpack` and `pivot` make one column per property or value found
//! in the data, so without a declared output schema they read those names while planning
//! (through [`crate::Catalog::evaluate`]), as Kusto itself must.

use std::collections::{BTreeMap, BTreeSet};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Column, ScalarValue};
use datafusion::logical_expr::{cast, col, Expr, LogicalPlan, LogicalPlanBuilder};
use kqlite_parser::{ast, BinaryOp, ExprKind, Literal, ScalarType, Span, Summarize};

use crate::error::{build, PlanError, PlanResult};
use crate::names::{column_names, resolve_column};
use crate::planner::Planner;

type Decl = [(ast::Ident, ast::Ident)];

impl Planner<'_> {
    pub(crate) fn evaluate(
        &mut self,
        plan: LogicalPlan,
        plugin: &ast::Expr,
        declared: Option<&Decl>,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let ExprKind::Call { name, args } = &plugin.node else {
            return Err(PlanError::user(plugin.span, "expected a plugin call"));
        };
        match name.node.as_str() {
            "bag_unpack" => self.bag_unpack(plan, args, declared, span),
            "pivot" if declared.is_none() => self.pivot(plan, args, span),
            "pivot" => Err(PlanError::not_supported(
                span,
                "pivot with an output schema",
            )),
            other => Err(PlanError::not_supported(
                name.span,
                format!("evaluate {other}"),
            )),
        }
    }

    /// `bag_unpack(Col [, prefix] [, columnsConflict] [, ignoredProperties])`: the input's
    /// other columns, then one `dynamic` column per property, in name order.
    fn bag_unpack(
        &mut self,
        plan: LogicalPlan,
        args: &[ast::Expr],
        declared: Option<&Decl>,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let Some(ExprKind::Name(bag)) = args.first().map(|a| &a.node) else {
            return Err(PlanError::user(span, "bag_unpack needs a dynamic column"));
        };
        let bag_column = resolve_column(plan.schema(), bag, args[0].span)?;
        let prefix = match args.get(1) {
            Some(a) => self.constant_text(a)?,
            None => String::new(),
        };
        let conflict = match args.get(2) {
            Some(a) => self.constant_text(a)?,
            None => "error".to_string(),
        };
        let ignored: Vec<String> = match args.get(3) {
            Some(a) => self.constant_list(a)?,
            None => Vec::new(),
        };
        let others: Vec<String> = column_names(plan.schema())
            .into_iter()
            .filter(|n| n != bag)
            .collect();
        let keys: Vec<(String, Option<DataType>)> = match declared {
            Some(columns) => declared_keys(columns, &others)?,
            None => self
                .bag_keys(&plan, &bag_column, span)?
                .into_iter()
                .filter(|(k, _)| !ignored.contains(k))
                .map(|(k, kind)| (k, kind.scalar_type().map(crate::literals::arrow_type)))
                .collect(),
        };
        let mut exprs: Vec<Expr> = Vec::new();
        let mut new_names: Vec<String> = Vec::new();
        for (key, ty) in &keys {
            let name = format!("{prefix}{key}");
            if others.contains(&name) {
                match conflict.as_str() {
                    "keep_source" => continue,
                    "replace_source" => {}
                    _ => {
                        return Err(PlanError::user(
                            span,
                            format!("bag_unpack: property '{key}' clashes with column {name} (columnsConflict='error')"),
                        ))
                    }
                }
            }
            let value = self.bag_property(bag, key, plan.schema(), span)?;
            let value = match ty.as_ref().and_then(scalar_type_of) {
                Some(t) => crate::functions::typed_value(value, t),
                None => value,
            };
            exprs.push(value.alias(&name));
            new_names.push(name);
        }
        let mut columns: Vec<Expr> = others
            .iter()
            .filter(|n| !new_names.contains(n))
            .filter(|n| declared.is_none_or(|d| d.iter().any(|(c, _)| &c.node == *n)))
            .map(|n| col(Column::from_name(n.clone())))
            .collect();
        columns.extend(exprs);
        crate::projection::project(plan, columns, span)
    }

    /// The property names of every bag in `column`, sorted.
    fn bag_keys(
        &mut self,
        plan: &LogicalPlan,
        column: &Column,
        span: Span,
    ) -> PlanResult<BTreeMap<String, ValueKind>> {
        let mut keys: BTreeMap<String, ValueKind> = BTreeMap::new();
        for text in self.column_values(plan.clone(), &column.name, true, span)? {
            if let Ok(serde_json::Value::Object(bag)) = serde_json::from_str(&text) {
                for (key, value) in bag {
                    let kind = ValueKind::of(&value);
                    let merged = keys.get(&key).map_or(kind, |k| k.merge(kind));
                    keys.insert(key, merged);
                }
            }
        }
        Ok(keys)
    }

    /// `bag["key"]`, as property access lowers it.
    fn bag_property(
        &mut self,
        bag: &str,
        key: &str,
        schema: &datafusion::common::DFSchema,
        span: Span,
    ) -> PlanResult<Expr> {
        let target = ast::Spanned::new(ExprKind::Name(bag.to_string()), span);
        let index = ast::Spanned::new(ExprKind::Literal(Literal::String(key.to_string())), span);
        let access = ExprKind::Index {
            target: Box::new(target),
            index: Box::new(index),
        };
        self.scalar(&ast::Spanned::new(access, span), schema)
    }

    /// `pivot(Col [, agg(x)] [, group columns])`: one row per group, one column per value of
    /// `Col` (in order), each cell the aggregate over the group's rows with that value.
    fn pivot(
        &mut self,
        plan: LogicalPlan,
        args: &[ast::Expr],
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let Some(ExprKind::Name(pivot)) = args.first().map(|a| &a.node) else {
            return Err(PlanError::user(span, "pivot needs a column"));
        };
        let pivot_column = resolve_column(plan.schema(), pivot, args[0].span)?;
        let aggregate = args
            .get(1)
            .filter(|a| matches!(a.node, ExprKind::Call { .. }));
        let group_args = &args[1 + usize::from(aggregate.is_some())..];
        let by: Vec<ast::Expr> = if group_args.is_empty() {
            let measured = aggregate.and_then(aggregated_column);
            column_names(plan.schema())
                .into_iter()
                .filter(|n| n != pivot && Some(n.as_str()) != measured)
                .map(|n| ast::Spanned::new(ExprKind::Name(n), span))
                .collect()
        } else {
            group_args.to_vec()
        };
        let values: BTreeSet<String> = self
            .column_values(plan.clone(), &pivot_column.name, true, span)?
            .into_iter()
            .collect();
        let aggregates = values
            .iter()
            .map(|v| pivot_cell(pivot, v, aggregate, span))
            .collect::<PlanResult<Vec<_>>>()?;
        let summarize = Summarize {
            hints: Vec::new(),
            aggregates,
            by,
        };
        self.summarize(plan, &summarize, span)
    }

    /// The distinct values of a table's first column, run now (`x in (T)` outside a filter).
    pub(crate) fn table_values(&mut self, table: &ast::Expr) -> PlanResult<Vec<ScalarValue>> {
        let span = table.span;
        let plan = self.tabular(table)?;
        let first = Expr::Column(crate::names::first_column(plan.schema(), span)?);
        let plan = build(
            LogicalPlanBuilder::from(plan)
                .project(vec![first])
                .and_then(|b| b.distinct()),
            span,
        )?;
        let batches = self
            .catalog
            .evaluate(&plan)
            .map_err(|message| PlanError::user(span, message))?;
        let mut values = Vec::new();
        for batch in &batches {
            for row in 0..batch.num_rows() {
                let value = ScalarValue::try_from_array(batch.column(0), row)
                    .map_err(|e| PlanError::engine(span, e))?;
                values.push(value);
            }
        }
        Ok(values)
    }

    /// The non-null values of `column` as text (each once when `distinct`), run now.
    pub(crate) fn column_values(
        &mut self,
        plan: LogicalPlan,
        column: &str,
        distinct: bool,
        span: Span,
    ) -> PlanResult<Vec<String>> {
        let text = cast(col(Column::from_name(column)), DataType::Utf8);
        let projected = LogicalPlanBuilder::from(plan).project(vec![text]);
        let plan = match distinct {
            true => build(projected.and_then(|b| b.distinct()), span)?,
            false => build(projected, span)?,
        };
        let batches: Vec<RecordBatch> = self
            .catalog
            .evaluate(&plan)
            .map_err(|message| PlanError::user(span, message))?;
        let mut out = Vec::new();
        for batch in &batches {
            let column = datafusion::common::cast::as_string_array(batch.column(0))
                .map_err(|e| PlanError::engine(span, e))?;
            out.extend(column.iter().flatten().map(str::to_string));
        }
        Ok(out)
    }

    fn constant_text(&mut self, expr: &ast::Expr) -> PlanResult<String> {
        match &expr.node {
            ExprKind::Literal(Literal::String(s)) => Ok(s.clone()),
            _ => Err(PlanError::user(expr.span, "expected a string constant")),
        }
    }

    fn constant_list(&mut self, expr: &ast::Expr) -> PlanResult<Vec<String>> {
        match &expr.node {
            ExprKind::Literal(Literal::Dynamic(kqlite_parser::Dynamic::Array(items))) => Ok(items
                .iter()
                .filter_map(|i| match i {
                    kqlite_parser::Dynamic::Value(v) => match v.as_ref() {
                        Literal::String(s) => Some(s.clone()),
                        _ => None,
                    },
                    _ => None,
                })
                .collect()),
            _ => Err(PlanError::user(
                expr.span,
                "expected dynamic([...]) of names",
            )),
        }
    }
}

/// The declared output columns that are not input columns: the properties to unpack.
fn declared_keys(columns: &Decl, others: &[String]) -> PlanResult<Vec<(String, Option<DataType>)>> {
    columns
        .iter()
        .filter(|(name, _)| !others.contains(&name.node))
        .map(
            |(name, ty)| match kqlite_parser::ScalarType::from_name(&ty.node) {
                Some(t) => Ok((name.node.clone(), Some(crate::literals::arrow_type(t)))),
                None => Err(PlanError::user(
                    ty.span,
                    format!("unknown type '{}'", ty.node),
                )),
            },
        )
        .collect()
}

/// The column an aggregate like `sum(x)` reads, if it is a plain column.
fn aggregated_column(aggregate: &ast::Expr) -> Option<&str> {
    match &aggregate.node {
        ExprKind::Call { args, .. } => match args.first().map(|a| &a.node) {
            Some(ExprKind::Name(n)) => Some(n.as_str()),
            _ => None,
        },
        _ => None,
    }
}

/// `value = aggif(args..., tostring(Pivot) == "value")`: the aggregate of one pivot column.
fn pivot_cell(
    pivot: &str,
    value: &str,
    aggregate: Option<&ast::Expr>,
    span: Span,
) -> PlanResult<ast::Expr> {
    let node = |kind: ExprKind| ast::Spanned::new(kind, span);
    let ident = |name: &str| ast::Spanned::new(name.to_string(), span);
    let call = |name: &str, args: Vec<ast::Expr>| {
        node(ExprKind::Call {
            name: ident(name),
            args,
        })
    };
    let condition = node(ExprKind::Binary {
        op: BinaryOp::Eq,
        left: Box::new(call(
            "tostring",
            vec![node(ExprKind::Name(pivot.to_string()))],
        )),
        right: Box::new(node(ExprKind::Literal(Literal::String(value.to_string())))),
    });
    let (name, mut args) = match aggregate.map(|a| &a.node) {
        None => ("count".to_string(), Vec::new()),
        Some(ExprKind::Call { name, args }) => (name.node.clone(), args.clone()),
        Some(_) => return Err(PlanError::user(span, "expected an aggregate call")),
    };
    let conditional = match name.as_str() {
        "count" => "countif",
        "sum" => "sumif",
        "avg" => "avgif",
        "min" => "minif",
        // Any value of the group will do: the largest is one.
        "max" | "take_any" | "any" => "maxif",
        "dcount" => "dcountif",
        "stdev" => "stdevif",
        "variance" => "varianceif",
        "make_list" => "make_list_if",
        "make_set" => "make_set_if",
        "make_bag" => "make_bag_if",
        other => {
            return Err(PlanError::not_supported(
                span,
                format!("pivot with {other}()"),
            ))
        }
    };
    args.push(condition);
    Ok(node(ExprKind::Assign {
        name: ident(value),
        value: Box::new(call(conditional, args)),
    }))
}

/// What the values of one bag property are, over all rows: Kusto types an unpacked column by
/// its values (`long` if all are integers, `real` if numbers...), else `dynamic`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ValueKind {
    Null,
    Long,
    Real,
    Bool,
    Text,
    Dynamic,
}

impl ValueKind {
    fn of(value: &serde_json::Value) -> Self {
        match value {
            serde_json::Value::Null => ValueKind::Null,
            serde_json::Value::Bool(_) => ValueKind::Bool,
            serde_json::Value::Number(n) if n.is_i64() => ValueKind::Long,
            serde_json::Value::Number(_) => ValueKind::Real,
            serde_json::Value::String(_) => ValueKind::Text,
            _ => ValueKind::Dynamic,
        }
    }

    fn merge(self, other: Self) -> Self {
        match (self, other) {
            (ValueKind::Null, k) | (k, ValueKind::Null) => k,
            (a, b) if a == b => a,
            // The docs: "dynamic, if the values differ in type" (a long and a real too).
            _ => ValueKind::Dynamic,
        }
    }

    fn scalar_type(self) -> Option<ScalarType> {
        match self {
            ValueKind::Long => Some(ScalarType::Long),
            ValueKind::Real => Some(ScalarType::Real),
            ValueKind::Bool => Some(ScalarType::Bool),
            ValueKind::Text => Some(ScalarType::String),
            ValueKind::Null | ValueKind::Dynamic => None,
        }
    }
}

/// The Kusto type an Arrow type stands for, where it is a scalar one.
fn scalar_type_of(t: &DataType) -> Option<ScalarType> {
    ScalarType::from_name(crate::operators::kusto_type_name(t))
}
