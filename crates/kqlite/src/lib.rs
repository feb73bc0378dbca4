//! kqlite as a library: attach Defender exports, run KQL, get Arrow record batches.
//!
//! The pipeline is: text --[kqlite-parser]--> AST --[kqlite-planner]--> DataFusion logical
//! plan --[DataFusion]--> record batches, over tables registered by kqlite-tables.

pub mod completion;
pub mod diagnostic;
mod dictionary_group_by;
mod dictionary_pruning;
mod dictionary_scan;
mod error;
mod external;
pub mod limits;
mod object_storage;
pub mod output;
pub mod placement;
pub mod pseudonym;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::TableProvider;
use datafusion::dataframe::DataFrame;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::logical_expr::LogicalPlan;
use datafusion::physical_optimizer::optimizer::PhysicalOptimizer;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::{displayable, ExecutionPlan};
use datafusion::prelude::SessionContext;
use dictionary_group_by::GroupByDictionaries;
use kqlite_planner::{Catalog, PlanOptions};

pub use error::Error;
pub use kqlite_planner::{kusto_type_name, INGESTION_TIME};
pub use kqlite_tables::RegisteredTable;

/// The result of one tabular statement.
#[derive(Debug, Clone)]
pub struct QueryResult {
    pub schema: SchemaRef,
    pub batches: Vec<RecordBatch>,
}

impl QueryResult {
    pub fn row_count(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }
}

/// A session: the attached tables and the query clock.
pub struct Engine {
    ctx: SessionContext,
    tables: Vec<RegisteredTable>,
    providers: HashMap<String, Arc<dyn TableProvider>>,
    now: Option<i64>,
    strict: bool,
    export_zone: kqlite_tables::ExportZone,
    /// Pseudonymised mode: the key and the identities met in the data.
    pseudonyms: Option<Arc<pseudonym::Pseudonyms>>,
    warnings: Vec<kqlite_tables::Warning>,
    /// What attaching did that a user should know (what a URL's files were read from).
    notes: Vec<String>,
    /// Where relative `externaldata` paths start; the working directory when None.
    base_dir: Option<PathBuf>,
    /// The folders `externaldata` may read below (real paths): the attached data, the base
    /// folder and any allowed explicitly.
    external_roots: Vec<PathBuf>,
    placement: placement::PlacementSlot,
    /// The settings a placement replaced, restored when it is removed.
    replaced_settings: Vec<(String, String)>,
}

/// Whether `path` is an object store URL (`az://`, `abfss://`, `s3://`, `gs://`...) rather than
/// a local path: [`Engine::attach`] reads those from the store.
pub fn is_store_url(path: &Path) -> bool {
    path.to_str().is_some_and(kqlite_storage::is_url)
}

impl Default for Engine {
    fn default() -> Self {
        Self::new()
    }
}

/// DataFusion's physical planner with kqlite's own plan nodes (`scan`), and the engine's
/// placement applied to what it plans.
#[derive(Debug)]
struct KqlQueryPlanner {
    placement: placement::PlacementSlot,
}

#[async_trait::async_trait]
impl datafusion::execution::context::QueryPlanner for KqlQueryPlanner {
    async fn create_physical_plan(
        &self,
        logical_plan: &LogicalPlan,
        session_state: &dyn datafusion::catalog::Session,
    ) -> datafusion::error::Result<Arc<dyn datafusion::physical_plan::ExecutionPlan>> {
        use datafusion::physical_planner::{DefaultPhysicalPlanner, PhysicalPlanner};
        let planner = DefaultPhysicalPlanner::with_extension_planners(vec![Arc::new(
            kqlite_planner::ScanPlanner,
        )]);
        let plan = planner
            .create_physical_plan(logical_plan, session_state)
            .await?;
        match placement::current(&self.placement) {
            Some(placement) => placement.place(plan),
            None => Ok(plan),
        }
    }
}

