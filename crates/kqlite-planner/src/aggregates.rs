//! Aggregation functions inside `summarize`, and Kusto's default names for their columns.
//!
//! An aggregate lowers to a DataFusion aggregate (pushed into the summarize "sink") and a
//! finishing step over its output: `make_list` and friends aggregate a list and render it as a
//! dynamic array; counts and sums of empty groups become 0.
//!
//! `arg_max`, `arg_min` and `percentiles` make several columns: [`expand_items`] rewrites them
//! into one item per column before summarize lowers its items.

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{DFSchema, ScalarValue};
use datafusion::functions::expr_fn::coalesce;
use datafusion::functions_aggregate::array_agg::array_agg_udaf;
use datafusion::functions_aggregate::expr_fn::{
    bit_and, bit_or, bit_xor, count, first_value, max, min, stddev, stddev_pop, sum, var_pop,
    var_sample,
};
use datafusion::logical_expr::{cast, lit, try_cast, Expr, ExprFunctionExt};
use kqlite_parser::{ast, ExprKind, Literal, Span};

use crate::error::{PlanError, PlanResult, WithSpan};
use crate::functions::check_arity;
use crate::kernels::pack::{pack, PackKind};
use crate::kernels::{dcount, percentile};
use crate::names::expression_name;
use crate::planner::{column, Planner};

/// Aggregates we lower, with the prefix of their default column name.
const AGGREGATES: &[(&str, &str)] = &[
    ("count", "count_"),
    ("countif", "countif_"),
    ("dcount", "dcount_"),
    ("dcountif", "dcountif_"),
    ("count_distinct", "count_distinct_"),
    ("count_distinctif", "count_distinctif_"),
    ("sum", "sum_"),
    ("sumif", "sumif_"),
    ("avg", "avg_"),
    ("avgif", "avgif_"),
    ("min", "min_"),
    ("minif", "minif_"),
    ("max", "max_"),
    ("maxif", "maxif_"),
    ("stdev", "stdev_"),
    ("stdevif", "stdevif_"),
    ("stdevp", "stdevp_"),
    ("variance", "variance_"),
    ("varianceif", "varianceif_"),
    ("variancep", "variancep_"),
    ("variancepif", "variancepif_"),
    ("make_list", "list_"),
    ("makelist", "list_"),
    ("make_list_if", "list_"),
    ("make_list_with_nulls", "list_"),
    ("make_set", "set_"),
    ("makeset", "set_"),
    ("make_set_if", "set_"),
    ("make_bag", "bag_"),
    ("make_bag_if", "bag_"),
    ("take_any", "any_"),
    ("any", "any_"),
    ("take_anyif", "any_"),
    ("anyif", "any_"),
    ("percentile", "percentile_"),
    ("percentiles", "percentile_"),
    ("percentilew", "percentile_"),
    ("percentilesw", "percentile_"),
    ("percentiles_array", "percentiles_"),
    ("percentilesw_array", "percentiles_"),
    ("binary_all_and", "binary_all_and_"),
    ("binary_all_or", "binary_all_or_"),
    ("binary_all_xor", "binary_all_xor_"),
    ("arg_max", "max_"),
    ("argmax", "max_"),
    ("arg_min", "min_"),
    ("argmin", "min_"),
    (ARG_MAX, ""),
    (ARG_MIN, ""),
    (ANY_ROW, ""),
];

/// The hidden aggregates `arg_max(T, A)` expands to: A's value on the row that maximises T.
const ARG_MAX: &str = "__kql_arg_max";
const ARG_MIN: &str = "__kql_arg_min";
/// What `take_any(A, B)` expands to: A's value on the one row the group's items all read.
const ANY_ROW: &str = "__kql_any_row";

pub(crate) fn is_aggregate(name: &str) -> bool {
    AGGREGATES.iter().any(|(n, _)| *n == name)
}

