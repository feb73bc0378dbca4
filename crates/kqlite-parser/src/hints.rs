//! Better messages for common mistakes, decided from the error and the text around it:
//! template placeholders, `=` for `==`, `#` comments, lines that do not continue the query,
//! a missing table before `|`, and day-first dates (`16/01/2022`).

use crate::error::ParseError;

/// Rewrite `e` when the text at its span shows a well-known cause.
pub(crate) fn improve(mut e: ParseError, text: &str) -> ParseError {
    let at = e.span.start.min(text.len());
    let here = text.get(at..).unwrap_or("");
    let spanned = text.get(at..e.span.end.min(text.len())).unwrap_or("");
    if let Some(p) = placeholder(spanned).or_else(|| placeholder(here)) {
        e.message = format!("'{p}' is a template placeholder, not KQL: replace it with a value");
        return e;
    }
    if e.message.starts_with("invalid datetime literal") && spanned.contains('/') {
        if let Some(iso) = slashed_date_as_iso(spanned) {
            e.message = format!("{}: use ISO 8601, such as datetime({iso})", e.message);
        }
        return e;
    }
    if !e.message.starts_with("unexpected ") && e.message != "expected an expression" {
        return e;
    }
    if let Some(m) = cause(here, starts_line(text, at)) {
        e.message = m;
    }
    e
}

/// The message for a token that cannot stand where it is, when a likely cause is known.
fn cause(here: &str, first_on_line: bool) -> Option<String> {
    if here.starts_with('=') && !here.starts_with("==") {
        return Some("unexpected '=': to compare, use '=='".into());
    }
    if here.starts_with('#') {
        return Some("unexpected '#': comments start with '//'".into());
    }
    if here.starts_with('|') && first_on_line {
        return Some("expected a table or an expression before '|'".into());
    }
    if !first_on_line {
        return None;
    }
    let word = here.starts_with(|c: char| c.is_alphanumeric() || c == '_');
    let token: String = here
        .chars()
        .take_while(|c| {
            if word {
                c.is_alphanumeric() || *c == '_'
            } else {
                !c.is_whitespace()
            }
        })
        .take(40)
        .collect();
    Some(format!(
        "unexpected '{token}' at the start of a line: the query before it is already complete \
         (a continuation line starts with '|', a comment with '//')"
    ))
}

/// `{{name}}` at the start of `s`, or inside a short literal.
fn placeholder(s: &str) -> Option<&str> {
    let start = s.find("{{")?;
    if start > 40 {
        return None;
    }
    let end = s[start..].find("}}")? + start + 2;
    (end - start <= 64).then(|| &s[start..end])
}

/// Whether only blanks precede `at` on its line.
fn starts_line(text: &str, at: usize) -> bool {
    let line_start = text[..at].rfind('\n').map_or(0, |p| p + 1);
    text[line_start..at].trim().is_empty()
}

/// `datetime("16/01/2022 00:00:00")` as `2022-01-16 00:00:00`.
fn slashed_date_as_iso(literal: &str) -> Option<String> {
    let inner = literal.split_once('(')?.1.trim_end_matches(')');
    let inner = inner.trim().trim_matches(|c| c == '"' || c == '\'');
    let (date, time) = inner.split_once(' ').unwrap_or((inner, ""));
    let parts: Vec<&str> = date.split('/').collect();
    let [m, d, y] = parts.as_slice() else {
        return None;
    };
    let num = |s: &str| s.parse::<u32>().ok();
    let (m, d, y) = (num(m)?, num(d)?, num(y)?);
    // Month-first dates parse (as .NET reads them); what fails is a day-first one.
    let (m, d) = if m > 12 { (d, m) } else { (m, d) };
    let iso = format!("{y:04}-{m:02}-{d:02} {time}");
    Some(iso.trim_end().to_string())
}
