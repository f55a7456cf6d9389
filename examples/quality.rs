//! The quality benchmark: how good is each suggestion rule's LR, measured against real training?
//!
//! For every CSV in data/ and a set of generated data sets of other shapes, and for Adam and for
//! SGD with momentum 0.9: hold out 20% of the rows, sweep fixed LRs (1e-5 to 1, four per decade,
//! three seeds) for the ground truth, run the range test on the training rows with three seeds,
//! and score every rule's pick by its regret `(L(s) - L*) / (L0 - L*)`, where `L(s)` is the mean
//! best validation loss of three fresh runs trained at the pick `s`, `L*` the best over the grid
//! and `L0` the untrained loss. Prints markdown tables (see docs/quality.md).
//!
//! Run: `cargo run --release --example quality` (add `-- --quick` for one seed and a coarser grid).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use indicatif::ProgressBar;
use lrfind::data::{self, csv::ReadOptions, Dataset, EncodeOptions};
use lrfind::finder::{self, RangeTestConfig};
use lrfind::optim::{OptimizerConfig, OptimizerKind};
use lrfind::split::split;
use lrfind::suggest::{suggest, Method};
use lrfind::sweep::{log_grid, measure, regret, sweep, Budget, Training};
use lrfind::train::ModelConfig;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SEEDS: usize = 3;

struct Case {
    name: String,
    dataset: Dataset,
}

fn load(path: &Path, target: Option<&str>) -> Option<Dataset> {
    let encode = EncodeOptions {
        target: target.map(str::to_string),
        ..EncodeOptions::default()
    };
    match data::load(path, &ReadOptions::default(), &encode) {
        Ok(d) => Some(d),
        Err(e) => {
            eprintln!("skipping {}: {e}", path.display());
            None
        }
    }
}

/// Writes a generated table to `dir/name.csv` and loads it through the real loader.
fn generated(dir: &Path, name: &str, header: &[String], rows: &[Vec<String>]) -> Option<Case> {
    let path = dir.join(format!("{name}.csv"));
    let mut w = csv::Writer::from_path(&path).ok()?;
    w.write_record(header).ok()?;
    for r in rows {
        w.write_record(r).ok()?;
    }
    w.flush().ok()?;
    Some(Case {
        name: format!("synthetic: {name}"),
        dataset: load(&path, None)?,
    })
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    lrfind::model::init::standard_normal(rng)
}

/// Data from a random "teacher": features N(0,1) times per-column scales, label from a random
/// one-hidden-layer network (classes: argmax of its outputs; regression: its output plus noise).
fn teacher(
    rows: usize,
    features: usize,
    classes: usize,
    noise: f64,
    scales: &dyn Fn(usize) -> f64,
    seed: u64,
) -> (Vec<String>, Vec<Vec<String>>) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let hidden = 16;
    let outputs = classes.max(1);
    let w1: Vec<f64> = (0..features * hidden)
        .map(|_| normal(&mut rng) / (features as f64).sqrt())
        .collect();
    let w2: Vec<f64> = (0..hidden * outputs)
        .map(|_| normal(&mut rng) / (hidden as f64).sqrt() * 3.0)
        .collect();
    let mut header: Vec<String> = (0..features).map(|j| format!("f{j}")).collect();
    header.push("label".into());
    let mut out = Vec::with_capacity(rows);
    for _ in 0..rows {
        let x: Vec<f64> = (0..features).map(|_| normal(&mut rng)).collect();
        let h: Vec<f64> = (0..hidden)
            .map(|k| {
                (0..features)
                    .map(|j| x[j] * w1[j * hidden + k])
                    .sum::<f64>()
                    .tanh()
            })
            .collect();
        let o: Vec<f64> = (0..outputs)
            .map(|c| {
                (0..hidden).map(|k| h[k] * w2[k * outputs + c]).sum::<f64>()
                    + noise * normal(&mut rng)
            })
            .collect();
        let label = if classes > 1 {
            let c = (0..outputs).max_by(|&a, &b| o[a].total_cmp(&o[b])).unwrap();
            format!("class{c}")
        } else {
            format!("{:.6}", 100.0 * o[0] + 1000.0)
        };
        let mut row: Vec<String> = x
            .iter()
            .enumerate()
            .map(|(j, v)| format!("{:.6e}", v * scales(j)))
            .collect();
        row.push(label);
        out.push(row);
    }
    let _ = rng.random::<u8>();
    (header, out)
}

