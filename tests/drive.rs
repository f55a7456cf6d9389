//! `lrfind drive` end to end, through the real binary: lrfind's own MLP as a worker gives what
//! `lrfind CSV` gives; every fault of a worker (it exits at once, crashes, exits early, hangs,
//! sends a line that is not a message, closes its connection) ends with a clear message, exit 2,
//! the curve so far written and no process left behind; a NaN loss is a divergence; unknown
//! message types are skipped; Ctrl-C keeps the curve; `--workers 2` and `--listen` with a token.
//!
//! The faulty workers are small bash scripts speaking the protocol over bash's `/dev/tcp`
//! (docs/protocol.md), so that each fault is exactly the one named. Everything talks to
//! 127.0.0.1 only, and every run is bounded by a timeout.
#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{data, lrfind};

/// The binary under test, for the worker command lrfind starts.
fn exe() -> &'static str {
    env!("CARGO_BIN_EXE_lrfind")
}

/// A worker in bash. It records its pid (and its `sleep`'s) in `dir`, says hello without a
/// validation loss, and answers each range job with a loss that falls from 2 to 0.5 over the
/// first 70% of the steps and then grows by 30% a step, stopping when lrfind says `stop`.
/// `FAULT` at step `AT` replaces a step with: `crash` (exit 3), `exit` (exit 0), `hang` (sleep),
/// `garbage` (a line that is not JSON), `close` (close the connection, then sleep), `nan` (a NaN
/// loss); `unknown` sends a message of an unknown type before every step.
const WORKER: &str = r#"
dir=$1; fault=$2; at=$3
echo $$ > "$dir/pid-$$"
exec 3<>/dev/tcp/${LRFIND_CONNECT%:*}/${LRFIND_CONNECT##*:}
echo "{\"type\":\"hello\",\"protocol\":1,\"token\":\"$LRFIND_TOKEN\",\"name\":\"bash worker\",\"validation\":false,\"train_size\":6400,\"batch_size\":64}" >&3
read -r welcome <&3
while read -r line <&3; do
  [[ $line =~ \"type\":\"([a-z_]+)\" ]] && kind=${BASH_REMATCH[1]}
  [[ $kind == shutdown ]] && exit 0
  [[ $kind == job ]] || continue
  [[ $line =~ \"job\":([0-9]+) ]] && id=${BASH_REMATCH[1]}
  [[ $line =~ \"until\":([0-9]+) ]] && until=${BASH_REMATCH[1]}
  m=2000; s=0
  while (( s < until )); do
    if (( s == at )); then
      case $fault in
        crash) exit 3;;
        exit) exit 0;;
        hang) sleep 600 & echo $! > "$dir/pid-$!"; wait;;
        garbage) echo "not json" >&3;;
        close) exec 3>&-; sleep 30 & echo $! > "$dir/pid-$!"; wait;;
      esac
    fi
    [[ $fault == unknown ]] && echo "{\"type\":\"progress\",\"job\":$id,\"note\":\"fine\"}" >&3
    if (( s == at )) && [[ $fault == nan ]]; then loss=NaN
    else loss=$((m / 1000)).$(printf %03d $((m % 1000))); fi
    echo "{\"type\":\"step\",\"job\":$id,\"step\":$s,\"loss\":$loss}" >&3
    if (( s * 10 < until * 7 )); then m=$((m - 1500 * 10 / (until * 7))); else m=$((m * 13 / 10)); fi
    s=$((s + 1))
    if read -t 0 <&3; then
      read -r msg <&3
      [[ $msg == *'"stop"'* ]] && break
    fi
  done
  echo "{\"type\":\"done\",\"job\":$id,\"steps\":$s}" >&3
done
"#;

/// `lrfind drive ARGS -- bash WORKER dir fault at`.
fn drive_bash(dir: &Path, fault: &str, at: u32, args: &[&str]) -> assert_cmd::Command {
    let script = dir.join("worker.sh");
    std::fs::write(&script, WORKER).unwrap();
    let mut cmd = lrfind();
    cmd.arg("drive")
        .args(args)
        .arg("--")
        .arg("bash")
        .arg(&script)
        .arg(dir)
        .args([fault, &at.to_string()])
        .timeout(Duration::from_secs(60));
    cmd
}

/// The pids the bash workers of `dir` recorded.
fn pids(dir: &Path) -> Vec<u32> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().into_string().unwrap();
            name.strip_prefix("pid-").map(|p| p.parse().unwrap())
        })
        .collect()
}

/// Whether `pid` is a process that still runs (a zombie waiting for its parent does not).
fn running(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat.rsplit(')').next().unwrap_or("").trim_start();
            !state.starts_with('Z') && !state.starts_with('X')
        }
        Err(_) => false,
    }
}