/// DataFusion's logical rules, with kqlite's projection merge just before DataFusion's (see
/// `merge_projections.rs`) and the never-null string rewrite both first (before the simplifier
/// turns a filter's `coalesce(x == y, false)` into `x IS NOT NULL AND x`, which hides `x` from
/// pruning) and last (once the strings' `kql_empty_if_null` has reached the filters); the
/// dynamic columns' casts dropped where the text is read as it is and the paths read from one
/// value read together, before common subexpressions are shared (see `read_dynamic.rs`,
/// `read_paths_together.rs`).
fn logical_rules() -> Vec<Arc<dyn datafusion::optimizer::OptimizerRule + Send + Sync>> {
    let mut rules = datafusion::optimizer::Optimizer::new().rules;
    let projections = rules
        .iter()
        .position(|r| r.name() == "optimize_projections")
        .unwrap_or(rules.len());
    rules.insert(projections, Arc::new(kqlite_planner::MergeProjections));
    rules.insert(0, Arc::new(kqlite_planner::ReadStringsDirectly));
    rules.push(Arc::new(kqlite_planner::ReadStringsDirectly));
    let shared = rules
        .iter()
        .position(|r| r.name() == "common_sub_expression_eliminate")
        .unwrap_or(rules.len());
    rules.insert(shared, Arc::new(kqlite_planner::ReadPathsTogether));
    rules.insert(shared, Arc::new(kqlite_planner::ReadDynamicDirectly));
    rules.push(Arc::new(kqlite_planner::ReadDynamicDirectly));
    rules
}

/// DataFusion's physical rules, with kqlite's filter selectivity guess before join selection
/// (which picks the build side from it), then the conjunct order, the dictionary reads of
/// filtered string columns and of group keys, and the output order last.
fn physical_rules(
    layouts: Option<Arc<kqlite_tables::file_layouts::FileLayouts>>,
    placement: &placement::PlacementSlot,
) -> Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>> {
    let mut rules = PhysicalOptimizer::new().rules;
    let joins = rules
        .iter()
        .position(|r| r.name() == "join_selection")
        .unwrap_or(0);
    rules.insert(joins, Arc::new(kqlite_planner::GuessFilterSelectivity));
    rules.push(Arc::new(kqlite_planner::CheapConjunctsFirst));
    if let Some(layouts) = layouts {
        let reads = dictionary_scan::ReadDictionaries {
            layouts: Arc::clone(&layouts),
        };
        rules.push(Arc::new(reads));
        let placement = Arc::clone(placement);
        rules.push(Arc::new(GroupByDictionaries { layouts, placement }));
    }
    rules.push(Arc::new(kqlite_planner::KeepOutputOrder));
    rules
}

impl Engine {
    pub fn new() -> Self {
        Self::with_config(kqlite_tables::session_config())
    }

    /// An engine whose DataFusion settings the `DATAFUSION_*` environment variables override
    /// (see [`kqlite_tables::session_config_with_env`]); an invalid value is an error. Its
    /// queries share [`limits::default_memory_limit`] bytes.
    pub fn with_env_settings() -> Result<Self, Error> {
        Self::with_memory_limit(limits::default_memory_limit())
    }

    /// [`Engine::with_env_settings`] whose queries share `bytes` of memory: past it, sorts,
    /// aggregations and joins that can spill write to the temporary folder, and an operator
    /// that cannot fails with an error instead of exhausting the machine.
    pub fn with_memory_limit(bytes: usize) -> Result<Self, Error> {
        let config = kqlite_tables::session_config_with_env()?;
        // A fair share per spilling operator: a greedy pool lets one sort's merge take all
        // of it and the next one fail instead of spilling.
        use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
        let consumers_shown = std::num::NonZeroUsize::new(5).expect("non-zero");
        let pool = TrackConsumersPool::new(FairSpillPool::new(bytes), consumers_shown);
        let runtime = datafusion::execution::runtime_env::RuntimeEnvBuilder::new()
            .with_memory_pool(Arc::new(pool))
            .build_arc()?;
        Ok(Self::with_config_and_runtime(config, runtime))
    }

    fn with_config(config: datafusion::prelude::SessionConfig) -> Self {
        let runtime = Arc::new(datafusion::execution::runtime_env::RuntimeEnv::default());
        Self::with_config_and_runtime(config, runtime)
    }

