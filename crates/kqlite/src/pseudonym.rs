//! Pseudonymised mode (`--pseudonymize KEYFILE`), as Purview Insider Risk Management shows
//! identities: every identity value (a user's UPN, account name, SID or object id, an
//! e-mail address, a device name, an IP address) becomes a stable keyed label such as
//! `User-3f2a9c1b04d7` (HMAC-SHA256 of the value, lower-cased, under the key), at the scan.
//! Identity columns are replaced whole; in every other text column (paths, URLs, subjects,
//! JSON) each known identity value is replaced where it stands as a word. Filters, joins
//! and group-bys work on labels across tables and runs; real values never reach the output.
//! `reveal` turns a label back into its value.

use std::collections::HashMap;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringViewBuilder};
use datafusion::arrow::datatypes::DataType;
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use hmac::{KeyInit, Mac};

/// The kinds of identity, by the column names that hold them.
const USER_SUFFIXES: &[&str] = &[
    "Upn",
    "UPN",
    "AccountName",
    "AccountObjectId",
    "AccountSid",
    "AccountDisplayName",
    "AccountEmail",
    "UserPrincipalName",
    "UserId",
    "EmailAddress",
    "FromAddress",
    "SenderDisplayName",
    "RecipientEmailAddress",
];
const DEVICE_SUFFIXES: &[&str] = &["DeviceName"];
const IP_SUFFIXES: &[&str] = &["IP", "IPAddress", "IpAddress"];

/// The label prefix of an identity column, by its name; None for other columns.
pub fn identity_kind(column: &str) -> Option<&'static str> {
    let ends = |list: &[&str]| list.iter().any(|s| column.ends_with(s));
    if ends(USER_SUFFIXES) {
        Some("User")
    } else if ends(DEVICE_SUFFIXES) {
        Some("Device")
    } else if ends(IP_SUFFIXES) {
        Some("IP")
    } else {
        None
    }
}

/// Values shorter than this are not looked for inside other text (`a`, `-`, `::1`).
const SHORTEST_FOUND_IN_TEXT: usize = 4;

/// The key and the identity values met in the data, with their labels.
pub struct Pseudonyms {
    key: Vec<u8>,
    /// Lower-cased value -> label, and back.
    labels: HashMap<String, String>,
    values: HashMap<String, String>,
    matcher: Option<AhoCorasick>,
    /// The labels of the matcher's patterns, in its order.
    pattern_labels: Vec<String>,
}

impl Pseudonyms {
    /// The pseudonyms of `identities` (kind, value) under `key`.
    pub fn new(key: Vec<u8>, identities: Vec<(&'static str, String)>) -> Pseudonyms {
        let mut p = Pseudonyms {
            key,
            labels: HashMap::new(),
            values: HashMap::new(),
            matcher: None,
            pattern_labels: Vec::new(),
        };
        for (kind, value) in identities {
            let label = p.label(kind, &value);
            p.values
                .entry(label.clone())
                .or_insert_with(|| value.clone());
            p.labels.insert(value.to_lowercase(), label);
        }
        let patterns: Vec<(&String, &String)> = p
            .labels
            .iter()
            .filter(|(v, _)| v.chars().count() >= SHORTEST_FOUND_IN_TEXT)
            .collect();
        p.pattern_labels = patterns.iter().map(|(_, l)| (*l).clone()).collect();
        p.matcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .build(patterns.iter().map(|(v, _)| v.as_str()))
            .ok();
        p
    }

    /// `Kind-` and 12 hex digits of HMAC-SHA256(key, lower-cased value).
    pub fn label(&self, kind: &str, value: &str) -> String {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&self.key)
            .expect("HMAC takes a key of any length");
        mac.update(value.to_lowercase().as_bytes());
        let digest = mac.finalize().into_bytes();
        let hex: String = digest[..6].iter().map(|b| format!("{b:02x}")).collect();
        format!("{kind}-{hex}")
    }

    /// The value a label stands for, if the data holds it.
    pub fn reveal(&self, label: &str) -> Option<&str> {
        self.values.get(label).map(String::as_str)
    }

