//! The LR range test (Smith, 2017): train a fresh model for a number of steps while the learning
//! rate grows exponentially, record each step's loss, and stop when it diverges. The ramp and the
//! stop are the generic [`driver`]; this module holds the test's settings and what one test
//! recorded. Who trains is an engine's business (`crate::engine`): lrfind's own MLP
//! (`engine::builtin`, which also measures a validation loss along the way when asked) or a
//! user's training through the protocol.

pub mod driver;

use serde::Serialize;

use self::driver::{Ramp, Recording};
use crate::curve::{CurveSettings, Sample};

use crate::error::{Error, Result, Setting};
use crate::model::ModelConfig;
use crate::optim::OptimizerConfig;

pub use self::driver::{DEFAULT_END_LR, DEFAULT_START_LR};
pub use crate::curve::{DEFAULT_DIVERGE_FACTOR, DEFAULT_SMOOTHING};

/// Rows per step.
pub const DEFAULT_BATCH_SIZE: usize = 64;
/// The range test never runs fewer steps than this by default; a short data set is cycled.
pub const MIN_DEFAULT_STEPS: usize = 100;
/// Nor more than this: on a large table a full epoch trains so long at each small LR that the
/// loss falls early and the suggestion drifts low (docs/quality.md, "How many steps").
pub const MAX_DEFAULT_STEPS: usize = 200;

/// Everything that defines one range test on lrfind's model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RangeTestConfig {
    /// Hidden layers and initialisation.
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
    /// Width of the curve's smoother, in decades of LR.
    pub smoothing: f64,
    /// Divergence threshold, a multiple of the lowest smoothed loss (> 1).
    pub diverge_factor: f64,
    /// Seed of the initial weights and the batch order.
    pub seed: u64,
}

impl RangeTestConfig {
    /// The default range test (docs/range-test.md) for a model and optimizer.
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
        self.model.validate()?;
        self.optimizer.validate()?;
        if self.batch_size == 0 {
            return Err(Error::config(Setting::BatchSize, "must be at least 1"));
        }
        self.ramp(self.steps.unwrap_or(MIN_DEFAULT_STEPS))
            .validate()
    }

    /// The ramp of a test of `steps` steps.
    pub fn ramp(&self, steps: usize) -> Ramp {
        Ramp {
            start_lr: self.start_lr,
            end_lr: self.end_lr,
            steps,
            curve: self.curve(),
        }
    }

    /// How its curves are read.
    pub fn curve(&self) -> CurveSettings {
        CurveSettings {
            smoothing: self.smoothing,
            diverge_factor: self.diverge_factor,
        }
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

/// Which recorded curve the suggestion reads.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Signal {
    /// The training loss of each step's batch.
    #[default]
    Train,
    /// The loss on the held-out validation rows.
    Val,
}

/// What one range test on lrfind's model recorded.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Run {
    /// The training curve and why it stopped.
    #[serde(flatten)]
    pub recording: Recording,
    /// Validation losses at the steps where they were measured (after the step's update); empty
    /// without a validation split.
    pub val_samples: Vec<Sample>,
    /// Steps between validation measurements (0 without a split).
    pub val_every: usize,
    /// Batch size used.
    pub batch_size: usize,
    /// Seed used.
    pub seed: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_steps_are_one_pass_clamped_to_100_200() {
        let config = RangeTestConfig::with_defaults(
            ModelConfig::default(),
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
