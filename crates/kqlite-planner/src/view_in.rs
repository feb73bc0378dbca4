//! `column == "text"` and `column in ("a", "b")` over a string-view column, for filters.
//!
//! Arrow's comparison reads each row's view, then the bytes behind it whenever length and
//! first four bytes agree. Here a row whose length and first four bytes (the low 64 bits of its
//! view) differ from every needle fails on that word alone, and a longer row is compared byte
//! by byte only when its view differs from the last one found equal or unequal: the Parquet
//! reader gives every row of one dictionary entry the same view, so a dictionary-encoded
//! column costs one byte comparison per entry rather than per row. Nulls stay null, as in
//! Arrow's comparison.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, BooleanArray, RecordBatch, StringViewArray};
use datafusion::arrow::buffer::{BooleanBuffer, MutableBuffer};
use datafusion::arrow::datatypes::{DataType, FieldRef, Schema};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{ColumnarValue, Operator};
use datafusion::physical_expr::expressions::{BinaryExpr, Column, InListExpr, Literal};
use datafusion::physical_plan::PhysicalExpr;

/// Longer lists are left to DataFusion's hashed `IN`.
const MAX_NEEDLES: usize = 8;

#[derive(Debug)]
pub struct ViewIn {
    /// The expression this replaces: its semantics, its display, and the fallback for input
    /// that is not a string view.
    original: Arc<dyn PhysicalExpr>,
    column: Arc<dyn PhysicalExpr>,
    needles: Vec<Needle>,
    negated: bool,
}

#[derive(Debug, Clone)]
struct Needle {
    bytes: Vec<u8>,
    /// The low 64 bits of the needle's view: its length and first four bytes.
    head: u64,
}

impl ViewIn {
    /// The replacement for `expr` when it compares a string-view column of `schema` with
    /// literal strings: `==`, `!=`, `in` or `!in`.
    /// The comparison this stands for.
    pub fn original(&self) -> &Arc<dyn PhysicalExpr> {
        &self.original
    }

    pub fn recognise(expr: &Arc<dyn PhysicalExpr>, schema: &Schema) -> Option<ViewIn> {
        let (column, list, negated) = if let Some(binary) = expr.downcast_ref::<BinaryExpr>() {
            let negated = match binary.op() {
                Operator::Eq => false,
                Operator::NotEq => true,
                _ => return None,
            };
            (binary.left(), std::slice::from_ref(binary.right()), negated)
        } else if let Some(in_list) = expr.downcast_ref::<InListExpr>() {
            (in_list.expr(), in_list.list(), in_list.negated())
        } else {
            return None;
        };
        let column_type = column.downcast_ref::<Column>()?.data_type(schema).ok()?;
        if column_type != DataType::Utf8View || list.is_empty() || list.len() > MAX_NEEDLES {
            return None;
        }
        let needles = list.iter().map(needle).collect::<Option<Vec<_>>>()?;
        Some(ViewIn {
            original: Arc::clone(expr),
            column: Arc::clone(column),
            needles,
            negated,
        })
    }
}

fn needle(expr: &Arc<dyn PhysicalExpr>) -> Option<Needle> {
    let text = match expr.downcast_ref::<Literal>()?.value() {
        ScalarValue::Utf8(Some(s)) | ScalarValue::Utf8View(Some(s)) => s.clone(),
        ScalarValue::LargeUtf8(Some(s)) => s.clone(),
        _ => return None,
    };
    let bytes = text.into_bytes();
    let len = u32::try_from(bytes.len()).ok()?;
    let mut prefix = [0u8; 4];
    let shown = bytes.len().min(4);
    prefix[..shown].copy_from_slice(&bytes[..shown]);
    let head = u64::from(len) | (u64::from(u32::from_le_bytes(prefix)) << 32);
    Some(Needle { bytes, head })
}

/// Whether each row of `array` equals one of `needles`, ignoring nulls.
fn matches(array: &StringViewArray, needles: &[Needle]) -> BooleanBuffer {
    let mut found = matches_one(array, &needles[0]);
    for needle in &needles[1..] {
        found = &found | &matches_one(array, needle);
    }
    found
}

