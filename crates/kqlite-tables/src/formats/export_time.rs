//! Datetimes as exports write them in text: ISO 8601 (the streaming API, Graph), and the
//! portal's CSV download, `Oct 9, 2024 2:41:10 PM` with no offset, in the time zone of the
//! browser that downloaded it, and `Invalid date` where the value was empty.

use std::fmt;
use std::str::FromStr;

use chrono::{FixedOffset, NaiveDateTime, TimeZone};
use chrono_tz::Tz;

use super::cell::parse_datetime;

/// What the portal writes for an empty datetime.
const INVALID_DATE: &str = "Invalid date";

/// The forms of a local time without an offset, US order first (the portal's).
const LOCAL_FORMATS: &[&str] = &[
    "%b %d, %Y %I:%M:%S%.f %p",
    "%b %d, %Y %I:%M %p",
    "%b %d, %Y %H:%M:%S%.f",
    "%m/%d/%Y, %I:%M:%S%.f %p",
    "%m/%d/%Y %I:%M:%S%.f %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S%.f",
    "%m/%d/%Y %H:%M",
];

/// The time zone in which an export's zone-less datetimes are read (`--export-tz`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExportZone {
    /// Not given: UTC, and the output says it was assumed.
    #[default]
    AssumedUtc,
    Named(Tz),
    Fixed(FixedOffset),
}

impl FromStr for ExportZone {
    type Err = String;

    /// An IANA name (`Europe/Paris`, `UTC`) or an offset (`+02:00`, `-0530`).
    fn from_str(text: &str) -> Result<ExportZone, String> {
        if let Ok(offset) = text.parse::<FixedOffset>() {
            return Ok(ExportZone::Fixed(offset));
        }
        text.parse::<Tz>().map(ExportZone::Named).map_err(|_| {
            format!("unknown time zone {text:?}: give an IANA name such as Europe/Paris, or an offset such as +02:00")
        })
    }
}

impl fmt::Display for ExportZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExportZone::AssumedUtc => write!(f, "UTC"),
            ExportZone::Named(tz) => write!(f, "{tz}"),
            ExportZone::Fixed(offset) => write!(f, "{offset}"),
        }
    }
}

/// A datetime read from text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextTime {
    /// Empty, or the portal's `Invalid date`.
    Null,
    /// With an offset or `Z`, or ISO text (taken as UTC as Kusto does).
    Absolute(i64),
    /// A local time without an offset, placed in the export's zone.
    Local(i64),
}

/// Reads `text` as a datetime of an export downloaded in `zone`.
pub(crate) fn parse_export_time(text: &str, zone: ExportZone) -> Option<TextTime> {
    let text = text.trim();
    if text.is_empty() || text == INVALID_DATE {
        return Some(TextTime::Null);
    }
    if let Some(ns) = parse_datetime(text) {
        return Some(TextTime::Absolute(ns));
    }
    let local = LOCAL_FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())?;
    in_zone(local, zone).map(TextTime::Local)
}

/// Nanoseconds since the epoch of `local` in `zone`; a time that a clock change skips is
/// refused, and one it repeats is the earlier.
fn in_zone(local: NaiveDateTime, zone: ExportZone) -> Option<i64> {
    let utc = match zone {
        ExportZone::AssumedUtc => local.and_utc(),
        ExportZone::Named(tz) => tz.from_local_datetime(&local).earliest()?.to_utc(),
        ExportZone::Fixed(offset) => offset.from_local_datetime(&local).single()?.to_utc(),
    };
    utc.timestamp_nanos_opt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ns(iso: &str) -> i64 {
        parse_datetime(iso).unwrap()
    }

    #[test]
    fn portal_dates_in_the_export_zone() {
        let utc = parse_export_time("Oct 9, 2024 2:41:10 PM", ExportZone::AssumedUtc);
        assert_eq!(utc, Some(TextTime::Local(ns("2024-10-09T14:41:10Z"))));
        let paris: ExportZone = "Europe/Paris".parse().unwrap();
        let local = parse_export_time("Oct 9, 2024 2:41:10 PM", paris);
        assert_eq!(local, Some(TextTime::Local(ns("2024-10-09T12:41:10Z"))));
        let offset: ExportZone = "-05:00".parse().unwrap();
        let midnight = parse_export_time("Jan 1, 2025 12:00:00 AM", offset);
        assert_eq!(midnight, Some(TextTime::Local(ns("2025-01-01T05:00:00Z"))));
        // A browser's own en-US form, and 24-hour times.
        let browser = parse_export_time("10/9/2024, 2:41:10 PM", ExportZone::AssumedUtc);
        assert_eq!(browser, Some(TextTime::Local(ns("2024-10-09T14:41:10Z"))));
        let day = parse_export_time("Oct 9, 2024 14:41:10.250", ExportZone::AssumedUtc);
        assert_eq!(day, Some(TextTime::Local(ns("2024-10-09T14:41:10.25Z"))));
    }

    #[test]
    fn invalid_date_is_null_and_iso_keeps_its_zone() {
        let zone: ExportZone = "Asia/Tokyo".parse().unwrap();
        assert_eq!(
            parse_export_time("Invalid date", zone),
            Some(TextTime::Null)
        );
        let iso = parse_export_time("2024-10-09T14:41:10.1234567Z", zone);
        assert_eq!(
            iso,
            Some(TextTime::Absolute(ns("2024-10-09T14:41:10.1234567Z")))
        );
        assert_eq!(parse_export_time("yesterday", zone), None);
        assert!("Mars/Olympus".parse::<ExportZone>().is_err());
    }
}
