//! DataSecurityBehaviors rows: one behaviour per user, day and kind of
//! exfiltration-like activity, summarising the matching events (so the
//! behaviours agree with DataSecurityEvents).

use std::collections::BTreeMap;

use serde_json::json;

use super::events::{text, timestamp, UPLOAD, USB_COPY};
use super::rng::Rng;
use super::rows::{boolean, int, s, time, Row};
use super::stories::Story;
use super::world::{self, NS};

pub(crate) const TABLE: &str = "DataSecurityBehaviors";

/// (event ActionType, behaviour ActionType, technique)
const KINDS: &[(&str, &str, &str)] = &[
    (
        UPLOAD,
        "FilesUploadedToCloud",
        "Exfiltration Over Web Service (T1567)",
    ),
    (
        USB_COPY,
        "FilesCopiedToRemovableMedia",
        "Exfiltration Over Physical Medium (T1052)",
    ),
    ("FilePrinted", "FilesPrinted", ""),
    (
        "SensitivityLabelDowngraded",
        "SensitivityLabelsDowngraded",
        "",
    ),
];

/// A group of events that becomes one behaviour.
struct Group<'a> {
    kind: &'static (&'static str, &'static str, &'static str),
    events: Vec<&'a Row>,
}

/// Behaviours for `events` (one part's events of one or more whole days);
/// adds the ids of each story's behaviours to `story_ids`.
pub(crate) fn summarise(
    rng: &mut Rng,
    events: &[Row],
    stories: &[Story],
    out: &mut Vec<Row>,
    story_ids: &mut [Vec<String>],
) {
    for group in groups(events).values() {
        let id = rng.guid();
        let mut in_story = false;
        for (ids, story) in story_ids.iter_mut().zip(stories) {
            if group.events.iter().any(|r| (story.matches)(r)) {
                ids.push(id.clone());
                in_story = true;
            }
        }
        let anomalous = in_story || group.events.len() >= 8;
        out.push(behaviour(rng, &id, group, anomalous));
    }
}

type GroupKey = (String, i64, &'static str);

fn groups(events: &[Row]) -> BTreeMap<GroupKey, Group<'_>> {
    let mut groups: BTreeMap<GroupKey, Group<'_>> = BTreeMap::new();
    for row in events {
        let action = text(row, "ActionType");
        let Some(kind) = KINDS.iter().find(|k| k.0 == action) else {
            continue;
        };
        let day = (timestamp(row) / NS - world::MONTH_START_S).div_euclid(86_400);
        let key = (text(row, "AccountUpn").to_string(), day, kind.1);
        let group = groups.entry(key).or_insert(Group {
            kind,
            events: Vec::new(),
        });
        group.events.push(row);
    }
    groups
}

fn behaviour(rng: &mut Rng, id: &str, group: &Group<'_>, anomalous: bool) -> Row {
    let first = group.events[0];
    let upn = text(first, "AccountUpn");
    let start = group.events.iter().map(|r| timestamp(r)).min().unwrap_or(0);
    let end = group.events.iter().map(|r| timestamp(r)).max().unwrap_or(0);
    let month_end = world::at(world::DAYS - 1, 23, 59, 59);
    let count = group.events.len();
    let mut row = Row::default();
    row.insert("Timestamp", time((end + 1_800 * NS).min(month_end)));
    row.insert("BehaviorId", s(id));
    row.insert("ActionType", s(group.kind.1));
    row.insert("StartTime", time(start));
    row.insert("EndTime", time(end));
    let technique = group.kind.2;
    let techniques = if technique.is_empty() {
        String::new()
    } else {
        json!([technique]).to_string()
    };
    row.insert("AttackTechniques", s(techniques));
    let category = if group.kind.0 == "SensitivityLabelDowngraded" {
        "Obfuscation"
    } else {
        "Exfiltration"
    };
    row.insert("Categories", s(json!([category]).to_string()));
    row.insert("ActionCategory", s(category));
    row.insert("Description", s(describe(group.kind.1, count, upn)));
    row.insert("ServiceSource", s("Microsoft Insider Risk Management"));
    row.insert("DetectionSource", s("Insider risk management"));
    row.insert("ActivityCount", int(count as i64));
    row.insert("IsAnomalous", boolean(anomalous));
    row.insert("IsContentHidden", boolean(rng.chance(0.03)));
    row.insert("AccountUpn", s(upn));
    row.insert("AccountEmail", s(upn));
    row.insert("Application", s("Endpoint"));
    details(group, &mut row);
    row
}

fn describe(kind: &str, count: usize, upn: &str) -> String {
    let (one, many, done) = match kind {
        "FilesUploadedToCloud" => ("file", "files", "uploaded to cloud services"),
        "FilesCopiedToRemovableMedia" => ("file", "files", "copied to removable media"),
        "FilesPrinted" => ("file", "files", "printed"),
        _ => ("sensitivity label", "sensitivity labels", "downgraded"),
    };
    let noun = if count == 1 { one } else { many };
    format!("{count} {noun} {done} by {upn}")
}

/// The dynamic columns: per-value counts over the group's events.
fn details(group: &Group<'_>, row: &mut Row) {
    let first = group.events[0];
    let device =
        json!({ "DeviceName": text(first, "DeviceName"), "DeviceId": text(first, "DeviceId") });
    row.insert("DeviceInfo", s(device.to_string()));
    row.insert("Policies", s("Data leaks"));
    row.insert(
        "PolicyInfo",
        s(json!([{ "PolicyName": "Data leaks" }]).to_string()),
    );
    let labels = counts(group, "SensitivityLabelId", "LabelId");
    if labels != "[]" {
        row.insert("SensitivityLabelInfo", s(labels));
    }
    match group.kind.0 {
        UPLOAD => row.insert(
            "UrlDomainInfo",
            s(counts(group, "ExternalUrlDomains", "Domain")),
        ),
        USB_COPY => row.insert("RemovableMediaInfo", s(text(first, "RemovableMediaInfo"))),
        "FilePrinted" => row.insert("PrinterName", s(names(group, "PrinterName"))),
        _ => None,
    };
}

/// `[{"<key>": value, "Count": n}, ...]` over the non-empty values of `column`.
fn counts(group: &Group<'_>, column: &str, key: &str) -> String {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for row in &group.events {
        let value = text(row, column);
        if !value.is_empty() {
            *counts.entry(value).or_default() += 1;
        }
    }
    let items: Vec<_> = counts
        .into_iter()
        .map(|(v, n)| json!({ key: v, "Count": n }))
        .collect();
    serde_json::Value::Array(items).to_string()
}

fn names(group: &Group<'_>, column: &str) -> String {
    let mut values: Vec<&str> = group.events.iter().map(|r| text(r, column)).collect();
    values.sort_unstable();
    values.dedup();
    json!(values).to_string()
}
