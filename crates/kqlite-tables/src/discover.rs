//! Finding the export files under a folder (or given as files or globs) and
//! what each holds: Parquet files by table, and the other formats' files with
//! the table their name or folder gives.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use crate::error::TableError;
use crate::formats::{detect_format, table_hint, Format};
use crate::remote::RemoteFiles;
use crate::schema::{table_def, TableDef};
use crate::warning::{Position, Warning, WarningKind};

/// Written by `import` in each table folder. Its `date=` folders are derived
/// from `Timestamp`, so they are not shown as a column: a table reads the same
/// before and after import.
pub(crate) const IMPORT_MARKER: &str = "_kqlite_import.json";

/// How deep below a root files are looked for (symbolic links are followed, each folder
/// once); deeper folders are reported, not read.
const MAX_DEPTH: usize = 64;

/// Per table: each file's Hive folder and keys, if it is in one.
type HiveLayouts = BTreeMap<String, Vec<Option<(PathBuf, Vec<String>)>>>;

/// The Parquet files of one table.
#[derive(Debug)]
pub(crate) struct ParquetFiles {
    pub def: &'static TableDef,
    pub files: Vec<PathBuf>,
    /// The table folder, when every file is under it in Hive `key=value`
    /// folders with the same keys: the keys.
    pub hive: Option<(PathBuf, Vec<String>)>,
}

/// A file in another format, and the table its name or folder gives.
#[derive(Debug, Clone)]
pub(crate) struct OtherFile {
    pub path: PathBuf,
    pub format: Format,
    pub hint: Option<&'static TableDef>,
}

#[derive(Debug, Default)]
pub(crate) struct Found {
    pub parquet: BTreeMap<String, ParquetFiles>,
    pub others: Vec<OtherFile>,
    /// What was found and not read, and why: nothing is left out without a word.
    pub skipped: Vec<Warning>,
}

impl Found {
    pub fn is_empty(&self) -> bool {
        self.parquet.is_empty() && self.others.is_empty()
    }

    /// Every file as a file of `def`.
    pub fn name_all(&mut self, def: &'static TableDef) {
        for other in &mut self.others {
            other.hint = Some(def);
        }
        let files: Vec<PathBuf> = std::mem::take(&mut self.parquet)
            .into_values()
            .flat_map(|t| t.files)
            .collect();
        if !files.is_empty() {
            let table = ParquetFiles {
                def,
                files,
                hive: None,
            };
            self.parquet.insert(def.name.clone(), table);
        }
    }
}

/// Every export file under `root` (or `root` itself when it is a file).
pub(crate) fn discover(root: &Path) -> Result<Found, TableError> {
    let (files, skipped) = local_files(root)?;
    let base = if root.is_file() {
        root.parent().unwrap_or(root)
    } else {
        root
    };
    let mut found = Found {
        skipped,
        ..Found::default()
    };
    let mut hive: HiveLayouts = BTreeMap::new();
    for path in files {
        classify(path, base, &mut found, &mut hive);
    }
    settle_hive(&mut found, hive, |dir| dir.join(IMPORT_MARKER).exists());
    Ok(found)
}

/// The export files of an object store URL: its mirrored folder's, and the Parquet files
/// read in place, named by their URLs (`remote`: see [`crate::remote`]).
pub(crate) fn discover_remote(remote: &RemoteFiles) -> Result<Found, TableError> {
    let (files, skipped) = local_files(&remote.mirror)?;
    let mut found = Found {
        skipped,
        ..Found::default()
    };
    let mut hive: HiveLayouts = BTreeMap::new();
    for path in files {
        classify(path, &remote.mirror, &mut found, &mut hive);
    }
    let base = PathBuf::from(&remote.base_url);
    for file in &remote.files {
        let path = PathBuf::from(&file.url);
        let relative = path.strip_prefix(&base).unwrap_or(&path);
        let hidden = relative.iter().any(|c| is_hidden(&c.to_string_lossy()));
        if !hidden {
            classify(path, &base, &mut found, &mut hive);
        }
    }
    // `import`'s marker is not Parquet: it is in the mirror.
    settle_hive(&mut found, hive, |dir| {
        let relative = dir.strip_prefix(&base).unwrap_or(dir);
        remote.mirror.join(relative).join(IMPORT_MARKER).exists()
    });
    Ok(found)
}

/// The files under `root`, and what was left out.
fn local_files(root: &Path) -> Result<(Vec<PathBuf>, Vec<Warning>), TableError> {
    if root.is_file() {
        return Ok((vec![root.to_path_buf()], Vec::new()));
    }
    sorted_entries(root)?; // a missing folder is an error
    let mut walk = Walk::default();
    let mut files = Vec::new();
    walk.collect(root, 0, &mut files)?;
    Ok((files, walk.skipped))
}

/// Each table's Hive layout, unless `import` wrote it (its `date=` folders are not columns).
fn settle_hive(found: &mut Found, mut hive: HiveLayouts, imported: impl Fn(&Path) -> bool) {
    for (name, table) in &mut found.parquet {
        let layout = common_hive(hive.remove(name).unwrap_or_default());
        table.hive = layout.filter(|(dir, _)| !imported(dir));
    }
}