/// Kusto's name for an unnamed aggregate column: its prefix and the name of its first argument
/// (`count_`, `sum_X`, `countif_b`, `set_X`, `percentile_X_95`); `take_any(X)` is `X`.
pub(crate) fn default_name(call: &ast::Expr) -> Option<String> {
    let ExprKind::Call { name, args } = &call.node else {
        return None;
    };
    let (_, prefix) = AGGREGATES.iter().find(|(n, _)| *n == name.node)?;
    if matches!(name.node.as_str(), ARG_MAX | ARG_MIN) {
        return args.get(1).and_then(expression_name);
    }
    let column = args.first().and_then(expression_name);
    if matches!(name.node.as_str(), "take_any" | "take_anyif" | ANY_ROW) {
        return column;
    }
    let column = column.unwrap_or_default();
    let percent_at = match name.node.as_str() {
        "percentile" => Some(1),
        "percentilew" => Some(2),
        _ => None,
    };
    if let Some(at) = percent_at {
        let p = args.get(at).map(percent_text).unwrap_or_default();
        return Some(format!("{prefix}{column}_{p}"));
    }
    Some(format!("{prefix}{column}"))
}

/// A percentile as it appears in a column name: `95`, `99_9`.
fn percent_text(e: &ast::Expr) -> String {
    match &e.node {
        ExprKind::Literal(Literal::Long(v)) => v.to_string(),
        ExprKind::Literal(Literal::Int(v)) => v.to_string(),
        ExprKind::Literal(Literal::Real(v)) => v.to_string().replace('.', "_"),
        _ => String::new(),
    }
}

/// Rewrites the summarize items that make several columns into one item per column:
/// `arg_max(T, A, B)` (or `arg_max(T, *)`: every input column but T and the `by` keys) into
/// `T = max(T), A = __kql_arg_max(T, A), B = ...`, and `percentiles(X, 50, 95)` into
/// `percentile(X, 50), percentile(X, 95)`. Other items are kept as they are.
pub(crate) fn expand_items(
    items: &[ast::Expr],
    input: &DFSchema,
    by: &[ast::Expr],
) -> Vec<ast::Expr> {
    let keys: Vec<&str> = by.iter().filter_map(output_name).collect();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if let Some((given, max, args)) = tuple_arg(item) {
            expand_arg(item.span, Some(&given), max, &args, input, &keys, &mut out);
            continue;
        }
        if let Some(named) = tuple_percentiles(item) {
            out.extend(named);
            continue;
        }
        let (given, value) = match &item.node {
            ExprKind::Assign { name, value } => (Some(name), value.as_ref()),
            _ => (None, item),
        };
        let ExprKind::Call { name, args } = &value.node else {
            out.push(item.clone());
            continue;
        };
        match name.node.as_str() {
            "arg_max" | "argmax" | "arg_min" | "argmin" if !args.is_empty() => {
                let max = name.node.starts_with("arg") && name.node.contains("max");
                expand_arg(item.span, given, max, args, input, &keys, &mut out);
            }
            "percentiles" | "percentilesw" => {
                let (single, fixed) = match name.node.as_str() {
                    "percentiles" => ("percentile", 1),
                    _ => ("percentilew", 2),
                };
                if args.len() <= fixed {
                    out.push(item.clone());
                    continue;
                }
                let percents = percent_list(&args[fixed..]);
                let one_named = given.filter(|_| percents.len() == 1);
                for p in percents {
                    let mut call_args = args[..fixed].to_vec();
                    call_args.push(p.clone());
                    let call = synthetic_call(single, call_args, p.span);
                    out.push(match one_named {
                        Some(g) => assign(&g.node, call, item.span),
                        None => call,
                    });
                }
            }
            "percentiles_array" | "percentilesw_array" => {
                let fixed = if name.node.contains('w') { 2 } else { 1 };
                let mut call_args = args[..fixed.min(args.len())].to_vec();
                call_args.extend(percent_list(args.get(fixed..).unwrap_or_default()));
                let call = ast::Spanned::new(
                    ExprKind::Call {
                        name: name.clone(),
                        args: call_args,
                    },
                    value.span,
                );
                out.push(match given {
                    Some(g) => assign(&g.node, call, item.span),
                    None => call,
                });
            }
            "take_any" | "any" if args.len() > 1 || is_star(args) => {
                expand_any(&name.node, given, args, input, &keys, &mut out);
            }
            _ => out.push(item.clone()),
        }
    }
    out
}

