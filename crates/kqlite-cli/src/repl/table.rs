//! Results as a table fitted to the terminal: wide columns are cut with `…`, columns that
//! still do not fit are named below the table, and rows past the limit are counted.

use datafusion::arrow::datatypes::DataType;
use kqlite::QueryResult;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A column is never cut narrower than this (or its natural width, if less): past that,
/// columns are left out instead, as a table of slivers shows nothing.
const MIN_WIDTH: usize = 16;

/// The table text for `result`, at most `width` columns wide, with at most `max_rows` rows
/// (0: all), followed by notes on what was left out.
pub fn render(result: &QueryResult, width: usize, max_rows: usize) -> std::io::Result<String> {
    let limit = if max_rows == 0 { usize::MAX } else { max_rows };
    let rows = kqlite::output::text_rows(result, limit).map_err(std::io::Error::other)?;
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|row| row.iter().map(|c| clean(c)).collect())
        .collect();
    let fields = result.schema.fields();
    let headers: Vec<String> = fields.iter().map(|f| clean(f.name())).collect();
    let right: Vec<bool> = fields.iter().map(|f| is_number(f.data_type())).collect();
    let natural = natural_widths(&headers, &rows);
    let widths = fit(&natural, width);
    let mut out = String::new();
    draw(&mut out, &headers, &rows, &widths, &right);
    let hidden = &headers[widths.len()..];
    if !hidden.is_empty() {
        let intro = format!("… {} more column{}: ", hidden.len(), plural(hidden.len()));
        let names = name_list(hidden, width.saturating_sub(intro.width()));
        out.push_str(&format!("{intro}{names}\n"));
    }
    let more = result.row_count().saturating_sub(rows.len());
    if more > 0 {
        out.push_str(&format!(
            "… {} more row{} (.maxrows N to show more, .maxrows 0 for all)\n",
            thousands(more as u64),
            plural(more)
        ));
    }
    Ok(out)
}

/// As many of `names` as fit in `room` columns, then `…`.
fn name_list(names: &[String], room: usize) -> String {
    let mut out = String::new();
    for (i, name) in names.iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let last = i + 1 == names.len();
        let needed = out.width() + sep.len() + name.width() + if last { 0 } else { 3 };
        if needed > room {
            out.push_str(if i == 0 { "…" } else { ", …" });
            break;
        }
        out.push_str(sep);
        out.push_str(name);
    }
    out
}

/// Control characters would break the layout: newlines show as `↵`, others as spaces.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\n' => '↵',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect()
}

fn is_number(data_type: &DataType) -> bool {
    data_type.is_numeric()
}

fn natural_widths(headers: &[String], rows: &[Vec<String>]) -> Vec<usize> {
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            rows.iter()
                .map(|r| r[i].width())
                .chain([h.width()])
                .max()
                .unwrap_or(0)
        })
        .collect()
}

/// `| a | b |` takes the column widths plus three per column plus one.
fn table_width(widths: &[usize]) -> usize {
    widths.iter().sum::<usize>() + 3 * widths.len() + 1
}

/// Column widths that fit `width`: the widest columns are narrowed to a common cap first;
/// if every column is at its minimum and the table is still too wide, the last ones are
/// dropped (the result may then be shorter than `natural`).
pub fn fit(natural: &[usize], width: usize) -> Vec<usize> {
    let capped =
        |cap: usize| -> Vec<usize> { natural.iter().map(|&w| w.min(cap.max(MIN_WIDTH))).collect() };
    let widest = natural.iter().copied().max().unwrap_or(0);
    if table_width(natural) <= width {
        return natural.to_vec();
    }
    // The largest cap that fits, by bisection over 0..=widest.
    let (mut low, mut high) = (0, widest);
    while low < high {
        let mid = (low + high).div_ceil(2);
        if table_width(&capped(mid)) <= width {
            low = mid;
        } else {
            high = mid - 1;
        }
    }
    let mut widths = capped(low);
    while widths.len() > 1 && table_width(&widths) > width {
        widths.pop();
    }
    if let [only] = widths.as_mut_slice() {
        *only = (*only).min(width.saturating_sub(4).max(1));
    }
    widths
}

fn draw(out: &mut String, headers: &[String], rows: &[Vec<String>], w: &[usize], right: &[bool]) {
    let rule: String = w.iter().fold(String::from("+"), |mut line, &width| {
        line.push_str(&"-".repeat(width + 2));
        line.push('+');
        line
    });
    out.push_str(&rule);
    out.push('\n');
    line(out, headers, w, &vec![false; w.len()]);
    out.push_str(&rule);
    out.push('\n');
    for row in rows {
        line(out, row, w, right);
    }
    if !rows.is_empty() {
        out.push_str(&rule);
        out.push('\n');
    }
}

fn line(out: &mut String, cells: &[String], widths: &[usize], right: &[bool]) {
    out.push('|');
    for ((cell, &width), &right) in cells.iter().zip(widths).zip(right) {
        let text = cut(cell, width);
        let pad = " ".repeat(width - text.width());
        if right {
            out.push_str(&format!(" {pad}{text} |"));
        } else {
            out.push_str(&format!(" {text}{pad} |"));
        }
    }
    out.push('\n');
}

/// `text` cut to `width` display columns, ending in `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{cut, fit, thousands};

    #[test]
    fn hidden_columns_are_named_as_far_as_they_fit() {
        let names: Vec<String> = ["Alpha", "Beta", "Gamma"].map(String::from).to_vec();
        assert_eq!(super::name_list(&names, 80), "Alpha, Beta, Gamma");
        assert_eq!(super::name_list(&names, 16), "Alpha, Beta, …");
    }

    #[test]
    fn a_narrow_table_keeps_its_widths() {
        assert_eq!(fit(&[5, 10], 80), vec![5, 10]);
    }

    #[test]
    fn the_widest_columns_narrow_first() {
        let widths = fit(&[10, 100, 60], 90);
        assert_eq!(widths.len(), 3);
        assert!(widths.iter().sum::<usize>() + 10 <= 90, "{widths:?}");
        assert_eq!(widths[0], 10);
        assert_eq!(widths[1], widths[2]);
    }

    #[test]
    fn columns_that_cannot_fit_are_dropped() {
        let widths = fit(&[20; 30], 60);
        assert!(widths.len() < 30);
        assert!(widths.iter().sum::<usize>() + 3 * widths.len() < 60);
    }

    #[test]
    fn cut_text_ends_in_an_ellipsis() {
        assert_eq!(cut("abcdefgh", 5), "abcd…");
        assert_eq!(cut("abc", 5), "abc");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(thousands(1_234_567u64), "1,234,567");
        assert_eq!(thousands(999u64), "999");
    }
}
