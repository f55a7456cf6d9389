//! A race: short training at each candidate LR, on the same split and seeds, with successive
//! halving (Jamieson & Talwalkar, 2016): every candidate trains a first stretch of `first` steps,
//! the better half (by best validation loss, mean over seeds) trains on to twice as many steps,
//! and so on, doubling until the last round ends at `steps`, where the best one is kept. A
//! candidate that diverges is out. Two LRs come out: the best after the first round (what trains
//! best in a short run) and the survivor (what trains best in the longest), with every
//! candidate's score to say how close the others were.
//!
//! The rounds end at `first, 2 first, 4 first, ..., steps`; with `n` candidates and `R` rounds the
//! race costs about `first * n * (1 + 1/2 + ...)`, at most `2 first n + steps`, steps per seed
//! instead of `n * steps`, when the engine carries each training on from where it stopped
//! ([`RacePlan::incremental_steps`]); an engine that trains it again from the start pays
//! `first * n * R` ([`RacePlan::restart_steps`]).
//!
//! Whoever trains, the race is the same: its runs are training jobs handed to an
//! [`Engine`](crate::engine::Engine), and every decision is a function of what they measured. A
//! [`Ledger`] keeps every run, so that a race over more candidates (the find widens a race whose
//! winner sits at an end) trains only what is new.

use std::collections::HashMap;

use indicatif::ProgressBar;
use serde::Serialize;

use crate::engine::{next_keys, Engine, JobKey, LrPlan, Setup, TrainJob, Trained};
use crate::error::Result;
use crate::schedule::onecycle::OneCycleConfig;
use crate::schedule::Schedule;

/// Validation measurements per round, at most.
pub const EVALUATIONS_PER_ROUND: usize = 8;

/// Candidates whose score is within this fraction of the best's improvement on the untrained
/// model are tied with it, and the lowest LR among them wins: a slightly smaller LR costs little,
/// one too large can diverge.
pub const NEAR_TIE: f64 = 0.02;

/// One contestant: an LR, and what it trains with.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// What to call it.
    pub label: String,
    /// Its LR.
    pub lr: f64,
    /// The optimizer and batch size it trains with (the seed is each run's).
    pub setup: Setup,
    /// Its share of each round's steps (1: all of them; a batch twice the smallest, compared at
    /// equal examples seen, trains half as many).
    pub steps_scale: f64,
}

impl Candidate {
    /// One candidate per LR, all training with `setup`, each labelled by its LR.
    pub fn at_lrs(setup: &Setup, lrs: &[f64]) -> Vec<Candidate> {
        lrs.iter()
            .map(|&lr| Candidate {
                label: format!("{lr:.2e}"),
                lr,
                setup: *setup,
                steps_scale: 1.0,
            })
            .collect()
    }
}

/// How a candidate's LR is applied over its training.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RaceShape {
    /// The candidate's LR at every step: the LR for training at a constant LR.
    #[default]
    Constant,
    /// The candidate's LR as `lr_max` of fastai's `fit_one_cycle` over the last round's length
    /// (`OneCycleConfig::fastai`: warm-up from `lr_max / 25` over the first quarter, cosine
    /// anneal to `lr_max / 2.5e6`); each round trains on along the same cycle, so the rounds
    /// before the last compare the cycles' first stretches and the last round whole cycles. The
    /// race's answer is then the `lr_max` to give `fit_one_cycle`. (Adam's beta1 stays fixed,
    /// where fastai also cycles it from 0.95 to 0.85 and back.)
    OneCycle,
}

/// How long a race trains and on how many seeds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RacePlan {
    /// Steps of the first round, where every candidate trains.
    pub first: usize,
    /// Steps of the last round, where the survivor trains.
    pub steps: usize,
    /// One run per seed for every candidate, each on the split of its seed.
    pub seeds: Vec<u64>,
    /// How each candidate's LR is applied.
    pub shape: RaceShape,
}

impl RacePlan {
    /// Training updates the race asks for at most, per seed, with `n` candidates: every round's
    /// field trained to the round's end. An engine that carries a training further from where it
    /// stopped trains fewer ([`RacePlan::incremental_steps`]).
    pub fn restart_steps(&self, n: usize) -> usize {
        let ends = round_ends(self.first, self.steps);
        field_sizes(n, ends.len())
            .zip(&ends)
            .map(|(field, end)| field * end)
            .sum()
    }

