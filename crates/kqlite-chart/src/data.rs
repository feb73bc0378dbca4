//! A result seen as `render` sees it: the x-axis column, the series columns (whose combined
//! values name each series) and the y-axis columns (one measurement each), by the query's
//! properties or, where it gives none, by Kusto's defaults: the first column is the x axis,
//! text columns are series, numeric columns are y axes.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;

use crate::spec::{Kind, Visualization};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Axis {
    /// Nanoseconds since the epoch.
    Time,
    Number,
    /// Positions in `Plot::categories`.
    Category,
}

/// One line, set of bars or slices: its name and its (x, y) points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub points: Vec<(f64, f64)>,
}

/// What a chart draws.
#[derive(Debug, Clone, PartialEq)]
pub struct Plot {
    pub axis: Axis,
    pub categories: Vec<String>,
    pub series: Vec<Series>,
    pub x_name: String,
    pub y_name: String,
}

/// The plot of `batches` (of `schema`) for `vis`, drawn as `kind`.
pub fn plot(
    vis: &Visualization,
    kind: Kind,
    schema: &Schema,
    batches: &[RecordBatch],
) -> Result<Plot, String> {
    let x = match &vis.xcolumn {
        Some(name) => index(schema, name)?,
        None if schema.fields().is_empty() => return Err("the result has no columns".into()),
        None => 0,
    };
    let numeric = |i: usize| is_numeric(schema.field(i).data_type()) && i != x;
    let series: Vec<usize> = if kind == Kind::Pie {
        Vec::new()
    } else if vis.series.is_empty() {
        (0..schema.fields().len())
            .filter(|&i| i != x && is_text(schema.field(i).data_type()))
            .collect()
    } else {
        vis.series
            .iter()
            .map(|n| index(schema, n))
            .collect::<Result<_, _>>()?
    };
    let mut ys: Vec<usize> = if vis.ycolumns.is_empty() {
        (0..schema.fields().len())
            .filter(|&i| numeric(i) && !series.contains(&i))
            .collect()
    } else {
        vis.ycolumns
            .iter()
            .map(|n| index(schema, n))
            .collect::<Result<_, _>>()?
    };
    if kind == Kind::Pie {
        ys.truncate(1);
    }
    if ys.is_empty() {
        return Err(format!(
            "render {}: the result has no numeric column to plot",
            vis.chart
        ));
    }
    let axis = match schema.field(x).data_type() {
        _ if matches!(kind, Kind::Column | Kind::Bar | Kind::Pie) => Axis::Category,
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => Axis::Time,
        t if is_numeric(t) => Axis::Number,
        _ => Axis::Category,
    };
    let mut plot = Plot {
        axis,
        categories: Vec::new(),
        series: Vec::new(),
        x_name: schema.field(x).name().clone(),
        y_name: ys
            .iter()
            .map(|&i| schema.field(i).name().as_str())
            .collect::<Vec<_>>()
            .join(", "),
    };
    for batch in batches {
        add_rows(&mut plot, batch, x, &series, &ys)?;
    }
    Ok(plot)
}

fn index(schema: &Schema, name: &str) -> Result<usize, String> {
    schema.index_of(name).map_err(|_| {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        format!(
            "render: '{name}' is not a column of the result (columns: {})",
            names.join(", ")
        )
    })
}

fn is_numeric(t: &DataType) -> bool {
    t.is_numeric()
}

fn is_text(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View | DataType::Dictionary(..)
    ) || matches!(t, DataType::Boolean)
}

fn add_rows(
    plot: &mut Plot,
    batch: &RecordBatch,
    x: usize,
    series: &[usize],
    ys: &[usize],
) -> Result<(), String> {
    let error = |e: arrow::error::ArrowError| e.to_string();
    let xs = x_values(plot, batch.column(x)).map_err(error)?;
    let keys: Vec<ArrayRef> = series
        .iter()
        .map(|&i| cast(batch.column(i), &DataType::Utf8))
        .collect::<Result<_, _>>()
        .map_err(error)?;
    let values: Vec<ArrayRef> = ys
        .iter()
        .map(|&i| cast(batch.column(i), &DataType::Float64))
        .collect::<Result<_, _>>()
        .map_err(error)?;
    let schema = batch.schema();
    for (row, xv) in xs.iter().enumerate() {
        let Some(xv) = *xv else { continue };
        let key: Vec<&str> = keys
            .iter()
            .map(|k| k.as_string::<i32>())
            .map(|k| if k.is_null(row) { "" } else { k.value(row) })
            .collect();
        for (value, &y) in values.iter().zip(ys) {
            if value.is_null(row) {
                continue;
            }
            let yv = value.as_primitive::<Float64Type>().value(row);
            let name = series_name(&key, schema.field(y).name(), ys.len());
            push(plot, name, (xv, yv));
        }
    }
    Ok(())
}

/// The x of each row (None for a null): times in nanoseconds, numbers, category positions.
fn x_values(
    plot: &mut Plot,
    column: &ArrayRef,
) -> Result<Vec<Option<f64>>, arrow::error::ArrowError> {
    match plot.axis {
        Axis::Time => {
            let nanos = cast(column, &DataType::Timestamp(TimeUnit::Nanosecond, None))?;
            let nanos = cast(&nanos, &DataType::Int64)?;
            Ok(nanos
                .as_primitive::<Int64Type>()
                .iter()
                .map(|v| v.map(|n| n as f64))
                .collect())
        }
        Axis::Number => Ok(cast(column, &DataType::Float64)?
            .as_primitive::<Float64Type>()
            .iter()
            .collect()),
        Axis::Category => {
            let text = cast(column, &DataType::Utf8)?;
            let text = text.as_string::<i32>();
            Ok((0..text.len())
                .map(|i| {
                    Some(category(
                        plot,
                        if text.is_null(i) { "" } else { text.value(i) },
                    ))
                })
                .collect())
        }
    }
}

fn category(plot: &mut Plot, label: &str) -> f64 {
    let at = plot
        .categories
        .iter()
        .position(|c| c == label)
        .unwrap_or_else(|| {
            plot.categories.push(label.to_string());
            plot.categories.len() - 1
        });
    at as f64
}

fn series_name(key: &[&str], y: &str, ys: usize) -> String {
    let key = key.join(", ");
    match (key.is_empty(), ys) {
        (true, _) => y.to_string(),
        (false, 1) => key,
        (false, _) => format!("{y}:{key}"),
    }
}

fn push(plot: &mut Plot, name: String, point: (f64, f64)) {
    match plot.series.iter_mut().find(|s| s.name == name) {
        Some(series) => series.points.push(point),
        None => plot.series.push(Series {
            name,
            points: vec![point],
        }),
    }
}

/// The smallest and largest of `values` ((0, 1) when there are none).
pub(crate) fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    });
    if low.is_finite() {
        (low, high)
    } else {
        (0.0, 1.0)
    }
}

/// The width of a range, 1 when it has none (a single value still has a place to stand).
pub(crate) fn span(low: f64, high: f64) -> f64 {
    if high > low {
        high - low
    } else {
        1.0
    }
}
