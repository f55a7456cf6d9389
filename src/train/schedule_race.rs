//! Training with a schedule, and what a race of schedules trains.
//!
//! Three decisions live here, so that the table command and the race make them alike:
//!
//! - **The peak.** When a range test found the LR, [`PeakRule::of`] says which of its readings
//!   each kind starts from: the one-cycle and cyclic schedules climb to halfway (in log LR)
//!   between lrfind's suggested LR and the curve's minimum (Smith, 2017 and 2018, puts the
//!   cycle's top at the minimum itself, the largest LR at which the loss still falls; raced on
//!   five tables in docs/schedules.md, the top at the minimum was the worst of three and the one
//!   halfway the best or as good), starting at `peak / div` (one-cycle) or `peak / 4` (cyclic's
//!   floor); every other kind starts from lrfind's suggested LR, the LR a fixed-LR run trains
//!   best at, and decays from there.
//! - **Settings no framework defaults.** [`fill`] gives each a value from the run's length (a
//!   step size of a third of the run, milestones at 50% and 75%, an exponential decay that falls
//!   100-fold over the run, ...), and says which it filled, so that any kind can be drawn or
//!   raced from just an LR and a step count.
//! - **The race.** [`race`] hands an [`Engine`] one training job per kind and seed, every kind
//!   with the same initial weights, split and batch order for a given seed, and the LR of each
//!   update from the schedule (reduce-on-plateau: cut on the validation loss at each
//!   evaluation). lrfind's own model runs them on rayon's threads, `lrfind schedule -- COMMAND`
//!   on the user's workers; results do not depend on how many run at once.
//!
//! lrfind's own optimizers take their momentum (Adam's beta1) once, so on lrfind's model a
//! one-cycle's momentum column is reported but not applied; a worker is sent it with each job.

use std::time::Instant;

use indicatif::ProgressBar;
use serde::Serialize;

pub use crate::engine::ValPoint;
use crate::engine::{next_keys, Engine, JobKey, LrPlan, Setup, TrainJob, Trained};
use crate::error::{Error, Message, Result, Setting};
use crate::find::Findings;
use crate::optim::OptimizerConfig;
use crate::schedule::{
    build, settings_of, LrSchedule, PlateauConfig, Schedule, ScheduleKind, ScheduleOptions,
};

/// Runs per kind unless told otherwise: two, so a difference that one seed's luck made shows.
pub const DEFAULT_SEEDS: usize = 2;
/// Validation measurements per run: enough to draw the curve and to feed a plateau with the
/// default patience of 10 several chances to cut.
pub const EVALUATIONS: usize = 50;
/// How far below the peak cyclic's floor sits when not given: Smith (2017) sets the bounds of a
/// triangular cycle a factor of 3 to 4 apart.
pub const CYCLIC_FLOOR_DIV: f64 = 4.0;
/// The fall over the run of an exponential decay whose rate is filled: the same hundredfold as
/// step and multistep's two decays by 0.1.
pub const FILLED_FALL: f64 = 100.0;
/// The fall over the run of an inverse-time decay whose step scale is filled: tenfold, since a
/// `1/t` decay spends most of its fall early (a hundredfold fall would halve the LR within the
/// first percent of the run).
pub const FILLED_INVERSE_FALL: f64 = 10.0;

/// Which reading of a range test a kind takes as its peak LR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PeakRule {
    /// Given by the user.
    Given,
    /// Halfway, in log LR, between lrfind's suggested LR and the LR of the curve's lowest smoothed
    /// loss (`Findings::minimum_lr`): `sqrt(suggested x minimum)`.
    Between,
    /// lrfind's suggested LR (`Findings::suggested_lr`).
    Suggested,
}

impl PeakRule {
    /// The rule a kind follows when a range test found its LR.
    pub fn of(kind: ScheduleKind) -> Self {
        match kind {
            ScheduleKind::Onecycle | ScheduleKind::Cyclic => PeakRule::Between,
            _ => PeakRule::Suggested,
        }
    }

    /// The LR the rule reads from `findings`; `None` where the range test gave none (or for
    /// [`PeakRule::Given`]).
    pub fn lr(self, findings: &Findings) -> Option<f64> {
        match self {
            PeakRule::Given => None,
            PeakRule::Between => match (findings.suggested_lr(), findings.minimum_lr()) {
                (Some(s), Some(m)) => Some((s * m).sqrt()),
                (s, m) => s.or(m),
            },
            PeakRule::Suggested => findings.suggested_lr(),
        }
    }

    /// What the rule takes, in words.
    pub fn describe(self) -> &'static str {
        match self {
            PeakRule::Given => "given",
            PeakRule::Between => "halfway between the range test's suggested LR and curve minimum",
            PeakRule::Suggested => "the range test's suggested LR",
        }
    }
}

