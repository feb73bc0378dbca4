//! Splitting a `.kql` file into queries at blank lines, as Kusto Explorer does.

use crate::tokens::{tokens, TokenKind};

/// The queries of a file: chunks separated by one or more blank lines, each with its starting
/// byte offset. Chunks made only of comments and whitespace are dropped.
pub fn split_queries(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut chunk: Option<(usize, usize)> = None;
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        let content_end = at + line.trim_end_matches(['\n', '\r']).len();
        if line.trim().is_empty() {
            push_chunk(text, chunk.take(), &mut out);
        } else {
            chunk = Some((chunk.map_or(at, |(start, _)| start), content_end));
        }
        at += line.len();
    }
    push_chunk(text, chunk, &mut out);
    out
}

fn push_chunk<'t>(text: &'t str, chunk: Option<(usize, usize)>, out: &mut Vec<(usize, &'t str)>) {
    let Some((start, end)) = chunk else {
        return;
    };
    let body = &text[start..end];
    let only_comments = tokens(body)
        .iter()
        .all(|(_, kind)| matches!(kind, TokenKind::Comment | TokenKind::Whitespace));
    if !only_comments {
        out.push((start, body));
    }
}
