//! Evidence packages (`--evidence DIR`): what a finding rests on, in one folder that
//! `kqlite evidence verify DIR` can check later. The folder holds the query text, each
//! statement's result as kqlite wrote it (CSV) and as Parquet, and `manifest.json`: the
//! kqlite version, the query clock, the data given, the SHA-256 of every input file and of
//! every result. Verifying re-hashes the inputs and results, runs the query again over the
//! same data at the same clock, and compares the results' hashes.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::parquet::arrow::ArrowWriter;
use kqlite::output::{Format, ResultWriter};
use kqlite::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::audit::hex;

/// How the data was given, to attach it again the same way.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct DataGiven {
    pub roots: Vec<PathBuf>,
    /// `--table NAME=PATH`.
    pub tables: Vec<(String, PathBuf)>,
    /// `--export-tz`, as given.
    pub export_tz: Option<String>,
}

/// A package being written.
pub struct Package {
    dir: PathBuf,
    open: Option<Statement>,
    results: Vec<Value>,
}

/// One statement's result files, being written.
struct Statement {
    csv: ResultWriter,
    csv_file: BufWriter<File>,
    parquet: ArrowWriter<File>,
    rows: u64,
}

impl Package {
    /// A new package in `dir`, which must not exist or be empty: evidence is never mixed.
    pub fn create(dir: &Path) -> io::Result<Package> {
        let empty = std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none());
        if !empty {
            let message = format!(
                "{} is not empty: evidence goes in a new folder",
                dir.display()
            );
            return Err(io::Error::other(message));
        }
        std::fs::create_dir_all(dir)?;
        Ok(Package {
            dir: dir.to_path_buf(),
            open: None,
            results: Vec::new(),
        })
    }

    /// Starts the next statement's result files.
    pub fn begin(&mut self, schema: SchemaRef) -> io::Result<()> {
        let n = self.results.len() + 1;
        let csv_file = BufWriter::new(File::create(self.dir.join(format!("result-{n}.csv")))?);
        let parquet_file = File::create(self.dir.join(format!("result-{n}.parquet")))?;
        let parquet =
            ArrowWriter::try_new(parquet_file, schema.clone(), None).map_err(io::Error::other)?;
        self.open = Some(Statement {
            csv: ResultWriter::new(Format::Csv, schema),
            csv_file,
            parquet,
            rows: 0,
        });
        Ok(())
    }

    pub fn write(&mut self, batch: &RecordBatch) -> io::Result<()> {
        let Some(statement) = &mut self.open else {
            return Ok(());
        };
        statement.rows += batch.num_rows() as u64;
        statement.csv.write(batch, &mut statement.csv_file)?;
        statement.parquet.write(batch).map_err(io::Error::other)
    }

    /// Closes the statement's files and records their hashes.
    pub fn end(&mut self) -> io::Result<()> {
        let Some(statement) = self.open.take() else {
            return Ok(());
        };
        let mut csv_file = statement.csv_file;
        statement.csv.finish(&mut csv_file)?;
        csv_file.flush()?;
        statement.parquet.close().map_err(io::Error::other)?;
        let n = self.results.len() + 1;
        let csv = format!("result-{n}.csv");
        let parquet = format!("result-{n}.parquet");
        self.results.push(json!({
            "csv": csv,
            "csv_sha256": file_sha256(&self.dir.join(&csv))?,
            "parquet": parquet,
            "parquet_sha256": file_sha256(&self.dir.join(&parquet))?,
            "rows": statement.rows,
        }));
        Ok(())
    }

    /// Writes the query text (`queries` are the units it ran as) and the manifest: the
    /// package is complete.
    pub fn finish(
        mut self,
        engine: &Engine,
        text: &str,
        queries: &[&str],
        data: &DataGiven,
    ) -> io::Result<()> {
        self.end()?;
        std::fs::write(self.dir.join("query.kql"), text)?;
        let inputs = engine
            .tables()
            .iter()
            .flat_map(|t| t.files.iter().map(move |f| (t.name.clone(), f.clone())))
            .map(|(table, path)| input_entry(&table, &path))
            .collect::<io::Result<Vec<_>>>()?;
        let manifest = json!({
            "kqlite_version": env!("CARGO_PKG_VERSION"),
            "clock": engine.now(),
            "query": "query.kql",
            "query_sha256": hex(&Sha256::digest(text.as_bytes())),
            "queries": queries,
            "data": data,
            "inputs": inputs,
            "results": self.results,
        });
        let text = serde_json::to_string_pretty(&manifest).map_err(io::Error::other)?;
        std::fs::write(self.dir.join("manifest.json"), text + "\n")
    }
}

