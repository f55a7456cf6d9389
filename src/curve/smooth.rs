//! Smoothing a loss curve.
//!
//! The exponential moving average with bias correction,
//! `s_i = b s_{i-1} + (1 - b) loss_i` (`s_{-1} = 0`), `smoothed_i = s_i / (1 - b^(i+1))`.
//! The correction removes the pull toward 0 of the zero start, so the first points are plain
//! averages of the losses so far instead of underestimates.

/// Bias-corrected exponential moving average.
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

/// The smoothed curve of `losses` (one value per loss).
pub fn smooth(losses: &[f64], beta: f64) -> Vec<f64> {
    let mut ema = Ema::new(beta);
    losses.iter().map(|&l| ema.push(l)).collect()
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
}
