//! What a person sees in the terminal: the summary of many runs, what lrfind made of the table
//! before training, the plot and colours only on a terminal (and never with NO_COLOR or in a
//! pipe), and the same bytes as ever when stdout is not a terminal.

mod common;

use common::{data, lrfind};

/// The summary's line that starts with `label`.
fn line<'a>(text: &'a str, label: &str) -> &'a str {
    text.lines()
        .find(|l| l.trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label} line in\n{text}"))
}

/// Many runs are summarised by the quartiles of their picks, not listed.
#[test]
fn many_runs_are_summarised() {
    let out = lrfind()
        .arg(data("iris.csv"))
        .args(["--runs", "40", "--no-verify", "--no-plot"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let runs = line(&text, "runs");
    assert!(runs.contains("40 (seeds 0..39)"), "{runs}");
    assert!(runs.contains("quartiles"), "{runs}");
    assert!(runs.len() < 200, "{runs}");
    let lrs = runs.matches("e-").count();
    assert!(lrs <= 5, "{runs}");
    // A few runs are still listed one by one.
    let out = lrfind()
        .arg(data("iris.csv"))
        .args(["--runs", "3", "--no-verify", "--no-plot"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    let runs = line(&text, "runs");
    assert_eq!(
        runs.split(": ").nth(1).unwrap().split(", ").count(),
        3,
        "{runs}"
    );
}
