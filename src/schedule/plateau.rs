//! Reduce-on-plateau, as PyTorch's `ReduceLROnPlateau`: the LR only changes in response to a
//! metric (a validation loss, say) reported once per epoch or evaluation, so it has no table
//! before training. [`Plateau::step`] takes each metric and returns the LR for what follows:
//!
//! ```text
//! better(a)  = a < best (1 - threshold)   (min, rel)    a < best - threshold  (min, abs)
//!              a > best (1 + threshold)   (max, rel)    a > best + threshold  (max, abs)
//! if better(metric): best = metric, bad = 0    else: bad += 1
//! if cooling down:   cooldown_left -= 1, bad = 0
//! if bad > patience: new = max(lr factor, min_lr); if lr - new > eps: lr = new
//!                    cooldown_left = cooldown, bad = 0
//! ```
//!
//! `best` starts at +inf (min) or -inf (max), so the first finite metric is always an improvement;
//! a NaN metric is never one.

use serde::Serialize;

use super::check;
use crate::error::{Error, Message, Result, Setting};

/// Whether the metric should fall or rise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum PlateauMode {
    /// Lower is better (a loss).
    Min,
    /// Higher is better (an accuracy).
    Max,
}

/// How `threshold` is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum ThresholdMode {
    /// A fraction of the best metric.
    Rel,
    /// An amount of the metric.
    Abs,
}

/// PyTorch's `ReduceLROnPlateau` settings.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlateauConfig {
    /// The LR before any reduction (the optimizer's).
    pub lr: f64,
    /// Whether the metric should fall or rise (default min).
    pub mode: PlateauMode,
    /// The LR is multiplied by this at a plateau (default 0.1).
    pub factor: f64,
    /// Evaluations without improvement tolerated (default 10).
    pub patience: usize,
    /// The least change that counts as an improvement (default 1e-4).
    pub threshold: f64,
    /// Whether `threshold` is relative or absolute (default rel).
    pub threshold_mode: ThresholdMode,
    /// Evaluations ignored after a reduction (default 0).
    pub cooldown: usize,
    /// The LR is never reduced below this (default 0).
    pub min_lr: f64,
    /// A reduction smaller than this is skipped (default 1e-8).
    pub eps: f64,
}

impl PlateauConfig {
    /// `ReduceLROnPlateau(optimizer)` defaults with the optimizer's LR `lr`.
    pub fn new(lr: f64) -> Self {
        PlateauConfig {
            lr,
            mode: PlateauMode::Min,
            factor: 0.1,
            patience: 10,
            threshold: 1e-4,
            threshold_mode: ThresholdMode::Rel,
            cooldown: 0,
            min_lr: 0.0,
            eps: 1e-8,
        }
    }

    /// Checks the LR, `factor` in (0, 1), a finite `threshold >= 0`, `0 <= min_lr <= lr` and a
    /// finite `eps >= 0`.
    pub fn build(&self) -> Result<Plateau> {
        check::lr(Setting::Lr, self.lr)?;
        if !(self.factor.is_finite() && self.factor > 0.0 && self.factor < 1.0) {
            return Err(Error::config(
                Setting::Factor,
                format!(
                    "{} is not in (0, 1); a plateau must lower the LR",
                    self.factor
                ),
            ));
        }
        if !(self.threshold.is_finite() && self.threshold >= 0.0) {
            return Err(Error::config(
                Setting::Threshold,
                format!("{} must be a finite number >= 0", self.threshold),
            ));
        }
        if self.threshold_mode == ThresholdMode::Rel && self.threshold >= 1.0 {
            return Err(Error::config(
                Setting::Threshold,
                Message::new(format!(
                    "{} is a relative change of 100% or more; use a smaller one or ",
                    self.threshold
                ))
                .setting_value(Setting::ThresholdMode, "abs"),
            ));
        }
        check::min_lr(self.min_lr, self.lr)?;
        if !(self.eps.is_finite() && self.eps >= 0.0) {
            return Err(Error::config(
                Setting::PlateauEps,
                format!("{} must be a finite number >= 0", self.eps),
            ));
        }
        let best = self.worst();
        Ok(Plateau {
            config: *self,
            lr: self.lr,
            best,
            bad: 0,
            cooldown_left: 0,
            evaluations: 0,
        })
    }

    fn worst(&self) -> f64 {
        match self.mode {
            PlateauMode::Min => f64::INFINITY,
            PlateauMode::Max => f64::NEG_INFINITY,
        }
    }
}

