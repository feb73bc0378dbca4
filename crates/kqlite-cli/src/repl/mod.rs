//! The interactive session opened by `kqlite --data DIR` with no query: a line editor that
//! knows KQL ([`helper`]), dot commands ([`commands`]) and results fitted to the terminal
//! ([`table`]). Queries run with Ctrl-C watched: it cancels the query, not the session.

mod commands;
mod complete;
mod helper;
mod table;
mod validate;

use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kqlite::output::Format;
use kqlite::{Engine, QueryResult};
use rustyline::error::ReadlineError;
use rustyline::history::FileHistory;
use rustyline::{
    Cmd, ColorMode, CompletionType, ConditionalEventHandler, Config, EditMode, Editor, Event,
    EventContext, EventHandler, KeyCode, KeyEvent, Modifiers, RepeatCount,
};
use tokio::sync::Notify;

use crate::args::Args;
use helper::KqlHelper;
use table::{plural, thousands};

const PROMPT: &str = "kql> ";

/// What the user has set with dot commands.
pub struct Settings {
    format: Format,
    /// Rows shown in a table; 0 shows all.
    max_rows: usize,
    timing: bool,
    /// `.output FILE`: results go to this file instead of the screen.
    output: Option<(PathBuf, File)>,
    /// The query clock as the user wrote it; None follows the wall clock.
    now: Option<String>,
    /// The cluster queries run on (`.cluster`); None runs them here.
    cluster: Option<String>,
}

/// Whether the session goes on after a line.
#[derive(PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// How one query ended.
#[derive(PartialEq, Eq)]
pub enum Outcome {
    Done,
    Failed,
    Cancelled,
}

pub struct Session {
    rl: Editor<KqlHelper, FileHistory>,
    settings: Settings,
    history: Option<PathBuf>,
    /// Set by the Ctrl-C binding when it was pressed on an empty line.
    empty_interrupt: Arc<AtomicBool>,
    /// Woken by Ctrl-C while a query runs.
    interrupts: Arc<Notify>,
    /// The chart of the last query that ended in `render`, and its result (`.chart`).
    last_chart: Option<(kqlite_chart::Visualization, QueryResult)>,
}

/// Runs the session until `.quit` or Ctrl-D.
pub async fn run(engine: Engine, args: &Args) -> io::Result<()> {
    let mut session = Session::open(engine, args)?;
    session.greet();
    session.main_loop().await
}

impl Session {
    fn open(engine: Engine, args: &Args) -> io::Result<Session> {
        let color =
            io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        let config = Config::builder()
            .max_history_size(10_000)
            .and_then(|b| b.history_ignore_dups(true))
            .map_err(readline_error)?
            .history_ignore_space(true)
            .completion_type(CompletionType::List)
            .edit_mode(EditMode::Emacs)
            .color_mode(if color {
                ColorMode::Enabled
            } else {
                ColorMode::Disabled
            })
            .build();
        let mut rl = Editor::with_config(config).map_err(readline_error)?;
        rl.set_helper(Some(KqlHelper::new(engine, color)));
        let empty_interrupt = Arc::new(AtomicBool::new(false));
        bind_keys(&mut rl, &empty_interrupt);
        let history = history_path();
        if let Some(path) = &history {
            let _ = std::fs::create_dir_all(path.parent().unwrap_or(path));
            let _ = rl.load_history(path);
        }
        let settings = Settings {
            format: args.format.into(),
            max_rows: 40,
            timing: true,
            output: None,
            now: args.now.clone(),
            cluster: args.cluster.clone(),
        };
        Ok(Session {
            rl,
            settings,
            history,
            empty_interrupt,
            interrupts: watch_interrupts()?,
            last_chart: None,
        })
    }

    fn engine(&self) -> &Engine {
        &self.rl.helper().expect("the helper is always set").engine
    }

    fn engine_mut(&mut self) -> &mut Engine {
        &mut self
            .rl
            .helper_mut()
            .expect("the helper is always set")
            .engine
    }

