//! Properties of the loader: any bytes give a data set or a clean error (never a panic), whatever
//! format their first bytes announce, and so does a Parquet or Arrow file with bytes changed; a table written with `csv::Writer` reads back unchanged,
//! numbers bit for bit, also gzip-compressed, as UTF-16, or with decimal commas; and a sample of
//! a longer file is exactly `max_rows` rows, the same for a seed, each the file's own row. `PROPTEST_CASES`
//! sets the number of cases (256 by default).

use std::path::Path;

use lrfind::data::csv::{read, ReadOptions, Table};
use lrfind::data::{load_reader, Decimal, EncodeOptions, MissingPolicy, DEFAULT_MAX_ROWS};
use proptest::prelude::*;

/// Options picked by two bytes, as the fuzz target does: delimiter detected or forced, header
/// detected or absent, an extra missing-value spelling, the decimal separator detected or forced,
/// every row or a sample of 10 or 12, the missing-value policy and the label.
fn options(knobs: u16) -> (ReadOptions, EncodeOptions) {
    let read = ReadOptions {
        delimiter: [None, Some(b','), Some(b';'), Some(b'\t')][usize::from(knobs & 3)],
        header: (knobs & 4 != 0).then_some(false),
        na_values: if knobs & 8 != 0 {
            vec!["-1".into()]
        } else {
            Vec::new()
        },
        decimal: [None, Some(Decimal::Point), Some(Decimal::Comma), None]
            [usize::from(knobs >> 8 & 3)],
        max_rows: [None, Some(10), Some(12), Some(DEFAULT_MAX_ROWS)][usize::from(knobs >> 10 & 3)],
        seed: u64::from(knobs >> 12),
    };
    let encode = EncodeOptions {
        missing: [
            MissingPolicy::Fill,
            MissingPolicy::Drop,
            MissingPolicy::Error,
        ][usize::from(knobs >> 4 & 3) % 3],
        target: (knobs & 64 != 0).then(|| "0".to_string()),
        max_categories: 3,
        ..EncodeOptions::default()
    };
    (read, encode)
}

fn check_any(bytes: &[u8], knobs: u16) {
    let (read, encode) = options(knobs);
    if let Ok(d) = load_reader(bytes, Path::new("p.csv"), &read, &encode) {
        assert_eq!(d.x.nrows(), d.summary.rows);
        assert_eq!(d.x.ncols(), d.feature_names.len());
        assert!(d.x.iter().all(|v| v.is_finite()));
    }
}

/// A cell of a generated table.
#[derive(Debug, Clone)]
enum Cell {
    Number(f32),
    Text(String),
}

/// A cell; its text may hold every delimiter, quotes and newlines when `wild`.
fn cell(wild: bool) -> impl Strategy<Value = Cell> {
    let text = if wild {
        "[a-z][a-z ,;|\t\"\n\r]{0,6}[a-z]"
    } else {
        "[a-z][a-z \"\n]{0,6}[a-z]"
    };
    prop_oneof![
        any::<f32>()
            .prop_filter("finite", |v| v.is_finite())
            .prop_map(Cell::Number),
        (-1000i32..1000).prop_map(|v| Cell::Number(v as f32 / 8.0)),
        // Text with delimiters, quotes and newlines inside, starting and ending with a letter (the
        // loader trims spaces) and never a spelling of a missing value.
        text.prop_filter("not a missing value", |s| {
            !["na", "nan", "null", "none"].contains(&s.as_str())
        })
        .prop_map(Cell::Text),
    ]
}

fn table(min_cols: usize, wild: bool) -> impl Strategy<Value = Vec<Vec<Cell>>> {
    (min_cols..6, 1usize..12).prop_flat_map(move |(cols, rows)| {
        prop::collection::vec(prop::collection::vec(cell(wild), cols), rows)
    })
}

fn write(rows: &[Vec<Cell>], delimiter: u8) -> Vec<u8> {
    write_with(rows, delimiter, Decimal::Point)
}

/// The table as a CSV, numbers written with `decimal` as their decimal separator.
fn write_with(rows: &[Vec<Cell>], delimiter: u8, decimal: Decimal) -> Vec<u8> {
    let mut writer = csv::WriterBuilder::new()
        .delimiter(delimiter)
        .from_writer(Vec::new());
    let cols = rows[0].len();
    writer
        .write_record((0..cols).map(|c| format!("col{c}")))
        .unwrap();
    for row in rows {
        writer
            .write_record(row.iter().map(|cell| match cell {
                Cell::Number(v) if decimal == Decimal::Comma => v.to_string().replace('.', ","),
                Cell::Number(v) => v.to_string(),
                Cell::Text(s) => s.clone(),
            }))
            .unwrap();
    }
    writer.into_inner().unwrap()
}

