//! What `render` asks for: the chart kind and the properties of its `with (...)`, read from
//! the query's last tabular statement.

use kqlite_parser::{ast, ExprKind, Literal, OperatorKind, Query, Statement};

/// The charts kqlite draws; other kinds are named for the caller to refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Time,
    Line,
    Area,
    StackedArea,
    Column,
    Bar,
    Pie,
    Scatter,
}

/// How series of a column, bar or area chart share the axis (`kind=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Stacking {
    #[default]
    Unstacked,
    Stacked,
    Stacked100,
}

/// A `render` operator: the chart and its properties, as the query wrote them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Visualization {
    /// As written: `timechart`, `columnchart`...
    pub chart: String,
    pub title: Option<String>,
    pub xcolumn: Option<String>,
    pub ycolumns: Vec<String>,
    pub series: Vec<String>,
    pub stacking: Stacking,
    pub legend: bool,
    pub xtitle: Option<String>,
    pub ytitle: Option<String>,
    pub ymin: Option<f64>,
    pub ymax: Option<f64>,
    /// The x range shown (a datetime axis: nanoseconds since the epoch).
    pub xmin: Option<f64>,
    pub xmax: Option<f64>,
}

impl Visualization {
    /// The chart kind, or None for one kqlite does not draw (`card`, `ladderchart`...).
    pub fn kind(&self) -> Option<Kind> {
        Some(match self.chart.to_ascii_lowercase().as_str() {
            "timechart" | "anomalychart" => Kind::Time,
            "linechart" => Kind::Line,
            "areachart" if self.stacking != Stacking::Unstacked => Kind::StackedArea,
            "areachart" => Kind::Area,
            "stackedareachart" => Kind::StackedArea,
            "columnchart" => Kind::Column,
            "barchart" => Kind::Bar,
            "piechart" => Kind::Pie,
            "scatterchart" => Kind::Scatter,
            _ => return None,
        })
    }
}

/// The `render` that ends the last tabular statement of `query`, if any.
pub fn from_query(query: &Query) -> Option<Visualization> {
    let last = query.statements.iter().rev().find_map(|s| match &s.node {
        Statement::Tabular(expr) => Some(expr),
        _ => None,
    })?;
    let ExprKind::Pipe { ops, .. } = &last.node else {
        return None;
    };
    match &ops.last()?.node {
        OperatorKind::Render { chart, options } => Some(visualization(&chart.node, options)),
        _ => None,
    }
}

fn visualization(chart: &str, options: &[ast::Expr]) -> Visualization {
    let mut vis = Visualization {
        chart: chart.to_string(),
        legend: true,
        ..Visualization::default()
    };
    // `ycolumns=a, b` parses as an assignment and then a bare name: it joins the list before.
    let mut last = String::new();
    for option in options {
        match &option.node {
            ExprKind::Assign { name, value } => {
                last = name.node.to_ascii_lowercase();
                set(&mut vis, &last, value);
            }
            ExprKind::Name(name) if last == "ycolumns" => vis.ycolumns.push(name.clone()),
            ExprKind::Name(name) if last == "series" => vis.series.push(name.clone()),
            _ => {}
        }
    }
    vis
}

fn set(vis: &mut Visualization, property: &str, value: &ast::Expr) {
    let text = text(value);
    match property {
        "title" => vis.title = text,
        "xcolumn" => vis.xcolumn = text,
        "ycolumns" => vis.ycolumns.extend(text),
        "series" => vis.series.extend(text),
        "xtitle" => vis.xtitle = text,
        "ytitle" => vis.ytitle = text,
        "ymin" => vis.ymin = number(value),
        "ymax" => vis.ymax = number(value),
        "xmin" => vis.xmin = number(value),
        "xmax" => vis.xmax = number(value),
        "legend" => vis.legend = text.as_deref() != Some("hidden"),
        "kind" => {
            vis.stacking = match text.as_deref() {
                Some("stacked") => Stacking::Stacked,
                Some("stacked100") => Stacking::Stacked100,
                _ => Stacking::Unstacked,
            }
        }
        _ => {}
    }
}

/// A property's value as text: a string, or a bare name (`kind=stacked`, `xcolumn=Day`).
fn text(value: &ast::Expr) -> Option<String> {
    match &value.node {
        ExprKind::Literal(Literal::String(s)) => Some(s.clone()),
        ExprKind::Name(name) => Some(name.clone()),
        _ => None,
    }
}

fn number(value: &ast::Expr) -> Option<f64> {
    match &value.node {
        ExprKind::Literal(Literal::Long(n)) => Some(*n as f64),
        ExprKind::Literal(Literal::Int(n)) => Some(f64::from(*n)),
        ExprKind::Literal(Literal::Real(n)) => Some(*n),
        ExprKind::Literal(Literal::Datetime(nanos)) => Some(*nanos as f64),
        _ => None,
    }
}
