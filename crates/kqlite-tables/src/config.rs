//! The DataFusion session settings kqlite scans run best with.

use datafusion::common::config::ConfigOptions;
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionConfig;

/// A session configuration for querying Defender exports:
/// - one partition per available core;
/// - no Parquet filter pushdown (late materialisation): slower on most hunts;
/// - strings read as `Utf8View` (the registry's string type);
/// - page index and bloom filters used for pruning (DataFusion defaults, set explicitly;
///   a table whose files have no bloom filter turns them off, see `listing_table`);
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
    crate::file_layouts::with_layouts(config)
}

/// [`session_config`] with any DataFusion setting overridden by its environment variable, named
/// as DataFusion's own tools read them (`datafusion.execution.batch_size` is
/// `DATAFUSION_EXECUTION_BATCH_SIZE`): for tuning experiments without a rebuild.
pub fn session_config_with_env() -> Result<SessionConfig, DataFusionError> {
    let mut config = session_config();
    let options = config.options_mut();
    for entry in ConfigOptions::new().entries() {
        let variable = entry.key.to_uppercase().replace('.', "_");
        if let Some(value) = std::env::var_os(&variable) {
            let value = value.to_string_lossy();
            options
                .set(&entry.key, &value)
                .map_err(|e| DataFusionError::Configuration(format!("{variable}={value}: {e}")))?;
        }
    }
    Ok(config)
}
