//! `truth.json`: what was planted, and what each hunt of `testdata/hunts`
//! must find.

use serde_json::{json, Map, Value};

use super::events::{self, text, timestamp};
use super::part::{PartOutput, Shared};
use super::rows::Row;
use super::world::{self, ADELE, ALEX, DIEGO, ISAIAH, LIDIA, MEGAN};
use super::GeneratedTable;

type Hunt = (
    &'static str,
    &'static [&'static str],
    &'static [(&'static str, usize)],
);

/// Per hunt (file stem in `testdata/hunts`): the accounts it must return, and
/// for some the `Files` figure per account.
const HUNTS: &[Hunt] = &[
    ("departing_user_usb", &[ADELE], &[]),
    ("personal_cloud_zip", &[MEGAN], &[]),
    (
        "confidential_to_gmail",
        &[ALEX, DIEGO],
        &[(ALEX, 31), (DIEGO, 23)],
    ),
    ("labelled_printing", &[LIDIA], &[(LIDIA, 38)]),
    ("label_downgrade_exfil", &[ISAIAH], &[(ISAIAH, 9)]),
    ("irm_alert_users", &[MEGAN, ADELE, LIDIA, ISAIAH], &[]),
    ("alert_evidence_files", &[MEGAN, ADELE, LIDIA, ISAIAH], &[]),
    ("anomalous_behaviors", &[ADELE, LIDIA], &[]),
    ("exfil_by_day", &[ADELE], &[]),
    ("top_users_by_volume", &[ADELE, MEGAN], &[]),
    ("rare_destinations", &[ISAIAH], &[]),
    ("usb_file_events", &[ADELE], &[]),
    ("mail_to_personal", &[ADELE], &[]),
];

pub(crate) fn truth(
    shared: &Shared<'_>,
    outputs: &[PartOutput],
    tables: &[GeneratedTable],
    scale: usize,
) -> Value {
    let rows: Map<_, _> = tables
        .iter()
        .map(|t| (t.name.clone(), json!(t.rows)))
        .collect();
    let labels: Map<_, _> = world::LABELS
        .iter()
        .map(|(name, id)| (name.to_string(), json!(id)))
        .collect();
    let stories: Vec<_> = (0..shared.stories.len())
        .map(|i| story(shared, outputs, i))
        .collect();
    json!({
        "generator": "kqlite-tables generate",
        "seed": shared.seed,
        "scale": scale,
        "users": shared.users.len(),
        "parts": shared.parts,
        "period": { "start": "2025-09-01T00:00:00Z", "end": "2025-10-01T00:00:00Z" },
        "tables": rows,
        "sensitivity_labels": labels,
        "stories": stories,
        "hunts": hunts(),
    })
}

fn hunts() -> Value {
    let hunts: Map<_, _> = HUNTS
        .iter()
        .map(|(name, actors, files)| {
            let mut hunt = json!({ "actors": actors });
            if !files.is_empty() {
                let files: Map<_, _> = files
                    .iter()
                    .map(|(upn, n)| (upn.to_string(), json!(n)))
                    .collect();
                hunt["files"] = Value::Object(files);
            }
            (name.to_string(), hunt)
        })
        .collect();
    Value::Object(hunts)
}

fn story(shared: &Shared<'_>, outputs: &[PartOutput], i: usize) -> Value {
    let story = &shared.stories[i];
    let matching: Vec<&Row> = shared
        .planted
        .iter()
        .filter(|r| (story.matches)(r))
        .collect();
    let by_actor: Map<_, _> = story
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
    let alert_ids: Vec<&String> = outputs.iter().flat_map(|o| &o.alert_ids[i]).collect();
    let behavior_ids: Vec<&String> = outputs.iter().flat_map(|o| &o.behavior_ids[i]).collect();
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
            "ids": alert_ids,
            "ServiceSource": story.alert.service,
            "Title": story.alert.title,
            "Category": story.alert.category,
            "Severity": story.alert.severity,
            "Timestamp": world::iso(story.alert.at),
        },
        "behavior_ids": behavior_ids,
    })
}
