//! The `series_*` functions over dynamic arrays of numbers (what `make-series` builds): filling
//! missing values, statistics, line fitting, filters, correlation, outliers, decomposition,
//! and the element-wise arithmetic, comparisons and math. A non-number element reads as
//! missing.

use serde_json::{json, Map, Value};

use super::arrays::value;
use super::rowwise::Ctx;

type Row<'a> = [Option<&'a str>];

/// A series read as numbers (None where an element is not one), and whether all were integers.
struct Series {
    values: Vec<Option<f64>>,
    integral: bool,
}

fn series(ctx: &Ctx, row: &Row, i: usize) -> Option<Series> {
    let Value::Array(items) = value(ctx, row, i)? else {
        return None;
    };
    let integral = items.iter().all(|v| v.is_i64() || v.is_null());
    let values = items.iter().map(Value::as_f64).collect();
    Some(Series { values, integral })
}

/// A number argument (a scalar, not an array).
fn number(ctx: &Ctx, row: &Row, i: usize) -> Option<f64> {
    value(ctx, row, i)?.as_f64()
}

fn number_json(v: f64, integral: bool) -> Value {
    if integral && v.is_finite() {
        json!(v.trunc() as i64)
    } else {
        serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)
    }
}

fn emit(v: Value, out: &mut String) -> bool {
    out.push_str(&v.to_string());
    true
}

fn emit_series(values: &[Option<f64>], integral: bool, out: &mut String) -> bool {
    let items = values
        .iter()
        .map(|v| v.map_or(Value::Null, |v| number_json(v, integral)))
        .collect();
    emit(Value::Array(items), out)
}

/// The series with missing elements (those equal to the placeholder argument `at`, null by
/// default) as None.
fn with_missing(ctx: &Ctx, row: &Row, at: usize) -> Option<Series> {
    let mut s = series(ctx, row, 0)?;
    if let Some(placeholder) = number(ctx, row, at) {
        for v in &mut s.values {
            if *v == Some(placeholder) {
                *v = None;
            }
        }
    }
    Some(s)
}

/// Placeholders that no fill reached keep their value (Kusto's docs: edge placeholders "are
/// preserved").
fn keep_unfilled(s: &mut Series, ctx: &Ctx, row: &Row) {
    let Some(original) = series(ctx, row, 0) else {
        return;
    };
    for (v, was) in s.values.iter_mut().zip(original.values) {
        if v.is_none() {
            *v = was;
        }
    }
}

pub fn fill_forward(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(mut s) = with_missing(ctx, row, 1) else {
        return false;
    };
    let mut last = None;
    for v in &mut s.values {
        if v.is_some() {
            last = *v;
        } else {
            *v = last;
        }
    }
    keep_unfilled(&mut s, ctx, row);
    emit_series(&s.values, s.integral, out)
}

pub fn fill_backward(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(mut s) = with_missing(ctx, row, 1) else {
        return false;
    };
    let mut next = None;
    for v in s.values.iter_mut().rev() {
        if v.is_some() {
            next = *v;
        } else {
            *v = next;
        }
    }
    keep_unfilled(&mut s, ctx, row);
    emit_series(&s.values, s.integral, out)
}

/// `series_fill_const(s, constant [, placeholder])`.
pub fn fill_const(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(mut s) = with_missing(ctx, row, 2) else {
        return false;
    };
    let constant = number(ctx, row, 1).unwrap_or(0.0);
    for v in &mut s.values {
        v.get_or_insert(constant);
    }
    emit_series(&s.values, s.integral, out)
}

