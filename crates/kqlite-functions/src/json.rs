//! Navigating JSON text without building values: a byte scanner that finds where a value ends
//! (skipping strings and nested brackets), so `x.a.b[0]` touches only the bytes on its path and
//! allocates nothing.
//!
//! A dynamic value is carried as text: null as null, any value other than a string (number,
//! bool, array, property bag) as its compact JSON text, and a string as its own text, unquoted,
//! unless that text would read as another JSON value (`12`, `true`, `[1,2]`, `"x"`): such a
//! string is carried as a JSON string, so that it stays a string. Text that is not JSON is a
//! string; text that is, is the value it spells.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::json_stops::{bracket_stop, container_end, string_stop};

/// A step of a path: a property name or an array position (negative counts from the end).
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    Key(&'a str),
    Index(i64),
}

fn skip_ws(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// `i` at an opening quote: the index after the closing one.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    let mut j = i + 1;
    loop {
        let k = string_stop(b, j)?;
        j = match b[k] {
            b'"' => return Some(k + 1),
            b'\\' => k + 2,
            _ => k + 1,
        };
        if j > b.len() {
            return None;
        }
    }
}

/// `i` at the first byte of a value: the index after its last byte.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match *b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => container_end(b, i, container_end_by_tokens),
        _ => {
            let end = b[i..]
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']') || c.is_ascii_whitespace())
                .map_or(b.len(), |p| i + p);
            (end > i).then_some(end)
        }
    }
}

/// `i` at `{` or `[`: the index after its closing bracket, stepping from string to bracket.
fn container_end_by_tokens(b: &[u8], i: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = i;
    loop {
        j = bracket_stop(b, j)?;
        match b[j] {
            b'"' => {
                j = string_end(b, j)?;
                continue;
            }
            b'{' | b'[' => depth += 1,
            _ => {
                depth -= 1;
                if depth == 0 {
                    return Some(j + 1);
                }
            }
        }
        j += 1;
    }
}

/// The elements of a JSON array, as text slices; None when `json` is not an array.
pub fn elements(json: &str) -> Option<Vec<&str>> {
    let mut items = Vec::new();
    each_element(json, |item| items.push(item))?;
    Some(items)
}

/// Calls `visit` with each element of a JSON array, in order; None when `json` is not an
/// array (then `visit` may have seen some elements).
fn each_element<'a>(json: &'a str, mut visit: impl FnMut(&'a str)) -> Option<()> {
    let b = json.as_bytes();
    let i = skip_ws(b, 0);
    (b.get(i) == Some(&b'[')).then_some(())?;
    scan_elements(json, i, |start| {
        let end = value_end(b, start)?;
        visit(&json[start..end]);
        Some(end)
    })
    .map(|_| ())
}

/// `i` at `[`: calls `value` with where each element starts, which answers where it ends;
/// where the array ends.
fn scan_elements(
    json: &str,
    i: usize,
    mut value: impl FnMut(usize) -> Option<usize>,
) -> Option<usize> {
    let b = json.as_bytes();
    let mut i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b']') {
        return Some(i + 1);
    }
    loop {
        i = skip_ws(b, value(i)?);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b']' => return Some(i + 1),
            _ => return None,
        }
    }
}

/// The entries of a JSON object as (quoted key, value) slices; None when not an object.
pub fn entries(json: &str) -> Option<Vec<(&str, &str)>> {
    let mut items = Vec::new();
    each_entry(json, |key, value| items.push((key, value)))?;
    Some(items)
}

/// Calls `visit` with each (quoted key, value) of a JSON object, in order; None when `json`
/// is not an object.
fn each_entry<'a>(json: &'a str, mut visit: impl FnMut(&'a str, &'a str)) -> Option<()> {
    let b = json.as_bytes();
    let i = skip_ws(b, 0);
    (b.get(i) == Some(&b'{')).then_some(())?;
    scan_entries(json, i, |key, start| {
        let end = value_end(b, start)?;
        visit(key, &json[start..end]);
        Some(end)
    })
    .map(|_| ())
}

