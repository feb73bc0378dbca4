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

use datafusion::arrow::array::{BooleanArray, StringViewArray};

use crate::row_bits::{answers_array, for_each_set, kept_rows};

/// Which part of the value the needle is compared with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Start,
    End,
    Whole,
}

/// An ASCII needle as a word: its bytes (lowercased when case is ignored), the bits that fold
/// case at its letters, and a mask of its length.
#[derive(Clone, Copy, Debug, Default)]
struct Compare {
    word: u128,
    letters: u128,
    mask: u128,
}

impl Compare {
    /// The needle `bytes` further into the word.
    fn shifted(self, bytes: usize) -> Self {
        let by = 8 * bytes as u32;
        Compare {
            word: self.word << by,
            letters: self.letters << by,
            mask: self.mask << by,
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
    /// For a suffix, the comparison with a value its view holds, by the value's length.
    in_view_end: [Compare; 13],
    len: usize,
    /// How many of the needle's bytes the word holds: all, up to 16.
    span: usize,
    part: Part,
    /// Lengths below 64 at which a value with Kelvin signs may still equal the needle.
    kelvin_lengths: u64,
}

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
        // Shorter values never match (the first pass leaves them out).
        let never = Compare {
            word: 1,
            ..Compare::default()
        };
        let mut in_view_end = [never; 13];
        for (len, at) in in_view_end.iter_mut().enumerate().skip(needle.len()) {
            *at = compare.shifted(len - span);
        }
        Some(WideNeedle {
            compare,
            in_view_end,
            len: needle.len(),
            span,
            part,
            kelvin_lengths,
        })
    }

    /// Each row's answer; `slow` answers a value the word does not settle and a null (as "").
    /// A first pass without branches keeps the rows whose length (and, for a prefix, first
    /// four bytes, which every view holds) leave them in the running; only those are
    /// compared, values held in views apart from values in buffers so that each loop's
    /// branches go one way.
    pub fn eval(&self, array: &StringViewArray, slow: impl Fn(&str) -> bool) -> BooleanArray {
        let views = array.views();
        let (held, stored) = self.in_running(array);
        let mut answers = vec![0u64; views.len().div_ceil(64)];
        let mut unsure = Vec::new();
        let end = self.part == Part::End;
        for_each_set(&held, &mut answers, |i| {
            let len = views[i] as u32 as usize;
            let compare = if end {
                &self.in_view_end[len]
            } else {
                &self.compare
            };
            self.settle(i, len, compare.test(views[i] >> 32), &mut unsure)
        });
        let buffers = array.data_buffers();
        for_each_set(&stored, &mut answers, |i| {
            let len = views[i] as u32 as usize;
            let (buffer, offset) = (
                ((views[i] >> 64) as u32) as usize,
                (views[i] >> 96) as usize,
            );
            let skip = (len - self.span) * usize::from(end);
            let value = load(&buffers[buffer], offset + skip);
            self.settle(i, len, self.compare.test(value), &mut unsure)
        });
        for i in unsure {
            answers[i / 64] |= u64::from(slow(array.value(i))) << (i % 64);
        }
        answers_array(array, answers, slow(""))
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

/// Sixteen bytes from `start` (zeros past the end of `bytes`).
fn load(bytes: &[u8], start: usize) -> u128 {
    match bytes.get(start..start + 16) {
        Some(word) => u128::from_le_bytes(word.try_into().expect("16 bytes")),
        None => {
            let tail = &bytes[start.min(bytes.len())..];
            let mut word = [0u8; 16];
            word[..tail.len().min(16)].copy_from_slice(&tail[..tail.len().min(16)]);
            u128::from_le_bytes(word)
        }
    }
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
    fn non_ascii_needles_take_another_path() {
        assert!(WideNeedle::new("défini", Part::End, true).is_none());
    }
}
