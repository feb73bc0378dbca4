//! Name resolution against a plan's schema, with "did you mean" help.

use datafusion::common::{Column, DFSchema};
use kqlite_parser::{ast, ExprKind, Literal, Span};

use crate::error::{PlanError, PlanResult};

/// Finds the column `name` in `schema`, or says which columns exist.
pub(crate) fn resolve_column(
    schema: &DFSchema,
    name: &str,
    span: Span,
) -> Result<Column, PlanError> {
    if let Some(column) = find_column(schema, name) {
        return Ok(column);
    }
    let names: Vec<String> = column_names(schema);
    Err(unknown_name("column", name, &names, span))
}

pub(crate) fn find_column(schema: &DFSchema, name: &str) -> Option<Column> {
    // The last match wins, so a column added later shadows an earlier one.
    let fields: Vec<_> = schema.iter().collect();
    fields
        .into_iter()
        .rev()
        .find(|(_, field)| field.name() == name)
        .map(|(qualifier, field)| Column::new(qualifier.cloned(), field.name()))
}

pub(crate) fn column_names(schema: &DFSchema) -> Vec<String> {
    schema.fields().iter().map(|f| f.name().clone()).collect()
}

/// "unknown column 'Acount'", with the closest candidates and the whole list.
pub(crate) fn unknown_name(what: &str, name: &str, candidates: &[String], span: Span) -> PlanError {
    let error = PlanError::user(span, format!("unknown {what} '{name}'"));
    let mut help = match closest(name, candidates) {
        Some(best) => format!("did you mean '{best}'? "),
        None => String::new(),
    };
    let shown: Vec<&str> = candidates.iter().take(40).map(String::as_str).collect();
    let more = candidates.len().saturating_sub(shown.len());
    help.push_str(&format!("available {what}s: {}", shown.join(", ")));
    if more > 0 {
        help.push_str(&format!(" and {more} more"));
    }
    error.with_help(help)
}

/// The candidate with the smallest case-insensitive edit distance, if it is close enough.
pub(crate) fn closest<'a>(name: &str, candidates: &'a [String]) -> Option<&'a str> {
    let lower = name.to_lowercase();
    candidates
        .iter()
        .map(|c| (edit_distance(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// Functions whose unnamed result takes the name of their first argument: `tostring(x)`,
/// `bin(T, 1h)` and `format_datetime(T, f)` are named `x` and `T`.
const NAMED_BY_FIRST_ARGUMENT: &[&str] = &[
    "tostring",
    "toint",
    "tolong",
    "toreal",
    "todouble",
    "todatetime",
    "todate",
    "totimespan",
    "totime",
    "tobool",
    "toboolean",
    "todecimal",
    "toguid",
    "todynamic",
    "toobject",
    "tohex",
    "bin",
    "floor",
    "bin_at",
    "bin_auto",
    "startofday",
    "round",
    "ceiling",
    "format_datetime",
    "format_timespan",
    "format_bytes",
    "parse_json",
    "parsejson",
    "parse_xml",
    "parse_csv",
    "split",
    "abs",
    "pow",
    "sqrt",
    "log",
    "log2",
    "log10",
    "exp",
    "exp2",
    "exp10",
    "sin",
    "cos",
    "tan",
    "asin",
    "acos",
    "atan",
    "cot",
    "degrees",
    "radians",
    "binary_and",
    "binary_or",
    "binary_xor",
    "binary_not",
    "binary_shift_left",
    "binary_shift_right",
    "series_fill_forward",
    "series_fill_backward",
    "series_fill_linear",
    "series_fill_const",
    "series_fir",
    "series_iir",
    "series_outliers",
];

/// The name Kusto derives from an expression: a column's own name, `d_a_b` for `d.a.b` or
/// `d["a"]["b"]`, and through the functions above, their first argument's. None for the rest,
/// which get `Column1`, `Column2`...
pub(crate) fn expression_name(expr: &ast::Expr) -> Option<String> {
    match &expr.node {
        ExprKind::Name(name) => Some(name.clone()),
        ExprKind::Member { target, name } => {
            Some(format!("{}_{}", expression_name(target)?, name.node))
        }
        ExprKind::Index { target, index } => {
            let step = match &index.node {
                ExprKind::Literal(Literal::String(s)) => s.clone(),
                ExprKind::Literal(Literal::Long(n)) => n.to_string(),
                ExprKind::Literal(Literal::Int(n)) => n.to_string(),
                _ => return None,
            };
            Some(format!("{}_{step}", expression_name(target)?))
        }
        ExprKind::Call { name, args } if NAMED_BY_FIRST_ARGUMENT.contains(&name.node.as_str()) => {
            args.first().and_then(expression_name)
        }
        _ => None,
    }
}

/// `name`, or `name1`, `name2`...: the first not taken.
pub(crate) fn unique_name(name: String, taken: &[String]) -> String {
    if !taken.contains(&name) {
        return name;
    }
    (1..)
        .map(|i| format!("{name}{i}"))
        .find(|n| !taken.contains(n))
        .expect("an unbounded range has a free name")
}

/// Kusto names unnamed computed columns `Column1`, `Column2`...: the first not taken.
pub(crate) fn fresh_column_name(taken: &[String]) -> String {
    (1..)
        .map(|i| format!("Column{i}"))
        .find(|n| !taken.contains(n))
        .expect("an unbounded range has a free name")
}

/// The first column of a table read as a list (`x in (T)`, `has_any (T)`): an error when the
/// table has none, as `project-away` of every column leaves.
pub(crate) fn first_column(schema: &DFSchema, span: Span) -> PlanResult<Column> {
    match schema.iter().next() {
        Some(field) => Ok(Column::from(field)),
        None => Err(PlanError::user(
            span,
            "the table has no columns to read values from",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_closest_name() {
        let names = vec!["AccountUpn".to_string(), "ActionType".to_string()];
        assert_eq!(closest("AcountUpn", &names), Some("AccountUpn"));
        assert_eq!(closest("actiontype", &names), Some("ActionType"));
        assert_eq!(closest("Zebra", &names), None);
    }

    #[test]
    fn fresh_names_skip_taken_ones() {
        assert_eq!(fresh_column_name(&["Column1".into()]), "Column2");
    }
}