    /// Training updates per seed with `n` candidates when every training is carried further
    /// from where it stopped.
    pub fn incremental_steps(&self, n: usize) -> usize {
        let ends = round_ends(self.first, self.steps);
        let mut prev = 0;
        field_sizes(n, ends.len())
            .zip(&ends)
            .map(|(field, &end)| {
                let d = field * (end - prev);
                prev = end;
                d
            })
            .sum()
    }
}

/// The field of each round: `n`, then halved (rounding up) after every round but the last.
fn field_sizes(n: usize, rounds: usize) -> impl Iterator<Item = usize> {
    (0..rounds).scan(n, |field, _| {
        let now = *field;
        *field = now.div_ceil(2);
        Some(now)
    })
}

/// One candidate's standing when it left the race (or won it).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// Where the candidate came from.
    pub label: String,
    /// Its LR.
    pub lr: f64,
    /// Mean over seeds of the best validation loss reached (a diverged seed counts the untrained
    /// loss).
    pub mean_loss: f64,
    /// Steps it trained.
    pub steps: usize,
    /// Seeds that diverged.
    pub diverged: usize,
}

/// One round: who trained in it, to how many steps, and their scores.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    /// Steps every contestant had trained at its end (before a candidate's share).
    pub steps: usize,
    /// Each contestant's LR and score (mean over seeds of the best validation loss so far), best
    /// first.
    pub scores: Vec<(f64, f64)>,
    /// How many went on (1 after the last round: the winner).
    pub kept: usize,
}

/// Where the near-tie rule chose a lower LR than the lowest score: at `lr` the score was
/// `loss`, within [`NEAR_TIE`] of the best's improvement at `best_lr` (`best_loss`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct NearTie {
    /// The LR kept.
    pub lr: f64,
    /// Its score.
    pub loss: f64,
    /// The LR with the lowest score.
    pub best_lr: f64,
    /// The lowest score.
    pub best_loss: f64,
}

/// How a race went.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Race {
    /// Every candidate, best first: the survivor, then by the round it left and its score.
    pub entries: Vec<Entry>,
    /// The survivor's LR: the best after the longest training.
    pub winner: f64,
    /// The best LR after the first round, when every candidate had trained the same short time.
    pub first_winner: f64,
    /// The best LR of a short run, refined between the grid's points: the vertex of a parabola
    /// in log10 LR through the first round's winner and its neighbours' scores.
    pub short_lr: f64,
    /// The best LR of the longest run, refined the same way on the last round that compared three
    /// candidates or more.
    pub long_lr: f64,
    /// Steps of the first round.
    pub first_steps: usize,
    /// How each candidate's LR was applied.
    pub shape: RaceShape,
    /// The untrained model's validation loss (mean over seeds).
    pub initial_loss: f64,
    /// Steps of the survivor.
    pub steps: usize,
    /// Runs per candidate, each with its own seed and split.
    pub seeds: usize,
    /// Every round, first to last.
    pub rounds: Vec<Round>,
    /// The near-tie rule's choice in the first round, where it chose a lower LR than the best.
    pub first_tie: Option<NearTie>,
    /// The same in the last round.
    pub last_tie: Option<NearTie>,
    /// Training updates the engine trained for the race (what it cost), over all seeds.
    pub updates: usize,
    /// When the survivor diverged in some of its runs: the LR the race falls back to instead.
    pub fallback: Option<Fallback>,
}

impl Race {
    /// The LR this race points to: for a constant-LR race halfway, in log10 LR, between the
    /// short and the long run's bests; for a one-cycle race the long run's (its first rounds
    /// stop part way along the cycle, which no user runs).
    pub fn pointed_lr(&self) -> f64 {
        match self.shape {
            RaceShape::Constant => (self.short_lr * self.long_lr).sqrt(),
            RaceShape::OneCycle => self.long_lr,
        }
    }
}

/// A survivor that diverged in some of its runs (a blow-up that came late, after the rounds that
/// kept it) is no answer: the race falls back to the highest LR below every LR seen diverging,
/// among those that trained furthest without diverging in any run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Fallback {
    /// The survivor's LR.
    pub survivor: f64,
    /// Its runs that diverged, of `seeds`.
    pub diverged: usize,
    /// The lowest LR raced that diverged in any run.
    pub lowest_diverged: f64,
    /// The LR fallen back to.
    pub lr: f64,
    /// Steps it trained.
    pub steps: usize,
}

