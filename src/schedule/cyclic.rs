//! Cyclical learning rates (Smith, 2017), as PyTorch's `CyclicLR(base_lr=min_lr, max_lr=lr,
//! step_size_up, step_size_down, mode, gamma, cycle_momentum=False)`. With `up` and `down` the
//! half-cycle lengths, `L = up + down` and `r = up / L`:
//!
//! ```text
//! cycle = floor(1 + t / L)
//! x     = 1 + t / L - cycle                        (position in the cycle, 0..1)
//! s     = x / r  if x <= r,  else (x - 1) / (r - 1)  (0 -> 1 -> 0)
//! lr_t  = min_lr + (lr - min_lr) s scale
//! ```
//!
//! where `scale` is 1 (`triangular`), `1 / 2^(cycle - 1)` (`triangular2`: each cycle's amplitude
//! halves) or `gamma^t` (`exp-range`).

use serde::Serialize;

use super::{check, LrSchedule};
use crate::error::{Error, Message, Result, Setting};

/// How the amplitude of a cyclic schedule changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum CyclicMode {
    /// Constant amplitude.
    Triangular,
    /// Amplitude halved every cycle.
    Triangular2,
    /// Amplitude times `gamma` every step.
    ExpRange,
}

impl CyclicMode {
    /// PyTorch's name for the mode.
    pub fn pytorch_name(self) -> &'static str {
        match self {
            CyclicMode::Triangular => "triangular",
            CyclicMode::Triangular2 => "triangular2",
            CyclicMode::ExpRange => "exp_range",
        }
    }
}

/// PyTorch's default `step_size_up`.
pub const STEP_SIZE_UP: usize = 2000;

/// A cyclic schedule between `min_lr` and `lr` over `steps` steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CyclicConfig {
    /// The top of each cycle (`max_lr`).
    pub lr: f64,
    /// Steps of the run.
    pub steps: usize,
    /// The bottom of each cycle (`base_lr`, no default in PyTorch).
    pub min_lr: f64,
    /// Steps rising (default 2000).
    pub step_size_up: usize,
    /// Steps falling (default: `step_size_up`).
    pub step_size_down: Option<usize>,
    /// The amplitude's mode (default triangular).
    pub mode: CyclicMode,
    /// `exp-range`'s factor per step (default 1).
    pub gamma: f64,
}

impl CyclicConfig {
    /// `CyclicLR(base_lr=min_lr, max_lr=lr)` defaults: 2000 steps up, as many down, triangular.
    pub fn new(lr: f64, steps: usize, min_lr: f64) -> Self {
        CyclicConfig {
            lr,
            steps,
            min_lr,
            step_size_up: STEP_SIZE_UP,
            step_size_down: None,
            mode: CyclicMode::Triangular,
            gamma: 1.0,
        }
    }

    /// Checks the LR, `steps`, `0 <= min_lr <= lr`, half-cycles of at least one step, and `gamma`
    /// in (0, 1], which only `exp-range` reads.
    pub fn build(&self) -> Result<Cyclic> {
        check::lr(Setting::Lr, self.lr)?;
        check::steps(self.steps)?;
        check::min_lr(self.min_lr, self.lr)?;
        check::positive_count(Setting::StepSizeUp, self.step_size_up)?;
        if let Some(down) = self.step_size_down {
            check::positive_count(Setting::StepSizeDown, down)?;
        }
        check::decay_factor(Setting::Gamma, self.gamma)?;
        if self.gamma != 1.0 && self.mode != CyclicMode::ExpRange {
            return Err(Error::config(
                Setting::Gamma,
                Message::new("only applies with ").setting_value(Setting::Mode, "exp-range"),
            ));
        }
        Ok(Cyclic { config: *self })
    }
}

/// A built [`CyclicConfig`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cyclic {
    config: CyclicConfig,
}

impl Cyclic {
    /// The validated config.
    pub fn config(&self) -> &CyclicConfig {
        &self.config
    }

    /// Steps falling.
    pub fn step_size_down(&self) -> usize {
        self.config
            .step_size_down
            .unwrap_or(self.config.step_size_up)
    }
}

impl LrSchedule for Cyclic {
    fn steps(&self) -> usize {
        self.config.steps
    }

    fn lr(&self, step: usize) -> f64 {
        let c = &self.config;
        let t = check::clamp(step, c.steps) as f64;
        let up = c.step_size_up as f64;
        let total = up + self.step_size_down() as f64;
        let ratio = up / total;
        let cycle = (1.0 + t / total).floor();
        let x = 1.0 + t / total - cycle;
        let s = if x <= ratio {
            x / ratio
        } else {
            (x - 1.0) / (ratio - 1.0)
        };
        let height = (c.lr - c.min_lr) * s;
        let scale = match c.mode {
            CyclicMode::Triangular => 1.0,
            CyclicMode::Triangular2 => 1.0 / 2f64.powf(cycle - 1.0),
            CyclicMode::ExpRange => c.gamma.powf(t),
        };
        c.min_lr + height * scale
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::assert_setting;

    fn lrs(c: CyclicConfig) -> Vec<f64> {
        c.build().unwrap().table().iter().map(|r| r.lr).collect()
    }

    #[test]
    fn triangles_by_hand() {
        let mut c = CyclicConfig::new(1.0, 9, 0.0);
        c.step_size_up = 2;
        assert_eq!(lrs(c), [0.0, 0.5, 1.0, 0.5, 0.0, 0.5, 1.0, 0.5, 0.0]);
        c.mode = CyclicMode::Triangular2;
        assert_eq!(lrs(c), [0.0, 0.5, 1.0, 0.5, 0.0, 0.25, 0.5, 0.25, 0.0]);
        c.mode = CyclicMode::ExpRange;
        c.gamma = 0.5;
        assert_eq!(lrs(c)[..4], [0.0, 0.25, 0.25, 0.0625]);
        c.mode = CyclicMode::Triangular;
        c.gamma = 1.0;
        c.step_size_down = Some(1);
        // 2/3 of a 3-step cycle rounds just past the peak, as in PyTorch.
        for (a, b) in lrs(c).iter().zip([0.0, 0.5, 1.0, 0.0, 0.5, 1.0]) {
            assert!((a - b).abs() < 1e-15, "{a} vs {b}");
        }
    }

    #[test]
    fn rejects_each_bad_setting() {
        let base = CyclicConfig::new(0.1, 100, 0.01);
        let cases = [
            (CyclicConfig { lr: 0.0, ..base }, Setting::Lr),
            (CyclicConfig { steps: 0, ..base }, Setting::Steps),
            (
                CyclicConfig {
                    min_lr: 0.2,
                    ..base
                },
                Setting::MinLr,
            ),
            (
                CyclicConfig {
                    step_size_up: 0,
                    ..base
                },
                Setting::StepSizeUp,
            ),
            (
                CyclicConfig {
                    step_size_down: Some(0),
                    ..base
                },
                Setting::StepSizeDown,
            ),
            (CyclicConfig { gamma: 0.9, ..base }, Setting::Gamma),
            (
                CyclicConfig {
                    gamma: 1.5,
                    mode: CyclicMode::ExpRange,
                    ..base
                },
                Setting::Gamma,
            ),
        ];
        for (c, setting) in cases {
            assert_setting(c.build(), setting);
        }
    }
}