/// `(p50, p95) = percentiles(x, 50, 95)`: one named `percentile` item per name.
fn tuple_percentiles(item: &ast::Expr) -> Option<Vec<ast::Expr>> {
    let (names, value) = item.tuple_assign()?;
    let ExprKind::Call { name, args } = &value.node else {
        return None;
    };
    let (single, fixed) = match name.node.as_str() {
        "percentiles" => ("percentile", 1),
        "percentilesw" => ("percentilew", 2),
        _ => return None,
    };
    let percents = percent_list(args.get(fixed..)?);
    if percents.len() != names.len() {
        return None;
    }
    let named = names.iter().zip(percents).map(|(n, p)| {
        let mut call_args = args[..fixed].to_vec();
        call_args.push(p.clone());
        assign(&n.node, synthetic_call(single, call_args, p.span), n.span)
    });
    Some(named.collect())
}

/// Percentiles as written, or the items of one `dynamic([...])` array of them.
fn percent_list(args: &[ast::Expr]) -> Vec<ast::Expr> {
    let [one] = args else {
        return args.to_vec();
    };
    let ExprKind::Literal(Literal::Dynamic(ast::Dynamic::Array(items))) = &one.node else {
        return args.to_vec();
    };
    let literal = |d: &ast::Dynamic| match d {
        ast::Dynamic::Value(v) => Some(ast::Spanned::new(
            ExprKind::Literal((**v).clone()),
            one.span,
        )),
        _ => None,
    };
    items.iter().filter_map(literal).collect()
}

fn is_star(args: &[ast::Expr]) -> bool {
    args.iter().any(|a| matches!(a.node, ExprKind::Star))
}

/// `take_any(A, B)` and `take_any(*)`: one column per value, all read from the same row (every
/// input column but the `by` keys for `*`); the deprecated `any()` prefixes their names.
fn expand_any(
    name: &str,
    given: Option<&ast::Ident>,
    args: &[ast::Expr],
    input: &DFSchema,
    keys: &[&str],
    out: &mut Vec<ast::Expr>,
) {
    let prefix = if name == "any" { "any_" } else { "" };
    for arg in args {
        let values: Vec<ast::Expr> = match &arg.node {
            ExprKind::Star => input
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .filter(|n| !keys.contains(n) && !n.starts_with("__kql"))
                .map(|n| ast::Spanned::new(ExprKind::Name(n.to_string()), arg.span))
                .collect(),
            _ => vec![arg.clone()],
        };
        for value in values {
            let call = synthetic_call(ANY_ROW, vec![value.clone()], value.span);
            let named = match (&value.node, given) {
                (_, Some(g)) if args.len() == 1 && !is_star(args) => Some(g.node.clone()),
                (ExprKind::Name(n), _) => Some(format!("{prefix}{n}")),
                _ => None,
            };
            out.push(match named {
                Some(n) => assign(&unique_name(n, out, keys), call, value.span),
                None => call,
            });
        }
    }
}

/// `(A, B, ...) = arg_max(target, x, ...)`: the first name for the extreme, the others for the
/// returned values, as `arg_max` with named arguments.
fn tuple_arg(item: &ast::Expr) -> Option<(ast::Ident, bool, Vec<ast::Expr>)> {
    let (names, value) = item.tuple_assign()?;
    let ExprKind::Call { name, args } = &value.node else {
        return None;
    };
    let max = match name.node.as_str() {
        "arg_max" | "argmax" => true,
        "arg_min" | "argmin" => false,
        _ => return None,
    };
    if args.len() != names.len() {
        return None;
    }
    let mut named = vec![args[0].clone()];
    for (name, arg) in names[1..].iter().zip(&args[1..]) {
        named.push(assign(&name.node, arg.clone(), arg.span));
    }
    Some((names[0].clone(), max, named))
}

fn expand_arg(
    span: Span,
    given: Option<&ast::Ident>,
    max: bool,
    args: &[ast::Expr],
    input: &DFSchema,
    keys: &[&str],
    out: &mut Vec<ast::Expr>,
) {
    let target = &args[0];
    let target_name = output_name(target);
    let hidden = if max { ARG_MAX } else { ARG_MIN };
    // The extreme from the same row as the other columns (NaN included, see below).
    let extreme = synthetic_call(hidden, vec![target.clone(), target.clone()], span);
    let first_name = given
        .map(|g| g.node.clone())
        .or(target_name.map(str::to_string))
        .unwrap_or_else(|| format!("{}_{}", if max { "max" } else { "min" }, out.len()));
    let first_name = unique_name(first_name, out, keys);
    out.push(assign(&first_name, extreme, span));
    let mut returned = Vec::new();
    for arg in &args[1..] {
        match &arg.node {
            ExprKind::Star => {
                for field in input.fields() {
                    let n = field.name().as_str();
                    if Some(n) != target_name && !keys.contains(&n) && !n.starts_with("__kql") {
                        returned.push(ast::Spanned::new(ExprKind::Name(n.to_string()), arg.span));
                    }
                }
            }
            _ => returned.push(arg.clone()),
        }
    }
    for (i, value) in returned.into_iter().enumerate() {
        let (name, value) = match &value.node {
            ExprKind::Assign { name, value } => (name.node.clone(), value.as_ref().clone()),
            ExprKind::Name(n) => (n.clone(), value.clone()),
            _ => (format!("{first_name}{}", i + 1), value.clone()),
        };
        let call = synthetic_call(hidden, vec![target.clone(), value], span);
        let name = unique_name(name, out, keys);
        out.push(assign(&name, call, span));
    }
}

