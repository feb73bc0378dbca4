//! Row functions over dynamic values (carried as text, see `json.rs`): property and element
//! access, `parse_json`, array and bag functions, `split`, `extract_json`.

use super::json::{self, Step};
use datafusion::arrow::datatypes::DataType;

use super::rowwise::{long, text, Ctx};

type Row<'a> = [Option<&'a str>];

/// `kql_json_get(value, step, ...)`: text steps are property names, integer steps positions.
pub fn get(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(value) = row[0] else {
        return false;
    };
    if row.len() == 1 {
        out.push_str(value);
        return true;
    }
    let (mut fixed, mut long) = ([Step::Index(0); MAX_STEPS], Vec::new());
    let path = match fixed.get_mut(..row.len() - 1) {
        Some(path) => path,
        None => {
            long.resize(row.len() - 1, Step::Index(0));
            &mut long[..]
        }
    };
    for (i, slot) in path.iter_mut().enumerate() {
        match path_step(ctx, row, i + 1) {
            Some(step) => *slot = step,
            None => return false,
        }
    }
    json::at_path(value, path).is_some_and(|v| json::push_value(v, out))
}

/// Paths up to this long are walked without allocating.
const MAX_STEPS: usize = 8;

/// Argument `i` of `kql_json_get` as a step: a position when the argument is an integer.
fn path_step<'a>(ctx: &Ctx, row: &Row<'a>, i: usize) -> Option<Step<'a>> {
    let step = row[i]?;
    match ctx.is_integer(i) {
        true => step.parse().ok().map(Step::Index),
        false => Some(Step::Key(step)),
    }
}

/// `parse_json(text)`: JSON text becomes its value; other text stays a string.
pub fn parse(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(value) = row[0] else { return false };
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return false;
    }
    if json::is_valid(trimmed) {
        return json::push_value(trimmed, out);
    }
    out.push_str(value);
    true
}

pub fn array_length(_: &mut Ctx, row: &Row) -> Option<i64> {
    json::count_elements(row[0]?)
}

pub fn bag_keys(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(entries) = row[0].and_then(json::entries) else {
        return false;
    };
    out.push('[');
    for (i, (key, _)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(key);
    }
    out.push(']');
    true
}

/// `bag_has_key(bag, key)`: a key starting with `$` is a JSONPath of property names (Kusto
/// indexes no arrays here).
pub fn bag_has_key(_: &mut Ctx, row: &Row) -> Option<bool> {
    let (bag, key) = (row[0]?, text(row, 1));
    if !key.starts_with('$') {
        return Some(json::step(bag, Step::Key(key)).is_some());
    }
    let steps = json_path(key).unwrap_or_default();
    let mut value = bag;
    for step in &steps {
        let PathStep::Key(name) = step else {
            return Some(false);
        };
        match json::step(value, Step::Key(name)) {
            Some(inner) => value = inner,
            None => return Some(false),
        }
    }
    Some(!steps.is_empty())
}

/// The position of `value` among the elements, -1 when absent; null for a non-array. A string
/// finds only strings, and a number or bool only what is not one (`"2"` is not `2`). Optional
/// `start` (negative: from the end), `length` (-1: to the end) and `occurrence`, as `indexof`:
/// each further occurrence is looked for from the element after the last, in a window as long.
pub fn array_index_of(ctx: &mut Ctx, row: &Row) -> Option<i64> {
    let items = json::elements(row[0]?)?;
    let (length, occurrence) = (long(row, 3).unwrap_or(-1), long(row, 4).unwrap_or(1));
    if length < -1 || occurrence < 0 {
        return None;
    }
    let n = items.len() as i64;
    let start = long(row, 2).unwrap_or(0);
    let mut from = if start < 0 { (n + start).max(0) } else { start };
    let mut is_wanted = element_matcher(ctx, row);
    for k in 1..=occurrence.max(1) {
        let end = if length == -1 {
            n
        } else {
            (from + length).min(n)
        };
        let Some(at) = (from..end).find(|&i| is_wanted(items[i as usize])) else {
            return Some(-1);
        };
        if k == occurrence.max(1) {
            return Some(at);
        }
        from = at + 1;
    }
    Some(-1)
}

/// Whether an element (JSON text) is argument 1 of `row`, by its type and text.
fn element_matcher<'a>(ctx: &Ctx, row: &Row<'a>) -> impl FnMut(&str) -> bool + 'a {
    let wanted = text(row, 1);
    let kind = ctx.types.get(1).and_then(|t| match t {
        // Arrays hold datetimes and timespans as their text, which the row sees too.
        DataType::Utf8 | DataType::Utf8View | DataType::Timestamp(..) | DataType::Duration(_) => {
            Some(true)
        }
        DataType::LargeUtf8 => None,
        _ => Some(false),
    });
    let mut buffer = String::new();
    move |item| {
        buffer.clear();
        let is_string = item.trim_start().starts_with('"');
        kind.is_none_or(|want| want == is_string)
            && json::push_text(item, &mut buffer)
            && buffer == wanted
    }
}

pub fn set_has_element(ctx: &mut Ctx, row: &Row) -> Option<bool> {
    array_index_of(ctx, row).map(|i| i >= 0)
}

/// `array_concat(a, b, ...)`: an argument that is not an array adds nothing.
pub fn array_concat(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    out.push('[');
    let mut first = true;
    for value in row {
        let items = value.and_then(json::elements).unwrap_or_default();
        for item in items {
            if !first {
                out.push(',');
            }
            first = false;
            json::push_compact(item, out);
        }
    }
    out.push(']');
    true
}

