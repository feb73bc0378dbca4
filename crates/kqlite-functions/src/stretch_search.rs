//! `contains` over a batch by one search through the bytes its values occupy, instead of one
//! search a value.
//!
//! A view of more than 12 bytes names its value by buffer and offset. Plain pages hold each
//! value after the one before, and a dictionary page's few entries sit together, so the long
//! values of a batch usually cover one short stretch of each buffer. That stretch is searched
//! once (lowercased first when case is ignored) with `memchr`'s vectorised `memmem`, and a row
//! matches where an occurrence lies wholly inside its value. Where the stretch is much longer
//! than the bytes the rows name (a large dictionary, rows drawn here and there from it), the
//! caller tests value by value instead.

use datafusion::arrow::array::{Array, BooleanArray, StringViewArray};
use memchr::memmem::Finder;

use crate::row_bits::{answers_array, for_each_set, kept_rows, visit_set};
use crate::view_memo::ViewMemo;

/// More buffers than this in one batch: test value by value.
const MAX_BUFFERS: usize = 64;

/// The bytes of one buffer the batch's long values lie in.
#[derive(Clone, Copy, Debug)]
struct Stretch {
    start: usize,
    end: usize,
}

/// Where occurrences start in one stretch: a bit a byte.
struct Starts {
    from: usize,
    bits: Vec<u64>,
}

/// How a stretch is searched: `finder` holds the needle, lowercased when `fold`ing case; with
/// `ascii_only`, a stretch holding other bytes is not searched (a non-ASCII value may hold the
/// needle only once folded by Unicode).
pub struct StretchSearch<'a> {
    pub finder: &'a Finder<'a>,
    pub fold: bool,
    pub ascii_only: bool,
}

impl StretchSearch<'_> {
    /// Each row's answer, `short` testing the values held in their views; None where searching
    /// the stretches would not pay or not be exact.
    pub fn contains(
        &self,
        array: &StringViewArray,
        short: impl Fn(&str) -> bool,
    ) -> Option<BooleanArray> {
        let needle = self.finder.needle().len();
        if needle == 0 {
            return None;
        }
        let (held, stored) = kept_rows(array, |_| true);
        let starts = stretches(array, &stored)?
            .into_iter()
            .zip(array.data_buffers())
            .map(|(stretch, buffer)| match stretch {
                Some(s) => self.search(&buffer[s.start..s.end], s.start).map(Some),
                None => Some(None),
            })
            .collect::<Option<Vec<_>>>()?;
        let views = array.views();
        let mut answers = vec![0u64; views.len().div_ceil(64)];
        // A value held in its view is the view: equal short values are tested once.
        let mut memo = ViewMemo::for_rows(array.len());
        for_each_set(&held, &mut answers, |i| {
            let test = || short(array.value(i));
            match memo.as_mut().filter(|m| !m.full()) {
                Some(memo) => memo.get_or_insert_with(views[i], test),
                None => test(),
            }
        });
        for_each_set(&stored, &mut answers, |i| {
            let len = views[i] as u32 as usize;
            let (buffer, offset) = (
                ((views[i] >> 64) as u32) as usize,
                (views[i] >> 96) as usize,
            );
            let Some(found) = &starts[buffer] else {
                return false;
            };
            let from = offset - found.from;
            len >= needle && any_between(&found.bits, from, from + len - needle)
        });
        Some(answers_array(array, answers, short("")))
    }

    fn search(&self, bytes: &[u8], from: usize) -> Option<Starts> {
        if self.ascii_only && !bytes.is_ascii() {
            return None;
        }
        let lowered;
        let haystack = if self.fold {
            // One pass: `to_ascii_lowercase` copies first, then lowers the copy.
            lowered = bytes
                .iter()
                .map(u8::to_ascii_lowercase)
                .collect::<Vec<u8>>();
            &lowered[..]
        } else {
            bytes
        };
        // Occurrences may overlap: one that crosses from a value into the next must not hide
        // one inside that next value.
        // A word more than the stretch needs: `any_between` reads one past a short range.
        let mut bits = vec![0u64; bytes.len() / 64 + 2];
        let mut next = 0;
        while let Some(found) = self.finder.find(&haystack[next..]) {
            let at = next + found;
            bits[at / 64] |= 1 << (at % 64);
            next = at + 1;
        }
        Some(Starts { from, bits })
    }
}

/// The stretch of each buffer that the batch's long values cover; None when the stretches
/// are more than twice the bytes of the batch's values (with the 4-byte lengths plain pages
/// keep between them), or when the batch names too many buffers.
fn stretches(array: &StringViewArray, stored: &[u64]) -> Option<Vec<Option<Stretch>>> {
    let buffers = array.data_buffers().len();
    if buffers == 0 || buffers > MAX_BUFFERS {
        return None;
    }
    let mut stretches: Vec<Option<Stretch>> = vec![None; buffers];
    let views = array.views();
    visit_set(stored, |i| {
        let (len, buffer) = (views[i] as u32 as usize, ((views[i] >> 64) as u32) as usize);
        let offset = (views[i] >> 96) as usize;
        let s = stretches[buffer].get_or_insert(Stretch {
            start: offset,
            end: offset,
        });
        (s.start, s.end) = (s.start.min(offset), s.end.max(offset + len));
    });
    // Short values sit in the buffer too when it is a page's, though their views hold them.
    let valid = array.len() - array.logical_null_count();
    let named = views.iter().map(|v| *v as u32 as usize).sum::<usize>() + 4 * valid;
    let covered: usize = stretches.iter().flatten().map(|s| s.end - s.start).sum();
    (named > 0 && covered <= 2 * named).then_some(stretches)
}

