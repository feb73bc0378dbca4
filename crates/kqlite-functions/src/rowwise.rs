//! One generic scalar UDF for the text-shaped functions (`extract`, `split`, dynamic access...):
//! it reads every argument as text once per batch (constants once per batch, columns in place
//! whatever their string layout), runs a row function, and appends into one output builder.
//! Regexes are compiled once per distinct pattern per batch.

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanBuilder, Float64Builder, Int64Builder, LargeStringArray,
    LargeStringBuilder, StringArray, StringBuilder, StringViewArray,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::Expr;
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use regex::Regex;

use crate::view_memo::ViewMemo;

/// What a row function sees besides its arguments: their original types, a regex cache, and
/// the first error met (reported once the batch is done).
pub struct Ctx {
    pub types: Vec<DataType>,
    regexes: HashMap<String, Regex>,
    pub error: Option<String>,
}

impl Ctx {
    pub fn new(types: Vec<DataType>) -> Self {
        Ctx {
            types,
            regexes: HashMap::new(),
            error: None,
        }
    }

    /// The compiled `pattern`, or None (with the error recorded) when it is not a valid regex.
    pub fn regex(&mut self, pattern: &str) -> Option<&Regex> {
        if !self.regexes.contains_key(pattern) {
            match Regex::new(pattern) {
                Ok(re) => {
                    self.regexes.insert(pattern.to_string(), re);
                }
                Err(e) => {
                    self.error
                        .get_or_insert_with(|| format!("invalid regex {pattern:?}: {e}"));
                    return None;
                }
            }
        }
        self.regexes.get(pattern)
    }

    pub fn is_integer(&self, arg: usize) -> bool {
        self.types.get(arg).is_some_and(|t| t.is_integer())
    }
}

type Row<'a> = [Option<&'a str>];

/// A row function and the type it returns. A text function returns false for null.
#[derive(Clone, Copy, Debug)]
pub enum RowFn {
    Text(TextFn),
    /// A text function whose result is a `dynamic` value (JSON text, see `json.rs`).
    Dynamic(TextFn),
    Long(fn(&mut Ctx, &Row) -> Option<i64>),
    Real(fn(&mut Ctx, &Row) -> Option<f64>),
    Bool(fn(&mut Ctx, &Row) -> Option<bool>),
}

/// Kernels are equal when their names are: each name stands for one row function.
#[derive(Debug)]
pub struct RowKernel {
    name: String,
    f: RowFn,
    signature: Signature,
}

impl PartialEq for RowKernel {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for RowKernel {}

impl std::hash::Hash for RowKernel {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl RowKernel {
    pub fn new(name: &str, f: RowFn) -> Self {
        RowKernel {
            name: name.to_string(),
            f,
            signature: Signature::variadic_any(Volatility::Immutable),
        }
    }

