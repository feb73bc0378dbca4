//! Running one query in batch mode: each statement's rows written as they arrive (CSV and
//! NDJSON; a table and a JSON array need every row first), within Kusto's limits: the
//! query stops at its `servertimeout`, and a result past `truncationmaxrecords` rows or
//! `truncationmaxsize` bytes is cut there with an error, as Kusto does.

use std::io::{self, Write};
use std::time::Duration;

use futures::StreamExt;
use kqlite::limits::{Budget, QueryLimits, Reached};
use kqlite::output::{Format, ResultWriter};
use kqlite::Engine;

use crate::evidence::Package;

/// Why a query stopped before its end.
pub enum Stop {
    Query(kqlite::Error),
    Io(io::Error),
    TimedOut(Duration),
    /// The result reached a limit: what was reached, and how much was written.
    Truncated(String),
}

impl From<kqlite::Error> for Stop {
    fn from(e: kqlite::Error) -> Self {
        Stop::Query(e)
    }
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Self {
        Stop::Io(e)
    }
}

/// Where a query's results go: `out` in `format`, and a copy of every statement's rows into
/// an evidence package when there is one; `rows` counts the records written.
pub struct Output<'a> {
    pub format: Format,
    pub out: &'a mut dyn Write,
    pub rows: u64,
    pub package: Option<&'a mut Package>,
    /// The last statement's result, kept whole for a chart (`--chart`, the preview).
    pub kept: Option<&'a mut Kept>,
    /// A terminal's chart above the last table, for a query that ends in `render`.
    pub preview: Option<kqlite_chart::Visualization>,
}

/// A result kept whole: its schema and batches.
#[derive(Default)]
pub struct Kept {
    pub schema: Option<datafusion::arrow::datatypes::SchemaRef>,
    pub batches: Vec<datafusion::arrow::record_batch::RecordBatch>,
}

/// Runs `query` within `limits`, writing each statement's result to `output`.
pub async fn run(
    engine: &Engine,
    query: &str,
    limits: QueryLimits,
    output: &mut Output<'_>,
) -> Result<(), Stop> {
    let work = statements(engine, query, limits, output);
    match limits.timeout {
        Some(timeout) => tokio::time::timeout(timeout, work)
            .await
            .unwrap_or(Err(Stop::TimedOut(timeout))),
        None => work.await,
    }
}

async fn statements(
    engine: &Engine,
    query: &str,
    limits: QueryLimits,
    output: &mut Output<'_>,
) -> Result<(), Stop> {
    let plans = engine.plan(query)?;
    let count = plans.len();
    for (i, plan) in plans.into_iter().enumerate() {
        let mut stream = engine.stream(plan.clone()).await?;
        let mut writer = ResultWriter::new(output.format, stream.schema());
        if let Some(package) = output.package.as_deref_mut() {
            package.begin(stream.schema())?;
        }
        let mut out = Counted {
            inner: &mut *output.out,
            bytes: 0,
        };
        if let Some(kept) = output.kept.as_deref_mut() {
            *kept = Kept {
                schema: Some(stream.schema()),
                batches: Vec::new(),
            };
        }
        let mut budget = Budget::new(limits);
        while let Some(batch) = stream.next().await {
            let batch = batch.map_err(|e| engine.failure(&plan, e))?;
            let (kept, reached) = budget.take(&batch, out.bytes);
            writer.write(&kept, &mut out)?;
            if let Some(package) = output.package.as_deref_mut() {
                package.write(&kept)?;
            }
            output.rows += kept.num_rows() as u64;
            if let Some(whole) = output.kept.as_deref_mut() {
                whole.batches.push(kept.clone());
            }
            if let Some(reached) = reached {
                writer.finish(&mut out)?;
                out.flush()?;
                return Err(Stop::Truncated(truncated(reached)));
            }
        }
        if i + 1 == count {
            write_preview(output.preview.as_ref(), output.kept.as_deref(), &mut out)?;
        }
        writer.finish(&mut out)?;
        if let Some(package) = output.package.as_deref_mut() {
            package.end()?;
        }
    }
    Ok(())
}

/// The terminal chart of the kept result, when one is asked for.
fn write_preview(
    vis: Option<&kqlite_chart::Visualization>,
    kept: Option<&Kept>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let (
        Some(vis),
        Some(Kept {
            schema: Some(schema),
            batches,
        }),
    ) = (vis, kept)
    else {
        return Ok(());
    };
    match kqlite_chart::preview(vis, schema, batches, 100) {
        Ok(chart) => writeln!(out, "{chart}"),
        Err(why) => writeln!(out, "({why})"),
    }
}

/// A writer that counts the bytes written through it.
pub struct Counted<'a> {
    inner: &'a mut dyn Write,
    bytes: u64,
}

impl Write for Counted<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// `reached`, in the words of the command line's error.
fn truncated(reached: Reached) -> String {
    match reached {
        Reached::Bytes { max, records } => format!(
            "the result is larger than {max} bytes, Kusto's truncationmaxsize: the first \
             {records} records were written (`set notruncation;` before the query returns them \
             all)"
        ),
        Reached::Records(max) => format!(
            "the result has more than {max} records, Kusto's truncationmaxrecords: the first \
             {max} were written (`set notruncation;` before the query returns them all, `set \
             truncationmaxrecords = N;` changes the limit)"
        ),
    }
}

/// A writer that hashes what is written through it (SHA-256), for the audit log.
pub struct Hashed<'a> {
    pub inner: &'a mut dyn Write,
    pub hasher: sha2::Sha256,
}

impl Write for Hashed<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        use sha2::Digest;
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}
