//! KQL's `render`: the chart a query asks for (`spec`), the result seen as `render` sees it
//! (`data`), and the chart drawn as SVG (`svg`), for the command line, the server and the web
//! page alike.

mod data;
mod spec;
mod svg;
mod terminal;

use arrow::datatypes::Schema;
use arrow::record_batch::RecordBatch;

pub use data::{Axis, Plot, Series};
pub use spec::{from_query, Kind, Stacking, Visualization};

/// The chart of a result, as SVG; an error says why it cannot be drawn.
pub fn svg(
    vis: &Visualization,
    schema: &Schema,
    batches: &[RecordBatch],
) -> Result<String, String> {
    let kind = vis
        .kind()
        .ok_or_else(|| format!("not supported yet: render {}", vis.chart))?;
    let plot = data::plot(vis, kind, schema, batches)?;
    Ok(svg::draw(vis, kind, &plot))
}

/// The chart of a result for a terminal `width` characters wide: braille lines or block bars.
pub fn preview(
    vis: &Visualization,
    schema: &Schema,
    batches: &[RecordBatch],
    width: usize,
) -> Result<String, String> {
    let kind = vis
        .kind()
        .ok_or_else(|| format!("not supported yet: render {}", vis.chart))?;
    let plot = data::plot(vis, kind, schema, batches)?;
    Ok(terminal::preview(kind, &plot, vis.title.as_deref(), width))
}

/// A page that shows `svg`, for a browser.
pub fn html(vis: &Visualization, svg: &str) -> String {
    let title = vis.title.as_deref().unwrap_or(&vis.chart);
    let title = title.replace('&', "&amp;").replace('<', "&lt;");
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
         <body style=\"margin:0\">\n{svg}</body></html>\n"
    )
}

/// Kusto's `Visualization` property (what its clients read from `@ExtendedProperties`).
pub fn properties_json(vis: &Visualization) -> String {
    let text = |v: &Option<String>| v.as_ref().map_or("null".to_string(), |t| json_string(t));
    let list = |v: &[String]| match v.is_empty() {
        true => "null".to_string(),
        false => json_string(&v.join(",")),
    };
    let number = |v: Option<f64>| v.map_or("\"NaN\"".to_string(), |n| n.to_string());
    let kind = match vis.stacking {
        Stacking::Unstacked => "null",
        Stacking::Stacked => "\"stacked\"",
        Stacking::Stacked100 => "\"stacked100\"",
    };
    format!(
        "{{\"Visualization\":{},\"Title\":{},\"XColumn\":{},\"Series\":{},\"YColumns\":{},\
         \"XTitle\":{},\"YTitle\":{},\"Legend\":{},\"Kind\":{kind},\"Ymin\":{},\"Ymax\":{}}}",
        json_string(&vis.chart),
        text(&vis.title),
        text(&vis.xcolumn),
        list(&vis.series),
        list(&vis.ycolumns),
        text(&vis.xtitle),
        text(&vis.ytitle),
        if vis.legend {
            "\"visible\""
        } else {
            "\"hidden\""
        },
        number(vis.ymin),
        number(vis.ymax),
    )
}

fn json_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `svg` rasterised as PNG, text set in the system's fonts (without any, the chart is drawn
/// without its text).
pub fn png(svg: &str) -> Result<Vec<u8>, String> {
    let mut options = resvg::usvg::Options::default();
    let fonts = options.fontdb_mut();
    fonts.load_system_fonts();
    // `sans-serif` is Arial unless told otherwise; take a sans-serif face the system has.
    let installed = |family: &str| {
        fonts
            .faces()
            .any(|face| face.families.iter().any(|(name, _)| name == family))
    };
    let sans = [
        "Arial",
        "Helvetica",
        "DejaVu Sans",
        "Liberation Sans",
        "Noto Sans",
    ];
    if let Some(family) = sans.into_iter().find(|f| installed(f)) {
        fonts.set_sans_serif_family(family);
    }
    let tree = resvg::usvg::Tree::from_str(svg, &options).map_err(|e| e.to_string())?;
    let size = tree.size().to_int_size();
    let mut pixmap =
        resvg::tiny_skia::Pixmap::new(size.width(), size.height()).ok_or("an empty chart")?;
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| e.to_string())
}
