//! `split_queries`, `tokens`, and parse speed.

mod common;

use kqlite_parser::*;

#[test]
fn split_at_blank_lines_with_offsets() {
    let text = "T | take 1\n\n\nU\n| count\n";
    assert_eq!(
        split_queries(text),
        vec![(0, "T | take 1"), (13, "U\n| count")]
    );
}

#[test]
fn whitespace_only_lines_separate_queries() {
    let text = "A\n   \t\nB";
    assert_eq!(split_queries(text), vec![(0, "A"), (7, "B")]);
}

#[test]
fn comment_only_chunks_are_dropped() {
    let text = "// header\n// more\n\nT\n\n// trailing note\n";
    assert_eq!(split_queries(text), vec![(19, "T")]);
}

#[test]
fn comments_inside_a_query_chunk_stay() {
    let text = "// find things\nT | take 1";
    assert_eq!(split_queries(text), vec![(0, text)]);
}

#[test]
fn tokens_cover_every_byte() {
    let text = "let x = 1d; // c\nT | project-away A* | where s !has_cs @\"q\" and é == 'x\n";
    let toks = tokens(text);
    let mut at = 0;
    for (span, _) in &toks {
        assert_eq!(span.start, at);
        at = span.end;
    }
    assert_eq!(at, text.len());
}

#[test]
fn tokens_classify() {
    let text = "T | project-away a // c\n| where s !has \"x\" and n > 1.5";
    let kinds: Vec<(&str, TokenKind)> = tokens(text)
        .into_iter()
        .filter(|(_, k)| *k != TokenKind::Whitespace)
        .map(|(s, k)| (&text[s.range()], k))
        .collect();
    use TokenKind::*;
    let want = vec![
        ("T", Ident),
        ("|", Punct),
        ("project-away", Keyword),
        ("a", Ident),
        ("// c", Comment),
        ("|", Punct),
        ("where", Keyword),
        ("s", Ident),
        ("!has", Operator),
        ("\"x\"", String),
        ("and", Keyword),
        ("n", Ident),
        (">", Operator),
        ("1.5", Number),
    ];
    assert_eq!(kinds, want);
}

#[test]
fn tokens_never_fail_on_garbage() {
    let text = "\"unterminated ` ~ # \u{0} €";
    let toks = tokens(text);
    assert_eq!(toks.last().unwrap().0.end, text.len());
}

#[test]
fn operator_keywords_include_hyphenated_names() {
    assert!(OPERATOR_KEYWORDS.contains(&"project-away"));
    assert!(OPERATOR_KEYWORDS.contains(&"mv-expand"));
}

#[test]
fn a_one_kilobyte_query_parses_quickly() {
    let mut text = String::from("T");
    while text.len() < 1024 {
        text += "\n| where a > 1 and b has \"x\" or c in (1, 2, 3)\n| extend y = f(x, 1d) * 2";
    }
    parse_query(&text).unwrap();
    let start = std::time::Instant::now();
    for _ in 0..100 {
        parse_query(&text).unwrap();
    }
    let per_parse = start.elapsed() / 100;
    // Generous for debug builds on a busy machine; release takes microseconds.
    assert!(
        per_parse < std::time::Duration::from_millis(20),
        "{per_parse:?}"
    );
}
