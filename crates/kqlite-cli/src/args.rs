//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use kqlite_tables::ExportZone;

/// Hunt with KQL over Microsoft Defender XDR exports, offline.
#[derive(Parser, Debug, Default)]
#[command(name = "kqlite", version, args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// A folder or file of exports (Parquet, streaming API or Graph JSON, portal CSV); may be
    /// given more than once, and a table found under several is one table.
    #[arg(long, short = 'd', value_name = "DIR")]
    pub data: Vec<PathBuf>,

    /// Run the queries in a .kql file (queries separated by blank lines).
    #[arg(
        long = "file",
        short = 'f',
        value_name = "FILE.kql",
        conflicts_with = "query"
    )]
    pub file: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// The time `now()` and `ago()` read, e.g. 2025-10-01 or 2025-10-01T12:00:00Z (UTC).
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,

    /// Print the logical and physical plans instead of running.
    #[arg(long)]
    pub explain: bool,

    /// Run the query and print its physical plan with each operator's rows, time and bytes
    /// read, instead of the rows.
    #[arg(long, conflicts_with = "explain")]
    pub analyze: bool,

    /// Print to standard error how long attaching the data and each query took.
    #[arg(long)]
    pub timing: bool,

    /// Fail on any malformed row or value in the data instead of warning.
    #[arg(long)]
    pub strict: bool,

    /// Read the files at PATH (a file or folder) as the table NAME, whatever their names
    /// say; may be given more than once.
    #[arg(long = "table", value_name = "NAME=PATH", value_parser = parse_table)]
    pub table: Vec<(String, PathBuf)>,

    /// The time zone of datetimes an export writes without one (the portal's CSV download
    /// is in the zone of the browser that downloaded it): an IANA name or an offset.
    #[arg(long = "export-tz", value_name = "ZONE", allow_hyphen_values = true)]
    pub export_tz: Option<ExportZone>,

    /// Let `externaldata` read files below DIR too (by default only below the --data
    /// folders and the query file's folder).
    #[arg(long = "allow-externaldata", value_name = "DIR")]
    pub allow_externaldata: Vec<PathBuf>,

    /// How long one query may run before it is cancelled (Kusto's servertimeout, 4m unless
    /// set; `set servertimeout = ...;` in a query overrides it): 30s, 10m, 1h.
    #[arg(long, value_name = "TIME", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,

    /// Return whole results: no cut at Kusto's 500,000 records or 64 MB (as `set
    /// notruncation;` does for one query).
    #[arg(long)]
    pub notruncation: bool,

    /// The memory all queries may hold (4G, 512M) before sorts and aggregations spill to
    /// the temporary folder; three quarters of the machine's memory unless given.
    #[arg(long = "memory-limit", value_name = "SIZE", value_parser = kqlite::limits::parse_size)]
    pub memory_limit: Option<usize>,

    /// Append one entry per query run to FILE: time, user, query, tables read with their
    /// files' fingerprints, rows, a hash of the output; chained so that `kqlite audit verify`
    /// finds any entry edited or removed.
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,

    /// Write an evidence package to DIR (a new folder): the query, its clock, the SHA-256 of
    /// every input file, each result as CSV and Parquet, and a manifest that `kqlite evidence
    /// verify DIR` checks. Results in it are whole (no truncation).
    #[arg(long, value_name = "DIR")]
    pub evidence: Option<PathBuf>,

    /// Pseudonymised mode: identity values (users, e-mail addresses, devices, IP addresses)
    /// become stable labels keyed by the secret in KEYFILE (at least 16 bytes, e.g. `head -c
    /// 32 /dev/urandom > KEYFILE`); `kqlite reveal` turns a label back.
    #[arg(long, value_name = "KEYFILE")]
    pub pseudonymize: Option<PathBuf>,

    /// Write the chart a query's `render` asks for to FILE: `.svg`, or `.html` (a page
    /// holding the SVG).
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
    /// Run the queries on the Ballista cluster whose scheduler is at df://HOST:PORT (see
    /// `kqlite scheduler` and `kqlite executor`); the executors must reach the --data paths.
    #[arg(long, value_name = "df://HOST:PORT")]
    pub cluster: Option<String>,
    /// The KQL query.
    pub query: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse every query in the files or folders (recursively `*.kql`) and report failures as
    /// file:line:col; exit 0 only when all parse.
    Check {
        #[arg(required = true, value_name = "FILE_OR_DIR")]
        paths: Vec<PathBuf>,
    },
    /// Write a deterministic sample dataset of the insider-risk tables as Parquet.
    Generate {
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Size multiplier: 1 is a few thousand rows.
        #[arg(long, default_value_t = 1)]
        scale: usize,
    },
    /// Convert exports (Parquet, streaming API JSON lines, Graph JSON, portal CSV) into
    /// Parquet laid out as DIR/<Table>/date=YYYY-MM-DD/part-*.parquet. Re-runnable.
    Import {
        /// Files, folders or glob patterns to read (never modified).
        #[arg(required = true, value_name = "SOURCE")]
        sources: Vec<PathBuf>,
        /// Output folder.
        #[arg(long, value_name = "DIR")]
        to: PathBuf,
        /// Fail on any malformed row or value (files with problems are not written).
        #[arg(long)]
        strict: bool,
        /// The time zone of datetimes written without one (the portal's CSV).
        #[arg(long = "export-tz", value_name = "ZONE", allow_hyphen_values = true)]
        export_tz: Option<ExportZone>,
    },
    /// The real value behind a pseudonymised label (the lookup is audited with --audit).
    Reveal {
        #[arg(value_name = "LABEL")]
        label: String,
        /// The key the label was made with.
        #[arg(long, value_name = "KEYFILE", required = true)]
        pseudonymize: PathBuf,
        /// The data the label was seen in.
        #[arg(long, short = 'd', value_name = "DIR", required = true)]
        data: Vec<PathBuf>,
        #[arg(long, value_name = "FILE")]
        audit: Option<PathBuf>,
    },
    /// Evidence packages (`--evidence DIR`).
    Evidence {
        #[command(subcommand)]
        action: EvidenceAction,
    },
    /// The audit log (`--audit FILE`).
    Audit {
        #[command(subcommand)]
        action: AuditAction,
    },
    /// Answer Kusto's REST API (v1/v2 query and management endpoints) over the exports, so
    /// Kusto's clients (azure-kusto-data, Kqlmagic, Kusto.Explorer, Grafana) query them.
    Serve(ServeArgs),
    /// Run a Ballista scheduler with kqlite's functions, for `--cluster`.
    Scheduler {
        /// The address to listen on.
        #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:50050")]
        bind: std::net::SocketAddr,
    },
    /// Run a Ballista executor with kqlite's functions, joining a scheduler.
    Executor(ExecutorArgs),
    /// List the tables found under the export folders, with row counts and sources.
    Tables {
        /// A folder (or file) of exports; may be given more than once.
        #[arg(long, short = 'd', value_name = "DIR", required = true)]
        data: Vec<PathBuf>,
        /// Fail on any malformed row or value instead of warning.
        #[arg(long)]
        strict: bool,
        /// The time zone of datetimes written without one (the portal's CSV).
        #[arg(long = "export-tz", value_name = "ZONE", allow_hyphen_values = true)]
        export_tz: Option<ExportZone>,
    },
}

