//! Row functions over whole dynamic arrays and bags, which read every element anyway:
//! sorting, reversing, slicing by position, rotating, shifting, splitting, zipping, summing,
//! `array_iff`, `range`, `repeat`, `bag_merge`, `bag_zip`, `bag_remove_keys`, `bag_set_key`,
//! `jaccard_index`, `dynamic_to_json`. Each parses its arguments once into JSON values.

use std::cmp::Ordering;

use datafusion::arrow::datatypes::DataType;
use serde_json::{Map, Number, Value};

use super::rowwise::{long, text, Ctx};

type Row<'a> = [Option<&'a str>];

/// Argument `i` as a JSON value, by its type: a dynamic value as the JSON it holds (text that
/// is not JSON is a string), a string as a string, a number or bool as itself.
pub fn value(ctx: &Ctx, row: &Row, i: usize) -> Option<Value> {
    let raw = row.get(i).copied().flatten()?;
    match ctx.types.get(i) {
        Some(DataType::Utf8 | DataType::Utf8View) => Some(Value::String(raw.to_string())),
        Some(DataType::LargeUtf8) => {
            Some(serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string())))
        }
        _ => Some(serde_json::from_str(raw).unwrap_or_else(|_| Value::String(raw.to_string()))),
    }
}

fn array(ctx: &Ctx, row: &Row, i: usize) -> Option<Vec<Value>> {
    match value(ctx, row, i)? {
        Value::Array(items) => Some(items),
        _ => None,
    }
}

/// Writes `v` as a carried dynamic value (see `json.rs`).
fn emit(v: &Value, out: &mut String) -> bool {
    match v {
        Value::Null => return false,
        Value::String(s) => super::json::push_held(s, out),
        other => out.push_str(&other.to_string()),
    }
    true
}

fn emit_array(items: Vec<Value>, out: &mut String) -> bool {
    emit(&Value::Array(items), out)
}

/// Kusto's order of mixed elements: numbers, then strings, then the rest; nulls by `nulls_last`.
fn compare(a: &Value, b: &Value) -> Ordering {
    let rank = |v: &Value| match v {
        Value::Number(_) => 0,
        Value::String(_) => 1,
        Value::Null => 3,
        _ => 2,
    };
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap_or(0.0), y.as_f64().unwrap_or(0.0));
            x.partial_cmp(&y).unwrap_or(Ordering::Equal)
        }
        (Value::String(x), Value::String(y)) => x.cmp(y),
        _ => rank(a).cmp(&rank(b)),
    }
}

fn sort(ctx: &mut Ctx, row: &Row, out: &mut String, descending: bool) -> bool {
    let Some(mut items) = array(ctx, row, 0) else {
        return false;
    };
    let nulls_last = row.get(1).copied().flatten() != Some("false");
    items.sort_by(|a, b| {
        let nulls = a.is_null().cmp(&b.is_null());
        let nulls = if nulls_last { nulls } else { nulls.reverse() };
        let order = compare(a, b);
        nulls.then(if descending { order.reverse() } else { order })
    });
    emit_array(items, out)
}

pub fn sort_asc(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    sort(ctx, row, out, false)
}

pub fn sort_desc(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    sort(ctx, row, out, true)
}

pub fn reverse(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(mut items) = array(ctx, row, 0) else {
        return false;
    };
    items.reverse();
    emit_array(items, out)
}

/// `array_rotate_left(a, n)`; `array_rotate_right` is the same with `-n`.
fn rotate(ctx: &mut Ctx, row: &Row, out: &mut String, sign: i64) -> bool {
    let (Some(mut items), Some(n)) = (array(ctx, row, 0), long(row, 1)) else {
        return false;
    };
    if !items.is_empty() {
        let k = (sign * n).rem_euclid(items.len() as i64) as usize;
        items.rotate_left(k);
    }
    emit_array(items, out)
}

pub fn rotate_left(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    rotate(ctx, row, out, 1)
}