    fn with_config_and_runtime(
        config: datafusion::prelude::SessionConfig,
        runtime: Arc<datafusion::execution::runtime_env::RuntimeEnv>,
    ) -> Self {
        let placement = placement::PlacementSlot::default();
        let planner = KqlQueryPlanner {
            placement: Arc::clone(&placement),
        };
        let layouts = config.get_extension::<kqlite_tables::file_layouts::FileLayouts>();
        let state = datafusion::execution::SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(runtime)
            .with_default_features()
            .with_optimizer_rules(logical_rules())
            .with_physical_optimizer_rules(physical_rules(layouts, &placement))
            .with_query_planner(Arc::new(planner))
            .build();
        let ctx = SessionContext::new_with_state(state);
        Engine {
            ctx,
            tables: Vec::new(),
            providers: HashMap::new(),
            now: None,
            strict: false,
            export_zone: kqlite_tables::ExportZone::default(),
            pseudonyms: None,
            warnings: Vec::new(),
            notes: Vec::new(),
            base_dir: None,
            external_roots: Vec::new(),
            placement,
            replaced_settings: Vec::new(),
        }
    }

    /// Runs the queries that follow where `placement` puts them (None: all here), planned
    /// with the settings it needs.
    pub fn set_placement(
        &mut self,
        placement: Option<Arc<dyn placement::Placement>>,
    ) -> Result<(), Error> {
        let restored = std::mem::take(&mut self.replaced_settings);
        let wanted: Vec<(String, String)> = placement
            .iter()
            .flat_map(|p| p.settings())
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let state = self.ctx.state_ref();
        let mut state = state.write();
        let options = state.config_mut().options_mut();
        placement::apply(options, &restored)?;
        self.replaced_settings = placement::apply(options, &wanted)?;
        if let Ok(mut slot) = self.placement.write() {
            *slot = placement;
        }
        Ok(())
    }

    /// Registers every table found under `dir`.
    pub async fn attach(&mut self, dir: &Path) -> Result<Vec<RegisteredTable>, Error> {
        self.attach_as(dir, None).await
    }

    /// Registers the files under `dir` as the table `name` when given (`--table NAME=PATH`),
    /// else as the tables their names and folders say.
    pub async fn attach_as(
        &mut self,
        dir: &Path,
        name: Option<&str>,
    ) -> Result<Vec<RegisteredTable>, Error> {
        if let Some(url) = dir.to_str().filter(|t| kqlite_storage::is_url(t)) {
            return self.attach_url(url, name).await;
        }
        // Object-store paths may not hold `..`: resolve the folder first.
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        let options = self.register_options(name);
        let (added, warnings) = kqlite_tables::register_dir_with_report(&self.ctx, &dir, options)?;
        self.warnings.extend(warnings);
        let folder = if dir.is_file() {
            dir.parent()
        } else {
            Some(dir.as_path())
        };
        self.external_roots.extend(folder.map(Path::to_path_buf));
        self.adopt(&added).await?;
        Ok(added)
    }

    /// Registers the exports under an object store URL (`az://container/prefix`...): Parquet
    /// files are read in place, the other files from a mirror in the cache folder.
    async fn attach_url(
        &mut self,
        url: &str,
        name: Option<&str>,
    ) -> Result<Vec<RegisteredTable>, Error> {
        let opened = object_storage::open(url)
            .await
            .map_err(kqlite_tables::TableError::from)?;
        let store = std::sync::Arc::clone(&opened.listing.store);
        self.ctx.register_object_store(&opened.listing.root, store);
        let options = self.register_options(name);
        let (added, warnings) = kqlite_tables::register_remote(&self.ctx, &opened.remote, options)?;
        self.warnings.extend(warnings);
        self.notes.push(opened.note);
        self.external_roots.push(opened.remote.mirror.clone());
        self.adopt(&added).await?;
        Ok(added)
    }

    fn register_options(&self, name: Option<&str>) -> kqlite_tables::RegisterOptions {
        kqlite_tables::RegisterOptions {
            strict: self.strict,
            export_zone: self.export_zone,
            table: name.map(kqlite_tables::table_def_or_undocumented),
        }
    }

