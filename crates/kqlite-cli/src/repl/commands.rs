//! Dot commands: settings, the catalog, and files. Each prints what it did; a wrong argument
//! prints its usage and the session goes on.

use std::io;
use std::path::PathBuf;

use kqlite::output::Format;

use super::table::{plural, thousands};
use super::{show_error, Flow, Outcome, Session};

pub struct Command {
    pub name: &'static str,
    pub usage: &'static str,
    pub about: &'static str,
}

const fn command(name: &'static str, usage: &'static str, about: &'static str) -> Command {
    Command { name, usage, about }
}

pub const COMMANDS: &[Command] = &[
    command(".help", "", "this list"),
    command(".tables", "", "the attached tables and their row counts"),
    command(".schema", "[TABLE]", "columns and their types"),
    command(
        ".explain",
        "QUERY",
        "the logical and physical plans of a query",
    ),
    command(
        ".analyze",
        "QUERY",
        "run a query; show each operator's rows and time",
    ),
    command(
        ".format",
        "table|csv|json|ndjson",
        "how results are written",
    ),
    command(
        ".output",
        "[FILE]",
        "write results to FILE; alone: back to the screen",
    ),
    command(
        ".maxrows",
        "N",
        "rows shown in a table (0: all; default 40)",
    ),
    command(".timing", "on|off", "show how long each query took"),
    command(
        ".now",
        "[TIME|wall]",
        "the clock now() and ago() read, e.g. 2025-10-01",
    ),
    command(
        ".data",
        "DIR",
        "attach the exports in another folder or object store URL",
    ),
    command(
        ".cluster",
        "[df://HOST:PORT|off]",
        "run queries on a Ballista cluster, or here again",
    ),
    command(
        ".chart",
        "[FILE]",
        "write the last query's chart (.svg, .png or .html) and open it",
    ),
    command(
        ".read",
        "FILE.kql",
        "run the queries in a file (separated by blank lines)",
    ),
    command(".quit", "", "leave (Ctrl-D does too)"),
];

/// Runs the dot command on `line` (trimmed, starting with `.`).
pub async fn execute(s: &mut Session, line: &str) -> io::Result<Flow> {
    let (name, arg) = line
        .split_once(char::is_whitespace)
        .map_or((line, ""), |(name, arg)| (name, arg.trim()));
    match name {
        ".quit" | ".exit" | ".q" => return Ok(Flow::Quit),
        ".help" => help(),
        ".tables" => tables(s),
        ".schema" => schema(s, arg),
        ".explain" => explain(s, arg, false).await,
        ".analyze" => explain(s, arg, true).await,
        ".format" => format(s, arg),
        ".output" => output(s, arg),
        ".maxrows" => max_rows(s, arg),
        ".timing" => timing(s, arg),
        ".now" => now(s, arg),
        ".data" => data(s, arg).await,
        ".cluster" => cluster(s, arg),
        ".read" => read(s, arg).await?,
        ".chart" => chart(s, arg),
        _ => unknown(name),
    }
    Ok(Flow::Continue)
}

/// `.cluster [URL|off]`: where the queries that follow run.
fn cluster(s: &mut Session, arg: &str) {
    match arg {
        "" => match &s.settings.cluster {
            Some(url) => println!("queries run on {url}"),
            None => println!("queries run here"),
        },
        "off" => {
            match s.engine_mut().set_placement(None) {
                Ok(()) => println!("queries run here"),
                Err(e) => eprintln!("{e}"),
            }
            s.settings.cluster = None;
        }
        url => match crate::cluster::connect(s.engine_mut(), url) {
            Ok(()) => {
                println!("queries run on {url}");
                s.settings.cluster = Some(url.to_string());
            }
            Err(why) => eprintln!("{why}"),
        },
    }
}

/// `.chart [FILE]`: the chart of the last query that ended in `render`, written as SVG or an
/// HTML page (a temporary page when no file is named), then opened with the system viewer.
fn chart(s: &Session, arg: &str) {
    let Some((vis, result)) = &s.last_chart else {
        eprintln!("no chart: the last query did not end in render");
        return;
    };
    let path = match arg {
        "" => std::env::temp_dir().join("kqlite-chart.html"),
        file => std::path::PathBuf::from(file),
    };
    let Some(form) = crate::chart::Form::of(&path) else {
        return eprintln!("charts are written as .svg, .png or .html");
    };
    let svg = kqlite_chart::svg(vis, &result.schema, &result.batches);
    let contents = match svg.and_then(|svg| form.encode(vis, svg)) {
        Ok(contents) => contents,
        Err(why) => return eprintln!("{why}"),
    };
    if let Err(e) = std::fs::write(&path, contents) {
        return eprintln!("{}: {e}", path.display());
    }
    println!("chart written to {}", path.display());
    open_with_viewer(&path);
}

/// Opens `path` with the desktop's viewer, when there is one (`xdg-open`, macOS's `open`).
fn open_with_viewer(path: &std::path::Path) {
    let paths = std::env::var_os("PATH").unwrap_or_default();
    let viewer = ["xdg-open", "open"]
        .into_iter()
        .find(|name| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()));
    if let Some(viewer) = viewer {
        let _ = std::process::Command::new(viewer)
            .arg(path)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn();
    }
}

fn usage(name: &str) {
    if let Some(c) = COMMANDS.iter().find(|c| c.name == name) {
        eprintln!("usage: {} {}", c.name, c.usage);
    }
}

fn help() {
    for c in COMMANDS {
        let call = format!("{} {}", c.name, c.usage);
        println!("  {call:<34} {}", c.about);
    }
    println!();
    println!("Enter runs a complete query; after a trailing | or an open bracket it starts a");
    println!("new line, and an empty line runs what there is. Alt-Enter always starts a new line.");
    println!("A query starting with | continues the last one that ran: | where ... refines it.");
    println!("Tab completes tables, operators, columns and functions; Ctrl-R searches the");
    println!("history; Ctrl-C cancels a running query; Ctrl-D quits.");
}

