//! One `lrfind find`: the range tests on a data set, each curve read, their agreement, the
//! diagnostics and, if asked, the verification of the candidates by training. The library entry
//! point behind the command; the result is written up by `report`.

use indicatif::ProgressBar;
use serde::Serialize;

use crate::curve::consensus::{consensus, log_median, Consensus};
use crate::curve::diagnose::Origin;
use crate::curve::rules::{suggest_points, Method, Suggestions, HEADLINE, MIN_POINTS};
use crate::curve::{Curve, Stop};
use crate::data::split::{check_fraction, try_split};
use crate::data::Dataset;
use crate::engine::builtin::{Builtin, Holdout};
use crate::engine::{Engine, RangeJob, Setup};
use crate::error::{Error, Result, Setting};
use crate::model::ModelKind;
use crate::range_test::{RangeTestConfig, Run, Signal, MIN_DEFAULT_STEPS};
use crate::train::race::{race, Candidate, Ledger, Race, RacePlan, RaceShape};

/// Range tests per run unless told otherwise: the median of three steadies the pick and shows
/// its spread (docs/quality.md).
pub const DEFAULT_RUNS: usize = 3;
/// Held-out fraction used for verification when no validation split is asked for.
pub const VERIFY_SPLIT: f64 = 0.2;
/// Times the race is widened when its winner is the lowest (or highest) LR it raced: each time
/// by [`EXTEND_BY`] more candidates past that end.
pub const MAX_EXTENSIONS: usize = 2;
/// Candidates added past an end of the race each time it is widened: half a decade at the
/// default four a decade.
pub const EXTEND_BY: usize = 2;

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
    /// What the race may cost, if limited: the race's seeds, then its steps, shrink to fit.
    pub race_budget: Option<RaceBudget>,
}

/// What a race may cost: training steps over every seed, a multiple of the range tests' steps,
/// or wall time (turned into steps with the range tests' measured time per step). Written `2000`,
/// `5x`, `90s`, `30m` or `2h`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RaceBudget {
    /// Training steps.
    Steps(usize),
    /// A multiple of the range tests' steps.
    Times(f64),
    /// Seconds of wall time.
    Seconds(f64),
}

impl std::str::FromStr for RaceBudget {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let s = s.trim();
        let number = |t: &str| {
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
        };
        let bad = || {
            format!(
                "'{s}' is not a budget: give training steps (2000), a multiple of the range test (5x), or a time (90s, 30m, 2h)"
            )
        };
        if let Some(x) = s.strip_suffix('x') {
            return number(x).map(RaceBudget::Times).ok_or_else(bad);
        }
        for (suffix, seconds) in [("s", 1.0), ("m", 60.0), ("h", 3600.0)] {
            if let Some(t) = s.strip_suffix(suffix) {
                return number(t)
                    .map(|v| RaceBudget::Seconds(v * seconds))
                    .ok_or_else(bad);
            }
        }
        match s.parse::<usize>() {
            Ok(n) if n > 0 => Ok(RaceBudget::Steps(n)),
            _ => Err(bad()),
        }
    }
}

impl std::fmt::Display for RaceBudget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RaceBudget::Steps(n) => write!(f, "{n} steps"),
            RaceBudget::Times(x) => write!(f, "{x}x the range test"),
            RaceBudget::Seconds(t) => write!(f, "{t} s"),
        }
    }
}

/// The fewest steps a race's first round trains when a budget shrinks it.
pub const MIN_FIRST_STEPS: usize = 10;