/// `series_fill_linear(s [, placeholder [, fill_edges [, constant]]])`: interior gaps on the
/// line between their neighbours (integers truncated), edges from the nearest value.
pub fn fill_linear(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(mut s) = with_missing(ctx, row, 1) else {
        return false;
    };
    let fill_edges = row.get(2).copied().flatten() != Some("false");
    let known: Vec<usize> = (0..s.values.len())
        .filter(|i| s.values[*i].is_some())
        .collect();
    if known.is_empty() {
        let constant = number(ctx, row, 3).unwrap_or(0.0);
        s.values.iter_mut().for_each(|v| *v = Some(constant));
        return emit_series(&s.values, s.integral && constant.fract() == 0.0, out);
    }
    for pair in known.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (ya, yb) = (s.values[a].unwrap_or(0.0), s.values[b].unwrap_or(0.0));
        for i in a + 1..b {
            s.values[i] = Some(ya + (yb - ya) * (i - a) as f64 / (b - a) as f64);
        }
    }
    if fill_edges {
        let (first, last) = (known[0], known[known.len() - 1]);
        let (head, tail) = (s.values[first], s.values[last]);
        s.values[..first].iter_mut().for_each(|v| *v = head);
        s.values[last + 1..].iter_mut().for_each(|v| *v = tail);
    }
    keep_unfilled(&mut s, ctx, row);
    emit_series(&s.values, s.integral, out)
}

/// min, min_idx, max, max_idx, avg, stdev, variance (sample), sum, len; null stats when an
/// element is missing or not finite (unless `ignore_nonfinite`).
fn stats(values: &[Option<f64>], ignore_nonfinite: bool) -> Value {
    let usable: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.filter(|x| x.is_finite()).map(|x| (i, x)))
        .collect();
    if usable.is_empty() || (!ignore_nonfinite && usable.len() != values.len()) {
        return json!({"min": null, "min_idx": null, "max": null, "max_idx": null,
            "avg": null, "stdev": null, "variance": null, "sum": null, "len": values.len()});
    }
    let first_by = |better: fn(f64, f64) -> bool| {
        usable.iter().fold(
            usable[0],
            |best, &(i, x)| if better(x, best.1) { (i, x) } else { best },
        )
    };
    let (min_idx, min) = first_by(|x, best| x < best);
    let (max_idx, max) = first_by(|x, best| x > best);
    let n = usable.len() as f64;
    let sum: f64 = usable.iter().map(|(_, x)| x).sum();
    let avg = sum / n;
    let squares: f64 = usable.iter().map(|(_, x)| (x - avg).powi(2)).sum();
    let variance = if n > 1.0 { squares / (n - 1.0) } else { 0.0 };
    json!({"min": min, "min_idx": min_idx, "max": max, "max_idx": max_idx, "avg": avg,
        "stdev": variance.sqrt(), "variance": variance, "sum": sum, "len": usable.len()})
}

/// `series_stats_dynamic(s [, ignore_nonfinite])`, and `series_stats` before its columns.
pub fn stats_bag(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(s) = series(ctx, row, 0) else {
        return false;
    };
    let ignore = row.get(1).copied().flatten() == Some("true");
    emit(stats(&s.values, ignore), out)
}

/// Least squares on x = 1..n: rsquare, slope, variance, rvariance, interception, line_fit.
fn fit_line(y: &[f64]) -> Value {
    let n = y.len() as f64;
    if y.len() < 2 {
        return Value::Null;
    }
    let mean_x = (n + 1.0) / 2.0;
    let mean_y = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx) = (0.0, 0.0);
    for (i, v) in y.iter().enumerate() {
        let dx = (i + 1) as f64 - mean_x;
        sxy += dx * (v - mean_y);
        sxx += dx * dx;
    }
    let slope = sxy / sxx;
    let interception = mean_y - slope * mean_x;
    let line: Vec<f64> = (1..=y.len())
        .map(|x| slope * x as f64 + interception)
        .collect();
    let sse: f64 = y.iter().zip(&line).map(|(a, b)| (a - b).powi(2)).sum();
    let sst: f64 = y.iter().map(|v| (v - mean_y).powi(2)).sum();
    let rsquare = if sst == 0.0 { 1.0 } else { 1.0 - sse / sst };
    json!({"rsquare": rsquare, "slope": slope, "variance": sst / (n - 1.0),
        "rvariance": sse / (n - 1.0), "interception": interception, "line_fit": line})
}

/// `series_fit_line_dynamic(s)`, and `series_fit_line` before its columns.
pub fn fit_line_bag(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(s) = series(ctx, row, 0) else {
        return false;
    };
    let Some(y) = s.values.into_iter().collect::<Option<Vec<f64>>>() else {
        return false;
    };
    emit(fit_line(&y), out)
}

