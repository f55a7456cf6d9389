//! The disciplined approach end to end: lists of weight decays, momenta and batch sizes give one
//! group per configuration in the JSON, the CSV and the table, a recommendation with how it was
//! chosen, and bad lists exit 2 naming the flag and the value.

mod common;

use common::{data, json_report, lrfind, png_size};
use predicates::str::contains;

fn json(args: &[&str]) -> serde_json::Value {
    json_report(lrfind().arg(data("iris.csv")).args(args))
}

#[test]
fn a_weight_decay_list_gives_a_group_each_and_a_recommendation() {
    let r = json(&["--weight-decay", "0,1e-4,1e-3", "--runs", "1"]);
    let groups = r["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 3);
    let decays: Vec<f64> = groups
        .iter()
        .map(|g| g["knobs"]["weight_decay"].as_f64().unwrap())
        .collect();
    assert_eq!(decays, [0.0, 1e-4, 1e-3]);
    for g in groups {
        assert!(g["suggested_lr"].is_number(), "{g}");
        assert!(g["curve"].as_array().unwrap().len() > 10);
        assert!(g["lowest_loss"].is_number() && g["stable_decades"].is_number());
    }
    let rec = &r["recommended"];
    assert_eq!(rec["chosen_by"], "race");
    let label = rec["label"].as_str().unwrap();
    let chosen = groups.iter().find(|g| g["label"] == label).unwrap();
    assert_eq!(rec["lr"], chosen["suggested_lr"]);
    assert_eq!(r["suggested_lr"], chosen["suggested_lr"]);
    assert!(rec["val_loss"].is_number());
    assert!(rec["runner_up"]["label"].is_string());
    assert_ne!(rec["runner_up"]["label"], rec["label"]);
}

#[test]
fn without_the_race_smith_decides_and_the_table_says_so() {
    let out = lrfind()
        .arg(data("iris.csv"))
        .args([
            "--momentum",
            "0.85,0.95",
            "--runs",
            "1",
            "--no-verify",
            "--no-plot",
        ])
        .assert()
        .success()
        .stdout(contains("momentum=0.85"))
        .stdout(contains("momentum=0.95"))
        .stdout(contains("chosen by Smith's reading"))
        .stdout(contains("momentum is adam's beta1"))
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.contains("configuration") && text.contains("stable"),
        "{text}"
    );
}

#[test]
fn batch_sizes_are_compared_at_equal_examples_unless_told_otherwise() {
    let steps = |r: &serde_json::Value| -> Vec<u64> {
        r["groups"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["planned_steps"].as_u64().unwrap())
            .collect()
    };
    let r = json(&["--batch-size", "16,32", "--runs", "1", "--no-verify"]);
    let s = steps(&r);
    assert_eq!(s[0], 2 * s[1], "{s:?}");
    assert_eq!(r["equal"], "examples");
    let r = json(&[
        "--batch-size",
        "16,32",
        "--runs",
        "1",
        "--no-verify",
        "--equal",
        "steps",
    ]);
    let s = steps(&r);
    assert_eq!(s[0], s[1]);
}

#[test]
fn the_csv_has_a_column_per_knob_and_the_plot_every_configuration() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, plot) = (dir.path().join("c.csv"), dir.path().join("p.png"));
    lrfind()
        .arg(data("iris.csv"))
        .args([
            "--weight-decay",
            "0,1e-3",
            "--batch-size",
            "32,64",
            "--runs",
            "1",
            "--no-verify",
        ])
        .arg("--csv")
        .arg(&csv)
        .arg("--plot")
        .arg(&plot)
        .assert()
        .success();
    let mut r = csv::Reader::from_path(&csv).unwrap();
    let header: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(&header[..3], ["group", "weight_decay", "batch_size"]);
    let configs: std::collections::BTreeSet<(String, String)> = r
        .records()
        .map(|rec| {
            let rec = rec.unwrap();
            (rec[1].to_string(), rec[2].to_string())
        })
        .collect();
    assert_eq!(configs.len(), 4);
    assert_eq!(png_size(&plot), (1200, 800));
}

#[test]
fn one_value_behaves_as_before() {
    let r = json(&["--weight-decay", "1e-4", "--runs", "1"]);
    assert!(r.get("groups").is_none() && r.get("recommended").is_none());
    assert_eq!(r["config"]["optimizer"]["weight_decay"], 1e-4);
}

#[test]
fn a_table_smaller_than_the_batch_runs_a_list_with_the_batch_capped() {
    // 30 rows: the default batch of 64 is capped to the rows, as in a single test.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.csv");
    let mut csv = String::from("x,y,label\n");
    for i in 0..30 {
        let (x, y) = (
            ((i * 37) % 101) as f64 / 50.0 - 1.0,
            ((i * 59) % 103) as f64 / 51.0,
        );
        csv += &format!("{x},{y},{}\n", if x > 0.0 { "a" } else { "b" });
    }
    std::fs::write(&path, csv).unwrap();
    let r = json_report(
        lrfind()
            .arg(&path)
            .args(["--weight-decay", "0,1e-3", "--runs", "1"]),
    );
    assert_eq!(r["groups"].as_array().unwrap().len(), 2);
    assert!(r["recommended"]["lr"].is_number(), "{}", r["recommended"]);
    let notes = r["data"]["notes"].to_string();
    assert!(notes.contains("batch"), "{notes}");
}

#[test]
fn bad_lists_name_the_flag_and_the_value() {
    for (args, flag, value) in [
        (vec!["--weight-decay", "0,x"], "--weight-decay", "x"),
        (
            vec!["--weight-decay", "0,-1e-4"],
            "--weight-decay",
            "-0.0001",
        ),
        (vec!["--momentum", "0.9,1"], "--momentum", "1"),
        (vec!["--batch-size", "32,0"], "--batch-size", "0"),
        (vec!["--batch-size", "32,5000"], "--batch-size", "5000"),
        (
            vec![
                "--weight-decay",
                "0,1,2,3,4,5,6",
                "--momentum",
                "0.1,0.2,0.3,0.4,0.5,0.6",
            ],
            "--weight-decay",
            "42 configurations",
        ),
    ] {
        lrfind()
            .arg(data("iris.csv"))
            .args(&args)
            .arg("--no-plot")
            .assert()
            .code(2)
            .stderr(contains(flag))
            .stderr(contains(value));
    }
    lrfind()
        .arg(data("iris.csv"))
        .args([
            "--optimizer",
            "rmsprop",
            "--momentum",
            "0.5,0.9",
            "--no-plot",
        ])
        .assert()
        .code(2)
        .stderr(contains("rmsprop has no momentum"));
    lrfind()
        .args(["sweep"])
        .arg(data("iris.csv"))
        .args(["--weight-decay", "0,1e-4", "--no-plot"])
        .assert()
        .code(2)
        .stderr(contains("lists of values are for lrfind find"));
}
