//! Date and time functions: the query clock, binning, calendar boundaries and parts,
//! arithmetic by calendar unit, formatting, and Unix-time conversions.

use datafusion::arrow::datatypes::{DataType, IntervalMonthDayNano, TimeUnit};
use datafusion::common::ScalarValue;
use datafusion::functions::expr_fn::{date_bin, floor};
use datafusion::logical_expr::{binary_expr, cast, lit, try_cast, when, Expr, Operator};

use super::Call;
use crate::error::{PlanError, PlanResult, WithSpan};
use crate::kernels::time::{self, TimeOp, Unit};
use crate::literals::{datetime, datetime_type};
use crate::planner::Planner;

/// Seconds from the Unix epoch past which no Kusto datetime lies (9999-12-31 is about
/// 2.5e11 s after it, 0001-01-01 about 6.2e10 s before).
const MAX_KUSTO_SECONDS: i64 = 260_000_000_000;

impl Planner<'_> {
    pub(super) fn datetime_call(&mut self, c: &Call) -> Option<PlanResult<Expr>> {
        let kernel = |op: TimeOp| move |args: Vec<Expr>| time::call(op, args);
        Some(match c.f {
            "now" => self.now_call(c),
            "ago" => self
                .lower_args(c, 1, 1)
                .map(|a| binary_expr(lit(datetime(Some(self.now))), Operator::Minus, a[0].clone())),
            // `floor` is `bin`'s other name: two arguments, as Kusto requires.
            "bin" | "floor" => {
                let a = self.lower_args(c, 2, 2);
                a.and_then(|a| self.bin(a[0].clone(), a[1].clone(), None, c))
            }
            "bin_at" => {
                let a = self.lower_args(c, 3, 3);
                a.and_then(|a| self.bin(a[0].clone(), a[1].clone(), Some(a[2].clone()), c))
            }
            "datetime_utc_to_local" => self
                .lower_args(c, 2, 2)
                .map(|a| time::call(TimeOp::Zone(true), a)),
            "datetime_local_to_utc" => self
                .lower_args(c, 2, 2)
                .map(|a| time::call(TimeOp::Zone(false), a)),
            "datetime" | "todatetime" | "todate" => self
                .lower_args(c, 1, 1)
                .map(|a| time::call(TimeOp::ToDatetime, a)),
            "totimespan" | "time" | "totime" => self.lower_args(c, 1, 1).and_then(|a| {
                // A number is ticks (the kernel's error where kqlite cannot hold them).
                let mut a = a;
                if self.type_of(&a[0], c.schema, c.span)?.is_numeric() {
                    a[0] = cast(a[0].clone(), DataType::Int64);
                }
                Ok(time::call(TimeOp::ParseSpan, a))
            }),
            "startofday" => self
                .lower_args(c, 1, 2)
                .map(kernel(TimeOp::StartOf(Unit::Day))),
            "startofweek" => self
                .lower_args(c, 1, 2)
                .map(kernel(TimeOp::StartOf(Unit::Week))),
            "startofmonth" => self
                .lower_args(c, 1, 2)
                .map(kernel(TimeOp::StartOf(Unit::Month))),
            "startofyear" => self
                .lower_args(c, 1, 2)
                .map(kernel(TimeOp::StartOf(Unit::Year))),
            "endofday" => self
                .lower_args(c, 1, 2)
                .map(kernel(TimeOp::EndOf(Unit::Day))),
            "endofweek" => self
                .lower_args(c, 1, 2)
                .map(kernel(TimeOp::EndOf(Unit::Week))),
            "endofmonth" => self
                .lower_args(c, 1, 2)
                .map(kernel(TimeOp::EndOf(Unit::Month))),
            "endofyear" => self
                .lower_args(c, 1, 2)
                .map(kernel(TimeOp::EndOf(Unit::Year))),
            "dayofweek" => self.lower_args(c, 1, 1).map(kernel(TimeOp::DayOfWeek)),
            "make_datetime" => self.lower_args(c, 3, 6).map(kernel(TimeOp::MakeDatetime)),
            "make_timespan" => self.lower_args(c, 2, 4).map(kernel(TimeOp::MakeTimespan)),
            "dayofmonth" => self
                .lower_args(c, 1, 1)
                .map(kernel(TimeOp::Part(Unit::Day))),
            "dayofyear" => self.lower_args(c, 1, 1).map(kernel(TimeOp::DayOfYear)),
            "hourofday" => self
                .lower_args(c, 1, 1)
                .map(kernel(TimeOp::Part(Unit::Hour))),
            "getmonth" | "monthofyear" => self
                .lower_args(c, 1, 1)
                .map(kernel(TimeOp::Part(Unit::Month))),
            "getyear" => self
                .lower_args(c, 1, 1)
                .map(kernel(TimeOp::Part(Unit::Year))),
            "weekofyear" | "week_of_year" => self
                .lower_args(c, 1, 1)
                .map(kernel(TimeOp::Part(Unit::Week))),
            "datetime_add" => self.unit_call(c, 3, TimeOp::Add),
            "datetime_diff" => self.datetime_diff(c),
            "datetime_part" => self.part_call(c),
            "format_datetime" => self.format_call(c, TimeOp::Format),
            "format_timespan" => self.format_call(c, TimeOp::FormatSpan),
            "unixtime_seconds_todatetime" => self.unix_call(c, 1_000_000_000),
            "unixtime_milliseconds_todatetime" => self.unix_call(c, 1_000_000),
            "unixtime_microseconds_todatetime" => self.unix_call(c, 1_000),
            "unixtime_nanoseconds_todatetime" => self.unix_call(c, 1),
            _ => return None,
        })
    }

    /// `format_datetime(t, f)` and `format_timespan(s, f)`: `f` is a constant of Kusto's
    /// specifiers and delimiters.
    fn format_call(&mut self, c: &Call, op: TimeOp) -> PlanResult<Expr> {
        let a = self.lower_args(c, 2, 2)?;
        let format = match self.constant(&c.args[1]) {
            Ok(ScalarValue::Utf8(Some(f))) => f,
            _ => {
                return Err(PlanError::user(
                    c.args[1].span,
                    format!("{}() needs a constant format", c.f),
                ))
            }
        };
        time::check_format(&format, op == TimeOp::FormatSpan).map_err(|e| {
            PlanError::user(c.args[1].span, format!("{}(): invalid format: {e}", c.f))
        })?;
        Ok(time::call(op, a))
    }

    fn now_call(&mut self, c: &Call) -> PlanResult<Expr> {
        let now = lit(datetime(Some(self.now)));
        let a = self.lower_args(c, 0, 1)?;
        Ok(match a.into_iter().next() {
            Some(offset) => binary_expr(now, Operator::Plus, offset),
            None => now,
        })
    }

    /// `f(part, x, y)`: the part is a constant unit name.
    fn unit_call(&mut self, c: &Call, arity: usize, op: fn(Unit) -> TimeOp) -> PlanResult<Expr> {
        let a = self.lower_args(c, arity, arity)?;
        let unit = unit(c, 0)?;
        Ok(time::call(op(unit), a[1..].to_vec()))
    }

    /// `datetime_diff(part, a, b)`: a long, but a real for weeks (as Kusto types it).
    fn datetime_diff(&mut self, c: &Call) -> PlanResult<Expr> {
        let diff = self.unit_call(c, 3, TimeOp::Diff)?;
        Ok(match unit(c, 0)? {
            Unit::Week => cast(diff, DataType::Float64),
            _ => diff,
        })
    }

    fn part_call(&mut self, c: &Call) -> PlanResult<Expr> {
        let a = self.lower_args(c, 2, 2)?;
        let op = if c.constant_text(0)?.eq_ignore_ascii_case("dayofyear") {
            TimeOp::DayOfYear
        } else {
            TimeOp::Part(unit(c, 0)?)
        };
        Ok(time::call(op, vec![a[1].clone()]))
    }

    /// `unixtime_*_todatetime(n)`: whole numbers exactly, reals to the nearest nanosecond.
    /// `unixtime_*_todatetime(x)`: `x` units of `nanos` nanoseconds after the epoch, read as
    /// ticks by `todatetime`, which is null outside Kusto's years and an error outside the
    /// ones kqlite holds (never a wrapped value).
    fn unix_call(&mut self, c: &Call, nanos: i64) -> PlanResult<Expr> {
        use crate::kernels::convert::EPOCH_TICKS;
        let a = self.lower_args(c, 1, 1)?;
        let value = a[0].clone();
        let integer = self.type_of(&value, c.schema, c.span)?.is_integer();
        let (value, scaled) = match integer {
            true => {
                let value = cast(value, DataType::Int64);
                let scaled = match nanos >= 100 {
                    true => value.clone() * lit(nanos / 100),
                    false => value.clone() / lit(100 / nanos),
                };
                (value, scaled)
            }
            false => {
                let value = cast(value, DataType::Float64);
                let ticks = value.clone() * lit(nanos as f64 / 100.0);
                (value, try_cast(ticks, DataType::Int64))
            }
        };
        let ticks = scaled + lit(EPOCH_TICKS);
        // Past these bounds no Kusto datetime lies, and the product might wrap; every 64-bit
        // count of nanoseconds is within them.
        let ticks = match MAX_KUSTO_SECONDS.checked_mul(1_000_000_000 / nanos) {
            Some(bound) => {
                let (low, high) = match integer {
                    true => (lit(-bound), lit(bound)),
                    false => (lit(-bound as f64), lit(bound as f64)),
                };
                when(value.between(low, high), ticks)
                    .otherwise(lit(ScalarValue::Int64(None)))
                    .at(c.span)?
            }
            None => ticks,
        };
        Ok(time::call(TimeOp::ToDatetime, vec![ticks]))
    }

    /// `bin(value, size)` and `bin_at(value, size, origin)`: rounds down to a multiple of
    /// `size` counted from `origin` (datetimes from the Unix epoch by default).
    fn bin(&self, value: Expr, size: Expr, origin: Option<Expr>, c: &Call) -> PlanResult<Expr> {
        let value_type = self.type_of(&value, c.schema, c.span)?;
        let null_origin = matches!(&origin, Some(Expr::Literal(v, _)) if v.is_null());
        if not_positive(&size) || null_origin {
            // Kusto: a null, zero or negative bin size (or a null origin) bins to null.
            let result = match value_type {
                DataType::Timestamp(..) => datetime_type(),
                DataType::Duration(_) => DataType::Duration(TimeUnit::Nanosecond),
                t if t.is_integer() => DataType::Int64,
                _ => DataType::Float64,
            };
            return Ok(cast(lit(ScalarValue::Null), result));
        }
        let size = match (&size, &value_type) {
            // The datetime kernel answers null to a size column's non-positive values itself.
            (Expr::Literal(..), _) | (_, DataType::Timestamp(..)) => size,
            _ => {
                let zero = ScalarValue::new_zero(&self.type_of(&size, c.schema, c.span)?);
                let zero = zero.at(c.span)?;
                when(size.clone().gt(lit(zero)), size).end().at(c.span)?
            }
        };
        match value_type {
            DataType::Timestamp(..) if origin.is_none() && !matches!(size, Expr::Literal(..)) => {
                Ok(time::call(TimeOp::Bin, vec![value, size]))
            }
            DataType::Timestamp(..) => {
                let nanos = positive_nanos(&size, c)?;
                let origin = origin.unwrap_or_else(|| lit(datetime(Some(kusto_origin(nanos)))));
                let size = lit(ScalarValue::IntervalMonthDayNano(Some(
                    IntervalMonthDayNano::new(0, 0, nanos),
                )));
                Ok(date_bin(size, value, cast(origin, datetime_type())))
            }
            DataType::Duration(_) => {
                let ns = |e: Expr| cast(e, DataType::Int64);
                let origin = origin.map_or(lit(0i64), ns);
                let binned = integer_bin(ns(value), ns(size), origin);
                Ok(cast(binned, DataType::Duration(TimeUnit::Nanosecond)))
            }
            t if t.is_integer() => {
                let origin = origin.unwrap_or(lit(0i64));
                Ok(match self.type_of(&size, c.schema, c.span)?.is_integer() {
                    true => integer_bin(value, size, origin),
                    false => cast(numeric_bin(value, size, origin), DataType::Int64),
                })
            }
            t if t.is_numeric() => Ok(numeric_bin(value, size, origin.unwrap_or(lit(0.0)))),
            other => Err(PlanError::user(
                c.span,
                format!(
                    "{}() needs a number, datetime or timespan, found {other}",
                    c.f
                ),
            )),
        }
    }
}