/// `series_pearson_correlation(a, b)`: null for arrays of different lengths or non-numbers.
pub fn pearson(ctx: &mut Ctx, row: &Row) -> Option<f64> {
    let a: Vec<f64> = series(ctx, row, 0)?
        .values
        .into_iter()
        .collect::<Option<_>>()?;
    let b: Vec<f64> = series(ctx, row, 1)?
        .values
        .into_iter()
        .collect::<Option<_>>()?;
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(&b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    Some(cov / (va * vb).sqrt())
}

/// `series_iir(x, b, a)`: y_i = (Σ b_k x_{i-k} − Σ_{k≥1} a_k y_{i-k}) / a_0.
pub fn iir(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let (Some(x), Some(b), Some(a)) = (
        series(ctx, row, 0),
        series(ctx, row, 1),
        series(ctx, row, 2),
    ) else {
        return false;
    };
    let coefficients = |s: Series| {
        s.values
            .iter()
            .map(|v| v.unwrap_or(0.0))
            .collect::<Vec<_>>()
    };
    let (b, a) = (coefficients(b), coefficients(a));
    if a.first().is_none_or(|a0| *a0 == 0.0) {
        return false;
    }
    let x: Vec<f64> = x.values.iter().map(|v| v.unwrap_or(0.0)).collect();
    let mut y: Vec<f64> = Vec::with_capacity(x.len());
    for i in 0..x.len() {
        let forward: f64 = (0..b.len())
            .filter(|k| *k <= i)
            .map(|k| b[k] * x[i - k])
            .sum();
        let back: f64 = (1..a.len())
            .filter(|k| *k <= i)
            .map(|k| a[k] * y[i - k])
            .sum();
        y.push((forward - back) / a[0]);
    }
    emit_series(&y.into_iter().map(Some).collect::<Vec<_>>(), false, out)
}

/// `series_fir(x, filter [, normalize [, center]])`.
pub fn fir(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let (Some(x), Some(filter)) = (series(ctx, row, 0), series(ctx, row, 1)) else {
        return false;
    };
    let mut f: Vec<f64> = filter.values.iter().map(|v| v.unwrap_or(0.0)).collect();
    let negative = f.iter().any(|c| *c < 0.0);
    let normalize = match row.get(2).copied().flatten() {
        Some("true") if negative => return false,
        Some("true") => true,
        Some("false") => false,
        _ => !negative,
    };
    let total: f64 = f.iter().sum();
    if normalize && total != 0.0 {
        f.iter_mut().for_each(|c| *c /= total);
    }
    let shift = if row.get(3).copied().flatten() == Some("true") {
        (f.len() - 1) / 2
    } else {
        0
    };
    let x: Vec<f64> = x.values.iter().map(|v| v.unwrap_or(0.0)).collect();
    let y: Vec<Option<f64>> = (0..x.len())
        .map(|i| {
            let at = i + shift;
            Some(
                (0..f.len())
                    .filter(|k| *k <= at && at - k < x.len())
                    .map(|k| f[k] * x[at - k])
                    .sum(),
            )
        })
        .collect();
    emit_series(&y, false, out)
}

/// Percentile with linear interpolation between ranks.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = p / 100.0 * (sorted.len() - 1) as f64;
    let (low, high) = (rank.floor() as usize, rank.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (rank - low as f64)
}

/// Tukey's fences on the 10th-90th percentiles (`ctukey`) or the quartiles (`tukey`), scaled
/// to the standard scale; missing values score 0.
fn outlier_scores(values: &[Option<f64>], classic: bool) -> Vec<f64> {
    let mut sorted: Vec<f64> = values.iter().flatten().copied().collect();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return vec![0.0; values.len()];
    }
    let (low, high, scale) = if classic {
        (percentile(&sorted, 25.0), percentile(&sorted, 75.0), 1.0)
    } else {
        (
            percentile(&sorted, 10.0),
            percentile(&sorted, 90.0),
            2.772605605507915,
        )
    };
    let range = high - low;
    values
        .iter()
        .map(|v| match v {
            Some(x) if *x > high && range > 0.0 => (x - high) / range * scale,
            Some(x) if *x < low && range > 0.0 => (x - low) / range * scale,
            _ => 0.0,
        })
        .collect()
}