/// `name`, or with the first numeric suffix that no earlier column has (Kusto's `s1`).
fn unique_name(name: String, earlier: &[ast::Expr], keys: &[&str]) -> String {
    let taken = |n: &str| keys.contains(&n) || earlier.iter().any(|e| output_name(e) == Some(n));
    if !taken(&name) {
        return name;
    }
    (1..)
        .map(|i| format!("{name}{i}"))
        .find(|n| !taken(n))
        .expect("some suffix is free")
}

fn output_name(e: &ast::Expr) -> Option<&str> {
    match &e.node {
        ExprKind::Name(n) => Some(n),
        ExprKind::Assign { name, .. } => Some(&name.node),
        _ => None,
    }
}

/// A call written by the planner, not the user (spanned at what it stands for).
pub(crate) fn synthetic_call(name: &str, args: Vec<ast::Expr>, span: Span) -> ast::Expr {
    let name = ast::Spanned::new(name.to_string(), span);
    ast::Spanned::new(ExprKind::Call { name, args }, span)
}

/// `name = value`, written by the planner.
pub(crate) fn assign(name: &str, value: ast::Expr, span: Span) -> ast::Expr {
    ast::Spanned::new(
        ExprKind::Assign {
            name: ast::Spanned::new(name.to_string(), span),
            value: Box::new(value),
        },
        span,
    )
}

/// What turns an aggregate's output into the KQL value.
enum Finish {
    None,
    /// Empty groups give 0 (counts, sums, deviations).
    Zero,
    /// A list rendered as a dynamic array (or merged bag).
    Render(PackKind, Option<Expr>),
    /// Nearest-rank percentiles of a list (weighted by a second list), one value or an array.
    Percentile {
        percents: Vec<Expr>,
        weights: Option<Expr>,
        array: bool,
    },
    /// A sum over a count, as a real: NaN over no values, as in Kusto (which also lets a
    /// `long` sum wrap before dividing).
    Mean,
    /// The extreme of the numbers, or NaN where the values held one (the flag aggregate).
    NanWins(Expr),
    /// The finished nanoseconds as a timespan or datetime (null for a mean of no values).
    As(Box<Finish>, DataType),
}

impl Finish {
    fn percentiles(percents: &[Expr], weights: Option<Expr>, array: bool) -> Finish {
        let percents = percents.to_vec();
        Finish::Percentile {
            percents,
            weights,
            array,
        }
    }

    fn is_mean(&self) -> bool {
        match self {
            Finish::Mean => true,
            Finish::As(inner, _) => inner.is_mean(),
            _ => false,
        }
    }
}

