//! DataSecurityEvents rows: one user activity on one file.

use serde_json::json;

use super::rng::{Picker, Rng};
use super::rows::{boolean, int, s, time, Row, Value};
use super::world::{self, User, LABELS};

pub(crate) const TABLE: &str = "DataSecurityEvents";

pub(crate) const UPLOAD: &str = "FileUploadedToCloud";
pub(crate) const USB_COPY: &str = "FileCopiedToRemovableMedia";

/// Background activity mix: (ActionType, weight).
const ACTIONS: &[(&str, u32)] = &[
    ("FileRead", 30),
    ("FileCreated", 12),
    ("FileModified", 15),
    (UPLOAD, 10),
    (USB_COPY, 4),
    ("FilePrinted", 6),
    ("FileCopiedToNetworkShare", 4),
    ("FileRenamed", 4),
    ("FileDeleted", 4),
    ("FileArchived", 3),
    ("EmailSent", 6),
    ("SensitivityLabelDowngraded", 2),
    ("SensitivityLabelRemoved", 1),
    ("FileDownloaded", 5),
];
const ACTION_WEIGHTS: &[u32] = &[30, 12, 15, 10, 4, 6, 4, 4, 4, 3, 6, 2, 1, 5];

const DOMAINS: &[(&str, u32)] = &[
    ("contoso.sharepoint.com", 30),
    ("contoso-my.sharepoint.com", 15),
    ("drive.google.com", 8),
    ("mail.google.com", 8),
    ("dropbox.com", 6),
    ("www.dropbox.com", 3),
    ("wetransfer.com", 3),
    ("box.com", 3),
    ("github.com", 4),
    ("onedrive.live.com", 4),
];

const SENSITIVE_INFO_TYPES: &[(&str, &str)] = &[
    ("50842eb7-edc8-4019-85dd-5a5c1f2bb085", "Credit Card Number"),
    (
        "a44669fe-0d48-453d-a9b1-2cc83f2cba77",
        "U.S. Social Security Number (SSN)",
    ),
    (
        "e7dc4711-11b7-4cb0-b88b-2c394a771f0e",
        "International Banking Account Number (IBAN)",
    ),
    (
        "cb353f78-2b72-4c3c-8827-92ebe4f69fdf",
        "U.S. / U.K. Passport Number",
    ),
];

/// Personal mail domains (outside the tenant).
pub(crate) const PERSONAL_MAIL: &[&str] = &["gmail.com", "outlook.com", "yahoo.com", "proton.me"];

const PRINTERS: &[&str] = &[
    "HP LaserJet M507 (Floor 3)",
    "Canon iR-ADV C5535 (Reception)",
    "Microsoft Print to PDF",
];

const USB_DEVICES: &[(&str, &str)] = &[
    ("SanDisk", "Ultra USB 3.0"),
    ("Kingston", "DataTraveler Exodia"),
    ("Samsung", "Portable SSD T7"),
];

/// Background activity of one part on one day: `count` events of `users`
/// (drawn by `picker`), skipping any event that `excluded` claims (so that
/// planted stories keep exact counts) and users who have left by `day`.
pub(crate) fn background_day(
    rng: &mut Rng,
    users: &[&User],
    picker: &Picker,
    day: i64,
    count: usize,
    excluded: &dyn Fn(&Row) -> bool,
    out: &mut Vec<Row>,
) {
    let target = out.len() + count;
    let mut attempts = 0usize;
    while out.len() < target && attempts < count * 4 + 64 {
        attempts += 1;
        let user = users[picker.pick(rng)];
        if day > user.last_day {
            continue;
        }
        let ts = world::working_time(rng, user, day);
        let action = ACTIONS[rng.weighted(ACTION_WEIGHTS)].0;
        let row = event(rng, user, ts, action);
        if !excluded(&row) {
            out.push(row);
        }
    }
}

/// One event of `user` at `ts`, with details that fit the action.
pub(crate) fn event(rng: &mut Rng, user: &User, ts: i64, action: &'static str) -> Row {
    let mut row = common(rng, user, ts, action);
    match action {
        UPLOAD => upload(rng, &mut row),
        USB_COPY => usb_copy(rng, &mut row),
        "FilePrinted" => set(&mut row, "PrinterName", s(*rng.pick(PRINTERS))),
        "FileCopiedToNetworkShare" => network_share(&mut row),
        "EmailSent" => email(rng, user, &mut row),
        "SensitivityLabelDowngraded" | "SensitivityLabelRemoved" => relabel(rng, &mut row),
        "FileDownloaded" => sharepoint(rng, user, &mut row),
        "FileRenamed" => rename(rng, &mut row),
        _ => {}
    }
    row.insert("IrmActionCategory", s(category(action)));
    row
}

