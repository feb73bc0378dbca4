//! `externaldata` over local files: the planner's request, resolved and read by kqlite-tables.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::catalog::TableProvider;
use kqlite_planner::ExternalData;
use kqlite_tables::{ExternalFormat, ExternalRequest, KustoType};

/// `path` as a real path, when it is a regular file below one of `roots`: a query must not
/// read the machine's secrets (`/etc/shadow`, `/proc/self/environ`), devices or pipes.
fn confined(path: &Path, roots: &[PathBuf]) -> Result<PathBuf, String> {
    let shown = path.display();
    let real = std::fs::canonicalize(path).map_err(|e| format!("externaldata: {shown}: {e}"))?;
    let regular = std::fs::metadata(&real).is_ok_and(|m| m.is_file());
    if !regular
        || ["/proc", "/dev", "/sys"]
            .iter()
            .any(|d| real.starts_with(d))
    {
        return Err(format!("externaldata: {shown} is not a regular file"));
    }
    if !roots.iter().any(|root| real.starts_with(root)) {
        return Err(format!(
            "externaldata: {shown} is outside the folders it may read (the --data folders and \
             the query file's folder); allow its folder with --allow-externaldata DIR"
        ));
    }
    Ok(real)
}

/// The table of `request`, relative paths starting at `base` (or the working directory),
/// each file a regular file below one of `roots`.
pub(crate) fn table(
    request: &ExternalData,
    base: Option<&Path>,
    roots: &[PathBuf],
) -> Result<Arc<dyn TableProvider>, String> {
    let paths: Vec<PathBuf> = request
        .paths
        .iter()
        .map(|p| match base {
            Some(base) if Path::new(p).is_relative() => base.join(p),
            _ => PathBuf::from(p),
        })
        .map(|p| confined(&p, roots))
        .collect::<Result<_, _>>()?;
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
