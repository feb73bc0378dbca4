//! Case-insensitive matching decided per value without allocating.
//!
//! Kusto folds case by Unicode, so a value with non-ASCII letters can match an ASCII needle
//! (the Kelvin sign folds to `k`). The fast paths below only decide where the bytes they read
//! are ASCII, whose folding is bytewise and keeps its place in the folded value; anything else
//! takes the Unicode comparison, char by char.

use datafusion::arrow::array::{BooleanArray, StringViewArray};
use memchr::memmem;

use crate::stretch_search::StretchSearch;

/// Whether `hay` starts with `needle` once both are lowercased.
pub fn starts_with_folded(hay: &str, needle: &str) -> bool {
    let mut folded = hay.chars().flat_map(char::to_lowercase);
    needle
        .chars()
        .flat_map(char::to_lowercase)
        .all(|c| folded.next() == Some(c))
}

/// Whether `hay` ends with `needle` once both are lowercased.
pub fn ends_with_folded(hay: &str, needle: &str) -> bool {
    let mut folded = hay.chars().rev().flat_map(|c| c.to_lowercase().rev());
    needle
        .chars()
        .rev()
        .flat_map(|c| c.to_lowercase().rev())
        .all(|c| folded.next() == Some(c))
}

/// `startswith` (`suffix` false) or `endswith` of an ASCII `needle`, ignoring case.
pub fn affix_ascii_ci(hay: &str, needle: &str, suffix: bool) -> bool {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let window = match h.len().checked_sub(n.len()) {
        Some(rest) if suffix => &h[rest..],
        Some(_) => &h[..n.len()],
        None if hay.is_ascii() => return false,
        None => &h[..0],
    };
    if window.len() == n.len() && window.is_ascii() {
        return window.eq_ignore_ascii_case(n);
    }
    if suffix {
        ends_with_folded(hay, needle)
    } else {
        starts_with_folded(hay, needle)
    }
}

