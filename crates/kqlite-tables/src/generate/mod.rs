//! A deterministic sample export of the four insider-risk tables
//! (DataSecurityEvents, DataSecurityBehaviors, AlertInfo, AlertEvidence) for
//! September 2025, with planted stories described in `truth.json`.
//!
//! The same seed and scale always give the same files. Background activity
//! grows with `scale`; the planted stories do not, so their counts are stable.

mod alerts;
mod behaviors;
mod events;
mod rng;
mod rows;
mod stories;
mod world;

use std::fs::File;
use std::path::{Path, PathBuf};

use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use serde_json::json;

use crate::error::TableError;
use alerts::Alerts;
use events::{text, timestamp};
use rng::Rng;
use rows::{Row, Rows};
use stories::Story;

/// Background DataSecurityEvents per unit of scale (stories add 312).
const EVENTS_PER_SCALE: usize = 1_688;
/// Background alerts per unit of scale (stories add 4).
const ALERTS_PER_SCALE: usize = 36;

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
                "{:<22} {:>7} rows {:>9} bytes  {path}",
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

#[derive(Debug, Clone)]
pub struct GeneratedTable {
    pub name: String,
    pub rows: usize,
    pub path: PathBuf,
    pub bytes: u64,
}

/// Writes `out/<Table>/part-0.parquet` for the four insider-risk tables and
/// `out/truth.json`. `scale` 0 is taken as 1.
pub fn write_sample(out: &Path, seed: u64, scale: usize) -> Result<GenerateSummary, TableError> {
    let scale = scale.max(1);
    let sample = Sample::build(seed, scale);
    std::fs::create_dir_all(out).map_err(|e| TableError::io(out, e))?;
    let tables = sample
        .tables()
        .into_iter()
        .map(|rows| write_table(out, rows))
        .collect::<Result<Vec<_>, _>>()?;
    let truth = out.join("truth.json");
    let text = serde_json::to_string_pretty(&sample.truth(seed, scale)).expect("JSON values print");
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

struct Sample {
    events: Rows,
    behaviors: Rows,
    alerts: Alerts,
    stories: Vec<Story>,
    /// Per story: its alert ids, its behaviour ids.
    alert_ids: Vec<Vec<String>>,
    behavior_ids: Vec<Vec<String>>,
}

impl Sample {
    fn build(seed: u64, scale: usize) -> Sample {
        let mut rng = Rng::new(seed);
        let users = world::users(&mut rng);
        let stories = stories::stories();
        let mut events = Rows::new(events::TABLE);
        stories::plant(&mut rng, &users, &mut events);
        let in_story = |row: &Row| stories.iter().any(|s| (s.matches)(row));
        events::background(
            &mut rng,
            &users,
            EVENTS_PER_SCALE * scale,
            &in_story,
            &mut events,
        );
        sort_by_time(&mut events);
        let mut alerts = Alerts::new();
        alerts::background(&mut rng, &users, ALERTS_PER_SCALE * scale, &mut alerts);
        let alert_ids = stories
            .iter()
            .map(|story| {
                let actors = story.actors.iter().map(|upn| world::find(&users, upn));
                let ids =
                    actors.map(|a| alerts::story_alert(&mut rng, story, a, &events, &mut alerts));
                ids.collect()
            })
            .collect();
        sort_by_time(&mut alerts.info);
        sort_by_time(&mut alerts.evidence);
        let mut behaviors = Rows::new(behaviors::TABLE);
        let behavior_ids = behaviors::summarise(&mut rng, &events, &stories, &mut behaviors);
        sort_by_time(&mut behaviors);
        Sample {
            events,
            behaviors,
            alerts,
            stories,
            alert_ids,
            behavior_ids,
        }
    }

    fn tables(&self) -> [&Rows; 4] {
        [
            &self.events,
            &self.behaviors,
            &self.alerts.info,
            &self.alerts.evidence,
        ]
    }

    fn truth(&self, seed: u64, scale: usize) -> serde_json::Value {
        let rows: serde_json::Map<_, _> = self
            .tables()
            .iter()
            .map(|t| (t.table.to_string(), json!(t.rows.len())))
            .collect();
        let labels: serde_json::Map<_, _> = world::LABELS
            .iter()
            .map(|(name, id)| (name.to_string(), json!(id)))
            .collect();
        let stories: Vec<_> = (0..self.stories.len())
            .map(|i| self.story_truth(i))
            .collect();
        json!({
            "generator": "kqlite-tables generate",
            "seed": seed,
            "scale": scale,
            "period": { "start": "2025-09-01T00:00:00Z", "end": "2025-10-01T00:00:00Z" },
            "tables": rows,
            "sensitivity_labels": labels,
            "stories": stories,
        })
    }

    fn story_truth(&self, i: usize) -> serde_json::Value {
        let story = &self.stories[i];
        let matching: Vec<&Row> = self
            .events
            .rows
            .iter()
            .filter(|r| (story.matches)(r))
            .collect();
        let by_actor: serde_json::Map<_, _> = story
            .actors
            .iter()
            .map(|upn| {
                let n = matching
                    .iter()
                    .filter(|r| text(r, "AccountUpn") == *upn)
                    .count();
                (upn.to_string(), json!(n))
            })
            .collect();
        let first = matching.iter().map(|r| timestamp(r)).min().unwrap_or(0);
        let last = matching.iter().map(|r| timestamp(r)).max().unwrap_or(0);
        json!({
            "id": story.id,
            "description": story.description,
            "actors": story.actors,
            "table": events::TABLE,
            "kql": story.kql,
            "count": matching.len(),
            "count_by_actor": by_actor,
            "first": world::iso(first),
            "last": world::iso(last),
            "alert": {
                "ids": self.alert_ids[i],
                "ServiceSource": story.alert.service,
                "Title": story.alert.title,
                "Category": story.alert.category,
                "Severity": story.alert.severity,
                "Timestamp": world::iso(story.alert.at),
            },
            "behavior_ids": self.behavior_ids[i],
        })
    }
}

fn sort_by_time(rows: &mut Rows) {
    rows.rows.sort_by_key(timestamp);
}

fn write_table(out: &Path, rows: &Rows) -> Result<GeneratedTable, TableError> {
    let dir = out.join(rows.table);
    std::fs::create_dir_all(&dir).map_err(|e| TableError::io(&dir, e))?;
    let path = dir.join("part-0.parquet");
    let batch = rows.to_batch().map_err(|e| TableError::write(&path, e))?;
    let file = File::create(&path).map_err(|e| TableError::io(&path, e))?;
    let level = ZstdLevel::try_new(9).map_err(|e| TableError::write(&path, e))?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(level))
        .build();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(props))
        .map_err(|e| TableError::write(&path, e))?;
    writer
        .write(&batch)
        .map_err(|e| TableError::write(&path, e))?;
    writer.close().map_err(|e| TableError::write(&path, e))?;
    let bytes = std::fs::metadata(&path)
        .map_err(|e| TableError::io(&path, e))?
        .len();
    Ok(GeneratedTable {
        name: rows.table.to_string(),
        rows: rows.rows.len(),
        path,
        bytes,
    })
}
