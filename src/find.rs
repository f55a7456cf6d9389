//! One `lrfind find`: the range tests on a data set, each curve read, their agreement, the
//! diagnostics and, if asked, the verification of the candidates by training. The library entry
//! point behind the command; the result is written up by `report`.

use indicatif::ProgressBar;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::curve::consensus::{consensus, log_median, Consensus};
use crate::curve::diagnose::Origin;
use crate::curve::rules::{suggest_points, Method, Suggestions, HEADLINE, MIN_POINTS};
use crate::curve::Curve;
use crate::data::split::{check_fraction, split, try_split, Split};
use crate::data::Dataset;
use crate::error::{Error, Result, Setting};
use crate::range_test::{run_many, RangeTestConfig, Run, Signal};
use crate::train::fixed::{Budget, Training};
use crate::train::race::{race_with_progress, Candidate, Race};

/// Range tests per run unless told otherwise: the median of three steadies the pick and shows
/// its spread (docs/quality.md).
pub const DEFAULT_RUNS: usize = 3;
/// Held-out fraction used for verification when no validation split is asked for.
pub const VERIFY_SPLIT: f64 = 0.2;
/// The most held-out rows a race measures: enough to rank LRs (the standard error of a mean loss
/// over 4,096 rows is about 1.6% of its spread), and it keeps the race's cost independent of the
/// table's size.
pub const RACE_VAL_ROWS: usize = 4096;
/// The most training rows a race draws its batches from: more than its longest run sees (800
/// steps of 64 rows), so a larger table gains nothing from more, and every run keeps its own
/// shuffled copy.
pub const RACE_TRAIN_ROWS: usize = 65_536;

/// How the candidates are verified by training: a race of short runs with successive halving.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct VerifyConfig {
    /// Steps of the race's first round, where every candidate trains: a short run.
    pub first_steps: usize,
    /// Steps the surviving candidate trains: a long run.
    pub steps: usize,
    /// Seeds per candidate.
    pub seeds: usize,
    /// How far below the curve's minimum the candidates reach, in decades.
    pub below: f64,
    /// The candidates reach up to this many decades below where the loss diverged (or the
    /// curve's minimum, if that is higher).
    pub under_divergence: f64,
    /// The widest span of candidates, in decades: a noisy curve's minimum far below its
    /// divergence does not stretch the race further down than this.
    pub max_span: f64,
    /// Candidates per decade.
    pub per_decade: usize,
}

impl Default for VerifyConfig {
    fn default() -> Self {
        VerifyConfig {
            first_steps: 100,
            steps: 800,
            seeds: 3,
            below: 1.5,
            under_divergence: 0.5,
            max_span: 3.0,
            per_decade: 4,
        }
    }
}

impl VerifyConfig {
    /// Checks every value once.
    pub fn validate(&self) -> Result<()> {
        if self.steps == 0 || self.first_steps == 0 {
            return Err(Error::config(Setting::VerifySteps, "must be at least 1"));
        }
        if self.seeds == 0 {
            return Err(Error::config(Setting::VerifySeeds, "must be at least 1"));
        }
        if self.per_decade == 0 || !(self.max_span.is_finite() && self.max_span >= 0.0) {
            return Err(Error::config(
                Setting::Verify,
                "needs at least one candidate a decade and a span of 0 or more",
            ));
        }
        for (setting, span) in [
            (Setting::VerifyBelow, self.below),
            (Setting::VerifyUnderDivergence, self.under_divergence),
        ] {
            if !(span.is_finite() && span >= 0.0) {
                return Err(Error::config(
                    setting,
                    format!("{span} is not a number of decades of 0 or more"),
                ));
            }
        }
        Ok(())
    }

