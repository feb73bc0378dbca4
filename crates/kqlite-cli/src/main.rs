//! `kqlite`: parse arguments, call the library, map failures to exit codes
//! (0 success, 1 query or data error, 2 usage error). A closed output pipe is success.

mod args;
mod audit;
mod chart;
mod check;
mod cluster;
mod evidence;
mod import;
mod repl;
mod results;
mod serve;
mod tables;

use std::io::{self, IsTerminal, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;
use kqlite::limits::QueryLimits;
use kqlite::Engine;
use results::Stop;
use sha2::Digest;

use args::{Args, Command};

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// Why kqlite stopped early.
pub(crate) enum Failure {
    /// Already reported to the user.
    Query,
    Usage(String),
    Io(io::Error),
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

/// Long pipelines and `let` chains make deep plans, which DataFusion's optimizer and streams
/// walk recursively: the main thread and the runtime's workers get room for the deepest plan
/// the engine accepts (reserved address space, committed only as used).
const MAIN_STACK_BYTES: usize = 1 << 30;
const WORKER_STACK_BYTES: usize = 256 << 20;

fn main() -> ExitCode {
    let main = std::thread::Builder::new()
        .name("kqlite".into())
        .stack_size(MAIN_STACK_BYTES)
        .spawn(run_main);
    match main.map(|thread| thread.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(_)) => ExitCode::from(101), // The panic message is already printed.
        Err(e) => report(Failure::Io(e)),
    }
}

fn run_main() -> ExitCode {
    let args = Args::parse();
    if let Some(Command::Check { paths }) = &args.command {
        return check::run(paths);
    }
    if let Some(Command::Audit {
        action: args::AuditAction::Verify { file },
    }) = &args.command
    {
        return verify_audit(file);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
        .build();
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(e) => return report(Failure::Io(e)),
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => report(failure),
    }
}

/// `kqlite audit verify FILE`: exit 0 when every entry is intact and chained.
fn verify_audit(file: &Path) -> ExitCode {
    match audit::verify(file) {
        Ok(entries) => {
            println!("{}: {entries} entries, intact", file.display());
            ExitCode::SUCCESS
        }
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::from(1)
        }
    }
}