    /// `text` with each known identity that stands as a word replaced by its label.
    fn scrub(&self, text: &str) -> Option<String> {
        let matcher = self.matcher.as_ref()?;
        let mut out = String::new();
        let mut last = 0;
        for m in matcher.find_iter(text) {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            if before.is_some_and(char::is_alphanumeric) || after.is_some_and(char::is_alphanumeric)
            {
                continue;
            }
            out.push_str(&text[last..m.start()]);
            out.push_str(&self.pattern_labels[m.pattern().as_usize()]);
            last = m.end();
        }
        (last > 0).then(|| out + &text[last..])
    }
}

/// How a column is rewritten at the scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rewrite {
    /// An identity column: each value becomes its label.
    Label(&'static str),
    /// Any other text: identities inside are replaced.
    Scrub,
}

/// The scan's rewrite of one text column, as a function over whole arrays.
pub struct PseudonymUdf {
    pseudonyms: Arc<Pseudonyms>,
    rewrite: Rewrite,
    signature: Signature,
}

impl std::fmt::Debug for PseudonymUdf {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pseudonym({:?})", self.rewrite)
    }
}

impl PartialEq for PseudonymUdf {
    fn eq(&self, other: &Self) -> bool {
        self.rewrite == other.rewrite && Arc::ptr_eq(&self.pseudonyms, &other.pseudonyms)
    }
}
impl Eq for PseudonymUdf {}
impl std::hash::Hash for PseudonymUdf {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.rewrite.hash(state);
    }
}

impl PseudonymUdf {
    pub fn udf(pseudonyms: Arc<Pseudonyms>, rewrite: Rewrite) -> ScalarUDF {
        ScalarUDF::new_from_impl(PseudonymUdf {
            pseudonyms,
            rewrite,
            signature: Signature::exact(vec![DataType::Utf8View], Volatility::Immutable),
        })
    }

    fn rewrite(&self, value: &str) -> Option<String> {
        match self.rewrite {
            Rewrite::Label(_) if value.is_empty() => None,
            Rewrite::Label(kind) => Some(self.pseudonyms.label(kind, value)),
            Rewrite::Scrub => self.pseudonyms.scrub(value),
        }
    }
}

impl ScalarUDFImpl for PseudonymUdf {
    fn name(&self) -> &str {
        match self.rewrite {
            Rewrite::Label(_) => "__kql_pseudonym",
            Rewrite::Scrub => "__kql_scrub",
        }
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Utf8View)
    }
    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let array = match &args.args[0] {
            ColumnarValue::Array(a) => Arc::clone(a),
            ColumnarValue::Scalar(s) => s.to_array_of_size(1)?,
        };
        let text = array.as_string_view();
        let mut out = StringViewBuilder::with_capacity(text.len());
        for value in text.iter() {
            match value {
                None => out.append_null(),
                Some(v) => match self.rewrite(v) {
                    Some(changed) => out.append_value(changed),
                    None => out.append_value(v),
                },
            }
        }
        let result: ArrayRef = Arc::new(out.finish());
        match &args.args[0] {
            ColumnarValue::Scalar(_) => Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &result, 0,
            )?)),
            ColumnarValue::Array(_) => Ok(ColumnarValue::Array(result)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_stable_keyed_and_case_blind() {
        let p = Pseudonyms::new(
            b"key one".to_vec(),
            vec![("User", "Megan@Contoso.com".into())],
        );
        let label = p.label("User", "megan@contoso.com");
        assert_eq!(label, p.label("User", "MEGAN@contoso.com"));
        assert!(label.starts_with("User-") && label.len() == 17, "{label}");
        let other = Pseudonyms::new(b"key two".to_vec(), Vec::new());
        assert_ne!(label, other.label("User", "megan@contoso.com"));
        assert_eq!(p.reveal(&label), Some("Megan@Contoso.com"));
    }

    #[test]
    fn identities_inside_text_are_replaced_as_words() {
        let p = Pseudonyms::new(b"k".to_vec(), vec![("User", "megan.bowen".into())]);
        let label = p.label("User", "megan.bowen");
        let path = p
            .scrub(r"C:\Users\Megan.Bowen\Documents\plan.docx")
            .unwrap();
        assert_eq!(path, format!(r"C:\Users\{label}\Documents\plan.docx"));
        assert_eq!(p.scrub("xmegan.bowenx"), None);
    }
}