/// The fallback of a race whose survivor (the first of `entries`) diverged in a run: the LR,
/// below every LR that diverged, that trained furthest (then the lowest loss). `None` when the
/// survivor never diverged, or no LR below the divergences was raced.
fn fall_back(entries: &[Entry]) -> Option<Fallback> {
    let survivor = entries.first()?;
    if survivor.diverged == 0 {
        return None;
    }
    let lowest_diverged = entries
        .iter()
        .filter(|e| e.diverged > 0)
        .map(|e| e.lr)
        .fold(f64::INFINITY, f64::min);
    let safe = entries
        .iter()
        .filter(|e| e.diverged == 0 && e.lr < lowest_diverged)
        .min_by(|a, b| {
            b.steps
                .cmp(&a.steps)
                .then(a.mean_loss.total_cmp(&b.mean_loss))
        })?;
    Some(Fallback {
        survivor: survivor.lr,
        diverged: survivor.diverged,
        lowest_diverged,
        lr: safe.lr,
        steps: safe.steps,
    })
}

/// Every run a race (or several races over overlapping candidates) trained, by candidate and
/// seed: a later race asks the engine only for what goes past them, so racing again with more
/// candidates costs only the new training.
#[derive(Debug, Default)]
pub struct Ledger {
    runs: HashMap<(String, u64, u64), (JobKey, Trained)>,
}

impl Ledger {
    /// An empty ledger.
    pub fn new() -> Self {
        Ledger::default()
    }

    /// Every job key it holds, to release from the engine.
    pub fn keys(&self) -> Vec<JobKey> {
        self.runs.values().map(|(k, _)| *k).collect()
    }

    fn slot(candidate: &Candidate, seed: u64) -> (String, u64, u64) {
        (candidate.label.clone(), candidate.lr.to_bits(), seed)
    }
}

/// `trained` as it stood after `until` updates: the same training stopped there measured the
/// same points, since every job's measurements up to a step are those of its shorter jobs.
pub fn truncated(trained: &Trained, until: usize) -> Trained {
    Trained {
        initial_loss: trained.initial_loss,
        evaluations: trained
            .evaluations
            .iter()
            .filter(|v| v.step <= until)
            .copied()
            .collect(),
        steps: trained.steps.min(until),
        diverged: trained.diverged && trained.steps <= until,
        seconds: trained.seconds,
    }
}

/// Where the rounds of a race from `first` to `steps` steps end: doubling, the last at `steps`.
pub fn round_ends(first: usize, steps: usize) -> Vec<usize> {
    let mut ends = Vec::new();
    let mut end = first.clamp(1, steps.max(1));
    while end < steps {
        ends.push(end);
        end *= 2;
    }
    ends.push(steps.max(1));
    ends
}

/// The update counts after which a candidate with share `scale` is measured, through round
/// `round` of `ends`: in each round, every `ceil(end / EVALUATIONS_PER_ROUND)` steps (scaled)
/// and at its end.
pub fn evaluation_steps(ends: &[usize], scale: f64, round: usize) -> Vec<usize> {
    let mut out = Vec::new();
    let mut prev = 0;
    for &end in &ends[..=round] {
        let every = end.div_ceil(EVALUATIONS_PER_ROUND).max(1);
        let until = scaled(end, scale);
        let every = scaled(every, scale);
        out.extend((prev + 1..=until).filter(|d| d % every == 0 || *d == until));
        prev = prev.max(until);
    }
    out
}

fn scaled(steps: usize, scale: f64) -> usize {
    ((steps as f64 * scale).round() as usize).max(1)
}

