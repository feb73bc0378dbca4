//! The bounds of one query, as Kusto sets them: how long it may run (`servertimeout`,
//! 4 minutes) and how much of its result comes back (`truncationmaxrecords`, 500,000 rows;
//! `truncationmaxsize`, 64 MB; `notruncation` lifts both); and the memory every query of a
//! session shares, past which sorts and aggregations spill to disk.

use std::time::Duration;

use datafusion::arrow::record_batch::RecordBatch;
use kqlite_parser::{ast, ExprKind, Literal, Statement};

/// Kusto's default `servertimeout`.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(4 * 60);
/// Kusto's default `truncationmaxrecords`.
pub const DEFAULT_MAX_RECORDS: u64 = 500_000;
/// Kusto's default `truncationmaxsize`.
pub const DEFAULT_MAX_BYTES: u64 = 64 << 20;

/// How long a query may run and how much of its result is returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    pub timeout: Option<Duration>,
    pub max_records: Option<u64>,
    pub max_bytes: Option<u64>,
}

impl Default for QueryLimits {
    fn default() -> Self {
        QueryLimits {
            timeout: Some(DEFAULT_TIMEOUT),
            max_records: Some(DEFAULT_MAX_RECORDS),
            max_bytes: Some(DEFAULT_MAX_BYTES),
        }
    }
}

impl QueryLimits {
    /// These limits changed by the `set` statements of `text` (a query that does not parse
    /// keeps them: planning reports its error).
    pub fn with_sets_of(mut self, text: &str) -> QueryLimits {
        let Ok(query) = kqlite_parser::parse_query(text) else {
            return self;
        };
        for statement in &query.statements {
            if let Statement::Set { name, value } = &statement.node {
                self.set(&name.node, value.as_ref());
            }
        }
        self
    }

    fn set(&mut self, option: &str, value: Option<&ast::Expr>) {
        let literal = value.and_then(|v| match &v.node {
            ExprKind::Literal(literal) => Some(literal),
            _ => None,
        });
        match (option, literal) {
            ("notruncation", None | Some(Literal::Bool(true))) => {
                self.max_records = None;
                self.max_bytes = None;
            }
            ("truncationmaxrecords", Some(Literal::Long(n))) => {
                self.max_records = u64::try_from(*n).ok();
            }
            ("truncationmaxsize", Some(Literal::Long(n))) => {
                self.max_bytes = u64::try_from(*n).ok()
            }
            ("servertimeout", Some(Literal::Timespan(nanos))) => {
                self.timeout = u64::try_from(*nanos).ok().map(Duration::from_nanos);
            }
            _ => {}
        }
    }
}

/// The limit a result reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reached {
    /// More than this many records; that many were kept.
    Records(u64),
    /// More than this many bytes were written, after the records kept.
    Bytes { max: u64, records: u64 },
}

/// What of a result may still be returned.
pub struct Budget {
    limits: QueryLimits,
    records: u64,
}

impl Budget {
    pub fn new(limits: QueryLimits) -> Budget {
        Budget { limits, records: 0 }
    }

    /// The part of `batch` within the limits, given the bytes written so far (the size
    /// limit is on the text written), and the limit it reached, if any.
    pub fn take(&mut self, batch: &RecordBatch, written: u64) -> (RecordBatch, Option<Reached>) {
        if let Some(max) = self.limits.max_bytes.filter(|max| written > *max) {
            let records = self.records;
            return (batch.slice(0, 0), Some(Reached::Bytes { max, records }));
        }
        let rows = batch.num_rows() as u64;
        if let Some(max) = self.limits.max_records.filter(|m| self.records + rows > *m) {
            let kept = batch.slice(0, (max - self.records) as usize);
            self.records = max;
            return (kept, Some(Reached::Records(max)));
        }
        self.records += rows;
        (batch.clone(), None)
    }
}

/// The memory all queries of a session may hold before spilling (or failing where an
/// operator cannot spill): three quarters of the machine's memory, or of the control group's
/// limit when lower.
pub fn default_memory_limit() -> usize {
    let total = meminfo_total().unwrap_or(8 << 30);
    let limit = cgroup_limit().map_or(total, |c| c.min(total));
    limit / 4 * 3
}

fn meminfo_total() -> Option<usize> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn cgroup_limit() -> Option<usize> {
    let text = std::fs::read_to_string("/sys/fs/cgroup/memory.max").ok()?;
    text.trim().parse().ok()
}

/// A size such as `4G`, `512M`, `1073741824` (bytes; K, M, G, T are powers of 1,024).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let text = text.trim();
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, ""),
    };
    let shift = match unit
        .trim()
        .to_ascii_uppercase()
        .trim_end_matches(['B', 'I'])
    {
        "" => 0,
        "K" => 10,
        "M" => 20,
        "G" => 30,
        "T" => 40,
        _ => {
            return Err(format!(
                "{text:?}: expected a size such as 4G, 512M or 1048576"
            ))
        }
    };
    let n: usize = digits
        .parse()
        .map_err(|_| format!("{text:?}: expected a size such as 4G, 512M or 1048576"))?;
    n.checked_mul(1 << shift)
        .ok_or_else(|| format!("{text:?} is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_statements_change_the_limits() {
        let text = "set truncationmaxrecords = 10; set servertimeout = 30s; print 1";
        let limits = QueryLimits::default().with_sets_of(text);
        assert_eq!(limits.max_records, Some(10));
        assert_eq!(limits.timeout, Some(Duration::from_secs(30)));
        let none = QueryLimits::default().with_sets_of("set notruncation; print 1");
        assert_eq!((none.max_records, none.max_bytes), (None, None));
    }

    #[test]
    fn sizes_read_with_units() {
        assert_eq!(parse_size("4G"), Ok(4 << 30));
        assert_eq!(parse_size("512MiB"), Ok(512 << 20));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("lots").is_err());
    }
}
