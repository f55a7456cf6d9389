//! The LR range test (Smith, 2017): train a fresh model for a number of steps while the learning
//! rate grows exponentially, record each step's loss, smooth it, and stop when it diverges.
//!
//! - Smoothing: an exponential moving average with bias correction,
//!   `s_i = b s_{i-1} + (1 - b) loss_i` (`s_{-1} = 0`), `smoothed_i = s_i / (1 - b^(i+1))`.
//!   The correction removes the pull toward 0 of the zero start, so the first points are plain
//!   averages of the losses so far instead of underestimates.
//! - Divergence: stop after the step whose smoothed loss exceeds `factor` times the lowest
//!   smoothed loss so far, or as soon as a loss is NaN or infinite.
//! - Validation (optional): with a held-out split, the validation loss is measured every
//!   `k = ceil(validation rows / batch size)` steps, so measuring costs about a third of training
//!   (a forward pass is about a third of a step), and smoothed by the same EMA with factor `b^k`,
//!   which has the same time constant in steps.

use indicatif::ProgressBar;
use serde::Serialize;

use rayon::prelude::*;

use crate::data::split::Split;
use crate::data::Dataset;
use crate::error::{Error, Result, Setting};
use crate::optim::OptimizerConfig;
use crate::schedule::ExponentialSchedule;
use crate::train::{Evaluator, ModelConfig, Trainer};

/// First LR: below any useful LR for these optimizers on standardised inputs.
pub const DEFAULT_START_LR: f64 = 1e-6;
/// Last LR: above where every optimizer here diverges on standardised data.
pub const DEFAULT_END_LR: f64 = 10.0;
/// Rows per step.
pub const DEFAULT_BATCH_SIZE: usize = 64;
/// EMA factor of the smoothed loss (fastai's).
pub const DEFAULT_SMOOTHING: f64 = 0.98;
/// Divergence threshold, a multiple of the lowest smoothed loss (fastai's).
pub const DEFAULT_DIVERGE_FACTOR: f64 = 4.0;

/// The range test never runs fewer steps than this by default; a short data set is cycled.
pub const MIN_DEFAULT_STEPS: usize = 100;
/// Nor more than this: on a large table a full epoch trains so long at each small LR that the
/// loss falls early and the suggestion drifts low (docs/quality.md, "How many steps").
pub const MAX_DEFAULT_STEPS: usize = 200;

/// Everything that defines one range test.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RangeTestConfig {
    /// Hidden layers.
    pub model: ModelConfig,
    /// Optimizer.
    pub optimizer: OptimizerConfig,
    /// First learning rate.
    pub start_lr: f64,
    /// Last learning rate.
    pub end_lr: f64,
    /// Steps; `None`: one pass over the rows at the batch size, clamped to
    /// [`MIN_DEFAULT_STEPS`]..=[`MAX_DEFAULT_STEPS`].
    pub steps: Option<usize>,
    /// Rows per batch (capped at the number of rows).
    pub batch_size: usize,
    /// EMA factor `b` in [0, 1).
    pub smoothing: f64,
    /// Divergence threshold, a multiple of the lowest smoothed loss (> 1).
    pub diverge_factor: f64,
    /// Seed of the initial weights and the batch order.
    pub seed: u64,
}

impl RangeTestConfig {
    /// The default range test (the CLI's defaults, docs/range-test.md) for a model and optimizer.
    pub fn with_defaults(model: ModelConfig, optimizer: OptimizerConfig) -> Self {
        RangeTestConfig {
            model,
            optimizer,
            start_lr: DEFAULT_START_LR,
            end_lr: DEFAULT_END_LR,
            steps: None,
            batch_size: DEFAULT_BATCH_SIZE,
            smoothing: DEFAULT_SMOOTHING,
            diverge_factor: DEFAULT_DIVERGE_FACTOR,
            seed: 0,
        }
    }

