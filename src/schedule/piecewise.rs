//! A piecewise-constant schedule, as Keras' `PiecewiseConstantDecay(boundaries, values)`: with
//! boundaries `b_0 < b_1 < ...` and values `v_0, v_1, ...` (one more than the boundaries),
//!
//! ```text
//! lr_t = lr v_0   for t <= b_0
//! lr_t = lr v_i   for b_(i-1) < t <= b_i
//! lr_t = lr v_n   for t > b_(n-1)
//! ```
//!
//! so a boundary is the last step of its piece. The values are multipliers of `lr`, so that a
//! found LR can be given as it is; Keras takes the products `lr v_i` as its values.

use serde::Serialize;

use super::{check, LrSchedule};
use crate::error::{Error, Message, Result, Setting};

/// A piecewise-constant schedule over `steps` steps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PiecewiseConfig {
    /// The base LR the values multiply.
    pub lr: f64,
    /// Steps of the run.
    pub steps: usize,
    /// The last step of every piece but the last.
    pub boundaries: Vec<usize>,
    /// The LR multiplier of each piece.
    pub values: Vec<f64>,
}

impl PiecewiseConfig {
    /// Keras' `PiecewiseConstantDecay(boundaries, [lr v for v in values])`.
    pub fn new(lr: f64, steps: usize, boundaries: Vec<usize>, values: Vec<f64>) -> Self {
        PiecewiseConfig {
            lr,
            steps,
            boundaries,
            values,
        }
    }

    /// Checks the LR, `steps`, boundaries (at least one, strictly increasing, each piece starting
    /// within the run: `b < steps - 1`), one value more than boundaries, and each value a finite
    /// number > 0.
    pub fn build(&self) -> Result<Piecewise> {
        check::lr(Setting::Lr, self.lr)?;
        check::steps(self.steps)?;
        // The piece after boundary b starts at b + 1, which must be a step of the run.
        super::decay::increasing_steps(
            Setting::Boundaries,
            &self.boundaries,
            0,
            self.steps.saturating_sub(1),
        )?;
        if self.values.len() != self.boundaries.len() + 1 {
            return Err(Error::config(
                Setting::Values,
                Message::new(format!(
                    "{} values for {} boundaries; give one value more than ",
                    self.values.len(),
                    self.boundaries.len()
                ))
                .setting(Setting::Boundaries),
            ));
        }
        for &v in &self.values {
            check::positive(Setting::Values, v)?;
            check::lr(Setting::Values, self.lr * v).map_err(|_| {
                Error::config(
                    Setting::Values,
                    format!("{v} times the LR {} is not a finite number > 0", self.lr),
                )
            })?;
        }
        Ok(Piecewise {
            config: self.clone(),
        })
    }
}

/// A built [`PiecewiseConfig`].
#[derive(Debug, Clone, PartialEq)]
pub struct Piecewise {
    config: PiecewiseConfig,
}

impl Piecewise {
    /// The validated config.
    pub fn config(&self) -> &PiecewiseConfig {
        &self.config
    }
}

impl LrSchedule for Piecewise {
    fn steps(&self) -> usize {
        self.config.steps
    }

    fn lr(&self, step: usize) -> f64 {
        let c = &self.config;
        let t = check::clamp(step, c.steps);
        let piece = c.boundaries.partition_point(|&b| b < t);
        c.lr * c.values[piece]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::assert_setting;

    #[test]
    fn a_boundary_ends_its_piece() {
        let s = PiecewiseConfig::new(2.0, 6, vec![1, 3], vec![1.0, 0.5, 0.25])
            .build()
            .unwrap();
        let lrs: Vec<f64> = s.table().iter().map(|r| r.lr).collect();
        assert_eq!(lrs, [2.0, 2.0, 1.0, 1.0, 0.5, 0.5]);
    }

    #[test]
    fn rejects_each_bad_setting() {
        let ok = |b: Vec<usize>, v: Vec<f64>| PiecewiseConfig::new(0.1, 10, b, v);
        assert_setting(ok(vec![], vec![1.0]).build(), Setting::Boundaries);
        assert_setting(
            ok(vec![5, 2], vec![1.0, 0.1, 0.01]).build(),
            Setting::Boundaries,
        );
        assert_setting(ok(vec![9], vec![1.0, 0.1]).build(), Setting::Boundaries);
        assert_setting(ok(vec![5], vec![1.0]).build(), Setting::Values);
        assert_setting(ok(vec![5], vec![1.0, 0.0]).build(), Setting::Values);
        assert_setting(ok(vec![5], vec![1.0, f64::NAN]).build(), Setting::Values);
        assert_setting(
            ok(vec![5], vec![1.0, f64::INFINITY]).build(),
            Setting::Values,
        );
        assert_setting(
            PiecewiseConfig::new(0.0, 10, vec![5], vec![1.0, 0.1]).build(),
            Setting::Lr,
        );
    }
}
