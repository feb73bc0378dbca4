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

pub(crate) const LIDIA: &str = "lidia.holloway@contoso.com";
pub(crate) const ISAIAH: &str = "isaiah.langer@contoso.com";

pub(crate) struct User {
    pub upn: String,
    pub display: String,
    pub department: &'static str,
    pub job_title: &'static str,
    pub object_id: String,
    pub device_name: String,
    pub device_id: String,
    pub aad_device_id: String,
    pub ip: String,
    /// Hours east of UTC of the user's working day.
    pub utc_offset: i64,
    /// Relative activity (skewed: a few users do most of the work).
    pub weight: u32,
    /// The last day (index) the user works; earlier than the month's end for leavers.
    pub last_day: i64,
    /// False for accounts disabled by the time of the export (leavers).
    pub enabled: bool,
}

/// The named tenant users, then `extra` generated ones (`first.lastN@contoso.com`).
pub(crate) fn users(rng: &mut Rng, extra: usize) -> Vec<User> {
    let named = PEOPLE
        .iter()
        .enumerate()
        .map(|(i, &(first, last, department))| user(rng, i, first, last, department));
    let mut all: Vec<User> = named.collect();
    for i in PEOPLE.len()..PEOPLE.len() + extra {
        all.push(extra_user(rng, i));
    }
    all
}

fn extra_user(rng: &mut Rng, i: usize) -> User {
    let first = *rng.pick(FIRST_NAMES);
    let last = format!("{}{i}", rng.pick(LAST_NAMES));
    let department = DEPARTMENTS[rng.weighted(DEPARTMENT_WEIGHTS)];
    let mut user = user(rng, i, first, &last, department);
    // The same skew as the named users, drawn rather than fixed.
    user.weight = weight_of_rank(rng.below(PEOPLE.len() as u64) as usize);
    if rng.chance(0.01) {
        // An earlier leaver: active until some day of the month, account disabled since.
        user.enabled = false;
        user.last_day = rng.range(5, DAYS - 2);
    }
    user
}

fn user(rng: &mut Rng, i: usize, first: &str, last: &str, department: &'static str) -> User {
    let upn = format!("{first}.{last}@contoso.com");
    let leaver = upn == ADELE;
    User {
        display: format!("{} {}", capitalise(first), capitalise(last)),
        department,
        job_title: JOB_TITLES[rng.below(JOB_TITLES.len() as u64) as usize],
        object_id: rng.guid(),
        device_name: format!("{}{}-lt{:02}.contoso.com", &first[..1], last, i + 1),
        device_id: rng.hex(40),
        aad_device_id: rng.guid(),
        ip: format!(
            "10.{}.{}.{}",
            20 + i / 2000,
            1 + i / 8 % 250,
            10 + rng.below(200)
        ),
        utc_offset: *rng.pick(&[-7, -5, -5, 0, 1, 1, 2]),
        weight: activity_weight(i),
        last_day: if leaver { ADELE_LAST_DAY } else { DAYS - 1 },
        enabled: !leaver,
        upn,
    }
}

/// Zipf-like activity over a fixed shuffle of the users, so that the story
/// actors (the first users) are neither the busiest nor the quietest.
fn activity_weight(i: usize) -> u32 {
    weight_of_rank((i * 7 + 5) % PEOPLE.len())
}

fn weight_of_rank(rank: usize) -> u32 {
    (60 / (rank as u32 + 1)).max(2)
}

const FIRST_NAMES: &[&str] = &[
    "james", "maria", "wei", "fatima", "olga", "raj", "sofia", "liam", "yuki", "ahmed", "emma",
    "lucas", "chloe", "noah", "amara", "mateo", "ingrid", "kofi", "priya", "tomas",
];
const LAST_NAMES: &[&str] = &[
    "smith", "garcia", "chen", "khan", "novak", "patel", "rossi", "murphy", "tanaka", "hassan",
    "muller", "silva", "dubois", "kowalski", "okafor", "lopez", "berg", "mensah", "iyer", "horvat",
];
const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Engineering",
    "Marketing",
    "Finance",
    "HR",
    "Legal",
    "Operations",
    "R&D",
    "Retail",
    "Manufacturing",
    "Executive Management",
];
const DEPARTMENT_WEIGHTS: &[u32] = &[20, 25, 10, 8, 4, 3, 10, 8, 6, 5, 1];
const JOB_TITLES: &[&str] = &[
    "Account Executive",
    "Software Engineer",
    "Product Manager",
    "Financial Analyst",
    "HR Business Partner",
    "Counsel",
    "Operations Manager",
    "Research Scientist",
    "Store Manager",
    "Director",
    "Marketing Specialist",
];

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
