//! The divergence rule, applied to a curve as it is recorded. With `threshold = factor x` the
//! lowest running median of the loss so far, a curve has diverged at the first step of either
//!
//! - a loss that is NaN or infinite;
//! - [`CONSECUTIVE`] steps in a row whose raw loss exceeds the threshold, or a running median
//!   that does;
//! - a blow-up the loss does not come back down from: a raw loss above `factor^2` times the
//!   lowest running median (16x at the default 4) among the last `2 window` steps while the
//!   lower quartile of the last `window` raw losses has been at least [`ELEVATED`] times the
//!   lowest running median for `window` steps in a row. A blow-up that swings between 3 and 30
//!   times the minimum (never three steps in a row above 4x) has its lows at 3x; a classifier
//!   that blew up and settled near chance sits there too (ln 2 = 0.69, below 4x its best 0.35
//!   but twice it). Heavy-tailed batches, however tall, leave the lower quartile where it was,
//!   and the noise of a heavy-tailed loss lifts it only for a few steps; a loss that merely rises
//!   past its minimum has no such spike.
//!
//! The LR reported is the one where the loss first crossed the threshold: the first of the steps
//! in a row, or the oldest crossing among the last `2 window` steps for a loss that did not come
//! back down. The running median is causal (the test cannot see the future while it runs) and
//! covers `window = 2 tau + 1` steps, with `tau = width x points per decade` the smoother's width
//! in steps, at least one: it follows the loss as closely as the smoothed curve does, and unlike a
//! mean, one heavy-tailed batch (a regression target with outliers) moves neither it nor its
//! minimum. Reading the raw loss means a blow-up is seen even where an average would never cross
//! the threshold (a loss that shoots up and falls back to chance). The range test asks the rule
//! after every step; a recorded curve is run through it the same way, so both stop at the same
//! point, and nothing past that point is read.

use std::collections::VecDeque;

use super::Stop;

/// Steps in a row above the threshold that make a divergence: one noisy batch does not.
pub const CONSECUTIVE: usize = 3;

/// A lower quartile of the recent losses this many times the lowest running median for `window`
/// steps in a row, with a crossing of the threshold among the last `2 window` steps, is a loss
/// that did not come back down. A curve that is flat or still falling has its lower quartile at or below its running
/// median's lowest (its replay on lrfind's own curves is in docs/range-test.md).
pub const ELEVATED: f64 = 1.5;

/// The widest running median the watch keeps, in points.
pub const MAX_WINDOW: usize = 1 << 16;

/// Watches losses one by one and says when the curve has diverged.
#[derive(Debug, Clone, PartialEq)]
pub struct Watch {
    factor: f64,
    window: usize,
    recent: VecDeque<f64>,
    best: f64,
    seen: usize,
    /// Consecutive steps above the threshold, and the index and LR of the first of them.
    over: usize,
    first_over: Option<(usize, f64)>,
    /// The index and LR of every step above the threshold among the last `2 window`.
    exceeded: VecDeque<(usize, f64)>,
    /// The index of every step above `factor^2` times the lowest median among the last
    /// `2 window`.
    blown: VecDeque<usize>,
    /// Steps in a row whose lower quartile is [`ELEVATED`] times the lowest running median.
    elevated: usize,
    onset: Option<usize>,
}

impl Watch {
    /// A watch whose running median covers `window` steps (at least 1), with threshold `factor`.
    pub fn new(window: usize, factor: f64) -> Self {
        Watch {
            factor,
            window: window.max(1),
            // Grown as points come: a window wider than the curve holds only the curve.
            recent: VecDeque::with_capacity(window.clamp(1, 1024)),
            best: f64::INFINITY,
            seen: 0,
            over: 0,
            first_over: None,
            exceeded: VecDeque::new(),
            blown: VecDeque::new(),
            elevated: 0,
            onset: None,
        }
    }

