//! The loader as a library: every fixture in tests/fixtures/ read and encoded with `load`, each
//! good one checked in its `DataSummary`, each bad one by its typed error and the message a person
//! reads (settings rendered as the command line's flags).

use std::path::Path;

use lrfind::data::{
    load, load_with_progress, ColumnKind, DataSummary, Decimal, EncodeOptions, LabelDoubt,
    MissingPolicy, ReadOptions, Task,
};
use lrfind::error::{Error, Setting};

const FIXTURES: &str = "tests/fixtures";

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

fn load_with(
    name: &str,
    read: &ReadOptions,
    encode: &EncodeOptions,
) -> lrfind::error::Result<DataSummary> {
    load(Path::new(&fixture(name)), read, encode).map(|d| d.summary)
}

fn summary(name: &str) -> DataSummary {
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

fn kinds(d: &DataSummary) -> Vec<(String, &'static str)> {
    d.columns
        .iter()
        .map(|c| {
            let kind = match c.kind {
                ColumnKind::Numeric => "numeric",
                ColumnKind::Boolean => "boolean",
                ColumnKind::Categorical { .. } => "categorical",
                ColumnKind::Label => "label",
                ColumnKind::Dropped { .. } => "dropped",
            };
            (c.name.clone(), kind)
        })
        .collect()
}

/// The kinds every copy of the base fixture is read as.
fn base_kinds() -> Vec<(String, &'static str)> {
    [
        ("length", "numeric"),
        ("width", "numeric"),
        ("colour", "categorical"),
        ("flag", "boolean"),
        ("label", "label"),
    ]
    .map(|(n, k)| (n.to_string(), k))
    .to_vec()
}

#[test]
fn delimiters_are_detected() {
    for (file, delimiter) in [
        ("semicolon.csv", ";"),
        ("tab.tsv", "tab"),
        ("pipe.csv", "|"),
        ("crlf_bom.csv", ","),
    ] {
        let d = summary(file);
        assert_eq!(d.delimiter, delimiter, "{file}");
        assert_eq!((d.rows_read, d.rows), (12, 12), "{file}");
        assert_eq!(kinds(&d), base_kinds(), "{file}");
        assert!(d.header, "{file}");
    }
}

#[test]
fn a_forced_delimiter_is_used() {
    let comma = ReadOptions {
        delimiter: Some(b','),
        ..ReadOptions::default()
    };
    // Forced to a comma, the semicolon file is one text column: nothing is left to learn from.
    let (e, _) = error("semicolon.csv", &comma, &EncodeOptions::default());
    assert!(matches!(e, Error::Dataset { .. }), "{e}");
    let tab = ReadOptions {
        delimiter: Some(b'\t'),
        ..ReadOptions::default()
    };
    let d = load_with("tab.tsv", &tab, &EncodeOptions::default()).unwrap();
    assert_eq!(d.delimiter, "tab");
}

#[test]
fn quoted_fields_spaces_exponents_and_gzip() {
    let d = summary("quoted.csv");
    assert_eq!(d.columns[2].kind, ColumnKind::Categorical { levels: 4 });
    assert_eq!(kinds(&summary("spaces_exponents.csv")), base_kinds());
    let d = summary("gzipped.csv.gz");
    assert_eq!(d.rows, 12);
    assert_eq!(kinds(&d), base_kinds());
}

#[test]
fn a_missing_header_is_detected_or_declared() {
    let d = summary("no_header.csv");
    assert!(!d.header && d.header_detected);
    assert_eq!((d.rows, d.target.as_str()), (12, "c2"));
    let read = ReadOptions {
        header: Some(false),
        ..ReadOptions::default()
    };
    let encode = EncodeOptions {
        target: Some("c2".into()),
        ..EncodeOptions::default()
    };
    let d = load_with("no_header.csv", &read, &encode).unwrap();
    assert!(!d.header_detected);
    assert_eq!(d.task, Task::Classification);
}

#[test]
fn missing_values_are_filled_by_default() {
    let d = summary("missing.csv");
    assert_eq!((d.rows_read, d.rows), (24, 23));
    let m = &d.missing;
    assert_eq!(m.policy, MissingPolicy::Fill);
    assert_eq!((m.label_rows_dropped, m.filled, m.as_level), (1, 2, 1));
    // The medians of the present values (the label-less row excluded).
    assert_eq!(d.columns[0].missing, 1);
    assert_eq!(d.columns[0].fill.map(|f| f as f32), Some(4.9));
    assert_eq!(d.columns[2].kind, ColumnKind::Categorical { levels: 4 });
}

#[test]
fn missing_values_dropped_or_refused_on_request() {
    let drop = EncodeOptions {
        missing: MissingPolicy::Drop,
        ..EncodeOptions::default()
    };
    let d = load_with("missing.csv", &ReadOptions::default(), &drop).unwrap();
    assert_eq!((d.rows, d.rows_dropped), (20, 4));
    assert_eq!(d.missing.incomplete_rows_dropped, 3);
    let refuse = EncodeOptions {
        missing: MissingPolicy::Error,
        ..EncodeOptions::default()
    };
    let (e, text) = error("missing.csv", &ReadOptions::default(), &refuse);
    assert!(matches!(e, Error::Data { .. }));
    assert_eq!(
        text,
        "tests/fixtures/missing.csv, line 3, column 'length': missing value 'NA' and --missing error was given; pass --missing drop to skip such rows, or --missing fill to fill them"
    );
    let na = ReadOptions {
        na_values: vec!["-999".into()],
        ..ReadOptions::default()
    };
    let d = load_with("custom_na.csv", &na, &EncodeOptions::default()).unwrap();
    assert_eq!((d.columns[0].missing, d.missing.filled), (1, 1));
}

#[test]
fn useless_columns_are_dropped_with_a_note() {
    let encode = EncodeOptions {
        max_categories: 5,
        ..EncodeOptions::default()
    };
    let d = load_with("ids.csv", &ReadOptions::default(), &encode).unwrap();
    let k = kinds(&d);
    for dropped in ["c0", "id", "name", "const"] {
        assert!(
            k.contains(&(dropped.to_string(), "dropped")),
            "{dropped}: {k:?}"
        );
    }
    let notes: Vec<String> = d.notes.iter().map(|n| n.render(&flags)).collect();
    assert_eq!(notes.iter().filter(|n| n.starts_with("dropped")).count(), 4);
    assert!(notes.contains(&"dropped column 'name': text with more than 5 distinct values, like a name or free text (--max-categories)".to_string()), "{notes:?}");
    assert!(notes.contains(&"dropped column 'c0': no name in the header, so taken for a saved row index (name it or list it in --features to use it)".to_string()), "{notes:?}");
    assert!(notes
        .iter()
        .any(|n| n.contains("'id': its integers just count the rows")));
}

#[test]
fn sample_codes_are_an_id_whatever_their_order() {
    // UCI's original breast-cancer-wisconsin table: 7-digit sample codes, 645 distinct in 699
    // rows (a few samples appear twice), in no order.
    let name = "breast_cancer_original.csv";
    let d = summary(name);
    assert_eq!(kinds(&d)[0], ("ID".to_string(), "dropped"));
    let notes: Vec<String> = d.notes.iter().map(|n| n.render(&flags)).collect();
    assert!(notes.contains(&"dropped column 'ID': named like an identifier, with 645 distinct integers in 699 rows: codes, not a measurement (list it in --features to use it)".to_string()), "{notes:?}");
    assert_eq!(d.features, 10);
    // Named otherwise, the codes are found by their values.
    let text = std::fs::read_to_string(fixture(name)).unwrap();
    let renamed = text.replacen("ID,", "Sample code number,", 1);
    let d = lrfind::data::load_reader(
        renamed.as_bytes(),
        Path::new(name),
        &ReadOptions::default(),
        &EncodeOptions::default(),
    )
    .unwrap()
    .summary;
    let notes: Vec<String> = d.notes.iter().map(|n| n.render(&flags)).collect();
    assert!(notes.contains(&"dropped column 'Sample code number': large integer codes, 645 distinct in 699 rows, like a sample or customer number (an ID), not a measurement (list it in --features to use it)".to_string()), "{notes:?}");
    // Listed in `features`, the column is used.
    let keep = EncodeOptions {
        features: vec!["ID".into(), "Mitoses".into()],
        ..EncodeOptions::default()
    };
    let d = load_with(name, &ReadOptions::default(), &keep).unwrap();
    assert_eq!(kinds(&d)[0], ("ID".to_string(), "numeric"));
}

#[test]
fn numbers_as_exports_format_them_are_numbers() {
    use lrfind::data::csv::read_path;
    for (name, decimal) in [
        ("formatted_numbers.csv", Decimal::Point),
        ("formatted_numbers_eu.csv", Decimal::Comma),
    ] {
        let d = summary(name);
        assert_eq!(d.decimal, decimal, "{name}");
        let k = kinds(&d);
        for (c, column) in ["price", "discount", "units", "balance"].iter().enumerate() {
            assert_eq!(k[c], (column.to_string(), "numeric"), "{name}");
        }
        let notes: Vec<String> = d.notes.iter().map(|n| n.render(&flags)).collect();
        let (group, price, units, balance) = match decimal {
            Decimal::Point => (",", "$2,234.52", "8,580,488", "2,130.27"),
            Decimal::Comma => (".", "2.234,52 €", "8.580.488", "2.130,27"),
        };
        for expected in [
            format!("column 'price' holds numbers as exports format them ('{price}' on line 2): read as numbers, without the currency sign, without the thousands separators ('{group}')"),
            "column 'discount' holds numbers as exports format them".to_string(),
            format!("column 'units' holds numbers as exports format them ('{units}' on line 2): read as numbers, without the thousands separators ('{group}')"),
            format!("column 'balance' holds numbers as exports format them ('{balance}' on line 2): read as numbers, without the thousands separators ('{group}'), in parentheses as negative"),
        ] {
            assert!(notes.iter().any(|n| n.starts_with(&expected)), "{name}: {expected} in {notes:?}");
        }
        assert!(
            notes
                .iter()
                .any(|n| n.ends_with("a percentage as its fraction (12.5% is 0.125)")),
            "{notes:?}"
        );
        let t = read_path(Path::new(&fixture(name)), &ReadOptions::default()).unwrap();
        let row = |r: usize| (0..4).map(|c| t.number(r, c) as f32).collect::<Vec<_>>();
        assert_eq!(row(0), [2234.52, 0.224, 8_580_488.0, 2130.27], "{name}");
        assert_eq!(row(1), [3130.91, 0.317, 97.0, -2455.98], "{name}");
    }
}

#[test]
fn a_group_separator_that_may_be_a_decimal_one_asks_which() {
    let text = "units,y\n\"1,234\",a\n567,b\n\"12,500\",a\n3,b\n\"1,000\",a\n8,b\n9,a\n10,b\n11,a\n\"2,250\",b\n";
    let load_text = |text: &str, decimal| {
        let read = ReadOptions {
            decimal,
            ..ReadOptions::default()
        };
        lrfind::data::load_reader(
            text.as_bytes(),
            Path::new("t.csv"),
            &read,
            &EncodeOptions::default(),
        )
    };
    let e = load_text(text, None).unwrap_err();
    assert!(matches!(e, Error::Data { .. }));
    assert_eq!(e.render(&flags), "t.csv, line 2, column 'units': '1,234' may be 1234 with a thousands separator or 1.234 with a decimal comma, and no value in the column tells which; set --decimal . if the comma separates thousands, or --decimal , if it is a decimal comma");
    for decimal in [Decimal::Point, Decimal::Comma] {
        let d = load_text(text, Some(decimal)).unwrap();
        assert_eq!(d.summary.columns[0].kind, ColumnKind::Numeric);
    }
    // A fraction elsewhere in the column says the comma separates thousands.
    let d = load_text(&text.replace("\n3,b", "\n3.5,b"), None).unwrap();
    assert_eq!(d.summary.columns[0].kind, ColumnKind::Numeric);
}

#[test]
fn ignore_and_features_choose_the_inputs() {
    let read = ReadOptions::default();
    let list = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let features = EncodeOptions {
        features: list(&["length", "colour"]),
        ..EncodeOptions::default()
    };
    assert_eq!(load_with("ids.csv", &read, &features).unwrap().features, 4);
    let ignore = EncodeOptions {
        ignore: list(&["colour", "flag", "name"]),
        ..EncodeOptions::default()
    };
    assert_eq!(load_with("ids.csv", &read, &ignore).unwrap().features, 2);
    let label = EncodeOptions {
        features: list(&["length", "label"]),
        ..EncodeOptions::default()
    };
    let (e, text) = error("ids.csv", &read, &label);
    assert!(matches!(
        e,
        Error::Config {
            setting: Setting::Features,
            ..
        }
    ));
    assert_eq!(
        text,
        "invalid --features: 'label' is the label (--target); it cannot also be listed in --features"
    );
    let nope = EncodeOptions {
        ignore: list(&["nope"]),
        ..EncodeOptions::default()
    };
    let (e, text) = error("ids.csv", &read, &nope);
    assert!(matches!(
        e,
        Error::Config {
            setting: Setting::Ignore,
            ..
        }
    ));
    assert!(text.starts_with("invalid --ignore: no column 'nope' in tests/fixtures/ids.csv; the columns are: c0, id, name"), "{text}");
}

#[test]
fn penguins_are_summarised() {
    let encode = EncodeOptions {
        target: Some("species".into()),
        ..EncodeOptions::default()
    };
    let d = load(
        Path::new("data/penguins.csv"),
        &ReadOptions::default(),
        &encode,
    )
    .unwrap()
    .summary;
    assert_eq!((d.rows_read, d.rows, d.rows_dropped), (344, 344, 0));
    let classes: Vec<(&str, usize)> = d
        .classes
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| (c.name.as_str(), c.count))
        .collect();
    assert_eq!(
        classes,
        [("Adelie", 152), ("Chinstrap", 68), ("Gentoo", 124)]
    );
    assert_eq!(d.features, 15);
    assert_eq!(d.label_doubt, None);
}

