//! `startswith`, `endswith` and `==`/`=~` of one ASCII needle, decided in one 128-bit step
//! per value (for a needle of up to 16 bytes; a longer one's first or last 16 bytes rule most
//! values out).
//!
//! The value's first (or last) 16 bytes are read as one word, from its view when it is held
//! there (12 bytes or fewer) or with one unaligned load from its buffer. Setting bit 5 of each
//! byte where the needle has a letter folds ASCII case (`A` | 0x20 is `a`, and no other byte
//! becomes a letter that way); bytes at or above 0x80 never equal an ASCII needle's. A word
//! that differs and holds only ASCII rules the value out; one with other bytes is left to the
//! Unicode comparison (the Kelvin sign folds to `k`), as is nothing else.

use datafusion::arrow::array::{Array, BooleanArray, StringViewArray};

use crate::row_bits::{answers_array, for_each_set, kept_rows, visit_set};

/// Which part of the value the needle is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Start,
    End,
    Whole,
}

/// An ASCII needle as a word: its bytes (lowercased when case is ignored), the bits that fold
/// case at its letters, and a mask of its length.
#[derive(Clone, Copy, Debug)]
struct Compare {
    word: u128,
    letters: u128,
    mask: u128,
}

impl Compare {
    /// The needle `bytes` further into the word (an empty needle's is empty anywhere).
    fn shifted(self, bytes: usize) -> Self {
        let shift = |w: u128| w.checked_shl(8 * bytes as u32).unwrap_or(0);
        Compare {
            word: shift(self.word),
            letters: shift(self.letters),
            mask: shift(self.mask),
        }
    }

    /// Whether `value` holds the needle where this compares, and whether that is unsure
    /// (bytes other than ASCII, which only the Unicode comparison settles).
    fn test(&self, value: u128) -> (bool, bool) {
        let value = value & self.mask;
        let equal = (value | self.letters) == self.word;
        (equal, !equal & (value & HIGH_BITS != 0))
    }
}

/// One ASCII needle of up to 16 bytes and the part of the value it is compared with.
#[derive(Debug)]
pub struct WideNeedle {
    compare: Compare,
    len: usize,
    /// How many of the needle's bytes the word holds: all, up to 16.
    span: usize,
    part: Part,
    /// Lengths below 64 at which a value with Kelvin signs may still equal the needle.
    kelvin_lengths: u64,
}

/// The rows of a batch whose first pass decides how a prefix is compared.
const SAMPLE_ROWS: usize = 512;

const HIGH_BITS: u128 = u128::from_le_bytes([0x80; 16]);

impl WideNeedle {
    /// None for a needle that is not ASCII.
    pub fn new(needle: &str, part: Part, fold: bool) -> Option<Self> {
        if !needle.is_ascii() {
            return None;
        }
        // A longer needle: its first (or, for a suffix, last) 16 bytes rule values out, and
        // the values they leave are compared whole.
        let span = needle.len().min(16);
        let compared = match part {
            Part::End => &needle[needle.len() - span..],
            _ => &needle[..span],
        };
        let mut word = [0u8; 16];
        let mut letters = [0u8; 16];
        for (i, b) in compared.bytes().enumerate() {
            let letter = fold && b.is_ascii_alphabetic();
            word[i] = if letter { b.to_ascii_lowercase() } else { b };
            letters[i] = if letter { 0x20 } else { 0 };
        }
        let ks = needle
            .bytes()
            .filter(|b| b.eq_ignore_ascii_case(&b'k'))
            .count();
        let kelvin_lengths = match fold && part == Part::Whole {
            true => (1..=ks).fold(0u64, |l, signs| {
                l | 1u64
                    .checked_shl((needle.len() + 2 * signs) as u32)
                    .unwrap_or(0)
            }),
            false => 0,
        };
        let compare = Compare {
            word: u128::from_le_bytes(word),
            letters: u128::from_le_bytes(letters),
            mask: u128::MAX.checked_shr(8 * (16 - span as u32)).unwrap_or(0),
        };
        Some(WideNeedle {
            compare,
            len: needle.len(),
            span,
            part,
            kelvin_lengths,
        })
    }

