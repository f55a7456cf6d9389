//! The one-cycle policy (Smith & Topin, 2019): the LR rises from `lr / div` to the peak `lr`, then
//! anneals far below its start, while momentum moves the opposite way. Two variants, each computed
//! exactly as its framework computes it:
//!
//! **PyTorch** (`torch.optim.lr_scheduler.OneCycleLR`). With `T = steps`, `lr0 = lr / div` and
//! `lr_min = lr0 / final_div`, the phases end at the (fractional) steps
//! `e1 = pct_start * T - 1` and `e2 = T - 1`; step `t` in phase `k` (from `s_k`, the previous end,
//! or 0) is at `p = (t - s_k) / (e_k - s_k)` of it, and
//!
//! ```text
//! phase 1 (t <= e1):  lr_t = anneal(lr0, lr, p)     momentum_t = anneal(max_m, base_m, p)
//! phase 2:            lr_t = anneal(lr, lr_min, p)  momentum_t = anneal(base_m, max_m, p)
//! ```
//!
//! with `anneal(a, b, p) = b + (a - b) / 2 * (cos(pi p) + 1)` (`cos`) or `(b - a) p + a`
//! (`linear`). With `three_phase` the ends are `e1 = pct_start T - 1`, `e2 = 2 pct_start T - 2`,
//! `e3 = T - 1`: up to `lr`, back down to `lr0`, then to `lr_min` (momentum down, up, then held at
//! `max_m`). The last step, `T - 1`, is exactly `lr_min`.
//!
//! **fastai** (`Learner.fit_one_cycle(1, lr_max)`, `combined_cos`): the position in the run is
//! `pos_t`, which fastai accumulates as `pos_{t+1} = pos_t + 1 / T` (f64) and then compares and
//! scales in float32 against the float32 cumulative phase ends `[0, pct_start, 1]`:
//! `q = (f32(pos_t) - c_k) / (c_{k+1} - c_k)` (float32), then
//! `lr_t = a + (1 + cos(pi (1 - q))) (b - a) / 2` (f64) with `(a, b) = (lr / div, lr)` in the rise
//! and `(lr, lr / final_div)` after it; momentum does the same from `max_m` to `base_m` and back.
//! Note the two `final_div`s differ: PyTorch ends at `lr / (div final_div)`, fastai at
//! `lr / final_div`. Computing the position in f64 instead would move the LR by up to ~2e-5
//! relative, which is why the float32 steps are kept.

use std::f64::consts::PI;

use serde::Serialize;

use super::{check, LrSchedule};
use crate::error::{Error, Message, Result, Setting};

/// How a one-cycle moves between two values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Anneal {
    /// Half a cosine (the default of both frameworks).
    Cos,
    /// A straight line.
    Linear,
}

/// Whose one-cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OneCycleVariant {
    /// PyTorch's `OneCycleLR`.
    Pytorch,
    /// fastai's `fit_one_cycle`.
    Fastai,
}

/// A one-cycle schedule. [`OneCycleConfig::new`] gives PyTorch's `OneCycleLR` defaults,
/// [`OneCycleConfig::fastai`] those of fastai's `fit_one_cycle`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OneCycleConfig {
    /// The peak LR (`max_lr`, fastai's `lr_max`).
    pub lr: f64,
    /// Steps of the run (`total_steps`).
    pub steps: usize,
    /// Whose formula.
    pub variant: OneCycleVariant,
    /// Fraction of the run spent rising (PyTorch 0.3, fastai 0.25).
    pub pct_start: f64,
    /// The peak over the starting LR (25 in both).
    pub div: f64,
    /// PyTorch: the starting LR over the final one (1e4); fastai: the peak over the final one (1e5).
    pub final_div: f64,
    /// PyTorch's `anneal_strategy` (fastai is always `cos`).
    pub anneal: Anneal,
    /// PyTorch's `three_phase` (not in fastai).
    pub three_phase: bool,
    /// Whether momentum cycles (PyTorch's `cycle_momentum`, default true).
    pub cycle_momentum: bool,
    /// The momentum at the peak LR (0.85).
    pub base_momentum: f64,
    /// The momentum at the ends (0.95).
    pub max_momentum: f64,
}

impl OneCycleConfig {
    /// PyTorch's `OneCycleLR(max_lr=lr, total_steps=steps)` defaults: `pct_start` 0.3, `div` 25,
    /// `final_div` 1e4, cosine, momentum 0.95 -> 0.85 -> 0.95.
    pub fn new(lr: f64, steps: usize) -> Self {
        OneCycleConfig {
            lr,
            steps,
            variant: OneCycleVariant::Pytorch,
            pct_start: 0.3,
            div: 25.0,
            final_div: 1e4,
            anneal: Anneal::Cos,
            three_phase: false,
            cycle_momentum: true,
            base_momentum: 0.85,
            max_momentum: 0.95,
        }
    }