#[test]
fn a_label_of_years_taken_by_default_is_doubted_and_a_chosen_one_is_not() {
    let penguins = Path::new("data/penguins.csv");
    let load_as = |target: Option<&str>| {
        let encode = EncodeOptions {
            target: target.map(String::from),
            ..EncodeOptions::default()
        };
        load(penguins, &ReadOptions::default(), &encode)
            .unwrap()
            .summary
    };
    let d = load_as(None);
    assert_eq!(d.target, "year");
    assert_eq!(
        d.label_doubt,
        Some(LabelDoubt::Year {
            first: 2007,
            last: 2009
        })
    );
    assert_eq!(load_as(Some("year")).label_doubt, None);
    // The other real tables' default labels are what they seem.
    for name in ["iris", "wine", "breast_cancer", "digits", "diabetes"] {
        let path = format!("data/{name}.csv");
        let d = load(
            Path::new(&path),
            &ReadOptions::default(),
            &EncodeOptions::default(),
        )
        .unwrap()
        .summary;
        assert_eq!(d.label_doubt, None, "{name}");
    }
}

/// Loads a bad fixture with default options: a `Data` error, and every expected piece in the
/// message.
fn fails(name: &str, expected: &[&str]) -> Error {
    let (e, text) = error(name, &ReadOptions::default(), &EncodeOptions::default());
    assert_eq!(text.lines().count(), 1, "{name}: {text}");
    for piece in expected {
        assert!(text.contains(piece), "{name}: expected {piece:?} in {text}");
    }
    e
}

