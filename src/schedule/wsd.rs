//! Warmup-stable-decay (WSD: the "trapezoidal" schedule of Zhai et al., 2022, MiniCPM's of Hu et
//! al., 2024, studied by Hägele et al., 2024, "Scaling Laws and Compute-Optimal Training Beyond
//! Fixed Training Durations"): a linear warm-up, a long constant stretch at the peak, then a short
//! cooldown. Computed as Hugging Face transformers' `get_wsd_schedule(optimizer, W, D - S,
//! num_stable_steps=S - W, warmup_type="linear", decay_type=shape, min_lr_ratio=r)` computes it,
//! with `r = min_lr / lr` and its defaults (cosine cooldown, floor 0).
//!
//! The fractions `(w, s, d)` of `T = steps` become phase ends `W = round(w T)`,
//! `S = round((w + s) T)`, `D = round((w + s + d) T)`; then
//!
//! ```text
//! t < W:       lr_t = lr ((t / W) (1 - r) + r)              (from min_lr up to lr)
//! W <= t < S:  lr_t = lr
//! S <= t < D:  lr_t = lr (g(p) (1 - r) + r),  p = (t - S) / (D - S)
//!              g(p) = 1 - p  (linear),  (1 + cos(pi p)) / 2  (cosine),  1 - sqrt(p)  (1-sqrt)
//! t >= D:      lr_t = lr r = min_lr                          (when the fractions sum below 1)
//! ```
//!
//! Hägele et al. found the `1-sqrt` cooldown over about 20% of the run the best; transformers'
//! default shape is `cosine`.

use std::f64::consts::PI;

use serde::Serialize;

use super::{check, LrSchedule};
use crate::error::{Error, Result, Setting};

/// The shape of the cooldown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
pub enum DecayShape {
    /// `1 - p`.
    #[serde(rename = "linear")]
    Linear,
    /// `(1 + cos(pi p)) / 2`.
    #[serde(rename = "cosine")]
    Cosine,
    /// `1 - sqrt(p)`, Hägele et al.'s best.
    #[serde(rename = "1-sqrt")]
    #[value(name = "1-sqrt")]
    OneMinusSqrt,
}

impl DecayShape {
    /// `g(p)`, from 1 at `p = 0` to 0 at `p = 1`, as transformers writes it.
    pub fn g(self, p: f64) -> f64 {
        match self {
            DecayShape::Linear => 1.0 - p,
            // transformers' cosine with its num_cycles = 0.5: cos(pi 0.5 2 p).
            DecayShape::Cosine => 0.5 * (1.0 + (PI * 0.5 * 2.0 * p).cos()),
            DecayShape::OneMinusSqrt => 1.0 - p.sqrt(),
        }
    }

    /// transformers' name for the shape.
    pub fn name(self) -> &'static str {
        match self {
            DecayShape::Linear => "linear",
            DecayShape::Cosine => "cosine",
            DecayShape::OneMinusSqrt => "1-sqrt",
        }
    }
}

/// The default fractions: 10% warm-up, 70% stable, 20% cooldown (Hägele et al.'s cooldown).
pub const FRACTIONS: [f64; 3] = [0.1, 0.7, 0.2];

/// A warmup-stable-decay schedule over `steps` steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WsdConfig {
    /// The peak LR.
    pub lr: f64,
    /// Steps of the run.
    pub steps: usize,
    /// The floor the warm-up starts from and the cooldown ends at (default 0).
    pub min_lr: f64,
    /// Warm-up, stable and decay fractions of the run (default 0.1, 0.7, 0.2).
    pub fractions: [f64; 3],
    /// The cooldown's shape (default cosine, transformers').
    pub decay_shape: DecayShape,
}

impl WsdConfig {
    /// The defaults above.
    pub fn new(lr: f64, steps: usize) -> Self {
        WsdConfig {
            lr,
            steps,
            min_lr: 0.0,
            fractions: FRACTIONS,
            decay_shape: DecayShape::Cosine,
        }
    }

