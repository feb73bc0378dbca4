//! kqlite-tables: Microsoft Defender XDR advanced-hunting exports as
//! DataFusion tables.
//!
//! # Architecture
//!
//! | module | input -> output |
//! |---|---|
//! | [`schema`] | embedded documentation -> per table: documented columns, Kusto types, Arrow schema |
//! | `validate` | a file's footer schema + the registry -> the table schema, or a column error |
//! | `discover` | export folder -> Parquet files per table, other export files with their table hint |
//! | [`formats`] | streaming JSON, Graph JSON, CSV file -> rows typed by the registry, in a `RowSink` |
//! | [`external`] | a local file + declared columns -> the table of an `externaldata` operator |
//! | `listing`, `memtable` | Parquet files -> `ListingTable`; rows read -> `MemTable` |
//! | [`remote`] | an object store URL's Parquet objects (footers fetched) -> files read in place |
//! | [`frames`] | record batches handed over in memory (a DataFrame) -> a table with Kusto types |
//! | [`register`] | export folder -> one table per Defender table in a `SessionContext`, and warnings |
//! | [`import`] | export files -> `DIR/<Table>/date=YYYY-MM-DD/part-*.parquet` |
//! | [`generate`] | seed + scale -> deterministic sample export with planted stories |
//!
//! The table schema is the documented columns, in documented order and with
//! documented types, followed by any extra columns found in the files.
//! DataFusion's Parquet reader adapts each file to it: absent columns read as
//! nulls, and compatible physical types (timestamp units, narrower integers,
//! dictionary or large strings) are cast. Registration reads only footers.

pub mod config;
pub mod dictionary_pages;
mod discover;
mod embedded_schema;
pub mod error;
pub mod external;
pub mod file_layouts;
mod footer_stats;
pub mod formats;
pub mod frames;
pub mod generate;
pub mod import;
mod infer;
mod listing;
pub use listing::read_whole_file;
mod load;
mod memtable;
mod parquet_adapt;
pub mod register;
pub mod remote;
pub mod schema;
mod text_facts;
mod text_table;
mod validate;
pub mod warning;

pub use config::{session_config, session_config_with_env};
pub use error::{ColumnMismatch, TableError};
pub use external::{external_table, ExternalFormat, ExternalRequest};
pub use formats::{ExportZone, NoProgress, Progress};
pub use register::{
    register_dir, register_dir_with_report, register_remote, unknown_entries, RegisterOptions,
    RegisteredTable,
};
pub use remote::{RemoteFiles, RemoteParquet};
pub use schema::{defender_schema, kusto_type, table_def_or_undocumented, table_names, KustoType};
pub use warning::{Position, Warning, WarningKind, WarningTotals};
