//! Ctrl-C during a long range test keeps the curve so far: the outputs are written for the steps
//! recorded, the curve's stop says `interrupted`, the exit code is 130; a second Ctrl-C exits at
//! once. Driven through the real binary with SIGINT (Unix only).
#![cfg(unix)]

use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A table large enough that a range test of many steps runs for minutes.
fn large_csv(dir: &Path) -> PathBuf {
    let path = dir.join("large.csv");
    let mut s = String::from("a,b,c,d,e,f,y\n");
    for i in 0..20_000u64 {
        let v: Vec<f64> = (0..6)
            .map(|k| ((i * (7 + 2 * k) + k * k) % 101) as f64 / 50.0 - 1.0)
            .collect();
        let y = if v[0] + v[1] - v[2] > 0.0 {
            "up"
        } else {
            "down"
        };
        s += &format!(
            "{},{},{},{},{},{},{y}\n",
            v[0], v[1], v[2], v[3], v[4], v[5]
        );
    }
    std::fs::write(&path, s).unwrap();
    path
}

fn sigint(child: &Child) {
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Reads `from` until a line that starts with `  label` (the table is described, training
/// starts), keeping what was read.
fn until_the_label(from: &mut impl BufRead) -> String {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            from.read_line(&mut line).unwrap() > 0,
            "ended early: {seen}"
        );
        seen.push_str(&line);
        if line.starts_with("  label") {
            return seen;
        }
    }
}

#[test]
fn ctrl_c_writes_the_curve_so_far_and_exits_130() {
    let dir = tempfile::tempdir().unwrap();
    let csv = large_csv(dir.path());
    let (json, plot) = (dir.path().join("r.json"), dir.path().join("p.png"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_lrfind"))
        .arg(&csv)
        .args(["--steps", "100000", "--json"])
        .arg(&json)
        .arg("--plot")
        .arg(&plot)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut summary = until_the_label(&mut out);
    std::thread::sleep(Duration::from_millis(300));
    sigint(&child);
    out.read_to_string(&mut summary).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{summary}\n{err}");
    assert!(summary.contains("interrupted (Ctrl-C) at LR"), "{summary}");
    assert!(err.contains("interrupted"), "{err}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(
        report["stop_reason"]["kind"], "interrupted",
        "{}",
        report["stop_reason"]
    );
    let steps = report["curve"].as_array().unwrap().len();
    assert!((1..100_000).contains(&steps), "{steps}");
    for run in report["runs"].as_array().unwrap() {
        assert_eq!(run["stop_reason"]["kind"], "interrupted");
    }
    assert!(std::fs::metadata(&plot).unwrap().len() > 1000);
    // No temporary file is left behind.
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".lrfind"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// While the outputs are being written after a first Ctrl-C (here the JSON to a pipe nobody
/// reads), a second one ends the process at once.
#[test]
fn a_second_ctrl_c_exits_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let csv = large_csv(dir.path());
    let mut child = Command::new(env!("CARGO_BIN_EXE_lrfind"))
        .arg(&csv)
        .args([
            "--steps",
            "100000",
            "--runs",
            "1",
            "--no-plot",
            "--json",
            "-",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    until_the_label(&mut err);
    // Enough steps that the JSON is larger than a pipe holds.
    std::thread::sleep(Duration::from_millis(500));
    sigint(&child);
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the first Ctrl-C should leave lrfind writing its outputs"
    );
    sigint(&child);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130));
    let mut json = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut json).unwrap();
    assert!(serde_json::from_slice::<serde_json::Value>(&json).is_err());
}

/// Runs `args` until the table is described, lets it train `wait`, sends Ctrl-C, and returns
/// the exit code and standard error.
fn interrupted(args: &[&str], wait: Duration) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lrfind"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut summary = until_the_label(&mut out);
    std::thread::sleep(wait);
    sigint(&child);
    out.read_to_string(&mut summary).unwrap();
    let status = child.wait().unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code(), format!("{summary}\n{err}"))
}