    /// Checks the LR, `steps`, `0 <= min_lr <= lr`, each fraction in [0, 1] with a sum at most 1
    /// (to 1e-9, so 0.1 + 0.7 + 0.2 passes) and a warm-up shorter than the run.
    pub fn build(&self) -> Result<Wsd> {
        check::lr(Setting::Lr, self.lr)?;
        check::steps(self.steps)?;
        check::min_lr(self.min_lr, self.lr)?;
        for f in self.fractions {
            check::fraction(Setting::Fractions, f)?;
        }
        let sum: f64 = self.fractions.iter().sum();
        if sum > 1.0 + 1e-9 {
            return Err(Error::config(
                Setting::Fractions,
                format!(
                    "{} + {} + {} = {sum} is above 1; the phases cannot outlast the run",
                    self.fractions[0], self.fractions[1], self.fractions[2]
                ),
            ));
        }
        let t = self.steps as f64;
        let [w, s, d] = self.fractions;
        let end = |x: f64| ((x * t).round() as usize).min(self.steps);
        let ends = [end(w), end(w + s), end(w + s + d)];
        if ends[0] >= self.steps {
            return Err(Error::config(
                Setting::Fractions,
                format!(
                    "a warm-up fraction of {w} leaves none of the {} steps after it",
                    self.steps
                ),
            ));
        }
        Ok(Wsd {
            config: *self,
            ends,
        })
    }
}

/// A built [`WsdConfig`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wsd {
    config: WsdConfig,
    ends: [usize; 3],
}

impl Wsd {
    /// The validated config.
    pub fn config(&self) -> &WsdConfig {
        &self.config
    }

    /// The steps at which the warm-up, stable and decay phases end.
    pub fn ends(&self) -> [usize; 3] {
        self.ends
    }

    /// transformers' `min_lr_ratio`.
    pub fn min_lr_ratio(&self) -> f64 {
        self.config.min_lr / self.config.lr
    }
}

impl LrSchedule for Wsd {
    fn steps(&self) -> usize {
        self.config.steps
    }

    fn lr(&self, step: usize) -> f64 {
        let c = &self.config;
        let t = check::clamp(step, c.steps);
        let [w, s, d] = self.ends;
        let r = self.min_lr_ratio();
        let factor = if t < w {
            t as f64 / w as f64 * (1.0 - r) + r
        } else if t < s {
            1.0
        } else if t < d {
            let p = (t - s) as f64 / (d - s) as f64;
            c.decay_shape.g(p) * (1.0 - r) + r
        } else {
            r
        };
        c.lr * factor
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::assert_setting;

    #[test]
    fn phases_by_hand() {
        let mut c = WsdConfig::new(1.0, 10);
        c.fractions = [0.2, 0.3, 0.4];
        c.min_lr = 0.5;
        c.decay_shape = DecayShape::Linear;
        let s = c.build().unwrap();
        assert_eq!(s.ends(), [2, 5, 9]);
        let lrs: Vec<f64> = s.table().iter().map(|r| r.lr).collect();
        assert_eq!(
            lrs,
            [0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 0.875, 0.75, 0.625, 0.5]
        );
        c.min_lr = 0.0;
        c.decay_shape = DecayShape::OneMinusSqrt;
        assert_eq!(c.build().unwrap().lr(6), 0.5);
        c.decay_shape = DecayShape::Cosine;
        assert!((c.build().unwrap().lr(7) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn default_fractions_sum_to_one() {
        let s = WsdConfig::new(0.01, 1000).build().unwrap();
        assert_eq!(s.ends(), [100, 800, 1000]);
    }

    #[test]
    fn rejects_each_bad_setting() {
        let base = WsdConfig::new(0.01, 100);
        let cases = [
            (WsdConfig { lr: 0.0, ..base }, Setting::Lr),
            (WsdConfig { steps: 0, ..base }, Setting::Steps),
            (
                WsdConfig {
                    min_lr: 0.1,
                    ..base
                },
                Setting::MinLr,
            ),
            (
                WsdConfig {
                    fractions: [0.5, 0.5, 0.1],
                    ..base
                },
                Setting::Fractions,
            ),
            (
                WsdConfig {
                    fractions: [-0.1, 0.5, 0.1],
                    ..base
                },
                Setting::Fractions,
            ),
            (
                WsdConfig {
                    fractions: [1.0, 0.0, 0.0],
                    ..base
                },
                Setting::Fractions,
            ),
            (
                WsdConfig {
                    fractions: [0.1, f64::NAN, 0.1],
                    ..base
                },
                Setting::Fractions,
            ),
        ];
        for (c, setting) in cases {
            assert_setting(c.build(), setting);
        }
    }
}
