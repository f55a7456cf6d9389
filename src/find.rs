//! One `lrfind find`: the range tests on a data set, each curve read, their agreement, the
//! diagnostics and, if asked, the verification of the candidates by training. The library entry
//! point behind the command; the result is written up by `report`.

use indicatif::ProgressBar;
use serde::Serialize;

use crate::curve::consensus::{consensus, Consensus};
use crate::curve::diagnose::Origin;
use crate::curve::rules::{suggest_points, Method, Suggestions, HEADLINE};
use crate::curve::Curve;
use crate::data::split::{check_fraction, split, Split};
use crate::data::Dataset;
use crate::error::{Error, Result, Setting};
use crate::range_test::{run_many, RangeTestConfig, Run, Signal};
use crate::train::fixed::{Budget, Training};
use crate::train::verify::{verify, Verification};

/// Range tests per run unless told otherwise: the median of three steadies the pick and shows
/// its spread (docs/quality.md).
pub const DEFAULT_RUNS: usize = 3;
/// Held-out fraction used for verification when no validation split is asked for.
pub const VERIFY_SPLIT: f64 = 0.2;
/// Seeds per verification candidate.
pub const VERIFY_SEEDS: usize = 3;

/// Everything one `find` does: the range test, how often it is repeated, which curve the
/// suggestion reads, and whether the candidates are verified by training.
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
    pub rule: Method,
    /// The training budget of each verification run, when candidates are verified.
    pub verify: Option<Budget>,
}

impl FindConfig {
    /// The default find around a range test.
    pub fn with_defaults(range: RangeTestConfig) -> Self {
        FindConfig {
            range,
            runs: DEFAULT_RUNS,
            val_split: None,
            signal: Signal::default(),
            rule: HEADLINE,
            verify: None,
        }
    }

    /// Checks every value once.
    pub fn validate(&self) -> Result<()> {
        self.range.validate()?;
        if self.runs == 0 {
            return Err(Error::config(Setting::Runs, "must be at least 1"));
        }
        if let Some(f) = self.val_split {
            check_fraction(Setting::ValSplit, f)?;
        }
        if self.signal == Signal::Val && self.val_split.is_none() {
            return Err(Error::config(
                Setting::Signal,
                crate::error::Message::new("val needs a validation split: set ")
                    .setting_value(Setting::ValSplit, "0.2"),
            ));
        }
        if let Some(budget) = &self.verify {
            if budget.epochs == 0 {
                return Err(Error::config(Setting::VerifyEpochs, "must be at least 1"));
            }
        }
        Ok(())
    }
}

/// One range test, read.
#[derive(Debug, Clone)]
pub struct ReadRun {
    /// What it recorded.
    pub run: Run,
    /// Its training curve.
    pub curve: Curve,
    /// Its validation curve, with a split.
    pub val_curve: Option<Curve>,
    /// Every rule's pick on the curve the suggestion reads.
    pub picks: Suggestions,
}

/// What the range tests found.
#[derive(Debug, Clone)]
pub struct Findings {
    /// Every run, in seed order (the first is the one shown in detail).
    pub runs: Vec<ReadRun>,
    /// Their agreement.
    pub consensus: Consensus,
    /// Verification by training, if asked for.
    pub verification: Option<Verification>,
    /// Where the first run came from, for advice.
    pub origin: Origin,
}

/// Reads one run: smooths its curves and applies every rule to the one `config.signal` names.
pub fn read_run(run: Run, config: &FindConfig) -> ReadRun {
    let settings = config.range.curve();
    let curve = Curve::read(&run.recording.samples, run.recording.stop, &settings);
    let val_curve = (!run.val_samples.is_empty()).then(|| {
        // The validation curve stops where the training curve began to diverge.
        let onset = curve
            .points
            .get(curve.usable)
            .map_or(usize::MAX, |p| p.step);
        let usable = run
            .val_samples
            .iter()
            .take_while(|s| s.step < onset)
            .count();
        Curve::smoothed(&run.val_samples, curve.stop, usable, settings.smoothing)
    });
    let read_curve = match (config.signal, &val_curve) {
        (Signal::Val, Some(v)) => v.before_divergence(),
        _ => curve.before_divergence(),
    };
    let picks = suggest_points(read_curve, config.rule);
    ReadRun {
        run,
        curve,
        val_curve,
        picks,
    }
}

/// Runs the range tests of `config` on `dataset` and reads them.
pub fn find(dataset: &Dataset, config: &FindConfig, progress: &ProgressBar) -> Result<Findings> {
    config.validate()?;
    let held_out = config
        .val_split
        .map(|f| split(dataset, f, config.range.seed));
    let runs: Vec<ReadRun> = run_many(
        dataset,
        held_out.as_ref(),
        &config.range,
        config.runs,
        progress,
    )?
    .into_iter()
    .map(|run| read_run(run, config))
    .collect();
    let picks: Vec<Suggestions> = runs.iter().map(|r| r.picks.clone()).collect();
    let agreed = consensus(&picks);
    let first = &runs[0];
    let origin = Origin::RangeTest {
        end_lr: config.range.end_lr,
        planned_steps: first.run.recording.planned_steps,
        classes: dataset.target.classes(),
    };
    let verification = match (config.verify, agreed.headline) {
        (Some(budget), Some(headline)) => {
            let held_out = held_out
                .clone()
                .unwrap_or_else(|| split(dataset, VERIFY_SPLIT, config.range.seed));
            verify_candidates(dataset, &held_out, config, budget, &agreed, headline)
        }
        _ => None,
    };
    Ok(Findings {
        runs,
        consensus: agreed,
        verification,
        origin,
    })
}

/// Trains at each rule's pick, the median of runs, and the suggestion times and divided by 3.
fn verify_candidates(
    dataset: &Dataset,
    held_out: &Split,
    config: &FindConfig,
    budget: Budget,
    agreed: &Consensus,
    headline: f64,
) -> Option<Verification> {
    let mut candidates: Vec<(String, f64)> = agreed
        .by_method
        .iter()
        .map(|(m, lr)| (m.name().to_string(), *lr))
        .collect();
    if config.runs > 1 {
        candidates.push(("median of runs".into(), headline));
    }
    candidates.push(("suggested x3".into(), headline * 3.0));
    candidates.push(("suggested /3".into(), headline / 3.0));
    let training = Training {
        model: config.range.model.clone(),
        optimizer: config.range.optimizer,
        batch_size: config.range.batch_size,
        budget,
    };
    verify(
        dataset,
        held_out,
        &training,
        &candidates,
        config.range.seed,
        VERIFY_SEEDS,
    )
}
