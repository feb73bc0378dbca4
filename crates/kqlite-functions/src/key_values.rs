//! `parse-kv`'s reading of one text into a property bag of its keys and values (text).
//! With delimiters, the text splits into pairs at the pair delimiter and each pair at its first
//! key-value delimiter, both outside quotes (greedy: a piece with no key-value delimiter belongs
//! to the value before it); with a regex, each match's two groups are a key and a value; with
//! neither, every character that is not a letter or digit delimits, and a listed key's value is
//! the word (or quoted text) after it. Keys and values are trimmed and unquoted; a key's first
//! value wins.

use serde_json::{Map, Value};

use super::rowwise::{text, Ctx};

type Row<'a> = [Option<&'a str>];

/// `(text, pair_delimiter, kv_delimiter, quotes, escapes [, greedy])`
pub fn by_delimiters(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(source) = row[0] else { return false };
    let (pair, kv) = (text(row, 1), text(row, 2));
    let marks = Marks::new(text(row, 3), text(row, 4));
    let mut pieces = marks.split(source, pair);
    if text(row, 5) == "true" {
        pieces = marks.greedy(source, pieces, kv);
    }
    let mut bag = Map::new();
    for piece in pieces {
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

/// `(text, keys, quotes, escapes)`, `keys` a JSON array of the keys listed: each key's first
/// appearance as a whole word, then the next word (or quoted text) is its value.
pub fn by_key_names(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(source) = row[0] else { return false };
    let keys: Vec<String> = serde_json::from_str(text(row, 1)).unwrap_or_default();
    let marks = Marks::new(text(row, 2), text(row, 3));
    let mut bag = Map::new();
    for key in keys {
        if let Some(value) = word_after(source, &key).and_then(|at| marks.word_at(at)) {
            bag.insert(key, Value::String(value));
        }
    }
    out.push_str(&Value::Object(bag).to_string());
    true
}

/// The rest of `s` after the first appearance of `key` as a whole word.
fn word_after<'s>(s: &'s str, key: &str) -> Option<&'s str> {
    let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
    let mut from = 0;
    while let Some(found) = s[from..].find(key).map(|at| from + at) {
        let end = found + key.len();
        if boundary(s[..found].chars().last()) && boundary(s[end..].chars().next()) {
            return Some(&s[end..]);
        }
        from = found + key.chars().next().map_or(1, char::len_utf8);
    }
    None
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

/// `quote='"'` (the same mark both sides) or `quote='()'` (opening, closing), each a pair;
/// repeated `quote=` options arrive apart by a unit separator.
fn quote_pairs(quotes: &str) -> Vec<(char, char)> {
    quotes.split('\u{1f}').flat_map(one_quote_option).collect()
}

fn one_quote_option(quotes: &str) -> Vec<(char, char)> {
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
    fn new(quotes: &str, escapes: &str) -> Self {
        Marks {
            quotes: quote_pairs(quotes),
            escapes: escapes.chars().filter(|c| *c != '\u{1f}').collect(),
        }
    }

    /// Greedy pairs: a piece with no key-value delimiter is more of the value before it.
    fn greedy<'s>(&self, source: &'s str, pieces: Vec<&'s str>, kv: &str) -> Vec<&'s str> {
        let offset = |piece: &str| piece.as_ptr() as usize - source.as_ptr() as usize;
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for piece in pieces {
            let (start, end) = (offset(piece), offset(piece) + piece.len());
            match pairs.last_mut() {
                Some(last) if self.find(piece, kv).is_none() => last.1 = end,
                _ => pairs.push((start, end)),
            }
        }
        pairs.into_iter().map(|(a, b)| &source[a..b]).collect()
    }

    /// The value starting in `rest` after its delimiters: quoted text, or a word of letters
    /// and digits.
    fn word_at(&self, rest: &str) -> Option<String> {
        let start = rest.find(|c: char| c.is_alphanumeric() || self.opens(c))?;
        let rest = &rest[start..];
        let first = rest.chars().next()?;
        if self.opens(first) {
            let end = self.quoted_end(rest)?;
            return Some(self.unquote(&rest[..end]));
        }
        let end = rest
            .find(|c: char| !c.is_alphanumeric())
            .unwrap_or(rest.len());
        Some(rest[..end].to_string())
    }

    fn opens(&self, c: char) -> bool {
        self.quotes.iter().any(|(open, _)| *open == c)
    }

    /// The end of the quoted text `s` starts with, after its closing mark.
    fn quoted_end(&self, s: &str) -> Option<usize> {
        let open = s.chars().next()?;
        let (_, close) = self.quotes.iter().find(|(o, _)| *o == open)?;
        let mut escaped = false;
        for (at, c) in s.char_indices().skip(1) {
            if escaped {
                escaped = false;
            } else if self.escapes.contains(&c) {
                escaped = true;
            } else if c == *close {
                return Some(at + c.len_utf8());
            }
        }
        None
    }

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
    fn greedy_values_run_to_the_next_key() {
        assert_eq!(
            parse(&["name=John Doe phone=555 5555 x", " ", "=", "", "", "true"]),
            r#"{"name":"John Doe","phone":"555 5555 x"}"#
        );
    }

    #[test]
    fn without_delimiters_a_key_takes_the_next_word() {
        let mut ctx = Ctx::new(Vec::new());
        let text = "[INFO] ThreadId:4587, Machine:Node001, Text: 'it\\'s up' xThreadId=1";
        let row = [
            Some(text),
            Some(r#"["Machine","Text","ThreadId","Nope"]"#),
            Some("'"),
            Some("\\"),
        ];
        let mut out = String::new();
        by_key_names(&mut ctx, &row, &mut out);
        assert_eq!(
            out,
            r#"{"Machine":"Node001","Text":"it's up","ThreadId":"4587"}"#
        );
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