    /// The row function this kernel runs.
    pub fn row_fn(&self) -> RowFn {
        self.f
    }
}

/// A call of the row function `f` named `name` (the name shows in plans).
pub fn call(name: &str, f: RowFn, args: Vec<Expr>) -> Expr {
    Arc::new(ScalarUDF::new_from_impl(RowKernel::new(name, f))).call(args)
}

impl ScalarUDFImpl for RowKernel {
    fn name(&self) -> &str {
        &self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(match self.f {
            RowFn::Text(_) => DataType::Utf8,
            RowFn::Dynamic(_) => crate::types::dynamic_type(),
            RowFn::Long(_) => DataType::Int64,
            RowFn::Real(_) => DataType::Float64,
            RowFn::Bool(_) => DataType::Boolean,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let types = args
            .arg_fields
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        let columns = args
            .args
            .into_iter()
            .map(TextArg::new)
            .collect::<Result<Vec<_>>>()?;
        let mut ctx = Ctx::new(types);
        let out = run(self.f, &mut ctx, &columns, rows);
        if let Some(error) = ctx.error {
            return exec_err!("{}(): {error}", self.name);
        }
        Ok(ColumnarValue::Array(out))
    }
}

/// Runs `f` over the rows. When one argument varies and the others are constants, the answer
/// depends on that value alone: it is computed once per distinct view of the batch
/// ([`ViewMemo`]), so a repeated JSON value, URL or path is parsed once.
fn run(f: RowFn, ctx: &mut Ctx, columns: &[TextArg], rows: usize) -> ArrayRef {
    let mut fill = RowReader::new(columns);
    let views = varying_views(columns);
    // A null and "" share a view: nulls are not remembered.
    let key = |i: usize| views.filter(|a| a.is_valid(i)).map(|a| a.views()[i]);
    match f {
        RowFn::Text(f) => {
            let mut out = StringBuilder::with_capacity(rows, rows * 8);
            texts(f, ctx, &mut fill, &key, views.is_some(), rows, &mut out);
            Arc::new(out.finish())
        }
        RowFn::Dynamic(f) => {
            let mut out = LargeStringBuilder::with_capacity(rows, rows * 8);
            texts(f, ctx, &mut fill, &key, views.is_some(), rows, &mut out);
            Arc::new(out.finish())
        }
        RowFn::Long(f) => {
            let mut out = Int64Builder::with_capacity(rows);
            let mut memo = views.and_then(|_| ViewMemo::for_rows(rows));
            for i in 0..rows {
                out.append_option(remembered(&mut memo, key(i), || f(ctx, fill.at(i))));
            }
            Arc::new(out.finish())
        }
        RowFn::Real(f) => {
            let mut out = Float64Builder::with_capacity(rows);
            let mut memo = views.and_then(|_| ViewMemo::for_rows(rows));
            for i in 0..rows {
                out.append_option(remembered(&mut memo, key(i), || f(ctx, fill.at(i))));
            }
            Arc::new(out.finish())
        }
        RowFn::Bool(f) => {
            let mut out = BooleanBuilder::with_capacity(rows);
            let mut memo = views.and_then(|_| ViewMemo::for_rows(rows));
            for i in 0..rows {
                out.append_option(remembered(&mut memo, key(i), || f(ctx, fill.at(i))));
            }
            Arc::new(out.finish())
        }
    }
}

/// The text results: a remembered one is kept in `kept` and copied from there.
fn texts(
    f: TextFn,
    ctx: &mut Ctx,
    fill: &mut RowReader,
    key: &impl Fn(usize) -> Option<u128>,
    memoable: bool,
    rows: usize,
    out: &mut impl StringSink,
) {
    let mut memo = memoable
        .then(|| ViewMemo::<Option<(usize, usize)>>::for_rows(rows))
        .flatten();
    let (mut buffer, mut kept) = (String::new(), String::new());
    for i in 0..rows {
        let mut compute = |buffer: &mut String| {
            buffer.clear();
            f(ctx, fill.at(i), buffer)
        };
        match (memo.as_mut().filter(|m| !m.full()), key(i)) {
            (Some(memo), Some(view)) => {
                let range = memo.get_or_insert_with(view, || {
                    compute(&mut buffer).then(|| {
                        let start = kept.len();
                        kept.push_str(&buffer);
                        (start, kept.len())
                    })
                });
                out.push(range.map(|(a, b)| &kept[a..b]));
            }
            _ => {
                let found = compute(&mut buffer);
                out.push(found.then_some(buffer.as_str()));
            }
        }
    }
}

/// One row's arguments at a time, in one reused vector.
struct RowReader<'c> {
    columns: &'c [TextArg],
    row: Vec<Option<&'c str>>,
}

impl<'c> RowReader<'c> {
    fn new(columns: &'c [TextArg]) -> Self {
        let row = Vec::with_capacity(columns.len());
        RowReader { columns, row }
    }

