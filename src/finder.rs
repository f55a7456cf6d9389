//! The LR range test (Smith, 2017): train a fresh model for a number of steps while the learning
//! rate grows exponentially, record each step's loss, smooth it, and stop when it diverges.
//!
//! - Smoothing: an exponential moving average with bias correction,
//!   `s_i = b s_{i-1} + (1 - b) loss_i` (`s_{-1} = 0`), `smoothed_i = s_i / (1 - b^(i+1))`.
//!   The correction removes the pull toward 0 of the zero start, so the first points are plain
//!   averages of the losses so far instead of underestimates.
//! - Divergence: stop after the step whose smoothed loss exceeds `factor` times the lowest
//!   smoothed loss so far, or as soon as a loss is NaN or infinite.

use indicatif::ProgressBar;
use serde::Serialize;

use crate::data::Dataset;
use crate::error::{Error, Result};
use crate::optim::OptimizerConfig;
use crate::schedule::ExponentialSchedule;
use crate::train::{ModelConfig, Trainer};

/// The range test never runs fewer steps than this by default; a short data set is cycled.
pub const MIN_DEFAULT_STEPS: usize = 100;

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
    /// Steps; `None`: one pass over the rows at the batch size, at least [`MIN_DEFAULT_STEPS`].
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
    /// Checks every value once.
    pub fn validate(&self) -> Result<()> {
        self.optimizer.validate()?;
        ExponentialSchedule::new(self.start_lr, self.end_lr, self.steps.unwrap_or(2))?;
        if self.batch_size == 0 {
            return Err(Error::config("--batch-size", "must be at least 1"));
        }
        if !(self.smoothing.is_finite() && (0.0..1.0).contains(&self.smoothing)) {
            return Err(Error::config(
                "--smoothing",
                format!("{} is not in [0, 1)", self.smoothing),
            ));
        }
        if !(self.diverge_factor.is_finite() && self.diverge_factor > 1.0) {
            return Err(Error::config(
                "--diverge-factor",
                format!("{} must be a finite number above 1", self.diverge_factor),
            ));
        }
        if self.model.hidden.contains(&0) {
            return Err(Error::config("--hidden", "layer widths must be at least 1"));
        }
        Ok(())
    }

    /// The batch size used on `rows` rows: the configured one, capped at `rows`.
    pub fn effective_batch(&self, rows: usize) -> usize {
        self.batch_size.min(rows).max(1)
    }

    /// Steps run on `rows` rows.
    pub fn effective_steps(&self, rows: usize) -> usize {
        self.steps
            .unwrap_or_else(|| (rows / self.effective_batch(rows)).max(MIN_DEFAULT_STEPS))
    }
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

/// What one range test recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct History {
    /// Every recorded step, in order.
    pub points: Vec<Point>,
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
    run_on_rows(dataset, (0..dataset.rows()).collect(), config, progress)
}

/// Runs the range test on the given rows of `dataset`.
pub fn run_on_rows(
    dataset: &Dataset,
    rows: Vec<usize>,
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
    progress.set_length(schedule.steps() as u64);
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
        if divergence.diverged(smoothed_loss) {
            stop = StopReason::Diverged { lr };
            break;
        }
    }
    progress.finish_and_clear();
    Ok(History {
        points,
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
    fn default_steps_are_one_pass_but_at_least_100() {
        let config = RangeTestConfig {
            model: ModelConfig { hidden: vec![8] },
            optimizer: OptimizerConfig::new(crate::optim::OptimizerKind::Adam),
            start_lr: 1e-6,
            end_lr: 10.0,
            steps: None,
            batch_size: 64,
            smoothing: 0.98,
            diverge_factor: 4.0,
            seed: 0,
        };
        assert_eq!(config.effective_steps(150), 100);
        assert_eq!(config.effective_steps(64_000), 1000);
        assert_eq!(config.effective_batch(20), 20);
        assert!(config.validate().is_ok());
        let bad = RangeTestConfig {
            diverge_factor: 1.0,
            ..config
        };
        assert!(bad.validate().is_err());
    }
}
