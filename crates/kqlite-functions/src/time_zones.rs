//! `datetime_utc_to_local` and `datetime_local_to_utc`: datetimes moved between UTC and the
//! wall clock of an IANA time zone (`US/Pacific`, `Europe/Paris`).

use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, TimestampNanosecondBuilder};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, TimeUnit, TimestampNanosecondType};
use datafusion::common::Result;

/// Each datetime of `times` in the zone of `zones` (to its wall clock with `to_local`, from
/// it otherwise); null for an unknown zone.
pub fn shift(times: &ArrayRef, zones: &ArrayRef, to_local: bool) -> Result<ArrayRef> {
    let times = cast(times, &DataType::Timestamp(TimeUnit::Nanosecond, None))?;
    let times = times.as_primitive::<TimestampNanosecondType>();
    let zones = cast(zones, &DataType::Utf8)?;
    let zones = zones.as_string::<i32>();
    let mut out = TimestampNanosecondBuilder::new().with_timezone(crate::types::UTC);
    let mut last: Option<(String, Option<Tz>)> = None;
    for i in 0..times.len() {
        let zone = zones.is_valid(i).then(|| zones.value(i));
        let tz = match (&last, zone) {
            (Some((name, tz)), Some(zone)) if name == zone => *tz,
            (_, Some(zone)) => {
                let tz = zone.parse::<Tz>().ok();
                last = Some((zone.to_string(), tz));
                tz
            }
            _ => None,
        };
        let time = times.is_valid(i).then(|| times.value(i));
        let shifted = time.zip(tz).and_then(|(t, tz)| moved(t, tz, to_local));
        out.append_option(shifted);
    }
    Ok(Arc::new(out.finish()))
}

fn moved(nanos: i64, tz: Tz, to_local: bool) -> Option<i64> {
    let naive = DateTime::from_timestamp_nanos(nanos).naive_utc();
    let shifted = match to_local {
        true => tz.from_utc_datetime(&naive).naive_local(),
        false => from_wall_clock(naive, tz)?,
    };
    shifted.and_utc().timestamp_nanos_opt()
}

/// The UTC time of a wall-clock time: the earlier of two in the hour clocks go back, and a
/// time in the hour they skip read as the hour after.
fn from_wall_clock(naive: NaiveDateTime, tz: Tz) -> Option<NaiveDateTime> {
    if let Some(found) = tz.from_local_datetime(&naive).earliest() {
        return Some(found.naive_utc());
    }
    // A wall-clock time the clocks skipped takes the offset in force after the jump (the
    // docs' 02:00 Brussels on 2022-03-27 is 00:00 UTC).
    let after = tz
        .from_local_datetime(&(naive + Duration::hours(1)))
        .earliest()?;
    let offset = after.offset().fix().local_minus_utc();
    Some(naive - Duration::seconds(i64::from(offset)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{StringArray, TimestampNanosecondArray};

    fn at(text: &str) -> i64 {
        let t = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S").unwrap();
        t.and_utc().timestamp_nanos_opt().unwrap()
    }

    #[test]
    fn the_documented_examples() {
        let times: ArrayRef = Arc::new(TimestampNanosecondArray::from(vec![
            at("2020-02-02 20:02:20"),
            at("2020-02-02 20:02:20"),
        ]));
        let zones: ArrayRef = Arc::new(StringArray::from(vec!["US/Pacific", "Nowhere/Else"]));
        let local = shift(&times, &zones, true).unwrap();
        let local = local.as_primitive::<TimestampNanosecondType>();
        assert_eq!(local.value(0), at("2020-02-02 12:02:20"));
        assert!(local.is_null(1));
        let utc = shift(&times, &zones, false).unwrap();
        let utc = utc.as_primitive::<TimestampNanosecondType>();
        assert_eq!(utc.value(0), at("2020-02-03 04:02:20"));
    }
}