fn check_round_trip(rows: &[Vec<Cell>], table: &Table) {
    let cols = rows[0].len();
    assert_eq!(
        table.headers,
        (0..cols).map(|c| format!("col{c}")).collect::<Vec<_>>()
    );
    assert_eq!(table.rows(), rows.len());
    for (r, row) in rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            match cell {
                // A subnormal f32 is kept in f64 as written; rounded back, it is the same f32.
                Cell::Number(v) => assert_eq!(
                    (table.number(r, c) as f32).to_bits(),
                    v.to_bits(),
                    "row {r} col {c}"
                ),
                Cell::Text(s) => {
                    let text = table.columns[c].text.as_ref().expect("a text column");
                    let code = text.codes[r] as usize;
                    assert_eq!(&text.levels[code], s, "row {r} col {c}");
                }
            }
        }
    }
}

/// The first bytes of the formats the loader tells apart, to put before arbitrary bytes.
const MAGIC: &[&[u8]] = &[
    b"",
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03",
    b"\xff\xfe",
    b"\xfe\xff",
    b"a\0,\0",
    b"\0a\0;",
    b"PK\x03\x04",
    b"PAR1\x15",
    b"ARROW1\0\0",
    b"\xff\xff\xff\xff\x10\0\0\0",
    b"FEA1\0",
    b"\xef\xbb\xbf",
];

/// Parquet and Arrow files to damage: every codec, format and column type the reader meets.
const COLUMNAR: &[&str] = &[
    "mixed.parquet",
    "mixed_gzip.parquet",
    "mixed_lz4.parquet",
    "mixed_none.parquet",
    "mixed.feather",
    "mixed_none.feather",
    "mixed.arrows",
    "types.parquet",
    "types.feather",
];

/// The start and end of each columnar format, to put around arbitrary bytes: Parquet, the Arrow
/// file (with a footer length), the Arrow stream (a message length).
const COLUMNAR_ENDS: &[(&[u8], &[u8])] = &[
    (b"PAR1\x15", b"\x10\0\0\0PAR1"),
    (b"ARROW1\0\0", b"\x10\0\0\0ARROW1"),
    (b"\xff\xff\xff\xff\x10\0\0\0", b"\xff\xff\xff\xff\0\0\0\0"),
];

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, bytes).unwrap();
    gz.finish().unwrap()
}

