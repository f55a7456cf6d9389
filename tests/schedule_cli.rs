//! `lrfind schedule` through the real binary: the eight interface lines against PyTorch's own
//! tables (tests/fixtures/schedules/, written by bench/schedule_fixtures.py) at 1e-9, the JSON
//! parsed, every output flag, the race on iris, and every bad input with exit code 2 and the
//! flag and value in its message.

mod common;

use std::fs;
use std::path::Path;

use common::{data, lrfind, png_size};
use serde_json::Value;

const RTOL: f64 = 1e-9;

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/schedules")
        .join(format!("{name}.json"));
    serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn close(ours: f64, want: f64) -> bool {
    if want == 0.0 {
        ours == 0.0
    } else {
        ((ours - want) / want).abs() <= RTOL
    }
}

/// Runs `args` (which draw no PNG) and returns its stdout, asserting success.
fn stdout_of(args: &[&str]) -> String {
    let out = lrfind().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The CSV a command wrote, as a header and rows of numbers.
fn table(csv: &str) -> (Vec<String>, Vec<Vec<f64>>) {
    let mut lines = csv.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(|f| f.parse::<f64>().unwrap()).collect())
        .collect();
    (header, rows)
}

/// The eight command lines, each with the fixture PyTorch wrote for it.
const INTERFACE: [(&str, &str); 8] = [
    ("onecycle --lr 0.01 --steps 1000", "onecycle_interface"),
    (
        "cosine --lr 0.01 --min-lr 1e-4 --steps 1000",
        "cosine_interface",
    ),
    (
        "cosine-restarts --lr 0.01 --period 100 --period-mult 2 --steps 1000",
        "cosine_restarts_interface",
    ),
    (
        "exponential --lr 0.01 --gamma 0.995 --steps 1000",
        "exponential_interface",
    ),
    (
        "step --lr 0.01 --step-size 300 --gamma 0.1 --steps 1000",
        "step_interface",
    ),
    (
        "multistep --lr 0.01 --milestones 500,800 --gamma 0.1 --steps 1000",
        "multistep_interface",
    ),
    ("poly --lr 0.01 --power 2 --steps 1000", "poly_interface"),
    (
        "cyclic --min-lr 0.001 --lr 0.01 --step-size-up 200 --mode triangular2 --steps 1000",
        "cyclic_interface",
    ),
];

#[test]
fn the_eight_interface_lines_equal_pytorch_at_every_step() {
    // Run as scripts will run them, in a folder of their own: with the table on stdout, no
    // default PNG is left there.
    let dir = tempfile::tempdir().unwrap();
    for (line, name) in INTERFACE {
        let out = lrfind()
            .current_dir(dir.path())
            .arg("schedule")
            .args(line.split_whitespace())
            .args(["--csv", "-"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let csv = String::from_utf8(out.stdout).unwrap();
        let kind = line.split_whitespace().next().unwrap();
        assert!(
            !dir.path().join(format!("{kind}-schedule.png")).exists(),
            "{line}"
        );
        let (header, rows) = table(&csv);
        let want = fixture(name);
        let lrs = floats(&want["lrs"]);
        let momentum = want["momentum"]
            .as_array()
            .map(|_| floats(&want["momentum"]));
        let expected: Vec<&str> = if momentum.is_some() {
            vec!["step", "lr", "momentum"]
        } else {
            vec!["step", "lr"]
        };
        assert_eq!(header, expected, "{line}");
        assert_eq!(rows.len(), lrs.len(), "{line}");
        for (i, row) in rows.iter().enumerate() {
            assert_eq!(row[0], i as f64, "{line}: step column");
            assert!(
                close(row[1], lrs[i]),
                "{line}: step {i}: {} vs {}",
                row[1],
                lrs[i]
            );
            if let Some(m) = &momentum {
                assert!(
                    close(row[2], m[i]),
                    "{line}: momentum at {i}: {} vs {}",
                    row[2],
                    m[i]
                );
            }
        }
    }
}

#[test]
fn json_is_the_same_table_in_full() {
    let json = stdout_of(&[
        "schedule",
        "onecycle",
        "--lr",
        "0.01",
        "--steps",
        "1000",
        "--json",
        "-",
        "--no-plot",
    ]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["kind"], "onecycle");
    assert_eq!(v["steps"], 1000);
    assert_eq!(v["lr"], 0.01);
    assert_eq!(v["lr_source"]["from"], "given");
    assert_eq!(v["peak_rule"], "given");
    assert_eq!(v["settings"]["pct_start"], 0.3);
    assert_eq!(v["summary"]["warmup_steps"], 299);
    let want = fixture("onecycle_interface");
    let lrs = floats(&want["lrs"]);
    let rows = v["table"].as_array().unwrap();
    assert_eq!(rows.len(), 1000);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["step"], i);
        assert!(close(r["lr"].as_f64().unwrap(), lrs[i]), "step {i}");
        assert!(r["momentum"].as_f64().is_some());
    }

    // Several kinds without a CSV: each table under `schedules`, the filled settings named.
    let json = stdout_of(&[
        "schedule",
        "--race",
        "all",
        "--lr",
        "0.01",
        "--steps",
        "200",
        "--json",
        "-",
        "--no-plot",
    ]);
    let v: Value = serde_json::from_str(&json).unwrap();
    let schedules = v["schedules"].as_array().unwrap();
    assert_eq!(
        schedules.len(),
        12,
        "every tabulated kind; plateau left out"
    );
    assert_eq!(v["notes"].as_array().unwrap().len(), 1);
    for s in schedules {
        assert_eq!(s["table"].as_array().unwrap().len(), 200, "{}", s["kind"]);
    }
    let step = schedules.iter().find(|s| s["kind"] == "step").unwrap();
    assert_eq!(step["filled"], serde_json::json!(["step_size"]));
    assert_eq!(step["settings"]["step_size"], 67);
}