/// `series_outliers(s [, kind])`.
pub fn outliers(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(s) = series(ctx, row, 0) else {
        return false;
    };
    let classic = row.get(1).copied().flatten() == Some("tukey");
    let scores: Vec<Option<f64>> = outlier_scores(&s.values, classic)
        .into_iter()
        .map(Some)
        .collect();
    emit_series(&scores, false, out)
}

/// Baseline and residual: seasonal medians for a known period (none detected here: a period of
/// -1 means none), plus the trend (`avg`, `linefit` or `none`) of what is left.
fn decompose(x: &[f64], period: i64, trend: &str) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = x.len();
    let mut seasonal = vec![0.0; n];
    if period > 1 && (period as usize) < n {
        let p = period as usize;
        for phase in 0..p {
            let mut same: Vec<f64> = x.iter().skip(phase).step_by(p).copied().collect();
            same.sort_by(f64::total_cmp);
            let m = same.len();
            let median = if m % 2 == 1 {
                same[m / 2]
            } else {
                (same[m / 2 - 1] + same[m / 2]) / 2.0
            };
            (phase..n).step_by(p).for_each(|i| seasonal[i] = median);
        }
    }
    let rest: Vec<f64> = x.iter().zip(&seasonal).map(|(a, s)| a - s).collect();
    let trend_line: Vec<f64> = match trend {
        "none" => vec![0.0; n],
        "linefit" => match fit_line(&rest).get("line_fit") {
            Some(Value::Array(line)) => line.iter().map(|v| v.as_f64().unwrap_or(0.0)).collect(),
            _ => vec![0.0; n],
        },
        _ => vec![rest.iter().sum::<f64>() / n.max(1) as f64; n],
    };
    let baseline: Vec<f64> = seasonal
        .iter()
        .zip(&trend_line)
        .map(|(s, t)| s + t)
        .collect();
    let residual: Vec<f64> = x.iter().zip(&baseline).map(|(a, b)| a - b).collect();
    (baseline, seasonal, residual)
}

fn float_array(values: &[f64]) -> Value {
    Value::Array(values.iter().map(|v| number_json(*v, false)).collect())
}

/// `series_decompose(s [, period [, trend]])`: baseline, seasonal, trend, residual.
pub fn decompose_bag(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(s) = series(ctx, row, 0) else {
        return false;
    };
    let x: Vec<f64> = s.values.iter().map(|v| v.unwrap_or(0.0)).collect();
    let period = number(ctx, row, 1).unwrap_or(-1.0) as i64;
    let trend = row.get(2).copied().flatten().unwrap_or("avg");
    let (baseline, seasonal, residual) = decompose(&x, period, trend);
    let trend: Vec<f64> = baseline.iter().zip(&seasonal).map(|(b, s)| b - s).collect();
    let mut bag = Map::new();
    bag.insert("baseline".into(), float_array(&baseline));
    bag.insert("seasonal".into(), float_array(&seasonal));
    bag.insert("trend".into(), float_array(&trend));
    bag.insert("residual".into(), float_array(&residual));
    emit(Value::Object(bag), out)
}

/// `series_decompose_anomalies(s [, threshold [, period [, trend [, test_points [, method]]]]])`:
/// ad_flag, ad_score, baseline.
pub fn anomalies_bag(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(s) = series(ctx, row, 0) else {
        return false;
    };
    let x: Vec<f64> = s.values.iter().map(|v| v.unwrap_or(0.0)).collect();
    let threshold = number(ctx, row, 1).unwrap_or(1.5);
    let period = number(ctx, row, 2).unwrap_or(-1.0) as i64;
    let trend = row.get(3).copied().flatten().unwrap_or("avg");
    let classic = row.get(5).copied().flatten() == Some("tukey");
    let (baseline, _, residual) = decompose(&x, period, trend);
    let residual: Vec<Option<f64>> = residual.into_iter().map(Some).collect();
    let scores = outlier_scores(&residual, classic);
    let flags: Vec<Value> = scores
        .iter()
        .map(|s| json!(i64::from(*s > threshold) - i64::from(*s < -threshold)))
        .collect();
    let mut bag = Map::new();
    bag.insert("ad_flag".into(), Value::Array(flags));
    bag.insert("ad_score".into(), float_array(&scores));
    bag.insert("baseline".into(), float_array(&baseline));
    emit(Value::Object(bag), out)
}