/// A running reduce-on-plateau: feed it each evaluation's metric.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Plateau {
    config: PlateauConfig,
    lr: f64,
    best: f64,
    bad: usize,
    cooldown_left: usize,
    evaluations: usize,
}

impl Plateau {
    /// The validated config.
    pub fn config(&self) -> &PlateauConfig {
        &self.config
    }

    /// The current LR.
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// The best metric so far (infinite before the first).
    pub fn best(&self) -> f64 {
        self.best
    }

    /// Evaluations reported so far.
    pub fn evaluations(&self) -> usize {
        self.evaluations
    }

    fn is_better(&self, a: f64) -> bool {
        let (best, th) = (self.best, self.config.threshold);
        match (self.config.mode, self.config.threshold_mode) {
            (PlateauMode::Min, ThresholdMode::Rel) => a < best * (1.0 - th),
            (PlateauMode::Min, ThresholdMode::Abs) => a < best - th,
            (PlateauMode::Max, ThresholdMode::Rel) => a > best * (th + 1.0),
            (PlateauMode::Max, ThresholdMode::Abs) => a > best + th,
        }
    }

    /// Reports one evaluation's metric; returns the LR to use until the next one.
    pub fn step(&mut self, metric: f64) -> f64 {
        self.evaluations += 1;
        if self.is_better(metric) {
            self.best = metric;
            self.bad = 0;
        } else {
            self.bad += 1;
        }
        if self.cooldown_left > 0 {
            self.cooldown_left -= 1;
            self.bad = 0;
        }
        if self.bad > self.config.patience {
            let new = (self.lr * self.config.factor).max(self.config.min_lr);
            if self.lr - new > self.config.eps {
                self.lr = new;
            }
            self.cooldown_left = self.config.cooldown;
            self.bad = 0;
        }
        self.lr
    }

    /// The LR after each of `metrics`, from a fresh copy of this schedule's state.
    pub fn replay(&self, metrics: &[f64]) -> Vec<f64> {
        let mut p = *self;
        metrics.iter().map(|&m| p.step(m)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::assert_setting;

    #[test]
    fn cuts_after_patience_then_cools_down() {
        let mut c = PlateauConfig::new(1.0);
        c.patience = 2;
        c.cooldown = 1;
        c.factor = 0.5;
        let p = c.build().unwrap();
        // 1 improves; 3 flat evaluations exceed patience 2 -> cut; 1 in cooldown; then counting.
        let lrs = p.replay(&[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
        assert_eq!(lrs, [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25]);
    }

    #[test]
    fn relative_threshold_and_floor() {
        let mut c = PlateauConfig::new(1.0);
        c.patience = 0;
        c.min_lr = 0.3;
        let p = c.build().unwrap();
        // 0.99995 is not 1e-4 below 1: a bad epoch, cut to max(0.1, 0.3); then the floor holds.
        assert_eq!(p.replay(&[1.0, 0.99995, 0.5, 0.5]), [1.0, 0.3, 0.3, 0.3]);
    }

    #[test]
    fn max_mode_and_nan() {
        let mut c = PlateauConfig::new(1.0);
        c.mode = PlateauMode::Max;
        c.patience = 0;
        c.threshold_mode = ThresholdMode::Abs;
        c.threshold = 0.1;
        let p = c.build().unwrap();
        assert_eq!(p.replay(&[0.5, 0.7, 0.75]), [1.0, 1.0, 0.1]);
        assert_eq!(p.replay(&[f64::NAN]), [0.1]);
    }

    #[test]
    fn rejects_each_bad_setting() {
        let base = PlateauConfig::new(0.01);
        let cases = [
            (PlateauConfig { lr: 0.0, ..base }, Setting::Lr),
            (
                PlateauConfig {
                    factor: 1.0,
                    ..base
                },
                Setting::Factor,
            ),
            (
                PlateauConfig {
                    factor: 0.0,
                    ..base
                },
                Setting::Factor,
            ),
            (
                PlateauConfig {
                    threshold: -1.0,
                    ..base
                },
                Setting::Threshold,
            ),
            (
                PlateauConfig {
                    threshold: 1.0,
                    ..base
                },
                Setting::Threshold,
            ),
            (
                PlateauConfig {
                    min_lr: 1.0,
                    ..base
                },
                Setting::MinLr,
            ),
            (
                PlateauConfig {
                    eps: f64::NAN,
                    ..base
                },
                Setting::PlateauEps,
            ),
        ];
        for (c, setting) in cases {
            assert_setting(c.build().map(|_| ()), setting);
        }
    }
}