/// `i` at `{`: calls `value` with each entry's quoted key and where its value starts, which
/// answers where the value ends; where the object ends.
fn scan_entries<'a>(
    json: &'a str,
    i: usize,
    mut value: impl FnMut(&'a str, usize) -> Option<usize>,
) -> Option<usize> {
    let b = json.as_bytes();
    let mut i = skip_ws(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Some(i + 1);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return None;
        }
        let key_end = string_end(b, i)?;
        let colon = skip_ws(b, key_end);
        if b.get(colon) != Some(&b':') {
            return None;
        }
        let start = skip_ws(b, colon + 1);
        i = skip_ws(b, value(&json[i..key_end], start)?);
        match b.get(i)? {
            b',' => i = skip_ws(b, i + 1),
            b'}' => return Some(i + 1),
            _ => return None,
        }
    }
}

/// Whether a quoted key slice names `key`.
fn key_is(quoted: &str, key: &str) -> bool {
    let inner = &quoted[1..quoted.len() - 1];
    // An escape makes the text longer than the name it spells.
    match inner.len().cmp(&key.len()) {
        Ordering::Less => false,
        Ordering::Equal => inner == key && !has_escape(inner),
        Ordering::Greater => has_escape(inner) && unquote(quoted) == key,
    }
}

/// Whether the text inside a JSON string's quotes holds an escape. A plain loop: the strings
/// are short, where `memchr` costs more to start than it saves.
fn has_escape(inner: &str) -> bool {
    inner.bytes().any(|c| c == b'\\')
}

/// The content of a quoted JSON string slice.
pub fn unquote(raw: &str) -> Cow<'_, str> {
    let inner = &raw[1..raw.len() - 1];
    if !has_escape(inner) {
        return Cow::Borrowed(inner);
    }
    match serde_json::from_str::<String>(raw) {
        Ok(s) => Cow::Owned(s),
        Err(_) => Cow::Borrowed(inner),
    }
}

/// One step into a value; None when it has no such property or element.
pub fn step<'a>(json: &'a str, step: Step) -> Option<&'a str> {
    at_path(json, &[step])
}

/// The value at `path` inside `json`; None when there is none. The whole value is read (it must
/// be well formed), each byte once, and the last of duplicate keys wins, as in most JSON readers.
pub fn at_path<'a>(json: &'a str, path: &[Step]) -> Option<&'a str> {
    let mut found = [None];
    at_paths(json, &[path], &mut found);
    found[0]
}

/// How many elements a JSON array holds; None when `json` is not an array.
pub fn count_elements(json: &str) -> Option<i64> {
    let mut count = 0;
    each_element(json, |_| count += 1)?;
    Some(count)
}

/// At most this many paths are found in one walk.
pub const MAX_PATHS: usize = 16;

/// Some of the paths of an [`at_paths`] walk, by position.
#[derive(Clone, Copy, Default)]
struct PathSet {
    members: [u8; MAX_PATHS],
    len: usize,
}

impl PathSet {
    fn push(&mut self, path: usize) {
        self.members[self.len] = path as u8;
        self.len += 1;
    }

    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.members[..self.len].iter().map(|&p| usize::from(p))
    }
}

/// The values at several paths inside `json` (`found[i]` for `paths[i]`, None where there is
/// none), walking the value once: what [`at_path`] gives each, for at most [`MAX_PATHS`].
pub fn at_paths<'a>(json: &'a str, paths: &[&[Step]], found: &mut [Option<&'a str>]) {
    found.iter_mut().for_each(|f| *f = None);
    let mut all = PathSet::default();
    (0..paths.len().min(MAX_PATHS)).for_each(|p| all.push(p));
    let walk = Walk { json, paths };
    if walk
        .value(skip_ws(json.as_bytes(), 0), 0, &all, found)
        .is_none()
    {
        // Not well formed: no path has a value, as for `at_path`.
        found.iter_mut().for_each(|f| *f = None);
    }
}