#[test]
fn malformed_inputs_name_file_line_and_column() {
    let e = fails(
        "ragged.csv",
        &["ragged.csv, line 5:", "4 fields but the header has 5"],
    );
    assert!(matches!(e, Error::Data { .. }));
    let e = fails(
        "stray_text.csv",
        &[
            "stray_text.csv, line 5, column 'width': 'oops' is not a number",
            "pass --na-values 'oops' (then --missing decides what happens to such rows)",
        ],
    );
    let Error::Data { message, .. } = e else {
        panic!("a data error")
    };
    assert_eq!(
        message.settings().collect::<Vec<_>>(),
        [Setting::NaValues, Setting::Missing]
    );
    fails(
        "invalid_utf8.csv",
        &[
            "invalid_utf8.csv, line 5, column 'colour'",
            "not valid UTF-8",
        ],
    );
    fails(
        "unclosed_quote.csv",
        &["unclosed_quote.csv, line 5:", "never closed"],
    );
}

#[test]
fn unusable_inputs_say_what_to_do() {
    fails("empty.csv", &["empty.csv: the file is empty"]);
    fails("header_only.csv", &["header but no data rows"]);
    fails("few_rows.csv", &["only 5 usable rows", "at least 10"]);
    let e = fails(
        "single_class.csv",
        &["single class ('a')", "pick another column with --target"],
    );
    assert!(matches!(e, Error::Dataset { .. }));
    let encode = EncodeOptions {
        max_categories: 5,
        ..EncodeOptions::default()
    };
    let (_, text) = error("all_dropped.csv", &ReadOptions::default(), &encode);
    assert!(text.contains("every feature column was dropped"), "{text}");
    let (e, text) = error(
        "no_such_file.csv",
        &ReadOptions::default(),
        &EncodeOptions::default(),
    );
    assert!(matches!(e, Error::Io { .. }));
    assert!(
        text.starts_with("cannot read tests/fixtures/no_such_file.csv"),
        "{text}"
    );
}