    /// The candidate LRs, `per_decade` a decade on the grid `10^(k / per_decade)`: from `below`
    /// decades under
    /// the curve's minimum `anchor` (when the curve falls) up to `under_divergence` decades under
    /// the divergence (or the anchor, if higher), at most `max_span` decades in all. A curve that
    /// neither falls nor diverges gives none.
    pub fn candidates(&self, anchor: Option<f64>, divergence: Option<f64>) -> Vec<f64> {
        let top = match (anchor, divergence) {
            (Some(a), Some(d)) => a.max(d / 10f64.powf(self.under_divergence)),
            (Some(a), None) => a,
            (None, Some(d)) => d / 10f64.powf(self.under_divergence),
            (None, None) => return Vec::new(),
        };
        let bottom = anchor.map_or(f64::INFINITY, |a| a / 10f64.powf(self.below));
        let span = (top / bottom).log10().clamp(0.0, self.max_span);
        // On the grid 10^(k / per_decade), so that runs with other seeds race the same LRs.
        let per = self.per_decade as f64;
        let top = (top.log10() * per).round() as i64;
        let n = (span * per).round() as i64;
        (top - n..=top)
            .map(|k| 10f64.powf(k as f64 / per))
            .collect()
    }
}

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
    /// How candidates are verified by training, if they are.
    pub verify: Option<VerifyConfig>,
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
            verify: Some(VerifyConfig::default()),
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
        if let Some(v) = &self.verify {
            v.validate()?;
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
    /// The race of candidates around the curves' minimum, if verified.
    pub race: Option<Race>,
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

/// Runs the range tests of `config` on `dataset` and reads them. `progress` counts the range
/// tests' steps, then the race's runs, each stage named in its prefix. A stop requested through
/// [`crate::interrupt`] ends the range tests where they are and skips (or drops) the race: the
/// curves recorded are read as they stand.
pub fn find(dataset: &Dataset, config: &FindConfig, progress: &ProgressBar) -> Result<Findings> {
    config.validate()?;
    progress.set_prefix("range test");
    progress.set_message("steps");
    let held_out = config
        .val_split
        .map(|f| try_split(dataset, Setting::ValSplit, f, config.range.seed))
        .transpose()?;
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
    let race = config.verify.and_then(|v| {
        // A curve that neither falls nor has enough points before it diverged says nothing about
        // where to look.
        let readable = runs
            .iter()
            .any(|r| r.curve.before_divergence().len() >= MIN_POINTS);
        if !readable {
            return None;
        }
        if crate::interrupt::requested() {
            return None;
        }
        let candidates = v.candidates(minimum_lr(&runs), divergence_lr(&runs));
        let fraction = config.val_split.unwrap_or(VERIFY_SPLIT);
        let splits: Vec<Split> = (0..v.seeds as u64)
            .map(|s| capped(split(dataset, fraction, config.range.seed + s), s))
            .collect();
        progress.reset();
        progress.set_prefix("race");
        progress.set_message("runs");
        let raced = verify(dataset, &splits, config, &candidates, progress);
        progress.finish_and_clear();
        raced
    });
    Ok(Findings {
        runs,
        consensus: agreed,
        race,
        origin,
    })
}

impl Findings {
    /// The suggested LR: the race's, when candidates were raced, else the headline rule's median.
    pub fn suggested_lr(&self) -> Option<f64> {
        match &self.race {
            Some(r) => suggestion(r),
            None => self.consensus.headline,
        }
    }

    /// The LR of the lowest smoothed loss (median over the runs whose curve falls): the largest
    /// LR at which the loss still falls.
    pub fn minimum_lr(&self) -> Option<f64> {
        minimum_lr(&self.runs)
    }

    /// Where the runs diverged (median over those that did).
    pub fn divergence_lr(&self) -> Option<f64> {
        divergence_lr(&self.runs)
    }
}

/// The LR a race suggests: halfway, in log10 LR, between what trained best in a short run (the
/// first round) and what trained best in the longest (the survivor), each refined between the
/// candidates, so that neither a quick run nor a full one is more than half their distance from
/// its best LR.
/// `None` when no candidate trained better than the untrained model.
pub fn suggestion(race: &Race) -> Option<f64> {
    let improved = race.entries[0].mean_loss < race.initial_loss;
    improved.then(|| (race.short_lr * race.long_lr).sqrt())
}

/// The LR of the lowest smoothed loss, median over the runs whose curve falls.
fn minimum_lr(runs: &[ReadRun]) -> Option<f64> {
    let lrs: Vec<f64> = runs
        .iter()
        .filter(|r| r.picks.headline.is_some())
        .filter_map(|r| {
            r.curve
                .before_divergence()
                .iter()
                .min_by(|a, b| a.smoothed_loss.total_cmp(&b.smoothed_loss))
                .map(|p| p.lr)
        })
        .collect();
    log_median(&lrs)
}

/// `split` with at most [`RACE_TRAIN_ROWS`] training and [`RACE_VAL_ROWS`] validation rows,
/// seeded samples of its own.
fn capped(mut split: Split, seed: u64) -> Split {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(3);
    for (rows, max) in [
        (&mut split.train, RACE_TRAIN_ROWS),
        (&mut split.val, RACE_VAL_ROWS),
    ] {
        if rows.len() > max {
            rows.shuffle(&mut rng);
            rows.truncate(max);
            rows.sort_unstable();
        }
    }
    split
}

/// Where the runs diverged, median over those that did.
fn divergence_lr(runs: &[ReadRun]) -> Option<f64> {
    let lrs: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.curve.stop.divergence_lr())
        .collect();
    log_median(&lrs)
}

/// Races the candidate LRs.
fn verify(
    dataset: &Dataset,
    splits: &[Split],
    config: &FindConfig,
    lrs: &[f64],
    progress: &ProgressBar,
) -> Option<Race> {
    let v = config.verify?;
    let training = Training {
        model: config.range.model.clone(),
        optimizer: config.range.optimizer,
        batch_size: config.range.batch_size,
        budget: Budget::default(),
    };
    race_with_progress(
        dataset,
        splits,
        &Candidate::at_lrs(&training, lrs),
        v.first_steps,
        v.steps,
        config.range.seed,
        progress,
    )
}