    /// Lists the tables just registered, and keeps their providers.
    async fn adopt(&mut self, added: &[RegisteredTable]) -> Result<(), Error> {
        for table in added {
            let reference = datafusion::common::TableReference::bare(table.name.as_str());
            let provider = self.ctx.table_provider(reference).await?;
            self.providers.insert(table.name.clone(), provider);
            self.merge_listing(table);
        }
        Ok(())
    }

    /// Lists a table attached from one more folder; one already attached from another
    /// folder becomes one table over both, as the registration made it.
    fn merge_listing(&mut self, added: &RegisteredTable) {
        let Some(table) = self.tables.iter_mut().find(|t| t.name == added.name) else {
            self.tables.push(added.clone());
            return;
        };
        table.files.extend(added.files.iter().cloned());
        table.rows += added.rows;
        table.sources.extend(added.sources.iter().cloned());
        table.never_null.retain(|c| added.never_null.contains(c));
        table.dynamic.extend(added.dynamic.iter().cloned());
        if let Some(provider) = self.providers.get(&added.name) {
            table.schema = provider.schema();
        }
    }

    /// Registers `batches` (of `schema`) as the table `name`, replacing any table of that
    /// name; columns take the types of their Kusto types. `origin` says where the rows came
    /// from, for listings (`pandas DataFrame`).
    pub fn register_batches(
        &mut self,
        name: &str,
        origin: &str,
        schema: &SchemaRef,
        batches: &[RecordBatch],
    ) -> Result<RegisteredTable, Error> {
        let (provider, table) =
            kqlite_tables::frames::in_memory_table(name, origin, schema, batches)?;
        self.providers.insert(name.to_string(), provider);
        self.tables.retain(|t| t.name != name);
        self.tables.push(table.clone());
        Ok(table)
    }

    /// Registers every known Defender table that has no data yet as an empty table, so that
    /// any hunting query can be planned and run (used to measure coverage).
    pub fn attach_empty_schemas(&mut self) {
        for name in kqlite_tables::table_names() {
            if self.providers.contains_key(name) {
                continue;
            }
            let Some(schema) = kqlite_tables::defender_schema(name) else {
                continue;
            };
            if let Ok(table) = datafusion::datasource::MemTable::try_new(schema, vec![vec![]]) {
                self.providers.insert(name.to_string(), Arc::new(table));
            }
        }
    }

