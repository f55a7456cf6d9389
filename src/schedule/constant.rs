//! The constant schedule: `lr_t = lr` at every step. The baseline every other schedule is raced
//! against; in PyTorch it is no scheduler at all (or `ConstantLR(factor=1.0)`).

use super::{check, LrSchedule};
use crate::error::{Result, Setting};

/// A constant LR for `steps` steps.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConstantConfig {
    /// The LR.
    pub lr: f64,
    /// Steps of the run.
    pub steps: usize,
}

impl ConstantConfig {
    /// `lr` for `steps` steps.
    pub fn new(lr: f64, steps: usize) -> Self {
        ConstantConfig { lr, steps }
    }

    /// Checks a finite `lr > 0` and `steps >= 1`.
    pub fn build(&self) -> Result<Constant> {
        check::lr(Setting::Lr, self.lr)?;
        check::steps(self.steps)?;
        Ok(Constant { config: *self })
    }
}

/// A built [`ConstantConfig`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Constant {
    config: ConstantConfig,
}

impl Constant {
    /// The validated config.
    pub fn config(&self) -> &ConstantConfig {
        &self.config
    }
}

impl LrSchedule for Constant {
    fn steps(&self) -> usize {
        self.config.steps
    }

    fn lr(&self, _step: usize) -> f64 {
        self.config.lr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_step_is_the_lr() {
        let s = ConstantConfig::new(0.01, 3).build().unwrap();
        assert_eq!(
            s.table().iter().map(|r| r.lr).collect::<Vec<_>>(),
            [0.01; 3]
        );
        assert_eq!(s.momentum(0), None);
    }

    #[test]
    fn rejects_bad_lr_and_steps() {
        for lr in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e301] {
            let e = ConstantConfig::new(lr, 10).build().unwrap_err();
            assert!(
                matches!(
                    e,
                    crate::Error::Config {
                        setting: Setting::Lr,
                        ..
                    }
                ),
                "{e}"
            );
        }
        let e = ConstantConfig::new(0.1, 0).build().unwrap_err();
        assert!(
            matches!(
                e,
                crate::Error::Config {
                    setting: Setting::Steps,
                    ..
                }
            ),
            "{e}"
        );
    }
}