fn set(row: &mut Row, column: &'static str, value: Value) {
    row.insert(column, value);
}

fn common(rng: &mut Rng, user: &User, ts: i64, action: &'static str) -> Row {
    let ext = world::random_extension(rng);
    let name = world::file_name(rng, ext);
    let mut row = Row::default();
    row.insert("Timestamp", time(ts));
    row.insert("ActionType", s(action));
    row.insert("Operation", s(action));
    row.insert("AccountUpn", s(&user.upn));
    row.insert("AccountObjectId", s(&user.object_id));
    row.insert("ObjectId", s(world::local_path(user, &name)));
    row.insert("ObjectName", s(name));
    row.insert("ObjectType", s("File"));
    row.insert("ObjectSize", int(rng.range(2_000, 40_000_000)));
    row.insert("ActivityId", s(rng.guid()));
    row.insert("IsHidden", boolean(false));
    row.insert("UserAlternateEmails", s(""));
    device(rng, user, &mut row);
    labels(rng, &mut row);
    row
}

/// Device columns; a few percent of events lack the device name or department.
fn device(rng: &mut Rng, user: &User, row: &mut Row) {
    let department = if rng.chance(0.03) {
        ""
    } else {
        user.department
    };
    row.insert("Department", s(department));
    if !rng.chance(0.02) {
        row.insert("DeviceName", s(&user.device_name));
    }
    row.insert("DeviceId", s(&user.device_id));
    row.insert("AadDeviceId", s(&user.aad_device_id));
    row.insert("IsManagedDevice", boolean(!rng.chance(0.1)));
    let ip = if rng.chance(0.02) {
        String::new()
    } else {
        user.ip.clone()
    };
    row.insert("IPAddress", s(ip));
    let app = *rng.pick(&[
        "msedge.exe",
        "chrome.exe",
        "explorer.exe",
        "WINWORD.EXE",
        "EXCEL.EXE",
    ]);
    row.insert("ApplicationNames", s(app));
    row.insert("DeviceSourceLocationType", int(1));
}

/// A sensitivity label on some files, sensitive info types on fewer.
fn labels(rng: &mut Rng, row: &mut Row) {
    if rng.chance(0.45) {
        let label = LABELS[rng.weighted(&[2, 10, 5, 2])].1;
        row.insert("SensitivityLabelId", s(label));
    }
    if rng.chance(0.25) {
        row.insert("SensitiveInfoTypeInfo", s(sensitive_info(rng)));
    }
}

