//! Arrow IPC files (Feather v2: `ARROW1`, messages, a footer listing them, `ARROW1`) and streams
//! (the same messages from the start, with no footer). Either is first indexed: the footer, or a
//! walk over the stream's message headers (skipping their bodies), gives every dictionary and
//! record batch with its place and its rows. Then only the record batches holding a kept row are
//! read and decoded (every dictionary is, in order, since later batches may refer to it).
//!
//! `arrow-ipc`'s decoder trusts the sizes in a message, so each message is checked against the
//! file before it is decoded: every buffer within the message's body, and a compressed buffer's
//! stated size within what its codec can make of its bytes.

use std::io::{Cursor, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_buffer::Buffer;
use arrow_ipc::convert::try_fb_to_schema;
use arrow_ipc::reader::{read_footer_length, FileDecoder};
use arrow_ipc::{Block, CompressionType, MessageHeader, MetadataVersion};
use arrow_schema::Schema;

use super::{damaged, unsupported_codec, Builder, Columnar, Input};
use crate::data::input::FileKind;
use crate::error::{Error, Result};

/// What lz4 can make of a byte at most (its best case is about 255 to 1), for checking a
/// compressed buffer's stated size before the decoder sets that much memory aside.
const MAX_RATIO: u64 = 256;

/// A message of the file, in its order.
enum Item {
    /// A dictionary batch.
    Dictionary(Block),
    /// A record batch and its rows.
    Batch(Block, u64),
}

/// An indexed Arrow IPC file or stream.
struct Ipc<R> {
    reader: R,
    schema: Arc<Schema>,
    version: MetadataVersion,
    items: Vec<Item>,
    rows: u64,
    file: PathBuf,
    kind: FileKind,
}

/// Opens and indexes the Arrow file or stream `input` (named `file` in messages).
pub(super) fn open(input: Input, kind: FileKind, file: &Path) -> Result<Box<dyn Columnar>> {
    Ok(match input {
        Input::File(f) => Box::new(Ipc::open(f, kind, file)?),
        Input::Memory(bytes) => Box::new(Ipc::open(Cursor::new(bytes), kind, file)?),
    })
}

/// The bytes of a message's metadata after its prefix (`FF FF FF FF` and a length, or a length
/// alone in streams before Arrow 0.15).
fn metadata(buf: &[u8]) -> &[u8] {
    if buf.starts_with(&[0xFF; 4]) {
        &buf[8.min(buf.len())..]
    } else {
        &buf[4.min(buf.len())..]
    }
}

impl<R: Read + Seek> Ipc<R> {
    fn open(mut reader: R, kind: FileKind, file: &Path) -> Result<Self> {
        let size = reader.seek(SeekFrom::End(0)).map_err(|source| Error::Io {
            file: file.to_path_buf(),
            source,
        })?;
        let mut ipc = Ipc {
            reader,
            schema: Arc::new(Schema::empty()),
            version: MetadataVersion::V5,
            items: Vec::new(),
            rows: 0,
            file: file.to_path_buf(),
            kind,
        };
        match kind {
            FileKind::ArrowFile => ipc.index_file(size)?,
            _ => ipc.index_stream(size)?,
        }
        Ok(ipc)
    }

    fn damaged(&self, e: impl std::fmt::Display) -> Error {
        damaged(&self.file, self.kind, e)
    }

    /// Reads `len` bytes at `offset`, which the caller has checked lie within the file.
    fn bytes_at(&mut self, offset: u64, len: usize) -> Result<Vec<u8>> {
        let mut buf = vec![0; len];
        self.reader
            .seek(SeekFrom::Start(offset))
            .and_then(|_| self.reader.read_exact(&mut buf))
            .map_err(|e| self.damaged(e))?;
        Ok(buf)
    }

    /// Indexes an Arrow IPC file from its footer.
    fn index_file(&mut self, size: u64) -> Result<()> {
        // "ARROW1", padding, at least a schema message; the footer, its length, "ARROW1".
        if size < 8 + 10 {
            return Err(self.damaged("it is too short to hold a footer"));
        }
        let trailer: [u8; 10] = self.bytes_at(size - 10, 10)?.try_into().expect("10 bytes");
        let footer_len = read_footer_length(trailer).map_err(|e| self.damaged(e))? as u64;
        if footer_len > size - 18 {
            return Err(self.damaged("its footer is longer than the file"));
        }
        let footer_bytes = self.bytes_at(size - 10 - footer_len, footer_len as usize)?;
        let footer = arrow_ipc::root_as_footer(&footer_bytes).map_err(|e| self.damaged(e))?;
        let schema = footer
            .schema()
            .ok_or_else(|| self.damaged("its footer has no schema"))?;
        if !schema.endianness().equals_to_target_endianness() {
            return Err(self.damaged("it was written big-endian"));
        }
        self.schema = Arc::new(try_fb_to_schema(schema).map_err(|e| self.damaged(e))?);
        self.version = footer.version();
        let dictionaries: Vec<Block> = footer.dictionaries().iter().flatten().copied().collect();
        let batches: Vec<Block> = footer.recordBatches().iter().flatten().copied().collect();
        for block in dictionaries {
            self.check_block(&block, size)?;
            let buf = self.bytes_at(block.offset() as u64, block.metaDataLength() as usize)?;
            self.check_message(&block, &buf)?;
            self.items.push(Item::Dictionary(block));
        }
        for block in batches {
            self.check_block(&block, size)?;
            let buf = self.bytes_at(block.offset() as u64, block.metaDataLength() as usize)?;
            let rows = self.check_message(&block, &buf)?;
            self.rows = self.rows.saturating_add(rows);
            self.items.push(Item::Batch(block, rows));
        }
        Ok(())
    }

    /// Indexes an Arrow IPC stream by walking its messages' headers.
    fn index_stream(&mut self, size: u64) -> Result<()> {
        let mut offset = 0u64;
        let mut schema = false;
        // Each message: its prefix and metadata length, the metadata, the body.
        while offset + 4 <= size {
            let mut prefix = 4;
            let mut len = u32::from_le_bytes(self.bytes_at(offset, 4)?.try_into().expect("4"));
            if len == u32::MAX {
                if offset + 8 > size {
                    return Err(self.damaged("it ends inside a message"));
                }
                prefix = 8;
                len = u32::from_le_bytes(self.bytes_at(offset + 4, 4)?.try_into().expect("4"));
            }
            // The end-of-stream marker.
            if len == 0 {
                break;
            }
            let meta = prefix + u64::from(len);
            if len > i32::MAX as u32 || offset + meta > size {
                return Err(self.damaged("a message is longer than the file"));
            }
            let buf = self.bytes_at(offset, meta as usize)?;
            let message =
                arrow_ipc::root_as_message(metadata(&buf)).map_err(|e| self.damaged(e))?;
            let body = message.bodyLength();
            let block = Block::new(offset as i64, meta as i32, body);
            self.check_block(&block, size)?;
            match message.header_type() {
                MessageHeader::Schema if !schema => {
                    let fb = message.header_as_schema().expect("a schema message");
                    if !fb.endianness().equals_to_target_endianness() {
                        return Err(self.damaged("it was written big-endian"));
                    }
                    self.schema = Arc::new(try_fb_to_schema(fb).map_err(|e| self.damaged(e))?);
                    self.version = message.version();
                    schema = true;
                }
                _ if !schema => return Err(self.damaged("it does not start with a schema")),
                MessageHeader::DictionaryBatch => {
                    self.check_message(&block, &buf)?;
                    self.items.push(Item::Dictionary(block));
                }
                MessageHeader::RecordBatch => {
                    let rows = self.check_message(&block, &buf)?;
                    self.rows = self.rows.saturating_add(rows);
                    self.items.push(Item::Batch(block, rows));
                }
                other => {
                    return Err(self.damaged(format!("it holds an unexpected {other:?} message")))
                }
            }
            offset += meta + body as u64;
        }
        if !schema {
            return Err(self.damaged("it holds no schema"));
        }
        Ok(())
    }

    /// Checks that `block` lies within the file.
    fn check_block(&self, block: &Block, size: u64) -> Result<()> {
        let (offset, meta, body) = (block.offset(), block.metaDataLength(), block.bodyLength());
        let inside = offset >= 0
            && meta >= 8
            && body >= 0
            && (offset as u64)
                .checked_add(meta as u64)
                .and_then(|end| end.checked_add(body as u64))
                .is_some_and(|end| end <= size);
        if inside {
            Ok(())
        } else {
            Err(self.damaged("a message lies outside the file"))
        }
    }

    /// Checks a dictionary or record batch message (`buf`, the metadata of `block`) before it is
    /// decoded: its buffers lie within its body, and its codec is one lrfind reads. Returns its
    /// rows.
    fn check_message(&self, block: &Block, buf: &[u8]) -> Result<u64> {
        let message = arrow_ipc::root_as_message(metadata(buf)).map_err(|e| self.damaged(e))?;
        let batch = match message.header_type() {
            MessageHeader::RecordBatch => message.header_as_record_batch(),
            MessageHeader::DictionaryBatch => {
                message.header_as_dictionary_batch().and_then(|d| d.data())
            }
            _ => None,
        }
        .ok_or_else(|| self.damaged("a message is not a record batch"))?;
        let rows = u64::try_from(batch.length())
            .map_err(|_| self.damaged("a record batch has a negative row count"))?;
        let body = block.bodyLength() as u64;
        // Every column but one of the null type needs at least a bit a row (booleans), at most
        // `MAX_RATIO` times compressed: more rows than that are not in the message.
        if rows > MAX_RATIO.saturating_mul(8).saturating_mul(body) + 64 {
            return Err(self.damaged("a record batch says it holds more rows than its bytes can"));
        }
        for b in batch.buffers().iter().flatten() {
            let inside = b.offset() >= 0
                && b.length() >= 0
                && (b.offset() as u64)
                    .checked_add(b.length() as u64)
                    .is_some_and(|end| end <= body);
            if !inside {
                return Err(self.damaged("a buffer lies outside its message"));
            }
        }
        if let Some(compression) = batch.compression() {
            match compression.codec() {
                CompressionType::LZ4_FRAME => {}
                CompressionType::ZSTD => {
                    return Err(unsupported_codec(&self.file, self.kind, None, "zstd"));
                }
                other => return Err(self.damaged(format!("unknown compression {other:?}"))),
            }
        }
        Ok(rows)
    }

    /// Reads `block` whole, checking a compressed message's stated buffer sizes.
    fn block(&mut self, block: &Block) -> Result<Buffer> {
        let meta = block.metaDataLength() as usize;
        let buf = self.bytes_at(block.offset() as u64, meta + block.bodyLength() as usize)?;
        let message =
            arrow_ipc::root_as_message(metadata(&buf[..meta])).map_err(|e| self.damaged(e))?;
        let batch = match message.header_type() {
            MessageHeader::RecordBatch => message.header_as_record_batch(),
            _ => message.header_as_dictionary_batch().and_then(|d| d.data()),
        };
        if let Some(batch) = batch.filter(|b| b.compression().is_some()) {
            for b in batch.buffers().iter().flatten() {
                // Each compressed buffer starts with its size once decompressed (-1: stored as
                // it is), which the decoder sets aside before decompressing.
                let start = meta + b.offset() as usize;
                let len = b.length() as u64;
                if len == 0 {
                    continue;
                }
                let stated = buf
                    .get(start..start + 8)
                    .map(|s| i64::from_le_bytes(s.try_into().expect("8 bytes")));
                let plausible = match stated {
                    Some(-1) => true,
                    Some(n) => n >= 0 && (n as u64) <= MAX_RATIO.saturating_mul(len),
                    None => false,
                };
                if !plausible {
                    return Err(self.damaged("a compressed buffer states an impossible size"));
                }
            }
        }
        Ok(Buffer::from_vec(buf))
    }
}

impl<R: Read + Seek> Columnar for Ipc<R> {
    fn schema(&self) -> &Schema {
        &self.schema
    }

    fn rows(&self) -> u64 {
        self.rows
    }

    fn read(
        mut self: Box<Self>,
        columns: &[usize],
        kept: Option<&[u64]>,
        builder: &mut Builder,
    ) -> Result<()> {
        let mut decoder =
            FileDecoder::new(self.schema.clone(), self.version).with_projection(columns.to_vec());
        let items = std::mem::take(&mut self.items);
        let mut next = kept.map(|k| k.iter().peekable());
        let mut start = 0u64;
        let mut rows = Vec::new();
        for item in &items {
            match item {
                Item::Dictionary(block) => {
                    let buf = self.block(block)?;
                    decoder
                        .read_dictionary(block, &buf)
                        .map_err(|e| self.damaged(e))?;
                }
                Item::Batch(block, count) => {
                    let end = start + count;
                    rows.clear();
                    let all = match &mut next {
                        None => true,
                        Some(next) => {
                            while let Some(&&row) = next.peek().filter(|&&&row| row < end) {
                                rows.push((row - start) as usize);
                                next.next();
                            }
                            false
                        }
                    };
                    start = end;
                    if !all && rows.is_empty() {
                        continue;
                    }
                    let buf = self.block(block)?;
                    let batch = decoder
                        .read_record_batch(block, &buf)
                        .map_err(|e| self.damaged(e))?
                        .ok_or_else(|| self.damaged("a record batch is empty"))?;
                    if batch.num_rows() as u64 != *count {
                        return Err(self.damaged("a record batch holds fewer rows than it says"));
                    }
                    if all {
                        rows.extend(0..batch.num_rows());
                    }
                    builder.push(&batch, columns, &rows);
                }
            }
        }
        Ok(())
    }
}
