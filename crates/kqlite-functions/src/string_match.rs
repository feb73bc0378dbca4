//! `has`, `contains`, `startswith`, `endswith`, `=~` and their `_cs`, `has_any`, `has_all` forms.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use datafusion::arrow::array::{ArrayRef, AsArray, BooleanArray, StringViewArray};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDFImpl, Signature, Volatility,
};

use super::dictionary_answers::DictionaryAnswers;
use super::folded_match::{
    affix_ascii_ci, ends_with_folded, folds_into_ascii, starts_with_folded, OneNeedle,
};
use super::strings::{
    eq_any_ascii_ignore_case, eq_ignore_case, eval_strings, eval_strings_each, eval_strings_quick,
    folded_lengths, is_term_byte, ruled_out_by_length,
};
use super::wide_needle::{Part, WideNeedle};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MatchOp {
    Equals,
    Has,
    HasPrefix,
    HasSuffix,
    Contains,
    StartsWith,
    EndsWith,
}

/// `kql_<op>[_cs][_all](haystack, needle, ...)`: true when any needle (or, with `all`, every
/// needle) matches. Needles are usually literals; column needles take a slower row-wise path.
#[derive(Debug)]
pub struct StringMatch {
    op: MatchOp,
    case_sensitive: bool,
    all: bool,
    name: String,
    signature: Signature,
    /// The matcher of the last batch: literal needles are the same for every batch of a
    /// query, and building an automaton for a long `has_any` list per batch would dominate.
    last: std::sync::Mutex<Option<std::sync::Arc<Matcher>>>,
}

impl PartialEq for StringMatch {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for StringMatch {}

impl std::hash::Hash for StringMatch {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl StringMatch {
    pub fn new(op: MatchOp, case_sensitive: bool, all: bool) -> Self {
        let name = format!(
            "kql_{}{}{}",
            format!("{op:?}").to_lowercase(),
            if case_sensitive { "_cs" } else { "" },
            if all { "_all" } else { "" }
        );
        let signature = Signature::variadic_any(Volatility::Immutable);
        StringMatch {
            op,
            case_sensitive,
            all,
            name,
            signature,
            last: std::sync::Mutex::new(None),
        }
    }
}

impl ScalarUDFImpl for StringMatch {
    fn name(&self) -> &str {
        &self.name
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _arg_types: &[DataType]) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let mut values = args.args.into_iter();
        let Some(haystack) = values.next() else {
            return exec_err!("{} needs a string and a pattern", self.name);
        };
        let haystack = haystack.into_array(rows)?;
        let needles: Vec<ColumnarValue> = values.collect();
        let result = match literal_needles(&needles) {
            Some(needles) => self.matcher(needles).eval(&haystack)?,
            None => self.row_wise(&haystack, &needles, rows)?,
        };
        Ok(ColumnarValue::Array(std::sync::Arc::new(result)))
    }
}

impl StringMatch {
    /// The matcher for `needles`: the last one when the needles are the same.
    fn matcher(&self, needles: Vec<String>) -> std::sync::Arc<Matcher> {
        let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        match last.as_ref() {
            Some(m) if m.needles == needles => std::sync::Arc::clone(m),
            _ => {
                let built = std::sync::Arc::new(Matcher::new(
                    self.op,
                    self.case_sensitive,
                    self.all,
                    needles,
                ));
                *last = Some(std::sync::Arc::clone(&built));
                built
            }
        }
    }