/// `kqlite serve`: the data as for a query, and how the server listens.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// A folder or file of exports; may be given more than once.
    #[arg(long, short = 'd', value_name = "DIR", required = true)]
    pub data: Vec<PathBuf>,
    /// Read the files at PATH as the table NAME; may be given more than once.
    #[arg(long = "table", value_name = "NAME=PATH", value_parser = parse_table)]
    pub table: Vec<(String, PathBuf)>,
    /// The address to listen on; beyond loopback only with --token.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
    /// A file holding the secret every request must carry (`Authorization: Bearer ...`);
    /// required to listen beyond loopback.
    #[arg(long, value_name = "FILE")]
    pub token: Option<PathBuf>,
    /// The name clients connect to as the database.
    #[arg(long, value_name = "NAME", default_value = "kqlite")]
    pub database: String,
    /// Queries that run at once (more wait their turn); ten a core unless given.
    #[arg(long = "max-queries", value_name = "N")]
    pub max_queries: Option<usize>,
    /// Let `externaldata` read local files below DIR (by default it reads none).
    #[arg(long = "allow-externaldata", value_name = "DIR")]
    pub allow_externaldata: Vec<PathBuf>,
    /// The clock of `now()` unless a request's `query_now` sets it.
    #[arg(long, value_name = "TIME")]
    pub now: Option<String>,
    /// Each query's timeout unless its request sets `servertimeout` (4m unless given).
    #[arg(long, value_name = "TIME", value_parser = parse_duration)]
    pub timeout: Option<std::time::Duration>,
    /// The memory all queries share before sorts and aggregations spill.
    #[arg(long = "memory-limit", value_name = "SIZE", value_parser = kqlite::limits::parse_size)]
    pub memory_limit: Option<usize>,
    /// The time zone of datetimes an export writes without one.
    #[arg(long = "export-tz", value_name = "ZONE", allow_hyphen_values = true)]
    pub export_tz: Option<ExportZone>,
    /// Pseudonymised mode, as for a query (see --pseudonymize).
    #[arg(long, value_name = "KEYFILE")]
    pub pseudonymize: Option<PathBuf>,
    /// The audit log every query is appended to (as --audit; by default
    /// `$XDG_DATA_HOME/kqlite/serve-audit.jsonl`, else `~/.local/share/kqlite/...`).
    #[arg(long, value_name = "FILE", conflicts_with = "no_audit")]
    pub audit: Option<PathBuf>,
    /// Keep no audit log.
    #[arg(long = "no-audit")]
    pub no_audit: bool,
}

