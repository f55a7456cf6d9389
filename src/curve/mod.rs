//! Loss curves and everything that reads them without training: smoothing, the divergence rule,
//! the suggestion rules, the agreement of several runs and the diagnostics. A curve recorded by
//! lrfind's own range test and one recorded by another framework get the same reading here.

pub mod consensus;
pub mod diagnose;
pub mod divergence;
pub mod read;
pub mod recorder;
pub mod rules;
pub mod smooth;

use serde::Serialize;

use self::divergence::Watch;
use crate::error::{Error, Result, Setting};

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
    /// A loss was NaN or infinite at this LR.
    NonFinite {
        /// The LR of the step.
        lr: f64,
    },
    /// The curve reached its end without diverging.
    Completed,
    /// The run was stopped from outside (Ctrl-C) after the step at this LR, the last point.
    Interrupted {
        /// The LR of the last step recorded.
        lr: f64,
    },
}

impl Stop {
    /// The LR where the curve diverged, if it did.
    pub fn divergence_lr(&self) -> Option<f64> {
        match *self {
            Stop::Diverged { lr } | Stop::NonFinite { lr } => Some(lr),
            Stop::Completed | Stop::Interrupted { .. } => None,
        }
    }
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stop::Diverged { lr } => write!(f, "diverged at LR {lr:.3e}"),
            Stop::NonFinite { lr } => write!(f, "non-finite loss at LR {lr:.3e}"),
            Stop::Completed => f.write_str("reached the end LR without diverging"),
            Stop::Interrupted { lr } => write!(
                f,
                "interrupted ({}) at LR {lr:.3e}",
                crate::interrupt::cause()
            ),
        }
    }
}

/// Smoother width in decades of LR unless told otherwise: wide enough to see through the noise
/// of single batches at 14 points per decade, narrow enough to keep a fall that spans a decade
/// (docs/range-test.md).
pub const DEFAULT_SMOOTHING: f64 = 0.2;
/// Divergence threshold unless told otherwise, a multiple of the lowest smoothed loss (fastai's).
pub const DEFAULT_DIVERGE_FACTOR: f64 = 4.0;
/// The widest smoother accepted, in decades.
pub const MAX_SMOOTHING: f64 = 2.0;

/// How a recorded curve is read: the smoother's width and the divergence threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CurveSettings {
    /// Width of the zero-phase smoother, in decades of LR.
    pub smoothing: f64,
    /// Divergence threshold, a multiple (> 1) of the lowest smoothed loss.
    pub diverge_factor: f64,
}

impl Default for CurveSettings {
    fn default() -> Self {
        CurveSettings {
            smoothing: DEFAULT_SMOOTHING,
            diverge_factor: DEFAULT_DIVERGE_FACTOR,
        }
    }
}

impl CurveSettings {
    /// Checks both values.
    pub fn validate(&self) -> Result<()> {
        if !(self.smoothing.is_finite() && self.smoothing > 0.0 && self.smoothing <= MAX_SMOOTHING)
        {
            return Err(Error::config(
                Setting::Smoothing,
                format!(
                    "{} is not a width in decades of LR in (0, {MAX_SMOOTHING}]",
                    self.smoothing
                ),
            ));
        }
        if !(self.diverge_factor.is_finite() && self.diverge_factor > 1.0) {
            return Err(Error::config(
                Setting::DivergeFactor,
                format!("{} must be a finite number above 1", self.diverge_factor),
            ));
        }
        Ok(())
    }

    /// The divergence watch for a curve with `points_per_decade` points per decade of LR.
    pub fn watch(&self, points_per_decade: f64) -> Watch {
        Watch::for_curve(self.smoothing, points_per_decade, self.diverge_factor)
    }
}

/// Points per decade of LR of a recording: the median spacing of consecutive points in
/// `log10(lr)`, so a few repeated or skipped LRs do not change it.
pub fn points_per_decade(samples: &[Sample]) -> f64 {
    let mut gaps: Vec<f64> = samples
        .windows(2)
        .map(|w| (w[1].lr / w[0].lr).log10())
        .filter(|g| *g > 0.0)
        .collect();
    if gaps.is_empty() {
        return 1.0;
    }
    gaps.sort_by(f64::total_cmp);
    1.0 / gaps[gaps.len() / 2]
}

/// A read curve: every recorded point with its smoothed loss, and why it ends.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Curve {
    /// Every point, in order. Points from the onset of divergence on keep their raw loss and
    /// have no smoothed loss (NaN).
    pub points: Vec<Point>,
    /// Why it ends.
    pub stop: Stop,
    /// How many points come before the divergence: the part the rules read.
    pub usable: usize,
}