/// The notes, rendered with flags.
fn notes(d: &DataSummary) -> Vec<String> {
    d.notes.iter().map(|n| n.render(&flags)).collect()
}

#[test]
fn a_european_excel_export_reads_its_decimal_commas() {
    let d = summary("decimal_comma.csv");
    assert_eq!((d.delimiter.as_str(), d.decimal), (";", Decimal::Comma));
    assert_eq!(kinds(&d), base_kinds());
    assert_eq!(d.columns[0].missing, 0);
    assert!(notes(&d).contains(&"numbers are written with a decimal comma (as in column 'length'): read as such; set --decimal . if the comma means something else".to_string()), "{:?}", notes(&d));
    // The diabetes data re-exported that way: ten numeric features and a numeric label, not six
    // dropped columns and 214 classes.
    let d = summary("diabetes_excel_eu.csv");
    assert_eq!((d.rows, d.features, d.task), (442, 10, Task::Regression));
    assert!(d.columns[..10]
        .iter()
        .all(|c| c.kind == ColumnKind::Numeric));
    assert!(notes(&d).contains(&"the label 'progression' holds 214 distinct integers, more than 20, so it is taken as a number (regression); if they are classes, set --task classification".to_string()), "{:?}", notes(&d));
}

#[test]
fn mixed_decimal_separators_stop_and_say_how_to_choose() {
    let (e, text) = error(
        "decimal_mixed.csv",
        &ReadOptions::default(),
        &EncodeOptions::default(),
    );
    assert!(matches!(e, Error::Data { .. }));
    assert_eq!(
        text,
        "tests/fixtures/decimal_mixed.csv, line 2, column 'length': '5,1' has a decimal comma but column 'width' has a decimal point ('3.5' on line 2); set --decimal , or --decimal . to say which the file uses"
    );
    let comma = ReadOptions {
        decimal: Some(Decimal::Comma),
        ..ReadOptions::default()
    };
    let d = load_with("decimal_mixed.csv", &comma, &EncodeOptions::default()).unwrap();
    assert_eq!(d.columns[0].kind, ColumnKind::Numeric);
    assert_ne!(d.columns[1].kind, ColumnKind::Numeric);
}

