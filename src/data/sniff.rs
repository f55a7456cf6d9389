//! Looking at the start of the input before reading it: the delimiter.

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// The delimiters tried when none is given, in order of preference on a tie.
pub const DELIMITERS: &[u8] = b",;\t|";

/// How many bytes at the start of the input are looked at to pick the delimiter and the header.
pub const SAMPLE_BYTES: usize = 64 * 1024;
/// How many records of the sample are compared to pick the delimiter.
const SAMPLE_RECORDS: usize = 20;

/// Reads up to [`SAMPLE_BYTES`] from the start of `input`, without a UTF-8 byte order mark.
/// Returns the sample and whether the input ended within it.
pub fn sample<R: Read>(input: &mut R, file: &Path) -> Result<(Vec<u8>, bool)> {
    let mut buf = Vec::with_capacity(SAMPLE_BYTES);
    let complete = loop {
        let before = buf.len();
        let n = input
            .by_ref()
            .take((SAMPLE_BYTES - before) as u64)
            .read_to_end(&mut buf)
            .map_err(|source| Error::Io {
                file: file.to_path_buf(),
                source,
            })?;
        if n == 0 {
            break true;
        }
        if buf.len() >= SAMPLE_BYTES {
            break false;
        }
    };
    if buf.starts_with(b"\xEF\xBB\xBF") {
        buf.drain(..3);
    }
    Ok((buf, complete))
}

/// Picks the delimiter that splits the sample's records into the most fields, the same number on
/// every record; a comma when none splits it at all.
pub fn detect_delimiter(sample: &[u8], complete: bool) -> u8 {
    let mut best = (b',', 1usize);
    for &d in DELIMITERS {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(d)
            .has_headers(false)
            .flexible(true)
            .from_reader(sample);
        let mut counts = Vec::new();
        let mut record = csv::ByteRecord::new();
        while counts.len() < SAMPLE_RECORDS
            && matches!(reader.read_byte_record(&mut record), Ok(true))
        {
            if !is_blank(&record) {
                counts.push(record.len());
            }
        }
        // A sample cut short may end in half a record.
        if !complete && counts.len() > 1 {
            counts.pop();
        }
        let Some(&first) = counts.first() else {
            continue;
        };
        if counts.iter().all(|&n| n == first) && first > best.1 {
            best = (d, first);
        }
    }
    best.0
}

/// Whether a record holds nothing but spaces (a blank line, or only delimiters): not a row.
pub fn is_blank(record: &csv::ByteRecord) -> bool {
    record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace))
}