    /// The names of every table a query can read.
    pub fn table_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.providers.keys().cloned().collect();
        names.sort();
        names
    }

    pub fn tables(&self) -> &[RegisteredTable] {
        &self.tables
    }

    /// Problems met in the attached files (rows skipped, values read as null,
    /// files cut short); empty in strict mode, where they fail `attach`.
    pub fn warnings(&self) -> &[kqlite_tables::Warning] {
        &self.warnings
    }

    /// What attaching did that a user should know, one line each.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Makes any problem in an input file fail `attach`.
    pub fn set_strict(&mut self, strict: bool) {
        self.strict = strict;
    }

    /// The time zone of datetimes that exports write without one (the portal's CSV);
    /// UTC, said to be assumed, when not set.
    pub fn set_export_zone(&mut self, zone: kqlite_tables::ExportZone) {
        self.export_zone = zone;
    }

    /// Makes relative `externaldata` paths start at `dir` instead of the working directory.
    /// `externaldata` may also read below it.
    pub fn set_base_dir(&mut self, dir: Option<PathBuf>) {
        if let Some(real) = dir.as_deref().and_then(|d| std::fs::canonicalize(d).ok()) {
            self.external_roots.push(real);
        }
        self.base_dir = dir;
    }

    /// Lets `externaldata` read files below `dir` too; by default it reads only below the
    /// attached data and the base folder.
    pub fn allow_external_dir(&mut self, dir: &Path) -> std::io::Result<()> {
        self.external_roots.push(std::fs::canonicalize(dir)?);
        Ok(())
    }

    /// Lets `externaldata` read local files only below `dirs` (none: no local file at all),
    /// whatever is attached: a server's clients must not read the data folders' neighbours.
    pub fn confine_external_to(&mut self, dirs: &[PathBuf]) -> std::io::Result<()> {
        self.external_roots = dirs
            .iter()
            .map(std::fs::canonicalize)
            .collect::<Result<_, _>>()?;
        Ok(())
    }

    /// The columns of table `name` and their Kusto types, as a query sees them.
    pub async fn columns(&self, name: &str) -> Option<Vec<(String, String)>> {
        let quoted = name.replace('\'', "\\'");
        let results = self.run(&format!("['{quoted}'] | getschema")).await.ok()?;
        let mut columns = Vec::new();
        let text = |c: &datafusion::arrow::array::ArrayRef| {
            datafusion::arrow::compute::cast(c, &datafusion::arrow::datatypes::DataType::Utf8)
        };
        for batch in &results.first()?.batches {
            let (names, types) = (text(batch.column(0)).ok()?, text(batch.column(3)).ok()?);
            use datafusion::arrow::array::AsArray;
            let (names, types) = (names.as_string::<i32>(), types.as_string::<i32>());
            for (n, t) in names.iter().zip(types.iter()) {
                columns.push((n?.to_string(), t?.to_string()));
            }
        }
        Some(columns)
    }

    /// Pseudonymised mode from now on: identity values of the attached tables become labels
    /// keyed by `key` (see [`pseudonym`]). Attach the data first: its identities are read now.
    pub async fn pseudonymize(&mut self, key: Vec<u8>) -> Result<(), Error> {
        let mut identities = Vec::new();
        for table in &self.tables {
            for field in table.schema.fields() {
                let Some(kind) = pseudonym::identity_kind(field.name()) else {
                    continue;
                };
                for value in self.distinct_text(&table.name, field.name()).await? {
                    identities.push((kind, value));
                }
            }
        }
        self.pseudonyms = Some(Arc::new(pseudonym::Pseudonyms::new(key, identities)));
        Ok(())
    }

    /// The value `label` stands for, in pseudonymised mode.
    pub fn reveal(&self, label: &str) -> Option<&str> {
        self.pseudonyms.as_ref()?.reveal(label)
    }

    /// The distinct non-empty values of a text column, as text.
    async fn distinct_text(&self, table: &str, column: &str) -> Result<Vec<String>, Error> {
        use datafusion::arrow::array::AsArray;
        let Some(provider) = self.providers.get(table) else {
            return Ok(Vec::new());
        };
        let frame = self.ctx.read_table(Arc::clone(provider))?;
        let values = datafusion::logical_expr::cast(
            datafusion::logical_expr::ident(column),
            datafusion::arrow::datatypes::DataType::Utf8,
        );
        let batches = frame
            .select(vec![values.alias("v")])?
            .distinct()?
            .collect()
            .await?;
        let mut out = Vec::new();
        for batch in &batches {
            let text = batch.column(0).as_string::<i32>();
            out.extend(
                text.iter()
                    .flatten()
                    .filter(|v| !v.is_empty())
                    .map(str::to_string),
            );
        }
        Ok(out)
    }

    /// The clock `now()` and `ago()` read, when fixed (None: the wall clock).
    pub fn now(&self) -> Option<i64> {
        self.now
    }

    /// Fixes the clock read by `now()` and `ago()` (nanoseconds since the epoch); None follows
    /// the wall clock.
    pub fn set_now(&mut self, now: Option<i64>) {
        self.now = now;
    }

    /// Parses and plans `text`: one logical plan per tabular statement.
    pub fn plan(&self, text: &str) -> Result<Vec<LogicalPlan>, Error> {
        self.plan_at(text, self.now)
    }

    /// [`Engine::plan`] with `now()` at `now` (None: the wall clock) for this query only.
    pub fn plan_at(&self, text: &str, now: Option<i64>) -> Result<Vec<LogicalPlan>, Error> {
        let query = kqlite_parser::parse_query(text)?;
        let options = PlanOptions {
            now: now.unwrap_or_else(wall_clock),
            ingestion_time: text.contains("ingestion_time"),
        };
        Ok(kqlite_planner::plan_query(&query, self, &options)?)
    }

    /// Runs `text` and collects every result.
    pub async fn run(&self, text: &str) -> Result<Vec<QueryResult>, Error> {
        let mut results = Vec::new();
        for plan in self.plan(text)? {
            let frame = DataFrame::new(self.ctx.state(), plan.clone());
            let schema: SchemaRef = Arc::new(frame.schema().as_arrow().clone());
            let batches = frame.collect().await.map_err(|e| self.failure(&plan, e))?;
            results.push(QueryResult { schema, batches });
        }
        Ok(results)
    }

    /// `error`, met running `plan`, in the user's terms: a Parquet read error names the file
    /// that holds the damage (found by reading the files of the tables `plan` scans).
    pub fn failure(&self, plan: &LogicalPlan, error: datafusion::error::DataFusionError) -> Error {
        let parquet = matches!(
            error.find_root(),
            datafusion::error::DataFusionError::ParquetError(_)
        ) || error.to_string().contains("Parquet");
        if !parquet {
            return error.into();
        }
        let scanned = scanned_tables(plan);
        let files = self
            .tables
            .iter()
            .filter(|t| scanned.iter().any(|s| s.eq_ignore_ascii_case(&t.name)))
            .flat_map(|t| &t.files)
            .filter(|f| f.extension().is_some_and(|e| e == "parquet"));
        for file in files {
            if let Err(damaged) = kqlite_tables::read_whole_file(file) {
                return damaged.into();
            }
        }
        error.into()
    }

    /// The result of `plan` as a stream of batches, produced as they are read.
    pub async fn stream(
        &self,
        plan: LogicalPlan,
    ) -> Result<datafusion::execution::SendableRecordBatchStream, Error> {
        Ok(self.stream_physical(plan).await?.1)
    }

    /// [`Engine::stream`], with the physical plan that produces it: once the stream ends, its
    /// metrics are the query's ([`bytes_scanned`]).
    pub async fn stream_physical(
        &self,
        plan: LogicalPlan,
    ) -> Result<(Arc<dyn ExecutionPlan>, SendableRecordBatchStream), Error> {
        let state = self.ctx.state();
        let physical = state.create_physical_plan(&plan).await?;
        let context = Arc::new(datafusion::execution::TaskContext::from(&state));
        let stream = datafusion::physical_plan::execute_stream(Arc::clone(&physical), context)?;
        Ok((physical, stream))
    }

    /// The logical and physical plans of each statement, as text.
    pub async fn explain(&self, text: &str) -> Result<String, Error> {
        let mut out = String::new();
        for plan in self.plan(text)? {
            let state = self.ctx.state();
            let optimized = state.optimize(&plan)?;
            let physical = state.create_physical_plan(&plan).await?;
            out.push_str(&format!("logical plan:\n{}\n", plan.display_indent()));
            out.push_str(&format!(
                "optimized logical plan:\n{}\n",
                optimized.display_indent()
            ));
            out.push_str(&format!(
                "physical plan:\n{}\n",
                displayable(physical.as_ref()).indent(true)
            ));
            if let Some(placement) = placement::current(&self.placement) {
                out.push_str(&format!(
                    "cluster stages:\n{}\n",
                    placement.describe(&physical)?
                ));
            }
        }
        Ok(out)
    }

    /// Runs each statement of `text` and returns its physical plan with every operator's
    /// metrics (rows out, compute time, bytes scanned, pruning), summed over partitions.
    pub async fn analyze(&self, text: &str) -> Result<String, Error> {
        let mut out = String::new();
        for plan in self.plan(text)? {
            let state = self.ctx.state();
            let physical = state.create_physical_plan(&plan).await?;
            let started = std::time::Instant::now();
            let batches =
                datafusion::physical_plan::collect(physical.clone(), self.ctx.task_ctx()).await?;
            let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
            let shown = datafusion::physical_plan::display::DisplayableExecutionPlan::with_metrics(
                physical.as_ref(),
            )
            .indent(true);
            let noun = if rows == 1 { "row" } else { "rows" };
            let skipped = match dictionary_pruning::row_groups_skipped(physical.as_ref()) {
                0 => String::new(),
                n => format!("; {n} row groups skipped by their dictionaries"),
            };
            out.push_str(&format!(
                "{rows} {noun} in {:.1} ms{skipped}\n{shown}\n",
                started.elapsed().as_secs_f64() * 1e3
            ));
        }
        Ok(out)
    }
}