    fn greet(&self) {
        let tables = self.engine().tables();
        let rows: u64 = tables.iter().map(|t| t.rows).sum();
        println!(
            "kqlite {}: KQL over Defender exports",
            env!("CARGO_PKG_VERSION")
        );
        if tables.is_empty() {
            println!("No tables attached yet: .data DIR attaches an export folder.");
        } else {
            println!(
                "{} table{} attached ({} rows): .tables lists them.",
                tables.len(),
                plural(tables.len()),
                thousands(rows)
            );
        }
        println!("Enter runs a query, Tab completes, .help lists commands, Ctrl-D quits.");
    }

    async fn main_loop(&mut self) -> io::Result<()> {
        loop {
            let line = match self.rl.readline(PROMPT) {
                Ok(line) => line,
                Err(ReadlineError::Interrupted) => {
                    if self.empty_interrupt.swap(false, Ordering::Relaxed) {
                        println!("(to quit, press Ctrl-D or type .quit)");
                    }
                    continue;
                }
                Err(ReadlineError::Eof) => return Ok(()),
                Err(e) => return Err(readline_error(e)),
            };
            if line.trim().is_empty() {
                continue;
            }
            self.remember(&line);
            if self.handle(&line).await? == Flow::Quit {
                return Ok(());
            }
        }
    }

    fn remember(&mut self, line: &str) {
        let _ = self.rl.add_history_entry(line.trim_end());
        if let Some(path) = &self.history {
            let _ = self.rl.append_history(path);
        }
    }

    async fn handle(&mut self, line: &str) -> io::Result<Flow> {
        if validate::is_dot_command(line) {
            return commands::execute(self, line.trim()).await;
        }
        let helper = self.rl.helper().expect("the helper is always set");
        let text = helper.continued(line.trim_end());
        if self.run_query(&text).await? == Outcome::Done {
            self.rl
                .helper_mut()
                .expect("the helper is always set")
                .previous = Some(text);
        }
        Ok(Flow::Continue)
    }

    /// Runs `text`, shows the results or the error; Ctrl-C cancels it.
    pub async fn run_query(&mut self, text: &str) -> io::Result<Outcome> {
        let started = Instant::now();
        let outcome = tokio::select! {
            result = self.engine().run(text) => Some(result),
            _ = self.interrupts.notified() => None,
        };
        let elapsed = started.elapsed();
        match outcome {
            None => {
                println!("\nquery cancelled after {}", seconds(elapsed));
                Ok(Outcome::Cancelled)
            }
            Some(Err(error)) => {
                show_error(&error, text);
                Ok(Outcome::Failed)
            }
            Some(Ok(results)) => {
                let parsed = kqlite_parser::parse_query(text).ok();
                let vis = parsed.as_ref().and_then(kqlite_chart::from_query);
                self.last_chart = vis.zip(results.last().cloned());
                self.show(&results, elapsed)?;
                Ok(Outcome::Done)
            }
        }
    }

    fn show(&mut self, results: &[QueryResult], elapsed: Duration) -> io::Result<()> {
        for (i, result) in results.iter().enumerate() {
            let last = i + 1 == results.len();
            let rows = result.row_count();
            let mut note = format!("{} row{}", thousands(rows as u64), plural(rows));
            self.write_result(result, &mut note)?;
            if last && self.settings.timing {
                note.push_str(&format!(" in {}", seconds(elapsed)));
            }
            match (&self.settings.output, self.settings.format) {
                (None, Format::Table) => println!("{note}"),
                _ => eprintln!("{note}"),
            }
        }
        Ok(())
    }