/// Reduce-on-plateau's settings as given; `None` leaves PyTorch's default.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PlateauSettings {
    /// What the LR is multiplied by at a plateau.
    pub factor: Option<f64>,
    /// Evaluations without improvement tolerated.
    pub patience: Option<usize>,
    /// The least relative improvement.
    pub threshold: Option<f64>,
    /// Evaluations ignored after a cut.
    pub cooldown: Option<usize>,
}

impl PlateauSettings {
    /// The settings given, in order.
    pub fn given(&self) -> Vec<Setting> {
        [
            (self.factor.is_some(), Setting::Factor),
            (self.patience.is_some(), Setting::Patience),
            (self.threshold.is_some(), Setting::Threshold),
            (self.cooldown.is_some(), Setting::Cooldown),
        ]
        .into_iter()
        .filter_map(|(set, s)| set.then_some(s))
        .collect()
    }

    /// `ReduceLROnPlateau` from `lr` with these settings and the floor `min_lr`.
    pub fn config(&self, lr: f64, min_lr: Option<f64>) -> PlateauConfig {
        let mut c = PlateauConfig::new(lr);
        c.factor = self.factor.unwrap_or(c.factor);
        c.patience = self.patience.unwrap_or(c.patience);
        c.threshold = self.threshold.unwrap_or(c.threshold);
        c.cooldown = self.cooldown.unwrap_or(c.cooldown);
        c.min_lr = min_lr.unwrap_or(c.min_lr);
        c
    }
}

/// The settings `kind` reads beyond its LR and steps: the library's, and for plateau its own
/// and the floor.
pub fn reads(kind: ScheduleKind) -> Vec<Setting> {
    match kind {
        ScheduleKind::Plateau => vec![
            Setting::MinLr,
            Setting::Factor,
            Setting::Patience,
            Setting::Threshold,
            Setting::Cooldown,
        ],
        other => settings_of(other).to_vec(),
    }
}

/// `options` with only the settings `kind` reads: a race passes each kind its own.
pub fn restrict(options: &ScheduleOptions, kind: ScheduleKind) -> ScheduleOptions {
    let r = reads(kind);
    let keep = |s: Setting| r.contains(&s);
    let o = options;
    fn pick<T: Clone>(keep: bool, v: &Option<T>) -> Option<T> {
        if keep {
            v.clone()
        } else {
            None
        }
    }
    ScheduleOptions {
        min_lr: pick(keep(Setting::MinLr), &o.min_lr),
        warmup: pick(keep(Setting::Warmup), &o.warmup),
        warmup_start_factor: pick(keep(Setting::WarmupStartFactor), &o.warmup_start_factor),
        variant: pick(keep(Setting::Variant), &o.variant),
        pct_start: pick(keep(Setting::PctStart), &o.pct_start),
        div: pick(keep(Setting::Div), &o.div),
        final_div: pick(keep(Setting::FinalDiv), &o.final_div),
        three_phase: keep(Setting::ThreePhase) && o.three_phase,
        anneal: pick(keep(Setting::Anneal), &o.anneal),
        cycle_momentum: pick(keep(Setting::CycleMomentum), &o.cycle_momentum),
        base_momentum: pick(keep(Setting::BaseMomentum), &o.base_momentum),
        max_momentum: pick(keep(Setting::MaxMomentum), &o.max_momentum),
        period: pick(keep(Setting::Period), &o.period),
        period_mult: pick(keep(Setting::PeriodMult), &o.period_mult),
        gamma: pick(keep(Setting::Gamma), &o.gamma),
        step_size: pick(keep(Setting::StepSize), &o.step_size),
        milestones: pick(keep(Setting::Milestones), &o.milestones),
        boundaries: pick(keep(Setting::Boundaries), &o.boundaries),
        values: pick(keep(Setting::Values), &o.values),
        power: pick(keep(Setting::Power), &o.power),
        decay_rate: pick(keep(Setting::DecayRate), &o.decay_rate),
        decay_steps: pick(keep(Setting::DecaySteps), &o.decay_steps),
        staircase: keep(Setting::Staircase) && o.staircase,
        step_size_up: pick(keep(Setting::StepSizeUp), &o.step_size_up),
        step_size_down: pick(keep(Setting::StepSizeDown), &o.step_size_down),
        mode: pick(keep(Setting::Mode), &o.mode),
        fractions: pick(keep(Setting::Fractions), &o.fractions),
        decay_shape: pick(keep(Setting::DecayShape), &o.decay_shape),
    }
}

/// `round(fraction * steps)`, at least `low`.
fn at(fraction: f64, steps: usize, low: usize) -> usize {
    ((fraction * steps as f64).round() as usize).max(low)
}

