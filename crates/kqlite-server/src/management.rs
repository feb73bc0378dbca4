//! Management commands that clients send on connect and for completion: `.show version`,
//! `.show databases`, `.show tables`, `.show table T schema as json`, `.show table T
//! cslschema`, `.show database schema [as json]`, `.show functions`. Commands that change
//! anything are refused: the server is read-only.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use crate::errors::KustoError;
use crate::protocol::{self, Protocol};
use crate::request::KustoRequest;
use crate::values::Column;
use crate::Server;

/// A command's answer: tables of columns and rows.
type Tables = Vec<(Vec<Column>, Vec<Vec<Value>>)>;

/// Verbs of commands that change a database, refused with 403.
const WRITES: &[&str] = &[
    ".add",
    ".alter",
    ".alter-merge",
    ".append",
    ".attach",
    ".cancel",
    ".clear",
    ".create",
    ".create-merge",
    ".create-or-alter",
    ".delete",
    ".detach",
    ".disable",
    ".drop",
    ".enable",
    ".execute",
    ".export",
    ".ingest",
    ".merge",
    ".move",
    ".purge",
    ".rename",
    ".replace",
    ".set",
    ".set-or-append",
    ".set-or-replace",
    ".undo",
    ".update",
];

pub async fn run(
    server: &Server,
    request: &KustoRequest,
    mut protocol: Box<dyn Protocol>,
    request_id: &str,
) -> Result<Response, KustoError> {
    let tables = answer(server, &request.text).await?;
    let body = protocol::whole(&mut *protocol, &tables, request_id);
    let headers = [(header::CONTENT_TYPE, "application/json; charset=utf-8")];
    Ok((StatusCode::OK, headers, body).into_response())
}

async fn answer(server: &Server, text: &str) -> Result<Tables, KustoError> {
    let words: Vec<&str> = text
        .trim()
        .trim_end_matches(';')
        .split_whitespace()
        .collect();
    let lower: Vec<String> = words.iter().map(|w| w.to_ascii_lowercase()).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    match lower.as_slice() {
        [".show", "version"] => Ok(version(server)),
        [".show", "databases", ..] => Ok(databases(server)),
        [".show", "tables", ..] => Ok(tables(server)),
        [".show", "functions", ..] => Ok(functions()),
        [".show", "table", _, "schema", "as", "json"] => table_schema(server, words[2], true).await,
        [".show", "table", _, "cslschema"] => table_schema(server, words[2], false).await,
        [".show", "database", .., "schema", "as", "json"] | [".show", "schema", "as", "json"] => {
            Ok(database_schema_json(server).await)
        }
        [".show", "database", .., "schema"] => Ok(database_schema(server).await),
        [verb, ..] if WRITES.contains(verb) => Err(KustoError::new(
            StatusCode::FORBIDDEN,
            "Forbidden",
            format!(
                "kqlite serve is read-only: `{}` would change data and is not run",
                words[0]
            ),
        )),
        _ => Err(KustoError::bad_request(format!(
            "not supported yet: the management command `{}`",
            text.trim()
        ))),
    }
}

fn columns(specs: &[(&str, &'static str)]) -> Vec<Column> {
    specs
        .iter()
        .map(|(name, kusto)| Column::new(name, kusto))
        .collect()
}

fn version(server: &Server) -> Tables {
    let header = columns(&[
        ("BuildVersion", "string"),
        ("BuildTime", "datetime"),
        ("ServiceType", "string"),
        ("ProductVersion", "string"),
    ]);
    let version = env!("CARGO_PKG_VERSION");
    let started = kqlite::output::format_datetime(server.started);
    let row = vec![
        json!(version),
        json!(started),
        json!("Engine"),
        json!(format!("kqlite {version}")),
    ];
    vec![(header, vec![row])]
}

fn databases(server: &Server) -> Tables {
    let header = columns(&[
        ("DatabaseName", "string"),
        ("PersistentStorage", "string"),
        ("Version", "string"),
        ("IsCurrent", "bool"),
        ("DatabaseAccessMode", "string"),
        ("PrettyName", "string"),
        ("ReservedSlot1", "bool"),
        ("DatabaseId", "guid"),
        ("InTransition", "bool"),
    ]);
    let name = &server.options.database;
    let row = vec![
        json!(name),
        json!(""),
        json!("v1.0"),
        json!(true),
        json!("ReadOnly"),
        json!(name),
        Value::Null,
        json!("00000000-0000-0000-0000-000000000000"),
        json!(false),
    ];
    vec![(header, vec![row])]
}

fn tables(server: &Server) -> Tables {
    let header = columns(&[
        ("TableName", "string"),
        ("DatabaseName", "string"),
        ("Folder", "string"),
        ("DocString", "string"),
    ]);
    let database = &server.options.database;
    let rows = server
        .engine
        .table_names()
        .into_iter()
        .map(|t| vec![json!(t), json!(database), json!(""), json!("")])
        .collect();
    vec![(header, rows)]
}

fn functions() -> Tables {
    let header = columns(&[
        ("Name", "string"),
        ("Parameters", "string"),
        ("Body", "string"),
        ("Folder", "string"),
        ("DocString", "string"),
    ]);
    vec![(header, Vec::new())]
}

/// `name` as written in a command: bare, `['name']` or `["name"]`.
fn unquoted(name: &str) -> &str {
    let inner = name
        .strip_prefix('[')
        .and_then(|n| n.strip_suffix(']'))
        .unwrap_or(name);
    inner.trim_matches(|c| c == '\'' || c == '"')
}

/// The table named `name` (exactly, else ignoring case) and its columns with Kusto types.
async fn find_table(
    server: &Server,
    name: &str,
) -> Result<(String, Vec<(String, String)>), KustoError> {
    let names = server.engine.table_names();
    let wanted = unquoted(name);
    let found = names
        .iter()
        .find(|n| n.as_str() == wanted)
        .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(wanted)));
    let Some(found) = found else {
        return Err(KustoError::bad_request(format!(
            "table '{wanted}' does not exist; the tables are: {}",
            names.join(", ")
        )));
    };
    let columns = server.engine.columns(found).await.unwrap_or_default();
    Ok((found.clone(), columns))
}