impl Catalog for Engine {
    fn table(&self, name: &str) -> Option<Arc<dyn TableProvider>> {
        self.providers.get(name).cloned()
    }

    fn table_names(&self) -> Vec<String> {
        Engine::table_names(self)
    }

    fn external_data(
        &self,
        request: &kqlite_planner::ExternalData,
    ) -> Result<Arc<dyn TableProvider>, String> {
        external::table(request, self.base_dir.as_deref(), &self.external_roots)
    }

    fn evaluate(&self, plan: &LogicalPlan) -> Result<Vec<RecordBatch>, String> {
        // Planning is synchronous and may already run inside a runtime: run on a thread of
        // its own with its own runtime.
        let state = self.ctx.state();
        let plan = plan.clone();
        std::thread::scope(|scope| {
            let worker = scope.spawn(move || {
                let runtime = tokio::runtime::Builder::new_multi_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| e.to_string())?;
                runtime
                    .block_on(DataFrame::new(state, plan).collect())
                    .map_err(|e| e.to_string())
            });
            worker
                .join()
                .unwrap_or_else(|_| Err("a query run while planning failed".to_string()))
        })
    }

    fn never_null(&self, table: &str) -> Vec<String> {
        // The latest registration of a name is the one queries read.
        self.tables
            .iter()
            .rev()
            .find(|t| t.name == table)
            .map(|t| t.never_null.clone())
            .unwrap_or_default()
    }

    fn rewrite_column(
        &self,
        _table: &str,
        column: &str,
    ) -> Option<datafusion::logical_expr::ScalarUDF> {
        let pseudonyms = self.pseudonyms.as_ref()?;
        let rewrite = match pseudonym::identity_kind(column) {
            Some(kind) => pseudonym::Rewrite::Label(kind),
            None => pseudonym::Rewrite::Scrub,
        };
        Some(pseudonym::PseudonymUdf::udf(
            Arc::clone(pseudonyms),
            rewrite,
        ))
    }

    fn dynamic_columns(&self, table: &str) -> Vec<String> {
        let Some(schema) = self.providers.get(table).map(|p| p.schema()) else {
            return Vec::new();
        };
        let found = self.tables.iter().filter(|t| t.name == table);
        let found: Vec<&String> = found.flat_map(|t| &t.dynamic).collect();
        schema
            .fields()
            .iter()
            .filter(|f| {
                found.contains(&f.name())
                    || kqlite_tables::schema::kusto_type(table, f.name()) == Some("dynamic")
            })
            .map(|f| f.name().clone())
            .collect()
    }
}

