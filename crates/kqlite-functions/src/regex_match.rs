//! `matches regex` against a constant pattern: compiled once per query, and evaluated once per
//! distinct value (per view of a batch, per dictionary entry across batches), where
//! DataFusion's `regexp_like` runs the automaton on every row.

use std::sync::{Arc, Mutex, PoisonError};

use datafusion::arrow::array::{Array, AsArray, BooleanArray, StringViewArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use memchr::memmem::Finder;
use regex::Regex;
use regex_syntax::hir::literal::{ExtractKind, Extractor};

use crate::dictionary_answers::DictionaryAnswers;
use crate::row_bits::answers_array;
use crate::stretch_search::StretchSearch;

/// `kql_matches_regex(value, 'pattern')`; None when `pattern` does not compile (the caller
/// keeps DataFusion's function and its error).
pub fn call(value: Expr, pattern: &str) -> Option<Expr> {
    Regex::new(pattern).ok()?;
    let udf = ScalarUDF::new_from_impl(RegexMatch::default());
    Some(udf.call(vec![value, datafusion::prelude::lit(pattern)]))
}

#[derive(Debug)]
pub struct RegexMatch {
    signature: Signature,
    /// The last pattern compiled, with its answers: the same for every batch of a query.
    last: Mutex<Option<Arc<Compiled>>>,
}

#[derive(Debug)]
struct Compiled {
    pattern: String,
    regex: Regex,
    /// Bytes every match holds: values without them are ruled out by one search through the
    /// batch's bytes ([`StretchSearch`]) before the automaton runs on the rest.
    required: Option<Finder<'static>>,
    answers: DictionaryAnswers,
}

impl Default for RegexMatch {
    fn default() -> Self {
        RegexMatch {
            signature: Signature::any(2, Volatility::Immutable),
            last: Mutex::new(None),
        }
    }
}

impl PartialEq for RegexMatch {
    fn eq(&self, _other: &Self) -> bool {
        true
    }
}

impl Eq for RegexMatch {}

impl std::hash::Hash for RegexMatch {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name().hash(state);
    }
}

impl ScalarUDFImpl for RegexMatch {
    fn name(&self) -> &str {
        "kql_matches_regex"
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value, pattern] = args.args.as_slice() else {
            return exec_err!("matches regex needs a value and a pattern");
        };
        let ColumnarValue::Scalar(
            ScalarValue::Utf8(Some(pattern)) | ScalarValue::Utf8View(Some(pattern)),
        ) = pattern
        else {
            return exec_err!("matches regex needs a constant pattern");
        };
        let compiled = self.compiled(pattern)?;
        let values = value.clone().into_array(args.number_rows)?;
        if let Some(result) = values
            .as_string_view_opt()
            .and_then(|v| compiled.prefiltered(v))
        {
            return Ok(ColumnarValue::Array(Arc::new(result)));
        }
        let test = |text: &str| compiled.regex.is_match(text);
        let result = compiled.answers.eval_column(&values, &test)?;
        Ok(ColumnarValue::Array(Arc::new(result)))
    }
}

impl RegexMatch {
    fn compiled(&self, pattern: &str) -> Result<Arc<Compiled>> {
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(compiled) = last.as_ref().filter(|c| c.pattern == pattern) {
            return Ok(Arc::clone(compiled));
        }
        let regex = match Regex::new(pattern) {
            Ok(regex) => regex,
            Err(e) => return exec_err!("invalid regular expression {pattern:?}: {e}"),
        };
        let compiled = Arc::new(Compiled {
            pattern: pattern.to_string(),
            regex,
            required: required_literal(pattern).map(|l| Finder::new(&l).into_owned()),
            answers: DictionaryAnswers::default(),
        });
        *last = Some(Arc::clone(&compiled));
        Ok(compiled)
    }
}

impl Compiled {
    /// The answers over a batch, the automaton run only on the values holding the required
    /// bytes; None without such bytes or where the search would not pay.
    fn prefiltered(&self, views: &StringViewArray) -> Option<BooleanArray> {
        let finder = self.required.as_ref()?;
        let search = StretchSearch {
            finder,
            fold: false,
            ascii_only: false,
        };
        let holding = search.contains(views, |v| finder.find(v.as_bytes()).is_some())?;
        let mut answers = vec![0u64; views.len().div_ceil(64)];
        for i in holding.values().set_indices() {
            answers[i / 64] |= u64::from(self.regex.is_match(views.value(i))) << (i % 64);
        }
        // A null is "", which holds no required bytes: no match.
        Some(answers_array(views, answers, false))
    }
}

/// The bytes every match of `pattern` starts with, when there are at least two: the longest
/// prefix common to the literals regex-syntax finds a match must begin with.
fn required_literal(pattern: &str) -> Option<Vec<u8>> {
    let hir = regex_syntax::parse(pattern).ok()?;
    let starts = Extractor::new().kind(ExtractKind::Prefix).extract(&hir);
    let common = starts.longest_common_prefix()?;
    (common.len() >= 2).then(|| common.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bytes_every_match_starts_with() {
        let required = |p: &str| required_literal(p).map(|l| String::from_utf8(l).unwrap());
        assert_eq!(
            required(r"^Price List_\d+\.xlsx$").as_deref(),
            Some("Price List_")
        );
        assert_eq!(
            required(r"Removable(Media)?$").as_deref(),
            Some("Removable")
        );
        assert_eq!(required(r"(?i)price"), None, "case folded: many spellings");
        assert_eq!(required(r"^(ab|cd)x"), None);
        assert_eq!(required(r"[0-9]"), None);
        assert_eq!(required(r"^$"), None);
    }
}
