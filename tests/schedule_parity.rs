//! Replays every table in tests/fixtures/schedules/ (written by bench/schedule_fixtures.py from
//! PyTorch, fastai, Keras, optax and transformers themselves) against lrfind's schedules: every
//! step's LR, and momentum where the framework has one, must agree to 1e-9 relative.

use std::fs;
use std::path::{Path, PathBuf};

use lrfind::schedule::{
    build, Anneal, CyclicMode, DecayShape, LrSchedule, OneCycleVariant, PlateauConfig, PlateauMode,
    ScheduleKind, ScheduleOptions, ThresholdMode,
};
use serde_json::Value;

const RTOL: f64 = 1e-9;

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/schedules");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
}

fn load(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap() as usize)
        .collect()
}

fn kind(name: &str) -> ScheduleKind {
    *ScheduleKind::ALL
        .iter()
        .find(|k| k.name() == name)
        .unwrap_or_else(|| panic!("unknown kind {name}"))
}

/// The fixture's options, by lrfind's setting names; an unknown key fails the test.
fn options(o: &Value) -> ScheduleOptions {
    let mut out = ScheduleOptions::default();
    for (key, v) in o.as_object().unwrap() {
        let f = || v.as_f64().unwrap();
        let n = || v.as_u64().unwrap() as usize;
        let s = || v.as_str().unwrap();
        match key.as_str() {
            "min_lr" => out.min_lr = Some(f()),
            "warmup" => out.warmup = Some(n()),
            "warmup_start_factor" => out.warmup_start_factor = Some(f()),
            "variant" => {
                out.variant = Some(match s() {
                    "pytorch" => OneCycleVariant::Pytorch,
                    "fastai" => OneCycleVariant::Fastai,
                    other => panic!("variant {other}"),
                })
            }
            "pct_start" => out.pct_start = Some(f()),
            "div" => out.div = Some(f()),
            "final_div" => out.final_div = Some(f()),
            "three_phase" => out.three_phase = v.as_bool().unwrap(),
            "anneal" => {
                out.anneal = Some(match s() {
                    "cos" => Anneal::Cos,
                    "linear" => Anneal::Linear,
                    other => panic!("anneal {other}"),
                })
            }
            "base_momentum" => out.base_momentum = Some(f()),
            "max_momentum" => out.max_momentum = Some(f()),
            "period" => out.period = Some(n()),
            "period_mult" => out.period_mult = Some(n()),
            "gamma" => out.gamma = Some(f()),
            "step_size" => out.step_size = Some(n()),
            "milestones" => out.milestones = Some(usizes(v)),
            "boundaries" => out.boundaries = Some(usizes(v)),
            "values" => out.values = Some(floats(v)),
            "power" => out.power = Some(f()),
            "decay_rate" => out.decay_rate = Some(f()),
            "decay_steps" => out.decay_steps = Some(n()),
            "staircase" => out.staircase = v.as_bool().unwrap(),
            "step_size_up" => out.step_size_up = Some(n()),
            "step_size_down" => out.step_size_down = Some(n()),
            "mode" => {
                out.mode = Some(match s() {
                    "triangular" => CyclicMode::Triangular,
                    "triangular2" => CyclicMode::Triangular2,
                    "exp-range" => CyclicMode::ExpRange,
                    other => panic!("mode {other}"),
                })
            }
            "fractions" => {
                let f = floats(v);
                out.fractions = Some([f[0], f[1], f[2]]);
            }
            "decay_shape" => {
                out.decay_shape = Some(match s() {
                    "linear" => DecayShape::Linear,
                    "cosine" => DecayShape::Cosine,
                    "1-sqrt" => DecayShape::OneMinusSqrt,
                    other => panic!("decay_shape {other}"),
                })
            }
            other => panic!("unknown option {other}"),
        }
    }
    out
}

fn plateau_config(lr: f64, o: &Value) -> PlateauConfig {
    let mut c = PlateauConfig::new(lr);
    for (key, v) in o.as_object().unwrap() {
        match key.as_str() {
            "mode" => {
                c.mode = match v.as_str().unwrap() {
                    "min" => PlateauMode::Min,
                    "max" => PlateauMode::Max,
                    other => panic!("mode {other}"),
                }
            }
            "threshold_mode" => {
                c.threshold_mode = match v.as_str().unwrap() {
                    "rel" => ThresholdMode::Rel,
                    "abs" => ThresholdMode::Abs,
                    other => panic!("threshold_mode {other}"),
                }
            }
            "threshold" => c.threshold = v.as_f64().unwrap(),
            "factor" => c.factor = v.as_f64().unwrap(),
            "patience" => c.patience = v.as_u64().unwrap() as usize,
            "cooldown" => c.cooldown = v.as_u64().unwrap() as usize,
            "min_lr" => c.min_lr = v.as_f64().unwrap(),
            "eps" => c.eps = v.as_f64().unwrap(),
            other => panic!("unknown plateau option {other}"),
        }
    }
    c
}