pub fn rotate_right(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    rotate(ctx, row, out, -1)
}

/// `array_shift_left(a, n [, fill])`: the same length, vacated slots filled (null by default).
fn shift(ctx: &mut Ctx, row: &Row, out: &mut String, sign: i64) -> bool {
    let (Some(items), Some(n)) = (array(ctx, row, 0), long(row, 1)) else {
        return false;
    };
    let fill = value(ctx, row, 2).unwrap_or(Value::Null);
    let len = items.len() as i64;
    let by = sign * n;
    let shifted = (0..len)
        .map(|i| {
            let from = i + by;
            if (0..len).contains(&from) {
                items[from as usize].clone()
            } else {
                fill.clone()
            }
        })
        .collect();
    emit_array(shifted, out)
}

pub fn shift_left(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    shift(ctx, row, out, 1)
}

pub fn shift_right(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    shift(ctx, row, out, -1)
}

/// `array_split(a, i)` or `array_split(a, [i, j, ...])`: the pieces between the positions.
pub fn split(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(items) = array(ctx, row, 0) else {
        return false;
    };
    let len = items.len() as i64;
    let cuts: Vec<i64> = match value(ctx, row, 1) {
        Some(Value::Array(cuts)) => cuts.iter().filter_map(Value::as_i64).collect(),
        Some(Value::Number(n)) => n.as_i64().into_iter().collect(),
        _ => return false,
    };
    let mut pieces = Vec::new();
    let mut start = 0usize;
    for cut in cuts {
        let at = (if cut < 0 { len + cut } else { cut }).clamp(start as i64, len) as usize;
        pieces.push(Value::Array(items[start..at].to_vec()));
        start = at;
    }
    pieces.push(Value::Array(items[start..].to_vec()));
    emit_array(pieces, out)
}

/// `zip(a, b, ...)`: element `i` is `[a[i], b[i], ...]`, shorter arrays padded with null.
pub fn zip(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let mut arrays = Vec::new();
    for i in 0..row.len() {
        match array(ctx, row, i) {
            Some(items) => arrays.push(items),
            None => return false,
        }
    }
    let longest = arrays.iter().map(Vec::len).max().unwrap_or(0);
    let zipped = (0..longest)
        .map(|i| {
            let tuple = arrays
                .iter()
                .map(|a| a.get(i).cloned().unwrap_or(Value::Null))
                .collect();
            Value::Array(tuple)
        })
        .collect();
    emit_array(zipped, out)
}

/// `array_sum(a)`: a real, nulls skipped; null when an element is not a number, or for an
/// array with no number.
pub fn sum(ctx: &mut Ctx, row: &Row) -> Option<f64> {
    let numbers: Vec<f64> = array(ctx, row, 0)?
        .iter()
        .filter(|v| !v.is_null())
        .map(Value::as_f64)
        .collect::<Option<_>>()?;
    (!numbers.is_empty()).then(|| numbers.iter().sum())
}

/// `array_iff(conditions, when_true, when_false)`: each branch an array or a scalar; a
/// condition that is neither a bool nor a number gives null.
pub fn iff(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(conditions) = array(ctx, row, 0) else {
        return false;
    };
    let branch = |i: usize| value(ctx, row, i).unwrap_or(Value::Null);
    let (yes, no) = (branch(1), branch(2));
    let pick = |v: &Value, i: usize| match v {
        Value::Array(items) => items.get(i).cloned().unwrap_or(Value::Null),
        scalar => scalar.clone(),
    };
    let chosen = conditions
        .iter()
        .enumerate()
        .map(|(i, c)| match c {
            Value::Bool(true) => pick(&yes, i),
            Value::Bool(false) => pick(&no, i),
            Value::Number(n) if n.as_f64() != Some(0.0) => pick(&yes, i),
            Value::Number(_) => pick(&no, i),
            _ => Value::Null,
        })
        .collect();
    emit_array(chosen, out)
}

