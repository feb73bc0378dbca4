//! The audit log (`--audit FILE`): one JSON line per query run, appended, each chained to the
//! one before by SHA-256, so that `kqlite audit verify FILE` finds an entry edited, removed
//! or put out of order. An entry holds the time, the OS user, the query text and clock, the
//! tables read with a fingerprint of their files (path, size and time of each), the rows
//! returned, the SHA-256 of the output, and how the run ended.

use std::fs::OpenOptions;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use kqlite::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// The `prev` of the first entry.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What one query run did, for its entry.
pub struct Run<'a> {
    pub query: &'a str,
    pub now: Option<i64>,
    pub rows: u64,
    pub output_sha256: String,
    pub outcome: &'a str,
    /// The request of a server's client (`kqlite serve`).
    pub client: Option<&'a str>,
}

/// Appends the entry of `run` to the log at `path`, chained to its last entry.
pub fn append(path: &Path, engine: &Engine, run: &Run<'_>) -> io::Result<()> {
    Log::open(path)?.append(engine, run)
}

/// A log that stays open (a server's): it keeps the last entry's hash, so that the entries
/// of queries that end at the same time are chained one after the other.
pub struct Log {
    path: PathBuf,
    prev: Mutex<String>,
}

impl Log {
    pub fn open(path: &Path) -> io::Result<Log> {
        let prev = last_hash(path)?.unwrap_or_else(|| GENESIS.to_string());
        Ok(Log {
            path: path.to_path_buf(),
            prev: Mutex::new(prev),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&self, engine: &Engine, run: &Run<'_>) -> io::Result<()> {
        let mut prev = self
            .prev
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *prev = write_entry(&self.path, engine, run, &prev)?;
        Ok(())
    }
}

/// Appends the entry of `run` after the one whose hash is `prev`; its own hash.
fn write_entry(path: &Path, engine: &Engine, run: &Run<'_>, prev: &str) -> io::Result<String> {
    let mut entry = Map::new();
    entry.insert("time".into(), json!(now_iso()));
    entry.insert("user".into(), json!(os_user()));
    entry.insert("query".into(), json!(run.query));
    entry.insert("clock".into(), json!(run.now.map(iso)));
    entry.insert("tables".into(), tables(engine));
    entry.insert("rows".into(), json!(run.rows));
    entry.insert("output_sha256".into(), json!(run.output_sha256));
    entry.insert("outcome".into(), json!(run.outcome));
    if let Some(client) = run.client {
        entry.insert("client".into(), json!(client));
    }
    entry.insert("prev".into(), json!(prev));
    let hash = entry_hash(&entry);
    entry.insert("hash".into(), json!(hash.clone()));
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    writeln!(file, "{}", Value::Object(entry))?;
    Ok(hash)
}

/// Checks every entry of the log at `path`: its hash, and its link to the entry before.
/// The number of entries, or the first line that fails and why.
pub fn verify(path: &Path) -> Result<usize, String> {
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut prev = GENESIS.to_string();
    let mut count = 0;
    for (i, line) in BufReader::new(file).lines().enumerate() {
        let at = |why: &str| format!("{}:{}: {why}", path.display(), i + 1);
        let line = line.map_err(|e| at(&e.to_string()))?;
        let Ok(Value::Object(mut entry)) = serde_json::from_str::<Value>(&line) else {
            return Err(at("not an audit entry"));
        };
        let Some(Value::String(hash)) = entry.remove("hash") else {
            return Err(at("the entry has no hash"));
        };
        if entry.get("prev").and_then(Value::as_str) != Some(prev.as_str()) {
            return Err(at("the entry before it was removed, changed or moved"));
        }
        if entry_hash(&entry) != hash {
            return Err(at("the entry was changed after it was written"));
        }
        prev = hash;
        count += 1;
    }
    Ok(count)
}

/// SHA-256 of the entry as written (without its own hash), keys in the order written.
fn entry_hash(entry: &Map<String, Value>) -> String {
    hex(&Sha256::digest(
        Value::Object(entry.clone()).to_string().as_bytes(),
    ))
}

fn last_hash(path: &Path) -> io::Result<Option<String>> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut last = None;
    for line in BufReader::new(file).lines() {
        let line = line?;
        if let Ok(entry) = serde_json::from_str::<Value>(&line) {
            last = entry
                .get("hash")
                .and_then(Value::as_str)
                .map(str::to_string);
        }
    }
    Ok(last)
}

/// Per table: its files and a fingerprint of them (SHA-256 of each path, size and time).
fn tables(engine: &Engine) -> Value {
    let tables: Vec<Value> = engine
        .tables()
        .iter()
        .map(|t| {
            let mut hasher = Sha256::new();
            for file in &t.files {
                hasher.update(fingerprint_line(file).as_bytes());
            }
            json!({"table": t.name, "files": t.files.len(), "fingerprint": hex(&hasher.finalize())})
        })
        .collect();
    Value::Array(tables)
}

fn fingerprint_line(path: &Path) -> String {
    let meta = std::fs::metadata(path).ok();
    let size = meta.as_ref().map_or(0, |m| m.len());
    let modified = meta
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    format!("{}\t{size}\t{modified}\n", path.display())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn os_user() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".to_string())
}

fn now_iso() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64);
    iso(nanos)
}

fn iso(nanos: i64) -> String {
    let seconds = nanos.div_euclid(1_000_000_000);
    let time = chrono::DateTime::from_timestamp(seconds, nanos.rem_euclid(1_000_000_000) as u32);
    time.map_or_else(String::new, |t| {
        t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string()
    })
}
