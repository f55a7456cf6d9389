//! Parquet and Arrow files through the library. Every copy of a table (Parquet with each codec
//! lrfind reads and several row groups, Feather v2 with lz4 and uncompressed, an Arrow stream, a
//! gzipped Parquet file) reads to the same data set as the same table written as CSV, bit for
//! bit; a sample of a file with more rows than `max_rows` is the CSV's sample for the same seed;
//! columns that are neither numbers nor text are dropped with a note; and unsupported codecs,
//! Feather v1 and damaged files are refused with a message naming the file. The fixtures are
//! written by bench/columnar_fixtures.py.

use std::path::Path;

use lrfind::data::{
    load, load_reader, ColumnKind, Dataset, EncodeOptions, FileKind, MissingPolicy, ReadOptions,
    Target,
};
use lrfind::error::{Error, Result, Setting};
use serde_json::Value;

const FIXTURES: &str = "tests/fixtures/columnar";

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

/// Names settings as flags (`--missing drop`), as the binary does.
fn flags(setting: Setting, value: Option<&str>) -> String {
    let name = format!("--{}", setting.key().replace('_', "-"));
    match value {
        Some(v) => format!("{name} {v}"),
        None => name,
    }
}

fn load_with(name: &str, read: &ReadOptions, encode: &EncodeOptions) -> Result<Dataset> {
    load(Path::new(&fixture(name)), read, encode)
}

fn dataset(name: &str) -> Dataset {
    load_with(name, &ReadOptions::default(), &EncodeOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {}", e.render(&flags)))
}

/// The error of loading `name`, rendered with flags.
fn error(name: &str, read: &ReadOptions, encode: &EncodeOptions) -> (Error, String) {
    match load_with(name, read, encode) {
        Ok(_) => panic!("{name}: loaded"),
        Err(e) => {
            let text = e.render(&flags);
            (e, text)
        }
    }
}

fn notes(d: &Dataset) -> Vec<String> {
    d.summary.notes.iter().map(|n| n.render(&flags)).collect()
}

/// The summary as JSON, without what differs by the file's kind and name: the file, the format,
/// how a CSV was read, and the notes on how the bytes were got (gzip, a stream held in memory).
fn comparable(d: &Dataset) -> Value {
    let mut summary = serde_json::to_value(&d.summary).unwrap();
    let object = summary.as_object_mut().unwrap();
    for key in ["file", "format", "header_detected"] {
        object.remove(key);
    }
    let notes: Vec<String> = notes(d)
        .into_iter()
        .filter(|n| !n.starts_with("the input is") && !n.contains("came through a stream"))
        .collect();
    object.insert("notes".into(), serde_json::json!(notes));
    summary
}

/// Asserts that `a` and `b` are the same data set: features bit for bit, labels, names, summary.
fn same(a: &Dataset, b: &Dataset, what: &str) {
    assert_eq!(a.feature_names, b.feature_names, "{what}");
    let bits = |d: &Dataset| d.x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(a.x.dim(), b.x.dim(), "{what}");
    assert!(bits(a) == bits(b), "{what}: the feature matrices differ");
    match (&a.target, &b.target) {
        (
            Target::Classes { labels, names },
            Target::Classes {
                labels: l,
                names: n,
            },
        ) => assert_eq!((labels, names), (l, n), "{what}"),
        (
            Target::Values { values, mean, std },
            Target::Values {
                values: v,
                mean: m,
                std: s,
            },
        ) => {
            assert_eq!((mean, std), (m, s), "{what}");
            assert!(values
                .iter()
                .zip(v)
                .all(|(a, b)| a.to_bits() == b.to_bits()));
        }
        _ => panic!("{what}: one is classes, the other values"),
    }
    assert_eq!(comparable(a), comparable(b), "{what}");
}

const MIXED: [(&str, FileKind); 9] = [
    ("mixed.parquet", FileKind::Parquet),
    ("mixed_gzip.parquet", FileKind::Parquet),
    ("mixed_lz4.parquet", FileKind::Parquet),
    ("mixed_none.parquet", FileKind::Parquet),
    ("mixed.feather", FileKind::ArrowFile),
    ("mixed_none.feather", FileKind::ArrowFile),
    ("mixed.arrows", FileKind::ArrowStream),
    ("mixed.parquet.gz", FileKind::Parquet),
    ("types.parquet", FileKind::Parquet),
];

#[test]
fn every_copy_of_a_table_reads_as_its_csv() {
    let csv = dataset("mixed.csv");
    assert_eq!(csv.summary.format, FileKind::Csv);
    let kinds: Vec<(&str, &ColumnKind)> = csv
        .summary
        .columns
        .iter()
        .map(|c| (c.name.as_str(), &c.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("sepal_length", &ColumnKind::Numeric),
            ("sepal_width", &ColumnKind::Numeric),
            ("petal_length", &ColumnKind::Numeric),
            ("count", &ColumnKind::Numeric),
            ("size", &ColumnKind::Categorical { levels: 4 }),
            ("long_petal", &ColumnKind::Boolean),
            ("colour", &ColumnKind::Categorical { levels: 4 }),
            ("species", &ColumnKind::Label),
        ]
    );
    // Nulls are missing values: filled, with indicators, or a level of their own.
    assert_eq!(
        (csv.summary.missing.filled, csv.summary.missing.as_level),
        (9 + 7, 5 + 8)
    );
    for (name, kind) in &MIXED[..8] {
        let d = dataset(name);
        assert_eq!(d.summary.format, *kind, "{name}");
        same(&d, &csv, name);
        for policy in [MissingPolicy::Drop, MissingPolicy::Fill] {
            let encode = EncodeOptions {
                missing: policy,
                target: Some("colour".into()),
                ..EncodeOptions::default()
            };
            let read = ReadOptions::default();
            let a = load_with(name, &read, &encode).unwrap();
            let b = load_with("mixed.csv", &read, &encode).unwrap();
            same(&a, &b, &format!("{name}, {policy}, label colour"));
        }
    }
    let gz = dataset("mixed.parquet.gz");
    assert_eq!(
        notes(&gz)[..2],
        [
            "the input is gzip-compressed: decompressed as it was read",
            "the Parquet file came through a stream, so it was held in memory whole (11.0 kB); give its path to read only the parts needed"
        ]
    );
}

/// The README's Parquet example: data/penguins.parquet (written from data/penguins.csv by
/// `bench/columnar_fixtures.py --convert`) is the same data set as the CSV, for the MLP's one-hot
/// reading and the tabular model's.
#[test]
fn the_readmes_parquet_file_reads_as_its_csv() {
    let open = |path: &str| {
        load(
            Path::new(path),
            &ReadOptions::default(),
            &EncodeOptions::default(),
        )
        .unwrap_or_else(|e| panic!("{path}: {}", e.render(&flags)))
    };
    let (parquet, csv) = (open("data/penguins.parquet"), open("data/penguins.csv"));
    assert_eq!(parquet.summary.format, FileKind::Parquet);
    same(&parquet, &csv, "data/penguins.parquet");
}

#[test]
fn standard_input_and_readers_are_held_in_memory() {
    let csv = dataset("mixed.csv");
    for (name, _) in &MIXED[..8] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let d = load_reader(
            &bytes[..],
            Path::new("<stdin>"),
            &ReadOptions::default(),
            &EncodeOptions::default(),
        )
        .unwrap();
        same(&d, &csv, name);
        assert!(
            notes(&d)
                .iter()
                .any(|n| n.contains("came through a stream")),
            "{name}: {:?}",
            notes(&d)
        );
    }
}

