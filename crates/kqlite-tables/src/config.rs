//! The DataFusion session settings kqlite scans run best with.

use datafusion::prelude::SessionConfig;

/// A session configuration for querying Defender exports:
/// - one partition per available core;
/// - no Parquet filter pushdown (late materialisation): slower on most hunts;
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
    // Filter pushdown (late materialisation) measured slower on 8 of the 13 hunts at 10M
    // rows and faster on one (benches/README.md): filters run after decoding, as in
    // DataFusion's default.
    parquet.pushdown_filters = false;
    parquet.schema_force_view_types = true;
    parquet.enable_page_index = true;
    parquet.bloom_filter_on_read = true;
    config
}
