//! The planted insider-risk stories: their events, and the predicate that
//! recognises a story's events in the generated data (used both to keep
//! background noise out of a story and to count it for `truth.json`).

use serde_json::json;

use super::events::{self, text, timestamp, UPLOAD, USB_COPY};
use super::rng::Rng;
use super::rows::{int, s, Row};
use super::world::{self, at, find, User, ADELE, ALEX, CONFIDENTIAL, DIEGO, MEGAN};

pub(crate) struct Story {
    pub id: &'static str,
    pub description: &'static str,
    pub actors: &'static [&'static str],
    /// A KQL query whose result is the story's events.
    pub kql: &'static str,
    pub matches: fn(&Row) -> bool,
    /// The alert raised about the story (filled in by `alerts`).
    pub alert: StoryAlert,
}

pub(crate) struct StoryAlert {
    pub service: &'static str,
    pub detection: &'static str,
    pub title: &'static str,
    pub category: &'static str,
    pub severity: &'static str,
    pub technique: &'static str,
    /// When the alert fires.
    pub at: i64,
}

pub(crate) const IRM: &str = "Microsoft Insider Risk Management";
const DLP: &str = "Microsoft Data Loss Prevention";

pub(crate) fn stories() -> Vec<Story> {
    vec![
        personal_cloud_story(),
        departing_story(),
        gmail_story(),
        super::label_stories::printing_story(),
        super::label_stories::downgrade_story(),
    ]
}

fn personal_cloud_story() -> Story {
    Story {
        id: "personal_cloud_zip_uploads",
        description: "megan.bowen uploads .zip archives to her personal Google Drive \
                      in the last week of September",
        actors: &[MEGAN],
        kql: "DataSecurityEvents | where Timestamp >= datetime(2025-09-24) \
              and ActionType == 'FileUploadedToCloud' and ExternalUrlDomains =~ 'drive.google.com' \
              and ObjectName endswith '.zip' | summarize Files = count() by AccountUpn",
        matches: personal_cloud_zip,
        alert: StoryAlert {
            service: IRM,
            detection: "Insider risk management",
            title: "Data leaks: archives uploaded to personal cloud storage",
            category: "Exfiltration",
            severity: "High",
            technique: "Exfiltration to Cloud Storage (T1567.002)",
            at: at(29, 2, 10, 0),
        },
    }
}

fn departing_story() -> Story {
    Story {
        id: "departing_user_usb_copies",
        description: "adele.vance copies files to a USB stick in her last week \
                      (2025-09-22 .. 2025-09-26) before leaving",
        actors: &[ADELE],
        kql:
            "DataSecurityEvents | where Timestamp between (datetime(2025-09-22) .. \
              datetime(2025-09-27)) and ActionType == 'FileCopiedToRemovableMedia' \
              and AccountUpn == 'adele.vance@contoso.com' | summarize Files = count() by AccountUpn",
        matches: departing_usb,
        alert: StoryAlert {
            service: IRM,
            detection: "Insider risk management",
            title: "Data theft by departing user",
            category: "Exfiltration",
            severity: "High",
            technique: "Exfiltration Over Physical Medium (T1052)",
            at: at(26, 9, 5, 0),
        },
    }
}

fn gmail_story() -> Story {
    Story {
        id: "confidential_files_to_gmail",
        description: "two users send Confidential-labelled files through mail.google.com",
        actors: &[ALEX, DIEGO],
        kql: "DataSecurityEvents | where ActionType == 'FileUploadedToCloud' \
              and ExternalUrlDomains =~ 'mail.google.com' \
              and SensitivityLabelId == '8ad3cc82-c6e4-4d64-bd95-bad52d1d2bb8' \
              | summarize Files = count() by AccountUpn",
        matches: confidential_gmail,
        alert: StoryAlert {
            service: DLP,
            detection: "Microsoft Data Loss Prevention",
            title: "DLP policy match: Confidential files uploaded to personal email",
            category: "Exfiltration",
            severity: "Medium",
            technique: "Exfiltration Over Web Service (T1567)",
            at: at(29, 11, 0, 0),
        },
    }
}

/// Any user's .zip upload to Google Drive in the last week: the background
/// makes none, so the story's KQL finds megan.bowen alone.
fn personal_cloud_zip(row: &Row) -> bool {
    text(row, "ActionType") == UPLOAD
        && text(row, "ExternalUrlDomains").eq_ignore_ascii_case("drive.google.com")
        && text(row, "ObjectName")
            .to_ascii_lowercase()
            .ends_with(".zip")
        && timestamp(row) >= at(23, 0, 0, 0)
}

fn departing_usb(row: &Row) -> bool {
    let ts = timestamp(row);
    text(row, "AccountUpn") == ADELE
        && text(row, "ActionType") == USB_COPY
        && (at(21, 0, 0, 0)..at(26, 0, 0, 0)).contains(&ts)
}

