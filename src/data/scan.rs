//! Records: where each one starts and ends, its line in the file, and its fields. A record without
//! a quote is split on its delimiters directly (the common case, and the fast one); a record with
//! a quote anywhere is handed to `csv_core`, which the csv crate is built on, so quoted fields
//! (delimiters, `""` and newlines inside) read exactly as the csv crate reads them. Records that
//! are not wanted can be passed over without splitting them ([`Scanner::skip_record`]).
//!
//! Line numbers are the file's own: a `\n`, a `\r\n` or a lone `\r` ends a line, blank lines
//! count, and so do newlines inside quoted fields.

use std::io::Read;

use memchr::{memchr3, memchr_iter};

/// Bytes the scanner reads at a time (it grows to hold a longer record).
const BUFFER: usize = 1 << 20;

/// The fields of one record, unescaped.
#[derive(Debug, Clone, Default)]
pub struct Record {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Record {
    /// An empty record.
    pub fn new() -> Self {
        Record::default()
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Field `i`.
    pub fn get(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// The fields in order.
    pub fn iter(&self) -> impl Iterator<Item = &[u8]> {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Whether every field holds nothing but spaces (a blank line, or only delimiters): such a
    /// record is not a row.
    pub fn is_blank(&self) -> bool {
        self.bytes.iter().all(u8::is_ascii_whitespace)
    }
}

/// Why the scanner stopped.
#[derive(Debug)]
pub enum ScanError {
    /// The input could not be read.
    Io(std::io::Error),
    /// A quoted field starting on `line` runs to the end of the input.
    UnclosedQuote {
        /// Line where the record with the open quote starts.
        line: u64,
    },
}

impl From<std::io::Error> for ScanError {
    fn from(e: std::io::Error) -> Self {
        ScanError::Io(e)
    }
}

/// What the scanner found at the start of a record.
enum Shape {
    /// No quote before the end of the record, which spans `buf[start..end]`.
    Plain { start: usize, end: usize },
    /// A quote: the record starts at `pos` and needs `csv_core`.
    Quoted,
}

/// Reads records from an input, one at a time.
pub struct Scanner<R> {
    input: R,
    buf: Vec<u8>,
    /// Next byte to look at.
    pos: usize,
    /// End of the bytes read.
    end: usize,
    eof: bool,
    /// Line of `buf[pos]`.
    line: u64,
    /// The byte before `buf[pos]` (a `\n` right after a `\r` ends no new line).
    last: u8,
    delimiter: u8,
    core: csv_core::Reader,
    /// A record to parse quoted records into when only their extent is wanted.
    scratch: Record,
}

impl Scanner<&'static [u8]> {
    /// A scanner of `bytes` alone (the start of an input, looked at before reading it), with no
    /// more buffer than they need.
    pub fn over(bytes: &[u8], delimiter: u8) -> Self {
        Scanner::with_buffer(&[][..], bytes.to_vec(), delimiter, bytes.len())
    }
}

impl<R: Read> Scanner<R> {
    /// A scanner of `head` (bytes already read from the input) followed by the rest of `input`.
    pub fn new(input: R, head: Vec<u8>, delimiter: u8) -> Self {
        let size = head.len().max(BUFFER);
        Self::with_buffer(input, head, delimiter, size)
    }

    fn with_buffer(input: R, mut head: Vec<u8>, delimiter: u8, size: usize) -> Self {
        let end = head.len();
        head.resize(size.max(end).max(1), 0);
        let mut core = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
        // csv_core drops a UTF-8 byte order mark at the start of what it is first given; the
        // scanner hands it records from the middle of the input, so it is given a blank line
        // first (the input's own mark, if any, was removed before the scanner).
        let _ = core.read_record(b"\n", &mut [0u8; 1], &mut [0usize; 1]);
        Scanner {
            input,
            buf: head,
            pos: 0,
            end,
            eof: false,
            line: 1,
            last: 0,
            delimiter,
            core,
            scratch: Record::new(),
        }
    }

    /// Reads the next record into `record` and returns its line; `None` at the end of the input.
    pub fn next_record(&mut self, record: &mut Record) -> Result<Option<u64>, ScanError> {
        if !self.skip_line_ends()? {
            return Ok(None);
        }
        let line = self.line;
        match self.shape()? {
            Shape::Plain { start, end } => {
                record.bytes.clear();
                record.ends.clear();
                let raw = &self.buf[start..end];
                let mut from = 0;
                for i in memchr_iter(self.delimiter, raw) {
                    record.bytes.extend_from_slice(&raw[from..i]);
                    record.ends.push(record.bytes.len());
                    from = i + 1;
                }
                record.bytes.extend_from_slice(&raw[from..]);
                record.ends.push(record.bytes.len());
                self.pos = end;
                self.last = self.buf[end - 1];
            }
            Shape::Quoted => self.quoted(record, line)?,
        }
        Ok(Some(line))
    }

    /// Passes over the next record without keeping its fields; returns whether it was blank, or
    /// `None` at the end of the input.
    pub fn skip_record(&mut self) -> Result<Option<bool>, ScanError> {
        if !self.skip_line_ends()? {
            return Ok(None);
        }
        let line = self.line;
        match self.shape()? {
            Shape::Plain { start, end } => {
                let raw = &self.buf[start..end];
                let blank = raw
                    .iter()
                    .all(|&b| b.is_ascii_whitespace() || b == self.delimiter);
                self.pos = end;
                self.last = self.buf[end - 1];
                Ok(Some(blank))
            }
            Shape::Quoted => {
                let mut scratch = std::mem::take(&mut self.scratch);
                let result = self.quoted(&mut scratch, line);
                let blank = scratch.is_blank();
                self.scratch = scratch;
                result.map(|()| Some(blank))
            }
        }
    }

    /// Moves the unread bytes to the front of the buffer and reads more after them. Returns false
    /// when the input has ended.
    fn fill(&mut self) -> std::io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            self.buf.resize(2 * self.buf.len(), 0);
        }
        loop {
            match self.input.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Passes over line ends (blank lines, and the ends of the record before), counting lines.
    /// Returns false at the end of the input.
    fn skip_line_ends(&mut self) -> std::io::Result<bool> {
        loop {
            while self.pos < self.end {
                let b = self.buf[self.pos];
                match b {
                    b'\n' => self.line += u64::from(self.last != b'\r'),
                    b'\r' => self.line += 1,
                    _ => return Ok(true),
                }
                self.last = b;
                self.pos += 1;
            }
            if !self.fill()? {
                return Ok(false);
            }
        }
    }

    /// Finds the end of the record at `pos`, or a quote before it.
    fn shape(&mut self) -> std::io::Result<Shape> {
        let mut from = self.pos;
        loop {
            match memchr3(b'\n', b'\r', b'"', &self.buf[from..self.end]) {
                Some(i) if self.buf[from + i] == b'"' => return Ok(Shape::Quoted),
                Some(i) => {
                    return Ok(Shape::Plain {
                        start: self.pos,
                        end: from + i,
                    })
                }
                None => {
                    let seen = self.end - self.pos;
                    if !self.fill()? {
                        return Ok(Shape::Plain {
                            start: self.pos,
                            end: self.end,
                        });
                    }
                    from = self.pos + seen;
                }
            }
        }
    }

    /// Reads the record at `pos`, which holds a quote, with `csv_core`.
    fn quoted(&mut self, record: &mut Record, line: u64) -> Result<(), ScanError> {
        use csv_core::ReadRecordResult::*;
        record.bytes.resize(record.bytes.capacity().max(256), 0);
        record.ends.resize(record.ends.capacity().max(16), 0);
        let (mut out, mut fields) = (0, 0);
        // At the end of the input, a line end is offered: a record in a quoted field takes it
        // as text and still wants more, which shows the quote was never closed.
        let mut probing = false;
        loop {
            let input: &[u8] = if probing {
                b"\n"
            } else {
                &self.buf[self.pos..self.end]
            };
            let (result, read, written, ended) =
                self.core
                    .read_record(input, &mut record.bytes[out..], &mut record.ends[fields..]);
            out += written;
            fields += ended;
            if !probing {
                self.count_lines(read);
            }
            match result {
                InputEmpty if probing => return Err(ScanError::UnclosedQuote { line }),
                InputEmpty => probing = !self.fill()?,
                OutputFull => record.bytes.resize(2 * record.bytes.len(), 0),
                OutputEndsFull => record.ends.resize(2 * record.ends.len(), 0),
                Record | End => break,
            }
        }
        record.bytes.truncate(out);
        record.ends.truncate(fields);
        Ok(())
    }

    /// Moves `pos` past `n` bytes, counting the line ends among them.
    fn count_lines(&mut self, n: usize) {
        let bytes = &self.buf[self.pos..self.pos + n];
        if memchr::memchr2(b'\n', b'\r', bytes).is_some() {
            for &b in bytes {
                match b {
                    b'\n' => self.line += u64::from(self.last != b'\r'),
                    b'\r' => self.line += 1,
                    _ => {}
                }
                self.last = b;
            }
        } else if let Some(&b) = bytes.last() {
            self.last = b;
        }
        self.pos += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Records as (line, fields).
    type Rows = Vec<(u64, Vec<Vec<u8>>)>;

    /// Every non-blank record with its line.
    fn scan(input: &[u8], delimiter: u8) -> Result<Rows, ScanError> {
        let mut scanner = Scanner::new(input, Vec::new(), delimiter);
        let mut record = Record::new();
        let mut out = Vec::new();
        while let Some(line) = scanner.next_record(&mut record)? {
            if !record.is_blank() {
                out.push((line, record.iter().map(<[u8]>::to_vec).collect()));
            }
        }
        Ok(out)
    }

    fn fields(rows: &Rows) -> Vec<Vec<Vec<u8>>> {
        rows.iter().map(|(_, f)| f.clone()).collect()
    }

    /// The csv crate's reading of the same bytes, blank records left out.
    fn csv_crate(input: &[u8], delimiter: u8) -> Vec<Vec<Vec<u8>>> {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(input);
        let mut out = Vec::new();
        for record in reader.byte_records() {
            let record = record.expect("bytes always read");
            if !record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
                out.push(record.iter().map(<[u8]>::to_vec).collect());
            }
        }
        out
    }

    fn b(s: &str) -> Vec<u8> {
        s.as_bytes().to_vec()
    }

    #[test]
    fn lines_count_blank_lines_crlf_lone_cr_and_quoted_newlines() {
        let rows = scan(b"a,b\r\n1,2\r\n\r\nx,4\r\n", b',').unwrap();
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 4]);
        let rows = scan(b"a,b\n\"x\ny\",2\n\n\n3,w\n", b',').unwrap();
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 6]);
        assert_eq!(rows[1].1, [b("x\ny"), b("2")]);
        let rows = scan(b"a\rb\r\rc", b',').unwrap();
        assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 4]);
    }

    #[test]
    fn quotes_are_read_as_the_csv_crate_reads_them() {
        for (text, delimiters) in [
            ("a,\"b,c\"\n\"x\"\"y\",2\n", ",;"),
            ("\"ab\"cd,e\nf\"g,h\n", ",;"),
            // Split on ';', the quote before the newline opens no field: an unclosed quote follows.
            ("\"\",\"\"\n1,\"\n\"\n", ","),
            ("a;\"b;c\";d\r\n", ",;"),
            ("x,\"y\"", ",;"),
        ] {
            for d in delimiters.bytes() {
                assert_eq!(
                    fields(&scan(text.as_bytes(), d).unwrap()),
                    csv_crate(text.as_bytes(), d),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn an_unclosed_quote_names_its_line() {
        for (text, line) in [
            ("a,b\n1,2\n3,\"4\n5,6\n", 3),
            ("a,b\n1,\"2", 2),
            ("a,b\n\"x\"\"\n", 2),
        ] {
            match scan(text.as_bytes(), b',') {
                Err(ScanError::UnclosedQuote { line: l }) => assert_eq!(l, line, "{text:?}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
        assert!(scan(b"a,b\n1,\"2\"", b',').is_ok());
    }

    #[test]
    fn records_longer_than_the_buffer_and_skipping() {
        let long = "x".repeat(3 * BUFFER);
        let text = format!("a,b\n{long},1\n\"{long}\n\",2\n  , \n3,4");
        let rows = scan(text.as_bytes(), b',').unwrap();
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[1].1[0].len(), 3 * BUFFER);
        assert_eq!(rows[3], (6, vec![b("3"), b("4")]));
        let mut s = Scanner::new(text.as_bytes(), Vec::new(), b',');
        let skipped: Vec<bool> = std::iter::from_fn(|| s.skip_record().unwrap()).collect();
        assert_eq!(skipped, [false, false, false, true, false]);
    }

    proptest! {
        #[test]
        fn any_bytes_split_as_the_csv_crate_splits_them(
            bytes in prop::collection::vec(prop::sample::select(b"ab1,;\"\n\r \t".to_vec()), 0..300),
            d in prop::sample::select(b",;".to_vec()),
            head in 0usize..20,
        ) {
            // Some of the bytes already read as a head, or all of them in a buffer of their size.
            let head = head.min(bytes.len());
            let mut s: Scanner<&[u8]> = if head == 0 {
                Scanner::over(&bytes, d)
            } else {
                Scanner::new(&bytes[head..], bytes[..head].to_vec(), d)
            };
            let mut record = Record::new();
            let mut ours = Vec::new();
            let mut closed = true;
            loop {
                match s.next_record(&mut record) {
                    Ok(Some(_)) if record.is_blank() => {}
                    Ok(Some(_)) => ours.push(record.iter().map(<[u8]>::to_vec).collect::<Vec<_>>()),
                    Ok(None) => break,
                    Err(ScanError::UnclosedQuote { .. }) => { closed = false; break }
                    Err(e) => panic!("{e:?}"),
                }
            }
            let theirs = csv_crate(&bytes, d);
            if closed {
                prop_assert_eq!(ours, theirs);
            } else {
                // Up to the record with the open quote, the same records.
                prop_assert_eq!(&theirs[..ours.len()], &ours[..]);
            }
        }
    }
}