/// Races `candidates` on `engine` with one run per seed of `plan` (each seed's run on its own
/// split, a small cross-validation, so that the winner does not hang on which rows one split
/// held out), from a first round of `plan.first` steps to a last of `plan.steps`, with
/// successive halving. Runs already in `ledger` are not trained again. `progress` counts each
/// run (a candidate with one seed, through one round). `None` without candidates, or when a stop
/// asked for through [`crate::interrupt`] ends it before its last round.
pub fn race(
    engine: &dyn Engine,
    candidates: &[Candidate],
    plan: &RacePlan,
    ledger: &mut Ledger,
    progress: &ProgressBar,
) -> Result<Option<Race>> {
    let seeds = plan.seeds.len();
    if candidates.is_empty() || seeds == 0 || plan.steps == 0 || crate::interrupt::requested() {
        return Ok(None);
    }
    let ends = round_ends(plan.first, plan.steps);
    let rounds = ends.len();
    let planned: usize = field_sizes(candidates.len(), rounds).sum();
    progress.set_length((planned * seeds) as u64);
    // The field: candidate indices, best first after each round; ties keep the order.
    let mut field: Vec<usize> = (0..candidates.len()).collect();
    let mut standing: Vec<Vec<Trained>> = vec![Vec::new(); candidates.len()];
    let mut out: Vec<Entry> = Vec::with_capacity(candidates.len());
    let mut record: Vec<Round> = Vec::with_capacity(rounds);
    let updates_before = engine.trained_updates();
    let (mut first_winner, mut short_lr, mut first_tie) =
        (candidates[0].lr, candidates[0].lr, None);
    let mut last_tie = None;
    // The (LR, score) of every contestant of the last round with three or more.
    let mut last_wide: Vec<(f64, f64)> = Vec::new();
    let mut initial_loss = f64::NAN;
    for (round, &end) in ends.iter().enumerate() {
        run_round(
            engine,
            candidates,
            &field,
            &ends,
            round,
            plan,
            ledger,
            &mut standing,
            progress,
        )?;
        if crate::interrupt::requested() {
            return Ok(None);
        }
        if round == 0 {
            initial_loss = standing[0].iter().map(|t| t.initial_loss).sum::<f64>() / seeds as f64;
        }
        let score = |i: usize| score(&standing[i]);
        field.sort_by(|&a, &b| score(a).total_cmp(&score(b)));
        let (chosen, tie) = lowest_near_best(candidates, &field, &score, initial_loss);
        let scores: Vec<(f64, f64)> = field
            .iter()
            .map(|&i| (candidates[i].lr, score(i)))
            .collect();
        if round == 0 {
            first_winner = candidates[chosen].lr;
            short_lr = refine(&scores, first_winner);
            first_tie = tie;
        }
        if scores.len() >= 3 {
            last_wide = scores.clone();
        }
        let last = round + 1 == rounds;
        if last {
            // The winner first.
            let at = field
                .iter()
                .position(|&i| i == chosen)
                .expect("in the field");
            field.swap(0, at);
            last_tie = tie;
        }
        let keep = if last { 1 } else { field.len().div_ceil(2) };
        record.push(Round {
            steps: end,
            scores,
            kept: keep,
        });
        let leaving: Vec<Entry> = field
            .drain(keep..)
            .map(|i| entry(&candidates[i], &standing[i]))
            .collect();
        out.splice(0..0, leaving);
    }
    let winner = entry(&candidates[field[0]], &standing[field[0]]);
    let long_lr = if last_wide.iter().any(|(lr, _)| *lr == winner.lr) {
        refine(&last_wide, winner.lr)
    } else {
        winner.lr
    };
    let steps_done = winner.steps;
    out.insert(0, winner.clone());
    let fallback = fall_back(&out);
    let (short_lr, long_lr) = match fallback {
        // Neither reading may sit where a run diverged.
        Some(f) if short_lr < f.lowest_diverged => (short_lr, f.lr),
        Some(f) => (f.lr, f.lr),
        None => (short_lr, long_lr),
    };
    Ok(Some(Race {
        entries: out,
        winner: winner.lr,
        first_winner,
        short_lr,
        long_lr,
        first_steps: ends[0],
        shape: plan.shape,
        initial_loss,
        steps: steps_done,
        seeds,
        rounds: record,
        first_tie,
        last_tie,
        updates: engine.trained_updates() - updates_before,
        fallback,
    }))
}

