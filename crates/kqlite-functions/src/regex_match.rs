//! `matches regex` against a constant pattern: compiled once per query, and evaluated once per
//! distinct value (per view of a batch, per dictionary entry across batches), where
//! DataFusion's `regexp_like` runs the automaton on every row.

use std::sync::{Arc, Mutex, PoisonError};

use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use regex::Regex;

use crate::dictionary_answers::DictionaryAnswers;

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
            answers: DictionaryAnswers::default(),
        });
        *last = Some(Arc::clone(&compiled));
        Ok(compiled)
    }
}
