//! The files an import reads (sources given as files, folders or globs), the
//! stable id each file's output parts are named by, and the parts an earlier
//! run left for it.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hasher;
use std::path::{Path, PathBuf};

use twox_hash::XxHash64;

use crate::discover::{discover, file_name, sorted_entries};
use crate::error::TableError;
use crate::formats::Format;
use crate::schema::TableDef;
use crate::warning::Warning;

/// One input file.
#[derive(Debug, Clone)]
pub(crate) struct Input {
    pub path: PathBuf,
    pub format: Format,
    pub hint: Option<&'static TableDef>,
    /// 16 hex digits from the file's canonical path: its parts are
    /// `part-<id>-<n>.parquet`, so a second run replaces them.
    pub id: String,
    pub bytes: u64,
}

/// Every export file in `sources` (files, folders, or glob patterns), sorted
/// and without duplicates; files under `out` are left out. Also what was found and not
/// read, and why.
pub(crate) fn expand(
    sources: &[PathBuf],
    out: &Path,
) -> Result<(Vec<Input>, Vec<Warning>), TableError> {
    let out = std::fs::canonicalize(out).unwrap_or_else(|_| out.to_path_buf());
    let mut inputs: BTreeMap<PathBuf, Input> = BTreeMap::new();
    let mut skipped = Vec::new();
    for source in sources {
        for root in roots(source)? {
            skipped.extend(add_root(&root, &out, &mut inputs)?);
        }
    }
    Ok((inputs.into_values().collect(), skipped))
}

/// A source as paths: itself when it exists, else its glob matches.
fn roots(source: &Path) -> Result<Vec<PathBuf>, TableError> {
    if source.exists() {
        return Ok(vec![source.to_path_buf()]);
    }
    let pattern = source.to_string_lossy();
    let not_found = || {
        let e = std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "no such file, folder or glob match",
        );
        TableError::io(source, e)
    };
    let paths = glob::glob(&pattern).map_err(|_| not_found())?;
    let matches: Vec<PathBuf> = paths.filter_map(Result::ok).collect();
    if matches.is_empty() {
        return Err(not_found());
    }
    Ok(matches)
}

fn add_root(
    root: &Path,
    out: &Path,
    inputs: &mut BTreeMap<PathBuf, Input>,
) -> Result<Vec<Warning>, TableError> {
    let found = discover(root)?;
    let skipped = found.skipped;
    let parquet = found.parquet.into_values().flat_map(|t| {
        t.files
            .into_iter()
            .map(move |f| (f, Format::Parquet, Some(t.def)))
    });
    let others = found.others.into_iter().map(|o| (o.path, o.format, o.hint));
    for (path, format, hint) in parquet.chain(others) {
        let canonical = std::fs::canonicalize(&path).map_err(|e| TableError::io(&path, e))?;
        if canonical.starts_with(out) {
            continue;
        }
        let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let id = file_id(&canonical);
        inputs.entry(canonical).or_insert(Input {
            path,
            format,
            hint,
            id,
            bytes,
        });
    }
    Ok(skipped)
}

fn file_id(canonical: &Path) -> String {
    let mut hasher = XxHash64::with_seed(0x6b71_6c69_7465);
    hasher.write(canonical.to_string_lossy().as_bytes());
    format!("{:016x}", hasher.finish())
}

/// The parts under `out` written by earlier runs, by input id.
pub(crate) fn existing_parts(out: &Path) -> Result<HashMap<String, Vec<PathBuf>>, TableError> {
    let mut parts: HashMap<String, Vec<PathBuf>> = HashMap::new();
    if !out.is_dir() {
        return Ok(parts);
    }
    let mut stack = vec![out.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in sorted_entries(&dir)? {
            if entry.is_dir() {
                stack.push(entry);
            } else if let Some(id) = part_id(&file_name(&entry)) {
                parts.entry(id.to_string()).or_default().push(entry);
            }
        }
    }
    Ok(parts)
}

/// `part-<id>-<n>.parquet` -> `<id>`.
fn part_id(name: &str) -> Option<&str> {
    let rest = name.strip_prefix("part-")?.strip_suffix(".parquet")?;
    let (id, n) = rest.split_once('-')?;
    (id.len() == 16 && n.bytes().all(|b| b.is_ascii_digit())).then_some(id)
}

/// The final and temporary names of part `n` of input `id` in `dir`.
pub(crate) fn part_names(dir: &Path, id: &str, n: usize) -> (PathBuf, PathBuf) {
    let name = format!("part-{id}-{n}.parquet");
    (dir.join(&name), dir.join(format!(".{name}.tmp")))
}
