//! A race: short training at each candidate LR, on the same split and seeds, with successive
//! halving (Jamieson & Talwalkar, 2016): every candidate trains a first stretch, the better half
//! (by best validation loss, mean over seeds) trains on to twice as many steps, and so on until
//! one is left at the full budget. A candidate that diverges is out. The survivor is the LR that
//! trained best; the others' scores say how close it was.
//!
//! With `n` candidates the rounds end at `steps / 2^(R-1-r)` steps, `R = ceil(log2 n)` rounds,
//! so the race costs about `steps * (n / 2^(R-1) + R - 1)` steps per seed instead of `n * steps`.

use rayon::prelude::*;
use serde::Serialize;

use super::fixed::{Contender, Training};
use crate::data::split::Split;
use crate::data::Dataset;

/// Validation measurements per round, at most.
pub const EVALUATIONS_PER_ROUND: usize = 8;

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
    /// The survivor's LR.
    pub winner: f64,
    /// The untrained model's validation loss (mean over seeds).
    pub initial_loss: f64,
    /// Steps of the survivor.
    pub steps: usize,
    /// Seeds per candidate.
    pub seeds: usize,
}

/// Races `candidates` (label, LR) for `steps` steps with seeds `seed..seed + seeds` on `split`.
/// `None` without candidates.
pub fn race(
    dataset: &Dataset,
    split: &Split,
    training: &Training,
    candidates: &[(String, f64)],
    steps: usize,
    seed: u64,
    seeds: usize,
) -> Option<Race> {
    if candidates.is_empty() || seeds == 0 || steps == 0 {
        return None;
    }
    let n = candidates.len();
    let rounds = (usize::BITS - (n - 1).leading_zeros()).max(1) as usize;
    let mut field: Vec<(usize, Vec<Contender>)> = candidates
        .iter()
        .enumerate()
        .map(|(i, (_, lr))| {
            let runs = (0..seeds as u64)
                .map(|s| Contender::new(dataset, split, training, *lr, seed + s))
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
    let mut out: Vec<Entry> = Vec::with_capacity(n);
    for round in 0..rounds {
        let until = (steps >> (rounds - 1 - round)).max(1);
        let every = until.div_ceil(EVALUATIONS_PER_ROUND).max(1);
        field
            .par_iter_mut()
            .flat_map(|(_, runs)| runs.par_iter_mut())
            .for_each(|c| c.advance(dataset, until, every));
        // Best first; ties keep the candidates' order.
        field.sort_by(|a, b| score(&a.1).total_cmp(&score(&b.1)));
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
    let steps_done = winner.steps;
    out.insert(0, winner.clone());
    Some(Race {
        entries: out,
        winner: winner.lr,
        initial_loss,
        steps: steps_done,
        seeds,
    })
}

/// Mean over seeds of the best validation loss so far.
fn score(runs: &[Contender]) -> f64 {
    runs.iter().map(|c| c.result().best_loss).sum::<f64>() / runs.len() as f64
}

fn entry(candidate: &(String, f64), runs: &[Contender]) -> Entry {
    let results: Vec<_> = runs.iter().map(|c| c.result()).collect();
    Entry {
        label: candidate.0.clone(),
        lr: candidate.1,
        mean_loss: score(runs),
        steps: results.iter().map(|r| r.steps).max().unwrap_or(0),
        diverged: results.iter().filter(|r| r.diverged).count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::split::split;
    use crate::data::{csv, encode, EncodeOptions};
    use crate::model::ModelConfig;
    use crate::optim::{OptimizerConfig, OptimizerKind};
    use crate::train::fixed::Budget;
    use std::path::Path;

    fn dataset() -> Dataset {
        let mut s = String::from("x,y,label\n");
        for i in 0..300 {
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
        let s = split(&d, 0.2, 0);
        let training = Training {
            model: ModelConfig {
                hidden: vec![16],
                ..ModelConfig::default()
            },
            optimizer: OptimizerConfig::new(OptimizerKind::Adam),
            batch_size: 32,
            budget: Budget::default(),
        };
        let candidates: Vec<(String, f64)> = [1e-6, 1e-4, 1e-2, 3e-2, 1e1]
            .iter()
            .map(|&lr| (format!("{lr:e}"), lr))
            .collect();
        let r = race(&d, &s, &training, &candidates, 200, 0, 2).unwrap();
        assert_eq!(r.entries.len(), 5);
        // Far too small or far too large never wins; the survivor trained all 200 steps, the
        // first to leave a quarter of them (5 candidates: 3 rounds, at 50, 100 and 200 steps).
        assert!(r.winner == 1e-2 || r.winner == 3e-2, "{:?}", r.entries);
        assert_eq!(r.entries[0].steps, 200);
        assert_eq!(r.entries[0].lr, r.winner);
        assert!(r.entries.iter().any(|e| e.steps == 50));
        let huge = r.entries.iter().find(|e| e.lr == 1e1).unwrap();
        assert!(huge.diverged > 0 || huge.mean_loss >= r.entries[0].mean_loss);
        // Deterministic: the same race again gives the same standings.
        assert_eq!(race(&d, &s, &training, &candidates, 200, 0, 2).unwrap(), r);
        assert!(race(&d, &s, &training, &[], 200, 0, 2).is_none());
    }
}