fn synthetic_cases(dir: &Path) -> Vec<Case> {
    let unit = |_: usize| 1.0;
    let wild = |j: usize| 10f64.powi((j % 7) as i32 * 2 - 6);
    let specs: Vec<(&str, usize, usize, usize, f64, &dyn Fn(usize) -> f64)> = vec![
        ("many-features", 1500, 200, 4, 0.3, &unit),
        ("few-rows", 60, 8, 3, 0.3, &unit),
        ("many-classes", 3000, 30, 25, 0.2, &unit),
        ("noisy-regression", 2000, 12, 1, 1.0, &unit),
        ("badly-scaled", 1000, 14, 3, 0.3, &wild),
    ];
    specs
        .into_iter()
        .enumerate()
        .filter_map(|(i, (name, rows, features, classes, noise, scales))| {
            let (h, r) = teacher(rows, features, classes, noise, scales, 100 + i as u64);
            generated(dir, name, &h, &r)
        })
        .collect()
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let seeds = if quick { 1 } else { SEEDS };
    let grid = if quick {
        log_grid(1e-5, 1.0, 2)
    } else {
        log_grid(1e-5, 1.0, 4)
    };
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut cases: Vec<Case> = Vec::new();
    for (file, target) in [
        ("iris.csv", None),
        ("wine.csv", None),
        ("breast_cancer.csv", None),
        ("digits.csv", None),
        ("diabetes.csv", None),
        ("penguins.csv", Some("species")),
    ] {
        if let Some(d) = load(&root.join("data").join(file), target) {
            cases.push(Case {
                name: file.to_string(),
                dataset: d,
            });
        }
    }
    let tmp = tempfile::tempdir().expect("temporary folder");
    cases.extend(synthetic_cases(tmp.path()));

    let optimizers = [
        ("adam", OptimizerConfig::new(OptimizerKind::Adam)),
        ("sgd", OptimizerConfig::new(OptimizerKind::Sgd)),
    ];
    let methods = Method::ALL;
    // regrets[optimizer][method] -> per case
    let mut all: BTreeMap<(&str, Method), Vec<f64>> = BTreeMap::new();
    let mut median_regrets: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    let mut spreads: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    println!(
        "| data | optimizer | best LR (sweep) | {} | headline spread (decades) |",
        methods.map(|m| m.name()).join(" | ")
    );
    println!("|---|---|---|{}---|", "---|".repeat(methods.len()));
    for case in &cases {
        let d = &case.dataset;
        let s = split(d, 0.2, 0);
        for (opt_name, opt) in &optimizers {
            let training = Training {
                model: ModelConfig {
                    hidden: vec![64, 64],
                },
                optimizer: *opt,
                batch_size: 64,
                budget: Budget::default(),
            };
            let truth = sweep(d, &s, &training, &grid, 0, seeds).expect("valid sweep");
            let (l_star, l0) = (truth.best_loss, truth.initial_loss);
            let config = RangeTestConfig {
                model: training.model.clone(),
                optimizer: *opt,
                start_lr: 1e-6,
                end_lr: 10.0,
                steps: None,
                batch_size: 64,
                smoothing: 0.98,
                diverge_factor: 4.0,
                seed: 0,
            };
            let picks: Vec<_> = (0..seeds as u64)
                .map(|seed| {
                    let c = RangeTestConfig {
                        seed,
                        ..config.clone()
                    };
                    let h =
                        finder::run_on_rows(d, s.train.clone(), None, &c, &ProgressBar::hidden())
                            .expect("valid config");
                    suggest(&h)
                })
                .collect();
            let mut cells = Vec::new();
            for m in methods {
                let lrs: Vec<f64> = picks
                    .iter()
                    .filter_map(|p| p.get(m).map(|s| s.lr))
                    .collect();
                let r = if lrs.is_empty() {
                    1.0
                } else {
                    let measured = measure(d, &s, &training, &lrs, 1000, seeds);
                    let missing = (seeds - lrs.len()) as f64;
                    (measured
                        .iter()
                        .map(|x| regret(x.mean_loss, l_star, l0))
                        .sum::<f64>()
                        + missing)
                        / seeds as f64
                };
                all.entry((opt_name, m)).or_default().push(r);
                let med = median(&lrs);
                cells.push(format!(
                    "{r:.3} ({})",
                    med.map_or("-".into(), |v| format!("{v:.1e}"))
                ));
            }
            let heads: Vec<f64> = picks
                .iter()
                .filter_map(|p| p.headline.map(|s| s.lr))
                .collect();
            let spread = decades(&heads);
            spreads.entry(opt_name).or_default().push(spread);
            if let Some(med) = median(&heads) {
                let m = measure(d, &s, &training, &[med], 1000, seeds);
                median_regrets.entry(opt_name).or_default().push(regret(
                    m[0].mean_loss,
                    l_star,
                    l0,
                ));
            }
            println!(
                "| {} | {opt_name} | {:.1e} | {} | {spread:.2} |",
                case.name,
                truth.best_lr,
                cells.join(" | ")
            );
        }
    }
    println!();
    println!("| optimizer | rule | median regret | worst regret |");
    println!("|---|---|---|---|");
    for ((opt, m), v) in &all {
        println!(
            "| {opt} | {m} | {:.3} | {:.3} |",
            median(v).unwrap_or(1.0),
            v.iter().cloned().fold(0.0, f64::max)
        );
    }
    for (opt, v) in &median_regrets {
        println!(
            "| {opt} | headline, median of {seeds} runs | {:.3} | {:.3} |",
            median(v).unwrap_or(1.0),
            v.iter().cloned().fold(0.0, f64::max)
        );
    }
    for (opt, v) in &spreads {
        println!(
            "\n{opt}: headline spread over {seeds} seeds, median {:.2} decades, worst {:.2}",
            median(v).unwrap_or(0.0),
            v.iter().cloned().fold(0.0, f64::max)
        );
    }
}

fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    Some(if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] * s[n / 2])
            .sqrt()
            .max(0.5 * (s[n / 2 - 1] + s[n / 2]) * 0.0)
    })
}

fn decades(v: &[f64]) -> f64 {
    if v.len() < 2 {
        return 0.0;
    }
    let lo = v.iter().cloned().fold(f64::INFINITY, f64::min);
    let hi = v.iter().cloned().fold(0.0, f64::max);
    (hi / lo).log10()
}
