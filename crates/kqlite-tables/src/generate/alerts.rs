//! AlertInfo and AlertEvidence rows: background alerts from several Defender
//! services, and one alert per planted story with its user and file evidence.

use serde_json::json;

use super::events::{text, timestamp};
use super::rng::Rng;
use super::rows::{int, s, time, Row, Value};
use super::stories::{Story, StoryAlert};
use super::world::{self, User};

pub(crate) const INFO: &str = "AlertInfo";
pub(crate) const EVIDENCE: &str = "AlertEvidence";

/// (ServiceSource, DetectionSource, Title, Category, AttackTechniques, id prefix)
const TEMPLATES: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "Microsoft Defender for Endpoint",
        "EDR",
        "Suspicious PowerShell command line",
        "Execution",
        "Command and Scripting Interpreter (T1059)",
        "da",
    ),
    (
        "Microsoft Defender for Endpoint",
        "Antivirus",
        "'Wacatac' malware was prevented",
        "Malware",
        "",
        "da",
    ),
    (
        "Microsoft Defender for Office 365",
        "Microsoft Defender for Office 365",
        "Email messages containing malicious URL removed after delivery",
        "InitialAccess",
        "Phishing (T1566)",
        "fa",
    ),
    (
        "Microsoft Data Loss Prevention",
        "Microsoft Data Loss Prevention",
        "DLP policy match: Protect financial data",
        "Exfiltration",
        "",
        "dl",
    ),
    (
        "Microsoft Insider Risk Management",
        "Insider risk management",
        "Risky browser usage",
        "SuspiciousActivity",
        "",
        "ir",
    ),
    (
        "Microsoft Defender for Cloud Apps",
        "Microsoft Defender for Cloud Apps",
        "Impossible travel activity",
        "InitialAccess",
        "Valid Accounts (T1078)",
        "ca",
    ),
];

const SEVERITIES: &[(&str, u32)] = &[("Informational", 2), ("Low", 4), ("Medium", 3), ("High", 1)];

#[derive(Default)]
pub(crate) struct Alerts {
    pub info: Vec<Row>,
    pub evidence: Vec<Row>,
}

fn alert_id(rng: &mut Rng, prefix: &str) -> String {
    match prefix {
        "da" => format!(
            "da{}",
            100_000_000_000_000_000 + rng.below(899_999_999_999_999_999)
        ),
        "ca" => format!("ca{}", rng.hex(32)),
        _ => format!("{prefix}{}", rng.guid()),
    }
}

fn techniques(technique: &str) -> String {
    if technique.is_empty() {
        return String::new();
    }
    json!([technique]).to_string()
}

/// Background alerts: `count` alerts with one to three evidence rows each.
/// Insider-risk alerts never name `irm_actors` (their alerts are the stories').
pub(crate) fn background(
    rng: &mut Rng,
    users: &[&User],
    count: usize,
    irm_actors: &[&str],
    out: &mut Alerts,
) {
    if users.is_empty() {
        return;
    }
    for _ in 0..count {
        let template = *rng.pick(TEMPLATES);
        let user = loop {
            let user = *rng.pick(users);
            let story_actor = irm_actors.contains(&user.upn.as_str());
            if !(story_actor && template.5 == "ir") {
                break user;
            }
        };
        let severity = SEVERITIES[rng.weighted(&[2, 4, 3, 1])].0;
        let day = world::working_day(rng, user.last_day);
        let alert = StoryAlert {
            service: template.0,
            detection: template.1,
            title: template.2,
            category: template.3,
            severity,
            technique: template.4,
            at: world::working_time(rng, user, day),
        };
        let id = alert_id(rng, template.5);
        push_alert(&id, &alert, out);
        push_user(&id, &alert, user, out);
        for _ in 0..rng.range(0, 2) {
            let ext = world::random_extension(rng);
            let name = world::file_name(rng, ext);
            let size = rng.range(1_000, 9_000_000);
            let file = file_evidence(rng, user, &name, size);
            push_evidence(&id, &alert, file, out);
        }
    }
}