/// Trains every run of `field` through round `round`: what the ledger holds far enough is read
/// from it, the rest is asked of the engine in one call.
#[allow(clippy::too_many_arguments)]
fn run_round(
    engine: &dyn Engine,
    candidates: &[Candidate],
    field: &[usize],
    ends: &[usize],
    round: usize,
    plan: &RacePlan,
    ledger: &mut Ledger,
    standing: &mut [Vec<Trained>],
    progress: &ProgressBar,
) -> Result<()> {
    let mut jobs = Vec::new();
    let mut slots = Vec::new();
    for &i in field {
        let c = &candidates[i];
        let until = scaled(ends[round], c.steps_scale);
        standing[i] = Vec::with_capacity(plan.seeds.len());
        for &seed in &plan.seeds {
            let slot = Ledger::slot(c, seed);
            match ledger.runs.get(&slot) {
                Some((_, t)) if t.steps >= until || t.diverged => {
                    standing[i].push(truncated(t, until));
                    progress.inc(1);
                }
                held => {
                    let key = held.map_or_else(|| next_keys(1), |(k, _)| *k);
                    jobs.push(TrainJob {
                        key,
                        setup: Setup { seed, ..c.setup },
                        lr: lr_plan(c, plan)?,
                        until,
                        evaluate_at: evaluation_steps(ends, c.steps_scale, round),
                    });
                    slots.push((i, slot));
                    // A placeholder, replaced once the engine answers.
                    standing[i].push(Trained {
                        initial_loss: f64::NAN,
                        evaluations: Vec::new(),
                        steps: 0,
                        diverged: false,
                        seconds: 0.0,
                    });
                }
            }
        }
    }
    let trained = engine.train(&jobs, progress)?;
    for ((job, t), (i, slot)) in jobs.iter().zip(trained).zip(slots) {
        let s = plan
            .seeds
            .iter()
            .position(|&s| s == job.setup.seed)
            .expect("a planned seed");
        standing[i][s] = t.clone();
        ledger.runs.insert(slot, (job.key, t));
    }
    Ok(())
}

/// The LRs candidate `c` trains at under `plan`'s shape.
fn lr_plan(c: &Candidate, plan: &RacePlan) -> Result<LrPlan> {
    Ok(match plan.shape {
        RaceShape::Constant => LrPlan::Constant(c.lr),
        RaceShape::OneCycle => {
            let steps = scaled(plan.steps, c.steps_scale);
            LrPlan::Table(Schedule::OneCycle(
                OneCycleConfig::fastai(c.lr, steps).build()?,
            ))
        }
    })
}

/// The lowest LR among the field's candidates whose score is within [`NEAR_TIE`] of the best's
/// improvement on `initial_loss` (the field sorted best first), and the tie when it is not the
/// best itself.
fn lowest_near_best(
    candidates: &[Candidate],
    field: &[usize],
    score: &dyn Fn(usize) -> f64,
    initial_loss: f64,
) -> (usize, Option<NearTie>) {
    let best = field[0];
    let near = NEAR_TIE * (initial_loss - score(best)).max(0.0);
    let chosen = field
        .iter()
        .copied()
        .filter(|&i| score(i) <= score(best) + near)
        .min_by(|&a, &b| candidates[a].lr.total_cmp(&candidates[b].lr))
        .expect("the best is near itself");
    let tie = (chosen != best).then(|| NearTie {
        lr: candidates[chosen].lr,
        loss: score(chosen),
        best_lr: candidates[best].lr,
        best_loss: score(best),
    });
    (chosen, tie)
}

/// Refines `best` among `scores` (LR, score): the vertex, in log10 LR, of the parabola through
/// `best` and its nearest neighbours on either side, kept within half the way to each. Without a
/// neighbour on both sides, or where the scores do not curve up, `best` itself.
pub fn refine(scores: &[(f64, f64)], best: f64) -> f64 {
    let at = |lr: f64| scores.iter().find(|(l, _)| *l == lr).map(|(_, s)| *s);
    let lower = scores
        .iter()
        .filter(|(l, _)| *l < best)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let upper = scores
        .iter()
        .filter(|(l, _)| *l > best)
        .min_by(|a, b| a.0.total_cmp(&b.0));
    let (Some(&(l0, s0)), Some(s1), Some(&(l2, s2))) = (lower, at(best), upper) else {
        return best;
    };
    let (x0, x1, x2) = (l0.log10(), best.log10(), l2.log10());
    // The parabola through three points: its vertex from the divided differences.
    let d01 = (s1 - s0) / (x1 - x0);
    let d12 = (s2 - s1) / (x2 - x1);
    let curvature = (d12 - d01) / (x2 - x0);
    if curvature.is_nan() || curvature <= 0.0 {
        return best;
    }
    let vertex = 0.5 * (x0 + x1) - d01 / (2.0 * curvature);
    let x = vertex.clamp(0.5 * (x0 + x1), 0.5 * (x1 + x2));
    10f64.powf(x)
}