/// An element-wise operation of two series (or a series and a number); an element that is
/// missing on either side gives null.
fn pairwise(
    ctx: &Ctx,
    row: &Row,
    f: fn(f64, f64) -> Value,
    keep_integral: bool,
    out: &mut String,
) -> bool {
    let side = |i: usize| -> Option<(Vec<Option<f64>>, bool, bool)> {
        match series(ctx, row, i) {
            Some(s) => Some((s.values, s.integral, true)),
            None => number(ctx, row, i).map(|n| (vec![Some(n)], n.fract() == 0.0, false)),
        }
    };
    let (Some((a, ai, a_array)), Some((b, bi, b_array))) = (side(0), side(1)) else {
        return false;
    };
    let len = if a_array && b_array {
        a.len().max(b.len())
    } else if a_array {
        a.len()
    } else {
        b.len()
    };
    let at = |s: &[Option<f64>], array: bool, i: usize| {
        if array {
            s.get(i).copied().flatten()
        } else {
            s[0]
        }
    };
    let integral = keep_integral && ai && bi;
    let items = (0..len)
        .map(|i| match (at(&a, a_array, i), at(&b, b_array, i)) {
            (Some(x), Some(y)) => match f(x, y) {
                Value::Number(n) if integral => number_json(n.as_f64().unwrap_or(0.0), true),
                other => other,
            },
            _ => Value::Null,
        })
        .collect();
    emit(Value::Array(items), out)
}

fn real(v: f64) -> Value {
    number_json(v, false)
}

macro_rules! pairwise_fns {
    ($($name:ident => $f:expr, $integral:expr;)*) => {$(
        pub fn $name(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
            pairwise(ctx, row, $f, $integral, out)
        }
    )*};
}

pairwise_fns! {
    add => |x, y| real(x + y), true;
    subtract => |x, y| real(x - y), true;
    multiply => |x, y| real(x * y), true;
    divide => |x, y| real(x / y), false;
    pow => |x, y| real(x.powf(y)), false;
    greater => |x, y| json!(x > y), false;
    greater_equals => |x, y| json!(x >= y), false;
    less => |x, y| json!(x < y), false;
    less_equals => |x, y| json!(x <= y), false;
    equals => |x, y| json!(x == y), false;
    not_equals => |x, y| json!(x != y), false;
}

/// An element-wise function of one series; `keep_integral` for those that keep integers.
fn elementwise(
    ctx: &Ctx,
    row: &Row,
    f: fn(f64) -> f64,
    keep_integral: bool,
    out: &mut String,
) -> bool {
    let Some(s) = series(ctx, row, 0) else {
        return false;
    };
    let values: Vec<Option<f64>> = s.values.iter().map(|v| v.map(f)).collect();
    emit_series(&values, keep_integral && s.integral, out)
}

macro_rules! elementwise_fns {
    ($($name:ident => $f:expr, $integral:expr;)*) => {$(
        pub fn $name(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
            elementwise(ctx, row, $f, $integral, out)
        }
    )*};
}

elementwise_fns! {
    abs => f64::abs, true;
    sign => sign_of, true;
    floor => f64::floor, false;
    ceiling => f64::ceil, true;
    exp => f64::exp, false;
    log => f64::ln, false;
    sin => f64::sin, false;
    cos => f64::cos, false;
    tan => f64::tan, false;
    asin => f64::asin, false;
    acos => f64::acos, false;
    atan => f64::atan, false;
}

/// -1, 0 or 1 (`f64::signum` calls zero positive).
fn sign_of(x: f64) -> f64 {
    if x == 0.0 {
        0.0
    } else {
        x.signum()
    }
}

/// `series_sum`, `series_product`, `series_magnitude`: over the numbers of a series.
fn fold(ctx: &Ctx, row: &Row, f: fn(&[f64]) -> f64) -> Option<f64> {
    let s = series(ctx, row, 0)?;
    let numbers: Vec<f64> = s.values.into_iter().flatten().collect();
    Some(f(&numbers))
}