/// `plan` shrunk to cost at most `budget` training steps with `n` candidates (an engine that
/// `carries_on` pays each round's new steps only, any other each round's whole length): fewer
/// seeds first, down to one, then every round halved, down to a first round of
/// [`MIN_FIRST_STEPS`]. Never grown. Also says whether it fits.
pub fn fit_plan(plan: &RacePlan, n: usize, budget: usize, carries_on: bool) -> (RacePlan, bool) {
    let cost = |p: &RacePlan| {
        let per_seed = if carries_on {
            p.incremental_steps(n)
        } else {
            p.restart_steps(n)
        };
        per_seed * p.seeds.len()
    };
    let mut p = plan.clone();
    while cost(&p) > budget {
        if p.seeds.len() > 1 {
            p.seeds.pop();
        } else if p.first / 2 >= MIN_FIRST_STEPS {
            p.first /= 2;
            p.steps = (p.steps / 2).max(p.first);
        } else {
            return (p, false);
        }
    }
    (p, true)
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
            race_budget: None,
        }
    }

    /// How the race applies its candidates' LRs: the tabular model's LR is `fit_one_cycle`'s
    /// `lr_max` (docs/tabular.md), so its race trains one-cycles; the MLP's is a constant LR.
    pub fn race_shape(&self) -> RaceShape {
        match self.range.model.kind {
            ModelKind::Tabular => RaceShape::OneCycle,
            ModelKind::Mlp => RaceShape::Constant,
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
    /// Every rule's pick on the curve the suggestion reads (none for a run cut short).
    pub picks: Suggestions,
    /// Interrupted well before the run that got furthest: its picks read a shorter curve than
    /// the others', so they are left out.
    pub cut_short: bool,
}

/// Where the race's winner sits against the LRs it raced, and what was done about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Edges {
    /// LRs added below the candidates the curve gave, because the lowest of them won.
    pub added_below: Vec<f64>,
    /// LRs added above them, because the highest won.
    pub added_above: Vec<f64>,
    /// Still at an end after widening: which end and why the race was not widened further.
    pub at_end: Option<AtEnd>,
}

/// A winner at an end of the LRs raced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AtEnd {
    /// The lowest LR raced won, and the race was widened as often as it is: the best may lie
    /// lower.
    LowestAfterWidening,
    /// The lowest LR raced won, and it is the range test's first LR.
    LowestAtStart,
    /// The highest LR raced won, and it is within a grid step of where the range test diverged.
    HighestBelowDivergence,
    /// The highest LR raced won, and the race was widened as often as it is.
    HighestAfterWidening,
}

/// What the range tests found.
#[derive(Debug, Clone)]
pub struct Findings {
    /// Every run, in seed order (the first is the one shown in detail).
    pub runs: Vec<ReadRun>,
    /// Their agreement (over the runs not cut short).
    pub consensus: Consensus,
    /// The race of candidates around the curves' minimum, if verified.
    pub race: Option<Race>,
    /// Whether the race's winner was at an end of the candidates, and what was done.
    pub edges: Option<Edges>,
    /// Why no race ran though one was asked for, when the engine could not measure one.
    pub no_race: Option<String>,
    /// The budget the race was fitted to, when one was given.
    pub budget: Option<Budgeted>,
    /// Where the first run came from, for advice.
    pub origin: Origin,
}

/// A race fitted to a budget.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Budgeted {
    /// The budget as given.
    pub asked: RaceBudget,
    /// It in training steps.
    pub steps: usize,
    /// Whether the smallest race fitted it (if not, the smallest ran).
    pub fits: bool,
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
        cut_short: false,
    }
}

/// The built-in engine a find of `config` on `dataset` trains with: range tests on every row
/// (or, with a validation split, on its training rows, measuring the rest), races on splits of
/// [`VERIFY_SPLIT`] (or the validation fraction) from each seed.
pub fn builtin_engine<'a>(dataset: &'a Dataset, config: &FindConfig) -> Result<Builtin<'a>> {
    if config.signal == Signal::Val && config.val_split.is_none() {
        return Err(Error::config(
            Setting::Signal,
            crate::error::Message::new("val needs a validation split: set ")
                .setting_value(Setting::ValSplit, "0.2"),
        ));
    }
    let holdout = Holdout {
        fraction: config.val_split.unwrap_or(VERIFY_SPLIT),
        capped: true,
    };
    let engine = Builtin::new(dataset, config.range.model.clone(), holdout);
    Ok(match config.val_split {
        Some(f) => {
            engine.with_range_split(try_split(dataset, Setting::ValSplit, f, config.range.seed)?)
        }
        None => engine,
    })
}

/// Runs the range tests of `config` on `dataset` with lrfind's own model and reads them: [`find_with`]
/// on [`builtin_engine`].
pub fn find(dataset: &Dataset, config: &FindConfig, progress: &ProgressBar) -> Result<Findings> {
    config.validate()?;
    find_with(&builtin_engine(dataset, config)?, config, progress)
}

