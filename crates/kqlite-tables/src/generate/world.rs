//! The fictional tenant: users, devices, labels, the calendar and file names.

use super::rng::Rng;

/// 2025-09-01T00:00:00Z in seconds since the Unix epoch. 2025-09-01 is a Monday.
pub(crate) const MONTH_START_S: i64 = 1_756_684_800;
/// The sample covers September 2025: days `0..DAYS`.
pub(crate) const DAYS: i64 = 30;
pub(crate) const NS: i64 = 1_000_000_000;

pub(crate) const MEGAN: &str = "megan.bowen@contoso.com";
pub(crate) const ADELE: &str = "adele.vance@contoso.com";
pub(crate) const ALEX: &str = "alex.wilber@contoso.com";
pub(crate) const DIEGO: &str = "diego.siciliani@contoso.com";

/// Adele's last working day (Friday 2025-09-26) as a day index.
pub(crate) const ADELE_LAST_DAY: i64 = 25;

const PEOPLE: &[(&str, &str, &str)] = &[
    ("megan", "bowen", "Marketing"),
    ("adele", "vance", "Retail"),
    ("alex", "wilber", "Marketing"),
    ("diego", "siciliani", "HR"),
    ("grady", "archie", "R&D"),
    ("henrietta", "mueller", "R&D"),
    ("isaiah", "langer", "Sales"),
    ("johanna", "lorenz", "Engineering"),
    ("joni", "sherman", "Legal"),
    ("lee", "gu", "Manufacturing"),
    ("lidia", "holloway", "Engineering"),
    ("lynne", "robbins", "Retail"),
    ("miriam", "graham", "Executive Management"),
    ("nestor", "wilke", "Operations"),
    ("patti", "fernandez", "Executive Management"),
    ("pradeep", "gupta", "Finance"),
    ("christie", "cline", "Sales"),
    ("enrico", "cattaneo", "Finance"),
    ("irvin", "sayers", "Sales"),
    ("debra", "berger", "Executive Management"),
];

/// Sensitivity labels: (name, id).
pub(crate) const LABELS: &[(&str, &str)] = &[
    ("Public", "87ba5c36-b7cf-4793-bbc2-bd5b3a9f95ca"),
    ("General", "f42aa342-8706-4288-bd11-ebb85995028c"),
    ("Confidential", "8ad3cc82-c6e4-4d64-bd95-bad52d1d2bb8"),
    (
        "Highly Confidential",
        "0b7fb9c5-4b2e-49a4-8a1f-9cc5e6d9a39a",
    ),
];
pub(crate) const CONFIDENTIAL: &str = "8ad3cc82-c6e4-4d64-bd95-bad52d1d2bb8";

pub(crate) struct User {
    pub upn: String,
    pub display: String,
    pub department: &'static str,
    pub object_id: String,
    pub device_name: String,
    pub device_id: String,
    pub aad_device_id: String,
    pub ip: String,
    /// Hours east of UTC of the user's working day.
    pub utc_offset: i64,
    /// Relative activity (skewed: a few users do most of the work).
    pub weight: u32,
}

pub(crate) fn users(rng: &mut Rng) -> Vec<User> {
    PEOPLE
        .iter()
        .enumerate()
        .map(|(i, person)| user(rng, i, person))
        .collect()
}

fn user(rng: &mut Rng, i: usize, &(first, last, department): &(&str, &str, &'static str)) -> User {
    let upn = format!("{first}.{last}@contoso.com");
    User {
        display: format!("{} {}", capitalise(first), capitalise(last)),
        department,
        object_id: rng.guid(),
        device_name: format!("{}{}-lt{:02}.contoso.com", &first[..1], last, i + 1),
        device_id: rng.hex(40),
        aad_device_id: rng.guid(),
        ip: format!("10.20.{}.{}", 1 + i / 8, 10 + rng.below(200)),
        utc_offset: *rng.pick(&[-7, -5, -5, 0, 1, 1, 2]),
        weight: activity_weight(i),
        upn,
    }
}

/// Zipf-like activity over a fixed shuffle of the users, so that the story
/// actors (the first users) are neither the busiest nor the quietest.
fn activity_weight(i: usize) -> u32 {
    let rank = (i * 7 + 5) % PEOPLE.len();
    (60 / (rank as u32 + 1)).max(2)
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

pub(crate) fn find<'a>(users: &'a [User], upn: &str) -> &'a User {
    users
        .iter()
        .find(|u| u.upn == upn)
        .expect("story actors are tenant users")
}

