//! The Defender tables the hunts join with, filled as the same activity seen
//! by other products: DeviceFileEvents (endpoint), CloudAppEvents (Defender
//! for Cloud Apps) and EmailEvents (Defender for Office 365) mirror the
//! DataSecurityEvents of a day; EmailEvents also gets inbound mail.

use serde_json::json;

use super::events::{text, timestamp, UPLOAD, USB_COPY};
use super::rng::{Picker, Rng};
use super::rows::{boolean, int, s, time, Row, Value};
use super::world::{self, User};

pub(crate) const FILE_EVENTS: &str = "DeviceFileEvents";
pub(crate) const CLOUD_APP_EVENTS: &str = "CloudAppEvents";
pub(crate) const EMAIL_EVENTS: &str = "EmailEvents";

/// The other products' rows for one day of DataSecurityEvents.
#[derive(Default)]
pub(crate) struct Mirrors {
    pub files: Vec<Row>,
    pub cloud: Vec<Row>,
    pub mail: Vec<Row>,
}

pub(crate) fn mirror(rng: &mut Rng, events: &[Row], out: &mut Mirrors) {
    for event in events {
        match text(event, "ActionType") {
            "FileCreated" | "FileModified" | "FileRenamed" | "FileDeleted" => {
                let action = text(event, "ActionType");
                out.files.push(file_event(rng, event, action, None));
            }
            USB_COPY => {
                let path = format!("E:\\Backup\\{}", text(event, "ObjectName"));
                out.files
                    .push(file_event(rng, event, "FileCreated", Some(path)));
            }
            UPLOAD => out
                .cloud
                .push(cloud_event(rng, event, "FileUploaded", "Upload")),
            "FileDownloaded" => {
                out.cloud
                    .push(cloud_event(rng, event, "FileDownloaded", "Download"))
            }
            "EmailSent" => out.mail.push(sent_mail(rng, event)),
            _ => {}
        }
    }
}

fn file_event(rng: &mut Rng, event: &Row, action: &str, path: Option<String>) -> Row {
    let upn = text(event, "AccountUpn");
    let (name, domain) = upn.split_once('@').unwrap_or((upn, ""));
    let mut row = Row::default();
    copy(
        event,
        &mut row,
        &[("Timestamp", "Timestamp"), ("DeviceId", "DeviceId")],
    );
    copy(event, &mut row, &[("DeviceName", "DeviceName")]);
    row.insert("ActionType", s(action));
    row.insert("FileName", s(text(event, "ObjectName")));
    let path = path.unwrap_or_else(|| text(event, "ObjectId").to_string());
    row.insert("FolderPath", s(path));
    row.insert("SHA1", s(rng.hex(40)));
    row.insert("SHA256", s(rng.hex(64)));
    if let Some(Value::Int(size)) = event.get("ObjectSize") {
        row.insert("FileSize", int(*size));
    }
    row.insert("InitiatingProcessAccountDomain", s(domain));
    row.insert("InitiatingProcessAccountName", s(name));
    row.insert("InitiatingProcessAccountUpn", s(upn));
    copy(
        event,
        &mut row,
        &[("InitiatingProcessAccountObjectId", "AccountObjectId")],
    );
    let process = text(event, "ApplicationNames");
    row.insert("InitiatingProcessFileName", s(process));
    row.insert(
        "InitiatingProcessFolderPath",
        s(format!("c:\\windows\\{}", process.to_ascii_lowercase())),
    );
    row.insert("ReportId", int(rng.range(1, 2_000_000)));
    let label = if text(event, "SensitivityLabelId").is_empty() {
        ""
    } else {
        "Labelled"
    };
    row.insert("SensitivityLabel", s(label));
    row.insert(
        "AdditionalFields",
        s(json!({ "FileType": extension(text(event, "ObjectName")) }).to_string()),
    );
    row
}

fn extension(name: &str) -> String {
    name.rsplit_once('.')
        .map(|p| p.1.to_ascii_uppercase())
        .unwrap_or_default()
}

fn copy(from: &Row, to: &mut Row, columns: &[(&'static str, &'static str)]) {
    for (dst, src) in columns {
        if let Some(value) = from.get(src) {
            to.insert(dst, value.clone());
        }
    }
}

/// Defender for Cloud Apps' name and id of the app behind a domain.
fn application(domain: &str) -> (&'static str, i64) {
    match domain.to_ascii_lowercase().as_str() {
        "drive.google.com" => ("Google Drive", 10489),
        "mail.google.com" => ("Gmail", 10895),
        "dropbox.com" | "www.dropbox.com" => ("Dropbox", 11627),
        "box.com" => ("Box", 10489),
        "wetransfer.com" => ("WeTransfer", 25466),
        "github.com" => ("GitHub", 11770),
        "onedrive.live.com" => ("Microsoft OneDrive (personal)", 12437),
        "mega.nz" => ("MEGA", 13374),
        "" => ("", 0),
        _ => ("Microsoft SharePoint Online", 20892),
    }
}

