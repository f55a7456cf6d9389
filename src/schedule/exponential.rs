//! The learning-rate schedule of the range test: exponential growth from `start` to `end` over `n`
//! steps, `lr_i = start * (end / start)^(i / (n - 1))` for `i = 0..n`, so consecutive rates differ
//! by the constant factor `(end / start)^(1 / (n - 1))` and the points are evenly spaced in log10(LR).

use crate::error::{Error, Result, Setting};

/// An exponential LR schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExponentialSchedule {
    start: f64,
    end: f64,
    steps: usize,
}

impl ExponentialSchedule {
    /// Checks `0 < start < end` (finite) and `steps >= 2`.
    pub fn new(start: f64, end: f64, steps: usize) -> Result<Self> {
        if !(start.is_finite() && start > 0.0) {
            return Err(Error::config(
                Setting::StartLr,
                format!("{start} must be a finite number > 0"),
            ));
        }
        if !(end.is_finite() && end > 0.0) {
            return Err(Error::config(
                Setting::EndLr,
                format!("{end} must be a finite number > 0"),
            ));
        }
        if start >= end {
            return Err(Error::config(
                Setting::StartLr,
                format!("the start LR {start} must be below the end LR {end}"),
            ));
        }
        if steps < 2 {
            return Err(Error::config(
                Setting::Steps,
                format!("{steps} is too few; use at least 2"),
            ));
        }
        Ok(ExponentialSchedule { start, end, steps })
    }

    /// Number of steps.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// The LR at step `i` (`0..steps`); both ends are exact.
    pub fn lr(&self, i: usize) -> f64 {
        if i == 0 {
            self.start
        } else if i + 1 >= self.steps {
            self.end
        } else {
            let t = i as f64 / (self.steps - 1) as f64;
            self.start * (self.end / self.start).powf(t)
        }
    }

    /// Every LR of the schedule.
    pub fn iter(&self) -> impl Iterator<Item = f64> + '_ {
        (0..self.steps).map(|i| self.lr(i))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_exact_and_constant_ratio() {
        let s = ExponentialSchedule::new(1e-6, 10.0, 100).unwrap();
        let lrs: Vec<f64> = s.iter().collect();
        assert_eq!(lrs.len(), 100);
        assert_eq!(lrs[0], 1e-6);
        assert_eq!(lrs[99], 10.0);
        let ratio = 1e7f64.powf(1.0 / 99.0);
        for w in lrs.windows(2) {
            assert!((w[1] / w[0] - ratio).abs() < 1e-12);
        }
    }

    #[test]
    fn exact_sequence() {
        let s = ExponentialSchedule::new(0.001, 1.0, 4).unwrap();
        let expected = [0.001, 0.01, 0.1, 1.0];
        for (a, b) in s.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15 * b.max(1.0), "{a} vs {b}");
        }
    }

    #[test]
    fn rejects_bad_ranges() {
        assert!(ExponentialSchedule::new(0.0, 1.0, 10).is_err());
        assert!(ExponentialSchedule::new(1.0, 1.0, 10).is_err());
        assert!(ExponentialSchedule::new(1e-3, f64::INFINITY, 10).is_err());
        assert!(ExponentialSchedule::new(1e-3, 1.0, 1).is_err());
    }
}