impl Curve {
    /// Reads `samples` (increasing LRs) whose recorder stopped for `stop`: runs the divergence
    /// watch over them to find where the loss diverged, and smooths the points before it.
    pub fn read(samples: &[Sample], stop: Stop, settings: &CurveSettings) -> Self {
        let mut watch = settings.watch(points_per_decade(samples));
        let mut found = (stop, samples.len());
        for (i, s) in samples.iter().enumerate() {
            if let Some(seen) = watch.observe(s.lr, s.loss) {
                found = (seen, watch.onset().unwrap_or(i));
                break;
            }
        }
        Curve::smoothed(samples, found.0, found.1, settings.smoothing)
    }

    /// The curve of `samples` ending for `stop`, its first `usable` points smoothed at `width`
    /// decades.
    pub fn smoothed(samples: &[Sample], stop: Stop, usable: usize, width: f64) -> Self {
        let usable = usable.min(samples.len());
        let lrs: Vec<f64> = samples[..usable].iter().map(|s| s.lr).collect();
        let losses: Vec<f64> = samples[..usable].iter().map(|s| s.loss).collect();
        let smooth = smooth::smooth(&lrs, &losses, width);
        Curve {
            points: samples
                .iter()
                .enumerate()
                .map(|(i, s)| Point {
                    step: s.step,
                    lr: s.lr,
                    loss: s.loss,
                    smoothed_loss: smooth.get(i).copied().unwrap_or(f64::NAN),
                })
                .collect(),
            stop,
            usable,
        }
    }

    /// The points before divergence, which the rules read.
    pub fn before_divergence(&self) -> &[Point] {
        &self.points[..self.usable]
    }

    /// The points of this curve recorded up to `step`.
    pub fn up_to_step(&self, step: usize) -> &[Point] {
        let n = self.points.iter().take_while(|p| p.step <= step).count();
        &self.points[..n]
    }
}

/// A U-shaped test curve of 60 points: flat, a fall that is steepest at point 30, a minimum at
/// 45, then a rise.
#[cfg(test)]
pub(crate) fn u_shape() -> Vec<f64> {
    (0..60)
        .map(|i| {
            let i = i as f64;
            if i < 45.0 {
                2.0 - 1.0 / (1.0 + (-(i - 30.0) / 3.0).exp())
            } else {
                2.0 - 1.0 / (1.0 + (-5.0f64).exp()) + 0.05 * (i - 45.0)
            }
        })
        .collect()
}