/// The steps of each range test of `range` on an engine with `train_rows` training rows: one
/// pass clamped (see [`RangeTestConfig::effective_steps`]), or the configured steps; without a
/// known row count, [`MIN_DEFAULT_STEPS`].
pub fn range_steps(range: &RangeTestConfig, train_rows: Option<usize>) -> usize {
    match train_rows {
        Some(rows) => range.effective_steps(rows),
        None => range.steps.unwrap_or(MIN_DEFAULT_STEPS),
    }
}

/// Runs the range tests of `config` on `engine` and reads them, then races the candidates when
/// asked and the engine measures a validation loss. `progress` counts the range tests' steps,
/// then the race's runs, each stage named in its prefix. A stop requested through
/// [`crate::interrupt`] ends the range tests where they are and skips (or drops) the race: the
/// curves recorded are read as they stand, without the runs it cut short well before the others.
pub fn find_with(
    engine: &dyn Engine,
    config: &FindConfig,
    progress: &ProgressBar,
) -> Result<Findings> {
    config.validate()?;
    let caps = engine.capabilities();
    if config.signal == Signal::Val && !caps.validation {
        return Err(Error::config(
            Setting::Signal,
            "val reads the validation loss during the range test, and the worker measures none \
             (its hello's \"validation\" is false)",
        ));
    }
    progress.set_prefix("range test");
    progress.set_message("steps");
    let steps = range_steps(&config.range, caps.train_rows);
    let jobs: Vec<RangeJob> = (0..config.runs as u64)
        .map(|i| RangeJob {
            setup: Setup {
                optimizer: config.range.optimizer,
                batch_size: config.range.batch_size,
                seed: config.range.seed + i,
            },
            ramp: config.range.ramp(steps),
            // lrfind's model holds out rows only with a validation split; a worker holds out
            // its own, measured when the curve read is the validation loss.
            validation: config.val_split.is_some() || config.signal == Signal::Val,
        })
        .collect();
    progress.set_length((steps * jobs.len()) as u64);
    let clock = std::time::Instant::now();
    let recorded = engine.range_tests(&jobs, progress)?;
    let range_seconds = clock.elapsed().as_secs_f64();
    progress.finish_and_clear();
    let mut runs: Vec<ReadRun> = recorded
        .into_iter()
        .map(|run| read_run(run, config))
        .collect();
    leave_out_cut_short(&mut runs);
    let picks: Vec<Suggestions> = runs.iter().map(|r| r.picks.clone()).collect();
    let agreed = consensus(&picks);
    let first = &runs[0];
    let origin = Origin::RangeTest {
        end_lr: config.range.end_lr,
        planned_steps: first.run.recording.planned_steps,
        classes: caps.classes,
    };
    let mut findings = Findings {
        runs,
        consensus: agreed,
        race: None,
        edges: None,
        no_race: None,
        budget: None,
        origin,
    };
    let Some(v) = config.verify else {
        return Ok(findings);
    };
    // A curve that neither falls nor has enough points before it diverged says nothing about
    // where to look.
    let readable = findings
        .runs
        .iter()
        .any(|r| !r.cut_short && r.curve.before_divergence().len() >= MIN_POINTS);
    if !readable || crate::interrupt::requested() {
        return Ok(findings);
    }
    if !caps.validation {
        findings.no_race = Some(
            "the worker measures no validation loss, so the candidate LRs could not be raced: the suggestion is the rule's pick on the curve".into(),
        );
        return Ok(findings);
    }
    let lrs = v.candidates(findings.minimum_lr(), findings.divergence_lr());
    let setup = Setup {
        optimizer: config.range.optimizer,
        batch_size: config.range.batch_size,
        seed: config.range.seed,
    };
    let mut plan = RacePlan {
        first: v.first_steps,
        steps: v.steps,
        seeds: (0..v.seeds as u64).map(|s| config.range.seed + s).collect(),
        shape: config.race_shape(),
    };
    let range_steps: usize = findings
        .runs
        .iter()
        .map(|r| r.run.recording.samples.len())
        .sum();
    let budget = config.race_budget.map(|b| {
        let steps = match b {
            RaceBudget::Steps(n) => n,
            RaceBudget::Times(x) => (x * range_steps as f64).round() as usize,
            RaceBudget::Seconds(t) => {
                // The range tests ran `parallel` at a time.
                let per_step = range_seconds * caps.parallel.clamp(1, config.runs) as f64
                    / range_steps.max(1) as f64;
                (t / per_step.max(1e-9)).round() as usize
            }
        };
        let (fitted, fits) = fit_plan(&plan, lrs.len(), steps, caps.carries_on);
        plan = fitted;
        Budgeted {
            asked: b,
            steps,
            fits,
        }
    });
    findings.budget = budget;
    progress.reset();
    progress.set_prefix("race");
    progress.set_message("runs");
    let mut ledger = Ledger::new();
    let raced = race_widening(
        engine,
        &setup,
        lrs,
        &plan,
        &v,
        Bounds {
            lowest: config.range.start_lr,
            divergence: findings.divergence_lr(),
            highest: config.range.end_lr,
        },
        &mut ledger,
        progress,
    );
    engine.release(&ledger.keys());
    progress.finish_and_clear();
    if let Some((race, edges)) = raced? {
        findings.race = Some(race);
        findings.edges = Some(edges);
    }
    Ok(findings)
}

