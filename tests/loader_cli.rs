//! The loader through the real binary: reading features on fixtures in tests/fixtures/, checked in
//! the JSON report's `data` block, and malformed inputs with their message, exit code 2 and no
//! output file. The same fixtures are checked at the library level, with typed errors, in
//! tests/loader.rs.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const FIXTURES: &str = "tests/fixtures";

fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

fn lrfind() -> Command {
    Command::cargo_bin("lrfind").expect("the binary is built")
}

/// Runs lrfind on `input` with `extra` options and returns the JSON report's `data` block.
fn data(input: &str, extra: &[&str]) -> Value {
    let output = lrfind()
        .args([input, "--no-plot", "--json", "-", "--steps", "20"])
        .args(extra)
        .output()
        .expect("lrfind runs");
    assert!(
        output.status.code() != Some(2),
        "{input}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("the report is JSON");
    report["data"].clone()
}

/// Each column's kind, as (name, kind) pairs.
fn kinds(data: &Value) -> Vec<(String, String)> {
    data["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// The kinds every copy of the base fixture is read as.
fn base_kinds() -> Vec<(String, String)> {
    pairs(&[
        ("length", "numeric"),
        ("width", "numeric"),
        ("colour", "categorical"),
        ("flag", "boolean"),
        ("label", "label"),
    ])
}

#[test]
fn delimiters_are_detected() {
    for (file, delimiter) in [
        ("semicolon.csv", ";"),
        ("tab.tsv", "tab"),
        ("pipe.csv", "|"),
        ("crlf_bom.csv", ","),
    ] {
        let d = data(&fixture(file), &[]);
        assert_eq!(d["delimiter"], delimiter, "{file}");
        assert_eq!(d["rows_read"], 12, "{file}");
        assert_eq!(d["rows"], 12, "{file}");
        assert_eq!(kinds(&d), base_kinds(), "{file}");
        assert_eq!(d["header"], true, "{file}");
    }
}

#[test]
fn delimiter_can_be_forced() {
    // Forced to a comma, the semicolon file is one text column: nothing is left to learn from.
    lrfind()
        .args([&fixture("semicolon.csv"), "--no-plot", "--delimiter", ","])
        .assert()
        .code(2);
    let d = data(&fixture("tab.tsv"), &["--delimiter", "tab"]);
    assert_eq!(d["delimiter"], "tab");
    lrfind()
        .args([&fixture("tab.tsv"), "--delimiter", "::"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("not a delimiter"));
}

#[test]
fn quoted_fields_spaces_exponents_and_gzip() {
    let d = data(&fixture("quoted.csv"), &[]);
    assert_eq!(d["columns"][2]["levels"], 4);
    let d = data(&fixture("spaces_exponents.csv"), &[]);
    assert_eq!(kinds(&d), base_kinds());
    let d = data(&fixture("gzipped.csv.gz"), &[]);
    assert_eq!(d["rows"], 12);
    assert_eq!(kinds(&d), base_kinds());
}

#[test]
fn standard_input_is_read_for_a_dash() {
    let csv = std::fs::read(fixture("quoted.csv")).unwrap();
    let output = lrfind()
        .args(["-", "--no-plot", "--json", "-", "--steps", "20"])
        .write_stdin(csv)
        .output()
        .unwrap();
    assert!(output.status.success() || output.status.code() == Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["data"]["rows"], 12);
    assert_eq!(report["data"]["file"], "<stdin>");
}

#[test]
fn missing_header_is_detected_or_declared() {
    let d = data(&fixture("no_header.csv"), &[]);
    assert_eq!(d["header"], false);
    assert_eq!(d["header_detected"], true);
    assert_eq!(d["rows"], 12);
    assert_eq!(d["target"], "c2");
    let d = data(
        &fixture("no_header.csv"),
        &["--no-header", "--target", "c2"],
    );
    assert_eq!(d["header_detected"], false);
    assert_eq!(d["task"], "classification");
}

#[test]
fn missing_values_are_filled_by_default() {
    let d = data(&fixture("missing.csv"), &[]);
    assert_eq!(d["rows_read"], 24);
    assert_eq!(d["rows"], 23);
    let m = &d["missing"];
    assert_eq!(m["policy"], "fill");
    assert_eq!(m["label_rows_dropped"], 1);
    assert_eq!(m["filled"], 2);
    assert_eq!(m["as_level"], 1);
    // The medians of the present values (the label-less row excluded).
    assert_eq!(d["columns"][0]["missing"], 1);
    assert_eq!(d["columns"][0]["fill"].as_f64().unwrap() as f32, 4.9);
    assert_eq!(d["columns"][2]["levels"], 4);
}

#[test]
fn missing_values_dropped_or_refused_on_request() {
    let d = data(&fixture("missing.csv"), &["--missing", "drop"]);
    assert_eq!(d["rows"], 20);
    assert_eq!(d["rows_dropped"], 4);
    assert_eq!(d["missing"]["incomplete_rows_dropped"], 3);
    lrfind()
        .args([&fixture("missing.csv"), "--no-plot", "--missing", "error"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "missing.csv, line 3, column 'length': missing value 'NA'",
        ));
    let d = data(&fixture("custom_na.csv"), &["--na-values", "-999"]);
    assert_eq!(d["columns"][0]["missing"], 1);
    assert_eq!(d["missing"]["filled"], 1);
}

#[test]
fn useless_columns_are_dropped_with_a_note() {
    let d = data(&fixture("ids.csv"), &["--max-categories", "5"]);
    let k = kinds(&d);
    for dropped in ["c0", "id", "name", "const"] {
        assert!(
            k.contains(&(dropped.to_string(), "dropped".to_string())),
            "{dropped}: {k:?}"
        );
    }
    let notes: Vec<&str> = d["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(notes.iter().filter(|n| n.starts_with("dropped")).count(), 4);
    assert!(notes
        .iter()
        .any(|n| n.contains("'name': text with more than 5")));
    assert!(notes
        .iter()
        .any(|n| n.contains("'id': its integers just count the rows")));
}

#[test]
fn ignore_and_features_choose_the_inputs() {
    let d = data(&fixture("ids.csv"), &["--features", "length,colour"]);
    assert_eq!(d["features"], 4);
    let d = data(&fixture("ids.csv"), &["--ignore", "colour,flag,name"]);
    assert_eq!(d["features"], 2);
    lrfind()
        .args([
            &fixture("ids.csv"),
            "--no-plot",
            "--features",
            "length,label",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("'label' is the label"));
    lrfind()
        .args([&fixture("ids.csv"), "--no-plot", "--ignore", "nope"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no column 'nope'"));
}

#[test]
fn small_data_shrinks_the_batch_with_a_note() {
    let d = data(&fixture("tab.tsv"), &["--batch-size", "64"]);
    let notes = d["notes"].to_string();
    assert!(
        notes.contains("batch size 64 is more than the 12 usable rows"),
        "{notes}"
    );
}

#[test]
fn penguins_run_end_to_end_with_a_summary() {
    let output = lrfind()
        .args(["data/penguins.csv", "--target", "species", "--no-plot"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "344 rows read, 344 used, 0 dropped; delimiter ',', header row",
        "categorical island (3 levels), sex (3 levels)",
        "'species': classification, 3 classes (Adelie 152, Chinstrap 68, Gentoo 124)",
        "filled with the column median",
        "suggested LR",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
}

/// Runs lrfind on a bad fixture: exit code 2, every expected piece in the one-line message, and
/// no plot written.
fn fails(name: &str, extra: &[&str], expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("out.png");
    let output = lrfind()
        .arg(fixture(name))
        .arg("--plot")
        .arg(&plot)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{name}: {stderr}");
    for e in expected {
        assert!(stderr.contains(e), "{name}: expected {e:?} in {stderr}");
    }
    assert!(!Path::new(&plot).exists(), "{name}: wrote a plot");
}

#[test]
fn malformed_inputs_fail_with_file_line_and_column() {
    fails(
        "ragged.csv",
        &[],
        &["ragged.csv, line 5:", "4 fields but the header has 5"],
    );
    fails(
        "stray_text.csv",
        &[],
        &[
            "stray_text.csv, line 5, column 'width'",
            "'oops' is not a number",
            "--na-values 'oops'",
            "--missing",
        ],
    );
    fails(
        "invalid_utf8.csv",
        &[],
        &[
            "invalid_utf8.csv, line 5, column 'colour'",
            "not valid UTF-8",
        ],
    );
    fails(
        "unclosed_quote.csv",
        &[],
        &["unclosed_quote.csv, line 5:", "never closed"],
    );
}

#[test]
fn unusable_inputs_fail_with_what_to_do() {
    fails("empty.csv", &[], &["empty.csv", "the file is empty"]);
    fails("header_only.csv", &[], &["header but no data rows"]);
    fails("few_rows.csv", &[], &["only 5 usable rows", "at least 10"]);
    fails("single_class.csv", &[], &["single class ('a')", "--target"]);
    fails(
        "all_dropped.csv",
        &["--max-categories", "5"],
        &["every feature column was dropped"],
    );
    fails(
        "no_such_file.csv",
        &[],
        &["cannot read", "no_such_file.csv"],
    );
}

#[test]
fn a_recorded_range_test_is_sent_to_analyze() {
    fails(
        "lr_range.csv",
        &[],
        &[
            "tests/fixtures/lr_range.csv: this looks like a recorded LR range test (an LR column 'lr' from 1.00e-6 to 1.00e1, and a loss column 'loss')",
            "read it with `lrfind analyze tests/fixtures/lr_range.csv`, or to train a model on it anyway, name the label with --target",
        ],
    );
    // The recorders' other files too: lrfind's own long CSV, Lightning's metrics, a TSV.
    for (name, lr) in [
        ("logs/digits_lrfind.csv", "'lr'"),
        ("logs/lightning_metrics.csv", "'lr-Adam'"),
        ("logs/raw.tsv", "'learning_rate'"),
        ("curves/digits_adam_seed0.csv", "'lr'"),
    ] {
        fails(name, &[], &["recorded LR range test", lr, "lrfind analyze"]);
    }
    // The command given reads it.
    lrfind()
        .args(["analyze", &fixture("lr_range.csv"), "--no-plot"])
        .assert()
        .success()
        .stdout(predicates::str::contains("suggested LR"));
    // Naming the label says the table is meant to be learned from.
    let d = data(&fixture("lr_range.csv"), &["--target", "loss"]);
    assert_eq!(d["target"], "loss");
}

#[test]
fn parquet_and_feather_files_are_read_also_from_standard_input() {
    for (name, format) in [
        ("columnar/mixed.parquet", "parquet"),
        ("columnar/mixed.feather", "arrow_file"),
    ] {
        let d = data(&fixture(name), &[]);
        assert_eq!(d["format"], format, "{name}");
        assert_eq!(
            (d["rows"].as_u64(), d["features"].as_u64()),
            (Some(150), Some(15))
        );
    }
    let bytes = std::fs::read(fixture("columnar/mixed.arrows")).unwrap();
    let output = lrfind()
        .args(["-", "--no-plot", "--json", "-", "--steps", "20"])
        .write_stdin(bytes)
        .output()
        .unwrap();
    assert!(output.status.success() || output.status.code() == Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["data"]["format"], "arrow_stream");
    assert_eq!(report["data"]["file"], "<stdin>");
    assert!(report["data"]["notes"][0]
        .as_str()
        .unwrap()
        .starts_with("the Arrow IPC stream came through a stream, so it was held in memory whole"));
    let output = lrfind()
        .args([
            &fixture("columnar/mixed.parquet"),
            "--no-plot",
            "--steps",
            "20",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("  data       150 rows read, 150 used, 0 dropped; Parquet file\n"),
        "{text}"
    );
}

#[test]
fn damaged_and_unsupported_columnar_files_fail_in_one_line() {
    // Bytes on which the parquet crate itself panics: still one line, exit 2.
    let dir = tempfile::tempdir().unwrap();
    let damaged = dir.path().join("damaged.parquet");
    let mut bytes = std::fs::read(fixture("columnar/mixed.parquet")).unwrap();
    bytes[318] = 0x7f;
    std::fs::write(&damaged, bytes).unwrap();
    let output = lrfind().arg(&damaged).arg("--no-plot").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("damaged.parquet: this Parquet file cannot be read ("),
        "{stderr}"
    );
    fails(
        "columnar/mixed_zstd.parquet",
        &[],
        &[
            "column 'sepal_length' is compressed with zstd",
            "compression='snappy'",
        ],
    );
    fails("columnar/mixed_v1.feather", &[], &["Feather v1"]);
    fails(
        "columnar/mixed.parquet",
        &["--missing", "error"],
        &["mixed.parquet, row 4, column 'sepal_length': missing value 'null'"],
    );
}
