//! `externaldata` over local files: the planner's request, resolved and read by kqlite-tables.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::catalog::TableProvider;
use kqlite_planner::ExternalData;
use kqlite_tables::{ExternalFormat, ExternalRequest, KustoType};

/// The table of `request`, relative paths starting at `base` (or the working directory).
pub(crate) fn table(
    request: &ExternalData,
    base: Option<&Path>,
) -> Result<Arc<dyn TableProvider>, String> {
    let paths: Vec<PathBuf> = request
        .paths
        .iter()
        .map(|p| match base {
            Some(base) if Path::new(p).is_relative() => base.join(p),
            _ => PathBuf::from(p),
        })
        .collect();
    let columns = request
        .columns
        .iter()
        .map(|(name, ty)| match KustoType::parse(ty) {
            Some(kusto) => Ok((name.clone(), kusto)),
            None => Err(format!(
                "not supported yet: externaldata column {name} of type {ty}"
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let format = match &request.format {
        Some(name) => ExternalFormat::from_name(name)
            .ok_or_else(|| format!("not supported yet: externaldata format {name}"))?,
        None => paths
            .first()
            .map_or(ExternalFormat::Csv, |p| ExternalFormat::from_path(p)),
    };
    let request = ExternalRequest {
        paths: &paths,
        columns: &columns,
        format,
        skip_first: request.skip_first,
    };
    kqlite_tables::external_table(&request).map_err(|e| e.to_string())
}
