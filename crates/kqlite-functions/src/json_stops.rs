//! Where the next byte that matters in JSON text is, sixteen bytes at a time: inside a string a
//! quote, backslash or control character; between tokens of an array or object a quote or
//! bracket. Values are mostly short strings, so one comparison of a block usually answers.

/// The first quote, backslash or control character at or after `j`.
pub(crate) fn string_stop(b: &[u8], j: usize) -> Option<usize> {
    first_stop(b, j, blocks::string_stops, |c| {
        matches!(c, b'"' | b'\\' | 0..=0x1f)
    })
}

/// The first quote or bracket (`{`, `[`, `}`, `]`) at or after `j`.
pub(crate) fn bracket_stop(b: &[u8], j: usize) -> Option<usize> {
    first_stop(b, j, blocks::bracket_stops, |c| {
        matches!(c, b'"' | b'{' | b'[' | b'}' | b']')
    })
}

const BLOCK: usize = 16;

/// `i` at `{` or `[`: the index after the bracket that closes it (brackets inside strings
/// skipped), 64 bytes at a time; None when the text ends first. A block with a backslash
/// leaves the value to `by_tokens`, which steps over escapes.
pub(crate) fn container_end(
    b: &[u8],
    i: usize,
    by_tokens: impl Fn(&[u8], usize) -> Option<usize>,
) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_string = 0u64;
    for at in (i..b.len()).step_by(WIDE) {
        let mut padded = [b' '; WIDE];
        let block = match b.get(at..at + WIDE) {
            Some(block) => block,
            None => {
                padded[..b.len() - at].copy_from_slice(&b[at..]);
                &padded[..]
            }
        };
        let marks = Marks::of(block.try_into().ok()?);
        if marks.escapes != 0 {
            return by_tokens(b, i);
        }
        // Bits from an opening quote up to (not including) its closing quote.
        let strings = prefix_xor(marks.quotes) ^ in_string;
        in_string = ((strings as i64) >> 63) as u64;
        let (opens, closes) = (marks.opens & !strings, marks.closes & !strings);
        if let Some(k) = closing(&mut depth, opens, closes) {
            return Some(at + k + 1);
        }
    }
    None
}

const WIDE: usize = 64;

/// The quotes, backslashes, opening and closing brackets of 64 bytes, a bit each.
struct Marks {
    quotes: u64,
    escapes: u64,
    opens: u64,
    closes: u64,
}

impl Marks {
    fn of(block: &[u8; WIDE]) -> Marks {
        let mut marks = Marks {
            quotes: 0,
            escapes: 0,
            opens: 0,
            closes: 0,
        };
        for (k, part) in block.chunks_exact(BLOCK).enumerate() {
            let [quotes, escapes, opens, closes] = blocks::marks(part.try_into().unwrap());
            let shift = k * BLOCK;
            marks.quotes |= u64::from(quotes) << shift;
            marks.escapes |= u64::from(escapes) << shift;
            marks.opens |= u64::from(opens) << shift;
            marks.closes |= u64::from(closes) << shift;
        }
        marks
    }
}

/// Each bit the parity of the bits at and below it.
fn prefix_xor(mut x: u64) -> u64 {
    for shift in [1, 2, 4, 8, 16, 32] {
        x ^= x << shift;
    }
    x
}

/// Follows the depth through a block's brackets: the bit of the close that brings it to zero.
fn closing(depth: &mut usize, opens: u64, closes: u64) -> Option<usize> {
    if closes == 0 {
        *depth += opens.count_ones() as usize;
        return None;
    }
    let mut brackets = opens | closes;
    while brackets != 0 {
        let k = brackets.trailing_zeros() as usize;
        match opens >> k & 1 {
            1 => *depth += 1,
            _ => {
                *depth = depth.checked_sub(1)?;
                if *depth == 0 {
                    return Some(k);
                }
            }
        }
        brackets &= brackets - 1;
    }
    None
}

/// The first byte at or after `j` that `stops` marks in its block (bit `k` for byte `k`), or
/// that `is_stop` accepts where the text is shorter than a block.
fn first_stop(
    b: &[u8],
    mut j: usize,
    stops: fn(&[u8; BLOCK]) -> u32,
    is_stop: fn(u8) -> bool,
) -> Option<usize> {
    if b.len() < BLOCK {
        let rest = b.get(j..)?;
        return rest.iter().position(|&c| is_stop(c)).map(|p| j + p);
    }
    while j < b.len() {
        // The last block ends at the text's end, its bits before `j` dropped.
        let start = j.min(b.len() - BLOCK);
        let block = b[start..start + BLOCK].try_into().ok()?;
        let hits = stops(block) >> (j - start);
        if hits != 0 {
            return Some(j + hits.trailing_zeros() as usize);
        }
        j = start + BLOCK;
    }
    None
}