/// `options` for `kind` with peak `lr` over `steps` steps, with each setting that has no framework
/// default (or, for cyclic's half-cycle, a default made for runs of tens of thousands of steps)
/// filled from the run's length when not given, and the settings filled:
///
/// | kind | filled when not given |
/// |---|---|
/// | cosine-restarts | `period = ceil(T / (1 + m + m²))`: three cycles fill the run (`m` = `period_mult`) |
/// | exponential | `gamma = 100^(-1/T)`: the LR falls 100-fold over the run |
/// | step | `step_size = ceil(T / 3)`: two decays |
/// | multistep | `milestones = round(T/2), round(3T/4)` (the ResNet recipe) |
/// | piecewise | `boundaries` the same less one, or evenly between the given values; `values` 1, 0.1, 0.01, ... |
/// | inverse-time | `decay_steps = round(r T / (10^(1/p) - 1))`: the LR falls 10-fold over the run |
/// | cyclic | `min_lr = lr / 4`; `step_size_up = ceil(T / 4)`: two whole cycles |
///
/// A value that cannot fit the run (a step size in a one-step run) is left out, and building the
/// schedule names the setting.
pub fn fill(
    kind: ScheduleKind,
    lr: f64,
    steps: usize,
    options: &ScheduleOptions,
) -> (ScheduleOptions, Vec<Setting>) {
    let mut o = options.clone();
    let mut filled = Vec::new();
    let t = steps;
    let tf = steps as f64;
    match kind {
        ScheduleKind::CosineRestarts if o.period.is_none() => {
            let m = o.period_mult.unwrap_or(1).max(1) as f64;
            o.period = Some(((tf / (1.0 + m + m * m)).ceil() as usize).max(1));
            filled.push(Setting::Period);
        }
        ScheduleKind::Exponential if o.gamma.is_none() => {
            o.gamma = Some(FILLED_FALL.powf(-1.0 / tf.max(1.0)));
            filled.push(Setting::Gamma);
        }
        ScheduleKind::Step if o.step_size.is_none() && t >= 2 => {
            o.step_size = Some(t.div_ceil(3).min(t - 1).max(1));
            filled.push(Setting::StepSize);
        }
        ScheduleKind::Multistep if o.milestones.is_none() => {
            let mut m: Vec<usize> = vec![at(0.5, t, 1), at(0.75, t, 1)];
            m.dedup();
            m.retain(|&s| s < t);
            if !m.is_empty() {
                o.milestones = Some(m);
                filled.push(Setting::Milestones);
            }
        }
        ScheduleKind::Piecewise => {
            if o.boundaries.is_none() {
                let fractions: Vec<f64> = match &o.values {
                    Some(v) if v.len() >= 2 => {
                        let n = v.len();
                        (1..n).map(|i| i as f64 / n as f64).collect()
                    }
                    _ => vec![0.5, 0.75],
                };
                let mut b: Vec<usize> = fractions.iter().map(|&f| at(f, t, 1) - 1).collect();
                b.dedup();
                b.retain(|&s| s + 1 < t);
                let fits = o.values.as_ref().is_none_or(|v| v.len() == b.len() + 1);
                if !b.is_empty() && fits {
                    o.boundaries = Some(b);
                    filled.push(Setting::Boundaries);
                }
            }
            if o.values.is_none() {
                if let Some(b) = &o.boundaries {
                    // 1, 0.1, 0.01, ... as their decimal literals, not as products.
                    let tenth = |i: usize| format!("1e-{i}").parse().expect("a number");
                    o.values = Some((0..=b.len()).map(tenth).collect());
                    filled.push(Setting::Values);
                }
            }
        }
        ScheduleKind::InverseTime if o.decay_steps.is_none() => {
            let rate = o.decay_rate.unwrap_or(1.0);
            let power = o.power.unwrap_or(1.0);
            let d = rate * tf / (FILLED_INVERSE_FALL.powf(1.0 / power) - 1.0);
            if d.is_finite() && d > 0.0 {
                o.decay_steps = Some((d.round() as usize).max(1));
                filled.push(Setting::DecaySteps);
            }
        }
        ScheduleKind::Cyclic => {
            if o.min_lr.is_none() {
                o.min_lr = Some(lr / CYCLIC_FLOOR_DIV);
                filled.push(Setting::MinLr);
            }
            if o.step_size_up.is_none() {
                o.step_size_up = Some(t.div_ceil(4).max(1));
                filled.push(Setting::StepSizeUp);
            }
        }
        _ => {}
    }
    (o, filled)
}

/// A schedule to train with: a table, or reduce-on-plateau, which follows the validation loss.
#[derive(Debug, Clone, PartialEq)]
pub enum Entrant {
    /// A schedule known before training.
    Table(Schedule),
    /// `ReduceLROnPlateau`, fed the validation loss at each evaluation.
    Plateau(PlateauConfig),
}

