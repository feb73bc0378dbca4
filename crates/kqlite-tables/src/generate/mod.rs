//! A deterministic export of the four insider-risk tables (DataSecurityEvents,
//! DataSecurityBehaviors, AlertInfo, AlertEvidence) and the Defender tables
//! hunts join with (DeviceFileEvents, CloudAppEvents, EmailEvents,
//! IdentityInfo) for September 2025, with planted stories described in
//! `truth.json`.
//!
//! The same seed and scale always give the same files. Background activity and
//! the number of users grow with `scale` (1 is about 3,000 rows; 600 about a
//! million DataSecurityEvents); the planted stories do not, so their counts are
//! stable. The users are split into parts (one per 250,000 events), each
//! generated on its own thread from its own random stream and streamed to
//! `<Table>/part-NNNN.parquet` in row groups, so memory does not grow with
//! scale.

mod alerts;
mod behaviors;
mod defender;
mod events;
mod formats;
mod identity;
mod label_stories;
mod part;
mod rng;
mod rows;
mod sample;
mod stories;
mod truth;
mod world;
mod writer;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::error::TableError;
use part::{PartOutput, Shared};
use rng::Rng;
use sample::Sample;
use writer::Written;

pub use formats::{write_sample_formats, FormatFiles};

/// Background DataSecurityEvents per unit of scale (stories add about 400).
const EVENTS_PER_SCALE: usize = 1_688;
/// Background alerts per unit of scale (stories add 7).
const ALERTS_PER_SCALE: usize = 36;
/// Inbound mails per unit of scale.
const INBOUND_PER_SCALE: usize = 400;
/// Users per unit of scale (the first scale unit is the 20 named users).
const USERS_PER_SCALE: usize = 20;
const MAX_USERS: usize = 200_000;
/// Background DataSecurityEvents per part file.
const EVENTS_PER_PART: usize = 250_000;

/// What [`write_sample`] wrote.
#[derive(Debug, Clone)]
pub struct GenerateSummary {
    pub out: PathBuf,
    pub seed: u64,
    pub scale: usize,
    pub tables: Vec<GeneratedTable>,
    pub truth: PathBuf,
    /// Bytes written, Parquet files and `truth.json` together.
    pub bytes: u64,
}

impl std::fmt::Display for GenerateSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for t in &self.tables {
            let path = t.path.display();
            writeln!(
                f,
                "{:<22} {:>11} rows {:>12} bytes  {path}",
                t.name, t.rows, t.bytes
            )?;
        }
        let truth = self.truth.display();
        write!(
            f,
            "seed {} scale {}: {} bytes; stories in {truth}",
            self.seed, self.scale, self.bytes
        )
    }
}

/// One table: its folder, total rows and bytes over its part files.
#[derive(Debug, Clone)]
pub struct GeneratedTable {
    pub name: String,
    pub rows: usize,
    pub path: PathBuf,
    pub bytes: u64,
}

/// The tables every export has, in the order they are reported.
const TABLES: &[&str] = &[
    events::TABLE,
    behaviors::TABLE,
    alerts::INFO,
    alerts::EVIDENCE,
    defender::FILE_EVENTS,
    defender::CLOUD_APP_EVENTS,
    defender::EMAIL_EVENTS,
    identity::TABLE,
];

/// Writes `out/<Table>/part-NNNN.parquet` for every generated table and
/// `out/truth.json`; earlier part files in those folders are replaced.
/// `scale` 0 is taken as 1.
pub fn write_sample(out: &Path, seed: u64, scale: usize) -> Result<GenerateSummary, TableError> {
    let scale = scale.max(1);
    clear_parts(out)?;
    let mut rng = Rng::new(seed);
    let extra = (USERS_PER_SCALE * (scale - 1)).min(MAX_USERS);
    let users = world::users(&mut rng, extra);
    let stories = stories::stories();
    let planted = stories::plant(&mut rng, &users);
    let irm_actors: Vec<&str> = stories
        .iter()
        .filter(|s| s.alert.service == stories::IRM)
        .flat_map(|s| s.actors.iter().copied())
        .collect();
    let events = EVENTS_PER_SCALE * scale;
    let shared = Shared {
        out,
        seed,
        users: &users,
        stories: &stories,
        planted: &planted,
        parts: events.div_ceil(EVENTS_PER_PART).min(users.len()),
        events,
        alerts: ALERTS_PER_SCALE * scale,
        inbound_mails: INBOUND_PER_SCALE * scale,
        irm_actors: &irm_actors,
    };
    let outputs = (0..shared.parts)
        .into_par_iter()
        .map(|p| part::generate(&shared, p))
        .collect::<Result<Vec<PartOutput>, TableError>>()?;
    let tables = tables(out, &outputs);
    let truth_value = truth::truth(&shared, &outputs, &tables, scale);
    let truth = out.join("truth.json");
    let text = serde_json::to_string_pretty(&truth_value).expect("JSON values print");
    std::fs::write(&truth, text.as_bytes()).map_err(|e| TableError::io(&truth, e))?;
    let bytes = tables.iter().map(|t| t.bytes).sum::<u64>() + text.len() as u64;
    Ok(GenerateSummary {
        out: out.to_path_buf(),
        seed,
        scale,
        tables,
        truth,
        bytes,
    })
}

/// Removes `part-*.parquet` files a previous run left in the table folders.
fn clear_parts(out: &Path) -> Result<(), TableError> {
    std::fs::create_dir_all(out).map_err(|e| TableError::io(out, e))?;
    for table in TABLES {
        let dir = out.join(table);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with("part-") && name.ends_with(".parquet") {
                let path = entry.path();
                std::fs::remove_file(&path).map_err(|e| TableError::io(&path, e))?;
            }
        }
    }
    Ok(())
}

fn tables(out: &Path, outputs: &[PartOutput]) -> Vec<GeneratedTable> {
    let written: Vec<&Written> = outputs.iter().flat_map(|o| &o.written).collect();
    TABLES
        .iter()
        .map(|&name| {
            let mine = written.iter().filter(|w| w.table == name);
            GeneratedTable {
                name: name.to_string(),
                rows: mine.clone().map(|w| w.rows).sum(),
                path: out.join(name),
                bytes: mine.map(|w| w.bytes).sum(),
            }
        })
        .collect()
}