pub(crate) fn is_weekend(day: i64) -> bool {
    day % 7 >= 5
}

/// Nanoseconds since the epoch of `day` (0 = 2025-09-01) at the given UTC time.
pub(crate) fn at(day: i64, hour: i64, minute: i64, second: i64) -> i64 {
    (MONTH_START_S + day * 86_400 + hour * 3_600 + minute * 60 + second) * NS
}

/// A time on `day` in the user's local working hours (now and then late
/// evening), kept inside the sample month.
pub(crate) fn working_time(rng: &mut Rng, user: &User, day: i64) -> i64 {
    let local_hour = if rng.chance(0.06) {
        rng.range(19, 23)
    } else {
        rng.range(8, 17)
    };
    let ns = at(
        day,
        local_hour - user.utc_offset,
        rng.range(0, 59),
        rng.range(0, 59),
    );
    let ns = ns + rng.range(0, 999) * 1_000_000;
    ns.clamp(at(0, 0, 0, 0), at(DAYS - 1, 23, 59, 59))
}

/// A day for ordinary activity: mostly weekdays, never after `last_day`.
pub(crate) fn working_day(rng: &mut Rng, last_day: i64) -> i64 {
    loop {
        let day = rng.range(0, last_day);
        if !is_weekend(day) || rng.chance(0.08) {
            return day;
        }
    }
}

/// ISO 8601 text of a time in the sample month (or the first of October).
pub(crate) fn iso(ns: i64) -> String {
    let secs = ns.div_euclid(NS) - MONTH_START_S;
    let (day, rest) = (secs / 86_400, secs % 86_400);
    let (month, dom) = if day < DAYS {
        (9, day + 1)
    } else {
        (10, day - DAYS + 1)
    };
    let (h, m, s) = (rest / 3_600, rest % 3_600 / 60, rest % 60);
    format!("2025-{month:02}-{dom:02}T{h:02}:{m:02}:{s:02}Z")
}

const STEMS: &[&str] = &[
    "Q3 Forecast",
    "Budget 2026",
    "Customer List",
    "Product Roadmap",
    "Board Deck",
    "Payroll Sept",
    "Design Spec",
    "Supplier Contract",
    "Price List",
    "Source Export",
    "Performance Review",
    "Sales Pipeline",
    "Merger Notes",
    "Patent Draft",
    "Invoice 4471",
    "Team Offsite",
    "Campaign Brief",
    "Onboarding Guide",
];

pub(crate) const EXTENSIONS: &[(&str, u32)] = &[
    (".docx", 30),
    (".xlsx", 25),
    (".pdf", 20),
    (".pptx", 10),
    (".zip", 5),
    (".csv", 6),
    (".txt", 4),
];

/// A file name such as `Q3 Forecast v2.xlsx`; one in twenty has an
/// upper-case extension, so that case-insensitive operators matter.
pub(crate) fn file_name(rng: &mut Rng, ext: &str) -> String {
    let stem = rng.pick(STEMS);
    let version = match rng.below(4) {
        0 => format!(" v{}", rng.range(2, 5)),
        1 => format!("_{}", rng.range(1, 99)),
        _ => String::new(),
    };
    let ext = if rng.chance(0.05) {
        ext.to_ascii_uppercase()
    } else {
        ext.to_string()
    };
    format!("{stem}{version}{ext}")
}

pub(crate) fn random_extension(rng: &mut Rng) -> &'static str {
    let weights: Vec<u32> = EXTENSIONS.iter().map(|e| e.1).collect();
    EXTENSIONS[rng.weighted(&weights)].0
}

/// A local path for a file of `user`.
pub(crate) fn local_path(user: &User, name: &str) -> String {
    let account = user.upn.split('@').next().unwrap_or_default();
    format!("C:\\Users\\{account}\\Documents\\{name}")
}
