//! Cosine annealing with warm restarts (SGDR, Loshchilov & Hutter, 2017), as PyTorch's
//! `CosineAnnealingWarmRestarts(T_0=period, T_mult=period_mult, eta_min=min_lr)`. Cycle `i` lasts
//! `T_i = period * period_mult^i` steps; at `T_cur` steps into it
//!
//! ```text
//! lr_t = min_lr + (lr - min_lr) (1 + cos(pi T_cur / T_i)) / 2
//! ```
//!
//! so each cycle starts at `lr` and falls towards `min_lr`, reached only as the next cycle would
//! start. The cycle is found with integers, as PyTorch's `step()` counts it.

use std::f64::consts::PI;

use serde::Serialize;

use super::{check, LrSchedule};
use crate::error::Result;
use crate::error::Setting;

/// SGDR over `steps` steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CosineRestartsConfig {
    /// The LR at the start of every cycle.
    pub lr: f64,
    /// Steps of the run.
    pub steps: usize,
    /// Steps of the first cycle (`T_0`, no default in PyTorch).
    pub period: usize,
    /// Each cycle is this many times longer than the last (`T_mult`, default 1).
    pub period_mult: usize,
    /// The floor (`eta_min`, default 0).
    pub min_lr: f64,
}

impl CosineRestartsConfig {
    /// PyTorch's defaults: `T_mult` 1, `eta_min` 0.
    pub fn new(lr: f64, steps: usize, period: usize) -> Self {
        CosineRestartsConfig {
            lr,
            steps,
            period,
            period_mult: 1,
            min_lr: 0.0,
        }
    }

    /// Checks the LR, `steps`, `0 <= min_lr <= lr`, `period >= 1` and `period_mult >= 1`.
    pub fn build(&self) -> Result<CosineRestarts> {
        check::lr(Setting::Lr, self.lr)?;
        check::steps(self.steps)?;
        check::min_lr(self.min_lr, self.lr)?;
        check::positive_count(Setting::Period, self.period)?;
        check::positive_count(Setting::PeriodMult, self.period_mult)?;
        Ok(CosineRestarts { config: *self })
    }
}

/// A built [`CosineRestartsConfig`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CosineRestarts {
    config: CosineRestartsConfig,
}

impl CosineRestarts {
    /// The validated config.
    pub fn config(&self) -> &CosineRestartsConfig {
        &self.config
    }

    /// `(T_cur, T_i)` at step `t`.
    pub fn position(&self, t: usize) -> (usize, usize) {
        let (mut start, mut len) = (0usize, self.config.period);
        while t - start >= len {
            start += len;
            len = match len.checked_mul(self.config.period_mult) {
                Some(l) => l,
                // Longer than any step count: the last cycle never ends.
                None => usize::MAX,
            };
        }
        (t - start, len)
    }

    /// The first step of every cycle that starts within the run.
    pub fn restarts(&self) -> Vec<usize> {
        let mut out = vec![0];
        let (mut start, mut len) = (0usize, self.config.period);
        while let Some(next) = start.checked_add(len).filter(|&n| n < self.config.steps) {
            out.push(next);
            start = next;
            len = len.saturating_mul(self.config.period_mult);
        }
        out
    }
}

impl LrSchedule for CosineRestarts {
    fn steps(&self) -> usize {
        self.config.steps
    }

    fn lr(&self, step: usize) -> f64 {
        let c = &self.config;
        let (cur, len) = self.position(check::clamp(step, c.steps));
        c.min_lr + (c.lr - c.min_lr) * (1.0 + (PI * cur as f64 / len as f64).cos()) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::assert_setting;

    #[test]
    fn cycles_double() {
        let mut c = CosineRestartsConfig::new(1.0, 30, 2);
        c.period_mult = 2;
        let s = c.build().unwrap();
        assert_eq!(s.restarts(), [0, 2, 6, 14]);
        assert_eq!(s.position(5), (3, 4));
        assert_eq!(s.position(14), (0, 16));
        assert_eq!(s.lr(2), 1.0);
        assert!((s.lr(1) - 0.5).abs() < 1e-15);
        assert!((s.lr(4) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn constant_period() {
        let s = CosineRestartsConfig::new(1.0, 10, 3).build().unwrap();
        assert_eq!(s.restarts(), [0, 3, 6, 9]);
        assert_eq!(s.lr(3), s.lr(0));
        assert_eq!(s.lr(7), s.lr(1));
    }

    #[test]
    fn huge_multiplier_does_not_overflow() {
        let mut c = CosineRestartsConfig::new(1.0, 100, 7);
        c.period_mult = usize::MAX;
        let s = c.build().unwrap();
        assert_eq!(s.position(99), (92, usize::MAX));
        assert_eq!(s.restarts(), [0, 7]);
    }

    #[test]
    fn rejects_each_bad_setting() {
        let base = CosineRestartsConfig::new(0.01, 100, 10);
        let cases = [
            (CosineRestartsConfig { lr: -0.1, ..base }, Setting::Lr),
            (CosineRestartsConfig { steps: 0, ..base }, Setting::Steps),
            (CosineRestartsConfig { period: 0, ..base }, Setting::Period),
            (
                CosineRestartsConfig {
                    period_mult: 0,
                    ..base
                },
                Setting::PeriodMult,
            ),
            (
                CosineRestartsConfig {
                    min_lr: 1.0,
                    ..base
                },
                Setting::MinLr,
            ),
        ];
        for (c, setting) in cases {
            assert_setting(c.build(), setting);
        }
    }
}
