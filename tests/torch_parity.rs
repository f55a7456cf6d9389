//! lrfind's model and optimizers against PyTorch: each fixture in `tests/fixtures/torch/`
//! (written by `bench/torch_fixtures.py` from torch.optim itself) holds a small MLP's initial
//! parameters, a few batches, and per optimizer the loss and parameters after every step. This
//! replays the same steps with `Mlp::loss_and_grad` and `OptimizerConfig::build` and requires
//! every loss and parameter to match.
//!
//! Tolerance: `|rust - torch| <= max(1e-5 * max(|rust|, |torch|), 1e-6)`: 1e-5 relative, with an
//! absolute floor of 1e-6 for parameters near zero. The fixture script checks that PyTorch's own
//! float32 and float64 trajectories agree to 1e-6, so rounding alone cannot reach this tolerance.

use std::path::Path;

use lrfind::model::{Mlp, Workspace};
use lrfind::optim::{OptimizerConfig, OptimizerKind};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;

const RELATIVE: f64 = 1e-5;
const ABSOLUTE_FLOOR: f64 = 1e-6;

#[derive(Deserialize)]
struct Fixture {
    sizes: Vec<usize>,
    classification: bool,
    batch: usize,
    params: Vec<f32>,
    batches: Vec<Batch>,
    optimizers: Vec<Trajectory>,
}

#[derive(Deserialize)]
struct Batch {
    inputs: Vec<Vec<f32>>,
    #[serde(default)]
    labels: Vec<u32>,
    #[serde(default)]
    targets: Vec<f32>,
}

#[derive(Deserialize)]
struct Trajectory {
    name: String,
    torch: String,
    kind: String,
    lr: f32,
    momentum: f64,
    nesterov: bool,
    weight_decay: f64,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Step {
    loss: f32,
    params: Vec<f32>,
}

fn read(name: &str) -> Fixture {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/torch")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

fn kind(name: &str) -> OptimizerKind {
    match name {
        "adam" => OptimizerKind::Adam,
        "adamw" => OptimizerKind::Adamw,
        "sgd" => OptimizerKind::Sgd,
        "rmsprop" => OptimizerKind::Rmsprop,
        "adagrad" => OptimizerKind::Adagrad,
        other => panic!("fixture names an unknown optimizer kind {other:?}"),
    }
}

fn close(rust: f32, torch: f32) -> bool {
    let (a, b) = (f64::from(rust), f64::from(torch));
    (a - b).abs() <= (RELATIVE * a.abs().max(b.abs())).max(ABSOLUTE_FLOOR)
}

fn fill(ws: &mut Workspace<f32>, batch: &Batch, classification: bool) {
    for (i, row) in batch.inputs.iter().enumerate() {
        for (j, &v) in row.iter().enumerate() {
            ws.input[[i, j]] = v;
        }
    }
    if classification {
        ws.labels_mut().copy_from_slice(&batch.labels);
    } else {
        ws.values_mut().copy_from_slice(&batch.targets);
    }
}

/// Replays every optimizer of one fixture; returns one line per disagreement.
fn replay(file: &str) -> Vec<String> {
    let fixture = read(file);
    let mut failures = Vec::new();
    for traj in &fixture.optimizers {
        let kind = kind(&traj.kind);
        let config = OptimizerConfig {
            kind,
            momentum: traj.momentum,
            nesterov: traj.nesterov,
            weight_decay: traj.weight_decay,
            ..OptimizerConfig::new(kind)
        };
        config
            .validate()
            .expect("the fixture's optimizer settings are valid");
        let mut mlp = Mlp::<f32>::new(&fixture.sizes, &mut ChaCha8Rng::seed_from_u64(0));
        assert_eq!(mlp.params().len(), fixture.params.len(), "{file}: layout");
        mlp.params_mut().copy_from_slice(&fixture.params);
        let mut ws = Workspace::new(&mlp, fixture.batch, fixture.classification);
        let mut optimizer = config.build(fixture.params.len());
        for (t, step) in traj.steps.iter().enumerate() {
            fill(
                &mut ws,
                &fixture.batches[t % fixture.batches.len()],
                fixture.classification,
            );
            let loss = mlp.loss_and_grad(&mut ws);
            optimizer.step(mlp.params_mut(), &ws.grads, traj.lr);
            let what = format!("{file} {} ({}), step {t}", traj.name, traj.torch);
            if !close(loss, step.loss) {
                failures.push(format!("{what}: loss {loss} vs torch {}", step.loss));
            }
            let wrong: Vec<String> = mlp
                .params()
                .iter()
                .zip(&step.params)
                .enumerate()
                .filter(|(_, (&r, &p))| !close(r, p))
                .map(|(i, (r, p))| format!("param {i}: {r} vs torch {p}"))
                .collect();
            if !wrong.is_empty() {
                failures.push(format!(
                    "{what}: {} of {} parameters differ, e.g. {}",
                    wrong.len(),
                    step.params.len(),
                    wrong[..wrong.len().min(3)].join("; ")
                ));
            }
        }
    }
    failures
}

#[test]
fn classification_matches_torch() {
    let failures = replay("classification.json");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn regression_matches_torch() {
    let failures = replay("regression.json");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The fixtures themselves cover what they claim: every optimizer kind, with several steps.
#[test]
fn fixtures_cover_every_optimizer() {
    for file in ["classification.json", "regression.json"] {
        let fixture = read(file);
        let mut kinds: Vec<&str> = fixture.optimizers.iter().map(|o| o.kind.as_str()).collect();
        kinds.sort_unstable();
        kinds.dedup();
        assert_eq!(
            kinds,
            ["adagrad", "adam", "adamw", "rmsprop", "sgd"],
            "{file}"
        );
        assert!(fixture.optimizers.iter().all(|o| o.steps.len() >= 5));
    }
}
