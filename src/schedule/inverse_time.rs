//! Inverse-time decay, as Keras' `InverseTimeDecay(lr, decay_steps, decay_rate, staircase)`, with
//! the power schedule's exponent `c` (Bottou's `lr0 / (1 + t / s)^c`) as an option:
//!
//! ```text
//! p    = t / decay_steps             (floor(t / decay_steps) with staircase)
//! lr_t = lr / (1 + decay_rate p)^power
//! ```
//!
//! With `power` 1 it is Keras' formula exactly; with `decay_rate` 1 it is the power schedule with
//! `s = decay_steps`.

use serde::Serialize;

use super::{check, LrSchedule};
use crate::error::{Result, Setting};

/// Inverse-time decay over `steps` steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct InverseTimeConfig {
    /// The first LR.
    pub lr: f64,
    /// Steps of the run.
    pub steps: usize,
    /// The step scale `decay_steps` (no default in Keras).
    pub decay_steps: usize,
    /// The rate (default 1, the power schedule's).
    pub decay_rate: f64,
    /// The exponent `c` (default 1, Keras').
    pub power: f64,
    /// Whether `p` moves in whole `decay_steps` (default false).
    pub staircase: bool,
}

impl InverseTimeConfig {
    /// `lr / (1 + t / decay_steps)`: rate 1, power 1, no staircase.
    pub fn new(lr: f64, steps: usize, decay_steps: usize) -> Self {
        InverseTimeConfig {
            lr,
            steps,
            decay_steps,
            decay_rate: 1.0,
            power: 1.0,
            staircase: false,
        }
    }

    /// Checks the LR, `steps`, `decay_steps >= 1` and finite `decay_rate`, `power` above 0.
    pub fn build(&self) -> Result<InverseTime> {
        check::lr(Setting::Lr, self.lr)?;
        check::steps(self.steps)?;
        check::positive_count(Setting::DecaySteps, self.decay_steps)?;
        check::positive(Setting::DecayRate, self.decay_rate)?;
        check::positive(Setting::Power, self.power)?;
        Ok(InverseTime { config: *self })
    }
}

/// A built [`InverseTimeConfig`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InverseTime {
    config: InverseTimeConfig,
}

impl InverseTime {
    /// The validated config.
    pub fn config(&self) -> &InverseTimeConfig {
        &self.config
    }
}

impl LrSchedule for InverseTime {
    fn steps(&self) -> usize {
        self.config.steps
    }

    fn lr(&self, step: usize) -> f64 {
        let c = &self.config;
        let t = check::clamp(step, c.steps);
        let mut p = t as f64 / c.decay_steps as f64;
        if c.staircase {
            p = p.floor();
        }
        let denom = 1.0 + c.decay_rate * p;
        if c.power == 1.0 {
            c.lr / denom
        } else {
            c.lr / denom.powf(c.power)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::assert_setting;

    #[test]
    fn by_hand() {
        let mut c = InverseTimeConfig::new(1.0, 5, 2);
        c.decay_rate = 0.5;
        let lrs: Vec<f64> = c.build().unwrap().table().iter().map(|r| r.lr).collect();
        assert_eq!(lrs, [1.0, 0.8, 1.0 / 1.5, 1.0 / 1.75, 0.5]);
        c.staircase = true;
        let lrs: Vec<f64> = c.build().unwrap().table().iter().map(|r| r.lr).collect();
        assert_eq!(lrs, [1.0, 1.0, 1.0 / 1.5, 1.0 / 1.5, 0.5]);
        c.staircase = false;
        c.power = 2.0;
        assert_eq!(c.build().unwrap().lr(4), 0.25);
    }

    #[test]
    fn rejects_each_bad_setting() {
        assert_setting(InverseTimeConfig::new(-1.0, 10, 2).build(), Setting::Lr);
        assert_setting(InverseTimeConfig::new(0.1, 0, 2).build(), Setting::Steps);
        assert_setting(
            InverseTimeConfig::new(0.1, 10, 0).build(),
            Setting::DecaySteps,
        );
        let mut c = InverseTimeConfig::new(0.1, 10, 2);
        c.decay_rate = 0.0;
        assert_setting(c.build(), Setting::DecayRate);
        c.decay_rate = 1.0;
        c.power = f64::NAN;
        assert_setting(c.build(), Setting::Power);
    }
}
