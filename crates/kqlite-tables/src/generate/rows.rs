//! Rows keyed by column name, turned into an Arrow batch with a registry
//! schema. Columns a row does not set are null.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Int32Array, Int64Array, StringViewArray, TimestampNanosecondArray,
};
use datafusion::arrow::datatypes::{DataType, SchemaRef, TimeUnit};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::record_batch::RecordBatch;

use crate::schema::defender_schema;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Str(String),
    Int(i64),
    Bool(bool),
    /// Nanoseconds since the Unix epoch, UTC.
    Time(i64),
}

pub(crate) type Row = HashMap<&'static str, Value>;

/// The rows of one table.
pub(crate) struct Rows {
    pub table: &'static str,
    pub schema: SchemaRef,
    pub rows: Vec<Row>,
}

impl Rows {
    pub fn new(table: &'static str) -> Rows {
        let schema = defender_schema(table).expect("generated tables are registry tables");
        Rows {
            table,
            schema,
            rows: Vec::new(),
        }
    }

    /// Adds a row; every column it names must be a documented column.
    pub fn push(&mut self, row: Row) {
        for name in row.keys() {
            assert!(
                self.schema.index_of(name).is_ok(),
                "generator bug: {}.{name} is not a documented column",
                self.table
            );
        }
        self.rows.push(row);
    }

    pub fn to_batch(&self) -> Result<RecordBatch, ArrowError> {
        let columns = self
            .schema
            .fields()
            .iter()
            .map(|f| self.column(f.name(), f.data_type()))
            .collect();
        RecordBatch::try_new(Arc::clone(&self.schema), columns)
    }

    fn column(&self, name: &str, data_type: &DataType) -> ArrayRef {
        let cells = self.rows.iter().map(|r| r.get(name));
        match data_type {
            DataType::Utf8View => Arc::new(cells.map(as_str).collect::<StringViewArray>()),
            DataType::Int32 => Arc::new(cells.map(as_i32).collect::<Int32Array>()),
            DataType::Int64 => Arc::new(cells.map(as_i64).collect::<Int64Array>()),
            DataType::Boolean => Arc::new(cells.map(as_bool).collect::<BooleanArray>()),
            DataType::Timestamp(TimeUnit::Nanosecond, tz) => {
                let times = cells.map(as_time).collect::<TimestampNanosecondArray>();
                Arc::new(times.with_timezone_opt(tz.clone()))
            }
            other => panic!("generator bug: no builder for {other}"),
        }
    }
}

fn mismatch(v: &Value, wanted: &str) -> ! {
    panic!("generator bug: {v:?} given for a {wanted} column")
}

fn as_str(v: Option<&Value>) -> Option<&str> {
    v.map(|v| match v {
        Value::Str(s) => s.as_str(),
        v => mismatch(v, "string"),
    })
}

fn as_i64(v: Option<&Value>) -> Option<i64> {
    v.map(|v| match v {
        Value::Int(i) => *i,
        v => mismatch(v, "integer"),
    })
}

fn as_i32(v: Option<&Value>) -> Option<i32> {
    as_i64(v).map(|i| i32::try_from(i).expect("generator bug: int out of range"))
}

fn as_bool(v: Option<&Value>) -> Option<bool> {
    v.map(|v| match v {
        Value::Bool(b) => *b,
        v => mismatch(v, "bool"),
    })
}

fn as_time(v: Option<&Value>) -> Option<i64> {
    v.map(|v| match v {
        Value::Time(t) => *t,
        v => mismatch(v, "datetime"),
    })
}

/// Shorthands for building rows.
pub(crate) fn s(text: impl Into<String>) -> Value {
    Value::Str(text.into())
}

pub(crate) fn int(i: i64) -> Value {
    Value::Int(i)
}

pub(crate) fn boolean(b: bool) -> Value {
    Value::Bool(b)
}

pub(crate) fn time(ns: i64) -> Value {
    Value::Time(ns)
}