/// Ctrl-C during a sweep keeps the LRs whose every seed finished training: the outputs are
/// written for them, marked interrupted, the LRs left out are named, stderr says so, exit 130.
#[test]
fn ctrl_c_during_a_sweep_keeps_the_lrs_trained() {
    let dir = tempfile::tempdir().unwrap();
    let csv = large_csv(dir.path());
    let json = dir.path().join("s.json");
    let plot = dir.path().join("s.png");
    // Thousands of short runs: a second in, some have finished and most have not.
    let lrs: Vec<String> = (0..3000)
        .map(|i| format!("{:e}", 1e-4 * (1.0 + i as f64 / 3000.0)))
        .collect();
    let lrs = lrs.join(",");
    let (csv, json_s, plot_s) = (
        csv.to_str().unwrap(),
        json.to_str().unwrap(),
        plot.to_str().unwrap(),
    );
    let (code, said) = interrupted(
        &[
            "sweep",
            csv,
            "--lrs",
            &lrs,
            "--seeds",
            "1",
            "--epochs",
            "0",
            "--min-steps",
            "1000",
            "--hidden",
            "8",
            "--json",
            json_s,
            "--plot",
            plot_s,
        ],
        Duration::from_millis(1000),
    );
    assert_eq!(code, Some(130), "{said}");
    assert!(said.contains("lrfind: interrupted (Ctrl-C)"), "{said}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    let result = &report["result"];
    assert_eq!(result["interrupted"], true, "{result}");
    let trained = result["points"].as_array().unwrap().len();
    let left_out = result["unfinished_lrs"].as_array().unwrap().len();
    assert!(
        trained >= 1 && left_out >= 1,
        "{trained} trained, {left_out} left out"
    );
    assert_eq!(trained + left_out, 3000);
    for p in result["points"].as_array().unwrap() {
        assert_eq!(p["runs"].as_array().unwrap().len(), 1);
        assert_eq!(p["runs"][0]["steps"], 1000, "{p}");
    }
    assert!(said.contains(&format!("{trained} of 3000 LRs")), "{said}");
    assert!(std::fs::metadata(&plot).unwrap().len() > 1000);
}

/// Ctrl-C during a race of schedules keeps the kinds whose every run finished: the tables and
/// the race are written, the race marked interrupted with the kinds left out, exit 130. (Runs
/// of about a second each, one at a time: how many finish before the Ctrl-C depends on the
/// machine, none on a loaded one, so every count is checked for what it must be, none for a
/// number; `train::schedule_race`'s tests stop a race after a known number of runs.)
#[test]
fn ctrl_c_during_a_schedule_race_keeps_the_kinds_trained() {
    let dir = tempfile::tempdir().unwrap();
    let csv = large_csv(dir.path());
    let json = dir.path().join("r.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_lrfind"))
        .env("RAYON_NUM_THREADS", "1")
        .args(["schedule", "--race", "all"])
        .arg(&csv)
        .args([
            "--lr", "0.001", "--steps", "100000", "--seeds", "1", "--hidden", "8",
        ])
        .args(["--no-plot", "--json"])
        .arg(&json)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The race starts once the table is read; nothing is printed before it.
    std::thread::sleep(Duration::from_millis(2500));
    sigint(&child);
    let status = child.wait().unwrap();
    let mut said = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut said)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut said)
        .unwrap();
    assert_eq!(status.code(), Some(130), "{said}");
    assert!(said.contains("lrfind: interrupted (Ctrl-C)"), "{said}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    // Every kind's table is there, raced to its end or not.
    assert_eq!(report["schedules"].as_array().unwrap().len(), 13);
    let race = &report["race"];
    if race.is_null() {
        // No kind had finished: the notes say so.
        let notes = report["notes"].to_string();
        assert!(
            notes.contains("interrupted (Ctrl-C) before any kind"),
            "{notes}"
        );
        return;
    }
    assert_eq!(race["interrupted"], true, "{race}");
    let kept = race["entries"].as_array().unwrap();
    let left_out = race["unfinished"].as_array().unwrap();
    assert_eq!(kept.len() + left_out.len(), 13, "{race}");
    assert!(!left_out.is_empty());
    for e in kept {
        let run = &e["runs"][0];
        assert!(run["steps"] == 100000 || run["diverged"] == true, "{e}");
    }
    assert!(said.contains("kinds trained to the end"), "{said}");
}