/// One pass over the views comparing whole views (short needle) or their low 64 bits (long
/// needle), then, for a long needle, a byte comparison of the candidates.
fn matches_one(array: &StringViewArray, needle: &Needle) -> BooleanBuffer {
    let views: &[u128] = array.views();
    if needle.bytes.len() <= 12 {
        let whole = u128::from(needle.head) | inline_tail(&needle.bytes) << 64;
        return BooleanBuffer::collect_bool(views.len(), |row| views[row] == whole);
    }
    let candidates =
        BooleanBuffer::collect_bool(views.len(), |row| views[row] as u64 == needle.head);
    if candidates.count_set_bits() == 0 {
        return candidates;
    }
    let buffers = array.data_buffers();
    // The last view found equal and unequal: 0 is a length-0 view, never a candidate.
    let (mut hit, mut miss) = (0u128, 0u128);
    let mut rejected = Vec::new();
    for row in candidates.set_indices() {
        let view = views[row];
        if view == hit {
            continue;
        }
        if view != miss && long_value(buffers, view, needle.bytes.len()) == Some(&needle.bytes[..])
        {
            hit = view;
            continue;
        }
        miss = view;
        rejected.push(row);
    }
    if rejected.is_empty() {
        return candidates;
    }
    let mut bits = candidates
        .into_inner()
        .into_mutable()
        .unwrap_or_else(|b| MutableBuffer::from(b.as_slice().to_vec()));
    for row in rejected {
        datafusion::arrow::util::bit_util::unset_bit(bits.as_slice_mut(), row);
    }
    BooleanBuffer::new(bits.into(), 0, views.len())
}

/// Bytes 4 to 12 of a short string, as they sit in the high 64 bits of its view.
fn inline_tail(bytes: &[u8]) -> u128 {
    let mut tail = [0u8; 8];
    if bytes.len() > 4 {
        tail[..bytes.len() - 4].copy_from_slice(&bytes[4..]);
    }
    u128::from(u64::from_le_bytes(tail))
}

/// The bytes a long view points at.
fn long_value(
    buffers: &[datafusion::arrow::buffer::Buffer],
    view: u128,
    len: usize,
) -> Option<&[u8]> {
    let buffer = buffers.get((view >> 64) as u32 as usize)?;
    let offset = (view >> 96) as u32 as usize;
    buffer.as_slice().get(offset..offset + len)
}

impl PhysicalExpr for ViewIn {
    fn return_field(&self, input_schema: &Schema) -> Result<FieldRef> {
        self.original.return_field(input_schema)
    }

    fn evaluate(&self, batch: &RecordBatch) -> Result<ColumnarValue> {
        let ColumnarValue::Array(values) = self.column.evaluate(batch)? else {
            return self.original.evaluate(batch);
        };
        let Some(strings) = values.as_string_view_opt() else {
            return self.original.evaluate(batch);
        };
        let mut bits = matches(strings, &self.needles);
        if self.negated {
            bits = !&bits;
        }
        let result = BooleanArray::new(bits, strings.nulls().cloned());
        Ok(ColumnarValue::Array(Arc::new(result)))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.column]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        // Only column remapping reaches here: rebuild the original over the new column.
        let others = self.original.children().into_iter().skip(1).cloned();
        let original = Arc::clone(&self.original).with_new_children(
            std::iter::once(Arc::clone(&children[0]))
                .chain(others)
                .collect(),
        )?;
        Ok(Arc::new(ViewIn {
            original,
            column: Arc::clone(&children[0]),
            needles: self.needles.clone(),
            negated: self.negated,
        }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.original.fmt_sql(f)
    }
}

impl fmt::Display for ViewIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.original)
    }
}