/// A search for one needle: exact, or ASCII ignoring case.
#[derive(Debug)]
pub enum OneNeedle {
    Exact(memmem::Finder<'static>),
    /// The needle, a search for it in lowercase, and whether a non-ASCII value could still
    /// hold it once folded.
    AsciiFolded(Vec<u8>, memmem::Finder<'static>, bool),
}

/// Of all non-ASCII characters, only these lowercase to text with ASCII in it: the Kelvin
/// sign to `k` and the dotted capital I to `i` and a combining dot.
pub fn folds_into_ascii(needle: &[u8]) -> bool {
    needle
        .iter()
        .any(|b| matches!(b.to_ascii_lowercase(), b'k' | b'i'))
}

impl OneNeedle {
    pub fn new(needle: &str, case_sensitive: bool) -> Option<Self> {
        if case_sensitive {
            return Some(OneNeedle::Exact(memmem::Finder::new(needle).into_owned()));
        }
        (needle.is_ascii() && !needle.is_empty()).then(|| {
            let bytes = needle.as_bytes().to_vec();
            let lowered = memmem::Finder::new(&needle.to_ascii_lowercase()).into_owned();
            let reach = folds_into_ascii(&bytes);
            OneNeedle::AsciiFolded(bytes, lowered, reach)
        })
    }

    /// [`Self::is_match`] over a batch, by one search through the bytes its values occupy
    /// (see [`StretchSearch`]); None where that would not pay.
    pub fn is_match_each(&self, array: &StringViewArray) -> Option<BooleanArray> {
        let search = match self {
            OneNeedle::Exact(finder) => StretchSearch {
                finder,
                fold: false,
                ascii_only: false,
            },
            OneNeedle::AsciiFolded(_, lowered, reach) => StretchSearch {
                finder: lowered,
                fold: true,
                ascii_only: *reach,
            },
        };
        search.contains(array, |value| self.is_match(value))
    }

    /// Whether `hay` contains the needle. A folded search that finds no ASCII occurrence in a
    /// non-ASCII value answers from the Unicode folding of the value.
    pub fn is_match(&self, hay: &str) -> bool {
        match self {
            OneNeedle::Exact(finder) => finder.find(hay.as_bytes()).is_some(),
            OneNeedle::AsciiFolded(needle, lowered, reach) => {
                contains_ascii_ci(hay.as_bytes(), needle, lowered)
                    || (*reach && !hay.is_ascii() && contains_folded(hay, needle))
            }
        }
    }
}

/// A short value (most names) is lowercased into a buffer on the stack, where the search for
/// the lowercased needle runs vectorised; a long one is searched from each place of the
/// needle's first byte in either case, found by `memchr2`.
fn contains_ascii_ci(hay: &[u8], needle: &[u8], lowered_finder: &memmem::Finder) -> bool {
    let Some(last_start) = hay.len().checked_sub(needle.len()) else {
        return false;
    };
    if hay.len() <= SHORT {
        let mut buffer = [0u8; SHORT];
        let lowered = &mut buffer[..hay.len()];
        for (low, byte) in lowered.iter_mut().zip(hay) {
            *low = byte.to_ascii_lowercase();
        }
        return lowered_finder.find(lowered).is_some();
    }
    let (first, rest) = (needle[0], &needle[1..]);
    let (lower, upper) = (first.to_ascii_lowercase(), first.to_ascii_uppercase());
    memchr::memchr2_iter(lower, upper, &hay[..=last_start])
        .any(|i| hay[i + 1..i + needle.len()].eq_ignore_ascii_case(rest))
}

/// Values up to this many bytes are lowercased on the stack to be searched.
const SHORT: usize = 64;

/// The folded value contains the ASCII `needle` starting at one of its characters.
fn contains_folded(hay: &str, needle: &[u8]) -> bool {
    let needle = std::str::from_utf8(needle).unwrap_or_default();
    hay.char_indices()
        .any(|(i, _)| starts_with_folded(&hay[i..], needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reference: lowercase both, then compare.
    fn reference(hay: &str, needle: &str) -> [bool; 3] {
        let fold = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<String>();
        let (h, n) = (fold(hay), fold(needle));
        [h.starts_with(&n), h.ends_with(&n), h.contains(&n)]
    }

    #[test]
    fn fast_paths_agree_with_folding_both_sides() {
        let hays = [
            "FileCopiedToRemovableMedia",
            "\u{130}stanbul",
            "b\u{130}",
            "filecopied",
            "",
            "\u{212A}elvin",
            "mar\u{212A}",
            "ÀBC défini",
            "straße.ZIP",
            "Ω.zip",
            "ab",
            "a long value of more than sixty-four bytes, to take the memchr path: FILE.ZIP",
        ];
        let needles = [
            "file", "MEDIA", "k", "kelvin", "i", "bi", "ist", ".zip", "ab", "abc", "défini", "e",
        ];
        for hay in hays {
            for needle in needles {
                let [starts, ends, contains] = reference(hay, needle);
                let what = format!("{hay:?} / {needle:?}");
                if needle.is_ascii() {
                    assert_eq!(affix_ascii_ci(hay, needle, false), starts, "starts {what}");
                    assert_eq!(affix_ascii_ci(hay, needle, true), ends, "ends {what}");
                    let one = OneNeedle::new(needle, false).unwrap();
                    assert_eq!(one.is_match(hay), contains, "contains {what}");
                }
                assert_eq!(
                    starts_with_folded(hay, needle),
                    starts,
                    "folded starts {what}"
                );
                assert_eq!(ends_with_folded(hay, needle), ends, "folded ends {what}");
            }
        }
    }

    #[test]
    fn exact_search_keeps_case() {
        let one = OneNeedle::new("Zip", true).unwrap();
        assert!(one.is_match("a.Zip"));
        assert!(!one.is_match("a.zip"));
    }
}