    /// Needles that vary per row: compare each row with its own needles.
    fn row_wise(
        &self,
        haystack: &ArrayRef,
        needles: &[ColumnarValue],
        rows: usize,
    ) -> Result<BooleanArray> {
        let arrays = needles
            .iter()
            .map(|n| n.clone().into_array(rows))
            .collect::<Result<Vec<_>>>()?;
        // Rows are visited in order only for plain string arrays.
        let haystack = datafusion::arrow::compute::cast(haystack, &DataType::Utf8View)?;
        let row = std::cell::Cell::new(0usize);
        eval_strings_each(&haystack, &|hay| {
            let i = row.get();
            row.set(i + 1);
            let mut each = arrays.iter().map(|a| {
                let needle = ScalarValue::try_from_array(a, i).ok();
                let needle = needle.as_ref().and_then(scalar_str).unwrap_or("");
                matches_one(self.op, self.case_sensitive, hay, needle)
            });
            if self.all {
                each.all(|m| m)
            } else {
                each.any(|m| m)
            }
        })
    }
}

fn literal_needles(needles: &[ColumnarValue]) -> Option<Vec<String>> {
    needles
        .iter()
        .map(|n| match n {
            ColumnarValue::Scalar(s) => Some(scalar_str(s).unwrap_or("").to_string()),
            ColumnarValue::Array(_) => None,
        })
        .collect()
}

fn scalar_str(value: &ScalarValue) -> Option<&str> {
    match value {
        ScalarValue::Utf8(s) | ScalarValue::LargeUtf8(s) | ScalarValue::Utf8View(s) => s.as_deref(),
        ScalarValue::Dictionary(_, inner) => scalar_str(inner),
        _ => None,
    }
}

/// A compiled set of literal needles.
#[derive(Debug)]
struct Matcher {
    op: MatchOp,
    case_sensitive: bool,
    all: bool,
    needles: Vec<String>,
    /// Multi-pattern searcher for substring and term operators (ASCII case folding).
    searcher: Option<AhoCorasick>,
    /// Whether a value with characters other than ASCII can hold a needle once folded (by
    /// the Kelvin sign or the dotted capital I), which the ASCII searcher would miss.
    folds_into_ascii: bool,
    /// `=~` against ASCII needles: compared in place, length first.
    ascii_equals: Option<Vec<String>>,
    /// `contains` of one needle: `memchr`-driven, no automaton.
    one: Option<OneNeedle>,
    /// `startswith`/`endswith` of ASCII needles ignoring case: the value's ends compared in place.
    ascii_affix: bool,
    /// `startswith`, `endswith`, `==` or `=~` of one ASCII needle: one word compared a value.
    wide: Option<WideNeedle>,
    /// Answers per dictionary entry of the column chunks being read.
    answers: DictionaryAnswers,
}

impl Matcher {
    fn new(op: MatchOp, case_sensitive: bool, all: bool, needles: Vec<String>) -> Self {
        let substring_op = !matches!(
            op,
            MatchOp::Equals | MatchOp::StartsWith | MatchOp::EndsWith
        );
        let foldable = case_sensitive || needles.iter().all(|n| n.is_ascii());
        let searcher = (substring_op && foldable && !all && !needles.is_empty())
            .then(|| {
                AhoCorasickBuilder::new()
                    .ascii_case_insensitive(!case_sensitive)
                    .match_kind(MatchKind::Standard)
                    .build(&needles)
                    .ok()
            })
            .flatten();
        let ascii_equals = (op == MatchOp::Equals
            && !case_sensitive
            && !all
            && needles.iter().all(|n| n.is_ascii()))
        .then(|| needles.clone());
        let one = match needles.as_slice() {
            [needle] if op == MatchOp::Contains => OneNeedle::new(needle, case_sensitive),
            _ => None,
        };
        let ascii_affix = matches!(op, MatchOp::StartsWith | MatchOp::EndsWith)
            && !case_sensitive
            && needles.iter().all(|n| n.is_ascii());
        let part = match op {
            MatchOp::StartsWith => Some(Part::Start),
            MatchOp::EndsWith => Some(Part::End),
            MatchOp::Equals => Some(Part::Whole),
            _ => None,
        };
        let wide = match (part, needles.as_slice()) {
            (Some(part), [needle]) => WideNeedle::new(needle, part, !case_sensitive),
            _ => None,
        };
        let folds_into_ascii =
            !case_sensitive && needles.iter().any(|n| folds_into_ascii(n.as_bytes()));
        Matcher {
            op,
            case_sensitive,
            all,
            needles,
            wide,
            searcher,
            folds_into_ascii,
            ascii_equals,
            one,
            ascii_affix,
            answers: DictionaryAnswers::default(),
        }
    }

