//! Parquet files, through the `parquet` crate's Arrow reader: the footer gives the schema and each
//! row group's rows; only the columns read are decoded, only the row groups holding a kept row
//! are read, and within them only the kept rows are decoded into batches (a row selection).

use std::path::{Path, PathBuf};

use ::parquet::arrow::arrow_reader::{ParquetRecordBatchReaderBuilder, RowSelection, RowSelector};
use ::parquet::arrow::ProjectionMask;
use ::parquet::basic::Compression;
use ::parquet::file::reader::ChunkReader;
use arrow_schema::Schema;

use super::{damaged, unsupported_codec, Builder, Columnar, Input, BATCH_ROWS};
use crate::data::input::FileKind;
use crate::error::Result;

/// An opened Parquet file.
struct Parquet<T: ChunkReader> {
    builder: ParquetRecordBatchReaderBuilder<T>,
    /// Rows in each row group.
    groups: Vec<u64>,
    /// The file's length in bytes.
    size: u64,
    file: PathBuf,
}

/// Opens the Parquet file `input` (named `file` in messages): reads its footer.
pub(super) fn open(input: Input, file: &Path) -> Result<Box<dyn Columnar>> {
    Ok(match input {
        Input::File(f) => Box::new(Parquet::open(f, file)?),
        Input::Memory(bytes) => Box::new(Parquet::open(bytes::Bytes::from(bytes), file)?),
    })
}

impl<T: ChunkReader + 'static> Parquet<T> {
    fn open(reader: T, file: &Path) -> Result<Self> {
        let size = reader.len();
        let builder = ParquetRecordBatchReaderBuilder::try_new(reader)
            .map_err(|e| damaged(file, FileKind::Parquet, e))?;
        let groups = builder
            .metadata()
            .row_groups()
            .iter()
            .map(|g| u64::try_from(g.num_rows()))
            .collect::<Result<Vec<u64>, _>>()
            .map_err(|_| {
                damaged(
                    file,
                    FileKind::Parquet,
                    "a row group has a negative row count",
                )
            })?;
        Ok(Parquet {
            builder,
            groups,
            size,
            file: file.to_path_buf(),
        })
    }

    /// Checks each column chunk the row groups `groups` hold of the columns `columns` before any
    /// is read: it lies within the file (the reader trusts the footer and would panic), and its
    /// codec is one lrfind is built with.
    fn check_chunks(&self, columns: &[usize], groups: &[usize]) -> Result<()> {
        let schema = self.builder.parquet_schema();
        let metadata = self.builder.metadata();
        let damaged = |what: &str| damaged(&self.file, FileKind::Parquet, what);
        for &g in groups {
            for (leaf, chunk) in metadata.row_group(g).columns().iter().enumerate() {
                if leaf >= schema.num_columns() {
                    return Err(damaged("a row group has more columns than the schema"));
                }
                let root = schema.get_column_root_idx(leaf);
                if !columns.contains(&root) {
                    continue;
                }
                let start = chunk
                    .dictionary_page_offset()
                    .unwrap_or(chunk.data_page_offset());
                let inside = u64::try_from(start)
                    .ok()
                    .zip(u64::try_from(chunk.compressed_size()).ok())
                    .and_then(|(start, len)| start.checked_add(len))
                    .is_some_and(|end| end <= self.size);
                if !inside {
                    return Err(damaged("a column chunk lies outside the file"));
                }
                let codec = match chunk.compression() {
                    Compression::UNCOMPRESSED
                    | Compression::SNAPPY
                    | Compression::GZIP(_)
                    | Compression::LZ4
                    | Compression::LZ4_RAW => continue,
                    Compression::ZSTD(_) => "zstd",
                    Compression::BROTLI(_) => "brotli",
                    Compression::LZO => "lzo",
                };
                let name = &self.builder.schema().fields()[root].name();
                return Err(unsupported_codec(
                    &self.file,
                    FileKind::Parquet,
                    Some(name),
                    codec,
                ));
            }
        }
        Ok(())
    }
}

/// The row groups holding a kept row, and the selection of the kept rows within them (counted
/// over those groups only, as the reader counts them).
fn selection(groups: &[u64], kept: &[u64]) -> (Vec<usize>, RowSelection) {
    let mut used = Vec::new();
    let mut selectors: Vec<RowSelector> = Vec::new();
    let mut push = |selector: RowSelector| match selectors.last_mut() {
        Some(last) if last.skip == selector.skip => last.row_count += selector.row_count,
        _ => selectors.push(selector),
    };
    let mut next = kept.iter().peekable();
    let mut start = 0u64;
    for (g, &rows) in groups.iter().enumerate() {
        let end = start + rows;
        let mut at = start;
        while let Some(&&row) = next.peek().filter(|&&&row| row < end) {
            if row > at {
                push(RowSelector::skip((row - at) as usize));
            }
            push(RowSelector::select(1));
            at = row + 1;
            next.next();
        }
        if at > start {
            used.push(g);
            if at < end {
                push(RowSelector::skip((end - at) as usize));
            }
        }
        start = end;
    }
    (used, RowSelection::from(selectors))
}

impl<T: ChunkReader + 'static> Columnar for Parquet<T> {
    fn schema(&self) -> &Schema {
        self.builder.schema()
    }

    fn rows(&self) -> u64 {
        self.groups.iter().sum()
    }

    fn read(
        self: Box<Self>,
        columns: &[usize],
        kept: Option<&[u64]>,
        builder: &mut Builder,
    ) -> Result<()> {
        let (groups, rows) = match kept {
            Some(kept) => {
                let (groups, rows) = selection(&self.groups, kept);
                (groups, Some(rows))
            }
            None => ((0..self.groups.len()).collect(), None),
        };
        self.check_chunks(columns, &groups)?;
        let file = self.file;
        let mask = ProjectionMask::roots(self.builder.parquet_schema(), columns.iter().copied());
        let mut reader = self
            .builder
            .with_projection(mask)
            .with_row_groups(groups)
            .with_batch_size(BATCH_ROWS);
        if let Some(rows) = rows {
            reader = reader.with_row_selection(rows);
        }
        let reader = reader
            .build()
            .map_err(|e| damaged(&file, FileKind::Parquet, e))?;
        let mut all = Vec::new();
        for batch in reader {
            let batch = batch.map_err(|e| damaged(&file, FileKind::Parquet, e))?;
            if all.len() != batch.num_rows() {
                all = (0..batch.num_rows()).collect();
            }
            builder.push(&batch, columns, &all);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_skips_the_groups_without_a_kept_row() {
        // Groups of 10, 10, 10 and 5 rows; rows 3, 4 and 25 kept, none in the second group.
        let (groups, rows) = selection(&[10, 10, 10, 5], &[3, 4, 25]);
        assert_eq!(groups, [0, 2]);
        let rows: Vec<RowSelector> = rows.into();
        assert_eq!(
            rows,
            [
                RowSelector::skip(3),
                RowSelector::select(2),
                RowSelector::skip(5 + 5),
                RowSelector::select(1),
                RowSelector::skip(4),
            ]
        );
        let (groups, rows) = selection(&[4, 4], &[0, 1, 2, 3]);
        assert_eq!(groups, [0]);
        assert_eq!(Vec::<RowSelector>::from(rows), [RowSelector::select(4)]);
    }
}
