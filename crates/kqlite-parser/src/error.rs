//! Parse errors: data (span, message, expectations), rendered only at the edge.

use std::fmt;

use crate::ast::Span;
use crate::lexer::In;

/// A syntax error: where it is, what went wrong and, when known, what would have been accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub span: Span,
    pub message: String,
    pub expected: Vec<String>,
}

impl ParseError {
    /// 1-based line and column (in chars) of the start of the span.
    pub fn line_col(&self, text: &str) -> (usize, usize) {
        line_col_at(text, self.span.start)
    }

    /// A human-readable report: message, location, source line with carets, expectations.
    pub fn render(&self, text: &str) -> String {
        let (line, col) = self.line_col(text);
        let source_line = text.lines().nth(line - 1).unwrap_or("");
        let gutter = " ".repeat(line.to_string().len());
        let mut out = format!(
            "error: {}\n{gutter}--> {line}:{col}\n{gutter} |\n",
            self.message
        );
        out += &format!("{line} | {source_line}\n");
        out += &format!("{gutter} | {}\n", self.caret_line(source_line, col));
        if self.expected.len() > 1 {
            out += &format!("{gutter} = expected one of: {}\n", self.expected.join(", "));
        }
        out
    }

    fn caret_line(&self, source_line: &str, col: usize) -> String {
        let prefix: String = source_line
            .chars()
            .take(col - 1)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        let available = source_line.chars().count().saturating_sub(col - 1);
        let wanted = self.span.end.saturating_sub(self.span.start);
        let width = wanted.min(available).max(1);
        format!("{prefix}{}", "^".repeat(width))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.span.start)
    }
}

impl std::error::Error for ParseError {}

/// 1-based line and column (in chars) of a byte offset.
pub fn line_col_at(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The error carried through the nom parsers. `Error` means "not this alternative",
/// `Failure` means committed (reported as is).
#[derive(Clone, Debug)]
pub(crate) struct PErr {
    pub span: Span,
    pub message: Option<String>,
    pub expected: Vec<String>,
}

impl PErr {
    pub fn expected(span: Span, what: &str) -> Self {
        PErr {
            span,
            message: None,
            expected: vec![what.to_string()],
        }
    }

    pub fn message(span: Span, message: impl Into<String>) -> Self {
        PErr {
            span,
            message: Some(message.into()),
            expected: Vec::new(),
        }
    }

    pub fn into_public(self) -> ParseError {
        let message = match (&self.message, self.expected.as_slice()) {
            (Some(m), _) => m.clone(),
            (None, []) => "syntax error".to_string(),
            (None, [one]) => format!("expected {one}"),
            (None, many) => format!("expected one of: {}", many.join(", ")),
        };
        ParseError {
            span: self.span,
            message,
            expected: self.expected,
        }
    }
}

impl<'a> nom::error::ParseError<In<'a>> for PErr {
    fn from_error_kind(input: In<'a>, _kind: nom::error::ErrorKind) -> Self {
        let at = input.location_offset();
        PErr {
            span: Span::new(at, at),
            message: None,
            expected: Vec::new(),
        }
    }

    fn append(_input: In<'a>, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }

    /// Keep the error that got furthest; merge expectations at the same place.
    fn or(mut self, other: Self) -> Self {
        if other.span.start > self.span.start {
            return other;
        }
        if other.span.start == self.span.start && self.message.is_none() {
            for e in other.expected {
                if !self.expected.contains(&e) {
                    self.expected.push(e);
                }
            }
        }
        self
    }
}

/// Levenshtein distance, for "did you mean" hints.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != *cb);
            cur.push(substitute.min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate within a small edit distance.
pub(crate) fn did_you_mean<'k>(word: &str, candidates: &[&'k str]) -> Option<&'k str> {
    let lower = word.to_ascii_lowercase();
    let limit = (word.len() / 3).clamp(1, 3);
    candidates
        .iter()
        .map(|c| (edit_distance(&lower, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}