crate::stands_for::same_as_original!(ViewIn);

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::StringViewBuilder;
    use datafusion::arrow::compute::kernels::cmp;
    use datafusion::arrow::datatypes::Field;
    use datafusion::physical_expr::expressions::{in_list, lit};

    use super::*;

    fn schema() -> Schema {
        Schema::new(vec![Field::new("s", DataType::Utf8View, true)])
    }

    /// `values` as a string-view array; `shared` gives equal strings one view, as the Parquet
    /// reader does for the rows of one dictionary entry.
    fn strings(values: &[Option<&str>], shared: bool) -> StringViewArray {
        let mut builder = StringViewBuilder::new();
        if shared {
            builder = builder.with_deduplicate_strings();
        }
        values.iter().for_each(|v| builder.append_option(*v));
        builder.finish()
    }

    fn run(expr: Arc<dyn PhysicalExpr>, values: &StringViewArray) -> Vec<Option<bool>> {
        let fast = ViewIn::recognise(&expr, &schema()).expect("a string-view comparison");
        let batch =
            RecordBatch::try_new(Arc::new(schema()), vec![Arc::new(values.clone())]).unwrap();
        let result = fast
            .evaluate(&batch)
            .unwrap()
            .into_array(values.len())
            .unwrap();
        result.as_boolean().iter().collect()
    }

    fn equals(needle: &str) -> Arc<dyn PhysicalExpr> {
        let column = Arc::new(Column::new("s", 0));
        Arc::new(BinaryExpr::new(
            column,
            Operator::Eq,
            lit(ScalarValue::Utf8View(Some(needle.into()))),
        ))
    }

    fn among(needles: &[&str], negated: bool) -> Arc<dyn PhysicalExpr> {
        let list = needles
            .iter()
            .map(|n| lit(ScalarValue::Utf8View(Some(n.to_string()))))
            .collect();
        in_list(Arc::new(Column::new("s", 0)), list, &negated, &schema()).unwrap()
    }

    const ROWS: [Option<&str>; 9] = [
        Some("FileUploadedToCloud"),
        Some("FileUploadedToClouX"), // same length and first four bytes
        Some("FileUploadedToCloud "),
        None,
        Some(""),
        Some("FilePrinted"),
        Some("FilePrintedX"),
        Some("FileUploadedToCloud"),
        Some("FilePrinted"),
    ];

    #[test]
    fn a_long_needle_matches_whole_values_with_or_without_shared_views() {
        for shared in [false, true] {
            let found = run(equals("FileUploadedToCloud"), &strings(&ROWS, shared));
            let t = Some(true);
            let f = Some(false);
            assert_eq!(
                found,
                vec![t, f, f, None, f, f, f, t, f],
                "shared views: {shared}"
            );
        }
    }

    #[test]
    fn a_short_needle_compares_the_inline_bytes() {
        let found = run(equals("FilePrinted"), &strings(&ROWS, false));
        let t = Some(true);
        let f = Some(false);
        assert_eq!(found, vec![f, f, f, None, f, t, f, f, t]);
        let empty = run(equals(""), &strings(&ROWS, false));
        assert_eq!(empty, vec![f, f, f, None, t, f, f, f, f]);
    }

    #[test]
    fn in_and_not_in_keep_nulls_null() {
        let needles = ["FilePrinted", "FileUploadedToCloud"];
        let t = Some(true);
        let f = Some(false);
        let found = run(among(&needles, false), &strings(&ROWS, true));
        assert_eq!(found, vec![t, f, f, None, f, t, f, t, t]);
        let not_found = run(among(&needles, true), &strings(&ROWS, true));
        assert_eq!(not_found, vec![f, t, t, None, t, f, t, f, f]);
    }

    #[test]
    fn agrees_with_arrows_comparison_on_many_values() {
        // Strings over a small alphabet with lengths 0 to 20, so that many share length and
        // first bytes with a needle without being equal.
        let values: Vec<Option<String>> = (0..5000u32)
            .map(|i| {
                let len = (i * 7 % 21) as usize;
                let text: String = (0..len)
                    .map(|k| (b'a' + ((i >> k) % 2) as u8) as char)
                    .collect();
                (i % 11 != 0).then_some(text)
            })
            .collect();
        let refs: Vec<Option<&str>> = values.iter().map(|v| v.as_deref()).collect();
        for shared in [false, true] {
            let array = strings(&refs, shared);
            for needle in [
                "",
                "a",
                "abab",
                "aaaaaaaaaaaa",
                "aaaaaaaaaaaaa",
                "abababababababab",
            ] {
                let expected = cmp::eq(&array, &StringViewArray::new_scalar(needle)).unwrap();
                let expected: Vec<Option<bool>> = expected.iter().collect();
                assert_eq!(
                    run(equals(needle), &array),
                    expected,
                    "{needle:?}, shared {shared}"
                );
            }
        }
    }

    #[test]
    fn only_string_view_columns_and_short_literal_lists_are_taken() {
        let numbers = Schema::new(vec![Field::new("s", DataType::Int64, true)]);
        let column = Arc::new(Column::new("s", 0));
        let on_numbers: Arc<dyn PhysicalExpr> =
            Arc::new(BinaryExpr::new(column, Operator::Eq, lit(1i64)));
        assert!(ViewIn::recognise(&on_numbers, &numbers).is_none());
        let long: Vec<String> = (0..MAX_NEEDLES + 1).map(|i| i.to_string()).collect();
        let long: Vec<&str> = long.iter().map(String::as_str).collect();
        assert!(ViewIn::recognise(&among(&long, false), &schema()).is_none());
    }
}
