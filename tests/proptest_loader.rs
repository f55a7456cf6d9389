//! Properties of the loader: any bytes give a data set or a clean error (never a panic), and a
//! table written with `csv::Writer` reads back unchanged, numbers bit for bit. `PROPTEST_CASES`
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

proptest! {
    #[test]
    fn any_bytes_load_or_fail_cleanly(bytes in prop::collection::vec(any::<u8>(), 0..1500), knobs: u16) {
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