fn report(failure: Failure) -> ExitCode {
    match failure {
        Failure::Query => ExitCode::from(1),
        Failure::Usage(message) => {
            eprintln!("error: {message}\n\nFor more information, try '--help'.");
            ExitCode::from(2)
        }
        Failure::Io(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Failure::Io(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

async fn run(args: Args) -> Result<(), Failure> {
    if let Some(Command::Generate { out, seed, scale }) = &args.command {
        return generate(out, *seed, *scale);
    }
    if let Some(Command::Import {
        sources,
        to,
        strict,
        export_tz,
    }) = &args.command
    {
        return import::run(sources, to, *strict, export_tz.unwrap_or_default())
            .then_some(())
            .ok_or(Failure::Query);
    }
    if let Some(Command::Reveal {
        label,
        pseudonymize,
        data,
        audit,
    }) = &args.command
    {
        return reveal(label, pseudonymize, data, audit.as_deref()).await;
    }
    if let Some(Command::Evidence {
        action: args::EvidenceAction::Verify { dir },
    }) = &args.command
    {
        return match evidence::verify(dir).await {
            Ok(results) => {
                println!("{}: inputs and {results} result(s) verified", dir.display());
                Ok(())
            }
            Err(differences) => {
                for d in differences {
                    eprintln!("error: {d}");
                }
                Err(Failure::Query)
            }
        };
    }
    if let Some(Command::Serve(serve)) = &args.command {
        return serve::run(serve).await;
    }
    if let Some(Command::Scheduler { bind }) = &args.command {
        return cluster::scheduler(*bind).await;
    }
    if let Some(Command::Executor(executor)) = &args.command {
        return cluster::executor(executor).await;
    }
    if let Some(Command::Tables {
        data,
        strict,
        export_tz,
    }) = &args.command
    {
        return tables::run(data, *strict, export_tz.unwrap_or_default())
            .await
            .then_some(())
            .ok_or(Failure::Query);
    }
    let started = Instant::now();
    let engine = open_engine(&args).await?;
    if args.timing {
        eprintln!("timing: attach {:.1} ms", millis(started));
    }
    if args.query.is_none() && args.file.is_none() && io::stdin().is_terminal() {
        return Ok(repl::run(engine, &args).await?);
    }
    let text = query_text(&args)?;
    tokio::select! {
        outcome = run_batch(&engine, &args, &text) => outcome?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("interrupted");
            std::process::exit(130);
        }
    }
    // The process ends here: freeing every table's footers one by one would only delay it.
    std::mem::forget(engine);
    Ok(())
}

/// Runs the queries of `text` one after the other, stopping at the first that fails.
async fn run_batch(engine: &Engine, args: &Args, text: &str) -> Result<(), Failure> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut package = match &args.evidence {
        Some(dir) => Some(
            evidence::Package::create(dir)
                .map_err(|e| Failure::Usage(format!("--evidence {}: {e}", dir.display())))?,
        ),
        None => None,
    };
    let units = queries(args, text);
    for &(offset, query) in &units {
        let started = Instant::now();
        let mut hashed = results::Hashed {
            inner: &mut out,
            hasher: sha2::Sha256::new(),
        };
        let mut kept = results::Kept::default();
        let preview = terminal_preview(args, query);
        let mut output = results::Output {
            format: args.format.into(),
            out: &mut hashed,
            rows: 0,
            package: package.as_mut(),
            kept: (args.chart.is_some() || preview.is_some()).then_some(&mut kept),
            preview,
        };
        let outcome = run_one(engine, query, offset, text, args, &mut output).await;
        let rows = output.rows;
        if let (Ok(()), Some(path)) = (&outcome, &args.chart) {
            chart::write(path, query, &kept)?;
        }
        let output_sha256 = audit::hex(&hashed.hasher.finalize());
        if let Some(path) = &args.audit {
            let run = audit::Run {
                query,
                now: engine.now(),
                rows,
                output_sha256,
                outcome: if outcome.is_ok() { "ok" } else { "failed" },
                client: None,
            };
            audit::append(path, engine, &run)
                .map_err(|e| Failure::Usage(format!("--audit {}: {e}", path.display())))?;
        }
        outcome?;
        if args.timing {
            out.flush()?;
            eprintln!("timing: query {:.1} ms", millis(started));
        }
    }
    if let Some(package) = package {
        let texts: Vec<&str> = units.iter().map(|(_, q)| *q).collect();
        package.finish(engine, text, &texts, &data_given(args))?;
    }
    Ok(out.flush()?)
}

/// The chart to print above a table in a terminal, for a query that ends in `render`.
fn terminal_preview(args: &Args, query: &str) -> Option<kqlite_chart::Visualization> {
    let table = matches!(args.format, args::Format::Table) && !args.explain && !args.analyze;
    if !table || !io::stdout().is_terminal() {
        return None;
    }
    let parsed = kqlite_parser::parse_query(query).ok()?;
    kqlite_chart::from_query(&parsed)
}

/// Whether a `--data` or `--table` path is an object store URL (attached by the engine).
fn is_url(path: &Path) -> bool {
    path.to_str().is_some_and(kqlite_storage::is_url)
}

/// The data as the command line gave it, for an evidence package.
fn data_given(args: &Args) -> evidence::DataGiven {
    let absolute = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    evidence::DataGiven {
        roots: args.data.iter().map(|p| absolute(p)).collect(),
        tables: args
            .table
            .iter()
            .map(|(n, p)| (n.clone(), absolute(p)))
            .collect(),
        export_tz: args.export_tz.map(|z| z.to_string()),
    }
}

async fn open_engine(args: &Args) -> Result<Engine, Failure> {
    let memory = args
        .memory_limit
        .unwrap_or_else(kqlite::limits::default_memory_limit);
    let mut engine = Engine::with_memory_limit(memory).map_err(|e| {
        eprintln!("error: {e}");
        Failure::Query
    })?;
    engine.set_strict(args.strict);
    engine.set_export_zone(args.export_tz.unwrap_or_default());
    if let Some(url) = &args.cluster {
        cluster::connect(&mut engine, url).map_err(Failure::Usage)?;
    }
    // Relative `externaldata` paths in a query file start at its folder.
    if let Some(folder) = args.file.as_deref().and_then(Path::parent) {
        let folder = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        engine.set_base_dir(Some(folder.to_path_buf()));
    }
    for dir in &args.allow_externaldata {
        engine
            .allow_external_dir(dir)
            .map_err(|e| Failure::Usage(format!("--allow-externaldata {}: {e}", dir.display())))?;
    }
    if let Some(now) = &args.now {
        engine.set_now(Some(parse_now(now).map_err(Failure::Usage)?));
    } else if args.evidence.is_some() {
        // Evidence is re-run at the clock it was made at.
        engine.set_now(Some(wall_clock_nanos()));
    }
    for dir in &args.data {
        if !dir.exists() && !is_url(dir) {
            return Err(Failure::Usage(format!(
                "--data {}: no such folder, file or object store URL",
                dir.display()
            )));
        }
        if let Err(e) = engine.attach(dir).await {
            eprintln!("error: {e}");
            return Err(Failure::Query);
        }
    }
    for (name, path) in &args.table {
        if !path.exists() && !is_url(path) {
            let message = format!("--table {name}={}: no such folder or file", path.display());
            return Err(Failure::Usage(message));
        }
        if let Err(e) = engine.attach_as(path, Some(name)).await {
            eprintln!("error: {e}");
            return Err(Failure::Query);
        }
    }
    if let Some(keyfile) = &args.pseudonymize {
        pseudonymize(&mut engine, keyfile).await?;
    }
    tables::print_warnings(&engine);
    Ok(engine)
}

/// Pseudonymised mode with the key in `keyfile`.
async fn pseudonymize(engine: &mut Engine, keyfile: &Path) -> Result<(), Failure> {
    let usage =
        |why: String| Failure::Usage(format!("--pseudonymize {}: {why}", keyfile.display()));
    let key = std::fs::read(keyfile).map_err(|e| usage(e.to_string()))?;
    if key.len() < 16 {
        return Err(usage(
            "a key needs at least 16 bytes (head -c 32 /dev/urandom > KEYFILE)".into(),
        ));
    }
    engine.pseudonymize(key).await.map_err(|e| {
        eprintln!("error: {e}");
        Failure::Query
    })
}

/// `kqlite reveal LABEL`: the value behind a label, itself audited.
async fn reveal(
    label: &str,
    keyfile: &Path,
    data: &[std::path::PathBuf],
    audit_log: Option<&Path>,
) -> Result<(), Failure> {
    let mut engine = Engine::with_env_settings().map_err(|e| {
        eprintln!("error: {e}");
        Failure::Query
    })?;
    for dir in data {
        engine.attach(dir).await.map_err(|e| {
            eprintln!("error: {e}");
            Failure::Query
        })?;
    }
    pseudonymize(&mut engine, keyfile).await?;
    let value = engine.reveal(label).map(str::to_string);
    if let Some(path) = audit_log {
        let run = audit::Run {
            query: &format!("reveal {label}"),
            now: None,
            rows: u64::from(value.is_some()),
            output_sha256: String::new(),
            outcome: if value.is_some() {
                "revealed"
            } else {
                "not found"
            },
            client: None,
        };
        audit::append(path, &engine, &run)
            .map_err(|e| Failure::Usage(format!("--audit {}: {e}", path.display())))?;
    }
    match value {
        Some(value) => {
            println!("{value}");
            Ok(())
        }
        None => {
            eprintln!("error: no value in the data has the label {label} under this key");
            Err(Failure::Query)
        }
    }
}

/// The query text: the argument, the file, or standard input when it is not a terminal.
fn query_text(args: &Args) -> Result<String, Failure> {
    if let Some(query) = &args.query {
        return Ok(query.clone());
    }
    if let Some(path) = &args.file {
        let bytes =
            std::fs::read(path).map_err(|e| Failure::Usage(format!("{}: {e}", path.display())))?;
        return String::from_utf8(bytes).map_err(|e| {
            Failure::Usage(format!(
                "{}: not UTF-8 text (byte {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        });
    }
    if io::stdin().is_terminal() {
        return Err(Failure::Usage(
            "no query given: pass a KQL query or -f FILE.kql".into(),
        ));
    }
    let mut text = String::new();
    io::stdin().read_to_string(&mut text)?;
    Ok(text)
}

/// A file holds queries separated by blank lines; an argument is one query.
fn queries<'t>(args: &Args, text: &'t str) -> Vec<(usize, &'t str)> {
    if args.file.is_some() {
        kqlite_parser::split_queries(text)
    } else {
        vec![(0, text)]
    }
}

async fn run_one(
    engine: &Engine,
    query: &str,
    offset: usize,
    whole: &str,
    args: &Args,
    output: &mut results::Output<'_>,
) -> Result<(), Failure> {
    let out = &mut *output.out;
    if args.explain || args.analyze {
        let plans = if args.explain {
            engine.explain(query).await
        } else {
            engine.analyze(query).await
        };
        return match plans {
            Ok(plan) => Ok(out.write_all(plan.as_bytes())?),
            Err(error) => Err(query_error(error, offset, whole, out)),
        };
    }
    if query.contains("ingestion_time") && !keeps_ingestion_time(engine) {
        eprintln!(
            "note: ingestion_time() is null here: only the streaming API's records keep when \
             a row was ingested, and no table attached holds them"
        );
    }
    let limits = query_limits(args).with_sets_of(query);
    let outcome = results::run(engine, query, limits, output).await;
    let out = &mut *output.out;
    match outcome {
        Ok(()) => Ok(()),
        Err(Stop::Query(error)) => Err(query_error(error, offset, whole, out)),
        Err(Stop::Io(e)) => Err(Failure::Io(e)),
        Err(Stop::TimedOut(after)) => {
            let _ = out.flush();
            eprintln!(
                "error: the query ran past its timeout of {} and was cancelled \
                 (`set servertimeout = 1h;` or --timeout gives it longer)",
                kqlite::output::format_timespan(after.as_nanos() as i64)
            );
            Err(Failure::Query)
        }
        Err(Stop::Truncated(reached)) => {
            let _ = out.flush();
            eprintln!("error: {reached}");
            Err(Failure::Query)
        }
    }
}

/// Reports a query's error, its spans placed in the whole text (a file's lines are the file's).
fn query_error(error: kqlite::Error, offset: usize, whole: &str, out: &mut dyn Write) -> Failure {
    let _ = out.flush();
    let error = error.shifted(offset);
    eprint!("{}", error.render(whole));
    if error.is_internal() {
        eprintln!("note: this is a bug in kqlite; please report it with the query");
    }
    Failure::Query
}

/// Whether any attached table holds ingestion times (the streaming API's `time`).
fn keeps_ingestion_time(engine: &Engine) -> bool {
    let hidden = kqlite::INGESTION_TIME;
    engine
        .tables()
        .iter()
        .any(|t| t.schema.fields().iter().any(|f| f.name() == hidden))
}

/// Kusto's limits, as the command line changes them.
fn query_limits(args: &Args) -> QueryLimits {
    let mut limits = QueryLimits::default();
    if args.timeout.is_some() {
        limits.timeout = args.timeout;
    }
    // An evidence package holds whole results.
    if args.notruncation || args.evidence.is_some() {
        limits.max_records = None;
        limits.max_bytes = None;
    }
    limits
}

fn wall_clock_nanos() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX)
}

fn millis(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1e3
}

fn generate(out: &std::path::Path, seed: u64, scale: usize) -> Result<(), Failure> {
    match kqlite_tables::generate::write_sample(out, seed, scale) {
        Ok(summary) => {
            println!("{summary}");
            Ok(())
        }
        Err(e) => {
            eprintln!("error: {e}");
            Err(Failure::Query)
        }
    }
}

/// `--now`: any form `datetime(...)` accepts.
fn parse_now(text: &str) -> Result<i64, String> {
    parse_time(text).ok_or_else(|| {
        format!("--now {text}: expected a time such as 2025-10-01 or 2025-10-01T12:00:00Z")
    })
}

/// Where kqlite keeps its own files: `$XDG_DATA_HOME/kqlite`, else `~/.local/share/kqlite`.
pub(crate) fn data_home() -> Option<std::path::PathBuf> {
    let base = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".local/share"))
        })?;
    Some(base.join("kqlite"))
}

/// A UTC time in any form `datetime(...)` accepts, as nanoseconds since the epoch.
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    kqlite::parse_datetime(text)
}
