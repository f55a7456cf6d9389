//! Every output flag of every command, read back and checked: the PNG is a picture of the right
//! size, the JSON parses and holds what the summary printed, the CSV holds every run's curve, `-`
//! puts exactly one output on standard output, and the exit code says whether an LR came out.

mod common;

use common::{data, lrfind, png_size};
use predicates::str::contains;

fn read_csv(path: &std::path::Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let header = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|rec| rec.unwrap().iter().map(String::from).collect())
        .collect();
    (header, rows)
}

#[test]
fn find_writes_plot_json_and_csv_of_every_run() {
    let dir = tempfile::tempdir().unwrap();
    let (plot, json, csv) = (
        dir.path().join("p.png"),
        dir.path().join("r.json"),
        dir.path().join("c.csv"),
    );
    lrfind()
        .arg(data("wine.csv"))
        .args(["--runs", "2", "--val-split", "0.2", "--plot"])
        .arg(&plot)
        .arg("--json")
        .arg(&json)
        .arg("--csv")
        .arg(&csv)
        .assert()
        .success()
        .stdout(contains("suggested LR"));
    assert_eq!(png_size(&plot), (1200, 800));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["runs"].as_array().unwrap().len(), 2);
    let (header, rows) = read_csv(&csv);
    assert_eq!(
        header,
        [
            "group",
            "run",
            "seed",
            "curve",
            "step",
            "lr",
            "loss",
            "smoothed_loss"
        ]
    );
    // Both runs, both curves, and the first run's training rows are the JSON's curve.
    for (run, seed) in [("0", "0"), ("1", "1")] {
        assert!(rows
            .iter()
            .any(|r| r[1] == run && r[2] == seed && r[3] == "train"));
        assert!(rows.iter().any(|r| r[1] == run && r[3] == "val"));
    }
    let first_train: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[1] == "0" && r[3] == "train")
        .collect();
    assert_eq!(first_train.len(), report["curve"].as_array().unwrap().len());
    let loss0: f64 = first_train[0][6].parse().unwrap();
    assert_eq!(loss0, report["curve"][0]["loss"].as_f64().unwrap());
}

#[test]
fn sweep_writes_plot_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (plot, json, csv) = (
        dir.path().join("s.png"),
        dir.path().join("s.json"),
        dir.path().join("s.csv"),
    );
    lrfind()
        .arg("sweep")
        .arg(data("iris.csv"))
        .args(["--lrs", "0.001,0.01", "--seeds", "2", "--epochs", "1"])
        .args(["--min-steps", "20", "--plot"])
        .arg(&plot)
        .arg("--json")
        .arg(&json)
        .arg("--csv")
        .arg(&csv)
        .assert()
        .success()
        .stdout(contains("best LR"));
    assert_eq!(png_size(&plot), (1200, 800));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(report["best_lr"].is_number());
    let (header, rows) = read_csv(&csv);
    assert_eq!(
        header,
        [
            "lr",
            "seed",
            "initial_loss",
            "best_loss",
            "diverged",
            "steps"
        ]
    );
    // One row per (LR, seed) run.
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0][0].parse::<f64>().unwrap(), 0.001);
    assert_eq!(rows[1][1], "1");
}

#[test]
fn csv_to_stdout_is_the_only_thing_on_stdout() {
    for command in [vec![], vec!["sweep"]] {
        let mut args: Vec<&str> = command.clone();
        let iris = data("iris.csv");
        args.push(iris.to_str().unwrap());
        if !command.is_empty() {
            args.extend([
                "--lrs",
                "0.01",
                "--seeds",
                "1",
                "--epochs",
                "1",
                "--min-steps",
                "5",
            ]);
        }
        let out = lrfind()
            .args(&args)
            .args(["--no-plot", "--csv", "-"])
            .assert()
            .success()
            .get_output()
            .clone();
        let text = String::from_utf8(out.stdout).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        assert!(r.records().count() >= 1, "{command:?}");
        assert!(String::from_utf8(out.stderr).unwrap().contains("lrfind"));
    }
}

#[test]
fn sweep_where_every_lr_diverges_gives_no_best_lr_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("s.json");
    lrfind()
        .arg("sweep")
        .arg(data("iris.csv"))
        .args(["--lrs", "100,1000", "--seeds", "1", "--epochs", "1"])
        .args(["--min-steps", "20", "--no-plot", "--json"])
        .arg(&json)
        .assert()
        .code(1)
        .stdout(contains("no best LR"));
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(report["best_lr"].is_null());
    lrfind()
        .arg("sweep")
        .arg(data("iris.csv"))
        .args(["--lrs", "100,1000", "--seeds", "1", "--epochs", "1"])
        .args(["--min-steps", "20", "--no-plot", "-q"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("no LR"));
}