/// `array_slice(a, start, end)`: `end` inclusive; negative positions count from the end.
pub fn array_slice(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(items) = row[0].and_then(json::elements) else {
        return false;
    };
    let n = items.len() as i64;
    let at = |i: Option<i64>| i.map(|i| if i < 0 { n + i } else { i });
    let (Some(start), Some(end)) = (at(long(row, 1)), at(long(row, 2))) else {
        return false;
    };
    let (start, end) = (start.max(0), end.min(n - 1));
    out.push('[');
    if start <= end {
        for (k, item) in items[start as usize..=end as usize].iter().enumerate() {
            if k > 0 {
                out.push(',');
            }
            json::push_compact(item, out);
        }
    }
    out.push(']');
    true
}

/// `strcat_array(a, delimiter)`: the elements' text joined.
pub fn strcat_array(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(items) = row[0].and_then(json::elements) else {
        return true;
    };
    let delimiter = text(row, 1);
    for (k, item) in items.iter().enumerate() {
        if k > 0 {
            out.push_str(delimiter);
        }
        json::push_text(item, out);
    }
    true
}

/// `split(text, delimiter)`: a string array; with an index, an array of that one element.
pub fn split(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let (value, delimiter) = (text(row, 0), text(row, 1));
    let parts: Vec<&str> = if delimiter.is_empty() {
        vec![value]
    } else {
        value.split(delimiter).collect()
    };
    // With an index: a one-element array, or null past the end.
    let parts = match row.get(2) {
        Some(_) => match long(row, 2) {
            Some(i) if i >= 0 && (i as usize) < parts.len() => vec![parts[i as usize]],
            _ => return false,
        },
        None => parts,
    };
    out.push('[');
    for (k, part) in parts.iter().enumerate() {
        if k > 0 {
            out.push(',');
        }
        json::push_string(part, out);
    }
    out.push(']');
    true
}

/// `extract_json(path, json)`: a JSONPath of `$`, `.name`, `['name']` and `[n]` steps.
pub fn extract_json(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(steps) = json_path(text(row, 0)) else {
        ctx.error
            .get_or_insert_with(|| format!("unsupported JSON path {:?}", text(row, 0)));
        return false;
    };
    let Some(mut value) = row[1].map(str::trim) else {
        return false;
    };
    for step in &steps {
        let step = match step {
            PathStep::Key(k) => Step::Key(k),
            PathStep::Index(i) => Step::Index(*i),
        };
        match json::step(value, step) {
            Some(inner) => value = inner,
            None => return false,
        }
    }
    json::push_text(value, out)
}

enum PathStep {
    Key(String),
    Index(i64),
}

fn json_path(path: &str) -> Option<Vec<PathStep>> {
    let mut rest = path.trim().strip_prefix('$')?;
    let mut steps = Vec::new();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            steps.push(PathStep::Key(r[..end].to_string()));
            rest = &r[end..];
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inside = r[..end].trim();
            let quoted = inside
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inside.strip_prefix('"').and_then(|s| s.strip_suffix('"')));
            steps.push(match quoted {
                Some(key) => PathStep::Key(key.to_string()),
                None => PathStep::Index(inside.parse().ok()?),
            });
            rest = &r[end + 1..];
        } else {
            return None;
        }
    }
    Some(steps)
}

#[derive(Clone, Copy, PartialEq)]
enum SetOp {
    Union,
    Intersect,
    Difference,
}

/// `set_union(a, b, ...)`: every distinct element, in first-seen order.
pub fn set_union(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    set_op(row, out, SetOp::Union)
}

/// `set_intersect(a, b, ...)`: the distinct elements of `a` found in every other array.
pub fn set_intersect(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    set_op(row, out, SetOp::Intersect)
}

/// `set_difference(a, b, ...)`: the distinct elements of `a` found in no other array.
pub fn set_difference(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    set_op(row, out, SetOp::Difference)
}

/// Elements are compared as compact JSON text.
fn set_op(row: &Row, out: &mut String, op: SetOp) -> bool {
    let compact = |item: &str| {
        let mut s = String::new();
        json::push_compact(item, &mut s);
        s
    };
    let arrays: Option<Vec<Vec<String>>> = row
        .iter()
        .map(|v| {
            v.and_then(json::elements)
                .map(|items| items.into_iter().map(compact).collect())
        })
        .collect();
    let Some(arrays) = arrays else {
        return false;
    };
    let candidates: Vec<&String> = match op {
        SetOp::Union => arrays.iter().flatten().collect(),
        _ => arrays[0].iter().collect(),
    };
    let mut seen = std::collections::HashSet::new();
    out.push('[');
    for item in candidates {
        let keep = match op {
            SetOp::Union => true,
            SetOp::Intersect => arrays[1..].iter().all(|a| a.contains(item)),
            SetOp::Difference => !arrays[1..].iter().any(|a| a.contains(item)),
        };
        if keep && seen.insert(item) {
            if out.len() > 1 {
                out.push(',');
            }
            out.push_str(item);
        }
    }
    out.push(']');
    true
}

/// `gettype(v)` of a dynamic value: what the JSON it holds is.
pub fn type_name(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let name = match row[0].map(str::trim) {
        None => "null",
        Some(v) if v.starts_with('{') && json::is_valid(v) => "dictionary",
        Some(v) if v.starts_with('[') && json::is_valid(v) => "array",
        Some("true" | "false") => "bool",
        Some(v) if v.parse::<i64>().is_ok() => "long",
        Some(v)
            if v.starts_with(|c: char| c.is_ascii_digit() || c == '-')
                && v.parse::<f64>().is_ok() =>
        {
            "double"
        }
        Some(_) => "string",
    };
    out.push_str(name);
    true
}
