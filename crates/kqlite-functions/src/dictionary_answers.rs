//! A predicate's answers per dictionary entry, kept across batches.
//!
//! Parquet's reader keeps a dictionary page's values in one buffer that every batch decoded
//! from that column chunk shares, and each row's view names its value by offset and length in
//! that buffer. An answer per (offset, length) of the buffer therefore holds for every batch of
//! the chunk: over a column of many distinct values (file, device and account names) the
//! predicate runs about once per dictionary entry instead of once per row. Plain pages write
//! each value after the one before, so their views follow each other through the buffer;
//! those batches are left to the per-batch [`ViewMemo`].

use std::sync::{Mutex, PoisonError};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringViewArray};
use datafusion::arrow::buffer::{BooleanBuffer, Buffer};

use datafusion::common::Result;

use crate::strings::eval_strings;
use crate::view_memo::ViewMemo;

/// Buffers whose answers are kept at once (each chunk being read holds one).
const POOL: usize = 8;
/// Larger buffers are not kept alive for their answers: a buffer's table takes 8 bytes for every
/// 13 of it, so this bounds a predicate's tables to 8 x 1.3 MB. Writers close a dictionary page
/// at 1 MB by default.
const MAX_BUFFER: usize = 2 << 20;

/// The answers of one predicate, for the last few buffers it read.
#[derive(Debug, Default)]
pub struct DictionaryAnswers {
    pool: Mutex<Vec<BufferAnswers>>,
}

impl DictionaryAnswers {
    /// `predicate` over `array`, when its values come from dictionary pages; None otherwise.
    pub fn eval<F: Fn(&str) -> bool>(
        &self,
        array: &StringViewArray,
        predicate: &F,
    ) -> Option<BooleanArray> {
        let buffers = array.data_buffers();
        let fits =
            (1..=POOL).contains(&buffers.len()) && buffers.iter().all(|b| b.len() <= MAX_BUFFER);
        if !fits || !from_dictionary(array) {
            return None;
        }
        let mut tables: Vec<BufferAnswers> = buffers.iter().map(|b| self.take(b)).collect();
        let answers = answer_rows(array, predicate, &mut tables);
        tables.into_iter().for_each(|t| self.put(t));
        Some(answers)
    }

    /// `predicate` over a string column: per dictionary entry where [`Self::eval`] applies,
    /// else per distinct view of the batch ([`eval_strings`]).
    pub fn eval_column<F: Fn(&str) -> bool>(
        &self,
        array: &ArrayRef,
        predicate: &F,
    ) -> Result<BooleanArray> {
        let answered = array
            .as_string_view_opt()
            .and_then(|views| self.eval(views, predicate));
        match answered {
            Some(answers) => Ok(answers),
            None => eval_strings(array, predicate),
        }
    }

    fn take(&self, buffer: &Buffer) -> BufferAnswers {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        match pool.iter().position(|a| a.names(buffer)) {
            Some(i) => pool.swap_remove(i),
            None => BufferAnswers::new(buffer.clone()),
        }
    }

    fn put(&self, answers: BufferAnswers) {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        pool.retain(|a| !a.names(&answers.buffer));
        if pool.len() >= POOL {
            pool.remove(0);
        }
        pool.push(answers);
    }
}

/// Each row's answer: from a per-batch memo while the batch repeats few values (one path for
/// every row, no branch on the value's length), then long values from their buffer's table.
/// A null is Kusto's empty string.
fn answer_rows<F: Fn(&str) -> bool>(
    array: &StringViewArray,
    predicate: &F,
    tables: &mut [BufferAnswers],
) -> BooleanArray {
    let views = array.views();
    let nulls = array.logical_nulls().filter(|n| n.null_count() > 0);
    let empty = nulls.is_some() && predicate("");
    let mut memo = ViewMemo::for_rows(array.len());
    let values = BooleanBuffer::collect_bool(array.len(), |i| {
        if nulls.as_ref().is_some_and(|n| n.is_null(i)) {
            return empty;
        }
        let view = views[i];
        let compute = || predicate(array.value(i));
        if let Some(memo) = memo.as_mut().filter(|m| !m.full()) {
            return memo.get_or_insert_with(view, compute);
        }
        let len = view as u32;
        if len <= 12 {
            return compute();
        }
        let (buffer, offset) = (((view >> 64) as u32) as usize, (view >> 96) as u32);
        tables[buffer].get_or_insert_with(offset, len, compute)
    });
    BooleanArray::new(values, None)
}

/// Whether the long values of the batch's first rows point here and there into their buffers,
/// as dictionary entries do, rather than each after the one before, as plain pages write them.
fn from_dictionary(array: &StringViewArray) -> bool {
    let long = array.views().iter().filter(|v| (**v as u32) > 12).take(65);
    let (mut pairs, mut adjacent, mut before) = (0, 0, None);
    for &view in long {
        let (len, buffer, offset) = (view as u32, (view >> 64) as u32, (view >> 96) as u32);
        if let Some((b, end)) = before {
            pairs += 1;
            adjacent += usize::from(b == buffer && end == u64::from(offset));
        }
        before = Some((buffer, u64::from(offset) + u64::from(len)));
    }
    pairs > 0 && adjacent * 2 <= pairs
}

