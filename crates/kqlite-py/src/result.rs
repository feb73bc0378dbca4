//! `kqlite.Result` (Rust side): one tabular result, read by Arrow consumers through the
//! PyCapsule interface (`pyarrow.table(result)`, `polars.DataFrame(result)`).

use kqlite::QueryResult;
use kqlite_chart::Visualization;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::arrow_stream::{export_schema, export_stream};

#[pyclass(module = "kqlite._kqlite", name = "Result", frozen)]
pub struct ResultSet {
    result: QueryResult,
    /// The chart the query's `render` asks for.
    chart: Option<Visualization>,
}

impl ResultSet {
    /// One result per statement; the chart goes with the last, the one `render` ends.
    pub fn from_results(results: Vec<QueryResult>, chart: Option<Visualization>) -> Vec<Self> {
        let last = results.len().saturating_sub(1);
        let mut chart = chart;
        let with_chart = |(i, result)| ResultSet {
            result,
            chart: if i == last { chart.take() } else { None },
        };
        results.into_iter().enumerate().map(with_chart).collect()
    }
}

#[pymethods]
impl ResultSet {
    /// The rows as an Arrow C stream; `requested_schema` is not applied (the interface
    /// lets a producer keep its own).
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let batches = self.result.batches.clone();
        export_stream(py, self.result.schema.clone(), batches)
    }

    fn __arrow_c_schema__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyCapsule>> {
        export_schema(py, &self.result.schema)
    }

    fn __len__(&self) -> usize {
        self.result.row_count()
    }

    /// Each column's name and Kusto type, as `getschema` gives them.
    #[getter]
    fn kusto_types(&self) -> Vec<(String, String)> {
        let fields = self.result.schema.fields().iter();
        let typed = fields.map(|f| (f.name().clone(), kqlite::kusto_type_name(f.data_type())));
        typed
            .map(|(name, kusto)| (name, kusto.to_string()))
            .collect()
    }

    /// The chart kind `render` asks for (`timechart`...), if any.
    #[getter]
    fn chart_kind(&self) -> Option<String> {
        self.chart.as_ref().map(|vis| vis.chart.clone())
    }

    /// The chart as SVG; None without `render`.
    fn chart_svg(&self) -> PyResult<Option<String>> {
        let Some(vis) = &self.chart else {
            return Ok(None);
        };
        let (schema, batches) = (&self.result.schema, &self.result.batches);
        let svg = kqlite_chart::svg(vis, schema, batches).map_err(PyValueError::new_err)?;
        Ok(Some(svg))
    }
}