    /// [`Matcher::matches`] over a column, with the test chosen once per batch so that
    /// the common ones are inlined into the loop over the rows.
    fn eval(&self, haystack: &ArrayRef) -> Result<BooleanArray> {
        let by_views = haystack
            .as_string_view_opt()
            .and_then(|v| self.eval_views(v));
        if let Some(answers) = by_views {
            return Ok(answers);
        }
        let suffix = self.op == MatchOp::EndsWith;
        match (&self.one, self.needles.as_slice()) {
            (Some(one), _) => self.eval_with(haystack, &|hay| one.is_match(hay)),
            (None, [needle]) if self.ascii_affix => {
                self.eval_with(haystack, &|hay| affix_ascii_ci(hay, needle, suffix))
            }
            _ => match &self.ascii_equals {
                Some(ascii) => {
                    let lengths = folded_lengths(ascii);
                    eval_strings_quick(
                        haystack,
                        &|view| ruled_out_by_length(lengths, view),
                        &|hay| eq_any_ascii_ignore_case(hay, ascii),
                    )
                }
                None => self.eval_with(haystack, &|hay| self.matches(hay)),
            },
        }
    }

    /// The kernels that read a batch's views and buffers directly: one word a value, or one
    /// search through the bytes the values occupy. None where neither applies.
    fn eval_views(&self, views: &StringViewArray) -> Option<BooleanArray> {
        if let Some(wide) = &self.wide {
            return Some(wide.eval(views, |hay| self.matches(hay)));
        }
        self.one.as_ref()?.is_match_each(views)
    }

    /// `test` over the column: once per distinct view of the batch and, for the searches
    /// through the value (which cost more than a lookup in a table as large as a dictionary),
    /// once per dictionary entry where the rows come from dictionary pages.
    fn eval_with<F: Fn(&str) -> bool>(
        &self,
        haystack: &ArrayRef,
        test: &F,
    ) -> Result<BooleanArray> {
        let searches = !matches!(
            self.op,
            MatchOp::Equals | MatchOp::StartsWith | MatchOp::EndsWith
        );
        if searches {
            self.answers.eval_column(haystack, test)
        } else {
            eval_strings(haystack, test)
        }
    }

    fn matches(&self, hay: &str) -> bool {
        if let Some(one) = &self.one {
            return one.is_match(hay);
        }
        if self.ascii_affix {
            let suffix = self.op == MatchOp::EndsWith;
            return self.each(|n| affix_ascii_ci(hay, n, suffix));
        }
        if let Some(searcher) = &self.searcher {
            return self.search(searcher, hay);
        }
        if let Some(ascii) = &self.ascii_equals {
            return eq_any_ascii_ignore_case(hay, ascii);
        }
        self.each(|n| matches_one(self.op, self.case_sensitive, hay, n))
    }

    /// Whether any needle (every needle, with `all`) passes `test`.
    fn each(&self, test: impl Fn(&str) -> bool) -> bool {
        if self.all {
            self.needles.iter().all(|n| test(n))
        } else {
            self.needles.iter().any(|n| test(n))
        }
    }

    /// The ASCII search, then, for a value it cannot read (one folding into ASCII), the
    /// Unicode comparison.
    fn search(&self, searcher: &AhoCorasick, hay: &str) -> bool {
        self.search_ascii(searcher, hay)
            || (self.folds_into_ascii
                && !hay.is_ascii()
                && self.each(|n| matches_one(self.op, false, hay, n)))
    }

