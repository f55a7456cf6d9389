//! End-to-end tests of the trust features: repeated runs, the validation curve, verification,
//! diagnostics and `lrfind sweep`.

mod common;

use common::{data, json_report, lowest_mean_loss, lrfind, png_size};
use predicates::str::contains;

fn json(args: &[&str]) -> serde_json::Value {
    json_report(lrfind().args(args))
}

#[test]
fn parallel_runs_match_serial_runs_and_report_the_median() {
    let iris = data("iris.csv");
    let iris = iris.to_str().unwrap();
    let all = json(&[iris, "--runs", "3", "--seed", "5", "--no-verify"]);
    let runs = all["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    let mut picks = Vec::new();
    for (i, run) in runs.iter().enumerate() {
        let seed = (5 + i).to_string();
        let single = json(&[iris, "--runs", "1", "--seed", &seed, "--no-verify"]);
        assert_eq!(run["seed"], 5 + i as u64);
        assert_eq!(run["suggested_lr"], single["suggested_lr"], "seed {seed}");
        picks.push(single["suggested_lr"].as_f64().unwrap());
    }
    picks.sort_by(f64::total_cmp);
    let median = all["suggested_lr"].as_f64().unwrap();
    assert!(
        (median / picks[1] - 1.0).abs() < 1e-12,
        "{median} vs {picks:?}"
    );
    let spread = all["spread_decades"].as_f64().unwrap();
    assert!((spread - (picks[2] / picks[0]).log10()).abs() < 1e-9);
    assert_eq!(all["unstable"], spread > 0.5);
}

#[test]
fn validation_curve_and_signal() {
    let wine = data("wine.csv");
    let wine = wine.to_str().unwrap();
    let r = json(&[
        wine,
        "--val-split",
        "0.25",
        "--signal",
        "val",
        "--runs",
        "1",
    ]);
    let val = r["val_curve"].as_array().unwrap();
    assert!(val.len() >= 10, "{}", val.len());
    assert_eq!(r["config"]["signal"], "val");
    assert!(r["suggested_lr"].is_number());
    // Without a split there is no validation curve, and --signal val is refused.
    let r = json(&[wine, "--runs", "1"]);
    assert!(r["val_curve"].as_array().unwrap().is_empty());
    lrfind()
        .args([wine, "--signal", "val"])
        .assert()
        .code(2)
        .stderr(contains("--val-split"));
}

#[test]
fn the_race_decides_the_suggestion() {
    let iris = data("iris.csv");
    let r = json(&[iris.to_str().unwrap(), "--verify-steps", "200"]);
    let race = &r["race"];
    let entries = race["entries"].as_array().unwrap();
    assert!(entries.len() >= 4, "{entries:?}");
    // The candidates are on the grid 10^(k/4), below the divergence.
    for e in entries {
        let k = 4.0 * e["lr"].as_f64().unwrap().log10();
        assert!((k - k.round()).abs() < 1e-9, "{e}");
    }
    // The survivor trained longest; the suggestion is halfway (in log LR) between the refined
    // best of the first round and of the last.
    assert_eq!(entries[0]["steps"], 200);
    assert_eq!(entries[0]["lr"], race["winner"]);
    let (short, long) = (
        race["short_lr"].as_f64().unwrap(),
        race["long_lr"].as_f64().unwrap(),
    );
    let suggested = r["suggested_lr"].as_f64().unwrap();
    assert!((suggested / (short * long).sqrt() - 1.0).abs() < 1e-12);
    assert_eq!(r["suggested_by"], "race");
    // Without the race the rule's pick (median over runs) is the suggestion.
    let plain = json(&[iris.to_str().unwrap(), "--no-verify"]);
    assert_eq!(plain["suggested_lr"], plain["suggestions"]["valley"]);
    assert!(plain.get("race").is_none());
}

#[test]
fn diagnostics_say_what_went_wrong() {
    let iris = data("iris.csv");
    let iris = iris.to_str().unwrap();
    let codes = |r: &serde_json::Value| -> Vec<String> {
        r["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    let r = json(&[iris, "--end-lr", "1e-2", "--runs", "1"]);
    assert!(codes(&r).contains(&"never_diverged".to_string()), "{r:?}");

    // An LR range far too low to learn anything: flat, no suggestion, exit code 1.
    let out = lrfind()
        .args([
            iris,
            "--start-lr",
            "1e-8",
            "--end-lr",
            "1e-6",
            "--runs",
            "1",
        ])
        .args(["--no-plot", "--json", "-"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let r: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(codes(&r), ["never_diverged", "flat_curve"]);
    assert!(r["suggested_lr"].is_null());
    assert!(r["no_suggestion"]
        .as_str()
        .unwrap()
        .contains("raise --end-lr"));
}

#[test]
fn sweep_reports_every_lr_and_the_best() {
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("sweep.png");
    let json = dir.path().join("sweep.json");
    lrfind()
        .arg("sweep")
        .arg(data("iris.csv"))
        .args([
            "--lrs",
            "0.001,0.01,0.1",
            "--seeds",
            "2",
            "--epochs",
            "2",
            "--min-steps",
            "50",
        ])
        .arg("--plot")
        .arg(&plot)
        .arg("--json")
        .arg(&json)
        .assert()
        .success()
        .stdout(contains("best LR"));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let points = r["result"]["points"].as_array().unwrap();
    assert_eq!(points.len(), 3);
    assert_eq!(points[0]["runs"].as_array().unwrap().len(), 2);
    assert_eq!(r["best_lr"], lowest_mean_loss(points)["lr"]);
    assert_eq!(png_size(&plot), (1200, 800));
}

#[test]
fn sweep_rejects_bad_options() {
    lrfind()
        .args(["sweep"])
        .arg(data("iris.csv"))
        .args(["--seeds", "0"])
        .assert()
        .code(2)
        .stderr(contains("--seeds"));
    lrfind()
        .args(["sweep"])
        .arg(data("iris.csv"))
        .args(["--lrs", "-1"])
        .assert()
        .code(2);
}

/// The codes of a report's diagnostics.
fn codes(r: &serde_json::Value) -> Vec<String> {
    r["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect()
}

/// Runs lrfind with `args` and a short race (one range test, one seed, 100 steps), and gives
/// the exit code and the JSON report.
fn short_race(args: &[&str]) -> (i32, serde_json::Value) {
    race_of(args, 100)
}

/// [`short_race`] with a race of `steps` steps.
fn race_of(args: &[&str], steps: usize) -> (i32, serde_json::Value) {
    let out = lrfind()
        .args(args)
        .args(["--runs", "1", "--verify-seeds", "1", "--verify-steps"])
        .arg(steps.to_string())
        .args(["--no-plot", "--json", "-"])
        .output()
        .unwrap();
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), report)
}

#[test]
fn a_year_taken_for_the_label_by_default_is_doubted() {
    let penguins = data("penguins.csv");
    let penguins = penguins.to_str().unwrap();
    let (code, r) = short_race(&[penguins]);
    assert_eq!(r["data"]["target"], "year");
    assert!(r["suggested_lr"].is_number(), "{}", r["no_suggestion"]);
    assert!(
        codes(&r).contains(&"label_like_year".into()),
        "{:?}",
        codes(&r)
    );
    assert_eq!(code, 3);
}

/// A table of `cols` uniform features and a random 0/1 label on `rows` rows, from a fixed seed.
fn random_labels(path: &std::path::Path, rows: usize, cols: usize, seed: u64) {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut text: String = (0..cols).map(|c| format!("x{c},")).collect();
    text.push_str("y\n");
    for _ in 0..rows {
        for _ in 0..cols {
            text.push_str(&format!(
                "{:.3},",
                (next() >> 11) as f64 / (1u64 << 53) as f64
            ));
        }
        text.push_str(&format!("{}\n", next() >> 63));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn random_labels_on_a_wide_table_are_a_weak_answer() {
    // 20,000 columns and 50 rows: the range test's training loss falls to 0 (the model learns
    // the rows by heart), but the race's validation loss barely moves from the untrained one
    // (0.6961 against 0.7030; predicting the class shares, 30/20, loses 0.6730).
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("random.csv");
    random_labels(&path, 50, 20_000, 3);
    let (code, r) = race_of(&[path.to_str().unwrap()], 50);
    let race = &r["race"];
    let best = race["entries"][0]["mean_loss"].as_f64().unwrap();
    let untrained = race["initial_loss"].as_f64().unwrap();
    assert!(best < untrained && best > 0.8 * untrained, "{race}");
    assert!(r["suggested_lr"].is_number(), "{race}");
    assert!(codes(&r).contains(&"weak_fit".into()), "{:?}", codes(&r));
    assert_eq!(code, 3);
}

#[test]
fn real_tables_are_not_doubted() {
    for name in ["iris.csv", "digits.csv"] {
        let table = data(name);
        let (code, r) = short_race(&[table.to_str().unwrap()]);
        // A warning that informs (a short race won at its highest LR) is no doubt.
        let doubts: Vec<String> = codes(&r)
            .into_iter()
            .filter(|c| c != "race_at_end")
            .collect();
        assert_eq!((code, doubts), (0, vec![]), "{name}: {}", r["race"]);
        let out = lrfind()
            .arg(&table)
            .args(["--runs", "1", "--no-verify", "--no-plot", "--json", "-"])
            .output()
            .unwrap();
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(!codes(&r).contains(&"weak_fit".into()), "{name}");
        assert_eq!(out.status.code(), Some(0), "{name}: {:?}", codes(&r));
    }
}
