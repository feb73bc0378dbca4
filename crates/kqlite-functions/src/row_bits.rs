//! Rows as bits, for kernels that first pick the rows worth a closer look from their views
//! alone (a loop without branches) and then visit only those, in loops whose branches go one
//! way: values held in their views apart from values in buffers.

use datafusion::arrow::array::{Array, BooleanArray, StringViewArray};
use datafusion::arrow::buffer::{BooleanBuffer, Buffer};

/// The valid rows for which `keep` holds, split into those whose value its view holds (12
/// bytes or fewer) and those whose value is in a buffer; a bit a row.
pub fn kept_rows(array: &StringViewArray, keep: impl Fn(u128) -> bool) -> (Vec<u64>, Vec<u64>) {
    let words = array.len().div_ceil(64);
    let (mut held, mut stored) = (Vec::with_capacity(words), Vec::with_capacity(words));
    for chunk in array.views().chunks(64) {
        let (mut h, mut s) = (0u64, 0u64);
        for (bit, &view) in chunk.iter().enumerate() {
            let kept = u64::from(keep(view));
            let short = u64::from(view as u32 <= 12);
            h |= (kept & short) << bit;
            s |= (kept & !short & 1) << bit;
        }
        held.push(h);
        stored.push(s);
    }
    if let Some(valid) = array.logical_nulls() {
        let valid = valid.inner().bit_chunks().iter_padded();
        for ((h, s), v) in held.iter_mut().zip(stored.iter_mut()).zip(valid) {
            (*h, *s) = (*h & v, *s & v);
        }
    }
    (held, stored)
}

/// `test` of each row whose bit is set in `rows`, its answer set in `answers`.
pub fn for_each_set(rows: &[u64], answers: &mut [u64], mut test: impl FnMut(usize) -> bool) {
    for (w, (&bits, answer)) in rows.iter().zip(answers.iter_mut()).enumerate() {
        let (mut bits, mut passed) = (bits, 0u64);
        while bits != 0 {
            let bit = bits.trailing_zeros();
            bits &= bits - 1;
            passed |= u64::from(test(w * 64 + bit as usize)) << bit;
        }
        *answer |= passed;
    }
}

/// `visit` of each row whose bit is set in `rows`.
pub fn visit_set(rows: &[u64], mut visit: impl FnMut(usize)) {
    for (w, &bits) in rows.iter().enumerate() {
        let mut bits = bits;
        while bits != 0 {
            visit(w * 64 + bits.trailing_zeros() as usize);
            bits &= bits - 1;
        }
    }
}

/// The answers as a boolean array, a null row taking `empty` (Kusto's empty string's answer).
pub fn answers_array(array: &StringViewArray, mut answers: Vec<u64>, empty: bool) -> BooleanArray {
    let nulls = array.logical_nulls().filter(|n| n.null_count() > 0);
    if let Some(nulls) = nulls.filter(|_| empty) {
        for i in (0..array.len()).filter(|i| nulls.is_null(*i)) {
            answers[i / 64] |= 1 << (i % 64);
        }
    }
    let bits = BooleanBuffer::new(Buffer::from_vec(answers), 0, array.len());
    BooleanArray::new(bits, None)
}