fn utf16(bytes: &[u8], big_endian: bool) -> Vec<u8> {
    let text = std::str::from_utf8(bytes).expect("csv::Writer writes UTF-8");
    let units = std::iter::once(0xFEFF).chain(text.encode_utf16());
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

/// A numeric table of `rows` rows (a row number, a number, a word with a quoted newline now and
/// then), with a blank line every `blank` rows (none for 0).
fn numbered(rows: usize, blank: usize) -> String {
    let mut s = String::from("i,x,w\n");
    for i in 0..rows {
        let w = if i % 5 == 0 {
            format!("\"w\n{}\"", i % 3)
        } else {
            format!("w{}", i % 3)
        };
        s += &format!("{i},{},{w}\n", (i * 7) % 13);
        if blank > 0 && i % blank == 0 {
            s.push('\n');
        }
    }
    s
}

proptest! {
    #[test]
    fn any_bytes_after_any_magic_load_or_fail_cleanly(
        magic in prop::sample::select(MAGIC.to_vec()),
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        knobs: u16,
    ) {
        check_any(&[magic, &bytes[..]].concat(), knobs);
    }

    #[test]
    fn compressed_and_encoded_tables_read_back_unchanged(
        rows in table(1, true),
        d in prop::sample::select(b",;\t|".to_vec()),
        how in 0u8..4,
    ) {
        let plain = write(&rows, d);
        let bytes = match how {
            0 => gzip(&plain),
            1 => utf16(&plain, false),
            2 => utf16(&plain, true),
            _ => gzip(&utf16(&plain, false)),
        };
        let options = ReadOptions { delimiter: Some(d), header: Some(true), ..ReadOptions::default() };
        let table = read(bytes.as_slice(), Path::new("p.csv"), &options).unwrap();
        check_round_trip(&rows, &table);
    }

    #[test]
    fn decimal_comma_tables_read_back_unchanged(
        rows in table(1, false),
        d in prop::sample::select(b";\t|".to_vec()),
    ) {
        let bytes = write_with(&rows, d, Decimal::Comma);
        let options = ReadOptions {
            delimiter: Some(d),
            header: Some(true),
            decimal: Some(Decimal::Comma),
            ..ReadOptions::default()
        };
        let table = read(bytes.as_slice(), Path::new("p.csv"), &options).unwrap();
        check_round_trip(&rows, &table);
    }

    #[test]
    fn a_sample_is_exact_seeded_and_true_to_the_file(
        rows in 1usize..150,
        max in 10usize..40,
        seed: u64,
        blank in 0usize..4,
    ) {
        let text = numbered(rows, blank);
        let whole = ReadOptions { max_rows: None, ..ReadOptions::default() };
        let full = read(text.as_bytes(), Path::new("p.csv"), &whole).unwrap();
        let options = ReadOptions { max_rows: Some(max), seed, ..ReadOptions::default() };
        let a = read(text.as_bytes(), Path::new("p.csv"), &options).unwrap();
        let b = read(text.as_bytes(), Path::new("p.csv"), &options).unwrap();
        prop_assert_eq!(a.rows, rows.min(max));
        prop_assert_eq!(a.rows_in_file, rows);
        prop_assert_eq!(a.sampled(), rows > max);
        prop_assert_eq!(&a.ordinals, &b.ordinals);
        for r in 0..a.rows {
            let o = a.ordinal(r) as usize;
            prop_assert!(r == 0 || a.ordinal(r - 1) < a.ordinal(r));
            prop_assert_eq!(a.value(r, 0), o as f32);
            prop_assert_eq!(a.value(r, 1), full.value(o, 1));
            let word = |t: &Table, r: usize| {
                let cells = t.columns[2].text.as_ref().unwrap();
                cells.levels[cells.codes[r] as usize].clone()
            };
            prop_assert_eq!(word(&a, r), word(&full, o));
        }
    }

    #[test]
    fn any_bytes_load_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..1500), knobs: u16) {
        check_any(&bytes, knobs);
    }

    #[test]
    fn any_bytes_inside_a_columnar_format_load_or_fail_cleanly(
        ends in prop::sample::select(COLUMNAR_ENDS.to_vec()),
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        knobs: u16,
    ) {
        check_any(&[ends.0, &bytes[..], ends.1].concat(), knobs);
    }

    /// A real Parquet or Arrow file with a few bytes changed (anywhere: data, dictionaries,
    /// metadata, footer) and perhaps cut short reads or fails with a message, never a panic.
    #[test]
    fn damaged_columnar_files_load_or_fail_cleanly(
        name in prop::sample::select(COLUMNAR.to_vec()),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in prop::option::weighted(0.2, any::<prop::sample::Index>()),
        knobs: u16,
    ) {
        let mut bytes = std::fs::read(format!("tests/fixtures/columnar/{name}")).unwrap();
        for (at, byte) in edits {
            let at = at.index(bytes.len());
            bytes[at] = byte;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()));
        }
        check_any(&bytes, knobs);
    }

    #[test]
    fn csv_like_bytes_load_or_fail_cleanly(
        bytes in prop::collection::vec(prop::sample::select(b"0123456789.,;\t|\"\n\r -+eENAanx?\xef\xbb\xbf\xff".to_vec()), 0..1500),
        knobs: u16,
    ) {
        check_any(&bytes, knobs);
    }

    #[test]
    fn written_tables_read_back_unchanged(rows in table(1, true), d in prop::sample::select(b",;\t|".to_vec())) {
        let bytes = write(&rows, d);
        let options = ReadOptions { delimiter: Some(d), header: Some(true), ..ReadOptions::default() };
        let table = read(bytes.as_slice(), Path::new("p.csv"), &options).unwrap();
        check_round_trip(&rows, &table);
    }

    #[test]
    /// Detection needs more than one column, and text that does not hold another candidate
    /// delimiter unquoted (which csv::Writer leaves unquoted when it is not the delimiter).
    fn delimiter_and_header_are_detected(rows in table(2, false), d in prop::sample::select(b",;\t|".to_vec())) {
        let bytes = write(&rows, d);
        let table = read(bytes.as_slice(), Path::new("p.csv"), &ReadOptions::default()).unwrap();
        prop_assert_eq!(table.delimiter, d);
        prop_assert!(table.has_header);
        check_round_trip(&rows, &table);
    }
}
