//! The Python client (clients/python) from `cargo test`: its own unit tests against a fake lrfind
//! (standard library only), and `lrfind drive` running workers written with it: a plain-Python
//! softmax regression on data/iris.csv through the range test and the race, a NaN loss, a
//! reported error. Only the machine's `python3` is needed; without it each test says it is
//! skipped and passes. Every child runs with a time limit, and none writes bytecode into the tree.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;
use std::time::Duration;

use assert_cmd::Command;
use common::{data, lrfind};

/// The longest any one command here may take.
const LIMIT: Duration = Duration::from_secs(120);

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn client() -> PathBuf {
    root().join("clients").join("python")
}

/// Whether `python3` runs here (3.8 or later, for the walrus loops); says so when it does not.
fn have_python(test: &str) -> bool {
    let ok = StdCommand::new("python3")
        .args(["-c", "import sys; assert sys.version_info >= (3, 8)"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("{test}: skipped, no python3 (3.8 or later) on this machine");
    }
    ok
}

/// `lrfind drive` with `args`, run from the repository's root, bytecode off.
fn drive(args: &[&str]) -> Command {
    let mut cmd = lrfind();
    cmd.current_dir(root())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("LRFIND_TOKEN")
        .timeout(LIMIT)
        .arg("drive")
        .args(args);
    cmd
}

/// A worker script given inline, with the client on its path.
fn inline_worker(body: &str) -> String {
    format!(
        "import sys; sys.path.insert(0, {:?})\nimport lrfind_client\n{body}",
        client().display().to_string()
    )
}

#[test]
fn the_clients_unit_tests_pass() {
    if !have_python("the_clients_unit_tests_pass") {
        return;
    }
    let out = Command::new("python3")
        .current_dir(root())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env_remove("LRFIND_CONNECT")
        .env_remove("WORLD_SIZE")
        .args(["-m", "unittest", "discover", "-s"])
        .arg(client().join("tests"))
        .timeout(LIMIT)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // unittest's summary: some tests ran, none failed.
    assert!(stderr.contains("\nOK"), "{stderr}");
    let ran: usize = stderr
        .split("Ran ")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!(ran >= 20, "only {ran} tests ran:\n{stderr}");
}

#[test]
fn drive_runs_a_plain_python_worker_through_the_range_test_and_the_race() {
    if !have_python("drive_runs_a_plain_python_worker") {
        return;
    }
    let example = client().join("examples").join("logistic_iris.py");
    let out = drive(&["--no-plot", "--json", "-", "--verify-steps", "200", "--"])
        .arg("python3")
        .arg(&example)
        .arg(data("iris.csv"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let suggested = report["suggested_lr"].as_f64().unwrap();
    assert!(suggested.is_finite() && suggested > 0.0, "{suggested}");
    // Three range tests, seeds 0..2, each a curve of finite losses from the worker.
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 3);
    for (k, run) in runs.iter().enumerate() {
        assert_eq!(run["seed"], k as u64);
    }
    let curve = report["curve"].as_array().unwrap();
    assert!(curve.len() >= 50, "{} steps", curve.len());
    assert!(curve
        .iter()
        .all(|s| s["loss"].as_f64().unwrap().is_finite()));
    // The worker measured held-out losses, so the race ran, trained by the worker, and chose.
    assert_eq!(report["suggested_by"], "race");
    let race = &report["race"];
    assert!(race["entries"].as_array().unwrap().len() >= 3);
    assert!(
        race["initial_loss"].as_f64().unwrap() > race["entries"][0]["mean_loss"].as_f64().unwrap()
    );
    assert!(race["updates"].as_u64().unwrap() > 0);
}

#[test]
fn a_nan_loss_from_python_is_a_divergence_not_a_fault() {
    if !have_python("a_nan_loss_from_python_is_a_divergence") {
        return;
    }
    let worker = inline_worker(
        "w = lrfind_client.connect(framework='python')\n\
         for job in w.jobs():\n    \
             while (lr := job.next_lr()) is not None:\n        \
                 job.step(1.0 / (1 + job.done) if job.done < 30 else float('nan'))\n",
    );
    let out = drive(&[
        "--no-plot",
        "--runs",
        "1",
        "--steps",
        "100",
        "--json",
        "-",
        "--",
        "python3",
        "-c",
        &worker,
    ])
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["stop_reason"]["kind"], "non_finite");
    // Steps 0..29 finite, step 30 the NaN that stopped it.
    assert_eq!(report["steps"], 31);
    // No validation loss: the rule's pick, no race.
    assert_eq!(report["suggested_by"], "valley");
}

#[test]
fn an_error_the_python_worker_reports_ends_the_run_with_its_message() {
    if !have_python("an_error_the_python_worker_reports") {
        return;
    }
    let worker = inline_worker(
        "w = lrfind_client.connect(framework='python')\n\
         for job in w.jobs():\n    \
             job.next_lr()\n    \
             job.step(1.0)\n    \
             w.error('CUDA out of memory')\n    \
             sys.exit(1)\n",
    );
    let out = drive(&["--no-plot", "--", "python3", "-c", &worker])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.lines().last().unwrap();
    assert!(
        last.contains("reported an error") && last.contains("CUDA out of memory"),
        "{stderr}"
    );
}

#[test]
fn a_script_outside_lrfind_says_how_to_run_it() {
    if !have_python("a_script_outside_lrfind_says_how_to_run_it") {
        return;
    }
    let out = Command::new("python3")
        .env_remove("LRFIND_CONNECT")
        .env_remove("WORLD_SIZE")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .args(["-c", &inline_worker("lrfind_client.connect()")])
        .timeout(LIMIT)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("NotUnderLrfind") && stderr.contains("lrfind drive -- python"),
        "{stderr}"
    );
}

/// The README's example script is docs/drive.md's first torch block, word for word: the page
/// shows what the clone runs.
#[test]
fn the_readmes_torch_worker_is_the_guides_first_block() {
    let guide = include_str!("../docs/drive.md");
    let at = guide
        .find("<!-- check train.py:")
        .expect("the checked block");
    let start = guide[at..].find("```python\n").unwrap() + at + "```python\n".len();
    let end = guide[start..].find("```\n").unwrap() + start;
    let script = include_str!("../clients/python/examples/torch_digits.py");
    assert_eq!(&guide[start..end], script);
    let readme = include_str!("../README.md");
    assert!(readme.contains("clients/python/examples/torch_digits.py"));
}
