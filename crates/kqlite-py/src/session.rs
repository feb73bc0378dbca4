//! `kqlite.Session`: an engine over attached exports and registered DataFrames, with a
//! tokio runtime of its own.

use std::path::PathBuf;
use std::sync::Arc;

use kqlite::Engine;
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use tokio::runtime::Runtime;

use crate::arrow_stream::import_stream;
use crate::errors::{data_error, query_error};
use crate::result::ResultSet;
use crate::wait::wait;

#[pyclass(module = "kqlite._kqlite")]
pub struct Session {
    engine: Arc<Engine>,
    runtime: Runtime,
}

#[pymethods]
impl Session {
    /// Attaches `data` (folders or files of exports) and `tables` (name, path) pairs; with
    /// `cluster` (`df://HOST:PORT`), queries run on that Ballista scheduler.
    #[new]
    #[pyo3(signature = (data = Vec::new(), tables = Vec::new(), now = None, strict = false, export_tz = None, cluster = None))]
    fn new(
        py: Python<'_>,
        data: Vec<PathBuf>,
        tables: Vec<(String, PathBuf)>,
        now: Option<&str>,
        strict: bool,
        export_tz: Option<&str>,
        cluster: Option<&str>,
    ) -> PyResult<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(|e| PyRuntimeError::new_err(format!("no runtime for queries: {e}")))?;
        let mut engine = Engine::with_env_settings().map_err(|e| data_error(py, e.to_string()))?;
        engine.set_strict(strict);
        if let Some(zone) = export_tz {
            let zone = zone
                .parse()
                .map_err(|e| PyValueError::new_err(format!("export_tz: {e}")))?;
            engine.set_export_zone(zone);
        }
        if let Some(now) = now {
            let nanos = kqlite::parse_datetime(now)
                .ok_or_else(|| PyValueError::new_err(format!("now: {now:?} is not a datetime")))?;
            engine.set_now(Some(nanos));
        }
        let named = tables.into_iter().map(|(name, path)| (Some(name), path));
        let sources = data
            .into_iter()
            .map(|path| (None, path))
            .chain(named)
            .collect();
        let engine = wait(py, &runtime, attach(engine, sources))?;
        let mut engine = engine.map_err(|message| data_error(py, message))?;
        if let Some(url) = cluster {
            kqlite_cluster::connect(&mut engine, url).map_err(|message| data_error(py, message))?;
        }
        Ok(Session {
            engine: Arc::new(engine),
            runtime,
        })
    }

    /// Runs `kql` after `let` statements binding `params` (name, KQL literal) and returns
    /// one result per tabular statement.
    #[pyo3(signature = (kql, params = Vec::new()))]
    fn query(
        &self,
        py: Python<'_>,
        kql: &str,
        params: Vec<(String, String)>,
    ) -> PyResult<Vec<ResultSet>> {
        let prefix = parameter_statements(&params)?;
        let text = format!("{prefix}{kql}");
        let engine = Arc::clone(&self.engine);
        let run = {
            let text = text.clone();
            async move { engine.run(&text).await }
        };
        let results = wait(py, &self.runtime, run)?
            .map_err(|e| query_error(py, kql, &e.shifted_back(prefix.len())))?;
        let parsed = kqlite_parser::parse_query(&text).ok();
        let chart = parsed.as_ref().and_then(kqlite_chart::from_query);
        Ok(ResultSet::from_results(results, chart))
    }

    /// The logical and physical plans of `kql`.
    fn explain(&self, py: Python<'_>, kql: &str) -> PyResult<String> {
        let engine = Arc::clone(&self.engine);
        let text = kql.to_string();
        let plans = wait(
            py,
            &self.runtime,
            async move { engine.explain(&text).await },
        )?;
        plans.map_err(|e| query_error(py, kql, &e))
    }

    /// Every table a query can read: (name, rows, where the rows came from).
    fn tables(&self) -> Vec<(String, u64, Vec<String>)> {
        let tables = self.engine.tables().iter();
        tables
            .map(|t| (t.name.clone(), t.rows, t.sources.clone()))
            .collect()
    }

    /// The columns of table `name` and their Kusto types; None when there is no such table.
    fn columns(&self, py: Python<'_>, name: &str) -> PyResult<Option<Vec<(String, String)>>> {
        let engine = Arc::clone(&self.engine);
        let name = name.to_string();
        wait(
            py,
            &self.runtime,
            async move { engine.columns(&name).await },
        )
    }

    /// Makes the Arrow stream in `stream` (a capsule) the table `name`; returns its rows.
    fn register(
        &mut self,
        py: Python<'_>,
        name: &str,
        stream: &Bound<'_, PyAny>,
        origin: &str,
    ) -> PyResult<u64> {
        if name.trim().is_empty() {
            return Err(PyValueError::new_err("a table needs a name"));
        }
        let (schema, batches) = import_stream(stream)?;
        let engine = Arc::get_mut(&mut self.engine)
            .ok_or_else(|| PyRuntimeError::new_err("a query of this session is still running"))?;
        let table = engine.register_batches(name, origin, &schema, &batches);
        Ok(table.map_err(|e| data_error(py, e.to_string()))?.rows)
    }

    /// Problems met in the attached files (rows skipped, values read as null).
    fn warnings(&self) -> Vec<String> {
        self.engine
            .warnings()
            .iter()
            .map(ToString::to_string)
            .collect()
    }
}

/// Attaches each (table name, path): a folder of exports when the name is None.
async fn attach(
    mut engine: Engine,
    sources: Vec<(Option<String>, PathBuf)>,
) -> Result<Engine, String> {
    for (name, path) in sources {
        if !path.exists() && !kqlite::is_store_url(&path) {
            return Err(format!(
                "{}: no such folder, file or object store URL",
                path.display()
            ));
        }
        let attached = engine.attach_as(&path, name.as_deref()).await;
        attached.map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(engine)
}

/// `let name = literal;` for each parameter, on one line before the query, so that the
/// query's own lines keep their numbers.
fn parameter_statements(params: &[(String, String)]) -> PyResult<String> {
    let mut statements = String::new();
    for (name, literal) in params {
        let mut chars = name.chars();
        let starts_well = chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
        if !starts_well || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(PyValueError::new_err(format!(
                "parameter {name:?}: a parameter name is a letter or _ then letters, digits or _"
            )));
        }
        // Literals keep to one line (strings escape their line breaks), so the query's
        // lines keep their numbers.
        if literal.contains(['\n', '\r']) {
            return Err(PyValueError::new_err(format!(
                "parameter {name}: {literal:?} spans lines"
            )));
        }
        statements.push_str(&format!("let {name} = {literal}; "));
    }
    if !statements.is_empty() {
        statements.push('\n');
    }
    Ok(statements)
}
