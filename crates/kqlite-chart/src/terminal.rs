//! A chart for a terminal, printed above the table: lines as braille dots (each character
//! holds 2 x 4 of them), columns, bars and pies as horizontal bars of blocks.

use crate::data::{bounds, span, Axis, Plot};
use crate::spec::Kind;

const HEIGHT: usize = 10;

pub fn preview(kind: Kind, plot: &Plot, title: Option<&str>, width: usize) -> String {
    let mut out = String::new();
    if let Some(title) = title {
        out.push_str(&format!("{title}\n"));
    }
    match kind {
        Kind::Column | Kind::Bar | Kind::Pie => bars(plot, width, &mut out),
        _ => dots(plot, width.saturating_sub(10).max(20), &mut out),
    }
    out
}

/// One bar per category: the sum over its series.
fn bars(plot: &Plot, width: usize, out: &mut String) {
    let mut totals = vec![0.0f64; plot.categories.len()];
    for series in &plot.series {
        for &(x, y) in &series.points {
            totals[x as usize] += y;
        }
    }
    let label = plot
        .categories
        .iter()
        .map(|c| c.chars().count())
        .max()
        .unwrap_or(0)
        .min(24);
    let room = width.saturating_sub(label + 14).max(10) as f64;
    let high = totals.iter().copied().fold(0.0, f64::max);
    for (name, total) in plot.categories.iter().zip(&totals).take(30) {
        let cells = if high > 0.0 {
            (total.max(0.0) / high * room).round() as usize
        } else {
            0
        };
        let name: String = name.chars().take(label).collect();
        out.push_str(&format!(
            "{name:>label$} │{} {}\n",
            "█".repeat(cells),
            short(*total)
        ));
    }
}

/// Every series' points joined by lines, in braille dots.
fn dots(plot: &Plot, width: usize, out: &mut String) {
    let (columns, rows) = (width * 2, HEIGHT * 4);
    let points = plot.series.iter().flat_map(|s| &s.points);
    let (x_low, x_high) = bounds(points.clone().map(|p| p.0));
    let (_, y_high) = bounds(points.map(|p| p.1));
    let y_low = 0.0f64.min(bounds(plot.series.iter().flat_map(|s| &s.points).map(|p| p.1)).0);
    let mut grid = vec![vec![0u8; width]; HEIGHT];
    let place = |x: f64, y: f64| {
        let column = ((x - x_low) / span(x_low, x_high) * (columns - 1) as f64).round() as usize;
        let row = ((y_high - y) / span(y_low, y_high) * (rows - 1) as f64).round() as usize;
        (column.min(columns - 1), row.min(rows - 1))
    };
    for series in &plot.series {
        let mut sorted = series.points.clone();
        sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
        for pair in sorted.windows(2) {
            line(
                &mut grid,
                place(pair[0].0, pair[0].1),
                place(pair[1].0, pair[1].1),
            );
        }
        if let [only] = sorted.as_slice() {
            line(&mut grid, place(only.0, only.1), place(only.0, only.1));
        }
    }
    for (i, row) in grid.iter().enumerate() {
        let axis = match i {
            0 => short(y_high),
            _ if i == HEIGHT - 1 => short(y_low),
            _ => String::new(),
        };
        let cells: String = row
            .iter()
            .map(|&bits| char::from_u32(0x2800 + u32::from(bits)).unwrap_or(' '))
            .collect();
        out.push_str(&format!("{axis:>8} ┤{cells}\n"));
    }
    let (from, to) = match plot.axis {
        Axis::Time => (time(x_low), time(x_high)),
        _ => (short(x_low), short(x_high)),
    };
    out.push_str(&format!(
        "{:>8}  {from}{}{to}\n",
        "",
        " ".repeat(width.saturating_sub(from.len() + to.len()))
    ));
    let names: Vec<&str> = plot
        .series
        .iter()
        .map(|s| s.name.as_str())
        .take(8)
        .collect();
    if names.len() > 1 {
        out.push_str(&format!("{:>8}  series: {}\n", "", names.join(", ")));
    }
}

/// The dots from `a` to `b`, one per step of the longer side.
fn line(grid: &mut [Vec<u8>], a: (usize, usize), b: (usize, usize)) {
    const BITS: [[u8; 2]; 4] = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]];
    let steps = a.0.abs_diff(b.0).max(a.1.abs_diff(b.1)).max(1);
    for step in 0..=steps {
        let t = step as f64 / steps as f64;
        let x = (a.0 as f64 + (b.0 as f64 - a.0 as f64) * t).round() as usize;
        let y = (a.1 as f64 + (b.1 as f64 - a.1 as f64) * t).round() as usize;
        if let Some(cell) = grid.get_mut(y / 4).and_then(|row| row.get_mut(x / 2)) {
            *cell |= BITS[y % 4][x % 2];
        }
    }
}

fn short(value: f64) -> String {
    match value.abs() {
        v if v >= 1e9 => format!("{:.1}G", value / 1e9),
        v if v >= 1e6 => format!("{:.1}M", value / 1e6),
        v if v >= 1e4 => format!("{:.1}k", value / 1e3),
        _ if value.fract() == 0.0 => format!("{value}"),
        _ => format!("{value:.2}"),
    }
}

fn time(nanos: f64) -> String {
    arrow::temporal_conversions::timestamp_ns_to_datetime(nanos as i64)
        .map_or_else(String::new, |t| t.format("%Y-%m-%d %H:%M").to_string())
}
