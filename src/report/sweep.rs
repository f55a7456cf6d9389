//! The report of `lrfind sweep`: the validation loss each fixed LR reached, and the best LR. Its
//! writers live beside the range test's, one per format.

use serde::Serialize;

use super::ModelSummary;
use crate::data::DataSummary;
use crate::train::sweep::{SweepConfig, SweepResult};

/// Everything a sweep found.
#[derive(Debug, Clone, Serialize)]
pub struct SweepReport {
    /// lrfind's version.
    pub version: String,
    /// The LR with the lowest mean best validation loss, if any LR improved on the untrained
    /// model.
    pub best_lr: Option<f64>,
    /// The optimizer swept.
    pub optimizer: String,
    /// The model.
    pub model: ModelSummary,
    /// What was made of the CSV.
    pub data: DataSummary,
    /// What was trained, at which LRs, with how many seeds.
    pub config: SweepConfig,
    /// Every LR's runs.
    pub result: SweepResult,
}

impl SweepReport {
    /// Assembles a sweep report.
    pub fn new(
        data: DataSummary,
        model: ModelSummary,
        config: SweepConfig,
        result: SweepResult,
    ) -> Self {
        SweepReport {
            version: env!("CARGO_PKG_VERSION").to_string(),
            best_lr: result.best_lr,
            optimizer: config.training.optimizer.kind.to_string(),
            model,
            data,
            config,
            result,
        }
    }
}
