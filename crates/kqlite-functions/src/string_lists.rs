//! Row functions between strings and dynamic arrays: `parse_csv`, `replace_strings`,
//! `unicode_codepoints_from_string`, `unicode_codepoints_to_string`.

use serde_json::Value;

use super::arrays::value;
use super::json;
use super::rowwise::{text, Ctx};

type Row<'a> = [Option<&'a str>];

/// `parse_csv(text)`: the fields of the first record, as strings; a quoted field may hold
/// commas, line feeds and doubled quotes.
pub fn parse_csv(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let mut chars = text(row, 0).chars().peekable();
    let mut field = String::new();
    let (mut quoted, mut first) = (false, true);
    out.push('[');
    let mut push = |field: &mut String, out: &mut String| {
        if !std::mem::take(&mut first) {
            out.push(',');
        }
        json::push_string(field, out);
        field.clear();
    };
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (',', false) => push(&mut field, out),
            ('\n' | '\r', false) => break,
            (c, _) => field.push(c),
        }
    }
    push(&mut field, out);
    out.push(']');
    true
}

/// `replace_strings(text, lookups, rewrites)`: each lookup in turn, in the array's order,
/// replaces its matches in the text no earlier lookup matched; a rewrite that is not a string
/// keeps the match (which later lookups still leave alone).
pub fn replace_strings(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let items = |i: usize| match value(ctx, row, i) {
        Some(Value::Array(items)) => items,
        _ => Vec::new(),
    };
    let (lookups, rewrites) = (items(1), items(2));
    // The text in pieces, each either still open to matches or already settled.
    let mut pieces: Vec<(String, bool)> = vec![(text(row, 0).to_string(), false)];
    for (i, lookup) in lookups.iter().enumerate() {
        let Some(lookup) = lookup.as_str().filter(|l| !l.is_empty()) else {
            continue;
        };
        let rewrite = rewrites.get(i).and_then(Value::as_str).unwrap_or(lookup);
        pieces = pieces
            .into_iter()
            .flat_map(|(piece, settled)| match settled {
                true => vec![(piece, true)],
                false => split_matches(&piece, lookup, rewrite),
            })
            .collect();
    }
    pieces.iter().for_each(|(piece, _)| out.push_str(piece));
    true
}

/// `piece` cut at the matches of `lookup`, each match settled as `rewrite`.
fn split_matches(piece: &str, lookup: &str, rewrite: &str) -> Vec<(String, bool)> {
    let mut parts = Vec::new();
    let mut rest = piece;
    while let Some(at) = rest.find(lookup) {
        parts.push((rest[..at].to_string(), false));
        parts.push((rewrite.to_string(), true));
        rest = &rest[at + lookup.len()..];
    }
    parts.push((rest.to_string(), false));
    parts
}

/// `unicode_codepoints_from_string(text)`: the code point of each character.
pub fn codepoints_from_string(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let points: Vec<String> = text(row, 0)
        .chars()
        .map(|c| (c as u32).to_string())
        .collect();
    out.push('[');
    out.push_str(&points.join(","));
    out.push(']');
    true
}

/// `unicode_codepoints_to_string(points)`: the characters of an array of code points (or of
/// the arguments); null when one is not a valid code point.
pub fn codepoints_to_string(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let mut points = Vec::new();
    for i in 0..row.len() {
        match value(ctx, row, i) {
            Some(Value::Array(items)) => points.extend(items),
            Some(v) => points.push(v),
            None => return false,
        }
    }
    for point in points {
        let c = point
            .as_u64()
            .and_then(|p| char::from_u32(u32::try_from(p).ok()?));
        match c {
            Some(c) => out.push(c),
            None => return false,
        }
    }
    true
}