fn cloud_event(rng: &mut Rng, event: &Row, action: &str, activity: &str) -> Row {
    let (app, app_id) = application(text(event, "ExternalUrlDomains"));
    let (app, app_id) = if action == "FileDownloaded" {
        ("Microsoft SharePoint Online", 20892)
    } else {
        (app, app_id)
    };
    let mut row = Row::default();
    copy(
        event,
        &mut row,
        &[
            ("Timestamp", "Timestamp"),
            ("AccountObjectId", "AccountObjectId"),
        ],
    );
    copy(
        event,
        &mut row,
        &[
            ("AccountId", "AccountObjectId"),
            ("AccountDisplayName", "AccountUpn"),
        ],
    );
    copy(
        event,
        &mut row,
        &[("IPAddress", "IPAddress"), ("ObjectName", "ObjectName")],
    );
    row.insert("ActionType", s(action));
    row.insert("Application", s(app));
    row.insert("ApplicationId", int(app_id));
    row.insert("IsAdminOperation", boolean(false));
    row.insert("DeviceType", s("Desktop"));
    row.insert("OSPlatform", s("Windows 11"));
    row.insert("CountryCode", s("US"));
    row.insert(
        "UserAgent",
        s("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Edg/140.0"),
    );
    row.insert("ActivityType", s(activity));
    let object = text(event, "ObjectName");
    let objects = json!([{ "Type": "File", "Name": object, "Role": "Target" }]);
    row.insert("ActivityObjects", s(objects.to_string()));
    row.insert("ObjectType", s("File"));
    row.insert("ObjectId", s(text(event, "ObjectId")));
    row.insert("ReportId", s(rng.guid()));
    row.insert("AccountType", s("Regular"));
    row.insert("IsExternalUser", boolean(false));
    let raw =
        json!({ "Operation": action, "UserId": text(event, "AccountUpn"), "ObjectId": object });
    row.insert("RawEventData", s(raw.to_string()));
    row.insert("AdditionalFields", s("{}"));
    row.insert("AuditSource", s("Defender for Cloud Apps access control"));
    row
}

fn sent_mail(rng: &mut Rng, event: &Row) -> Row {
    let upn = text(event, "AccountUpn");
    let recipient = text(event, "RecipientEmailAddress");
    let domain = recipient.rsplit_once('@').map(|p| p.1).unwrap_or_default();
    let direction = if domain == "contoso.com" {
        "Intra-org"
    } else {
        "Outbound"
    };
    let mut row = mail(
        rng,
        timestamp(event),
        upn,
        "contoso.com",
        recipient,
        direction,
    );
    copy(event, &mut row, &[("NetworkMessageId", "NetworkMessageId")]);
    copy(
        event,
        &mut row,
        &[
            ("InternetMessageId", "InternetMessageId"),
            ("Subject", "EmailSubject"),
        ],
    );
    copy(event, &mut row, &[("SenderObjectId", "AccountObjectId")]);
    row.insert("AttachmentCount", int(1));
    row
}

fn mail(
    rng: &mut Rng,
    ts: i64,
    sender: &str,
    sender_domain: &str,
    to: &str,
    direction: &str,
) -> Row {
    let mut row = Row::default();
    let to_domain = to.rsplit_once('@').map(|p| p.1).unwrap_or_default();
    row.insert("Timestamp", time(ts));
    row.insert("NetworkMessageId", s(rng.guid()));
    row.insert("SenderFromAddress", s(sender));
    row.insert("SenderMailFromAddress", s(sender));
    row.insert("SenderFromDomain", s(sender_domain));
    row.insert("SenderMailFromDomain", s(sender_domain));
    row.insert(
        "SenderIPv4",
        s(format!(
            "40.107.{}.{}",
            rng.range(1, 250),
            rng.range(1, 250)
        )),
    );
    row.insert("RecipientEmailAddress", s(to));
    row.insert("RecipientDomain", s(to_domain));
    row.insert("EmailDirection", s(direction));
    row.insert("DeliveryAction", s("Delivered"));
    row.insert(
        "DeliveryLocation",
        s(if direction == "Outbound" {
            "External"
        } else {
            "Inbox/folder"
        }),
    );
    row.insert("AttachmentCount", int(0));
    row.insert("UrlCount", int(rng.range(0, 3)));
    row.insert("EmailSize", int(rng.range(4_000, 9_000_000)));
    row.insert("EmailLanguage", s("en"));
    row.insert("ReportId", s(rng.guid()));
    let auth = json!({ "SPF": "pass", "DKIM": "pass", "DMARC": "pass" });
    row.insert("AuthenticationDetails", s(auth.to_string()));
    row
}

const SENDERS: &[(&str, u32)] = &[
    ("fabrikam.com", 30),
    ("northwindtraders.com", 20),
    ("news.linkedin.com", 15),
    ("gmail.com", 10),
    ("adatum.com", 10),
    ("m1cros0ft-support.com", 2),
];
const SENDER_WEIGHTS: &[u32] = &[30, 20, 15, 10, 10, 2];

/// `count` inbound mails on `day` to the part's users; a few are phish or spam.
pub(crate) fn inbound(
    rng: &mut Rng,
    users: &[&User],
    picker: &Picker,
    day: i64,
    count: usize,
    out: &mut Vec<Row>,
) {
    for _ in 0..count {
        let user = users[picker.pick(rng)];
        let domain = SENDERS[rng.weighted(SENDER_WEIGHTS)].0;
        let local = if domain == "gmail.com" {
            format!("someone{}", rng.range(1, 999))
        } else {
            "info".to_string()
        };
        let sender = format!("{local}@{domain}");
        let ts = world::working_time(rng, user, day);
        let mut row = mail(rng, ts, &sender, domain, &user.upn, "Inbound");
        row.insert("RecipientObjectId", s(&user.object_id));
        row.insert(
            "Subject",
            s(*rng.pick(&[
                "Invoice",
                "Weekly digest",
                "Meeting notes",
                "Action required: verify your account",
            ])),
        );
        row.insert("AttachmentCount", int(rng.range(0, 2)));
        if domain.starts_with("m1cros0ft") {
            row.insert("ThreatTypes", s("Phish"));
            row.insert("DeliveryAction", s("Blocked"));
            row.insert("DeliveryLocation", s("Quarantine"));
        }
        out.push(row);
    }
}