    fn at(&mut self, i: usize) -> &Row<'c> {
        self.row.clear();
        self.row.extend(self.columns.iter().map(|c| c.get(i)));
        &self.row
    }
}

/// `compute`'s answer, from `memo` when the row has a key and the memo is still in use.
fn remembered<T: Copy>(
    memo: &mut Option<ViewMemo<T>>,
    key: Option<u128>,
    compute: impl FnOnce() -> T,
) -> T {
    match (memo.as_mut().filter(|m| !m.full()), key) {
        (Some(memo), Some(view)) => memo.get_or_insert_with(view, compute),
        _ => compute(),
    }
}

/// The views of the one argument that varies from row to row, when every other argument is a
/// constant and that one holds string views.
fn varying_views(columns: &[TextArg]) -> Option<&StringViewArray> {
    let mut varying = columns.iter().filter(|c| !c.constant);
    let only = varying.next()?;
    if varying.next().is_some() {
        return None;
    }
    match &only.texts {
        Texts::Views(views) => Some(views),
        _ => None,
    }
}

pub type TextFn = fn(&mut Ctx, &Row, &mut String) -> bool;

/// A string builder of either offset width.
trait StringSink {
    fn push(&mut self, value: Option<&str>);
}

impl StringSink for StringBuilder {
    fn push(&mut self, value: Option<&str>) {
        self.append_option(value);
    }
}

impl StringSink for LargeStringBuilder {
    fn push(&mut self, value: Option<&str>) {
        self.append_option(value);
    }
}

/// An argument as text: a column read in place, or a constant repeated.
struct TextArg {
    constant: bool,
    /// The column, its type resolved once rather than at every row.
    texts: Texts,
    /// A constant's value, read once.
    fixed: Option<String>,
}

/// A string column of one of Arrow's three layouts.
enum Texts {
    Utf8(StringArray),
    Large(LargeStringArray),
    Views(StringViewArray),
}

/// Datetimes (or timespans, `span`) as Kusto writes them.
fn time_texts(array: &ArrayRef, span: bool) -> Result<ArrayRef> {
    use datafusion::arrow::datatypes::{Int64Type, TimeUnit};
    let nanos = match span {
        true => cast(array, &DataType::Duration(TimeUnit::Nanosecond))?,
        false => cast(array, &DataType::Timestamp(TimeUnit::Nanosecond, None))?,
    };
    let nanos = cast(&nanos, &DataType::Int64)?;
    let mut out = StringBuilder::with_capacity(array.len(), array.len() * 28);
    let mut text = String::new();
    for value in nanos.as_primitive::<Int64Type>() {
        text.clear();
        match (value, span) {
            (Some(ns), true) => crate::time::push_timespan(ns, &mut text),
            (Some(ns), false) => crate::time::push_datetime(ns, &mut text),
            (None, _) => {
                out.append_null();
                continue;
            }
        }
        out.append_value(&text);
    }
    Ok(Arc::new(out.finish()))
}

impl TextArg {
    fn new(value: ColumnarValue) -> Result<Self> {
        let (array, constant) = match value {
            ColumnarValue::Array(a) => (a, false),
            ColumnarValue::Scalar(s) => (s.to_array_of_size(1)?, true),
        };
        let array = match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => array,
            DataType::Binary | DataType::LargeBinary | DataType::BinaryView => hex(&array)?,
            // Kusto's text of times (`2020-01-01T00:00:00.0000000Z`, `01:00:00`), as a dynamic
            // value holds them, not Arrow's (`2020-01-01T00:00:00Z`, `PT3600S`).
            DataType::Timestamp(..) => time_texts(&array, false)?,
            DataType::Duration(_) => time_texts(&array, true)?,
            _ => cast(&array, &DataType::Utf8)?,
        };
        let texts = match array.data_type() {
            DataType::Utf8 => Texts::Utf8(array.as_string::<i32>().clone()),
            DataType::LargeUtf8 => Texts::Large(array.as_string::<i64>().clone()),
            _ => Texts::Views(array.as_string_view().clone()),
        };
        let mut arg = TextArg {
            constant,
            texts,
            fixed: None,
        };
        arg.fixed = constant.then(|| arg.value(0).map(str::to_string)).flatten();
        Ok(arg)
    }

    fn get(&self, i: usize) -> Option<&str> {
        match self.constant {
            true => self.fixed.as_deref(),
            false => self.value(i),
        }
    }

    fn value(&self, i: usize) -> Option<&str> {
        match &self.texts {
            Texts::Utf8(a) => a.is_valid(i).then(|| a.value(i)),
            Texts::Large(a) => a.is_valid(i).then(|| a.value(i)),
            Texts::Views(a) => a.is_valid(i).then(|| a.value(i)),
        }
    }
}

/// Binary values (digests) as lowercase hex text.
fn hex(array: &ArrayRef) -> Result<ArrayRef> {
    let binary = cast(array, &DataType::Binary)?;
    let binary = binary.as_binary::<i32>();
    let mut out = StringBuilder::new();
    for value in binary {
        out.append_option(
            value.map(|bytes| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        );
    }
    Ok(Arc::new(out.finish()))
}

/// The argument `i` of a row, "" when null or absent.
pub fn text<'a>(row: &Row<'a>, i: usize) -> &'a str {
    row.get(i).copied().flatten().unwrap_or("")
}

/// The argument `i` as an integer, if present and numeric.
pub fn long(row: &Row, i: usize) -> Option<i64> {
    let t = row.get(i).copied().flatten()?.trim();
    t.parse::<i64>()
        .ok()
        .or_else(|| t.parse::<f64>().ok().map(|f| f as i64))
}