/// Kusto's most elements of a `range()`.
const MOST_IN_RANGE: usize = 1 << 20;

/// `range(start, stop [, step])` over numbers: `start, start + step, ...` up to `stop`, at most
/// 2^20 elements as Kusto.
pub fn range(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    const MOST: usize = MOST_IN_RANGE;
    let integral = (0..row.len()).all(|i| ctx.is_integer(i));
    let number = |i: usize| row.get(i).copied().flatten()?.trim().parse::<f64>().ok();
    let (Some(start), Some(stop)) = (number(0), number(1)) else {
        return false;
    };
    let step = if row.len() > 2 { number(2) } else { Some(1.0) };
    let Some(step) = step.filter(|s| *s != 0.0) else {
        return false;
    };
    let mut values = Vec::new();
    let mut x = start;
    while (step > 0.0 && x <= stop || step < 0.0 && x >= stop) && values.len() < MOST {
        values.push(if integral {
            Value::from(x as i64)
        } else {
            Number::from_f64(x).map_or(Value::Null, Value::Number)
        });
        x = start + step * values.len() as f64;
    }
    emit_array(values, out)
}

/// `range()` over datetimes, given in nanoseconds (the planner casts them, and the step).
pub fn datetime_range(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    time_range(row, out, super::time::push_datetime)
}

/// `range()` over timespans, given in nanoseconds.
pub fn timespan_range(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    time_range(row, out, super::time::push_timespan)
}

fn time_range(row: &Row, out: &mut String, push: fn(i64, &mut String)) -> bool {
    let step = long(row, 2).filter(|s| *s != 0);
    let (Some(start), Some(stop), Some(step)) = (long(row, 0), long(row, 1), step) else {
        return false;
    };
    let (mut values, mut x) = (Vec::new(), Some(start));
    while let Some(at) = x.filter(|&x| (step > 0 && x <= stop) || (step < 0 && x >= stop)) {
        if values.len() == MOST_IN_RANGE {
            break;
        }
        let mut text = String::new();
        push(at, &mut text);
        values.push(Value::String(text));
        x = at.checked_add(step);
    }
    emit_array(values, out)
}

/// `repeat(value, n)`: `[value, ...]`; null when `n` is negative.
pub fn repeat(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(n) = long(row, 1).filter(|n| *n >= 0) else {
        return false;
    };
    let item = value(ctx, row, 0).unwrap_or(Value::Null);
    emit_array(vec![item; n.min(1 << 20) as usize], out)
}

/// `bag_merge(a, b, ...)`: the first bag to hold a key gives its value.
pub fn bag_merge(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let mut merged = Map::new();
    for i in 0..row.len() {
        if let Some(Value::Object(bag)) = value(ctx, row, i) {
            for (key, v) in bag {
                merged.entry(key).or_insert(v);
            }
        }
    }
    emit(&Value::Object(merged), out)
}

/// `bag_zip(keys, values)`: each string key with the value at its place (null past the
/// values' end, or when they are not an array); null when the keys are not an array.
pub fn bag_zip(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(keys) = array(ctx, row, 0) else {
        return false;
    };
    let values = array(ctx, row, 1).unwrap_or_default();
    let mut bag = Map::new();
    for (i, key) in keys.iter().enumerate() {
        if let Value::String(key) = key {
            bag.insert(key.clone(), values.get(i).cloned().unwrap_or(Value::Null));
        }
    }
    emit(&Value::Object(bag), out)
}

/// `bag_remove_keys(bag, keys)`: keys are names or `$.a.b` paths.
pub fn bag_remove_keys(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let (Some(Value::Object(mut bag)), Some(keys)) = (value(ctx, row, 0), array(ctx, row, 1))
    else {
        return false;
    };
    for key in keys.iter().filter_map(Value::as_str) {
        let path = key_path(key);
        remove_path(&mut bag, &path);
    }
    emit(&Value::Object(bag), out)
}

fn key_path(key: &str) -> Vec<&str> {
    match key.strip_prefix("$.") {
        Some(path) => path.split('.').collect(),
        None => vec![key],
    }
}