    /// fastai's `fit_one_cycle(1, lr_max=lr)` defaults over `steps` batches: `pct_start` 0.25,
    /// `div` 25, `div_final` 1e5, `moms` (0.95, 0.85, 0.95), cosine.
    pub fn fastai(lr: f64, steps: usize) -> Self {
        OneCycleConfig {
            variant: OneCycleVariant::Fastai,
            pct_start: 0.25,
            final_div: 1e5,
            ..OneCycleConfig::new(lr, steps)
        }
    }

    /// Checks the LR, `steps`, `pct_start` in (0, 1) with every phase at least one step long,
    /// `div` and `final_div` at least 1 (so the run stays within `[lr_min, lr]`), momenta with
    /// `0 <= base <= max < 1`, and for fastai neither `three_phase` nor a linear anneal.
    pub fn build(&self) -> Result<OneCycle> {
        check::lr(Setting::Lr, self.lr)?;
        check::steps(self.steps)?;
        if !(self.pct_start.is_finite() && self.pct_start > 0.0 && self.pct_start < 1.0) {
            return Err(Error::config(
                Setting::PctStart,
                format!("{} is not in (0, 1)", self.pct_start),
            ));
        }
        for (setting, v) in [
            (Setting::Div, self.div),
            (Setting::FinalDiv, self.final_div),
        ] {
            if !(v.is_finite() && v >= 1.0) {
                return Err(Error::config(
                    setting,
                    format!("{v} must be a finite number >= 1"),
                ));
            }
        }
        if self.cycle_momentum {
            check::momentum(Setting::BaseMomentum, self.base_momentum)?;
            check::momentum(Setting::MaxMomentum, self.max_momentum)?;
            if self.base_momentum > self.max_momentum {
                return Err(Error::config(
                    Setting::BaseMomentum,
                    Message::new(format!(
                        "{} is above the highest momentum {} (",
                        self.base_momentum, self.max_momentum
                    ))
                    .setting(Setting::MaxMomentum)
                    .text(")"),
                ));
            }
        }
        let t = self.steps as f64;
        let phases = match self.variant {
            OneCycleVariant::Pytorch => {
                let e1 = self.pct_start * t - 1.0;
                let ends = if self.three_phase {
                    vec![e1, 2.0 * self.pct_start * t - 2.0, t - 1.0]
                } else {
                    vec![e1, t - 1.0]
                };
                let mut start = 0.0;
                for (i, &end) in ends.iter().enumerate() {
                    if end <= start {
                        let phase = if i == 0 { "the rise" } else { "a later phase" };
                        let ends = if self.three_phase {
                            "pct_start * steps - 1, 2 pct_start * steps - 2 and steps - 1"
                        } else {
                            "pct_start * steps - 1 and steps - 1"
                        };
                        return Err(Error::config(
                            Setting::PctStart,
                            Message::new(format!(
                                "{} over {} steps leaves {phase} no step (PyTorch's phases \
                                     end at {ends}); change it or ",
                                self.pct_start, self.steps
                            ))
                            .setting(Setting::Steps),
                        ));
                    }
                    start = end;
                }
                ends
            }
            OneCycleVariant::Fastai => {
                if self.three_phase {
                    return Err(Error::config(
                        Setting::ThreePhase,
                        "fastai's one-cycle has two phases",
                    ));
                }
                if self.anneal != Anneal::Cos {
                    return Err(Error::config(
                        Setting::Anneal,
                        "fastai's one-cycle anneals by cosine only",
                    ));
                }
                if self.steps < 2 {
                    return Err(Error::config(
                        Setting::Steps,
                        "a one-cycle needs at least 2 steps",
                    ));
                }
                Vec::new()
            }
        };
        let positions = match self.variant {
            OneCycleVariant::Pytorch => Vec::new(),
            OneCycleVariant::Fastai => fastai_positions(self.steps),
        };
        Ok(OneCycle {
            config: *self,
            phases,
            positions,
        })
    }
}

/// fastai's `pct_train` before each batch, as it accumulates it (`+= 1 / T`), rounded to float32
/// as `combine_scheds` compares it.
fn fastai_positions(steps: usize) -> Vec<f32> {
    let inc = 1.0 / steps as f64;
    let mut pos = 0.0f64;
    (0..steps)
        .map(|_| {
            let p = pos as f32;
            pos += inc;
            p
        })
        .collect()
}

