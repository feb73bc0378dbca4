//! Row functions over strings: regex extraction and replacement, positions, trimming, counting,
//! encodings. Regexes follow the `regex` crate, which is RE2's syntax, as Kusto's are.

use super::json;
use super::rowwise::{long, text, Ctx};

type Row<'a> = [Option<&'a str>];

/// `extract(regex, group, text)`: the group of the first match, "" when none.
pub fn extract(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let group = long(row, 1).unwrap_or(0).max(0) as usize;
    let source = text(row, 2);
    let Some(re) = ctx.regex(text(row, 0)) else {
        return true;
    };
    if let Some(m) = re.captures(source).and_then(|c| c.get(group)) {
        out.push_str(m.as_str());
    }
    true
}

/// `extract_all(regex, [groups,] text)`: every match's group (or groups, as arrays); null when
/// none. `groups` (a dynamic array of numbers or names) picks the groups, one as a flat array.
pub fn extract_all(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let source = text(row, row.len() - 1);
    let Some(re) = ctx.regex(text(row, 0)) else {
        return false;
    };
    let groups = match row.len() {
        3 => picked_groups(re, text(row, 1)),
        _ => (1..re.captures_len()).collect(),
    };
    let mut found = false;
    out.push('[');
    for captures in re.captures_iter(source) {
        if found {
            out.push(',');
        }
        found = true;
        let group = |g: usize| captures.get(g).map_or("", |m| m.as_str());
        match groups.as_slice() {
            [] => json::push_string(group(0), out),
            [g] => json::push_string(group(*g), out),
            many => {
                out.push('[');
                for (i, g) in many.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json::push_string(group(*g), out);
                }
                out.push(']');
            }
        }
    }
    out.push(']');
    found
}

/// The groups a `dynamic([1, 3])` or `dynamic(["name"])` names, those the regex has.
fn picked_groups(re: &regex::Regex, picked: &str) -> Vec<usize> {
    let names: Vec<Option<&str>> = re.capture_names().collect();
    json::elements(picked)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|item| {
            let item = item.trim();
            match item.parse::<usize>() {
                Ok(n) => Some(n),
                Err(_) => names
                    .iter()
                    .position(|n| *n == Some(item.trim_matches('"'))),
            }
        })
        .filter(|g| (1..re.captures_len()).contains(g))
        .collect()
}

/// `replace_regex(text, regex, rewrite)`: every match replaced; `\1` names a group.
pub fn replace_regex(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let source = text(row, 0);
    let rewrite = rust_rewrite(text(row, 2));
    match ctx.regex(text(row, 1)) {
        Some(re) => out.push_str(&re.replace_all(source, rewrite.as_str())),
        None => out.push_str(source),
    }
    true
}

/// Kusto's `\1` group references in Rust's `${1}` form, with `$` itself escaped.
fn rust_rewrite(rewrite: &str) -> String {
    let mut out = String::with_capacity(rewrite.len());
    let mut chars = rewrite.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '$' => out.push_str("$$"),
            '\\' if chars.peek().is_some_and(|d| d.is_ascii_digit()) => {
                let digit = chars.next().expect("peeked");
                out.push_str(&format!("${{{digit}}}"));
            }
            c => out.push(c),
        }
    }
    out
}

/// `substring(text, start [, length])`: 0-based, in characters.
pub fn substring(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let source = text(row, 0);
    let chars = source.chars().count() as i64;
    let start = long(row, 1).unwrap_or(0);
    // A negative start counts from the end; one before the beginning gives nothing.
    let start = if start < 0 { chars + start } else { start };
    if !(0..=chars).contains(&start) {
        return true;
    }
    let length = match row.get(2) {
        Some(_) => long(row, 2).unwrap_or(0).max(0),
        None => chars,
    };
    out.extend(source.chars().skip(start as usize).take(length as usize));
    true
}