#[test]
fn a_sample_of_a_large_file_is_the_csvs_sample() {
    for seed in [0, 5] {
        let read = ReadOptions {
            max_rows: Some(150),
            seed,
            ..ReadOptions::default()
        };
        let csv = load_with("many.csv", &read, &EncodeOptions::default()).unwrap();
        assert!(csv.summary.sampled);
        assert_eq!(
            (csv.summary.rows_read, csv.summary.rows_in_file),
            (150, 2000)
        );
        for name in ["many.parquet", "many.feather", "many.arrows"] {
            let d = load_with(name, &read, &EncodeOptions::default()).unwrap();
            same(&d, &csv, &format!("{name}, seed {seed}"));
            assert_eq!(
                notes(&d).last().unwrap(),
                "the file has 2000 data rows: a random sample of 150 is used (seeded by --seed); set --max-rows to use more"
            );
        }
    }
    let all = ReadOptions {
        max_rows: None,
        ..ReadOptions::default()
    };
    let csv = load_with("many.csv", &all, &EncodeOptions::default()).unwrap();
    let d = load_with("many.parquet", &all, &EncodeOptions::default()).unwrap();
    assert!(!d.summary.sampled);
    same(&d, &csv, "many.parquet, every row");
}

#[test]
fn columns_that_are_not_numbers_or_text_are_dropped_with_a_note() {
    for name in ["types.parquet", "types.feather"] {
        let d = dataset(name);
        let kinds: Vec<(String, String)> = d
            .summary
            .columns
            .iter()
            .map(|c| {
                let kind = match &c.kind {
                    ColumnKind::Numeric => "numeric".to_string(),
                    ColumnKind::Boolean => "boolean".to_string(),
                    ColumnKind::Categorical { levels } => format!("categorical {levels}"),
                    ColumnKind::Label => "label".to_string(),
                    ColumnKind::Dropped { reason } => reason.render(&flags),
                };
                (c.name.clone(), kind)
            })
            .collect();
        let dates = "dates and times are not used";
        let expect = [
            ("day", dates),
            ("when", dates),
            ("tags", "nested values"),
            ("point", "nested values"),
            (
                "blob",
                "binary values (Binary) are neither numbers nor text",
            ),
            ("price", "numeric"),
            ("note", "categorical 3"),
            ("zip", "categorical 3"),
            ("small", "numeric"),
            // A category of integers: the categories rows hold (4 is held by none).
            ("grade", "categorical 3"),
            ("x", "numeric"),
            ("y", "label"),
        ];
        for ((name_got, kind), (name_expected, expected)) in kinds.iter().zip(expect) {
            assert_eq!(name_got, name_expected, "{name}");
            assert!(kind.starts_with(expected), "{name}: {name_got}: {kind}");
        }
        assert_eq!(kinds.len(), expect.len());
        let notes = notes(&d);
        assert!(
            notes.contains(&"column 'zip' holds numbers stored as strings: read as text (categories), as the file's schema says; store it as a number type to use it as numbers".to_string()),
            "{name}: {notes:?}"
        );
        assert!(
            notes.iter().any(|n| n
                .starts_with("dropped column 'when': dates and times are not used (Timestamp(")
                && n.ends_with(
                    "); turn the column into numbers (a year, days since a date) or text to use it"
                )),
            "{name}: {notes:?}"
        );
        assert_eq!(d.feature_names[0], "price");
        // Each decimal is the f32 its text gives, as in a CSV: row 2 holds 1.15, row 12 11.15.
        let table =
            lrfind::data::csv::read_path(Path::new(&fixture(name)), &ReadOptions::default())
                .unwrap();
        let price = table.headers.iter().position(|h| h == "price").unwrap();
        assert_eq!(
            (table.value(1, price), table.value(11, price)),
            ("1.15".parse().unwrap(), "11.15".parse().unwrap())
        );
        assert_eq!(table.rows_in_file, 12);
    }
}