    /// Checks every value once.
    pub fn validate(&self) -> Result<()> {
        self.optimizer.validate()?;
        ExponentialSchedule::new(self.start_lr, self.end_lr, self.steps.unwrap_or(2))?;
        if self.batch_size == 0 {
            return Err(Error::config(Setting::BatchSize, "must be at least 1"));
        }
        if !(self.smoothing.is_finite() && (0.0..1.0).contains(&self.smoothing)) {
            return Err(Error::config(
                Setting::Smoothing,
                format!("{} is not in [0, 1)", self.smoothing),
            ));
        }
        if !(self.diverge_factor.is_finite() && self.diverge_factor > 1.0) {
            return Err(Error::config(
                Setting::DivergeFactor,
                format!("{} must be a finite number above 1", self.diverge_factor),
            ));
        }
        if self.model.hidden.contains(&0) {
            return Err(Error::config(
                Setting::Hidden,
                "layer widths must be at least 1",
            ));
        }
        Ok(())
    }

    /// The batch size used on `rows` rows: the configured one, capped at `rows`.
    pub fn effective_batch(&self, rows: usize) -> usize {
        self.batch_size.min(rows).max(1)
    }

    /// Steps run on `rows` rows.
    pub fn effective_steps(&self, rows: usize) -> usize {
        self.steps.unwrap_or_else(|| {
            (rows / self.effective_batch(rows)).clamp(MIN_DEFAULT_STEPS, MAX_DEFAULT_STEPS)
        })
    }
}

/// The full configuration of one lrfind run: the range test, how often it is repeated, which
/// curve the suggestion reads, and whether the candidates are verified by training.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FindConfig {
    /// The range test (every run shares it but for the seed).
    #[serde(flatten)]
    pub range: RangeTestConfig,
    /// Number of range tests, seeds `seed..seed + runs`.
    pub runs: usize,
    /// Fraction of rows held out for validation, if any.
    pub val_split: Option<f64>,
    /// The curve the suggestion reads.
    pub signal: Signal,
    /// The rule behind the suggested LR.
    pub rule: crate::suggest::Method,
    /// Whether candidates are verified by short training runs.
    pub verify: bool,
    /// Training budget of each verification run.
    pub verify_budget: crate::sweep::Budget,
}

/// One step of the range test.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// Step index, from 0.
    pub step: usize,
    /// Learning rate used for the step.
    pub lr: f64,
    /// The batch's loss before the update.
    pub loss: f64,
    /// Bias-corrected EMA of the losses up to this step.
    pub smoothed_loss: f64,
}

/// Why the range test stopped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StopReason {
    /// The smoothed loss exceeded the divergence threshold at this LR (the last point).
    Diverged {
        /// The LR of the step that crossed the threshold.
        lr: f64,
    },
    /// A loss was NaN or infinite at this LR (that step is not recorded).
    NonFinite {
        /// The LR of the step.
        lr: f64,
    },
    /// Every planned step ran without divergence.
    Completed,
}

impl std::fmt::Display for StopReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StopReason::Diverged { lr } => write!(f, "diverged at LR {lr:.3e}"),
            StopReason::NonFinite { lr } => write!(f, "non-finite loss at LR {lr:.3e}"),
            StopReason::Completed => f.write_str("reached the end LR without diverging"),
        }
    }
}

/// Which recorded curve the suggestion reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Signal {
    /// The training loss of each step's batch.
    Train,
    /// The loss on the held-out validation rows.
    Val,
}

/// What one range test recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    /// Every recorded step, in order.
    pub points: Vec<Point>,
    /// Validation losses at the steps where they were measured (`loss`: the validation loss,
    /// `smoothed_loss`: its EMA); empty without a validation split.
    pub val_points: Vec<Point>,
    /// Why it stopped.
    pub stop: StopReason,
    /// Steps planned.
    pub planned_steps: usize,
    /// Batch size used.
    pub batch_size: usize,
    /// Seed used.
    pub seed: u64,
}

impl History {
    /// The points before divergence: all of them, less the one that crossed the threshold.
    pub fn before_divergence(&self) -> &[Point] {
        match self.stop {
            StopReason::Diverged { .. } => &self.points[..self.points.len().saturating_sub(1)],
            _ => &self.points,
        }
    }

