//! Deciding, from a file's footer alone, whether its columns can be read as
//! the registered table's columns; and building the table schema.

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::compute::can_cast_types;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Schema, SchemaRef};

use crate::error::{ColumnMismatch, TableError};
use crate::footer_stats::Footer;
use crate::schema::{datetime_type, ColumnDef, KustoType, TableDef};

/// What registration learns about one Parquet file from its footer.
#[derive(Debug, Clone)]
pub(crate) struct FileFacts {
    pub path: PathBuf,
    pub rows: u64,
    pub schema: SchemaRef,
    /// Columns whose statistics show no null in any row group.
    pub non_null: Vec<String>,
    /// Whether any column chunk has a bloom filter.
    pub bloom_filters: bool,
    pub footer: Footer,
}

const NESTED_HINT: &str = "nested Parquet types in dynamic columns are not supported yet; \
     store the column as JSON text (a string column)";

/// Whether a column stored as `found` can be read as the documented `kusto` type.
pub(crate) fn readable_as(kusto: KustoType, found: &DataType) -> bool {
    if found == &DataType::Null {
        return true;
    }
    match kusto {
        KustoType::String | KustoType::Guid | KustoType::Dynamic => is_text(found),
        KustoType::Datetime => matches!(found, DataType::Timestamp(_, _)),
        KustoType::Int => matches!(
            found,
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::UInt8 | DataType::UInt16
        ),
        KustoType::Long => found.is_integer(),
        KustoType::Bool => found == &DataType::Boolean,
        KustoType::Real | KustoType::Decimal => found.is_floating() || is_decimal(found),
    }
}

/// Text columns: strings, binary (legacy writers without the UTF8 annotation;
/// DataFusion reads it as a string when the table wants one) and
/// dictionary-encoded strings.
fn is_text(found: &DataType) -> bool {
    match found {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => true,
        DataType::Dictionary(_, value) => is_string(value),
        _ => false,
    }
}

fn is_string(found: &DataType) -> bool {
    matches!(
        found,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

fn is_decimal(found: &DataType) -> bool {
    matches!(
        found,
        DataType::Decimal32(..)
            | DataType::Decimal64(..)
            | DataType::Decimal128(..)
            | DataType::Decimal256(..)
    )
}

/// The type an undocumented column gets in the table: the file's type, with
/// strings as `Utf8View` and timestamps as the Kusto `datetime` type.
pub(crate) fn normalise_extra(found: &DataType) -> DataType {
    match found {
        DataType::Timestamp(_, _) => datetime_type(),
        DataType::Dictionary(_, value) if is_string(value) => DataType::Utf8View,
        found if is_string(found) => DataType::Utf8View,
        found => found.clone(),
    }
}

/// The table schema: documented columns in documented order, then columns
/// found only in the files (first-seen order). Fails on the first file whose
/// column cannot be read as the table's type.
pub(crate) fn table_schema(def: &TableDef, files: &[FileFacts]) -> Result<SchemaRef, TableError> {
    let mut extras: Vec<Field> = Vec::new();
    for file in files {
        check_file(def, file, &mut extras)?;
    }
    let documented = def.schema.fields().iter().map(|f| f.as_ref().clone());
    let fields: Vec<Field> = documented.chain(extras).collect();
    Ok(Arc::new(Schema::new(fields)))
}

fn check_file(def: &TableDef, file: &FileFacts, extras: &mut Vec<Field>) -> Result<(), TableError> {
    for found in file.schema.fields() {
        match def.column(found.name()) {
            Some(column) => check_documented(def, file, column, found)?,
            None => merge_extra(def, file, found, extras)?,
        }
    }
    Ok(())
}

fn check_documented(
    def: &TableDef,
    file: &FileFacts,
    column: &ColumnDef,
    found: &FieldRef,
) -> Result<(), TableError> {
    if readable_as(column.kusto, found.data_type()) {
        return Ok(());
    }
    let nested = column.kusto == KustoType::Dynamic && found.data_type().is_nested();
    Err(TableError::IncompatibleColumn(Box::new(ColumnMismatch {
        path: file.path.clone(),
        table: def.name.clone(),
        column: column.name.clone(),
        expected: format!("{} ({})", column.kusto.as_str(), column.kusto.arrow_type()),
        found: found.data_type().clone(),
        hint: nested.then(|| NESTED_HINT.to_string()),
    })))
}

fn merge_extra(
    def: &TableDef,
    file: &FileFacts,
    found: &FieldRef,
    extras: &mut Vec<Field>,
) -> Result<(), TableError> {
    let Some(seen) = extras.iter().find(|f| f.name() == found.name()) else {
        let data_type = normalise_extra(found.data_type());
        extras.push(Field::new(found.name(), data_type, true));
        return Ok(());
    };
    if extra_compatible(seen.data_type(), found.data_type()) {
        return Ok(());
    }
    Err(TableError::IncompatibleColumn(Box::new(ColumnMismatch {
        path: file.path.clone(),
        table: def.name.clone(),
        column: found.name().clone(),
        expected: format!(
            "{} (the type of this column in an earlier file)",
            seen.data_type()
        ),
        found: found.data_type().clone(),
        hint: None,
    })))
}

/// Whether a later file's undocumented column can be read as the type taken
/// from an earlier file. Nested types must agree exactly: DataFusion cannot
/// push a filter down through a cast of a nested column.
fn extra_compatible(table_type: &DataType, found: &DataType) -> bool {
    let normalised = normalise_extra(found);
    if &normalised == table_type || found == &DataType::Null {
        return true;
    }
    !found.is_nested() && !table_type.is_nested() && can_cast_types(found, table_type)
}