    /// Each row's answer; `slow` answers a value the word does not settle and a null (as "").
    /// A suffix, and a prefix most values start like, are compared in one pass over every
    /// row ([`Self::eval_affix`]). Otherwise a first pass without branches keeps the rows
    /// whose length (and, for a prefix, first four bytes, which every view holds) leave them
    /// in the running; only those are compared, values held in views apart from values in
    /// buffers so that each loop's branches go one way.
    pub fn eval(&self, array: &StringViewArray, slow: impl Fn(&str) -> bool) -> BooleanArray {
        let whole_word = self.span == self.len;
        if self.part == Part::End && whole_word {
            return self.eval_affix(array, slow, suffix_word);
        }
        if self.part == Part::Start && whole_word && self.mostly_kept(array) {
            return self.eval_affix(array, slow, prefix_word);
        }
        let views = array.views();
        let (held, stored) = self.in_running(array);
        let mut answers = vec![0u64; views.len().div_ceil(64)];
        let mut unsure = Vec::new();
        let end = self.part == Part::End;
        // A suffix here is longer than 16 bytes: no value a view holds is in the running.
        for_each_set(&held, &mut answers, |i| {
            let len = views[i] as u32 as usize;
            self.settle(i, len, self.compare.test(views[i] >> 32), &mut unsure)
        });
        let buffers: Vec<&[u8]> = array.data_buffers().iter().map(|b| b.as_slice()).collect();
        for_each_set(&stored, &mut answers, |i| {
            let len = views[i] as u32 as usize;
            let (buffer, offset) = (
                ((views[i] >> 64) as u32) as usize,
                (views[i] >> 96) as usize,
            );
            let skip = (len - self.span) * usize::from(end);
            let (value, loaded) = load_word(&buffers, buffer, offset + skip);
            // Within 16 bytes of its buffer's end: left to the comparison of the text.
            let test = self.compare.test(value);
            self.settle(i, len, (test.0 && loaded, test.1 || !loaded), &mut unsure)
        });
        for i in unsure {
            answers[i / 64] |= u64::from(slow(array.value(i))) << (i % 64);
        }
        answers_array(array, answers, slow(""))
    }

    /// A prefix or suffix of up to 16 bytes in one pass without branches: each value's word
    /// is taken from its view or its buffer, whichever holds it, and compared. Where most
    /// values pass the length test (as `ActionType`'s do), a first pass picking the rows to
    /// compare would only add a second loop over them.
    fn eval_affix<W>(
        &self,
        array: &StringViewArray,
        slow: impl Fn(&str) -> bool,
        word: W,
    ) -> BooleanArray
    where
        W: Fn(u128, usize, &[&[u8]]) -> (u128, bool),
    {
        let compare = match self.part == Part::End {
            true => self.compare.shifted(16 - self.span),
            false => self.compare,
        };
        let buffers = array.data_buffers().iter().map(|b| b.as_slice());
        let sources: Vec<&[u8]> = buffers.chain([array.views().inner().as_slice()]).collect();
        let nulls = array.logical_nulls();
        let chunks = nulls.as_ref().map(|n| n.inner().bit_chunks());
        let mut valid = chunks.as_ref().map(|c| c.iter_padded());
        let (mut answers, mut unsure) = (Vec::with_capacity(array.len().div_ceil(64)), vec![]);
        for (w, chunk) in array.views().chunks(64).enumerate() {
            let (mut hits, mut doubts) = (0u64, 0u64);
            for (bit, &view) in chunk.iter().enumerate() {
                let (word, loaded) = word(view, w * 64 + bit, &sources);
                let (equal, not_settled) = compare.test(word);
                let sized = view as u32 as usize >= self.len;
                hits |= u64::from(equal & sized & loaded) << bit;
                doubts |= u64::from(sized & (not_settled | !loaded)) << bit;
            }
            let valid = valid.as_mut().and_then(Iterator::next).unwrap_or(u64::MAX);
            answers.push(hits & valid);
            visit_set(&[doubts & valid], |bit| unsure.push(w * 64 + bit));
        }
        for i in unsure {
            answers[i / 64] |= u64::from(slow(array.value(i))) << (i % 64);
        }
        answers_array(array, answers, slow(""))
    }

    /// Whether most of the first rows stay in the running after the first pass: comparing
    /// every row in one pass then costs less than visiting them one by one.
    fn mostly_kept(&self, array: &StringViewArray) -> bool {
        let (held, stored) = self.in_running(&array.slice(0, array.len().min(SAMPLE_ROWS)));
        let kept: u32 = held.iter().chain(&stored).map(|w| w.count_ones()).sum();
        kept as usize * 4 > array.len().min(SAMPLE_ROWS)
    }

    /// The rows that may match, from their views alone and without branches: by length and,
    /// for a prefix, the first four bytes.
    fn in_running(&self, array: &StringViewArray) -> (Vec<u64>, Vec<u64>) {
        let len = self.len as u32;
        let c = &self.compare;
        let (mask, letters, word) = (c.mask as u32, c.letters as u32, c.word as u32);
        match self.part {
            Part::Whole => kept_rows(array, |view| {
                let length = view as u32;
                (length == len) | ((self.kelvin_lengths >> length.min(63)) & 1 == 1)
            }),
            Part::End => kept_rows(array, |view| view as u32 >= len),
            Part::Start => kept_rows(array, |view| {
                let first = ((view >> 32) as u32) & mask;
                let differs = ((first | letters) != word) & (first & 0x8080_8080 == 0);
                (view as u32 >= len) & !differs
            }),
        }
    }