fn input_entry(table: &str, path: &Path) -> io::Result<Value> {
    if path.to_str().is_some_and(kqlite_storage::is_url) {
        let why = format!(
            "not supported yet: evidence over files read in place from object storage ({}); \
             copy the export to a folder and attach that",
            path.display()
        );
        return Err(io::Error::other(why));
    }
    Ok(json!({
        "table": table,
        "path": path,
        "size": std::fs::metadata(path)?.len(),
        "sha256": file_sha256(path)?,
    }))
}

pub fn file_sha256(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(hex(&hasher.finalize()));
        }
        hasher.update(&buf[..n]);
    }
}

/// What `verify` found: nothing when the package holds.
pub type Differences = Vec<String>;

/// The manifest of the package in `dir`.
pub fn manifest(dir: &Path) -> Result<Value, String> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// The files of the package and its inputs whose hash is no longer the recorded one.
pub fn changed_files(dir: &Path, manifest: &Value) -> Differences {
    let mut changed = Vec::new();
    let mut check = |path: PathBuf, recorded: Option<&str>| match file_sha256(&path) {
        Ok(now) if Some(now.as_str()) == recorded => {}
        Ok(_) => changed.push(format!(
            "{}: changed since the package was made",
            path.display()
        )),
        Err(e) => changed.push(format!("{}: {e}", path.display())),
    };
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    check(
        dir.join("query.kql"),
        text(manifest, "query_sha256").as_deref(),
    );
    for input in manifest["inputs"].as_array().into_iter().flatten() {
        let path = PathBuf::from(text(input, "path").unwrap_or_default());
        check(path, text(input, "sha256").as_deref());
    }
    for result in manifest["results"].as_array().into_iter().flatten() {
        for (file, hash) in [("csv", "csv_sha256"), ("parquet", "parquet_sha256")] {
            let path = dir.join(text(result, file).unwrap_or_default());
            check(path, text(result, hash).as_deref());
        }
    }
    changed
}

/// Checks the package in `dir`: its files and inputs unchanged, and its queries giving the
/// same results again. The number of results confirmed, or every difference found.
pub async fn verify(dir: &Path) -> Result<usize, Differences> {
    let manifest = manifest(dir).map_err(|e| vec![e])?;
    let mut differences = changed_files(dir, &manifest);
    let recorded: Vec<String> = manifest["results"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["csv_sha256"].as_str().unwrap_or_default().to_string())
        .collect();
    match rerun(&manifest).await {
        Ok(hashes) if hashes == recorded => {}
        Ok(hashes) => differences.push(format!(
            "the query gives other results now: {} result(s) whose hashes differ from the {} recorded",
            hashes.iter().zip(&recorded).filter(|(a, b)| a != b).count()
                + hashes.len().abs_diff(recorded.len()),
            recorded.len()
        )),
        Err(e) => differences.push(format!("the query could not be run again: {e}")),
    }
    match differences.is_empty() {
        true => Ok(recorded.len()),
        false => Err(differences),
    }
}

/// Runs the package's queries again as they were run; the SHA-256 of each result's CSV.
async fn rerun(manifest: &Value) -> Result<Vec<String>, String> {
    let data: DataGiven =
        serde_json::from_value(manifest["data"].clone()).map_err(|e| e.to_string())?;
    let mut engine = Engine::with_env_settings().map_err(|e| e.to_string())?;
    engine.set_now(manifest["clock"].as_i64());
    if let Some(zone) = &data.export_tz {
        engine.set_export_zone(zone.parse().map_err(|e: String| e)?);
    }
    for root in &data.roots {
        engine.attach(root).await.map_err(|e| e.to_string())?;
    }
    for (name, path) in &data.tables {
        engine
            .attach_as(path, Some(name))
            .await
            .map_err(|e| e.to_string())?;
    }
    let mut hashes = Vec::new();
    for query in manifest["queries"].as_array().into_iter().flatten() {
        let query = query.as_str().unwrap_or_default();
        hashes.extend(result_hashes(&engine, query).await?);
    }
    Ok(hashes)
}

/// The SHA-256 of each statement's result of `query`, written as CSV.
async fn result_hashes(engine: &Engine, query: &str) -> Result<Vec<String>, String> {
    let mut hashes = Vec::new();
    for plan in engine.plan(query).map_err(|e| e.to_string())? {
        let mut stream = engine.stream(plan).await.map_err(|e| e.to_string())?;
        let mut csv = ResultWriter::new(Format::Csv, stream.schema());
        let mut text = Vec::new();
        while let Some(batch) = futures::StreamExt::next(&mut stream).await {
            let batch = batch.map_err(|e| kqlite::Error::from(e).to_string())?;
            csv.write(&batch, &mut text).map_err(|e| e.to_string())?;
        }
        csv.finish(&mut text).map_err(|e| e.to_string())?;
        hashes.push(hex(&Sha256::digest(&text)));
    }
    Ok(hashes)
}