async fn table_schema(server: &Server, name: &str, as_json: bool) -> Result<Tables, KustoError> {
    let (table, columns) = find_table(server, name).await?;
    let schema = if as_json {
        table_json(&table, &columns).to_string()
    } else {
        let specs: Vec<String> = columns.iter().map(|(c, t)| format!("{c}:{t}")).collect();
        specs.join(",")
    };
    let header = crate::management::columns(&[
        ("TableName", "string"),
        ("Schema", "string"),
        ("DatabaseName", "string"),
        ("Folder", "string"),
        ("DocString", "string"),
    ]);
    let row = vec![
        json!(table),
        json!(schema),
        json!(server.options.database),
        json!(""),
        json!(""),
    ];
    Ok(vec![(header, vec![row])])
}

/// A table's schema as Kusto's JSON schemas give it.
fn table_json(table: &str, columns: &[(String, String)]) -> Value {
    let ordered: Vec<Value> = columns
        .iter()
        .map(|(name, kusto)| json!({"Name": name, "Type": system_type(kusto), "CslType": kusto}))
        .collect();
    json!({"Name": table, "EntityType": "Table", "OrderedColumns": ordered, "Folder": "", "DocString": ""})
}

/// The .NET type of a Kusto type, as schemas name it.
fn system_type(kusto: &str) -> &'static str {
    match kusto {
        "bool" => "System.Boolean",
        "int" => "System.Int32",
        "long" => "System.Int64",
        "real" => "System.Double",
        "decimal" => "System.Data.SqlTypes.SqlDecimal",
        "datetime" => "System.DateTime",
        "timespan" => "System.TimeSpan",
        "dynamic" => "System.Object",
        "guid" => "System.Guid",
        _ => "System.String",
    }
}

async fn database_schema_json(server: &Server) -> Tables {
    let mut tables = Map::new();
    for name in server.engine.table_names() {
        let columns = server.engine.columns(&name).await.unwrap_or_default();
        tables.insert(name.clone(), table_json(&name, &columns));
    }
    let database = &server.options.database;
    let schema = json!({
        "Plugins": [],
        "Databases": { database.as_str(): {
            "Name": database,
            "Tables": tables,
            "ExternalTables": {},
            "MaterializedViews": {},
            "Functions": {},
            "EntityGroups": {},
            "MajorVersion": 1,
            "MinorVersion": 0,
            "DatabaseAccessMode": "ReadOnly",
        }},
    });
    let header = columns(&[("DatabaseSchema", "string")]);
    vec![(header, vec![vec![json!(schema.to_string())]])]
}

async fn database_schema(server: &Server) -> Tables {
    let header = columns(&[
        ("DatabaseName", "string"),
        ("TableName", "string"),
        ("ColumnName", "string"),
        ("ColumnType", "string"),
        ("IsDefaultTable", "bool"),
        ("IsDefaultColumn", "bool"),
        ("PrettyName", "string"),
        ("Version", "string"),
        ("Folder", "string"),
        ("DocString", "string"),
    ]);
    let database = &server.options.database;
    let mut rows = Vec::new();
    for table in server.engine.table_names() {
        for (column, kusto) in server.engine.columns(&table).await.unwrap_or_default() {
            rows.push(vec![
                json!(database),
                json!(table),
                json!(column),
                json!(system_type(&kusto)),
                json!(false),
                json!(false),
                json!(""),
                json!("v1.0"),
                json!(""),
                json!(""),
            ]);
        }
    }
    vec![(header, rows)]
}
