//! Smoothing a loss curve.
//!
//! The curve the rules read and the plot draws is smoothed by a **local linear regression in
//! log10 LR** (a Gaussian-weighted LOESS): at each point `x_i = log10(lr_i)`, the line
//! `a + b (x - x_i)` that minimises `sum_j w_j (loss_j - a - b (x_j - x_i))^2` with
//! `w_j = exp(-((x_j - x_i) / h)^2 / 2)` for `|x_j - x_i| <= 3h` gives the smoothed value `a`.
//! The kernel is symmetric, so the smoothed curve is not shifted in LR (zero phase): it runs
//! through the loss instead of trailing it as an exponential moving average does. Its width `h`
//! is in decades of LR, so a test of 100 steps and one of 1,000 over the same range give the same
//! curve. Fitting a line rather than a constant keeps the ends of the curve unbiased where the
//! loss is falling or rising.
//!
//! The causal exponential moving average ([`Ema`]) remains for deciding, while a test runs,
//! whether the loss has diverged: there the future is not known yet.

/// Bias-corrected exponential moving average:
/// `s_i = b s_{i-1} + (1 - b) v_i` (`s_{-1} = 0`), `average_i = s_i / (1 - b^(i+1))`.
/// The correction removes the pull toward 0 of the zero start, so the first values are plain
/// averages of the values so far instead of underestimates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ema {
    beta: f64,
    state: f64,
    n: i32,
}

impl Ema {
    /// An empty average with factor `beta` in [0, 1).
    pub fn new(beta: f64) -> Self {
        Ema {
            beta,
            state: 0.0,
            n: 0,
        }
    }

    /// Adds `value` and returns the bias-corrected average.
    pub fn push(&mut self, value: f64) -> f64 {
        self.state = self.beta * self.state + (1.0 - self.beta) * value;
        self.n += 1;
        self.state / (1.0 - self.beta.powi(self.n))
    }
}

/// Kernel weights below `exp(-4.5)` (beyond three widths) are left out.
const REACH: f64 = 3.0;

/// The zero-phase smoothed values of `ys` at `xs` (increasing), by local linear regression with a
/// Gaussian kernel of width `width` (same units as `xs`). Where a neighbourhood holds a single
/// point, or its points share one `x`, the fit falls back to the weighted mean.
pub fn local_linear(xs: &[f64], ys: &[f64], width: f64) -> Vec<f64> {
    assert_eq!(xs.len(), ys.len(), "one x per y");
    let n = xs.len();
    let mut out = Vec::with_capacity(n);
    let (mut lo, mut hi) = (0, 0);
    for i in 0..n {
        let x0 = xs[i];
        while xs[lo] < x0 - REACH * width {
            lo += 1;
        }
        while hi < n && xs[hi] <= x0 + REACH * width {
            hi += 1;
        }
        // Weighted sums for the 2x2 normal equations, centred at x0.
        let (mut s0, mut s1, mut s2, mut t0, mut t1) = (0.0, 0.0, 0.0, 0.0, 0.0);
        for j in lo..hi {
            let d = xs[j] - x0;
            let w = (-0.5 * (d / width).powi(2)).exp();
            s0 += w;
            s1 += w * d;
            s2 += w * d * d;
            t0 += w * ys[j];
            t1 += w * d * ys[j];
        }
        let det = s0 * s2 - s1 * s1;
        let fit = if det > 1e-12 * s0 * s2.max(f64::MIN_POSITIVE) {
            (s2 * t0 - s1 * t1) / det
        } else {
            t0 / s0
        };
        out.push(fit);
    }
    out
}

