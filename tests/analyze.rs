//! `lrfind analyze` end to end: a curve lrfind recorded itself, written in every format a
//! framework saves, reads back to the same suggestion; a recorder's smoothing is undone; several
//! files overlay; the summary is snapshotted; every malformed log gives its message and exit 2.

mod common;

use std::path::{Path, PathBuf};

use common::{json_report, lrfind, png_size};
use predicates::str::contains;

fn log(name: &str) -> PathBuf {
    Path::new("tests/fixtures/logs").join(name)
}

/// Runs `lrfind analyze` from the repository root; returns the parsed JSON report.
fn analyze(args: &[&str]) -> serde_json::Value {
    json_report(
        lrfind()
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("analyze")
            .args(args),
    )
}

fn suggested(report: &serde_json::Value) -> f64 {
    report["suggested_lr"].as_f64().unwrap()
}

#[test]
fn a_curve_in_every_format_reads_to_the_same_suggestion() {
    // lrfind's own run of data/digits.csv (3 runs), as its --csv wrote it: the median of the
    // three curves' picks.
    let own = analyze(&[log("digits_lrfind.csv").to_str().unwrap()]);
    assert_eq!(own["runs"].as_array().unwrap().len(), 3);
    // The original run, repeated: the same seeds give the same curves and the same median (a
    // recorded curve has no data to race candidates on, so the rules' median is compared).
    let original = lrfind()
        .arg(common::data("digits.csv"))
        .args(["--no-verify", "--no-plot", "--json", "-"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let original: serde_json::Value = serde_json::from_slice(&original).unwrap();
    assert_eq!(suggested(&own), suggested(&original));
    assert_eq!(own["suggestions"], original["suggestions"]);
    assert_eq!(own["stop_reason"], original["stop_reason"]);

    // Run 0 alone in each format a framework saves reads to one suggestion.
    let first = analyze(&[log("raw.tsv").to_str().unwrap()]);
    assert_eq!(
        first["runs"][0]["suggested_lr"],
        original["runs"][0]["suggested_lr"]
    );
    for file in ["keras_history.json", "lightning_metrics.csv", "steps.jsonl"] {
        let r = analyze(&[log(file).to_str().unwrap()]);
        assert_eq!(suggested(&r), suggested(&first), "{file}");
        assert_eq!(r["curve"], first["curve"], "{file}");
    }
}

#[test]
fn a_recorders_smoothing_is_undone() {
    let raw = suggested(&analyze(&[log("raw.tsv").to_str().unwrap()]));
    for (file, b) in [
        ("torch_lr_finder.json", "0.05"),
        ("lightning_results.json", "0.98"),
    ] {
        let undone = suggested(&analyze(&[log(file).to_str().unwrap(), "--smoothed-by", b]));
        assert!(
            (undone / raw).log10().abs() < 0.1,
            "{file}: {undone} vs raw {raw}"
        );
        // Read as raw, the lagged curve moves the pick.
        let lagged = suggested(&analyze(&[
            log(file).to_str().unwrap(),
            "--smoothed-by",
            "0",
        ]));
        assert_ne!(lagged, raw, "{file}");
    }
}

/// Lightning 2.6's `lr_finder.results`, saved by Lightning itself (bench/lightning_fixture.py):
/// its bias correction counts one step more than fastai's (the first stored value is 1.15 where
/// the loss was 2.28) and it stores NaN for the skipped steps. Read without options it is
/// recognised and undone, and gives the raw losses' suggestion; it used to exit 1 ("the loss
/// never fell").
#[test]
fn lightnings_saved_results_read_without_options() {
    let raw = analyze(&[log("lightning_lr_find_raw.csv").to_str().unwrap()]);
    let file = log("lightning_lr_find.json");
    let read = analyze(&[file.to_str().unwrap()]);
    let ratio = (suggested(&read) / suggested(&raw)).log10().abs();
    assert!(
        ratio < 0.1,
        "{} vs raw {}",
        suggested(&read),
        suggested(&raw)
    );
    let notes = read["notes"].to_string();
    assert!(notes.contains("Lightning"), "{notes}");
    // Given the factor, the count is still Lightning's.
    let given = analyze(&[file.to_str().unwrap(), "--smoothed-by", "0.98"]);
    assert_eq!(suggested(&given), suggested(&read));
}

/// A NaN followed by finite losses is a step the recorder skipped, not a blow-up: the 3 skipped
/// steps of the Lightning run are left out and the 88 others read (the reader used to stop at
/// the first NaN, at step 16, and call it the divergence).
#[test]
fn a_nan_between_finite_losses_is_a_skipped_step() {
    let r = analyze(&[log("lightning_lr_find_raw.csv").to_str().unwrap()]);
    assert_eq!(r["curve"].as_array().unwrap().len(), 88);
    assert_ne!(
        r["stop_reason"]["kind"], "non_finite",
        "{}",
        r["stop_reason"]
    );
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("3 losses are NaN between finite ones"),
        "{notes}"
    );
}

/// A curve much smoother than a raw loss (torch-lr-finder's history) read without options: the
/// notes say so and which factor to give.
#[test]
fn a_smoothed_curve_says_which_factor_to_give() {
    let r = analyze(&[log("torch_lr_finder.json").to_str().unwrap()]);
    let notes = r["notes"].to_string();
    assert!(
        notes.contains("looks smoothed") && notes.contains("0.05"),
        "{notes}"
    );
    let raw = analyze(&[log("raw.tsv").to_str().unwrap()]);
    assert!(
        raw.get("notes")
            .is_none_or(|n| !n.to_string().contains("smoothed")),
        "{raw}"
    );
}

#[test]
fn several_files_overlay_on_one_plot_with_a_group_each() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("both.png");
    let out = lrfind()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("analyze")
        .args([log("raw.tsv"), log("torch_lr_finder.json")])
        .arg("--plot")
        .arg(&plot)
        .args(["--json", "-"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let r: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let groups = r["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 2);
    assert_eq!(groups[0]["label"], "raw.tsv");
    assert_eq!(groups[1]["label"], "torch_lr_finder.json");
    assert_eq!(r["sources"].as_array().unwrap().len(), 2);
    assert!(r.get("data").is_none() && r.get("model").is_none());
    assert_eq!(png_size(&plot), (1200, 800));
}

#[test]
fn the_summary_says_what_was_read() {
    let out = lrfind()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("analyze")
        .arg(log("lightning_metrics.csv"))
        .arg("--no-plot")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn the_summary_of_several_files_has_a_table() {
    let out = lrfind()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("analyze")
        .args([log("raw.tsv"), log("lightning_results.json")])
        .arg("--no-plot")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    insta::assert_snapshot!(String::from_utf8(out).unwrap());
}

#[test]
fn standard_input_and_the_csv_export() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("curve.csv");
    lrfind()
        .arg("analyze")
        .arg("-")
        .pipe_stdin(Path::new(env!("CARGO_MANIFEST_DIR")).join(log("steps.jsonl")))
        .unwrap()
        .args(["--no-plot", "--csv"])
        .arg(&csv)
        .assert()
        .success()
        .stdout(contains("<stdin>"));
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(text.starts_with("group,run,seed,curve,step,lr,loss,smoothed_loss\n"));
    assert!(text.lines().count() > 50);
}

#[test]
fn fuzzer_finds_read_without_a_crash() {
    // fuzz_near_equal_lrs.tsv: LRs that differ in the 16th digit once aborted on a 180 TB
    // allocation (the divergence window followed the points per decade).
    let file = "fuzz_near_equal_lrs.tsv";
    let out = lrfind()
        .arg("analyze")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(log(file)))
        .args(["--no-plot", "--smoothing", "0.05"])
        .output()
        .unwrap();
    let code = out.status.code();
    assert!(
        matches!(code, Some(0..=2)),
        "{file}: {code:?} {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn malformed_logs_say_where_and_what_with_exit_2() {
    for (file, message) in [
        (
            "bad_decreasing_lr.csv",
            "line 4, column 'lr': the LR falls from",
        ),
        (
            "bad_negative_lr.csv",
            "line 3, column 'lr': -0.0001 is not a learning rate",
        ),
        (
            "bad_nan_first.json",
            "column 'loss' (element 0): the first loss is not a number",
        ),
        ("bad_single_point.csv", "only 1 point(s)"),
        (
            "bad_no_lr_column.csv",
            "no learning-rate column found among: step, loss; name it with --lr-column",
        ),
        (
            "bad_text_loss.csv",
            "line 3, column 'loss': 'diverged' is not a loss",
        ),
        ("bad_malformed.json", "line 2: malformed JSON"),
        ("bad_ragged.csv", "line 3: this row has 1 fields"),
        ("bad_empty.csv", "the file is empty"),
        (
            "bad_not_a_range_test.jsonl",
            "is this a training log rather than a range test?",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        lrfind()
            .current_dir(dir.path())
            .arg("analyze")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(log(file)))
            .assert()
            .code(2)
            .stderr(contains(message));
        // Nothing is written.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{file}");
    }
    lrfind()
        .arg("analyze")
        .arg(log("raw.tsv"))
        .args(["--smoothed-by", "1.5"])
        .assert()
        .code(2)
        .stderr(contains("--smoothed-by"));
    lrfind()
        .arg("analyze")
        .arg(log("raw.tsv"))
        .args(["--lr-column", "nope"])
        .assert()
        .code(2)
        .stderr(contains("no column 'nope'"));
}