    /// The curve the suggestion reads for `signal`, before divergence. The validation curve
    /// stops where the training curve diverged.
    pub fn signal_curve(&self, signal: Signal) -> &[Point] {
        let train = self.before_divergence();
        match signal {
            Signal::Train => train,
            Signal::Val => {
                let last = train.last().map_or(0, |p| p.step);
                let n = self
                    .val_points
                    .iter()
                    .take_while(|p| p.step <= last)
                    .count();
                &self.val_points[..n]
            }
        }
    }
}

#[cfg(test)]
impl History {
    /// A hand-made history for tests: loss and smoothed loss both `losses[i]` at
    /// `lr = 10^(-6 + decades_per_step * i)`.
    pub(crate) fn from_losses(
        losses: &[f64],
        decades_per_step: f64,
        stop: StopReason,
        planned_steps: usize,
    ) -> Self {
        History {
            points: losses
                .iter()
                .enumerate()
                .map(|(i, &l)| Point {
                    step: i,
                    lr: 10f64.powf(-6.0 + decades_per_step * i as f64),
                    loss: l,
                    smoothed_loss: l,
                })
                .collect(),
            val_points: Vec::new(),
            stop,
            planned_steps,
            batch_size: 1,
            seed: 0,
        }
    }
}

/// Bias-corrected exponential moving average.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ema {
    beta: f64,
    state: f64,
    n: i32,
}

impl Ema {
    /// An empty average with factor `beta` in [0, 1).
    pub fn new(beta: f64) -> Self {
        Ema {
            beta,
            state: 0.0,
            n: 0,
        }
    }

    /// Adds `value` and returns the bias-corrected average.
    pub fn push(&mut self, value: f64) -> f64 {
        self.state = self.beta * self.state + (1.0 - self.beta) * value;
        self.n += 1;
        self.state / (1.0 - self.beta.powi(self.n))
    }
}

/// The divergence rule: smoothed loss above `factor` times its running minimum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Divergence {
    factor: f64,
    best: f64,
}

impl Divergence {
    /// A rule with threshold `factor`.
    pub fn new(factor: f64) -> Self {
        Divergence {
            factor,
            best: f64::INFINITY,
        }
    }

    /// Records `smoothed` and says whether it diverged.
    pub fn diverged(&mut self, smoothed: f64) -> bool {
        self.best = self.best.min(smoothed);
        smoothed > self.factor * self.best
    }
}

/// Runs the range test on every row of `dataset`. `progress` is advanced once per step (pass a
/// hidden bar to show nothing).
pub fn run(dataset: &Dataset, config: &RangeTestConfig, progress: &ProgressBar) -> Result<History> {
    progress.set_length(config.effective_steps(dataset.rows()) as u64);
    let history = run_on_rows(
        dataset,
        (0..dataset.rows()).collect(),
        None,
        config,
        progress,
    );
    progress.finish_and_clear();
    history
}

/// Runs `runs` range tests with seeds `config.seed..config.seed + runs`, in parallel, on the
/// training rows of `split` (every row without one), measuring the validation rows if any.
/// Results are in seed order and identical to running them one by one.
pub fn run_many(
    dataset: &Dataset,
    split: Option<&Split>,
    config: &RangeTestConfig,
    runs: usize,
    progress: &ProgressBar,
) -> Result<Vec<History>> {
    if runs == 0 {
        return Err(Error::config(Setting::Runs, "must be at least 1"));
    }
    let train: Vec<usize> = match split {
        Some(s) => s.train.clone(),
        None => (0..dataset.rows()).collect(),
    };
    progress.set_length((config.effective_steps(train.len()) * runs) as u64);
    let histories = (0..runs as u64)
        .into_par_iter()
        .map(|i| {
            let config = RangeTestConfig {
                seed: config.seed + i,
                ..config.clone()
            };
            let val = split.map(|s| s.val.clone());
            run_on_rows(dataset, train.clone(), val, &config, progress)
        })
        .collect::<Result<Vec<_>>>();
    progress.finish_and_clear();
    histories
}