impl Entrant {
    /// Builds `kind` from peak `lr` over `steps` steps with `options` (restricted to what the kind
    /// reads) and the plateau's settings, after [`fill`]; returns the settings filled.
    pub fn build(
        kind: ScheduleKind,
        lr: f64,
        steps: usize,
        options: &ScheduleOptions,
        plateau: &PlateauSettings,
    ) -> Result<(Entrant, Vec<Setting>)> {
        if kind == ScheduleKind::Plateau {
            let config = plateau.config(lr, options.min_lr);
            config.build()?;
            if steps == 0 {
                return Err(Error::config(
                    Setting::Steps,
                    "a schedule needs at least 1 step",
                ));
            }
            return Ok((Entrant::Plateau(config), Vec::new()));
        }
        let (options, filled) = fill(kind, lr, steps, options);
        Ok((Entrant::Table(build(kind, lr, steps, &options)?), filled))
    }

    /// Which kind.
    pub fn kind(&self) -> ScheduleKind {
        match self {
            Entrant::Table(s) => s.kind(),
            Entrant::Plateau(_) => ScheduleKind::Plateau,
        }
    }

    /// The LR of every update, as a training job follows it.
    pub fn plan(&self) -> LrPlan {
        match self {
            Entrant::Table(s) => LrPlan::Table(s.clone()),
            Entrant::Plateau(p) => LrPlan::Plateau(*p),
        }
    }

    /// The LR it starts from or climbs to (the plateau's first).
    pub fn peak_lr(&self) -> f64 {
        match self {
            Entrant::Table(s) => s.summary().peak_lr,
            Entrant::Plateau(p) => p.lr,
        }
    }
}

/// What every run of a race trains, and how long. The model and the held-out rows are the
/// engine's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaceConfig {
    /// The optimizer (a schedule's momentum column reaches a worker that cycles it; lrfind's own
    /// optimizers take theirs once).
    pub optimizer: OptimizerConfig,
    /// Rows per batch (the engine caps it at its training rows).
    pub batch_size: usize,
    /// Optimizer steps per run.
    pub steps: usize,
    /// Runs per kind.
    pub seeds: usize,
    /// The first seed: run `s` uses seed `seed + s` for its weights, batch order and split.
    pub seed: u64,
    /// Validation measurements per run, at most.
    pub evaluations: usize,
}

impl RaceConfig {
    /// Checks every value once.
    pub fn validate(&self) -> Result<()> {
        self.optimizer.validate()?;
        if self.batch_size == 0 {
            return Err(Error::config(Setting::BatchSize, "must be at least 1"));
        }
        if self.steps == 0 {
            return Err(Error::config(
                Setting::Steps,
                "a race needs at least 1 step",
            ));
        }
        if self.seeds == 0 {
            return Err(Error::config(Setting::Seeds, "must be at least 1"));
        }
        Ok(())
    }

    /// Steps between validation measurements.
    pub fn every(&self) -> usize {
        self.steps.div_ceil(self.evaluations.max(1)).max(1)
    }

    /// The update counts after which a run is measured: every [`RaceConfig::every`] steps and at
    /// the end.
    pub fn evaluate_at(&self) -> Vec<usize> {
        let every = self.every();
        let mut at: Vec<usize> = (every..=self.steps).step_by(every).collect();
        if at.last() != Some(&self.steps) {
            at.push(self.steps);
        }
        at
    }
}

/// One run of one kind.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaceRun {
    /// Seed of the weights, batch order and split.
    pub seed: u64,
    /// Validation loss before training.
    pub initial_loss: f64,
    /// Lowest validation loss measured (the initial loss if the run diverged), as early stopping
    /// would keep.
    pub best_loss: f64,
    /// The last measurement, at the end of the run; `None` if it diverged.
    pub final_loss: Option<f64>,
    /// Whether a training loss was not a number or a validation loss exceeded
    /// [`DIVERGE_FACTOR`](crate::engine::DIVERGE_FACTOR) times the initial one.
    pub diverged: bool,
    /// Updates done.
    pub steps: usize,
    /// Wall time of the run, in seconds (runs share the cores).
    pub seconds: f64,
    /// Every validation measurement, from step 0.
    pub curve: Vec<ValPoint>,
}

impl RaceRun {
    /// The run a training job of `entrant` with `seed` measured.
    fn of(entrant: &Entrant, seed: u64, t: Trained) -> Self {
        let mut curve = Vec::with_capacity(t.evaluations.len() + 1);
        curve.push(ValPoint {
            step: 0,
            loss: t.initial_loss,
            lr: entrant.plan().first_lr(),
        });
        curve.extend_from_slice(&t.evaluations);
        RaceRun {
            seed,
            initial_loss: t.initial_loss,
            best_loss: t.best_loss(),
            final_loss: t.final_loss(),
            diverged: t.diverged,
            steps: t.steps,
            seconds: t.seconds,
            curve,
        }
    }
}

/// One kind's runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaceEntry {
    /// Which kind.
    pub kind: ScheduleKind,
    /// Its peak (or starting) LR.
    pub peak_lr: f64,
    /// Mean over seeds of the best validation loss.
    pub best_loss: f64,
    /// Standard deviation over seeds of the best validation loss.
    pub sd_best_loss: f64,
    /// Mean over seeds of the final validation loss; `None` if any run diverged.
    pub final_loss: Option<f64>,
    /// Runs that diverged.
    pub diverged: usize,
    /// Mean wall time of a run, in seconds.
    pub seconds: f64,
    /// Every run, in seed order.
    pub runs: Vec<RaceRun>,
}

