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
use lrfind::curve::consensus::{log_median, spread_decades};
use lrfind::curve::rules::Method;
use lrfind::data::split::split;
use lrfind::data::{self, csv::ReadOptions, Dataset, EncodeOptions};
use lrfind::find::{read_run, FindConfig};
use lrfind::model::ModelConfig;
use lrfind::optim::{OptimizerConfig, OptimizerKind};
use lrfind::range_test::{run_many, RangeTestConfig};
use lrfind::train::fixed::{measure, Budget, Training};
use lrfind::train::sweep::{log_grid, regret, sweep, SweepConfig};
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

/// A generated data set: name, rows, features, classes (1: regression), label noise, and the
/// scale of each raw feature column.
struct Shape {
    name: &'static str,
    rows: usize,
    features: usize,
    classes: usize,
    noise: f64,
    scale: fn(usize) -> f64,
}

fn synthetic_cases(dir: &Path) -> Vec<Case> {
    let shapes = [
        Shape {
            name: "many-features",
            rows: 1500,
            features: 200,
            classes: 4,
            noise: 0.3,
            scale: |_| 1.0,
        },
        Shape {
            name: "few-rows",
            rows: 60,
            features: 8,
            classes: 3,
            noise: 0.3,
            scale: |_| 1.0,
        },
        Shape {
            name: "many-classes",
            rows: 3000,
            features: 30,
            classes: 25,
            noise: 0.2,
            scale: |_| 1.0,
        },
        Shape {
            name: "noisy-regression",
            rows: 2000,
            features: 12,
            classes: 1,
            noise: 1.0,
            scale: |_| 1.0,
        },
        Shape {
            name: "badly-scaled",
            rows: 1000,
            features: 14,
            classes: 3,
            noise: 0.3,
            scale: |j| 10f64.powi((j % 7) as i32 * 2 - 6),
        },
    ];
    shapes
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let (h, r) = teacher(
                s.rows,
                s.features,
                s.classes,
                s.noise,
                &s.scale,
                100 + i as u64,
            );
            generated(dir, s.name, &h, &r)
        })
        .collect()
}

/// One data set and optimizer with its ground truth: what a pick is scored against.
struct Scorer<'a> {
    dataset: &'a Dataset,
    split: &'a lrfind::data::split::Split,
    training: &'a Training,
    seeds: usize,
    /// Best validation loss over the grid.
    l_star: f64,
    /// Untrained validation loss.
    l0: f64,
}

impl Scorer<'_> {
    /// Mean regret of training at each LR in `lrs`, a missing pick (of `total`) counting as 1.
    fn mean_regret(&self, lrs: &[f64], total: usize) -> f64 {
        if lrs.is_empty() {
            return 1.0;
        }
        let measured = measure(
            self.dataset,
            self.split,
            self.training,
            lrs,
            1000,
            self.seeds,
        );
        let missing = total.saturating_sub(lrs.len()) as f64;
        (measured
            .iter()
            .map(|x| regret(x.mean_loss, self.l_star, self.l0))
            .sum::<f64>()
            + missing)
            / total as f64
    }
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
    // (optimizer, rule, single run or median of runs) -> regret per case
    let mut table: BTreeMap<(&str, Method, bool), Vec<f64>> = BTreeMap::new();
    let mut spreads: BTreeMap<(&str, Method), Vec<f64>> = BTreeMap::new();
    println!(
        "| data | optimizer | best LR (sweep) | {} |",
        methods
            .map(|m| format!("{m}: regret 1 run / median of {seeds} (LR)"))
            .join(" | ")
    );
    println!("|---|---|---|{}", "---|".repeat(methods.len()));
    for case in &cases {
        let d = &case.dataset;
        let s = split(d, 0.2, 0);
        for (opt_name, opt) in &optimizers {
            let training = Training {
                model: ModelConfig::default(),
                optimizer: *opt,
                batch_size: 64,
                budget: Budget::default(),
            };
            let sweep_config = SweepConfig {
                lrs: grid.clone(),
                seeds,
                ..SweepConfig::with_defaults(training.clone())
            };
            let truth = sweep(d, &s, &sweep_config).expect("valid sweep");
            let scorer = Scorer {
                dataset: d,
                split: &s,
                training: &training,
                seeds,
                l_star: truth.best_loss.unwrap_or(truth.initial_loss),
                l0: truth.initial_loss,
            };
            let config = FindConfig::with_defaults(RangeTestConfig::with_defaults(
                training.model.clone(),
                *opt,
            ));
            let picks: Vec<_> = run_many(d, Some(&s), &config.range, seeds, &ProgressBar::hidden())
                .expect("valid config")
                .into_iter()
                .map(|r| read_run(r, &config).picks)
                .collect();
            let mut cells = Vec::new();
            for m in methods {
                let lrs: Vec<f64> = picks
                    .iter()
                    .filter_map(|p| p.get(m).map(|s| s.lr))
                    .collect();
                let single = scorer.mean_regret(&lrs, seeds);
                let med = log_median(&lrs);
                let combined = scorer.mean_regret(&med.into_iter().collect::<Vec<_>>(), 1);
                table.entry((opt_name, m, false)).or_default().push(single);
                table.entry((opt_name, m, true)).or_default().push(combined);
                spreads
                    .entry((opt_name, m))
                    .or_default()
                    .push(spread_decades(&lrs).unwrap_or(f64::NAN));
                cells.push(format!(
                    "{single:.3} / {combined:.3} ({})",
                    med.map_or("-".into(), |v| format!("{v:.1e}"))
                ));
            }
            println!(
                "| {} | {opt_name} | {} | {} |",
                case.name,
                truth.best_lr.map_or("-".into(), |lr| format!("{lr:.1e}")),
                cells.join(" | ")
            );
        }
    }
    println!();
    println!("| optimizer | rule | picks | median regret | worst regret | median spread over {seeds} seeds (decades) |");
    println!("|---|---|---|---|---|---|");
    for ((opt, m, combined), v) in &table {
        let spread = &spreads[&(*opt, *m)];
        println!(
            "| {opt} | {m} | {} | {:.3} | {:.3} | {:.2} |",
            if *combined {
                format!("median of {seeds} runs")
            } else {
                "single run".into()
            },
            median(v),
            v.iter().cloned().fold(0.0, f64::max),
            median(spread)
        );
    }
}

/// Median of the finite values (the mean of the middle two for an even count).
fn median(v: &[f64]) -> f64 {
    let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
    if s.is_empty() {
        return f64::NAN;
    }
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        0.5 * (s[n / 2 - 1] + s[n / 2])
    }
}