/// How far a race may be widened: not below the range test's first LR, not up to where it
/// diverged, not past its last LR.
#[derive(Debug, Clone, Copy)]
struct Bounds {
    lowest: f64,
    divergence: Option<f64>,
    highest: f64,
}

/// Races `lrs` and, while the best score of the first or the last round is the lowest (highest)
/// LR raced, races again with [`EXTEND_BY`] more LRs of the grid past that end, up to
/// [`MAX_EXTENSIONS`] times; the runs already trained are read from `ledger`, so widening costs
/// only the new LRs' training.
#[allow(clippy::too_many_arguments)]
fn race_widening(
    engine: &dyn Engine,
    setup: &Setup,
    mut lrs: Vec<f64>,
    plan: &RacePlan,
    v: &VerifyConfig,
    bounds: Bounds,
    ledger: &mut Ledger,
    progress: &ProgressBar,
) -> Result<Option<(Race, Edges)>> {
    let mut edges = Edges {
        added_below: Vec::new(),
        added_above: Vec::new(),
        at_end: None,
    };
    let step = 10f64.powf(1.0 / v.per_decade as f64);
    let mut widened = 0;
    loop {
        let Some(r) = race(
            engine,
            &Candidate::at_lrs(setup, &lrs),
            plan,
            ledger,
            progress,
        )?
        else {
            return Ok(None);
        };
        let (low, high) = (lrs[0], lrs[lrs.len() - 1]);
        // By score, not by the near-tie rule: a lower LR it kept for being within 2% of the best
        // says the best lies inside the range, and widening on it would drift lower each time.
        let best = |round: Option<&crate::train::race::Round>| round.map(|x| x.scores[0].0);
        let (first_best, last_best) = (best(r.rounds.first()), best(r.rounds.last()));
        let won = |lr: f64| first_best == Some(lr) || last_best == Some(lr);
        let mut below: Vec<f64> = Vec::new();
        let mut above: Vec<f64> = Vec::new();
        edges.at_end = None;
        if won(low) {
            below = (1..=EXTEND_BY)
                .map(|k| low / step.powi(k as i32))
                .filter(|&lr| lr >= bounds.lowest * (1.0 - 1e-9))
                .collect();
            edges.at_end = Some(if below.is_empty() {
                AtEnd::LowestAtStart
            } else {
                AtEnd::LowestAfterWidening
            });
        }
        if won(high) {
            // At least a grid step below where the range test diverged.
            let ceiling = bounds.divergence.map_or(bounds.highest, |d| d / step);
            above = (1..=EXTEND_BY)
                .map(|k| high * step.powi(k as i32))
                .filter(|&lr| lr <= ceiling * (1.0 + 1e-9))
                .collect();
            edges.at_end = Some(if above.is_empty() {
                AtEnd::HighestBelowDivergence
            } else {
                AtEnd::HighestAfterWidening
            });
        }
        if (below.is_empty() && above.is_empty()) || widened == MAX_EXTENSIONS {
            return Ok(Some((r, edges)));
        }
        widened += 1;
        edges.added_below.extend(&below);
        edges.added_above.extend(&above);
        below.reverse();
        lrs = below.into_iter().chain(lrs).chain(above).collect();
    }
}

