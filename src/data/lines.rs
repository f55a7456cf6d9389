//! Line numbers for messages: the file's own lines, counting blank lines, CRLF endings and
//! newlines inside quoted fields, which the csv crate's own count gets wrong.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::Read;
use std::rc::Rc;

/// Wraps the input to note where its newlines are, so that each record's line number can be told
/// exactly. (The csv crate's own line count is off after blank lines and with CRLF endings.)
pub struct LineCounter<R> {
    inner: R,
    offset: u64,
    last: u8,
    /// Number of `"` seen: odd at the end means a quote was never closed.
    quotes: u64,
    newlines: Rc<RefCell<Newlines>>,
}

impl<R> LineCounter<R> {
    /// Counts the lines of `inner` into `newlines`.
    pub fn new(inner: R, newlines: Rc<RefCell<Newlines>>) -> Self {
        LineCounter {
            inner,
            offset: 0,
            last: 0,
            quotes: 0,
            newlines,
        }
    }

    /// Whether an odd number of `"` was read: a quote was opened and never closed.
    pub fn odd_quotes(&self) -> bool {
        self.quotes % 2 == 1
    }

    /// Whether the last byte read was a newline.
    pub fn ends_with_newline(&self) -> bool {
        self.last == b'\n'
    }
}

impl<R: Read> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut newlines = self.newlines.borrow_mut();
        for i in memchr::memchr_iter(b'\n', &buf[..n]) {
            let crlf = if i == 0 { self.last } else { buf[i - 1] } == b'\r';
            newlines.pending.push_back((self.offset + i as u64, crlf));
        }
        self.quotes += memchr::memchr_iter(b'"', &buf[..n]).count() as u64;
        if n > 0 {
            self.last = buf[n - 1];
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Newline offsets read ahead of the record being handled; those behind it are only counted.
#[derive(Debug, Default)]
pub struct Newlines {
    passed: u64,
    /// Offset of each newline, and whether a carriage return comes right before it.
    pending: VecDeque<(u64, bool)>,
}

impl Newlines {
    /// The 1-based line of the first byte of a record that the csv crate says starts at `byte`.
    /// Records are asked for in order, so newlines behind `byte` are counted and forgotten. The
    /// csv crate puts a record's start before any blank lines that precede it; those (a `\n`,
    /// or `\r\n`, right at the start) are skipped too.
    pub fn line_at(&mut self, byte: u64) -> u64 {
        while self.pending.front().is_some_and(|&(p, _)| p < byte) {
            self.pending.pop_front();
            self.passed += 1;
        }
        let mut at = byte;
        while let Some(&(p, crlf)) = self.pending.front() {
            if p == at || (crlf && p == at + 1) {
                self.pending.pop_front();
                self.passed += 1;
                at = p + 1;
            } else {
                break;
            }
        }
        self.passed + 1
    }
}