#[cfg(test)]
impl Curve {
    /// A hand-made curve for tests: loss and smoothed loss both `losses[i]` at
    /// `lr = 10^(-6 + decades_per_step * i)`; a diverged curve's last point is its divergence.
    pub(crate) fn from_losses(losses: &[f64], decades_per_step: f64, stop: Stop) -> Self {
        let usable = match stop {
            Stop::Diverged { .. } => losses.len().saturating_sub(1),
            _ => losses.len(),
        };
        Curve {
            usable,
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

#[cfg(test)]
mod tests {
    use super::smooth::Ema;
    use super::*;

    /// lrfind's own range test on data/digits.csv (adam, seed 0, PyTorch init), run to the end
    /// LR without stopping: the loss bottoms near 0.27, blows up past 4 at LR 0.09 and settles
    /// near chance (ln 10 = 2.3) at the largest LRs.
    fn digits() -> Vec<Sample> {
        read::read(
            include_bytes!("../../tests/fixtures/curves/digits_adam_seed0.csv"),
            std::path::Path::new("digits"),
            &Default::default(),
        )
        .unwrap()
        .runs
        .remove(0)
        .samples
    }

    #[test]
    fn digits_blow_up_is_a_divergence() {
        let samples = digits();
        let curve = Curve::read(&samples, Stop::Completed, &CurveSettings::default());
        // The raw loss first crosses 4x the lowest running median (about 0.5) at step 69 (LR
        // 0.076, loss 2.29) and stays above it for the next steps.
        assert_eq!(curve.usable, 69);
        let Stop::Diverged { lr } = curve.stop else {
            panic!("{:?}", curve.stop)
        };
        assert!((lr / samples[69].lr - 1.0).abs() < 1e-12);
        // The old reading, a bias-corrected EMA of 0.98 against 4x its own running minimum,
        // crosses only at step 88 (LR 1.67), on a spike of 244, a decade and a quarter late:
        // its minimum (1.75) lags so far behind the loss that 4x it is 7.
        let mut ema = Ema::new(0.98);
        let mut best = f64::INFINITY;
        let late = samples.iter().position(|s| {
            let l = ema.push(s.loss);
            best = best.min(l);
            l > 4.0 * best
        });
        assert_eq!(late, Some(88));
        // The smoothed curve runs through the loss: near the raw minimum, not above the curve's
        // upper half as the lagged line is.
        let low = curve
            .before_divergence()
            .iter()
            .map(|p| p.smoothed_loss)
            .fold(f64::INFINITY, f64::min);
        assert!(low < 0.6, "{low}");
        assert!(curve.points[69..].iter().all(|p| p.smoothed_loss.is_nan()));
    }

    /// A recorded curve that swings: lrfind's own range test of the regret benchmark's linnerud
    /// table (20 rows, so full-batch; Adam, seed 2), recorded before this rule. The loss bottoms
    /// near 0.08, then swings: 1.30, 1.58, 0.23, 0.42, 0.40, 0.35, 0.19, 1.19, 0.49, 0.34, 0.28,
    /// never three steps in a row above 4x its best, until 17.6 at step 80, where the earlier
    /// rule stopped it. It diverged at step 69, its first swing.
    #[test]
    fn a_recorded_swinging_blow_up_is_a_divergence() {
        let samples = read::read(
            include_bytes!("../../tests/fixtures/curves/linnerud_adam_seed2.csv"),
            std::path::Path::new("linnerud"),
            &Default::default(),
        )
        .unwrap()
        .runs
        .remove(0)
        .samples;
        let curve = Curve::read(&samples, Stop::Completed, &CurveSettings::default());
        assert_eq!(curve.usable, 69);
        assert_eq!(curve.stop, Stop::Diverged { lr: samples[69].lr });
        assert!(samples[70..80].iter().any(|s| s.loss < 0.3));
    }

    /// A clean fall, a blow-up, then a plateau at chance: diverged where the blow-up began.
    #[test]
    fn blow_up_then_plateau() {
        let samples: Vec<Sample> = (0..100)
            .map(|i| {
                let x = -6.0 + 0.07 * i as f64;
                let loss = match i {
                    0..=59 => 2.3 - 2.0 / (1.0 + (-(x + 3.0) * 3.0).exp()),
                    60..=64 => 40.0,
                    _ => 2.3,
                };
                Sample {
                    step: i,
                    lr: 10f64.powf(x),
                    loss,
                }
            })
            .collect();
        let curve = Curve::read(&samples, Stop::Completed, &CurveSettings::default());
        assert_eq!(curve.usable, 60);
        assert_eq!(curve.stop, Stop::Diverged { lr: samples[60].lr });
        // Without the blow-up it never diverges.
        let calm: Vec<Sample> = samples[..60].to_vec();
        let curve = Curve::read(&calm, Stop::Completed, &CurveSettings::default());
        assert_eq!((curve.stop, curve.usable), (Stop::Completed, 60));
    }

    /// The churn table of the issue: a fall to 0.35, a spike at LR 0.1, the loss near chance
    /// (0.69) for a decade, then a fall again near LR 10. The curve diverged at the spike; the
    /// rules read nothing past it (the old reading put the minimum, the steepest pick and the
    /// band past it).
    #[test]
    fn nothing_is_read_past_a_spike_the_loss_does_not_recover_from() {
        let samples: Vec<Sample> = (0..100)
            .map(|i| {
                let x = -6.0 + 7.0 * i as f64 / 99.0;
                let wiggle = 0.01 * ((i * 7919) % 5) as f64;
                let loss = if x < -1.0 {
                    0.35 + 0.34 / (1.0 + ((x + 3.5) * 3.0).exp())
                } else if x < -0.9 {
                    10.0
                } else if x < 0.0 {
                    0.69
                } else {
                    0.69 - 0.44 * x
                };
                Sample {
                    step: i,
                    lr: 10f64.powf(x),
                    loss: loss + wiggle,
                }
            })
            .collect();
        let spike = samples.iter().position(|s| s.loss > 5.0).unwrap();
        let curve = Curve::read(&samples, Stop::Completed, &CurveSettings::default());
        assert_eq!(
            curve.stop,
            Stop::Diverged {
                lr: samples[spike].lr
            }
        );
        assert_eq!(curve.usable, spike);
        let picks = rules::suggest(&curve);
        for s in &picks.candidates {
            assert!(s.step < spike, "{s:?}");
        }
        assert!(picks.get(rules::Method::MinimumDiv10).is_some());
    }

    #[test]
    fn spacing_is_the_median_gap() {
        let s = |lr: f64| Sample {
            step: 0,
            lr,
            loss: 1.0,
        };
        let samples = [s(1e-3), s(1e-2), s(1e-1), s(1e-1), s(10.0)];
        assert!((points_per_decade(&samples) - 1.0).abs() < 1e-12);
        assert_eq!(points_per_decade(&[s(1.0)]), 1.0);
    }
}
