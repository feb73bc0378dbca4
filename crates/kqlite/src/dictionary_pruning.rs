//! Row groups a filter cannot keep, known from their dictionaries alone. Where a conjunct
//! tests one string column, it is first run over the dictionary (and a null) of each row group
//! of a local file whose chunk of that column is all dictionary-encoded (whatever the other
//! row groups and files do, and whether or not the scan reads it as dictionaries); one where
//! it accepts nothing is left out of the scan, so none of its pages is read or decoded. A hunt for one
//! device, account or file among many then reads only the row groups that hold it.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::physical_plan::parquet::ParquetAccessPlan;
use datafusion::datasource::physical_plan::{FileGroup, ParquetSource};
use datafusion::datasource::source::DataSourceExec;
use datafusion::object_store::path::Path as StorePath;
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::utils::collect_columns;
use datafusion::physical_plan::{ExecutionPlan, PhysicalExpr};
use kqlite_tables::file_layouts::{FileLayout, FileLayouts};
use rayon::prelude::*;

/// A conjunct that reads one string column, rewritten over that column alone.
pub(crate) struct ColumnTest {
    column: String,
    schema: SchemaRef,
    test: Arc<dyn PhysicalExpr>,
}

/// Dictionaries are read while planning: past this many bytes of them in a scan, the row
/// groups are left for the filter to sort out.
const DICTIONARY_BYTES_READ: u64 = 256 << 20;

/// The conjuncts that read exactly one of `columns` (positions in `schema`), each over a
/// one-column schema.
pub(crate) fn column_tests(
    conjuncts: &[Arc<dyn PhysicalExpr>],
    columns: &[usize],
    schema: &SchemaRef,
) -> Vec<ColumnTest> {
    let single = |conjunct: &Arc<dyn PhysicalExpr>| {
        let read = collect_columns(conjunct);
        let column = read.iter().next().filter(|_| read.len() == 1)?.index();
        columns.contains(&column).then_some(column)
    };
    (conjuncts.iter())
        .filter_map(|conjunct| {
            let i = single(conjunct)?;
            let field = schema.field(i).clone().with_nullable(true);
            let test = Arc::clone(conjunct)
                .transform(|e| match e.downcast_ref::<Column>() {
                    Some(c) => Ok(Transformed::yes(Arc::new(Column::new(c.name(), 0)) as _)),
                    None => Ok(Transformed::no(e)),
                })
                .data()
                .ok()?;
            Some(ColumnTest {
                column: field.name().clone(),
                schema: Arc::new(Schema::new(vec![field])),
                test,
            })
        })
        .collect()
}

/// `groups` with each file told to skip the row groups whose dictionaries fail a test; None
/// if no row group is skipped.
pub(crate) fn skip_rejected_row_groups(
    layouts: &FileLayouts,
    groups: &[FileGroup],
    tests: &[ColumnTest],
) -> Option<Vec<FileGroup>> {
    let files: Vec<&PartitionedFile> = groups.iter().flat_map(|g| g.iter()).collect();
    let layout = |f: &PartitionedFile| layouts.get(&f.object_meta.location, f.object_meta.size);
    let bytes: u64 = (files.iter().filter_map(|f| layout(f)))
        .flat_map(|l| {
            tests
                .iter()
                .filter_map(move |t| l.dictionary_page_bytes_of(&t.column))
        })
        .sum();
    if tests.is_empty() || bytes > DICTIONARY_BYTES_READ {
        return None;
    }
    let kept_of = |files: &[&PartitionedFile]| -> HashMap<StorePath, Vec<bool>> {
        (files.par_iter())
            .filter_map(|f| {
                let kept = row_groups_kept(&*layout(f)?, tests)?;
                Some((f.object_meta.location.clone(), kept))
            })
            .collect()
    };
    // Where the first files skip nothing, the test is taken to keep every row group, and the
    // rest of the dictionaries are not read twice (here and by the filter).
    let (sample, rest) = files.split_at(files.len().div_ceil(SAMPLE_SHARE).max(2).min(files.len()));
    let mut kept = kept_of(sample);
    if kept.is_empty() {
        return None;
    }
    kept.extend(kept_of(rest));
    Some(groups.iter().map(|g| with_access_plans(g, &kept)).collect())
}

/// One file in this many (at least two) is read first, as a sample.
const SAMPLE_SHARE: usize = 16;

/// Which row groups of the file some value of each tested column's dictionary passes; None
/// if that is all of them (or nothing is known).
fn row_groups_kept(layout: &FileLayout, tests: &[ColumnTest]) -> Option<Vec<bool>> {
    let mut kept: Option<Vec<bool>> = None;
    for test in tests {
        let Some(dictionaries) = layout.dictionaries_of(&test.column) else {
            continue;
        };
        let kept = kept.get_or_insert_with(|| vec![true; dictionaries.len()]);
        for (keep, dictionary) in kept.iter_mut().zip(&dictionaries) {
            if let (true, Some(values)) = (*keep, dictionary) {
                *keep = accepts_some(test, values);
            }
        }
    }
    kept.filter(|k| k.contains(&false))
}

/// Whether the test accepts some value of the dictionary (which ends with a null, as the rows
/// may hold nulls besides). Anything unexpected keeps the row group.
fn accepts_some(test: &ColumnTest, values: &ArrayRef) -> bool {
    let answers = RecordBatch::try_new(Arc::clone(&test.schema), vec![Arc::clone(values)])
        .map_err(Into::into)
        .and_then(|batch| test.test.evaluate(&batch)?.into_array(batch.num_rows()));
    match answers {
        Ok(answers) => (answers.as_boolean_opt()).is_none_or(|a| a.true_count() > 0),
        Err(_) => true,
    }
}

/// `group` with an access plan on each file of `kept` that skips its rejected row groups.
fn with_access_plans(group: &FileGroup, kept: &HashMap<StorePath, Vec<bool>>) -> FileGroup {
    let mut group = group.clone();
    let mut files: Vec<PartitionedFile> = std::iter::from_fn(|| group.pop()).collect();
    while let Some(mut file) = files.pop() {
        if let Some(kept) = kept.get(&file.object_meta.location) {
            let mut plan = (file.extensions.get::<ParquetAccessPlan>().cloned())
                .unwrap_or_else(|| ParquetAccessPlan::new_all(kept.len()));
            if plan.len() == kept.len() {
                (kept.iter().enumerate())
                    .filter(|(_, keep)| !**keep)
                    .for_each(|(i, _)| plan.skip(i));
                file.extensions.insert(plan);
            }
        }
        group.push(file);
    }
    group
}

/// The row groups the scans of `plan` were told to skip (for `--analyze`).
pub(crate) fn row_groups_skipped(plan: &dyn ExecutionPlan) -> usize {
    let own = (plan.downcast_ref::<DataSourceExec>())
        .and_then(|scan| scan.downcast_to_file_source::<ParquetSource>())
        .map_or(0, |(config, _)| {
            let files = config.file_groups.iter().flat_map(|g| g.iter());
            let plans = files.filter_map(|f| f.extensions.get::<ParquetAccessPlan>());
            plans
                .map(|p| (0..p.len()).filter(|&i| !p.should_scan(i)).count())
                .sum()
        });
    own + (plan.children().iter())
        .map(|c| row_groups_skipped(c.as_ref()))
        .sum::<usize>()
}
