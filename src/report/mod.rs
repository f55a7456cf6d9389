//! The [`Report`]: everything one lrfind run found, in one value that every writer reads. The
//! writers (`text`, `json`, `csv`, and `crate::plot`) turn it into bytes and never open files; the
//! caller decides where the bytes go (`crate::output`).

pub mod csv;
pub mod json;
pub mod text;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::DataSummary;
use crate::finder::{History, Point, RangeTestConfig, StopReason};
use crate::model::Loss;
use crate::suggest::{Method, Suggestions};

/// Everything one run found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// lrfind's version.
    pub version: String,
    /// The suggested starting LR (the headline rule's pick), if any.
    pub suggested_lr: Option<f64>,
    /// The rule behind `suggested_lr`.
    pub suggested_by: Option<Method>,
    /// The optimizer the suggestion is for.
    pub optimizer: String,
    /// Every rule's pick, by rule name.
    pub suggestions: BTreeMap<&'static str, f64>,
    /// Why there is no suggestion, with what to try.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_suggestion: Option<String>,
    /// Why the test stopped.
    pub stop_reason: StopReason,
    /// Steps recorded.
    pub steps: usize,
    /// Steps planned.
    pub planned_steps: usize,
    /// Batch size used.
    pub batch_size: usize,
    /// The loss.
    pub loss: Loss,
    /// Layer sizes, e.g. `4-64-64-3`.
    pub model: String,
    /// What was made of the CSV.
    pub data: DataSummary,
    /// Every option used.
    pub config: RangeTestConfig,
    /// The recorded curve.
    pub curve: Vec<Point>,
    #[serde(skip)]
    history: History,
    #[serde(skip)]
    picks: Suggestions,
}

impl Report {
    /// Assembles a report.
    pub fn new(
        data: DataSummary,
        model: String,
        loss: Loss,
        config: RangeTestConfig,
        history: History,
        picks: Suggestions,
    ) -> Self {
        Report {
            version: env!("CARGO_PKG_VERSION").to_string(),
            suggested_lr: picks.headline.map(|s| s.lr),
            suggested_by: picks.headline.map(|s| s.method),
            optimizer: config.optimizer.kind.to_string(),
            suggestions: picks
                .candidates
                .iter()
                .map(|s| (s.method.name(), s.lr))
                .collect(),
            no_suggestion: picks.failure.map(|f| f.explain(&history.stop)),
            stop_reason: history.stop,
            steps: history.points.len(),
            planned_steps: history.planned_steps,
            batch_size: history.batch_size,
            loss,
            model,
            data,
            config,
            curve: history.points.clone(),
            history,
            picks,
        }
    }

    /// The range test's history.
    pub fn history(&self) -> &History {
        &self.history
    }

    /// Every rule's pick.
    pub fn picks(&self) -> &Suggestions {
        &self.picks
    }
}

/// An LR in the short scientific form reports use, e.g. `3.16e-3`.
pub fn fmt_lr(lr: f64) -> String {
    format!("{lr:.2e}")
}