#[test]
fn other_file_types_are_named() {
    let (e, text) = error(
        "workbook.xlsx",
        &ReadOptions::default(),
        &EncodeOptions::default(),
    );
    assert!(matches!(e, Error::Dataset { .. }));
    assert_eq!(text, "tests/fixtures/workbook.xlsx: this is an Excel workbook or zip archive, not a CSV; save it as CSV (UTF-8)");
    // Parquet is read now (tests/columnar.rs); this one is four bytes of magic around nonsense.
    let (e, text) = error(
        "table.parquet",
        &ReadOptions::default(),
        &EncodeOptions::default(),
    );
    assert!(matches!(e, Error::Dataset { .. }));
    assert!(
        text.starts_with("tests/fixtures/table.parquet: this Parquet file cannot be read (")
            && text.ends_with("); it may be truncated or damaged: write it again"),
        "{text}"
    );
}

#[test]
fn utf16_and_unnamed_gzip_are_read() {
    for name in ["utf16le.csv", "utf16be.csv"] {
        let d = summary(name);
        assert_eq!(kinds(&d), base_kinds(), "{name}");
        assert_eq!((d.rows, d.delimiter.as_str()), (12, ";"), "{name}");
        assert!(
            notes(&d)
                .contains(&"the input is UTF-16 text: decoded to UTF-8 as it was read".to_string()),
            "{name}"
        );
    }
    let d = load(
        Path::new(&fixture("utf16le.csv")),
        &ReadOptions::default(),
        &EncodeOptions::default(),
    )
    .unwrap();
    assert!(
        d.feature_names.contains(&"colour=grün".to_string()),
        "{:?}",
        d.feature_names
    );
    let d = summary("gzipped_no_ext.csv");
    assert_eq!(kinds(&d), base_kinds());
    assert_eq!(
        notes(&d)[0],
        "the input is gzip-compressed: decompressed as it was read"
    );
}

