//! Ground truth for a learning rate: train the same model from scratch at a fixed LR for a fixed
//! budget on a held-out split, and keep the best validation loss reached (what early stopping
//! would keep). `sweep` does this over a log grid of LRs and several seeds, in parallel; `measure`
//! does it for one LR, which is also how a suggestion is scored and verified.
//!
//! A run *diverges* when a training loss is NaN or infinite, or a validation loss exceeds
//! [`DIVERGE_FACTOR`] times the untrained model's; it stops there and counts as no better than
//! not training (its loss is taken as the untrained loss `L0`).

use rayon::prelude::*;
use serde::Serialize;

use crate::data::split::Split;
use crate::data::Dataset;
use crate::error::{Error, Result, Setting};
use crate::optim::OptimizerConfig;
use crate::train::{Evaluator, ModelConfig, Trainer};

/// A validation loss above this multiple of the untrained loss marks a run as diverged.
pub const DIVERGE_FACTOR: f64 = 4.0;
/// Evaluations per run, at most (the validation loss is measured about this often).
pub const EVALUATIONS: usize = 25;

/// How long each fixed-LR run trains: at least `epochs` passes and at least `min_steps` steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Budget {
    /// Passes over the training rows, at least.
    pub epochs: usize,
    /// Steps, at least.
    pub min_steps: usize,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            epochs: 10,
            min_steps: 500,
        }
    }
}

impl Budget {
    /// Steps for a run with `batches_per_pass` batches per epoch.
    pub fn steps(&self, batches_per_pass: usize) -> usize {
        (self.epochs * batches_per_pass).max(self.min_steps).max(1)
    }
}

/// What to train in every run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Training {
    /// Hidden layers.
    pub model: ModelConfig,
    /// Optimizer.
    pub optimizer: OptimizerConfig,
    /// Rows per batch (capped at the training rows).
    pub batch_size: usize,
    /// How long.
    pub budget: Budget,
}

/// One fixed-LR run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FixedRun {
    /// Learning rate.
    pub lr: f64,
    /// Seed of the weights and batch order.
    pub seed: u64,
    /// Validation loss before training.
    pub initial_loss: f64,
    /// Lowest validation loss measured (the initial loss if diverged).
    pub best_loss: f64,
    /// Whether the run diverged.
    pub diverged: bool,
    /// Steps trained.
    pub steps: usize,
}

/// Trains from scratch at `lr` with `seed` on `split.train`, measuring on `split.val`.
pub fn train_fixed(
    dataset: &Dataset,
    split: &Split,
    training: &Training,
    lr: f64,
    seed: u64,
) -> FixedRun {
    let batch = training.batch_size.min(split.train.len()).max(1);
    let mut trainer = Trainer::new(
        dataset,
        split.train.clone(),
        &training.model,
        &training.optimizer,
        batch,
        seed,
    );
    let mut evaluator = Evaluator::new(dataset, trainer.model(), split.val.clone());
    let steps = training.budget.steps(trainer.batches_per_pass());
    let every = steps.div_ceil(EVALUATIONS).max(1);
    let initial_loss = trainer.evaluate(&mut evaluator, dataset);
    let mut best_loss = f64::INFINITY;
    let mut diverged = false;
    let mut done = 0;
    for step in 1..=steps {
        let loss = trainer.step(dataset, lr);
        done = step;
        if !loss.is_finite() {
            diverged = true;
            break;
        }
        if step % every == 0 || step == steps {
            let val = trainer.evaluate(&mut evaluator, dataset);
            if !val.is_finite() || val > DIVERGE_FACTOR * initial_loss {
                diverged = true;
                break;
            }
            best_loss = best_loss.min(val);
        }
    }
    FixedRun {
        lr,
        seed,
        initial_loss,
        best_loss: if diverged || !best_loss.is_finite() {
            initial_loss
        } else {
            best_loss.min(initial_loss)
        },
        diverged,
        steps: done,
    }
}

/// One LR measured over several seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Measured {
    /// Learning rate.
    pub lr: f64,
    /// Mean over seeds of the best validation loss (a diverged run counts its initial loss).
    pub mean_loss: f64,
    /// Standard deviation over seeds.
    pub sd_loss: f64,
    /// Mean initial validation loss (the untrained model's).
    pub initial_loss: f64,
    /// How many seeds diverged.
    pub diverged: usize,
    /// Every run.
    pub runs: Vec<FixedRun>,
}

fn summarise(lr: f64, runs: Vec<FixedRun>) -> Measured {
    let n = runs.len() as f64;
    let mean = runs.iter().map(|r| r.best_loss).sum::<f64>() / n;
    let var = runs
        .iter()
        .map(|r| (r.best_loss - mean).powi(2))
        .sum::<f64>()
        / n;
    Measured {
        lr,
        mean_loss: mean,
        sd_loss: var.sqrt(),
        initial_loss: runs.iter().map(|r| r.initial_loss).sum::<f64>() / n,
        diverged: runs.iter().filter(|r| r.diverged).count(),
        runs,
    }
}

/// Measures each LR in `lrs` with seeds `seed..seed + seeds`, every (LR, seed) run in parallel.
/// Results are in the order of `lrs` and identical to a serial run.
pub fn measure(
    dataset: &Dataset,
    split: &Split,
    training: &Training,
    lrs: &[f64],
    seed: u64,
    seeds: usize,
) -> Vec<Measured> {
    let jobs: Vec<(f64, u64)> = lrs
        .iter()
        .flat_map(|&lr| (0..seeds as u64).map(move |s| (lr, seed + s)))
        .collect();
    let runs: Vec<FixedRun> = jobs
        .par_iter()
        .map(|&(lr, s)| train_fixed(dataset, split, training, lr, s))
        .collect();
    runs.chunks(seeds)
        .zip(lrs)
        .map(|(r, &lr)| summarise(lr, r.to_vec()))
        .collect()
}

