//! Loss curves and everything that reads them without training: smoothing, the divergence rule,
//! the suggestion rules, the agreement of several runs and the diagnostics. A curve recorded by
//! lrfind's own range test and one recorded by another framework get the same reading here.

pub mod consensus;
pub mod diagnose;
pub mod divergence;
pub mod rules;
pub mod smooth;

use serde::Serialize;

/// One recorded step: the LR it used and the loss it saw.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Sample {
    /// Step index, from 0.
    pub step: usize,
    /// Learning rate of the step.
    pub lr: f64,
    /// The loss (of the step's batch, before the update).
    pub loss: f64,
}

/// One point of a read curve: the recorded sample and its smoothed loss.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// Step index, from 0.
    pub step: usize,
    /// Learning rate used for the step.
    pub lr: f64,
    /// The recorded loss.
    pub loss: f64,
    /// The smoothed loss at this point.
    pub smoothed_loss: f64,
}

/// Why a curve ends where it does.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Stop {
    /// The loss diverged at this LR (the last point).
    Diverged {
        /// The LR of the step that crossed the threshold.
        lr: f64,
    },
    /// A loss was NaN or infinite at this LR (that step is not recorded).
    NonFinite {
        /// The LR of the step.
        lr: f64,
    },
    /// The curve reached its end without diverging.
    Completed,
}

impl Stop {
    /// The LR where the curve diverged, if it did.
    pub fn divergence_lr(&self) -> Option<f64> {
        match *self {
            Stop::Diverged { lr } | Stop::NonFinite { lr } => Some(lr),
            Stop::Completed => None,
        }
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Diverged { lr } => write!(f, "diverged at LR {lr:.3e}"),
            Stop::NonFinite { lr } => write!(f, "non-finite loss at LR {lr:.3e}"),
            Stop::Completed => f.write_str("reached the end LR without diverging"),
        }
    }
}

/// A read curve: every recorded point with its smoothed loss, and why it ends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curve {
    /// Every point, in order (the point that crossed the divergence threshold included).
    pub points: Vec<Point>,
    /// Why it ends.
    pub stop: Stop,
}

impl Curve {
    /// Reads `samples` that ended for `stop`, smoothing them with [`smooth::smooth`] at `smoothing`.
    pub fn from_samples(samples: &[Sample], stop: Stop, smoothing: f64) -> Self {
        let losses: Vec<f64> = samples.iter().map(|s| s.loss).collect();
        let smoothed = smooth::smooth(&losses, smoothing);
        Curve {
            points: samples
                .iter()
                .zip(smoothed)
                .map(|(s, smoothed_loss)| Point {
                    step: s.step,
                    lr: s.lr,
                    loss: s.loss,
                    smoothed_loss,
                })
                .collect(),
            stop,
        }
    }

    /// The points before divergence: all of them, less the one that crossed the threshold.
    pub fn before_divergence(&self) -> &[Point] {
        match self.stop {
            Stop::Diverged { .. } => &self.points[..self.points.len().saturating_sub(1)],
            _ => &self.points,
        }
    }

    /// The points of this curve recorded up to `step`.
    pub fn up_to_step(&self, step: usize) -> &[Point] {
        let n = self.points.iter().take_while(|p| p.step <= step).count();
        &self.points[..n]
    }
}

#[cfg(test)]
impl Curve {
    /// A hand-made curve for tests: loss and smoothed loss both `losses[i]` at
    /// `lr = 10^(-6 + decades_per_step * i)`.
    pub(crate) fn from_losses(losses: &[f64], decades_per_step: f64, stop: Stop) -> Self {
        Curve {
            points: losses
                .iter()
                .enumerate()
                .map(|(i, &l)| Point {
                    step: i,
                    lr: 10f64.powf(-6.0 + decades_per_step * i as f64),
                    loss: l,
                    smoothed_loss: l,
                })
                .collect(),
            stop,
        }
    }
}