/// `kqlite executor`: its scheduler, and where it listens.
#[derive(clap::Args, Debug)]
pub struct ExecutorArgs {
    /// The scheduler to join.
    #[arg(
        long,
        value_name = "df://HOST:PORT",
        default_value = "df://127.0.0.1:50050"
    )]
    pub scheduler: String,
    /// The address to listen on (and that the scheduler and clients are told).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1")]
    pub bind: String,
    /// The Arrow Flight port that serves results and shuffles.
    #[arg(long, default_value_t = 50051)]
    pub port: u16,
    /// The gRPC port the scheduler sends tasks to.
    #[arg(long = "grpc-port", default_value_t = 50052)]
    pub grpc_port: u16,
    /// Tasks run at once (the machine's cores unless given).
    #[arg(long)]
    pub cores: Option<usize>,
    /// Where shuffle files are written (a temporary folder unless given).
    #[arg(long = "work-dir", value_name = "DIR")]
    pub work_dir: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum AuditAction {
    /// Check that no entry of an audit log was edited, removed or moved.
    Verify {
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum EvidenceAction {
    /// Re-hash an evidence package's inputs and results, run its query again over the same
    /// data at the same clock, and confirm the same results.
    Verify {
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
}

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Json,
    Ndjson,
}

impl From<Format> for kqlite::output::Format {
    fn from(format: Format) -> Self {
        match format {
            Format::Table => kqlite::output::Format::Table,
            Format::Csv => kqlite::output::Format::Csv,
            Format::Json => kqlite::output::Format::Json,
            Format::Ndjson => kqlite::output::Format::Ndjson,
        }
    }
}

/// `NAME=PATH`, NAME a KQL name.
fn parse_table(text: &str) -> Result<(String, PathBuf), String> {
    let (name, path) = text
        .split_once('=')
        .ok_or_else(|| format!("expected NAME=PATH, found {text:?}"))?;
    let mut chars = name.chars();
    let first = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "{name:?} is not a table name (letters, digits and _)"
        ));
    }
    Ok((name.to_string(), PathBuf::from(path)))
}

/// A duration as Kusto writes a timespan: `30s`, `10m`, `1h`, `1d`, `500ms`.
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let bad = || format!("{text:?}: expected a duration such as 30s, 10m or 1h");
    let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
    let (digits, unit) = text.split_at(split);
    let n: u64 = digits.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "ms" => return Ok(std::time::Duration::from_millis(n)),
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(bad()),
    };
    Ok(std::time::Duration::from_secs(seconds))
}
