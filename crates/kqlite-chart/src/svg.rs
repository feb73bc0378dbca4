//! A plot drawn as SVG: axes with rounded ticks, then lines, areas, bars, slices or points,
//! and a legend. Written as text: no fonts or rasterising are needed, and the file opens in
//! any browser.

use std::fmt::Write;

use crate::data::{bounds, span, Axis, Plot, Series};
use crate::spec::{Kind, Stacking, Visualization};

/// Past this many points, a chart's points get no hover targets of their own (the file
/// would grow past what a browser draws briskly).
const HOVER_POINTS: usize = 2_000;
const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 540.0;
const PALETTE: [&str; 20] = [
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
    "#bcbd22", "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94",
    "#f7b6d2", "#c7c7c7", "#dbdb8d", "#9edae5",
];

/// The drawing area, in pixels.
struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Frame {
    fn x(&self, value: f64, (low, high): (f64, f64)) -> f64 {
        self.left + (value - low) / span(low, high) * (self.right - self.left)
    }

    fn y(&self, value: f64, (low, high): (f64, f64)) -> f64 {
        self.bottom - (value - low) / span(low, high) * (self.bottom - self.top)
    }
}

pub fn draw(vis: &Visualization, kind: Kind, plot: &Plot) -> String {
    let legend = vis.legend && (plot.series.len() > 1 || kind == Kind::Pie);
    let frame = Frame {
        left: if kind == Kind::Bar { 160.0 } else { 80.0 },
        right: WIDTH - if legend { 220.0 } else { 30.0 },
        top: 50.0,
        bottom: HEIGHT - if kind == Kind::Column { 120.0 } else { 60.0 },
    };
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    if let Some(title) = &vis.title {
        text(&mut out, WIDTH / 2.0, 28.0, "middle", 16.0, title);
    }
    match kind {
        Kind::Pie => pie(&mut out, plot, &frame),
        Kind::Column | Kind::Bar => bars(&mut out, vis, kind, plot, &frame),
        _ => lines(&mut out, vis, kind, plot, &frame),
    }
    if legend {
        legend_box(&mut out, plot, kind, frame.right + 20.0);
    }
    out.push_str("</svg>\n");
    out
}

/// Line, area, stacked area, time and scatter charts.
fn lines(out: &mut String, vis: &Visualization, kind: Kind, plot: &Plot, frame: &Frame) {
    let series = match kind {
        Kind::StackedArea => stacked(&plot.series),
        _ => sorted(&plot.series),
    };
    let series = within_x(vis, series);
    let points = series.iter().flat_map(|s| &s.points);
    let xs = x_bounds(vis, points.clone().map(|p| p.0));
    let ys = y_bounds(vis, points.map(|p| p.1));
    axes(out, vis, plot, frame, xs, ys);
    // Where the plot lies and what x it spans: the web page zooms by dragging across it.
    let axis = if plot.axis == Axis::Time {
        "time"
    } else {
        "number"
    };
    let _ = writeln!(
        out,
        "<g class=\"plot\" data-x=\"{} {} {} {}\" data-axis=\"{axis}\">",
        frame.left, frame.right, xs.0, xs.1
    );
    let hover = series.iter().map(|s| s.points.len()).sum::<usize>() <= HOVER_POINTS;
    for (i, s) in series.iter().enumerate().rev() {
        let color = PALETTE[i % PALETTE.len()];
        let _ = writeln!(out, "<g data-series=\"{i}\">");
        series_marks(out, kind, s, color, frame, (xs, ys));
        if hover || kind == Kind::Scatter {
            hover_targets(out, plot, kind, s, color, frame, (xs, ys));
        }
        out.push_str("</g>\n");
    }
    out.push_str("</g>\n");
}

/// Each point's circle with its series, x and y as a tooltip: drawn for a scatter chart,
/// transparent (for the pointer only) on a line.
fn hover_targets(
    out: &mut String,
    plot: &Plot,
    kind: Kind,
    s: &Series,
    color: &str,
    frame: &Frame,
    (xs, ys): ((f64, f64), (f64, f64)),
) {
    let (fill, r) = if kind == Kind::Scatter {
        (color, 3)
    } else {
        ("transparent", 5)
    };
    for &(x, y) in &s.points {
        let x_text = match plot.axis {
            Axis::Time => time_label(x, 0.0),
            _ => number(x),
        };
        let label = escape(&format!("{}: {x_text}, {}", s.name, number(y)));
        let _ = writeln!(
            out,
            "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r}\" fill=\"{fill}\"><title>{label}</title></circle>",
            frame.x(x, xs),
            frame.y(y, ys)
        );
    }
}

