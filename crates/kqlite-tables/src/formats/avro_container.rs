//! The framing of an Avro object container file, read by kqlite before arrow-avro decodes
//! any record: the header, then each block (record count, bytes, sync marker) checked and
//! decompressed here. arrow-avro's file reader loops without end on a block whose records
//! end before its bytes do, and sizes its buffers by what a count says; so each checked block
//! is handed to it alone, uncompressed, as a container of one block read in one call.

use std::io::{BufRead, Read};

/// What a block may hold once decompressed (a deflate bomb stops here).
const MAX_BLOCK: u64 = 1 << 30;

/// A container being read block by block.
pub(crate) struct Container<R> {
    reader: R,
    /// The header rewritten with the `null` codec: blocks are handed on uncompressed.
    header: Vec<u8>,
    codec: Codec,
    sync: [u8; 16],
}

#[derive(Clone, Copy)]
enum Codec {
    Null,
    Deflate,
    Snappy,
}

/// One block's records, uncompressed.
pub(crate) struct Block {
    pub count: u64,
    pub data: Vec<u8>,
}

impl<R: BufRead> Container<R> {
    /// Reads the header; an error says why the file is not an Avro container.
    pub(crate) fn open(mut reader: R) -> Result<Container<R>, String> {
        let mut magic = [0u8; 4];
        read_exact(&mut reader, &mut magic)?;
        if &magic != b"Obj\x01" {
            return Err("not an Avro container file (no `Obj` magic)".into());
        }
        let metadata = read_metadata(&mut reader)?;
        let mut sync = [0u8; 16];
        read_exact(&mut reader, &mut sync)?;
        let codec = match metadata.iter().find(|(k, _)| k == b"avro.codec") {
            None => Codec::Null,
            Some((_, v)) if v == b"null" => Codec::Null,
            Some((_, v)) if v == b"deflate" => Codec::Deflate,
            Some((_, v)) if v == b"snappy" => Codec::Snappy,
            Some((_, v)) => {
                let name = String::from_utf8_lossy(v);
                return Err(format!("not supported yet: the Avro codec {name}"));
            }
        };
        let header = uncompressed_header(&metadata, &sync);
        Ok(Container {
            reader,
            header,
            codec,
            sync,
        })
    }

    /// The next block, None at the end of the file, or what is wrong with the block.
    pub(crate) fn next_block(&mut self) -> Result<Option<Block>, String> {
        if self
            .reader
            .fill_buf()
            .map_err(|e| e.to_string())?
            .is_empty()
        {
            return Ok(None);
        }
        let count = read_long(&mut self.reader)?;
        let size = read_long(&mut self.reader)?;
        let (Ok(count), Ok(size)) = (u64::try_from(count), u64::try_from(size)) else {
            return Err("a block with a negative record count or size".into());
        };
        let mut stored = Vec::new();
        (&mut self.reader)
            .take(size)
            .read_to_end(&mut stored)
            .map_err(|e| e.to_string())?;
        if stored.len() as u64 != size {
            return Err("the file ends inside a block".into());
        }
        let mut sync = [0u8; 16];
        read_exact(&mut self.reader, &mut sync)?;
        if sync != self.sync {
            return Err(
                "a block's sync marker is not where its size says: the block is damaged".into(),
            );
        }
        let data = decompress(self.codec, stored)?;
        // Every record of an Event Hubs capture takes bytes: more records than bytes is damage.
        if count > data.len() as u64 {
            return Err(format!(
                "a block says it holds {count} records in {} bytes",
                data.len()
            ));
        }
        Ok(Some(Block { count, data }))
    }

    /// A container file holding only `block`, uncompressed.
    pub(crate) fn single(&self, block: &Block) -> Vec<u8> {
        let mut file = self.header.clone();
        write_long(&mut file, block.count as i64);
        write_long(&mut file, block.data.len() as i64);
        file.extend_from_slice(&block.data);
        file.extend_from_slice(&self.sync);
        file
    }
}