#[test]
fn outputs_go_where_asked_and_nowhere_else() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        lrfind()
            .current_dir(dir.path())
            .args(["schedule", "cosine", "--lr", "0.01", "--steps", "300"])
            .args(args)
            .output()
            .unwrap()
    };
    // By default: the summary on stdout and <kind>-schedule.png here.
    let out = run(&[]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("cosine schedule"), "{text}");
    assert!(text.contains("plot       cosine-schedule.png"), "{text}");
    assert_eq!(
        png_size(&dir.path().join("cosine-schedule.png")),
        (1200, 800)
    );
    fs::remove_file(dir.path().join("cosine-schedule.png")).unwrap();

    // --plot, --json and --csv to files; --no-plot draws nothing.
    let out = run(&["--plot", "p.png", "--json", "r.json", "--csv", "t.csv"]);
    assert!(out.status.success());
    assert_eq!(png_size(&dir.path().join("p.png")), (1200, 800));
    let v: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("r.json")).unwrap()).unwrap();
    assert_eq!(v["table"].as_array().unwrap().len(), 300);
    let (header, rows) = table(&fs::read_to_string(dir.path().join("t.csv")).unwrap());
    assert_eq!((header.len(), rows.len()), (2, 300));
    let out = run(&["--no-plot", "--plot", "x.png"]);
    assert_eq!(out.status.code(), Some(2), "--no-plot and --plot conflict");
    for f in ["p.png", "r.json", "t.csv"] {
        fs::remove_file(dir.path().join(f)).unwrap();
    }
    let out = run(&["--no-plot"]);
    assert!(out.status.success());
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);

    // `--csv -`: stdout holds the CSV only; the summary goes to stderr.
    let out = run(&["--csv", "-", "--no-plot"]);
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(csv.starts_with("step,lr\n"), "{csv}");
    assert_eq!(csv.lines().count(), 301);
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("cosine schedule"));

    // -q: nothing at all, or the snippet alone.
    let out = run(&["-q", "--no-plot"]);
    assert!(out.status.success());
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
    let out = run(&["-q", "--no-plot", "--snippet", "pytorch"]);
    let code = String::from_utf8(out.stdout).unwrap();
    assert!(
        code.contains("CosineAnnealingLR(optimizer, T_max=300"),
        "{code}"
    );
    assert!(!code.contains("lrfind"), "{code}");
    // Without -q the snippet follows the summary; with `--csv -` both go to stderr.
    let out = run(&["--no-plot", "--snippet", "optax"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("cosine schedule") && text.contains("optax"),
        "{text}"
    );
    let out = run(&["--no-plot", "--snippet", "keras", "--csv", "-"]);
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("step,lr\n"));
    assert!(String::from_utf8(out.stderr).unwrap().contains("keras"));
}