    /// A watch for a curve smoothed at `width` decades with `points_per_decade` points. The
    /// window is capped at [`MAX_WINDOW`] points: a recording whose LRs barely move (a fuzzer's,
    /// or a log with repeated LRs) has an enormous density that no window needs to match.
    pub fn for_curve(width: f64, points_per_decade: f64, factor: f64) -> Self {
        let half = (MAX_WINDOW / 2) as f64;
        let tau = (width * points_per_decade).round().clamp(1.0, half) as usize;
        Watch::new(2 * tau + 1, factor)
    }

    /// The median and the lower quartile of the recent losses.
    fn quantiles(&self) -> (f64, f64) {
        let mut v: Vec<f64> = self.recent.iter().copied().collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        (median, v[(n - 1) / 4])
    }

    /// Records the loss of the next step, at `lr`; returns why the curve stops, once it does.
    pub fn observe(&mut self, lr: f64, loss: f64) -> Option<Stop> {
        let i = self.seen;
        self.seen += 1;
        let memory = 2 * self.window;
        while self.exceeded.front().is_some_and(|&(j, _)| j + memory <= i) {
            self.exceeded.pop_front();
        }
        while self.blown.front().is_some_and(|&j| j + memory <= i) {
            self.blown.pop_front();
        }
        if !loss.is_finite() {
            let (onset, lr) = self.first_over.unwrap_or((i, lr));
            self.onset = Some(onset);
            return Some(Stop::NonFinite { lr });
        }
        if self.recent.len() == self.window {
            self.recent.pop_front();
        }
        self.recent.push_back(loss);
        let (median, lower) = self.quantiles();
        self.best = self.best.min(median);
        let threshold = self.factor * self.best;
        if loss > threshold {
            self.over += 1;
            self.first_over.get_or_insert((i, lr));
            self.exceeded.push_back((i, lr));
            if loss > self.factor * threshold {
                self.blown.push_back(i);
            }
        } else {
            self.over = 0;
            self.first_over = None;
        }
        if lower >= ELEVATED * self.best {
            self.elevated += 1;
        } else {
            self.elevated = 0;
        }
        let found = if self.over >= CONSECUTIVE || median > threshold {
            Some(self.first_over.unwrap_or((i, lr)))
        } else if self.elevated >= self.window && !self.blown.is_empty() {
            self.exceeded.front().copied()
        } else {
            None
        };
        let (onset, lr) = found?;
        self.onset = Some(onset);
        Some(Stop::Diverged { lr })
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
    fn lrs_that_barely_move_get_a_bounded_window() {
        // Found by the analyze fuzzer: LRs 1e-15 decades apart asked for a window of 1e14 points.
        for ppd in [1e15, f64::INFINITY, f64::NAN] {
            let w = Watch::for_curve(0.05, ppd, 4.0);
            assert!(
                w.window <= MAX_WINDOW + 1 && w.window >= 1,
                "{ppd}: {}",
                w.window
            );
        }
    }

    #[test]
    fn a_median_above_the_threshold_diverges() {
        // A window of one step: the median is the loss itself.
        let mut d = Watch::new(1, 4.0);
        assert_eq!(d.observe(1.0, 2.0), None);
        assert_eq!(d.observe(2.0, 1.0), None);
        assert_eq!(d.observe(3.0, 4.0), None);
        assert_eq!(d.observe(4.0, 4.01), Some(Stop::Diverged { lr: 4.0 }));
        assert_eq!(d.onset(), Some(3));
    }

    #[test]
    fn a_non_finite_loss_stops_at_once() {
        let mut d = Watch::new(5, 4.0);
        assert_eq!(d.observe(1.0, 2.0), None);
        assert_eq!(d.observe(2.0, f64::NAN), Some(Stop::NonFinite { lr: 2.0 }));
        assert_eq!(d.onset(), Some(1));
    }

    /// A blow-up that falls back to chance: three steps above 4x the lowest median, so the curve
    /// diverged where it first crossed.
    #[test]
    fn a_raw_blow_up_is_a_divergence() {
        let mut d = Watch::new(7, 4.0);
        let mut losses: Vec<f64> = (0..60).map(|i| 2.3 - 0.035 * i as f64).collect();
        losses.extend([9.0, 12.0, 30.0, 2.3, 2.3, 2.3]);
        let stop = losses
            .iter()
            .enumerate()
            .find_map(|(i, &l)| d.observe(i as f64, l).map(|s| (i, s)));
        assert_eq!(stop, Some((62, Stop::Diverged { lr: 60.0 })));
        assert_eq!(d.onset(), Some(60));
    }

    /// Heavy-tailed batches (a regression target with outliers): single spikes of 10x the typical
    /// loss move neither the median nor its minimum, and are not a divergence.
    #[test]
    fn spikes_are_not_a_divergence() {
        let mut d = Watch::new(7, 4.0);
        for i in 0..200 {
            let loss = if i % 5 == 2 {
                5.0
            } else {
                0.5 + 0.01 * (i % 3) as f64
            };
            assert_eq!(d.observe(i as f64, loss), None, "{i}");
        }
    }

    /// The blow-up of the 27-class table: the loss bottoms at 2.88, then swings between
    /// about 3 and 30 times that, never three steps in a row above 4x and with fewer than half
    /// of any 7 above it (so the old rule never fired). It diverged at its first swing.
    #[test]
    fn a_swinging_blow_up_is_a_divergence() {
        let mut losses: Vec<f64> = (0..60).map(|i| 5.0 - 2.12 * i as f64 / 59.0).collect();
        let swings = [
            84.0, 9.0, 8.8, 60.0, 9.2, 8.7, 75.0, 8.9, 9.1, 40.0, 9.0, 8.8,
        ];
        for _ in 0..4 {
            losses.extend(swings);
        }
        let mut d = Watch::new(7, 4.0);
        let stop = losses
            .iter()
            .enumerate()
            .find_map(|(i, &l)| d.observe(i as f64, l).map(|s| (i, s)));
        assert_eq!(stop, Some((71, Stop::Diverged { lr: 60.0 })));
        assert_eq!(d.onset(), Some(60));
        let median_above = (60..losses.len() - 6).any(|i| {
            let mut w = losses[i..i + 7].to_vec();
            w.sort_by(f64::total_cmp);
            w[3] > 4.0 * 2.88
        });
        assert!(!median_above);
    }

    /// A spike the loss does not recover from: two steps above 4x, then a plateau near chance
    /// (0.69, under 4x the best 0.35 but twice it). Diverged at the spike.
    #[test]
    fn a_spike_that_leaves_the_loss_high_is_a_divergence() {
        let mut d = Watch::new(7, 4.0);
        let mut losses: Vec<f64> = (0..50).map(|i| 0.69 - 0.34 * i as f64 / 49.0).collect();
        losses.extend([0.36, 0.35, 0.37, 8.0, 12.0]);
        losses.extend((0..20).map(|i| 0.69 + 0.02 * (i % 3) as f64));
        let stop = losses
            .iter()
            .enumerate()
            .find_map(|(i, &l)| d.observe(i as f64, l).map(|s| (i, s)));
        let (at, why) = stop.expect("a divergence");
        assert_eq!(why, Stop::Diverged { lr: 53.0 });
        assert_eq!(d.onset(), Some(53));
        assert!(at < 53 + 2 * 7, "{at}");
    }

    #[test]
    fn the_window_matches_the_smoother() {
        // 0.2 decades at 14 points per decade: tau = 3 steps, a median of 7.
        assert_eq!(Watch::for_curve(0.2, 14.0, 4.0), Watch::new(7, 4.0));
        // Never fewer than three steps.
        assert_eq!(Watch::for_curve(0.01, 1.0, 4.0), Watch::new(3, 4.0));
    }
}