pub(crate) fn sensitive_info(rng: &mut Rng) -> String {
    let n = rng.range(1, 2) as usize;
    let items: Vec<_> = (0..n)
        .map(|i| {
            let (id, name) = SENSITIVE_INFO_TYPES[(rng.below(4) as usize + i) % 4];
            json!({
                "SensitiveInfoTypeId": id,
                "SensitiveInfoTypeName": name,
                "Count": rng.range(1, 40),
                "Confidence": *rng.pick(&[65, 75, 85]),
                "ClassifierType": "Entity",
            })
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

fn upload(rng: &mut Rng, row: &mut Row) {
    let weights: Vec<u32> = DOMAINS.iter().map(|d| d.1).collect();
    let domain = DOMAINS[rng.weighted(&weights)].0;
    let domain = match rng.below(40) {
        0 => String::new(),
        1 | 2 => mixed_case(domain),
        _ => domain.to_string(),
    };
    row.insert("ExternalUrlDomains", s(domain));
    row.insert("DeviceDestinationLocationType", int(4));
}

/// `mail.google.com` -> `Mail.Google.Com`.
pub(crate) fn mixed_case(domain: &str) -> String {
    domain
        .split('.')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(".")
}

pub(crate) fn usb_copy(rng: &mut Rng, row: &mut Row) {
    let (maker, model) = *rng.pick(USB_DEVICES);
    let serial = rng.hex(12).to_ascii_uppercase();
    let info = json!({
        "Manufacturer": maker,
        "Model": model,
        "SerialNumber": serial,
        "BusType": "USB",
        "Capacity": 64_000_000_000u64,
    });
    row.insert("RemovableMediaInfo", s(info.to_string()));
    row.insert("RemovableMediaManufacturer", s(maker));
    row.insert("RemovableMediaModel", s(model));
    row.insert("RemovableMediaSerialNumber", s(serial));
    row.insert("DeviceDestinationLocationType", int(2));
}

fn network_share(row: &mut Row) {
    let name = match row.get("ObjectName") {
        Some(Value::Str(name)) => name.clone(),
        _ => String::new(),
    };
    row.insert(
        "ObjectId",
        s(format!("\\\\fs01.contoso.com\\shared\\{name}")),
    );
    row.insert("DeviceDestinationLocationType", int(3));
}

fn email(rng: &mut Rng, user: &User, row: &mut Row) {
    let recipient = if rng.chance(0.03) {
        let local = user.upn.split('@').next().unwrap_or_default();
        format!("{local}.private@{}", rng.pick(PERSONAL_MAIL))
    } else if rng.chance(0.3) {
        format!("partner{}@fabrikam.com", rng.range(1, 9))
    } else {
        format!("team{}@contoso.com", rng.range(1, 9))
    };
    let subject = format!(
        "FW: {}",
        rng.pick(&["Q3 numbers", "Draft", "Contract", "Notes"])
    );
    row.insert("RecipientEmailAddress", s(recipient));
    row.insert("EmailSubject", s(subject));
    row.insert("NetworkMessageId", s(rng.guid()));
    let sender = user.upn.split('@').next().unwrap_or_default();
    row.insert(
        "InternetMessageId",
        s(format!("<{}.{sender}@contoso.com>", rng.hex(16))),
    );
    row.insert("ApplicationNames", s("Outlook"));
}

fn relabel(rng: &mut Rng, row: &mut Row) {
    let previous = LABELS[rng.range(2, 3) as usize].1;
    row.insert("PreviousSensitivityLabelId", s(previous));
    let removed =
        matches!(row.get("ActionType"), Some(Value::Str(a)) if a == "SensitivityLabelRemoved");
    let now = if removed {
        ""
    } else {
        LABELS[rng.range(0, 1) as usize].1
    };
    row.insert("SensitivityLabelId", s(now));
}

fn sharepoint(rng: &mut Rng, user: &User, row: &mut Row) {
    let site = format!(
        "https://contoso.sharepoint.com/sites/{}",
        user.department.replace(' ', "")
    );
    let name = match row.get("ObjectName") {
        Some(Value::Str(name)) => name.clone(),
        _ => String::new(),
    };
    row.insert("SiteUrl", s(&site));
    row.insert("SourceRelativeUrl", s("Shared Documents"));
    row.insert("ObjectId", s(format!("{site}/Shared Documents/{name}")));
    row.insert("ApplicationNames", s("SharePoint Online"));
    row.insert("DeviceSourceLocationType", int(4));
    if rng.chance(0.3) {
        row.insert("SharepointSiteSensitivityLabelIds", s(LABELS[1].1));
    }
}

fn rename(rng: &mut Rng, row: &mut Row) {
    let old = world::file_name(rng, ".docx");
    row.insert(
        "FileRenameInfo",
        s(json!({ "OldFileName": old }).to_string()),
    );
}

fn category(action: &str) -> &'static str {
    match action {
        UPLOAD | USB_COPY | "FilePrinted" | "FileCopiedToNetworkShare" | "EmailSent" => {
            "Exfiltration"
        }
        "SensitivityLabelDowngraded"
        | "SensitivityLabelRemoved"
        | "FileRenamed"
        | "FileArchived" => "Obfuscation",
        "FileDeleted" => "Deletion",
        "FileDownloaded" => "Collection",
        _ => "Other",
    }
}

/// Text of a string cell (empty when unset).
pub(crate) fn text<'a>(row: &'a Row, column: &str) -> &'a str {
    match row.get(column) {
        Some(Value::Str(v)) => v.as_str(),
        _ => "",
    }
}

/// The time of a row, in ns.
pub(crate) fn timestamp(row: &Row) -> i64 {
    match row.get("Timestamp") {
        Some(Value::Time(t)) => *t,
        _ => 0,
    }
}