/// The default grid: 1e-5 to 1, four points per decade.
pub fn default_grid() -> Vec<f64> {
    log_grid(1e-5, 1.0, 4)
}

/// LRs from `start` to `end` (both included) with `per_decade` points per decade.
pub fn log_grid(start: f64, end: f64, per_decade: usize) -> Vec<f64> {
    let n = ((end / start).log10() * per_decade as f64).round() as usize;
    (0..=n)
        .map(|i| start * 10f64.powf(i as f64 / per_decade as f64))
        .collect()
}

/// A whole sweep.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SweepResult {
    /// Each LR of the grid.
    pub points: Vec<Measured>,
    /// The LR with the lowest mean validation loss.
    pub best_lr: f64,
    /// That loss (`L*`).
    pub best_loss: f64,
    /// The untrained model's validation loss (`L0`).
    pub initial_loss: f64,
}

/// Runs the sweep over `lrs`.
pub fn sweep(
    dataset: &Dataset,
    split: &Split,
    training: &Training,
    lrs: &[f64],
    seed: u64,
    seeds: usize,
) -> Result<SweepResult> {
    if lrs.is_empty() || lrs.iter().any(|&lr| !(lr.is_finite() && lr > 0.0)) {
        return Err(Error::config(Setting::Lrs, "give positive learning rates"));
    }
    if seeds == 0 {
        return Err(Error::config(Setting::Seeds, "must be at least 1"));
    }
    let points = measure(dataset, split, training, lrs, seed, seeds);
    let best = points
        .iter()
        .min_by(|a, b| a.mean_loss.total_cmp(&b.mean_loss))
        .expect("at least one LR");
    Ok(SweepResult {
        best_lr: best.lr,
        best_loss: best.mean_loss,
        initial_loss: points[0].initial_loss,
        points,
    })
}

/// Regret of a loss `l` against the best `l_star` and the untrained `l0`:
/// `(l - l_star) / (l0 - l_star)`, clamped to [0, 1]. 0: as good as the best LR; 1: no better
/// than not training.
pub fn regret(l: f64, l_star: f64, l0: f64) -> f64 {
    let span = l0 - l_star;
    if span <= 0.0 {
        return 0.0;
    }
    ((l - l_star) / span).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_and_budget() {
        let g = default_grid();
        assert_eq!(g.len(), 21);
        assert_eq!(g[0], 1e-5);
        assert!((g[20] - 1.0).abs() < 1e-12);
        assert!((g[4] - 1e-4).abs() < 1e-16);
        let b = Budget::default();
        assert_eq!(b.steps(10), 500);
        assert_eq!(b.steps(100), 1000);
    }

    #[test]
    fn regret_by_hand() {
        assert_eq!(regret(0.5, 0.5, 2.0), 0.0);
        assert_eq!(regret(2.0, 0.5, 2.0), 1.0);
        assert!((regret(0.8, 0.5, 2.0) - 0.2).abs() < 1e-12);
        assert_eq!(regret(3.0, 0.5, 2.0), 1.0);
        assert_eq!(regret(0.4, 0.5, 2.0), 0.0);
    }
}

/// One candidate LR of a verification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Where it came from (a rule's name, `median`, `headline x3`, ...).
    pub label: String,
    /// The LR.
    pub lr: f64,
    /// Mean best validation loss over the seeds.
    pub mean_loss: f64,
    /// Its standard deviation.
    pub sd_loss: f64,
    /// Seeds that diverged.
    pub diverged: usize,
}

/// Short training at each candidate LR, and the winner.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    /// Every candidate, in the order given (duplicates of an LR merged into the first).
    pub candidates: Vec<Candidate>,
    /// The candidate LR with the lowest mean validation loss.
    pub best_lr: f64,
    /// The untrained model's validation loss.
    pub initial_loss: f64,
    /// Seeds per candidate.
    pub seeds: usize,
}

/// Trains at every candidate `(label, lr)` and picks the one with the lowest validation loss.
/// Candidates whose LRs agree to within 0.1% are merged (labels joined).
pub fn verify(
    dataset: &Dataset,
    split: &Split,
    training: &Training,
    candidates: &[(String, f64)],
    seed: u64,
    seeds: usize,
) -> Option<Verification> {
    let mut merged: Vec<(String, f64)> = Vec::new();
    for (label, lr) in candidates {
        match merged.iter_mut().find(|(_, m)| (m / lr - 1.0).abs() < 1e-3) {
            Some((l, _)) => {
                l.push_str(", ");
                l.push_str(label);
            }
            None => merged.push((label.clone(), *lr)),
        }
    }
    if merged.is_empty() || seeds == 0 {
        return None;
    }
    let lrs: Vec<f64> = merged.iter().map(|(_, lr)| *lr).collect();
    let measured = measure(dataset, split, training, &lrs, seed, seeds);
    let candidates: Vec<Candidate> = merged
        .into_iter()
        .zip(&measured)
        .map(|((label, lr), m)| Candidate {
            label,
            lr,
            mean_loss: m.mean_loss,
            sd_loss: m.sd_loss,
            diverged: m.diverged,
        })
        .collect();
    let best = candidates
        .iter()
        .min_by(|a, b| a.mean_loss.total_cmp(&b.mean_loss))?;
    Some(Verification {
        best_lr: best.lr,
        initial_loss: measured[0].initial_loss,
        seeds,
        candidates,
    })
}
