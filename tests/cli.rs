//! End-to-end tests through the real binary: good runs on every CSV in data/, determinism, and
//! one clear message with exit code 2 for each kind of bad input or option.

mod common;

use std::path::Path;

use common::{data, lrfind, png_size};
use predicates::str::contains;

/// Runs lrfind on `csv` writing JSON and PNG into `dir`; returns the parsed JSON.
fn run_json(csv: &Path, dir: &Path, extra: &[&str]) -> serde_json::Value {
    let json = dir.join("report.json");
    let plot = dir.join("curve.png");
    lrfind()
        .arg(csv)
        .arg("--json")
        .arg(&json)
        .arg("--plot")
        .arg(&plot)
        .args(extra)
        .assert()
        .success()
        .stdout(contains("suggested LR"));
    serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap()
}

#[test]
fn every_clean_data_file_gives_a_suggestion_json_and_png() {
    for name in [
        "iris.csv",
        "wine.csv",
        "breast_cancer.csv",
        "digits.csv",
        "diabetes.csv",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let report = run_json(&data(name), dir.path(), &[]);
        let lr = report["suggested_lr"].as_f64().unwrap();
        assert!((1e-6..=10.0).contains(&lr), "{name}: {lr}");
        assert!(
            report["suggestions"].as_object().unwrap().len() >= 2,
            "{name}"
        );
        assert!(report["steps"].as_u64().unwrap() >= 10, "{name}");
        let curve = report["curve"].as_array().unwrap();
        assert_eq!(curve.len() as u64, report["steps"].as_u64().unwrap());
        for key in ["step", "lr", "loss", "smoothed_loss"] {
            assert!(
                curve[0].get(key).is_some(),
                "{name}: curve point lacks {key}"
            );
        }
        assert!(report["stop_reason"]["kind"].is_string());
        assert!(report["data"]["rows"].as_u64().unwrap() > 100);
        assert_eq!(report["config"]["seed"], 0);
        assert_eq!(report["config"]["optimizer"]["kind"], "adam");
        assert_eq!(
            png_size(&dir.path().join("curve.png")),
            (1200, 800),
            "{name}"
        );
    }
}

#[test]
fn same_seed_gives_byte_identical_json() {
    let dir = tempfile::tempdir().unwrap();
    let run = |out: &str| {
        let path = dir.path().join(out);
        lrfind()
            .arg(data("wine.csv"))
            .args(["--seed", "7", "--no-plot", "--json"])
            .arg(&path)
            .assert()
            .success();
        std::fs::read(path).unwrap()
    };
    assert_eq!(run("a.json"), run("b.json"));
}

#[test]
fn different_seeds_give_different_curves() {
    let dir = tempfile::tempdir().unwrap();
    let a = run_json(&data("iris.csv"), dir.path(), &["--seed", "1"]);
    let b = run_json(&data("iris.csv"), dir.path(), &["--seed", "2"]);
    assert_ne!(a["curve"], b["curve"]);
}

#[test]
fn every_optimizer_runs_and_is_named() {
    for opt in ["adam", "adamw", "sgd", "rmsprop", "adagrad"] {
        let dir = tempfile::tempdir().unwrap();
        let report = run_json(&data("iris.csv"), dir.path(), &["--optimizer", opt]);
        assert_eq!(report["optimizer"], opt);
    }
}