/// `indexof(text, lookup [, start [, length [, occurrence]]])`: a character position or -1;
/// null for a length below -1 or a negative occurrence. Each further occurrence is looked for
/// from one character after the last, in a window of the same length (the doc's
/// `indexof("abcdefgabcdefg", "cde", 1, 10, 2)` is 9).
pub fn indexof(_: &mut Ctx, row: &Row) -> Option<i64> {
    let (source, lookup) = (text(row, 0), text(row, 1));
    let length = long(row, 3).unwrap_or(-1);
    let occurrence = long(row, 4).unwrap_or(1);
    if lookup.is_empty() || length < -1 || occurrence < 0 {
        return None;
    }
    let chars = source.chars().count() as i64;
    let start = long(row, 2).unwrap_or(0);
    let mut from = if start < 0 {
        (chars + start).max(0)
    } else {
        start
    };
    if from > chars {
        return Some(-1);
    }
    for n in 1..=occurrence.max(1) {
        let begin = byte_at(source, from as usize);
        let end = match length {
            -1 => source.len(),
            _ => byte_at(source, (from + length) as usize),
        };
        let Some(at) = source[begin..end].find(lookup) else {
            return Some(-1);
        };
        let found = from + source[begin..begin + at].chars().count() as i64;
        if n == occurrence.max(1) {
            return Some(found);
        }
        from = found + 1;
    }
    Some(-1)
}

/// `indexof_regex(text, regex [, start [, length [, occurrence]]])`: the character position of
/// the occurrence-th match (matches do not overlap) within the range; -1 when none, null for a
/// negative start or occurrence or a length under -1.
pub fn indexof_regex(ctx: &mut Ctx, row: &Row) -> Option<i64> {
    let source = text(row, 0);
    let (start, length) = (long(row, 2).unwrap_or(0), long(row, 3).unwrap_or(-1));
    let occurrence = long(row, 4).unwrap_or(1);
    if start < 0 || length < -1 || occurrence < 0 {
        return None;
    }
    let re = ctx.regex(text(row, 1))?;
    let begin = byte_at(source, start as usize);
    let end = match length {
        -1 => source.len(),
        _ => byte_at(source, (start + length) as usize),
    };
    let window = &source[begin..end.max(begin)];
    let Some(m) = re.find_iter(window).nth(occurrence.max(1) as usize - 1) else {
        return Some(-1);
    };
    Some(start + window[..m.start()].chars().count() as i64)
}

/// The byte offset of character `n` (the end when past it).
fn byte_at(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map_or(s.len(), |(i, _)| i)
}

/// `trim(regex, text)` and its one-sided forms: repeated matches removed from the ends.
/// Kusto removes one match of the regex at each end (`trim(" ", "  a  ")` is `" a "`); a
/// pattern such as `\s+` removes a run.
fn trim_with(ctx: &mut Ctx, row: &Row, out: &mut String, start: bool, end: bool) -> bool {
    let pattern = text(row, 0);
    let source = text(row, 1);
    let mut s = source;
    if start {
        let Some(re) = ctx.regex(&format!("^(?:{pattern})")) else {
            return true;
        };
        s = &s[re.find(s).map_or(0, |m| m.end())..];
    }
    if end {
        let Some(re) = ctx.regex(&format!("(?:{pattern})$")) else {
            return true;
        };
        s = &s[..re.find(s).map_or(s.len(), |m| m.start())];
    }
    out.push_str(s);
    true
}

pub fn trim(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    trim_with(ctx, row, out, true, true)
}

pub fn trim_start(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    trim_with(ctx, row, out, true, false)
}

pub fn trim_end(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    trim_with(ctx, row, out, false, true)
}

