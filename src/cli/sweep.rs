//! `lrfind sweep CSV`: the options of the fixed-LR sweep.

use clap::Args;

use super::args::{DataArgs, ModelArgs, OutputArgs};
use lrfind::train::fixed::{Budget, Training};
use lrfind::train::sweep::{SweepConfig, DEFAULT_SEEDS, DEFAULT_VAL_SPLIT};

/// Trains the model from scratch at fixed learning rates on a log grid, for several seeds, on a
/// held-out validation split, and reports the best validation loss each LR reached: the "try 1,
/// 0.1, 0.01, ..." search done properly, and the ground truth for the range test's suggestion.
#[derive(Debug, Clone, Args)]
pub struct SweepArgs {
    /// The data and how to read it.
    #[command(flatten)]
    pub data: DataArgs,
    /// The model and optimizer.
    #[command(flatten)]
    pub model: ModelArgs,
    /// The sweep.
    #[command(flatten)]
    pub sweep: SweepOptions,
    /// Where results go.
    #[command(flatten)]
    pub output: OutputArgs,
}

/// What the sweep tries.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Sweep")]
pub struct SweepOptions {
    /// Learning rates to try, comma-separated [default: 1e-5 to 1, four per decade].
    #[arg(
        long,
        value_delimiter = ',',
        value_name = "LR,LR,...",
        allow_negative_numbers = true
    )]
    pub lrs: Option<Vec<f64>>,

    /// Epochs per run (and at least --min-steps steps).
    #[arg(long, default_value_t = Budget::default().epochs, value_name = "N")]
    pub epochs: usize,

    /// Steps per run, at least.
    #[arg(long, default_value_t = Budget::default().min_steps, value_name = "N")]
    pub min_steps: usize,

    /// Fraction of rows held out for validation.
    #[arg(long, default_value_t = DEFAULT_VAL_SPLIT, value_name = "F", allow_negative_numbers = true)]
    pub val_split: f64,

    /// Seeds per LR (seed..seed+N-1).
    #[arg(long, default_value_t = DEFAULT_SEEDS, value_name = "N")]
    pub seeds: usize,
}

impl SweepArgs {
    /// The sweep as the library takes it (validated there).
    pub fn config(&self) -> SweepConfig {
        let o = &self.sweep;
        let training = Training {
            model: self.model.model(),
            optimizer: self.model.optimizer(),
            batch_size: self.model.batch_size(),
            budget: Budget {
                epochs: o.epochs,
                min_steps: o.min_steps,
            },
        };
        let defaults = SweepConfig::with_defaults(training);
        SweepConfig {
            lrs: o.lrs.clone().unwrap_or(defaults.lrs),
            seeds: o.seeds,
            seed: self.model.seed,
            val_split: o.val_split,
            training: defaults.training,
        }
    }
}
