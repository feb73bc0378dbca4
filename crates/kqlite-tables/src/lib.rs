//! kqlite-tables: Microsoft Defender XDR advanced-hunting exports as
//! DataFusion tables.
//!
//! # Architecture
//!
//! | module | input -> output |
//! |---|---|
//! | [`schema`] | embedded documentation -> per table: documented columns, Kusto types, Arrow schema |
//! | `validate` | a file's footer schema + the registry -> the table schema, or a column error |
//! | `register` | export directory -> one `ListingTable` per Defender table in a `SessionContext` |
//! | [`generate`] | seed + scale -> deterministic sample export with planted stories |
//!
//! The table schema is the documented columns, in documented order and with
//! documented types, followed by any extra columns found in the files.
//! DataFusion's Parquet reader adapts each file to it: absent columns read as
//! nulls, and compatible physical types (timestamp units, narrower integers,
//! dictionary or large strings) are cast. Registration reads only footers.

pub mod config;
pub mod error;
pub mod generate;
pub mod register;
pub mod schema;
mod validate;

pub use config::session_config;
pub use error::{ColumnMismatch, TableError};
pub use register::{register_dir, unknown_entries, RegisteredTable};
pub use schema::{defender_schema, kusto_type, table_names, KustoType};
