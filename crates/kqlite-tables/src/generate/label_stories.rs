//! The stories of sensitivity labels, added for the hunting pack: printing of labelled
//! documents, and a label downgrade just before exfiltration to a rare destination.

use super::events::{self, text, timestamp, UPLOAD};
use super::rng::Rng;
use super::rows::{int, s, Row};
use super::stories::{irm_policy, Story, StoryAlert, IRM};
use super::world::{self, at, find, User, CONFIDENTIAL, ISAIAH, LABELS, LIDIA};

const HIGHLY_CONFIDENTIAL: &str = "0b7fb9c5-4b2e-49a4-8a1f-9cc5e6d9a39a";
const GENERAL: &str = "f42aa342-8706-4288-bd11-ebb85995028c";
/// The two days of the printing story (2025-09-16 and 2025-09-17).
const PRINT_DAYS: [i64; 2] = [15, 16];
/// The day of the downgrade story (2025-09-18).
const DOWNGRADE_DAY: i64 = 17;
/// A personal file-sharing service the rest of the tenant never uses.
pub(crate) const RARE_DOMAIN: &str = "mega.nz";

pub(crate) fn printing_story() -> Story {
    Story {
        id: "labelled_documents_printed",
        description: "lidia.holloway prints 38 Highly Confidential documents over two evenings \
                      (2025-09-16 and 2025-09-17)",
        actors: &[LIDIA],
        kql: "DataSecurityEvents | where ActionType == 'FilePrinted' \
              and AccountUpn == 'lidia.holloway@contoso.com' \
              and Timestamp between (datetime(2025-09-16) .. datetime(2025-09-18)) \
              and SensitivityLabelId in ('8ad3cc82-c6e4-4d64-bd95-bad52d1d2bb8', \
              '0b7fb9c5-4b2e-49a4-8a1f-9cc5e6d9a39a') | summarize Files = count() by AccountUpn",
        matches: labelled_print,
        alert: StoryAlert {
            service: IRM,
            detection: "Insider risk management",
            title: "Data leaks: printing of sensitive documents",
            category: "Exfiltration",
            severity: "Medium",
            technique: "Data from Local System (T1005)",
            at: at(17, 8, 30, 0),
        },
    }
}

pub(crate) fn downgrade_story() -> Story {
    Story {
        id: "label_downgrade_then_exfiltration",
        description: "isaiah.langer downgrades 9 Highly Confidential files to General on \
                      2025-09-18, then uploads each to mega.nz within the hour",
        actors: &[ISAIAH],
        kql: "DataSecurityEvents | where (ActionType == 'SensitivityLabelDowngraded' \
              and AccountUpn == 'isaiah.langer@contoso.com' \
              and Timestamp between (datetime(2025-09-18) .. datetime(2025-09-18T23:59:59)))\
               or (ActionType == 'FileUploadedToCloud' and ExternalUrlDomains =~ 'mega.nz') \
              | summarize Files = count() by AccountUpn",
        matches: downgrade_or_rare_upload,
        alert: StoryAlert {
            service: IRM,
            detection: "Insider risk management",
            title: "Data leaks: sensitivity label downgraded before exfiltration",
            category: "Exfiltration",
            severity: "High",
            technique: "Exfiltration to Cloud Storage (T1567.002)",
            at: at(18, 3, 0, 0),
        },
    }
}

fn day_of(row: &Row) -> i64 {
    (timestamp(row) / world::NS - world::MONTH_START_S).div_euclid(86_400)
}

fn labelled_print(row: &Row) -> bool {
    let label = text(row, "SensitivityLabelId");
    text(row, "ActionType") == "FilePrinted"
        && text(row, "AccountUpn") == LIDIA
        && (label == CONFIDENTIAL || label == HIGHLY_CONFIDENTIAL)
        && PRINT_DAYS.contains(&day_of(row))
}

fn downgrade_or_rare_upload(row: &Row) -> bool {
    let action = text(row, "ActionType");
    let downgrade = action == "SensitivityLabelDowngraded"
        && text(row, "AccountUpn") == ISAIAH
        && day_of(row) == DOWNGRADE_DAY;
    let rare =
        action == UPLOAD && text(row, "ExternalUrlDomains").eq_ignore_ascii_case(RARE_DOMAIN);
    downgrade || rare
}

pub(crate) fn plant_printing(rng: &mut Rng, users: &[User], out: &mut Vec<Row>) {
    let lidia = find(users, LIDIA);
    for i in 0..38 {
        let day = PRINT_DAYS[i % 2];
        // Evenings: 17:00-22:59 UTC, inside the story's UTC days.
        let ts = at(day, 17, 0, 0) + rng.range(0, 6 * 3_600 - 1) * world::NS;
        let mut row = events::event(rng, lidia, ts, "FilePrinted");
        let ext = *rng.pick(&[".docx", ".pdf", ".pptx"]);
        let name = world::file_name(rng, ext);
        row.insert("ObjectId", s(world::local_path(lidia, &name)));
        row.insert("ObjectName", s(name));
        row.insert("SensitivityLabelId", s(HIGHLY_CONFIDENTIAL));
        row.insert("PrinterName", s("HP LaserJet M507 (Floor 3)"));
        row.insert("IrmPolicyMatchInfo", s(irm_policy("Data leaks")));
        out.push(row);
    }
}

const FALCON: &[&str] = &[
    "Acquisition Terms",
    "Valuation Model",
    "Due Diligence Findings",
    "Board Approval",
    "Synergy Plan",
    "Key Staff Retention",
    "Integration Timeline",
    "Financing Options",
    "Negotiation Positions",
];

pub(crate) fn plant_downgrade(rng: &mut Rng, users: &[User], out: &mut Vec<Row>) {
    let isaiah = find(users, ISAIAH);
    for (i, topic) in FALCON.iter().enumerate() {
        let name = format!("Project Falcon - {topic}.docx");
        let hour = 10 + i as i64 / 2;
        let ts = at(
            DOWNGRADE_DAY,
            hour - isaiah.utc_offset,
            rng.range(0, 29),
            rng.range(0, 59),
        );
        let mut downgrade = events::event(rng, isaiah, ts, "SensitivityLabelDowngraded");
        set_file(&mut downgrade, isaiah, &name);
        downgrade.insert("PreviousSensitivityLabelId", s(HIGHLY_CONFIDENTIAL));
        downgrade.insert("SensitivityLabelId", s(GENERAL));
        let later = ts + rng.range(5 * 60, 50 * 60) * world::NS;
        let mut upload = events::event(rng, isaiah, later, UPLOAD);
        set_file(&mut upload, isaiah, &name);
        upload.insert("SensitivityLabelId", s(GENERAL));
        upload.insert("ExternalUrlDomains", s(RARE_DOMAIN));
        upload.insert("ApplicationNames", s("msedge.exe"));
        upload.insert("ObjectSize", int(rng.range(80_000, 3_000_000)));
        out.push(downgrade);
        out.push(upload);
    }
    debug_assert_eq!(LABELS[1].1, GENERAL);
}

fn set_file(row: &mut Row, user: &User, name: &str) {
    row.insert("ObjectId", s(world::local_path(user, name)));
    row.insert("ObjectName", s(name));
}
