//! UTF-16 text (what Excel's "Unicode text" and many Windows tools write) decoded to UTF-8 as it
//! is read, so the rest of the loader sees the CSV it would see had the file been saved as UTF-8.
//! A byte order mark at the start is dropped; text that is not valid UTF-16 is an error naming the
//! byte where it goes wrong, never a replacement character.

use std::io::{self, Read};

/// Raw bytes read at a time.
const CHUNK: usize = 64 * 1024;

/// Decodes UTF-16 from `inner` into UTF-8.
pub struct Utf16Reader<R> {
    inner: R,
    big_endian: bool,
    /// Undecoded bytes (at most one, an odd byte at the end of a read).
    raw: Vec<u8>,
    /// Decoded bytes not yet handed out, from `out_pos`.
    out: Vec<u8>,
    out_pos: usize,
    /// A high surrogate waiting for its low half.
    high: Option<u16>,
    /// Bytes of the input decoded so far, for messages.
    offset: u64,
    /// Whether the first code unit is still to come (a byte order mark there is dropped).
    first: bool,
}

impl<R: Read> Utf16Reader<R> {
    /// A decoder of `inner`, little- or big-endian.
    pub fn new(inner: R, big_endian: bool) -> Self {
        Utf16Reader {
            inner,
            big_endian,
            raw: Vec::with_capacity(CHUNK + 1),
            out: Vec::with_capacity(CHUNK * 3 / 2),
            out_pos: 0,
            high: None,
            offset: 0,
            first: true,
        }
    }

    fn invalid(&self, at: u64, what: &str) -> io::Error {
        io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the file is UTF-16 but {what} at byte {at}; save it as CSV (UTF-8)"),
        )
    }

    /// Decodes the next chunk into `out`; false at the end of the input.
    fn decode_more(&mut self) -> io::Result<bool> {
        self.out.clear();
        self.out_pos = 0;
        while self.out.is_empty() {
            let kept = self.raw.len();
            self.raw.resize(kept + CHUNK, 0);
            let n = loop {
                match self.inner.read(&mut self.raw[kept..]) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    other => break other?,
                }
            };
            self.raw.truncate(kept + n);
            if n == 0 {
                if !self.raw.is_empty() {
                    return Err(self.invalid(self.offset, "it ends in half a character"));
                }
                if self.high.is_some() {
                    return Err(self.invalid(self.offset - 2, "a surrogate pair is cut short"));
                }
                return Ok(false);
            }
            let whole = self.raw.len() / 2 * 2;
            for i in (0..whole).step_by(2) {
                let pair = [self.raw[i], self.raw[i + 1]];
                let unit = if self.big_endian {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                };
                let at = self.offset;
                self.offset += 2;
                if std::mem::take(&mut self.first) && unit == 0xFEFF {
                    continue;
                }
                let c = match (self.high.take(), unit) {
                    (None, 0xD800..=0xDBFF) => {
                        self.high = Some(unit);
                        continue;
                    }
                    (Some(high), 0xDC00..=0xDFFF) => char::from_u32(
                        0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(unit) - 0xDC00),
                    ),
                    (None, 0xDC00..=0xDFFF) | (Some(_), _) => None,
                    (None, _) => char::from_u32(u32::from(unit)),
                };
                let Some(c) = c else {
                    return Err(self.invalid(at, "holds an unpaired surrogate"));
                };
                let mut utf8 = [0u8; 4];
                self.out
                    .extend_from_slice(c.encode_utf8(&mut utf8).as_bytes());
            }
            self.raw.drain(..whole);
        }
        Ok(true)
    }
}

impl<R: Read> Read for Utf16Reader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.out_pos == self.out.len() && !self.decode_more()? {
            return Ok(0);
        }
        let n = buf.len().min(self.out.len() - self.out_pos);
        buf[..n].copy_from_slice(&self.out[self.out_pos..self.out_pos + n]);
        self.out_pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
        units
            .flat_map(|u| {
                if big_endian {
                    u.to_be_bytes()
                } else {
                    u.to_le_bytes()
                }
            })
            .collect()
    }

    fn decode(bytes: &[u8], big_endian: bool) -> io::Result<String> {
        let mut out = String::new();
        Utf16Reader::new(bytes, big_endian).read_to_string(&mut out)?;
        Ok(out)
    }

    #[test]
    fn both_byte_orders_decode_with_or_without_a_mark() {
        let text = "a;b\n1,5;é€😀\n".repeat(20_000);
        for big in [false, true] {
            for bom in [false, true] {
                assert_eq!(decode(&encode(&text, big, bom), big).unwrap(), text);
            }
        }
    }

    #[test]
    fn invalid_utf16_names_the_byte() {
        let mut bytes = encode("ab", false, false);
        bytes.extend_from_slice(&0xDC00u16.to_le_bytes());
        let e = decode(&bytes, false).unwrap_err().to_string();
        assert!(e.contains("unpaired surrogate at byte 4"), "{e}");
        let e = decode(&[b'a', 0, b'b'], false).unwrap_err().to_string();
        assert!(e.contains("half a character"), "{e}");
        let e = decode(&0xD800u16.to_le_bytes(), false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cut short at byte 0"), "{e}");
    }
}
