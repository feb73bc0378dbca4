//! Rows keyed by column name, turned into an Arrow batch with a registry
//! schema. Columns a row does not set are null.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanBuilder, Int32Builder, Int64Builder, StringViewBuilder,
    TimestampNanosecondBuilder,
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

/// FNV-1a: column names are short, so this is several times cheaper than SipHash, and
/// generated data needs no protection from hash flooding.
#[derive(Default)]
pub(crate) struct Fnv(u64);

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

pub(crate) type Row = HashMap<&'static str, Value, BuildHasherDefault<Fnv>>;

/// The rows of one table.
pub(crate) struct Rows {
    pub table: &'static str,
    pub schema: SchemaRef,
    pub rows: Vec<Row>,
    /// Column name -> position in the schema.
    index: HashMap<&'static str, usize, BuildHasherDefault<Fnv>>,
}

impl Rows {
    pub fn new(table: &'static str) -> Rows {
        let schema = defender_schema(table).expect("generated tables are registry tables");
        Rows {
            table,
            schema,
            rows: Vec::new(),
            index: HashMap::default(),
        }
    }

    /// Adds a row; every column it names must be a documented column.
    pub fn push(&mut self, row: Row) {
        for name in row.keys() {
            if !self.index.contains_key(name) {
                let i = self.schema.index_of(name).unwrap_or_else(|_| {
                    panic!(
                        "generator bug: {}.{name} is not a documented column",
                        self.table
                    )
                });
                self.index.insert(name, i);
            }
        }
        self.rows.push(row);
    }

    /// One pass over the rows: each cell goes to its column's builder, and every column a
    /// row does not set gets a null.
    pub fn to_batch(&self) -> Result<RecordBatch, ArrowError> {
        let fields = self.schema.fields();
        let mut builders: Vec<Builder> = fields
            .iter()
            .map(|f| Builder::new(f.data_type(), self.rows.len()))
            .collect();
        let mut set = vec![false; fields.len()];
        for row in &self.rows {
            set.fill(false);
            for (name, value) in row {
                let i = self.index[name];
                builders[i].append(value);
                set[i] = true;
            }
            for (builder, _) in builders.iter_mut().zip(&set).filter(|(_, s)| !**s) {
                builder.append_null();
            }
        }
        let columns = builders
            .into_iter()
            .zip(fields.iter())
            .map(|(b, f)| b.finish(f.data_type()))
            .collect();
        RecordBatch::try_new(Arc::clone(&self.schema), columns)
    }
}

enum Builder {
    Str(StringViewBuilder),
    I32(Int32Builder),
    I64(Int64Builder),
    Bool(BooleanBuilder),
    Time(TimestampNanosecondBuilder),
}

impl Builder {
    fn new(data_type: &DataType, rows: usize) -> Builder {
        match data_type {
            DataType::Utf8View => Builder::Str(StringViewBuilder::with_capacity(rows)),
            DataType::Int32 => Builder::I32(Int32Builder::with_capacity(rows)),
            DataType::Int64 => Builder::I64(Int64Builder::with_capacity(rows)),
            DataType::Boolean => Builder::Bool(BooleanBuilder::with_capacity(rows)),
            DataType::Timestamp(TimeUnit::Nanosecond, _) => {
                Builder::Time(TimestampNanosecondBuilder::with_capacity(rows))
            }
            other => panic!("generator bug: no builder for {other}"),
        }
    }

    fn append(&mut self, value: &Value) {
        match (self, value) {
            (Builder::Str(b), Value::Str(s)) => b.append_value(s),
            (Builder::I32(b), Value::Int(i)) => {
                b.append_value(i32::try_from(*i).expect("generator bug: int out of range"))
            }
            (Builder::I64(b), Value::Int(i)) => b.append_value(*i),
            (Builder::Bool(b), Value::Bool(v)) => b.append_value(*v),
            (Builder::Time(b), Value::Time(t)) => b.append_value(*t),
            (_, v) => panic!("generator bug: {v:?} given for a column of another type"),
        }
    }

    fn append_null(&mut self) {
        match self {
            Builder::Str(b) => b.append_null(),
            Builder::I32(b) => b.append_null(),
            Builder::I64(b) => b.append_null(),
            Builder::Bool(b) => b.append_null(),
            Builder::Time(b) => b.append_null(),
        }
    }

    fn finish(self, data_type: &DataType) -> ArrayRef {
        match self {
            Builder::Str(mut b) => Arc::new(b.finish()),
            Builder::I32(mut b) => Arc::new(b.finish()),
            Builder::I64(mut b) => Arc::new(b.finish()),
            Builder::Bool(mut b) => Arc::new(b.finish()),
            Builder::Time(mut b) => {
                let tz = match data_type {
                    DataType::Timestamp(_, tz) => tz.clone(),
                    _ => None,
                };
                Arc::new(b.finish().with_timezone_opt(tz))
            }
        }
    }
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
