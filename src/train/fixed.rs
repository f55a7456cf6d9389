//! Ground truth for a learning rate: train the same model from scratch at a fixed LR for a fixed
//! budget on a held-out split, and keep the best validation loss reached (what early stopping
//! would keep). `measure` does this for several LRs and seeds in parallel; the sweep, the
//! verification and the quality benchmark are built on it.
//!
//! A run *diverges* when a training loss is NaN or infinite, or a validation loss exceeds
//! [`DIVERGE_FACTOR`] times the untrained model's; it stops there and counts as no better than
//! not training (its loss is taken as the untrained loss `L0`).

use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::Serialize;

use super::{Evaluator, Trainer};
use crate::data::split::Split;
use crate::data::Dataset;
use crate::error::{Error, Result, Setting};
use crate::model::ModelConfig;
use crate::optim::OptimizerConfig;

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
    /// Checks that the budget trains at all.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 && self.min_steps == 0 {
            return Err(Error::config(
                Setting::Epochs,
                "give at least one epoch or step",
            ));
        }
        Ok(())
    }

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

impl Training {
    /// Checks every part once.
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        self.optimizer.validate()?;
        if self.batch_size == 0 {
            return Err(Error::config(Setting::BatchSize, "must be at least 1"));
        }
        self.budget.validate()
    }
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
    train_fixed_until(dataset, split, training, lr, seed, &|| false).expect("never stopped")
}

/// [`train_fixed`], given up (`None`) when `stop()` says so before the run ends; asked at each
/// validation measurement, so a run stops within a twenty-fifth of its budget. The measurements
/// are those of an uninterrupted run.
pub fn train_fixed_until(
    dataset: &Dataset,
    split: &Split,
    training: &Training,
    lr: f64,
    seed: u64,
    stop: &(dyn Fn() -> bool + Sync),
) -> Option<FixedRun> {
    let mut run = Contender::new(dataset, split, training, lr, seed);
    let steps = training.budget.steps(run.trainer.batches_per_pass());
    let every = steps.div_ceil(EVALUATIONS).max(1);
    let mut until = 0;
    while until < steps {
        if stop() {
            return None;
        }
        // Each stretch ends on a measurement step, so the run measures where one call would.
        until = (until + every).min(steps);
        run.advance(dataset, until, every);
    }
    Some(run.result())
}

/// A fixed-LR run that can be advanced a few steps at a time, keeping its best validation loss:
/// the unit of both [`train_fixed`] and a race, which stops the weaker runs early.
pub struct Contender {
    trainer: Trainer,
    evaluator: Evaluator,
    lr: f64,
    seed: u64,
    initial_loss: f64,
    best_loss: f64,
    diverged: bool,
    done: usize,
}

impl Contender {
    /// A fresh model at `lr` with `seed` on `split.train`, measured once on `split.val`.
    pub fn new(dataset: &Dataset, split: &Split, training: &Training, lr: f64, seed: u64) -> Self {
        let batch = training.batch_size.min(split.train.len()).max(1);
        let trainer = Trainer::new(
            dataset,
            split.train.clone(),
            &training.model,
            &training.optimizer,
            batch,
            seed,
        );
        let mut evaluator = Evaluator::new(dataset, trainer.model(), split.val.clone());
        let initial_loss = trainer.evaluate(&mut evaluator, dataset);
        Contender {
            trainer,
            evaluator,
            lr,
            seed,
            initial_loss,
            best_loss: f64::INFINITY,
            diverged: false,
            done: 0,
        }
    }

    /// Trains up to `until` steps in all, measuring the validation loss every `every` steps and
    /// at the last one; stops for good at a divergence.
    pub fn advance(&mut self, dataset: &Dataset, until: usize, every: usize) {
        while self.done < until && !self.diverged {
            let loss = self.trainer.step(dataset, self.lr);
            self.done += 1;
            if !loss.is_finite() {
                self.diverged = true;
                break;
            }
            if self.done.is_multiple_of(every) || self.done == until {
                let val = self.trainer.evaluate(&mut self.evaluator, dataset);
                if !val.is_finite() || val > DIVERGE_FACTOR * self.initial_loss {
                    self.diverged = true;
                    break;
                }
                self.best_loss = self.best_loss.min(val);
            }
        }
    }

    /// Batches in one pass over the training rows.
    pub fn batches_per_pass(&self) -> usize {
        self.trainer.batches_per_pass()
    }

    /// The run so far.
    pub fn result(&self) -> FixedRun {
        FixedRun {
            lr: self.lr,
            seed: self.seed,
            initial_loss: self.initial_loss,
            best_loss: if self.diverged || !self.best_loss.is_finite() {
                self.initial_loss
            } else {
                self.best_loss.min(self.initial_loss)
            },
            diverged: self.diverged,
            steps: self.done,
        }
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

/// The mean, spread and divergences of one LR's runs.
pub fn summarise(lr: f64, runs: Vec<FixedRun>) -> Measured {
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

/// Measures each LR in `lrs` with seeds `seed..seed + seeds`, the run of seed `seed + s` on
/// `splits[s]` (a split per seed, so that the spread over seeds includes the split's), every
/// (LR, seed) run in parallel. Results are in the order of `lrs` and identical to a serial run.
pub fn measure(
    dataset: &Dataset,
    splits: &[Split],
    training: &Training,
    lrs: &[f64],
    seed: u64,
    seeds: usize,
) -> Vec<Measured> {
    measure_with_progress(
        dataset,
        splits,
        training,
        lrs,
        seed,
        seeds,
        &ProgressBar::hidden(),
    )
}

/// [`measure`], counting finished runs on `progress` (of `lrs.len() * seeds`).
pub fn measure_with_progress(
    dataset: &Dataset,
    splits: &[Split],
    training: &Training,
    lrs: &[f64],
    seed: u64,
    seeds: usize,
    progress: &ProgressBar,
) -> Vec<Measured> {
    measure_until(
        dataset,
        splits,
        training,
        lrs,
        seed,
        seeds,
        progress,
        &|| false,
    )
    .into_iter()
    .map(|m| m.expect("never stopped"))
    .collect()
}

/// [`measure_with_progress`], where a run still training when `stop()` says so is given up (see
/// [`train_fixed_until`]) and one not started is not started: each LR is `Some` when every one
/// of its seeds finished, `None` otherwise.
#[allow(clippy::too_many_arguments)]
pub fn measure_until(
    dataset: &Dataset,
    splits: &[Split],
    training: &Training,
    lrs: &[f64],
    seed: u64,
    seeds: usize,
    progress: &ProgressBar,
    stop: &(dyn Fn() -> bool + Sync),
) -> Vec<Option<Measured>> {
    assert_eq!(splits.len(), seeds, "a split per seed");
    let jobs: Vec<(f64, usize)> = lrs
        .iter()
        .flat_map(|&lr| (0..seeds).map(move |s| (lr, s)))
        .collect();
    progress.set_length(jobs.len() as u64);
    let runs: Vec<Option<FixedRun>> = jobs
        .par_iter()
        .map(|&(lr, s)| {
            let run = train_fixed_until(dataset, &splits[s], training, lr, seed + s as u64, stop);
            if run.is_some() {
                progress.inc(1);
            }
            run
        })
        .collect();
    runs.chunks(seeds)
        .zip(lrs)
        .map(|(r, &lr)| {
            let all: Option<Vec<FixedRun>> = r.iter().copied().collect();
            all.map(|r| summarise(lr, r))
        })
        .collect()
}
