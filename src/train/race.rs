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
//! instead of `n * steps`.

use indicatif::ProgressBar;
use rayon::prelude::*;
use serde::Serialize;

use super::fixed::{Contender, Training};
use crate::data::split::Split;
use crate::data::Dataset;

/// Validation measurements per round, at most.
pub const EVALUATIONS_PER_ROUND: usize = 8;

/// Candidates whose score is within this fraction of the best's improvement on the untrained
/// model are tied with it, and the lowest LR among them wins: a slightly smaller LR costs little,
/// one too large can diverge.
pub const NEAR_TIE: f64 = 0.02;

/// One contestant: an LR, and what it trains.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// What to call it.
    pub label: String,
    /// Its LR.
    pub lr: f64,
    /// The model, optimizer and batch size it trains with.
    pub training: Training,
    /// Its share of each round's steps (1: all of them; a batch twice the smallest, compared at
    /// equal examples seen, trains half as many).
    pub steps_scale: f64,
}

impl Candidate {
    /// One candidate per LR, all training the same way, each labelled by its LR.
    pub fn at_lrs(training: &Training, lrs: &[f64]) -> Vec<Candidate> {
        lrs.iter()
            .map(|&lr| Candidate {
                label: format!("{lr:.2e}"),
                lr,
                training: training.clone(),
                steps_scale: 1.0,
            })
            .collect()
    }
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
    /// The untrained model's validation loss (mean over seeds).
    pub initial_loss: f64,
    /// Steps of the survivor.
    pub steps: usize,
    /// Runs per candidate, each with its own seed and split.
    pub seeds: usize,
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

/// Races `candidates` (label, LR) with one run per split of `splits` (seed `seed + s` on
/// `splits[s]`: a small cross-validation, so that the winner does not hang on which rows one
/// split held out), from a first round of `first` steps to a last of `steps`. `None` without
/// candidates.
pub fn race(
    dataset: &Dataset,
    splits: &[Split],
    candidates: &[Candidate],
    first: usize,
    steps: usize,
    seed: u64,
) -> Option<Race> {
    race_with_progress(
        dataset,
        splits,
        candidates,
        first,
        steps,
        seed,
        &ProgressBar::hidden(),
    )
}

/// [`race`], counting on `progress` each run (a candidate with one seed, through one round) of
/// the runs planned. A stop requested through [`crate::interrupt`] drops the race (`None`) at
/// the end of the round it is in.
pub fn race_with_progress(
    dataset: &Dataset,
    splits: &[Split],
    candidates: &[Candidate],
    first: usize,
    steps: usize,
    seed: u64,
    progress: &ProgressBar,
) -> Option<Race> {
    let seeds = splits.len();
    if candidates.is_empty() || seeds == 0 || steps == 0 || crate::interrupt::requested() {
        return None;
    }
    let ends = round_ends(first, steps);
    let rounds = ends.len();
    // The field halves after every round but the last, which keeps one.
    let planned: usize = (0..rounds)
        .scan(candidates.len(), |field, _| {
            let now = *field;
            *field = now.div_ceil(2);
            Some(now)
        })
        .sum();
    progress.set_length((planned * seeds) as u64);
    let mut field: Vec<(usize, Vec<Contender>)> = candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let runs = splits
                .iter()
                .zip(seed..)
                .map(|(split, s)| Contender::new(dataset, split, &c.training, c.lr, s))
                .collect();
            (i, runs)
        })
        .collect();
    let initial_loss = field[0]
        .1
        .iter()
        .map(|c| c.result().initial_loss)
        .sum::<f64>()
        / seeds as f64;
    let mut out: Vec<Entry> = Vec::with_capacity(candidates.len());
    let mut first_winner = candidates[0].lr;
    let mut short_lr = first_winner;
    // The (LR, score) of every contestant of the last round with three or more.
    let mut last_wide: Vec<(f64, f64)> = Vec::new();
    for (round, &until) in ends.iter().enumerate() {
        let every = until.div_ceil(EVALUATIONS_PER_ROUND).max(1);
        field.par_iter_mut().for_each(|(i, runs)| {
            let scale = candidates[*i].steps_scale;
            let until = ((until as f64 * scale).round() as usize).max(1);
            let every = ((every as f64 * scale).round() as usize).max(1);
            runs.par_iter_mut().for_each(|c| {
                c.advance(dataset, until, every);
                progress.inc(1);
            });
        });
        if crate::interrupt::requested() {
            return None;
        }
        // Best first; ties keep the candidates' order.
        field.sort_by(|a, b| score(&a.1).total_cmp(&score(&b.1)));
        let lowest_near_best = |field: &[(usize, Vec<Contender>)]| {
            let best = score(&field[0].1);
            let near = NEAR_TIE * (initial_loss - best).max(0.0);
            field
                .iter()
                .filter(|(_, runs)| score(runs) <= best + near)
                .map(|(i, _)| *i)
                .min_by(|&a, &b| candidates[a].lr.total_cmp(&candidates[b].lr))
                .expect("the best is near itself")
        };
        let scores: Vec<(f64, f64)> = field
            .iter()
            .map(|(i, runs)| (candidates[*i].lr, score(runs)))
            .collect();
        if round == 0 {
            first_winner = candidates[lowest_near_best(&field)].lr;
            short_lr = refine(&scores, first_winner);
        }
        if scores.len() >= 3 {
            last_wide = scores;
        }
        if round + 1 == rounds {
            // The winner first.
            let w = lowest_near_best(&field);
            let at = field
                .iter()
                .position(|(i, _)| *i == w)
                .expect("in the field");
            field.swap(0, at);
        }
        let keep = if round + 1 == rounds {
            1
        } else {
            field.len().div_ceil(2)
        };
        let leaving: Vec<Entry> = field
            .drain(keep..)
            .map(|(i, runs)| entry(&candidates[i], &runs))
            .collect();
        out.splice(0..0, leaving);
    }
    let (i, runs) = &field[0];
    let winner = entry(&candidates[*i], runs);
    let long_lr = if last_wide.iter().any(|(lr, _)| *lr == winner.lr) {
        refine(&last_wide, winner.lr)
    } else {
        winner.lr
    };
    let steps_done = winner.steps;
    out.insert(0, winner.clone());
    Some(Race {
        entries: out,
        winner: winner.lr,
        first_winner,
        short_lr,
        long_lr,
        first_steps: ends[0],
        initial_loss,
        steps: steps_done,
        seeds,
    })
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
fn score(runs: &[Contender]) -> f64 {
    runs.iter().map(|c| c.result().best_loss).sum::<f64>() / runs.len() as f64
}