/// The alert about one story, with the user, device and up to `max_files`
/// files of the story's events as evidence. Returns the alert id.
pub(crate) fn story_alert(
    rng: &mut Rng,
    story: &Story,
    actor: &User,
    events: &[Row],
    out: &mut Alerts,
) -> String {
    let prefix = if story.alert.service.contains("Insider") {
        "ir"
    } else {
        "dl"
    };
    let id = alert_id(rng, prefix);
    push_alert(&id, &story.alert, out);
    push_user(&id, &story.alert, actor, out);
    push_device(&id, &story.alert, actor, out);
    let mine = events
        .iter()
        .filter(|r| (story.matches)(r) && text(r, "AccountUpn") == actor.upn)
        .filter(|r| timestamp(r) < story.alert.at);
    for event in mine.take(12) {
        let size = match event.get("ObjectSize") {
            Some(Value::Int(n)) => *n,
            _ => 0,
        };
        let file = file_evidence(rng, actor, text(event, "ObjectName"), size);
        push_evidence(&id, &story.alert, file, out);
    }
    id
}

fn push_alert(id: &str, alert: &StoryAlert, out: &mut Alerts) {
    let mut row = Row::default();
    row.insert("Timestamp", time(alert.at));
    row.insert("AlertId", s(id));
    row.insert("Title", s(alert.title));
    row.insert("Category", s(alert.category));
    row.insert("Severity", s(alert.severity));
    row.insert("ServiceSource", s(alert.service));
    row.insert("DetectionSource", s(alert.detection));
    row.insert("AttackTechniques", s(techniques(alert.technique)));
    out.info.push(row);
}

/// Columns every evidence row of an alert repeats.
fn push_evidence(id: &str, alert: &StoryAlert, mut row: Row, out: &mut Alerts) {
    row.insert("Timestamp", time(alert.at));
    row.insert("AlertId", s(id));
    row.insert("Title", s(alert.title));
    row.insert("Categories", s(json!([alert.category]).to_string()));
    row.insert("AttackTechniques", s(techniques(alert.technique)));
    row.insert("ServiceSource", s(alert.service));
    row.insert("DetectionSource", s(alert.detection));
    row.insert("Severity", s(alert.severity));
    row.entry("AdditionalFields").or_insert_with(|| s("{}"));
    out.evidence.push(row);
}

fn push_user(id: &str, alert: &StoryAlert, user: &User, out: &mut Alerts) {
    let mut row = Row::default();
    let (name, domain) = user.upn.split_once('@').unwrap_or((&user.upn, ""));
    row.insert("EntityType", s("User"));
    row.insert("EvidenceRole", s("Impacted"));
    row.insert("AccountName", s(name));
    row.insert("AccountDomain", s(domain));
    row.insert("AccountObjectId", s(&user.object_id));
    row.insert("AccountUpn", s(&user.upn));
    let extra = json!({ "DisplayName": user.display, "Department": user.department });
    row.insert("AdditionalFields", s(extra.to_string()));
    push_evidence(id, alert, row, out);
}

fn push_device(id: &str, alert: &StoryAlert, user: &User, out: &mut Alerts) {
    let mut row = Row::default();
    row.insert("EntityType", s("Machine"));
    row.insert("EvidenceRole", s("Impacted"));
    row.insert("DeviceId", s(&user.device_id));
    row.insert("DeviceName", s(&user.device_name));
    row.insert("LocalIP", s(&user.ip));
    push_evidence(id, alert, row, out);
}

fn file_evidence(rng: &mut Rng, user: &User, name: &str, size: i64) -> Row {
    let mut row = Row::default();
    let path = world::local_path(user, name);
    let folder = path.rsplit_once('\\').map(|p| p.0).unwrap_or_default();
    row.insert("EntityType", s("File"));
    row.insert("EvidenceRole", s("Related"));
    row.insert("FileName", s(name));
    row.insert("FolderPath", s(folder));
    row.insert("SHA1", s(rng.hex(40)));
    row.insert("SHA256", s(rng.hex(64)));
    row.insert("FileSize", int(size));
    row.insert("AccountUpn", s(&user.upn));
    row.insert("DeviceName", s(&user.device_name));
    row
}