#[test]
fn json_to_stdout_is_the_only_thing_on_stdout() {
    let out = lrfind()
        .arg(data("iris.csv"))
        .args(["--json", "-", "--no-plot"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert!(report["suggested_lr"].is_number());
}

#[test]
fn quiet_prints_only_the_lr_and_csv_has_the_curve() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("curve.csv");
    let out = lrfind()
        .arg(data("iris.csv"))
        .args(["-q", "--no-plot", "--csv"])
        .arg(&csv)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let lr: f64 = String::from_utf8(out).unwrap().trim().parse().unwrap();
    assert!(lr > 0.0);
    let curve = std::fs::read_to_string(&csv).unwrap();
    assert!(curve.starts_with("group,run,seed,curve,step,lr,loss,smoothed_loss\n"));
    assert!(curve.lines().count() > 10);
}

#[test]
fn default_plot_goes_to_the_current_folder() {
    let dir = tempfile::tempdir().unwrap();
    lrfind()
        .current_dir(dir.path())
        .arg(data("iris.csv"))
        .assert()
        .success()
        .stdout(contains("iris-lrfind.png"));
    assert_eq!(png_size(&dir.path().join("iris-lrfind.png")), (1200, 800));
}

#[test]
fn no_suggestion_exits_1_and_still_draws() {
    // An LR range that starts far too high diverges at once.
    let dir = tempfile::tempdir().unwrap();
    let plot = dir.path().join("p.png");
    lrfind()
        .arg(data("iris.csv"))
        .args(["--start-lr", "1e3", "--end-lr", "1e6", "--plot"])
        .arg(&plot)
        .assert()
        .code(1)
        .stdout(contains("no suggested LR"))
        .stdout(contains("--start-lr"));
    assert_eq!(png_size(&plot), (1200, 800));
}

/// Writes `content` to a CSV in a fresh folder and runs lrfind on it with `args`.
fn bad_input(content: &str, args: &[&str], message: &str) {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, content).unwrap();
    lrfind()
        .current_dir(dir.path())
        .arg(&csv)
        .args(args)
        .assert()
        .code(2)
        .stderr(contains(message));
    // No output file is left behind.
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "{message}: {files:?}");
}

fn numeric_rows(n: usize) -> String {
    let mut s = String::from("a,b,y\n");
    for i in 0..n {
        s += &format!("{},{},{}\n", i as f64 * 0.5, (i * 7 % 5) as f64, i % 2);
    }
    s
}

#[test]
fn bad_inputs_name_what_and_where_with_exit_2() {
    bad_input("", &[], "empty");
    bad_input("a,b,y\n", &[], "no data rows");
    bad_input("a,b,y\n1,2,0\n3,4\n", &[], "line 3: this row has 2 fields");
    let mut s = numeric_rows(20);
    s += "1,oops,0\n";
    bad_input(&s, &[], "line 22, column 'b': 'oops' is not a number");
    bad_input(
        &numeric_rows(20),
        &["--target", "nope"],
        "the columns are: a, b, y",
    );
    let one_class: String = (0..12).map(|i| format!("{},x\n", i * 3 % 7)).collect();
    bad_input(&format!("a,y\n{one_class}"), &[], "single class");
    bad_input("a,y\n1,x\n2,y\n3,x\n", &[], "only 3 usable rows");
}

#[test]
fn bad_options_are_usage_errors() {
    let csv = data("iris.csv");
    for (args, message) in [
        (vec!["--start-lr", "0"], "--start-lr"),
        (
            vec!["--start-lr", "1", "--end-lr", "0.5"],
            "must be below the end LR",
        ),
        (vec!["--batch-size", "0"], "--batch-size"),
        (vec!["--optimizer", "lbfgs"], "invalid value 'lbfgs'"),
        (vec!["--smoothing", "0"], "--smoothing"),
        (vec!["--smoothing", "3"], "--smoothing"),
        (vec!["--hidden", "0"], "--hidden"),
    ] {
        lrfind()
            .arg(&csv)
            .args(&args)
            .arg("--no-plot")
            .assert()
            .code(2)
            .stderr(contains(message));
    }
}

#[test]
fn missing_file_and_overwriting_the_input_are_refused() {
    lrfind()
        .arg("/no/such/file.csv")
        .assert()
        .code(2)
        .stderr(contains("/no/such/file.csv"));
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("in.csv");
    std::fs::copy(data("iris.csv"), &csv).unwrap();
    let before = std::fs::read(&csv).unwrap();
    for flag in ["--plot", "--json", "--csv"] {
        lrfind()
            .arg(&csv)
            .arg(flag)
            .arg(&csv)
            .assert()
            .code(2)
            .stderr(contains("never overwrites its input"));
    }
    assert_eq!(std::fs::read(&csv).unwrap(), before);
}