/// The bytes `plan`'s scans read from files, summed over its operators (0 for tables held in
/// memory).
pub fn bytes_scanned(plan: &dyn ExecutionPlan) -> u64 {
    let own = plan
        .metrics()
        .and_then(|m| m.sum_by_name("bytes_scanned"))
        .map_or(0, |v| v.as_usize() as u64);
    let children = plan
        .children()
        .into_iter()
        .map(|c| bytes_scanned(c.as_ref()));
    own + children.sum::<u64>()
}

/// The names of the tables `plan` reads (as its scans spell them: lower case).
fn scanned_tables(plan: &LogicalPlan) -> Vec<String> {
    use datafusion::common::tree_node::TreeNodeRecursion;
    let mut names = Vec::new();
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::TableScan(scan) = node {
            names.push(scan.table_name.table().to_string());
        }
        Ok(TreeNodeRecursion::Continue)
    });
    names
}

/// A UTC time in any form `datetime(...)` accepts, as nanoseconds since the epoch.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let literal = format!("datetime({text})");
    match kqlite_parser::parse_expr(&literal).map(|e| e.node) {
        Ok(kqlite_parser::ExprKind::Literal(kqlite_parser::Literal::Datetime(nanos))) => {
            Some(nanos)
        }
        _ => None,
    }
}

fn wall_clock() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX)
}
