//! The command line.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Hunt with KQL over Microsoft Defender XDR exports, offline.
#[derive(Parser, Debug)]
#[command(name = "kqlite", version, args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// A folder of exports: `<DIR>/<Table>/**/*.parquet` or `<DIR>/<Table>.parquet`.
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

    /// The KQL query.
    pub query: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
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
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
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