fn remove_path(bag: &mut Map<String, Value>, path: &[&str]) {
    match path {
        [] => {}
        [last] => {
            bag.remove(*last);
        }
        [first, rest @ ..] => {
            if let Some(Value::Object(inner)) = bag.get_mut(*first) {
                remove_path(inner, rest);
            }
        }
    }
}

/// `bag_set_key(bag, key, value)`: missing bags on a `$.a.b` path are created.
pub fn bag_set_key(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(Value::Object(mut bag)) = value(ctx, row, 0) else {
        return false;
    };
    let item = value(ctx, row, 2).unwrap_or(Value::Null);
    let path = key_path(text(row, 1));
    let mut target = &mut bag;
    for step in &path[..path.len() - 1] {
        let entry = target
            .entry(step.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        target = entry.as_object_mut().expect("made a bag above");
    }
    target.insert(path[path.len() - 1].to_string(), item);
    emit(&Value::Object(bag), out)
}

/// `jaccard_index(a, b)`: |a ∩ b| / |a ∪ b| of the distinct elements.
pub fn jaccard_index(ctx: &mut Ctx, row: &Row) -> Option<f64> {
    let (a, b) = (array(ctx, row, 0)?, array(ctx, row, 1)?);
    let distinct = |items: Vec<Value>| {
        let mut seen: Vec<Value> = Vec::new();
        for item in items {
            if !seen.contains(&item) {
                seen.push(item);
            }
        }
        seen
    };
    let (a, b) = (distinct(a), distinct(b));
    let common = a.iter().filter(|v| b.contains(v)).count();
    let union = a.len() + b.len() - common;
    (union > 0).then(|| common as f64 / union as f64)
}

/// `dynamic_to_json(v)`: JSON text with every bag's keys in order.
pub fn to_json(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    match value(ctx, row, 0) {
        // Without `preserve_order`, serde_json keeps a bag's keys sorted.
        Some(v) => out.push_str(&v.to_string()),
        None => out.push_str("null"),
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(f: fn(&mut Ctx, &Row, &mut String) -> bool, args: &[(&str, DataType)]) -> String {
        let mut ctx = Ctx::new(args.iter().map(|(_, t)| t.clone()).collect());
        let row: Vec<Option<&str>> = args.iter().map(|(v, _)| Some(*v)).collect();
        let mut out = String::new();
        assert!(f(&mut ctx, &row, &mut out));
        out
    }

    const D: DataType = DataType::LargeUtf8;

    #[test]
    fn arrays_as_kusto_documents_them() {
        assert_eq!(run(sort_asc, &[("[3,1,null,2]", D)]), "[1,2,3,null]");
        assert_eq!(run(sort_desc, &[("[\"b\",\"a\"]", D)]), r#"["b","a"]"#);
        assert_eq!(
            run(rotate_left, &[("[1,2,3,4,5]", D), ("2", DataType::Int64)]),
            "[3,4,5,1,2]"
        );
        assert_eq!(
            run(shift_right, &[("[1,2,3,4,5]", D), ("2", DataType::Int64)]),
            "[null,null,1,2,3]"
        );
        assert_eq!(
            run(split, &[("[1,2,3,4,5]", D), ("[1,3]", D)]),
            "[[1],[2,3],[4,5]]"
        );
        assert_eq!(
            run(zip, &[("[1,3,5]", D), ("[2,4]", D)]),
            "[[1,2],[3,4],[5,null]]"
        );
        assert_eq!(
            run(
                range,
                &[
                    ("1", DataType::Int64),
                    ("8", DataType::Int64),
                    ("3", DataType::Int64)
                ]
            ),
            "[1,4,7]"
        );
        assert_eq!(
            run(bag_merge, &[(r#"{"a":1}"#, D), (r#"{"a":2,"b":3}"#, D)]),
            r#"{"a":1,"b":3}"#
        );
    }
}