/// Rust's float sum of nothing is -0.0; Kusto's is 0.
pub fn sum(ctx: &mut Ctx, row: &Row) -> Option<f64> {
    fold(ctx, row, |v| v.iter().fold(0.0, |a, b| a + b))
}

pub fn product(ctx: &mut Ctx, row: &Row) -> Option<f64> {
    fold(ctx, row, |v| v.iter().product())
}

pub fn magnitude(ctx: &mut Ctx, row: &Row) -> Option<f64> {
    fold(ctx, row, |v| v.iter().map(|x| x * x).sum::<f64>().sqrt())
}

/// `series_dot_product(a, b)`: the shorter length; a number is repeated.
pub fn dot_product(ctx: &mut Ctx, row: &Row) -> Option<f64> {
    let side = |i: usize| {
        series(ctx, row, i)
            .map(|s| s.values)
            .or_else(|| number(ctx, row, i).map(|n| vec![Some(n)]))
    };
    let (a, b) = (side(0)?, side(1)?);
    let len = if a.len() == 1 || b.len() == 1 {
        a.len().max(b.len())
    } else {
        a.len().min(b.len())
    };
    let at = |s: &[Option<f64>], i: usize| if s.len() == 1 { s[0] } else { s[i] };
    let products: Vec<f64> = (0..len)
        .filter_map(|i| Some(at(&a, i)? * at(&b, i)?))
        .collect();
    (!products.is_empty()).then(|| products.iter().sum())
}

/// `series_cosine_similarity(a, b)`.
pub fn cosine_similarity(ctx: &mut Ctx, row: &Row) -> Option<f64> {
    let (a, b) = (series(ctx, row, 0)?.values, series(ctx, row, 1)?.values);
    let pairs: Vec<(f64, f64)> = a
        .iter()
        .zip(&b)
        .filter_map(|(x, y)| Some(((*x)?, (*y)?)))
        .collect();
    if pairs.is_empty() {
        return None;
    }
    let dot: f64 = pairs.iter().map(|(x, y)| x * y).sum();
    let na: f64 = pairs.iter().map(|(x, _)| x * x).sum::<f64>().sqrt();
    let nb: f64 = pairs.iter().map(|(_, y)| y * y).sum::<f64>().sqrt();
    Some(dot / (na * nb))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::datatypes::DataType;

    fn run(f: fn(&mut Ctx, &Row, &mut String) -> bool, args: &[&str]) -> String {
        let mut ctx = Ctx::new(vec![DataType::LargeUtf8; args.len()]);
        let row: Vec<Option<&str>> = args.iter().map(|s| Some(*s)).collect();
        let mut out = String::new();
        assert!(f(&mut ctx, &row, &mut out));
        out
    }

    #[test]
    fn documented_examples() {
        assert_eq!(
            run(
                fill_forward,
                &["[null,null,36,41,null,null,16,61,33,null,null]"]
            ),
            "[null,null,36,41,41,41,16,61,33,33,33]"
        );
        assert_eq!(
            run(
                fill_linear,
                &["[null,111,null,36,41,null,null,16,61,33,null,null]"]
            ),
            "[111,111,73,36,41,32,24,16,61,33,33,33]"
        );
        assert_eq!(run(add, &["[1,2,4]", "[4,2,1]"]), "[5,4,5]");
        assert_eq!(run(greater, &["[1,2,4]", "[4,2,1]"]), "[false,false,true]");
        let scores = run(outliers, &["[-3,2.4,15,3.9,5,6,4.5,5.2,3,4,5,16,7,5,5,4]"]);
        assert!(scores.starts_with("[-1.90407854836085"), "{scores}");
        let fit = fit_line(&[
            2.0, 5.0, 6.0, 8.0, 11.0, 15.0, 17.0, 18.0, 25.0, 26.0, 30.0, 30.0,
        ]);
        assert!((fit["slope"].as_f64().unwrap() - 2.7307692).abs() < 1e-6);
        assert!((fit["rsquare"].as_f64().unwrap() - 0.98290073).abs() < 1e-6);
    }
}