/// A constant bin size that is null, zero or negative.
fn not_positive(size: &Expr) -> bool {
    let Expr::Literal(value, _) = size else {
        return false;
    };
    let zero = ScalarValue::new_zero(&value.data_type());
    value.is_null()
        || zero.is_ok_and(|z| value.partial_cmp(&z) != Some(std::cmp::Ordering::Greater))
}

/// `floor((v - origin) / size) * size + origin`, in doubles.
fn numeric_bin(value: Expr, size: Expr, origin: Expr) -> Expr {
    let real = |e: Expr| cast(e, DataType::Float64);
    let shifted = binary_expr(real(value), Operator::Minus, real(origin.clone()));
    let quotient = floor(binary_expr(shifted, Operator::Divide, real(size.clone())));
    binary_expr(
        binary_expr(quotient, Operator::Multiply, real(size)),
        Operator::Plus,
        real(origin),
    )
}

/// `v - ((v - origin) mod size)` with a floored modulo, in exact integers: longs and tick
/// counts above 2^53 lose digits as doubles, and the bin must not land above the value.
fn integer_bin(value: Expr, size: Expr, origin: Expr) -> Expr {
    let long = |e: Expr| cast(e, DataType::Int64);
    let (value, size) = (long(value), long(size));
    let remainder = binary_expr(
        binary_expr(value.clone(), Operator::Minus, long(origin)),
        Operator::Modulo,
        size.clone(),
    );
    let floored = binary_expr(
        binary_expr(remainder, Operator::Plus, size.clone()),
        Operator::Modulo,
        size,
    );
    binary_expr(value, Operator::Minus, floored)
}

fn unit(c: &Call, i: usize) -> PlanResult<Unit> {
    let name = c.constant_text(i)?;
    Unit::parse(name).ok_or_else(|| {
        PlanError::user(
            c.args[i].span,
            format!("{}(): unknown date part '{name}'", c.f),
        )
    })
}

/// Kusto bins datetimes from 0001-01-01, not from the Unix epoch: the first bin boundary at
/// or before the epoch, for bins of `size` nanoseconds.
pub(crate) fn kusto_origin(size: i64) -> i64 {
    let since_year_one = i128::from(crate::kernels::convert::EPOCH_TICKS) * 100;
    -((since_year_one % i128::from(size)) as i64)
}

/// The bin size of a datetime `bin`, a constant timespan, in nanoseconds.
fn positive_nanos(size: &Expr, c: &Call) -> PlanResult<i64> {
    match size {
        Expr::Literal(ScalarValue::DurationNanosecond(Some(ns)), _) if *ns > 0 => Ok(*ns),
        _ => Err(PlanError::user(
            c.span,
            format!(
                "{}() on a datetime needs a positive constant timespan such as 1h",
                c.f
            ),
        )),
    }
}