/// A command whose output goes to standard output (`-q`, `--json -`, `--csv -`, `--snippet`)
/// writes no file the user did not name: the default picture is drawn only when the summary is
/// all that is printed. A picture asked for with --plot is still drawn.
#[test]
fn output_to_stdout_leaves_no_default_picture_behind() {
    let iris = data("iris.csv");
    let iris = iris.to_str().unwrap();
    let log =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/logs/torch_lr_finder.json");
    let log = log.to_str().unwrap();
    let find = ["--runs", "1", "--no-verify"];
    let sweep = [
        "sweep", iris, "--lrs", "0.01", "--seeds", "1", "--epochs", "1",
    ];
    let schedule = ["schedule", "cosine", "--lr", "0.01", "--steps", "30"];
    let cases: Vec<Vec<&str>> = vec![
        [&[iris][..], &find, &["-q"]].concat(),
        [&[iris][..], &find, &["--json", "-"]].concat(),
        [&[iris][..], &find, &["--csv", "-"]].concat(),
        [&sweep[..], &["--min-steps", "5", "-q"]].concat(),
        vec!["analyze", log, "--json", "-"],
        [&schedule[..], &["-q"]].concat(),
        [&schedule[..], &["--snippet", "pytorch"]].concat(),
        [&schedule[..], &["--csv", "-"]].concat(),
    ];
    for args in cases {
        let dir = tempfile::tempdir().unwrap();
        let out = lrfind()
            .current_dir(dir.path())
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{args:?} left {left:?}");
    }
    let dir = tempfile::tempdir().unwrap();
    lrfind()
        .current_dir(dir.path())
        .arg(iris)
        .args(find)
        .args(["-q", "--plot", "p.png"])
        .assert()
        .success();
    assert_eq!(png_size(&dir.path().join("p.png")), (1200, 800));
}

/// A current folder that takes no file, with no --plot given, is not an "invalid --plot": the
/// message says which picture lrfind meant to draw there and how to put it elsewhere.
#[cfg(target_os = "linux")]
#[test]
fn an_unwritable_current_folder_names_the_default_picture() {
    let out = lrfind()
        .current_dir("/proc")
        .arg(data("iris.csv"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!err.contains("invalid --plot"), "{err}");
    assert!(err.contains("iris-lrfind.png"), "{err}");
    assert!(
        err.contains("--plot PATH") && err.contains("--no-plot"),
        "{err}"
    );
}

/// A command misspelled, or several CSVs given to the range test, gets the command meant, not
/// clap's "the subcommand 'f.csv' cannot be used with '<CSV>'".
#[test]
fn a_misspelled_command_or_a_second_csv_suggests_the_command_meant() {
    let dir = tempfile::tempdir().unwrap();
    let err = |args: &[&str]| {
        let out = lrfind()
            .current_dir(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.starts_with("lrfind: error: "), "{err}");
        assert!(!err.contains("subcommand"), "{err}");
        err
    };
    let e = err(&["analyse", "f.csv"]);
    assert!(e.contains("did you mean `lrfind analyze f.csv`"), "{e}");
    let e = err(&["analyse", "f.csv", "g.csv", "--rule", "steepest"]);
    assert!(
        e.contains("did you mean `lrfind analyze f.csv g.csv --rule steepest`"),
        "{e}"
    );
    let e = err(&["swep", "data.csv", "--lrs", "0.1"]);
    assert!(
        e.contains("did you mean `lrfind sweep data.csv --lrs 0.1`"),
        "{e}"
    );
    let e = err(&["a.csv", "b.csv"]);
    assert!(e.contains("one CSV"), "{e}");
    assert!(e.contains("`lrfind analyze a.csv b.csv`"), "{e}");
    // A misspelled command alone is read as the CSV: the message says which command it is near.
    let e = err(&["analyse"]);
    assert!(e.contains("did you mean `lrfind analyze`"), "{e}");
}

/// A folder given as the input is said to be one, not "Is a directory (os error 21)".
#[test]
fn a_folder_as_the_input_is_said_to_be_one() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().to_str().unwrap();
    for args in [
        vec![folder],
        vec!["sweep", folder],
        vec!["analyze", folder],
        vec!["schedule", "cosine", folder],
    ] {
        let out = lrfind().args(&args).arg("--no-plot").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert!(err.contains("is a folder"), "{args:?}: {err}");
        assert!(!err.contains("os error"), "{args:?}: {err}");
    }
}

