//! The divergence rule, applied to a curve as it is recorded. A curve has diverged at the first
//! step of either
//!
//! - a loss that is NaN or infinite, or
//! - [`CONSECUTIVE`] steps in a row whose raw loss exceeds `factor` times the lowest smoothed loss
//!   so far, or a smoothed loss that does,
//!
//! and the LR reported is the one where the loss first crossed the threshold. The smoothed loss
//! here is causal (the test cannot see the future while it runs): a bias-corrected EMA whose
//! memory matches the width of the curve's smoother, `tau = width x points per decade` steps,
//! `beta = exp(-1 / tau)`. Reading the raw loss too means a blow-up is seen even where a lagging
//! average would never cross the threshold (a loss that shoots up and falls back to chance).
//! The range test asks the rule after every step; a recorded curve is run through it the same
//! way, so both stop at the same point.

use super::smooth::Ema;
use super::Stop;

/// Steps in a row above the threshold that make a divergence: one noisy batch does not.
pub const CONSECUTIVE: usize = 3;

/// Watches losses one by one and says when the curve has diverged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Watch {
    factor: f64,
    best: f64,
    ema: Ema,
    seen: usize,
    /// Consecutive steps above the threshold, and the index and LR of the first of them.
    over: usize,
    first_over: Option<(usize, f64)>,
    onset: Option<usize>,
}

impl Watch {
    /// A watch whose causal smoothing has factor `beta`, with threshold `factor`.
    pub fn new(beta: f64, factor: f64) -> Self {
        Watch {
            factor,
            best: f64::INFINITY,
            ema: Ema::new(beta),
            seen: 0,
            over: 0,
            first_over: None,
            onset: None,
        }
    }

    /// A watch for a curve smoothed at `width` decades with `points_per_decade` points.
    pub fn for_curve(width: f64, points_per_decade: f64, factor: f64) -> Self {
        let tau = (width * points_per_decade).max(1.0);
        Watch::new((-1.0 / tau).exp(), factor)
    }

    /// Records the loss of the next step, at `lr`; returns why the curve stops, once it does.
    pub fn observe(&mut self, lr: f64, loss: f64) -> Option<Stop> {
        let i = self.seen;
        self.seen += 1;
        if !loss.is_finite() {
            let (onset, lr) = self.first_over.unwrap_or((i, lr));
            self.onset = Some(onset);
            return Some(Stop::NonFinite { lr });
        }
        let smoothed = self.ema.push(loss);
        self.best = self.best.min(smoothed);
        let threshold = self.factor * self.best;
        if loss > threshold {
            self.over += 1;
            self.first_over.get_or_insert((i, lr));
        } else {
            self.over = 0;
            self.first_over = None;
        }
        if self.over >= CONSECUTIVE || smoothed > threshold {
            let (onset, lr) = self.first_over.unwrap_or((i, lr));
            self.onset = Some(onset);
            return Some(Stop::Diverged { lr });
        }
        None
    }

    /// The index of the step where the divergence began, once it has been seen.
    pub fn onset(&self) -> Option<usize> {
        self.onset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_smoothed_loss_above_the_threshold_diverges() {
        // Without smoothing the smoothed loss is the loss itself.
        let mut d = Watch::new(0.0, 4.0);
        assert_eq!(d.observe(1.0, 2.0), None);
        assert_eq!(d.observe(2.0, 1.0), None);
        assert_eq!(d.observe(3.0, 4.0), None);
        assert_eq!(d.observe(4.0, 4.01), Some(Stop::Diverged { lr: 4.0 }));
        assert_eq!(d.onset(), Some(3));
    }

    #[test]
    fn a_non_finite_loss_stops_at_once() {
        let mut d = Watch::new(0.9, 4.0);
        assert_eq!(d.observe(1.0, 2.0), None);
        assert_eq!(d.observe(2.0, f64::NAN), Some(Stop::NonFinite { lr: 2.0 }));
        assert_eq!(d.onset(), Some(1));
    }

    /// A blow-up that falls back to chance: the slow average never crosses 4x its best, but the
    /// raw loss stays above it for three steps, so the curve diverged where it first crossed.
    #[test]
    fn a_raw_blow_up_is_a_divergence_whatever_the_average_says() {
        let mut d = Watch::new(0.98, 4.0);
        let mut losses: Vec<f64> = (0..60).map(|i| 2.3 - 0.035 * i as f64).collect();
        losses.extend([9.0, 12.0, 30.0, 2.3, 2.3, 2.3]);
        let stop = losses
            .iter()
            .enumerate()
            .find_map(|(i, &l)| d.observe(i as f64, l).map(|s| (i, s)));
        assert_eq!(stop, Some((62, Stop::Diverged { lr: 60.0 })));
        assert_eq!(d.onset(), Some(60));
    }

    #[test]
    fn one_noisy_batch_is_not_a_divergence() {
        let mut d = Watch::new(0.9, 4.0);
        for (i, l) in [1.0, 1.0, 5.0, 1.0, 5.0, 5.0, 1.0, 1.0]
            .into_iter()
            .enumerate()
        {
            assert_eq!(d.observe(i as f64, l), None, "{i}");
        }
    }

    #[test]
    fn the_memory_matches_the_smoother() {
        // 0.2 decades at 14 points per decade: tau = 2.8 steps.
        let w = Watch::for_curve(0.2, 14.0, 4.0);
        assert_eq!(w, Watch::new((-1.0f64 / 2.8).exp(), 4.0));
        // Never shorter than one step.
        assert_eq!(
            Watch::for_curve(0.01, 1.0, 4.0),
            Watch::new((-1.0f64).exp(), 4.0)
        );
    }
}