/// The points inside the query's `xmin`..`xmax`.
fn within_x(vis: &Visualization, series: Vec<Series>) -> Vec<Series> {
    let low = vis.xmin.unwrap_or(f64::NEG_INFINITY);
    let high = vis.xmax.unwrap_or(f64::INFINITY);
    let inside = |mut s: Series| {
        s.points.retain(|&(x, _)| x >= low && x <= high);
        s
    };
    series.into_iter().map(inside).collect()
}

/// The x range: the points', unless the query sets it.
fn x_bounds(vis: &Visualization, values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = bounds(values);
    let (low, high) = (vis.xmin.unwrap_or(low), vis.xmax.unwrap_or(high));
    (low, if high > low { high } else { low + 1.0 })
}

/// One series of a line, area or scatter chart: its points, line and filled area.
fn series_marks(
    out: &mut String,
    kind: Kind,
    s: &Series,
    color: &str,
    frame: &Frame,
    (xs, ys): ((f64, f64), (f64, f64)),
) {
    if kind == Kind::Scatter {
        return;
    }
    let path: Vec<String> = s
        .points
        .iter()
        .map(|&(x, y)| format!("{:.1},{:.1}", frame.x(x, xs), frame.y(y, ys)))
        .collect();
    if matches!(kind, Kind::Area | Kind::StackedArea) && !path.is_empty() {
        let base = frame.y(ys.0.max(0.0).min(ys.1), ys);
        let (first, last) = (s.points[0].0, s.points[s.points.len() - 1].0);
        let _ = writeln!(
            out,
            "<polygon points=\"{:.1},{base:.1} {} {:.1},{base:.1}\" fill=\"{color}\" fill-opacity=\"0.35\"/>",
            frame.x(first, xs),
            path.join(" "),
            frame.x(last, xs)
        );
    }
    let _ = writeln!(
        out,
        "<polyline points=\"{}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"2\"/>",
        path.join(" ")
    );
}

/// Each series' points in x order.
fn sorted(series: &[Series]) -> Vec<Series> {
    let mut series = series.to_vec();
    for s in &mut series {
        s.points.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    series
}

/// Each series on top of the ones before it, at every x any of them has.
fn stacked(series: &[Series]) -> Vec<Series> {
    let mut below: Vec<(f64, f64)> = Vec::new();
    let mut out = Vec::new();
    for s in sorted(series) {
        let mut points = Vec::new();
        for &(x, y) in &s.points {
            let base = below.iter().rev().find(|p| p.0 == x).map_or(0.0, |p| p.1);
            points.push((x, base + y));
        }
        below.extend(points.iter().copied());
        out.push(Series {
            name: s.name,
            points,
        });
    }
    out
}

/// Column (vertical) and bar (horizontal) charts over categories.
fn bars(out: &mut String, vis: &Visualization, kind: Kind, plot: &Plot, frame: &Frame) {
    let categories = plot.categories.len().max(1);
    let mut totals = vec![0.0; categories];
    for s in &plot.series {
        for &(x, y) in &s.points {
            totals[x as usize] += y.max(0.0);
        }
    }
    let high = match vis.stacking {
        Stacking::Stacked => totals.iter().copied().fold(0.0, f64::max),
        Stacking::Stacked100 => 100.0,
        Stacking::Unstacked => plot
            .series
            .iter()
            .flat_map(|s| &s.points)
            .map(|p| p.1)
            .fold(0.0, f64::max),
    };
    let ys = y_bounds(vis, [0.0, high].into_iter());
    let horizontal = kind == Kind::Bar;
    category_axes(out, plot, frame, ys, horizontal);
    let slot = if horizontal {
        frame.bottom - frame.top
    } else {
        frame.right - frame.left
    } / categories as f64;
    let group = plot.series.len().max(1) as f64;
    let mut base = vec![0.0; categories];
    for (i, s) in plot.series.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let _ = writeln!(out, "<g data-series=\"{i}\">");
        for &(x, y) in &s.points {
            let c = x as usize;
            let value = if vis.stacking == Stacking::Stacked100 && totals[c] > 0.0 {
                y / totals[c] * 100.0
            } else {
                y
            };
            let (start, width) = match vis.stacking {
                Stacking::Unstacked => (
                    c as f64 * slot + slot * 0.1 + i as f64 * slot * 0.8 / group,
                    slot * 0.8 / group,
                ),
                _ => (c as f64 * slot + slot * 0.15, slot * 0.7),
            };
            let from = if vis.stacking == Stacking::Unstacked {
                0.0
            } else {
                base[c]
            };
            base[c] = from + value;
            let rect = if horizontal {
                let (a, b) = (frame.x(from, ys), frame.x(from + value, ys));
                (a.min(b), frame.top + start, (b - a).abs(), width)
            } else {
                let (a, b) = (frame.y(from, ys), frame.y(from + value, ys));
                (frame.left + start, b.min(a), width, (a - b).abs())
            };
            let _ = writeln!(
                out,
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{color}\"><title>{}: {}</title></rect>",
                rect.0, rect.1, rect.2, rect.3, escape(&plot.categories[c]), number(y)
            );
        }
        out.push_str("</g>\n");
    }
}

