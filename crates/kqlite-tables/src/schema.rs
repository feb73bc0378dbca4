//! The registry of documented tables: Microsoft Defender XDR advanced hunting, and the
//! common Microsoft Sentinel / Log Analytics tables.
//!
//! The documented column lists are embedded in the binary
//! (`schemas/defender-all-tables.json`) and parsed once, on first use.
//! Each documented type is normalised to a Kusto type ([`KustoType`]) and
//! mapped to one Arrow type, which is the type every reader must produce.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use serde::Deserialize;

const SCHEMAS_JSON: &str = include_str!("../schemas/defender-all-tables.json");
/// The common Microsoft Sentinel / Log Analytics tables, from their reference pages
/// (learn.microsoft.com/azure/azure-monitor/reference/tables/<table>).
const SENTINEL_JSON: &str = include_str!("../schemas/sentinel-tables.json");
/// The Office 365 Management Activity API's audit records: its common schema, then the
/// Security and Compliance Alerts schema (insider-risk alerts exported to a SIEM).
const O365_JSON: &str = include_str!("../schemas/o365-audit.json");

/// Extra names under which a documented table is also known.
/// The published table list spells `GraphApiAuditEvents` as `GraphAPIAuditEvents`.
const ALIASES: &[(&str, &str)] = &[("GraphAPIAuditEvents", "GraphApiAuditEvents")];

/// A Kusto scalar type, as documented for a Defender column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KustoType {
    String,
    Guid,
    Dynamic,
    Datetime,
    Int,
    Long,
    Bool,
    Real,
    Decimal,
}

impl KustoType {
    /// Normalises a documented type name (`enum`, `object`, `nullable bool`, ...).
    pub fn parse(documented: &str) -> Option<KustoType> {
        let kusto = match documented.trim().to_ascii_lowercase().as_str() {
            "string" | "enum" => KustoType::String,
            "guid" => KustoType::Guid,
            "dynamic" | "object" | "array" => KustoType::Dynamic,
            "datetime" => KustoType::Datetime,
            "int" | "integer" => KustoType::Int,
            "long" => KustoType::Long,
            "bool" | "boolean" | "nullable bool" => KustoType::Bool,
            "real" | "double" => KustoType::Real,
            "decimal" => KustoType::Decimal,
            _ => return None,
        };
        Some(kusto)
    }

    /// The Kusto name of the type: `string`, `dynamic`, `datetime`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            KustoType::String => "string",
            KustoType::Guid => "guid",
            KustoType::Dynamic => "dynamic",
            KustoType::Datetime => "datetime",
            KustoType::Int => "int",
            KustoType::Long => "long",
            KustoType::Bool => "bool",
            KustoType::Real => "real",
            KustoType::Decimal => "decimal",
        }
    }

    /// The Arrow type a column of this Kusto type has in a registered table.
    /// `dynamic` values are JSON text.
    pub fn arrow_type(self) -> DataType {
        match self {
            KustoType::String | KustoType::Guid | KustoType::Dynamic => DataType::Utf8View,
            KustoType::Datetime => datetime_type(),
            KustoType::Int => DataType::Int32,
            KustoType::Long => DataType::Int64,
            KustoType::Bool => DataType::Boolean,
            KustoType::Real | KustoType::Decimal => DataType::Float64,
        }
    }
}

/// The Arrow type of a Kusto `datetime`: nanoseconds, UTC.
pub fn datetime_type() -> DataType {
    DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into()))
}

/// One documented column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnDef {
    pub name: String,
    pub kusto: KustoType,
}

/// One table: its documented columns in documented order and their Arrow schema. A table
/// no registry documents has none: its columns come from its files.
#[derive(Debug)]
pub struct TableDef {
    pub name: String,
    pub columns: Vec<ColumnDef>,
    pub schema: SchemaRef,
    /// Whether a registry documents the table.
    pub documented: bool,
}