#[test]
fn a_date_label_is_refused_and_settings_for_text_are_noted() {
    let encode = EncodeOptions {
        target: Some("day".into()),
        ..EncodeOptions::default()
    };
    let (e, text) = error("types.parquet", &ReadOptions::default(), &encode);
    assert!(matches!(e, Error::Dataset { .. }), "{e}");
    assert!(
        text.starts_with("tests/fixtures/columnar/types.parquet: the label 'day' cannot be used: dates and times are not used (Date32)")
            && text.ends_with("; or pick another label with --target"),
        "{text}"
    );
    let read = ReadOptions {
        delimiter: Some(b';'),
        decimal: Some(lrfind::data::Decimal::Comma),
        ..ReadOptions::default()
    };
    let d = load_with("mixed.parquet", &read, &EncodeOptions::default()).unwrap();
    let notes = notes(&d);
    assert_eq!(
        notes[..2],
        [
            "--delimiter does not apply to a Parquet file (its schema gives the columns and their types): ignored",
            "--decimal does not apply to a Parquet file (its schema gives the columns and their types): ignored"
        ]
    );
}

#[test]
fn missing_values_and_infinities_name_the_row_and_column() {
    let refuse = EncodeOptions {
        missing: MissingPolicy::Error,
        ..EncodeOptions::default()
    };
    for name in ["mixed.parquet", "mixed.feather", "mixed.arrows"] {
        let (e, text) = error(name, &ReadOptions::default(), &refuse);
        assert!(matches!(e, Error::Data { .. }), "{e}");
        // Row 4 of the table (index 3 in pandas) has no sepal_length.
        assert_eq!(
            text,
            format!("tests/fixtures/columnar/{name}, row 4, column 'sepal_length': missing value 'null' and --missing error was given; pass --missing drop to skip such rows, or --missing fill to fill them")
        );
    }
    let (_, text) = error("mixed.csv", &ReadOptions::default(), &refuse);
    assert!(
        text.starts_with(
            "tests/fixtures/columnar/mixed.csv, line 5, column 'sepal_length': missing value ''"
        ),
        "{text}"
    );
    // An infinity is the text "inf", as in the CSV pandas writes: a stray word in a numeric
    // column, refused at its row unless it is declared missing.
    let defaults = EncodeOptions::default();
    let (_, text) = error("infinite.parquet", &ReadOptions::default(), &defaults);
    let (_, csv) = error("infinite.csv", &ReadOptions::default(), &defaults);
    let message = "'inf' is not a number, but the column is otherwise numeric; fix the value, or if it marks a missing value pass --na-values 'inf' (then --missing decides what happens to such rows)";
    assert_eq!(
        text,
        format!("tests/fixtures/columnar/infinite.parquet, row 6, column 'x': {message}")
    );
    assert_eq!(
        csv,
        format!("tests/fixtures/columnar/infinite.csv, line 7, column 'x': {message}")
    );
    let inf = ReadOptions {
        na_values: vec!["inf".into()],
        ..ReadOptions::default()
    };
    same(
        &load_with("infinite.parquet", &inf, &defaults).unwrap(),
        &load_with("infinite.csv", &inf, &defaults).unwrap(),
        "inf declared missing",
    );
    // `na_values` with a number marks every equal number missing: the integer 7 in `count`
    // (as the CSV's "7"), and the float 7.0 in `sepal_length`, which in the CSV is the text
    // "7.0" and so not missing there.
    let read = ReadOptions {
        na_values: vec!["7".into()],
        ..ReadOptions::default()
    };
    let missing = |name: &str| {
        let d = load_with(name, &read, &EncodeOptions::default()).unwrap();
        let by = |column: &str| {
            d.summary
                .columns
                .iter()
                .find(|c| c.name == column)
                .unwrap()
                .missing
        };
        (by("count"), by("sepal_length"))
    };
    assert_eq!(missing("mixed.csv"), (7 + 14, 9));
    assert_eq!(missing("mixed.parquet"), (7 + 14, 9 + 1));
}

