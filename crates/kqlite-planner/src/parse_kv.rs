//! `parse-kv`: the text read into a property bag of its keys (see `kqlite-functions/src/key_values.rs`),
//! then one column per listed key, converted to its type; a missing key is null (a string is
//! empty).

use datafusion::common::ScalarValue;
use datafusion::logical_expr::{lit, Expr, LogicalPlan};
use kqlite_parser::{ExprKind, Literal, ParseKv, ScalarType, Span};

use crate::error::{PlanError, PlanResult};
use crate::kernels::dynamic as d;
use crate::kernels::key_values;
use crate::kernels::rowwise::{self, RowFn};
use crate::names::column_names;
use crate::planner::Planner;

impl Planner<'_> {
    pub(crate) fn parse_kv(
        &mut self,
        plan: LogicalPlan,
        kv: &ParseKv,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let schema = plan.schema().clone();
        let source = self.scalar(&kv.source, &schema)?;
        let source = self.as_string(source, &schema, kv.source.span)?;
        let bag = self.key_value_bag(source, kv, span)?;
        let mut names = column_names(&schema);
        let mut exprs: Vec<Expr> = schema.columns().into_iter().map(Expr::Column).collect();
        for (key, ty) in &kv.keys {
            let Some(scalar_type) = ScalarType::from_name(&ty.node) else {
                return Err(PlanError::user(
                    ty.span,
                    format!("unknown type '{}'", ty.node),
                ));
            };
            let found = rowwise::call(
                "kql_json_get",
                RowFn::Dynamic(d::get),
                vec![bag.clone(), lit(ScalarValue::Utf8(Some(key.node.clone())))],
            );
            let value = crate::functions::typed_value(found, scalar_type);
            match names.iter().position(|n| *n == key.node) {
                Some(i) => exprs[i] = value.alias(&key.node),
                None => {
                    names.push(key.node.clone());
                    exprs.push(value.alias(&key.node));
                }
            }
        }
        crate::projection::project(plan, exprs, span)
    }

    /// The kernel call for the options given: delimiters (with quotes and escapes) or a regex.
    fn key_value_bag(&mut self, source: Expr, kv: &ParseKv, span: Span) -> PlanResult<Expr> {
        let option = |name: &str| option_text(&kv.options, name);
        if let Some(regex) = option("regex") {
            let args = vec![source, lit(regex)];
            return Ok(rowwise::call(
                "parse_kv_by_regex",
                RowFn::Dynamic(key_values::by_regex),
                args,
            ));
        }
        let quotes = option("quote").unwrap_or_default();
        let escapes = option("escape").unwrap_or_default();
        let (Some(pair), Some(key_value)) = (option("pair_delimiter"), option("kv_delimiter"))
        else {
            return bag_by_key_names(source, kv, quotes, escapes, span);
        };
        let greedy = option("greedy").unwrap_or_default();
        let args = vec![
            source,
            lit(pair),
            lit(key_value),
            lit(quotes),
            lit(escapes),
            lit(greedy),
        ];
        Ok(rowwise::call(
            "parse_kv_by_delimiters",
            RowFn::Dynamic(key_values::by_delimiters),
            args,
        ))
    }
}

/// No delimiters given: every character but letters and digits delimits (Kusto's
/// "nonspecified delimiter" mode), so the kernel looks for the keys listed.
fn bag_by_key_names(
    source: Expr,
    kv: &ParseKv,
    quotes: String,
    escapes: String,
    span: Span,
) -> PlanResult<Expr> {
    if kv.options.iter().any(|o| !is_quoting(o)) {
        return Err(PlanError::user(
            span,
            "parse-kv takes pair_delimiter and kv_delimiter together, or regex",
        ));
    }
    let keys: Vec<&str> = kv.keys.iter().map(|(key, _)| key.node.as_str()).collect();
    let keys = serde_json::to_string(&keys).unwrap_or_default();
    let args = vec![source, lit(keys), lit(quotes), lit(escapes)];
    Ok(rowwise::call(
        "parse_kv_by_key_names",
        RowFn::Dynamic(key_values::by_key_names),
        args,
    ))
}

const QUOTE_SEPARATOR: char = '\u{1f}';

/// Whether an option is `quote=` or `escape=`, the only ones the mode without delimiters takes.
fn is_quoting(option: &kqlite_parser::ast::Expr) -> bool {
    matches!(&option.node, ExprKind::Assign { name, .. } if name.node == "quote" || name.node == "escape")
}

/// The text of option `name` (`quote` and `escape` may repeat: their texts join, each after a
/// unit separator, so that `quote='"', quote="'"` stays two pairs and not the pair `"'`).
fn option_text(options: &[kqlite_parser::ast::Expr], name: &str) -> Option<String> {
    let mut found: Option<String> = None;
    for option in options {
        let ExprKind::Assign { name: n, value } = &option.node else {
            continue;
        };
        if n.node != name {
            continue;
        }
        let text = match &value.node {
            ExprKind::Literal(Literal::String(s)) => s.clone(),
            ExprKind::Literal(Literal::Bool(b)) => b.to_string(),
            _ => continue,
        };
        let joined = found.get_or_insert_with(String::new);
        if !joined.is_empty() {
            joined.push(QUOTE_SEPARATOR);
        }
        joined.push_str(&text);
    }
    found
}
