//! The bytes of the CSV: a file or standard input, counted on a progress bar as they are read,
//! decompressed when they are gzip and decoded when they are UTF-16 (told by their first bytes, not
//! by the file's name), and refused with a plain word when they are something else altogether (an
//! Excel workbook, a Parquet file, ...). What comes out is UTF-8 text without a byte order mark.

use std::io::{Cursor, Read};
use std::path::Path;

use indicatif::ProgressBar;

use super::sniff::{identify, Format};
use super::utf16::Utf16Reader;
use crate::error::{Error, Result};

/// How many bytes at the start of the input are looked at before reading it.
pub const HEAD_BYTES: usize = 64 * 1024;

/// The input, ready to read as UTF-8 text.
pub struct Opened<'a> {
    /// The first bytes of the text (up to [`HEAD_BYTES`]).
    pub head: Vec<u8>,
    /// Whether the text ends within `head`.
    pub complete: bool,
    /// The text after `head`.
    pub rest: Box<dyn Read + 'a>,
    /// What had to be undone to get the text, for the summary.
    pub layers: Vec<&'static str>,
}

/// Counts the bytes read on a progress bar.
struct Counted<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// Opens the CSV at `path` (`-`: standard input) and sets the bar's length to the file's size.
pub fn open_path(path: &Path, progress: &ProgressBar) -> Result<Box<dyn Read>> {
    let io_error = |source| Error::Io {
        file: path.to_path_buf(),
        source,
    };
    if path.as_os_str() == "-" {
        return Ok(Box::new(std::io::stdin().lock()));
    }
    let file = std::fs::File::open(path).map_err(io_error)?;
    if let Ok(meta) = file.metadata() {
        if meta.is_file() {
            progress.set_length(meta.len());
        }
    }
    Ok(Box::new(file))
}

/// Reads up to [`HEAD_BYTES`] from `input`; returns them and whether the input ended within them.
fn head(input: &mut dyn Read, file: &Path) -> Result<(Vec<u8>, bool)> {
    let mut buf = Vec::with_capacity(HEAD_BYTES);
    let complete = loop {
        let before = buf.len();
        let n = input
            .take((HEAD_BYTES - before) as u64)
            .read_to_end(&mut buf)
            .map_err(|source| Error::Io {
                file: file.to_path_buf(),
                source,
            })?;
        if n == 0 {
            break true;
        }
        if buf.len() >= HEAD_BYTES {
            break false;
        }
    };
    Ok((buf, complete))
}

/// Opens `input` as text: counts its bytes on `progress`, undoes gzip and UTF-16, drops a UTF-8
/// byte order mark, and refuses what is not text.
pub fn open<'a, R: Read + 'a>(input: R, file: &Path, progress: &ProgressBar) -> Result<Opened<'a>> {
    let mut input: Box<dyn Read + 'a> = Box::new(Counted {
        inner: input,
        bar: progress.clone(),
    });
    let mut layers = Vec::new();
    loop {
        let (mut bytes, complete) = head(&mut input, file)?;
        let format = identify(&bytes, file)?;
        let layer = match format {
            Format::Text => {
                if bytes.starts_with(b"\xEF\xBB\xBF") {
                    bytes.drain(..3);
                }
                return Ok(Opened {
                    head: bytes,
                    complete,
                    rest: input,
                    layers,
                });
            }
            Format::Gzip => "gzip-compressed: decompressed as it was read",
            Format::Utf16 { .. } => "UTF-16 text: decoded to UTF-8 as it was read",
        };
        // Two layers (gzip of UTF-16) are as deep as any CSV is wrapped.
        if layers.len() == 2 {
            return Err(Error::dataset(
                file,
                "the input is wrapped in more than two layers of compression or encoding; undo them first",
            ));
        }
        layers.push(layer);
        let whole = Cursor::new(bytes).chain(input);
        input = match format {
            Format::Gzip => Box::new(flate2::read::MultiGzDecoder::new(whole)),
            Format::Utf16 { big_endian } => Box::new(Utf16Reader::new(whole, big_endian)),
            Format::Text => unreachable!("returned above"),
        };
    }
}