    fn search_ascii(&self, searcher: &AhoCorasick, hay: &str) -> bool {
        if self.op == MatchOp::Contains {
            return searcher.is_match(hay);
        }
        searcher.find_overlapping_iter(hay).any(|m| {
            let needle = &self.needles[m.pattern().as_usize()];
            term_bounded(self.op, hay.as_bytes(), needle.as_bytes(), m.start())
        })
    }
}

/// Whether the occurrence of `needle` at `start` stands on the term boundaries `op` requires.
fn term_bounded(op: MatchOp, hay: &[u8], needle: &[u8], start: usize) -> bool {
    let end = start + needle.len();
    let left = op == MatchOp::HasSuffix
        || !needle.first().is_some_and(|b| is_term_byte(*b))
        || start == 0
        || !is_term_byte(hay[start - 1]);
    let right = op == MatchOp::HasPrefix
        || !needle.last().is_some_and(|b| is_term_byte(*b))
        || end == hay.len()
        || !is_term_byte(hay[end]);
    left && right
}

/// The reference semantics for one needle; the searcher above is a faster path to the same.
pub fn matches_one(op: MatchOp, case_sensitive: bool, hay: &str, needle: &str) -> bool {
    let unicode = !case_sensitive && (!hay.is_ascii() || !needle.is_ascii());
    match op {
        MatchOp::StartsWith if unicode => return starts_with_folded(hay, needle),
        MatchOp::EndsWith if unicode => return ends_with_folded(hay, needle),
        _ => {}
    }
    if unicode && op != MatchOp::Equals {
        let (hay, needle) = (hay.to_lowercase(), needle.to_lowercase());
        return matches_one(op, true, &hay, &needle);
    }
    let eq = |a: &[u8], b: &[u8]| {
        if case_sensitive {
            a == b
        } else {
            a.eq_ignore_ascii_case(b)
        }
    };
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    match op {
        MatchOp::Equals if case_sensitive => hay == needle,
        MatchOp::Equals => eq_ignore_case(hay, needle),
        MatchOp::StartsWith => h.len() >= n.len() && eq(&h[..n.len()], n),
        MatchOp::EndsWith => h.len() >= n.len() && eq(&h[h.len() - n.len()..], n),
        MatchOp::Contains => n.is_empty() || occurrences(h, n, &eq).next().is_some(),
        MatchOp::Has | MatchOp::HasPrefix | MatchOp::HasSuffix => {
            occurrences(h, n, &eq).any(|start| term_bounded(op, h, n, start))
        }
    }
}

fn occurrences<'a>(
    hay: &'a [u8],
    needle: &'a [u8],
    eq: &'a dyn Fn(&[u8], &[u8]) -> bool,
) -> impl Iterator<Item = usize> + 'a {
    let last = hay.len().checked_sub(needle.len());
    (0..=last.unwrap_or(0))
        .filter(move |_| last.is_some())
        .filter(move |&i| eq(&hay[i..i + needle.len()], needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(hay: &str, needle: &str) -> bool {
        let fast = Matcher::new(MatchOp::Has, false, false, vec![needle.to_string()]).matches(hay);
        assert_eq!(
            fast,
            matches_one(MatchOp::Has, false, hay, needle),
            "{hay} has {needle}"
        );
        fast
    }

    #[test]
    fn has_matches_whole_terms_only() {
        assert!(!has(r"E:\exfil\x", "exfi"));
        assert!(has(r"E:\exfil\x", "EXFIL"));
        assert!(has("mail.google.com", "google"));
        assert!(has("mail.google.com", "mail.google"));
        assert!(!has("mail.googlemail.com", "google"));
        assert!(has("user_name", "name"), "underscore separates terms");
        assert!(has("Kusto: ad67d136-c1db", "c1db"));
        assert!(has("\u{212A}-sign", "k"), "the Kelvin sign folds to k");
        assert!(has("x \u{130}stanbul", "i\u{307}stanbul"));
        assert!(!has("\u{212A}file", "file"));
    }

    #[test]
    fn prefix_and_suffix_terms() {
        assert!(matches_one(
            MatchOp::HasPrefix,
            false,
            "North America",
            "amer"
        ));
        assert!(!matches_one(
            MatchOp::HasPrefix,
            false,
            "North America",
            "merica"
        ));
        assert!(matches_one(
            MatchOp::HasSuffix,
            false,
            "North America",
            "rica"
        ));
    }

    #[test]
    fn case_rules() {
        assert!(matches_one(MatchOp::Contains, false, "FabriKam", "BRik"));
        assert!(!matches_one(MatchOp::Contains, true, "FabriKam", "BRik"));
        assert!(matches_one(MatchOp::EndsWith, false, "Fabrikam", "KAM"));
        assert!(matches_one(MatchOp::Equals, false, "ÄBC", "äbc"));
        assert!(!matches_one(MatchOp::StartsWith, false, "ab", "abc"));
    }
}