/// An interrupted range test: the runs stopped at different steps, and one cut short early (it
/// had barely started when the stop came) reads a curve the others went far past. Runs whose
/// last LR is more than [`CUT_SHORT_DECADES`] below the furthest run's lose their picks.
fn leave_out_cut_short(runs: &mut [ReadRun]) {
    let last = |r: &ReadRun| r.run.recording.samples.last().map_or(0.0, |s| s.lr);
    if !runs
        .iter()
        .any(|r| matches!(r.run.recording.stop, Stop::Interrupted { .. }))
    {
        return;
    }
    let furthest = runs.iter().map(last).fold(0.0, f64::max);
    for r in runs.iter_mut() {
        if matches!(r.run.recording.stop, Stop::Interrupted { .. })
            && last(r) < furthest / 10f64.powf(CUT_SHORT_DECADES)
        {
            r.cut_short = true;
            r.picks = Suggestions {
                headline: None,
                candidates: Vec::new(),
                failure: None,
            };
        }
    }
}

/// How far, in decades of LR, an interrupted run may stop before the furthest one and still be
/// read with the others.
pub const CUT_SHORT_DECADES: f64 = 0.25;

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
/// A one-cycle race's first rounds stop part way along the cycle, which no user runs: its
/// suggestion is the best whole cycle's `lr_max`, the long run's best.
/// `None` when no candidate trained better than the untrained model.
pub fn suggestion(race: &Race) -> Option<f64> {
    let improved = race.entries[0].mean_loss < race.initial_loss;
    improved.then(|| race.pointed_lr())
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

/// Where the runs diverged, median over those that did.
fn divergence_lr(runs: &[ReadRun]) -> Option<f64> {
    let lrs: Vec<f64> = runs
        .iter()
        .filter_map(|r| r.curve.stop.divergence_lr())
        .collect();
    log_median(&lrs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::curve::Sample;
    use crate::engine::scripted::Scripted;
    use crate::engine::Engine;
    use crate::model::ModelConfig;
    use crate::optim::{OptimizerConfig, OptimizerKind};
    use crate::range_test::driver::Recording;

    fn config() -> FindConfig {
        FindConfig::with_defaults(RangeTestConfig::with_defaults(
            ModelConfig::default(),
            OptimizerConfig::new(OptimizerKind::Adam),
        ))
    }

    /// A range test that falls steadily with log LR and blows up past 0.1: its minimum sits at
    /// 0.1, so the race's candidates run from about 3e-3 to 0.1.
    fn falls_then_blows_up(_: &Setup, _: usize, lr: f64) -> f64 {
        if lr < 0.1 {
            2.0 - 0.1 * (lr.log10() + 6.0)
        } else {
            2.0 + 1e3 * lr
        }
    }

    /// Validation losses whose best LR is `best`, more so the longer the run.
    fn trains_best_at(best: f64) -> impl Fn(&Setup, usize, f64) -> f64 + Sync {
        move |_, steps, lr| {
            if steps == 0 {
                return 1.0;
            }
            let off = lr.log10() - best.log10();
            0.2 + 0.5 * off * off + 10.0 / steps as f64
        }
    }

    #[test]
    fn a_race_won_at_its_lowest_lr_is_widened_until_the_best_is_inside() {
        let val = trains_best_at(1e-3);
        let engine = Scripted::new(&falls_then_blows_up, &val, 6400);
        let f = find_with(&engine, &config(), &ProgressBar::hidden()).unwrap();
        let race = f.race.as_ref().unwrap();
        let edges = f.edges.as_ref().unwrap();
        // The curve's candidates start near 3e-3; two widenings of half a decade reach the best.
        assert!(edges.added_below.len() >= 2, "{edges:?}");
        assert!(edges.added_above.is_empty());
        assert_eq!(edges.at_end, None);
        assert!((race.winner.log10() + 3.0).abs() < 1e-9, "{}", race.winner);
        let suggested = f.suggested_lr().unwrap();
        assert!((suggested.log10() + 3.0).abs() < 0.13, "{suggested}");
    }

    /// A survivor whose blow-up comes late (after the rounds that kept it) is no answer: the race
    /// falls back below every LR that diverged (tabular_embed with Adam, bench/drive_quality.py).
    #[test]
    fn a_survivor_that_diverges_late_is_not_the_answer() {
        let best = trains_best_at(1e-2);
        let val = move |setup: &Setup, steps: usize, lr: f64| {
            if steps > 400 && lr >= 7e-3 && setup.seed == 1 {
                return 100.0;
            }
            best(setup, steps, lr)
        };
        let engine = Scripted::new(&falls_then_blows_up, &val, 6400);
        let f = find_with(&engine, &config(), &ProgressBar::hidden()).unwrap();
        let race = f.race.as_ref().unwrap();
        let fallback = race.fallback.expect("the survivor diverged in a run");
        assert!(
            fallback.survivor >= 7e-3 && fallback.diverged == 1,
            "{fallback:?}"
        );
        assert!(fallback.lr < 7e-3 && fallback.lr < fallback.lowest_diverged);
        let suggested = f.suggested_lr().unwrap();
        assert!(suggested < fallback.lowest_diverged, "{suggested}");
        // Without the late blow-up the same race keeps its survivor.
        let best = trains_best_at(1e-2);
        let engine = Scripted::new(&falls_then_blows_up, &best, 6400);
        let f = find_with(&engine, &config(), &ProgressBar::hidden()).unwrap();
        assert_eq!(f.race.unwrap().fallback, None);
    }

    #[test]
    fn a_best_far_below_the_candidates_is_said_plainly() {
        let val = trains_best_at(1e-6);
        let engine = Scripted::new(&falls_then_blows_up, &val, 6400);
        let f = find_with(&engine, &config(), &ProgressBar::hidden()).unwrap();
        let edges = f.edges.as_ref().unwrap();
        assert_eq!(edges.added_below.len(), 2 * EXTEND_BY);
        assert_eq!(edges.at_end, Some(AtEnd::LowestAfterWidening));
        let lowest = f
            .race
            .as_ref()
            .unwrap()
            .entries
            .iter()
            .map(|e| e.lr)
            .fold(1.0, f64::min);
        assert_eq!(f.race.unwrap().winner, lowest);
    }

    #[test]
    fn a_best_inside_the_candidates_is_not_widened() {
        let val = trains_best_at(1e-2);
        let engine = Scripted::new(&falls_then_blows_up, &val, 6400);
        let f = find_with(&engine, &config(), &ProgressBar::hidden()).unwrap();
        let edges = f.edges.unwrap();
        assert!(edges.added_below.is_empty() && edges.added_above.is_empty());
        assert_eq!(edges.at_end, None);
        // The race cost what its plan says: the scripted engine trains every job from the
        // start, so it is asked for the restart cost of 8 candidates, 3 seeds.
        let race = f.race.unwrap();
        let plan = RacePlan {
            first: 100,
            steps: 800,
            seeds: vec![0, 1, 2],
            shape: RaceShape::Constant,
        };
        assert_eq!(race.updates, 3 * plan.restart_steps(race.entries.len()));
    }

    #[test]
    fn a_worker_without_validation_gets_no_race_and_says_why() {
        let val = trains_best_at(1e-2);
        let engine = Scripted::new(&falls_then_blows_up, &val, 6400).with_capabilities(
            crate::engine::Capabilities {
                validation: false,
                train_rows: None,
                classes: None,
                knobs: crate::engine::Knobs::ALL,
                parallel: 1,
                carries_on: false,
            },
        );
        let f = find_with(&engine, &config(), &ProgressBar::hidden()).unwrap();
        assert!(f.race.is_none());
        assert!(f.no_race.as_ref().unwrap().contains("no validation loss"));
        assert_eq!(f.runs[0].run.recording.planned_steps, MIN_DEFAULT_STEPS);
        assert!(f.suggested_lr().is_some());
    }

    fn interrupted_run(seed: u64, steps: usize) -> ReadRun {
        let lrs = crate::schedule::ExponentialSchedule::new(1e-6, 10.0, 100).unwrap();
        let samples: Vec<Sample> = lrs
            .iter()
            .take(steps)
            .enumerate()
            .map(|(step, lr)| Sample {
                step,
                lr,
                loss: falls_then_blows_up(
                    &Setup {
                        optimizer: OptimizerConfig::new(OptimizerKind::Adam),
                        batch_size: 1,
                        seed,
                    },
                    step,
                    lr,
                ),
            })
            .collect();
        let lr = samples.last().unwrap().lr;
        read_run(
            Run {
                recording: Recording {
                    samples,
                    stop: Stop::Interrupted { lr },
                    planned_steps: 100,
                },
                val_samples: Vec::new(),
                val_every: 0,
                batch_size: 64,
                seed,
            },
            &config(),
        )
    }

    #[test]
    fn a_run_cut_short_by_ctrl_c_does_not_drag_the_picks() {
        // Ctrl-C came while two runs were part way (the third had barely started).
        let mut runs = vec![
            interrupted_run(0, 80),
            interrupted_run(1, 78),
            interrupted_run(2, 50),
        ];
        let before = consensus(&runs.iter().map(|r| r.picks.clone()).collect::<Vec<_>>());
        leave_out_cut_short(&mut runs);
        assert_eq!(
            runs.iter().map(|r| r.cut_short).collect::<Vec<_>>(),
            [false, false, true]
        );
        let after = consensus(&runs.iter().map(|r| r.picks.clone()).collect::<Vec<_>>());
        // The short run read a curve ending at 3e-3, two decades before the others; left in, it
        // drags the median of the three down to the lower long run's pick.
        let pick = |r: &ReadRun| r.picks.headline.unwrap().lr;
        let (a, b) = (pick(&runs[0]), pick(&runs[1]));
        assert_eq!(before.headline.unwrap(), a.min(b));
        assert!((after.headline.unwrap() - (a * b).sqrt()).abs() < 1e-12);
        assert_eq!(after.agreeing_runs, 2);
    }

    /// A report of `findings` with nothing else, for the text writer.
    fn report(findings: Findings) -> crate::report::Report {
        use crate::report::{Group, Report, Settings};
        Report {
            version: String::new(),
            data: None,
            model: None,
            worker: None,
            detail: Default::default(),
            optimizer: None,
            sources: Vec::new(),
            notes: Vec::new(),
            settings: Settings::Find(config()),
            groups: vec![Group::from_findings(String::new(), findings, HEADLINE)],
            grid: None,
        }
    }

    fn text(findings: Findings) -> String {
        let naming = |s: Setting, _: Option<&str>| format!("--{}", s.key());
        crate::report::text::findings_text(&report(findings), None, &naming)
    }

    #[test]
    fn the_race_says_what_it_decided_and_why() {
        // Flat near the best: the near-tie rule keeps a lower LR than the lowest loss.
        let val = |_: &Setup, steps: usize, lr: f64| {
            if steps == 0 {
                return 1.0;
            }
            let off = lr.log10() + 2.0;
            0.2 + 0.003 * off * off - 0.001 * off + 10.0 / steps as f64
        };
        let engine = Scripted::new(&falls_then_blows_up, &val, 6400);
        // Rounds of 100, 200 and 400 steps: eight candidates leave two in the last.
        let mut c = config();
        c.verify = Some(VerifyConfig {
            steps: 400,
            ..VerifyConfig::default()
        });
        let f = find_with(&engine, &c, &ProgressBar::hidden()).unwrap();
        let race = f.race.clone().unwrap();
        assert_eq!(race.rounds.last().unwrap().scores.len(), 2);
        let tie = race.last_tie.expect("a near tie at the last round");
        assert!(tie.lr < tie.best_lr && tie.loss > tie.best_loss);
        let t = text(f);
        // The row with the lowest loss says so; the decided block names both and the rule.
        let row = |lr: f64| {
            t.lines()
                .find(|l| l.trim_start().starts_with(&crate::report::fmt_lr(lr)))
                .unwrap_or_else(|| panic!("no row for {lr}: {t}"))
                .to_string()
        };
        let best = row(tie.best_lr);
        assert!(
            best.contains("lowest loss at") && best.contains("400 steps"),
            "{t}"
        );
        assert!(row(tie.lr).contains("chosen at"), "{t}");
        assert!(
            t.contains("is within 2% of its gain over the untrained model"),
            "{t}"
        );
        assert!(
            t.contains("halfway, in log LR") || t.contains("the best of both"),
            "{t}"
        );
        assert!(t.contains("training steps in the race"), "{t}");
    }

    #[test]
    fn a_parabolas_refinement_is_explained() {
        // The best lies between two grid points: the short run's winner is refined.
        let val = trains_best_at(10f64.powf(-1.875));
        let engine = Scripted::new(&falls_then_blows_up, &val, 6400);
        let f = find_with(&engine, &config(), &ProgressBar::hidden()).unwrap();
        let race = f.race.clone().unwrap();
        assert_ne!(race.short_lr, race.first_winner);
        let t = text(f);
        assert!(
            t.contains(&format!(
                "a parabola through its neighbours' losses puts the best at {}",
                crate::report::fmt_lr(race.short_lr)
            )),
            "{t}"
        );
    }

    #[test]
    fn picks_that_spread_stay_unstable_with_a_race_and_say_what_that_means() {
        // Each seed's curve sits a decade further along: the runs' picks spread two decades.
        let range = |s: &Setup, i: usize, lr: f64| {
            falls_then_blows_up(s, i, lr * 10f64.powi(s.seed as i32))
        };
        let val = trains_best_at(1e-2);
        let engine = Scripted::new(&range, &val, 6400);
        let f = find_with(&engine, &config(), &ProgressBar::hidden()).unwrap();
        assert!(f.race.is_some());
        assert!(f.consensus.iqr_decades.unwrap() > 0.25);
        let r = report(f);
        let g = r.main();
        assert!(g.unstable);
        let d = g.diagnostics.iter().find(|d| d.code == "unstable").unwrap();
        let naming = |s: Setting, _: Option<&str>| format!("--{}", s.key());
        assert!(d
            .message
            .render(&naming)
            .contains("the suggestion comes from the race"));
    }

    #[test]
    fn a_winner_at_the_edge_of_stability_is_said_plainly() {
        // The best is past the divergence: the highest candidate wins and there is no room.
        let val = trains_best_at(1.0);
        let engine = Scripted::new(&falls_then_blows_up, &val, 6400);
        let f = find_with(&engine, &config(), &ProgressBar::hidden()).unwrap();
        assert_eq!(
            f.edges.as_ref().unwrap().at_end,
            Some(AtEnd::HighestBelowDivergence)
        );
        let t = text(f);
        assert!(t.contains("near the edge of stability"), "{t}");
        assert!(t.contains("[race_at_end]"), "{t}");
    }

    #[test]
    fn budgets_parse_and_shrink_the_race_seeds_first() {
        assert_eq!("2000".parse(), Ok(RaceBudget::Steps(2000)));
        assert_eq!("5x".parse(), Ok(RaceBudget::Times(5.0)));
        assert_eq!("90s".parse(), Ok(RaceBudget::Seconds(90.0)));
        assert_eq!("1.5h".parse(), Ok(RaceBudget::Seconds(5400.0)));
        for bad in ["", "0", "-3x", "fast", "10d", "nanx"] {
            assert!(bad.parse::<RaceBudget>().is_err(), "{bad}");
        }
        let plan = RacePlan {
            first: 100,
            steps: 800,
            seeds: vec![0, 1, 2],
            shape: RaceShape::Constant,
        };
        // Eight candidates, carried on: 2,000 steps a seed.
        assert_eq!(fit_plan(&plan, 8, 6000, true), (plan.clone(), true));
        let (two, fits) = fit_plan(&plan, 8, 4000, true);
        assert!(fits);
        assert_eq!((two.seeds.len(), two.first, two.steps), (2, 100, 800));
        let (small, fits) = fit_plan(&plan, 8, 1000, true);
        assert!(fits);
        assert_eq!((small.seeds.len(), small.first, small.steps), (1, 50, 400));
        // Restarted, the same budget buys less.
        let (r, _) = fit_plan(&plan, 8, 1000, false);
        assert!(r.steps < small.steps);
        let (tiny, fits) = fit_plan(&plan, 8, 10, true);
        assert!(!fits);
        assert_eq!(tiny.first, 12);
    }

    #[test]
    fn a_budget_in_multiples_of_the_range_test_fits_the_race_to_it() {
        let val = trains_best_at(1e-2);
        let engine = Scripted::new(&falls_then_blows_up, &val, 6400);
        let mut c = config();
        c.race_budget = Some(RaceBudget::Times(5.0));
        let f = find_with(&engine, &c, &ProgressBar::hidden()).unwrap();
        let b = f.budget.unwrap();
        let range: usize = f.runs.iter().map(|r| r.run.recording.samples.len()).sum();
        assert_eq!(b.steps, 5 * range);
        assert!(b.fits);
        // The scripted engine trains every job from the start: that is what the budget bounds.
        assert!(
            engine.trained_updates() <= b.steps,
            "{} > {}",
            engine.trained_updates(),
            b.steps
        );
        assert!(f.race.unwrap().seeds < 3);
    }
}