fn confidential_gmail(row: &Row) -> bool {
    text(row, "ActionType") == UPLOAD
        && text(row, "ExternalUrlDomains").eq_ignore_ascii_case("mail.google.com")
        && text(row, "SensitivityLabelId") == CONFIDENTIAL
}

/// Every story's events (and the departing user's mails to a personal address).
pub(crate) fn plant(rng: &mut Rng, users: &[User]) -> Vec<Row> {
    let mut out = Vec::new();
    plant_personal_cloud(rng, find(users, MEGAN), &mut out);
    plant_departing(rng, find(users, ADELE), &mut out);
    plant_gmail(rng, find(users, ALEX), 31, &mut out);
    plant_gmail(rng, find(users, DIEGO), 23, &mut out);
    super::label_stories::plant_printing(rng, users, &mut out);
    super::label_stories::plant_downgrade(rng, users, &mut out);
    out
}

pub(crate) fn irm_policy(name: &str) -> String {
    json!([{ "PolicyId": "5d1c2f0e-6b1e-4f7a-9c55-2f3b8a0e4d11", "PolicyName": name }]).to_string()
}

fn plant_personal_cloud(rng: &mut Rng, megan: &User, out: &mut Vec<Row>) {
    for i in 0..46 {
        let day = 23 + (i % 6);
        let ts = world::working_time(rng, megan, day);
        let mut row = events::event(rng, megan, ts, UPLOAD);
        let ext = if i % 8 == 3 { ".ZIP" } else { ".zip" };
        let stem = rng.pick(&["export", "backup", "clients", "campaign-assets"]);
        let name = format!("{stem}-{i:02}{ext}");
        let domain = if i % 6 == 1 {
            "Drive.Google.com"
        } else {
            "drive.google.com"
        };
        row.insert("ObjectId", s(world::local_path(megan, &name)));
        row.insert("ObjectName", s(name));
        row.insert("ExternalUrlDomains", s(domain));
        row.insert("ObjectSize", int(rng.range(150_000_000, 400_000_000)));
        row.insert("ApplicationNames", s("chrome.exe"));
        row.insert("IrmPolicyMatchInfo", s(irm_policy("Data leaks")));
        out.push(row);
    }
}

fn plant_departing(rng: &mut Rng, adele: &User, out: &mut Vec<Row>) {
    let serial = rng.hex(12).to_ascii_uppercase();
    for i in 0..212 {
        let day = 21 + (i % 5);
        let ts = world::working_time(rng, adele, day);
        let mut row = events::event(rng, adele, ts, USB_COPY);
        row.insert("RemovableMediaManufacturer", s("SanDisk"));
        row.insert("RemovableMediaModel", s("Ultra USB 3.0"));
        row.insert("RemovableMediaSerialNumber", s(&serial));
        let info = json!({ "Manufacturer": "SanDisk", "Model": "Ultra USB 3.0",
            "SerialNumber": serial, "BusType": "USB", "Capacity": 128_000_000_000u64 });
        row.insert("RemovableMediaInfo", s(info.to_string()));
        row.insert(
            "IrmPolicyMatchInfo",
            s(irm_policy("Data theft by departing users")),
        );
        out.push(row);
    }
    plant_personal_mail(rng, adele, out);
}

/// Fifteen mails with a file attached to the departing user's own personal address.
fn plant_personal_mail(rng: &mut Rng, adele: &User, out: &mut Vec<Row>) {
    for i in 0..15 {
        let ts = world::working_time(rng, adele, 21 + i % 5);
        let mut row = events::event(rng, adele, ts, "EmailSent");
        row.insert("RecipientEmailAddress", s("adele.vance.home@gmail.com"));
        row.insert("EmailSubject", s("stuff"));
        out.push(row);
    }
}

fn plant_gmail(rng: &mut Rng, user: &User, count: usize, out: &mut Vec<Row>) {
    for i in 0..count {
        let day = world::working_day(rng, world::DAYS - 2);
        let ts = world::working_time(rng, user, day);
        let mut row = events::event(rng, user, ts, UPLOAD);
        let ext = *rng.pick(&[".docx", ".pdf", ".xlsx"]);
        let name = world::file_name(rng, ext);
        let domain = if i % 7 == 2 {
            "Mail.Google.com"
        } else {
            "mail.google.com"
        };
        row.insert("ObjectId", s(world::local_path(user, &name)));
        row.insert("ObjectName", s(name));
        row.insert("ExternalUrlDomains", s(domain));
        row.insert("SensitivityLabelId", s(CONFIDENTIAL));
        row.insert("SensitiveInfoTypeInfo", s(events::sensitive_info(rng)));
        row.insert("ApplicationNames", s("msedge.exe"));
        out.push(row);
    }
}
