//! `parse-kv`'s reading of one text into a property bag of its keys and values (text).
//! With delimiters, the text splits into pairs at the pair delimiter and each pair at its first
//! key-value delimiter, both outside quotes; with a regex, each match's two groups are a key
//! and a value. Keys and values are trimmed and unquoted; a key's first value wins.

use serde_json::{Map, Value};

use super::rowwise::{text, Ctx};

type Row<'a> = [Option<&'a str>];

/// `(text, pair_delimiter, kv_delimiter, quotes, escapes)`
pub fn by_delimiters(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(source) = row[0] else { return false };
    let (pair, kv) = (text(row, 1), text(row, 2));
    let marks = Marks {
        quotes: quote_pairs(text(row, 3)),
        escapes: text(row, 4).chars().collect(),
    };
    let mut bag = Map::new();
    for piece in marks.split(source, pair) {
        let Some(at) = marks.find(piece, kv) else {
            continue;
        };
        let (key, value) = (&piece[..at], &piece[at + kv.len()..]);
        let key = marks.unquote(key.trim());
        let value = marks.unquote(value.trim());
        bag.entry(key).or_insert(Value::String(value));
    }
    out.push_str(&Value::Object(bag).to_string());
    true
}

/// `(text, regex)`: group 1 of each match is a key, group 2 its value.
pub fn by_regex(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(source) = row[0] else { return false };
    let Some(re) = ctx.regex(text(row, 1)) else {
        return false;
    };
    let mut bag = Map::new();
    for found in re.captures_iter(source) {
        let (Some(key), Some(value)) = (found.get(1), found.get(2)) else {
            continue;
        };
        bag.entry(key.as_str().trim().to_string())
            .or_insert_with(|| Value::String(value.as_str().trim().to_string()));
    }
    out.push_str(&Value::Object(bag).to_string());
    true
}

/// `quote='"'` (the same mark both sides) or `quote='()'` (opening, closing), each a pair.
fn quote_pairs(quotes: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = quotes.chars().collect();
    match chars.as_slice() {
        [] => Vec::new(),
        [open, close] => vec![(*open, *close)],
        marks => marks.iter().map(|c| (*c, *c)).collect(),
    }
}

struct Marks {
    quotes: Vec<(char, char)>,
    escapes: Vec<char>,
}

impl Marks {
    /// Where `delimiter` first occurs in `s` outside quotes.
    fn find(&self, s: &str, delimiter: &str) -> Option<usize> {
        if delimiter.is_empty() {
            return None;
        }
        let mut closing: Option<char> = None;
        let mut escaped = false;
        for (at, c) in s.char_indices() {
            if escaped {
                escaped = false;
            } else if let Some(close) = closing {
                escaped = self.escapes.contains(&c);
                if c == close {
                    closing = None;
                }
            } else if let Some((_, close)) = self.quotes.iter().find(|(open, _)| *open == c) {
                closing = Some(*close);
            } else if s[at..].starts_with(delimiter) {
                return Some(at);
            }
        }
        None
    }

    /// The non-blank parts of `s` between occurrences of `delimiter` outside quotes.
    fn split<'s>(&self, mut s: &'s str, delimiter: &str) -> Vec<&'s str> {
        let mut parts = Vec::new();
        while let Some(at) = self.find(s, delimiter) {
            parts.push(&s[..at]);
            s = &s[at + delimiter.len()..];
        }
        parts.push(s);
        parts.retain(|p| !p.trim().is_empty());
        parts
    }

    /// `s` without its surrounding quotes, escapes removed.
    fn unquote(&self, s: &str) -> String {
        let mut chars = s.chars();
        let (first, last) = (chars.next(), s.chars().last());
        let quoted = self
            .quotes
            .iter()
            .any(|(open, close)| Some(*open) == first && Some(*close) == last && s.len() > 1);
        if !quoted {
            return s.to_string();
        }
        let inner = &s[first.map_or(0, char::len_utf8)..s.len() - last.map_or(0, char::len_utf8)];
        let mut out = String::with_capacity(inner.len());
        let mut it = inner.chars();
        while let Some(c) = it.next() {
            if self.escapes.contains(&c) {
                if let Some(next) = it.next() {
                    out.push(next);
                }
            } else {
                out.push(c);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(row: &[&str]) -> String {
        let mut ctx = Ctx::new(Vec::new());
        let row: Vec<Option<&str>> = row.iter().map(|s| Some(*s)).collect();
        let mut out = String::new();
        by_delimiters(&mut ctx, &row, &mut out);
        out
    }

    #[test]
    fn pairs_split_outside_quotes() {
        assert_eq!(
            parse(&["a=1;a=2;b = x y ", ";", "=", "", ""]),
            r#"{"a":"1","b":"x y"}"#
        );
        assert_eq!(parse(&["a==b", " ", "=", "", ""]), r#"{"a":"=b"}"#);
        assert_eq!(
            parse(&["k='v;w';m='q'", ";", "=", "'", ""]),
            r#"{"k":"v;w","m":"q"}"#
        );
        assert_eq!(
            parse(&[r#"f="say \"hi\"""#, " ", "=", "\"", "\\"]),
            r#"{"f":"say \"hi\""}"#
        );
    }
}
