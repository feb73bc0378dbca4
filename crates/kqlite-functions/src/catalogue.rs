//! Every kqlite UDF that a plan can carry to another process (a cluster's scheduler and
//! executors), in a fixed order: a UDF crosses as its position here, and the receiver takes the
//! instance at that position. Both sides run the same kqlite, so the order agrees; a UDF not
//! listed here (a row kernel, a keyed pseudonym) cannot cross, and its part of a plan stays local.

use std::sync::{Arc, OnceLock};

use datafusion::logical_expr::{lit, AggregateUDF, Expr, ScalarUDF};

use crate::convert::{self, Target};
use crate::json_paths::{JsonPaths, PathValue};
use crate::pack::{pack, PackKind};
use crate::regex_match::RegexMatch;
use crate::time::{self, TimeOp, Unit};
use crate::{case_fold, dcount, empty_if_null, percentile};
use crate::{InCi, MatchOp, MvItems, SeriesFill, StringMatch};

const UNITS: [Unit; 11] = [
    Unit::Year,
    Unit::Quarter,
    Unit::Month,
    Unit::Week,
    Unit::Day,
    Unit::Hour,
    Unit::Minute,
    Unit::Second,
    Unit::Millisecond,
    Unit::Microsecond,
    Unit::Nanosecond,
];

const UNIT_OPS: [fn(Unit) -> TimeOp; 5] = [
    TimeOp::StartOf,
    TimeOp::EndOf,
    TimeOp::Add,
    TimeOp::Diff,
    TimeOp::Part,
];

const PLAIN_TIME_OPS: [TimeOp; 13] = [
    TimeOp::DayOfYear,
    TimeOp::Format,
    TimeOp::FormatSpan,
    TimeOp::ParseSpan,
    TimeOp::SpanText,
    TimeOp::DateText,
    TimeOp::DayOfWeek,
    TimeOp::MakeDatetime,
    TimeOp::MakeTimespan,
    TimeOp::Bin,
    TimeOp::ToDatetime,
    TimeOp::Zone(true),
    TimeOp::Zone(false),
];

const MATCH_OPS: [MatchOp; 7] = [
    MatchOp::Equals,
    MatchOp::Has,
    MatchOp::HasPrefix,
    MatchOp::HasSuffix,
    MatchOp::Contains,
    MatchOp::StartsWith,
    MatchOp::EndsWith,
];

const TARGETS: [Target; 5] = [
    Target::Int,
    Target::Long,
    Target::Real,
    Target::Bool,
    Target::Decimal,
];

const PACK_KINDS: [PackKind; 6] = [
    PackKind::Array,
    PackKind::Bag,
    PackKind::List,
    PackKind::ListWithNulls,
    PackKind::Set,
    PackKind::MergeBags,
];

/// The scalar UDFs, in their fixed order.
pub fn scalar_udfs() -> &'static [Arc<ScalarUDF>] {
    static ALL: OnceLock<Vec<Arc<ScalarUDF>>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut calls = time_calls();
        for op in MATCH_OPS {
            for (case_sensitive, all) in
                [(false, false), (true, false), (false, true), (true, true)]
            {
                let udf = ScalarUDF::new_from_impl(StringMatch::new(op, case_sensitive, all));
                calls.push(udf.call(vec![]));
            }
        }
        calls.extend(TARGETS.map(|t| convert::call(t, lit(0))));
        calls.extend(PACK_KINDS.map(|k| pack(k, vec![])));
        calls.extend([false, true].map(|upper| case_fold::call(lit(""), upper)));
        calls.push(empty_if_null::call(lit("")));
        calls.push(percentile::call(lit(0), lit(0)));
        calls.push(ScalarUDF::new_from_impl(InCi::default()).call(vec![]));
        calls.push(ScalarUDF::new_from_impl(MvItems::default()).call(vec![]));
        calls.push(ScalarUDF::new_from_impl(JsonPaths::default()).call(vec![]));
        calls.push(ScalarUDF::new_from_impl(PathValue::default()).call(vec![]));
        calls.push(ScalarUDF::new_from_impl(SeriesFill::default()).call(vec![]));
        calls.push(ScalarUDF::new_from_impl(RegexMatch::default()).call(vec![]));
        calls.push(crate::dynamic_text::call(lit("")));
        calls.into_iter().filter_map(scalar_of).collect()
    })
}

/// The aggregate UDFs, in their fixed order.
pub fn aggregate_udfs() -> &'static [Arc<AggregateUDF>] {
    static ALL: OnceLock<Vec<Arc<AggregateUDF>>> = OnceLock::new();
    ALL.get_or_init(|| {
        let calls = [dcount::call(lit(0))];
        calls.into_iter().filter_map(aggregate_of).collect()
    })
}

/// The position of `udf` among [`scalar_udfs`], when it can cross.
pub fn scalar_position(udf: &ScalarUDF) -> Option<usize> {
    scalar_udfs().iter().position(|known| known.as_ref() == udf)
}

/// The position of `udaf` among [`aggregate_udfs`], when it can cross.
pub fn aggregate_position(udaf: &AggregateUDF) -> Option<usize> {
    aggregate_udfs()
        .iter()
        .position(|known| known.as_ref() == udaf)
}

fn time_calls() -> Vec<Expr> {
    let with_unit = UNIT_OPS.iter().flat_map(|op| UNITS.map(op));
    with_unit
        .chain(PLAIN_TIME_OPS)
        .map(|op| time::call(op, vec![]))
        .collect()
}

fn scalar_of(call: Expr) -> Option<Arc<ScalarUDF>> {
    match call {
        Expr::ScalarFunction(f) => Some(f.func),
        _ => None,
    }
}

fn aggregate_of(call: Expr) -> Option<Arc<AggregateUDF>> {
    match call {
        Expr::AggregateFunction(f) => Some(f.func),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_udf_is_found_at_its_own_position() {
        for (i, udf) in scalar_udfs().iter().enumerate() {
            assert_eq!(scalar_position(udf), Some(i), "{}", udf.name());
        }
        for (i, udaf) in aggregate_udfs().iter().enumerate() {
            assert_eq!(aggregate_position(udaf), Some(i), "{}", udaf.name());
        }
    }

    #[test]
    fn units_and_ops_tell_time_kernels_apart() {
        let start_of_day = time::call(TimeOp::StartOf(Unit::Day), vec![]);
        let start_of_week = time::call(TimeOp::StartOf(Unit::Week), vec![]);
        let (day, week) = (scalar_of(start_of_day), scalar_of(start_of_week));
        let positions = [day, week].map(|u| u.and_then(|u| scalar_position(&u)));
        assert!(positions[0].is_some() && positions[0] != positions[1]);
    }
}