/// A built [`OneCycleConfig`].
#[derive(Debug, Clone, PartialEq)]
pub struct OneCycle {
    config: OneCycleConfig,
    /// PyTorch: the end step of each phase.
    phases: Vec<f64>,
    /// fastai: the float32 position of each step.
    positions: Vec<f32>,
}

impl OneCycle {
    /// The validated config.
    pub fn config(&self) -> &OneCycleConfig {
        &self.config
    }

    /// The LR the run starts from.
    pub fn initial_lr(&self) -> f64 {
        self.config.lr / self.config.div
    }

    /// The LR the run ends at.
    pub fn final_lr(&self) -> f64 {
        match self.config.variant {
            OneCycleVariant::Pytorch => self.initial_lr() / self.config.final_div,
            OneCycleVariant::Fastai => self.config.lr / self.config.final_div,
        }
    }

    /// PyTorch's `(lr, momentum)` at `step`.
    fn pytorch(&self, step: usize) -> (f64, f64) {
        let c = &self.config;
        let (lr0, peak, low) = (self.initial_lr(), c.lr, self.final_lr());
        let (mb, mm) = (c.base_momentum, c.max_momentum);
        // Start and end of each phase's LR and momentum.
        let targets: &[(Span, Span)] = if c.three_phase {
            &[
                ((lr0, peak), (mm, mb)),
                ((peak, lr0), (mb, mm)),
                ((lr0, low), (mm, mm)),
            ]
        } else {
            &[((lr0, peak), (mm, mb)), ((peak, low), (mb, mm))]
        };
        let t = step as f64;
        let mut start = 0.0;
        let last = self.phases.len() - 1;
        for (i, (&end, &(lrs, moms))) in self.phases.iter().zip(targets).enumerate() {
            if t <= end || i == last {
                let p = (t - start) / (end - start);
                return (
                    anneal(c.anneal, lrs.0, lrs.1, p),
                    anneal(c.anneal, moms.0, moms.1, p),
                );
            }
            start = end;
        }
        unreachable!("the last phase takes every remaining step")
    }

    /// fastai's `(lr, momentum)` at `step`.
    fn fastai(&self, step: usize) -> (f64, f64) {
        let c = &self.config;
        let pct = c.pct_start as f32;
        let ends = [0.0f32, pct, pct + (1.0 - c.pct_start) as f32];
        let pos = self.positions[step];
        let k = if pos >= ends[1] { 1 } else { 0 };
        let q = f64::from((pos - ends[k]) / (ends[k + 1] - ends[k]));
        let (lrs, moms) = if k == 0 {
            ((c.lr / c.div, c.lr), (c.max_momentum, c.base_momentum))
        } else {
            (
                (c.lr, c.lr / c.final_div),
                (c.base_momentum, c.max_momentum),
            )
        };
        (fastai_cos(lrs.0, lrs.1, q), fastai_cos(moms.0, moms.1, q))
    }

    fn at(&self, step: usize) -> (f64, f64) {
        let step = check::clamp(step, self.config.steps);
        match self.config.variant {
            OneCycleVariant::Pytorch => self.pytorch(step),
            OneCycleVariant::Fastai => self.fastai(step),
        }
    }
}

/// A phase's `(from, to)`.
type Span = (f64, f64);

/// PyTorch's `_annealing_cos` / `_annealing_linear`: from `a` at `p = 0` to `b` at `p = 1`.
fn anneal(how: Anneal, a: f64, b: f64, p: f64) -> f64 {
    match how {
        Anneal::Cos => b + (a - b) / 2.0 * ((PI * p).cos() + 1.0),
        Anneal::Linear => (b - a) * p + a,
    }
}

/// fastai's `sched_cos`: from `a` at `p = 0` to `b` at `p = 1`.
fn fastai_cos(a: f64, b: f64, p: f64) -> f64 {
    a + (1.0 + (PI * (1.0 - p)).cos()) * (b - a) / 2.0
}

impl LrSchedule for OneCycle {
    fn steps(&self) -> usize {
        self.config.steps
    }

    fn lr(&self, step: usize) -> f64 {
        self.at(step).0
    }