/// Whether any bit from `low` to `high` (both included) is set; a range of up to 64 bits
/// (most values) in one step.
fn any_between(bits: &[u64], low: usize, high: usize) -> bool {
    let (word, shift) = (low / 64, low % 64);
    if high - low < 64 {
        let window = (bits[word] >> shift) | (bits[word + 1] << 1 << (63 - shift));
        return window & (u64::MAX >> (63 - (high - low))) != 0;
    }
    let last = high / 64;
    bits[word] >> shift != 0
        || bits[word + 1..last].iter().any(|w| *w != 0)
        || bits[last] & (u64::MAX >> (63 - high % 64)) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(values: &[Option<&str>], needle: &str, fold: bool) -> Option<Vec<bool>> {
        let array = StringViewArray::from(values.to_vec());
        let lowered = needle.to_ascii_lowercase();
        let finder = Finder::new(if fold { lowered.as_str() } else { needle });
        let search = StretchSearch {
            finder: &finder,
            fold,
            ascii_only: true,
        };
        let short = |v: &str| match fold {
            true => v.to_lowercase().contains(&lowered),
            false => v.contains(needle),
        };
        let found = search.contains(&array, short)?;
        Some(found.iter().map(Option::unwrap).collect())
    }

    #[test]
    fn an_occurrence_counts_only_inside_one_value() {
        let values = [
            Some("FileUploadedToCloud"),
            Some("xxxxxxxxxxxxxxxxxxxxPRI"),
            Some("NTyyyyyyyyyyyyyyyyy"),
            None,
            Some("short print"),
            Some("a value that ends in Print"),
            Some("Print starts this long value"),
        ];
        let got = contains(&values, "print", true).unwrap();
        assert_eq!(got, [false, false, false, false, true, true, true]);
        let got = contains(&values, "Print", false).unwrap();
        assert_eq!(got, [false, false, false, false, false, true, true]);
    }

    #[test]
    fn values_held_in_views_count_as_whole_values() {
        let values = [
            Some("xxprint"),
            Some("prin"),
            Some("tPRINTxxxxxx"),
            None,
            Some("rin"),
            Some("t"),
            Some("a value stored in a buffer"),
        ];
        let got = contains(&values, "print", true).unwrap();
        assert_eq!(got, [true, false, true, false, false, false, false]);
        let values = [
            Some("ma\u{212A}e"),
            Some("make"),
            Some("a long value, no such"),
        ];
        assert_eq!(contains(&values, "K", true).unwrap(), [true, true, false]);
        assert_eq!(contains(&values, "k", false).unwrap(), [false, true, false]);
    }

    #[test]
    fn values_in_several_buffers() {
        let mut builder =
            datafusion::arrow::array::StringViewBuilder::new().with_fixed_block_size(40);
        let values = [
            "the first long value, no such word",
            "a second long value to PRINT",
            "short",
            "a third long value, the print of it",
            "a fourth long value without it",
        ];
        for value in values {
            builder.append_value(value);
        }
        builder.append_null();
        let array = builder.finish();
        assert!(array.data_buffers().len() > 1);
        let finder = Finder::new("print");
        let search = StretchSearch {
            finder: &finder,
            fold: true,
            ascii_only: true,
        };
        let found = search.contains(&array, |v| v.to_lowercase().contains("print"));
        let found: Vec<_> = found.unwrap().iter().map(Option::unwrap).collect();
        assert_eq!(found, [false, true, false, true, false, false]);
    }

    #[test]
    fn an_occurrence_across_two_values_does_not_hide_one_inside_the_second() {
        let mut builder = datafusion::arrow::array::StringViewBuilder::new();
        // One buffer, each value right after the one before.
        builder.append_value("xxxxxxxxxxxxxxxxxxab");
        builder.append_value("ababxxxxxxxxxxxxxxxx");
        let array = builder.finish();
        let finder = Finder::new("abab");
        let search = StretchSearch {
            finder: &finder,
            fold: false,
            ascii_only: false,
        };
        let found = search.contains(&array, |v| v.contains("abab")).unwrap();
        assert_eq!(found.iter().collect::<Vec<_>>(), [Some(false), Some(true)]);
    }

    #[test]
    fn bits_across_words() {
        let mut bits = vec![0u64; 5];
        bits[2] |= 1 << 5;
        assert!(any_between(&bits, 0, 200));
        assert!(any_between(&bits, 133, 133));
        assert!(!any_between(&bits, 134, 255));
        assert!(!any_between(&bits, 0, 132));
        assert!(any_between(&bits, 70, 140));
    }

    #[test]
    fn non_ascii_stretches_are_left_to_the_caller() {
        assert!(contains(&[Some("a long value with \u{212A} in it")], "k", true).is_none());
    }
}