impl Planner<'_> {
    /// Lowers an aggregate call into the summarize sink; returns a reference to its output.
    pub(crate) fn aggregate_call(
        &mut self,
        name: &ast::Ident,
        args: &[ast::Expr],
        schema: &DFSchema,
        span: Span,
    ) -> PlanResult<Expr> {
        let Some(mut sink) = self.aggregate_sink.take() else {
            return Err(PlanError::user(
                span,
                format!(
                    "the aggregate {}() can only be used in summarize",
                    name.node
                ),
            ));
        };
        let lowered = self.lower_aggregate(&name.node, args, schema, span);
        let result = lowered.map(|(aggregate, finish)| {
            let mut references = Vec::new();
            for part in mean_parts(aggregate, &finish) {
                let alias = format!("__kql_agg_{}", sink.len());
                sink.push(part.alias(&alias));
                references.push(column(&alias));
            }
            finish_aggregate(references, finish)
        });
        self.aggregate_sink = Some(sink);
        result
    }

    fn lower_aggregate(
        &mut self,
        name: &str,
        args: &[ast::Expr],
        schema: &DFSchema,
        span: Span,
    ) -> PlanResult<(Expr, Finish)> {
        let arity = |min: usize, max: usize| check_arity(name, args, min, max, span);
        if matches!(
            name,
            "arg_max" | "argmax" | "arg_min" | "argmin" | "percentiles" | "percentilesw"
        ) {
            return Err(PlanError::not_supported(
                span,
                format!("{name}() outside a summarize item of its own"),
            ));
        }
        let mut a = Vec::with_capacity(args.len());
        for arg in args {
            if matches!(arg.node, ExprKind::Star) && matches!(name, "count" | "take_any" | "any") {
                continue;
            }
            a.push(self.scalar(arg, schema)?);
        }
        // Sums and means of dynamic values (`sum(d.Size)`) are over their numbers.
        let numeric = [
            "sum", "sumif", "avg", "avgif", "stdev", "stdevif", "stdevp", "variance",
        ];
        let mut as_type = None;
        if numeric.contains(&name) || name.starts_with("variance") || name.starts_with("percentile")
        {
            if let Some(first) = a.first_mut() {
                let t = self.type_of(first, schema, span)?;
                if crate::literals::is_dynamic(&t) {
                    *first = crate::kernels::convert::call(
                        crate::kernels::convert::Target::Real,
                        first.clone(),
                    );
                } else if in_own_type(name, &t) {
                    *first = cast(first.clone(), DataType::Int64);
                    as_type = Some(t);
                }
            }
        }
        // A placeholder where the argument is missing: the arity check of the arm reports it
        // (the arms build their expression before checking).
        let first = || a.first().cloned().unwrap_or(lit(ScalarValue::Null));
        let filtered = |e: Expr, p: &Expr| e.filter(p.clone()).build().at(span);
        let order = self.aggregate_order.clone();
        let list = || array_agg_udaf().call(vec![first()]);
        let sequence = || ordered(list(), &order);
        let limit = |i: usize| a.get(i).map(|e| cast(e.clone(), DataType::Int64));
        let (aggregate, finish) = match name {
            "count" => {
                arity(0, 1)?;
                (count(lit(1i64)), Finish::None)
            }
            "countif" => {
                arity(1, 1)?;
                let predicate = self.type_of(&a[0], schema, span)?;
                if !matches!(predicate, DataType::Boolean | DataType::Null) {
                    let found = crate::operators::kusto_type_name(&predicate);
                    let message = format!("countif() needs a bool predicate, found {found}");
                    return Err(PlanError::user(span, message));
                }
                (filtered(count(lit(1i64)), &a[0])?, Finish::None)
            }
            "dcount" | "count_distinct" => {
                arity(1, 2)?;
                (dcount::call(first()), Finish::Zero)
            }
            "dcountif" | "count_distinctif" => {
                arity(2, 3)?;
                // As a CASE: DataFusion may drop the FILTER of a DISTINCT aggregate.
                let kept = datafusion::logical_expr::when(a[1].clone(), first())
                    .end()
                    .at(span)?;
                (dcount::call(kept), Finish::Zero)
            }
            "sum" => one(arity(1, 1), sum(first()), Finish::Zero)?,
            "avg" => one(arity(1, 1), sum(first()), Finish::Mean)?,
            "min" | "max" if self.type_of(&first(), schema, span)?.is_floating() => {
                arity(1, 1)?;
                nan_wins(first(), name == "max")
            }
            "min" => one(arity(1, 1), min(first()), Finish::None)?,
            "max" => one(arity(1, 1), max(first()), Finish::None)?,
            "stdev" => one(arity(1, 1), stddev(first()), Finish::Zero)?,
            "stdevp" => one(arity(1, 1), stddev_pop(first()), Finish::Zero)?,
            "variance" => one(arity(1, 1), var_sample(first()), Finish::Zero)?,
            "variancep" => one(arity(1, 1), var_pop(first()), Finish::Zero)?,
            "sumif" | "avgif" | "minif" | "maxif" | "stdevif" | "varianceif" | "variancepif" => {
                arity(2, 2)?;
                let base = match name {
                    "sumif" => sum(first()),
                    "avgif" => sum(first()),
                    "minif" => min(first()),
                    "maxif" => max(first()),
                    "stdevif" => stddev(first()),
                    "variancepif" => var_pop(first()),
                    _ => var_sample(first()),
                };
                let finish = match name {
                    "sumif" | "stdevif" | "varianceif" | "variancepif" => Finish::Zero,
                    "avgif" => Finish::Mean,
                    _ => Finish::None,
                };
                (filtered(base, &a[1])?, finish)
            }
            "take_any" | "any" => {
                arity(1, 1)?;
                if a.is_empty() {
                    return Err(PlanError::not_supported(span, format!("{name}(*)")));
                }
                // Kusto's docs: it "will attempt to return a non-null/non-empty value".
                let value = first();
                let present = value
                    .clone()
                    .is_not_null()
                    .and(cast(value.clone(), DataType::Utf8).not_eq(lit("")));
                let agg = first_value(value, vec![])
                    .filter(present)
                    .build()
                    .at(span)?;
                (agg, Finish::None)
            }
            "take_anyif" | "anyif" => {
                arity(2, 2)?;
                // As take_any, among the rows where the predicate holds.
                let value = first();
                let present = value
                    .clone()
                    .is_not_null()
                    .and(cast(value.clone(), DataType::Utf8).not_eq(lit("")));
                let kept = datafusion::logical_expr::when(a[1].clone(), present)
                    .otherwise(lit(false))
                    .at(span)?;
                let agg = first_value(value, vec![]).filter(kept).build().at(span)?;
                (agg, Finish::None)
            }
            "make_list" | "makelist" => {
                arity(1, 2)?;
                (sequence(), Finish::Render(PackKind::List, limit(1)))
            }
            "make_list_with_nulls" => {
                arity(1, 2)?;
                (
                    sequence(),
                    Finish::Render(PackKind::ListWithNulls, limit(1)),
                )
            }
            "make_list_if" => {
                arity(2, 3)?;
                (
                    filtered(sequence(), &a[1])?,
                    Finish::Render(PackKind::List, limit(2)),
                )
            }
            "make_set" | "makeset" => {
                arity(1, 2)?;
                let agg = list().distinct().build().at(span)?;
                (agg, Finish::Render(PackKind::Set, limit(1)))
            }
            "make_set_if" => {
                arity(2, 3)?;
                let kept = datafusion::logical_expr::when(a[1].clone(), first())
                    .end()
                    .at(span)?;
                let agg = array_agg_udaf()
                    .call(vec![kept])
                    .distinct()
                    .build()
                    .at(span)?;
                (agg, Finish::Render(PackKind::Set, limit(2)))
            }
            "make_bag" => {
                arity(1, 2)?;
                (list(), Finish::Render(PackKind::MergeBags, limit(1)))
            }
            "make_bag_if" => {
                arity(2, 3)?;
                (
                    filtered(list(), &a[1])?,
                    Finish::Render(PackKind::MergeBags, limit(2)),
                )
            }
            "percentile" => {
                arity(2, 2)?;
                (list(), Finish::percentiles(&a[1..], None, false))
            }
            "percentilew" => {
                arity(3, 3)?;
                let weights = array_agg_udaf().call(vec![a[1].clone()]);
                (list(), Finish::percentiles(&a[2..], Some(weights), false))
            }
            "percentiles_array" => {
                arity(2, usize::MAX)?;
                (list(), Finish::percentiles(&a[1..], None, true))
            }
            "percentilesw_array" => {
                arity(3, usize::MAX)?;
                let weights = array_agg_udaf().call(vec![a[1].clone()]);
                (list(), Finish::percentiles(&a[2..], Some(weights), true))
            }
            "binary_all_and" => one(arity(1, 1), bit_and(first()), Finish::None)?,
            "binary_all_or" => one(arity(1, 1), bit_or(first()), Finish::None)?,
            "binary_all_xor" => one(arity(1, 1), bit_xor(first()), Finish::None)?,
            ANY_ROW => one(arity(1, 1), first_value(first(), vec![]), Finish::None)?,
            ARG_MAX | ARG_MIN => {
                arity(2, 2)?;
                // Kusto's arg_max and arg_min both pick a NaN over any number.
                let mut order = Vec::new();
                if self.type_of(&a[0], schema, span)?.is_floating() {
                    order.push(
                        datafusion::functions::expr_fn::isnan(a[0].clone()).sort(false, false),
                    );
                }
                order.push(a[0].clone().sort(name == ARG_MIN, false));
                (first_value(a[1].clone(), order), Finish::None)
            }
            other => {
                return Err(PlanError::not_supported(
                    span,
                    format!("aggregate '{other}'"),
                ))
            }
        };
        Ok(match as_type {
            Some(t) => (aggregate, Finish::As(Box::new(finish), t)),
            None => (aggregate, finish),
        })
    }
}

