//! One part of the export: every table's rows for one slice of the users, for
//! the whole month, written day by day in time order to
//! `<Table>/part-NNNN.parquet`. Parts share nothing but read-only inputs, so
//! they run in parallel; each draws from its own random stream.

use std::path::Path;

use super::alerts::{self, Alerts};
use super::behaviors;
use super::defender::{self, Mirrors};
use super::events::{self, text, timestamp};
use super::identity;
use super::rng::{Picker, Rng};
use super::rows::Row;
use super::stories::Story;
use super::world::{self, User, DAYS};
use super::writer::{PartWriter, Written};
use crate::error::TableError;

/// Relative activity of a weekend day (weekdays are 100).
const WEEKEND: u64 = 8;

/// Inputs shared by every part.
pub(crate) struct Shared<'a> {
    pub out: &'a Path,
    pub seed: u64,
    pub users: &'a [User],
    pub stories: &'a [Story],
    /// The planted rows of every story.
    pub planted: &'a [Row],
    pub parts: usize,
    /// Background rows of the whole export.
    pub events: usize,
    pub alerts: usize,
    pub inbound_mails: usize,
    /// Actors of insider-risk stories (kept out of background IRM alerts).
    pub irm_actors: &'a [&'a str],
}

/// What one part wrote and which story rows it made.
pub(crate) struct PartOutput {
    pub written: Vec<Written>,
    /// Per story: alert ids, behaviour ids.
    pub alert_ids: Vec<Vec<String>>,
    pub behavior_ids: Vec<Vec<String>>,
}

/// The users of part `part`: every `parts`-th user.
fn part_users<'a>(shared: &Shared<'a>, part: usize) -> Vec<&'a User> {
    shared
        .users
        .iter()
        .skip(part)
        .step_by(shared.parts)
        .collect()
}

/// This part's share of `total`, in proportion to its users' weights.
fn share(total: usize, part_weight: u64, all_weight: u64) -> usize {
    (total as u128 * u128::from(part_weight) / u128::from(all_weight.max(1))) as usize
}

fn day_weight(day: i64) -> u64 {
    if world::is_weekend(day) {
        WEEKEND
    } else {
        100
    }
}

/// Splits `total` over the month's days in proportion to weekday activity.
fn per_day(total: usize) -> Vec<usize> {
    let weights: Vec<u64> = (0..DAYS).map(day_weight).collect();
    let all: u64 = weights.iter().sum();
    let mut before = 0u64;
    weights
        .iter()
        .map(|w| {
            let start = total as u128 * u128::from(before) / u128::from(all);
            before += w;
            let end = total as u128 * u128::from(before) / u128::from(all);
            (end - start) as usize
        })
        .collect()
}

struct Writers {
    events: PartWriter,
    behaviors: PartWriter,
    files: PartWriter,
    cloud: PartWriter,
    mail: PartWriter,
}

impl Writers {
    fn new(out: &Path, part: usize) -> Writers {
        Writers {
            events: PartWriter::new(out, events::TABLE, part),
            behaviors: PartWriter::new(out, behaviors::TABLE, part),
            files: PartWriter::new(out, defender::FILE_EVENTS, part),
            cloud: PartWriter::new(out, defender::CLOUD_APP_EVENTS, part),
            mail: PartWriter::new(out, defender::EMAIL_EVENTS, part),
        }
    }

    fn finish(self, written: &mut Vec<Written>) -> Result<(), TableError> {
        let all = [
            self.events,
            self.behaviors,
            self.files,
            self.cloud,
            self.mail,
        ];
        for writer in all {
            written.extend(writer.finish()?);
        }
        Ok(())
    }
}