/// A race of schedules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleRace {
    /// What was trained.
    pub config: RaceConfig,
    /// Training rows per split, when the engine's rows are known (lrfind's own model).
    pub train_rows: Option<usize>,
    /// Validation rows per split, when known.
    pub val_rows: Option<usize>,
    /// The untrained model's validation loss, mean over seeds.
    pub initial_loss: f64,
    /// Each kind, in the order raced.
    pub entries: Vec<RaceEntry>,
    /// The kind with the lowest mean best validation loss (on a tie, the lower final loss), among
    /// those that improved on the untrained model.
    pub best: Option<ScheduleKind>,
    /// Wall time of the whole race, in seconds.
    pub seconds: f64,
    /// Whether a stop was requested (Ctrl-C) before every run had trained: `entries` then holds
    /// only the kinds whose every run finished, and `best` is the best of those.
    pub interrupted: bool,
    /// The kinds raced but left out because a run of theirs had not finished when the stop came.
    pub unfinished: Vec<ScheduleKind>,
}

/// Trains `entrant` from scratch with `seed` on `engine`, measuring at
/// [`RaceConfig::evaluate_at`]; stops for good at a divergence.
pub fn train_with(
    engine: &dyn Engine,
    config: &RaceConfig,
    entrant: &Entrant,
    seed: u64,
) -> Result<RaceRun> {
    let job = job_of(config, entrant, seed, next_keys(1));
    let trained = engine.train(std::slice::from_ref(&job), &ProgressBar::hidden())?;
    engine.release(&[job.key]);
    let t = trained.into_iter().next().expect("one result a job");
    Ok(RaceRun::of(entrant, seed, t))
}

/// The training job of one run.
fn job_of(config: &RaceConfig, entrant: &Entrant, seed: u64, key: JobKey) -> TrainJob {
    TrainJob {
        key,
        setup: Setup {
            optimizer: config.optimizer,
            batch_size: config.batch_size,
            seed,
        },
        lr: entrant.plan(),
        until: config.steps,
        evaluate_at: config.evaluate_at(),
    }
}

/// Races `entrants` on `engine`: for each seed `config.seed + s`, one run per entrant from the
/// same weights, batch order and split (the engine's for that seed); the engine runs them as it
/// can (lrfind's model: all at once on rayon's threads; a worker pool: one a worker).
/// `progress` counts finished runs. A stop asked for through [`crate::interrupt`] (or the
/// engine's own) ends the runs still training: the race keeps each kind whose every run
/// finished, marked interrupted with the kinds left out. The untrained loss is then that of the
/// kinds kept (NaN when none finished).
pub fn race(
    engine: &dyn Engine,
    entrants: &[Entrant],
    config: &RaceConfig,
    progress: &ProgressBar,
) -> Result<ScheduleRace> {
    config.validate()?;
    if entrants.is_empty() {
        return Err(Error::config(
            Setting::Race,
            "give at least one kind to race",
        ));
    }
    if let Some(e) = entrants.iter().find(|e| match e {
        Entrant::Table(s) => s.steps() != config.steps,
        Entrant::Plateau(_) => false,
    }) {
        return Err(Error::config(
            Setting::Steps,
            Message::new(format!(
                "`{}` was built for {} steps but the race runs {}",
                e.kind(),
                match e {
                    Entrant::Table(s) => s.steps(),
                    Entrant::Plateau(_) => config.steps,
                },
                config.steps
            )),
        ));
    }
    let clock = Instant::now();
    let seeds: Vec<u64> = (0..config.seeds as u64).map(|s| config.seed + s).collect();
    let first = next_keys(entrants.len() * seeds.len());
    let jobs: Vec<TrainJob> = entrants
        .iter()
        .flat_map(|e| seeds.iter().map(move |&s| (e, s)))
        .zip(first..)
        .map(|((e, s), key)| job_of(config, e, s, key))
        .collect();
    progress.set_length(jobs.len() as u64);
    let trained = engine.train(&jobs, progress)?;
    engine.release(&jobs.iter().map(|j| j.key).collect::<Vec<_>>());
    progress.finish_and_clear();
    let mut entries: Vec<RaceEntry> = Vec::new();
    let mut unfinished = Vec::new();
    for (runs, e) in trained.chunks(seeds.len()).zip(entrants) {
        let finished = runs.iter().all(|t| t.diverged || t.steps >= config.steps);
        if finished {
            let runs = runs
                .iter()
                .zip(&seeds)
                .map(|(t, &s)| RaceRun::of(e, s, t.clone()))
                .collect();
            entries.push(entry(e, runs));
        } else {
            unfinished.push(e.kind());
        }
    }
    let initial_loss = entries.first().map_or(f64::NAN, |e| {
        e.runs.iter().map(|r| r.initial_loss).sum::<f64>() / seeds.len() as f64
    });
    // Ties in the best loss (schedules that part only after their best) go to the lower final.
    let best = entries
        .iter()
        .filter(|e| e.best_loss < initial_loss)
        .min_by(|a, b| {
            let last = |e: &RaceEntry| e.final_loss.unwrap_or(f64::INFINITY);
            a.best_loss
                .total_cmp(&b.best_loss)
                .then(last(a).total_cmp(&last(b)))
        })
        .map(|e| e.kind);
    Ok(ScheduleRace {
        config: config.clone(),
        train_rows: None,
        val_rows: None,
        initial_loss,
        entries,
        best,
        seconds: clock.elapsed().as_secs_f64(),
        interrupted: !unfinished.is_empty(),
        unfinished,
    })
}

