//! `parse` and `parse-where`: a pattern of literals and typed captures, run as one regex over
//! the whole column.

use datafusion::common::Column;
use datafusion::functions::expr_fn::{coalesce, regexp_match};
use datafusion::functions_nested::expr_fn::array_element;
use datafusion::logical_expr::{col, lit, try_cast, Expr, LogicalPlan, LogicalPlanBuilder};
use kqlite_parser::{Parse, ParsePart, ScalarType, Span};

use crate::error::{build, PlanError, PlanResult};
use crate::join::option_word;
use crate::literals::{arrow_type, string};
use crate::names::column_names;
use crate::planner::Planner;

const MATCH: &str = "__kql_parse";

/// A capture: the output column and its type.
struct Capture {
    name: String,
    ty: ScalarType,
}

impl Planner<'_> {
    pub(crate) fn parse(
        &mut self,
        plan: LogicalPlan,
        parse: &Parse,
        span: Span,
    ) -> PlanResult<LogicalPlan> {
        let schema = plan.schema().clone();
        let regex_kind = option_word(&parse.options, "kind").as_deref() == Some("regex");
        let flags = option_word(&parse.options, "flags").unwrap_or_default();
        let (pattern, captures) = pattern_regex(&parse.pattern, regex_kind, &flags, span)?;
        let source = self.scalar(&parse.source, &schema)?;
        let source = self.as_string(source, &schema, parse.source.span)?;

        let mut exprs: Vec<Expr> = schema
            .iter()
            .map(|(q, f)| Expr::Column((q, f).into()))
            .collect();
        exprs.push(regexp_match(source, lit(pattern), None).alias(MATCH));
        let mut matched = crate::projection::project(plan, exprs, span)?;
        if parse.only_matching {
            let found = col(Column::from_name(MATCH)).is_not_null();
            matched = build(LogicalPlanBuilder::from(matched).filter(found), span)?;
        }
        let input = column_names(&schema);
        let value = |i: usize, c: &Capture| {
            let group = array_element(col(Column::from_name(MATCH)), lit(i as i64 + 1));
            let typed = match c.ty {
                ScalarType::String => coalesce(vec![group, lit(string(""))]),
                other => try_cast(group, arrow_type(other)),
            };
            typed.alias(&c.name)
        };
        let mut output: Vec<Expr> = input
            .iter()
            .map(|name| match captures.iter().position(|c| &c.name == name) {
                Some(i) => value(i, &captures[i]),
                None => col(Column::from_name(name.clone())),
            })
            .collect();
        for (i, capture) in captures
            .iter()
            .enumerate()
            .filter(|(_, c)| !input.contains(&c.name))
        {
            output.push(value(i, capture));
        }
        crate::projection::project(matched, output, span)
    }
}

/// The regex for a pattern: in `simple` mode literals match as text and captures lazily up to
/// the next literal (the last one to the end); in `regex` mode literals are regexes.
fn pattern_regex(
    parts: &[ParsePart],
    regex_kind: bool,
    flags: &str,
    span: Span,
) -> PlanResult<(String, Vec<Capture>)> {
    let mut regex = String::from("(?s");
    regex.extend(flags.chars().filter(|c| matches!(c, 'i' | 'm' | 'U' | 'x')));
    regex.push_str(")^");
    if regex_kind {
        regex.truncate(regex.len() - 1); // regex mode is not anchored
    }
    check_pattern(parts)?;
    let mut captures = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        match part {
            ParsePart::Text(text) if regex_kind => regex.push_str(text),
            ParsePart::Text(text) => regex.push_str(&regex::escape(text)),
            ParsePart::Wildcard => regex.push_str(if last { ".*" } else { ".*?" }),
            ParsePart::Capture { name, ty } => {
                let ty = match ty {
                    None => ScalarType::String,
                    Some(t) => ScalarType::from_name(&t.node).ok_or_else(|| {
                        PlanError::user(t.span, format!("unknown type '{}'", t.node))
                    })?,
                };
                // Simple mode takes the shortest text up to the next literal; regex mode, as
                // Kusto's regexes, the longest.
                regex.push_str(capture_regex(ty, regex_kind || last));
                captures.push(Capture {
                    name: name.node.clone(),
                    ty,
                });
            }
        }
    }
    if captures.is_empty() {
        return Err(PlanError::user(
            span,
            "parse needs at least one Column in its pattern",
        ));
    }
    Ok((regex, captures))
}

/// Kusto's pattern alternates text and columns: two columns in a row have nothing to split
/// them, and a `*` after a string column leaves it nothing to take.
fn check_pattern(parts: &[ParsePart]) -> PlanResult<()> {
    for pair in parts.windows(2) {
        let ParsePart::Capture { name, ty } = &pair[0] else {
            continue;
        };
        let string = ty
            .as_ref()
            .is_none_or(|t| t.node.eq_ignore_ascii_case("string"));
        match &pair[1] {
            ParsePart::Capture { name: next, .. } => {
                return Err(PlanError::user(
                    next.span,
                    format!(
                        "parse needs a string between the columns '{}' and '{}'",
                        name.node, next.node
                    ),
                ))
            }
            ParsePart::Wildcard if string => {
                return Err(PlanError::user(
                    name.span,
                    format!(
                        "parse cannot have '*' right after the string column '{}'",
                        name.node
                    ),
                ))
            }
            _ => {}
        }
    }
    Ok(())
}

fn capture_regex(ty: ScalarType, greedy: bool) -> &'static str {
    match ty {
        ScalarType::Int | ScalarType::Long => r"([-+]?\d+)",
        ScalarType::Real | ScalarType::Decimal => r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)",
        ScalarType::Bool => "((?i:true|false))",
        _ if greedy => "(.*)",
        _ => "(.*?)",
    }
}
