//! The DataFusion session settings kqlite scans run best with.

use datafusion::prelude::SessionConfig;

/// A session configuration for querying Defender exports:
/// - one partition per available core;
/// - Parquet filter pushdown (late materialisation) with filter reordering;
/// - strings read as `Utf8View` (the registry's string type);
/// - page index and bloom filters used for pruning (DataFusion defaults, set explicitly);
/// - the session time zone is UTC, as in Kusto.
pub fn session_config() -> SessionConfig {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mut config = SessionConfig::new()
        .with_target_partitions(cores)
        .with_collect_statistics(true)
        .with_parquet_pruning(true);
    let options = config.options_mut();
    options.execution.time_zone = Some("UTC".to_string());
    let parquet = &mut options.execution.parquet;
    parquet.pushdown_filters = true;
    parquet.reorder_filters = true;
    parquet.schema_force_view_types = true;
    parquet.enable_page_index = true;
    parquet.bloom_filter_on_read = true;
    config
}