fn entry(candidate: &Candidate, runs: &[Contender]) -> Entry {
    let results: Vec<_> = runs.iter().map(|c| c.result()).collect();
    Entry {
        label: candidate.label.clone(),
        lr: candidate.lr,
        mean_loss: score(runs),
        steps: results.iter().map(|r| r.steps).max().unwrap_or(0),
        diverged: results.iter().filter(|r| r.diverged).count(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data::split::split;
    use crate::data::{csv, encode, EncodeOptions};
    use crate::model::ModelConfig;
    use crate::optim::{OptimizerConfig, OptimizerKind};
    use crate::train::fixed::Budget;
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

    #[test]
    fn halving_keeps_the_best_and_trains_it_longest() {
        let d = dataset();
        let s = [split(&d, 0.2, 0), split(&d, 0.2, 1)];
        let training = Training {
            model: ModelConfig {
                hidden: vec![16],
                ..ModelConfig::default()
            },
            optimizer: OptimizerConfig::new(OptimizerKind::Adam),
            batch_size: 32,
            budget: Budget::default(),
        };
        let candidates = Candidate::at_lrs(&training, &[1e-6, 1e-4, 1e-2, 3e-2, 1e1]);
        let r = race(&d, &s, &candidates, 50, 200, 0).unwrap();
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
        // Deterministic: the same race again gives the same standings; its progress counts every
        // run of every round: 5, 3 and 2 candidates, each with 2 seeds.
        let bar = ProgressBar::hidden();
        let again = race_with_progress(&d, &s, &candidates, 50, 200, 0, &bar).unwrap();
        assert_eq!(again, r);
        assert_eq!((bar.position(), bar.length()), (20, Some(20)));
        assert!(race(&d, &s, &[], 50, 200, 0).is_none());
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