/// `countof(text, search [, kind])`: plain matches may overlap, regex matches do not.
pub fn countof(ctx: &mut Ctx, row: &Row) -> Option<i64> {
    let (source, search) = (text(row, 0), text(row, 1));
    if text(row, 2) == "regex" {
        return Some(ctx.regex(search)?.find_iter(source).count() as i64);
    }
    if search.is_empty() {
        return Some(0);
    }
    let mut count = 0;
    let mut from = 0;
    while let Some(at) = source[from..].find(search) {
        count += 1;
        from += at + source[from + at..].chars().next().map_or(1, char::len_utf8);
    }
    Some(count)
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub fn base64_encode(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    for chunk in text(row, 0).as_bytes().chunks(3) {
        let n = chunk.iter().fold(0u32, |acc, b| acc << 8 | *b as u32) << (8 * (3 - chunk.len()));
        for k in 0..4 {
            if k <= chunk.len() {
                out.push(BASE64[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    true
}

/// Null when the text is not base64 or does not decode to UTF-8.
pub fn base64_decode(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let mut bytes = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in text(row, 0).bytes().filter(|c| *c != b'=') {
        let Some(v) = BASE64.iter().position(|b| *b == c) else {
            return false;
        };
        acc = acc << 6 | v as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            bytes.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    match String::from_utf8(bytes) {
        Ok(s) => {
            out.push_str(&s);
            true
        }
        Err(_) => false,
    }
}

/// `url_encode`: as .NET's `HttpUtility.UrlEncode` (lowercase hex, space as `+`).
/// `translate(from, to, text)`: each character of `from` in `text` becomes the one of `to` at
/// its place (the last of `to` past its end), or goes when `to` is empty.
pub fn translate(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let from: Vec<char> = text(row, 0).chars().collect();
    let to: Vec<char> = text(row, 1).chars().collect();
    for c in text(row, 2).chars() {
        match from.iter().position(|f| *f == c) {
            None => out.push(c),
            Some(i) => out.extend(to.get(i).or(to.last())),
        }
    }
    true
}

/// `url_encode`: a space as `+`.
pub fn url_encode(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    encode_url(text(row, 0), "+", out)
}

/// `url_encode_component`: a space as `%20`.
pub fn url_encode_component(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    encode_url(text(row, 0), "%20", out)
}

fn encode_url(text: &str, space: &str, out: &mut String) -> bool {
    for b in text.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'_'
            | b'.'
            | b'!'
            | b'*'
            | b'('
            | b')' => out.push(b as char),
            b' ' => out.push_str(space),
            b => out.push_str(&format!("%{b:02x}")),
        }
    }
    true
}

pub fn url_decode(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    out.push_str(&percent_decode(text(row, 0), true));
    true
}

pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |j: usize| b.get(j).and_then(|c| (*c as char).to_digit(16));
        match b[i] {
            b'%' => match (hex(i + 1), hex(i + 2)) {
                (Some(h), Some(l)) => {
                    bytes.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                _ => bytes.push(b'%'),
            },
            b'+' if plus_is_space => bytes.push(b' '),
            c => bytes.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// `hash(value [, mod])`: xxhash64 of the UTF-8 text, seed 0, as a signed long.
pub fn hash(_: &mut Ctx, row: &Row) -> Option<i64> {
    let h = twox_hash::XxHash64::oneshot(0, row[0]?.as_bytes()) as i64;
    match long(row, 1) {
        Some(m) if m > 0 => Some(h.rem_euclid(m)),
        _ => Some(h),
    }
}

/// `hash` of a long (or ticks): xxhash64 of its eight little-endian bytes.
pub fn hash_of_long(_: &mut Ctx, row: &Row) -> Option<i64> {
    let value = row[0]?.parse::<i64>().ok()?;
    let h = twox_hash::XxHash64::oneshot(0, &value.to_le_bytes()) as i64;
    match long(row, 1) {
        Some(m) if m > 0 => Some(h.rem_euclid(m)),
        _ => Some(h),
    }
}

/// `strcmp(a, b)`: -1, 0 or 1, comparing ordinally.
pub fn strcmp(_: &mut Ctx, row: &Row) -> Option<i64> {
    Some(match text(row, 0).cmp(text(row, 1)) {
        std::cmp::Ordering::Less => -1,
        std::cmp::Ordering::Equal => 0,
        std::cmp::Ordering::Greater => 1,
    })
}

/// `strrep(s, n [, delimiter])`: `s` n times (at most 1024), joined by the delimiter.
pub fn strrep(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(n) = long(row, 1) else { return false };
    let (value, delimiter) = (text(row, 0), text(row, 2));
    for i in 0..n.clamp(0, 1024) {
        if i > 0 {
            out.push_str(delimiter);
        }
        out.push_str(value);
    }
    true
}

#[cfg(test)]
mod tests {
    #[test]
    fn hash_matches_kusto_examples() {
        let h = twox_hash::XxHash64::oneshot(0, b"World") as i64;
        assert_eq!(h, 1846988464401551951);
        assert_eq!(h.rem_euclid(100), 51);
    }
}
