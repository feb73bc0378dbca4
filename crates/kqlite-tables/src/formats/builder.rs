//! Rows of one table, built column by column: the documented columns with
//! their registry types, then any extra columns the input has (schema drift),
//! each back-filled with nulls for the rows before it first appeared.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{RecordBatch, RecordBatchOptions};
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::error::ArrowError;

use super::cell::{Cell, ColumnBuilder};
use crate::schema::{KustoType, TableDef};

struct Column {
    name: String,
    kusto: KustoType,
    builder: ColumnBuilder,
}

pub(crate) struct TableBuilder {
    pub def: &'static TableDef,
    columns: Vec<Column>,
    index: HashMap<String, usize>,
    rows: usize,
}

/// A value that could not be read as its column's type.
pub(crate) struct BadValue {
    pub column: String,
    pub reason: String,
}

impl TableBuilder {
    pub fn new(def: &'static TableDef) -> TableBuilder {
        let mut builder = TableBuilder {
            def,
            columns: Vec::with_capacity(def.columns.len()),
            index: HashMap::with_capacity(def.columns.len()),
            rows: 0,
        };
        for column in &def.columns {
            builder.add_column(&column.name, column.kusto);
        }
        builder
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    fn add_column(&mut self, name: &str, kusto: KustoType) -> usize {
        let mut builder = ColumnBuilder::new(kusto);
        for _ in 0..self.rows {
            builder.push_null();
        }
        self.columns.push(Column {
            name: name.to_string(),
            kusto,
            builder,
        });
        self.index.insert(name.to_string(), self.columns.len() - 1);
        self.columns.len() - 1
    }

    /// The column a name not met before goes to: a documented column spelled in another
    /// case, else a new extra column of the declared type (`string` when none).
    fn column_for(&mut self, name: &str, declared: Option<KustoType>) -> usize {
        let documented = self.def.resolve(name).map(|c| c.name.as_str());
        match documented.and_then(|d| self.index.get(d).copied()) {
            Some(i) => {
                self.index.insert(name.to_string(), i);
                i
            }
            None => self.add_column(name, declared.unwrap_or(KustoType::String)),
        }
    }

    /// Adds one row from (column name, value, type for a new extra column)
    /// triples. Documented columns keep their registry type; an unknown name
    /// becomes an extra column of the given type (`string` when none).
    /// Columns the row does not name are null. Returns the values that could
    /// not be read (they are null in the row).
    pub fn push_row<'a>(
        &mut self,
        cells: impl Iterator<Item = (&'a str, Cell<'a>, Option<KustoType>)>,
    ) -> Vec<BadValue> {
        let mut bad = Vec::new();
        for (name, cell, declared) in cells {
            let i = match self.index.get(name) {
                Some(&i) => i,
                None => self.column_for(name, declared),
            };
            let column = &mut self.columns[i];
            if column.builder.len() > self.rows {
                continue; // the same name twice in one record: the first wins
            }
            if let Err(reason) = column.builder.push(cell) {
                bad.push(BadValue {
                    column: column.name.clone(),
                    reason,
                });
            }
        }
        for column in &mut self.columns {
            if column.builder.len() == self.rows {
                column.builder.push_null();
            }
        }
        self.rows += 1;
        bad
    }

    /// The rows so far as one batch; the builder is left empty (its extra
    /// columns stay known).
    pub fn finish(&mut self) -> Result<RecordBatch, ArrowError> {
        let fields: Vec<Field> = self
            .columns
            .iter()
            .map(|c| Field::new(&c.name, c.kusto.arrow_type(), true))
            .collect();
        let arrays = self
            .columns
            .iter_mut()
            .map(|c| c.builder.finish())
            .collect();
        // A table whose records have no columns yet still has their rows.
        let options = RecordBatchOptions::new().with_row_count(Some(self.rows));
        self.rows = 0;
        RecordBatch::try_new_with_options(Arc::new(Schema::new(fields)), arrays, &options)
    }
}