fn decompress(codec: Codec, stored: Vec<u8>) -> Result<Vec<u8>, String> {
    let too_large = || format!("a block decompresses to more than {MAX_BLOCK} bytes");
    match codec {
        Codec::Null => Ok(stored),
        Codec::Deflate => {
            let mut data = Vec::new();
            let inflater = flate2::read::DeflateDecoder::new(stored.as_slice());
            inflater
                .take(MAX_BLOCK + 1)
                .read_to_end(&mut data)
                .map_err(|e| format!("a deflate block: {e}"))?;
            if data.len() as u64 > MAX_BLOCK {
                return Err(too_large());
            }
            Ok(data)
        }
        Codec::Snappy => {
            // Avro's snappy blocks end with the CRC-32 of the uncompressed bytes.
            let body = &stored[..stored.len().saturating_sub(4)];
            let length =
                snap::raw::decompress_len(body).map_err(|e| format!("a snappy block: {e}"))?;
            if length as u64 > MAX_BLOCK {
                return Err(too_large());
            }
            snap::raw::Decoder::new()
                .decompress_vec(body)
                .map_err(|e| format!("a snappy block: {e}"))
        }
    }
}

/// A header's metadata: (key, value) pairs.
type Metadata = Vec<(Vec<u8>, Vec<u8>)>;

/// The header's metadata map.
fn read_metadata(reader: &mut impl BufRead) -> Result<Metadata, String> {
    let mut entries = Vec::new();
    loop {
        let mut count = read_long(reader)?;
        if count == 0 {
            return Ok(entries);
        }
        if count < 0 {
            count = count.checked_neg().ok_or("a damaged header")?;
            read_long(reader)?; // the block's size in bytes
        }
        for _ in 0..count {
            entries.push((read_bytes(reader)?, read_bytes(reader)?));
            if entries.len() > 10_000 {
                return Err("a damaged header (too many metadata entries)".into());
            }
        }
    }
}

/// The header of a container of `metadata` whose blocks are not compressed.
fn uncompressed_header(metadata: &[(Vec<u8>, Vec<u8>)], sync: &[u8; 16]) -> Vec<u8> {
    let mut header = b"Obj\x01".to_vec();
    let kept: Vec<_> = metadata
        .iter()
        .filter(|(k, _)| k != b"avro.codec")
        .collect();
    write_long(&mut header, kept.len() as i64);
    for (key, value) in kept {
        write_long(&mut header, key.len() as i64);
        header.extend_from_slice(key);
        write_long(&mut header, value.len() as i64);
        header.extend_from_slice(value);
    }
    write_long(&mut header, 0);
    header.extend_from_slice(sync);
    header
}

fn read_bytes(reader: &mut impl BufRead) -> Result<Vec<u8>, String> {
    let length = u64::try_from(read_long(reader)?).map_err(|_| "a negative length")?;
    if length > 64 << 20 {
        return Err("a damaged header (a metadata value past 64 MiB)".into());
    }
    let mut bytes = vec![0u8; length as usize];
    read_exact(reader, &mut bytes)?;
    Ok(bytes)
}

fn read_exact(reader: &mut impl BufRead, into: &mut [u8]) -> Result<(), String> {
    reader
        .read_exact(into)
        .map_err(|_| "the file ends inside its framing".to_string())
}

/// Avro's long: a zig-zag varint of at most ten bytes.
fn read_long(reader: &mut impl BufRead) -> Result<i64, String> {
    let mut value = 0u64;
    for shift in (0..70).step_by(7) {
        let mut byte = [0u8; 1];
        read_exact(reader, &mut byte)?;
        value |= u64::from(byte[0] & 0x7f) << shift;
        if byte[0] & 0x80 == 0 {
            return Ok((value >> 1) as i64 ^ -((value & 1) as i64));
        }
    }
    Err("a damaged number in the framing".into())
}

fn write_long(out: &mut Vec<u8>, value: i64) {
    let mut zigzag = ((value << 1) ^ (value >> 63)) as u64;
    while zigzag >= 0x80 {
        out.push((zigzag as u8 & 0x7f) | 0x80);
        zigzag >>= 7;
    }
    out.push(zigzag as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longs_round_trip_through_zigzag() {
        for value in [0i64, 1, -1, 63, -64, 64, 1 << 40, i64::MAX, i64::MIN] {
            let mut bytes = Vec::new();
            write_long(&mut bytes, value);
            assert_eq!(read_long(&mut bytes.as_slice()), Ok(value));
        }
    }
}