    fn write_result(&mut self, result: &QueryResult, note: &mut String) -> io::Result<()> {
        let format = self.settings.format;
        if let Some((path, file)) = &mut self.settings.output {
            kqlite::output::print(result, format, file)?;
            note.push_str(&format!(" written to {}", path.display()));
            return Ok(());
        }
        let stdout = io::stdout();
        let mut out = stdout.lock();
        if format == Format::Table {
            let width = self.rl.dimensions().map_or(100, |(w, _)| usize::from(w));
            if let Some((vis, charted)) = &self.last_chart {
                if std::ptr::eq(charted.schema.as_ref(), result.schema.as_ref()) {
                    let chart = kqlite_chart::preview(vis, &result.schema, &result.batches, width);
                    writeln!(out, "{}", chart.unwrap_or_else(|why| format!("({why})")))?;
                }
            }
            let text = table::render(result, width, self.settings.max_rows)?;
            out.write_all(text.as_bytes())?;
        } else {
            kqlite::output::print(result, format, &mut out)?;
        }
        out.flush()
    }
}

/// Watches Ctrl-C for the whole session on a thread and runtime of its own, and wakes the
/// query waiting on the returned [`Notify`]. The query's runtime cannot be trusted to notice
/// the signal promptly: its workers may still be busy with the query just cancelled. Once
/// installed the handler stays, so Ctrl-C never ends the session; at the prompt it is a key,
/// read by the line editor.
fn watch_interrupts() -> io::Result<Arc<Notify>> {
    let notify = Arc::new(Notify::new());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()?;
    // Installed now, before the first prompt: the line editor saves the handler it finds
    // and puts it back after each line, so it must find this one.
    let mut interrupts = {
        let _context = runtime.enter();
        Interrupts::install()?
    };
    let waker = Arc::clone(&notify);
    std::thread::Builder::new()
        .name("ctrl-c".into())
        .spawn(move || {
            runtime.block_on(async move {
                while interrupts.next().await {
                    waker.notify_waiters();
                }
            })
        })?;
    Ok(notify)
}

#[cfg(unix)]
struct Interrupts(tokio::signal::unix::Signal);

#[cfg(unix)]
impl Interrupts {
    fn install() -> io::Result<Self> {
        use tokio::signal::unix::{signal, SignalKind};
        signal(SignalKind::interrupt()).map(Interrupts)
    }

    async fn next(&mut self) -> bool {
        self.0.recv().await.is_some()
    }
}

#[cfg(not(unix))]
struct Interrupts;

#[cfg(not(unix))]
impl Interrupts {
    fn install() -> io::Result<Self> {
        Ok(Interrupts)
    }

    async fn next(&mut self) -> bool {
        tokio::signal::ctrl_c().await.is_ok()
    }
}

/// The error with a caret under its span; the session goes on.
pub fn show_error(error: &kqlite::Error, text: &str) {
    eprint!("{}", error.render(text));
    if error.is_internal() {
        eprintln!("note: this is a bug in kqlite; please report it with the query");
    }
}

fn seconds(elapsed: Duration) -> String {
    format!("{:.3} s", elapsed.as_secs_f64())
}

fn readline_error(e: ReadlineError) -> io::Error {
    match e {
        ReadlineError::Io(e) => e,
        other => io::Error::other(other),
    }
}

/// `$XDG_DATA_HOME/kqlite/history`, else `~/.local/share/kqlite/history`.
fn history_path() -> Option<PathBuf> {
    Some(crate::data_home()?.join("history"))
}

fn bind_keys(rl: &mut Editor<KqlHelper, FileHistory>, empty_interrupt: &Arc<AtomicBool>) {
    let watch = InterruptWatch(Arc::clone(empty_interrupt));
    rl.bind_sequence(
        KeyEvent::ctrl('C'),
        EventHandler::Conditional(Box::new(watch)),
    );
    // Alt-Enter starts a new line even when the query is complete.
    rl.bind_sequence(
        KeyEvent(KeyCode::Enter, Modifiers::ALT),
        EventHandler::Simple(Cmd::Newline),
    );
}

/// Notes whether Ctrl-C was pressed on an empty line, then lets it interrupt as usual.
struct InterruptWatch(Arc<AtomicBool>);

impl ConditionalEventHandler for InterruptWatch {
    fn handle(&self, _: &Event, _: RepeatCount, _: bool, ctx: &EventContext) -> Option<Cmd> {
        self.0.store(ctx.line().is_empty(), Ordering::Relaxed);
        None
    }
}
