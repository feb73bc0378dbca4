//! Row functions that write numbers and digests as text: `tohex`, `format_bytes`,
//! `hash_sha1`.

use datafusion::arrow::datatypes::DataType;

use super::rowwise::{long, text, Ctx};

type Row<'a> = [Option<&'a str>];

/// `tohex(value [, min_length])`: lowercase hex, negatives in two's complement of their own
/// width (32 bits for an `int`, 64 for a `long`), padded with zeros to at most 16 digits.
pub fn tohex(ctx: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(value) = row
        .first()
        .copied()
        .flatten()
        .and_then(|t| t.parse::<i64>().ok())
    else {
        return false;
    };
    let digits = match ctx.types.first() {
        Some(DataType::Int32 | DataType::Int16 | DataType::Int8) => format!("{:x}", value as i32),
        _ => format!("{value:x}"),
    };
    let width = long(row, 1).unwrap_or(0).clamp(0, 16) as usize;
    out.push_str(&format!("{digits:0>width$}"));
    true
}

const BYTE_UNITS: [&str; 7] = ["Bytes", "KB", "MB", "GB", "TB", "PB", "EB"];

/// `format_bytes(size [, precision [, units]])`: the size in the given unit (or the largest
/// that keeps it at least 1), rounded to `precision` digits.
pub fn format_bytes(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    let Some(size) = row
        .first()
        .copied()
        .flatten()
        .and_then(|t| t.trim().parse::<f64>().ok())
    else {
        return false;
    };
    let precision = long(row, 1).unwrap_or(0).clamp(0, 15) as i32;
    let wanted = text(row, 2);
    let chosen = BYTE_UNITS
        .iter()
        .position(|u| u.eq_ignore_ascii_case(wanted));
    let unit = chosen.unwrap_or_else(|| {
        let mut unit = 0;
        while unit + 1 < BYTE_UNITS.len() && size.abs() >= 1024f64.powi(unit as i32 + 1) {
            unit += 1;
        }
        unit
    });
    let scale = 10f64.powi(precision);
    let value = (size / 1024f64.powi(unit as i32) * scale).round() / scale;
    out.push_str(&format!("{value} {}", BYTE_UNITS[unit]));
    true
}

/// `hash_sha1(text)`: the SHA-1 digest of the UTF-8 text, as lowercase hex.
pub fn hash_sha1(_: &mut Ctx, row: &Row, out: &mut String) -> bool {
    for word in sha1(text(row, 0).as_bytes()) {
        out.push_str(&format!("{word:08x}"));
    }
    true
}

/// SHA-1 (FIPS 180-4): five 32-bit words.
fn sha1(message: &[u8]) -> [u32; 5] {
    let mut h: [u32; 5] = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0];
    let mut padded = message.to_vec();
    padded.push(0x80);
    while padded.len() % 64 != 56 {
        padded.push(0);
    }
    padded.extend_from_slice(&((message.len() as u64) * 8).to_be_bytes());
    for block in padded.chunks(64) {
        let mut w = [0u32; 80];
        for (i, word) in block.chunks(4).enumerate() {
            w[i] = u32::from_be_bytes([word[0], word[1], word[2], word[3]]);
        }
        for i in 16..80 {
            w[i] = (w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16]).rotate_left(1);
        }
        let [mut a, mut b, mut c, mut d, mut e] = h;
        for (i, wi) in w.iter().enumerate() {
            let (f, k) = match i {
                0..=19 => ((b & c) | (!b & d), 0x5A827999),
                20..=39 => (b ^ c ^ d, 0x6ED9EBA1),
                40..=59 => ((b & c) | (b & d) | (c & d), 0x8F1BBCDC),
                _ => (b ^ c ^ d, 0xCA62C1D6),
            };
            let t = a
                .rotate_left(5)
                .wrapping_add(f)
                .wrapping_add(e)
                .wrapping_add(k)
                .wrapping_add(*wi);
            (e, d, c, b, a) = (d, c, b.rotate_left(30), a, t);
        }
        for (hi, v) in h.iter_mut().zip([a, b, c, d, e]) {
            *hi = hi.wrapping_add(v);
        }
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> String {
        sha1(s.as_bytes())
            .iter()
            .map(|w| format!("{w:08x}"))
            .collect()
    }

    #[test]
    fn sha1_of_known_texts() {
        assert_eq!(hex(""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        assert_eq!(hex("abc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
        let long = "a".repeat(1000);
        assert_eq!(hex(&long), "291e9a6c66994949b57ba5e650361e98fc36b1ba");
    }
}
