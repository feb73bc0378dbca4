//! Per-distinct-value evaluation over `Utf8View` arrays.
//!
//! Equal views are equal strings: a string of up to 12 bytes is held whole in its view, and a
//! longer one is named by its length, buffer and offset. Parquet's reader decodes a
//! dictionary-encoded page into copies of the dictionary's own views, so a column of few
//! distinct values (ActionType, ObjectType, Workload...) repeats few distinct views, and a
//! kernel that remembers its answer per view evaluates once per dictionary entry, as a
//! dictionary-aware scan would, while the column keeps the type every other operator expects.

/// Answers remembered per view, in an open-addressed table sized for one batch. It stops
/// once half full, or when most of its first lookups missed: a column of many distinct values
/// then costs one branch a row.
pub struct ViewMemo<T> {
    slots: Vec<Option<(u128, T)>>,
    shift: u32,
    len: usize,
    lookups: usize,
    stopped: bool,
}

/// After this many lookups, a memo that has missed on three in four of them stops.
const TRIAL: usize = 256;

/// Below this many rows, the table would cost more than it saves.
const MIN_ROWS: usize = 32;
/// At most this many slots (half of them used): the table stays in the L1 and L2 caches.
const MAX_SLOTS: usize = 1024;

impl<T: Copy> ViewMemo<T> {
    /// A memo for an array of `rows` values, or None when it would not pay.
    pub fn for_rows(rows: usize) -> Option<Self> {
        if rows < MIN_ROWS {
            return None;
        }
        let slots = rows.next_power_of_two().min(MAX_SLOTS);
        Some(ViewMemo {
            slots: vec![None; slots],
            shift: 64 - slots.trailing_zeros(),
            len: 0,
            lookups: 0,
            stopped: false,
        })
    }

    /// Whether the memo has stopped: the caller then evaluates every row itself.
    #[inline]
    pub fn full(&self) -> bool {
        self.stopped
    }

    /// The answer remembered for `view`, or `compute`'s, remembered while there is room.
    /// Inlined: a hit is a few instructions, which a call would double.
    #[inline]
    pub fn get_or_insert_with(&mut self, view: u128, compute: impl FnOnce() -> T) -> T {
        self.lookups += 1;
        let mask = self.slots.len() - 1;
        let mut slot = self.home(view);
        loop {
            match self.slots[slot] {
                Some((key, value)) if key == view => return value,
                Some(_) => slot = (slot + 1) & mask,
                None => break,
            }
        }
        let value = compute();
        if !self.stopped {
            self.slots[slot] = Some((view, value));
            self.len += 1;
        }
        // Every miss so far was remembered: `len` counts them.
        let mostly_missed = self.lookups >= TRIAL && self.len * 4 > self.lookups * 3;
        self.stopped = self.len * 2 >= self.slots.len() || mostly_missed;
        value
    }

    #[inline]
    fn home(&self, view: u128) -> usize {
        let mixed = (view as u64) ^ ((view >> 64) as u64).rotate_left(29);
        (mixed.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn computes_once_per_distinct_view() {
        let calls = Cell::new(0);
        let mut memo = ViewMemo::for_rows(1000).unwrap();
        for i in 0..1000u128 {
            let view = (i % 7) << 70 | (i % 7);
            let got = memo.get_or_insert_with(view, || {
                calls.set(calls.get() + 1);
                view % 3 == 0
            });
            assert_eq!(got, view % 3 == 0);
        }
        assert_eq!(calls.get(), 7);
    }

    #[test]
    fn stops_remembering_when_half_full_and_still_answers() {
        let mut memo = ViewMemo::for_rows(64).unwrap();
        assert_eq!(memo.slots.len(), 64);
        for view in 0..200u128 {
            assert_eq!(memo.get_or_insert_with(view, || view * 2), view * 2);
        }
        assert!(memo.full());
        assert_eq!(
            memo.get_or_insert_with(5, || 0),
            10,
            "remembered before it filled"
        );
        assert_eq!(
            memo.get_or_insert_with(150, || 7),
            7,
            "computed, not remembered"
        );
    }

    #[test]
    fn stops_when_most_of_its_first_lookups_miss() {
        let mut memo = ViewMemo::for_rows(8192).unwrap();
        for view in 0..TRIAL as u128 {
            assert!(!memo.full());
            memo.get_or_insert_with(view % 150, || true);
        }
        assert!(!memo.full(), "150 distinct of 256: still worth it");
        let mut memo = ViewMemo::for_rows(8192).unwrap();
        for view in 0..TRIAL as u128 {
            memo.get_or_insert_with(view, || true);
        }
        assert!(memo.full(), "every lookup missed");
    }

    #[test]
    fn small_arrays_go_without() {
        assert!(ViewMemo::<bool>::for_rows(MIN_ROWS - 1).is_none());
    }
}