fn classify(path: PathBuf, base: &Path, found: &mut Found, hive: &mut HiveLayouts) {
    let Some(format) = detect_format(&path) else {
        return;
    };
    let hint = table_hint(&path, base);
    if format != Format::Parquet {
        found.others.push(OtherFile { path, format, hint });
        return;
    }
    let Some(def) = hint else {
        let reason = "neither its name nor its folders name a known table".to_string();
        found.skipped.push(not_read(&path, reason));
        return;
    };
    hive.entry(def.name.clone())
        .or_default()
        .push(hive_keys(&path, &def.name));
    let slot = found
        .parquet
        .entry(def.name.clone())
        .or_insert_with(|| ParquetFiles {
            def,
            files: Vec::new(),
            hive: None,
        });
    slot.files.push(path);
}

/// The table folder above `path` and the Hive keys of the folders between,
/// when there is at least one and all are `key=value`.
fn hive_keys(path: &Path, table: &str) -> Option<(PathBuf, Vec<String>)> {
    let mut keys = Vec::new();
    let mut dir = path.parent()?;
    loop {
        let name = dir.file_name()?.to_string_lossy().into_owned();
        if name.eq_ignore_ascii_case(table) {
            keys.reverse();
            // `y=/m=/d=/h=/m=` (the streaming API's folders) names `m` twice: no columns.
            let unique = keys.iter().collect::<HashSet<_>>().len() == keys.len();
            return (!keys.is_empty() && unique).then(|| (dir.to_path_buf(), keys));
        }
        let (key, _) = name.split_once('=')?;
        if key.is_empty() {
            return None;
        }
        keys.push(key.to_string());
        dir = dir.parent()?;
    }
}

/// The Hive layout shared by all of a table's files, if they share one.
fn common_hive(all: Vec<Option<(PathBuf, Vec<String>)>>) -> Option<(PathBuf, Vec<String>)> {
    let first = all.first()?.clone()?;
    all.iter()
        .all(|h| h.as_ref() == Some(&first))
        .then_some(first)
}

/// The walk below a root: the folders and files already met (by their real path, so that
/// a symbolic link does not read one twice or loop), and what was left out.
#[derive(Default)]
struct Walk {
    seen: HashSet<PathBuf>,
    skipped: Vec<Warning>,
}

impl Walk {
    fn collect(
        &mut self,
        path: &Path,
        depth: usize,
        out: &mut Vec<PathBuf>,
    ) -> Result<(), TableError> {
        let real = std::fs::canonicalize(path).map_err(|e| TableError::io(path, e))?;
        if !self.seen.insert(real.clone()) {
            let reason = format!(
                "it is {} again, reached through a symbolic link",
                real.display()
            );
            self.skipped.push(not_read(path, reason));
            return Ok(());
        }
        if path.is_file() {
            out.push(path.to_path_buf());
            return Ok(());
        }
        if !path.is_dir() {
            return Ok(());
        }
        if depth >= MAX_DEPTH {
            let reason = format!("it is more than {MAX_DEPTH} folders deep");
            self.skipped.push(not_read(path, reason));
            return Ok(());
        }
        for entry in sorted_entries(path)? {
            if !is_hidden(&file_name(&entry)) {
                self.collect(&entry, depth + 1, out)?;
            }
        }
        Ok(())
    }
}

fn not_read(path: &Path, reason: String) -> Warning {
    Warning {
        path: path.to_path_buf(),
        position: Position::File,
        column: None,
        kind: WarningKind::FailedFile,
        message: reason,
        count: 1,
    }
}

pub(crate) fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, TableError> {
    let read = std::fs::read_dir(dir).map_err(|e| TableError::io(dir, e))?;
    let mut entries = Vec::new();
    for entry in read {
        entries.push(entry.map_err(|e| TableError::io(dir, e))?.path());
    }
    entries.sort();
    Ok(entries)
}

pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Spark and Hadoop keep bookkeeping in `_SUCCESS`, `_temporary/`, `.crc` files.
pub(crate) fn is_hidden(name: &str) -> bool {
    name.starts_with('.') || name.starts_with('_')
}

/// Whether a top-level entry of an export folder is something kqlite reads:
/// a table folder, or a file in a known format.
pub(crate) fn is_known_entry(entry: &Path) -> bool {
    if entry.is_dir() {
        return table_def(&file_name(entry)).is_some() || has_export_files(entry, 0);
    }
    match detect_format(entry) {
        Some(Format::Parquet) => table_hint(entry, entry.parent().unwrap_or(entry)).is_some(),
        Some(_) => true,
        None => false,
    }
}

fn has_export_files(dir: &Path, depth: usize) -> bool {
    let Ok(entries) = sorted_entries(dir) else {
        return false;
    };
    entries
        .iter()
        .filter(|e| !is_hidden(&file_name(e)))
        .any(|e| {
            if e.is_dir() {
                depth < MAX_DEPTH && has_export_files(e, depth + 1)
            } else {
                detect_format(e).is_some()
            }
        })
}