pub(crate) fn generate(shared: &Shared<'_>, part: usize) -> Result<PartOutput, TableError> {
    let users = part_users(shared, part);
    let mine: Vec<&str> = users.iter().map(|u| u.upn.as_str()).collect();
    let planted: Vec<&Row> = shared
        .planted
        .iter()
        .filter(|r| mine.contains(&text(r, "AccountUpn")))
        .collect();
    let mut out = PartOutput {
        written: Vec::new(),
        alert_ids: vec![Vec::new(); shared.stories.len()],
        behavior_ids: vec![Vec::new(); shared.stories.len()],
    };
    let mut writers = Writers::new(shared.out, part);
    days(shared, part, &users, &planted, &mut writers, &mut out)?;
    writers.finish(&mut out.written)?;
    let mut rng = Rng::for_part(shared.seed, 2, part as u64);
    alerts_part(&mut rng, shared, part, &users, &mut out)?;
    identities(&mut rng, shared.out, part, &users, &mut out.written)?;
    Ok(out)
}

fn days(
    shared: &Shared<'_>,
    part: usize,
    users: &[&User],
    planted: &[&Row],
    writers: &mut Writers,
    out: &mut PartOutput,
) -> Result<(), TableError> {
    let picker = Picker::new(users.iter().map(|u| u.weight));
    let all_weight: u64 = shared.users.iter().map(|u| u64::from(u.weight)).sum();
    let events = per_day(share(shared.events, picker.total(), all_weight));
    let inbound = per_day(share(shared.inbound_mails, picker.total(), all_weight));
    let mut rng = Rng::for_part(shared.seed, 1, part as u64);
    let in_story = |row: &Row| shared.stories.iter().any(|s| (s.matches)(row));
    for day in 0..DAYS {
        let start = world::at(day, 0, 0, 0);
        let end = world::at(day + 1, 0, 0, 0);
        let mut rows: Vec<Row> = planted
            .iter()
            .filter(|r| (start..end).contains(&timestamp(r)))
            .map(|r| (*r).clone())
            .collect();
        let count = events[day as usize];
        events::background_day(&mut rng, users, &picker, day, count, &in_story, &mut rows);
        rows.sort_by_key(timestamp);
        let mut behaviors = Vec::new();
        behaviors::summarise(
            &mut rng,
            &rows,
            shared.stories,
            &mut behaviors,
            &mut out.behavior_ids,
        );
        let mut mirrors = Mirrors::default();
        defender::mirror(&mut rng, &rows, &mut mirrors);
        let mails = inbound[day as usize];
        defender::inbound(&mut rng, users, &picker, day, mails, &mut mirrors.mail);
        writers.events.extend(rows)?;
        writers.behaviors.extend(sorted(behaviors))?;
        writers.files.extend(sorted(mirrors.files))?;
        writers.cloud.extend(sorted(mirrors.cloud))?;
        writers.mail.extend(sorted(mirrors.mail))?;
    }
    Ok(())
}

fn sorted(mut rows: Vec<Row>) -> Vec<Row> {
    rows.sort_by_key(timestamp);
    rows
}

fn alerts_part(
    rng: &mut Rng,
    shared: &Shared<'_>,
    part: usize,
    users: &[&User],
    out: &mut PartOutput,
) -> Result<(), TableError> {
    let mut alerts = Alerts::default();
    let all_users = shared.users.len().max(1);
    let count = shared.alerts * users.len() / all_users;
    alerts::background(rng, users, count, shared.irm_actors, &mut alerts);
    for (i, story) in shared.stories.iter().enumerate() {
        for upn in story.actors {
            let Some(actor) = users.iter().find(|u| u.upn == *upn) else {
                continue;
            };
            let id = alerts::story_alert(rng, story, actor, shared.planted, &mut alerts);
            out.alert_ids[i].push(id);
        }
    }
    let mut info = PartWriter::new(shared.out, alerts::INFO, part);
    info.extend(sorted(alerts.info))?;
    let mut evidence = PartWriter::new(shared.out, alerts::EVIDENCE, part);
    evidence.extend(sorted(alerts.evidence))?;
    out.written.extend(info.finish()?);
    out.written.extend(evidence.finish()?);
    Ok(())
}

fn identities(
    rng: &mut Rng,
    out: &Path,
    part: usize,
    users: &[&User],
    written: &mut Vec<Written>,
) -> Result<(), TableError> {
    let mut writer = PartWriter::new(out, identity::TABLE, part);
    for user in users {
        writer.push(identity::account(rng, user))?;
    }
    written.extend(writer.finish()?);
    Ok(())
}
