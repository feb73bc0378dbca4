//! Name resolution against a plan's schema, with "did you mean" help.

use datafusion::common::{Column, DFSchema};
use kqlite_parser::Span;

use crate::error::PlanError;

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

/// Kusto names unnamed computed columns `Column1`, `Column2`...: the first not taken.
pub(crate) fn fresh_column_name(taken: &[String]) -> String {
    (1..)
        .map(|i| format!("Column{i}"))
        .find(|n| !taken.contains(n))
        .expect("an unbounded range has a free name")
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
