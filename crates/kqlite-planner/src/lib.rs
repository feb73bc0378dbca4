//! kqlite's planner: lowers the KQL syntax tree onto DataFusion logical plans with Kusto's
//! semantics. It knows nothing of files: tables come from a [`Catalog`].

mod aggregates;
mod binary;
mod conjunction;
mod dictionary_predicate;
mod engine_messages;
mod error;
mod evaluate;
mod expr;
mod external;
mod filter_order;
mod functions;
mod group_codes;
mod join;
// The kernels live in their own crate, which executors of kqlite's plans link too.
use kqlite_functions as kernels;
mod literals;
mod make_series;
mod merge_projections;
mod mv_apply;
mod mv_expand;
mod names;
mod operators;
mod optimize;
mod output_order;
mod parse_kv;
mod parse_op;
mod per_dictionary;
mod planner;
mod projection;
mod range;
mod range_rows;
mod read_dynamic;
mod read_paths_together;
mod sample;
mod scan;
mod search;
mod selectivity;
mod serial;
mod stands_for;
mod top_hitters;
mod top_nested;
mod union;
mod user_functions;
mod view_in;
mod window;

use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::logical_expr::LogicalPlan;
use kqlite_parser::Query;

pub use conjunction::SelectiveAnd;
pub use dictionary_predicate::DictionaryPredicate;
pub use engine_messages::in_kusto_terms;
pub use error::{ErrorKind, PlanError, PlanResult};
pub use filter_order::CheapConjunctsFirst;
pub use group_codes::{CodeBook, CodedValues, GroupCodes};
pub use merge_projections::MergeProjections;
pub use operators::kusto_type_name;
pub use optimize::ReadStringsDirectly;
pub use output_order::KeepOutputOrder;
pub use read_dynamic::ReadDynamicDirectly;
pub use read_paths_together::ReadPathsTogether;
pub use scan::ScanPlanner;
pub use selectivity::GuessFilterSelectivity;
pub use view_in::ViewIn;

/// Where the planner finds tables.
pub trait Catalog {
    fn table(&self, name: &str) -> Option<Arc<dyn TableProvider>>;
    fn table_names(&self) -> Vec<String>;
    /// Columns of `table` holding `dynamic` values (JSON text): unlike strings, they keep nulls.
    fn dynamic_columns(&self, _table: &str) -> Vec<String> {
        Vec::new()
    }
    /// Columns of `table` that hold no null in the data: read as they are, with no
    /// `coalesce(col, "")`. The schema still says nullable, as operators may bring nulls in.
    fn never_null(&self, _table: &str) -> Vec<String> {
        Vec::new()
    }
    /// Runs `plan` while planning, for what depends on the data: the columns of `bag_unpack`
    /// and `pivot`, the terms of `has_any` over a table. The error says why it failed.
    fn evaluate(&self, _plan: &LogicalPlan) -> Result<Vec<RecordBatch>, String> {
        Err("this catalog cannot run queries while planning".to_string())
    }
    /// The function every value of the text column `column` of `table` goes through at the
    /// scan (pseudonymised mode), if any.
    fn rewrite_column(
        &self,
        _table: &str,
        _column: &str,
    ) -> Option<datafusion::logical_expr::ScalarUDF> {
        None
    }
    /// The rows of local files for `externaldata`; the error says why they cannot be read.
    fn external_data(&self, _request: &ExternalData) -> Result<Arc<dyn TableProvider>, String> {
        Err("this catalog reads no files".to_string())
    }
}

/// An `externaldata` operator over local files.
#[derive(Debug, Clone, PartialEq)]
pub struct ExternalData {
    /// File paths, as written (a `file://` prefix removed).
    pub paths: Vec<String>,
    /// Declared columns: name and Kusto type name.
    pub columns: Vec<(String, String)>,
    /// `format=...`, when given.
    pub format: Option<String>,
    /// `ignoreFirstRecord=true`.
    pub skip_first: bool,
}

/// Settings that change what a query means.
#[derive(Clone, Debug)]
pub struct PlanOptions {
    /// The query clock read by `now()` and `ago()`, in nanoseconds since the Unix epoch (UTC).
    pub now: i64,
    /// Whether tables keep their hidden [`INGESTION_TIME`] column, for `ingestion_time()`.
    pub ingestion_time: bool,
}

/// The hidden column holding when a row was ingested, where an export kept it (Kusto's own
/// name for it). Read only by `ingestion_time()`; never part of a query's result.
pub const INGESTION_TIME: &str = "$IngestionTime";

/// Plans every tabular statement of `query`, in order.
pub fn plan_query(
    query: &Query,
    catalog: &dyn Catalog,
    options: &PlanOptions,
) -> PlanResult<Vec<LogicalPlan>> {
    planner::Planner::new(catalog, options).plan(query)
}