    /// Row `i`'s answer from its comparison; a row it does not settle (other bytes than
    /// ASCII, or a whole value whose length only Kelvin signs explain) goes to `unsure`.
    fn settle(&self, i: usize, len: usize, test: (bool, bool), unsure: &mut Vec<usize>) -> bool {
        let (equal, not_settled) = test;
        let sized = len == self.len || self.part != Part::Whole;
        let partly = equal && self.span < self.len;
        if not_settled || !sized || partly {
            unsure.push(i);
        }
        equal & sized & !partly
    }
}

/// The 16 bytes the value of row `i` ends with, and false where they could not be read in
/// place (within 16 bytes of the start of its buffer). `sources` are the data buffers and,
/// last, the views: a value held in a view is read from there, ending at byte `4 + len` of
/// the view, so that held and stored values take the same steps and no branch.
fn suffix_word(view: u128, i: usize, sources: &[&[u8]]) -> (u128, bool) {
    let len = view as u32 as usize;
    let held = len <= 12;
    let source = if held {
        sources.len() - 1
    } else {
        ((view >> 64) as u32) as usize
    };
    let offset = if held {
        16 * i + 4
    } else {
        (view >> 96) as usize
    };
    load_word(sources, source, (offset + len).wrapping_sub(16))
}

/// The 16 bytes the value of row `i` starts with (see [`suffix_word`]): a held value's are
/// its view's from byte 4, and the bytes loaded for it (from the first source at 0) unused.
fn prefix_word(view: u128, _: usize, sources: &[&[u8]]) -> (u128, bool) {
    let held = view as u32 <= 12;
    let source = if held {
        0
    } else {
        ((view >> 64) as u32) as usize
    };
    let offset = if held { 0 } else { (view >> 96) as usize };
    let (word, loaded) = load_word(sources, source, offset);
    match held {
        true => (view >> 32, true),
        false => (word, loaded),
    }
}

/// The 16 bytes of `sources[source]` from `from`, and whether they are all there.
fn load_word(sources: &[&[u8]], source: usize, from: usize) -> (u128, bool) {
    let bytes = sources
        .get(source)
        .and_then(|b| b.get(from..from.wrapping_add(16)));
    let word = bytes.map_or(0, |b| u128::from_le_bytes(b.try_into().expect("16 bytes")));
    (word, bytes.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::folded_match::{ends_with_folded, starts_with_folded};
    use crate::strings::eq_ignore_case;

    fn reference(part: Part, fold: bool, hay: &str, needle: &str) -> bool {
        match (part, fold) {
            (Part::Start, true) => starts_with_folded(hay, needle),
            (Part::End, true) => ends_with_folded(hay, needle),
            (Part::Whole, true) => eq_ignore_case(hay, needle),
            (Part::Start, false) => hay.starts_with(needle),
            (Part::End, false) => hay.ends_with(needle),
            (Part::Whole, false) => hay == needle,
        }
    }

    #[test]
    fn agrees_with_comparing_folded_text() {
        let hays = [
            "FileCopiedToRemovableMedia",
            "filecopied",
            "FILEC",
            "",
            "\u{212A}elvin",
            "mar\u{212A}",
            "MAR\u{212A}",
            "\u{130}stanbul",
            "file@name.zip",
            "FILE`NAME.ZIP",
            "ÀBC défini.ZIP",
            "a value of more than sixteen bytes ending .Zip",
            "k",
            "\u{212A}",
        ];
        let needles = [
            "filec",
            "FILEC",
            ".zip",
            "@name",
            "k",
            "mark",
            "kelvin",
            "",
            "a value of more",
            "a value of more than sixteen",
            "more than sixteen bytes ending .zip",
            "FileCopiedToRemovableMedia",
        ];
        let array = StringViewArray::from(hays.iter().map(|h| Some(*h)).collect::<Vec<_>>());
        for part in [Part::Start, Part::End, Part::Whole] {
            for fold in [true, false] {
                for needle in needles {
                    let wide = WideNeedle::new(needle, part, fold).unwrap();
                    let got = wide.eval(&array, |h| reference(part, fold, h, needle));
                    for (i, hay) in hays.iter().enumerate() {
                        let want = reference(part, fold, hay, needle);
                        assert_eq!(
                            got.value(i),
                            want,
                            "{part:?} fold {fold}: {hay:?} / {needle:?}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn values_at_the_edges_of_their_buffer() {
        let value = "xFileCopiedToRemovableMediaX";
        for len in 13..=value.len() {
            for (part, needle) in [(Part::Start, "xfilecopiedto"), (Part::End, "mediax")] {
                let alone = StringViewArray::from(vec![Some(&value[..len]), None, Some("x")]);
                let wide = WideNeedle::new(needle, part, true).unwrap();
                let got = wide.eval(&alone, |h| reference(part, true, h, needle));
                let want = reference(part, true, &value[..len], needle);
                assert_eq!(got.value(0), want, "{part:?} {needle} of {}", &value[..len]);
                assert!(!got.value(1) && !got.value(2), "{part:?} of null and x");
            }
        }
    }

    #[test]
    fn non_ascii_needles_take_another_path() {
        assert!(WideNeedle::new("défini", Part::End, true).is_none());
    }
}
