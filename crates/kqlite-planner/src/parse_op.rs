//! `parse` and `parse-where`: a pattern of literals and typed captures, run as one regex over
//! the whole column.

use datafusion::common::Column;
use datafusion::functions::expr_fn::{coalesce, regexp_match};
use datafusion::functions_nested::expr_fn::array_element;
use datafusion::logical_expr::{col, lit, try_cast, when, Expr, LogicalPlan, LogicalPlanBuilder};
use kqlite_parser::{Parse, ParsePart, ScalarType, Span};

use crate::error::{build, PlanError, PlanResult, WithSpan};
use crate::join::option_word;
use crate::kernels::time::{self, TimeOp};
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
        let kind = option_word(&parse.options, "kind").unwrap_or_default();
        let flags = option_word(&parse.options, "flags").unwrap_or_default();
        let mode = Mode {
            regex: kind == "regex",
            relaxed: kind == "relaxed",
        };
        let (pattern, captures) = pattern_regex(&parse.pattern, mode, &flags, span)?;
        let source = self.scalar(&parse.source, &schema)?;
        let source = self.as_string(source, &schema, parse.source.span)?;

        let found = regexp_match(source, lit(pattern), None).alias(MATCH);
        let mut matched = crate::projection::with_column(plan, found, span)?;
        if !mode.relaxed {
            matched = unmatch_unconverted(matched, &captures, span)?;
        }
        if parse.only_matching {
            let found = col(Column::from_name(MATCH)).is_not_null();
            matched = build(LogicalPlanBuilder::from(matched).filter(found), span)?;
        }
        let input = column_names(&schema);
        let value = |i: usize, c: &Capture| typed_group(i, c.ty).alias(&c.name);
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

/// Capture `i` of the match, converted to `ty`.
fn typed_group(i: usize, ty: ScalarType) -> Expr {
    let group = array_element(col(Column::from_name(MATCH)), lit(i as i64 + 1));
    match ty {
        ScalarType::String => coalesce(vec![group, lit(string(""))]),
        ScalarType::Datetime => time::call(TimeOp::ToDatetime, vec![group]),
        ScalarType::Timespan => time::call(TimeOp::ParseSpan, vec![group]),
        other => try_cast(group, arrow_type(other)),
    }
}

/// Outside `relaxed` mode a row matches only if every column converts to its type: the
/// numbers and bools do by their regexes, a datetime or timespan is checked here.
fn unmatch_unconverted(
    plan: LogicalPlan,
    captures: &[Capture],
    span: Span,
) -> PlanResult<LogicalPlan> {
    let converted = captures
        .iter()
        .enumerate()
        .filter(|(_, c)| matches!(c.ty, ScalarType::Datetime | ScalarType::Timespan))
        .map(|(i, c)| typed_group(i, c.ty).is_not_null())
        .reduce(Expr::and);
    let Some(converted) = converted else {
        return Ok(plan);
    };
    let found = col(Column::from_name(MATCH));
    let kept = when(converted, found).end().at(span)?;
    let columns: Vec<Expr> = column_names(plan.schema())
        .into_iter()
        .map(|n| match n == MATCH {
            true => kept.clone().alias(MATCH),
            false => col(Column::from_name(n)),
        })
        .collect();
    crate::projection::project(plan, columns, span)
}

/// `parse`'s `kind`: `simple` (neither), `regex` or `relaxed`.
#[derive(Clone, Copy)]
struct Mode {
    regex: bool,
    relaxed: bool,
}

/// The regex for a pattern: in `simple` mode literals match as text and captures lazily up to
/// the next literal (the last one to the end); in `regex` mode literals are regexes (whose own
/// groups capture nothing, so that the columns' groups keep their numbers); in `relaxed` mode a
/// typed column takes any text, and one that does not convert is null alone.
fn pattern_regex(
    parts: &[ParsePart],
    mode: Mode,
    flags: &str,
    span: Span,
) -> PlanResult<(String, Vec<Capture>)> {
    let regex_kind = mode.regex;
    // Simple and relaxed text spans lines; a regex's `.` does only with the `s` flag (Kusto's
    // regex flags are all off by default).
    let mut wanted: String = flags
        .chars()
        .filter(|c| matches!(c, 'i' | 'm' | 's' | 'U' | 'x'))
        .collect();
    if !regex_kind && !wanted.contains('s') {
        wanted.push('s');
    }
    let mut regex = match wanted.is_empty() {
        true => String::new(),
        false => format!("(?{wanted})"),
    };
    if !regex_kind {
        regex.push('^'); // regex mode is not anchored
    }
    check_pattern(parts)?;
    let mut captures = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        match part {
            ParsePart::Text(text) if regex_kind => regex.push_str(&non_capturing(text)),
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
                // Kusto's regexes, the longest. Relaxed mode takes any text up to a literal,
                // and before a `*` the value's own form, if it is there.
                let before_wildcard = matches!(parts.get(i + 1), Some(ParsePart::Wildcard));
                match mode.relaxed {
                    true if before_wildcard && ty != ScalarType::String => {
                        // `(x|)`, not `(x)?`: a group that takes no part would shift the
                        // others in the list of captures.
                        let typed = capture_regex(ty, false);
                        regex.push_str(&format!("{}|)", &typed[..typed.len() - 1]));
                    }
                    true => regex.push_str(capture_regex(ScalarType::String, last)),
                    false => regex.push_str(capture_regex(ty, regex_kind || last)),
                }
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

/// A regex with its capturing groups (`(x)`, `(?P<n>x)`, `(?<n>x)`) made non-capturing;
/// escapes and character classes are left as they are.
fn non_capturing(regex: &str) -> String {
    let mut out = String::with_capacity(regex.len() + 8);
    let mut chars = regex.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                out.extend(chars.next());
                continue;
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class => {
                out.push_str(&group_opening(&mut chars));
                continue;
            }
            _ => {}
        }
        out.push(c);
    }
    out
}

/// The opening of a group whose `(` was just read: `(?:` for a capturing one.
fn group_opening(chars: &mut std::iter::Peekable<std::str::Chars>) -> String {
    if chars.peek() != Some(&'?') {
        return "(?:".to_string();
    }
    let rest: String = chars.clone().take(3).collect();
    let named =
        rest.starts_with("?P<") || (rest.starts_with("?<") && !rest[2..].starts_with(['=', '!']));
    if !named {
        return "(".to_string();
    }
    for c in chars.by_ref() {
        if c == '>' {
            break;
        }
    }
    "(?:".to_string()
}

#[cfg(test)]
mod tests {
    use super::non_capturing;

    #[test]
    fn groups_stop_capturing() {
        assert_eq!(non_capturing("(GET|POST) "), "(?:GET|POST) ");
        assert_eq!(non_capturing(r"\((a)\)[(]"), r"\((?:a)\)[(]");
        assert_eq!(non_capturing("(?i:x)(?P<n>y)(?<m>z)"), "(?i:x)(?:y)(?:z)");
        assert_eq!(non_capturing("(?:x)"), "(?:x)");
    }
}