/// Runs the range test on the given rows of `dataset`, measuring the `val` rows if given.
pub fn run_on_rows(
    dataset: &Dataset,
    rows: Vec<usize>,
    val: Option<Vec<usize>>,
    config: &RangeTestConfig,
    progress: &ProgressBar,
) -> Result<History> {
    config.validate()?;
    let n = rows.len();
    let batch_size = config.effective_batch(n);
    let schedule =
        ExponentialSchedule::new(config.start_lr, config.end_lr, config.effective_steps(n))?;
    let mut trainer = Trainer::new(
        dataset,
        rows,
        &config.model,
        &config.optimizer,
        batch_size,
        config.seed,
    );
    let mut ema = Ema::new(config.smoothing);
    let mut divergence = Divergence::new(config.diverge_factor);
    let mut points = Vec::with_capacity(schedule.steps());
    let mut stop = StopReason::Completed;
    let mut validation = val.filter(|v| !v.is_empty()).map(|v| {
        let every = v.len().div_ceil(batch_size).max(1);
        let ema = Ema::new(config.smoothing.powi(every as i32));
        (Evaluator::new(dataset, trainer.model(), v), every, ema)
    });
    let mut val_points = Vec::new();
    for (step, lr) in schedule.iter().enumerate() {
        let loss = trainer.step(dataset, lr) as f64;
        progress.inc(1);
        if !loss.is_finite() {
            stop = StopReason::NonFinite { lr };
            break;
        }
        let smoothed_loss = ema.push(loss);
        points.push(Point {
            step,
            lr,
            loss,
            smoothed_loss,
        });
        if let Some((evaluator, every, val_ema)) = validation.as_mut() {
            if step % *every == 0 {
                // Measured after this step's update, at the LR that made it.
                let loss = trainer.evaluate(evaluator, dataset);
                if loss.is_finite() {
                    val_points.push(Point {
                        step,
                        lr,
                        loss,
                        smoothed_loss: val_ema.push(loss),
                    });
                }
            }
        }
        if divergence.diverged(smoothed_loss) {
            stop = StopReason::Diverged { lr };
            break;
        }
    }
    Ok(History {
        points,
        val_points,
        stop,
        planned_steps: schedule.steps(),
        batch_size,
        seed: config.seed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ema_by_hand() {
        let mut e = Ema::new(0.5);
        assert_eq!(e.push(4.0), 4.0); // 2 / 0.5
                                      // s = 0.5 * 2 + 0.5 * 2 = 2, / (1 - 0.25) = 8/3
        assert!((e.push(2.0) - 8.0 / 3.0).abs() < 1e-12);
        // s = 0.5 * 2 + 0.5 * 1 = 1.5, / (1 - 0.125) = 12/7
        assert!((e.push(1.0) - 12.0 / 7.0).abs() < 1e-12);
        // With beta 0 the average is the value itself.
        let mut e = Ema::new(0.0);
        assert_eq!(e.push(3.0), 3.0);
        assert_eq!(e.push(5.0), 5.0);
    }

    #[test]
    fn bias_corrected_ema_of_a_constant_is_the_constant() {
        let mut e = Ema::new(0.98);
        for _ in 0..50 {
            assert!((e.push(2.5) - 2.5).abs() < 1e-12);
        }
    }

    #[test]
    fn divergence_rule() {
        let mut d = Divergence::new(4.0);
        assert!(!d.diverged(2.0));
        assert!(!d.diverged(1.0));
        assert!(!d.diverged(4.0));
        assert!(d.diverged(4.01));
    }

    #[test]
    fn default_steps_are_one_pass_clamped_to_100_200() {
        let config = RangeTestConfig::with_defaults(
            ModelConfig { hidden: vec![8] },
            OptimizerConfig::new(crate::optim::OptimizerKind::Adam),
        );
        assert_eq!(config.effective_steps(150), 100);
        assert_eq!(config.effective_steps(9_600), 150);
        assert_eq!(config.effective_steps(64_000), 200);
        assert_eq!(config.effective_batch(20), 20);
        assert!(config.validate().is_ok());
        let bad = RangeTestConfig {
            diverge_factor: 1.0,
            ..config
        };
        assert!(bad.validate().is_err());
    }
}
