//! Verification: short training at each candidate LR (each rule's pick, the suggestion times and
//! divided by 3, ...) and the candidate that reached the lowest validation loss.

use serde::Serialize;

use super::fixed::{measure, Training};
use crate::data::split::Split;
use crate::data::Dataset;

/// One candidate LR of a verification.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Where it came from (a rule's name, `median`, `headline x3`, ...).
    pub label: String,
    /// The LR.
    pub lr: f64,
    /// Mean best validation loss over the seeds.
    pub mean_loss: f64,
    /// Its standard deviation.
    pub sd_loss: f64,
    /// Seeds that diverged.
    pub diverged: usize,
}

/// Short training at each candidate LR, and the winner.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Verification {
    /// Every candidate, in the order given (duplicates of an LR merged into the first).
    pub candidates: Vec<Candidate>,
    /// The candidate LR with the lowest mean validation loss.
    pub best_lr: f64,
    /// The untrained model's validation loss.
    pub initial_loss: f64,
    /// Seeds per candidate.
    pub seeds: usize,
}

/// Trains at every candidate `(label, lr)` and picks the one with the lowest validation loss.
/// Candidates whose LRs agree to within 0.1% are merged (labels joined).
pub fn verify(
    dataset: &Dataset,
    split: &Split,
    training: &Training,
    candidates: &[(String, f64)],
    seed: u64,
    seeds: usize,
) -> Option<Verification> {
    let mut merged: Vec<(String, f64)> = Vec::new();
    for (label, lr) in candidates {
        match merged.iter_mut().find(|(_, m)| (m / lr - 1.0).abs() < 1e-3) {
            Some((l, _)) => {
                l.push_str(", ");
                l.push_str(label);
            }
            None => merged.push((label.clone(), *lr)),
        }
    }
    if merged.is_empty() || seeds == 0 {
        return None;
    }
    let lrs: Vec<f64> = merged.iter().map(|(_, lr)| *lr).collect();
    let measured = measure(dataset, split, training, &lrs, seed, seeds);
    let candidates: Vec<Candidate> = merged
        .into_iter()
        .zip(&measured)
        .map(|((label, lr), m)| Candidate {
            label,
            lr,
            mean_loss: m.mean_loss,
            sd_loss: m.sd_loss,
            diverged: m.diverged,
        })
        .collect();
    let best = candidates
        .iter()
        .min_by(|a, b| a.mean_loss.total_cmp(&b.mean_loss))?;
    Some(Verification {
        best_lr: best.lr,
        initial_loss: measured[0].initial_loss,
        seeds,
        candidates,
    })
}