/// The largest relative difference, and the step where it is; exact zeros must match exactly,
/// and a NaN counts as infinitely far.
fn worst(ours: &[f64], theirs: &[f64]) -> (f64, usize) {
    assert_eq!(ours.len(), theirs.len(), "table lengths");
    let mut out = (0.0, 0);
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let rel = if *b == 0.0 {
            if *a == 0.0 {
                0.0
            } else {
                f64::INFINITY
            }
        } else {
            ((a - b) / b).abs()
        };
        // A NaN of ours is as wrong as can be.
        let rel = if rel.is_nan() { f64::INFINITY } else { rel };
        if rel > out.0 {
            out = (rel, i);
        }
    }
    out
}

#[test]
fn every_fixture_matches_its_framework() {
    let files = fixtures();
    assert!(files.len() >= 40, "only {} fixtures", files.len());
    let mut failures = Vec::new();
    let mut kinds = std::collections::BTreeSet::new();
    for path in &files {
        let doc = load(path);
        let name = doc["name"].as_str().unwrap().to_string();
        let lr = doc["lr"].as_f64().unwrap();
        let want = floats(&doc["lrs"]);
        kinds.insert(doc["kind"].as_str().unwrap().to_string());
        let (ours, momentum) = if doc["kind"] == "plateau" {
            let p = plateau_config(lr, &doc["options"]).build().unwrap();
            (p.replay(&floats(&doc["metrics"])), None)
        } else {
            let steps = doc["steps"].as_u64().unwrap() as usize;
            let s = build(
                kind(doc["kind"].as_str().unwrap()),
                lr,
                steps,
                &options(&doc["options"]),
            )
            .unwrap_or_else(|e| panic!("{name}: {e}"));
            let table = s.table();
            let lrs: Vec<f64> = table.iter().map(|r| r.lr).collect();
            let moms: Option<Vec<f64>> = table.iter().map(|r| r.momentum).collect();
            (lrs, Some(moms))
        };
        let (rel, at) = worst(&ours, &want);
        // Shown with --nocapture: how close each framework's table is.
        eprintln!(
            "{name:40} {:6} steps, worst LR difference {rel:.2e}",
            want.len()
        );
        if rel > RTOL {
            failures.push(format!(
                "{name}: LR off by {rel:.3e} relative at step {at} ({} vs {})",
                ours[at], want[at]
            ));
        }
        if let Some(moms) = momentum {
            match (&moms, doc["momentum"].is_null()) {
                (None, true) => {}
                (Some(m), false) => {
                    let (rel, at) = worst(m, &floats(&doc["momentum"]));
                    if rel > RTOL {
                        failures.push(format!(
                            "{name}: momentum off by {rel:.3e} relative at step {at}"
                        ));
                    }
                }
                (ours, theirs_null) => failures.push(format!(
                    "{name}: momentum column {} here, {} in the fixture",
                    if ours.is_some() { "present" } else { "absent" },
                    if theirs_null { "absent" } else { "present" }
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Every kind with a framework counterpart has fixtures.
    for k in ScheduleKind::ALL {
        if k != ScheduleKind::Constant {
            assert!(kinds.contains(k.name()), "no fixture for {k}");
        }
    }
}

#[test]
fn the_interface_lines_are_fixtured() {
    let names: Vec<String> = fixtures()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for kind in [
        "onecycle",
        "cosine",
        "cosine_restarts",
        "exponential",
        "step",
        "multistep",
        "poly",
        "cyclic",
    ] {
        let want = format!("{kind}_interface");
        assert!(names.contains(&want), "missing {want}");
    }
}

/// For bench/check_snippets.py: writes, for every fixture's schedule and a few more, lrfind's
/// table and its snippet in each framework to `$LRFIND_SNIPPET_DIR/<name>.json`, each for SGD
/// with momentum 0.9 and a few (`x_opt_*`) for every other optimizer. Run by the checker with
/// `cargo test --test schedule_parity -- --ignored dump_snippets`.
#[test]
#[ignore = "run by bench/check_snippets.py"]
fn dump_snippets() {
    use lrfind::optim::{OptimizerConfig, OptimizerKind};
    use lrfind::schedule::{snippet, Framework};
    let dir = PathBuf::from(std::env::var("LRFIND_SNIPPET_DIR").expect("LRFIND_SNIPPET_DIR"));
    fs::create_dir_all(&dir).unwrap();
    let sgd = OptimizerConfig::new(OptimizerKind::Sgd);
    type Case = (
        String,
        ScheduleKind,
        f64,
        usize,
        ScheduleOptions,
        OptimizerConfig,
    );
    let mut cases: Vec<Case> = Vec::new();
    for path in fixtures() {
        let doc = load(&path);
        if doc["kind"] == "plateau" {
            continue;
        }
        cases.push((
            doc["name"].as_str().unwrap().to_string(),
            kind(doc["kind"].as_str().unwrap()),
            doc["lr"].as_f64().unwrap(),
            doc["steps"].as_u64().unwrap() as usize,
            options(&doc["options"]),
            sgd,
        ));
    }
    let extra =
        |name: &str, k: ScheduleKind, o: ScheduleOptions| (name.to_string(), k, 0.02, 400, o, sgd);
    let with = |name: &str, k: ScheduleKind, o: ScheduleOptions, kind, wd: f64| {
        let optimizer = OptimizerConfig {
            weight_decay: wd,
            nesterov: kind == OptimizerKind::Sgd,
            ..OptimizerConfig::new(kind)
        };
        (name.to_string(), k, 0.02, 400, o, optimizer)
    };
    let fastai = ScheduleOptions {
        variant: Some(OneCycleVariant::Fastai),
        ..Default::default()
    };
    for (kind, wd) in [
        (OptimizerKind::Adam, 1e-4),
        (OptimizerKind::Adamw, 0.01),
        (OptimizerKind::Sgd, 1e-4),
        (OptimizerKind::Rmsprop, 1e-4),
        (OptimizerKind::Adagrad, 0.0),
    ] {
        let k = ScheduleKind::Onecycle;
        cases.push(with(
            &format!("x_opt_{kind}_onecycle"),
            k,
            Default::default(),
            kind,
            wd,
        ));
        let name = format!("x_opt_{kind}_onecycle_fastai");
        cases.push(with(&name, k, fastai.clone(), kind, wd));
        let name = format!("x_opt_{kind}_cosine");
        cases.push(with(
            &name,
            ScheduleKind::Cosine,
            Default::default(),
            kind,
            wd,
        ));
    }
    cases.push(extra(
        "x_constant",
        ScheduleKind::Constant,
        ScheduleOptions::default(),
    ));
    cases.push(extra(
        "x_inverse_time_power",
        ScheduleKind::InverseTime,
        ScheduleOptions {
            decay_steps: Some(50),
            power: Some(0.5),
            ..Default::default()
        },
    ));
    cases.push(extra(
        "x_onecycle_no_momentum",
        ScheduleKind::Onecycle,
        ScheduleOptions {
            cycle_momentum: Some(false),
            ..Default::default()
        },
    ));
    cases.push(extra(
        "x_wsd_cosine_tail",
        ScheduleKind::Wsd,
        ScheduleOptions {
            fractions: Some([0.0, 0.5, 0.3]),
            min_lr: Some(0.002),
            ..Default::default()
        },
    ));
    cases.push(extra(
        "x_wsd_no_decay",
        ScheduleKind::Wsd,
        ScheduleOptions {
            fractions: Some([0.1, 0.6, 0.0]),
            ..Default::default()
        },
    ));
    cases.push(extra(
        "x_poly_cubic",
        ScheduleKind::Poly,
        ScheduleOptions {
            power: Some(3.0),
            ..Default::default()
        },
    ));
    cases.push(extra(
        "x_cyclic_triangular2_asym",
        ScheduleKind::Cyclic,
        ScheduleOptions {
            min_lr: Some(0.001),
            step_size_up: Some(30),
            step_size_down: Some(70),
            mode: Some(CyclicMode::Triangular2),
            ..Default::default()
        },
    ));
    for (name, k, lr, steps, o, optimizer) in cases {
        let s = build(k, lr, steps, &o).unwrap_or_else(|e| panic!("{name}: {e}"));
        let table = s.table();
        let snippets: serde_json::Map<String, Value> = Framework::ALL
            .iter()
            .map(|&f| {
                let key = serde_json::to_value(f)
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_string();
                (key, Value::String(snippet(&s, &optimizer, f)))
            })
            .collect();
        let doc = serde_json::json!({
            "name": name,
            "kind": k.name(),
            "lr": lr,
            "steps": steps,
            "lrs": table.iter().map(|r| r.lr).collect::<Vec<_>>(),
            // Only an optimizer with a momentum (SGD's, Adam's beta1) can follow the table's.
            "momentum": matches!(
                optimizer.kind,
                OptimizerKind::Sgd | OptimizerKind::Adam | OptimizerKind::Adamw
            )
            .then(|| table.iter().map(|r| r.momentum).collect::<Option<Vec<_>>>())
            .flatten(),
            "fastai": matches!(&o.variant, Some(OneCycleVariant::Fastai)),
            "snippets": snippets,
        });
        fs::write(dir.join(format!("{name}.json")), doc.to_string()).unwrap();
    }
}