/// `min`/`max` of reals: Kusto ranks NaN above and below every number (its `arg_max` and
/// `arg_min` both pick it), so a NaN among the values is the answer; the engine's own order
/// of NaN differs with and without `by`.
fn nan_wins(value: Expr, max_wanted: bool) -> (Expr, Finish) {
    let nan = datafusion::functions::expr_fn::isnan(value.clone());
    let number = datafusion::logical_expr::when(nan.clone(), lit(ScalarValue::Float64(None)))
        .otherwise(value)
        .expect("a CASE with a branch builds");
    let extreme = if max_wanted { max(number) } else { min(number) };
    (extreme, Finish::NanWins(max(cast(nan, DataType::Int64))))
}

/// Sums of timespans and means of timespans and datetimes are of the argument's type,
/// computed over its nanoseconds.
fn in_own_type(name: &str, t: &DataType) -> bool {
    match name {
        "sum" | "sumif" => matches!(t, DataType::Duration(_)),
        "avg" | "avgif" => matches!(t, DataType::Duration(_) | DataType::Timestamp(..)),
        _ => false,
    }
}

/// `make_list` keeps the serialized order of its input.
fn ordered(list: Expr, order: &[datafusion::logical_expr::SortExpr]) -> Expr {
    if order.is_empty() {
        return list;
    }
    list.clone()
        .order_by(order.to_vec())
        .build()
        .unwrap_or(list)
}

