//! lrfind's tabular model against fastai itself: `tests/fixtures/tabular/fastai.json` (written by
//! `bench/tabular_fixtures.py` with fastai 2.8.12 and torch 2.9.1) holds what fastai's
//! `Categorify`, `FillMissing` and `Normalize` make of `small.csv`'s training rows, the
//! `state_dict` of `tabular_learner`'s model at initialisation, and per optimizer (fastai's
//! `Adam` with its defaults, and `SGD` with momentum) the losses of a few training-mode steps on
//! given batches, the `state_dict` after them (BatchNorm running estimates included) and the
//! evaluation-mode loss on the validation rows. This loads the same CSV with lrfind's reader,
//! fits lrfind's preprocessing on the same rows, starts lrfind's `Trainer` from the same
//! parameters and replays the same batches.
//!
//! Tolerance: `|rust - fastai| <= max(1e-5 * max(|rust|, |fastai|), 1e-6)`, as
//! tests/torch_parity.rs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lrfind::data::{EncodeOptions, ReadOptions};
use lrfind::model::ModelConfig;
use lrfind::optim::{OptimizerConfig, OptimizerKind};
use lrfind::train::{Evaluator, Network, Trainer};
use serde::Deserialize;

const RELATIVE: f64 = 1e-5;
const ABSOLUTE_FLOOR: f64 = 1e-6;

#[derive(Deserialize)]
struct Fixture {
    layers: Vec<usize>,
    train: Vec<usize>,
    valid: Vec<usize>,
    batches: Vec<Vec<usize>>,
    preprocessing: Preprocessing,
    init: HashMap<String, Vec<f32>>,
    optimizers: HashMap<String, Run>,
}

#[derive(Deserialize)]
struct Preprocessing {
    categories: HashMap<String, Vec<String>>,
    fill: HashMap<String, f64>,
    mean: HashMap<String, f64>,
    std: HashMap<String, f64>,
    classes: Vec<String>,
}

#[derive(Deserialize)]
struct Run {
    lr: f64,
    losses: Vec<f32>,
    after: HashMap<String, Vec<f32>>,
    val_loss: f64,
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tabular")
}

fn close(rust: f64, fastai: f64) -> bool {
    (rust - fastai).abs() <= (RELATIVE * rust.abs().max(fastai.abs())).max(ABSOLUTE_FLOOR)
}

fn fixture() -> Fixture {
    let text = std::fs::read_to_string(dir().join("fastai.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn optimizer(name: &str) -> OptimizerConfig {
    match name {
        // What `--model tabular` trains with unless told otherwise.
        "adam" => OptimizerConfig {
            weight_decay: OptimizerConfig::FASTAI_WEIGHT_DECAY,
            ..OptimizerConfig::new(OptimizerKind::Adam).fastai()
        },
        "sgd" => OptimizerConfig::new(OptimizerKind::Sgd).fastai(),
        other => panic!("no optimizer {other}"),
    }
}

fn mismatches(label: &str, rust: &[f32], fastai: &[f32], out: &mut Vec<String>) {
    assert_eq!(rust.len(), fastai.len(), "{label}: lengths");
    for (i, (&r, &f)) in rust.iter().zip(fastai).enumerate() {
        if !close(f64::from(r), f64::from(f)) {
            out.push(format!("{label}[{i}]: lrfind {r} fastai {f}"));
        }
    }
}

#[test]
fn preprocessing_and_training_match_fastai() {
    let f = fixture();
    let dataset = lrfind::data::load(
        &dir().join("small.csv"),
        &ReadOptions::default(),
        &EncodeOptions::default(),
    )
    .unwrap();
    assert_eq!(
        dataset.target.classes(),
        Some(f.preprocessing.classes.len())
    );
    let config = ModelConfig {
        hidden: f.layers.clone(),
        ..ModelConfig::tabular()
    };
    let mut bad = Vec::new();
    let mut names = f.optimizers.keys().cloned().collect::<Vec<_>>();
    names.sort();
    assert_eq!(names, ["adam", "sgd"]);
    for name in names {
        let run = &f.optimizers[&name];
        let opt = optimizer(&name);
        let mut trainer = Trainer::new(&dataset, f.train.clone(), &config, &opt, 8, 0);
        let Network::Tabular { model, inputs } = trainer.model_mut() else {
            panic!("--model tabular trains the tabular model");
        };
        // fastai's statistics, from the same training rows.
        for c in &inputs.categories {
            assert_eq!(c.classes, f.preprocessing.categories[&c.name], "{}", c.name);
        }
        assert_eq!(inputs.categories.len(), f.preprocessing.categories.len());
        for c in &inputs.continuous {
            let (m, s) = (f.preprocessing.mean[&c.name], f.preprocessing.std[&c.name]);
            assert!(close(c.mean, m), "{}: mean {} vs {m}", c.name, c.mean);
            assert!(close(c.std, s), "{}: std {} vs {s}", c.name, c.std);
            match (c.fill, f.preprocessing.fill.get(&c.name)) {
                (Some(a), Some(&b)) => assert!(close(a, b), "{}: fill {a} vs {b}", c.name),
                (None, None) => {}
                other => panic!("{}: fill {other:?}", c.name),
            }
        }
        // Start from fastai's parameters and running estimates.
        let tensors = model.tensors();
        assert_eq!(tensors.len(), f.init.len(), "every tensor named");
        for t in &tensors {
            let values = &f.init[&t.name];
            let dst = if t.running {
                &mut model.running_mut()[t.range.clone()]
            } else {
                &mut model.params_mut()[t.range.clone()]
            };
            dst.copy_from_slice(values);
        }
        for (step, rows) in f.batches.iter().enumerate() {
            let loss = trainer.step_rows(&dataset, rows, run.lr);
            if !close(f64::from(loss), f64::from(run.losses[step])) {
                bad.push(format!(
                    "{name} step {step} loss: lrfind {loss} fastai {}",
                    run.losses[step]
                ));
            }
        }
        let Network::Tabular { model, .. } = trainer.model() else {
            unreachable!()
        };
        for t in &model.tensors() {
            let rust = if t.running {
                &model.running()[t.range.clone()]
            } else {
                &model.params()[t.range.clone()]
            };
            mismatches(
                &format!("{name} {}", t.name),
                rust,
                &run.after[&t.name],
                &mut bad,
            );
        }
        let mut evaluator = Evaluator::new(&dataset, trainer.model(), f.valid.clone());
        let val = trainer.evaluate(&mut evaluator, &dataset);
        if !close(val, run.val_loss) {
            bad.push(format!(
                "{name} validation loss (evaluation mode): lrfind {val} fastai {}",
                run.val_loss
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