impl TableDef {
    fn new(name: String, columns: Vec<ColumnDef>) -> TableDef {
        let fields: Vec<Field> = columns
            .iter()
            .map(|c| Field::new(&c.name, c.kusto.arrow_type(), true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        TableDef {
            name,
            columns,
            schema,
            documented: true,
        }
    }

    /// The documented column named exactly `name`.
    pub fn column(&self, name: &str) -> Option<&ColumnDef> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The column that says when a row happened (`Timestamp` in Defender, `TimeGenerated` in
    /// Log Analytics, `CreationTime` in Office 365 audit): what imports partition by day.
    pub fn time_column(&self) -> Option<&str> {
        ["Timestamp", "TimeGenerated", "CreationTime"]
            .into_iter()
            .find(|name| {
                self.column(name)
                    .is_some_and(|c| c.kusto == KustoType::Datetime)
            })
    }

    /// The documented column that `name` spells, exactly or else ignoring ASCII case: files
    /// spell some names otherwise (`Isp` for `ISP`, see [`SERVICE_SPELLINGS`]), and one name
    /// must never become two columns.
    pub fn resolve(&self, name: &str) -> Option<&ColumnDef> {
        self.column(name).or_else(|| {
            self.columns
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(name))
        })
    }
}

#[derive(Deserialize)]
struct RawColumn {
    name: String,
    #[serde(rename = "type")]
    kusto: String,
}

struct Registry {
    tables: Vec<TableDef>,
    by_name: HashMap<String, usize>,
}

fn registry() -> &'static Registry {
    static REGISTRY: OnceLock<Registry> = OnceLock::new();
    REGISTRY.get_or_init(|| parse_registry(&[SCHEMAS_JSON, SENTINEL_JSON, O365_JSON]))
}

/// Defender columns the documentation spells otherwise than the service's records and the
/// hunts written against it (`| where ISP has ...`): the records' spelling is the name.
const SERVICE_SPELLINGS: &[(&str, &str)] = &[
    ("Isp", "ISP"),
    ("IpAddress", "IPAddress"),
    ("ThreadSubtype", "ThreadSubType"),
];

fn as_the_service_spells(column: &mut RawColumn) {
    if let Some((_, spelled)) = SERVICE_SPELLINGS.iter().find(|(d, _)| *d == column.name) {
        column.name = spelled.to_string();
    }
}

/// Parses the embedded schema file. The file ships with the crate and a test
/// parses it, so a failure here is a bug in the crate, not a user error.
fn parse_registry(files: &[&str]) -> Registry {
    let mut raw: BTreeMap<String, Vec<RawColumn>> = BTreeMap::new();
    for (i, json) in files.iter().enumerate() {
        let mut tables: BTreeMap<String, Vec<RawColumn>> =
            serde_json::from_str(json).expect("embedded schema file is valid JSON");
        if i == 0 {
            tables
                .values_mut()
                .flatten()
                .for_each(as_the_service_spells);
        }
        raw.extend(tables);
    }
    let mut tables: Vec<TableDef> = raw.into_iter().map(table_from_raw).collect();
    for (alias, target) in ALIASES {
        if let Some(def) = tables.iter().find(|t| t.name == *target) {
            let aliased = TableDef::new(alias.to_string(), def.columns.clone());
            tables.push(aliased);
        }
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    let by_name = tables
        .iter()
        .enumerate()
        .map(|(i, t)| (t.name.clone(), i))
        .collect();
    Registry { tables, by_name }
}

fn table_from_raw((name, raw): (String, Vec<RawColumn>)) -> TableDef {
    let columns = raw
        .into_iter()
        .map(|c| ColumnDef {
            kusto: KustoType::parse(&c.kusto)
                .unwrap_or_else(|| panic!("{name}.{}: unknown type {:?}", c.name, c.kusto)),
            name: c.name,
        })
        .collect();
    TableDef::new(name, columns)
}

/// The documented table named exactly `table`.
pub fn table_def(table: &str) -> Option<&'static TableDef> {
    let reg = registry();
    reg.by_name.get(table).map(|&i| &reg.tables[i])
}

/// The documented table named `table`, exactly or else ignoring ASCII case
/// (streaming API categories and file names are not always cased as documented).
pub fn table_def_ignore_case(table: &str) -> Option<&'static TableDef> {
    table_def(table).or_else(|| {
        let reg = registry();
        reg.tables
            .iter()
            .find(|t| t.name.eq_ignore_ascii_case(table))
    })
}

/// The table named `name`: the documented one (ignoring ASCII case), else a table with no
/// documented columns, made on first use and kept for the life of the process (one per
/// table name an export holds).
pub fn table_def_or_undocumented(name: &str) -> &'static TableDef {
    if let Some(def) = table_def_ignore_case(name) {
        return def;
    }
    static UNDOCUMENTED: OnceLock<Mutex<HashMap<String, &'static TableDef>>> = OnceLock::new();
    let made = UNDOCUMENTED.get_or_init(Mutex::default);
    let mut made = made.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    made.entry(name.to_string()).or_insert_with(|| {
        let mut def = TableDef::new(name.to_string(), Vec::new());
        def.documented = false;
        Box::leak(Box::new(def))
    })
}

/// All registry table names, sorted (byte order).
pub fn table_names() -> Vec<&'static str> {
    registry().tables.iter().map(|t| t.name.as_str()).collect()
}

/// The Arrow schema of the documented columns of `table` (exact name).
pub fn defender_schema(table: &str) -> Option<SchemaRef> {
    table_def(table).map(|t| Arc::clone(&t.schema))
}

/// The documented Kusto type of `table.column`, normalised
/// (`string`, `dynamic`, `datetime`, `int`, `long`, `bool`, `real`, `guid`, `decimal`).
pub fn kusto_type(table: &str, column: &str) -> Option<&'static str> {
    table_def(table)?.column(column).map(|c| c.kusto.as_str())
}