/// A curve's losses smoothed at `width` decades of LR: [`local_linear`] in `log10(lr)`.
pub fn smooth(lrs: &[f64], losses: &[f64], width: f64) -> Vec<f64> {
    let xs: Vec<f64> = lrs.iter().map(|lr| lr.log10()).collect();
    local_linear(&xs, losses, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ema_by_hand() {
        let mut e = Ema::new(0.5);
        assert_eq!(e.push(4.0), 4.0); // 2 / 0.5
                                      // s = 0.5 * 2 + 0.5 * 2 = 2, / (1 - 0.25) = 8/3
        assert!((e.push(2.0) - 8.0 / 3.0).abs() < 1e-12);
        // s = 0.5 * 2 + 0.5 * 1 = 1.5, / (1 - 0.125) = 12/7
        assert!((e.push(1.0) - 12.0 / 7.0).abs() < 1e-12);
        // With beta 0 the average is the value itself.
        let mut e = Ema::new(0.0);
        assert_eq!(e.push(3.0), 3.0);
        assert_eq!(e.push(5.0), 5.0);
    }

    #[test]
    fn bias_corrected_ema_of_a_constant_is_the_constant() {
        let mut e = Ema::new(0.98);
        for _ in 0..50 {
            assert!((e.push(2.5) - 2.5).abs() < 1e-12);
        }
    }

    /// A local linear fit reproduces any straight line exactly, ends included.
    #[test]
    fn a_line_is_its_own_smooth() {
        let xs: Vec<f64> = (0..50).map(|i| -6.0 + 0.14 * i as f64).collect();
        let ys: Vec<f64> = xs.iter().map(|x| 3.0 - 0.4 * x).collect();
        for (s, y) in local_linear(&xs, &ys, 0.3).iter().zip(&ys) {
            assert!((s - y).abs() < 1e-9, "{s} vs {y}");
        }
    }

    /// Zero phase: the smooth of a symmetric bump peaks where the bump does, while an EMA of the
    /// same curve peaks later.
    #[test]
    fn a_bump_is_not_shifted() {
        let xs: Vec<f64> = (0..201).map(|i| i as f64 * 0.05).collect();
        let ys: Vec<f64> = xs
            .iter()
            .map(|x| (-((x - 5.0) / 0.8).powi(2)).exp())
            .collect();
        let argmax = |v: &[f64]| {
            v.iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .unwrap()
                .0
        };
        let smooth = local_linear(&xs, &ys, 0.4);
        assert_eq!(argmax(&smooth), 100);
        let mut ema = Ema::new(0.9);
        let lagged: Vec<f64> = ys.iter().map(|&y| ema.push(y)).collect();
        assert!(argmax(&lagged) > 105);
    }

    /// The width is in units of x: the same curve sampled 10 times more densely smooths to the
    /// same values where the points coincide.
    #[test]
    fn width_is_in_decades_not_steps() {
        let f = |x: f64| 2.0 - (x + 3.0).tanh() + 0.1 * (3.0 * x).sin();
        let coarse: Vec<f64> = (0..71).map(|i| -6.0 + 0.1 * i as f64).collect();
        let fine: Vec<f64> = (0..701).map(|i| -6.0 + 0.01 * i as f64).collect();
        let sc = local_linear(
            &coarse,
            &coarse.iter().map(|&x| f(x)).collect::<Vec<_>>(),
            0.3,
        );
        let sf = local_linear(&fine, &fine.iter().map(|&x| f(x)).collect::<Vec<_>>(), 0.3);
        for (i, s) in sc.iter().enumerate() {
            assert!((s - sf[10 * i]).abs() < 0.02, "{i}: {s} vs {}", sf[10 * i]);
        }
    }

    #[test]
    fn noise_is_averaged_out() {
        // A falling line plus alternating noise of amplitude 0.3: the smooth stays within 0.05.
        let xs: Vec<f64> = (0..100).map(|i| -6.0 + 0.07 * i as f64).collect();
        let truth: Vec<f64> = xs.iter().map(|x| 1.0 - 0.1 * x).collect();
        let noisy: Vec<f64> = truth
            .iter()
            .enumerate()
            .map(|(i, t)| t + if i % 2 == 0 { 0.3 } else { -0.3 })
            .collect();
        let s = local_linear(&xs, &noisy, 0.2);
        for (i, (s, t)) in s.iter().zip(&truth).enumerate().skip(3).take(94) {
            assert!((s - t).abs() < 0.05, "{i}: {s} vs {t}");
        }
        // One point, or points on one x, give the mean.
        assert_eq!(local_linear(&[1.0], &[4.0], 0.1), [4.0]);
        assert_eq!(local_linear(&[1.0, 1.0], &[2.0, 4.0], 0.1), [3.0, 3.0]);
    }
}