fn pie(out: &mut String, plot: &Plot, frame: &Frame) {
    let values: Vec<(usize, f64)> = plot
        .series
        .iter()
        .flat_map(|s| &s.points)
        .map(|&(x, y)| (x as usize, y.max(0.0)))
        .collect();
    let total: f64 = values.iter().map(|v| v.1).sum();
    let (cx, cy) = (
        (frame.left + frame.right) / 2.0,
        (frame.top + frame.bottom) / 2.0,
    );
    let r = (frame.bottom - frame.top).min(frame.right - frame.left) / 2.0;
    let mut angle = -std::f64::consts::FRAC_PI_2;
    for &(c, value) in &values {
        if total <= 0.0 || value <= 0.0 {
            continue;
        }
        let sweep = value / total * std::f64::consts::TAU;
        let color = PALETTE[c % PALETTE.len()];
        let label = format!(
            "{}: {} ({:.1}%)",
            escape(&plot.categories[c]),
            number(value),
            value / total * 100.0
        );
        if value >= total {
            // An arc cannot end where it starts: the whole pie is a circle.
            let _ = writeln!(out, "<circle data-series=\"{c}\" cx=\"{cx:.1}\" cy=\"{cy:.1}\" r=\"{r:.1}\" fill=\"{color}\"><title>{label}</title></circle>");
            continue;
        }
        let (x1, y1) = (cx + r * angle.cos(), cy + r * angle.sin());
        angle += sweep;
        let (x2, y2) = (cx + r * angle.cos(), cy + r * angle.sin());
        let large = i32::from(sweep > std::f64::consts::PI);
        let label = format!(
            "{}: {} ({:.1}%)",
            escape(&plot.categories[c]),
            number(value),
            value / total * 100.0
        );
        let _ = writeln!(
            out,
            "<path d=\"M{cx:.1},{cy:.1} L{x1:.1},{y1:.1} A{r:.1},{r:.1} 0 {large} 1 {x2:.1},{y2:.1} Z\" data-series=\"{c}\" fill=\"{color}\" stroke=\"white\"><title>{label}</title></path>"
        );
    }
}

fn legend_box(out: &mut String, plot: &Plot, kind: Kind, left: f64) {
    let names: Vec<String> = if kind == Kind::Pie {
        plot.categories.clone()
    } else {
        plot.series.iter().map(|s| s.name.clone()).collect()
    };
    for (i, name) in names.iter().enumerate().take(30) {
        let y = 60.0 + i as f64 * 16.0;
        let color = PALETTE[i % PALETTE.len()];
        // A page may show or hide a series by its legend entry (kqlite's web page does).
        let _ = writeln!(out, "<g class=\"legend\" data-series=\"{i}\">");
        let _ = writeln!(
            out,
            "<rect x=\"{left}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{color}\"/>",
            y - 9.0
        );
        text(out, left + 16.0, y, "start", 12.0, name);
        out.push_str("</g>\n");
    }
}

/// The frame, y ticks and x ticks of a chart with a continuous x axis.
fn axes(
    out: &mut String,
    vis: &Visualization,
    plot: &Plot,
    frame: &Frame,
    xs: (f64, f64),
    ys: (f64, f64),
) {
    y_ticks(
        out,
        frame,
        ys,
        vis.ytitle.as_deref().unwrap_or(&plot.y_name),
    );
    for i in 0..=5 {
        let value = xs.0 + (xs.1 - xs.0) * f64::from(i) / 5.0;
        let label = match plot.axis {
            Axis::Time => time_label(value, xs.1 - xs.0),
            Axis::Number => number(value),
            Axis::Category => plot
                .categories
                .get(value.round() as usize)
                .cloned()
                .unwrap_or_default(),
        };
        text(
            out,
            frame.x(value, xs),
            frame.bottom + 18.0,
            "middle",
            11.0,
            &label,
        );
    }
    let title = vis.xtitle.as_deref().unwrap_or(&plot.x_name);
    text(
        out,
        (frame.left + frame.right) / 2.0,
        HEIGHT - 15.0,
        "middle",
        12.0,
        title,
    );
}

