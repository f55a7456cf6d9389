//! The seam between lrfind's pipeline and whatever trains. A range test, a race of LRs, a race of
//! schedules and a grid of configurations are the same whoever trains: they hand an [`Engine`]
//! jobs and read what comes back. Three engines sit behind it:
//!
//! - [`builtin::Builtin`]: lrfind's own MLP on a loaded table;
//! - the protocol engine of `crate::drive`, whose jobs a user's training script runs;
//! - [`scripted::Scripted`]: losses from closures, for tests of the pipeline itself.
//!
//! Two kinds of job exist. A [`RangeJob`] trains a fresh model while the LR grows along a
//! [`Ramp`]; the engine calls [`crate::range_test::driver`] with its step, so the divergence
//! watch that stops it is the pipeline's, not the engine's. A [`TrainJob`] trains a fresh model
//! with an LR per step ([`LrPlan`]: fixed, a schedule's table, or reduce-on-plateau) up to a
//! step, measuring the validation loss at given steps, and stops for good where
//! [`TrainingWatch`] says it diverged. A job is always one training from a fresh start, so no
//! state is ever restored; a later job with the same [`JobKey`] asks for the same training
//! carried further, and an engine may continue the one it holds or train it again from the
//! start: for a deterministic model both give the same numbers.

pub mod builtin;
pub mod scripted;

use indicatif::ProgressBar;
use serde::Serialize;

use crate::error::Result;
use crate::optim::OptimizerConfig;
use crate::range_test::driver::Ramp;
use crate::range_test::Run;
use crate::schedule::{LrSchedule, PlateauConfig, Schedule};

/// A validation loss above this multiple of the untrained loss marks a training job as diverged.
pub const DIVERGE_FACTOR: f64 = 4.0;

/// Names one training across the jobs that carry it further.
pub type JobKey = u64;

/// What a job trains with beside its LR: the optimizer with its settings (the knobs a grid
/// varies: weight decay, momentum or beta1), the batch size, and the seed of the weights, the
/// batch order and the split.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Setup {
    /// The optimizer and its settings.
    pub optimizer: OptimizerConfig,
    /// Rows per step (an engine caps it at its training rows).
    pub batch_size: usize,
    /// Seed of the initial weights, the batch order and the held-out rows.
    pub seed: u64,
}

/// A range test: a fresh model trained while the LR grows along `ramp`, until the pipeline's
/// watch stops it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RangeJob {
    /// What it trains with.
    pub setup: Setup,
    /// The LR of every step and the divergence rule.
    pub ramp: Ramp,
    /// Whether to measure the validation loss along the way (the engine decides how often).
    pub validation: bool,
}

/// The LR of every step of a training job.
#[derive(Debug, Clone, PartialEq)]
pub enum LrPlan {
    /// The same LR at every step.
    Constant(f64),
    /// A schedule known before training: its LR at each step.
    Table(Schedule),
    /// `ReduceLROnPlateau`, fed every validation loss measured.
    Plateau(PlateauConfig),
}

impl LrPlan {
    /// The LR the plan starts from.
    pub fn first_lr(&self) -> f64 {
        match self {
            LrPlan::Constant(lr) => *lr,
            LrPlan::Table(s) => s.lr(0),
            LrPlan::Plateau(p) => p.lr,
        }
    }
}

/// An [`LrPlan`] as training follows it: the LR of each update, which for a plateau depends on
/// the validation losses measured so far.
#[derive(Debug, Clone)]
pub struct LrFollower {
    plan: LrPlan,
    plateau: Option<crate::schedule::Plateau>,
}

impl LrFollower {
    /// Starts following `plan`.
    pub fn new(plan: LrPlan) -> Result<Self> {
        let plateau = match &plan {
            LrPlan::Plateau(c) => Some(c.build()?),
            _ => None,
        };
        Ok(LrFollower { plan, plateau })
    }

    /// The plan followed.
    pub fn plan(&self) -> &LrPlan {
        &self.plan
    }

    /// The LR of the update after `done` updates.
    pub fn lr(&self, done: usize) -> f64 {
        match (&self.plan, &self.plateau) {
            (LrPlan::Constant(lr), _) => *lr,
            (LrPlan::Table(s), _) => s.lr(done),
            (_, Some(p)) => p.lr(),
            (LrPlan::Plateau(c), None) => c.lr,
        }
    }

    /// Feeds a validation loss to a plateau (nothing for the other plans).
    pub fn measured(&mut self, val_loss: f64) {
        if let Some(p) = self.plateau.as_mut() {
            p.step(val_loss);
        }
    }
}

/// One training from a fresh start up to `until` updates, measured on held-out rows.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainJob {
    /// Which training this is: a later job with the same key carries the same training further.
    pub key: JobKey,
    /// What it trains with.
    pub setup: Setup,
    /// The LR of every update.
    pub lr: LrPlan,
    /// Updates to have done when the job ends.
    pub until: usize,
    /// The update counts after which the validation loss is measured, ascending, every one at
    /// most `until`; the untrained model is always measured too. A job carried further repeats
    /// the earlier job's list and adds to it.
    pub evaluate_at: Vec<usize>,
}