#[test]
fn quiet_prints_the_lr_in_one_fixed_format_for_both_commands() {
    let find = lrfind()
        .arg(data("iris.csv"))
        .args(["-q", "--no-plot"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let sweep = lrfind()
        .args(["sweep"])
        .arg(data("iris.csv"))
        .args([
            "--lrs",
            "0.01",
            "--seeds",
            "1",
            "--epochs",
            "1",
            "--min-steps",
            "5",
        ])
        .args(["-q", "--no-plot"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let shape = regex_lite(&String::from_utf8(find).unwrap());
    assert_eq!(shape, regex_lite(&String::from_utf8(sweep).unwrap()));
    assert_eq!(shape, "d.dddde-d\n");
}

/// The shape of a printed number: digits as `d`, everything else as itself.
fn regex_lite(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_digit() { 'd' } else { c })
        .collect()
}

#[test]
fn outputs_are_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let same = dir.path().join("same.out");
    // Two outputs on one path.
    lrfind()
        .arg(data("iris.csv"))
        .arg("--plot")
        .arg(&same)
        .arg("--json")
        .arg(&same)
        .assert()
        .code(2)
        .stderr(contains("--json"))
        .stderr(contains("--plot"));
    // A folder that does not exist.
    lrfind()
        .arg(data("iris.csv"))
        .args(["--plot", "/nonexistent/x.png", "--json"])
        .arg(dir.path().join("r.json"))
        .assert()
        .code(2)
        .stderr(contains("--plot"))
        .stderr(contains("does not exist"));
    // Two outputs on standard output.
    lrfind()
        .arg(data("iris.csv"))
        .args(["--json", "-", "--csv", "-", "--no-plot"])
        .assert()
        .code(2)
        .stderr(contains("--csv"));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// A file name longer than the file system takes is refused before any work, naming the output
/// and never a temporary file.
#[cfg(unix)]
#[test]
fn a_name_too_long_is_refused_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join(format!("{}.json", "a".repeat(300)));
    let out = lrfind()
        .arg(data("iris.csv"))
        .args(["--runs", "1", "--no-verify", "--no-plot", "--json"])
        .arg(&long)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.starts_with("lrfind: error: invalid --json"),
        "{stderr}"
    );
    assert!(stderr.contains("aaaa.json"), "{stderr}");
    assert!(!stderr.contains(".lrfind-"), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// An output that fails after training (here a full device, as /dev/full is, made in the test's
/// folder with mknod: only root can, and CI runs as root) costs neither the other outputs nor
/// the summary; the exit code is 2, the message names the output, and the device is still a
/// device.
#[cfg(unix)]
#[test]
fn an_output_failing_after_training_keeps_the_others_and_the_summary() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let full = dir.path().join("full");
    let made = std::process::Command::new("mknod")
        .arg(&full)
        .args(["c", "1", "7"])
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("skipped: mknod needs root (CI runs as root)");
        return;
    }
    let (csv, plot) = (dir.path().join("c.csv"), dir.path().join("p.png"));
    let out = lrfind()
        .arg(data("iris.csv"))
        .args(["--runs", "1", "--no-verify", "--json"])
        .arg(&full)
        .arg("--csv")
        .arg(&csv)
        .arg("--plot")
        .arg(&plot)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    );
    assert!(stdout.contains("suggested LR"), "{stdout}");
    assert!(
        stderr.starts_with(&format!("lrfind: error: cannot write {}", full.display())),
        "{stderr}"
    );
    assert!(!stderr.contains(".lrfind-"), "{stderr}");
    assert!(std::fs::metadata(&csv).unwrap().len() > 100);
    assert_eq!(png_size(&plot), (1200, 800));
    assert!(std::fs::symlink_metadata(&full)
        .unwrap()
        .file_type()
        .is_char_device());
    // Nothing half-written is left behind.
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

/// A folder that takes no file is refused before any work, and the message does not show the
/// temporary file the check tried to write.
#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_folder_is_refused_without_naming_a_temporary_file() {
    for folder in ["/proc", "/sys"] {
        let out = lrfind()
            .arg(data("iris.csv"))
            .args(["--no-plot", "--json", &format!("{folder}/r.json")])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(
            stderr.contains(&format!("invalid --json: cannot write in {folder}")),
            "{stderr}"
        );
        assert!(!stderr.contains(".lrfind"), "{stderr}");
    }
}
