//! Is the text typed so far a whole query? KQL has no closing `;`, so we ask the parser: an
//! error at the very end of the input (a trailing `|`, `and`, `==`, `where`) means the query
//! goes on; an error earlier is the user's to see, so the input is accepted and run.

use kqlite_parser::{tokens, TokenKind};

/// Whether Enter should run `text` (true) or start a new line (false).
pub fn is_complete(text: &str) -> bool {
    if text.trim().is_empty() || is_dot_command(text) || ends_with_blank_line(text) {
        return true;
    }
    if text.trim_start().starts_with('|') {
        // It continues the previous query; any source stands in for it.
        return is_complete(&format!("T\n{text}"));
    }
    let significant: Vec<_> = tokens(text)
        .into_iter()
        .filter(|(_, kind)| !matches!(kind, TokenKind::Whitespace | TokenKind::Comment))
        .collect();
    let Some(&(last, last_kind)) = significant.last() else {
        return true; // only comments
    };
    if last_kind == TokenKind::String && !is_closed_string(&text[last.start..last.end]) {
        return false;
    }
    if open_brackets(text, &significant) > 0 {
        return false;
    }
    match kqlite_parser::parse_query(text) {
        Ok(_) => true,
        Err(e) => e.span.start < last.end,
    }
}

/// A line starting with `.` is a command, always one line.
pub fn is_dot_command(text: &str) -> bool {
    text.trim_start().starts_with('.')
}

/// Enter on an empty continuation line runs what there is (and shows its error, if any),
/// as a blank line ends a query in a `.kql` file.
fn ends_with_blank_line(text: &str) -> bool {
    let trimmed = text.trim_end_matches([' ', '\t']);
    trimmed.ends_with('\n') && !trimmed.trim().is_empty()
}

fn is_closed_string(token: &str) -> bool {
    if let Some(body) = token.strip_prefix("```") {
        return body.ends_with("```");
    }
    let quoted = token.trim_start_matches(['h', 'H', '@']);
    let Some(quote) = quoted.chars().next() else {
        return false;
    };
    if quoted.len() < 2 || !quoted.ends_with(quote) {
        return false;
    }
    // `'abc\'` ends with an escaped quote unless the string is verbatim.
    let verbatim = token[..token.len() - quoted.len()].contains('@');
    let body = &quoted[1..quoted.len() - 1];
    verbatim || body.chars().rev().take_while(|c| *c == '\\').count() % 2 == 0
}

/// Opening brackets minus closing ones (never below zero at any point).
fn open_brackets(text: &str, significant: &[(kqlite_parser::Span, TokenKind)]) -> usize {
    let mut depth: usize = 0;
    for (span, kind) in significant {
        if *kind != TokenKind::Punct {
            continue;
        }
        match &text[span.start..span.end] {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    depth
}

#[cfg(test)]
mod tests {
    use super::is_complete;

    #[test]
    fn a_whole_query_runs() {
        assert!(is_complete("AlertInfo | take 5"));
        assert!(is_complete(
            "AlertInfo\n| where Severity == 'High'\n| count"
        ));
        assert!(is_complete("let n = 5; AlertInfo | take n"));
    }

    #[test]
    fn a_trailing_pipe_or_operator_continues() {
        assert!(!is_complete("AlertInfo |"));
        assert!(!is_complete("AlertInfo | where Severity =="));
        assert!(!is_complete("AlertInfo | where A == 1 and"));
        assert!(!is_complete("AlertInfo | where"));
        assert!(!is_complete("AlertInfo |  // then filter"));
    }

    #[test]
    fn open_brackets_and_strings_continue() {
        assert!(!is_complete("AlertInfo | where Title in ('a',"));
        assert!(!is_complete("AlertInfo | where Title == 'abc"));
        assert!(!is_complete("print x = dynamic({\"a\": [1,"));
    }

    #[test]
    fn an_error_in_the_middle_is_accepted_to_be_shown() {
        assert!(is_complete("AlertInfo | wher Severity == 1"));
        assert!(is_complete("AlertInfo | where Severity === 1 | take 3"));
        assert!(is_complete("AlertInfo | take 5)"));
    }

    #[test]
    fn blank_lines_commands_and_empty_input_are_accepted() {
        assert!(is_complete(""));
        assert!(is_complete("   "));
        assert!(is_complete(".tables"));
        assert!(is_complete(".explain AlertInfo |"));
        assert!(is_complete("AlertInfo |\n"));
        assert!(is_complete("// just a note"));
    }

    #[test]
    fn a_line_continuing_the_previous_query_is_checked_as_such() {
        assert!(is_complete("| where A == 1"));
        assert!(!is_complete("| where A == 1 |"));
    }
}