/// Answers indexed by where a value starts in its buffer. Long values take at least 13 bytes
/// and dictionary entries follow each other, so `offset / 13` tells entries apart: a slot per
/// 13 bytes of buffer, read without hashing or probing. A slot packs the value's offset, length
/// and answer (0 is empty: no long value has length 0); another value at that slot (views that
/// overlap, as a substring's do) is computed and takes the slot.
#[derive(Debug)]
struct BufferAnswers {
    /// Held so that the allocation cannot be freed and its address reused while it keys these.
    buffer: Buffer,
    slots: Vec<u64>,
}

impl BufferAnswers {
    fn new(buffer: Buffer) -> Self {
        let slots = vec![0; buffer.len() / 13 + 1];
        BufferAnswers { buffer, slots }
    }

    fn names(&self, buffer: &Buffer) -> bool {
        self.buffer.as_ptr() == buffer.as_ptr() && self.buffer.len() == buffer.len()
    }

    fn get_or_insert_with(
        &mut self,
        offset: u32,
        len: u32,
        compute: impl FnOnce() -> bool,
    ) -> bool {
        let slot = self.slots.get_mut(offset as usize / 13);
        let Some(slot) = slot.filter(|_| len < 1 << 31) else {
            return compute();
        };
        let key = (u64::from(offset) << 32) | (u64::from(len) << 1);
        if *slot & !1 == key {
            return *slot & 1 == 1;
        }
        let answer = compute();
        *slot = key | u64::from(answer);
        answer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::builder::make_view;
    use datafusion::arrow::buffer::ScalarBuffer;
    use std::cell::Cell;

    /// An array whose rows point at `entries` of one shared buffer in the order of `picks`.
    fn dictionary_batch(
        buffer: &Buffer,
        entries: &[(u32, u32)],
        picks: &[usize],
    ) -> StringViewArray {
        let views: Vec<u128> = picks
            .iter()
            .map(|&p| {
                let (offset, len) = entries[p];
                make_view(&buffer[offset as usize..(offset + len) as usize], 0, offset)
            })
            .collect();
        StringViewArray::try_new(ScalarBuffer::from(views), vec![buffer.clone()], None).unwrap()
    }

    #[test]
    fn answers_about_once_per_entry_across_batches() {
        let names: Vec<String> = (0..600)
            .map(|i| format!("entry {i:05} of a dictionary"))
            .collect();
        let buffer = Buffer::from(names.concat().into_bytes());
        let mut entries = Vec::new();
        let mut offset = 0;
        for name in &names {
            entries.push((offset, name.len() as u32));
            offset += name.len() as u32;
        }
        let calls = Cell::new(0);
        let answers = DictionaryAnswers::default();
        let predicate = |v: &str| {
            calls.set(calls.get() + 1);
            v.contains("7 of")
        };
        let mut seed = 42u64;
        for _ in 0..3 {
            let picks: Vec<usize> = (0..4000)
                .map(|_| {
                    seed = seed
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (seed >> 33) as usize % names.len()
                })
                .collect();
            let array = dictionary_batch(&buffer, &entries, &picks);
            let got = answers.eval(&array, &predicate).expect("dictionary rows");
            let expected: Vec<bool> = picks.iter().map(|&p| names[p].contains("7 of")).collect();
            assert_eq!(got.values().iter().collect::<Vec<_>>(), expected);
        }
        // Each batch's memo tries its first 256 rows; the table then answers the rest.
        assert!(
            calls.get() <= 600 + 3 * 256,
            "{} calls for 12,000 rows",
            calls.get()
        );
    }

    #[test]
    fn values_sharing_a_slot_get_their_own_answers() {
        let mut table = BufferAnswers::new(Buffer::from(vec![b'x'; 100]));
        assert!(table.get_or_insert_with(26, 20, || true));
        assert!(table.get_or_insert_with(26, 20, || unreachable!()));
        assert!(!table.get_or_insert_with(26, 14, || false));
        // Overlapping views (a substring's) share a slot, never an answer.
        assert!(table.get_or_insert_with(30, 14, || true));
        assert!(table.get_or_insert_with(26, 20, || true));
        assert!(!table.get_or_insert_with(26, 14, || false));
    }

    #[test]
    fn rows_written_one_after_another_are_left_to_the_batch() {
        let values: Vec<String> = (0..100)
            .map(|i| format!("a plain page value {i:03}"))
            .collect();
        let array = StringViewArray::from_iter_values(values.iter());
        assert!(DictionaryAnswers::default()
            .eval(&array, &|_| true)
            .is_none());
    }
}
