//! The [`Report`]: everything one lrfind run found, in one value that every writer reads. The
//! writers (`text`, `json`, `csv`, and `crate::plot`) turn it into bytes and never open files; the
//! caller decides where the bytes go (`crate::output`).

pub mod csv;
pub mod json;
pub mod sweep;
pub mod text;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::data::DataSummary;
use crate::diagnose::Diagnostic;
use crate::finder::{FindConfig, History, Point, StopReason};
use crate::model::Loss;
use crate::suggest::{Consensus, Method, Suggestions};
use crate::sweep::Verification;

/// One range test of a repeated run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// Its seed.
    pub seed: u64,
    /// Its headline pick.
    pub suggested_lr: Option<f64>,
    /// Why it stopped.
    pub stop_reason: StopReason,
    /// Steps recorded.
    pub steps: usize,
}

/// What the range tests found, before it is written up.
#[derive(Debug, Clone)]
pub struct Findings {
    /// Every run's history, in seed order (the first is the one shown in detail).
    pub histories: Vec<History>,
    /// Every run's suggestions.
    pub picks: Vec<Suggestions>,
    /// Their agreement.
    pub consensus: Consensus,
    /// Verification by training, if asked for.
    pub verification: Option<Verification>,
    /// What looks wrong.
    pub diagnostics: Vec<Diagnostic>,
}

/// Everything one run found.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// lrfind's version.
    pub version: String,
    /// The suggested starting LR: the headline rule's pick (the median over runs), if any.
    pub suggested_lr: Option<f64>,
    /// The rule behind `suggested_lr`.
    pub suggested_by: Option<Method>,
    /// The optimizer the suggestion is for.
    pub optimizer: String,
    /// Every rule's pick (median over runs), by rule name.
    pub suggestions: BTreeMap<&'static str, f64>,
    /// Why there is no suggestion, with what to try.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_suggestion: Option<String>,
    /// The candidate that trained best in verification, if `--verify` was given.
    pub verified_lr: Option<f64>,
    /// The verification runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification: Option<Verification>,
    /// Each range test's pick, in seed order.
    pub runs: Vec<RunSummary>,
    /// `log10(max/min)` of the runs' picks.
    pub spread_decades: Option<f64>,
    /// Whether the spread exceeds half a decade.
    pub unstable: bool,
    /// What looks wrong, with codes.
    pub diagnostics: Vec<Diagnostic>,
    /// Why the first run stopped.
    pub stop_reason: StopReason,
    /// Steps recorded in the first run.
    pub steps: usize,
    /// Steps planned per run.
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
    pub config: FindConfig,
    /// The first run's training curve.
    pub curve: Vec<Point>,
    /// The first run's validation curve (empty without `--val-split`).
    pub val_curve: Vec<Point>,
    #[serde(skip)]
    histories: Vec<History>,
}

impl Report {
    /// Writes up the findings.
    pub fn new(
        data: DataSummary,
        model: String,
        loss: Loss,
        config: FindConfig,
        findings: Findings,
    ) -> Self {
        let Findings {
            histories,
            picks,
            consensus,
            verification,
            diagnostics,
        } = findings;
        // The first run's curves are copied once, into the serialised fields.
        let first = histories.first().expect("at least one run").clone();
        let failure = picks
            .iter()
            .find_map(|p| p.failure)
            .filter(|_| consensus.headline.is_none());
        Report {
            version: env!("CARGO_PKG_VERSION").to_string(),
            suggested_lr: consensus.headline,
            suggested_by: consensus.headline.map(|_| config.rule),
            optimizer: config.range.optimizer.kind.to_string(),
            suggestions: consensus
                .by_method
                .iter()
                .map(|(m, lr)| (m.name(), *lr))
                .collect(),
            no_suggestion: failure.map(|f| f.explain(&first.stop)),
            verified_lr: verification.as_ref().map(|v| v.best_lr),
            verification,
            runs: histories
                .iter()
                .zip(&picks)
                .map(|(h, p)| RunSummary {
                    seed: h.seed,
                    suggested_lr: p.headline.map(|s| s.lr),
                    stop_reason: h.stop,
                    steps: h.points.len(),
                })
                .collect(),
            spread_decades: consensus.spread_decades,
            unstable: crate::suggest::is_unstable(consensus.spread_decades),
            diagnostics,
            stop_reason: first.stop,
            steps: first.points.len(),
            planned_steps: first.planned_steps,
            batch_size: first.batch_size,
            loss,
            model,
            data,
            config,
            curve: first.points,
            val_curve: first.val_points,
            histories,
        }
    }

    /// Every run's history, in seed order.
    pub fn histories(&self) -> &[History] {
        &self.histories
    }

    /// The first run's history.
    pub fn history(&self) -> &History {
        &self.histories[0]
    }
}

/// An LR in the short scientific form reports use, e.g. `3.16e-3`.
pub fn fmt_lr(lr: f64) -> String {
    format!("{lr:.2e}")
}