/// One walk of [`at_paths`]: the paths in a set have all taken their first `depth` steps.
struct Walk<'a, 'p> {
    json: &'a str,
    paths: &'p [&'p [Step<'p>]],
}

impl<'a> Walk<'a, '_> {
    /// `i` at a value: fills in the paths that end there, walks on with the others; where the
    /// value ends.
    fn value(
        &self,
        i: usize,
        depth: usize,
        set: &PathSet,
        found: &mut [Option<&'a str>],
    ) -> Option<usize> {
        let b = self.json.as_bytes();
        let mut going = PathSet::default();
        let mut end = None;
        for p in set.iter() {
            if self.paths[p].len() > depth {
                going.push(p);
                continue;
            }
            let e = match end {
                Some(e) => e,
                None => *end.insert(value_end(b, i)?),
            };
            found[p] = Some(&self.json[i..e]);
        }
        if going.len == 0 {
            return end.or_else(|| value_end(b, i));
        }
        match b.get(i)? {
            b'{' => self.entries(i, depth, &going, found),
            b'[' => self.elements(i, depth, &going, found),
            _ => value_end(b, i),
        }
    }

    /// `i` at `{`: walks into the entries the paths name (the last, if a key repeats).
    fn entries(
        &self,
        i: usize,
        depth: usize,
        set: &PathSet,
        found: &mut [Option<&'a str>],
    ) -> Option<usize> {
        scan_entries(self.json, i, |key, start| {
            let mut here = PathSet::default();
            for p in set.iter() {
                if matches!(self.paths[p][depth], Step::Key(k) if key_is(key, k)) {
                    found[p] = None;
                    here.push(p);
                }
            }
            self.value_or_end(start, depth + 1, &here, found)
        })
    }

    /// `i` at `[`: walks into the elements the paths name (negative positions count from
    /// the end).
    fn elements(
        &self,
        i: usize,
        depth: usize,
        set: &PathSet,
        found: &mut [Option<&'a str>],
    ) -> Option<usize> {
        let from_end = set
            .iter()
            .any(|p| matches!(self.paths[p][depth], Step::Index(n) if n < 0));
        let count = match from_end {
            true => count_elements(&self.json[i..])?,
            false => 0,
        };
        let position = |p: usize| match self.paths[p][depth] {
            Step::Index(n) if n < 0 => count + n,
            Step::Index(n) => n,
            Step::Key(_) => -1,
        };
        let mut at = 0;
        scan_elements(self.json, i, |start| {
            let mut here = PathSet::default();
            set.iter()
                .filter(|&p| position(p) == at)
                .for_each(|p| here.push(p));
            at += 1;
            self.value_or_end(start, depth + 1, &here, found)
        })
    }

    /// Walks the value at `i` with the paths in `set`, or passes over it when there are none.
    fn value_or_end(
        &self,
        i: usize,
        depth: usize,
        set: &PathSet,
        found: &mut [Option<&'a str>],
    ) -> Option<usize> {
        match set.len {
            0 => value_end(self.json.as_bytes(), i),
            _ => self.value(i, depth, set, found),
        }
    }
}

/// Appends the carried text of a JSON value slice; false for JSON null.
pub fn push_value(raw: &str, out: &mut String) -> bool {
    match raw.as_bytes().first() {
        Some(b'"') => push_held(&unquote(raw), out),
        _ => return push_text(raw, out),
    }
    true
}

/// Appends a JSON value slice as text (`tostring`): a string's content, any other value as
/// compact JSON; false for JSON null.
pub fn push_text(raw: &str, out: &mut String) -> bool {
    match raw.as_bytes().first() {
        Some(b'"') => out.push_str(&unquote(raw)),
        Some(b'n') if raw == "null" => return false,
        Some(b'{' | b'[') => push_compact(raw, out),
        _ => out.push_str(raw),
    }
    true
}

/// Appends a string as a dynamic value carries it: its own text, or a JSON string where its
/// text would read as another JSON value.
pub fn push_held(s: &str, out: &mut String) {
    match reads_as_json(s) {
        true => push_string(s, out),
        false => out.push_str(s),
    }
}

/// Whether `text`, carried as a dynamic value, would read as JSON (a number, `true`, `null`,
/// an array or bag, a JSON string) rather than as itself.
pub fn reads_as_json(text: &str) -> bool {
    let first = text
        .trim_start_matches([' ', '\t', '\n', '\r'])
        .as_bytes()
        .first();
    matches!(
        first,
        Some(b'{' | b'[' | b'"' | b'-' | b't' | b'f' | b'n' | b'0'..=b'9')
    ) && is_valid(text)
}

/// The text a carried dynamic value stands for (`tostring`): a JSON string's content, any
/// other carried text as it is.
pub fn carried_text(carried: &str) -> Cow<'_, str> {
    match carried.len() >= 2 && carried.starts_with('"') && carried.ends_with('"') {
        true if is_valid(carried) => unquote(carried),
        _ => Cow::Borrowed(carried),
    }
}

/// Appends JSON text without the whitespace between tokens.
pub fn push_compact(raw: &str, out: &mut String) {
    let b = raw.as_bytes();
    if !b.iter().any(|c| c.is_ascii_whitespace()) {
        out.push_str(raw);
        return;
    }
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let end = string_end(b, i).unwrap_or(b.len());
            out.push_str(&raw[i..end]);
            i = end;
            continue;
        }
        let next = i + b[i..]
            .iter()
            .position(|c| *c == b'"')
            .unwrap_or(b.len() - i);
        out.extend(raw[i..next].chars().filter(|c| !c.is_ascii_whitespace()));
        i = next;
    }
}

/// Appends `s` as a quoted JSON string.
pub fn push_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

pub fn is_valid(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

/// Appends a carried dynamic value as JSON: what is JSON (an array, a bag, a number, a bool)
/// as itself, other text (a string value) as a JSON string.
pub fn push_as_json(text: &str, out: &mut String) {
    let trimmed = text.trim();
    let json_like = trimmed.starts_with(['{', '[', '"', '-', 't', 'f', 'n'])
        || trimmed.starts_with(|c: char| c.is_ascii_digit());
    if json_like && is_valid(trimmed) && trimmed != "null" {
        push_compact(trimmed, out);
    } else {
        push_string(text, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_into_nested_values() {
        let j = r#" {"a": {"b": [1, "x", {"c": null}]}, "k\"q": 2} "#;
        let a = step(j, Step::Key("a")).unwrap();
        let b = step(a, Step::Key("b")).unwrap();
        assert_eq!(step(b, Step::Index(1)), Some("\"x\""));
        assert_eq!(step(b, Step::Index(-1)), Some("{\"c\": null}"));
        assert_eq!(step(b, Step::Index(3)), None);
        assert_eq!(step(j, Step::Key("k\"q")), Some("2"));
        assert_eq!(step(j, Step::Key("zz")), None);
        assert_eq!(step("\"text\"", Step::Key("a")), None);
    }

    #[test]
    fn a_step_reads_the_whole_value_it_steps_into() {
        // The last of duplicate keys wins; a value cut short has no items at all.
        assert_eq!(step(r#"{"a":1,"b":2,"a":3}"#, Step::Key("a")), Some("3"));
        assert_eq!(step(r#"{"a":1,"b":"#, Step::Key("a")), None);
        assert_eq!(step("[1, 2", Step::Index(0)), None);
        assert_eq!(step("[1, 2] ", Step::Index(1)), Some("2"));
        assert_eq!(step("[1, 2]", Step::Index(-2)), Some("1"));
    }

    /// Values to walk: nested, with repeated keys, escaped keys, cut short, not JSON.
    const DOCS: [&str; 7] = [
        r#" {"a": {"b": [1, "x", {"c": null}]}, "k\"q": 2, "a2": [[0, {"d": 5}]]} "#,
        r#"{"a": {"b": [7]}, "a": {"b": [8, 9]}}"#,
        r#"{"a": {"b": [7]}, "a": {"c": [8, 9]}}"#,
        r#"[{"x": "s\"1", "y": [1, {"z": 2}]}, {"x": 2}]"#,
        r#"[{"x": 1}, {"x": 2"#,
        r#"{"ab": 1, "a\u0062": 2}"#,
        "text",
    ];

    /// Paths into [`DOCS`]: properties, positions from either end, prefixes of one another.
    const PATHS: [&[Step]; 10] = [
        &[Step::Key("a"), Step::Key("b"), Step::Index(1)],
        &[
            Step::Key("a"),
            Step::Key("b"),
            Step::Index(-1),
            Step::Key("c"),
        ],
        &[Step::Key("a"), Step::Key("b")],
        &[Step::Key("a")],
        &[
            Step::Key("a2"),
            Step::Index(0),
            Step::Index(-1),
            Step::Key("d"),
        ],
        &[Step::Key("k\"q")],
        &[
            Step::Index(0),
            Step::Key("y"),
            Step::Index(1),
            Step::Key("z"),
        ],
        &[Step::Index(-1), Step::Key("x")],
        &[Step::Index(0), Step::Key("x")],
        &[Step::Key("ab")],
    ];

    #[test]
    fn a_path_finds_what_its_steps_find_one_by_one() {
        for doc in DOCS {
            for path in PATHS {
                let one_by_one = path.iter().try_fold(doc, |v, s| step(v, *s));
                assert_eq!(at_path(doc, path), one_by_one, "{doc} {path:?}");
            }
        }
        assert_eq!(at_path(DOCS[1], PATHS[0]), Some("9"));
        assert_eq!(at_path(DOCS[2], PATHS[0]), None);
        assert_eq!(at_path(DOCS[5], PATHS[9]), Some("2"));
        assert_eq!(at_path(DOCS[4], PATHS[8]), None);
    }

    #[test]
    fn paths_walked_together_find_what_each_finds_alone() {
        let mut found = [None; PATHS.len()];
        for doc in DOCS {
            at_paths(doc, &PATHS, &mut found);
            for (path, got) in PATHS.iter().zip(found) {
                assert_eq!(got, at_path(doc, path), "{doc} {path:?}");
            }
        }
    }

    #[test]
    fn containers_end_where_stepping_token_by_token_ends() {
        let alphabet = b"{}[]\"\\a,: ";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..20_000 {
            let len = 1 + (next() % 200) as usize;
            let mut text: Vec<u8> = (0..len)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            text[0] = b"{["[(next() % 2) as usize];
            if next() % 2 == 0 {
                // Most values have no escape: the blocks answer alone.
                text.iter_mut()
                    .filter(|c| **c == b'\\')
                    .for_each(|c| *c = b'a');
            }
            let by_blocks = container_end(&text, 0, container_end_by_tokens);
            let by_tokens = container_end_by_tokens(&text, 0);
            assert_eq!(by_blocks, by_tokens, "{}", String::from_utf8_lossy(&text));
        }
    }

    #[test]
    fn strings_end_at_their_closing_quote_past_escapes() {
        for (text, end) in [
            (r#""""#, 2),
            (r#""abcdefghijklmnop" "#, 18),
            (r#""abcdefg\"hijklmnop","#, 20),
            (r#""a\\" "#, 5),
            ("\"a\nb\tc\u{1}d\"", 9),
            ("\"é ü 🦀 long enough to cross words\",", 39),
        ] {
            assert_eq!(string_end(text.as_bytes(), 0), Some(end), "{text}");
        }
        assert_eq!(string_end(br#""abcdefghij\"#, 0), None);
        assert_eq!(string_end(br#""abcdefghijklmnopq"#, 0), None);
    }

    #[test]
    fn values_are_carried_as_text() {
        let mut out = String::new();
        assert!(push_value("\"a\\nb\"", &mut out));
        assert_eq!(out, "a\nb");
        out.clear();
        push_value("{ \"a\" : [1, 2], \"s\": \"x y\" }", &mut out);
        assert_eq!(out, r#"{"a":[1,2],"s":"x y"}"#);
        assert!(!push_value("null", &mut String::new()));
    }
}
