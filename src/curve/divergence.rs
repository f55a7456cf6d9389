//! The divergence rule, applied to a curve as it is recorded: stop after the step whose smoothed
//! loss exceeds `factor` times the lowest smoothed loss so far, or as soon as a loss is NaN or
//! infinite. The range test asks it after every step; a recorded curve is run through it the same
//! way, so both stop at the same point.

use super::smooth::Ema;
use super::Stop;

/// Watches losses one by one and says when the curve has diverged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Watch {
    factor: f64,
    best: f64,
    ema: Ema,
}

impl Watch {
    /// A watch with the smoothing factor `beta` and threshold `factor`.
    pub fn new(beta: f64, factor: f64) -> Self {
        Watch {
            factor,
            best: f64::INFINITY,
            ema: Ema::new(beta),
        }
    }

    /// Records the loss of a step at `lr`; returns why the curve stops there, if it does.
    pub fn observe(&mut self, lr: f64, loss: f64) -> Option<Stop> {
        if !loss.is_finite() {
            return Some(Stop::NonFinite { lr });
        }
        let smoothed = self.ema.push(loss);
        self.best = self.best.min(smoothed);
        (smoothed > self.factor * self.best).then_some(Stop::Diverged { lr })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn divergence_rule() {
        let mut d = Watch::new(0.0, 4.0);
        assert_eq!(d.observe(1.0, 2.0), None);
        assert_eq!(d.observe(2.0, 1.0), None);
        assert_eq!(d.observe(3.0, 4.0), None);
        assert_eq!(d.observe(4.0, 4.01), Some(Stop::Diverged { lr: 4.0 }));
        assert_eq!(d.observe(5.0, f64::NAN), Some(Stop::NonFinite { lr: 5.0 }));
    }
}