/// Every process a worker of `dir` recorded has ended (within a second's grace, for init to reap).
fn assert_no_orphans(dir: &Path) {
    let pids = pids(dir);
    assert!(!pids.is_empty(), "the worker never started");
    let deadline = Instant::now() + Duration::from_secs(2);
    while pids.iter().any(|&p| running(p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left: Vec<_> = pids.iter().filter(|&&p| running(p)).collect();
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

/// Runs a faulty worker and checks the common ending: exit 2, the message on stderr, the curve so
/// far in the JSON file, no process left.
fn assert_fault(fault: &str, args: &[&str], expected: &str) -> serde_json::Value {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    let mut all = vec!["--no-plot", "-q", "--json", json.to_str().unwrap()];
    all.extend_from_slice(args);
    let out = drive_bash(dir.path(), fault, 20, &all).assert().code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(stderr.contains(expected), "{fault}: {stderr}");
    assert!(
        stderr.contains("bash worker") || stderr.contains("worker 0"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Ctrl-C"),
        "a fault is not a Ctrl-C: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_no_orphans(dir.path());
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("the curve so far is written"))
            .unwrap();
    let points = report["curve"].as_array().map_or(0, Vec::len);
    assert_eq!(
        points, 20,
        "{fault}: the 20 steps before the fault are kept"
    );
    report
}

/// `lrfind drive --no-plot --json - ARGS -- lrfind worker data/iris.csv`: its report.
fn drive_iris(args: &[&str]) -> serde_json::Value {
    let out = lrfind()
        .arg("drive")
        .args(args)
        .args(["--no-plot", "--json", "-", "--", exe(), "worker"])
        .arg(data("iris.csv"))
        .timeout(Duration::from_secs(120))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn lrfinds_own_mlp_as_a_worker_suggests_what_lrfind_csv_does() {
    let iris = data("iris.csv");
    let direct = common::json_report(lrfind().arg(&iris));
    let driven = drive_iris(&[]);
    let a = direct["suggested_lr"].as_f64().expect("a suggestion");
    let b = driven["suggested_lr"].as_f64().expect("a suggestion");
    assert!(
        (a - b).abs() <= 1e-6 * a,
        "lrfind CSV {a} against drive {b}"
    );
    // The same race, round by round.
    assert_eq!(direct["race"]["rounds"], driven["race"]["rounds"]);
    assert_eq!(driven["worker"]["hello"]["framework"], "lrfind");
    assert!(driven["worker"]["command"]
        .as_str()
        .unwrap()
        .contains("worker"));
}

#[test]
fn a_worker_that_exits_at_once_is_an_error_within_seconds() {
    let started = Instant::now();
    lrfind()
        .args(["drive", "--no-plot", "--", "false"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "exited with status 1 before it connected",
        ));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_crash_mid_run_keeps_the_curve_and_says_how_it_ended() {
    assert_fault("crash", &[], "exited with status 3");
}

#[test]
fn a_worker_that_exits_early_is_a_fault() {
    assert_fault("exit", &[], "exited with status 0");
}

#[test]
fn a_hung_worker_times_out_and_is_ended() {
    let started = Instant::now();
    assert_fault("hang", &["--step-timeout", "1"], "sent nothing for 1 s");
    assert!(started.elapsed() < Duration::from_secs(30));
}

#[test]
fn a_line_that_is_not_a_message_is_a_fault() {
    assert_fault("garbage", &[], "not a protocol message");
}

#[test]
fn a_closed_connection_is_a_fault_and_the_process_is_ended() {
    assert_fault("close", &[], "closed its connection");
}

#[test]
fn a_nan_loss_is_a_divergence_not_a_fault() {
    let dir = tempfile::tempdir().unwrap();
    let out = drive_bash(dir.path(), "nan", 60, &["--no-plot", "--json", "-"])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let stop = &report["stop_reason"];
    assert_eq!(stop["kind"], "non_finite", "{stop}");
    assert!(report["suggested_lr"].as_f64().is_some());
    assert_no_orphans(dir.path());
}

#[test]
fn unknown_message_types_are_skipped_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let out = drive_bash(dir.path(), "unknown", 0, &["--no-plot", "--json", "-"])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert!(report["suggested_lr"].as_f64().is_some());
    let notes = report["notes"].to_string();
    assert!(notes.contains("types this lrfind does not know"), "{notes}");
    // Without a validation loss there is no race, and the summary says why.
    assert!(report["race"].is_null());
    assert!(
        report["no_race"].as_str().unwrap().contains("validation"),
        "{report}"
    );
    assert_no_orphans(dir.path());
}

#[test]
fn ctrl_c_keeps_the_curve_exits_130_and_ends_the_worker() {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("worker.sh");
    std::fs::write(&script, WORKER).unwrap();
    let json = dir.path().join("out.json");
    let mut child = Command::new(exe())
        .args(["drive", "--no-plot", "--json"])
        .arg(&json)
        .args(["--", "bash"])
        .arg(&script)
        .arg(dir.path())
        .args(["hang", "20"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The hung worker's sleep is recorded once the 20 steps are sent.
    let deadline = Instant::now() + Duration::from_secs(30);
    while pids(dir.path()).len() < 2 {
        assert!(
            Instant::now() < deadline,
            "the worker never reached step 20"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(200));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut stderr = String::new();
    for line in BufReader::new(child.stderr.take().unwrap()).lines() {
        stderr += &line.unwrap();
        stderr.push('\n');
    }
    let code = child.wait().unwrap().code();
    assert_eq!(code, Some(130), "{stderr}");
    assert!(stderr.contains("interrupted (Ctrl-C)"), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["curve"].as_array().map(Vec::len), Some(20));
    assert_no_orphans(dir.path());
}

#[test]
fn two_workers_share_the_jobs_and_agree_with_one() {
    let one = drive_iris(&[]);
    let two = drive_iris(&["--workers", "2"]);
    assert_eq!(two["worker"]["workers"], 2);
    let (a, b) = (
        one["suggested_lr"].as_f64().unwrap(),
        two["suggested_lr"].as_f64().unwrap(),
    );
    assert!((a - b).abs() <= 1e-6 * a, "one worker {a}, two {b}");
}

/// Reads lrfind's stderr until its `listening on` line and returns the port and the token.
fn listening(from: &mut impl BufRead) -> (u16, String) {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        assert!(
            from.read_line(&mut line).unwrap() > 0,
            "ended early: {seen}"
        );
        seen.push_str(&line);
        if let Some(rest) = line.strip_prefix("lrfind: listening on ") {
            let addr: std::net::SocketAddr =
                rest.split_whitespace().next().unwrap().parse().unwrap();
            assert!(addr.ip().is_loopback(), "{line}");
            let token = line
                .rsplit("LRFIND_TOKEN=")
                .next()
                .unwrap()
                .trim()
                .to_string();
            return (addr.port(), token);
        }
    }
}

#[test]
fn listen_takes_workers_started_elsewhere_with_the_token_only() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("out.json");
    let mut lead = Command::new(exe())
        .args([
            "drive",
            "--listen",
            "127.0.0.1:0",
            "--step-timeout",
            "60",
            "--no-plot",
            "-q",
            "--json",
        ])
        .arg(&json)
        .env_remove("LRFIND_TOKEN")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(lead.stderr.take().unwrap());
    let (port, token) = listening(&mut stderr);
    assert!(token.len() >= 16, "{token}");
    let worker = |token: &str| {
        Command::new(exe())
            .arg("worker")
            .arg(data("iris.csv"))
            .env("LRFIND_CONNECT", format!("127.0.0.1:{port}"))
            .env("LRFIND_TOKEN", token)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .unwrap()
    };
    let wrong = worker("not-the-token");
    assert!(!wrong.status.success());
    assert!(
        String::from_utf8_lossy(&wrong.stderr).contains("token"),
        "{}",
        String::from_utf8_lossy(&wrong.stderr)
    );
    let right = worker(&token);
    assert!(
        right.status.success(),
        "{}",
        String::from_utf8_lossy(&right.stderr)
    );
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    assert_eq!(lead.wait().unwrap().code(), Some(0), "{rest}");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert!(report["suggested_lr"].as_f64().is_some());
}

/// `lrfind schedule --race KINDS ARGS` with `source` (a CSV, or `--` and a worker's command):
/// every kind's mean best validation loss.
fn schedule_race(source: &[&std::ffi::OsStr]) -> Vec<(String, f64)> {
    let out = lrfind()
        .args([
            "schedule",
            "--race",
            "onecycle,cosine,plateau",
            "--steps",
            "120",
        ])
        .args(["--no-plot", "-q", "--json", "-"])
        .args(source)
        .timeout(Duration::from_secs(120))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    report["race"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["best_loss"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_schedule_race_on_lrfinds_own_worker_is_the_race_on_the_csv() {
    let iris = data("iris.csv");
    let on_csv = schedule_race(&[iris.as_os_str()]);
    let on_worker = schedule_race(&[
        "--".as_ref(),
        exe().as_ref(),
        "worker".as_ref(),
        iris.as_os_str(),
    ]);
    assert_eq!(on_csv.len(), 3);
    // The plateau follows the LR lrfind sends after each measurement.
    assert_eq!(on_csv, on_worker);
}