#[test]
fn outputs_are_checked_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let iris = data("iris.csv");
    let out = lrfind()
        .args(["schedule", "onecycle"])
        .arg(&iris)
        .args(["--plot", "/no/such/folder/x.png", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("lrfind: error: invalid --plot: "), "{err}");
    assert!(!json.exists());
    // Two outputs on stdout, and an output over the input.
    let out = lrfind()
        .args([
            "schedule", "poly", "--lr", "1", "--steps", "5", "--csv", "-", "--json", "-",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = lrfind()
        .args(["schedule", "poly"])
        .arg(&iris)
        .arg("--json")
        .arg(&iris)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .contains("never overwrites"));
}

#[test]
fn a_found_lr_becomes_each_kinds_peak() {
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let out = lrfind()
        .args(["schedule", "cyclic"])
        .arg(data("iris.csv"))
        .args(["--epochs", "3", "--no-plot", "--json"])
        .arg(&json)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    let source = &v["lr_source"];
    assert_eq!(source["from"], "range-test");
    let minimum = source["minimum_lr"].as_f64().unwrap();
    let suggested = source["suggested_lr"].as_f64().unwrap();
    let peak = (minimum * suggested).sqrt();
    assert_eq!(v["peak_rule"], "between");
    assert_eq!(v["lr"].as_f64().unwrap(), peak);
    assert_eq!(v["settings"]["min_lr"].as_f64().unwrap(), peak / 4.0);
    // 120 training rows of iris (20% held out) in batches of 64: 2 a pass, 3 passes.
    assert_eq!(v["steps"], 6);
    assert_eq!(v["steps_source"]["batches_per_epoch"], 2);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("curve minimum"), "{text}");
}

