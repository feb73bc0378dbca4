//! `render` draws: each chart kind the public hunting corpus uses, from the sample, written
//! by `--chart` as SVG (or an HTML page holding it), with one mark per row and series.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn sample() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/sample")
}

fn chart(name: &str, query: &str) -> (Output, String) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("charts");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    let output = Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args([
            "--data",
            sample().to_str().unwrap(),
            "--now",
            "2025-10-01",
            "--format",
            "csv",
        ])
        .args(["--chart", path.to_str().unwrap(), query])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let svg = std::fs::read_to_string(&path).unwrap_or_default();
    (output, svg)
}

fn rows(output: &Output) -> usize {
    String::from_utf8_lossy(&output.stdout).lines().count() - 1
}

#[test]
fn a_timechart_draws_one_line_per_series() {
    let query = "DataSecurityEvents | where ActionType in ('FileRead', 'FileUploadedToCloud') \
                 | summarize Events = count() by bin(Timestamp, 1d), ActionType \
                 | render timechart with (title='Reads and uploads')";
    let (output, svg) = chart("time.svg", query);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(svg.starts_with("<svg"), "{svg}");
    assert_eq!(svg.matches("<polyline").count(), 2);
    assert!(svg.contains(">Reads and uploads</text>") && svg.contains(">FileRead</text>"));
    assert!(svg.contains(">2025-09-"), "dates on the x axis");
    // A page shows or hides a series by its legend entry: both carry the series' number.
    assert!(
        svg.contains("<g class=\"legend\" data-series=\"1\">")
            && svg.contains("<g data-series=\"1\">")
    );
}

#[test]
fn points_tell_their_values_and_xmin_xmax_narrow_the_axis() {
    let query = "DataSecurityEvents | summarize Events = count() by bin(Timestamp, 1d) \
                 | render timechart";
    let (output, svg) = chart("hover.svg", query);
    let days = rows(&output);
    // One hover target per point, its series, time and value as a tooltip.
    assert_eq!(
        svg.matches("fill=\"transparent\"><title>Events: 2025-09-")
            .count(),
        days
    );
    assert!(
        svg.contains("<g class=\"plot\" data-x=\""),
        "the page's zoom reads the plot's span"
    );
    let narrowed = "DataSecurityEvents | summarize Events = count() by bin(Timestamp, 1d) \
                    | render timechart with (xmin=datetime(2025-09-10), xmax=datetime(2025-09-14))";
    let (_, svg) = chart("narrowed.svg", narrowed);
    assert_eq!(svg.matches("<title>Events: ").count(), 5, "{svg}");
    assert!(
        svg.contains(">09-10 00:00</text>") && svg.contains(">09-14 00:00</text>"),
        "{svg}"
    );
}

#[test]
fn column_and_bar_charts_draw_one_bar_per_row_and_y_column() {
    let query = "DataSecurityEvents | summarize Events = count() by ActionType | top 5 by Events \
                 | render columnchart";
    let (output, svg) = chart("column.svg", query);
    assert_eq!(
        svg.matches("<rect x=").count() - legend(&svg),
        rows(&output)
    );
    let query =
        "DataSecurityEvents | summarize Events = count(), Large = countif(ObjectSize > 1000) \
                 by Department | render barchart with (kind=stacked)";
    let (output, svg) = chart("bar.svg", query);
    assert_eq!(
        svg.matches("<rect x=").count() - legend(&svg),
        2 * rows(&output)
    );
    assert!(
        svg.contains(">Large</text>"),
        "a legend for the two y columns"
    );
}

/// The legend's colour boxes (rects without a title).
fn legend(svg: &str) -> usize {
    svg.lines()
        .filter(|l| l.starts_with("<rect x=") && !l.contains("<title>"))
        .count()
}

#[test]
fn a_piechart_draws_a_slice_per_row() {
    let query = "DataSecurityEvents | summarize count() by ActionType \
                 | render piechart with(title='Actions')";
    let (output, svg) = chart("pie.svg", query);
    assert_eq!(svg.matches("<path d=\"M").count(), rows(&output));
    assert!(svg.contains("%)</title>"), "slices carry their share");
}

#[test]
fn area_and_scatter_charts_and_an_html_page() {
    let query =
        "DataSecurityEvents | summarize Events = count() by bin(Timestamp, 1d), ObjectType \
                 | render areachart with (kind=stacked)";
    let (output, page) = chart("area.html", query);
    assert!(output.status.success());
    assert!(
        page.starts_with("<!DOCTYPE html>") && page.contains("<polygon"),
        "{page}"
    );
    let query =
        "DataSecurityEvents | take 50 | project Timestamp, ObjectSize | render scatterchart";
    let (output, svg) = chart("scatter.svg", query);
    assert_eq!(svg.matches("<circle").count(), rows(&output));
}

#[test]
fn what_cannot_be_drawn_is_said() {
    let (output, svg) = chart("none.svg", "print x = 1");
    assert!(output.status.success() && svg.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("no render operator"));
    let (output, _) = chart("card.svg", "print x = 1 | render card");
    assert!(String::from_utf8_lossy(&output.stderr).contains("not supported yet: render card"));
    let (output, _) = chart("chart.gif", "print x = 1 | render columnchart");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains(".svg, .png or .html"));
}

#[test]
fn a_png_is_the_svg_rasterised() {
    let query = "DataSecurityEvents | summarize count() by ActionType | render piechart";
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("charts");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("pie.png");
    let output = Command::new(env!("CARGO_BIN_EXE_kqlite"))
        .args([
            "--data",
            sample().to_str().unwrap(),
            "--chart",
            path.to_str().unwrap(),
            query,
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let png = std::fs::read(&path).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    // 960 x 540, as the SVG.
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 960);
    assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 540);
}
