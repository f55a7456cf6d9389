//! `--model tabular` from the command line: the range test and its JSON, the same suggestion
//! through `lrfind drive` and `lrfind worker`, the disciplined lists, the schedule race, and the
//! settings that are refused.

use std::process::Command;

use serde_json::Value;

fn lrfind() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lrfind"))
}

fn data(name: &str) -> String {
    format!("{}/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> String {
    let out = lrfind().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

const QUICK: [&str; 6] = ["--no-verify", "--runs", "1", "--steps", "30", "--no-plot"];

/// Penguins: two categories with missing cells and four numbers with missing cells give six
/// embeddings (island, sex, and the four `_na` flags) and five continuous inputs; the optimizer
/// is fastai's Adam.
#[test]
fn find_trains_fastais_model_with_fastais_optimizer() {
    let penguins = data("penguins.csv");
    let mut args = vec![
        penguins.as_str(),
        "--target",
        "species",
        "--model",
        "tabular",
    ];
    args.extend(QUICK);
    args.extend(["--json", "-"]);
    let report: Value = serde_json::from_str(&run(&args)).unwrap();
    assert_eq!(
        report["model"],
        "23-200-100-3 (embeddings 4x3 3x3 3x3 3x3 3x3 3x3, 5 continuous)"
    );
    let config = &report["config"];
    assert_eq!(config["model"]["kind"], "tabular");
    assert_eq!(config["model"]["hidden"], serde_json::json!([200, 100]));
    let optimizer = &config["optimizer"];
    assert_eq!(optimizer["kind"], "adamw");
    assert_eq!(optimizer["beta2"], 0.99);
    assert_eq!(optimizer["eps"], 1e-5);
    assert_eq!(optimizer["weight_decay"], 0.01);
    assert!(report["suggested_lr"].as_f64().unwrap() > 0.0);
}

/// `lrfind worker CSV --model tabular` under `lrfind drive` suggests what `lrfind CSV --model
/// tabular` does, and not what the MLP does.
#[test]
fn the_worker_serves_the_tabular_model() {
    let penguins = data("penguins.csv");
    let mut find = vec![penguins.as_str(), "--target", "species", "-q"];
    find.extend(QUICK);
    let mlp = run(&find);
    find.extend(["--model", "tabular"]);
    let own = run(&find);
    let bin = env!("CARGO_BIN_EXE_lrfind");
    let mut drive = vec!["drive", "-q"];
    drive.extend(QUICK);
    drive.extend([
        "--",
        bin,
        "worker",
        penguins.as_str(),
        "--target",
        "species",
        "--model",
        "tabular",
    ]);
    assert_eq!(run(&drive), own);
    assert_ne!(own, mlp);
}

/// The disciplined lists and the schedule race train the tabular model too.
#[test]
fn lists_and_schedules_train_it() {
    let iris = data("iris.csv");
    let mut grid = vec![
        iris.as_str(),
        "--model",
        "tabular",
        "--weight-decay",
        "0,0.1",
    ];
    grid.extend(QUICK);
    grid.extend(["--json", "-"]);
    let report: Value = serde_json::from_str(&run(&grid)).unwrap();
    let text = report.to_string();
    assert!(text.contains("200-100-3"), "{text}");
    let race = run(&[
        "schedule",
        &iris,
        "--model",
        "tabular",
        "--race",
        "onecycle",
        "--steps",
        "40",
        "--seeds",
        "1",
        "--no-plot",
        "--json",
        "-",
    ]);
    let report: Value = serde_json::from_str(&race).unwrap();
    assert!(report.to_string().contains("4-200-100-3"), "{report}");
}

/// Dropout and the output range are checked, and are the tabular model's settings only.
#[test]
fn bad_settings_are_refused() {
    let iris = data("iris.csv");
    let diabetes = data("diabetes.csv");
    for (args, said) in [
        (
            vec![iris.as_str(), "--model", "tabular", "--dropout", "1.5"],
            "--dropout",
        ),
        (
            vec![
                iris.as_str(),
                "--model",
                "tabular",
                "--dropout",
                "0.1,0.2,0.3",
            ],
            "one for each of the 2 layers",
        ),
        (vec![iris.as_str(), "--dropout", "0.2"], "--model tabular"),
        (
            vec![iris.as_str(), "--model", "tabular", "--y-range", "0,3"],
            "regression",
        ),
        (
            vec![diabetes.as_str(), "--model", "tabular", "--y-range", "5,1"],
            "LOW < HIGH",
        ),
    ] {
        let out = lrfind().args(&args).arg("--no-plot").output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(said), "{args:?}: {stderr}");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
    }
    // A range the label fits in trains (exit 3 is a weak suggestion, still a suggestion).
    let mut ok = vec![
        diabetes.as_str(),
        "--model",
        "tabular",
        "--y-range",
        "0,400",
    ];
    ok.extend(QUICK);
    ok.extend(["--json", "-"]);
    let out = lrfind().args(&ok).output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 3)), "{out:?}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["config"]["model"]["y_range"],
        serde_json::json!([0.0, 400.0])
    );
}
