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