#[cfg(target_arch = "x86_64")]
mod blocks {
    use super::BLOCK;
    use std::arch::x86_64::*;

    /// Bits of the quotes, backslashes and control characters of a block.
    pub(super) fn string_stops(block: &[u8; BLOCK]) -> u32 {
        // SAFETY: SSE2 is part of every x86_64 target; the load reads exactly the block's
        // sixteen bytes and needs no alignment.
        unsafe {
            let x = _mm_loadu_si128(block.as_ptr().cast());
            let quotes = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'"' as i8));
            let escapes = _mm_cmpeq_epi8(x, _mm_set1_epi8(b'\\' as i8));
            // x <= 0x1f, unsigned: the minimum of x and 0x1f is x.
            let controls = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
            let hits = _mm_or_si128(_mm_or_si128(quotes, escapes), controls);
            _mm_movemask_epi8(hits) as u32
        }
    }

    /// Bits of the quotes and brackets of a block.
    pub(super) fn bracket_stops(block: &[u8; BLOCK]) -> u32 {
        let [quotes, _, opens, closes] = marks(block);
        quotes | opens | closes
    }

    /// Bits of a block's quotes, backslashes, opening and closing brackets.
    pub(super) fn marks(block: &[u8; BLOCK]) -> [u32; 4] {
        // SAFETY: as in `string_stops`.
        unsafe {
            let x = _mm_loadu_si128(block.as_ptr().cast());
            let is = |byte: u8, x| _mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8(byte as i8)));
            // `[` and `]` are `{` and `}` less 0x20; no other byte sets 0x20 into them.
            let folded = _mm_or_si128(x, _mm_set1_epi8(0x20));
            [
                is(b'"', x),
                is(b'\\', x),
                is(b'{', folded),
                is(b'}', folded),
            ]
            .map(|m| m as u32)
        }
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod blocks {
    use super::BLOCK;

    fn mask(block: &[u8; BLOCK], is_stop: fn(u8) -> bool) -> u32 {
        (0..BLOCK).fold(0, |m, k| m | (u32::from(is_stop(block[k])) << k))
    }

    pub(super) fn string_stops(block: &[u8; BLOCK]) -> u32 {
        mask(block, |c| matches!(c, b'"' | b'\\' | 0..=0x1f))
    }

    pub(super) fn bracket_stops(block: &[u8; BLOCK]) -> u32 {
        mask(block, |c| matches!(c, b'"' | b'{' | b'[' | b'}' | b']'))
    }

    pub(super) fn marks(block: &[u8; BLOCK]) -> [u32; 4] {
        [
            mask(block, |c| c == b'"'),
            mask(block, |c| c == b'\\'),
            mask(block, |c| matches!(c, b'{' | b'[')),
            mask(block, |c| matches!(c, b'}' | b']')),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte by byte, as the blocks must answer.
    fn one_by_one(b: &[u8], j: usize, is_stop: fn(u8) -> bool) -> Option<usize> {
        (j..b.len()).find(|&k| is_stop(b[k]))
    }

    #[test]
    fn blocks_find_what_a_byte_by_byte_search_finds() {
        let texts: [&[u8]; 5] = [
            br#"{"a":[1,{"b":"x\"y"}],"c":"\u00e9\n"}"#,
            b"short\"",
            b"no stop in these thirty-odd plain bytes at all",
            "caf\u{e9} \u{1f600} \x01 ]".as_bytes(),
            b"0123456789abcdef0123456789abcde\\",
        ];
        let string = |c| matches!(c, b'"' | b'\\' | 0..=0x1f);
        let bracket = |c| matches!(c, b'"' | b'{' | b'[' | b'}' | b']');
        for text in texts {
            for j in 0..=text.len() + 1 {
                assert_eq!(string_stop(text, j), one_by_one(text, j, string), "{j}");
                assert_eq!(bracket_stop(text, j), one_by_one(text, j, bracket), "{j}");
            }
        }
    }
}
