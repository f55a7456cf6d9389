//! The bytes of the table: a file or standard input, counted on a progress bar as they are read,
//! decompressed when they are gzip and decoded when they are UTF-16 (told by their first bytes, not
//! by the file's name), and refused with a plain word when they are something else altogether (an
//! Excel workbook, another compression, ...). What comes out is UTF-8 text without a byte order
//! mark, or a Parquet or Arrow file for `columnar` (a file on disk as it is, for it to read the
//! parts it needs; from standard input or gzip, all its bytes in memory).

use std::fs::File;
use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::Path;

use indicatif::ProgressBar;
use serde::Serialize;

use super::columnar;
use super::sniff::{identify, Format};
use super::utf16::Utf16Reader;
use crate::error::{Error, Result};

/// What kind of file a table is read from, told by its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// Delimited text.
    Csv,
    /// Apache Parquet (`PAR1` at both ends).
    Parquet,
    /// The Arrow IPC file format, which Feather v2 is (`ARROW1` at both ends).
    ArrowFile,
    /// The Arrow IPC stream format (messages from the start, each after `FF FF FF FF`).
    ArrowStream,
}

impl FileKind {
    /// How the summary names the kind.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Csv => "CSV",
            FileKind::Parquet => "Parquet file",
            FileKind::ArrowFile => "Arrow IPC file (Feather v2)",
            FileKind::ArrowStream => "Arrow IPC stream",
        }
    }
}

/// How many bytes at the start of the input are looked at before reading it.
pub const HEAD_BYTES: usize = 64 * 1024;

/// The layer UTF-16 text is, for the summary.
const UTF16: &str = "UTF-16 text: decoded to UTF-8 as it was read";

/// The input: text to read as a CSV, or a Parquet or Arrow file.
pub enum Opened<'a> {
    /// UTF-8 text.
    Text(Text<'a>),
    /// A Parquet or Arrow file, all its bytes in memory (it was read from a stream: its index may
    /// be at its end).
    Columnar {
        /// Which format.
        kind: FileKind,
        /// The whole file.
        bytes: Vec<u8>,
        /// What had to be undone to get the file (gzip), for the summary.
        layers: Vec<&'static str>,
    },
}

/// The input, ready to read as UTF-8 text.
pub struct Text<'a> {
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

/// A path's input: a file, or standard input for `-`.
pub enum Source {
    /// A file on disk (its length set on the progress bar).
    File(File),
    /// Standard input.
    Stdin(std::io::StdinLock<'static>),
}

/// Opens the input at `path` (`-`: standard input) and sets the bar's length to the file's size.
pub fn open_path(path: &Path, progress: &ProgressBar) -> Result<Source> {
    if path.as_os_str() == "-" {
        return Ok(Source::Stdin(std::io::stdin().lock()));
    }
    let file = File::open(path).map_err(|source| Error::Io {
        file: path.to_path_buf(),
        source,
    })?;
    if let Ok(meta) = file.metadata() {
        if meta.is_file() {
            progress.set_length(meta.len());
        }
    }
    Ok(Source::File(file))
}

/// Whether `file` (a file on disk, at its start) is a Parquet or Arrow file; it is left at its
/// start either way. A pipe or a device that cannot seek is taken for text, to be read as a
/// stream (where a Parquet or Arrow file is still recognised, then held in memory).
pub fn columnar_kind(file: &mut File, name: &Path) -> Result<Option<FileKind>> {
    let io_error = |source| Error::Io {
        file: name.to_path_buf(),
        source,
    };
    if !file.metadata().is_ok_and(|m| m.is_file()) {
        return Ok(None);
    }
    let (head, _) = head(&mut (&mut *file).take(columnar::MAGIC_BYTES as u64), name)?;
    file.seek(SeekFrom::Start(0)).map_err(io_error)?;
    columnar::identify(&head, name)
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

/// Opens `input`: counts its bytes on `progress`, undoes gzip and UTF-16, drops a UTF-8 byte order
/// mark, and refuses what is not text, unless it is a Parquet or Arrow file (perhaps gzipped),
/// which is then read whole into memory.
pub fn open<'a, R: Read + 'a>(input: R, file: &Path, progress: &ProgressBar) -> Result<Opened<'a>> {
    let mut input: Box<dyn Read + 'a> = Box::new(Counted {
        inner: input,
        bar: progress.clone(),
    });
    let mut layers = Vec::new();
    loop {
        let (mut bytes, complete) = head(&mut input, file)?;
        // Parquet and Arrow are binary: one inside UTF-16 is not one.
        let decoded = layers.iter().any(|l| l == &UTF16);
        if let Some(kind) = (!decoded)
            .then(|| columnar::identify(&bytes, file))
            .transpose()?
            .flatten()
        {
            input.read_to_end(&mut bytes).map_err(|source| Error::Io {
                file: file.to_path_buf(),
                source,
            })?;
            return Ok(Opened::Columnar {
                kind,
                bytes,
                layers,
            });
        }
        let format = identify(&bytes, file)?;
        let layer = match format {
            Format::Text => {
                if bytes.starts_with(b"\xEF\xBB\xBF") {
                    bytes.drain(..3);
                }
                return Ok(Opened::Text(Text {
                    head: bytes,
                    complete,
                    rest: input,
                    layers,
                }));
            }
            Format::Gzip => "gzip-compressed: decompressed as it was read",
            Format::Utf16 { .. } => UTF16,
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