/// One validation measurement of a training job.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ValPoint {
    /// Updates done before it.
    pub step: usize,
    /// The validation loss.
    pub loss: f64,
    /// The LR of the last update before it (of the first update, at step 0).
    pub lr: f64,
}

/// What a training job measured.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trained {
    /// The untrained model's validation loss.
    pub initial_loss: f64,
    /// Every measurement after an update, in order (the one that showed a divergence included).
    pub evaluations: Vec<ValPoint>,
    /// Updates done.
    pub steps: usize,
    /// Whether [`TrainingWatch`] saw it diverge (it stopped there).
    pub diverged: bool,
    /// Wall time of the training, in seconds, as the engine measured it.
    pub seconds: f64,
}

impl Trained {
    /// The lowest validation loss measured, as early stopping would keep; the untrained loss if
    /// the run diverged or nothing was measured yet.
    pub fn best_loss(&self) -> f64 {
        if self.diverged {
            return self.initial_loss;
        }
        self.evaluations
            .iter()
            .map(|v| v.loss)
            .fold(self.initial_loss, f64::min)
    }

    /// The lowest validation loss measured up to `step` updates, as [`Trained::best_loss`].
    pub fn best_loss_until(&self, step: usize) -> f64 {
        if self.diverged && self.steps <= step {
            return self.initial_loss;
        }
        self.evaluations
            .iter()
            .filter(|v| v.step <= step)
            .map(|v| v.loss)
            .fold(self.initial_loss, f64::min)
    }

    /// The last measurement, when the run did not diverge.
    pub fn final_loss(&self) -> Option<f64> {
        if self.diverged {
            None
        } else {
            Some(
                self.evaluations
                    .last()
                    .map_or(self.initial_loss, |v| v.loss),
            )
        }
    }
}

/// The divergence rule of a training job: a training loss that is NaN or infinite, or a
/// validation loss that is, or exceeds [`DIVERGE_FACTOR`] times the untrained loss. Every engine
/// applies it the same way, so a job stops at the same step whoever runs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainingWatch {
    initial_loss: f64,
}

impl TrainingWatch {
    /// The watch of a job whose untrained model measured `initial_loss`.
    pub fn new(initial_loss: f64) -> Self {
        TrainingWatch { initial_loss }
    }

    /// Whether a training loss shows a divergence.
    pub fn train_diverged(&self, loss: f64) -> bool {
        !loss.is_finite()
    }

    /// Whether a validation loss shows a divergence.
    pub fn val_diverged(&self, loss: f64) -> bool {
        !loss.is_finite() || loss > DIVERGE_FACTOR * self.initial_loss
    }
}

/// What an engine can do and what it trains, for the pipeline and the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capabilities {
    /// Whether jobs can measure a validation loss (without it there is no race).
    pub validation: bool,
    /// Training rows (or examples) a range test passes over, when known: the default number of
    /// range-test steps is one pass.
    pub train_rows: Option<usize>,
    /// Classes of a classifier, when known (for advice).
    pub classes: Option<usize>,
    /// Whether the knobs of a grid can be set: weight decay, momentum, batch size.
    pub knobs: Knobs,
    /// Jobs the engine runs at once.
    pub parallel: usize,
    /// Whether a training carried further costs only its new steps (the engine keeps every
    /// training it may carry on), rather than possibly its whole length again.
    pub carries_on: bool,
}

/// Which knobs of a job's [`Setup`] an engine applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Knobs {
    /// Weight decay.
    pub weight_decay: bool,
    /// SGD's momentum, or Adam's beta1.
    pub momentum: bool,
    /// Batch size.
    pub batch_size: bool,
}

impl Knobs {
    /// Every knob.
    pub const ALL: Knobs = Knobs {
        weight_decay: true,
        momentum: true,
        batch_size: true,
    };
}

/// Runs jobs. Results come back in the order of the jobs, and do not depend on how many ran at
/// once. A stop asked for through [`crate::interrupt`] ends range tests after their current step
/// (the driver sees it) and may end training jobs early: their results then say how far they got.
pub trait Engine: Sync {
    /// What it can do.
    fn capabilities(&self) -> Capabilities;

    /// Runs range tests, advancing `progress` once a step.
    fn range_tests(&self, jobs: &[RangeJob], progress: &ProgressBar) -> Result<Vec<Run>>;

    /// Runs training jobs, advancing `progress` once a job.
    fn train(&self, jobs: &[TrainJob], progress: &ProgressBar) -> Result<Vec<Trained>>;

    /// The pipeline will not carry these trainings further: what is held for them can go.
    fn release(&self, _keys: &[JobKey]) {}

    /// Updates its training jobs have trained so far, in all: what they cost (a training carried
    /// further from where it stopped costs its new updates, one trained again from the start all
    /// of them).
    fn trained_updates(&self) -> usize;
}

/// Hands out job keys, unique within one process.
pub fn next_keys(n: usize) -> JobKey {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(n as u64, Ordering::Relaxed)
}
