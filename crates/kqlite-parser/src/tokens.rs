//! A total lexer for syntax highlighting: never fails, and its spans cover every byte.

use crate::ast::{Span, BINARY_OPS, LIST_OPS};
use crate::lexer::{is_ident_char, is_ident_start};
use crate::operators::OPERATOR_KEYWORDS;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Keyword,
    Ident,
    String,
    Number,
    Operator,
    Punct,
    Comment,
    Whitespace,
    Unknown,
}

/// Words highlighted as keywords besides the operator names and word operators.
const OTHER_KEYWORDS: &[&str] = &[
    "let",
    "set",
    "declare",
    "query_parameters",
    "by",
    "on",
    "with",
    "kind",
    "asc",
    "desc",
    "nulls",
    "first",
    "last",
    "from",
    "to",
    "step",
    "between",
    "matches",
    "regex",
    "true",
    "false",
    "datatable",
    "print",
    "range",
    "externaldata",
    "typeof",
    "view",
    "and",
    "or",
    "not",
];

/// Split `text` into highlighted tokens; consecutive spans cover the whole text.
pub fn tokens(text: &str) -> Vec<(Span, TokenKind)> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < text.len() {
        let (len, kind) = next_token(&text[at..]);
        let len = len.max(text[at..].chars().next().map_or(1, char::len_utf8));
        out.push((Span::new(at, at + len), kind));
        at += len;
    }
    out
}

fn next_token(s: &str) -> (usize, TokenKind) {
    let c = s.chars().next().unwrap_or(' ');
    if crate::lexer::is_space(c) {
        return (
            s.find(|c: char| !crate::lexer::is_space(c))
                .unwrap_or(s.len()),
            TokenKind::Whitespace,
        );
    }
    if s.starts_with("//") {
        return (s.find('\n').unwrap_or(s.len()), TokenKind::Comment);
    }
    if let Some(len) = string_len(s) {
        return (len, TokenKind::String);
    }
    if crate::literals::starts_number(s) {
        return (number_len(s), TokenKind::Number);
    }
    if is_ident_start(c) || c == '$' || (c == '!' && s[1..].starts_with(is_ident_start)) {
        return word_token(s);
    }
    symbol_token(s)
}

/// Length of a string literal token at `s` (unterminated: to end of line).
fn string_len(s: &str) -> Option<usize> {
    if let Some(body) = s.strip_prefix("```") {
        return Some(body.find("```").map_or(s.len(), |e| e + 6));
    }
    let prefix = usize::from(s.starts_with(['h', 'H']));
    let verbatim = s[prefix..].starts_with('@');
    let start = prefix + usize::from(verbatim);
    let quote = s[start..]
        .chars()
        .next()
        .filter(|q| matches!(q, '"' | '\''))?;
    let mut chars = s[start + 1..].char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '\n' if !verbatim => return Some(start + 1 + at),
            '\\' if !verbatim => {
                chars.next();
            }
            c if c == quote => return Some(start + 1 + at + 1),
            _ => {}
        }
    }
    Some(s.len())
}

fn number_len(s: &str) -> usize {
    let mut end = 0;
    let b = s.as_bytes();
    while end < b.len() {
        let c = b[end];
        let dot = c == b'.' && b.get(end + 1).is_some_and(u8::is_ascii_digit);
        let sign = matches!(c, b'+' | b'-') && end > 0 && matches!(b[end - 1], b'e' | b'E');
        if !(c.is_ascii_alphanumeric() || c == b'_' || dot || sign) {
            break;
        }
        end += 1;
    }
    end
}

/// A word: keyword (including hyphenated operator names and `!has`-style operators) or identifier.
fn word_token(s: &str) -> (usize, TokenKind) {
    let start = usize::from(s.starts_with(['!', '$']));
    let mut len = start
        + s[start..]
            .find(|c| !is_ident_char(c))
            .unwrap_or(s.len() - start);
    let hyphenated = s[len..]
        .strip_prefix('-')
        .map(|rest| len + 1 + rest.find(|c| !is_ident_char(c)).unwrap_or(rest.len()));
    if let Some(h) = hyphenated.filter(|h| OPERATOR_KEYWORDS.contains(&&s[..*h])) {
        return (h, TokenKind::Keyword);
    }
    if s[len..].starts_with('~') && matches!(&s[..len], "in" | "!in") {
        len += 1;
    }
    let word = &s[..len];
    let is_word_op =
        BINARY_OPS.iter().any(|(_, w)| *w == word) || LIST_OPS.iter().any(|(_, w)| *w == word);
    if word.starts_with('!') {
        let kind = if is_word_op || word == "!between" {
            TokenKind::Operator
        } else {
            TokenKind::Unknown
        };
        return if kind == TokenKind::Unknown {
            (1, kind)
        } else {
            (len, kind)
        };
    }
    let keyword = is_word_op || OPERATOR_KEYWORDS.contains(&word) || OTHER_KEYWORDS.contains(&word);
    (
        len,
        if keyword {
            TokenKind::Keyword
        } else {
            TokenKind::Ident
        },
    )
}

fn symbol_token(s: &str) -> (usize, TokenKind) {
    const OPERATORS: &[&str] = &[
        "==", "!=", "=~", "!~", "<=", ">=", "<>", "..", "+", "-", "*", "/", "%", "<", ">", "=",
    ];
    if let Some(op) = OPERATORS.iter().find(|op| s.starts_with(**op)) {
        return (op.len(), TokenKind::Operator);
    }
    let c = s.chars().next().unwrap_or(' ');
    if "()[]{},;|.:@".contains(c) {
        return (1, TokenKind::Punct);
    }
    (c.len_utf8(), TokenKind::Unknown)
}