#[test]
fn the_race_on_iris_gives_one_row_per_kind() {
    let dir = tempfile::tempdir().unwrap();
    let kinds = ["onecycle", "cosine", "step", "constant", "plateau"];
    let out = lrfind()
        .current_dir(dir.path())
        .args(["schedule", "--race", &kinds.join(",")])
        .arg(data("iris.csv"))
        .args(["--epochs", "5", "--json", "race.json", "--csv", "race.csv"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(png_size(&dir.path().join("iris-race.png")), (1800, 800));
    let v: Value =
        serde_json::from_str(&fs::read_to_string(dir.path().join("race.json")).unwrap()).unwrap();
    let entries = v["race"]["entries"].as_array().unwrap();
    assert_eq!(entries.len(), kinds.len());
    let suggested = v["lr_source"]["suggested_lr"].as_f64().unwrap();
    let minimum = v["lr_source"]["minimum_lr"].as_f64().unwrap();
    for (e, kind) in entries.iter().zip(kinds) {
        assert_eq!(e["kind"], kind);
        let best = e["best_loss"].as_f64().unwrap();
        assert!(best.is_finite() && best > 0.0, "{kind}: {best}");
        assert_eq!(
            e["runs"].as_array().unwrap().len(),
            2,
            "two seeds by default"
        );
        let peak = e["peak_lr"].as_f64().unwrap();
        let want = if kind == "onecycle" {
            (minimum * suggested).sqrt()
        } else {
            suggested
        };
        assert!(close(peak, want), "{kind}: peak {peak}, want {want}");
        assert!(e["seconds"].as_f64().unwrap() >= 0.0);
    }
    // Every kind started from the same weights on the same split.
    let first: Vec<f64> = entries
        .iter()
        .map(|e| e["runs"][0]["initial_loss"].as_f64().unwrap())
        .collect();
    assert!(first.iter().all(|&l| l == first[0]), "{first:?}");
    let csv = fs::read_to_string(dir.path().join("race.csv")).unwrap();
    assert!(csv.starts_with("kind,seed,peak_lr,initial_loss,best_loss,final_loss"));
    assert_eq!(csv.lines().count(), 1 + 2 * kinds.len());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("best schedule"), "{text}");
    for kind in kinds {
        assert!(text.contains(kind), "{kind} missing from {text}");
    }
}

#[test]
fn a_given_lr_races_every_kind_from_it_without_a_range_test() {
    let out = lrfind()
        .args(["schedule", "--race", "onecycle,cyclic,constant"])
        .arg(data("wine.csv"))
        .args([
            "--lr",
            "0.003",
            "--epochs",
            "4",
            "--seeds",
            "1",
            "--json",
            "-",
            "--no-plot",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["lr_source"]["from"], "given");
    // 142 training rows of wine in batches of 64: 3 a pass.
    assert_eq!(v["steps"], 12);
    for s in v["schedules"].as_array().unwrap() {
        assert_eq!(s["peak_rule"], "given");
        assert_eq!(s["lr"], 0.003);
    }
    for e in v["race"]["entries"].as_array().unwrap() {
        assert_eq!(e["runs"].as_array().unwrap().len(), 1);
        assert!(e["best_loss"].as_f64().unwrap().is_finite());
    }
}

/// Runs `args`, expects exit code 2 and a message naming `flag` and `value`.
fn refused(args: &[&str], flag: &str, value: &str) {
    let out = lrfind().args(args).output().unwrap();
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert!(err.contains(flag), "{args:?}: {err} does not name {flag}");
    assert!(err.contains(value), "{args:?}: {err} does not give {value}");
    assert!(out.stdout.is_empty(), "{args:?}");
}

#[test]
fn bad_input_is_refused_naming_the_flag_and_the_value() {
    let base = |kind: &'static str| vec!["schedule", kind, "--lr", "0.01", "--no-plot"];
    let with = |kind: &'static str, more: &[&'static str]| {
        let mut v = base(kind);
        v.extend(more);
        v
    };
    refused(
        &with("poly", &["--steps", "0"]),
        "invalid --steps",
        "0 steps",
    );
    refused(
        &with("cosine", &["--steps", "100", "--warmup", "100"]),
        "invalid --warmup",
        "100 warm-up steps",
    );
    refused(
        &with("multistep", &["--steps", "1000", "--milestones", "800,500"]),
        "invalid --milestones",
        "500 after 800",
    );
    refused(
        &with(
            "multistep",
            &["--steps", "1000", "--milestones", "500,1200"],
        ),
        "invalid --milestones",
        "1200",
    );
    refused(
        &with("exponential", &["--steps", "100", "--gamma", "1.5"]),
        "invalid --gamma",
        "1.5",
    );
    refused(
        &with(
            "step",
            &["--steps", "100", "--step-size", "10", "--gamma", "-0.5"],
        ),
        "invalid --gamma",
        "-0.5",
    );
    refused(
        &with("cosine", &["--steps", "100", "--min-lr", "0.1"]),
        "invalid --min-lr",
        "0.1",
    );
    refused(
        &with("cosine", &["--steps", "100", "--gamma", "0.5"]),
        "invalid --gamma",
        "0.5",
    );
    refused(
        &with("poly", &["--steps", "100", "--patience", "3"]),
        "invalid --patience",
        "3",
    );
    refused(
        &[
            "schedule",
            "--race",
            "onecycle,nope",
            "--lr",
            "0.01",
            "--steps",
            "10",
        ],
        "invalid --race",
        "nope",
    );
    refused(
        &[
            "schedule",
            "--race",
            "step,cosine",
            "--lr",
            "0.01",
            "--steps",
            "10",
            "--three-phase",
        ],
        "invalid --three-phase",
        "step, cosine",
    );
    refused(
        &["schedule", "cosinus", "--lr", "1", "--steps", "9"],
        "<KIND>",
        "cosinus",
    );
    refused(
        &["schedule", "plateau", "--lr", "1", "--steps", "9"],
        "--race",
        "plateau",
    );
    refused(
        &["schedule", "poly", "--lr", "-1", "--steps", "9"],
        "invalid --lr",
        "-1",
    );
    refused(&["schedule", "onecycle", "--steps", "100"], "--lr", "CSV");
    refused(
        &["schedule", "onecycle", "--lr", "0.1"],
        "--steps",
        "--epochs",
    );
    refused(
        &["schedule", "onecycle", "--lr", "0.1", "--epochs", "3"],
        "invalid --epochs",
        "CSV",
    );
    // A bad setting with a CSV is refused before the range test runs.
    let iris = data("iris.csv");
    let iris = iris.to_str().unwrap();
    refused(
        &["schedule", "exponential", iris, "--gamma", "0", "--no-plot"],
        "invalid --gamma",
        "0 is not in (0, 1]",
    );
    refused(
        &["schedule", "--race", "constant", iris, "--epochs", "0"],
        "invalid --epochs",
        "0 epochs",
    );
    refused(
        &["schedule", "--race", "constant", iris, "--seeds", "0"],
        "invalid --seeds",
        "at least 1",
    );
}

#[test]
fn the_plot_is_a_png_and_anything_else_is_refused_before_any_work() {
    for name in ["s.svg", "s.jpg"] {
        let dir = tempfile::tempdir().unwrap();
        lrfind()
            .args([
                "schedule", "cosine", "--lr", "0.01", "--steps", "100", "--plot",
            ])
            .arg(dir.path().join(name))
            .assert()
            .code(2)
            .stderr(predicates::str::contains("--plot"));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{name}");
    }
}

/// The snippet builds the optimizer the LR is for, with its settings, in every framework: an LR
/// found for Adam is not handed to SGD.
#[test]
fn the_snippet_builds_the_optimizer_the_lr_is_for() {
    let snippet = |args: &[&str], framework: &str| {
        let out = lrfind()
            .arg("schedule")
            .args(args)
            .args(["--no-plot", "-q", "--snippet", framework])
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {out:?}");
        String::from_utf8(out.stdout).unwrap()
    };
    let iris = data("iris.csv");
    let found = snippet(&["onecycle", iris.to_str().unwrap()], "pytorch");
    assert!(found.contains("optimizer = torch.optim.Adam("), "{found}");
    assert!(found.contains("betas=(0.9, 0.999), eps=1e-8"), "{found}");
    assert!(!found.contains("SGD"), "{found}");
    let given = ["cosine", "--lr", "0.01", "--steps", "100"];
    let adamw = [
        &given[..],
        &["--optimizer", "adamw", "--weight-decay", "0.01"],
    ]
    .concat();
    for (framework, wants) in [
        (
            "pytorch",
            "torch.optim.AdamW(model.parameters(), lr=0.01, betas=(0.9, 0.999)",
        ),
        (
            "keras",
            "keras.optimizers.AdamW(learning_rate=schedule, weight_decay=0.01",
        ),
        (
            "optax",
            "optax.adamw(learning_rate=schedule, b1=0.9, b2=0.999, eps=1e-8, weight_decay=0.01",
        ),
        ("burn", "AdamWConfig::new()"),
    ] {
        let code = snippet(&adamw, framework);
        assert!(code.contains(wants), "{framework}: {code}");
        assert!(!code.to_lowercase().contains("sgd"), "{framework}: {code}");
        assert!(code.contains("0.01"), "{framework}: {code}");
    }
    let sgd = [
        &given[..],
        &["--optimizer", "sgd", "--momentum", "0.8", "--nesterov"],
    ]
    .concat();
    for (framework, wants) in [
        (
            "pytorch",
            "torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.8, nesterov=True",
        ),
        (
            "keras",
            "keras.optimizers.SGD(learning_rate=schedule, momentum=0.8, nesterov=True",
        ),
        (
            "optax",
            "optax.sgd(learning_rate=schedule, momentum=0.8, nesterov=True",
        ),
        ("burn", "momentum: 0.8"),
    ] {
        let code = snippet(&sgd, framework);
        assert!(code.contains(wants), "{framework}: {code}");
    }
    let rmsprop = [&given[..], &["--optimizer", "rmsprop"]].concat();
    assert!(snippet(&rmsprop, "keras")
        .contains("keras.optimizers.RMSprop(learning_rate=schedule, rho=0.99"));
    let adagrad = [&given[..], &["--optimizer", "adagrad"]].concat();
    assert!(snippet(&adagrad, "optax").contains(
        "optax.adagrad(learning_rate=schedule, initial_accumulator_value=0.0, eps=1e-10"
    ));
}