fn unknown(name: &str) {
    let close: Vec<&str> = COMMANDS
        .iter()
        .map(|c| c.name)
        .filter(|c| c.starts_with(name) || name.starts_with(c))
        .collect();
    match close.as_slice() {
        [one] => eprintln!("unknown command {name}; did you mean {one}?"),
        _ => eprintln!("unknown command {name}; .help lists the commands"),
    }
}

fn tables(s: &Session) {
    let tables = s.engine().tables();
    if tables.is_empty() {
        println!("No tables attached: .data DIR attaches an export folder.");
    }
    let width = tables.iter().map(|t| t.name.len()).max().unwrap_or(0);
    for t in tables {
        let files = t.files.len();
        println!(
            "{:<width$}  {:>9} rows  {files} file{}",
            t.name,
            thousands(t.rows),
            plural(files)
        );
    }
}

fn schema(s: &Session, arg: &str) {
    let tables = s.engine().tables();
    let chosen: Vec<_> = tables
        .iter()
        .filter(|t| arg.is_empty() || t.name.eq_ignore_ascii_case(arg))
        .collect();
    if chosen.is_empty() {
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        eprintln!("no table named {arg}; attached: {}", names.join(", "));
    }
    for t in chosen {
        let columns: Vec<String> = t
            .schema
            .fields()
            .iter()
            .map(|f| {
                let kusto = kqlite_tables::schema::kusto_type(&t.name, f.name());
                let fallback = f.data_type().to_string().to_lowercase();
                format!("{}:{}", f.name(), kusto.map_or(fallback, str::to_string))
            })
            .collect();
        println!("{} ({})", t.name, columns.join(", "));
    }
}

/// `.explain` prints the plans; `.analyze` runs the query and prints them with metrics.
async fn explain(s: &Session, query: &str, run: bool) {
    if query.is_empty() {
        return usage(if run { ".analyze" } else { ".explain" });
    }
    let plans = if run {
        s.engine().analyze(query).await
    } else {
        s.engine().explain(query).await
    };
    match plans {
        Ok(plans) => print!("{plans}"),
        Err(e) => show_error(&e, query),
    }
}

fn format(s: &mut Session, arg: &str) {
    let format = match arg {
        "table" => Format::Table,
        "csv" => Format::Csv,
        "json" => Format::Json,
        "ndjson" => Format::Ndjson,
        _ => return usage(".format"),
    };
    s.settings.format = format;
}

fn output(s: &mut Session, arg: &str) {
    if arg.is_empty() {
        if s.settings.output.take().is_some() {
            println!("Results go to the screen again.");
        }
        return;
    }
    let path = expand_home(arg);
    match std::fs::File::create(&path) {
        Ok(file) => {
            println!(
                "Results go to {} (.output alone: back to the screen).",
                path.display()
            );
            s.settings.output = Some((path, file));
        }
        Err(e) => eprintln!("error: {}: {e}", path.display()),
    }
}

fn max_rows(s: &mut Session, arg: &str) {
    match arg.parse() {
        Ok(n) => s.settings.max_rows = n,
        Err(_) => usage(".maxrows"),
    }
}

fn timing(s: &mut Session, arg: &str) {
    match arg {
        "on" => s.settings.timing = true,
        "off" => s.settings.timing = false,
        _ => usage(".timing"),
    }
}

fn now(s: &mut Session, arg: &str) {
    match arg {
        "" => {}
        "wall" => {
            s.engine_mut().set_now(None);
            s.settings.now = None;
        }
        _ => match crate::parse_time(arg) {
            Some(nanos) => {
                s.engine_mut().set_now(Some(nanos));
                s.settings.now = Some(arg.to_string());
            }
            None => {
                eprintln!("expected a time such as 2025-10-01 or 2025-10-01T12:00:00Z, or wall");
                return;
            }
        },
    }
    match &s.settings.now {
        Some(text) => println!("now() is {text} (UTC)"),
        None => println!("now() follows the wall clock"),
    }
}

async fn data(s: &mut Session, arg: &str) {
    if arg.is_empty() {
        return usage(".data");
    }
    let dir = expand_home(arg);
    let url = dir.to_str().is_some_and(kqlite_storage::is_url);
    if !dir.is_dir() && !url {
        return eprintln!(
            "error: {}: not a folder or an object store URL",
            dir.display()
        );
    }
    match s.engine_mut().attach(&dir).await {
        Ok(added) if added.is_empty() => {
            println!("No Defender tables found in {}.", dir.display());
        }
        Ok(added) => {
            let names: Vec<String> = added
                .iter()
                .map(|t| format!("{} ({} rows)", t.name, thousands(t.rows)))
                .collect();
            println!("Attached {}.", names.join(", "));
        }
        Err(e) => eprintln!("error: {e}"),
    }
}

async fn read(s: &mut Session, arg: &str) -> io::Result<()> {
    if arg.is_empty() {
        usage(".read");
        return Ok(());
    }
    let path = expand_home(arg);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("error: {}: {e}", path.display());
            return Ok(());
        }
    };
    for (offset, query) in kqlite_parser::split_queries(&text) {
        let line = text[..offset].matches('\n').count() + 1;
        let outcome = s.run_query(query).await?;
        if outcome == Outcome::Failed {
            eprintln!("  in {}, the query at line {line}", path.display());
        }
        if outcome == Outcome::Cancelled {
            break;
        }
    }
    Ok(())
}

/// `~/x` as `$HOME/x`.
fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(path),
    }
}