fn one(arity: PlanResult<()>, aggregate: Expr, finish: Finish) -> PlanResult<(Expr, Finish)> {
    arity.map(|_| (aggregate, finish))
}

/// The DataFusion aggregates behind one KQL aggregate: a mean is a sum and a count of the
/// same values (with the same filter).
fn mean_parts(aggregate: Expr, finish: &Finish) -> Vec<Expr> {
    if let Finish::Percentile {
        weights: Some(second),
        ..
    }
    | Finish::NanWins(second) = finish
    {
        return vec![aggregate, second.clone()];
    }
    if !finish.is_mean() {
        return vec![aggregate];
    }
    let mut counted = aggregate.clone();
    if let Expr::AggregateFunction(call) = &mut counted {
        call.func = datafusion::functions_aggregate::count::count_udaf();
    }
    vec![aggregate, counted]
}

fn finish_aggregate(mut references: Vec<Expr>, finish: Finish) -> Expr {
    let reference = references.remove(0);
    match finish {
        Finish::Mean => {
            let real = |e: Expr| cast(e, DataType::Float64);
            let total = coalesce(vec![real(reference), lit(0.0)]);
            total / real(references.remove(0))
        }
        Finish::None => reference,
        Finish::NanWins(_) => {
            let had_nan = references.remove(0).eq(lit(1i64));
            datafusion::logical_expr::when(had_nan, lit(f64::NAN))
                .otherwise(reference)
                .expect("a CASE with a branch builds")
        }
        Finish::Zero => coalesce(vec![reference, lit(0i64)]),
        Finish::Render(kind, limit) => {
            let mut args = vec![reference];
            args.extend(limit);
            pack(kind, args)
        }
        Finish::Percentile {
            percents,
            weights,
            array,
        } => {
            let weights = weights.map(|_| references.remove(0));
            let at = |p: Expr| match &weights {
                Some(w) => percentile::weighted(reference.clone(), w.clone(), p),
                None => percentile::call(reference.clone(), p),
            };
            let mut values: Vec<Expr> = percents.into_iter().map(at).collect();
            match array {
                true => pack(PackKind::Array, values),
                false => values.remove(0),
            }
        }
        Finish::As(inner, t) => {
            references.insert(0, reference);
            let nanos = finish_aggregate(references, *inner);
            cast(try_cast(nanos, DataType::Int64), t)
        }
    }
}