#[test]
fn huge_and_tiny_magnitudes_are_real_columns() {
    let d = load(
        Path::new(&fixture("huge_tiny.csv")),
        &ReadOptions::default(),
        &EncodeOptions::default(),
    )
    .unwrap();
    assert_eq!(d.feature_names, ["huge", "tiny", "x"]);
    for c in 0..2 {
        let column = d.x.column(c);
        let mean = column.sum() / column.len() as f32;
        let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f32>() / column.len() as f32;
        assert!(
            mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4,
            "{c}: {column}"
        );
    }
}

#[test]
fn labels_constant_many_integers_and_natural_classes() {
    let (e, text) = error(
        "constant_target.csv",
        &ReadOptions::default(),
        &EncodeOptions::default(),
    );
    assert!(matches!(e, Error::Dataset { .. }));
    assert_eq!(
        text,
        "tests/fixtures/constant_target.csv: the label 'price' holds the same value (19.99) in every row used; a regression needs a label that varies: pick another column with --target"
    );
    let d = summary("many_integers.csv");
    assert_eq!(d.task, Task::Regression);
    assert_eq!(
        notes(&d),
        ["the label 'score' holds 30 distinct integers, more than 20, so it is taken as a number (regression); if they are classes, set --task classification"]
    );
    let d = summary("natural_classes.csv");
    let classes: Vec<&str> = d
        .classes
        .as_ref()
        .unwrap()
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(classes, ["cls1", "cls2", "cls10", "cls11"]);
}

#[test]
fn a_file_longer_than_max_rows_is_sampled_with_a_note() {
    let read = ReadOptions {
        max_rows: Some(20),
        seed: 1,
        ..ReadOptions::default()
    };
    let d = load_with("many_integers.csv", &read, &EncodeOptions::default()).unwrap();
    assert!(d.sampled);
    assert_eq!((d.rows_in_file, d.rows_read, d.rows), (60, 20, 20));
    assert!(notes(&d).contains(&"the file has 60 data rows: a random sample of 20 is used (seeded by --seed); set --max-rows to use more".to_string()), "{:?}", notes(&d));
    let d = summary("many_integers.csv");
    assert!(!d.sampled);
    assert_eq!((d.rows_in_file, d.rows_read), (60, 60));
}

#[test]
fn progress_counts_the_bytes_of_the_file() {
    let bar = indicatif::ProgressBar::hidden();
    let path = fixture("diabetes_excel_eu.csv");
    load_with_progress(
        Path::new(&path),
        &ReadOptions::default(),
        &EncodeOptions::default(),
        &bar,
    )
    .unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert_eq!((bar.length(), bar.position()), (Some(size), size));
    // Compressed input: the bytes of the file, not of the text inside.
    let bar = indicatif::ProgressBar::hidden();
    let path = fixture("gzipped_no_ext.csv");
    load_with_progress(
        Path::new(&path),
        &ReadOptions::default(),
        &EncodeOptions::default(),
        &bar,
    )
    .unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    assert_eq!((bar.length(), bar.position()), (Some(size), size));
}