fn category_axes(out: &mut String, plot: &Plot, frame: &Frame, ys: (f64, f64), horizontal: bool) {
    let slot = |n: usize, size: f64| size / n.max(1) as f64;
    if horizontal {
        let step = slot(plot.categories.len(), frame.bottom - frame.top);
        for (i, label) in plot.categories.iter().enumerate() {
            text(
                out,
                frame.left - 6.0,
                frame.top + step * (i as f64 + 0.5) + 4.0,
                "end",
                11.0,
                label,
            );
        }
        let _ = writeln!(
            out,
            "<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" stroke=\"#333\"/>",
            frame.left, frame.top, frame.bottom
        );
        for tick in ticks(ys) {
            let x = frame.x(tick, ys);
            let (top, bottom) = (frame.top, frame.bottom);
            let _ = writeln!(
                out,
                "<line x1=\"{x:.1}\" y1=\"{top}\" x2=\"{x:.1}\" y2=\"{bottom}\" stroke=\"#ddd\"/>"
            );
            text(out, x, frame.bottom + 18.0, "middle", 11.0, &number(tick));
        }
        return;
    }
    y_ticks(out, frame, ys, &plot.y_name);
    let step = slot(plot.categories.len(), frame.right - frame.left);
    for (i, label) in plot.categories.iter().enumerate() {
        let x = frame.left + step * (i as f64 + 0.5);
        let _ = writeln!(
            out,
            "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"end\" font-size=\"11\" transform=\"rotate(-30 {x:.1} {:.1})\">{}</text>",
            frame.bottom + 14.0,
            frame.bottom + 14.0,
            escape(label)
        );
    }
}

fn y_ticks(out: &mut String, frame: &Frame, ys: (f64, f64), title: &str) {
    let _ = writeln!(
        out,
        "<path d=\"M{0},{1} V{2} H{3}\" fill=\"none\" stroke=\"#333\"/>",
        frame.left, frame.top, frame.bottom, frame.right
    );
    for tick in ticks(ys) {
        let y = frame.y(tick, ys);
        let _ = writeln!(
            out,
            "<line x1=\"{}\" y1=\"{y:.1}\" x2=\"{}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>",
            frame.left, frame.right
        );
        text(out, frame.left - 6.0, y + 4.0, "end", 11.0, &number(tick));
    }
    let middle = (frame.top + frame.bottom) / 2.0;
    let _ = writeln!(
        out,
        "<text x=\"18\" y=\"{middle:.1}\" text-anchor=\"middle\" transform=\"rotate(-90 18 {middle:.1})\">{}</text>",
        escape(title)
    );
}

/// Round tick values covering `(low, high)`: steps of 1, 2 or 5 times a power of ten.
fn ticks((low, high): (f64, f64)) -> Vec<f64> {
    let raw = span(low, high) / 5.0;
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|s| *s >= raw)
        .unwrap_or(power * 10.0);
    let mut tick = (low / step).ceil() * step;
    let mut out = Vec::new();
    while tick <= high + step * 1e-9 && out.len() < 12 {
        out.push(tick);
        tick += step;
    }
    out
}

/// The y range: from zero (or below it), to the largest value, unless the query sets them.
fn y_bounds(vis: &Visualization, values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (low, high) = bounds(values);
    let low = vis.ymin.unwrap_or(low.min(0.0));
    let high = vis.ymax.unwrap_or(high);
    (low, if high > low { high } else { low + 1.0 })
}

/// A time as an axis label for a range `range` wide; a zero range gives the whole time.
fn time_label(nanos: f64, range: f64) -> String {
    let format = if range == 0.0 {
        "%Y-%m-%d %H:%M:%S"
    } else if range >= 5.0 * 86_400e9 {
        // Five ticks a day or more apart: the date says it all.
        "%Y-%m-%d"
    } else {
        "%m-%d %H:%M"
    };
    arrow::temporal_conversions::timestamp_ns_to_datetime(nanos as i64)
        .map_or_else(String::new, |t| t.format(format).to_string())
}

fn number(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{}", value as i64)
    } else {
        format!("{value:.2}")
    }
}

fn text(out: &mut String, x: f64, y: f64, anchor: &str, size: f64, content: &str) {
    let _ = writeln!(
        out,
        "<text x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" font-size=\"{size}\">{}</text>",
        escape(content)
    );
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