fn stdout_of(args: &[&str]) -> String {
    let out = lrfind().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Every command is in the usage lines and the man page's synopsis, and every page the man page
/// names (`lrfind-analyze(1)`, ...) is one `lrfind man COMMAND` prints.
#[test]
fn usage_and_man_pages_cover_every_command() {
    let help = stdout_of(&["--help"]);
    let usage = help.split("Commands:").next().unwrap();
    let man = stdout_of(&["man"]);
    let synopsis = man.split(".SH DESCRIPTION").next().unwrap();
    for command in [
        "find",
        "sweep",
        "analyze",
        "schedule",
        "drive",
        "worker",
        "completions",
        "man",
    ] {
        assert!(
            usage.contains(&format!("lrfind {command}")),
            "{command}: {usage}"
        );
        assert!(
            synopsis.contains(&format!(" {command}")),
            "{command}: {synopsis}"
        );
    }
    assert!(
        usage.contains("lrfind schedule [OPTIONS] <KIND> [CSV]"),
        "{usage}"
    );
    let pages: Vec<&str> = man
        .split("lrfind\\-")
        .skip(1)
        .filter_map(|s| s.split_once("(1)").map(|(name, _)| name))
        .collect();
    assert!(
        pages.contains(&"analyze") && pages.contains(&"schedule"),
        "{pages:?}"
    );
    assert!(!pages.contains(&"help"), "{pages:?}");
    for page in pages {
        let text = stdout_of(&["man", page]);
        assert!(
            text.contains(&format!(".TH lrfind-{page} 1")),
            "{page}: {}",
            &text[..text.len().min(300)]
        );
    }
    let out = lrfind().args(["man", "nonsense"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The help says what the code does: defaults as they are typed, the divergence rule as
/// src/curve/divergence.rs applies it, and `lrfind schedule --help` only what schedule reads,
/// with KIND written one way.
#[test]
fn the_help_says_what_the_code_does() {
    let help = stdout_of(&["--help"]);
    assert!(
        help.contains("[default: 64,64; for --model tabular 200,100]"),
        "--hidden's default"
    );
    let analyze = stdout_of(&["analyze", "--help"]);
    for text in [&help, &analyze] {
        let diverge = text.split("--diverge-factor").nth(1).unwrap();
        let diverge = &diverge[..diverge.find("\n\n").unwrap_or(diverge.len())];
        assert!(diverge.contains("running median"), "{diverge}");
        assert!(!diverge.contains("smoothed loss"), "{diverge}");
    }
    let schedule = stdout_of(&["schedule", "--help"]);
    let lines = schedule.lines().count();
    assert!(lines < 120, "{lines} lines");
    assert!(!schedule.contains("[KIND]"), "{schedule}");
    assert!(schedule.contains("<KIND>"), "{schedule}");
    for find_only in [
        "lrfind find only",
        "--equal",
        "--no-term-plot",
        "tests each value",
    ] {
        assert!(!schedule.contains(find_only), "{find_only}");
    }
    assert_eq!(schedule, stdout_of(&["schedule", "-h"]));
    // The range test's help still says a list tests each value.
    assert!(help.contains("tests each value"));
}