    fn momentum(&self, step: usize) -> Option<f64> {
        self.config.cycle_momentum.then(|| self.at(step).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::assert_setting;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-300), "{a} vs {b}");
    }

    #[test]
    fn pytorch_by_hand() {
        // T = 10, pct 0.3: the rise ends at step 2, the fall at step 9.
        let s = OneCycleConfig::new(1.0, 10).build().unwrap();
        close(s.lr(0), 0.04);
        close(s.lr(1), 0.04 + 0.96 * 0.5); // halfway up: cos(pi/2) = 0
        close(s.lr(2), 1.0);
        close(s.lr(9), 0.04 / 1e4);
        close(s.momentum(0).unwrap(), 0.95);
        close(s.momentum(2).unwrap(), 0.85);
        close(s.momentum(9).unwrap(), 0.95);
        // Halfway down (step 5.5 is the middle of 2..9): step 5 is at p = 3/7.
        let p: f64 = 3.0 / 7.0;
        close(s.lr(5), 4e-6 + (1.0 - 4e-6) / 2.0 * ((PI * p).cos() + 1.0));
    }

    #[test]
    fn linear_three_phase_by_hand() {
        let mut c = OneCycleConfig::new(1.0, 10);
        c.three_phase = true;
        c.anneal = Anneal::Linear;
        c.div = 10.0;
        let s = c.build().unwrap();
        // Ends at 2, 4, 9: 0.1 -> 1 -> 0.1 -> 1e-5.
        let lrs: Vec<f64> = (0..5).map(|t| s.lr(t)).collect();
        for (a, b) in lrs.iter().zip([0.1, 0.55, 1.0, 0.55, 0.1]) {
            close(*a, b);
        }
        close(s.lr(9), 1e-5);
        close(s.momentum(9).unwrap(), 0.95);
        close(s.momentum(4).unwrap(), 0.95);
    }

    #[test]
    fn fastai_by_hand() {
        // T = 8: positions 0, 1/8, .., 7/8 are exact in float32; the peak is at 2/8.
        let s = OneCycleConfig::fastai(1.0, 8).build().unwrap();
        close(s.lr(0), 0.04);
        close(s.lr(1), 0.04 + 0.96 / 2.0);
        close(s.lr(2), 1.0);
        // 5/6 of the fall, as fastai computes it: in float32 (2e-8 away from the f64 5/6).
        let q = f64::from(0.625f32 / 0.75f32);
        assert!((q - 5.0 / 6.0).abs() > 1e-8);
        close(
            s.lr(7),
            1.0 + (1.0 + (PI * (1.0 - q)).cos()) * (1e-5 - 1.0) / 2.0,
        );
        close(s.momentum(2).unwrap(), 0.85);
    }

    #[test]
    fn momentum_off() {
        let mut c = OneCycleConfig::new(0.1, 100);
        c.cycle_momentum = false;
        assert_eq!(c.build().unwrap().momentum(3), None);
    }

    #[test]
    fn rejects_each_bad_setting() {
        let base = OneCycleConfig::new(0.01, 100);
        let cases: Vec<(OneCycleConfig, Setting)> = vec![
            (OneCycleConfig { lr: 0.0, ..base }, Setting::Lr),
            (OneCycleConfig { steps: 0, ..base }, Setting::Steps),
            (
                OneCycleConfig {
                    pct_start: 0.0,
                    ..base
                },
                Setting::PctStart,
            ),
            (
                OneCycleConfig {
                    pct_start: 1.0,
                    ..base
                },
                Setting::PctStart,
            ),
            (
                OneCycleConfig {
                    pct_start: 0.01,
                    ..base
                },
                Setting::PctStart,
            ),
            (
                OneCycleConfig {
                    pct_start: 0.6,
                    three_phase: true,
                    ..base
                },
                Setting::PctStart,
            ),
            (OneCycleConfig { div: 0.5, ..base }, Setting::Div),
            (
                OneCycleConfig {
                    final_div: f64::NAN,
                    ..base
                },
                Setting::FinalDiv,
            ),
            (
                OneCycleConfig {
                    base_momentum: 0.99,
                    ..base
                },
                Setting::BaseMomentum,
            ),
            (
                OneCycleConfig {
                    max_momentum: 1.0,
                    ..base
                },
                Setting::MaxMomentum,
            ),
            (
                OneCycleConfig {
                    three_phase: true,
                    ..OneCycleConfig::fastai(0.01, 100)
                },
                Setting::ThreePhase,
            ),
            (
                OneCycleConfig {
                    anneal: Anneal::Linear,
                    ..OneCycleConfig::fastai(0.01, 100)
                },
                Setting::Anneal,
            ),
            (OneCycleConfig::fastai(0.01, 1), Setting::Steps),
        ];
        for (c, setting) in cases {
            assert_setting(c.build(), setting);
        }
    }
}