fn entry(entrant: &Entrant, runs: Vec<RaceRun>) -> RaceEntry {
    let n = runs.len() as f64;
    let best = runs.iter().map(|r| r.best_loss).sum::<f64>() / n;
    let var = runs
        .iter()
        .map(|r| (r.best_loss - best).powi(2))
        .sum::<f64>()
        / n;
    let finals: Option<Vec<f64>> = runs.iter().map(|r| r.final_loss).collect();
    RaceEntry {
        kind: entrant.kind(),
        peak_lr: entrant.peak_lr(),
        best_loss: best,
        sd_best_loss: var.sqrt(),
        final_loss: finals.map(|f| f.iter().sum::<f64>() / n),
        diverged: runs.iter().filter(|r| r.diverged).count(),
        seconds: runs.iter().map(|r| r.seconds).sum::<f64>() / n,
        runs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::split::split;
    use crate::data::Dataset;
    use crate::engine::builtin::{Builtin, Holdout};
    use crate::model::ModelConfig;
    use crate::optim::OptimizerKind;
    use crate::schedule::{assert_setting, CyclicMode};
    use crate::train::{Evaluator, Trainer};

    fn dataset() -> Dataset {
        crate::train::race::tests::xor_dataset(200)
    }

    fn model() -> ModelConfig {
        ModelConfig {
            hidden: vec![16],
            ..ModelConfig::default()
        }
    }

    /// lrfind's model on `d`, each seed's split holding out 20%.
    fn engine(d: &Dataset) -> Builtin<'_> {
        let holdout = Holdout {
            fraction: 0.2,
            capped: false,
        };
        Builtin::new(d, model(), holdout)
    }

    fn config(steps: usize) -> RaceConfig {
        RaceConfig {
            optimizer: OptimizerConfig::new(OptimizerKind::Adam),
            batch_size: 32,
            steps,
            seeds: 2,
            seed: 0,
            evaluations: 10,
        }
    }

    fn none() -> ScheduleOptions {
        ScheduleOptions::default()
    }

    #[test]
    fn peaks_follow_smiths_reading() {
        assert_eq!(PeakRule::of(ScheduleKind::Onecycle), PeakRule::Between);
        assert_eq!(PeakRule::of(ScheduleKind::Cyclic), PeakRule::Between);
        for k in ScheduleKind::ALL {
            if !matches!(k, ScheduleKind::Onecycle | ScheduleKind::Cyclic) {
                assert_eq!(PeakRule::of(k), PeakRule::Suggested, "{k}");
            }
        }
    }

    #[test]
    fn filled_settings_by_hand() {
        let (o, f) = fill(ScheduleKind::Step, 0.1, 1000, &none());
        assert_eq!((o.step_size, f), (Some(334), vec![Setting::StepSize]));
        let (o, _) = fill(ScheduleKind::Multistep, 0.1, 1000, &none());
        assert_eq!(o.milestones, Some(vec![500, 750]));
        let (o, _) = fill(ScheduleKind::Piecewise, 0.1, 1000, &none());
        assert_eq!(o.boundaries, Some(vec![499, 749]));
        assert_eq!(o.values, Some(vec![1.0, 0.1, 0.01]));
        let given = ScheduleOptions {
            values: Some(vec![1.0, 0.5, 0.25, 0.125]),
            ..none()
        };
        let (o, f) = fill(ScheduleKind::Piecewise, 0.1, 1000, &given);
        assert_eq!(o.boundaries, Some(vec![249, 499, 749]));
        assert_eq!(f, [Setting::Boundaries]);
        let (o, _) = fill(ScheduleKind::CosineRestarts, 0.1, 1000, &none());
        assert_eq!(o.period, Some(334));
        let mult = ScheduleOptions {
            period_mult: Some(2),
            ..none()
        };
        let (o, _) = fill(ScheduleKind::CosineRestarts, 0.1, 700, &mult);
        assert_eq!(o.period, Some(100));
        // The decays whose rate is filled end 100-fold (exponential, at step T) and 10-fold
        // (inverse-time) below their start.
        let (o, _) = fill(ScheduleKind::Exponential, 0.1, 1000, &none());
        let s = build(ScheduleKind::Exponential, 0.1, 1000, &o).unwrap();
        assert!((0.1 / (s.lr(999) * o.gamma.unwrap()) - 100.0).abs() < 1e-9);
        let (o, _) = fill(ScheduleKind::InverseTime, 0.1, 1000, &none());
        assert_eq!(o.decay_steps, Some(111));
        let s = build(ScheduleKind::InverseTime, 0.1, 1000, &o).unwrap();
        assert!((0.1 / s.lr(999) - 10.0).abs() < 0.1, "{}", s.lr(999));
        let (o, f) = fill(ScheduleKind::Cyclic, 0.1, 1000, &none());
        assert_eq!((o.min_lr, o.step_size_up), (Some(0.025), Some(250)));
        assert_eq!(f, [Setting::MinLr, Setting::StepSizeUp]);
        // Given settings are kept, and a kind without a gap gets nothing.
        let given = ScheduleOptions {
            min_lr: Some(0.01),
            mode: Some(CyclicMode::Triangular2),
            ..none()
        };
        let (o, f) = fill(ScheduleKind::Cyclic, 0.1, 1000, &given);
        assert_eq!(o.min_lr, Some(0.01));
        assert_eq!(f, [Setting::StepSizeUp]);
        assert_eq!(fill(ScheduleKind::Cosine, 0.1, 1000, &none()).1, []);
        // A one-step run has no room for a step size: the library names it.
        let (o, f) = fill(ScheduleKind::Step, 0.1, 1, &none());
        assert!(f.is_empty());
        assert_setting(build(ScheduleKind::Step, 0.1, 1, &o), Setting::StepSize);
    }

    #[test]
    fn every_kind_builds_from_an_lr_and_steps() {
        for kind in ScheduleKind::ALL {
            // From the shortest run a one-cycle's three phases fit in (PyTorch's bound).
            for steps in [7, 10, 100, 1000, 4321] {
                let (e, _) =
                    Entrant::build(kind, 0.01, steps, &none(), &PlateauSettings::default())
                        .unwrap_or_else(|e| panic!("{kind} over {steps}: {e}"));
                assert_eq!(e.kind(), kind);
            }
        }
    }

    #[test]
    fn restrict_keeps_only_what_a_kind_reads() {
        let o = ScheduleOptions {
            min_lr: Some(0.001),
            gamma: Some(0.5),
            three_phase: true,
            ..none()
        };
        let r = restrict(&o, ScheduleKind::Cosine);
        assert_eq!(r.min_lr, Some(0.001));
        assert_eq!(r.gamma, None);
        assert!(!r.three_phase);
        assert!(restrict(&o, ScheduleKind::Onecycle).three_phase);
        assert_eq!(restrict(&o, ScheduleKind::Plateau).min_lr, Some(0.001));
        assert_eq!(restrict(&o, ScheduleKind::Constant), none());
    }

    #[test]
    fn every_kind_sees_the_same_start_and_a_constant_matches_by_hand() {
        let d = dataset();
        let c = config(40);
        let settings = PlateauSettings::default();
        let entrants: Vec<Entrant> = [
            ScheduleKind::Constant,
            ScheduleKind::Onecycle,
            ScheduleKind::Plateau,
        ]
        .iter()
        .map(|&k| Entrant::build(k, 0.01, 40, &none(), &settings).unwrap().0)
        .collect();
        let r = race(&engine(&d), &entrants, &c, &ProgressBar::hidden()).unwrap();
        assert_eq!(r.entries.len(), 3);
        for s in 0..2 {
            let first: Vec<f64> = r.entries.iter().map(|e| e.runs[s].initial_loss).collect();
            assert!(first.iter().all(|&l| l == first[0]), "{first:?}");
        }
        for e in &r.entries {
            assert_eq!(e.runs.len(), 2);
            assert!(e.best_loss.is_finite() && e.best_loss <= r.initial_loss);
            // Measured every 4 steps, from step 0 to the end.
            let steps: Vec<usize> = e.runs[0].curve.iter().map(|p| p.step).collect();
            assert_eq!(steps, (0..=40).step_by(4).collect::<Vec<_>>());
        }
        // The same run by hand: a Trainer at the constant LR with seed 0 on seed 0's split.
        let sp = split(&d, 0.2, 0);
        let mut t = Trainer::new(&d, sp.train.clone(), &model(), &c.optimizer, 32, 0);
        let mut ev = Evaluator::new(&d, t.model(), sp.val.clone());
        for _ in 0..40 {
            t.step(&d, 0.01);
        }
        let by_hand = t.evaluate(&mut ev, &d);
        assert_eq!(r.entries[0].runs[0].final_loss, Some(by_hand));
        // The plateau, never cut in 10 evaluations with patience 10, is the constant run.
        assert_eq!(r.entries[2].runs, {
            let mut runs = r.entries[0].runs.clone();
            for (a, b) in runs.iter_mut().zip(&r.entries[2].runs) {
                a.seconds = b.seconds;
            }
            runs
        });
        // Deterministic.
        let again = race(&engine(&d), &entrants, &c, &ProgressBar::hidden()).unwrap();
        let losses =
            |r: &ScheduleRace| -> Vec<f64> { r.entries.iter().map(|e| e.best_loss).collect() };
        assert_eq!(losses(&again), losses(&r));
    }

    /// A stop keeps the kinds whose every run finished, each as it would be without the stop,
    /// and names the others.
    #[test]
    fn a_stop_keeps_the_kinds_trained() {
        let d = dataset();
        let c = config(200);
        let kinds = [
            ScheduleKind::Constant,
            ScheduleKind::Cosine,
            ScheduleKind::Step,
            ScheduleKind::Poly,
            ScheduleKind::Exponential,
            ScheduleKind::Plateau,
        ];
        let entrants: Vec<Entrant> = kinds
            .iter()
            .map(|&k| {
                Entrant::build(k, 0.01, 200, &none(), &Default::default())
                    .unwrap()
                    .0
            })
            .collect();
        let bar = ProgressBar::hidden();
        // Two threads; the stop comes once four runs (two kinds' worth) have finished.
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let stop = || bar.position() >= 4;
        let stopping = engine(&d).with_stop(&stop);
        let r = pool
            .install(|| race(&stopping, &entrants, &c, &bar))
            .unwrap();
        assert!(r.interrupted);
        assert!(
            !r.entries.is_empty() && !r.unfinished.is_empty(),
            "{:?}",
            r.unfinished
        );
        assert_eq!(r.entries.len() + r.unfinished.len(), kinds.len());
        let whole = race(&engine(&d), &entrants, &c, &ProgressBar::hidden()).unwrap();
        assert!(!whole.interrupted && whole.unfinished.is_empty());
        let losses = |e: &RaceEntry| -> Vec<f64> { e.runs.iter().map(|r| r.best_loss).collect() };
        for e in &r.entries {
            let w = whole.entries.iter().find(|w| w.kind == e.kind).unwrap();
            assert_eq!(losses(e), losses(w), "{}", e.kind);
            assert!(!r.unfinished.contains(&e.kind));
        }
        let always = || true;
        let none = race(
            &engine(&d).with_stop(&always),
            &entrants,
            &c,
            &ProgressBar::hidden(),
        )
        .unwrap();
        assert!(none.entries.is_empty() && none.best.is_none() && none.initial_loss.is_nan());
        assert_eq!(none.unfinished, kinds);
    }

    #[test]
    fn a_plateau_cuts_when_the_loss_stalls() {
        let d = dataset();
        let mut c = config(200);
        c.evaluations = 50;
        let settings = PlateauSettings {
            patience: Some(0),
            factor: Some(0.5),
            ..Default::default()
        };
        let (e, _) = Entrant::build(ScheduleKind::Plateau, 0.05, 200, &none(), &settings).unwrap();
        let run = train_with(&engine(&d), &c, &e, 0).unwrap();
        let lrs: Vec<f64> = run.curve.iter().map(|p| p.lr).collect();
        assert_eq!(lrs[0], 0.05);
        assert!(lrs.windows(2).all(|w| w[1] <= w[0]), "{lrs:?}");
        assert!(*lrs.last().unwrap() < 0.05, "never cut: {lrs:?}");
    }

    #[test]
    fn a_huge_lr_diverges_and_counts_as_untrained() {
        let d = dataset();
        let (e, _) = Entrant::build(
            ScheduleKind::Constant,
            1e6,
            50,
            &none(),
            &PlateauSettings::default(),
        )
        .unwrap();
        let r = race(&engine(&d), &[e], &config(50), &ProgressBar::hidden()).unwrap();
        let entry = &r.entries[0];
        assert_eq!(entry.diverged, 2);
        assert_eq!(entry.final_loss, None);
        assert_eq!(entry.best_loss, r.initial_loss);
        assert_eq!(r.best, None);
    }

    #[test]
    fn bad_configs_name_their_setting() {
        let d = dataset();
        let (e, _) = Entrant::build(
            ScheduleKind::Constant,
            0.01,
            10,
            &none(),
            &Default::default(),
        )
        .unwrap();
        let mut c = config(10);
        c.seeds = 0;
        assert_setting(
            race(
                &engine(&d),
                std::slice::from_ref(&e),
                &c,
                &ProgressBar::hidden(),
            ),
            Setting::Seeds,
        );
        let c = config(20);
        assert_setting(
            race(&engine(&d), &[e], &c, &ProgressBar::hidden()),
            Setting::Steps,
        );
        let bad = PlateauSettings {
            factor: Some(2.0),
            ..Default::default()
        };
        assert_setting(
            Entrant::build(ScheduleKind::Plateau, 0.01, 10, &none(), &bad),
            Setting::Factor,
        );
    }
}
