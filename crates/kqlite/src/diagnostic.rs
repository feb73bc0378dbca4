//! Renders an error with the query line it points at and a caret under the span.

use kqlite_parser::Span;

/// The line and column (both from 1, columns in characters) of byte `offset` of `text`.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let start = floor_char_boundary(text, offset.min(text.len()));
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..start].matches('\n').count() + 1;
    (line, text[line_start..start].chars().count() + 1)
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// `error: message`, ` --> line:col`, the source line, carets, then the notes.
pub fn render(text: &str, span: Span, message: &str, notes: &[String]) -> String {
    let start = span.start.min(text.len());
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    let line_no = text[..start].matches('\n').count() + 1;
    let column = text[line_start..start].chars().count() + 1;
    let line = &text[line_start..line_end];
    let end = span.end.clamp(start, line_end);
    let width = text[start..end].chars().count().max(1);
    let gutter = line_no.to_string().len();
    let pad = " ".repeat(gutter);
    let mut out = format!("error: {message}\n{pad}--> {line_no}:{column}\n");
    out.push_str(&format!(
        "{pad} |\n{line_no} | {}\n",
        line.replace('\t', " ")
    ));
    out.push_str(&format!(
        "{pad} | {}{}\n",
        " ".repeat(column - 1),
        "^".repeat(width)
    ));
    for note in notes {
        out.push_str(&format!("{pad} = {note}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_at_the_span_on_its_line() {
        let text = "T\n| where Foo == 1";
        let rendered = render(text, Span::new(10, 13), "unknown column 'Foo'", &[]);
        assert!(rendered.contains("--> 2:9"), "{rendered}");
        assert!(rendered.contains("2 | | where Foo == 1"), "{rendered}");
        assert!(rendered.contains("  |         ^^^"), "{rendered}");
    }
}
