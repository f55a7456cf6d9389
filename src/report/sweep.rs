//! The report of `lrfind sweep`: the validation loss each fixed LR reached, and the best LR.

use std::fmt::Write;

use serde::Serialize;

use super::fmt_lr;
use crate::data::DataSummary;
use crate::model::Loss;
use crate::sweep::{SweepResult, Training};

/// Everything a sweep found.
#[derive(Debug, Clone, Serialize)]
pub struct SweepReport {
    /// lrfind's version.
    pub version: String,
    /// The LR with the lowest mean best validation loss.
    pub best_lr: f64,
    /// The optimizer swept.
    pub optimizer: String,
    /// What was trained, and for how long.
    pub training: Training,
    /// Fraction of rows held out.
    pub val_split: f64,
    /// Seeds per LR.
    pub seeds: usize,
    /// First seed.
    pub seed: u64,
    /// The loss.
    pub loss: Loss,
    /// Layer sizes.
    pub model: String,
    /// What was made of the CSV.
    pub data: DataSummary,
    /// Every LR's runs.
    pub result: SweepResult,
}

impl SweepReport {
    /// Assembles a sweep report.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        data: DataSummary,
        model: String,
        loss: Loss,
        training: Training,
        val_split: f64,
        seeds: usize,
        seed: u64,
        result: SweepResult,
    ) -> Self {
        SweepReport {
            version: env!("CARGO_PKG_VERSION").to_string(),
            best_lr: result.best_lr,
            optimizer: training.optimizer.kind.to_string(),
            training,
            val_split,
            seeds,
            seed,
            loss,
            model,
            data,
            result,
        }
    }

    /// The summary as text.
    pub fn to_text(&self, plot: Option<&str>) -> String {
        let mut out = String::new();
        let d = &self.data;
        let _ = writeln!(out, "lrfind sweep {} — {}", self.version, d.file);
        let _ = writeln!(
            out,
            "  data       {} rows, {} features, {}; {:.0}% held out for validation",
            d.rows,
            d.features,
            d.task,
            100.0 * self.val_split
        );
        let _ = writeln!(
            out,
            "  model      MLP {}, {} loss; {}, batch size {}",
            self.model,
            self.loss,
            self.training.optimizer.describe(),
            self.training.batch_size
        );
        let _ = writeln!(
            out,
            "  budget     at least {} epochs and {} steps per run, {} seeds per LR; untrained validation loss {:.4}",
            self.training.budget.epochs,
            self.training.budget.min_steps,
            self.seeds,
            self.result.initial_loss
        );
        out.push('\n');
        let _ = writeln!(out, "  {:<10} {:>12} {:>10}", "LR", "best val", "± sd");
        for p in &self.result.points {
            let best = if p.lr == self.best_lr {
                "  <- best"
            } else {
                ""
            };
            let diverged = if p.diverged > 0 {
                format!("  ({} of {} diverged)", p.diverged, p.runs.len())
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "  {:<10} {:>12.4} {:>10.4}{diverged}{best}",
                fmt_lr(p.lr),
                p.mean_loss,
                p.sd_loss
            );
        }
        out.push('\n');
        let _ = writeln!(
            out,
            "best LR  {}   (lowest validation loss {:.4}, for {})",
            fmt_lr(self.best_lr),
            self.result.best_loss,
            self.optimizer
        );
        if let Some(plot) = plot {
            out.push('\n');
            let _ = writeln!(out, "  plot       {plot}");
        }
        out
    }
}