/// Mean over seeds of the best validation loss so far.
fn score(runs: &[Trained]) -> f64 {
    runs.iter().map(Trained::best_loss).sum::<f64>() / runs.len() as f64
}

fn entry(candidate: &Candidate, runs: &[Trained]) -> Entry {
    Entry {
        label: candidate.label.clone(),
        lr: candidate.lr,
        mean_loss: score(runs),
        steps: runs.iter().map(|r| r.steps).max().unwrap_or(0),
        diverged: runs.iter().filter(|r| r.diverged).count(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data::{csv, encode, Dataset, EncodeOptions};
    use crate::engine::builtin::{Builtin, Holdout};
    use crate::model::ModelConfig;
    use crate::optim::{OptimizerConfig, OptimizerKind};
    use std::path::Path;

    fn dataset() -> Dataset {
        xor_dataset(300)
    }

    /// `rows` rows of two features in [-1, 1] and an XOR-like label (the sign of their product):
    /// a small table that needs a hidden layer, for the races' tests.
    pub(crate) fn xor_dataset(rows: usize) -> Dataset {
        let mut s = String::from("x,y,label\n");
        for i in 0..rows {
            let (x, y) = (
                ((i * 37) % 101) as f64 / 50.0 - 1.0,
                ((i * 59) % 103) as f64 / 51.0 - 1.0,
            );
            s += &format!("{x},{y},{}\n", if x * y > 0.0 { "a" } else { "b" });
        }
        let t = csv::read(s.as_bytes(), Path::new("t.csv"), &Default::default()).unwrap();
        encode(t, &EncodeOptions::default()).unwrap()
    }

    fn setup() -> Setup {
        Setup {
            optimizer: OptimizerConfig::new(OptimizerKind::Adam),
            batch_size: 32,
            seed: 0,
        }
    }

    fn engine(d: &Dataset) -> Builtin<'_> {
        let model = ModelConfig {
            hidden: vec![16],
            ..ModelConfig::default()
        };
        Builtin::new(
            d,
            model,
            Holdout {
                fraction: 0.2,
                capped: true,
            },
        )
    }

    #[test]
    fn halving_keeps_the_best_and_trains_it_longest() {
        let d = dataset();
        let e = engine(&d);
        let candidates = Candidate::at_lrs(&setup(), &[1e-6, 1e-4, 1e-2, 3e-2, 1e1]);
        let plan = RacePlan {
            first: 50,
            steps: 200,
            seeds: vec![0, 1],
            shape: RaceShape::Constant,
        };
        let run = |bar: &ProgressBar| {
            race(&e, &candidates, &plan, &mut Ledger::new(), bar)
                .unwrap()
                .unwrap()
        };
        let r = run(&ProgressBar::hidden());
        assert_eq!(r.entries.len(), 5);
        // Far too small or far too large never wins; the survivor trained all 200 steps, the
        // first to leave 50 of them (rounds end at 50, 100 and 200 steps).
        assert!(r.winner == 1e-2 || r.winner == 3e-2, "{:?}", r.entries);
        assert!(
            r.first_winner == 1e-2 || r.first_winner == 3e-2,
            "{:?}",
            r.entries
        );
        assert_eq!(r.first_steps, 50);
        assert_eq!(r.entries[0].steps, 200);
        assert_eq!(r.entries[0].lr, r.winner);
        assert!(r.entries.iter().any(|e| e.steps == 50));
        let huge = r.entries.iter().find(|e| e.lr == 1e1).unwrap();
        assert!(huge.diverged > 0 || huge.mean_loss >= r.entries[0].mean_loss);
        // The rounds: 5, 3 and 2 contestants, best first, and what each kept.
        let fields: Vec<(usize, usize, usize)> = r
            .rounds
            .iter()
            .map(|x| (x.steps, x.scores.len(), x.kept))
            .collect();
        assert_eq!(fields, [(50, 5, 3), (100, 3, 2), (200, 2, 1)]);
        // Carried further, not restarted: per seed 5 x 50 + 3 x 50 + 2 x 100 updates (less for
        // a run that diverged and stopped).
        assert!(r.updates <= 2 * plan.incremental_steps(5), "{}", r.updates);
        assert_eq!(plan.incremental_steps(5), 600);
        assert_eq!(plan.restart_steps(5), 5 * 50 + 3 * 100 + 2 * 200);
        // Deterministic: the same race again gives the same standings; its progress counts every
        // run of every round: 5, 3 and 2 candidates, each with 2 seeds.
        let bar = ProgressBar::hidden();
        let again = run(&bar);
        assert_eq!(again, r);
        assert_eq!((bar.position(), bar.length()), (20, Some(20)));
        assert!(race(&e, &[], &plan, &mut Ledger::new(), &bar)
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_ledger_trains_only_what_goes_past_it() {
        let d = dataset();
        let e = engine(&d);
        let plan = RacePlan {
            first: 50,
            steps: 200,
            seeds: vec![0, 1],
            shape: RaceShape::Constant,
        };
        let lrs = [1e-3, 3e-3, 1e-2, 3e-2];
        let mut ledger = Ledger::new();
        let first = race(
            &e,
            &Candidate::at_lrs(&setup(), &lrs),
            &plan,
            &mut ledger,
            &ProgressBar::hidden(),
        )
        .unwrap()
        .unwrap();
        // The same race over a wider field: the runs already in the ledger are read, not
        // trained; the result is what a race from nothing gives.
        let wider = Candidate::at_lrs(&setup(), &[3e-4, 1e-3, 3e-3, 1e-2, 3e-2]);
        let again = race(&e, &wider, &plan, &mut ledger, &ProgressBar::hidden())
            .unwrap()
            .unwrap();
        let fresh = race(
            &e,
            &wider,
            &plan,
            &mut Ledger::new(),
            &ProgressBar::hidden(),
        )
        .unwrap()
        .unwrap();
        assert!(
            again.updates < fresh.updates,
            "{} {}",
            again.updates,
            fresh.updates
        );
        assert_eq!(
            Race {
                updates: 0,
                ..again
            },
            Race {
                updates: 0,
                ..fresh
            }
        );
        assert!(first.updates > 0);
    }

    /// A one-cycle race trains each candidate along fastai's `fit_one_cycle` over the last
    /// round's length, carried on round to round: every validation is at the cycle's LR of its
    /// step (warm-up in the first round, annealing in the last), never at the constant LR.
    #[test]
    fn a_one_cycle_race_trains_each_candidate_along_its_cycle() {
        use crate::engine::scripted::Scripted;
        use crate::schedule::LrSchedule;
        use std::sync::{Arc, Mutex};
        let seen: Arc<Mutex<Vec<(u64, usize, f64)>>> = Arc::default();
        let log = Arc::clone(&seen);
        let range = |_: &Setup, _: usize, _: f64| 1.0;
        let val = move |s: &Setup, steps: usize, lr: f64| {
            log.lock().unwrap().push((s.seed, steps, lr));
            // Best near lr 1e-2 and better with more steps, so the race keeps 1e-2.
            1.0 - 0.5 * (-(lr.log10() + 2.0).powi(2)).exp() * (steps as f64 / 400.0).min(1.0)
        };
        let engine = Scripted::new(&range, &val, 1000);
        let candidates = Candidate::at_lrs(&setup(), &[1e-3, 1e-2, 1e-1]);
        let plan = RacePlan {
            first: 100,
            steps: 400,
            seeds: vec![0],
            shape: RaceShape::OneCycle,
        };
        let run = race(
            &engine,
            &candidates,
            &plan,
            &mut Ledger::new(),
            &ProgressBar::hidden(),
        )
        .unwrap()
        .unwrap();
        assert_eq!(run.shape, RaceShape::OneCycle);
        let cycle = OneCycleConfig::fastai(1e-2, 400).build().unwrap();
        let cycle = Schedule::OneCycle(cycle);
        let seen = seen.lock().unwrap().clone();
        let at_1e2: Vec<&(u64, usize, f64)> = seen
            .iter()
            .filter(|(_, steps, lr)| *steps > 0 && (lr / cycle.lr(steps - 1) - 1.0).abs() < 1e-9)
            .collect();
        // Its evaluations in the first round and to the end of the last, all on its cycle.
        assert!(at_1e2.iter().any(|(_, s, _)| *s == 100), "{seen:?}");
        assert!(at_1e2.iter().any(|(_, s, _)| *s == 400), "{seen:?}");
        // In the warm-up the LR is below lr_max, and at the end far below it.
        let first = at_1e2.iter().min_by_key(|(_, s, _)| *s).unwrap();
        let last = at_1e2.iter().max_by_key(|(_, s, _)| *s).unwrap();
        assert!(
            first.1 <= 100 && first.2 < 1e-2 && last.2 < 1e-4,
            "{seen:?}"
        );
        // No evaluation ran at a candidate's constant LR after the first step.
        assert!(!seen
            .iter()
            .any(|(_, steps, lr)| *steps > 1 && [1e-3, 1e-2, 1e-1].contains(lr)));
        assert_eq!(run.winner, 1e-2);
        // The suggestion is the whole cycle's best, not halfway to the first round's.
        assert_eq!(crate::find::suggestion(&run), Some(run.long_lr));
    }

    #[test]
    fn evaluation_steps_extend_round_by_round() {
        let ends = round_ends(16, 64);
        assert_eq!(ends, [16, 32, 64]);
        // Every ceil(end / 8) steps and at each round's end.
        assert_eq!(
            evaluation_steps(&ends, 1.0, 0),
            [2, 4, 6, 8, 10, 12, 14, 16]
        );
        let two = evaluation_steps(&ends, 1.0, 1);
        assert_eq!(&two[..8], &evaluation_steps(&ends, 1.0, 0)[..]);
        assert_eq!(&two[8..], [20, 24, 28, 32]);
        // A half share: half the steps, measured half as often.
        assert_eq!(evaluation_steps(&ends, 0.5, 0), [1, 2, 3, 4, 5, 6, 7, 8]);
    }

    #[test]
    fn truncating_a_run_gives_the_shorter_run() {
        let d = dataset();
        let e = engine(&d);
        let job = |until, round| TrainJob {
            key: next_keys(1),
            setup: setup(),
            lr: LrPlan::Constant(1e-2),
            until,
            evaluate_at: evaluation_steps(&round_ends(50, 200), 1.0, round),
        };
        let bar = ProgressBar::hidden();
        let long = e.train(&[job(200, 2)], &bar).unwrap().remove(0);
        let short = e.train(&[job(100, 1)], &bar).unwrap().remove(0);
        assert_eq!(
            truncated(&long, 100),
            Trained {
                seconds: long.seconds,
                ..short
            }
        );
    }

    #[test]
    fn refine_finds_the_vertex_between_grid_points() {
        // Scores from (x + 2.1)^2 at x = -3, -2, -1 (LRs 1e-3, 1e-2, 1e-1): the vertex is at -2.1.
        let s = |x: f64| (10f64.powf(x), (x + 2.1) * (x + 2.1));
        let refined = refine(&[s(-3.0), s(-2.0), s(-1.0)], 1e-2);
        assert!((refined.log10() + 2.1).abs() < 1e-12, "{refined}");
        // Never further than halfway to a neighbour.
        let far = |x: f64| (10f64.powf(x), (x + 2.9) * (x + 2.9));
        let r = refine(&[far(-3.0), far(-2.0), far(-1.0)], 1e-2);
        assert!((r.log10() + 2.5).abs() < 1e-12);
        // No neighbour above, or no curvature: the grid point itself.
        assert_eq!(refine(&[s(-3.0), s(-2.0)], 1e-2), 1e-2);
        let flat = |x: f64| (10f64.powf(x), 1.0);
        assert_eq!(refine(&[flat(-3.0), flat(-2.0), flat(-1.0)], 1e-2), 1e-2);
    }

    #[test]
    fn rounds_double_up_to_the_last() {
        assert_eq!(round_ends(100, 800), [100, 200, 400, 800]);
        assert_eq!(round_ends(100, 600), [100, 200, 400, 600]);
        assert_eq!(round_ends(100, 100), [100]);
        assert_eq!(round_ends(500, 100), [100]);
    }
}
