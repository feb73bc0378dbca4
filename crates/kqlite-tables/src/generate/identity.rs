//! IdentityInfo: one row per account, as of the end of the month. Leavers'
//! accounts are disabled.

use serde_json::json;

use super::rng::Rng;
use super::rows::{boolean, int, s, time, Row};
use super::world::{self, User};

pub(crate) const TABLE: &str = "IdentityInfo";

const CITIES: &[(&str, &str)] = &[
    ("Redmond", "US"),
    ("New York", "US"),
    ("London", "GB"),
    ("Dublin", "IE"),
    ("Berlin", "DE"),
    ("Bangalore", "IN"),
];

pub(crate) fn account(rng: &mut Rng, user: &User) -> Row {
    let mut row = Row::default();
    let (name, domain) = user.upn.split_once('@').unwrap_or((&user.upn, ""));
    let (given, surname) = user.display.split_once(' ').unwrap_or((&user.display, ""));
    let (city, country) = *rng.pick(CITIES);
    row.insert("Timestamp", time(world::at(world::DAYS - 1, 23, 0, 0)));
    row.insert("ReportId", s(rng.guid()));
    row.insert("AccountObjectId", s(&user.object_id));
    row.insert("AccountUpn", s(&user.upn));
    row.insert("AccountDisplayName", s(&user.display));
    row.insert("AccountName", s(name));
    row.insert("AccountDomain", s(domain));
    row.insert("GivenName", s(given));
    row.insert("Surname", s(surname));
    row.insert("Type", s("User"));
    // A few percent of directory entries have no department.
    let department = if rng.chance(0.03) {
        ""
    } else {
        user.department
    };
    row.insert("Department", s(department));
    row.insert("JobTitle", s(user.job_title));
    row.insert("EmailAddress", s(&user.upn));
    row.insert("City", s(city));
    row.insert("Country", s(country));
    row.insert("IsAccountEnabled", boolean(user.enabled));
    row.insert("CriticalityLevel", int(rng.range(0, 4)));
    row.insert("EmployeeId", s(format!("E{:06}", rng.below(1_000_000))));
    row.insert("CompanyName", s("Contoso"));
    row.insert(
        "CreatedDateTime",
        time(world::at(0, 0, 0, 0) - rng.range(30, 3_000) * 86_400 * world::NS),
    );
    if !user.enabled {
        row.insert("DeletedDateTime", time(world::at(user.last_day, 18, 0, 0)));
    }
    let tags = if rng.chance(0.05) {
        json!(["Sensitive"])
    } else {
        json!([])
    };
    row.insert("Tags", s(tags.to_string()));
    row.insert("AssignedRoles", s("[]"));
    let groups = json!([format!("{} Team", user.department), "All Employees"]);
    row.insert("GroupMembership", s(groups.to_string()));
    row.insert(
        "SourceProviders",
        s(json!(["AzureActiveDirectory"]).to_string()),
    );
    row.insert("OtherMailAddresses", s("[]"));
    row
}