#[test]
fn unsupported_codecs_and_feather_v1_say_what_to_do() {
    let read = ReadOptions::default();
    let encode = EncodeOptions::default();
    for (name, expected) in [
        ("mixed_zstd.parquet", "tests/fixtures/columnar/mixed_zstd.parquet: column 'sepal_length' is compressed with zstd, which lrfind does not read (it reads snappy, gzip, lz4 or no compression); write the file again with another compression, for example with pandas: df.to_parquet(out, compression='snappy')"),
        ("mixed_zstd.feather", "tests/fixtures/columnar/mixed_zstd.feather: its record batches are compressed with zstd, which lrfind does not read (it reads lz4 or no compression); write the file again with another compression, for example with pyarrow: pyarrow.feather.write_feather(table, out, compression='lz4')"),
        ("mixed_v1.feather", "tests/fixtures/columnar/mixed_v1.feather: this is a Feather v1 file, which lrfind does not read (it reads Feather v2, the Arrow IPC file, pyarrow's default since 0.17); rewrite it, for example with pyarrow: pyarrow.feather.write_feather(pyarrow.feather.read_table(path), out)"),
    ] {
        let (e, text) = error(name, &read, &encode);
        assert!(matches!(e, Error::Dataset { .. }), "{name}: {e}");
        assert_eq!(text, expected);
    }
}

#[test]
fn truncated_and_damaged_files_are_refused_cleanly() {
    let read = ReadOptions::default();
    let encode = EncodeOptions::default();
    for name in ["mixed.parquet", "mixed.feather", "mixed.arrows"] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        for cut in [9, 100, bytes.len() / 2, bytes.len() - 9, bytes.len() - 1] {
            let e = load_reader(&bytes[..cut], Path::new("t"), &read, &encode)
                .err()
                .unwrap_or_else(|| panic!("{name} cut at {cut}: loaded"));
            let text = e.to_string();
            assert!(
                text.starts_with("t: this ")
                    && text.ends_with("; it may be truncated or damaged: write it again")
                    || text.starts_with("t: the ") && text.contains("it may be damaged"),
                "{name} cut at {cut}: {text}"
            );
        }
    }
    // Bytes on which the parquet and arrow-ipc crates panic (a page's offset past its data; a
    // buffer whose length does not fit its type): refused as damaged, with a one-line message.
    for (name, at, byte) in [("mixed.parquet", 318, 0x7f), ("mixed.feather", 1798, 0)] {
        let mut bytes = std::fs::read(fixture(name)).unwrap();
        bytes[at] = byte;
        let e = load_reader(&bytes[..], Path::new("t"), &read, &encode).unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("t: this ")
                && text.ends_with("; it may be truncated or damaged: write it again")
                && !text.contains('\n'),
            "{name}: {text}"
        );
    }
}

#[test]
fn a_file_with_no_column_of_numbers_or_text_is_refused() {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Date32Array, RecordBatch};
    let days: ArrayRef = Arc::new(Date32Array::from(vec![19000; 20]));
    let batch = RecordBatch::try_from_iter([("day", days)]).unwrap();
    let mut bytes = Vec::new();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(&mut bytes, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let e = load_reader(
        &bytes[..],
        Path::new("days.parquet"),
        &ReadOptions::default(),
        &EncodeOptions::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "days.parquet: no column of this Parquet file holds numbers or text: 'day' (Date32)"
    );
}
